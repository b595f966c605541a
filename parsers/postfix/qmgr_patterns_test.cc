// Field extraction for qmgr's rows (qmgr_patterns.cc).
#include <string_view>

#include "gtest/gtest.h"
#include "parsers/postfix/event.h"
#include "parsers/postfix/event_testing.h"
#include "parsers/postfix/postfix_parser.h"

namespace mailgauge::parsers {
namespace {

const PostfixParser& Parser() { return TestParser(); }

Event Parse(std::string_view msg) {
  Event e;
  EXPECT_EQ(ParseResult::kParsed, Parser().ParseMessage(Daemon::kQmgr, msg, &e)) << msg;
  EXPECT_EQ(Daemon::kQmgr, e.daemon);
  return e;
}

TEST(QmgrPatternsTest, QueueActive) {
  Event e = Parse("4B0C72A1F3: from=<alice@example.com>, size=2048, nrcpt=1 (queue active)");
  EXPECT_EQ(EventKind::kQueued, e.kind);
  EXPECT_EQ("4B0C72A1F3", e.queue_id);
  EXPECT_EQ("alice@example.com", e.from);
  EXPECT_EQ(2048, e.size);
  EXPECT_EQ(1, e.nrcpt);
  EXPECT_EQ("active", e.detail);

  e = Parse("4Hs2Kx0hQ5z8Cw: from=<>, size=5120, nrcpt=3 (queue active)");
  EXPECT_EQ("4Hs2Kx0hQ5z8Cw", e.queue_id);
  EXPECT_EQ("", e.from);
  EXPECT_EQ(5120, e.size);
  EXPECT_EQ(3, e.nrcpt);

  e = Parse("4B0C72A1F3: from=<\"bob smith\"@example.com>, size=10240, nrcpt=2 (queue active)");
  EXPECT_EQ("\"bob smith\"@example.com", e.from);
}

TEST(QmgrPatternsTest, AliasesNqmgrAndOqmgr) {
  EXPECT_EQ(Daemon::kQmgr, DaemonFromName("nqmgr"));
  EXPECT_EQ(Daemon::kQmgr, DaemonFromName("oqmgr"));
}

TEST(QmgrPatternsTest, Removed) {
  const Event e = Parse("4B0C72A1F3: removed");
  EXPECT_EQ(EventKind::kRemoved, e.kind);
  EXPECT_EQ("4B0C72A1F3", e.queue_id);
}

TEST(QmgrPatternsTest, Expired) {
  Event e = Parse("4B0C72A1F3: from=<alice@example.com>, status=expired, returned to sender");
  EXPECT_EQ(EventKind::kExpired, e.kind);
  EXPECT_EQ("alice@example.com", e.from);
  EXPECT_EQ("expired", e.status);
  EXPECT_EQ(DeliveryStatus::kExpired, e.delivery_status);

  e = Parse("4B0C72A1F3: from=<>, status=force-expired, returned to sender");
  EXPECT_EQ(EventKind::kExpired, e.kind);
  EXPECT_EQ("force-expired", e.status);
  EXPECT_EQ("", e.from);
}

TEST(QmgrPatternsTest, DeferralWhileSuspended) {
  const Event e =
      Parse("4B0C72A1F3: to=<alice@example.org>, relay=none, delay=1.5, delays=1.4/0.1/0/0, "
            "dsn=4.4.1, status=deferred (delivery temporarily suspended: connect to "
            "mx.example.org[192.0.2.25]:25: Connection refused)");
  EXPECT_EQ(EventKind::kDelivery, e.kind);
  EXPECT_EQ("alice@example.org", e.to);
  EXPECT_EQ("none", e.relay);
  EXPECT_DOUBLE_EQ(1.5, e.delay);
  EXPECT_DOUBLE_EQ(1.4, e.delays.before_qmgr);
  EXPECT_DOUBLE_EQ(0.1, e.delays.in_qmgr);
  EXPECT_DOUBLE_EQ(0, e.delays.conn_setup);
  EXPECT_DOUBLE_EQ(0, e.delays.transmission);
  EXPECT_EQ("4.4.1", e.dsn);
  EXPECT_EQ(DeliveryStatus::kDeferred, e.delivery_status);
  EXPECT_EQ(
      "delivery temporarily suspended: connect to mx.example.org[192.0.2.25]:25: Connection "
      "refused",
      e.reply);
}

TEST(QmgrPatternsTest, EveryStatusWord) {
  struct Case {
    const char* line;
    DeliveryStatus status;
  } cases[] = {
      {"4B0C72A1F3: to=<carol@example.org>, relay=none, delay=432000, "
       "delays=431999/1/0/0, dsn=4.4.2, status=expired (delivery temporarily suspended: lost "
       "connection with mx.example.org[192.0.2.25] while receiving the initial server "
       "greeting)",
       DeliveryStatus::kExpired},
      {"4B0C72A1F3: to=<postmaster@example.com>, relay=none, delay=0.01, "
       "delays=0/0.01/0/0, dsn=2.0.0, status=sent (undeliverable postmaster notification "
       "discarded)",
       DeliveryStatus::kSent},
      {"4B0C72A1F3: to=<dave@example.org>, relay=none, delay=0.2, delays=0.1/0.1/0/0, "
       "dsn=5.4.4, status=bounced (Host or domain name not found. Name service error for "
       "name=example.org type=AAAA: Host not found)",
       DeliveryStatus::kBounced},
  };
  for (const Case& c : cases) {
    const Event e = Parse(c.line);
    EXPECT_EQ(EventKind::kDelivery, e.kind) << c.line;
    EXPECT_EQ(c.status, e.delivery_status) << c.line;
  }
}

TEST(QmgrPatternsTest, Notices) {
  Event e = Parse("4B0C72A1F3: skipped, still being delivered");
  EXPECT_EQ(EventKind::kNotice, e.kind);
  EXPECT_EQ("4B0C72A1F3", e.queue_id);
  EXPECT_EQ("skipped, still being delivered", e.detail);

  e = Parse("table hash:/etc/postfix/transport has changed -- restarting");
  EXPECT_EQ(EventKind::kNotice, e.kind);
  EXPECT_EQ("", e.queue_id);
  EXPECT_EQ("table hash:/etc/postfix/transport has changed -- restarting", e.detail);
}

TEST(QmgrPatternsTest, WarningsKeepTheQueueId) {
  Event e = Parse(
      "warning: saving corrupt file \"4B0C72A1F3\" from queue \"active\" to queue \"corrupt\"");
  EXPECT_EQ(EventKind::kWarning, e.kind);
  EXPECT_EQ("4B0C72A1F3", e.queue_id);

  e = Parse("warning: 4B0C72A1F3: message rejected: missing end record");
  EXPECT_EQ(EventKind::kWarning, e.kind);
  EXPECT_EQ("4B0C72A1F3", e.queue_id);
  EXPECT_EQ("message rejected: missing end record", e.detail);

  // Generic warnings: the common fallback row.
  e = Parse("warning: mail for [192.0.2.25]:25 is using up 15000 of 20000 active queue entries");
  EXPECT_EQ(EventKind::kWarning, e.kind);
  EXPECT_EQ("", e.queue_id);
  EXPECT_EQ("mail for [192.0.2.25]:25 is using up 15000 of 20000 active queue entries",
            e.detail);
}

TEST(QmgrPatternsTest, Unparsed) {
  Event e;
  EXPECT_EQ(ParseResult::kUnparsed,
            Parser().ParseMessage(Daemon::kQmgr, "4B0C72A1F3: from=<a@b>, size=x, nrcpt=1", &e));
  EXPECT_EQ(ParseResult::kUnparsed,
            Parser().ParseMessage(Daemon::kQmgr, "not-a-qid: removed", &e));
}

}  // namespace
}  // namespace mailgauge::parsers
