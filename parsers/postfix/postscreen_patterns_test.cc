// Field extraction for postfix/postscreen, dnsblog, tlsproxy and anvil lines.
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

class PostscreenPatternsTest : public ::testing::Test {
 protected:
  // `message` must outlive the result's source: pass literals.
  static Fields Parse(Daemon daemon, std::string_view message) {
    return ParseFields(daemon, message);
  }
};

TEST_F(PostscreenPatternsTest, ConnectAndDisconnect) {
  EXPECT_EQ(Parse(Daemon::kPostscreen, "CONNECT from [192.0.2.1]:41234 to [192.0.2.25]:25"),
            (Fields{{"kind", "connect"},
                    {"client_addr", "192.0.2.1"},
                    {"client_port", "41234"},
                    {"remote_host", "[192.0.2.25]:25"}}));
  EXPECT_EQ(Parse(Daemon::kPostscreen, "DISCONNECT [2001:db8::9]:50123"),
            (Fields{{"kind", "disconnect"},
                    {"client_addr", "2001:db8::9"},
                    {"client_port", "50123"}}));
}

TEST_F(PostscreenPatternsTest, PassAndLists) {
  EXPECT_EQ(Parse(Daemon::kPostscreen, "PASS NEW [192.0.2.1]:41234"),
            (Fields{{"kind", "postscreen_pass"},
                    {"detail", "NEW"},
                    {"client_addr", "192.0.2.1"},
                    {"client_port", "41234"}}));
  EXPECT_EQ(Parse(Daemon::kPostscreen, "PASS OLD [2001:db8::9]:50123"),
            (Fields{{"kind", "postscreen_pass"},
                    {"detail", "OLD"},
                    {"client_addr", "2001:db8::9"},
                    {"client_port", "50123"}}));
  EXPECT_EQ(Parse(Daemon::kPostscreen, "WHITELISTED [192.0.2.1]:41234").at("kind"),
            "postscreen_allowlisted");
  EXPECT_EQ(Parse(Daemon::kPostscreen, "ALLOWLISTED [192.0.2.1]:41234").at("kind"),
            "postscreen_allowlisted");
  EXPECT_EQ(Parse(Daemon::kPostscreen, "BLACKLISTED [192.0.2.9]:41234").at("kind"),
            "postscreen_denylisted");
  EXPECT_EQ(Parse(Daemon::kPostscreen, "DENYLISTED [192.0.2.9]:41234"),
            (Fields{{"kind", "postscreen_denylisted"},
                    {"detail", "DENYLISTED"},
                    {"client_addr", "192.0.2.9"},
                    {"client_port", "41234"}}));
  EXPECT_EQ(Parse(Daemon::kPostscreen, "ALLOWLIST VETO [192.0.2.9]:41234").at("kind"),
            "notice");
}

TEST_F(PostscreenPatternsTest, DnsblRankAndPregreet) {
  EXPECT_EQ(Parse(Daemon::kPostscreen, "DNSBL rank 3 for [192.0.2.9]:50123"),
            (Fields{{"kind", "postscreen_dnsbl"},
                    {"count", "3"},
                    {"client_addr", "192.0.2.9"},
                    {"client_port", "50123"}}));
  EXPECT_EQ(Parse(Daemon::kPostscreen,
                  "PREGREET 11 after 0.15 from [192.0.2.9]:50123: EHLO User\\r\\n"),
            (Fields{{"kind", "postscreen_pregreet"},
                    {"count", "11"},
                    {"delay", "0.15"},
                    {"client_addr", "192.0.2.9"},
                    {"client_port", "50123"},
                    {"detail", "EHLO User\\r\\n"}}));
  EXPECT_EQ(Parse(Daemon::kPostscreen,
                  "HANGUP after 7.3 from [2001:db8::9]:41000 in tests after SMTP handshake"),
            (Fields{{"kind", "postscreen_hangup"},
                    {"delay", "7.3"},
                    {"client_addr", "2001:db8::9"},
                    {"client_port", "41000"},
                    {"detail", "tests after SMTP handshake"}}));
}

