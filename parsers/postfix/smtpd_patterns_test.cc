// Field extraction for postfix/smtpd lines: each test parses one message body
// through PostfixParser and states the complete set of fields it must yield
// (a field absent from the expectation must be absent from the event).
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

class SmtpdPatternsTest : public ::testing::Test {
 protected:
  // `message` must outlive the result's source: pass literals.
  static Fields Parse(std::string_view message) {
    return ParseFields(Daemon::kSmtpd, message);
  }
};

TEST_F(SmtpdPatternsTest, Connect) {
  EXPECT_EQ(Parse("connect from mail.example.com[192.0.2.1]"),
            (Fields{{"kind", "connect"},
                    {"client_name", "mail.example.com"},
                    {"client_addr", "192.0.2.1"}}));
  EXPECT_EQ(Parse("connect from unknown[2001:db8::25]:41234"),
            (Fields{{"kind", "connect"},
                    {"client_name", "unknown"},
                    {"client_addr", "2001:db8::25"},
                    {"client_port", "41234"}}));
}

TEST_F(SmtpdPatternsTest, DisconnectWithCommandStats) {
  EXPECT_EQ(
      Parse("disconnect from unknown[192.0.2.9] ehlo=1 mail=1 rcpt=0/1 data=0/1 "
            "rset=1 quit=1 commands=4/6"),
      (Fields{{"kind", "disconnect"},
              {"client_name", "unknown"},
              {"client_addr", "192.0.2.9"},
              {"command_stats",
               "ehlo=1 mail=1 rcpt=0/1 data=0/1 rset=1 quit=1 commands=4/6"}}));
  EXPECT_EQ(Parse("disconnect from h.example.org[2001:db8::7] commands=0/0 "
                  "notes=bare_lf"),
            (Fields{{"kind", "disconnect"},
                    {"client_name", "h.example.org"},
                    {"client_addr", "2001:db8::7"},
                    {"command_stats", "commands=0/0"},
                    {"detail", "notes=bare_lf"}}));
  // Postfix 2.x: no statistics at all.
  EXPECT_EQ(Parse("disconnect from mail.example.com[192.0.2.1]"),
            (Fields{{"kind", "disconnect"},
                    {"client_name", "mail.example.com"},
                    {"client_addr", "192.0.2.1"}}));
}

TEST_F(SmtpdPatternsTest, LostConnectionTimeoutTooManyErrors) {
  EXPECT_EQ(Parse("lost connection after DATA (0 bytes) from mail.example.com[192.0.2.1]"),
            (Fields{{"kind", "lost_connection"},
                    {"last_command", "DATA"},
                    {"size", "0"},
                    {"client_name", "mail.example.com"},
                    {"client_addr", "192.0.2.1"}}));
  // Postfix >= 3.10 prefixes the queue ID or NOQUEUE.
  EXPECT_EQ(Parse("4B0C72A1F3: lost connection after END-OF-MESSAGE from "
                  "unknown[2001:db8::9]:50112"),
            (Fields{{"kind", "lost_connection"},
                    {"queue_id", "4B0C72A1F3"},
                    {"last_command", "END-OF-MESSAGE"},
                    {"client_name", "unknown"},
                    {"client_addr", "2001:db8::9"},
                    {"client_port", "50112"}}));
  EXPECT_EQ(Parse("timeout after EHLO from unknown[192.0.2.9]"),
            (Fields{{"kind", "timeout"},
                    {"last_command", "EHLO"},
                    {"client_name", "unknown"},
                    {"client_addr", "192.0.2.9"}}));
  EXPECT_EQ(Parse("NOQUEUE: too many errors after RCPT from unknown[192.0.2.9]"),
            (Fields{{"kind", "too_many_errors"},
                    {"last_command", "RCPT"},
                    {"client_name", "unknown"},
                    {"client_addr", "192.0.2.9"}}));
}

