#include "analyzer/summary.h"

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "analyzer/correlator.h"
#include "analyzer/log_input.h"
#include "gtest/gtest.h"

namespace mailgauge::analyzer {
namespace {

// Lines -> LogInput -> (Summary.AddEvent, Correlator) -> Summary.AddRecord,
// as `mailgauge report` wires them.
class Pipeline {
 public:
  explicit Pipeline(SummaryOptions options = SummaryOptions()) : summary_(options) {
    CorrelatorOptions correlator_options;
    correlator_options.emit_unfinished = true;
    correlator_ = std::make_unique<Correlator>(
        correlator_options, [this](MessageRecord&& m) { summary_.AddRecord(m); });
    LogInputOptions input_options;
    input_options.envelope.year = 2026;
    input_options.envelope.time_zone = absl::UTCTimeZone();
    auto input = LogInput::Create(input_options, [this](const LogLine& l, const parsers::Event& e) {
      summary_.AddEvent(l, e);
      correlator_->Add(l, e);
    });
    EXPECT_TRUE(input.ok()) << input.status();
    input_ = *std::move(input);
  }

  Summary& Run(const std::vector<std::string>& lines) {
    for (const std::string& l : lines) input_->ProcessLine(l);
    correlator_->Finish(/*include_unfinished=*/true);
    EXPECT_EQ(0u, input_->stats().unparsed_lines());
    return summary_;
  }

