#include <fstream>
#include <sstream>
#include <string>

#include "exporter/metrics.h"
#include "exporter/metrics_doc.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mailgauge::exporter {
namespace {

TEST(MetricsDocTest, CommittedFileIsUpToDate) {
  absl::StatusOr<std::string> md = MetricsMarkdown();
  ASSERT_TRUE(md.ok()) << md.status();
  std::ifstream in("docs/metrics.md", std::ios::binary);
  ASSERT_TRUE(in) << "docs/metrics.md is missing; create it with\n"
                     "  bazel run //exporter:metrics_doc -- --update";
  std::stringstream committed;
  committed << in.rdbuf();
  EXPECT_TRUE(committed.str() == *md)
      << "docs/metrics.md differs from the metric table; regenerate it with\n"
         "  bazel run //exporter:metrics_doc -- --update\n"
         "and review the diff.";
}

TEST(MetricsDocTest, ListsEveryMetric) {
  absl::StatusOr<std::string> md = MetricsMarkdown();
  ASSERT_TRUE(md.ok()) << md.status();
  for (const MetricSpec& s : AllMetricSpecs()) {
    EXPECT_THAT(*md, ::testing::HasSubstr(std::string("| `") + s.name + "` |"));
  }
}

}  // namespace
}  // namespace mailgauge::exporter