TEST_F(SmtpdPatternsTest, ClientLine) {
  EXPECT_EQ(Parse("4B0C72A1F3: client=mail.example.com[192.0.2.1]"),
            (Fields{{"kind", "smtpd_client"},
                    {"queue_id", "4B0C72A1F3"},
                    {"client_name", "mail.example.com"},
                    {"client_addr", "192.0.2.1"}}));
  EXPECT_EQ(Parse("4Hs2Kx0hQ5z8Cw: client=unknown[2001:db8::25]:41234, "
                  "sasl_method=PLAIN, sasl_username=bob@example.com, "
                  "sasl_sender=list-bounces@example.org"),
            (Fields{{"kind", "smtpd_client"},
                    {"queue_id", "4Hs2Kx0hQ5z8Cw"},
                    {"client_name", "unknown"},
                    {"client_addr", "2001:db8::25"},
                    {"client_port", "41234"},
                    {"sasl_method", "PLAIN"},
                    {"sasl_username", "bob@example.com"},
                    {"sasl_sender", "list-bounces@example.org"}}));
  EXPECT_EQ(Parse("9A1B2C3D4E: client=localhost[127.0.0.1], orig_queue_id=4B0C72A1F3, "
                  "orig_client=mail.example.com[192.0.2.1]"),
            (Fields{{"kind", "smtpd_client"},
                    {"queue_id", "9A1B2C3D4E"},
                    {"client_name", "localhost"},
                    {"client_addr", "127.0.0.1"},
                    {"new_queue_id", "4B0C72A1F3"},
                    {"detail", "mail.example.com[192.0.2.1]"}}));
}

TEST_F(SmtpdPatternsTest, RejectAtRcptRelayDenied) {
  EXPECT_EQ(
      Parse("NOQUEUE: reject: RCPT from unknown[192.0.2.9]: 554 5.7.1 "
            "<x@example.net>: Relay access denied; from=<s@example.org> "
            "to=<x@example.net> proto=ESMTP helo=<[192.0.2.9]>"),
      (Fields{{"kind", "reject"},
              {"action", "reject"},
              {"stage", "RCPT"},
              {"client_name", "unknown"},
              {"client_addr", "192.0.2.9"},
              {"reply", "554 5.7.1 <x@example.net>: Relay access denied"},
              {"reply_code", "554"},
              {"enhanced_code", "5.7.1"},
              {"from", "s@example.org"},
              {"to", "x@example.net"},
              {"proto", "ESMTP"},
              {"helo", "[192.0.2.9]"}}));
}

TEST_F(SmtpdPatternsTest, RejectRblNamesTheList) {
  EXPECT_EQ(
      Parse("NOQUEUE: reject: RCPT from unknown[192.0.2.9]: 554 5.7.1 Service "
            "unavailable; Client host [192.0.2.9] blocked using zen.spamhaus.org; "
            "https://www.spamhaus.org/query/ip/192.0.2.9; from=<> "
            "to=<\"a b\"@example.com> proto=ESMTP helo=<IPv6:2001:db8::9>"),
      (Fields{{"kind", "reject"},
              {"action", "reject"},
              {"stage", "RCPT"},
              {"client_name", "unknown"},
              {"client_addr", "192.0.2.9"},
              {"reply",
               "554 5.7.1 Service unavailable; Client host [192.0.2.9] blocked "
               "using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.9"},
              {"list_name", "zen.spamhaus.org"},
              {"reply_code", "554"},
              {"enhanced_code", "5.7.1"},
              {"from", ""},
              {"to", "\"a b\"@example.com"},
              {"proto", "ESMTP"},
              {"helo", "IPv6:2001:db8::9"}}));
  // At CONNECT, without a trailing reason.
  EXPECT_EQ(
      Parse("NOQUEUE: reject: CONNECT from unknown[192.0.2.9]: 554 5.7.1 Service "
            "unavailable; Client host [192.0.2.9] blocked using bl.example.org; "
            "proto=SMTP"),
      (Fields{{"kind", "reject"},
              {"action", "reject"},
              {"stage", "CONNECT"},
              {"client_name", "unknown"},
              {"client_addr", "192.0.2.9"},
              {"reply",
               "554 5.7.1 Service unavailable; Client host [192.0.2.9] blocked "
               "using bl.example.org"},
              {"list_name", "bl.example.org"},
              {"reply_code", "554"},
              {"enhanced_code", "5.7.1"},
              {"proto", "SMTP"}}));
}

