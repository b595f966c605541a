#include "parsers/journal_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace mailgauge::parsers {
namespace {

constexpr char kPermissionHint[] =
    "run as root, or add the user to the systemd-journal group (adm also "
    "works on Debian): usermod -aG systemd-journal USER, then log in again";

absl::string_view AbslView(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool HasGlob(std::string_view s) {
  return s.find_first_of("*?[") != std::string_view::npos;
}

bool IsJournalFileName(std::string_view name) {
  return EndsWith(name, ".journal") || EndsWith(name, ".journal~");
}

// Digits only, else -1.
int64_t ParsePid(std::string_view s) {
  if (s.empty() || s.size() > 18) return -1;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Journal files found on disk, for the error messages sd-journal does not
// give (it opens a directory it cannot read, or with no files, as empty).
struct FileCount {
  int total = 0;
  int readable = 0;
  int system_total = 0;     // system.journal, system@....journal
  int system_readable = 0;
  std::string unreadable_example;
};

void CountJournalFiles(const std::filesystem::path& dir, int depth,
                       FileCount* count) {
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const std::filesystem::path& p = it->path();
    std::error_code type_ec;
    if (it->is_directory(type_ec)) {
      if (depth > 0) CountJournalFiles(p, depth - 1, count);
      continue;
    }
    const std::string name = p.filename().string();
    if (!IsJournalFileName(name)) continue;
    const bool system = StartsWith(name, "system.") || StartsWith(name, "system@");
    const bool readable = ::access(p.c_str(), R_OK) == 0;
    ++count->total;
    if (system) ++count->system_total;
    if (readable) {
      ++count->readable;
      if (system) ++count->system_readable;
    } else if (count->unreadable_example.empty()) {
      count->unreadable_example = p.string();
    }
  }
}

absl::Status StatusForErrno(int err, const std::string& message) {
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(absl::StrCat(message, "; ", kPermissionHint));
    case EBADMSG:
    case ENODATA:
    case EPROTONOSUPPORT:
    case EIO:
    case EADDRNOTAVAIL:
    case EUCLEAN:
    case EFBIG:
    case EOVERFLOW:
    case ENOMSG:
      return absl::DataLossError(message);
    case EINVAL:
      return absl::InvalidArgumentError(message);
    default:
      return absl::InternalError(message);
  }
}

// Checks one path given as a journal file, so that errors name it.
absl::Status CheckJournalFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    return StatusForErrno(err, absl::StrCat("journal file ", path, ": ", strerror(err)));
  }
  if (S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "journal file ", path, " is a directory (read it as a journal directory)"));
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return StatusForErrno(err, absl::StrCat("cannot read journal file ", path, ": ",
                                            strerror(err)));
  }
  ::close(fd);
  if (S_ISREG(st.st_mode) && st.st_size == 0) {
    return absl::DataLossError(
        absl::StrCat("journal file ", path, " is empty: not a journal file"));
  }
  return absl::OkStatus();
}

std::string FileOpenError(const std::string& path, int r) {
  if (r == -EBADMSG || r == -ENODATA || r == -EPROTONOSUPPORT || r == -EIO ||
      r == -EUCLEAN || r == -EADDRNOTAVAIL) {
    return absl::StrCat("journal file ", path,
                        " is not a journal file or is corrupt (", strerror(-r), ")");
  }
  return absl::StrCat("cannot open journal file ", path, ": ", strerror(-r));
}

}  // namespace

const std::vector<std::string>& DefaultPostfixUnits() {
  static const auto* units =
      new std::vector<std::string>{"postfix.service", "postfix@*.service"};
  return *units;
}

std::string NormalizeUnitName(std::string_view unit) {
  static constexpr std::string_view kTypes[] = {
      ".service", ".socket", ".target", ".device", ".mount", ".automount",
      ".swap",    ".timer",  ".path",   ".slice",  ".scope"};
  for (std::string_view type : kTypes) {
    if (EndsWith(unit, type) && unit.size() > type.size()) return std::string(unit);
  }
  return absl::StrCat(AbslView(unit), ".service");
}

JournalReader::JournalReader(JournalOptions options)
    : options_(std::move(options)), offsets_(options_.time_zone) {}

JournalReader::~JournalReader() {
  if (journal_ != nullptr) sd_journal_close(journal_);
}

absl::Status JournalReader::Error(std::string_view what, int r) const {
  return StatusForErrno(-r, absl::StrCat(description_, ": ", AbslView(what), ": ",
                                         strerror(-r)));
}

