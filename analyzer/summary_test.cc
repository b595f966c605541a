#include "analyzer/summary.h"

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>
#include <tuple>

#include <cmath>
#include <random>

#include "absl/time/time.h"
#include "analyzer/correlator.h"
#include "analyzer/log_input.h"
#include "analyzer/report/text_report.h"
#include "bench/log_generator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "re2/re2.h"

namespace mailgauge::analyzer {
namespace {

// Lines -> LogInput -> (Summary.AddEvent, Correlator) -> Summary.AddRecord,
// as `mailgauge report` wires them.
//
// With `untimed_parts` > 0, as `report --threads` wires them: the summary
// gets AddEventTimed in line order, and the untimed facts go to that many
// other Summaries (AddEventUntimed; line i to part i % parts, each part's
// lines last first, since workers take batches in no given order), merged
// into it at the end.
class Pipeline {
 public:
  explicit Pipeline(SummaryOptions options = SummaryOptions(), int untimed_parts = 0)
      : options_(options), untimed_parts_(untimed_parts), summary_(options) {
    CorrelatorOptions correlator_options;
    correlator_options.emit_unfinished = true;
    correlator_ = std::make_unique<Correlator>(
        correlator_options, [this](MessageRecord&& m) { summary_.AddRecord(m); });
    LogInputOptions input_options;
    input_options.envelope.year = 2026;
    input_options.envelope.time_zone = absl::UTCTimeZone();
    auto input = LogInput::Create(input_options, [this](const LogLine& l, const parsers::Event& e) {
      if (untimed_parts_ > 0) {
        summary_.AddEventTimed(l, e);
        parsed_.emplace_back(l, e);  // views into the caller's lines
      } else {
        summary_.AddEvent(l, e);
      }
      correlator_->Add(l, e);
    });
    EXPECT_TRUE(input.ok()) << input.status();
    input_ = *std::move(input);
  }

  Summary& Run(const std::vector<std::string>& lines) {
    for (const std::string& l : lines) input_->ProcessLine(l);
    correlator_->Finish(/*include_unfinished=*/true);
    EXPECT_EQ(0u, input_->stats().unparsed_lines());
    for (int part = 0; part < untimed_parts_; ++part) {
      Summary untimed(options_);
      for (size_t i = parsed_.size(); i-- > 0;) {
        if (static_cast<int>(i % untimed_parts_) != part) continue;
        LogLine line = parsed_[i].first;
        line.time = Timestamp();  // a worker does not know it
        untimed.AddEventUntimed(line, parsed_[i].second);
      }
      summary_.Merge(untimed);
    }
    return summary_;
  }

