// File: exporter/exporter_flags.h
// Command-line flags of mailgauge_exporter, following Prometheus exporter
// conventions (`--web.listen-address`, `--web.telemetry-path`,
// `--log.level`), parsed into one struct. Every error is one sentence naming
// the flag at fault.
//
//   absl::StatusOr<ExporterFlags> flags = ParseExporterFlags(argc, argv);
//   if (!flags.ok()) { std::cerr << flags.status().message() << "\n"; return 2; }
//   if (flags->help) { std::cout << ExporterHelp(); return 0; }
//   for (const LogSource& s : flags->log_files) Follow(s.path, s.name);
#ifndef MAILGAUGE_EXPORTER_EXPORTER_FLAGS_H_
#define MAILGAUGE_EXPORTER_EXPORTER_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace mailgauge::exporter {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

struct LogSource {
  std::string path;
  // From `--log.file NAME=PATH`; empty when not named.
  std::string name;
};

struct ExporterFlags {
  bool help = false;
  bool version = false;  // --version
  // --log.unsupported (postfix_exporter's): each Postfix line not understood
  // is logged (info), besides being counted.
  bool log_unsupported = false;
  std::string listen_address = ":9154";
  // The same, as civetweb's listening_ports wants it: "9154",
  // "127.0.0.1:9154", "[::1]:9154".
  std::string civet_listen;
  std::string host;  // "" for all interfaces
  int port = 9154;
  std::string telemetry_path = "/metrics";
  // --web.config.file: TLS and basic auth (exporter/web_config.h).
  std::string web_config_file;
  LogLevel log_level = LogLevel::kInfo;
  std::vector<LogSource> log_files;
  bool from_beginning = false;
  // The journald source (exporter/journal_source.h): at most one of
  // --journal, --journal.dir, --journal.file (repeatable).
  enum class Journal { kNone, kLocal, kDirectory, kFiles };
  Journal journal = Journal::kNone;
  std::string journal_dir;
  std::vector<std::string> journal_files;
  // --journal.unit (repeatable): only these units; empty = the default
  // Postfix selection.
  std::vector<std::string> journal_units;
  // --journal.slice (repeatable): also (or only) these slices' entries.
  std::vector<std::string> journal_slices;
  absl::Duration poll_interval = absl::Milliseconds(250);
  // Year of classic syslog timestamps; 0 = inferred from the clock.
  int year = 0;
  // --log.syslog-name (repeatable): Postfix syslog names besides "postfix"
  // and "postfix-*" (main.cf's syslog_name; parsers/program_name.h).
  std::vector<std::string> syslog_names;
  // --state.file: positions and counter values saved here; empty = none.
  std::string state_file;
  absl::Duration state_interval = absl::Seconds(15);
  // The queue (exporter/queue_collector.h), from one of: showq's socket,
  // Postfix's spool, a postqueue -j command, Exim's spool. Given none, the
  // socket queue_dir/public/showq is read, and the spool walked when the
  // socket cannot be reached (showq_fallback).
  std::string queue_dir = "/var/spool/postfix";
  std::string showq_path;      // showq's socket; empty = none
  bool showq_fallback = false;
  // With showq_fallback, when queue_dir does not exist either: the Exim
  // spools tried (QueueCollectorOptions::exim_spool_fallbacks).
  std::vector<std::string> exim_spool_fallbacks;
  std::string showq_command;   // e.g. "postqueue -j"
  std::string exim_spool_dir;  // Exim's spool (its queue)
  int queue_top_domains = 10;
  absl::Duration queue_cache = absl::Seconds(5);
  absl::Duration queue_timeout = absl::Seconds(30);
  // Relay-abuse gauges (exporter/abuse_tracker.h).
  absl::Duration abuse_window = absl::Hours(1);
  int abuse_sender_recipients = 100;
  int abuse_top_senders = 5;
  // When no flag names a log and one of DefaultLogs was chosen: which and
  // why, for the start-up log line.
  std::string default_log_note;
  // --log.file paths not followed: Exim's reject logs beside its main log
  // (parsers::EximRejectLogsBesideMainLog), whose rejects would count twice.
  std::vector<std::string> left_out_reject_logs;
};

// Where the exporter looks for a log when no flag names one, in this order:
// the syslog file (postfix_exporter's default --postfix.logfile_path), Exim's
// main log, then the local systemd journal when its directory exists
// (Debian 12 without rsyslog logs Postfix there only).
struct DefaultLogs {
  std::string syslog_file = "/var/log/mail.log";
  std::string exim_mainlog = "/var/log/exim4/mainlog";
  std::vector<std::string> journal_dirs = {"/var/log/journal", "/run/log/journal"};
};

// Parses argv[1..argc). Accepts `--flag value` and `--flag=value`.
[[nodiscard]] absl::StatusOr<ExporterFlags> ParseExporterFlags(
    int argc, char** argv, const DefaultLogs& defaults = DefaultLogs());

// --help text: every flag, its default and what it does.
std::string ExporterHelp();

}  // namespace mailgauge::exporter

#endif  // MAILGAUGE_EXPORTER_EXPORTER_FLAGS_H_