 private:
  Summary summary_;
  std::unique_ptr<Correlator> correlator_;
  std::unique_ptr<LogInput> input_;
};

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

const char kLog[] = "testdata/report/logs/handwritten.log";

TEST(SummaryTest, CountsLikePflogsummOnOneMessageEachWay) {
  Pipeline pipeline;
  Summary& s = pipeline.Run({
      // smtpd message, delivered locally: received 1, delivered 1.
      "Nov 25 10:14:00 mx postfix/smtpd[100]: connect from client.example.org[192.0.2.10]",
      "Nov 25 10:14:01 mx postfix/smtpd[100]: 4B0C72A1F3: client=client.example.org[192.0.2.10]",
      "Nov 25 10:14:01 mx postfix/cleanup[101]: 4B0C72A1F3: message-id=<m1@example.org>",
      "Nov 25 10:14:01 mx postfix/qmgr[102]: 4B0C72A1F3: from=<Alice@Example.ORG>, size=1234, nrcpt=2 (queue active)",
      "Nov 25 10:14:03 mx postfix/smtpd[100]: disconnect from client.example.org[192.0.2.10] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5",
      "Nov 25 10:14:02 mx postfix/local[103]: 4B0C72A1F3: to=<bob@MX.example.com>, relay=local, delay=0.5, delays=0.4/0.02/0/0.1, dsn=2.0.0, status=sent (delivered to mailbox)",
      // second recipient: deferred twice, then bounced.
      "Nov 25 10:14:02 mx postfix/smtp[104]: 4B0C72A1F3: to=<x@remote.test>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to remote.test[192.0.2.50]:25: Connection refused)",
      "Nov 25 11:14:02 mx postfix/smtp[104]: 4B0C72A1F3: to=<x@remote.test>, relay=none, delay=3601, delays=0/3600/1/0, dsn=4.4.1, status=deferred (connect to remote.test[192.0.2.50]:25: Connection refused)",
      "Nov 25 12:14:02 mx postfix/smtp[104]: 4B0C72A1F3: to=<x@remote.test>, relay=remote.test[192.0.2.50]:25, delay=7201, delays=0/7200/0.5/0.5, dsn=5.1.1, status=bounced (host remote.test[192.0.2.50] said: 550 5.1.1 <x@remote.test>: User unknown (in reply to RCPT TO command))",
      "Nov 25 12:14:02 mx postfix/qmgr[102]: 4B0C72A1F3: removed",
      // pickup message forwarded by an alias: forwarded 1, delivered 1.
      "Nov 25 13:00:00 mx postfix/pickup[200]: 7A8B9C0D1E: uid=0 from=<root>",
      "Nov 25 13:00:00 mx postfix/qmgr[502]: 7A8B9C0D1E: from=<root@mx.example.com>, size=700, nrcpt=1 (queue active)",
      "Nov 25 13:00:00 mx postfix/cleanup[501]: 8B9C0D1E2F: message-id=<m5@example.org>",
      "Nov 25 13:00:00 mx postfix/qmgr[502]: 8B9C0D1E2F: from=<root@mx.example.com>, size=850, nrcpt=1 (queue active)",
      "Nov 25 13:00:00 mx postfix/local[503]: 7A8B9C0D1E: to=<list@mx.example.com>, relay=local, delay=0.05, delays=0.01/0/0/0.04, dsn=2.0.0, status=sent (forwarded as 8B9C0D1E2F)",
      "Nov 25 13:00:00 mx postfix/qmgr[502]: 7A8B9C0D1E: removed",
      "Nov 25 13:00:01 mx postfix/smtp[504]: 8B9C0D1E2F: to=<jack@remote.test>, orig_to=<list@mx.example.com>, relay=remote.test[192.0.2.50]:25, delay=0.9, delays=0/0/0.4/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 12345)",
      "Nov 25 13:00:01 mx postfix/qmgr[502]: 8B9C0D1E2F: removed",
      // rejects, a reject warning, a warning, a master message.
      "Nov 25 14:00:01 mx postfix/smtpd[110]: NOQUEUE: reject: RCPT from bad.example.net[203.0.113.66]: 554 5.7.1 <v@elsewhere.test>: Relay access denied; from=<spam@example.net> to=<v@elsewhere.test> proto=ESMTP helo=<bad>",
      "Nov 25 14:00:02 mx postfix/smtpd[110]: NOQUEUE: reject: RCPT from bad.example.net[203.0.113.66]: 550 5.1.1 <nosuch@mx.example.com>: Recipient address rejected: User unknown in local recipient table; from=<spam@example.net> to=<nosuch@mx.example.com> proto=ESMTP helo=<bad>",
      "Nov 25 14:00:03 mx postfix/smtpd[110]: NOQUEUE: reject_warning: RCPT from bad.example.net[203.0.113.66]: 450 4.7.1 <bad>: Helo command rejected: Host not found; from=<spam@example.net> to=<bob@mx.example.com> proto=ESMTP helo=<bad>",
      "Nov 25 15:00:00 mx postfix/smtp[520]: warning: database /etc/postfix/transport.db is older than source file /etc/postfix/transport",
      "Nov 25 16:00:00 mx postfix/master[91]: reload -- version 3.7.11, configuration /etc/postfix",
  });
  const SummaryData& d = s.data();
  EXPECT_EQ(2u, d.totals.received);
  EXPECT_EQ(2u, d.totals.delivered);  // bob, jack; list@ was forwarded
  EXPECT_EQ(1u, d.totals.forwarded);
  EXPECT_EQ(1u, d.totals.deferred);
  EXPECT_EQ(2u, d.totals.deferrals);
  EXPECT_EQ(1u, d.totals.bounced);
  EXPECT_EQ(2u, d.totals.rejected);
  EXPECT_EQ(1u, d.totals.reject_warnings);
  EXPECT_EQ(0u, d.totals.held);
  EXPECT_EQ(0u, d.totals.expired);
  EXPECT_EQ(1234u + 700u, d.totals.bytes_received);
  EXPECT_EQ(1234u + 850u, d.totals.bytes_delivered);  // jack got the forwarded copy
  // Sender domain lower-cased, local part kept.
  ASSERT_EQ(1u, d.senders.count("Alice@example.org"));
  EXPECT_EQ(1234u, d.senders.at("Alice@example.org").bytes);
  EXPECT_EQ(2u, d.senders.size());
  EXPECT_EQ(2u, d.sending_domains.size());
  EXPECT_EQ(1u, d.recipients.count("bob@mx.example.com"));
  // remote.test: jack delivered, two deferrals of x@.
  const DeliveryDomainStats& remote = d.delivery_domains.at("remote.test");
  EXPECT_EQ(1u, remote.count);
  EXPECT_EQ(2u, remote.defers);
  EXPECT_DOUBLE_EQ(3601, remote.delay_max);
  EXPECT_EQ(2u, d.recipient_hosts());
  EXPECT_EQ(1u, d.per_hour[10].received);
  EXPECT_EQ(1u, d.per_hour[10].deferred);
  EXPECT_EQ(1u, d.per_hour[12].bounced);
  EXPECT_EQ(3u, d.per_hour[14].rejected);  // rejects and reject warnings
  EXPECT_EQ(1u, d.bounce_detail.at("remote.test[192.0.2.50]:25")
                    .at("User unknown (in reply to RCPT TO command)"));
  EXPECT_EQ(2u, d.deferral_detail.at("smtp").at("remote.test[192.0.2.50]:25: Connection refused"));
  EXPECT_EQ(1u, d.reject_detail.at("RCPT").at("Relay access denied").at("example.net"));
  EXPECT_EQ(1u, d.reject_detail.at("RCPT")
                    .at("Recipient address rejected: User unknown in local recipient table")
                    .at("nosuch@mx.example.com"));
  EXPECT_EQ(1u, d.warnings.at("smtp").at(
                    "database /etc/postfix/transport.db is older than source file /e..."));
  EXPECT_EQ(1u, d.master_messages.at("reload -- version 3.7.11, configuration /etc/postfix"));
  EXPECT_EQ(1u, d.smtpd_per_domain.at("example.org").count);
  EXPECT_EQ(3, d.smtpd_per_domain.at("example.org").seconds);
}

TEST(SummaryTest, ContentFilterReinjectionCountsOnce) {
  Pipeline pipeline;
  Summary& s = pipeline.Run({
      "Nov 24 12:00:00 mx postfix/smtpd[400]: 5E6F7A8B9C: client=ext.example.org[203.0.113.5]",
      "Nov 24 12:00:00 mx postfix/qmgr[402]: 5E6F7A8B9C: from=<frank@example.org>, size=4000, nrcpt=1 (queue active)",
      "Nov 24 12:00:01 mx postfix/smtpd[410]: 6F7A8B9C0D: client=localhost[127.0.0.1]",
      "Nov 24 12:00:01 mx postfix/qmgr[402]: 6F7A8B9C0D: from=<frank@example.org>, size=4600, nrcpt=1 (queue active)",
      "Nov 24 12:00:01 mx postfix/smtp[403]: 5E6F7A8B9C: to=<gina@mx.example.com>, relay=127.0.0.1[127.0.0.1]:10024, delay=1.2, delays=0.1/0/0/1.1, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 6F7A8B9C0D)",
      "Nov 24 12:00:01 mx postfix/qmgr[402]: 5E6F7A8B9C: removed",
      "Nov 24 12:00:02 mx postfix/local[404]: 6F7A8B9C0D: to=<gina@mx.example.com>, relay=local, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered to mailbox)",
      "Nov 24 12:00:02 mx postfix/qmgr[402]: 6F7A8B9C0D: removed",
  });
  EXPECT_EQ(1u, s.data().totals.received);
  EXPECT_EQ(1u, s.data().totals.delivered);
  EXPECT_EQ(4000u, s.data().totals.bytes_received);
  EXPECT_EQ(4600u, s.data().totals.bytes_delivered);
  EXPECT_EQ(1u, s.data().senders.at("frank@example.org").count);
}

TEST(SummaryTest, CountsHoldDiscardExpiredAndCleanupRejects) {
  Pipeline pipeline;
  const Summary& s = pipeline.Run(ReadLines(kLog));
  const Totals& t = s.data().totals;
  EXPECT_EQ(9u, t.received);
  EXPECT_EQ(8u, t.delivered);
  EXPECT_EQ(3u, t.rejected);
  EXPECT_EQ(1u, t.held);
  EXPECT_EQ(1u, t.discarded);
  EXPECT_EQ(1u, t.expired);
  EXPECT_EQ(2u, s.data().days.size());
  EXPECT_EQ(1u, s.data().reject_detail.at("cleanup").at("header").at("Subject: MG-REJECT please"));
  EXPECT_EQ(1u, s.data().hold_detail.at("cleanup").at("header").at("Subject: MG-HOLD please"));
  EXPECT_EQ(1u, s.data().expired_detail.at("down.test").size());
  EXPECT_EQ(1u, s.data().smtp_failures.at("connection timed out").at("down.test"));
  EXPECT_EQ(1u, s.data().sasl_failures.at("unknown[203.0.113.77]"));
  EXPECT_EQ(1u, s.data().fatals.at("smtpd").at("no SASL authentication mechanisms"));
}

TEST(SummaryTest, MergeOfTwoDaysEqualsSummaryOfBoth) {
  const std::vector<std::string> all = ReadLines(kLog);
  std::vector<std::string> day1, day2;
  for (const std::string& l : all) (l.rfind("Nov 24", 0) == 0 ? day1 : day2).push_back(l);
  ASSERT_FALSE(day1.empty());
  ASSERT_FALSE(day2.empty());
  Pipeline whole, first, second;
  const std::string expected = whole.Run(all).ToJson();
  Summary& merged = first.Run(day1);
  merged.Merge(second.Run(day2));
  EXPECT_EQ(expected, merged.ToJson());
}

TEST(SummaryTest, JsonRoundTrip) {
  Pipeline pipeline;
  const Summary& s = pipeline.Run(ReadLines(kLog));
  const std::string json = s.ToJson();
  absl::StatusOr<Summary> back = Summary::FromJson(json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(json, back->ToJson());
  EXPECT_EQ(s.data().totals.delivered, back->data().totals.delivered);
  EXPECT_EQ(s.data().senders.size(), back->data().senders.size());
}

TEST(SummaryTest, FromJsonRejectsWhatIsNotASummary) {
  EXPECT_EQ(absl::StatusCode::kInvalidArgument, Summary::FromJson("not json").status().code());
  EXPECT_EQ(absl::StatusCode::kInvalidArgument,
            Summary::FromJson(R"({"schema": "other/1"})").status().code());
  EXPECT_EQ(absl::StatusCode::kInvalidArgument,
            Summary::FromJson(R"({"schema": "mailgauge-summary/1", "period": {}, "totals": {"received": "many"}})")
                .status()
                .code());
  EXPECT_EQ(absl::StatusCode::kInvalidArgument,
            Summary::FromJson(R"({"schema": "mailgauge-summary/1", "period": {}, "totals": {}, "per_hour": [{"hour": 24}]})")
                .status()
                .code());
  EXPECT_EQ(absl::StatusCode::kInvalidArgument,
            Summary::FromJson(R"({"schema": "mailgauge-summary/1", "period": {}, "totals": {}, "per_day": [{"date": "yesterday"}]})")
                .status()
                .code());
  EXPECT_TRUE(Summary::FromJson(R"({"schema": "mailgauge-summary/1", "period": {}, "totals": {}})").ok());
}

TEST(SummaryTest, IgnoreCaseAndVerpMung) {
  SummaryOptions options;
  options.ignore_case = true;
  options.verp_mung = 1;
  Summary s(options);
  EXPECT_EQ("bob@example.org", s.NormalizeAddress("Bob@Example.ORG"));
  Summary plain;
  EXPECT_EQ("Bob@example.org", plain.NormalizeAddress("Bob@Example.ORG"));
  Pipeline pipeline(options);
  Summary& r = pipeline.Run({
      "Nov 25 10:00:00 mx postfix/smtpd[1]: 1A2B3C4D5E: client=lists.example.org[192.0.2.1]",
      "Nov 25 10:00:00 mx postfix/qmgr[2]: 1A2B3C4D5E: from=<list-return-36-bob=example.com@lists.example.org>, size=100, nrcpt=1 (queue active)",
      "Nov 25 10:00:01 mx postfix/local[3]: 1A2B3C4D5E: to=<bob@mx.example.com>, relay=local, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to mailbox)",
      "Nov 25 10:00:01 mx postfix/qmgr[2]: 1A2B3C4D5E: removed",
  });
  EXPECT_EQ(1u, r.data().senders.count("list-return-ID-bob=example.com@lists.example.org"));
}

TEST(SummaryTest, UseOrigToKeysRecipientsByOriginalAddress) {
  SummaryOptions options;
  options.use_orig_to = true;
  Pipeline pipeline(options);
  const SummaryData& d = pipeline.Run({
      "Nov 25 10:00:00 mx postfix/pickup[1]: 1A2B3C4D5E: uid=0 from=<root>",
      "Nov 25 10:00:00 mx postfix/qmgr[2]: 1A2B3C4D5E: from=<root@mx.example.com>, size=100, nrcpt=1 (queue active)",
      "Nov 25 10:00:01 mx postfix/local[3]: 1A2B3C4D5E: to=<bob@mx.example.com>, orig_to=<postmaster@Example.COM>, relay=local, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to mailbox)",
      "Nov 25 10:00:01 mx postfix/qmgr[2]: 1A2B3C4D5E: removed",
  }).data();
  EXPECT_EQ(1u, d.recipients.count("postmaster@example.com"));
  EXPECT_EQ(0u, d.recipients.count("bob@mx.example.com"));
  EXPECT_EQ(1u, d.delivery_domains.count("example.com"));
}

TEST(SummaryTest, ClientDomainFollowsPflogsumm) {
  EXPECT_EQ("example.com", ClientDomain("mail.Example.com", "192.0.2.1"));
  EXPECT_EQ("example.com", ClientDomain("example.com", "192.0.2.1"));
  EXPECT_EQ("192.0.2.1", ClientDomain("unknown", "192.0.2.1"));
  EXPECT_EQ("example.co.uk", ClientDomain("mx.example.co.uk", "192.0.2.1"));
  EXPECT_EQ("localhost", ClientDomainFromText("localhost[127.0.0.1]"));
  EXPECT_EQ("127.0.0.1", ClientDomainFromText("unknown[127.0.0.1]"));
  EXPECT_EQ("192.0.2.7", ClientDomainFromText("[192.0.2.7]:4711"));
  EXPECT_EQ("2001:db8::1", ClientDomainFromText("unknown[2001:db8::1]"));
}

}  // namespace
}  // namespace mailgauge::analyzer