 private:
  SummaryOptions options_;
  int untimed_parts_;
  std::vector<std::pair<LogLine, parsers::Event>> parsed_;
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

TEST(SummaryTest, ABeforeQueueFiltersRefusalIsARejectKeyedBySender) {
  // Real Postfix 3.7 (testdata/logs/postfix_real_filters.syslog): smtpd's
  // proxy-reject names no client; the row is the sender's ("<>" for the
  // null sender).
  Pipeline pipeline;
  const Summary& s = pipeline.Run({
      "Nov 28 03:16:39 vm postfix/smtpd[18479]: connect from unknown[127.0.0.2]",
      "Nov 28 03:16:39 vm postfix/smtpd[18479]: NOQUEUE: client=unknown[127.0.0.2]",
      "Nov 28 03:16:39 vm postfix/smtpd[18479]: proxy-reject: END-OF-MESSAGE: 554 5.7.0 Reject, id=12345-01 - spam; from=<ext@sender.test> to=<bob@example.test> proto=ESMTP helo=<client.example.net>",
      "Nov 28 03:16:39 vm postfix/smtpd[18479]: disconnect from unknown[127.0.0.2] ehlo=1 mail=1 rcpt=2 data=0/1 quit=1 commands=5/6",
      "Nov 28 03:16:40 vm postfix/smtpd[18481]: proxy-reject: END-OF-MESSAGE: 451 4.5.0 Error in processing, id=12345-02, virus_scan FAILED; from=<> to=<carol@example.test> proto=ESMTP helo=<client.example.net>",
      // Without from= (Postfix always writes it; a cut line): "unknown".
      "Nov 28 03:16:41 vm postfix/smtpd[18481]: proxy-reject: END-OF-MESSAGE: 554 5.7.0 Cut",
  });
  EXPECT_EQ(0u, s.data().totals.received);
  EXPECT_EQ(3u, s.data().totals.rejected);
  const auto& eom = s.data().reject_detail.at("END-OF-MESSAGE");
  EXPECT_EQ(1u, eom.at("554 5.7.0 Reject, id=12345-01 - spam").at("ext@sender.test"));
  EXPECT_EQ(1u, eom.at("451 4.5.0 Error in processing, id=12345-02, virus_scan FAILED").at("<>"));
  EXPECT_EQ(1u, eom.at("554 5.7.0 Cut").at("unknown"));
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

TEST(SummaryTest, StreamedJsonIsLaidOutAsNlohmannDumpsIt) {
  SummaryOptions o;
  o.message_detail = true;
  Pipeline pipeline(o);
  const Summary& s = pipeline.Run(ReadLines(kLog));
  for (int indent : {-1, 0, 2, 4}) {
    const std::string text = s.ToJson(indent);
    const nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(text);
    EXPECT_EQ(parsed.dump(indent), text) << indent;
  }
  // Empty arrays and objects too.
  const std::string empty = Summary().ToJson(2);
  EXPECT_EQ(nlohmann::ordered_json::parse(empty).dump(2), empty);
}

// The address tables are written without building Json rows; addresses that
// need escaping must still come out as nlohmann writes them.
TEST(SummaryTest, StreamedAddressRowsEscapeAsNlohmannDoes) {
  Summary s;
  SummaryData* d = s.mutable_data();
  for (const char* address :
       {"plain@example.org", "quo\"te@example.org", "back\\slash@example.org",
        "tab\there@example.org", "ctl\x01@example.org", "del\x7f@example.org",
        "m\xc3\xbcller@example.org", "", "from=<>"}) {
    d->senders[address] = {3, 12345678901234ULL};
    d->recipients[address] = {1, 0};
    d->sending_domains[address] = {2, 7};
  }
  for (int indent : {-1, 0, 2, 4}) {
    const std::string text = s.ToJson(indent);
    const nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(text);
    EXPECT_EQ(parsed.dump(indent), text) << indent;
    EXPECT_EQ(9u, parsed["senders"].size());
    EXPECT_EQ("quo\"te@example.org", parsed["senders"][7]["address"]);
    EXPECT_EQ(12345678901234ULL, parsed["senders"][7]["bytes"].get<uint64_t>());
  }
}

// Log text is not always UTF-8: a Latin-1 HELO or reply, or garbage from a
// client. The JSON report replaces invalid bytes with U+FFFD (as records
// do) instead of failing, in the streamed rows and the other tables alike.
TEST(SummaryTest, JsonReplacesInvalidUtf8) {
  Pipeline p;
  Summary& s = p.Run({
      "Nov 26 10:00:00 mx postfix/smtpd[1]: warning: hostname caf\xe9.example does not "
      "resolve to address 192.0.2.1: Name or service not known",
      "Nov 26 10:00:01 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[192.0.2.1]: "
      "554 5.7.1 <x@example.com>: Relay access denied; from=<m\xfcller@example.net> "
      "to=<x@example.com> proto=ESMTP helo=<caf\xe9>",
  });
  s.mutable_data()->senders["bad\xff@example.org"] = {1, 100};
  for (int indent : {-1, 2}) {
    const std::string text = s.ToJson(indent);
    const nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(text);
    EXPECT_EQ(parsed.dump(indent), text) << indent;
    EXPECT_NE(std::string::npos, text.find("bad\xef\xbf\xbd@example.org")) << indent;
    EXPECT_NE(std::string::npos, text.find("caf\xef\xbf\xbd")) << indent;
  }
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

TEST(SummaryTest, SrsMungRestoresTheOriginalSender) {
  EXPECT_EQ("olga@example.org", SrsMung("SRS0=x7Qz=T4=example.org=olga@fwd.example.net"));
  EXPECT_EQ("olga@example.org", SrsMung("srs0+x7Qz=T4=example.org=olga@fwd.example.net"));
  EXPECT_EQ("olga@example.org",
            SrsMung("SRS1=Hh2K=fwd.example.net==x7Qz=T4=example.org=olga@fwd2.example.com"));
  // A local part holding '=' survives.
  EXPECT_EQ("a=b@example.org", SrsMung("SRS0=x7Qz=T4=example.org=a=b@fwd.example.net"));
  // Not SRS, or not complete: unchanged.
  EXPECT_EQ("alice@example.org", SrsMung("alice@example.org"));
  EXPECT_EQ("SRS0=broken@fwd.example.net", SrsMung("SRS0=broken@fwd.example.net"));
  EXPECT_EQ("", SrsMung(""));
}

// Expected values: pflogsumm 1.1.5's -m rewrite run on each address.
TEST(SummaryTest, UucpMungTurnsBangPathsAsPflogsummDoes) {
  EXPECT_EQ("foo!alice@Somehost.Dom", UucpMung("Somehost.Dom!alice@foo"));
  EXPECT_EQ("Uuhost!a!Carol@b", UucpMung("a!b!Carol@Uuhost"));
  EXPECT_EQ("e!a!b!d@c", UucpMung("a!b!c!d@e"));
  // A dotted host after '@' is an Internet address: unchanged.
  EXPECT_EQ("host.a!eve@relay.example", UucpMung("host.a!eve@relay.example"));
  for (const char* same : {"plain@example.com", "!x@y", "a!@y", "a!b@", "a!!b@c", ""}) {
    EXPECT_EQ(same, UucpMung(same));
  }
}

TEST(SummaryTest, UucpMungKeysSendersAndRecipients) {
  const std::vector<std::string> lines = {
      "Nov 25 10:00:01 mx postfix/smtpd[100]: 4B0C72A1F3: client=gw.example.net[192.0.2.10]",
      "Nov 25 10:00:01 mx postfix/qmgr[102]: 4B0C72A1F3: from=<Somehost.Dom!alice@foo>, size=1200, nrcpt=2 (queue active)",
      "Nov 25 10:00:02 mx postfix/local[103]: 4B0C72A1F3: to=<a!b!Carol@Uuhost>, relay=local, delay=1, delays=0.1/0/0/0.9, dsn=2.0.0, status=sent (delivered to mailbox)",
      "Nov 25 10:00:02 mx postfix/local[103]: 4B0C72A1F3: to=<dave@example.com>, relay=local, delay=1, delays=0.1/0/0/0.9, dsn=2.0.0, status=sent (delivered to mailbox)",
      "Nov 25 10:00:02 mx postfix/qmgr[102]: 4B0C72A1F3: removed",
  };
  {
    Pipeline pipeline;
    const SummaryData& d = pipeline.Run(lines).data();
    EXPECT_EQ(1u, d.senders.count("Somehost.Dom!alice@foo"));
    EXPECT_EQ(1u, d.recipients.count("a!b!Carol@uuhost"));
  }
  SummaryOptions o;
  o.uucp_mung = true;
  Pipeline pipeline(o);
  const SummaryData& d = pipeline.Run(lines).data();
  // Munged first, then the domain lower-cased (as pflogsumm orders them).
  EXPECT_EQ(1u, d.senders.count("foo!alice@somehost.dom"));
  EXPECT_EQ(1u, d.sending_domains.count("somehost.dom"));
  EXPECT_EQ(1u, d.recipients.count("Uuhost!a!Carol@b"));
  EXPECT_EQ(1u, d.recipients.count("dave@example.com"));
  EXPECT_EQ(1u, d.delivery_domains.count("b"));
}

// Expected values: pflogsumm 1.1.5's report of these lines, without and with
// --verbose-msg-detail.
TEST(SummaryTest, VerboseMsgDetailKeepsReasonsWhole) {
  const std::vector<std::string> lines = {
      "Nov 25 10:00:00 mx postfix/smtpd[1]: 1A2B3C4D5E: client=a.example.org[192.0.2.1]",
      "Nov 25 10:00:00 mx postfix/qmgr[2]: 1A2B3C4D5E: from=<alice@example.org>, size=100, nrcpt=2 (queue active)",
      "Nov 25 10:00:01 mx postfix/smtp[3]: 1A2B3C4D5E: to=<bob@example.net>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to mx1.example.net[203.0.113.7]:25: Connection timed out while waiting for the greeting banner)",
      "Nov 25 10:00:02 mx postfix/smtp[3]: 1A2B3C4D5E: to=<carl@example.net>, relay=mx1.example.net[203.0.113.7]:25, delay=2, delays=0/0/1/1, dsn=5.1.1, status=bounced (host mx1.example.net[203.0.113.7] said: 550 5.1.1 <carl@example.net>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command))",
      "Nov 25 10:00:03 mx postfix/smtpd[4]: NOQUEUE: reject: RCPT from b.example.com[192.0.2.2]: 554 5.7.1 <x@example.com>: Relay access denied; from=<eve@example.com> to=<x@example.com> proto=ESMTP helo=<b.example.com>",
      "Nov 25 10:00:04 mx postfix/cleanup[5]: 2B3C4D5E6F: reject: header Subject: You have won a very large prize, claim it today before it expires from c.example.com[192.0.2.3]; from=<spam@example.com> to=<bob@example.org> proto=ESMTP helo=<c.example.com>: 5.7.1 Message content rejected",
      "Nov 25 10:00:05 mx postfix/smtpd[4]: warning: hostname d.example.com does not resolve to address 192.0.2.4: Name or service not known (this line is long)",
  };
  auto only_key = [](const auto& table) {
    std::vector<std::string> keys;
    for (const auto& [k, v] : table) keys.push_back(k);
    return keys;
  };
  struct Want {
    const char* deferral;
    const char* bounce;
    const char* rcpt_reject;
    const char* header_reject;
    const char* warning;
  };
  const Want shortened = {
      "25: Connection timed out while waiting for the greeting banner",
      "User unknown in virtual mailbox table (in reply to RCPT TO comm...",
      "Relay access denied",
      "Subject: You have won a very large prize, claim it today befo...",
      "hostname d.example.com does not resolve to address 192.0.2.4: N...",
  };
  const Want whole = {
      "connect to mx1.example.net[203.0.113.7]:25: Connection timed out while waiting for the "
      "greeting banner",
      "host mx1.example.net[203.0.113.7] said: 550 5.1.1 <carl@example.net>: Recipient address "
      "rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)",
      "554 5.7.1 <x@example.com>: Relay access denied; from=<eve@example.com> to=<x@example.com> "
      "proto=ESMTP helo=<b.example.com>",
      "Subject: You have won a very large prize, claim it today before it expires from "
      "c.example.com[192.0.2.3]; from=<spam@example.com> to=<bob@example.org> proto=ESMTP "
      "helo=<c.example.com>: 5.7.1 Message content rejected",
      "hostname d.example.com does not resolve to address 192.0.2.4: Name or service not known "
      "(this line is long)",
  };
  for (const bool verbose : {false, true}) {
    SummaryOptions o;
    o.verbose_msg_detail = verbose;
    Pipeline pipeline(o);
    const SummaryData& d = pipeline.Run(lines).data();
    const Want& want = verbose ? whole : shortened;
    SCOPED_TRACE(verbose ? "--verbose-msg-detail" : "default");
    EXPECT_THAT(only_key(d.deferral_detail.at("smtp")), ::testing::ElementsAre(want.deferral));
    EXPECT_THAT(only_key(d.bounce_detail.at("mx1.example.net[203.0.113.7]:25")),
                ::testing::ElementsAre(want.bounce));
    EXPECT_THAT(only_key(d.reject_detail.at("RCPT")), ::testing::ElementsAre(want.rcpt_reject));
    EXPECT_THAT(only_key(d.reject_detail.at("cleanup").at("header")),
                ::testing::ElementsAre(want.header_reject));
    EXPECT_THAT(only_key(d.warnings.at("smtpd")), ::testing::ElementsAre(want.warning));
    // The counts do not change, only the texts.
    EXPECT_EQ(2u, d.totals.rejected);
    EXPECT_EQ(1u, d.totals.bounced);
    EXPECT_EQ(1u, d.totals.deferrals);
  }
}

const std::vector<std::string> kSrsLines = {
    "Nov 25 14:00:01 mx postfix/smtpd[170]: 1B2C3D4E5F: client=fwd.example.net[203.0.113.30]",
    "Nov 25 14:00:01 mx postfix/qmgr[142]: 1B2C3D4E5F: from=<SRS0=x7Qz=T4=example.org=olga@fwd.example.net>, size=2600, nrcpt=1 (queue active)",
    "Nov 25 14:00:02 mx postfix/local[173]: 1B2C3D4E5F: to=<quinn@mx.example.com>, relay=local, delay=1, delays=0.9/0/0/0.1, dsn=2.0.0, status=sent (delivered to mailbox)",
    "Nov 25 14:00:02 mx postfix/qmgr[142]: 1B2C3D4E5F: removed",
    "Nov 25 14:10:01 mx postfix/smtpd[180]: 2C3D4E5F6B: client=fwd2.example.com[203.0.113.31]",
    "Nov 25 14:10:01 mx postfix/qmgr[142]: 2C3D4E5F6B: from=<SRS1=Hh2K=fwd.example.net==x7Qz=T4=example.org=olga@fwd2.example.com>, size=2700, nrcpt=1 (queue active)",
    "Nov 25 14:10:02 mx postfix/local[183]: 2C3D4E5F6B: to=<quinn@mx.example.com>, relay=local, delay=1, delays=0.9/0/0/0.1, dsn=2.0.0, status=sent (delivered to mailbox)",
    "Nov 25 14:10:02 mx postfix/qmgr[142]: 2C3D4E5F6B: removed",
};

TEST(SummaryTest, SrsMungKeysSendersByTheOriginalAddress) {
  {
    Pipeline pipeline;
    const SummaryData& d = pipeline.Run(kSrsLines).data();
    EXPECT_EQ(2u, d.senders.size());
    EXPECT_EQ(2u, d.sending_domains.size());  // fwd.example.net, fwd2.example.com
  }
  SummaryOptions o;
  o.srs_mung = true;
  Pipeline pipeline(o);
  const SummaryData& d = pipeline.Run(kSrsLines).data();
  ASSERT_EQ(1u, d.senders.size());
  EXPECT_EQ(2u, d.senders.at("olga@example.org").count);
  EXPECT_EQ(5300u, d.senders.at("olga@example.org").bytes);
  ASSERT_EQ(1u, d.sending_domains.size());
  EXPECT_EQ(2u, d.sending_domains.at("example.org").count);
}

TEST(SummaryTest, AddressVerificationProbesAreNeitherDeliveredNorBounced) {
  Pipeline pipeline;
  const SummaryData& d = pipeline.Run({
      "Nov 25 13:00:00 mx postfix/cleanup[161]: F6A7B8C9D0: message-id=<20261125130000.F6A7B8C9D0@mx.example.com>",
      "Nov 25 13:00:00 mx postfix/qmgr[142]: F6A7B8C9D0: from=<double-bounce@mx.example.com>, size=236, nrcpt=1 (queue active)",
      "Nov 25 13:00:01 mx postfix/smtp[163]: F6A7B8C9D0: to=<uma@remote.test>, relay=mx.remote.test[198.51.100.20]:25, delay=0.6, delays=0.01/0/0.3/0.3, dsn=2.1.5, status=deliverable (250 2.1.5 Ok)",
      "Nov 25 13:00:01 mx postfix/qmgr[142]: F6A7B8C9D0: removed",
      "Nov 25 13:00:02 mx postfix/qmgr[142]: 0A1B2C3D4E: from=<double-bounce@mx.example.com>, size=236, nrcpt=1 (queue active)",
      "Nov 25 13:00:03 mx postfix/smtp[163]: 0A1B2C3D4E: to=<nobody@remote.test>, relay=mx.remote.test[198.51.100.20]:25, delay=0.7, delays=0.01/0/0.3/0.4, dsn=5.1.1, status=undeliverable (host mx.remote.test[198.51.100.20] said: 550 5.1.1 <nobody@remote.test>: Recipient address rejected: User unknown (in reply to RCPT TO command))",
      "Nov 25 13:00:03 mx postfix/qmgr[142]: 0A1B2C3D4E: removed",
      // A real delivery after the probes is still counted.
      "Nov 25 13:10:01 mx postfix/smtpd[170]: 1B2C3D4E5F: client=mail.example.org[192.0.2.10]",
      "Nov 25 13:10:01 mx postfix/qmgr[142]: 1B2C3D4E5F: from=<olga@example.org>, size=900, nrcpt=1 (queue active)",
      "Nov 25 13:10:02 mx postfix/smtp[173]: 1B2C3D4E5F: to=<uma@remote.test>, relay=mx.remote.test[198.51.100.20]:25, delay=1, delays=0.9/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok)",
      "Nov 25 13:10:02 mx postfix/qmgr[142]: 1B2C3D4E5F: removed",
  }).data();
  EXPECT_EQ(1u, d.totals.received);
  EXPECT_EQ(1u, d.totals.delivered);
  EXPECT_EQ(0u, d.totals.bounced);
  EXPECT_EQ(900u, d.totals.bytes_delivered);
  EXPECT_EQ(1u, d.recipients.size());
  EXPECT_TRUE(d.bounce_detail.empty());
}

const std::vector<std::string> kTwoDomains = {
    // olga@example.org -> pete@remote.test: sender in example.org.
    "Nov 25 08:00:11 mx postfix/smtpd[100]: A1B2C3D4E5: client=mail.example.org[192.0.2.10]",
    "Nov 25 08:00:11 mx postfix/qmgr[102]: A1B2C3D4E5: from=<olga@example.org>, size=2100, nrcpt=1 (queue active)",
    "Nov 25 08:00:13 mx postfix/smtp[103]: A1B2C3D4E5: to=<pete@remote.test>, relay=mx.remote.test[198.51.100.20]:25, delay=1, delays=0.1/0.01/0.6/0.3, dsn=4.4.1, status=deferred (connect to mx.remote.test[198.51.100.20]:25: Connection timed out)",
    "Nov 25 08:10:13 mx postfix/smtp[103]: A1B2C3D4E5: to=<pete@remote.test>, relay=mx.remote.test[198.51.100.20]:25, delay=600, delays=0.1/599/0.6/0.3, dsn=2.0.0, status=sent (250 2.0.0 Ok)",
    "Nov 25 08:10:13 mx postfix/qmgr[102]: A1B2C3D4E5: removed",
    // tom@example.net -> quinn@lists.example.org: recipient in a subdomain.
    "Nov 25 09:00:01 mx postfix/smtpd[110]: B2C3D4E5F6: client=other.example.net[203.0.113.9]",
    "Nov 25 09:00:01 mx postfix/qmgr[102]: B2C3D4E5F6: from=<tom@example.net>, size=1000, nrcpt=1 (queue active)",
    "Nov 25 09:00:02 mx postfix/local[113]: B2C3D4E5F6: to=<quinn@lists.example.org>, relay=local, delay=1, delays=0.9/0/0/0.1, dsn=2.0.0, status=sent (delivered to mailbox)",
    "Nov 25 09:00:02 mx postfix/qmgr[102]: B2C3D4E5F6: removed",
    // tom@example.net -> sam@remote.test: neither.
    "Nov 25 10:00:01 mx postfix/smtpd[120]: C3D4E5F6A7: client=other.example.net[203.0.113.9]",
    "Nov 25 10:00:01 mx postfix/qmgr[102]: C3D4E5F6A7: from=<tom@example.net>, size=3300, nrcpt=1 (queue active)",
    "Nov 25 10:00:03 mx postfix/smtp[123]: C3D4E5F6A7: to=<sam@remote.test>, relay=mx.remote.test[198.51.100.20]:25, delay=2, delays=0.1/0/0.9/1, dsn=4.4.1, status=deferred (connect to mx.remote.test[198.51.100.20]:25: Connection timed out)",
    "Nov 25 10:10:03 mx postfix/smtp[123]: C3D4E5F6A7: to=<sam@remote.test>, relay=mx.remote.test[198.51.100.20]:25, delay=2, delays=0.1/0/0.9/1, dsn=2.0.0, status=sent (250 2.0.0 Ok)",
    "Nov 25 10:10:03 mx postfix/qmgr[102]: C3D4E5F6A7: removed",
    // Rejects naming an address in the domain, and one that does not.
    "Nov 25 11:00:01 mx postfix/smtpd[130]: NOQUEUE: reject: RCPT from bad.example.net[203.0.113.66]: 554 5.7.1 <x@elsewhere.test>: Relay access denied; from=<spam@Example.ORG> to=<x@elsewhere.test> proto=ESMTP helo=<bad.example.net>",
    "Nov 25 11:00:02 mx postfix/smtpd[130]: NOQUEUE: reject: RCPT from bad.example.net[203.0.113.66]: 554 5.7.1 <y@elsewhere.test>: Relay access denied; from=<spam@example.net> to=<y@elsewhere.test> proto=ESMTP helo=<bad.example.net>",
    "Nov 25 11:00:03 mx postfix/smtp[140]: warning: database /etc/postfix/transport.db is older than source file /etc/postfix/transport",
};

TEST(SummaryTest, ByDomainCountsOnlyMailOfThatDomain) {
  {
    Pipeline pipeline;
    const SummaryData& d = pipeline.Run(kTwoDomains).data();
    EXPECT_EQ(3u, d.totals.received);
    EXPECT_EQ(2u, d.totals.deferrals);
    EXPECT_EQ(2u, d.totals.rejected);
    EXPECT_EQ(1u, d.warnings.size());
  }
  SummaryOptions o;
  o.by_domain = "example.org";
  Pipeline pipeline(o);
  const SummaryData& d = pipeline.Run(kTwoDomains).data();
  EXPECT_EQ(2u, d.totals.received);
  EXPECT_EQ(2u, d.totals.delivered);
  EXPECT_EQ(1u, d.totals.deferred);
  EXPECT_EQ(1u, d.totals.deferrals);  // only olga's message's deferral line
  EXPECT_EQ(3100u, d.totals.bytes_received);
  EXPECT_EQ(1u, d.totals.rejected);   // the reject naming spam@Example.ORG
  EXPECT_EQ(2u, d.senders.size());
  EXPECT_EQ(2u, d.recipients.size());
  EXPECT_EQ(1u, d.delivery_domains.at("remote.test").defers);
  EXPECT_TRUE(d.warnings.empty());    // names no address
  // The period is still the whole log's.
  EXPECT_EQ(1u, d.days.size());
  // "example.org" does not match "notexample.org".
  SummaryOptions o2;
  o2.by_domain = "ample.org";
  Pipeline p2(o2);
  EXPECT_EQ(0u, p2.Run(kTwoDomains).data().totals.received);
}

TEST(SummaryTest, ByDomainKeepsTheSizeOfEveryHop) {
  // The forwarded copy's qmgr line names no address of the domain; its
  // size is still what jack@remote.test's delivery counts.
  SummaryOptions o;
  o.by_domain = "remote.test";
  Pipeline pipeline(o);
  const SummaryData& d = pipeline.Run({
      "Nov 24 13:00:00 mx postfix/smtpd[500]: 7A8B9C0D1E: client=a.example.org[192.0.2.20]",
      "Nov 24 13:00:00 mx postfix/cleanup[501]: 7A8B9C0D1E: message-id=<m5@example.org>",
      "Nov 24 13:00:00 mx postfix/qmgr[502]: 7A8B9C0D1E: from=<ivy@example.org>, size=700, nrcpt=1 (queue active)",
      "Nov 24 13:00:00 mx postfix/cleanup[501]: 8B9C0D1E2F: message-id=<m5@example.org>",
      "Nov 24 13:00:00 mx postfix/qmgr[502]: 8B9C0D1E2F: from=<ivy@example.org>, size=850, nrcpt=2 (queue active)",
      "Nov 24 13:00:00 mx postfix/local[503]: 7A8B9C0D1E: to=<list@mx.example.com>, relay=local, delay=0.05, delays=0.01/0/0/0.04, dsn=2.0.0, status=sent (forwarded as 8B9C0D1E2F)",
      "Nov 24 13:00:00 mx postfix/qmgr[502]: 7A8B9C0D1E: removed",
      "Nov 24 13:00:01 mx postfix/smtp[504]: 8B9C0D1E2F: to=<jack@remote.test>, orig_to=<list@mx.example.com>, relay=remote.test[192.0.2.50]:25, delay=0.9, delays=0/0/0.4/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 12345)",
      "Nov 24 13:00:01 mx postfix/local[505]: 8B9C0D1E2F: to=<kim@mx.example.com>, orig_to=<list@mx.example.com>, relay=local, delay=0.9, delays=0/0/0/0.9, dsn=2.0.0, status=sent (delivered to mailbox)",
      "Nov 24 13:00:01 mx postfix/qmgr[502]: 8B9C0D1E2F: removed",
  }).data();
  EXPECT_TRUE(d.no_size.empty());
  ASSERT_EQ(1u, d.recipients.count("jack@remote.test"));
  EXPECT_EQ(850u, d.recipients.at("jack@remote.test").bytes);
  EXPECT_EQ(1u, d.totals.received);
}

TEST(SummaryTest, MessageDetailKeepsOneEntryPerReceivedMessage) {
  SummaryOptions o;
  o.message_detail = true;
  Pipeline pipeline(o);
  const Summary& s = pipeline.Run(kTwoDomains);
  const SummaryData& d = s.data();
  ASSERT_EQ(3u, d.message_detail.size());
  const MessageDetail& m = d.message_detail[0];
  EXPECT_EQ("A1B2C3D4E5", m.queue_id);
  EXPECT_EQ("olga@example.org", m.sender);
  EXPECT_EQ("mail.example.org[192.0.2.10]", m.client);
  EXPECT_EQ(2100, m.size);
  ASSERT_EQ(1u, m.recipients.size());
  EXPECT_EQ("pete@remote.test", m.recipients[0].address);
  EXPECT_EQ("sent", m.recipients[0].status);
  EXPECT_EQ("mx.remote.test[198.51.100.20]:25", m.recipients[0].relay);
  EXPECT_DOUBLE_EQ(600, m.recipients[0].delay);
  // JSON round trip keeps it; a merge appends.
  absl::StatusOr<Summary> back = Summary::FromJson(s.ToJson());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(s.ToJson(), back->ToJson());
  back->Merge(s);
  EXPECT_EQ(6u, back->data().message_detail.size());
  // Without -e nothing is kept.
  Pipeline plain;
  EXPECT_TRUE(plain.Run(kTwoDomains).data().message_detail.empty());
}

// ---------------------------------------------------------------------------
// The hand-written matchers against the RE2 patterns they stand for.

std::string MessageOf(const std::string& line) {
  const size_t p = line.find("]: ");
  return p == std::string::npos ? line : line.substr(p + 3);
}

// Messages of the corpora and of generated traffic, and random mutations of
// them made of the pieces the patterns care about; printable ASCII only (the
// matchers' domain).
std::vector<std::string> MatcherInputs() {
  std::vector<std::string> base;
  for (const char* path : {"testdata/report/logs/handwritten.log",
                           "testdata/report/logs/smtpd_milter_reject.log",
                           "testdata/report/logs/verify_probes.log",
                           "testdata/logs/postfix_real.syslog"}) {
    for (const std::string& l : ReadLines(path)) base.push_back(MessageOf(l));
  }
  bench::LogGenerator gen(bench::LogGeneratorOptions{});
  std::string line;
  while (gen.lines() < 40000 && gen.Next(&line)) {
    if (line.find("reject") != std::string::npos || line.find("disconnect") != std::string::npos) {
      base.push_back(MessageOf(line));
    }
  }
  const std::vector<std::string> pieces = {
      " from ", ": ", ";", "; from=<", " from=<", "reject: ", "reject_warning: ", "hold: ",
      "discard: ", "milter-reject: ", "warning: ", "header ", "body ", "END-OF-MESSAGE ", "x",
      "_", "-", " ", "[", "]", ".", "..", ".com", ".co.uk", "ab", "abc", "RCPT", "<", ">",
      "\t", "\x7f", " said: ", ">: ", ">:", "to=<", ",", ", ", "; ", ":", "550 ", "5.1.1 ",
      "Recipient address rejected: ", "Sender address rejected: ", "Protocol error;", "client ",
      "Client host ", "Sender address ", " blocked", "[1.2.3.4] ", "User unknown", "1", "1234",
      "192.0.2.", "]:25", "unknown[10.0.0.1]"};
  std::mt19937 rng(11);
  std::vector<std::string> out;
  for (const std::string& b : base) {
    out.push_back(b);
    for (int round = 0; round < 12; ++round) {
      std::string m = b;
      for (int edits = 1 + static_cast<int>(rng() % 3); edits > 0; --edits) {
        const size_t at = m.empty() ? 0 : rng() % (m.size() + 1);
        switch (rng() % 3) {
          case 0:
            m.insert(at, pieces[rng() % pieces.size()]);
            break;
          case 1:
            m.erase(at, rng() % 8);
            break;
          default:
            m = m.substr(0, at) + m.substr(rng() % (m.size() + 1));
            break;
        }
      }
      out.push_back(m);
    }
  }
  return out;
}

bool Printable(const std::string& s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

TEST(SummaryMatchersTest, AgreeWithTheirRe2Patterns) {
  static const RE2 parts(
      R"(^.*\b(?:reject(?:_warning)?|hold|discard): (\S+) from (\S+?): (.*)$)");
  static const RE2 cleanup(
      R"(^.*?\b(?:(?:milter-)?reject|warning|hold|discard): (header|body|END-OF-MESSAGE) (.*)$)");
  static const RE2 tail(R"(( from \S+?)?; from=<.*$)");
  static const RE2 collapse(R"(^(.*)\.([^\.]+)\.([^\.]{3}|[^\.]{2,3}\.[^\.]{2})$)");
  size_t checked = 0, parts_matched = 0, cleanup_matched = 0, collapsed = 0, v4_matched = 0;
  for (const std::string& msg : MatcherInputs()) {
    if (!Printable(msg)) continue;
    ++checked;
    std::string stage, client, rest;
    const bool want = RE2::FullMatch(msg, parts, &stage, &client, &rest);
    const auto got = internal::MatchRejectParts(msg);
    ASSERT_EQ(want, got.has_value()) << msg;
    if (want) {
      ++parts_matched;
      EXPECT_EQ(stage, got->stage) << msg;
      EXPECT_EQ(client, got->client) << msg;
      EXPECT_EQ(rest, got->rest) << msg;
    }
    std::string part, crest;
    const bool want_c = RE2::FullMatch(msg, cleanup, &part, &crest);
    const auto got_c = internal::MatchCleanupParts(msg);
    ASSERT_EQ(want_c, got_c.has_value()) << msg;
    if (want_c) {
      ++cleanup_matched;
      EXPECT_EQ(part, got_c->part) << msg;
      EXPECT_EQ(crest, got_c->rest) << msg;
    }
    for (const std::string& t : {msg, crest, rest}) {
      std::string replaced = t;
      RE2::Replace(&replaced, tail, "");
      EXPECT_EQ(replaced, t.substr(0, internal::CleanupTailStart(t))) << t;
    }
    // A client's name and IPv4 address: the reject's client word, its
    // message, and the message from each '[' back to the word before.
    static const RE2 v4(R"(^([^\[]*)\[((?:\d{1,3}\.){3}\d{1,3})\])");
    std::vector<std::string> clients = {client, msg};
    for (size_t b = msg.find('['); b != std::string::npos; b = msg.find('[', b + 1)) {
      const size_t sp = msg.rfind(' ', b);
      clients.push_back(msg.substr(sp == std::string::npos ? 0 : sp + 1));
    }
    for (const std::string& c : clients) {
      std::string name, addr;
      const bool want_v4 = RE2::PartialMatch(c, v4, &name, &addr);
      std::string_view got_name, got_addr;
      ASSERT_EQ(want_v4, internal::MatchV4Client(c, &got_name, &got_addr)) << c;
      if (want_v4) {
        ++v4_matched;
        EXPECT_EQ(name, got_name) << c;
        EXPECT_EQ(addr, got_addr) << c;
      }
    }
    // Host names: the message's words and its client name.
    for (const std::string& name : {client, client.substr(0, client.find('[')), msg}) {
      std::string a, b;
      const bool want_d = RE2::FullMatch(name, collapse, nullptr, &a, &b);
      const auto got_d = internal::CollapsedDomain(name);
      ASSERT_EQ(want_d, got_d.has_value()) << name;
      if (want_d) {
        ++collapsed;
        EXPECT_EQ(a + "." + b, *got_d) << name;
      }
    }
  }
  // The inputs exercise both outcomes of each matcher.
  EXPECT_GT(checked, 50000u);
  EXPECT_GT(parts_matched, 1000u);
  EXPECT_GT(cleanup_matched, 100u);
  EXPECT_GT(collapsed, 1000u);
  EXPECT_GT(v4_matched, 1000u);
}

// The RE2 patterns that internal::PflogsummRejectRules, SaidTrim and
// AngleField stand for, as pflogsumm applies them.
std::string RejectReasonByRe2(const std::string& stage, std::string reason) {
  static const RE2 r1(R"(^(\d{3} <).*?(>:))");
  static const RE2 r2(R"(^(?:\d{3} \d\.\d\.\d )(Protocol error);.*$)");
  static const RE2 r3(R"(^(?:.*?[:;] )(?:\[[^\]]+\] )?([^;,]+)[;,].*$)");
  static const RE2 r4(R"(^((?:Sender|Recipient) address rejected: [^:]+):.*$)");
  static const RE2 r5(R"((client|Client host|Sender address) .+? blocked)");
  static const RE2 m1(R"(^\d{3} (?:<.+>: )?([^;:]+)[;:]?.*$)");
  static const RE2 o1(R"(^(?:.*[:;] )?([^,]+).*$)");
  if (stage == "RCPT" || stage == "DATA" || stage == "CONNECT") {
    for (const RE2* re : {&r1, &r2, &r3, &r4}) {
      RE2::Replace(&reason, *re, re == &r1 ? R"(\1\2)" : R"(\1)");
    }
    RE2::Replace(&reason, r5, "blocked");
  } else if (stage == "MAIL") {
    RE2::Replace(&reason, m1, R"(\1)");
  } else {
    RE2::Replace(&reason, o1, R"(\1)");
  }
  return reason;
}

std::string SaidTrimByRe2(std::string s, size_t max) {
  static const RE2 said(R"(^.* said: )");
  static const RE2 colon(R"(^.*?: *)");
  while (s.size() > max) {
    if (RE2::Replace(&s, said, "")) continue;
    if (RE2::Replace(&s, colon, "")) continue;
    return s.substr(0, max - 3) + "...";
  }
  return s;
}

TEST(SummaryMatchersTest, RejectReasonsAndTrimsAgreeWithRe2) {
  static const RE2 to1(R"(to=<([^>]+)>)");
  static const RE2 from1(R"(from=<([^>]+)>)");
  size_t checked = 0, changed = 0, trimmed = 0, fields = 0;
  for (const std::string& msg : MatcherInputs()) {
    // The reason text as AddReject has it, and the whole message.
    const auto parts = internal::MatchRejectParts(msg);
    for (const std::string& text :
         {msg, parts ? std::string(parts->rest) : msg.substr(msg.size() / 2)}) {
      for (const char* stage : {"RCPT", "MAIL", "HELO"}) {  // DATA, CONNECT as RCPT
        std::string got = text;
        internal::PflogsummRejectRules(stage, &got);
        const std::string want = RejectReasonByRe2(stage, text);
        ASSERT_EQ(want, got) << stage << " " << text;
        ++checked;
        if (want != text) ++changed;
      }
      for (const size_t max : {20u, 65u, 66u}) {
        const std::string want = SaidTrimByRe2(text, max);
        ASSERT_EQ(want, internal::SaidTrim(text, max)) << text;
        if (want != text && want.size() > 3 && want.compare(want.size() - 3, 3, "...") != 0) {
          ++trimmed;
        }
      }
      if (!Printable(text)) continue;
      for (const auto& [name, re] : {std::pair<const char*, const RE2*>{"to=<", &to1},
                                     std::pair<const char*, const RE2*>{"from=<", &from1}}) {
        std::string want;
        const bool matched = RE2::PartialMatch(text, *re, &want);
        const auto got = internal::AngleField(text, name);
        ASSERT_EQ(matched, got.has_value()) << name << " " << text;
        if (matched) {
          EXPECT_EQ(want, *got) << text;
          ++fields;
        }
      }
    }
  }
  EXPECT_GT(checked, 300000u);
  EXPECT_GT(changed, 50000u);
  EXPECT_GT(trimmed, 10000u);
  EXPECT_GT(fields, 10000u);
}

TEST(SummaryMatchersTest, RejectReasonCases) {
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"RCPT", "554 5.7.1 <x@example.org>: Relay access denied; from=<a@b> to=<x@example.org>",
       "Relay access denied"},
      {"RCPT",
       "550 5.1.1 <x@example.org>: Recipient address rejected: User unknown in local "
       "recipient table; from=<a@b>",
       "Recipient address rejected: User unknown in local recipient table"},
      {"RCPT", "450 4.1.2 <x@e.org>: Recipient address rejected: Domain not found: x; from=<>",
       "Recipient address rejected: Domain not found"},
      {"RCPT",
       "550 5.7.1 Service unavailable; client [192.0.2.1] blocked using zen.spamhaus.org; "
       "from=<a@b>",
       "blocked using zen.spamhaus.org"},
      {"CONNECT", "554 5.7.1 <unknown[192.0.2.1]>: Client host rejected: Access denied; proto=SMTP",
       "Client host rejected: Access denied"},
      {"DATA", "503 5.5.0 <DATA>: Data command rejected: Improper use of SMTP command "
               "pipelining; from=<a@b>",
       "Data command rejected: Improper use of SMTP command pipelining"},
      // pflogsumm's MAIL rule does not expect an enhanced status code
      // (it gives "5.1.8 <a@nowhere.invalid>" here): the code goes first.
      {"MAIL", "553 5.1.8 <a@nowhere.invalid>: Sender address rejected: Domain not found; from=<>",
       "Sender address rejected"},
      {"MAIL", "553 <a@nowhere.invalid>: Sender address rejected: Domain not found; from=<>",
       "Sender address rejected"},
      {"MAIL", "552 5.3.4 Message size exceeds fixed limit; proto=ESMTP",
       "Message size exceeds fixed limit"},
      {"MAIL", "451 4.7.1 Service unavailable - try again later; from=<a@b> proto=ESMTP helo=<h>",
       "Service unavailable - try again later"},
      // Where pflogsumm's rules leave Postfix's tail in the place of a
      // reason (real Postfix 3.7 milter-reject and reject lines).
      {"END-OF-MESSAGE",
       "5.7.1 Spam message rejected; from=<olga@example.org> to=<quinn@mx.example.com> "
       "proto=ESMTP helo=<mail.example.org>",
       "5.7.1 Spam message rejected"},
      {"EHLO", "451 4.7.1 Service unavailable - try again later; proto=SMTP helo=<client.example.net>",
       "451 4.7.1 Service unavailable - try again later"},
      {"EHLO", "504 5.5.2 <bad>: Helo command rejected: need fully-qualified hostname; proto=SMTP helo=<bad>",
       "need fully-qualified hostname"},
      {"CONNECT", "451 4.7.1 Service unavailable - try again later; proto=SMTP",
       "451 4.7.1 Service unavailable - try again later"},
      {"VRFY", "502 5.5.1 VRFY command is disabled, proto=SMTP", "502 5.5.1 VRFY command is disabled"},
  };
  for (const auto& [stage, text, want] : cases) {
    std::string got = text;
    internal::RewriteRejectReason(stage, &got);
    EXPECT_EQ(want, got) << stage << " " << text;
    std::string rules = text;
    internal::PflogsummRejectRules(stage, &rules);
    EXPECT_EQ(RejectReasonByRe2(stage, text), rules) << stage << " " << text;
  }
  EXPECT_EQ("Host not found", internal::SaidTrim(
                                  "host mx.example.org[192.0.2.1] said: 550 5.1.1 x said: "
                                  "Host not found",
                                  20));
  EXPECT_EQ("Connection refused", internal::SaidTrim("connect to mx.example.org[192.0.2.1]:25: "
                                                     "Connection refused",
                                                     20));
  EXPECT_EQ("abcdefghijklmnopq...", internal::SaidTrim(std::string(30, 'a').replace(1, 16,
                                                       "bcdefghijklmnopq"), 20));
}

TEST(SummaryMatchersTest, CollapsedDomainCases) {
  for (const auto& [name, want] : std::vector<std::pair<std::string, std::string>>{
           {"mail.example.com", "example.com"},
           {"a.b.mail.example.co.uk", "example.co.uk"},
           {"mx.example.org.uk", "example.org.uk"},
           {"example.com", ""},
           {".example.com", "example.com"},
           {"a..com", ""},
           {"host.example.de", ""},
           {"a.b.cde.de", "b.cde.de"},
           {"x.y.ab.cd", "y.ab.cd"},
           {"x..ab.cd", ""},
           {"", ""},
           {"nodots", ""}}) {
    const auto got = internal::CollapsedDomain(name);
    EXPECT_EQ(want, got ? std::string(*got) : std::string()) << name;
  }
  EXPECT_EQ("example.com", ClientDomain("Mail.EXAMPLE.com", "192.0.2.1"));
  EXPECT_EQ("192.0.2.1", ClientDomain("unknown", "192.0.2.1"));
  // Not printable ASCII: RE2 decides (UTF-8 characters, not bytes).
  EXPECT_EQ("b\xc3\xa9.com", ClientDomain("a.b\xc3\xa9.com", "192.0.2.1"));
}

// "" when equal, else the first differing line of each (gtest's diff of two
// multi-megabyte documents needs gigabytes).
std::string FirstDifference(const std::string& want, const std::string& got) {
  if (want == got) return "";
  size_t i = 0;
  while (i < want.size() && i < got.size() && want[i] == got[i]) ++i;
  const size_t start = want.rfind('\n', i) == std::string::npos ? 0 : want.rfind('\n', i) + 1;
  auto line = [&](const std::string& s) { return s.substr(start, s.find('\n', i) - start); };
  return "at byte " + std::to_string(i) + ": want \"" + line(want) + "\", got \"" + line(got) +
         "\"";
}

// The JSON with delivery_domains' delay_sum and delay_avg rounded to 1e-6
// s: they are sums of doubles, and a merge adds them in another order
// (651.9400000000024 whole, 651.9400000000019 merged).
std::string JsonWithRoundedDelays(const std::string& text) {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(text);
  for (auto& row : j["delivery_domains"]) {
    for (const char* k : {"delay_sum", "delay_avg"}) {
      row[k] = std::round(row[k].get<double>() * 1e6) / 1e6;
    }
  }
  return j.dump(2);
}

// Summaries of the two halves of a generated log (cut between days, so no
// message spans the cut), merged, equal the summary of the whole: JSON and
// text report byte for byte (but for the last bits of the JSON's delay sums,
// see JsonWithRoundedDelays), for the --threads pipeline that merges
// per-file summaries.
TEST(SummaryTest, MergeOfHalvesOfGeneratedTrafficEqualsTheWhole) {
  std::vector<std::string> first_half, second_half;
  for (const int64_t start : {int64_t{1795600000}, int64_t{1795600000} + 2 * 86400}) {
    bench::LogGeneratorOptions o;
    o.seed = start == 1795600000 ? 3 : 4;
    o.start_unix = start;
    bench::LogGenerator gen(o);
    std::vector<std::string>& out = start == 1795600000 ? first_half : second_half;
    std::string line;
    while (gen.lines() < 20000 && gen.Next(&line)) out.push_back(line);
    gen.Finish();
    while (gen.Next(&line)) out.push_back(line);
  }
  std::vector<std::string> all = first_half;
  all.insert(all.end(), second_half.begin(), second_half.end());
  Pipeline whole, a, b;
  const Summary& w = whole.Run(all);
  Summary& merged = a.Run(first_half);
  merged.Merge(b.Run(second_half));
  EXPECT_EQ("", FirstDifference(JsonWithRoundedDelays(w.ToJson()),
                                JsonWithRoundedDelays(merged.ToJson())));
  report::ReportOptions ro;
  ro.smtpd_stats = true;
  EXPECT_EQ("", FirstDifference(report::RenderText(w.data(), ro),
                                report::RenderText(merged.data(), ro)));
  EXPECT_GT(w.data().recipients.size(), 1000u);
  EXPECT_EQ(w.data().recipients.size(), merged.data().recipients.size());
  // And through JSON (--merge).
  absl::StatusOr<Summary> back = Summary::FromJson(merged.ToJson());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ("", FirstDifference(merged.ToJson(), back->ToJson()));
}

// --threads sorts the recipients table on a helper while the sections
// before it are written: the document is the same.
TEST(SummaryTest, JsonSortedAheadIsTheSame) {
  std::vector<std::string> lines = ReadLines(kLog);
  bench::LogGenerator gen(bench::LogGeneratorOptions{});
  for (std::string line; gen.lines() < 20000 && gen.Next(&line);) lines.push_back(line);
  Pipeline pipeline;
  const Summary& s = pipeline.Run(lines);
  ASSERT_GT(s.data().recipients.size(), 1000u);
  std::ostringstream plain, ahead;
  s.WriteJson(plain, 2);
  s.WriteJson(ahead, 2, /*sort_ahead=*/true);
  EXPECT_EQ("", FirstDifference(plain.str(), ahead.str()));
  EXPECT_EQ(s.ToJson(), ahead.str());
}

// `report --threads` counts each line's untimed facts on the parse workers
// and merges them: the summary must be the single pass's, byte for byte
// (JSON and text), with any number of workers and the options that change
// how lines are keyed.
TEST(SummaryTest, UntimedFactsCountedApartAndMergedEqualOnePass) {
  std::vector<std::string> lines;
  for (const char* path : {"testdata/report/logs/handwritten.log",
                           "testdata/report/logs/smtpd_milter_reject.log",
                           "testdata/report/logs/verify_probes.log"}) {
    const std::vector<std::string> more = ReadLines(path);
    lines.insert(lines.end(), more.begin(), more.end());
  }
  bench::LogGenerator gen(bench::LogGeneratorOptions{});
  for (std::string line; gen.lines() < 30000 && gen.Next(&line);) lines.push_back(line);
  std::vector<SummaryOptions> variants(4);
  variants[1].ignore_case = true;
  variants[1].rej_add_from = true;
  variants[2].verp_mung = 2;
  variants[2].rej_add_to = true;
  variants[2].srs_mung = true;
  variants[3].use_orig_to = true;
  for (size_t v = 0; v < variants.size(); ++v) {
    Pipeline one_pass(variants[v]);
    const std::string want_json = one_pass.Run(lines).ToJson();
    report::ReportOptions ro;
    ro.smtpd_stats = true;
    Pipeline again(variants[v]);
    const std::string want_text = report::RenderText(again.Run(lines).data(), ro);
    for (int parts : {1, 2, 3}) {
      Pipeline split(variants[v], parts);
      const Summary& got = split.Run(lines);
      EXPECT_EQ("", FirstDifference(want_json, got.ToJson())) << v << " " << parts;
      EXPECT_EQ("", FirstDifference(want_text, report::RenderText(got.data(), ro)))
          << v << " " << parts;
    }
  }
}

}  // namespace
}  // namespace mailgauge::analyzer
