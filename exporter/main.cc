// File: exporter/main.cc
// mailgauge_exporter: follows Postfix logs (parsers/file_follower) through
// the parse → correlate pipeline (exporter/source_pipeline) into Prometheus
// metrics (exporter/metrics), served by prometheus-cpp's embedded civetweb
// server with a landing page at /.
//
//   mailgauge_exporter --log.file /var/log/mail.log
//   mailgauge_exporter --web.listen-address 127.0.0.1:9154 \
//       --log.file mx1=/var/log/mx1/mail.log --log.file mx2=/var/log/mx2/mail.log
//
// One thread reads the logs (every --log.poll-interval); civetweb's threads
// answer scrapes. Stops cleanly on SIGTERM/SIGINT.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CivetServer.h>
#include <civetweb.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "exporter/exporter_flags.h"
#include "exporter/metrics.h"
#include "exporter/source_pipeline.h"
#include "exporter/state_file.h"
#include "parsers/file_follower.h"
#include "prometheus/exposer.h"
#include "prometheus/registry.h"

namespace mailgauge::exporter {
namespace {

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

LogLevel g_level = LogLevel::kInfo;
std::string g_telemetry_path = "/metrics";

// logfmt lines on stderr, as Prometheus' own exporters write them.
void Log(LogLevel level, const std::string& msg) {
  if (level < g_level) return;
  static const char* kNames[] = {"debug", "info", "warn", "error"};
  const std::string ts = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                          absl::UTCTimeZone());
  const std::string quoted =
      absl::StrReplaceAll(msg, {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}});
  std::fprintf(stderr, "ts=%s level=%s msg=\"%s\"\n", ts.c_str(),
               kNames[static_cast<int>(level)], quoted.c_str());
  std::fflush(stderr);
}

// civetweb's begin_request hook: answers "/" with the landing page and lets
// every other request through to prometheus-cpp's handlers.
int LandingPage(struct mg_connection* conn) {
  const struct mg_request_info* ri = mg_get_request_info(conn);
  if (ri == nullptr || ri->local_uri == nullptr ||
      std::strcmp(ri->local_uri, "/") != 0) {
    return 0;
  }
  const std::string body = absl::StrCat(
      "<!DOCTYPE html>\n<html><head><title>mailgauge exporter</title></head>\n"
      "<body><h1>mailgauge exporter</h1>\n"
      "<p>Prometheus metrics of the Postfix mail system, read from its logs.</p>\n"
      "<p><a href=\"",
      g_telemetry_path, "\">Metrics</a></p>\n</body></html>\n");
  mg_printf(conn,
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            "Content-Length: %zu\r\nConnection: close\r\n\r\n",
            body.size());
  mg_write(conn, body.data(), body.size());
  return 200;
}

// Tries to bind the address first, so that a port in use gives a clear
// sentence (civetweb only says it could not start). Port 0 and host names
// are left to civetweb.
absl::Status ProbeListen(const ExporterFlags& f) {
  if (f.port == 0) return absl::OkStatus();
  std::string host = f.host;
  int family = AF_INET;
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (!host.empty() && host.front() == '[') {
    host = host.substr(1, host.size() - 2);
    family = AF_INET6;
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(f.port));
    if (inet_pton(AF_INET6, host.c_str(), &a->sin6_addr) != 1) {
      return absl::OkStatus();
    }
    len = sizeof(*a);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(f.port));
    if (host.empty()) {
      a->sin_addr.s_addr = htonl(INADDR_ANY);
    } else if (inet_pton(AF_INET, host.c_str(), &a->sin_addr) != 1) {
      return absl::OkStatus();
    }
    len = sizeof(*a);
  }
  const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::OkStatus();
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  const int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len);
  const int err = errno;
  ::close(fd);
  if (rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("mailgauge_exporter: cannot listen on ", f.listen_address,
                     " (--web.listen-address): ", std::strerror(err)));
  }
  return absl::OkStatus();
}

struct Source {
  LogSource config;
  std::string label;  // the `source` label
  std::unique_ptr<parsers::FileFollower> follower;
  std::unique_ptr<SourcePipeline> pipeline;
  prometheus::Gauge* up = nullptr;
  prometheus::Gauge* postfix_up = nullptr;
  prometheus::Gauge* lag = nullptr;
  prometheus::Counter* rotations = nullptr;
  prometheus::Counter* truncations = nullptr;
  prometheus::Counter* read_errors = nullptr;
  uint64_t synced_rotations = 0;
  uint64_t synced_truncations = 0;
  std::string last_error;
  bool waiting_logged = false;
};

