// File: exporter/metrics.h
// Every metric family mailgauge_exporter exposes, declared once as data
// (name, type, help, label names, buckets), registered once at start-up, and
// reached through a typed id. The same table generates docs/metrics.md
// (//exporter:metrics_doc), so the reference cannot drift from the code.
//
//   auto registry = std::make_shared<prometheus::Registry>();
//   absl::StatusOr<std::unique_ptr<ExporterMetrics>> metrics =
//       ExporterMetrics::Create(*registry);
//   if (!metrics.ok()) return metrics.status();   // a bad name, never a throw
//   (*metrics)->Counter(MetricId::kSmtpdConnects, {"postfix"}).Increment();
//   std::string text = RenderExposition(*registry);  // series sorted
//
// Label values are given in the order of the spec's label names. Every value
// must come from a bounded set: an enum's name, an allow-list, or a
// BoundedLabel (below). No address, queue ID, client IP, user name or free
// text ever becomes a label value.
//
// Thread-safety: the families are prometheus-cpp's (thread-safe); a
// BoundedLabel is not.
#ifndef MAILGAUGE_EXPORTER_METRICS_H_
#define MAILGAUGE_EXPORTER_METRICS_H_

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_set.h"
#include "absl/status/statusor.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace mailgauge::exporter {

// The label every log-derived metric carries: the Postfix instance
// ("postfix", "postfix-out") or the name given to the source. Not
// "instance", which Prometheus itself sets to the scrape target.
inline constexpr char kInstanceLabel[] = "postfix_instance";

enum class MetricType { kCounter, kGauge, kHistogram };

enum class MetricId : int {
  // --- postfix_exporter's names, same meaning, bugs fixed ---
  kPostfixUp,
  kSmtpdConnects,
  kSmtpdDisconnects,
  kSmtpdMessagesProcessed,
  kSmtpdMessagesRejected,
  kSmtpdSaslFailures,
  kSmtpdTlsConnections,
  kSmtpdConnectionsLost,
  kSmtpTlsConnections,
  kSmtpMessagesProcessed,
  kSmtpDeferredMessages,
  kSmtpConnectionTimedOut,
  kSmtpDeliveryDelay,
  kLmtpDeliveryDelay,
  kPipeDeliveryDelay,
  kQmgrInsertedSize,
  kQmgrInsertedRecipients,
  kQmgrRemoved,
  kQmgrExpired,
  kCleanupProcessed,
  kCleanupRejected,
  kBounceNonDelivery,
  kVirtualDelivered,
  kUnsupportedLogEntries,
  // --- mailgauge's own ---
  kDeliveryAttempts,
  kRecipients,
  kDeferrals,
  kBounces,
  kRejects,
  kRblRejects,
  kRelayDenied,
  kSaslFailures,
  kDeliveryDelays,
  kRecipientDeliveryTime,
  kMessagesReceived,
  kMessagesFinished,
  kSaslSendersOverThreshold,
  kSaslSenderTopRecipients,
  kRelayDeniedNetworks,
  // --- the exporter's own health ---
  kLogLinesRead,
  kLogBytesRead,
  kLogLinesMalformed,
  kLogLinesOtherPrograms,
  kLogLinesNotUnderstood,
  kLogRotations,
  kLogTruncations,
  kLogReadErrors,
  kMessagesInFlight,
  kCorrelatorEvictions,
  kLogNewestLineTimestamp,
  kLogLag,
  kSourceUp,
  kStateFileSaves,
  // --- the Postfix queue, read at scrape time by QueueCollector ---
  kQueueMessages,
  kQueueSizeBytes,
  kQueueOldestMessageAge,
  kQueueDestinationMessages,
  kQueueScrapeSuccess,
  kQueueScrapeDuration,
  // --- postfix_exporter's showq families, from the same queue reading ---
  kShowqQueueDepth,
  kShowqMessageSize,
  kShowqMessageAge,
  kNumMetrics
};
inline constexpr int kNumMetricIds = static_cast<int>(MetricId::kNumMetrics);

// postfix_exporter's showq histogram buckets (bytes, seconds).
inline const std::vector<double> kShowqSizeBuckets = {1e3, 1e4, 1e5, 1e6,
                                                      1e7, 1e8, 1e9};
