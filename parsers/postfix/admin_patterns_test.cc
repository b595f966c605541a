// Field extraction for postsuper, master, postfix-script, scache, verify,
// postdrop, sendmail and the small helper programs.
// Each test parses one message body through PostfixParser and states the
// complete set of fields it must yield (a field absent from the expectation
// must be absent from the event).
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "parsers/postfix/event.h"
#include "parsers/postfix/patterns.h"
#include "parsers/postfix/event_testing.h"
#include "parsers/postfix/postfix_parser.h"

namespace mailgauge::parsers {
namespace {

class AdminPatternsTest : public ::testing::Test {
 protected:
  // `message` must outlive the result's source: pass literals.
  static Fields Parse(Daemon daemon, std::string_view message) {
    return ParseFields(daemon, message);
  }
};

// Every row of the part-A tables is anchored at the start of the message.
TEST(PartATablesTest, EveryRowIsAnchored) {
  for (Daemon d : {Daemon::kSmtpd, Daemon::kPostscreen, Daemon::kDnsblog,
                   Daemon::kTlsproxy, Daemon::kAnvil, Daemon::kCleanup,
                   Daemon::kPickup, Daemon::kPostsuper, Daemon::kMaster,
                   Daemon::kPostfixScript, Daemon::kVerify, Daemon::kScache,
                   Daemon::kPostdrop, Daemon::kSendmail, Daemon::kPostqueue}) {
    ASSERT_FALSE(DaemonPatterns(d).empty()) << DaemonName(d);
    for (const Pattern& row : DaemonPatterns(d)) {
      EXPECT_EQ(row.regex[0], '^') << DaemonName(d) << ": " << row.regex;
    }
  }
}

TEST_F(AdminPatternsTest, PostsuperPerMessage) {
  EXPECT_EQ(Parse(Daemon::kPostsuper, "4B0C72A1F3: removed"),
            (Fields{{"kind", "removed"}, {"queue_id", "4B0C72A1F3"}}));
  EXPECT_EQ(Parse(Daemon::kPostsuper, "4Hs2Kx0hQ5z8Cw: placed on hold"),
            (Fields{{"kind", "held"}, {"queue_id", "4Hs2Kx0hQ5z8Cw"}}));
  EXPECT_EQ(Parse(Daemon::kPostsuper, "4B0C72A1F3: released from hold"),
            (Fields{{"kind", "released"}, {"queue_id", "4B0C72A1F3"}}));
  EXPECT_EQ(Parse(Daemon::kPostsuper, "4B0C72A1F3: requeued"),
            (Fields{{"kind", "requeued"}, {"queue_id", "4B0C72A1F3"}}));
}

TEST_F(AdminPatternsTest, PostsuperTotals) {
  EXPECT_EQ(Parse(Daemon::kPostsuper, "Deleted: 12 messages"),
            (Fields{{"kind", "statistics"}, {"detail", "Deleted"}, {"count", "12"}}));
  EXPECT_EQ(Parse(Daemon::kPostsuper, "Deleted: 1 message"),
            (Fields{{"kind", "statistics"}, {"detail", "Deleted"}, {"count", "1"}}));
  EXPECT_EQ(Parse(Daemon::kPostsuper, "Placed on hold: 3 messages"),
            (Fields{{"kind", "statistics"}, {"detail", "Placed on hold"}, {"count", "3"}}));
  EXPECT_EQ(Parse(Daemon::kPostsuper, "Released from hold: 1 message"),
            (Fields{{"kind", "statistics"}, {"detail", "Released from hold"}, {"count", "1"}}));
  EXPECT_EQ(Parse(Daemon::kPostsuper, "Requeued: 250 messages"),
            (Fields{{"kind", "statistics"}, {"detail", "Requeued"}, {"count", "250"}}));
}

TEST_F(AdminPatternsTest, Master) {
  EXPECT_EQ(Parse(Daemon::kMaster, "daemon started -- version 3.7.11, configuration /etc/postfix"),
            (Fields{{"kind", "master_started"}, {"detail", "3.7.11"}}));
  EXPECT_EQ(Parse(Daemon::kMaster, "reload -- version 3.9.0, configuration /etc/postfix"),
            (Fields{{"kind", "master_reload"}, {"detail", "3.9.0"}}));
  EXPECT_EQ(Parse(Daemon::kMaster, "terminating on signal 15"),
            (Fields{{"kind", "master_stopped"}, {"count", "15"}}));
  EXPECT_EQ(Parse(Daemon::kMaster,
                  "warning: process /usr/lib/postfix/sbin/smtpd pid 12345 exit status 1"),
            (Fields{{"kind", "warning"},
                    {"detail", "/usr/lib/postfix/sbin/smtpd"},
                    {"count", "1"}}));
  EXPECT_EQ(Parse(Daemon::kMaster,
                  "warning: /usr/lib/postfix/sbin/smtpd: bad command startup -- throttling"),
            (Fields{{"kind", "warning"}, {"detail", "/usr/lib/postfix/sbin/smtpd"}}));
  EXPECT_EQ(Parse(Daemon::kMaster,
                  "warning: service \"smtp\" (25) has reached its process limit \"100\": "
                  "new clients may experience noticeable delays"),
            (Fields{{"kind", "warning"}, {"detail", "smtp"}, {"count", "100"}}));
}

TEST_F(AdminPatternsTest, PostfixScript) {
  EXPECT_EQ(Parse(Daemon::kPostfixScript, "starting the Postfix mail system"),
            (Fields{{"kind", "script_message"}, {"detail", "starting the Postfix mail system"}}));
  EXPECT_EQ(Parse(Daemon::kPostfixScript, "refreshing the Postfix mail system").at("kind"),
            "script_message");
  EXPECT_EQ(Parse(Daemon::kPostfixScript, "fatal: the Postfix mail system is already running")
                .at("kind"),
            "fatal");
}

TEST_F(AdminPatternsTest, ScacheAndVerifyStatistics) {
  EXPECT_EQ(Parse(Daemon::kScache, "statistics: start interval Nov 25 17:58:09"),
            (Fields{{"kind", "statistics"}, {"detail", "start interval Nov 25 17:58:09"}}));
  EXPECT_EQ(Parse(Daemon::kScache, "statistics: domain lookup hits=3 miss=5 success=37%"),
            (Fields{{"kind", "statistics"},
                    {"detail", "domain lookup hits=3 miss=5 success=37%"},
                    {"count", "3"}}));
  EXPECT_EQ(Parse(Daemon::kScache,
                  "statistics: max simultaneous domains=2 addresses=3 connection=4"),
            (Fields{{"kind", "statistics"},
                    {"detail", "max simultaneous domains=2 addresses=3 connection=4"},
                    {"count", "2"}}));
  EXPECT_EQ(Parse(Daemon::kVerify,
                  "cache btree:/var/lib/postfix/verify_cache full cleanup: retained=120 "
                  "dropped=4 entries"),
            (Fields{{"kind", "statistics"},
                    {"detail", "btree:/var/lib/postfix/verify_cache"},
                    {"count", "120"}}));
}

TEST_F(AdminPatternsTest, SubmissionTools) {
  EXPECT_EQ(Parse(Daemon::kPostdrop,
                  "warning: unable to look up public/pickup: No such file or directory"),
            (Fields{{"kind", "warning"},
                    {"detail", "unable to look up public/pickup: No such file or directory"}}));
  EXPECT_EQ(Parse(Daemon::kSendmail, "fatal: root(0): message file too big"),
            (Fields{{"kind", "fatal"}, {"uid", "0"}, {"detail", "message file too big"}}));
  EXPECT_EQ(Parse(Daemon::kPostqueue, "fatal: Queue report unavailable - mail system is down"),
            (Fields{{"kind", "fatal"},
                    {"detail", "Queue report unavailable - mail system is down"}}));
  // Lines without a specific row still parse through the common rows.
  EXPECT_EQ(Parse(Daemon::kSendmail, "fatal: usage: sendmail [options]"),
            (Fields{{"kind", "fatal"}, {"detail", "usage: sendmail [options]"}}));
}

TEST_F(AdminPatternsTest, MiscDaemons) {
  EXPECT_EQ(Parse(Daemon::kQmqpd, "4B0C72A1F3: client=mail.example.com[192.0.2.1]"),
            (Fields{{"kind", "smtpd_client"},
                    {"queue_id", "4B0C72A1F3"},
                    {"client_name", "mail.example.com"},
                    {"client_addr", "192.0.2.1"}}));
  EXPECT_EQ(Parse(Daemon::kTrivialRewrite,
                  "table hash:/etc/postfix/transport(0,lock|fold_fix) has changed -- restarting"),
            (Fields{{"kind", "notice"},
                    {"detail",
                     "table hash:/etc/postfix/transport(0,lock|fold_fix) has changed -- "
                     "restarting"}}));
  EXPECT_EQ(Parse(Daemon::kPostmap,
                  "warning: /etc/postfix/virtual, line 12: expected format: key whitespace value"),
            (Fields{{"kind", "warning"},
                    {"detail",
                     "/etc/postfix/virtual, line 12: expected format: key whitespace value"},
                    {"count", "12"}}));
  EXPECT_EQ(Parse(Daemon::kPolicySpf,
                  "prepend Received-SPF: Pass (mailfrom) identity=mailfrom; "
                  "client-ip=192.0.2.1; helo=mail.example.org; envelope-from=a@example.org; "
                  "receiver=<UNKNOWN>"),
            (Fields{{"kind", "check_action"},
                    {"action", "prepend"},
                    {"client_addr", "192.0.2.1"},
                    {"detail",
                     "Received-SPF: Pass (mailfrom) identity=mailfrom; client-ip=192.0.2.1; "
                     "helo=mail.example.org; envelope-from=a@example.org; receiver=<UNKNOWN>"}}));
}

}  // namespace
}  // namespace mailgauge::parsers
