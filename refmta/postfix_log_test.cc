#include "refmta/postfix_log.h"

#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mailgauge::refmta {
namespace {

namespace pm = postfix_message;
using ::testing::ElementsAre;

absl::Duration Us(int64_t us) { return absl::Microseconds(us); }

// Expected values worked out by hand from format_tv()'s rules.
TEST(FormatPostfixDelayTest, TwoSignificantDigitsAtMostTwoDecimals) {
  EXPECT_EQ("0", FormatPostfixDelay(Us(0)));
  EXPECT_EQ("0", FormatPostfixDelay(Us(4999)));
  EXPECT_EQ("0.01", FormatPostfixDelay(Us(5000)));
  EXPECT_EQ("0.05", FormatPostfixDelay(Us(50000)));
  EXPECT_EQ("0.12", FormatPostfixDelay(Us(123456)));
  EXPECT_EQ("0.1", FormatPostfixDelay(Us(99999)));   // rounds up, trailing 0 dropped
  EXPECT_EQ("0.1", FormatPostfixDelay(Us(100000)));
  EXPECT_EQ("1", FormatPostfixDelay(Us(996000)));    // rounds into the seconds
  EXPECT_EQ("1.2", FormatPostfixDelay(Us(1234567)));
  EXPECT_EQ("1", FormatPostfixDelay(Us(1040000)));
  EXPECT_EQ("10", FormatPostfixDelay(Us(9960000)));
  EXPECT_EQ("12", FormatPostfixDelay(Us(12400000)));
  EXPECT_EQ("13", FormatPostfixDelay(Us(12600000)));
  EXPECT_EQ("3600", FormatPostfixDelay(absl::Hours(1)));
  EXPECT_EQ("0", FormatPostfixDelay(-absl::Seconds(3)));  // clamped as DELTA() does
}

TEST(FormatPostfixDelayTest, ResolutionLimit) {
  EXPECT_EQ("0", FormatPostfixDelay(Us(123456), 0));
  EXPECT_EQ("0.1", FormatPostfixDelay(Us(123456), 1));
  EXPECT_EQ("0.00012", FormatPostfixDelay(Us(123), 6));
  EXPECT_EQ("0.12", FormatPostfixDelay(Us(123456), 6));
}

TEST(SmtpCommandStatsTest, FormatsLikeSmtpd) {
  SmtpCommandStats none;
  EXPECT_EQ(" commands=0/0", none.Format());

  SmtpCommandStats ok;
  ok.Count(SmtpCommand::kEhlo, true);
  ok.Count(SmtpCommand::kMail, true);
  ok.Count(SmtpCommand::kRcpt, true);
  ok.Count(SmtpCommand::kData, true);
  ok.Count(SmtpCommand::kQuit, true);
  EXPECT_EQ(" ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5", ok.Format());

  SmtpCommandStats mixed;
  mixed.Count(SmtpCommand::kQuit, true);  // table order, not arrival order
  mixed.Count(SmtpCommand::kEhlo, true);
  mixed.Count(SmtpCommand::kMail, true);
  mixed.Count(SmtpCommand::kRcpt, false);
  mixed.Count(SmtpCommand::kRcpt, true);
  mixed.Count(SmtpCommand::kUnknown, false);
  mixed.Count(SmtpCommand::kData, false);
  EXPECT_EQ(" ehlo=1 mail=1 rcpt=1/2 data=0/1 quit=1 unknown=0/1 commands=4/7",
            mixed.Format());
}

TEST(PostfixMessageTest, Smtpd) {
  EXPECT_EQ("connect from unknown[127.0.0.5]", pm::SmtpdConnect("unknown", "127.0.0.5"));
  SmtpCommandStats stats;
  stats.Count(SmtpCommand::kHelo, true);
  stats.Count(SmtpCommand::kQuit, true);
  EXPECT_EQ("disconnect from localhost[127.0.0.1] helo=1 quit=1 commands=2",
            pm::SmtpdDisconnect("localhost", "127.0.0.1", stats));
  EXPECT_EQ("4B0C72A1F3: client=unknown[127.0.0.5]",
            pm::SmtpdClient("4B0C72A1F3", "unknown", "127.0.0.5"));
  EXPECT_EQ(
      "NOQUEUE: reject: RCPT from unknown[192.0.2.1]: 554 5.7.1 <x@example.net>: Relay "
      "access denied; from=<a@example.com> to=<x@example.net> proto=ESMTP helo=<client.example>",
      pm::SmtpdReject("", "reject", "RCPT", "unknown", "192.0.2.1",
                      "554 5.7.1 <x@example.net>: Relay access denied",
                      {"a@example.com", "x@example.net", "ESMTP", "client.example"}));
  EXPECT_EQ(
      "4B0C72A1F3: reject: RCPT from unknown[127.0.0.5]: 550 5.1.1 <nobody@example.com>: "
      "Recipient address rejected: User unknown in local recipient table; from=<> "
      "to=<nobody@example.com> proto=SMTP helo=<h>",
      pm::SmtpdReject("4B0C72A1F3", "reject", "RCPT", "unknown", "127.0.0.5",
                      "550 5.1.1 <nobody@example.com>: Recipient address rejected: User "
                      "unknown in local recipient table",
                      {"", "nobody@example.com", "SMTP", "h"}));
  // Without a HELO and sender, only what is known is logged.
  EXPECT_EQ("NOQUEUE: reject: MAIL from unknown[127.0.0.5]: 552 5.3.4 Message size exceeds "
            "fixed limit; proto=SMTP",
            pm::SmtpdReject("", "reject", "MAIL", "unknown", "127.0.0.5",
                            "552 5.3.4 Message size exceeds fixed limit",
                            {absl::nullopt, absl::nullopt, "SMTP", absl::nullopt}));
  EXPECT_EQ("lost connection after RCPT from unknown[127.0.0.5]",
            pm::SmtpdAbnormalEnd("lost connection", "RCPT", 0, "unknown", "127.0.0.5"));
  EXPECT_EQ("timeout after DATA (1234 bytes) from unknown[127.0.0.5]",
            pm::SmtpdAbnormalEnd("timeout", "DATA content", 1234, "unknown", "127.0.0.5"));
  EXPECT_EQ("too many errors after RCPT from unknown[127.0.0.5]",
            pm::SmtpdAbnormalEnd("too many errors", "RCPT", 0, "unknown", "127.0.0.5"));
}

TEST(PostfixMessageTest, CleanupQmgrBouncePickupPostsuper) {
  EXPECT_EQ("4B0C72A1F3: message-id=<20261125175809.4B0C72A1F3@mx.example.com>",
            pm::CleanupMessageId("4B0C72A1F3",
                                 "<20261125175809.4B0C72A1F3@mx.example.com>"));
  EXPECT_EQ(
      "4B0C72A1F3: reject: header Subject: buy now from unknown[127.0.0.5]; "
      "from=<a@example.com> to=<b@example.com> proto=ESMTP helo=<h>: 5.7.1 message content "
      "rejected",
      pm::CleanupAction("4B0C72A1F3", "reject", "header", "Subject: buy now",
                        "unknown[127.0.0.5]",
                        {"a@example.com", "b@example.com", "ESMTP", "h"},
                        "5.7.1 message content rejected"));
  EXPECT_EQ("4B0C72A1F3: hold: header X-Hold: yes from local; from=<alice>",
            pm::CleanupAction("4B0C72A1F3", "hold", "header", "X-Hold: yes", "local",
                              {"alice", absl::nullopt, absl::nullopt, absl::nullopt}, ""));
  std::string long_header(300, 'x');
  EXPECT_EQ(absl::StrCat("Q: discard: header ", std::string(200, 'x'), " from local;"),
            pm::CleanupAction("Q", "discard", "header", long_header, "local", {}, ""));
  EXPECT_EQ("4B0C72A1F3: from=<a@example.com>, size=1234, nrcpt=2 (queue active)",
            pm::QmgrOpened("4B0C72A1F3", "a@example.com", 1234, 2));
  EXPECT_EQ("4B0C72A1F3: from=<>, size=3, nrcpt=1 (queue active)",
            pm::QmgrOpened("4B0C72A1F3", "", 3, 1));
  EXPECT_EQ("4B0C72A1F3: removed", pm::QmgrRemoved("4B0C72A1F3"));
  EXPECT_EQ("4B0C72A1F3: from=<a@example.com>, status=expired, returned to sender",
            pm::QmgrExpired("4B0C72A1F3", "a@example.com"));
  EXPECT_EQ("4B0C72A1F3: from=<a@example.com>, status=force-expired, returned to sender",
            pm::QmgrExpired("4B0C72A1F3", "a@example.com", true));
  EXPECT_EQ("4B0C72A1F3: sender non-delivery notification: 5C1D83B2E4",
            pm::BounceNotification("4B0C72A1F3", "sender non-delivery", "5C1D83B2E4"));
  EXPECT_EQ("4B0C72A1F3: uid=1000 from=<alice>", pm::PickupUid("4B0C72A1F3", 1000, "alice"));
  EXPECT_EQ("4B0C72A1F3: placed on hold", pm::PostsuperAction("4B0C72A1F3", "placed on hold"));
  EXPECT_EQ("Deleted: 1 message", pm::PostsuperSummary("Deleted", 1));
  EXPECT_EQ("Requeued: 3 messages", pm::PostsuperSummary("Requeued", 3));
}

absl::Time T0() { return absl::FromUnixSeconds(1795625889); }

TEST(PostfixMessageTest, DeliveryLineLocal) {
  DeliveryLogRecord r;
  r.queue_id = "4B0C72A1F3";
  r.recipient = "bob@example.com";
  r.original_recipient = "postmaster@example.com";
  r.relay = "local";
  r.incoming_arrival = T0();
  r.active_arrival = T0() + Us(50000);
  r.agent_handoff = T0() + Us(60000);
  r.deliver_done = T0() + Us(123456);
  r.dsn = "2.0.0";
  r.status = "sent";
  r.reason = "delivered to mailbox";
  EXPECT_EQ("4B0C72A1F3: to=<bob@example.com>, orig_to=<postmaster@example.com>, "
            "relay=local, delay=0.12, delays=0.05/0.01/0/0.06, dsn=2.0.0, status=sent "
            "(delivered to mailbox)",
            pm::Delivery(r));
  r.original_recipient = "BOB@example.com";  // same address: no orig_to
  EXPECT_EQ("4B0C72A1F3: to=<bob@example.com>, relay=local, delay=0.12, "
            "delays=0.05/0.01/0/0.06, dsn=2.0.0, status=sent (delivered to mailbox)",
            pm::Delivery(r));
}

TEST(PostfixMessageTest, DeliveryLineSmtpWithConnectionSetup) {
  DeliveryLogRecord r;
  r.queue_id = "4B0C72A1F3";
  r.recipient = "carol@remote.example";
  r.relay = "remote.example[127.0.0.9]:2526";
  r.conn_use = 1;
  r.incoming_arrival = T0();
  r.active_arrival = T0() + Us(10000);
  r.agent_handoff = T0() + Us(20000);
  r.conn_setup_done = T0() + Us(1530000);
  r.deliver_done = T0() + Us(2010000);
  r.dsn = "2.0.0";
  r.status = "sent";
  r.reason = "250 2.0.0 Ok: queued as 7F3A2B1C0D";
  EXPECT_EQ("4B0C72A1F3: to=<carol@remote.example>, relay=remote.example[127.0.0.9]:2526, "
            "conn_use=2, delay=2, delays=0.01/0.01/1.5/0.48, dsn=2.0.0, status=sent (250 "
            "2.0.0 Ok: queued as 7F3A2B1C0D)",
            pm::Delivery(r));
}

TEST(PostfixMessageTest, DeliveryLineWithoutAgentOrQueueManager) {
  DeliveryLogRecord deferred;
  deferred.queue_id = "Q";
  deferred.recipient = "x@y";
  deferred.relay = "none";
  deferred.incoming_arrival = T0();
  deferred.active_arrival = T0() + absl::Seconds(300);
  deferred.deliver_done = T0() + absl::Seconds(330);
  deferred.dsn = "4.4.1";
  deferred.status = "deferred";
  deferred.reason = "connect to y[127.0.0.9]:25: Connection refused";
  EXPECT_EQ("Q: to=<x@y>, relay=none, delay=330, delays=300/30/0/0, dsn=4.4.1, "
            "status=deferred (connect to y[127.0.0.9]:25: Connection refused)",
            pm::Delivery(deferred));
  DeliveryLogRecord cleanup_bounce;
  cleanup_bounce.queue_id = "Q";
  cleanup_bounce.recipient = "x@y";
  cleanup_bounce.relay = "none";
  cleanup_bounce.incoming_arrival = T0();
  cleanup_bounce.deliver_done = T0() + Us(30000);
  cleanup_bounce.dsn = "5.7.1";
  cleanup_bounce.status = "bounced";
  cleanup_bounce.reason = "message content rejected";
  EXPECT_EQ("Q: to=<x@y>, relay=none, delay=0.03, delays=0.03/0/0/0, dsn=5.7.1, "
            "status=bounced (message content rejected)",
            pm::Delivery(cleanup_bounce));
}

PostfixLogOptions Options(LogTimeFormat format) {
  PostfixLogOptions o;
  o.hostname = "mx.example.com";
  o.time_format = format;
  o.clock = [] { return absl::FromUnixMicros(int64_t{1794899889} * 1000000 + 123456); };
  return o;
}

TEST(PostfixLogWriterTest, TimestampFormats) {
  std::vector<std::string> lines;
  auto sink = [&](const std::string& l) { lines.push_back(l); };
  PostfixLogWriter syslog(Options(LogTimeFormat::kSyslog), sink);
  PostfixLogWriter postlog(Options(LogTimeFormat::kPostlog), sink);
  PostfixLogWriter iso(Options(LogTimeFormat::kIso), sink);
  syslog.Info("smtpd", 123, "connect from unknown[127.0.0.5]");
  postlog.Info("qmgr", 7, "4B0C72A1F3: removed");
  iso.Info("local", 99, "x");
  syslog.Warning("smtpd", 123, "hostname nonesuch does not resolve");
  EXPECT_THAT(lines,
              ElementsAre("Nov 17 07:18:09 mx postfix/smtpd[123]: connect from "
                          "unknown[127.0.0.5]\n",
                          "Nov 17 07:18:09 mx postfix/qmgr[7]: 4B0C72A1F3: removed\n",
                          "2026-11-17T07:18:09.123456+00:00 mx postfix/local[99]: x\n",
                          "Nov 17 07:18:09 mx postfix/smtpd[123]: warning: hostname "
                          "nonesuch does not resolve\n"));
}

TEST(PostfixLogWriterTest, SingleDigitDayAndTimeZone) {
  PostfixLogWriter w(Options(LogTimeFormat::kSyslog), nullptr);
  absl::Time t = absl::FromUnixSeconds(1793862000);  // 2026-11-05T07:00:00Z
  EXPECT_EQ("Nov  5 07:00:00 mx postfix/smtpd[1]: m", w.FormatLine(t, "smtpd", 1, "m"));
  PostfixLogOptions o = Options(LogTimeFormat::kPostlog);
  EXPECT_EQ("Nov 05 07:00:00 mx postfix/smtpd[1]: m",
            PostfixLogWriter(o, nullptr).FormatLine(t, "smtpd", 1, "m"));
  o = Options(LogTimeFormat::kIso);
  o.time_zone = absl::FixedTimeZone(3600);
  o.syslog_name = "postfix-out";
  EXPECT_EQ("2026-11-05T08:00:00.000000+01:00 mx postfix-out/smtp[1]: m",
            PostfixLogWriter(o, nullptr).FormatLine(t, "smtp", 1, "m"));
}

TEST(PostfixLogWriterTest, NewlinesInMessagesAreEscapedLikeSyslog) {
  std::vector<std::string> lines;
  PostfixLogWriter w(Options(LogTimeFormat::kSyslog),
                     [&](const std::string& l) { lines.push_back(l); });
  w.Info("cleanup", 1, "Q: reject: header Subject: a\n\tb from local;");
  ASSERT_EQ(1u, lines.size());
  EXPECT_EQ("Nov 17 07:18:09 mx postfix/cleanup[1]: Q: reject: header Subject: a#012\tb "
            "from local;\n",
            lines[0]);
}

TEST(PostfixLogWriterTest, AppendsToFile) {
  std::string path = testing::TempDir() + "/maillog_test.log";
  std::remove(path.c_str());
  {
    auto w = PostfixLogWriter::Open(path, Options(LogTimeFormat::kSyslog));
    ASSERT_TRUE(w.ok()) << w.status();
    (*w)->Info("smtpd", 1, "one");
    (*w)->Info("smtpd", 1, "two");
    EXPECT_TRUE((*w)->status().ok());
  }
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  EXPECT_EQ("Nov 17 07:18:09 mx postfix/smtpd[1]: one\nNov 17 07:18:09 mx postfix/smtpd[1]: two\n",
            buf.str());
  EXPECT_FALSE(PostfixLogWriter::Open("/nonexistent/dir/log", Options(LogTimeFormat::kIso)).ok());
}

}  // namespace
}  // namespace mailgauge::refmta
