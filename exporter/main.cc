// File: exporter/main.cc
// mailgauge_exporter: follows Postfix logs (parsers/file_follower) through
// the parse → correlate pipeline (exporter/source_pipeline) into Prometheus
// metrics (exporter/metrics), served by prometheus-cpp's embedded civetweb
// server with a landing page at /.
//
//   mailgauge_exporter --log.file /var/log/mail.log
//   mailgauge_exporter --web.listen-address 127.0.0.1:9154
//       --log.file mx1=/var/log/mx1/mail.log --log.file mx2=/var/log/mx2/mail.log
//   (one command line; each log's series labelled source="mx1" or "mx2")
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

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/version.h"
#include "exporter/abuse_tracker.h"
#include "exporter/exporter_flags.h"
#include "exporter/journal_source.h"
#include "exporter/metrics.h"
#include "exporter/queue_collector.h"
#include "exporter/rotated_file.h"
#include "exporter/source_pipeline.h"
#include "exporter/tls_frontend.h"
#include "exporter/web_config.h"
#include "exporter/state_file.h"
#include "nlohmann/json.hpp"
#include "parsers/file_follower.h"
#include "prometheus/exposer.h"
#include "prometheus/registry.h"

namespace mailgauge::exporter {
namespace {

// Lock-free atomics, not volatile sig_atomic_t: the kernel may run a handler
// on any thread (civetweb's included) while the log thread reads the flag.
static_assert(std::atomic<bool>::is_always_lock_free);
std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop.store(true); }
// SIGHUP does not stop the exporter (a stray `kill -HUP`, or a logrotate
// postrotate meant for syslog, must not end monitoring): it only asks the
// log thread to save the state file now. Logs need no reopening: rotation
// is followed by path.
std::atomic<bool> g_hup{false};
void OnHangup(int) { g_hup.store(true); }

LogLevel g_level = LogLevel::kInfo;
std::string g_telemetry_path = "/metrics";

// logfmt lines on stderr, as Prometheus' own exporters write them.
void Log(LogLevel level, const std::string& msg) {
  if (level < g_level) return;
  static const char* kNames[] = {"debug", "info", "warn", "error"};
  const std::string ts = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                          absl::UTCTimeZone());
  // Escaped so that a message quoting a log line (--log.unsupported: any
  // bytes a client chose) stays one logfmt line with no terminal controls.
  std::string quoted;
  quoted.reserve(msg.size());
  for (const char c : msg) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '\\' || c == '"') {
      quoted.push_back('\\');
      quoted.push_back(c);
    } else if (c == '\n') {
      quoted.append("\\n");
    } else if (u < 0x20 || u == 0x7f) {
      absl::StrAppend(&quoted, "\\x", absl::Hex(u, absl::kZeroPad2));
    } else {
      quoted.push_back(c);
    }
  }
  std::fprintf(stderr, "ts=%s level=%s msg=\"%s\"\n", ts.c_str(),
               kNames[static_cast<int>(level)], quoted.c_str());
  std::fflush(stderr);
}

// --web.config.file, read once before the server starts.
WebConfig g_web;

// With TLS: the HTTPS frontend; civetweb then listens on a loopback port
// and answers only connections relayed by it. Set by the main thread once
// the frontend runs (civetweb's threads are already serving then), cleared
// after civetweb stopped: atomic, and until it is set nothing is answered.
std::atomic<const TlsFrontend*> g_tls{nullptr};

// The /senders page: the authenticated senders over the threshold, by
// name (never a label value). Rebuilt by the log thread after each poll,
// read by civetweb's threads.
std::mutex g_senders_mu;
std::string g_senders_json = "{}\n";