TEST_F(SmtpdPatternsTest, RejectAtEveryStage) {
  struct Case {
    const char* line;
    const char* stage;
    const char* reply;
  };
  const Case cases[] = {
      {"NOQUEUE: reject: CONNECT from unknown[192.0.2.9]: 554 5.7.1 "
       "<unknown[192.0.2.9]>: Client host rejected: Access denied; proto=SMTP",
       "CONNECT", "554 5.7.1 <unknown[192.0.2.9]>: Client host rejected: Access denied"},
      {"NOQUEUE: reject: HELO from unknown[192.0.2.9]: 504 5.5.2 <localhost>: Helo "
       "command rejected: need fully-qualified hostname; proto=SMTP helo=<localhost>",
       "HELO", "504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname"},
      {"NOQUEUE: reject: EHLO from unknown[192.0.2.9]: 504 5.5.2 <localhost>: Helo "
       "command rejected: need fully-qualified hostname; proto=SMTP helo=<localhost>",
       "EHLO", "504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname"},
      {"NOQUEUE: reject: MAIL from unknown[192.0.2.9]: 553 5.7.1 <a@example.org>: "
       "Sender address rejected: not logged in; from=<a@example.org> proto=ESMTP "
       "helo=<localhost>",
       "MAIL", "553 5.7.1 <a@example.org>: Sender address rejected: not logged in"},
      {"NOQUEUE: reject: RCPT from unknown[192.0.2.9]: 550 5.1.1 <nobody@example.com>: "
       "Recipient address rejected: User unknown in local recipient table; "
       "from=<a@example.org> to=<nobody@example.com> proto=ESMTP helo=<localhost>",
       "RCPT",
       "550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in "
       "local recipient table"},
      {"4B0C72A1F3: reject: DATA from unknown[192.0.2.9]: 550 5.5.3 <DATA>: Data "
       "command rejected: Multi-recipient bounce; from=<> proto=ESMTP helo=<localhost>",
       "DATA", "550 5.5.3 <DATA>: Data command rejected: Multi-recipient bounce"},
      {"4B0C72A1F3: reject: END-OF-MESSAGE from unknown[192.0.2.9]: 554 5.7.1 "
       "<END-OF-MESSAGE>: End-of-data rejected: spam; from=<a@example.org> proto=ESMTP "
       "helo=<localhost>",
       "END-OF-MESSAGE", "554 5.7.1 <END-OF-MESSAGE>: End-of-data rejected: spam"},
      {"NOQUEUE: reject: ETRN from unknown[192.0.2.9]: 554 5.7.1 <example.com>: Etrn "
       "command rejected: Access denied; proto=ESMTP helo=<localhost>",
       "ETRN", "554 5.7.1 <example.com>: Etrn command rejected: Access denied"},
      {"NOQUEUE: reject: VRFY from unknown[192.0.2.9]: 550 5.1.1 <root>: Recipient "
       "address rejected: User unknown in local recipient table; to=<root> "
       "proto=SMTP helo=<localhost>",
       "VRFY",
       "550 5.1.1 <root>: Recipient address rejected: User unknown in local recipient table"},
  };
  for (const Case& c : cases) {
    const Fields f = Parse(c.line);
    EXPECT_EQ(f.at("kind"), "reject") << c.line;
    EXPECT_EQ(f.at("action"), "reject") << c.line;
    EXPECT_EQ(f.at("stage"), c.stage) << c.line;
    EXPECT_EQ(f.at("reply"), c.reply) << c.line;
    EXPECT_EQ(f.at("client_addr"), "192.0.2.9") << c.line;
    EXPECT_EQ(f.count("list_name"), 0u) << c.line;
  }
  // The queue-ID form carries the ID and the whole context.
  EXPECT_EQ(
      Parse("4B0C72A1F3: reject: END-OF-MESSAGE from unknown[192.0.2.9]: 554 5.7.1 "
            "<END-OF-MESSAGE>: End-of-data rejected: spam; from=<a@example.org> "
            "proto=ESMTP helo=<localhost>"),
      (Fields{{"kind", "reject"},
              {"action", "reject"},
              {"queue_id", "4B0C72A1F3"},
              {"stage", "END-OF-MESSAGE"},
              {"client_name", "unknown"},
              {"client_addr", "192.0.2.9"},
              {"reply", "554 5.7.1 <END-OF-MESSAGE>: End-of-data rejected: spam"},
              {"reply_code", "554"},
              {"enhanced_code", "5.7.1"},
              {"from", "a@example.org"},
              {"proto", "ESMTP"},
              {"helo", "localhost"}}));
}

