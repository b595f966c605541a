// File: exporter/state_file.h
// The exporter's state file (`--state.file`): each log source's position
// (inode, offset, fingerprint) together with the values of every counter and
// histogram, saved atomically at one consistent moment, so that a restart
// resumes reading where the saved state stopped and the counters go on from
// the values they had then. Lines re-read after a SIGKILL (written after the
// last save) bring the counters to exactly the values they would have had:
// Prometheus sees neither a reset nor a double count.
//
//   ExporterState state;
//   state.sources.push_back({"mail.log", "/var/log/mail.log", follower->position()});
//   state.metrics = CaptureMetrics(*registry);
//   absl::Status s = WriteStateFile("/var/lib/mailgauge/state.json", state);
//
//   absl::StatusOr<ExporterState> saved = ReadStateFile(path);
//   if (saved.ok()) s = RestoreMetrics(saved->metrics, *metrics);  // all or nothing
//
// Each source also carries its correlator's messages in flight
// (analyzer::Correlator::SerializeState, a versioned section of its own), so
// a message whose first lines were read before the save and the rest after
// a restart is still one message, and the counters fed by finished messages
// (mailgauge_recipients_total, mailgauge_messages_*,
// mailgauge_recipient_delivery_seconds) are exact too. A source without
// that section (a file written by an older exporter) restores offsets and
// counters only. The relay-abuse windows (exporter/abuse_tracker.h) are
// saved the same way, so their gauges go on across a restart.
//
// The file is JSON: {"format": "mailgauge-exporter-state", "version": 1,
// "saved_at": <unix seconds>, "sources": [{..., "correlator": {...},
// "abuse": {...}}],
// "metrics": [...]}.
//
// Thread-safety: free functions; Capture reads the registry (thread-safe).
#ifndef MAILGAUGE_EXPORTER_STATE_FILE_H_
#define MAILGAUGE_EXPORTER_STATE_FILE_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "exporter/metrics.h"
#include "parsers/file_follower.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"

namespace mailgauge::exporter {

struct SavedSource {
  std::string source;  // the `source` label
  std::string path;
  parsers::FilePosition position;
  // For a journal source: the sd-journal cursor after the last entry read;
  // position is then unused.
  std::string journal_cursor;
  // Correlator::SerializeState() of the source's pipeline; "" when absent.
  std::string correlator;
  // AbuseTracker::SerializeState() of the source's relay-abuse windows.
  std::string abuse;
  // Time of the newest Postfix line read (Unix microseconds; 0 before any).
  int64_t newest_line_micros = 0;
};

struct ExporterState {
  int64_t saved_at = 0;  // Unix seconds
  std::vector<SavedSource> sources;
  // Counters and histograms of the metric table (not gauges, which are
  // recomputed, nor prometheus-cpp's exposer_* families).
  std::vector<prometheus::MetricFamily> metrics;
};

// The counters and histograms of `registry` that belong to the metric table.
std::vector<prometheus::MetricFamily> CaptureMetrics(
    const prometheus::Registry& registry);

std::string SerializeState(const ExporterState& state);
// DataLoss naming what is wrong for anything that is not a valid state.
[[nodiscard]] absl::StatusOr<ExporterState> ParseState(std::string_view text);

// Writes `path` atomically: a temporary file in the same directory, fsync,
// rename over `path`, fsync of the directory.
[[nodiscard]] absl::Status WriteStateFile(const std::string& path,
                                          const ExporterState& state);
// NotFound when there is no file; DataLoss when it is corrupt.
[[nodiscard]] absl::StatusOr<ExporterState> ReadStateFile(const std::string& path);

// Adds the saved values to the (fresh) metrics. Checks everything first and
// changes nothing unless all of it fits the metric table.
[[nodiscard]] absl::Status RestoreMetrics(
    const std::vector<prometheus::MetricFamily>& saved, ExporterMetrics& metrics);

}  // namespace mailgauge::exporter

#endif  // MAILGAUGE_EXPORTER_STATE_FILE_H_