void PollSource(Source& s) {
  absl::Status status = s.follower->Poll([&](std::string_view line, bool overlong) {
    s.pipeline->ProcessLine(line, overlong);
  });
  s.pipeline->SyncStats();
  const parsers::FileFollower::Stats& st = s.follower->stats();
  if (st.rotations > s.synced_rotations) {
    s.rotations->Increment(static_cast<double>(st.rotations - s.synced_rotations));
    Log(LogLevel::kInfo, absl::StrCat("log file rotated: ", s.config.path));
    s.synced_rotations = st.rotations;
  }
  if (st.truncations > s.synced_truncations) {
    s.truncations->Increment(
        static_cast<double>(st.truncations - s.synced_truncations));
    Log(LogLevel::kInfo, absl::StrCat("log file truncated: ", s.config.path));
    s.synced_truncations = st.truncations;
  }
  bool up = false;
  if (!status.ok()) {
    s.read_errors->Increment();
    const std::string message(status.message());
    if (message != s.last_error) Log(LogLevel::kWarn, message);
    s.last_error = message;
  } else {
    if (!s.last_error.empty()) {
      Log(LogLevel::kInfo, absl::StrCat("reading ", s.config.path, " again"));
      s.last_error.clear();
    }
    up = s.follower->file_open();
    if (!up && !s.waiting_logged) {
      Log(LogLevel::kInfo,
          absl::StrCat("waiting for ", s.config.path, " to appear"));
      s.waiting_logged = true;
    }
    if (up) s.waiting_logged = false;
  }
  s.up->Set(up ? 1 : 0);
  s.postfix_up->Set(up ? 1 : 0);
  const int64_t newest = s.pipeline->newest_line_micros();
  if (newest != 0) {
    const double lag =
        absl::ToDoubleSeconds(absl::Now() - absl::FromUnixMicros(newest));
    s.lag->Set(lag > 0 ? lag : 0);
  }
}

// Positions and counters at one moment between two polls (the log thread is
// the only writer, so they agree).
absl::Status SaveState(const std::string& path, const std::vector<Source>& sources,
                       const prometheus::Registry& registry) {
  ExporterState state;
  state.saved_at = absl::ToUnixSeconds(absl::Now());
  for (const Source& s : sources) {
    state.sources.push_back({s.label, s.config.path, s.follower->position()});
  }
  state.metrics = CaptureMetrics(registry);
  return WriteStateFile(path, state);
}

// Restores positions and counters from the state file, all or nothing.
void RestoreState(const std::string& path, std::vector<Source>& sources,
                  ExporterMetrics& metrics) {
  absl::StatusOr<ExporterState> state = ReadStateFile(path);
  if (!state.ok()) {
    if (absl::IsNotFound(state.status())) {
      Log(LogLevel::kInfo, absl::StrCat("no state file ", path, " yet; starting afresh"));
    } else {
      Log(LogLevel::kWarn, absl::StrCat("ignoring the state file: ",
                                        state.status().message(), "; starting afresh"));
    }
    return;
  }
  if (absl::Status r = RestoreMetrics(state->metrics, metrics); !r.ok()) {
    Log(LogLevel::kWarn, absl::StrCat("ignoring the state file ", path, ": ",
                                      r.message(), "; starting afresh"));
    return;
  }
  for (const SavedSource& saved : state->sources) {
    for (Source& s : sources) {
      if (s.config.path != saved.path) continue;
      s.follower->Restore(saved.position);
      Log(LogLevel::kInfo, absl::StrCat("resuming ", saved.path, " at byte ",
                                        saved.position.offset, " (state saved at ",
                                        absl::FormatTime(absl::FromUnixSeconds(state->saved_at),
                                                         absl::UTCTimeZone()),
                                        ")"));
    }
  }
}

