#include "exporter/exporter_flags.h"

#include <cstdlib>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

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

absl::StatusOr<ExporterFlags> ParseExporterFlags(int argc, char** argv) {
  ExporterFlags f;
  absl::Status s = ParseListen(f.listen_address, &f);
  if (!s.ok()) return s;
  std::set<std::string> paths, names;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      f.help = true;
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
  if (!f.help && f.log_files.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        kProgram, ": no log to follow; give at least one --log.file PATH (see --help)"));
  }
  return f;
}

std::string ExporterHelp() {
  return R"(Usage: mailgauge_exporter --log.file [NAME=]PATH [flags]

Prometheus exporter for Postfix: follows mail logs and serves metrics over HTTP.
The metrics are listed in docs/metrics.md.

Flags:
  --web.listen-address ADDR   Address to serve on: :PORT (all interfaces),
                              HOST:PORT or [IPv6]:PORT. Port 0 picks a free
                              port; the one chosen is logged. Default :9154
                              (postfix_exporter's port).
  --web.telemetry-path PATH   Path of the metrics. Default /metrics. The
                              landing page at / links to it.
  --log.file [NAME=]PATH      Log file to follow, like tail -F: through
                              rename-and-create and copytruncate rotation,
                              deletion and re-creation, and while it does not
                              exist yet. Repeat for several files. NAME, when
                              given, labels the file's metrics
                              (postfix_instance="NAME", source="NAME");
                              otherwise each line's Postfix instance is used
                              and the source is the path.
  --log.from-beginning        Read files that exist at start-up from their
                              beginning instead of their end (a first run over
                              an existing log). Files that appear later are
                              always read from their beginning.
  --log.poll-interval DUR     How often files are checked for new lines and
                              rotation. Default 250ms.
  --log.year YEAR             Year of classic syslog timestamps (which carry
                              none). Default: inferred from the clock.
  --state.file PATH           Save each log's position (inode, offset,
                              fingerprint) with the counters' values to PATH,
                              atomically, every --state.interval and on
                              SIGTERM/SIGINT; restore them at start-up, so
                              that a restart neither resets the counters nor
                              counts a line twice, and lines written while the
                              exporter was down are counted. A corrupt or
                              unreadable file is reported and ignored (clean
                              start). Messages in flight are not saved yet.
  --state.interval DUR        How often the state file is saved. Default 15s.
  --log.level LEVEL           Messages on stderr: debug, info, warn or error.
                              Default info.
  -h, --help                  This help.

Stops cleanly on SIGTERM or SIGINT. Exit status: 0 after a clean stop, 2 for a
bad flag, 1 when it cannot start (e.g. the port is in use).
)";
}

}  // namespace mailgauge::exporter