TEST_F(PostscreenPatternsTest, ProtocolViolations) {
  EXPECT_EQ(Parse(Daemon::kPostscreen,
                  "NON-SMTP COMMAND from [192.0.2.9]:50123 after CONNECT: GET / HTTP/1.1"),
            (Fields{{"kind", "postscreen_violation"},
                    {"detail", "NON-SMTP COMMAND"},
                    {"client_addr", "192.0.2.9"},
                    {"client_port", "50123"},
                    {"last_command", "CONNECT"}}));
  EXPECT_EQ(Parse(Daemon::kPostscreen, "COMMAND COUNT LIMIT from [192.0.2.9]:50123 after RCPT"),
            (Fields{{"kind", "postscreen_violation"},
                    {"detail", "COMMAND COUNT LIMIT"},
                    {"client_addr", "192.0.2.9"},
                    {"client_port", "50123"},
                    {"last_command", "RCPT"}}));
  EXPECT_EQ(Parse(Daemon::kPostscreen,
                  "COMMAND PIPELINING from [192.0.2.9]:50123 after EHLO: QUIT\\r\\n")
                .at("last_command"),
            "EHLO");
}

TEST_F(PostscreenPatternsTest, NoqueueReject) {
  EXPECT_EQ(
      Parse(Daemon::kPostscreen,
            "NOQUEUE: reject: RCPT from [192.0.2.9]:50123: 550 5.7.1 Service "
            "unavailable; client [192.0.2.9] blocked using zen.spamhaus.org; "
            "from=<a@example.net>, to=<b@example.com>, proto=ESMTP, helo=<x.example.net>"),
      (Fields{{"kind", "postscreen_noqueue"},
              {"action", "reject"},
              {"stage", "RCPT"},
              {"client_addr", "192.0.2.9"},
              {"client_port", "50123"},
              {"reply",
               "550 5.7.1 Service unavailable; client [192.0.2.9] blocked using "
               "zen.spamhaus.org"},
              {"reply_code", "550"},
              {"enhanced_code", "5.7.1"},
              {"list_name", "zen.spamhaus.org"},
              {"from", "a@example.net"},
              {"to", "b@example.com"},
              {"proto", "ESMTP"},
              {"helo", "x.example.net"}}));
  EXPECT_EQ(Parse(Daemon::kPostscreen,
                  "NOQUEUE: reject: RCPT from [2001:db8::9]:41000: 450 4.3.2 Service "
                  "currently unavailable; from=<>, to=<\"a b\"@example.com>, "
                  "proto=SMTP, helo=<>"),
            (Fields{{"kind", "postscreen_noqueue"},
                    {"action", "reject"},
                    {"stage", "RCPT"},
                    {"client_addr", "2001:db8::9"},
                    {"client_port", "41000"},
                    {"reply", "450 4.3.2 Service currently unavailable"},
                    {"reply_code", "450"},
                    {"enhanced_code", "4.3.2"},
                    {"from", ""},
                    {"to", "\"a b\"@example.com"},
                    {"proto", "SMTP"},
                    {"helo", ""}}));
  EXPECT_EQ(Parse(Daemon::kPostscreen,
                  "NOQUEUE: reject: CONNECT from [192.0.2.9]:50123: too many connections"),
            (Fields{{"kind", "postscreen_noqueue"},
                    {"action", "reject"},
                    {"stage", "CONNECT"},
                    {"client_addr", "192.0.2.9"},
                    {"client_port", "50123"},
                    {"reply", "too many connections"}}));
}

TEST_F(PostscreenPatternsTest, CacheCleanup) {
  EXPECT_EQ(Parse(Daemon::kPostscreen,
                  "cache btree:/var/lib/postfix/postscreen_cache full cleanup: "
                  "retained=1543 dropped=87 entries"),
            (Fields{{"kind", "postscreen_cache"},
                    {"detail", "btree:/var/lib/postfix/postscreen_cache"},
                    {"count", "1543"}}));
}

