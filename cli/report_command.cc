#include "cli/report_command.h"

#include <malloc.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <cctype>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "analyzer/correlator.h"
#include "analyzer/log_input.h"
#include "analyzer/message_record.h"
#include "analyzer/report/html_report.h"
#include "analyzer/report/json_report.h"
#include "analyzer/report/report_options.h"
#include "analyzer/report/text_report.h"
#include "analyzer/summary.h"
#include "cli/args.h"
#include "cli/input_flags.h"
#include "common/timestamp.h"
#include "common/version.h"
#include "parsers/line_reader.h"

namespace mailgauge::cli {
namespace {

constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int Fail(const std::string& message, int code) {
  std::fprintf(stderr, "mailgauge report: %s\n", message.c_str());
  return code;
}

// Parses a non-negative count option; false with a message if malformed.
bool Count(const Args& args, const std::string& name, int* out, std::string* error) {
  if (!args.Has(name)) return true;
  const std::string v = args.Get(name);
  char* end = nullptr;
  const long n = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || n < 0 || n > 1000000000) {
    *error = "--" + name + ": '" + v + "' is not a count (0 or more)";
    return false;
  }
  *out = static_cast<int>(n);
  return true;
}

std::string MonthDayLabel(absl::CivilDay d) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%s %2d", kMonths[d.month() - 1], d.day());
  return buf;
}

std::string FullDayLabel(absl::CivilDay d) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%s %2d %lld", kMonths[d.month() - 1], d.day(),
                static_cast<long long>(d.year()));
  return buf;
}

int64_t DayNumber(absl::CivilDay d) {
  return DaysFromCivil(static_cast<int>(d.year()), d.month(), d.day());
}

