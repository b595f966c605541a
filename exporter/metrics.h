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
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
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
  kSmtpdFcrdnsErrors,
  kSmtpTlsConnections,
  kSmtpMessagesProcessed,
  kSmtpDeferredMessages,
  kSmtpConnectionTimedOut,
  kSmtpDeliveryDelay,
  kLmtpDeliveryDelay,
  kPipeDeliveryDelay,
  kQmgrInsertedSize,
  kQmgrInsertedRecipients,
  kQmgrInsertedRecipientsLegacy,
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
  kLogLinesVerbose,
  kLogLinesNotUnderstood,
  kLogRotations,
  kLogTruncations,
  kLogReadErrors,
  kJournalPositionsLost,
  kJournalEntriesLost,
  kMessagesInFlight,
  kCorrelatorEvictions,
  kLogNewestLineTimestamp,
  kLogLag,
  kSourceUp,
  kStateFileSaves,
  kBuildInfo,
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
  friend class SeriesCache;
  ExporterMetrics() = default;
  prometheus::Labels MakeLabels(MetricId id, const std::string_view* values,
                                size_t count) const;
  // The series of family `id` (any type) with these values, created on
  // first use.
  void* Series(MetricId id, const std::string_view* values, size_t count);

  std::vector<prometheus::Family<prometheus::Counter>*> counters_;
  std::vector<prometheus::Family<prometheus::Gauge>*> gauges_;
  std::vector<prometheus::Family<prometheus::Histogram>*> histograms_;
  // (id, values) -> series; bounded because every label value is.
  absl::flat_hash_map<std::string, void*> cache_;
  std::string key_;  // reused to build cache keys
};

// Keeps a label's set of values bounded however hostile the log: a value is
// kept if it is in the allow-list, or if it is short, made of
// [A-Za-z0-9._+-] and among the first `max_learned` distinct such values
// seen; anything else becomes "other". Each value kept has a small id
// (below 256; 0 is "other"), for SeriesCache keys.
class BoundedLabel {
 public:
  static constexpr uint32_t kOtherId = 0;
  // Allowed values beyond 255 are dropped, and max_learned is lowered so
  // that every id stays below 256.
  BoundedLabel(std::initializer_list<std::string_view> allowed,
               size_t max_learned, size_t max_length = 48);
  // The value to use as label: `value`, or "other". The view stays valid
  // as long as this BoundedLabel.
  std::string_view Map(std::string_view value) { return Name(Id(value)); }
  // The id of what Map(value) returns (learning `value` as Map would); the
  // same value always gets the same id. No allocation once learned.
  uint32_t Id(std::string_view value);
  // The label text of an id Id() returned.
  std::string_view Name(uint32_t id) const { return *names_[id]; }
  // Takes `value` as learned (as Map would) without returning it: for the
  // values of series restored from a state file, so that a restart does not
  // make room for max_learned more.
  void Learn(std::string_view value) { Id(value); }
  size_t learned() const { return learned_; }
  // The number of ids given so far: "other" (0), the allowed values, and
  // those learned. Ids run from 0 to size() - 1.
  size_t size() const { return names_.size(); }

 private:
  // Allowed and learned values -> id; names_[id] is the text (stable).
  absl::flat_hash_map<std::string, uint32_t> ids_;
  std::vector<std::unique_ptr<const std::string>> names_;
  size_t learned_ = 0;
  size_t max_learned_;
  size_t max_length_;
  // The last value found, often the same again (one Postfix instance).
  uint32_t last_id_ = kOtherId;
  const std::string* last_ = nullptr;
};

// A label value with a small id standing for it in SeriesCache keys: within
// one label of one family, equal ids must mean equal texts (one text may
// have several ids).
struct LabelValue {
  uint32_t id;  // below 256
  std::string_view text;
};

// A counter series as the hot path holds it: Increment() goes to the
// prometheus::Counter at once, or, when its SeriesCache defers updates, adds
// up here until SeriesCache::Flush(). Whole increments add up exactly, so a
// flushed counter has the value it would have had.
class CounterSeries {
 public:
  void Increment() { Increment(1); }
  void Increment(uint64_t n) {
    if (dirty_ == nullptr) {
      series_->Increment(static_cast<double>(n));
      return;
    }
    if (pending_ == 0) dirty_->push_back(this);
    pending_ += n;
  }
  void Flush() {
    if (pending_ != 0) series_->Increment(static_cast<double>(pending_));
    pending_ = 0;
  }