TEST_F(SmtpdPatternsTest, RejectWithSaslContextAndNoContext) {
  EXPECT_EQ(
      Parse("4B0C72A1F3: reject_warning: MAIL from mail.example.com[192.0.2.1]:41234: "
            "553 5.7.1 <a@example.org>: Sender address rejected: not owned by user bob; "
            "from=<a@example.org> proto=ESMTP helo=<mail.example.com> "
            "sasl_method=PLAIN sasl_username=bob"),
      (Fields{{"kind", "reject_warning"},
              {"action", "reject_warning"},
              {"queue_id", "4B0C72A1F3"},
              {"stage", "MAIL"},
              {"client_name", "mail.example.com"},
              {"client_addr", "192.0.2.1"},
              {"client_port", "41234"},
              {"reply", "553 5.7.1 <a@example.org>: Sender address rejected: not owned by user bob"},
              {"reply_code", "553"},
              {"enhanced_code", "5.7.1"},
              {"from", "a@example.org"},
              {"proto", "ESMTP"},
              {"helo", "mail.example.com"},
              {"sasl_method", "PLAIN"},
              {"sasl_username", "bob"}}));
  EXPECT_EQ(Parse("4B0C72A1F3: reject: END-OF-MESSAGE from mail.example.com[192.0.2.1]: "
                  "421 4.3.0 mx.example.com Server local data error"),
            (Fields{{"kind", "reject"},
                    {"action", "reject"},
                    {"queue_id", "4B0C72A1F3"},
                    {"stage", "END-OF-MESSAGE"},
                    {"client_name", "mail.example.com"},
                    {"client_addr", "192.0.2.1"},
                    {"reply", "421 4.3.0 mx.example.com Server local data error"},
                    {"reply_code", "421"},
                    {"enhanced_code", "4.3.0"}}));
}

TEST_F(SmtpdPatternsTest, VeryLongReplyText) {
  // Long policy-server texts are kept whole.
  const char* line =
      "NOQUEUE: reject: RCPT from unknown[192.0.2.9]: 450 4.7.1 <r@example.com>: "
      "Recipient address rejected: Greylisted, see "
      "http://postgrey.schweikert.ch/help/example.com.html; please retry in 300 "
      "seconds; this text goes on and on and on and on and on and on and on and on "
      "and on and on and on and on and on and on and on and on and on and on; "
      "from=<s@example.org> to=<r@example.com> proto=ESMTP helo=<h.example.org>";
  const Fields f = Parse(line);
  EXPECT_EQ(f.at("kind"), "reject");
  const std::string& reply = f.at("reply");
  EXPECT_EQ(reply.rfind("450 4.7.1 <r@example.com>: Recipient address rejected: Greylisted", 0), 0u);
  EXPECT_EQ(reply.substr(reply.size() - 13), "and on and on");
  EXPECT_EQ(f.at("reply_code"), "450");
  EXPECT_EQ(f.at("to"), "r@example.com");
  EXPECT_EQ(f.at("helo"), "h.example.org");
}

