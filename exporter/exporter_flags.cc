#include "exporter/exporter_flags.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "parsers/foreign_log.h"

namespace mailgauge::exporter {
namespace {

constexpr char kProgram[] = "mailgauge_exporter";

absl::Status Bad(const std::string& flag, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat(kProgram, ": ", flag, ": ", why));
}

bool ValidName(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// postfix_exporter 0.3.0's flags (Debian's prometheus-postfix-exporter)
// that mean one of ours, so that its command line works here: ours, or the
// name unchanged.
std::string OurFlagName(const std::string& name) {
  static constexpr std::pair<std::string_view, const char*> kRenamed[] = {
      {"--postfix.logfile_path", "--log.file"},
      {"--systemd.enable", "--journal"},
      {"--systemd.journal_path", "--journal.dir"},
  };
  for (const auto& [theirs, ours] : kRenamed) {
    if (name == theirs) return ours;
  }
  return name;
}

absl::Status ParseListen(const std::string& value, ExporterFlags* f) {
  const std::string flag = "--web.listen-address";
  std::string host, port;
  if (!value.empty() && value[0] == '[') {
    const size_t close = value.find(']');
    if (close == std::string::npos || close + 1 >= value.size() ||
        value[close + 1] != ':') {
      return Bad(flag, absl::StrCat("'", value, "' is not [IPv6]:PORT"));
    }
    host = value.substr(0, close + 1);
    port = value.substr(close + 2);
  } else {
    const size_t colon = value.rfind(':');
    if (colon == std::string::npos) {
      return Bad(flag, absl::StrCat("'", value,
                                    "' is not HOST:PORT or :PORT (e.g. :9154)"));
    }
    host = value.substr(0, colon);
    port = value.substr(colon + 1);
    if (host.find(':') != std::string::npos) {
      return Bad(flag, absl::StrCat("'", value,
                                    "': write an IPv6 address in brackets, [::1]:9154"));
    }
  }
  int p = 0;
  if (port.empty() || !absl::SimpleAtoi(port, &p) || p < 0 || p > 65535) {
    return Bad(flag, absl::StrCat("'", value, "' has no port between 0 and 65535"));
  }
  if (host == "localhost") host = "127.0.0.1";
  f->listen_address = value;
  f->host = host;
  f->port = p;
  f->civet_listen = host.empty() ? std::to_string(p) : absl::StrCat(host, ":", p);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ExporterFlags> ParseExporterFlags(int argc, char** argv,
                                                 const DefaultLogs& defaults) {
  ExporterFlags f;
  absl::Status s = ParseListen(f.listen_address, &f);
  if (!s.ok()) return s;
  std::set<std::string> paths, names;
  // postfix_exporter's --systemd.unit and --systemd.slice, read only with
  // --systemd.enable.
  std::vector<std::string> systemd_units, systemd_slices;
  bool queue_dir_given = false;
  bool systemd_enable = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      f.help = true;
      continue;
    }
    if (arg == "--version") {
      f.version = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          kProgram, ": unexpected argument '", arg,
          "'; log files are given with --log.file PATH (see --help)"));
    }
    std::string name = arg, value;
    bool has_value = false;
    if (const size_t eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    if (name == "--systemd.enable") systemd_enable = true;
    name = OurFlagName(name);
    auto take = [&](std::string* out) -> absl::Status {
      if (has_value) {
        *out = value;
        return absl::OkStatus();
      }
      if (i + 1 >= argc) return Bad(name, "needs a value (see --help)");
      *out = argv[++i];
      return absl::OkStatus();
    };
    std::string v;
    if (name == "--log.from-beginning") {
      if (has_value) return Bad(name, "takes no value");
      f.from_beginning = true;
    } else if (name == "--journal") {
      if (has_value) return Bad(name, "takes no value");
      if (f.journal != ExporterFlags::Journal::kNone &&
          f.journal != ExporterFlags::Journal::kLocal) {
        return Bad(name, "give only one of --journal, --journal.dir, --journal.file");
      }
      f.journal = ExporterFlags::Journal::kLocal;
    } else if (name == "--journal.dir" || name == "--journal.path") {
      if (s = take(&v); !s.ok()) return s;
      if (v.empty()) return Bad(name, "the directory is empty");
      if (f.journal != ExporterFlags::Journal::kNone) {
        return Bad(name, "give only one of --journal, --journal.dir, --journal.file");
      }
      f.journal = ExporterFlags::Journal::kDirectory;
      f.journal_dir = v;
    } else if (name == "--journal.file") {
      if (s = take(&v); !s.ok()) return s;
      if (v.size() < 9 || v.substr(v.size() - 8) != ".journal") {
        return Bad(name, absl::StrCat("'", v, "' is not a .journal file"));
      }
      if (f.journal != ExporterFlags::Journal::kNone &&
          f.journal != ExporterFlags::Journal::kFiles) {
        return Bad(name, "give only one of --journal, --journal.dir, --journal.file");
      }
      for (const std::string& j : f.journal_files) {
        if (j == v) return Bad(name, absl::StrCat(v, " is given twice"));
      }
      f.journal = ExporterFlags::Journal::kFiles;
      f.journal_files.push_back(v);
    } else if (name == "--web.listen-address") {
      if (s = take(&v); !s.ok()) return s;
      if (s = ParseListen(v, &f); !s.ok()) return s;
    } else if (name == "--web.telemetry-path") {
      if (s = take(&v); !s.ok()) return s;
      if (v.size() < 2 || v[0] != '/' || v.find_first_of(" ?#") != std::string::npos) {
        return Bad(name, absl::StrCat("'", v,
                                      "' must be a path like /metrics (not /, "
                                      "which is the landing page)"));
      }
      f.telemetry_path = v;
    } else if (name == "--web.config.file") {
      if (s = take(&v); !s.ok()) return s;
      if (v.empty()) return Bad(name, "the path is empty");
      f.web_config_file = v;
    } else if (name == "--log.level") {
      if (s = take(&v); !s.ok()) return s;
      if (v == "debug") f.log_level = LogLevel::kDebug;
      else if (v == "info") f.log_level = LogLevel::kInfo;
      else if (v == "warn") f.log_level = LogLevel::kWarn;
      else if (v == "error") f.log_level = LogLevel::kError;
      else return Bad(name, absl::StrCat("'", v, "' is not one of debug, info, warn, error"));
    } else if (name == "--log.file") {
      if (s = take(&v); !s.ok()) return s;
      LogSource src;
      const size_t eq = v.find('=');
      if (eq != std::string::npos && v.substr(0, eq).find('/') == std::string::npos) {
        src.name = v.substr(0, eq);
        src.path = v.substr(eq + 1);
        if (!ValidName(src.name)) {
          return Bad(name, absl::StrCat("'", src.name,
                                        "' is not a valid name (letters, digits, _ - .)"));
        }
        if (!names.insert(src.name).second) {
          return Bad(name, absl::StrCat("the name '", src.name, "' is given twice"));
        }
      } else {
        src.path = v;
      }
      if (src.path.empty()) return Bad(name, "the path is empty");
      if (!paths.insert(src.path).second) {
        return Bad(name, absl::StrCat(src.path, " is given twice"));
      }
      f.log_files.push_back(std::move(src));
    } else if (name == "--systemd.unit" || name == "--systemd.slice") {
      if (s = take(&v); !s.ok()) return s;
      (name == "--systemd.unit" ? systemd_units : systemd_slices).push_back(v);
    } else if (name == "--postfix.showq-path" || name == "--postfix.showq_path") {
      // The second is postfix_exporter's spelling.
      if (s = take(&v); !s.ok()) return s;
      if (v.empty()) {
        return Bad(name, "the path is empty (Postfix: /var/spool/postfix/public/showq)");
      }
      f.showq_path = v;
    } else if (name == "--log.unsupported") {
      if (has_value) return Bad(name, "takes no value");
      f.log_unsupported = true;
    } else if (name == "--docker.enable" || name == "--docker.container.id") {
      // The one feature of postfix_exporter 0.3.0 not offered.
      return Bad(name,
                 "the Docker API is not read: follow the container's log file (--log.file "
                 "/var/lib/docker/containers/ID/ID-json.log) or, with docker's journald log "
                 "driver, the journal (--journal)");
    } else if (name == "--log.poll-interval") {
      if (s = take(&v); !s.ok()) return s;
      absl::Duration d;
      if (!absl::ParseDuration(v, &d) || d < absl::Milliseconds(10) ||
          d > absl::Minutes(1)) {
        return Bad(name, absl::StrCat("'", v,
                                      "' is not a duration between 10ms and 1m (e.g. 250ms)"));
      }
      f.poll_interval = d;
    } else if (name == "--state.file") {
      if (s = take(&v); !s.ok()) return s;
      if (v.empty() || v.back() == '/') {
        return Bad(name, absl::StrCat("'", v, "' is not a file path"));
      }
      f.state_file = v;
    } else if (name == "--state.interval") {
      if (s = take(&v); !s.ok()) return s;
      absl::Duration d;
      if (!absl::ParseDuration(v, &d) || d < absl::Milliseconds(100) ||
          d > absl::Hours(1)) {
        return Bad(name, absl::StrCat("'", v,
                                      "' is not a duration between 100ms and 1h (e.g. 15s)"));
      }
      f.state_interval = d;
    } else if (name == "--postfix.queue-dir") {
      if (s = take(&v); !s.ok()) return s;
      if (v.empty()) return Bad(name, "the directory is empty");
      while (v.size() > 1 && v.back() == '/') v.pop_back();
      f.queue_dir = v;
      queue_dir_given = true;
    } else if (name == "--exim.spool-dir") {
      if (s = take(&v); !s.ok()) return s;
      if (v.empty()) return Bad(name, "the directory is empty (Debian: /var/spool/exim4)");
      while (v.size() > 1 && v.back() == '/') v.pop_back();
      f.exim_spool_dir = v;
    } else if (name == "--postfix.showq-command") {
      if (s = take(&v); !s.ok()) return s;
      if (v.find_first_not_of(" \t") == std::string::npos) {
        return Bad(name, "the command is empty (e.g. \"postqueue -j\")");
      }
      f.showq_command = v;
    } else if (name == "--queue.top-domains") {
      if (s = take(&v); !s.ok()) return s;
      if (!absl::SimpleAtoi(v, &f.queue_top_domains) || f.queue_top_domains < 0 ||
          f.queue_top_domains > 100) {
        return Bad(name, absl::StrCat("'", v, "' is not a number between 0 and 100"));
      }
    } else if (name == "--queue.cache-duration") {
      if (s = take(&v); !s.ok()) return s;
      absl::Duration d;
      if (!absl::ParseDuration(v, &d) || d < absl::ZeroDuration() ||
          d > absl::Hours(1)) {
        return Bad(name, absl::StrCat("'", v,
                                      "' is not a duration between 0s and 1h (e.g. 5s)"));
      }
      f.queue_cache = d;
    } else if (name == "--queue.command-timeout") {
      if (s = take(&v); !s.ok()) return s;
      absl::Duration d;
      if (!absl::ParseDuration(v, &d) || d < absl::Milliseconds(100) ||
          d > absl::Minutes(10)) {
        return Bad(name, absl::StrCat("'", v,
                                      "' is not a duration between 100ms and 10m (e.g. 30s)"));
      }
      f.queue_timeout = d;
    } else if (name == "--journal.unit" || name == "--journal.slice") {
      const bool unit = name == "--journal.unit";
      if (s = take(&v); !s.ok()) return s;
      if (v.empty() || v.find_first_of(" /\t") != std::string::npos) {
        return Bad(name, absl::StrCat("'", v, "' is not a systemd ", unit ? "unit" : "slice",
                                      " name (e.g. ",
                                      unit ? "postfix@-.service" : "system-postfix.slice", ")"));
      }
      std::vector<std::string>& selected = unit ? f.journal_units : f.journal_slices;
      if (std::find(selected.begin(), selected.end(), v) != selected.end()) {
        return Bad(name, absl::StrCat(v, " is given twice"));
      }
      selected.push_back(v);
    } else if (name == "--abuse.window") {
      if (s = take(&v); !s.ok()) return s;
      absl::Duration d;
      if (!absl::ParseDuration(v, &d) || d < absl::Minutes(1) || d > absl::Hours(24)) {
        return Bad(name, absl::StrCat("'", v,
                                      "' is not a duration between 1m and 24h (e.g. 1h)"));
      }
      f.abuse_window = d;
    } else if (name == "--abuse.sender-recipients") {
      if (s = take(&v); !s.ok()) return s;
      if (!absl::SimpleAtoi(v, &f.abuse_sender_recipients) ||
          f.abuse_sender_recipients < 1 || f.abuse_sender_recipients > 1000000) {
        return Bad(name, absl::StrCat("'", v, "' is not a number between 1 and 1000000"));
      }
    } else if (name == "--abuse.top-senders") {
      if (s = take(&v); !s.ok()) return s;
      if (!absl::SimpleAtoi(v, &f.abuse_top_senders) || f.abuse_top_senders < 1 ||
          f.abuse_top_senders > 50) {
        return Bad(name, absl::StrCat("'", v, "' is not a number between 1 and 50"));
      }
    } else if (name == "--log.syslog-name") {
      if (s = take(&v); !s.ok()) return s;
      if (v.empty() || v.find_first_of(" \t[]:") != std::string::npos) {
        return Bad(name, absl::StrCat("'", v, "' is not a syslog name"));
      }
      f.syslog_names.emplace_back(v);
    } else if (name == "--log.year") {
      if (s = take(&v); !s.ok()) return s;
      if (!absl::SimpleAtoi(v, &f.year) || f.year < 1970 || f.year > 9999) {
        return Bad(name, absl::StrCat("'", v, "' is not a year between 1970 and 9999"));
      }
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(kProgram, ": unknown flag ", name, " (see --help)"));
    }
  }
  if (systemd_enable) {
    for (std::string& u : systemd_units) f.journal_units.push_back(std::move(u));
    for (std::string& u : systemd_slices) f.journal_slices.push_back(std::move(u));
  }
  // --journal.unit or --journal.slice alone means the local journal, as
  // postfix_exporter's --systemd.unit does with --systemd.enable.
  if ((!f.journal_units.empty() || !f.journal_slices.empty()) &&
      f.journal == ExporterFlags::Journal::kNone) {
    f.journal = ExporterFlags::Journal::kLocal;
  }
  // One way to read the queue.
  std::vector<std::string> queue_sources;
  if (!f.showq_path.empty()) queue_sources.push_back("--postfix.showq-path");
  if (queue_dir_given) queue_sources.push_back("--postfix.queue-dir");
  if (!f.showq_command.empty()) queue_sources.push_back("--postfix.showq-command");
  if (!f.exim_spool_dir.empty()) queue_sources.push_back("--exim.spool-dir");
  if (queue_sources.size() > 1) {
    return absl::InvalidArgumentError(absl::StrCat(kProgram, ": ",
                                                   absl::StrJoin(queue_sources, " and "),
                                                   " each say how to read the queue; give one"));
  }
  if (queue_sources.empty()) {
    f.showq_path = absl::StrCat(f.queue_dir, "/public/showq");
    f.showq_fallback = true;
    f.exim_spool_fallbacks = {"/var/spool/exim4", "/var/spool/exim"};  // Debian, others
  }
  if (!f.help && !f.version && f.log_files.empty() && f.journal == ExporterFlags::Journal::kNone) {
    auto exists = [](const std::string& path) {
      struct stat st;
      return !path.empty() && ::stat(path.c_str(), &st) == 0;
    };
    if (exists(defaults.syslog_file)) {
      f.log_files.push_back({defaults.syslog_file, ""});
      f.default_log_note = absl::StrCat("no log flag given: following ", defaults.syslog_file,
                                        " (postfix_exporter's default)");
    } else if (exists(defaults.exim_mainlog)) {
      f.log_files.push_back({defaults.exim_mainlog, ""});
      f.default_log_note = absl::StrCat("no log flag given and no ", defaults.syslog_file,
                                        ": following Exim's ", defaults.exim_mainlog);
    } else if (std::any_of(defaults.journal_dirs.begin(), defaults.journal_dirs.end(), exists)) {
      f.journal = ExporterFlags::Journal::kLocal;
      f.default_log_note = absl::StrCat("no log flag given and no ", defaults.syslog_file,
                                        ": following the local systemd journal");
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          kProgram, ": no log to follow (no ", defaults.syslog_file, ", ",
          defaults.exim_mainlog,
          " or systemd journal here); give at least one --log.file PATH, or --journal, "
          "--journal.dir DIR or --journal.file FILE (see --help)"));
    }
  }
  // Exim's reject log beside its main log repeats the main log's rejects.
  std::vector<std::string> log_paths;
  for (const LogSource& src : f.log_files) log_paths.push_back(src.path);
  f.left_out_reject_logs = parsers::EximRejectLogsBesideMainLog(log_paths);
  for (const std::string& path : f.left_out_reject_logs) {
    f.log_files.erase(std::find_if(f.log_files.begin(), f.log_files.end(),
                                   [&](const LogSource& src) { return src.path == path; }));
  }
  return f;
}

