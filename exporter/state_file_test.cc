#include "exporter/state_file.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/time/time.h"
#include "exporter/metrics.h"
#include "exporter/source_pipeline.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"

namespace mailgauge::exporter {
namespace {

using ::testing::HasSubstr;

std::string TempPath(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  return std::string(tmp != nullptr ? tmp : "/tmp") + "/" + name;
}

// Feeds the real corpus so that counters and histograms of many families
// have values.
void FeedCorpus(ExporterMetrics& metrics) {
  SourcePipelineOptions options;
  options.source_name = "corpus";
  options.input.envelope.year = 2026;
  options.input.envelope.time_zone = absl::UTCTimeZone();
  auto pipeline = SourcePipeline::Create(metrics, options);
  ASSERT_TRUE(pipeline.ok());
  std::ifstream in("testdata/logs/postfix_real.syslog");
  std::string line;
  while (std::getline(in, line)) (*pipeline)->ProcessLine(line, false);
  (*pipeline)->Finish();
}

ExporterState Sample(const prometheus::Registry& registry) {
  ExporterState state;
  state.saved_at = 1795634580;
  parsers::FilePosition p;
  p.device = 2049;
  p.inode = 1234567;
  p.offset = 30349;
  p.fingerprint = 0xfedcba9876543210ull;
  p.fingerprint_bytes = 1024;
  state.sources.push_back({"mail.log", "/var/log/mail.log", p});
  state.metrics = CaptureMetrics(registry);
  return state;
}

TEST(StateFileTest, RoundTripRestoresEveryCounterAndHistogram) {
  prometheus::Registry before;
  auto m1 = ExporterMetrics::Create(before);
  ASSERT_TRUE(m1.ok());
  FeedCorpus(**m1);
  const ExporterState state = Sample(before);
  ASSERT_GT(state.metrics.size(), 20u);
  const std::string text = SerializeState(state);

  absl::StatusOr<ExporterState> parsed = ParseState(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(1u, parsed->sources.size());
  EXPECT_EQ(state.sources[0].position, parsed->sources[0].position);
  EXPECT_EQ("/var/log/mail.log", parsed->sources[0].path);
  EXPECT_EQ(state.saved_at, parsed->saved_at);

  prometheus::Registry after;
  auto m2 = ExporterMetrics::Create(after);
  ASSERT_TRUE(m2.ok());
  ASSERT_TRUE(RestoreMetrics(parsed->metrics, **m2).ok());
  EXPECT_TRUE(text == SerializeState(Sample(after)));
}

TEST(StateFileTest, WritesAtomicallyAndReadsBack) {
  prometheus::Registry registry;
  auto m = ExporterMetrics::Create(registry);
  ASSERT_TRUE(m.ok());
  (*m)->Counter(MetricId::kSmtpdConnects, {"postfix"}).Increment(7);
  const std::string path = TempPath("state.json");
  ASSERT_TRUE(WriteStateFile(path, Sample(registry)).ok());
  struct stat st;
  EXPECT_NE(0, ::stat((path + ".tmp").c_str(), &st)) << "temporary file left";
  absl::StatusOr<ExporterState> read = ReadStateFile(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(SerializeState(Sample(registry)) == SerializeState(*read));
}

TEST(StateFileTest, MissingFileIsNotFound) {
  EXPECT_EQ(absl::StatusCode::kNotFound,
            ReadStateFile(TempPath("no-such-state.json")).status().code());
}

TEST(StateFileTest, CorruptFilesAreDataLossNamingTheProblem) {
  prometheus::Registry registry;
  auto m = ExporterMetrics::Create(registry);
  ASSERT_TRUE(m.ok());
  (*m)->Counter(MetricId::kSmtpdConnects, {"postfix"}).Increment(7);
  (*m)->Histogram(MetricId::kQmgrInsertedSize, {"postfix"}).Observe(5000);
  const std::string good = SerializeState(Sample(registry));
  struct Case {
    std::string text;
    std::string message;
  } cases[] = {
      {"", "not JSON"},
      {good.substr(0, good.size() / 2), "not JSON"},
      {"[1,2]", "not JSON"},
      {R"({"format":"other"})", "not a mailgauge_exporter state"},
      // fuzz/corpus/state_file/crash-state-file-format-not-a-string
      {R"({"format":1})", "not a mailgauge_exporter state"},
      {R"({"format":"mailgauge-exporter-state","version":9})", "unknown version"},
      {R"({"format":"mailgauge-exporter-state","version":1,"saved_at":1,"sources":[],
          "metrics":[{"name":"no_such_metric_total","labels":{},"value":1}]})",
       "unknown metric no_such_metric_total"},
      {R"({"format":"mailgauge-exporter-state","version":1,"saved_at":1,"sources":[],
          "metrics":[{"name":"postfix_smtpd_connects_total","labels":{},"value":-1}]})",
       "bad value"},
      {R"({"format":"mailgauge-exporter-state","version":1,"saved_at":1,"sources":[],
          "metrics":[{"name":"postfix_qmgr_messages_inserted_size_bytes","labels":{},
                      "buckets":[1,2],"sum":1,"count":2}]})",
       "other buckets"},
      {R"({"format":"mailgauge-exporter-state","version":1,"saved_at":1,
          "sources":[{"source":"x"}],"metrics":[]})",
       "malformed"},
      // A count that is a float out of uint64_t's range (undefined behaviour
      // to convert; fuzz/corpus/state_file/crash-state-file-bucket-count-
      // float-out-of-range), or negative, or a whole number written as one.
      {R"({"format":"mailgauge-exporter-state","version":1,"saved_at":1,"sources":[],
          "metrics":[{"name":"postfix_smtpd_connects_total","labels":{},"value":1},
                     {"name":"mailgauge_delivery_delays_seconds","labels":{},
                      "buckets":[0,1,7777777777777777777777777773,3,3,3,3,3,3,3,3],
                      "sum":1,"count":3}]})",
       "not a whole number in range"},
      {R"({"format":"mailgauge-exporter-state","version":1,"saved_at":1,"sources":[],
          "metrics":[{"name":"postfix_qmgr_messages_inserted_size_bytes","labels":{},
                      "buckets":[0,0,0,0,0,0,0,1],"sum":1,"count":-1}]})",
       "not a whole number in range"},
      {R"({"format":"mailgauge-exporter-state","version":1,"saved_at":1.5,"sources":[],
          "metrics":[]})",
       "not a whole number in range"},
      {R"({"format":"mailgauge-exporter-state","version":1e300})", "unknown version"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<ExporterState> s = ParseState(c.text);
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_EQ(absl::StatusCode::kDataLoss, s.status().code());
    EXPECT_THAT(std::string(s.status().message()), HasSubstr(c.message)) << c.text;
  }
}

TEST(StateFileTest, RestoreChangesNothingUnlessAllOfItFits) {
  const std::string text = R"({"format":"mailgauge-exporter-state","version":1,"saved_at":1,
      "sources":[],"metrics":[
        {"name":"postfix_smtpd_connects_total","labels":{"postfix_instance":"postfix"},"value":5},
        {"name":"postfix_smtpd_disconnects_total","labels":{"wrong_label":"x"},"value":5}]})";
  absl::StatusOr<ExporterState> s = ParseState(text);
  ASSERT_TRUE(s.ok()) << s.status();
  prometheus::Registry registry;
  auto m = ExporterMetrics::Create(registry);
  ASSERT_TRUE(m.ok());
  absl::Status r = RestoreMetrics(s->metrics, **m);
  EXPECT_EQ(absl::StatusCode::kDataLoss, r.code());
  EXPECT_THAT(RenderExposition(registry),
              ::testing::Not(HasSubstr("postfix_smtpd_connects_total{")));
}

}  // namespace
}  // namespace mailgauge::exporter
