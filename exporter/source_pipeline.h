// File: exporter/source_pipeline.h
// The exporter's pipeline for one log source: raw lines go through LogInput
// (envelope + Postfix patterns), each parsed line feeds the MetricsSink and
// the Correlator, and each finished message feeds the MetricsSink again. It
// also keeps the source's health metrics (lines read, lines not understood
// by daemon, messages in flight, evictions, newest line time).
//
//   SourcePipelineOptions options;
//   options.source_name = "mail.log";
//   auto pipeline = SourcePipeline::Create(*metrics, options);
//   follower->Poll([&](std::string_view line, bool overlong) {
//     (*pipeline)->ProcessLine(line, overlong);
//   });
//   (*pipeline)->SyncStats();   // after each batch
//
// Thread-safety: one thread at a time.
#ifndef MAILGAUGE_EXPORTER_SOURCE_PIPELINE_H_
#define MAILGAUGE_EXPORTER_SOURCE_PIPELINE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <functional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "analyzer/correlator.h"
#include "analyzer/log_input.h"
#include "exporter/metrics.h"
#include "exporter/metrics_sink.h"
#include "parsers/syslog_envelope.h"

namespace mailgauge::exporter {

struct SourcePipelineOptions {
  // The `source` label of the health metrics.
  std::string source_name;
  // When set, the postfix_instance label of every line of this source.
  std::string instance_name;
  analyzer::LogInputOptions input;
  analyzer::CorrelatorOptions correlator;
  AbuseTrackerOptions abuse;
  // Metric updates wait in the pipeline and reach the registry at
  // SyncStats() and every kFlushLines lines (the exporter: fewer atomic
  // updates while catching up). Otherwise each line's updates are visible
  // when ProcessLine returns (tests, batch use).
  bool deferred_metrics = false;
  // When set, called with each Postfix line no pattern understands (the raw
  // line, or a journal entry's message), besides counting it
  // (--log.unsupported).
  std::function<void(std::string_view)> on_unsupported;
};

class SourcePipeline {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<SourcePipeline>> Create(
      ExporterMetrics& metrics, SourcePipelineOptions options);

  // One raw log line, without its '\n'.
  void ProcessLine(std::string_view text, bool overlong);

  // One line whose envelope is already taken apart (a journal entry from
  // parsers::JournalReader). Counted like ProcessLine; bytes are the
  // message's plus one.
  void ProcessLogLine(const LogLine& line, bool overlong);

  // Brings the health metrics kept as totals elsewhere (malformed lines,
  // other programs, evictions, messages in flight, newest line time) up to
  // date, and hands over deferred updates. Cheap; call after each batch of
  // lines.
  void SyncStats();

  // With deferred_metrics, the deferred updates are handed over at least
  // every this many lines.
  static constexpr uint64_t kFlushLines = 16384;

  // Estimates the log's present time as the newest line's time plus the wall
  // time since it was read, and moves the correlator's clock there, so that
  // finished messages reach the metrics even while the log is quiet. Called
  // by SyncStats().
  void AdvanceLogClock(absl::Time now);

  // End of input (batch use and tests): emits every complete message still
  // waiting for stragglers, then SyncStats().
  void Finish();

  // The correlator's messages in flight (Correlator::SerializeState), for
  // the state file.
  std::string CorrelatorState() const { return correlator_->SerializeState(); }

  // Before the first line: restores the correlator from CorrelatorState()
  // text and the newest line's time. The eviction counters go on from the
  // restored correlator's stats (their values are in the saved counters).
  // On error (DataLoss, naming the fault) nothing changes: a clean start.
  [[nodiscard]] absl::Status RestoreCorrelator(std::string_view state,
                                               int64_t newest_line_micros);

  // See MetricsSink::LearnRestoredLabels; call after restoring the counters.
  void LearnRestoredLabels(const std::vector<prometheus::MetricFamily>& restored) {
    sink_.LearnRestoredLabels(restored);
  }

