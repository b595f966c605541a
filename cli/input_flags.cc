#include "cli/input_flags.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "parsers/journal_reader.h"

namespace mailgauge::cli {

void AddInputFlags(Args* args) {
  args->Value("year", "YEAR",
              "year of classic (RFC 3164) timestamps, which carry none; default: "
              "inferred from today, with the December->January roll-over");
  args->Value("timezone", "TZ",
              "time zone of classic timestamps, e.g. Europe/Berlin; default: the "
              "local zone");
  args->Value("syslog-name", "NAME",
              "syslog name of a Postfix instance besides postfix and postfix-*; "
              "repeatable");
  args->Value("unparsed", "FILE",
              "write every line that is not understood to FILE");
  args->Value("max-line-bytes", "N", "cut lines longer than N bytes (default 65536)");
  args->Value("threads", "N",
              "use N threads for log files (default 1): N-1 read and parse, one "
              "correlates and tallies; the output is the same as with 1. "
              "Several files (rotated logs, compressed too) are read at once, one big "
              "file is parsed in parallel; the journal is read on one thread");
  args->Flag("journal",
             "read the local systemd journal instead of files (needs root or the "
             "systemd-journal/adm group)");
  args->Value("journal-dir", "DIR", "read the journal files in DIR");
  args->Value("journal-file", "FILE", "read the journal file FILE; repeatable");
  args->Value("journal-unit", "UNIT",
              "read only this systemd unit's entries (e.g. postfix@-, "
              "'postfix@*'); repeatable; default: facility mail, postfix.service, "
              "postfix@*.service, and Postfix identifiers logging with another "
              "facility");
  args->Value("journal-slice", "SLICE",
              "read this systemd slice's entries (e.g. system-postfix.slice), besides "
              "any --journal-unit's; repeatable");
  args->Flag("journal-all",
             "look at every journal entry, not only those selected by default "
             "(still keeps only Postfix programs)");
  args->Value("since", "TIME",
              "journal entries at or after TIME: 2026-11-25, '2026-11-25 10:00', "
              "RFC 3339, today, yesterday, -2h, @UNIX");
  args->Value("until", "TIME", "journal entries at or before TIME (as --since)");
  args->Value("journal-cursor-file", "FILE",
              "start after the journal cursor saved in FILE (if it exists) and "
              "save the cursor of the last entry read in it");
}

absl::StatusOr<absl::Time> ParseJournalTime(const std::string& text,
                                            absl::TimeZone zone, absl::Time now) {
  const absl::CivilDay today = absl::ToCivilDay(now, zone);
  if (text == "now") return now;
  if (text == "today") return absl::FromCivil(today, zone);
  if (text == "yesterday") return absl::FromCivil(today - 1, zone);
  if (text == "tomorrow") return absl::FromCivil(today + 1, zone);
  if (text.size() > 1 && text[0] == '-') {
    int64_t seconds = 0;
    if (ParseDuration(text.substr(1), &seconds)) return now - absl::Seconds(seconds);
  }
  if (text.size() > 1 && text[0] == '@') {
    char* end = nullptr;
    const long long v = std::strtoll(text.c_str() + 1, &end, 10);
    if (*end == '\0') return absl::FromUnixSeconds(v);
  }
  static const char* const kFormats[] = {
      "%Y-%m-%d%ET%H:%M:%E*S%Ez", "%Y-%m-%d %H:%M:%E*S%Ez", "%Y-%m-%d%ET%H:%M%Ez",
      "%Y-%m-%d %H:%M%Ez",        "%Y-%m-%d%ET%H:%M:%E*S",  "%Y-%m-%d %H:%M:%E*S",
      "%Y-%m-%d%ET%H:%M",         "%Y-%m-%d %H:%M",         "%Y-%m-%d",
  };
  const absl::string_view input(text.data(), text.size());
  for (const char* format : kFormats) {
    absl::Time t;
    std::string err;
    if (absl::ParseTime(format, input, zone, &t, &err)) return t;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "'", text, "' is not a time like 2026-11-25, '2026-11-25 10:00:00', "
      "2026-11-25T10:00:00+01:00, today, yesterday, -2h or @1764093489"));
}

