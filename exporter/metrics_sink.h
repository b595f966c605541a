// File: exporter/metrics_sink.h
// Turns what the pipeline produces — each parsed line as (LogLine, Event),
// each finished message as a MessageRecord, each Postfix line no pattern
// understands — into updates of the exporter's metric families
// (exporter/metrics.h). Counters driven by lines move as the lines are read;
// those driven by records (recipients by final status, end-to-end delivery
// time, messages by origin and end) move when the correlator closes a
// message.
//
//   MetricsSink sink(*metrics, /*instance_name=*/"");
//   LogInput::Create(options, [&](const LogLine& l, const Event& e) {
//     sink.OnEvent(l, e);
//     correlator.Add(l, e);
//   });
//   Correlator correlator(options, [&](MessageRecord&& m) { sink.OnRecord(m); });
//
// Every label value comes from a fixed set (enum names, reason classes) or
// goes through a BoundedLabel, so a hostile log cannot grow the number of
// series beyond a fixed bound.
//
// Thread-safety: one thread at a time (the metrics themselves are
// thread-safe, so scrapes may run concurrently).
#ifndef MAILGAUGE_EXPORTER_METRICS_SINK_H_
#define MAILGAUGE_EXPORTER_METRICS_SINK_H_

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "analyzer/message_record.h"
#include "exporter/abuse_tracker.h"
#include "common/log_line.h"
#include "exporter/metrics.h"
#include "parsers/postfix/event.h"
#include "prometheus/metric_family.h"

namespace mailgauge::exporter {

class MetricsSink {
 public:
  // `instance_name`, when not empty, is the postfix_instance label of every
  // series this sink updates (a source named on the command line);
  // otherwise each line's own Postfix instance is used.
  // With `deferred`, the updates wait in the sink until Flush() (see
  // SeriesCache): the exporter flushes after each batch of lines.
  MetricsSink(ExporterMetrics& metrics, std::string instance_name,
              AbuseTrackerOptions abuse = AbuseTrackerOptions(),
              bool deferred = false);

  void OnEvent(const LogLine& line, const parsers::Event& event);
  void OnRecord(const analyzer::MessageRecord& record);
  // A Postfix line whose envelope was read but whose message no pattern
  // understands (or an Exim line not understood).
  void OnUnparsedLine(const LogLine& line);
  // The daemon label of such a line: Postfix's daemon name ("other" for a
  // name Postfix does not have), or "exim" for Exim's lines.
  static std::string_view UnparsedDaemonLabel(const LogLine& line);
  // Hands the deferred updates to the metrics (nothing when not deferred).
  void Flush() { series_.Flush(); }

  // Teaches the capped labels (instances, TLS ciphers and bits, pipe relays,
  // RBL lists) the values of series restored from the state file, so that
  // the caps hold across restarts.
  void LearnRestoredLabels(const std::vector<prometheus::MetricFamily>& restored);

  // Authenticated senders' recipients and relay-denied networks in a
  // sliding window (the gauges are set by SourcePipeline::SyncStats).
  AbuseTracker& abuse() { return abuse_; }
  const AbuseTracker& abuse() const { return abuse_; }

  // Label helpers, exposed for tests.
  static std::string_view StageLabel(parsers::RejectStage stage);
  static std::string_view TransportLabel(std::string_view daemon);

 private:
  // The postfix_instance label (id 0: the source's name, when given). An
  // instance's first call creates its series at 0 (below).
  LabelValue Instance(std::string_view line_instance);
  // Creates at 0 the series of `instance` of every counter whose only label
  // is the instance (postfix_exporter's unlabelled counters are there at 0
  // from its start), and the SASL failures by method. The alerts count
  // relay attempts and SASL failures with increase(): a series born in the
  // middle of a burst has that burst as its first sample, which increase()
  // takes as its starting point and so does not count.
  void CreateSeriesAtZero(LabelValue instance);
  void OnReject(LabelValue instance, const LogLine& line,
                const parsers::Event& e);
  void OnDelivery(LabelValue instance, const parsers::Event& e);
  void OnTls(MetricId id, LabelValue instance, const parsers::Event& e);

  ExporterMetrics& metrics_;
  // Series by small label ids: the instance's, BoundedLabel ids below, enum
  // values. Owned by this sink, whose ids they are.
  SeriesCache series_;
  // The series a delivery line moves, by (instance id, daemon, status).
  struct DeliverySeries {
    CounterSeries* attempts = nullptr;
    CounterSeries* smtp_processed = nullptr;
    CounterSeries* smtp_deferred = nullptr;
    CounterSeries* virtual_delivered = nullptr;
    HistogramSeries* delays[4] = {};         // by stage
    HistogramSeries* compat_delays[4] = {};  // smtp's or lmtp's family
  };
  absl::flat_hash_map<uint64_t, DeliverySeries> deliveries_;
  std::string instance_name_;
  BoundedLabel instances_;
  std::bitset<256> instances_started_;  // by id: CreateSeriesAtZero done
  BoundedLabel sasl_methods_;
  BoundedLabel tls_protocols_;
  BoundedLabel tls_ciphers_;
  BoundedLabel tls_bits_;
  BoundedLabel smtp_commands_;
  BoundedLabel pipe_relays_;
  BoundedLabel rbl_lists_;
  BoundedLabel record_ends_;
  BoundedLabel origins_;
  AbuseTracker abuse_;
};

}  // namespace mailgauge::exporter

#endif  // MAILGAUGE_EXPORTER_METRICS_SINK_H_