absl::StatusOr<std::unique_ptr<JournalReader>> JournalReader::Open(
    JournalOptions options) {
  if (options.max_message_bytes == 0) {
    return absl::InvalidArgumentError("journal: max_message_bytes must be positive");
  }
  if (options.since && options.until && *options.until < *options.since) {
    return absl::InvalidArgumentError("journal: until is earlier than since");
  }
  switch (options.source) {
    case JournalSource::kFiles:
      if (options.files.empty()) {
        return absl::InvalidArgumentError("journal: no journal file given");
      }
      break;
    case JournalSource::kDirectory:
      if (options.directory.empty()) {
        return absl::InvalidArgumentError("journal: no journal directory given");
      }
      break;
    case JournalSource::kLocal:
      break;
  }
  std::unique_ptr<JournalReader> reader(new JournalReader(std::move(options)));
  if (absl::Status s = reader->OpenJournal(); !s.ok()) return s;
  if (absl::Status s = reader->AddMatches(); !s.ok()) return s;
  if (absl::Status s = reader->Seek(); !s.ok()) return s;
  if (reader->options_.follow) {
    const int fd = sd_journal_get_fd(reader->journal_);
    if (fd < 0) return reader->Error("cannot watch for new entries", fd);
  }
  return reader;
}

absl::Status JournalReader::OpenJournal() {
  int r = 0;
  switch (options_.source) {
    case JournalSource::kFiles: {
      description_ = absl::StrCat(options_.files.size() == 1 ? "journal file "
                                                             : "journal files ",
                                  absl::StrJoin(options_.files, ", "));
      for (const std::string& path : options_.files) {
        if (absl::Status s = CheckJournalFile(path); !s.ok()) return s;
      }
      std::vector<const char*> paths;
      for (const std::string& path : options_.files) paths.push_back(path.c_str());
      paths.push_back(nullptr);
      r = sd_journal_open_files(&journal_, paths.data(), 0);
      if (r < 0) {
        journal_ = nullptr;
        // Name the file at fault: open each alone.
        for (const std::string& path : options_.files) {
          sd_journal* one = nullptr;
          const char* single[] = {path.c_str(), nullptr};
          const int r1 = sd_journal_open_files(&one, single, 0);
          if (r1 < 0) return StatusForErrno(-r1, FileOpenError(path, r1));
          sd_journal_close(one);
        }
        return StatusForErrno(-r, FileOpenError(absl::StrJoin(options_.files, ", "), r));
      }
      stats_.files = options_.files.size();
      break;
    }
    case JournalSource::kDirectory: {
      const std::string& dir = options_.directory;
      description_ = absl::StrCat("journal directory ", dir);
      struct stat st;
      if (::stat(dir.c_str(), &st) != 0) {
        const int err = errno;
        return StatusForErrno(err, absl::StrCat(description_, ": ", strerror(err)));
      }
      if (!S_ISDIR(st.st_mode)) {
        return absl::InvalidArgumentError(absl::StrCat(
            description_, " is not a directory (read it as a journal file)"));
      }
      if (::access(dir.c_str(), R_OK | X_OK) != 0) {
        const int err = errno;
        return StatusForErrno(err, absl::StrCat("cannot read ", description_, ": ",
                                                strerror(err)));
      }
      FileCount count;
      CountJournalFiles(dir, 1, &count);
      if (count.total == 0) {
        return absl::NotFoundError(
            absl::StrCat(description_, ": no journal files (*.journal) in it"));
      }
      if (count.readable == 0) {
        return absl::PermissionDeniedError(absl::StrCat(
            "cannot read the journal files in ", dir, " (e.g. ",
            count.unreadable_example, "): permission denied; ", kPermissionHint));
      }
      stats_.files = count.readable;
      r = sd_journal_open_directory(&journal_, dir.c_str(), 0);
      if (r < 0) {
        journal_ = nullptr;
        return Error("cannot open", r);
      }
      break;
    }
    case JournalSource::kLocal: {
      description_ = "the system journal";
      FileCount count;
      sd_id128_t machine;
      char id[SD_ID128_STRING_MAX];
      const bool have_id = sd_id128_get_machine(&machine) >= 0;
      if (have_id) sd_id128_to_string(machine, id);
      for (const char* root : {"/var/log/journal", "/run/log/journal"}) {
        if (have_id) {
          CountJournalFiles(std::filesystem::path(root) / id, 0, &count);
        } else {
          CountJournalFiles(root, 1, &count);
        }
      }
      if (count.total == 0) {
        return absl::NotFoundError(
            "the system journal: no journal files in /var/log/journal or "
            "/run/log/journal (is systemd-journald running on this machine? "
            "otherwise read a journal directory or file)");
      }
      if (count.system_total > 0 && count.system_readable == 0) {
        return absl::PermissionDeniedError(absl::StrCat(
            "cannot read the system journal (", count.unreadable_example,
            "): permission denied; ", kPermissionHint));
      }
      stats_.files = count.readable;
      r = sd_journal_open(&journal_, SD_JOURNAL_LOCAL_ONLY);
      if (r < 0) {
        journal_ = nullptr;
        return Error("cannot open", r);
      }
      break;
    }
  }
  // A hint: decompress no more of a field than we keep (+1 to see that the
  // message was longer).
  sd_journal_set_data_threshold(journal_,
                                options_.max_message_bytes + sizeof("MESSAGE=") + 1);
  return absl::OkStatus();
}