  // The relay-abuse windows (AbuseTracker::SerializeState), for the state
  // file, and their restoration (DataLoss: nothing changed).
  std::string AbuseState() const { return sink_.abuse().SerializeState(); }
  [[nodiscard]] absl::Status RestoreAbuse(std::string_view state) {
    return sink_.abuse().RestoreState(state);
  }

  // Time of the newest Postfix line read (Unix microseconds; 0 before any).
  int64_t newest_line_micros() const { return newest_micros_; }
  const analyzer::LogInputStats& input_stats() const { return input_->stats(); }
  size_t correlator_in_flight() const { return correlator_->in_flight(); }
  // The top authenticated senders by distinct recipients in the window.
  std::vector<AbuseTracker::Sender> TopSenders() const {
    return sink_.abuse().TopSenders();
  }
  const AbuseTrackerOptions& abuse_options() const { return options_.abuse; }
  const analyzer::CorrelatorStats& correlator_stats() const {
    return correlator_->stats();
  }

 private:
  SourcePipeline(ExporterMetrics& metrics, SourcePipelineOptions options);
  // Counts one line read (ProcessLine, ProcessLogLine).
  void CountLine(size_t bytes) {
    if (!options_.deferred_metrics) {
      lines_read_->Increment();
      bytes_read_->Increment(static_cast<double>(bytes));
      return;
    }
    ++pending_lines_;
    pending_bytes_ += bytes;
    if (pending_lines_ >= kFlushLines) FlushMetrics();
  }
  // Hands the deferred updates to the metrics (and stamps the newest line).
  void FlushMetrics();
  // Counts a Postfix line no pattern understands; `text` is what
  // on_unsupported gets.
  void CountUnsupported(const LogLine& line, std::string_view text);
  // Sets newest_read_at_ to now if a newer line came since it was last set.
  // With deferred_metrics the clock is read once per batch of lines (here,
  // every kFlushLines, and in AdvanceLogClock), not once per newer line, so
  // the stamp may be later than the line's reading by one batch; otherwise
  // each newer line is stamped as it is read.
  void StampNewest();

  ExporterMetrics& metrics_;
  SourcePipelineOptions options_;
  MetricsSink sink_;
  std::unique_ptr<analyzer::Correlator> correlator_;
  absl::Time newest_read_at_ = absl::InfinitePast();  // when newest_micros_ was read
  bool newest_unstamped_ = false;  // newest_micros_ is newer than newest_read_at_
  std::unique_ptr<analyzer::LogInput> input_;
  std::unique_ptr<parsers::EnvelopeParser> envelope_;  // for unparsed lines
  BoundedLabel daemons_;
  int64_t newest_micros_ = 0;

  prometheus::Counter* lines_read_ = nullptr;
  prometheus::Counter* bytes_read_ = nullptr;
  prometheus::Counter* malformed_ = nullptr;
  prometheus::Counter* other_programs_ = nullptr;
  prometheus::Counter* verbose_ = nullptr;
  prometheus::Counter* evicted_age_ = nullptr;
  prometheus::Counter* evicted_cap_ = nullptr;
  prometheus::Counter* abandoned_ = nullptr;
  prometheus::Gauge* in_flight_ = nullptr;
  prometheus::Gauge* newest_ = nullptr;
  prometheus::Gauge* senders_over_ = nullptr;
  prometheus::Gauge* relay_networks_ = nullptr;
  std::vector<prometheus::Gauge*> sender_ranks_;  // rank 1..top_k
  // Deferred lines and bytes read.
  uint64_t pending_lines_ = 0;
  uint64_t pending_bytes_ = 0;
  // Totals already added to the counters above.
  uint64_t synced_malformed_ = 0;
  uint64_t synced_other_ = 0;
  uint64_t synced_verbose_ = 0;
  uint64_t synced_age_ = 0;
  uint64_t synced_cap_ = 0;
  uint64_t synced_abandoned_ = 0;
};

}  // namespace mailgauge::exporter

#endif  // MAILGAUGE_EXPORTER_SOURCE_PIPELINE_H_