// One end of a -d range: a day, or a month (first or last day of it).
bool ParseEnd(const std::string& text, absl::CivilDay today, bool is_last, absl::CivilDay* out,
              bool* is_month, std::string* error) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  *is_month = false;
  if (text == "today") {
    *out = today;
  } else if (text == "yesterday") {
    *out = today - 1;
  } else if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3) {
    const absl::CivilDay day(y, m, d);
    if (day.year() != y || day.month() != m || day.day() != d || text.size() != 10) {
      *error = "-d: '" + text + "' is not a valid date";
      return false;
    }
    *out = day;
  } else if (std::sscanf(text.c_str(), "%4d-%2d%c", &y, &m, &tail) == 2 && text.size() == 7) {
    if (m < 1 || m > 12) {
      *error = "-d: '" + text + "' is not a valid month";
      return false;
    }
    const absl::CivilMonth month(y, m);
    *out = is_last ? absl::CivilDay(month + 1) - 1 : absl::CivilDay(month);
    *is_month = true;
  } else {
    return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<ReportPeriod> ParseReportDate(const std::string& text, absl::CivilDay today,
                                             bool week_starts_monday) {
  ReportPeriod p;
  auto set = [&](absl::CivilDay first, absl::CivilDay last, std::string label) {
    p.first_day = DayNumber(first);
    p.last_day = DayNumber(last);
    p.label = std::move(label);
    return p;
  };
  if (text == "this week" || text == "last week") {
    // absl::GetWeekday: Monday..Sunday; days since the week's first day.
    const int weekday = static_cast<int>(absl::GetWeekday(today));  // 0 = Monday
    const int since_start = week_starts_monday ? weekday : (weekday + 1) % 7;
    absl::CivilDay first = today - since_start;
    if (text == "last week") first -= 7;
    const absl::CivilDay last = first + 6;
    return set(first, last, FullDayLabel(first) + " - " + FullDayLabel(last));
  }
  if (text == "this month" || text == "last month") {
    absl::CivilMonth month(today);
    if (text == "last month") month -= 1;
    return set(absl::CivilDay(month), absl::CivilDay(month + 1) - 1,
               std::string(kMonths[month.month() - 1]) + " " + std::to_string(month.year()));
  }
  const std::string usage =
      "' is not today, yesterday, this week, last week, this month, last month, "
      "YYYY-MM-DD, YYYY-MM or a range of two of those (e.g. \"2026-11-01 2026-11-15\")";
  std::string error;
  absl::CivilDay day;
  bool is_month = false;
  if (ParseEnd(text, today, false, &day, &is_month, &error)) {
    if (!is_month) return set(day, day, MonthDayLabel(day));
    absl::CivilDay last;
    ParseEnd(text, today, true, &last, &is_month, &error);
    return set(day, last,
               std::string(kMonths[day.month() - 1]) + " " + std::to_string(day.year()));
  }
  if (!error.empty()) return absl::InvalidArgumentError(error);
  // A range: "A B", "A - B", "A..B".
  std::string a, b;
  for (const char* sep : {" - ", "..", " ", "\t"}) {
    const size_t at = text.find(sep);
    if (at == std::string::npos) continue;
    a = text.substr(0, at);
    b = text.substr(at + std::string(sep).size());
    auto trim = [](std::string& s) {
      const size_t f = s.find_first_not_of(" \t");
      const size_t l = s.find_last_not_of(" \t");
      s = f == std::string::npos ? std::string() : s.substr(f, l - f + 1);
    };
    trim(a);
    trim(b);
    break;
  }
  absl::CivilDay first, last;
  bool first_month = false, last_month = false;
  if (a.empty() || b.empty() || !ParseEnd(a, today, false, &first, &first_month, &error) ||
      !ParseEnd(b, today, true, &last, &last_month, &error)) {
    if (!error.empty()) return absl::InvalidArgumentError(error);
    return absl::InvalidArgumentError("-d: '" + text + usage);
  }
  if (last < first) {
    return absl::InvalidArgumentError("-d: the range '" + text + "' ends before it starts");
  }
  if (first == last) return set(first, last, MonthDayLabel(first));
  return set(first, last, FullDayLabel(first) + " - " + FullDayLabel(last));
}

std::string FormatProgress(uint64_t bytes_done, uint64_t bytes_total, uint64_t lines,
                           double seconds) {
  if (bytes_done > bytes_total) bytes_done = bytes_total;
  const double fraction =
      bytes_total > 0 ? static_cast<double>(bytes_done) / static_cast<double>(bytes_total) : 1;
  constexpr int kBar = 20;
  const int filled = static_cast<int>(fraction * kBar);
  std::string out = "[" + std::string(filled, '#') + std::string(kBar - filled, ' ') + "]";
  char buf[160];
  auto mb = [](uint64_t b) { return static_cast<double>(b) / (1024.0 * 1024.0); };
  const double rate = seconds > 0 ? static_cast<double>(lines) / seconds : 0;
  char rate_text[32];
  if (rate >= 1e6) {
    std::snprintf(rate_text, sizeof(rate_text), "%.1fM", rate / 1e6);
  } else if (rate >= 1e3) {
    std::snprintf(rate_text, sizeof(rate_text), "%.0fk", rate / 1e3);
  } else {
    std::snprintf(rate_text, sizeof(rate_text), "%.0f", rate);
  }
  std::string eta = "--:--";
  if (bytes_done > 0 && seconds > 0 && bytes_done < bytes_total) {
    const double left = seconds * static_cast<double>(bytes_total - bytes_done) /
                        static_cast<double>(bytes_done);
    const long long s = static_cast<long long>(left + 0.5);
    char e[32];
    if (s >= 3600) {
      std::snprintf(e, sizeof(e), "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    } else {
      std::snprintf(e, sizeof(e), "%lld:%02lld", s / 60, s % 60);
    }
    eta = e;
  } else if (bytes_done >= bytes_total) {
    eta = "0:00";
  }
  std::snprintf(buf, sizeof(buf), " %3d%%  %.1f/%.1f MB  %s lines/s  ETA %s",
                static_cast<int>(fraction * 100), mb(bytes_done), mb(bytes_total), rate_text,
                eta.c_str());
  out += buf;
  if (out.size() > 79) out.resize(79);
  return out;
}

namespace {

// Total text bytes of the named log files, for the progress bar
// (parsers::EstimatedTextBytes: compressed files by their own record of
// it). stdin counts nothing.
uint64_t InputBytes(const std::vector<std::string>& paths) {
  uint64_t total = 0;
  for (const std::string& path : paths) {
    if (path != "-") total += parsers::EstimatedTextBytes(path);
  }
  return total;
}

// The progress bar on stderr: redrawn at most 10 times a second, erased at
// the end.
class ProgressBar {
 public:
  explicit ProgressBar(uint64_t total) : total_(total), start_(absl::Now()) {}
  void Update(uint64_t bytes, uint64_t lines) {
    const absl::Time now = absl::Now();
    if (drawn_ && now - last_ < absl::Milliseconds(100)) return;
    last_ = now;
    drawn_ = true;
    const std::string line =
        FormatProgress(bytes, total_, lines, absl::ToDoubleSeconds(now - start_));
    std::fprintf(stderr, "\r%s", line.c_str());
    std::fflush(stderr);
  }
  void Finish() {
    if (!drawn_) return;
    std::fprintf(stderr, "\r%79s\r", "");
    std::fflush(stderr);
  }

 private:
  uint64_t total_;
  absl::Time start_;
  absl::Time last_;
  bool drawn_ = false;
};

// pflogsumm's --mailq: "Current Mail Queue" and what `mailq` (Postfix's
// queue listing, found in PATH) writes, after the text report. False, with
// the reason in *error, when mailq cannot be run or fails.
bool AppendMailq(std::string* error) {
  std::printf("\nCurrent Mail Queue\n------------------\n");
  std::fflush(stdout);
  char name[] = "mailq";
  char* const argv[] = {name, nullptr};
  pid_t pid = 0;
  if (const int err = posix_spawnp(&pid, name, nullptr, nullptr, argv, environ); err != 0) {
    *error = std::string("--mailq: cannot run mailq: ") + std::strerror(err) +
             " (Postfix's mailq, in PATH)";
    return false;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      *error = std::string("--mailq: ") + std::strerror(errno);
      return false;
    }
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    *error = WIFEXITED(status)
                 ? "--mailq: mailq exited with status " + std::to_string(WEXITSTATUS(status))
                 : "--mailq: mailq was killed by signal " + std::to_string(WTERMSIG(status));
    return false;
  }
  return true;
}

// Inputs smaller than this finish before a bar would be worth drawing.
constexpr uint64_t kProgressMinBytes = 4 << 20;

// pflogsumm accepts "_" for "-" in option names, an optional value for
// --verp-mung and its deprecated --no-*-detail switches; Args wants one
// spelling, so rewrite those first.
std::vector<std::string> NormalizeArgv(int argc, char** argv, int first) {
  std::vector<std::string> out;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (i >= first && a.rfind("--", 0) == 0 && a.size() > 2) {
      const size_t eq = a.find('=');
      for (size_t k = 2; k < a.size() && k < eq; ++k) {
        if (a[k] == '_') a[k] = '-';
      }
      if (a.rfind("--verp-mung=", 0) == 0) a = "--verp-mung-level=" + a.substr(12);
      // pflogsumm's deprecated switches, as it reads them.
      static constexpr std::pair<const char*, const char*> kDeprecated[] = {
          {"--no-bounce-detail", "--bounce-detail=0"},
          {"--no-deferral-detail", "--deferral-detail=0"},
          {"--no-reject-detail", "--reject-detail=0"},
          {"--no-smtpd-warnings", "--smtpd-warning-detail=0"},
      };
      for (const auto& [old_name, replacement] : kDeprecated) {
        if (a == old_name) a = replacement;
      }
    }
    if (a == "--") {
      for (; i < argc; ++i) out.push_back(argv[i]);
      break;
    }
    out.push_back(a);
  }
  return out;
}

}  // namespace