void PublishSenders(const std::vector<std::pair<std::string, const SourcePipeline*>>& pipelines,
                    const AbuseTrackerOptions& abuse) {
  nlohmann::json j;
  j["window_seconds"] = abuse.window_seconds;
  j["threshold"] = abuse.sender_threshold;
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [source, pipeline] : pipelines) {
    size_t rank = 0;
    for (const AbuseTracker::Sender& sender : pipeline->TopSenders()) {
      ++rank;
      if (sender.recipients < abuse.sender_threshold) break;
      list.push_back({{"source", source},
                      {"rank", rank},
                      {"sasl_username", sender.name},
                      {"distinct_recipients", sender.recipients}});
    }
  }
  j["senders_over_threshold"] = std::move(list);
  std::string text = j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::lock_guard<std::mutex> lock(g_senders_mu);
  g_senders_json = std::move(text);
}

// civetweb's begin_request hook: checks basic auth (when configured) on
// every request, answers "/" with the landing page and lets every other
// request through to prometheus-cpp's handlers.
int LandingPage(struct mg_connection* conn) {
  const struct mg_request_info* ri = mg_get_request_info(conn);
  const TlsFrontend* tls = g_tls.load(std::memory_order_acquire);
  if (g_web.tls() &&
      (tls == nullptr || ri == nullptr || std::strcmp(ri->remote_addr, "127.0.0.1") != 0 ||
       !tls->IsRelayedPort(ri->remote_port))) {
    // Someone on this host talking plain HTTP to the internal port (or
    // anyone, before the frontend runs).
    mg_printf(conn,
              "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n"
              "Content-Length: 15\r\nConnection: close\r\n\r\nUse HTTPS only\n");
    return 403;
  }
  if (g_web.basic_auth() &&
      !g_web.CheckBasicAuth(mg_get_header(conn, "Authorization"))) {
    static const char kBody[] = "Unauthorized\n";
    mg_printf(conn,
              "HTTP/1.1 401 Unauthorized\r\n"
              "WWW-Authenticate: Basic realm=\"mailgauge_exporter\", charset=\"UTF-8\"\r\n"
              "Content-Type: text/plain; charset=utf-8\r\n"
              "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
              sizeof(kBody) - 1, kBody);
    Log(LogLevel::kDebug, "401: request without valid basic auth credentials");
    return 401;
  }
  if (ri != nullptr && ri->local_uri != nullptr &&
      std::strcmp(ri->local_uri, "/senders") == 0) {
    std::string body;
    {
      std::lock_guard<std::mutex> lock(g_senders_mu);
      body = g_senders_json;
    }
    mg_printf(conn,
              "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
              "Cache-Control: no-store\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
              body.size());
    mg_write(conn, body.data(), body.size());
    return 200;
  }
  if (ri == nullptr || ri->local_uri == nullptr ||
      std::strcmp(ri->local_uri, "/") != 0) {
    return 0;
  }
  const std::string body = absl::StrCat(
      "<!DOCTYPE html>\n<html><head><title>mailgauge exporter</title></head>\n"
      "<body><h1>mailgauge exporter</h1>\n"
      "<p>Prometheus metrics of the Postfix mail system, read from its logs.</p>\n"
      "<p><a href=\"",
      g_telemetry_path, "\">Metrics</a></p>\n"
      "<p><a href=\"/senders\">Authenticated senders over the recipient "
      "threshold</a> (names; JSON)</p>\n</body></html>\n");
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
  bool no_postfix_warned = false;
};

// Once per source: when its first lines hold no Postfix line, it is most
// likely the wrong file (Exim's main log, a syslog file without mail) or a
// Postfix whose syslog_name the exporter was not given.
void WarnIfNoPostfix(const std::string& what, const analyzer::LogInputStats& in,
                     bool* warned) {
  constexpr uint64_t kLines = 1000;
  if (*warned || in.postfix_lines > 0 || in.lines - in.empty_lines < kLines) return;
  *warned = true;
  std::string message = absl::StrCat("none of the first ", in.lines, " lines of ", what,
                                     " is from Postfix or Exim (a syslog_name other than "
                                     "postfix and postfix-* is given with --log.syslog-name)");
  for (const std::string& note : analyzer::ForeignLogNotes(in)) {
    absl::StrAppend(&message, "; ", note);
  }
  Log(LogLevel::kWarn, message);
}

