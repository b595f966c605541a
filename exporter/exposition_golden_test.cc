// Golden exposition test: the real-Postfix corpus through the exporter's
// pipeline, rendered in the text format, compared with
// testdata/golden/postfix_real.metrics. To rewrite the golden after a
// reviewed change:
//   MAILGAUGE_UPDATE_GOLDEN=1 bazel run //exporter:exposition_golden_test
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "common/golden_testing.h"
#include "exporter/metrics.h"
#include "exporter/source_pipeline.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"

namespace mailgauge::exporter {
namespace {

constexpr char kLog[] = "testdata/logs/postfix_real.syslog";
constexpr char kGolden[] = "testdata/golden/postfix_real.metrics";

// Renders the exposition of `log` read whole, as the exporter would after
// following it from its beginning (plus the end-of-input flush).
std::string Exposition(const std::string& log_text) {
  prometheus::Registry registry;
  auto metrics = ExporterMetrics::Create(registry);
  EXPECT_TRUE(metrics.ok()) << metrics.status();
  SourcePipelineOptions options;
  options.source_name = "postfix_real";
  options.input.envelope.year = 2026;
  options.input.envelope.time_zone = absl::UTCTimeZone();
  auto pipeline = SourcePipeline::Create(**metrics, options);
  EXPECT_TRUE(pipeline.ok()) << pipeline.status();
  std::istringstream in(log_text);
  std::string line;
  while (std::getline(in, line)) (*pipeline)->ProcessLine(line, false);
  (*pipeline)->Finish();
  return RenderExposition(registry);
}

// The value of one series line "name{labels} value" in an exposition.
double Sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, series + " ")) {
      return std::strtod(line.c_str() + series.size() + 1, nullptr);
    }
  }
  return -1;
}

// Lines of `text` containing both `a` and `b`.
int CountLines(const std::string& text, const std::string& a,
               const std::string& b = "") {
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    n += absl::StrContains(line, a) && absl::StrContains(line, b);
  }
  return n;
}

TEST(ExpositionGoldenTest, RealPostfixCorpus) {
  const std::string log = ReadTestFile(kLog);
  ASSERT_FALSE(log.empty()) << kLog;
  const std::string got = Exposition(log);

  if (UpdateGoldenIfAsked(kGolden, got)) return;
  const std::string want = ReadTestFile(kGolden);
  EXPECT_TRUE(want == got)
      << "the exposition differs from " << kGolden << "; if the change is "
      << "intended, rewrite it with\n"
      << "  MAILGAUGE_UPDATE_GOLDEN=1 bazel run //exporter:exposition_golden_test\n"
      << "and review the diff. Got:\n"
      << got;
}

// Cross-checks a few numbers of the exposition against counts taken
// directly from the log text, so the golden is not merely frozen output.
TEST(ExpositionGoldenTest, NumbersAgreeWithTheLogText) {
  const std::string log = ReadTestFile(kLog);
  const std::string got = Exposition(log);
  const std::string I = "{postfix_instance=\"postfix\"}";
  EXPECT_EQ(CountLines(log, "postfix/smtpd[", "]: connect from "),
            Sample(got, "postfix_smtpd_connects_total" + I));
  EXPECT_EQ(CountLines(log, "postfix/smtpd[", "]: disconnect from "),
            Sample(got, "postfix_smtpd_disconnects_total" + I));
  EXPECT_EQ(CountLines(log, "postfix/qmgr[", ": removed"),
            Sample(got, "postfix_qmgr_messages_removed_total" + I));
  EXPECT_EQ(CountLines(log, ""),
            Sample(got, "mailgauge_log_lines_read_total{source=\"postfix_real\"}"));
  EXPECT_EQ(CountLines(log, "Relay access denied"),
            Sample(got, "mailgauge_relay_denied_total" + I));
  EXPECT_EQ(CountLines(log, "postfix/cleanup[", ": message-id="),
            Sample(got, "postfix_cleanup_messages_processed_total" + I));
  EXPECT_EQ(CountLines(log, "postfix/smtp[", "status=sent"),
            Sample(got, "postfix_smtp_messages_processed_total{postfix_instance=\"postfix\",status=\"sent\"}"));
  // Every line of the corpus is understood.
  EXPECT_EQ(std::string::npos, got.find("postfix_unsupported_log_entries_total{"));
  EXPECT_EQ(std::string::npos, got.find("mailgauge_log_lines_not_understood_total{"));
  EXPECT_EQ(0, Sample(got, "mailgauge_messages_in_flight{source=\"postfix_real\"}"));
}

}  // namespace
}  // namespace mailgauge::exporter