TEST_F(SmtpdPatternsTest, AccessActions) {
  EXPECT_EQ(
      Parse("4B0C72A1F3: hold: RCPT from mail.example.com[192.0.2.1]: <r@example.com>: "
            "Recipient address triggers HOLD action; from=<s@example.org> "
            "to=<r@example.com> proto=ESMTP helo=<mail.example.com>"),
      (Fields{{"kind", "held"},
              {"action", "hold"},
              {"queue_id", "4B0C72A1F3"},
              {"stage", "RCPT"},
              {"client_name", "mail.example.com"},
              {"client_addr", "192.0.2.1"},
              {"detail", "<r@example.com>: Recipient address triggers HOLD action"},
              {"from", "s@example.org"},
              {"to", "r@example.com"},
              {"proto", "ESMTP"},
              {"helo", "mail.example.com"}}));
  EXPECT_EQ(Parse("4B0C72A1F3: discard: RCPT from unknown[192.0.2.9]: <spam@example.net>: "
                  "Sender address triggers DISCARD action; from=<spam@example.net> "
                  "to=<r@example.com> proto=ESMTP helo=<x>")
                .at("kind"),
            "discarded");
  EXPECT_EQ(Parse("4B0C72A1F3: redirect: RCPT from mail.example.com[192.0.2.1]: "
                  "<r@example.com>: Recipient address triggers REDIRECT q@example.com; "
                  "from=<s@example.org> to=<r@example.com> proto=ESMTP helo=<h>")
                .at("kind"),
            "redirect");
  EXPECT_EQ(Parse("4B0C72A1F3: filter: RCPT from unknown[192.0.2.9]: <unknown[192.0.2.9]>: "
                  "Client host triggers FILTER smtp:[127.0.0.1]:10025; "
                  "from=<s@example.org> to=<r@example.com> proto=ESMTP helo=<x>")
                .at("detail"),
            "<unknown[192.0.2.9]>: Client host triggers FILTER smtp:[127.0.0.1]:10025");
  EXPECT_EQ(Parse("NOQUEUE: warn: RCPT from unknown[192.0.2.9]: odd client; "
                  "from=<s@example.org> to=<r@example.com> proto=ESMTP helo=<x>")
                .at("action"),
            "warn");
}

