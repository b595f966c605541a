// Tests of SourcePipeline's own bookkeeping: lines and bytes counted, the
// newest line's time, and the log clock that finishes messages while the log
// is quiet, with metric updates deferred (the exporter) and not.
#include "exporter/source_pipeline.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "exporter/metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"

namespace mailgauge::exporter {
namespace {

constexpr char kP[] = "Nov 25 19:22:46 vm ";

class SourcePipelineTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    auto m = ExporterMetrics::Create(registry_);
    ASSERT_TRUE(m.ok()) << m.status();
    metrics_ = *std::move(m);
    SourcePipelineOptions options;
    options.source_name = "test";
    options.input.envelope.year = 2026;
    options.input.envelope.time_zone = absl::UTCTimeZone();
    options.correlator.grace_seconds = 10;
    options.deferred_metrics = GetParam();
    auto p = SourcePipeline::Create(*metrics_, options);
    ASSERT_TRUE(p.ok()) << p.status();
    pipeline_ = *std::move(p);
  }

  // One message from arrival to removal, all at 19:22:46; returns the bytes
  // fed, line ends included.
  size_t FeedMessage() {
    size_t bytes = 0;
    for (const char* body :
         {"postfix/smtpd[1]: 1A2B3C4D5E: client=unknown[127.0.0.2]",
          "postfix/cleanup[2]: 1A2B3C4D5E: message-id=<1@test>",
          "postfix/qmgr[3]: 1A2B3C4D5E: from=<a@example.test>, size=100, "
          "nrcpt=1 (queue active)",
          "postfix/smtp[4]: 1A2B3C4D5E: to=<b@example.org>, "
          "relay=mx.example.org[192.0.2.1]:25, delay=1.2, "
          "delays=0.1/0.01/0.5/0.6, dsn=2.0.0, status=sent (250 ok)",
          "postfix/qmgr[3]: 1A2B3C4D5E: removed"}) {
      const std::string line = absl::StrCat(kP, body);
      pipeline_->ProcessLine(line, false);
      bytes += line.size() + 1;
    }
    return bytes;
  }

  std::string Exposition() { return RenderExposition(registry_); }

  // The exposition's line for `series` (name and labels), "" when absent.
  std::string Line(const std::string& series) {
    const std::string text = Exposition();
    const size_t at = text.find(absl::StrCat("\n", series, " "));
    if (at == std::string::npos) return "";
    return text.substr(at + 1, text.find('\n', at + 1) - at - 1);
  }

  prometheus::Registry registry_;
  std::unique_ptr<ExporterMetrics> metrics_;
  std::unique_ptr<SourcePipeline> pipeline_;
};

constexpr char kFinished[] =
    "mailgauge_messages_finished_total{end=\"removed\",postfix_instance=\"postfix\"}";

TEST_P(SourcePipelineTest, CountsLinesBytesAndTheNewestLine) {
  const size_t bytes = FeedMessage() + 18;
  pipeline_->ProcessLine("not a syslog line", false);
  pipeline_->SyncStats();
  EXPECT_EQ("mailgauge_log_lines_read_total{source=\"test\"} 6",
            Line("mailgauge_log_lines_read_total{source=\"test\"}"));
  EXPECT_EQ(absl::StrCat("mailgauge_log_bytes_read_total{source=\"test\"} ", bytes),
            Line("mailgauge_log_bytes_read_total{source=\"test\"}"));
  EXPECT_EQ("mailgauge_log_lines_malformed_total{source=\"test\"} 1",
            Line("mailgauge_log_lines_malformed_total{source=\"test\"}"));
  const int64_t newest =
      absl::ToUnixMicros(absl::FromCivil(absl::CivilSecond(2026, 11, 25, 19, 22, 46),
                                         absl::UTCTimeZone()));
  EXPECT_EQ(newest, pipeline_->newest_line_micros());
}

