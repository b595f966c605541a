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

#include <string>
#include <string_view>
#include <vector>

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
  MetricsSink(ExporterMetrics& metrics, std::string instance_name,
              AbuseTrackerOptions abuse = AbuseTrackerOptions());

  void OnEvent(const LogLine& line, const parsers::Event& event);
  void OnRecord(const analyzer::MessageRecord& record);
  // A Postfix line whose envelope was read but whose message no pattern
  // understands.
  void OnUnparsedLine(const LogLine& line);

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
  std::string_view Instance(std::string_view line_instance);
  void OnReject(std::string_view instance, const LogLine& line,
                const parsers::Event& e);
  void OnDelivery(std::string_view instance, const parsers::Event& e);
  void OnTls(MetricId id, std::string_view instance, const parsers::Event& e);

  ExporterMetrics& metrics_;
  std::string instance_name_;
  BoundedLabel instances_;
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