 private:
  friend class SeriesCache;
  prometheus::Counter* series_ = nullptr;
  std::vector<CounterSeries*>* dirty_ = nullptr;  // null: not deferred
  uint64_t pending_ = 0;
};

// The same for a histogram series: deferred observations are sorted into
// buckets here and reach the prometheus::Histogram at Flush() as one
// ObserveMultiple, whose sum is chosen so that the series' sum ends exactly
// where adding the values one by one would have left it.
class HistogramSeries {
 public:
  void Observe(double value);
  void Flush();

 private:
  friend class SeriesCache;
  prometheus::Histogram* series_ = nullptr;
  std::vector<HistogramSeries*>* dirty_ = nullptr;  // null: not deferred
  const std::vector<double>* bounds_ = nullptr;
  std::vector<double> counts_;  // per bucket, +Inf last
  uint64_t pending_ = 0;
  double start_sum_ = 0;  // the series' sum when the pending batch began
  double sum_ = 0;        // start_sum_ plus the pending values, in order
};

// The hot path's series lookup for one user of the metrics (one
// MetricsSink): a family and its label values given as small ids find the
// series through a hash of one integer, without building a string; a miss
// goes through ExporterMetrics. Ids are only meaningful to the user that
// chose them, so each user has its own cache.
//
// With `deferred`, updates wait in the cache until Flush() (one thread: the
// one making them; scrapes meanwhile see the values of the last Flush()).
//
//   SeriesCache cache(metrics, /*deferred=*/true);
//   cache.Counter(MetricId::kQmgrRemoved, {{instance_id, instance}}).Increment();
//   cache.Flush();   // after a batch of lines
class SeriesCache {
 public:
  explicit SeriesCache(ExporterMetrics& metrics, bool deferred = false)
      : metrics_(metrics), deferred_(deferred), by_key_(kNumMetricIds) {}
  SeriesCache(const SeriesCache&) = delete;
  SeriesCache& operator=(const SeriesCache&) = delete;

  CounterSeries& Counter(MetricId id, std::initializer_list<LabelValue> values) {
    return *static_cast<CounterSeries*>(Find(id, values));
  }
  HistogramSeries& Histogram(MetricId id, std::initializer_list<LabelValue> values) {
    return *static_cast<HistogramSeries*>(Find(id, values));
  }
  // Hands every deferred update to its series.
  void Flush();
  bool deferred() const { return deferred_; }

 private:
  void* Find(MetricId id, std::initializer_list<LabelValue> values) {
    uint64_t key = 0;
    int shift = 0;
    bool packed = values.size() <= 8;
    for (const LabelValue& v : values) {
      packed = packed && v.id < 256;
      key |= static_cast<uint64_t>(v.id & 0xff) << shift;
      shift += 8;
    }
    // Ids out of range are not expected: then found by their texts each
    // time (slow but right).
    if (!packed) return Miss(id, values);
    // The same series as last time for this family is the common case (one
    // Postfix instance, families with no other label).
    Last& last = last_[static_cast<size_t>(id)];
    if (last.series != nullptr && last.key == key) return last.series;
    auto& map = by_key_[static_cast<size_t>(id)];
    auto it = map.find(key);
    void* series;
    if (it != map.end()) {
      series = it->second;
    } else {
      series = Miss(id, values);
      map.emplace(key, series);
    }
    last = {key, series};
    return series;
  }
  // A CounterSeries or HistogramSeries (by the family's type) for these
  // values, made on first use.
  void* Miss(MetricId id, std::initializer_list<LabelValue> values);

  ExporterMetrics& metrics_;
  const bool deferred_;
  std::vector<absl::flat_hash_map<uint64_t, void*>> by_key_;  // by MetricId
  // The last packed key found per MetricId and its series.
  struct Last {
    uint64_t key = 0;
    void* series = nullptr;
  };
  std::vector<Last> last_ = std::vector<Last>(kNumMetricIds);
  // The wrappers, one per series (stable addresses).
  absl::flat_hash_map<void*, std::unique_ptr<CounterSeries>> counters_;
  absl::flat_hash_map<void*, std::unique_ptr<HistogramSeries>> histograms_;
  std::vector<CounterSeries*> dirty_counters_;
  std::vector<HistogramSeries*> dirty_histograms_;
};

// The text exposition format of everything in `registry`, families sorted by
// name and the series of each family by their labels, so the output is
// stable.
std::string RenderExposition(const prometheus::Registry& registry);

}  // namespace mailgauge::exporter

#endif  // MAILGAUGE_EXPORTER_METRICS_H_