absl::Status JournalReader::AddMatches() {
  if (options_.all_entries) {
    match_description_.clear();
    return absl::OkStatus();
  }
  // The distinct values of `field` in the journal that `keep` accepts.
  auto unique_values = [this](const char* field, auto keep,
                              std::vector<std::string>* out) -> absl::Status {
    const int r = sd_journal_query_unique(journal_, field);
    if (r < 0) return Error(absl::StrCat("cannot list the values of ", field), r);
    const void* data;
    size_t len;
    const size_t prefix = strlen(field) + 1;
    SD_JOURNAL_FOREACH_UNIQUE(journal_, data, len) {
      if (len < prefix) continue;
      std::string_view value(static_cast<const char*>(data) + prefix, len - prefix);
      if (keep(value)) out->emplace_back(value);
    }
    return absl::OkStatus();
  };
  // Unit names: exact ones as given, patterns expanded.
  auto units_for = [&](const std::vector<std::string>& patterns,
                       std::vector<std::string>* out) -> absl::Status {
    std::vector<std::string> globs;
    for (const std::string& u : patterns) {
      std::string name = NormalizeUnitName(u);
      if (HasGlob(name)) {
        globs.push_back(std::move(name));
      } else {
        out->push_back(std::move(name));
      }
    }
    if (globs.empty()) return absl::OkStatus();
    return unique_values(
        "_SYSTEMD_UNIT",
        [&globs](std::string_view unit) {
          const std::string u(unit);
          for (const std::string& g : globs) {
            if (fnmatch(g.c_str(), u.c_str(), 0) == 0) return true;
          }
          return false;
        },
        out);
  };

  // Groups of one field's values; the groups are OR-ed.
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;
  if (!options_.units.empty() || !options_.slices.empty()) {
    std::vector<std::string> units;
    if (absl::Status s = units_for(options_.units, &units); !s.ok()) return s;
    groups.emplace_back("_SYSTEMD_UNIT", std::move(units));
    groups.emplace_back("_SYSTEMD_SLICE", options_.slices);
  } else {
    std::vector<std::string> postfix_identifiers;
    const SyslogNames& names = options_.syslog_names;
    if (absl::Status s = unique_values(
            "SYSLOG_IDENTIFIER",
            [&names](std::string_view identifier) {
              LogLine line;
              SplitProgramName(identifier, names, &line);
              return IsPostfixProgram(line, names);
            },
            &postfix_identifiers);
        !s.ok()) {
      return s;
    }
    // Only identifiers that never log with facility mail need a match of
    // their own: the others are found by SYSLOG_FACILITY=2, and every extra
    // OR-ed value costs a lookup per entry read. The check finds a
    // facility-mail entry of a normal identifier at once (its first entry).
    std::vector<std::string> identifiers;
    for (const std::string& identifier : postfix_identifiers) {
      absl::StatusOr<bool> mail = HasEntry(
          {absl::StrCat("SYSLOG_IDENTIFIER=", identifier), "SYSLOG_FACILITY=2"});
      if (!mail.ok()) return mail.status();
      if (!*mail) identifiers.push_back(identifier);
    }
    groups.emplace_back("SYSLOG_IDENTIFIER", std::move(identifiers));
    groups.emplace_back("SYSLOG_FACILITY", std::vector<std::string>{"2"});
    std::vector<std::string> units;
    if (absl::Status s = units_for(DefaultPostfixUnits(), &units); !s.ok()) return s;
    groups.emplace_back("_SYSTEMD_UNIT", std::move(units));
  }

  std::vector<std::string> described;
  for (auto& [field, values] : groups) {
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    if (values.empty()) continue;
    for (const std::string& value : values) {
      const std::string match = absl::StrCat(field, "=", value);
      const int r = sd_journal_add_match(journal_, match.data(), match.size());
      if (r < 0) return Error(absl::StrCat("bad match ", match), r);
      described.push_back(match);
    }
    const int r = sd_journal_add_disjunction(journal_);
    if (r < 0) return Error("cannot combine matches", r);
  }
  if (described.empty()) {
    // sd-journal without matches would return every entry.
    matches_nothing_ = true;
    match_description_ = "(nothing)";
  } else {
    match_description_ = absl::StrJoin(described, " OR ");
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> JournalReader::HasEntry(const std::vector<std::string>& matches) {
  sd_journal_flush_matches(journal_);
  for (const std::string& m : matches) {
    const int r = sd_journal_add_match(journal_, m.data(), m.size());
    if (r < 0) return Error(absl::StrCat("bad match ", m), r);
  }
  int r = sd_journal_seek_head(journal_);
  if (r >= 0) r = sd_journal_next(journal_);
  sd_journal_flush_matches(journal_);
  if (r < 0) return Error("cannot look up entries", r);
  return r > 0;
}

absl::Status JournalReader::Seek() {
  int r = 0;
  if (!options_.after_cursor.empty()) {
    r = sd_journal_seek_cursor(journal_, options_.after_cursor.c_str());
    if (r < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          description_, ": bad cursor '", options_.after_cursor, "': ", strerror(-r)));
    }
    check_start_cursor_ = true;
  } else if (options_.since) {
    const int64_t usec = absl::ToUnixMicros(*options_.since);
    r = sd_journal_seek_realtime_usec(journal_, usec < 0 ? 0 : static_cast<uint64_t>(usec));
    if (r < 0) return Error("cannot seek to the start time", r);
  } else {
    r = sd_journal_seek_head(journal_);
    if (r < 0) return Error("cannot seek to the start", r);
  }
  return absl::OkStatus();
}

