#include "exporter/source_pipeline.h"

#include "parsers/exim/exim_log.h"

#include <algorithm>
#include <utility>

namespace mailgauge::exporter {

SourcePipeline::SourcePipeline(ExporterMetrics& metrics,
                               SourcePipelineOptions options)
    : metrics_(metrics),
      options_(std::move(options)),
      sink_(metrics, options_.instance_name, options_.abuse,
            options_.deferred_metrics),
      daemons_({}, 0) {}

absl::StatusOr<std::unique_ptr<SourcePipeline>> SourcePipeline::Create(
    ExporterMetrics& metrics, SourcePipelineOptions options) {
  std::unique_ptr<SourcePipeline> p(
      new SourcePipeline(metrics, std::move(options)));
  SourcePipeline* self = p.get();
  p->correlator_ = std::make_unique<analyzer::Correlator>(
      p->options_.correlator,
      [self](analyzer::MessageRecord&& m) { self->sink_.OnRecord(m); });
  auto input = analyzer::LogInput::Create(
      p->options_.input, [self](const LogLine& l, const parsers::Event& e) {
        if (l.time.unix_micros > self->newest_micros_) {
          self->newest_micros_ = l.time.unix_micros;
          // Deferred: stamped with the clock at the next flush (at most
          // kFlushLines later), not per line.
          if (self->options_.deferred_metrics) {
            self->newest_unstamped_ = true;
          } else {
            self->newest_read_at_ = absl::Now();
          }
        }
        self->sink_.OnEvent(l, e);
        self->correlator_->Add(l, e);
      });
  if (!input.ok()) return input.status();
  p->input_ = *std::move(input);
  p->envelope_ =
      std::make_unique<parsers::EnvelopeParser>(p->options_.input.envelope);

  const std::string_view source = p->options_.source_name;
  p->lines_read_ = &metrics.Counter(MetricId::kLogLinesRead, {source});
  p->bytes_read_ = &metrics.Counter(MetricId::kLogBytesRead, {source});
  p->malformed_ = &metrics.Counter(MetricId::kLogLinesMalformed, {source});
  p->other_programs_ =
      &metrics.Counter(MetricId::kLogLinesOtherPrograms, {source});
  p->verbose_ = &metrics.Counter(MetricId::kLogLinesVerbose, {source});
  p->evicted_age_ =
      &metrics.Counter(MetricId::kCorrelatorEvictions, {source, "age"});
  p->evicted_cap_ =
      &metrics.Counter(MetricId::kCorrelatorEvictions, {source, "cap"});
  p->abandoned_ =
      &metrics.Counter(MetricId::kCorrelatorEvictions, {source, "abandoned"});
  p->in_flight_ = &metrics.Gauge(MetricId::kMessagesInFlight, {source});
  p->newest_ = &metrics.Gauge(MetricId::kLogNewestLineTimestamp, {source});
  p->senders_over_ = &metrics.Gauge(MetricId::kSaslSendersOverThreshold, {source});
  p->relay_networks_ = &metrics.Gauge(MetricId::kRelayDeniedNetworks, {source});
  for (size_t rank = 1; rank <= p->options_.abuse.top_k; ++rank) {
    const std::string r = std::to_string(rank);
    p->sender_ranks_.push_back(
        &metrics.Gauge(MetricId::kSaslSenderTopRecipients, {source, r}));
  }
  return p;
}

void SourcePipeline::StampNewest() {
  if (!newest_unstamped_) return;
  newest_read_at_ = absl::Now();
  newest_unstamped_ = false;
}

void SourcePipeline::FlushMetrics() {
  StampNewest();
  if (pending_lines_ != 0) {
    lines_read_->Increment(static_cast<double>(pending_lines_));
    bytes_read_->Increment(static_cast<double>(pending_bytes_));
    pending_lines_ = 0;
    pending_bytes_ = 0;
  }
  sink_.Flush();
}

void SourcePipeline::ProcessLine(std::string_view text, bool overlong) {
  CountLine(text.size() + 1);
  const analyzer::LogInputStats& stats = input_->stats();
  const uint64_t postfix_before = stats.postfix_lines;
  const uint64_t parsed_before = stats.parsed_lines;
  input_->ProcessLine(text, overlong);
  if (stats.postfix_lines != postfix_before &&
      stats.parsed_lines == parsed_before) {
    // A Postfix line no pattern understands: read its envelope again (rare)
    // to label it by daemon.
    LogLine line;
    if (envelope_->Parse(text, &line) == parsers::EnvelopeResult::kOk ||
        parsers::ReadEximMainLogLine(text, options_.input.envelope.time_zone, &line)) {
      CountUnsupported(line, text);
    }
  }
}

void SourcePipeline::CountUnsupported(const LogLine& line, std::string_view text) {
  sink_.OnUnparsedLine(line);
  metrics_
      .Counter(MetricId::kLogLinesNotUnderstood,
               {options_.source_name, MetricsSink::UnparsedDaemonLabel(line)})
      .Increment();
  if (options_.on_unsupported) options_.on_unsupported(text);
}

void SourcePipeline::ProcessLogLine(const LogLine& line, bool overlong) {
  CountLine(line.message.size() + 1);
  const analyzer::LogInputStats& stats = input_->stats();
  const uint64_t postfix_before = stats.postfix_lines;
  const uint64_t parsed_before = stats.parsed_lines;
  input_->ProcessLogLine(line, overlong);
  if (stats.postfix_lines != postfix_before &&
      stats.parsed_lines == parsed_before) {
    CountUnsupported(line, line.message);
  }
}

void SourcePipeline::AdvanceLogClock(absl::Time now) {
  if (newest_unstamped_) {
    // Read by now at the latest (SyncStats: `now` is the time just read).
    newest_read_at_ = std::min(now, absl::Now());
    newest_unstamped_ = false;
  }
  if (newest_micros_ == 0 || now < newest_read_at_) return;
  const int64_t present =
      newest_micros_ + absl::ToInt64Microseconds(now - newest_read_at_);
  correlator_->AdvanceTo(present);
  sink_.abuse().AdvanceTo(present);
}

void SourcePipeline::SyncStats() {
  AdvanceLogClock(absl::Now());
  FlushMetrics();
  const analyzer::LogInputStats& in = input_->stats();
  const analyzer::CorrelatorStats& c = correlator_->stats();
  auto add = [](prometheus::Counter* counter, uint64_t total, uint64_t* synced) {
    if (total > *synced) {
      counter->Increment(static_cast<double>(total - *synced));
      *synced = total;
    }
  };
  add(malformed_, in.malformed_lines, &synced_malformed_);
  add(other_programs_, in.other_program_lines, &synced_other_);
  add(verbose_, in.verbose_lines, &synced_verbose_);
  add(evicted_age_, c.evicted_age, &synced_age_);
  add(evicted_cap_, c.evicted_cap, &synced_cap_);
  add(abandoned_, c.abandoned, &synced_abandoned_);
  in_flight_->Set(static_cast<double>(correlator_->in_flight()));
  const AbuseTracker& abuse = sink_.abuse();
  senders_over_->Set(static_cast<double>(abuse.senders_over_threshold()));
  relay_networks_->Set(static_cast<double>(abuse.relay_denied_networks()));
  const std::vector<AbuseTracker::Sender> top = abuse.TopSenders();
  for (size_t i = 0; i < sender_ranks_.size(); ++i) {
    sender_ranks_[i]->Set(i < top.size() ? static_cast<double>(top[i].recipients) : 0);
  }
  if (newest_micros_ != 0) {
    newest_->Set(static_cast<double>(newest_micros_) / 1e6);
  }
}

absl::Status SourcePipeline::RestoreCorrelator(std::string_view state,
                                               int64_t newest_line_micros) {
  if (absl::Status s = correlator_->RestoreState(state); !s.ok()) return s;
  const analyzer::CorrelatorStats& c = correlator_->stats();
  synced_age_ = c.evicted_age;
  synced_cap_ = c.evicted_cap;
  synced_abandoned_ = c.abandoned;
  if (newest_line_micros > newest_micros_) {
    newest_micros_ = newest_line_micros;
    newest_read_at_ = absl::Now();
    newest_unstamped_ = false;
  }
  in_flight_->Set(static_cast<double>(correlator_->in_flight()));
  return absl::OkStatus();
}

void SourcePipeline::Finish() {
  correlator_->Finish(/*include_unfinished=*/false);
  SyncStats();
}

}  // namespace mailgauge::exporter