TEST_F(SmtpdPatternsTest, MilterAndProxyActions) {
  EXPECT_EQ(
      Parse("4B0C72A1F3: milter-reject: END-OF-MESSAGE from mail.example.com[192.0.2.1]: "
            "5.7.1 Spam message rejected; from=<s@example.org> to=<r@example.com> "
            "proto=ESMTP helo=<mail.example.com>"),
      (Fields{{"kind", "milter_reject"},
              {"action", "milter-reject"},
              {"queue_id", "4B0C72A1F3"},
              {"stage", "END-OF-MESSAGE"},
              {"client_name", "mail.example.com"},
              {"client_addr", "192.0.2.1"},
              {"reply", "5.7.1 Spam message rejected"},
              {"from", "s@example.org"},
              {"to", "r@example.com"},
              {"proto", "ESMTP"},
              {"helo", "mail.example.com"}}));
  EXPECT_EQ(Parse("NOQUEUE: milter-reject: RCPT from unknown[192.0.2.9]: 451 4.7.1 "
                  "Service unavailable - try again later; from=<s@example.org> "
                  "to=<r@example.com> proto=ESMTP helo=<h> sasl_username=<bob>"),
            (Fields{{"kind", "milter_reject"},
                    {"action", "milter-reject"},
                    {"stage", "RCPT"},
                    {"client_name", "unknown"},
                    {"client_addr", "192.0.2.9"},
                    {"reply", "451 4.7.1 Service unavailable - try again later"},
                    {"reply_code", "451"},
                    {"enhanced_code", "4.7.1"},
                    {"from", "s@example.org"},
                    {"to", "r@example.com"},
                    {"proto", "ESMTP"},
                    {"helo", "h"},
                    {"sasl_username", "bob"}}));
  EXPECT_EQ(Parse("4B0C72A1F3: milter-hold: END-OF-MESSAGE from mail.example.com[192.0.2.1]: "
                  "milter triggers HOLD action; from=<s@example.org> to=<r@example.com> "
                  "proto=ESMTP helo=<mail.example.com>")
                .at("kind"),
            "held");
  EXPECT_EQ(Parse("proxy-reject: END-OF-MESSAGE: 554 5.7.1 Message rejected by content "
                  "filter; from=<s@example.org> to=<r@example.com> proto=ESMTP helo=<h>"),
            (Fields{{"kind", "reject"},
                    {"action", "proxy-reject"},
                    {"stage", "END-OF-MESSAGE"},
                    {"reply", "554 5.7.1 Message rejected by content filter"},
                    {"reply_code", "554"},
                    {"enhanced_code", "5.7.1"},
                    {"from", "s@example.org"},
                    {"to", "r@example.com"},
                    {"proto", "ESMTP"},
                    {"helo", "h"}}));
  EXPECT_EQ(Parse("proxy-accept: END-OF-MESSAGE: 250 2.0.0 Ok: queued as 3F2A81C0D2; "
                  "from=<s@example.org> to=<r@example.com> proto=ESMTP helo=<h>"),
            (Fields{{"kind", "check_action"},
                    {"action", "proxy-accept"},
                    {"stage", "END-OF-MESSAGE"},
                    {"reply", "250 2.0.0 Ok: queued as 3F2A81C0D2"},
                    {"new_queue_id", "3F2A81C0D2"},
                    {"reply_code", "250"},
                    {"enhanced_code", "2.0.0"},
                    {"from", "s@example.org"},
                    {"to", "r@example.com"},
                    {"proto", "ESMTP"},
                    {"helo", "h"}}));
}

TEST_F(SmtpdPatternsTest, SaslFailure) {
  EXPECT_EQ(Parse("warning: unknown[192.0.2.9]: SASL LOGIN authentication failed: "
                  "authentication failure"),
            (Fields{{"kind", "sasl_failed"},
                    {"client_name", "unknown"},
                    {"client_addr", "192.0.2.9"},
                    {"sasl_method", "LOGIN"},
                    {"detail", "authentication failure"}}));
  EXPECT_EQ(Parse("warning: unknown[2001:db8::9]:33012: SASL PLAIN authentication failed: "
                  "authentication failure, sasl_username=admin@example.com"),
            (Fields{{"kind", "sasl_failed"},
                    {"client_name", "unknown"},
                    {"client_addr", "2001:db8::9"},
                    {"client_port", "33012"},
                    {"sasl_method", "PLAIN"},
                    {"detail", "authentication failure"},
                    {"sasl_username", "admin@example.com"}}));
  EXPECT_EQ(Parse("warning: unknown[192.0.2.9]: SASL LOGIN authentication failed: "
                  "UGFzc3dvcmQ6"),
            (Fields{{"kind", "sasl_failed"},
                    {"client_name", "unknown"},
                    {"client_addr", "192.0.2.9"},
                    {"sasl_method", "LOGIN"},
                    {"detail", "UGFzc3dvcmQ6"}}));
}

TEST_F(SmtpdPatternsTest, TlsEstablished) {
  EXPECT_EQ(
      Parse("Anonymous TLS connection established from mail.example.com[192.0.2.1]: "
            "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange "
            "X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256"),
      (Fields{{"kind", "tls_established"},
              {"tls_level", "Anonymous"},
              {"client_name", "mail.example.com"},
              {"client_addr", "192.0.2.1"},
              {"tls_protocol", "TLSv1.3"},
              {"tls_cipher", "TLS_AES_256_GCM_SHA384 (256/256 bits)"}}));
  // Older, shorter form, and the SNI name accepted from the client.
  EXPECT_EQ(Parse("Untrusted TLS connection established from unknown[2001:db8::25]: "
                  "TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)"),
            (Fields{{"kind", "tls_established"},
                    {"tls_level", "Untrusted"},
                    {"client_name", "unknown"},
                    {"client_addr", "2001:db8::25"},
                    {"tls_protocol", "TLSv1.2"},
                    {"tls_cipher", "ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)"}}));
  EXPECT_EQ(Parse("Trusted TLS connection established from c.example.org[192.0.2.7]:50123 "
                  "to mail.example.com: TLSv1.3 with cipher TLS_AES_128_GCM_SHA256 "
                  "(128/128 bits)")
                .at("detail"),
            "mail.example.com");
}