int ReportCommand(int argc, char** argv, int first) {
  Args args("report");
  args.Value("format", "FORMAT", "text (default, pflogsumm's layout), json or html");
  args.Value("merge", "FILE.json",
             "add a JSON summary written by --format json (another host or day); "
             "repeatable; with no log FILE given, only the summaries are reported");
  args.Value("date", "DAY",
             "report only lines of these days (log wall-clock time): today, "
             "yesterday, \"this week\", \"last week\", \"this month\", \"last "
             "month\", YYYY-MM-DD, YYYY-MM, or a range \"FROM TO\" of days or months "
             "(e.g. \"2026-11-01 2026-11-15\"); with --journal, only that span of "
             "the journal is read", 'd');
  args.Flag("dow0mon", "weeks start on Monday (default: Sunday) for -d this/last week");
  args.Value("detail", "N",
             "limit every top list and detail section to N rows (0 hides them) "
             "unless a more specific option says otherwise");
  args.Value("host-top", "N", "top N rows of the host/domain tables (0 hides them)", 'h');
  args.Value("user-top", "N", "top N rows of the sender/recipient tables (0 hides them)",
             'u');
  args.Value("bounce-detail", "N", "top N bounce reasons per relay (0 hides the section)");
  args.Value("deferral-detail", "N",
             "top N deferral reasons per service (0 hides it and expired detail)");
  args.Value("reject-detail", "N",
             "top N clients/addresses per reject, reject warning, hold and discard "
             "reason (0 hides them)");
  args.Value("smtp-detail", "N", "top N hosts per smtp delivery failure (0 hides it)");
  args.Value("smtpd-warning-detail", "N", "top N warnings per service (0 hides them)");
  args.Value("warning-detail", "N", "same as --smtpd-warning-detail");
  args.Flag("ignore-case", "lower-case whole addresses (default: only the domain)", 'i');
  args.Flag("iso-date-time", "ISO 8601 dates and times (2026-11-25, 10:00-11:00)");
  args.Flag("problems-first", "print the problem sections before the traffic tables");
  args.Flag("smtpd-stats", "add smtpd connection statistics (count, time, per host)");
  args.Flag("verp-mung", "replace VERP numbers in sender addresses by \"ID\"");
  args.Value("verp-mung-level", "N",
             "--verp-mung=2 (also written so): also drop the VERP recipient part");
  args.Flag("zero-fill", "print all five columns of every day in the per-day table");
  args.Flag("no-no-msg-size", "omit \"Messages with no size data\"");
  args.Flag("rej-add-from", "show the sender with recipient and client rejects");
  args.Flag("rej-add-to", "show the recipient with sender-address rejects");
  args.Flag("use-orig-to", "count recipients by their original address (orig_to=) when logged");
  args.Flag("srs-mung", "rewrite SRS0/SRS1 sender addresses to the original sender");
  args.Flag("uucp-mung",
            "turn UUCP bang paths in addresses the Internet way round "
            "(host.dom!user@next -> next!user@host.dom)",
            'm');
  args.Flag("version", "print mailgauge's version and exit");
  args.Flag("mailq",
            "after the text report, \"Current Mail Queue\": what mailq (Postfix's queue "
            "listing) prints");
  args.Flag("verbose-msg-detail",
            "show deferral, bounce, reject and warning reasons whole (not cut or "
            "shortened as pflogsumm does)");
  args.Value("colwidth", "N",
             "cut long fields (addresses, hosts, reasons) so that no line of the text "
             "report is wider than N columns (default 0: no limit)");
  args.Flag("extended-detail",
            "add \"Message detail\": per message its client, sender, size and each "
            "recipient's status, relay and delay (memory grows with the messages)",
            'e');
  args.Value("by-domain", "DOMAIN",
             "count only messages whose sender or a recipient is in DOMAIN or a "
             "subdomain, and lines naming such an address (see docs/report.md)");
  args.Flag("quiet", "omit sections that have nothing to show, and no progress bar", 'q');
  args.Flag("stats", "print input and correlation statistics to stderr");
  AddInputFlags(&args);

  std::vector<std::string> normalized = NormalizeArgv(argc, argv, first);
  std::vector<char*> argv2;
  for (std::string& s : normalized) argv2.push_back(s.data());
  if (absl::Status s = args.Parse(static_cast<int>(argv2.size()), argv2.data(), first);
      !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 2;
  }
  if (args.Has("version")) {
    std::printf("mailgauge %s\n", kVersion);
    return 0;
  }
  if (args.Has("help")) {
    std::printf(
        "usage: mailgauge report [OPTIONS] [FILE...|-]\n\n"
        "Summarizes Postfix logs (and Exim's: docs/exim.md) the way pflogsumm\n"
        "does, section for section: Grand Totals, per-day and per-hour\n"
        "traffic, host/domain tables, senders and recipients by count and\n"
        "size, deferral, bounce, reject, hold and discard detail, warnings,\n"
        "fatal errors, panics and master messages;\n"
        "then mailgauge's own sections (expired mail, postscreen, TLS, SASL\n"
        "failures, reason classes). Messages are followed by queue ID, so mail\n"
        "re-injected by a content filter is counted once. Reads syslog files\n"
        "(classic, ISO, RFC 5424), Postfix's maillog_file, saved journalctl\n"
        "output (-o short*, json*, export, verbose), .gz, .xz, .bz2 and .zst\n"
        "files, stdin or the systemd journal (--journal*), in time order; with no\n"
        "FILE, no journal option and no --merge, reads stdin. --threads N uses N\n"
        "threads for files (the report is the same as with one).\n"
        "-h and -u take a count as in pflogsumm; --help shows this text.\n\n"
        "Options:\n%s",
        args.Help().c_str());
    return 0;
  }
  auto input_options = InputOptionsFromFlags(args);
  if (!input_options.ok()) return Fail(std::string(input_options.status().message()), 2);
  const int threads = input_options->threads;  // input_options is moved below

  const std::string format = args.Get("format", "text");
  if (format != "text" && format != "json" && format != "html") {
    return Fail("--format: '" + format + "' is not text, json or html", 2);
  }
  if (args.Has("mailq") && format != "text") {
    return Fail("--mailq goes with the text report, not --format " + format, 2);
  }
  analyzer::report::ReportOptions report_options;
  std::string error;
  int detail = -1;
  if (!Count(args, "detail", &detail, &error)) return Fail(error, 2);
  for (int* limit : {&report_options.host_top, &report_options.user_top,
                     &report_options.bounce_detail, &report_options.deferral_detail,
                     &report_options.reject_detail, &report_options.smtp_detail,
                     &report_options.warning_detail}) {
    *limit = detail;
  }
  for (const auto& [name, limit] :
       {std::pair<const char*, int*>{"host-top", &report_options.host_top},
        {"user-top", &report_options.user_top},
        {"bounce-detail", &report_options.bounce_detail},
        {"deferral-detail", &report_options.deferral_detail},
        {"reject-detail", &report_options.reject_detail},
        {"smtp-detail", &report_options.smtp_detail},
        {"smtpd-warning-detail", &report_options.warning_detail},
        {"warning-detail", &report_options.warning_detail}}) {
    if (!Count(args, name, limit, &error)) return Fail(error, 2);
  }
  report_options.quiet = args.Has("quiet");
  report_options.iso_date_time = args.Has("iso-date-time");
  report_options.problems_first = args.Has("problems-first");
  report_options.smtpd_stats = args.Has("smtpd-stats");
  report_options.no_no_msg_size = args.Has("no-no-msg-size");
  report_options.zero_fill = args.Has("zero-fill");
  report_options.message_detail = args.Has("extended-detail");
  if (!Count(args, "colwidth", &report_options.colwidth, &error)) return Fail(error, 2);
  if (report_options.colwidth > 0 && report_options.colwidth < 40) {
    return Fail("--colwidth: '" + args.Get("colwidth") + "' is too narrow (0 or at least 40)",
                2);
  }

  analyzer::SummaryOptions summary_options;
  summary_options.ignore_case = args.Has("ignore-case");
  summary_options.rej_add_from = args.Has("rej-add-from");
  summary_options.rej_add_to = args.Has("rej-add-to");
  summary_options.use_orig_to = args.Has("use-orig-to");
  summary_options.srs_mung = args.Has("srs-mung");
  summary_options.uucp_mung = args.Has("uucp-mung");
  summary_options.verbose_msg_detail = args.Has("verbose-msg-detail");
  summary_options.message_detail = report_options.message_detail;
  if (args.Has("by-domain")) {
    std::string domain = args.Get("by-domain");
    std::transform(domain.begin(), domain.end(), domain.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!domain.empty() && domain.back() == '.') domain.pop_back();
    if (domain.empty() || domain.find_first_of("@ \t[]") != std::string::npos ||
        domain.front() == '.' || domain.find("..") != std::string::npos) {
      return Fail("--by-domain: '" + args.Get("by-domain") +
                      "' is not a domain name like example.com",
                  2);
    }
    summary_options.by_domain = domain;
    report_options.domain = domain;
  }
  if (args.Has("verp-mung")) summary_options.verp_mung = 1;
  if (args.Has("verp-mung-level")) {
    int level = 0;
    if (!Count(args, "verp-mung-level", &level, &error) || level < 1) {
      return Fail("--verp-mung: '" + args.Get("verp-mung-level") + "' must be 1 or 2", 2);
    }
    summary_options.verp_mung = level;
  }

  ReportPeriod range;
  bool filter = false;
  if (args.Has("date")) {
    const absl::TimeZone zone = input_options->envelope.time_zone;
    absl::StatusOr<ReportPeriod> period = ParseReportDate(
        args.Get("date"), absl::ToCivilDay(absl::Now(), zone), args.Has("dow0mon"));
    if (!period.ok()) return Fail(std::string(period.status().message()), 2);
    range = *std::move(period);
    filter = true;
    report_options.date_label = range.label;
    if (input_options->journal) {
      // Read only the span -d selects (intersected with --since/--until).
      int y, m, d;
      CivilFromDays(range.first_day, &y, &m, &d);
      const absl::Time since = absl::FromCivil(absl::CivilDay(y, m, d), zone);
      CivilFromDays(range.last_day + 1, &y, &m, &d);
      const absl::Time until = absl::FromCivil(absl::CivilDay(y, m, d), zone) -
                               absl::Microseconds(1);
      parsers::JournalOptions& j = *input_options->journal;
      if (!j.since || *j.since < since) j.since = since;
      if (!j.until || *j.until > until) j.until = until;
    }
  } else if (args.Has("dow0mon")) {
    return Fail("--dow0mon needs -d \"this week\" or -d \"last week\"", 2);
  }

  analyzer::Summary summary(summary_options);
  int exit_code = 0;
  const std::vector<std::string> merges = args.GetAll("merge");
  for (const std::string& path : merges) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Fail(path + ": cannot open", 1);
    std::stringstream buf;
    buf << in.rdbuf();
    auto other = analyzer::Summary::FromJson(buf.str());
    if (!other.ok()) return Fail(path + ": " + std::string(other.status().message()), 1);
    summary.Merge(*other);
  }

  // Logs are read when named, when the journal is asked for, or (stdin) when
  // there is nothing to merge.
  const bool journal = input_options->journal.has_value();
  if (!args.positional().empty() || journal || merges.empty()) {
    analyzer::CorrelatorOptions correlator_options;
    correlator_options.emit_unfinished = true;
    // With --threads N (files only), N - 1 workers read and parse, and this thread
    // correlates and feeds the summary, in the order of a single pass.
    // Unless -d or --by-domain needs each line's time or order first, each
    // worker also counts its lines' untimed facts into a Summary of its own
    // (AddEventUntimed), merged into `summary` at the end, and this thread
    // counts only the timed part (AddEventTimed).
    const bool split = threads > 1 && !journal && !filter &&
                       summary_options.by_domain.empty();
    std::vector<std::unique_ptr<analyzer::Summary>> worker_summaries;
    analyzer::Correlator correlator(correlator_options,
                                    [&](analyzer::MessageRecord&& m) { summary.AddRecord(m); });
    // A progress bar for big inputs when stderr is a terminal (not with -q).
    std::unique_ptr<ProgressBar> progress;
    if (!args.Has("quiet") && !journal && ::isatty(STDERR_FILENO) == 1) {
      const uint64_t total = InputBytes(args.positional());
      if (total > kProgressMinBytes) progress = std::make_unique<ProgressBar>(total);
    }
    analyzer::LogInput* reader = nullptr;
    uint32_t since_check = 0;
    auto input = analyzer::LogInput::Create(
        *std::move(input_options), [&](const LogLine& line, const parsers::Event& e) {
          if (progress && ++since_check >= 4096) {
            since_check = 0;
            progress->Update(reader->stats().bytes, reader->stats().lines);
          }
          if (filter) {
            const int64_t day = analyzer::LocalDay(line.time);
            if (day < range.first_day || day > range.last_day) return;
          }
          if (split) {
            summary.AddEventTimed(line, e);
          } else {
            summary.AddEvent(line, e);
          }
          correlator.Add(line, e);
        });
    if (!input.ok()) return Fail(std::string(input.status().message()), 1);
    reader = input->get();
    if (split) {
      // One more for the lines this thread parses itself (LogInput::WorkerHandler).
      for (int i = 0; i <= (*input)->parse_workers(); ++i) {
        worker_summaries.push_back(std::make_unique<analyzer::Summary>(summary_options));
      }
      (*input)->SetWorkerHandler(
          [&worker_summaries](int worker, const LogLine& line, const parsers::Event& e) {
            worker_summaries[worker]->AddEventUntimed(line, e);
          });
    }
    absl::Status read = ReadInputs(args, input->get());
    if (progress) progress->Finish();
    correlator.Finish(/*include_unfinished=*/true);
    for (const auto& worker_summary : worker_summaries) summary.Merge(*worker_summary);
    worker_summaries.clear();
    const analyzer::LogInputStats& stats = (*input)->stats();
    PrintRunStats(args, stats, correlator.stats());
    if (stats.exim_lines > 0) {
      report_options.mta = stats.exim_lines == stats.postfix_lines ? "Exim" : "Postfix and Exim";
    }
    if (!read.ok()) {
      std::fprintf(stderr, "mailgauge report: %s\n", std::string(read.message()).c_str());
      // Nothing readable and nothing merged: no report rather than one of zeros.
      if (stats.files == 0 && stats.journal_entries == 0 && merges.empty()) return 1;
      exit_code = 1;
    }
  }

  // The reader, parser and correlator are gone, and the tables' lookup
  // indexes are not needed: give their freed heap back before the report
  // sorts its tables, so that the sort's scratch does not add to the peak
  // (the 10 M-line benchmark log: 70.6 -> 67.5 MiB for the trim; the
  // indexes, session 23: see docs/benchmarks.md).
  summary.ReleaseIndexes();
  malloc_trim(0);
  std::ios::sync_with_stdio(false);
  if (format == "json") {
    // With --threads, the parse workers are done: a helper sorts meanwhile.
    analyzer::report::WriteJson(summary, std::cout, /*sort_ahead=*/threads > 1);
  } else if (format == "html") {
    analyzer::report::WriteHtml(summary.data(), report_options, std::cout);
  } else {
    analyzer::report::WriteText(summary.data(), report_options, std::cout);
  }
  if (!FlushStdout("report", "the report")) return 1;
  if (args.Has("mailq") && !AppendMailq(&error)) return Fail(error, 1);
  return exit_code;
}

}  // namespace mailgauge::cli