// The finished message waits its grace period of log time; with no newer
// line, the log clock moves with the wall clock from when the newest line
// was read.
TEST_P(SourcePipelineTest, LogClockFinishesMessagesWhileTheLogIsQuiet) {
  FeedMessage();
  pipeline_->SyncStats();
  EXPECT_EQ("", Line(kFinished));
  EXPECT_EQ(1u, pipeline_->correlator_in_flight());
  // A clock before the newest line's reading moves nothing.
  pipeline_->AdvanceLogClock(absl::Now() - absl::Hours(1));
  pipeline_->SyncStats();
  EXPECT_EQ("", Line(kFinished));
  // 11 s of wall time later, the grace period (10 s) is over.
  pipeline_->AdvanceLogClock(absl::Now() + absl::Seconds(11));
  pipeline_->SyncStats();
  EXPECT_EQ(absl::StrCat(kFinished, " 1"), Line(kFinished));
  EXPECT_EQ(0u, pipeline_->correlator_in_flight());
}

// Without a SyncStats() between the lines and the clock (the newest line
// not yet stamped when metrics are deferred), the clock still starts from
// the newest line's reading.
TEST_P(SourcePipelineTest, LogClockRightAfterTheLines) {
  FeedMessage();
  pipeline_->AdvanceLogClock(absl::Now() + absl::Seconds(5));
  EXPECT_EQ(1u, pipeline_->correlator_in_flight());
  pipeline_->AdvanceLogClock(absl::Now() + absl::Seconds(11));
  EXPECT_EQ(0u, pipeline_->correlator_in_flight());
  pipeline_->SyncStats();
  EXPECT_EQ(absl::StrCat(kFinished, " 1"), Line(kFinished));
}

INSTANTIATE_TEST_SUITE_P(DeferredOrNot, SourcePipelineTest, ::testing::Bool());

// --log.unsupported: each Postfix line no pattern reads is handed over (the
// raw line; a journal entry's message), and counted either way; other
// lines are not.
TEST(SourcePipelineUnsupportedTest, HandsOverEachLineNotUnderstood) {
  prometheus::Registry registry;
  auto metrics = ExporterMetrics::Create(registry);
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  std::vector<std::string> seen;
  SourcePipelineOptions options;
  options.source_name = "test";
  options.input.envelope.year = 2026;
  options.on_unsupported = [&seen](std::string_view line) { seen.emplace_back(line); };
  auto p = SourcePipeline::Create(**metrics, options);
  ASSERT_TRUE(p.ok()) << p.status();
  const std::string odd = absl::StrCat(kP, "postfix/smtpd[1]: something new in Postfix 4.0");
  (*p)->ProcessLine(odd, false);
  (*p)->ProcessLine(absl::StrCat(kP, "postfix/qmgr[3]: 1A2B3C4D5E: removed"), false);
  (*p)->ProcessLine(absl::StrCat(kP, "dovecot[9]: imap-login: Login: user=<a>"), false);
  (*p)->ProcessLine("not a syslog line", false);
  LogLine entry;
  entry.program = "postfix/qmgr";
  entry.syslog_name = "postfix";
  entry.instance = "postfix";
  entry.daemon = "qmgr";
  entry.message = "another new line";
  (*p)->ProcessLogLine(entry, false);
  // Exim's lines not understood, from its main log and from syslog.
  const std::string exim = "2026-11-25 10:00:01 1vABCD-000123-AB something new in Exim 5";
  (*p)->ProcessLine(exim, false);
  (*p)->ProcessLine("2026-11-25 10:00:01 1vABCD-000123-AB Completed", false);
  const std::string exim_syslog = absl::StrCat(kP, "exim[4]: 1vABCD-000124-AB what is this");
  (*p)->ProcessLine(exim_syslog, false);
  EXPECT_THAT(seen, ::testing::ElementsAre(odd, "another new line", exim, exim_syslog));
  (*p)->SyncStats();
  const std::string exposition = RenderExposition(registry);
  EXPECT_THAT(exposition,
              ::testing::HasSubstr(
                  "mailgauge_log_lines_not_understood_total{daemon=\"smtpd\",source=\"test\"} 1"));
  EXPECT_THAT(exposition,
              ::testing::HasSubstr(
                  "mailgauge_log_lines_not_understood_total{daemon=\"exim\",source=\"test\"} 2"));
}

}  // namespace
}  // namespace mailgauge::exporter