void PollSource(Source& s) {
  absl::Status status = s.follower->Poll([&](std::string_view line, bool overlong) {
    s.pipeline->ProcessLine(line, overlong);
  });
  s.pipeline->SyncStats();
  WarnIfNoPostfix(s.config.path, s.pipeline->input_stats(), &s.no_postfix_warned);
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

// The journald source (at most one).
struct JournalInput {
  std::string label = "journal";
  std::unique_ptr<SourcePipeline> pipeline;
  std::unique_ptr<JournalSource> source;
  prometheus::Gauge* up = nullptr;
  prometheus::Gauge* postfix_up = nullptr;
  prometheus::Gauge* lag = nullptr;
  prometheus::Counter* read_errors = nullptr;
  prometheus::Counter* positions_lost = nullptr;
  prometheus::Counter* entries_lost = nullptr;
  uint64_t synced_positions_lost = 0;
  uint64_t synced_entries_lost = 0;
  std::string last_error;
  bool was_open = false;
  // The state file key: survives a change of neither kind nor paths.
  std::string key() const { return "journal:" + source->description(); }
};

void PollJournal(JournalInput& j) {
  absl::Status status = j.source->Poll();
  if (!status.ok()) {
    j.read_errors->Increment();
    const std::string message(status.message());
    if (message != j.last_error) Log(LogLevel::kWarn, message);
    j.last_error = message;
  } else if (!j.last_error.empty()) {
    Log(LogLevel::kInfo, absl::StrCat("reading ", j.source->description(), " again"));
    j.last_error.clear();
  }
  if (std::string loss = j.source->TakeLossReport(); !loss.empty()) {
    Log(LogLevel::kWarn, loss);
  }
  if (j.source->positions_lost() > j.synced_positions_lost) {
    j.positions_lost->Increment(
        static_cast<double>(j.source->positions_lost() - j.synced_positions_lost));
    j.synced_positions_lost = j.source->positions_lost();
  }
  if (j.source->entries_lost() > j.synced_entries_lost) {
    j.entries_lost->Increment(
        static_cast<double>(j.source->entries_lost() - j.synced_entries_lost));
    j.synced_entries_lost = j.source->entries_lost();
  }
  const bool up = status.ok() && j.source->open();
  if (up && !j.was_open) {
    Log(LogLevel::kInfo, absl::StrCat("following ", j.source->description()));
  }
  j.was_open = up;
  j.up->Set(up ? 1 : 0);
  j.postfix_up->Set(up ? 1 : 0);
  const int64_t newest = j.pipeline->newest_line_micros();
  if (newest != 0) {
    const double lag =
        absl::ToDoubleSeconds(absl::Now() - absl::FromUnixMicros(newest));
    j.lag->Set(lag > 0 ? lag : 0);
  }
}

// Positions and counters at one moment between two polls (the log thread is
// the only writer, so they agree).
absl::Status SaveState(const std::string& path, const std::vector<Source>& sources,
                       const JournalInput* journal,
                       const prometheus::Registry& registry) {
  ExporterState state;
  state.saved_at = absl::ToUnixSeconds(absl::Now());
  for (const Source& s : sources) {
    SavedSource saved{s.label, s.config.path, s.follower->position()};
    saved.correlator = s.pipeline->CorrelatorState();
    saved.abuse = s.pipeline->AbuseState();
    saved.newest_line_micros = s.pipeline->newest_line_micros();
    state.sources.push_back(std::move(saved));
  }
  if (journal != nullptr && !journal->source->cursor().empty()) {
    SavedSource saved{journal->label, journal->key(), {}, journal->source->cursor()};
    saved.correlator = journal->pipeline->CorrelatorState();
    saved.abuse = journal->pipeline->AbuseState();
    saved.newest_line_micros = journal->pipeline->newest_line_micros();
    state.sources.push_back(std::move(saved));
  }
  state.metrics = CaptureMetrics(registry);
  return WriteStateFile(path, state);
}

// The messages in flight and relay-abuse windows of one source; a bad
// section costs only them.
void RestoreSourceState(const SavedSource& saved, SourcePipeline& pipeline) {
  if (!saved.abuse.empty()) {
    if (absl::Status s = pipeline.RestoreAbuse(saved.abuse); !s.ok()) {
      Log(LogLevel::kWarn, absl::StrCat("ignoring the saved relay-abuse windows of ",
                                        saved.path, ": ", s.message()));
    }
  }
  if (saved.correlator.empty()) {
    Log(LogLevel::kWarn, absl::StrCat("the state file holds no messages in flight for ",
                                      saved.path, "; messages that span the restart "
                                      "are counted in part"));
    return;
  }
  absl::Status s = pipeline.RestoreCorrelator(saved.correlator, saved.newest_line_micros);
  if (!s.ok()) {
    Log(LogLevel::kWarn, absl::StrCat("ignoring the saved messages in flight of ",
                                      saved.path, ": ", s.message(),
                                      "; the correlator starts empty"));
    return;
  }
  Log(LogLevel::kInfo, absl::StrCat("restored ", pipeline.correlator_in_flight(),
                                    " messages in flight for ", saved.path));
}

// The log was rotated while the exporter was down: the lines written to the
// old file after the last save are read from where it went, before the
// follower reads the new file from its start.
void ReadRotatedWhileDown(Source& s, const SavedSource& saved) {
  absl::StatusOr<std::string> rotated = FindRotatedFile(saved.path, saved.position);
  if (!rotated.ok()) {
    if (!absl::IsNotFound(rotated.status())) {
      Log(LogLevel::kWarn, std::string(rotated.status().message()));
    } else {
      Log(LogLevel::kDebug, std::string(rotated.status().message()));
    }
    return;
  }
  absl::StatusOr<uint64_t> lines = ReadRotatedRest(
      *rotated, saved.position,
      [&](std::string_view line, bool overlong) { s.pipeline->ProcessLine(line, overlong); });
  s.pipeline->SyncStats();
  if (!lines.ok()) {
    Log(LogLevel::kWarn, std::string(lines.status().message()));
    return;
  }
  s.rotations->Increment();
  Log(LogLevel::kInfo, absl::StrCat(saved.path, " was rotated while stopped: read ", *lines,
                                    " lines of ", *rotated, " from byte ",
                                    saved.position.offset));
}

// Restores positions, counters and messages in flight from the state file:
// offsets and counters all or nothing.
void RestoreState(const std::string& path, std::vector<Source>& sources,
                  JournalInput* journal, ExporterMetrics& metrics) {
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
  // The capped labels keep their caps across restarts.
  for (Source& s : sources) s.pipeline->LearnRestoredLabels(state->metrics);
  if (journal != nullptr) journal->pipeline->LearnRestoredLabels(state->metrics);
  for (const SavedSource& saved : state->sources) {
    if (journal != nullptr && !saved.journal_cursor.empty() &&
        saved.path == journal->key()) {
      journal->source->Restore(saved.journal_cursor);
      RestoreSourceState(saved, *journal->pipeline);
      Log(LogLevel::kInfo, absl::StrCat("resuming ", journal->source->description(),
                                        " after the saved cursor"));
      continue;
    }
    for (Source& s : sources) {
      if (s.config.path != saved.path) continue;
      s.follower->Restore(saved.position);
      RestoreSourceState(saved, *s.pipeline);
      ReadRotatedWhileDown(s, saved);
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
  if (flags.version) {
    std::cout << "mailgauge_exporter " << kVersion << "\n";
    return 0;
  }
  g_level = flags.log_level;
  g_telemetry_path = flags.telemetry_path;
  if (!flags.default_log_note.empty()) Log(LogLevel::kInfo, flags.default_log_note);
  for (const std::string& path : flags.left_out_reject_logs) {
    Log(LogLevel::kWarn, absl::StrCat("--log.file ", path,
                                         " not followed: Exim's reject log, whose rejects the main "
                                         "log given with it holds too"));
  }
  // Signals first: a SIGTERM or SIGHUP during start-up (restoring a large
  // state file, binding the port) must not kill the process by the default
  // action. SIGTERM then stops it after start-up with a save; SIGHUP asks
  // for a save at the first poll.
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  struct sigaction hup {};
  hup.sa_handler = OnHangup;
  sigemptyset(&hup.sa_mask);
  sigaction(SIGHUP, &hup, nullptr);
  signal(SIGPIPE, SIG_IGN);

  if (!flags.web_config_file.empty()) {
    absl::StatusOr<WebConfig> web = ReadWebConfig(flags.web_config_file);
    if (!web.ok()) {
      std::cerr << "mailgauge_exporter: --web.config.file: " << web.status().message()
                << "\n";
      return 1;
    }
    g_web = *std::move(web);
  }

  auto registry = std::make_shared<prometheus::Registry>();
  absl::StatusOr<std::unique_ptr<ExporterMetrics>> metrics =
      ExporterMetrics::Create(*registry);
  if (!metrics.ok()) {
    std::cerr << "mailgauge_exporter: " << metrics.status().message() << "\n";
    return 1;
  }
  (*metrics)->Gauge(MetricId::kBuildInfo, {kVersion}).Set(1);

  AbuseTrackerOptions abuse_options;
  abuse_options.window_seconds = absl::ToInt64Seconds(flags.abuse_window);
  abuse_options.sender_threshold = static_cast<size_t>(flags.abuse_sender_recipients);
  abuse_options.top_k = static_cast<size_t>(flags.abuse_top_senders);
  // What the pipeline of every source (file or journal) is given.
  auto pipeline_options = [&flags, &abuse_options](const std::string& label) {
    SourcePipelineOptions po;
    po.source_name = label;
    po.abuse = abuse_options;
    po.deferred_metrics = true;  // handed over after each poll
    if (flags.year != 0) po.input.envelope.year = flags.year;
    for (const std::string& name : flags.syslog_names) po.input.envelope.syslog_names.Add(name);
    if (flags.log_unsupported) {
      po.on_unsupported = [label](std::string_view line) {
        Log(LogLevel::kInfo, "line not understood in " + label + ": " + std::string(line));
      };
    }
    return po;
  };
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
    SourcePipelineOptions po = pipeline_options(s.label);
    po.instance_name = config.name;
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

  std::unique_ptr<JournalInput> journal;
  if (flags.journal != ExporterFlags::Journal::kNone) {
    journal = std::make_unique<JournalInput>();
    JournalSourceOptions jo;
    switch (flags.journal) {
      case ExporterFlags::Journal::kLocal:
        jo.journal.source = parsers::JournalSource::kLocal;
        break;
      case ExporterFlags::Journal::kDirectory:
        jo.journal.source = parsers::JournalSource::kDirectory;
        jo.journal.directory = flags.journal_dir;
        break;
      default:
        jo.journal.source = parsers::JournalSource::kFiles;
        jo.journal.files = flags.journal_files;
        break;
    }
    jo.journal.units = flags.journal_units;
    jo.journal.slices = flags.journal_slices;
    jo.from_beginning = flags.from_beginning;
    auto pipeline = SourcePipeline::Create(**metrics, pipeline_options(journal->label));
    if (!pipeline.ok()) {
      std::cerr << "mailgauge_exporter: " << pipeline.status().message() << "\n";
      return 1;
    }
    journal->pipeline = *std::move(pipeline);
    journal->source = std::make_unique<JournalSource>(jo, journal->pipeline.get());
    journal->up = &(*metrics)->Gauge(MetricId::kSourceUp, {journal->label});
    journal->postfix_up = &(*metrics)->Gauge(MetricId::kPostfixUp, {journal->label});
    journal->lag = &(*metrics)->Gauge(MetricId::kLogLag, {journal->label});
    journal->read_errors = &(*metrics)->Counter(MetricId::kLogReadErrors, {journal->label});
    journal->positions_lost =
        &(*metrics)->Counter(MetricId::kJournalPositionsLost, {journal->label});
    journal->entries_lost =
        &(*metrics)->Counter(MetricId::kJournalEntriesLost, {journal->label});
  }

  if (!flags.state_file.empty()) {
    RestoreState(flags.state_file, sources, journal.get(), **metrics);
  }
  prometheus::Counter& saves_ok =
      (*metrics)->Counter(MetricId::kStateFileSaves, {"ok"});
  prometheus::Counter& saves_failed =
      (*metrics)->Counter(MetricId::kStateFileSaves, {"error"});
  auto save = [&] {
    if (flags.state_file.empty()) return;
    absl::Status s = SaveState(flags.state_file, sources, journal.get(), *registry);
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
  QueueCollectorOptions qo;
  qo.queue_dir = flags.queue_dir;
  qo.showq_command = SplitCommand(flags.showq_command);
  qo.exim_spool_dir = flags.exim_spool_dir;
  qo.showq_socket = flags.showq_path;
  qo.showq_socket_fallback = flags.showq_fallback;
  qo.exim_spool_fallbacks = flags.exim_spool_fallbacks;
  qo.top_domains = static_cast<size_t>(flags.queue_top_domains);
  qo.cache_for = flags.queue_cache;
  qo.command_timeout = flags.queue_timeout;
  auto queue = std::make_shared<QueueCollector>(
      qo, [](bool warn, const std::string& m) {
        Log(warn ? LogLevel::kWarn : LogLevel::kInfo, m);
      });
  static CivetCallbacks callbacks;
  callbacks.begin_request = &LandingPage;
  // civetweb serves one connection per worker thread, so the options below
  // are what stands between a hostile or slow client and everyone else
  // (tests/load/scrape_load_test: 12 slow clients + 10,000 scrapes at once):
  // - num_threads 32: a client that sends half a request, or never reads
  //   its reply, holds a worker until the timeouts below; 32 leave room for
  //   Prometheus beside a few such clients. Idle workers cost a stack of
  //   virtual memory, not RSS.
  // - listen_backlog 4096 (civetweb's default is 200; the kernel clips it to
  //   net.core.somaxconn, 4096 on current kernels): a burst of connects waits
  //   in the kernel instead of overflowing into dropped SYNs and resets.
  // - connection_queue 16384: accepted sockets waiting for a worker. Large
  //   on purpose: civetweb's accept thread stops accepting while this queue
  //   is full, the kernel backlog (at most somaxconn) then overflows, dropped
  //   handshakes are retried only after 1, 3, 7... s and the last of them
  //   end in resets. A queued socket costs a file descriptor and a few
  //   hundred bytes; the workers drain 1,500 scrapes/s on 2 cores.
  // - request_timeout_ms 30000 (civetweb's default, stated): a half-sent
  //   request or an unread reply frees its worker after 30 s. Not shorter:
  //   in a connect storm the kernel drops handshakes that overflow the
  //   backlog, and a client's request can reach an accepted socket only on
  //   its TCP retransmission seconds later; with 10 s, 5% of 10,000
  //   simultaneous scrapes were closed unanswered on a loaded 2-core machine.
  // - keep-alive stays off (the default): a worker is freed after each reply.
  //   linger_timeout_ms stays unset: 0 would make close() send a reset and
  //   drop the unsent tail of a large exposition.
  // - max_request_size 16384: a longer request line or header is refused
  //   (civetweb answers 413/400 and closes).
  std::vector<std::string> civet_options = {
      "listening_ports",    flags.civet_listen,
      "num_threads",        "32",
      "listen_backlog",     "4096",
      "connection_queue",   "16384",
      "request_timeout_ms", "30000",
      "max_request_size",   "16384"};
  if (g_web.tls()) civet_options[1] = "127.0.0.1:0";  // behind TlsFrontend
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    exposer = std::make_unique<prometheus::Exposer>(civet_options, &callbacks);
    exposer->RegisterCollectable(registry, flags.telemetry_path);
    exposer->RegisterCollectable(queue, flags.telemetry_path);
  } catch (const std::exception& e) {
    std::cerr << "mailgauge_exporter: cannot listen on " << flags.listen_address
              << " (--web.listen-address): " << e.what() << "\n";
    return 1;
  }
  std::vector<int> ports = exposer->GetListeningPorts();
  std::unique_ptr<TlsFrontend> tls;
  if (g_web.tls()) {
    TlsFrontendOptions to;
    to.host = flags.host;
    to.port = flags.port;
    to.cert_file = g_web.cert_file;
    to.key_file = g_web.key_file;
    to.backend_port = ports.empty() ? 0 : ports.front();
    absl::StatusOr<std::unique_ptr<TlsFrontend>> started = TlsFrontend::Start(to);
    if (!started.ok()) {
      std::cerr << "mailgauge_exporter: --web.config.file: " << started.status().message()
                << "\n";
      return 1;
    }
    tls = *std::move(started);
    g_tls.store(tls.get(), std::memory_order_release);
    ports = {tls->port()};
  }
  const std::string shown_host =
      flags.host.empty() ? std::string("0.0.0.0") : flags.host;
  Log(LogLevel::kInfo,
      absl::StrCat("listening on ", shown_host, ":",
                   ports.empty() ? flags.port : ports.front(),
                   " metrics at ", flags.telemetry_path,
                   g_web.tls() ? " (HTTPS)" : " (HTTP)",
                   g_web.basic_auth() ? " with basic auth" : ""));

  for (const Source& s : sources) {
    Log(LogLevel::kInfo, absl::StrCat("following ", s.config.path,
                                      flags.from_beginning ? " from its beginning"
                                                           : " from its end"));
  }
  std::vector<std::pair<std::string, const SourcePipeline*>> pipelines;
  for (const Source& s : sources) pipelines.emplace_back(s.label, s.pipeline.get());
  if (journal != nullptr) pipelines.emplace_back(journal->label, journal->pipeline.get());
  absl::Time next_save = absl::Now() + flags.state_interval;
  while (!g_stop.load()) {
    for (Source& s : sources) PollSource(s);
    if (journal != nullptr) PollJournal(*journal);
    PublishSenders(pipelines, abuse_options);
    if (g_hup.exchange(false)) {
      Log(LogLevel::kInfo, "SIGHUP: saving the state file now; still running");
      next_save = absl::Now();
    }
    if (absl::Now() >= next_save) {
      save();
      next_save = absl::Now() + flags.state_interval;
    }
    const absl::Time until = absl::Now() + flags.poll_interval;
    while (!g_stop.load() && absl::Now() < until) {
      absl::SleepFor(std::min(absl::Milliseconds(20), until - absl::Now()));
    }
  }
  Log(LogLevel::kInfo, "stopping on signal");
  for (Source& s : sources) PollSource(s);  // what was written until now
  if (journal != nullptr) PollJournal(*journal);
  save();
  if (tls != nullptr) tls->Stop();
  exposer.reset();
  g_tls.store(nullptr, std::memory_order_release);
  tls.reset();
  Log(LogLevel::kInfo, "stopped");
  return 0;
}

}  // namespace
}  // namespace mailgauge::exporter

int main(int argc, char** argv) { return mailgauge::exporter::Run(argc, argv); }
