// Field extraction for postfix/cleanup and postfix/pickup lines.
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
#include "parsers/postfix/event_testing.h"
#include "parsers/postfix/postfix_parser.h"

namespace mailgauge::parsers {
namespace {

class CleanupPatternsTest : public ::testing::Test {
 protected:
  // `message` must outlive the result's source: pass literals.
  static Fields Parse(Daemon daemon, std::string_view message) {
    return ParseFields(daemon, message);
  }
};

TEST_F(CleanupPatternsTest, MessageId) {
  EXPECT_EQ(Parse(Daemon::kCleanup,
                  "4B0C72A1F3: message-id=<20261125175809.4B0C72A1F3@mx.example.com>"),
            (Fields{{"kind", "message_id"},
                    {"queue_id", "4B0C72A1F3"},
                    {"message_id", "20261125175809.4B0C72A1F3@mx.example.com"}}));
  EXPECT_EQ(Parse(Daemon::kCleanup, "3F2A81C0D2: message-id=<>"),
            (Fields{{"kind", "message_id"}, {"queue_id", "3F2A81C0D2"}, {"message_id", ""}}));
  EXPECT_EQ(Parse(Daemon::kCleanup, "3F2A81C0D2: message-id="),
            (Fields{{"kind", "message_id"}, {"queue_id", "3F2A81C0D2"}, {"message_id", ""}}));
  EXPECT_EQ(Parse(Daemon::kCleanup, "9A1B2C3D4E: message-id=1234.5678@legacy.example.net"),
            (Fields{{"kind", "message_id"},
                    {"queue_id", "9A1B2C3D4E"},
                    {"message_id", "1234.5678@legacy.example.net"}}));
  EXPECT_EQ(Parse(Daemon::kCleanup, "4Hs2Kx0hQ5z8Cw: resent-message-id=<r1@example.org>"),
            (Fields{{"kind", "message_id"},
                    {"queue_id", "4Hs2Kx0hQ5z8Cw"},
                    {"detail", "resent-message-id"},
                    {"message_id", "r1@example.org"}}));
}

TEST_F(CleanupPatternsTest, HeaderReject) {
  EXPECT_EQ(
      Parse(Daemon::kCleanup,
            "4B0C72A1F3: reject: header Subject: buy now from unknown[192.0.2.9]; "
            "from=<a@example.net> to=<b@example.com> proto=ESMTP helo=<x>: 5.7.1 "
            "message content rejected"),
      (Fields{{"kind", "reject"},
              {"action", "reject"},
              {"queue_id", "4B0C72A1F3"},
              {"stage", "header"},
              {"detail", "Subject: buy now"},
              {"client_name", "unknown"},
              {"client_addr", "192.0.2.9"},
              {"from", "a@example.net"},
              {"to", "b@example.com"},
              {"proto", "ESMTP"},
              {"helo", "x"},
              {"reply", "5.7.1 message content rejected"},
              {"enhanced_code", "5.7.1"}}));
  // A local submission: origin "local", no proto/helo; the header itself
  // contains " from " and ";".
  EXPECT_EQ(
      Parse(Daemon::kCleanup,
            "4B0C72A1F3: reject: header Received: from relay.example.org (relay "
            "[192.0.2.8]) by mx; Tue from local; from=<root@example.com> "
            "to=<ops@example.com>: 4.7.1 try later"),
      (Fields{{"kind", "reject"},
              {"action", "reject"},
              {"queue_id", "4B0C72A1F3"},
              {"stage", "header"},
              {"detail", "Received: from relay.example.org (relay [192.0.2.8]) by mx; Tue"},
              {"from", "root@example.com"},
              {"to", "ops@example.com"},
              {"reply", "4.7.1 try later"},
              {"enhanced_code", "4.7.1"}}));
  EXPECT_EQ(Parse(Daemon::kCleanup,
                  "4B0C72A1F3: reject: body Click here from mail.example.com[192.0.2.1]; "
                  "from=<> to=<\"a b\"@example.com> proto=SMTP helo=<[IPv6:2001:db8::1]>: "
                  "5.7.1 Spam not wanted"),
            (Fields{{"kind", "reject"},
                    {"action", "reject"},
                    {"queue_id", "4B0C72A1F3"},
                    {"stage", "body"},
                    {"detail", "Click here"},
                    {"client_name", "mail.example.com"},
                    {"client_addr", "192.0.2.1"},
                    {"from", ""},
                    {"to", "\"a b\"@example.com"},
                    {"proto", "SMTP"},
                    {"helo", "[IPv6:2001:db8::1]"},
                    {"reply", "5.7.1 Spam not wanted"},
                    {"enhanced_code", "5.7.1"}}));
}

// Lines written by Postfix 3.7.11 (Debian 12) in testdata/postfix-real runs.
TEST_F(CleanupPatternsTest, RealPostfix37Lines) {
  EXPECT_EQ(
      Parse(Daemon::kCleanup,
            "AB79E10821B: reject: header Subject: MG-REJECT please from "
            "unknown[127.0.0.1]; from=<alice+header_reject@example.test> "
            "to=<bob@example.test> proto=ESMTP helo=<client.example.net>: 5.7.1 "
            "Subject rejected by mailgauge test policy"),
      (Fields{{"kind", "reject"},
              {"action", "reject"},
              {"queue_id", "AB79E10821B"},
              {"stage", "header"},
              {"detail", "Subject: MG-REJECT please"},
              {"client_name", "unknown"},
              {"client_addr", "127.0.0.1"},
              {"from", "alice+header_reject@example.test"},
              {"to", "bob@example.test"},
              {"proto", "ESMTP"},
              {"helo", "client.example.net"},
              {"reply", "5.7.1 Subject rejected by mailgauge test policy"},
              {"enhanced_code", "5.7.1"}}));
  EXPECT_EQ(
      Parse(Daemon::kCleanup,
            "B4073108215: hold: header Subject: MG-HOLD please from unknown[127.0.0.1]; "
            "from=<alice+header_hold_release@example.test> to=<bob@example.test> "
            "proto=ESMTP helo=<client.example.net>: held by mailgauge test policy"),
      (Fields{{"kind", "held"},
              {"action", "hold"},
              {"queue_id", "B4073108215"},
              {"stage", "header"},
              {"detail", "Subject: MG-HOLD please"},
              {"client_name", "unknown"},
              {"client_addr", "127.0.0.1"},
              {"from", "alice+header_hold_release@example.test"},
              {"to", "bob@example.test"},
              {"proto", "ESMTP"},
              {"helo", "client.example.net"},
              {"reply", "held by mailgauge test policy"}}));
  EXPECT_EQ(Parse(Daemon::kCleanup, "warning: B345A108215: queue file size limit exceeded"),
            (Fields{{"kind", "size_limit_exceeded"},
                    {"queue_id", "B345A108215"},
                    {"detail", "queue file size limit exceeded"}}));
}

TEST_F(CleanupPatternsTest, OtherHeaderActions) {
  EXPECT_EQ(Parse(Daemon::kCleanup,
                  "4B0C72A1F3: warning: header Subject: free money from unknown[192.0.2.9]; "
                  "from=<a@example.net> to=<b@example.com> proto=ESMTP helo=<x>: "
                  "suspicious subject"),
            (Fields{{"kind", "header_warning"},
                    {"action", "warning"},
                    {"queue_id", "4B0C72A1F3"},
                    {"stage", "header"},
                    {"detail", "Subject: free money"},
                    {"client_name", "unknown"},
                    {"client_addr", "192.0.2.9"},
                    {"from", "a@example.net"},
                    {"to", "b@example.com"},
                    {"proto", "ESMTP"},
                    {"helo", "x"},
                    {"reply", "suspicious subject"}}));
  EXPECT_EQ(Parse(Daemon::kCleanup,
                  "4B0C72A1F3: hold: header Subject: invoice from unknown[192.0.2.9]; "
                  "from=<a@example.net> to=<b@example.com> proto=ESMTP helo=<x>: quarantined")
                .at("kind"),
            "held");
  EXPECT_EQ(Parse(Daemon::kCleanup,
                  "4B0C72A1F3: discard: body viagra from unknown[192.0.2.9]; "
                  "from=<a@example.net> to=<b@example.com> proto=ESMTP helo=<x>")
                .at("kind"),
            "discarded");
  EXPECT_EQ(Parse(Daemon::kCleanup,
                  "4B0C72A1F3: redirect: header To: all@example.com from "
                  "mail.example.com[192.0.2.1]; from=<s@example.org> to=<all@example.com> "
                  "proto=ESMTP helo=<h>: moderator@example.com")
                .at("reply"),
            "moderator@example.com");
  EXPECT_EQ(Parse(Daemon::kCleanup,
                  "4B0C72A1F3: filter: header X-Scan: yes from local; from=<root@example.com> "
                  "to=<a@example.com>: smtp:[127.0.0.1]:10025")
                .at("kind"),
            "filter");
  const Fields replace = Parse(
      Daemon::kCleanup,
      "4B0C72A1F3: replace: header Received: from internal.example.com (internal "
      "[10.0.0.5]) from mail.example.com[192.0.2.1]; from=<s@example.org> "
      "to=<r@example.com> proto=ESMTP helo=<h>: X-Original-Received: hidden");
  EXPECT_EQ(replace.at("kind"), "check_action");
  EXPECT_EQ(replace.at("action"), "replace");
  EXPECT_EQ(replace.at("detail"), "Received: from internal.example.com (internal [10.0.0.5])");
  EXPECT_EQ(replace.at("client_addr"), "192.0.2.1");
  EXPECT_EQ(replace.at("reply"), "X-Original-Received: hidden");
}

TEST_F(CleanupPatternsTest, MilterActions) {
  EXPECT_EQ(
      Parse(Daemon::kCleanup,
            "4B0C72A1F3: milter-reject: END-OF-MESSAGE from mail.example.com[192.0.2.1]: "
            "5.7.1 Spam message rejected; from=<s@example.org> to=<r@example.com> "
            "proto=ESMTP helo=<mail.example.com>"),
      (Fields{{"kind", "milter_reject"},
              {"action", "milter-reject"},
              {"queue_id", "4B0C72A1F3"},
              {"stage", "END-OF-MESSAGE"},
              {"client_name", "mail.example.com"},
              {"client_addr", "192.0.2.1"},
              {"reply", "5.7.1 Spam message rejected"},
              {"enhanced_code", "5.7.1"},
              {"from", "s@example.org"},
              {"to", "r@example.com"},
              {"proto", "ESMTP"},
              {"helo", "mail.example.com"}}));
  EXPECT_EQ(Parse(Daemon::kCleanup,
                  "4B0C72A1F3: milter-hold: END-OF-MESSAGE from mail.example.com[192.0.2.1]: "
                  "milter triggers HOLD action; from=<s@example.org> to=<r@example.com> "
                  "proto=ESMTP helo=<mail.example.com>")
                .at("kind"),
            "held");
  EXPECT_EQ(Parse(Daemon::kCleanup,
                  "4B0C72A1F3: milter-header-reject: header X-Spam: yes from "
                  "mail.example.com[192.0.2.1]; from=<s@example.org> to=<r@example.com> "
                  "proto=ESMTP helo=<h>: 5.7.1 message content rejected"),
            (Fields{{"kind", "reject"},
                    {"action", "milter-header-reject"},
                    {"queue_id", "4B0C72A1F3"},
                    {"stage", "header"},
                    {"detail", "X-Spam: yes"},
                    {"client_name", "mail.example.com"},
                    {"client_addr", "192.0.2.1"},
                    {"from", "s@example.org"},
                    {"to", "r@example.com"},
                    {"proto", "ESMTP"},
                    {"helo", "h"},
                    {"reply", "5.7.1 message content rejected"},
                    {"enhanced_code", "5.7.1"}}));
}

TEST_F(CleanupPatternsTest, Warnings) {
  EXPECT_EQ(Parse(Daemon::kCleanup, "warning: 4B0C72A1F3: message rejected: hopcount exceeded"),
            (Fields{{"kind", "reject"},
                    {"queue_id", "4B0C72A1F3"},
                    {"reply", "hopcount exceeded"}}));
  EXPECT_EQ(Parse(Daemon::kCleanup,
                  "warning: milter inet:127.0.0.1:8891: can't read SMFIC_BODYEOB reply "
                  "packet header: Connection reset by peer"),
            (Fields{{"kind", "warning"},
                    {"remote_host", "inet:127.0.0.1:8891"},
                    {"detail",
                     "milter inet:127.0.0.1:8891: can't read SMFIC_BODYEOB reply packet "
                     "header: Connection reset by peer"}}));
}

TEST_F(CleanupPatternsTest, Pickup) {
  EXPECT_EQ(Parse(Daemon::kPickup, "4B0C72A1F3: uid=0 from=<root>"),
            (Fields{{"kind", "pickup"},
                    {"queue_id", "4B0C72A1F3"},
                    {"uid", "0"},
                    {"from", "root"}}));
  EXPECT_EQ(Parse(Daemon::kPickup, "3F2A81C0D2: uid=33 from=<>"),
            (Fields{{"kind", "pickup"}, {"queue_id", "3F2A81C0D2"}, {"uid", "33"}, {"from", ""}}));
  EXPECT_EQ(Parse(Daemon::kPickup, "9A1B2C3D4E: uid=0 from=<root> orig_id=4B0C72A1F3"),
            (Fields{{"kind", "pickup"},
                    {"queue_id", "9A1B2C3D4E"},
                    {"uid", "0"},
                    {"from", "root"},
                    {"new_queue_id", "4B0C72A1F3"}}));
}

}  // namespace
}  // namespace mailgauge::parsers