absl::StatusOr<analyzer::LogInputOptions> InputOptionsFromFlags(const Args& args) {
  analyzer::LogInputOptions options;
  if (args.Has("year")) {
    char* end = nullptr;
    const std::string y = args.Get("year");
    const long year = std::strtol(y.c_str(), &end, 10);
    if (end == y.c_str() || *end != '\0' || year < 1970 || year > 9999) {
      return absl::InvalidArgumentError(
          absl::StrCat("--year: '", y, "' is not a year between 1970 and 9999"));
    }
    options.envelope.year = static_cast<int>(year);
  }
  if (args.Has("timezone")) {
    const std::string tz = args.Get("timezone");
    absl::TimeZone zone;
    if (!absl::LoadTimeZone(tz, &zone)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--timezone: unknown time zone '", tz, "'"));
    }
    options.envelope.time_zone = zone;
  }
  for (const std::string& name : args.GetAll("syslog-name")) {
    options.envelope.syslog_names.Add(name);
  }
  options.unparsed_path = args.Get("unparsed");
  if (args.Has("max-line-bytes")) {
    const std::string v = args.Get("max-line-bytes");
    char* end = nullptr;
    const long n = std::strtol(v.c_str(), &end, 10);
    if (end == v.c_str() || *end != '\0' || n < 256) {
      return absl::InvalidArgumentError(
          absl::StrCat("--max-line-bytes: '", v, "' must be a number >= 256"));
    }
    options.max_line_bytes = static_cast<size_t>(n);
  }
  if (args.Has("threads")) {
    const std::string v = args.Get("threads");
    char* end = nullptr;
    const long n = std::strtol(v.c_str(), &end, 10);
    if (end == v.c_str() || *end != '\0' || n < 1 || n > kMaxThreads) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--threads: '", v, "' is not a number of threads from 1 to ", kMaxThreads));
    }
    options.threads = static_cast<int>(n);
  }

  // The journal.
  const int sources = (args.Has("journal") ? 1 : 0) + (args.Has("journal-dir") ? 1 : 0) +
                      (args.Has("journal-file") ? 1 : 0);
  if (sources > 1) {
    return absl::InvalidArgumentError(
        "give only one of --journal, --journal-dir and --journal-file");
  }
  if (sources == 0) {
    for (const char* flag :
         {"journal-unit", "journal-slice", "journal-all", "since", "until",
          "journal-cursor-file"}) {
      if (args.Has(flag)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--", flag, " needs a journal: --journal, --journal-dir or --journal-file"));
      }
    }
    return options;
  }
  if (!args.positional().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "read either the journal or files, not both (file argument '",
        args.positional().front(), "')"));
  }
  parsers::JournalOptions journal;
  if (args.Has("journal-dir")) {
    journal.source = parsers::JournalSource::kDirectory;
    journal.directory = args.Get("journal-dir");
  } else if (args.Has("journal-file")) {
    journal.source = parsers::JournalSource::kFiles;
    journal.files = args.GetAll("journal-file");
  }
  journal.units = args.GetAll("journal-unit");
  journal.slices = args.GetAll("journal-slice");
  journal.all_entries = args.Has("journal-all");
  if (journal.all_entries && (!journal.units.empty() || !journal.slices.empty())) {
    return absl::InvalidArgumentError(
        "give either --journal-unit/--journal-slice or --journal-all");
  }
  const absl::Time now = absl::Now();
  for (const auto& [flag, field] :
       {std::pair<const char*, std::optional<absl::Time>*>{"since", &journal.since},
        std::pair<const char*, std::optional<absl::Time>*>{"until", &journal.until}}) {
    if (!args.Has(flag)) continue;
    absl::StatusOr<absl::Time> t =
        ParseJournalTime(args.Get(flag), options.envelope.time_zone, now);
    if (!t.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, ": ", t.status().message()));
    }
    *field = *t;
  }
  if (journal.since && journal.until && *journal.until < *journal.since) {
    return absl::InvalidArgumentError("--until is earlier than --since");
  }
  if (args.Has("journal-cursor-file")) {
    const std::string path = args.Get("journal-cursor-file");
    std::ifstream f(path);
    if (!f && ::access(path.c_str(), F_OK) == 0) {
      // It exists (a later run) but can't be read: don't start over silently.
      return absl::PermissionDeniedError(
          absl::StrCat("--journal-cursor-file: cannot read ", path));
    }
    if (f) {
      std::stringstream text;
      text << f.rdbuf();
      std::string cursor = text.str();
      while (!cursor.empty() && (cursor.back() == '\n' || cursor.back() == ' ')) {
        cursor.pop_back();
      }
      journal.after_cursor = cursor;
    }
  }
  options.journal = std::move(journal);
  return options;
}

absl::Status ReadInputs(const Args& args, analyzer::LogInput* input) {
  if (args.positional().empty() && !input->options().journal && ::isatty(STDIN_FILENO) == 1) {
    // No file named and nothing piped in: say what is awaited, instead of
    // waiting silently (on Debian 12 without rsyslog there is no mail.log).
    std::fprintf(stderr,
                 "mailgauge: reading a mail log from standard input, a terminal "
                 "(Ctrl-D ends it); give log files (/var/log/mail.log), or --journal "
                 "where Postfix logs only to systemd's journal\n");
  }
  absl::Status status = input->ReadInputs(args.positional());
  if (input->options().journal && args.Has("journal-cursor-file")) {
    const std::string path = args.Get("journal-cursor-file");
    const std::string& cursor = input->journal_cursor();
    if (!cursor.empty()) {
      const std::string tmp = path + ".tmp";
      std::ofstream f(tmp, std::ios::trunc);
      f << cursor << "\n";
      f.close();
      if (!f || std::rename(tmp.c_str(), path.c_str()) != 0) {
        absl::Status s = absl::PermissionDeniedError(
            absl::StrCat("--journal-cursor-file: cannot write ", path));
        if (status.ok()) status = s;
      }
    }
  }
  return status;
}