TEST_F(SmtpdPatternsTest, WarningsWithClient) {
  EXPECT_EQ(Parse("warning: Illegal address syntax from unknown[192.0.2.9] in RCPT "
                  "command: <a b@example.com>"),
            (Fields{{"kind", "warning"},
                    {"detail", "Illegal address syntax"},
                    {"client_name", "unknown"},
                    {"client_addr", "192.0.2.9"},
                    {"last_command", "RCPT"}}));
  EXPECT_EQ(Parse("warning: Connection rate limit exceeded: 61 from unknown[192.0.2.9] "
                  "for service smtp"),
            (Fields{{"kind", "warning"},
                    {"detail", "Connection rate limit exceeded"},
                    {"count", "61"},
                    {"client_name", "unknown"},
                    {"client_addr", "192.0.2.9"}}));
  EXPECT_EQ(Parse("improper command pipelining after CONNECT from unknown[192.0.2.9]: "
                  "EHLO x\\r\\n"),
            (Fields{{"kind", "notice"},
                    {"detail", "improper command pipelining"},
                    {"last_command", "CONNECT"},
                    {"client_name", "unknown"},
                    {"client_addr", "192.0.2.9"}}));
  // Left to the common fallback row.
  EXPECT_EQ(Parse("warning: hostname mail.example.com does not resolve to address "
                  "192.0.2.1: Name or service not known"),
            (Fields{{"kind", "warning"},
                    {"detail",
                     "hostname mail.example.com does not resolve to address "
                     "192.0.2.1: Name or service not known"}}));
}

TEST_F(SmtpdPatternsTest, WarningNamingTheMessage) {
  EXPECT_EQ(Parse("warning: B345A108215: queue file size limit exceeded"),
            (Fields{{"kind", "warning"},
                    {"queue_id", "B345A108215"},
                    {"detail", "queue file size limit exceeded"}}));
}

TEST_F(SmtpdPatternsTest, HugeLineStillParses) {
  // A 64 KiB reply (syslog daemons may pass such lines through).
  const std::string text(64 * 1024, 'x');
  const std::string line =
      absl::StrCat("NOQUEUE: reject: RCPT from unknown[2001:db8::9]: 550 5.7.1 ", text,
                   "; from=<a@example.org> to=<b@example.com> proto=ESMTP helo=<h>");
  Event e;
  ASSERT_EQ(TestParser().ParseMessage(Daemon::kSmtpd, line, &e), ParseResult::kParsed);
  EXPECT_EQ(e.kind, EventKind::kReject);
  EXPECT_EQ(e.reply.size(), text.size() + 10);
  EXPECT_EQ(e.reply_code, 550);
  EXPECT_EQ(e.to, "b@example.com");
  EXPECT_EQ(e.helo, "h");
}

TEST_F(SmtpdPatternsTest, UnknownLinesStayUnparsed) {
  Event e;
  EXPECT_EQ(TestParser().ParseMessage(Daemon::kSmtpd, "something entirely new", &e),
            ParseResult::kUnparsed);
  EXPECT_EQ(TestParser().ParseMessage(Daemon::kSmtpd, "", &e), ParseResult::kUnparsed);
  EXPECT_EQ(TestParser().ParseMessage(Daemon::kSmtpd, "connect from", &e),
            ParseResult::kUnparsed);
}

}  // namespace
}  // namespace mailgauge::parsers