bool JournalReader::ReadEntry(JournalEntry* entry) {
  host_.clear();
  program_.clear();
  message_.clear();
  unit_.clear();
  std::string comm;
  int64_t syslog_pid = -1;
  int64_t pid = -1;
  int facility = -1;
  bool have_identifier = false;
  bool overlong = false;
  const void* data;
  size_t len;
  sd_journal_restart_data(journal_);
  while (sd_journal_enumerate_available_data(journal_, &data, &len) > 0) {
    const std::string_view field(static_cast<const char*>(data), len);
    if (StartsWith(field, "MESSAGE=")) {
      std::string_view value = field.substr(8);
      if (value.size() > options_.max_message_bytes) {
        value = value.substr(0, options_.max_message_bytes);
        overlong = true;
      }
      message_.assign(value.data(), value.size());
    } else if (StartsWith(field, "SYSLOG_IDENTIFIER=")) {
      const std::string_view value = field.substr(18);
      program_.assign(value.data(), value.size());
      have_identifier = true;
    } else if (StartsWith(field, "SYSLOG_PID=")) {
      syslog_pid = ParsePid(field.substr(11));
    } else if (StartsWith(field, "_PID=")) {
      pid = ParsePid(field.substr(5));
    } else if (StartsWith(field, "_HOSTNAME=")) {
      const std::string_view value = field.substr(10);
      host_.assign(value.data(), value.size());
    } else if (StartsWith(field, "_SYSTEMD_UNIT=")) {
      const std::string_view value = field.substr(14);
      unit_.assign(value.data(), value.size());
    } else if (StartsWith(field, "SYSLOG_FACILITY=")) {
      const int64_t f = ParsePid(field.substr(16));
      facility = f >= 0 && f < 1024 ? static_cast<int>(f) : -1;
    } else if (StartsWith(field, "_COMM=")) {
      comm.assign(field.data() + 6, field.size() - 6);
    }
  }
  if (!have_identifier) program_ = std::move(comm);

  LogLine& line = entry->line;
  line = LogLine();
  SplitProgramName(program_, options_.syslog_names, &line);
  // A container's output may hold Postfix's own syslog lines (LogInput
  // unwraps them): those entries are kept.
  if (options_.postfix_only && !IsPostfixProgram(line, options_.syslog_names) &&
      !IsEximProgram(line.program) && !StartsLikeSyslogTime(message_)) {
    return false;
  }
  uint64_t usec = 0;
  if (sd_journal_get_realtime_usec(journal_, &usec) < 0) usec = 0;
  line.time.unix_micros = static_cast<int64_t>(usec);
  line.time.utc_offset_seconds = offsets_.At(line.time.unix_micros);
  line.host = host_;
  line.pid = syslog_pid >= 0 ? syslog_pid : pid;
  line.message = message_;
  entry->overlong = overlong;
  entry->unit = unit_;
  entry->facility = facility;
  if (overlong) ++stats_.overlong;
  return true;
}