namespace {

// " (N journal entries)" after the line count, for what came from the
// journal or in journalctl's multi-line forms; "" for plain logs.
std::string JournalEntriesNote(const analyzer::LogInputStats& s) {
  std::string note;
  if (s.journal_entries > 0) absl::StrAppend(&note, s.journal_entries, " journal entries");
  if (s.journalctl_entries > 0) {
    absl::StrAppend(&note, note.empty() ? "" : ", ", s.journalctl_entries,
                    " entries of journalctl -o export, json-pretty or verbose in ",
                    s.journalctl_entry_lines, " lines");
  }
  return note.empty() ? note : absl::StrCat(" (", note, ")");
}

}  // namespace

void PrintInputStats(const analyzer::LogInputStats& s) {
  std::fprintf(stderr,
               "mailgauge: %llu lines in %llu files%s: %llu %s lines, %llu parsed, "
               "%llu not understood, %llu with an unreadable envelope, %llu from "
               "other programs, %llu overlong, %llu with a time earlier than the "
               "newest before\n",
               static_cast<unsigned long long>(s.lines),
               static_cast<unsigned long long>(s.files),
               JournalEntriesNote(s).c_str(),
               static_cast<unsigned long long>(s.postfix_lines),
               s.exim_lines == 0                    ? "Postfix"
               : s.exim_lines == s.postfix_lines    ? "Exim"
                                                    : "Postfix and Exim",
               static_cast<unsigned long long>(s.parsed_lines),
               static_cast<unsigned long long>(s.unparsed_lines()),
               static_cast<unsigned long long>(s.malformed_lines),
               static_cast<unsigned long long>(s.other_program_lines),
               static_cast<unsigned long long>(s.overlong_lines),
               static_cast<unsigned long long>(s.time_went_backwards));
  if (s.repeated_messages > 0) {
    std::fprintf(stderr, "mailgauge:   messages repeated (rsyslog's \"message repeated N times\"), "
                         "counted again: %llu\n",
                 static_cast<unsigned long long>(s.repeated_messages));
  }
  if (s.verbose_lines > 0) {
    std::fprintf(stderr, "mailgauge:   lines of Postfix's verbose logging (-v in master.cf, "
                         "debug_peer_list), understood but saying nothing about mail: %llu\n",
                 static_cast<unsigned long long>(s.verbose_lines));
  }
  for (const auto& [daemon, n] : s.unparsed_by_daemon) {
    std::fprintf(stderr, "mailgauge:   not understood from %s: %llu\n",
                 daemon.c_str(), static_cast<unsigned long long>(n));
  }
  for (const std::string& note : analyzer::ForeignLogNotes(s)) {
    std::fprintf(stderr, "mailgauge:   %s\n", note.c_str());
  }
  if (!s.other_programs.empty() && s.postfix_lines == 0) {
    std::string list;
    for (const auto& [program, n] : s.other_programs) {
      absl::StrAppend(&list, list.empty() ? "" : ", ", program, " ", n);
    }
    std::fprintf(stderr, "mailgauge:   lines by program: %s\n", list.c_str());
  }
}

}  // namespace mailgauge::cli

namespace mailgauge::cli {

bool FlushStdout(const char* command, const char* what) {
  std::cout.flush();
  if (std::cout) return true;
  std::fprintf(stderr, "mailgauge %s: cannot write %s to standard output: %s\n", command, what,
               std::strerror(errno));
  return false;
}

void PrintRunStats(const Args& args, const analyzer::LogInputStats& stats,
                   const analyzer::CorrelatorStats& c) {
  if (args.Has("stats")) {
    PrintInputStats(stats);
    std::fprintf(stderr,
                 "mailgauge: %llu messages, %llu records (%llu unfinished), %llu hops "
                 "joined, %llu notices linked, %llu NOQUEUE rejects, %llu in flight at "
                 "end, %llu evicted by age, %llu by cap, %llu abandoned, %llu canceled by "
                 "smtpd\n",
                 (unsigned long long)c.messages, (unsigned long long)c.records,
                 (unsigned long long)c.unfinished_records,
                 (unsigned long long)c.joined_hops, (unsigned long long)c.notifications,
                 (unsigned long long)c.noqueue_rejects,
                 (unsigned long long)c.unfinished_at_end,
                 (unsigned long long)c.evicted_age, (unsigned long long)c.evicted_cap,
                 (unsigned long long)c.abandoned, (unsigned long long)c.canceled);
  } else if (!args.Has("quiet") &&
             (stats.unparsed_lines() > 0 || stats.malformed_lines > 0 ||
              !stats.skipped_exim_reject_logs.empty() ||
              (stats.postfix_lines == 0 && stats.lines > stats.empty_lines))) {
    PrintInputStats(stats);
  }
  if (!args.Has("quiet") && stats.postfix_lines == 0 && stats.lines > stats.empty_lines) {
    std::fprintf(stderr,
                 "mailgauge: warning: no line of the input is from Postfix or Exim (for "
                 "a syslog_name other than postfix and postfix-*, give --syslog-name "
                 "NAME)\n");
  }
}

}  // namespace mailgauge::cli
