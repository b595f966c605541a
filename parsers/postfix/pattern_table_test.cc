#include "parsers/postfix/pattern_table.h"

#include "gtest/gtest.h"
#include "parsers/postfix/queue_id.h"

namespace mailgauge::parsers {
namespace {

const Pattern kRows[] = {
    {EventKind::kDelivery,
     "^" MAILGAUGE_QID ": to=<(?P<to>[^>]*)>, relay=(?P<relay>[^,]+), "
     "delay=(?P<delay>[0-9.]+), delays=(?P<delays>[0-9./]+), "
     "dsn=(?P<dsn>[0-9.]+), status=(?P<status>[a-z]+) \\((?P<reply>.*)\\)$",
     {"4B0C72A1F3: to=<bob@example.org>, relay=mx[192.0.2.2]:25, delay=1.5, "
      "delays=0.01/0/0.4/1.1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9A)"}},
    {EventKind::kQueued,
     "^" MAILGAUGE_QID ": from=<(?P<from>[^>]*)>, size=(?P<size>\\d+), nrcpt=(?P<nrcpt>\\d+)",
     {"4B0C72A1F3: from=<a@b>, size=1234, nrcpt=2 (queue active)"}},
    {EventKind::kReject,
     "^NOQUEUE: reject: (?P<stage>[A-Z-]+) from (?P<client_name>[^\\[]*)\\[(?P<client_addr>[^\\]]*)\\]: (?P<reply>.*)$",
     {"NOQUEUE: reject: RCPT from x[192.0.2.9]: 554 5.7.1 <a@b>: Relay access denied"}},
    {EventKind::kWarning, "^warning: (?P<detail>.*)$", {"warning: x"}, true},
};

TEST(PatternTableTest, ExtractsNamedFieldsAndConvertsNumbers) {
  auto table = PatternTable::Compile(Daemon::kSmtp, kRows);
  ASSERT_TRUE(table.ok()) << table.status();
  Event e;
  ASSERT_TRUE((*table)->Match(*kRows[0].samples.begin(), &e));
  EXPECT_EQ(EventKind::kDelivery, e.kind);
  EXPECT_EQ(Daemon::kSmtp, e.daemon);
  EXPECT_EQ("4B0C72A1F3", e.queue_id);
  EXPECT_EQ("bob@example.org", e.to);
  EXPECT_EQ("mx[192.0.2.2]:25", e.relay);
  EXPECT_DOUBLE_EQ(1.5, e.delay);
  EXPECT_DOUBLE_EQ(0.01, e.delays.before_qmgr);
  EXPECT_DOUBLE_EQ(0, e.delays.in_qmgr);
  EXPECT_DOUBLE_EQ(0.4, e.delays.conn_setup);
  EXPECT_DOUBLE_EQ(1.1, e.delays.transmission);
  EXPECT_EQ("2.0.0", e.dsn);
  EXPECT_EQ(DeliveryStatus::kSent, e.delivery_status);
  EXPECT_EQ(250, e.reply_code);
  EXPECT_EQ("2.0.0", e.enhanced_code);
}

TEST(PatternTableTest, ParsesIntegersAndStages) {
  auto table = PatternTable::Compile(Daemon::kSmtpd, kRows);
  ASSERT_TRUE(table.ok());
  Event e;
  ASSERT_TRUE((*table)->Match("4B0C72A1F3: from=<a@b>, size=1234, nrcpt=2 (queue active)", &e));
  EXPECT_EQ(1234, e.size);
  EXPECT_EQ(2, e.nrcpt);
  Event r;
  ASSERT_TRUE((*table)->Match(*kRows[2].samples.begin(), &r));
  EXPECT_EQ(RejectStage::kRcpt, r.reject_stage);
  EXPECT_EQ(554, r.reply_code);
  EXPECT_EQ("5.7.1", r.enhanced_code);
  EXPECT_EQ("192.0.2.9", r.client_addr);
}

TEST(PatternTableTest, NoMatchLeavesEventUntouched) {
  auto table = PatternTable::Compile(Daemon::kSmtpd, kRows);
  ASSERT_TRUE(table.ok());
  Event e;
  EXPECT_FALSE((*table)->Match("something else entirely", &e));
  EXPECT_EQ(EventKind::kUnknown, e.kind);
}

TEST(PatternTableTest, EarliestRowWins) {
  const Pattern rows[] = {
      {EventKind::kSaslFailed, "^warning: (?P<detail>.*SASL.*)$", {"warning: SASL x"}},
      {EventKind::kWarning, "^warning: (?P<detail>.*)$", {"warning: y"}, true},
  };
  auto table = PatternTable::Compile(Daemon::kSmtpd, rows);
  ASSERT_TRUE(table.ok());
  Event e;
  ASSERT_TRUE((*table)->Match("warning: SASL LOGIN failed", &e));
  EXPECT_EQ(EventKind::kSaslFailed, e.kind);
}

TEST(PatternTableTest, RejectsUnknownGroupNamesAndBadRegex) {
  const Pattern bad_name[] = {{EventKind::kWarning, "^(?P<bogus>x)$", {"x"}}};
  EXPECT_FALSE(PatternTable::Compile(Daemon::kSmtpd, bad_name).ok());
  const Pattern bad_re[] = {{EventKind::kWarning, "^(x$", {"x"}}};
  EXPECT_FALSE(PatternTable::Compile(Daemon::kSmtpd, bad_re).ok());
}

TEST(ParseReplyCodesTest, ReadsCodeAndEnhancedCode) {
  int code = -1;
  std::string_view enh;
  ParseReplyCodes("550 5.1.1 <x@y>: Recipient address rejected", &code, &enh);
  EXPECT_EQ(550, code);
  EXPECT_EQ("5.1.1", enh);
  code = -1;
  enh = {};
  ParseReplyCodes("450 4.7.25 Client host rejected", &code, &enh);
  EXPECT_EQ(450, code);
  EXPECT_EQ("4.7.25", enh);
  code = -1;
  enh = {};
  ParseReplyCodes("delivered to mailbox", &code, &enh);
  EXPECT_EQ(-1, code);
  EXPECT_TRUE(enh.empty());
  ParseReplyCodes("554 Service unavailable", &code, &enh);
  EXPECT_EQ(554, code);
  EXPECT_TRUE(enh.empty());
}

}  // namespace
}  // namespace mailgauge::parsers