absl::StatusOr<JournalRead> JournalReader::Next(JournalEntry* entry,
                                                absl::Duration wait) {
  if (past_until_) return JournalRead::kPastUntil;
  const absl::Time deadline = absl::Now() + wait;
  if (matches_nothing_) {
    if (wait > absl::ZeroDuration()) std::this_thread::sleep_for(absl::ToChronoMicroseconds(wait));
    return JournalRead::kNoEntryYet;
  }
  // The changes to the journal's files (a new file, a rotated or deleted
  // one) are taken in (sd_journal_process) only once the files open hold no
  // more entries: a deleted file is closed when its deletion is processed,
  // and the entries written to it since the last read would be lost (they
  // are read: the open file stays readable). sd_journal_wait would process
  // first, so the wait is done here.
  bool processed = false;
  for (;;) {
    int r = sd_journal_next(journal_);
    if (r < 0) return Error("cannot read the next entry", r);
    if (r == 0) {
      if (!processed) {
        processed = true;
        // Taking a deletion in may drop the file the last entry read is in,
        // after which sd-journal has no cursor to give: Cursor() keeps it.
        if (positioned_) cursor_before_changes_ = Cursor();
        r = sd_journal_process(journal_);
        if (r < 0) return Error("cannot take in the journal's changes", r);
        continue;
      }
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) return JournalRead::kNoEntryYet;
      if (absl::Status s = WaitForChange(left); !s.ok()) return s;
      processed = false;
      continue;
    }
    if (check_start_cursor_) {
      check_start_cursor_ = false;
      if (sd_journal_test_cursor(journal_, options_.after_cursor.c_str()) > 0) {
        positioned_ = true;
        continue;
      }
    }
    uint64_t usec = 0;
    r = sd_journal_get_realtime_usec(journal_, &usec);
    if (r < 0) return Error("cannot read an entry's time", r);
    if (options_.until && static_cast<int64_t>(usec) > absl::ToUnixMicros(*options_.until)) {
      past_until_ = true;
      // Back onto the last entry read, so that Cursor() resumes here.
      if (positioned_) sd_journal_previous(journal_);
      return JournalRead::kPastUntil;
    }
    positioned_ = true;
    if (options_.since && static_cast<int64_t>(usec) < absl::ToUnixMicros(*options_.since)) {
      ++stats_.outside_range;
      continue;
    }
    if (!ReadEntry(entry)) {
      ++stats_.skipped_entries;
      continue;
    }
    ++stats_.entries;
    return JournalRead::kEntry;
  }
}

absl::Status JournalReader::WaitForChange(absl::Duration wait) {
  // As sd_journal_wait, without its sd_journal_process: the journal's fd,
  // its events, and its own deadline (files on a network file system are
  // checked again now and then).
  const int fd = sd_journal_get_fd(journal_);
  if (fd < 0) return Error("cannot watch for new entries", fd);
  const int events = sd_journal_get_events(journal_);
  if (events < 0) return Error("cannot watch for new entries", events);
  int64_t timeout_ms = absl::ToInt64Milliseconds(absl::Ceil(wait, absl::Milliseconds(1)));
  uint64_t until_usec = 0;
  if (sd_journal_get_timeout(journal_, &until_usec) >= 0 && until_usec != UINT64_MAX) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    const uint64_t now_usec =
        static_cast<uint64_t>(now.tv_sec) * 1000000 + static_cast<uint64_t>(now.tv_nsec) / 1000;
    const int64_t journal_ms =
        until_usec > now_usec ? static_cast<int64_t>((until_usec - now_usec + 999) / 1000) : 0;
    timeout_ms = std::min(timeout_ms, journal_ms);
  }
  struct pollfd p = {fd, static_cast<short>(events), 0};
  const int r = poll(&p, 1, static_cast<int>(std::min<int64_t>(timeout_ms, INT32_MAX)));
  if (r < 0 && errno != EINTR) return Error("cannot wait for new entries", -errno);
  return absl::OkStatus();
}

std::string JournalReader::Cursor() {
  if (!positioned_) return options_.after_cursor;
  char* cursor = nullptr;
  if (sd_journal_get_cursor(journal_, &cursor) < 0 || cursor == nullptr) {
    return cursor_before_changes_.empty() ? options_.after_cursor : cursor_before_changes_;
  }
  std::string out(cursor);
  std::free(cursor);
  return out;
}

}  // namespace mailgauge::parsers