inline const std::vector<double> kShowqAgeBuckets = {1e1, 1e2, 1e3, 1e4,
                                                     1e5, 1e6, 1e7, 1e8};

struct MetricSpec {
  MetricId id;
  const char* name;
  MetricType type;
  const char* help;
  std::vector<std::string> labels;
  std::vector<double> buckets;  // histograms only
  // What the labels may hold, for docs/metrics.md.
  const char* label_values;
  // Built at scrape time by a collector of its own (exporter/
  // queue_collector.h), not registered by ExporterMetrics::Create: Counter(),
  // Gauge() and Histogram() must not be called with its id.
  bool at_scrape = false;
};

// The table, in MetricId order.
const std::vector<MetricSpec>& AllMetricSpecs();
const MetricSpec& Spec(MetricId id);

class ExporterMetrics {
 public:
  // Registers every family in `registry` (which must outlive the result).
  // prometheus-cpp's exceptions (bad or duplicate names) become an
  // InvalidArgument / AlreadyExists status naming the metric.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ExporterMetrics>> Create(
      prometheus::Registry& registry);

  // The series of family `id` with these label values (in the spec's label
  // order; a missing value is ""). Created on first use, then found in a
  // cache without allocating. Lookups are one thread at a time (the log
  // thread); the series themselves may be read by scrapes concurrently.
  prometheus::Counter& Counter(MetricId id,
                               std::initializer_list<std::string_view> values);
  prometheus::Gauge& Gauge(MetricId id,
                           std::initializer_list<std::string_view> values);
  prometheus::Histogram& Histogram(
      MetricId id, std::initializer_list<std::string_view> values);

  // The same with the labels given by name (e.g. when restoring saved
  // values). InvalidArgument unless the names are exactly the spec's.
  [[nodiscard]] absl::StatusOr<prometheus::Counter*> CounterWithLabels(
      MetricId id, const prometheus::Labels& labels);
  [[nodiscard]] absl::StatusOr<prometheus::Histogram*> HistogramWithLabels(
      MetricId id, const prometheus::Labels& labels);

  // The id of the family called `name`; NotFound if there is none.
  [[nodiscard]] static absl::StatusOr<MetricId> FindByName(std::string_view name);

 private:
  ExporterMetrics() = default;
  prometheus::Labels MakeLabels(MetricId id,
                                std::initializer_list<std::string_view> values) const;

  std::vector<prometheus::Family<prometheus::Counter>*> counters_;
  std::vector<prometheus::Family<prometheus::Gauge>*> gauges_;
  std::vector<prometheus::Family<prometheus::Histogram>*> histograms_;
  // (id, values) -> series; bounded because every label value is.
  absl::flat_hash_map<std::string, void*> cache_;
  std::string key_;  // reused to build cache keys
  // Builds key_ for (id, values); returns the cached series or nullptr.
  void* Cached(MetricId id, std::initializer_list<std::string_view> values);
};

// Keeps a label's set of values bounded however hostile the log: a value is
// kept if it is in the allow-list, or if it is short, made of
// [A-Za-z0-9._+-] and among the first `max_learned` distinct such values
// seen; anything else becomes "other".
class BoundedLabel {
 public:
  BoundedLabel(std::initializer_list<std::string_view> allowed,
               size_t max_learned, size_t max_length = 48);
  // The value to use as label: `value`, or "other". The view stays valid
  // as long as this BoundedLabel.
  std::string_view Map(std::string_view value);
  // Takes `value` as learned (as Map would) without returning it: for the
  // values of series restored from a state file, so that a restart does not
  // make room for max_learned more.
  void Learn(std::string_view value) { Map(value); }
  size_t learned() const { return learned_.size(); }

 private:
  // Node sets: the views Map() returns stay valid while the label lives.
  absl::node_hash_set<std::string> allowed_;
  absl::node_hash_set<std::string> learned_;
  size_t max_learned_;
  size_t max_length_;
};

// The text exposition format of everything in `registry`, families sorted by
// name and the series of each family by their labels, so the output is
// stable.
std::string RenderExposition(const prometheus::Registry& registry);

}  // namespace mailgauge::exporter

#endif  // MAILGAUGE_EXPORTER_METRICS_H_
