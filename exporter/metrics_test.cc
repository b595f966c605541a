#include "exporter/metrics.h"

#include <cmath>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"

namespace mailgauge::exporter {
namespace {

using ::testing::HasSubstr;

TEST(MetricsTest, RegistersEveryFamilyWithValidNames) {
  prometheus::Registry registry;
  auto metrics = ExporterMetrics::Create(registry);
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  // One series per family, so that every family shows in the exposition.
  size_t registered = 0;
  for (const MetricSpec& s : AllMetricSpecs()) {
    if (s.at_scrape) continue;  // QueueCollector's, built at scrape time
    ++registered;
    switch (s.type) {
      case MetricType::kCounter:
        (*metrics)->Counter(s.id, {}).Increment();
        break;
      case MetricType::kGauge:
        (*metrics)->Gauge(s.id, {}).Set(1);
        break;
      case MetricType::kHistogram:
        (*metrics)->Histogram(s.id, {}).Observe(1);
        break;
    }
  }
  std::set<std::string> names;
  for (const auto& f : registry.Collect()) names.insert(f.name);
  EXPECT_EQ(registered, names.size());
  for (const MetricSpec& s : AllMetricSpecs()) {
    EXPECT_EQ(s.at_scrape ? 0u : 1u, names.count(s.name)) << s.name;
    EXPECT_EQ(s.id, AllMetricSpecs()[static_cast<size_t>(s.id)].id);
    if (s.type == MetricType::kCounter) {
      EXPECT_THAT(s.name, ::testing::EndsWith("_total"));
    } else {
      EXPECT_THAT(s.name, ::testing::Not(::testing::EndsWith("_total")));
    }
    EXPECT_NE(std::string(s.help), "") << s.name;
  }
}

TEST(MetricsTest, ARegistrationErrorIsAStatusNotAnException) {
  prometheus::Registry registry(prometheus::Registry::InsertBehavior::Throw);
  ASSERT_TRUE(ExporterMetrics::Create(registry).ok());
  auto again = ExporterMetrics::Create(registry);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(absl::StatusCode::kInvalidArgument, again.status().code());
  EXPECT_THAT(std::string(again.status().message()),
              HasSubstr("cannot register metric postfix_up"));
}

TEST(MetricsTest, LabelsFollowTheSpecOrder) {
  prometheus::Registry registry;
  auto metrics = ExporterMetrics::Create(registry);
  ASSERT_TRUE(metrics.ok());
  (*metrics)
      ->Counter(MetricId::kSmtpdMessagesRejected, {"postfix", "554", "rcpt"})
      .Increment(2);
  const std::string text = RenderExposition(registry);
  EXPECT_THAT(text, HasSubstr("postfix_smtpd_messages_rejected_total{code=\"554\","
                              "postfix_instance=\"postfix\",stage=\"rcpt\"} 2"));
  EXPECT_THAT(text, HasSubstr("# TYPE postfix_smtpd_messages_rejected_total counter"));
}

TEST(MetricsTest, RenderSortsFamiliesAndSeries) {
  prometheus::Registry registry;
  auto metrics = ExporterMetrics::Create(registry);
  ASSERT_TRUE(metrics.ok());
  for (const char* source : {"zeta", "alpha", "mid"}) {
    (*metrics)->Counter(MetricId::kLogLinesRead, {source}).Increment();
  }
  (*metrics)->Counter(MetricId::kSmtpdConnects, {"postfix"}).Increment();
  const std::string text = RenderExposition(registry);
  const size_t alpha = text.find("source=\"alpha\"");
  const size_t mid = text.find("source=\"mid\"");
  const size_t zeta = text.find("source=\"zeta\"");
  ASSERT_NE(std::string::npos, alpha);
  EXPECT_LT(alpha, mid);
  EXPECT_LT(mid, zeta);
  EXPECT_LT(text.find("mailgauge_log_lines_read_total"),
            text.find("postfix_smtpd_connects_total"));
  EXPECT_EQ(text, RenderExposition(registry));
}

TEST(SeriesCacheTest, AlternatingLabelValuesFindTheirOwnSeries) {
  prometheus::Registry registry;
  auto metrics = ExporterMetrics::Create(registry);
  ASSERT_TRUE(metrics.ok());
  SeriesCache cache(**metrics);
  const LabelValue a{1, "a"}, b{2, "b"};
  // Same family, alternating keys; another family with the same key between.
  for (int i = 0; i < 3; ++i) {
    cache.Counter(MetricId::kQmgrRemoved, {a}).Increment();
    cache.Counter(MetricId::kQmgrRemoved, {b}).Increment(10);
    cache.Counter(MetricId::kQmgrExpired, {a}).Increment(100);
    cache.Counter(MetricId::kQmgrRemoved, {a}).Increment();
  }
  EXPECT_EQ(&cache.Counter(MetricId::kQmgrRemoved, {a}),
            &cache.Counter(MetricId::kQmgrRemoved, {a}));
  EXPECT_NE(&cache.Counter(MetricId::kQmgrRemoved, {a}),
            &cache.Counter(MetricId::kQmgrRemoved, {b}));
  EXPECT_EQ(6, (*metrics)->Counter(MetricId::kQmgrRemoved, {"a"}).Value());
  EXPECT_EQ(30, (*metrics)->Counter(MetricId::kQmgrRemoved, {"b"}).Value());
  EXPECT_EQ(300, (*metrics)->Counter(MetricId::kQmgrExpired, {"a"}).Value());
}

// Deferred observations land in the buckets prometheus::Histogram::Observe
// picks, bounds, infinities and NaN included, and sum to the same value.
TEST(HistogramSeriesTest, DeferredBucketsAndSumAreTheDirectOnes) {
  prometheus::Registry direct_registry, deferred_registry;
  auto direct = ExporterMetrics::Create(direct_registry);
  auto deferred = ExporterMetrics::Create(deferred_registry);
  ASSERT_TRUE(direct.ok());
  ASSERT_TRUE(deferred.ok());
  SeriesCache cache(**deferred, /*deferred=*/true);
  const double inf = std::numeric_limits<double>::infinity();
  // kDelayBuckets: 1e-3, 1e-2, 1e-1, 1, 10, 60, 3600, 86400, 172800.
  const std::vector<double> values = {
      0,    -5,      1e-3,    std::nextafter(1e-3, 1.0), 0.5, 1, 10, 59.9, 60,
      3600, 86400.5, 172800,  172800.001, 1e300,   -inf, 0.25, 7};
  for (double v : values) {
    (*direct)->Histogram(MetricId::kDeliveryDelays, {"postfix", "smtp", "x"}).Observe(v);
    cache.Histogram(MetricId::kDeliveryDelays, {{0, "postfix"}, {1, "smtp"}, {2, "x"}})
        .Observe(v);
  }
  // Nothing visible before the flush.
  EXPECT_EQ(0u, (*deferred)
                    ->Histogram(MetricId::kDeliveryDelays, {"postfix", "smtp", "x"})
                    .Collect()
                    .histogram.sample_count);
  cache.Flush();
  EXPECT_EQ(RenderExposition(direct_registry), RenderExposition(deferred_registry));
  // As prometheus-cpp (std::lower_bound): +Inf in the +Inf bucket, NaN in
  // the first.
  for (double v : {std::nan(""), inf}) {
    (*direct)->Histogram(MetricId::kQmgrInsertedSize, {"postfix"}).Observe(v);
    cache.Histogram(MetricId::kQmgrInsertedSize, {{0, "postfix"}}).Observe(v);
  }
  cache.Flush();
  const prometheus::ClientMetric::Histogram h =
      (*deferred)->Histogram(MetricId::kQmgrInsertedSize, {"postfix"}).Collect().histogram;
  ASSERT_EQ(8u, h.bucket.size());
  EXPECT_EQ(1u, h.bucket[0].cumulative_count);
  EXPECT_EQ(1u, h.bucket[6].cumulative_count);
  EXPECT_EQ(2u, h.bucket[7].cumulative_count);
  const prometheus::ClientMetric::Histogram d =
      (*direct)->Histogram(MetricId::kQmgrInsertedSize, {"postfix"}).Collect().histogram;
  for (size_t i = 0; i < d.bucket.size(); ++i) {
    EXPECT_EQ(d.bucket[i].cumulative_count, h.bucket[i].cumulative_count) << i;
  }
}

TEST(BoundedLabelTest, KeepsAllowedAndFirstLearnedValuesOnly) {
  BoundedLabel label({"PLAIN", ""}, 2);
  EXPECT_EQ("PLAIN", label.Map("PLAIN"));
  EXPECT_EQ("", label.Map(""));
  EXPECT_EQ("a.example", label.Map("a.example"));
  EXPECT_EQ("b-example", label.Map("b-example"));
  EXPECT_EQ("other", label.Map("c.example"));  // cap reached
  EXPECT_EQ("a.example", label.Map("a.example"));
  EXPECT_EQ(2u, label.learned());
}

TEST(BoundedLabelTest, RejectsOddCharactersAndLongValues) {
  BoundedLabel label({}, 100, 8);
  EXPECT_EQ("other", label.Map("bob@example.com"));
  EXPECT_EQ("other", label.Map("a b"));
  EXPECT_EQ("other", label.Map("\"quoted\""));
  EXPECT_EQ("other", label.Map("123456789"));
  EXPECT_EQ("12345678", label.Map("12345678"));
  EXPECT_EQ("other", label.Map(""));
  EXPECT_EQ(1u, label.learned());
}

}  // namespace
}  // namespace mailgauge::exporter