TEST_F(PostscreenPatternsTest, Dnsblog) {
  EXPECT_EQ(Parse(Daemon::kDnsblog,
                  "addr 192.0.2.9 listed by domain zen.spamhaus.org as 127.0.0.4"),
            (Fields{{"kind", "dnsbl_listed"},
                    {"client_addr", "192.0.2.9"},
                    {"list_name", "zen.spamhaus.org"},
                    {"detail", "127.0.0.4"}}));
  EXPECT_EQ(Parse(Daemon::kDnsblog,
                  "addr 2001:db8::9 listed by domain bl.example.org as 127.0.0.2")
                .at("client_addr"),
            "2001:db8::9");
}

TEST_F(PostscreenPatternsTest, Tlsproxy) {
  EXPECT_EQ(Parse(Daemon::kTlsproxy, "CONNECT from [192.0.2.1]:41234"),
            (Fields{{"kind", "connect"},
                    {"remote_host", "[192.0.2.1]:41234"},
                    {"client_name", ""},
                    {"client_addr", "192.0.2.1"},
                    {"client_port", "41234"}}));
  EXPECT_EQ(Parse(Daemon::kTlsproxy,
                  "Anonymous TLS connection established from [192.0.2.1]:41234: TLSv1.3 "
                  "with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 "
                  "server-signature RSA-PSS (2048 bits) server-digest SHA256"),
            (Fields{{"kind", "tls_established"},
                    {"tls_level", "Anonymous"},
                    {"remote_host", "[192.0.2.1]:41234"},
                    {"client_name", ""},
                    {"client_addr", "192.0.2.1"},
                    {"client_port", "41234"},
                    {"tls_protocol", "TLSv1.3"},
                    {"tls_cipher", "TLS_AES_256_GCM_SHA384 (256/256 bits)"}}));
  EXPECT_EQ(Parse(Daemon::kTlsproxy, "DISCONNECT [192.0.2.1]:41234").at("kind"),
            "disconnect");
}

TEST_F(PostscreenPatternsTest, AnvilStatistics) {
  EXPECT_EQ(Parse(Daemon::kAnvil,
                  "statistics: max connection rate 1/60s for (smtp:192.0.2.1) at "
                  "Nov 25 17:58:09"),
            (Fields{{"kind", "anvil_statistics"},
                    {"detail", "connection rate"},
                    {"count", "1"},
                    {"remote_host", "smtp:192.0.2.1"},
                    {"client_addr", "192.0.2.1"}}));
  EXPECT_EQ(Parse(Daemon::kAnvil,
                  "statistics: max connection count 2 for (submission:2001:db8::9) at "
                  "Nov 25 17:58:09"),
            (Fields{{"kind", "anvil_statistics"},
                    {"detail", "connection count"},
                    {"count", "2"},
                    {"remote_host", "submission:2001:db8::9"},
                    {"client_addr", "2001:db8::9"}}));
  for (const char* kind : {"message", "recipient", "newtls", "auth"}) {
    const std::string line = absl::StrCat("statistics: max ", kind,
                                          " rate 7/60s for (smtp:192.0.2.1) at Nov 25 17:58:09");
    Event e;
    ASSERT_EQ(TestParser().ParseMessage(Daemon::kAnvil, line, &e), ParseResult::kParsed) << line;
    EXPECT_EQ(e.kind, EventKind::kAnvilStatistics);
    EXPECT_EQ(e.detail, absl::StrCat(kind, " rate"));
    EXPECT_EQ(e.count, 7);
  }
  EXPECT_EQ(Parse(Daemon::kAnvil,
                  "statistics: max connection rate 1/2h for (127.0.0.1:2525:127.0.0.1) at Oct 26 18:13:50"),
            (Fields{{"kind", "anvil_statistics"},
                    {"detail", "connection rate"},
                    {"count", "1"},
                    {"remote_host", "127.0.0.1:2525:127.0.0.1"},
                    {"client_addr", "127.0.0.1"}}));
  EXPECT_EQ(Parse(Daemon::kAnvil, "statistics: max cache size 5 at Nov 25 17:58:09"),
            (Fields{{"kind", "anvil_statistics"}, {"detail", "cache size"}, {"count", "5"}}));
}

}  // namespace
}  // namespace mailgauge::parsers