int Run(int argc, char** argv) {
  absl::StatusOr<ExporterFlags> parsed = ParseExporterFlags(argc, argv);
  if (!parsed.ok()) {
    std::cerr << parsed.status().message() << "\n";
    return 2;
  }
  const ExporterFlags& flags = *parsed;
  if (flags.help) {
    std::cout << ExporterHelp();
    return 0;
  }
  g_level = flags.log_level;
  g_telemetry_path = flags.telemetry_path;

  auto registry = std::make_shared<prometheus::Registry>();
  absl::StatusOr<std::unique_ptr<ExporterMetrics>> metrics =
      ExporterMetrics::Create(*registry);
  if (!metrics.ok()) {
    std::cerr << "mailgauge_exporter: " << metrics.status().message() << "\n";
    return 1;
  }

  std::vector<Source> sources;
  for (const LogSource& config : flags.log_files) {
    Source s;
    s.config = config;
    s.label = config.name.empty() ? config.path : config.name;
    parsers::FileFollower::Options fo;
    fo.from_beginning = flags.from_beginning;
    auto follower = parsers::FileFollower::Create(config.path, fo);
    if (!follower.ok()) {
      std::cerr << "mailgauge_exporter: --log.file " << config.path << ": "
                << follower.status().message() << "\n";
      return 2;
    }
    s.follower = *std::move(follower);
    SourcePipelineOptions po;
    po.source_name = s.label;
    po.instance_name = config.name;
    if (flags.year != 0) po.input.envelope.year = flags.year;
    auto pipeline = SourcePipeline::Create(**metrics, po);
    if (!pipeline.ok()) {
      std::cerr << "mailgauge_exporter: " << pipeline.status().message() << "\n";
      return 1;
    }
    s.pipeline = *std::move(pipeline);
    s.up = &(*metrics)->Gauge(MetricId::kSourceUp, {s.label});
    s.postfix_up = &(*metrics)->Gauge(MetricId::kPostfixUp, {config.path});
    s.lag = &(*metrics)->Gauge(MetricId::kLogLag, {s.label});
    s.rotations = &(*metrics)->Counter(MetricId::kLogRotations, {s.label});
    s.truncations = &(*metrics)->Counter(MetricId::kLogTruncations, {s.label});
    s.read_errors = &(*metrics)->Counter(MetricId::kLogReadErrors, {s.label});
    sources.push_back(std::move(s));
  }

  if (!flags.state_file.empty()) RestoreState(flags.state_file, sources, **metrics);
  prometheus::Counter& saves_ok =
      (*metrics)->Counter(MetricId::kStateFileSaves, {"ok"});
  prometheus::Counter& saves_failed =
      (*metrics)->Counter(MetricId::kStateFileSaves, {"error"});
  auto save = [&] {
    if (flags.state_file.empty()) return;
    absl::Status s = SaveState(flags.state_file, sources, *registry);
    if (s.ok()) {
      saves_ok.Increment();
      Log(LogLevel::kDebug, absl::StrCat("saved state to ", flags.state_file));
    } else {
      saves_failed.Increment();
      Log(LogLevel::kWarn, std::string(s.message()));
    }
  };

  if (absl::Status probe = ProbeListen(flags); !probe.ok()) {
    std::cerr << probe.message() << "\n";
    return 1;
  }
  static CivetCallbacks callbacks;
  callbacks.begin_request = &LandingPage;
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    exposer = std::make_unique<prometheus::Exposer>(
        std::vector<std::string>{"listening_ports", flags.civet_listen,
                                 "num_threads", "4"},
        &callbacks);
    exposer->RegisterCollectable(registry, flags.telemetry_path);
  } catch (const std::exception& e) {
    std::cerr << "mailgauge_exporter: cannot listen on " << flags.listen_address
              << " (--web.listen-address): " << e.what() << "\n";
    return 1;
  }
  std::vector<int> ports = exposer->GetListeningPorts();
  const std::string shown_host =
      flags.host.empty() ? std::string("0.0.0.0") : flags.host;
  Log(LogLevel::kInfo,
      absl::StrCat("listening on ", shown_host, ":",
                   ports.empty() ? flags.port : ports.front(),
                   " metrics at ", flags.telemetry_path));

  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  for (const Source& s : sources) {
    Log(LogLevel::kInfo, absl::StrCat("following ", s.config.path,
                                      flags.from_beginning ? " from its beginning"
                                                           : " from its end"));
  }
  absl::Time next_save = absl::Now() + flags.state_interval;
  while (!g_stop) {
    for (Source& s : sources) PollSource(s);
    if (absl::Now() >= next_save) {
      save();
      next_save = absl::Now() + flags.state_interval;
    }
    const absl::Time until = absl::Now() + flags.poll_interval;
    while (!g_stop && absl::Now() < until) {
      absl::SleepFor(std::min(absl::Milliseconds(20), until - absl::Now()));
    }
  }
  Log(LogLevel::kInfo, "stopping on signal");
  for (Source& s : sources) PollSource(s);  // what was written until now
  save();
  exposer.reset();
  Log(LogLevel::kInfo, "stopped");
  return 0;
}

}  // namespace
}  // namespace mailgauge::exporter

int main(int argc, char** argv) { return mailgauge::exporter::Run(argc, argv); }