std::string ExporterHelp() {
  return R"(Usage: mailgauge_exporter --log.file [NAME=]PATH | --journal | --journal.dir DIR |
       --journal.file FILE ... [flags]

Prometheus exporter for Postfix: follows mail logs and serves metrics over HTTP.
Exim's logs are read as well (docs/exim.md). The metrics are listed in
docs/metrics.md. With no log flag it follows /var/log/mail.log (as
postfix_exporter does), or else /var/log/exim4/mainlog, or else the local
systemd journal (Debian 12 without rsyslog), and says which it chose.

Flags:
  --web.listen-address ADDR   Address to serve on: :PORT (all interfaces),
                              HOST:PORT or [IPv6]:PORT. Port 0 picks a free
                              port; the one chosen is logged. Default :9154
                              (postfix_exporter's port).
  --web.telemetry-path PATH   Path of the metrics. Default /metrics. The
                              landing page at / links to it.
  --web.config.file PATH      TLS and basic auth, in the Prometheus
                              exporter-toolkit format (a YAML subset):
                                tls_server_config:
                                  cert_file: server.crt
                                  key_file: server.key
                                basic_auth_users:
                                  prometheus: <bcrypt hash>
                              With TLS the endpoint speaks HTTPS only (TLS 1.2
                              or later). With users every request (/ and the
                              metrics) needs HTTP basic auth, else 401.
                              Hashes: bcrypt ($2y$, $2b$, $2a$; htpasswd
                              -nBC 10 USER) or crypt $5$/$6$. Relative paths
                              are relative to the file. Read once at start.
  --log.file [NAME=]PATH      Log file to follow, like tail -F: through
                              rename-and-create and copytruncate rotation,
                              deletion and re-creation, and while it does not
                              exist yet. Repeat for several files. NAME, when
                              given, labels the file's metrics
                              (postfix_instance="NAME", source="NAME");
                              otherwise each line's Postfix instance is used
                              and the source is the path. A plain-text log:
                              a compressed file (a rotated .gz, .xz, .bz2,
                              .zst) is refused and tried again (postfix_up 0);
                              mailgauge report reads those.
  --log.from-beginning        Read files that exist at start-up from their
                              beginning instead of their end (a first run over
                              an existing log). Files that appear later are
                              always read from their beginning. For the
                              journal: read every entry it holds instead of
                              those written from start-up on.
  --journal                   Follow the local systemd journal (needs group
                              systemd-journal or adm). Entries selected:
                              facility mail, units postfix.service and
                              postfix@*.service (Debian's postfix@-.service),
                              and Postfix identifiers (postfix/smtpd,
                              postfix-out/qmgr, ...); other programs are
                              skipped. Its metrics have source="journal".
  --journal.dir DIR           The same for the journal files in DIR (and its
                              machine-id subdirectories). --journal.path DIR
                              is the same (postfix_exporter's
                              --systemd.journal_path).
  --journal.unit UNIT         Only entries of this systemd unit instead of the
                              default selection; repeatable. A name without a
                              type gets .service (postfix@- is
                              postfix@-.service); * ? [ patterns are expanded
                              against the units in the journal. Alone, it
                              means --journal (postfix_exporter's
                              --systemd.unit).
  --journal.slice SLICE       Also (or only, without --journal.unit) the
                              entries of this systemd slice, e.g.
                              system-postfix.slice; repeatable. Alone, it
                              means --journal (postfix_exporter's
                              --systemd.slice).
  --journal.file FILE         The same for this .journal file; repeatable.
                              With --state.file, the journal cursor is saved
                              with the counters: a restart resumes right after
                              the last entry counted.
  --log.poll-interval DUR     How often files are checked for new lines and
                              rotation. Default 250ms.
  --log.year YEAR             Year of classic syslog timestamps (which carry
                              none). Default: inferred from the clock.
  --log.syslog-name NAME      A Postfix syslog name besides postfix and
                              postfix-* (main.cf's syslog_name, e.g. mail or
                              mta/in; a trailing * matches a prefix);
                              repeatable. Lines of other programs are counted
                              in mailgauge_log_lines_other_programs_total.
  --state.file PATH           Save each log's position (inode, offset,
                              fingerprint) with the counters' values to PATH,
                              atomically, every --state.interval and on
                              SIGTERM/SIGINT; restore them at start-up, so
                              that a restart neither resets the counters nor
                              counts a line twice, and lines written while the
                              exporter was down are counted. A corrupt or
                              unreadable file is reported and ignored (clean
                              start). The journal's cursor is saved the same
                              way, and so are the messages in flight, so a
                              message that spans a restart is one message. A
                              log rotated while the exporter was down: the
                              rest of the old file (PATH.1, PATH.0,
                              PATH-YYYYMMDD, found by inode and fingerprint)
                              is read before the new one.
  --state.interval DUR        How often the state file is saved. Default 15s.
  --postfix.showq-path PATH   Read the queue from Postfix's showq socket, as
                              mailq and postfix_exporter do: any user in
                              group postdrop may (Debian's
                              prometheus-postfix-exporter unit runs with
                              SupplementaryGroups=adm postdrop). Gives
                              arrival times and the qshape-style
                              mailgauge_queue_destination_messages. Needs
                              Postfix running.
  --postfix.queue-dir DIR     Postfix's queue directory, walked at each
                              scrape (at most every --queue.cache-duration):
                              the maildrop, incoming, active, deferred and
                              hold directories and their hashed
                              subdirectories; files counted, sizes summed,
                              oldest mtime taken; no message is opened.
                              Needs read and search permission on them
                              (Postfix makes them 0700 postfix, so: root or
                              postfix), else mailgauge_queue_scrape_success
                              is 0 and a warning is logged.
                              Given none of --postfix.showq-path,
                              --postfix.queue-dir, --postfix.showq-command
                              and --exim.spool-dir: the socket
                              /var/spool/postfix/public/showq, or, when it is
                              absent or refuses (Postfix stopped), a walk of
                              /var/spool/postfix, or, when that does not
                              exist, Exim's queue in /var/spool/exim4 or
                              /var/spool/exim.
  --postfix.showq-command CMD Read the queue with this command instead, e.g.
                              "postqueue -j" (split on blanks, no shell),
                              for a Postfix instance elsewhere ("postqueue -c
                              /etc/postfix-out -j"). Any user may run
                              postqueue -j unless authorized_mailq_users says
                              otherwise.
  --exim.spool-dir DIR        Read Exim's queue instead of Postfix's: the
                              ID-H files in DIR/input (and its one-letter
                              subdirectories), each opened for its arrival
                              time and frozen flag; frozen messages count in
                              queue="hold", the others in queue="deferred".
                              Debian: /var/spool/exim4 (mode 750
                              Debian-exim: run in that group).
  --queue.top-domains N       Destination domains shown by name in
                              mailgauge_queue_destination_messages; the rest
                              are summed as domain="other". Default 10.
  --queue.cache-duration DUR  Scrapes within this time of the last queue
                              reading get that reading. 0s reads at every
                              scrape. Default 5s.
  --queue.command-timeout DUR Give up on showq's socket, or kill the showq
                              command, after this. Default 30s.
  --abuse.window DUR          Sliding window (log time) of the relay-abuse
                              gauges: authenticated senders' distinct
                              recipients and relay-denied client networks.
                              Default 1h.
  --abuse.sender-recipients N An authenticated sender with at least N
                              distinct recipients in the window counts in
                              mailgauge_sasl_senders_over_threshold and is
                              named on the /senders page. Default 100.
  --abuse.top-senders K       Ranks 1..K of
                              mailgauge_sasl_sender_top_recipients. Default 5.
  --log.level LEVEL           Messages on stderr: debug, info, warn or error.
                              Default info.
  -h, --help                  This help.
  --version                   Print the version and exit.

postfix_exporter 0.3.0's flags work too, so that its command line can be kept:
  --postfix.logfile_path PATH is --log.file PATH; --postfix.showq_path PATH
  is --postfix.showq-path PATH;
  --systemd.enable is --journal, with --systemd.unit UNIT and --systemd.slice
  SLICE as --journal.unit and --journal.slice; --systemd.journal_path DIR is
  --journal.dir DIR; --log.unsupported logs each Postfix line not understood
  (info). --docker.* is refused, with what to use instead.

Stops cleanly on SIGTERM or SIGINT. SIGHUP does not stop it: it saves the
state file (when --state.file is set) at once and keeps running; logs need no
reopening, rotation is followed by path. Exit status: 0 after a clean stop, 2 for a
bad flag, 1 when it cannot start (e.g. the port is in use).
)";
}

}  // namespace mailgauge::exporter
