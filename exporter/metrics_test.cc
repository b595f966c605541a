#include "exporter/metrics.h"

#include <memory>
#include <set>
#include <string>

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
