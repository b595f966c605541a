// Field extraction for the delivery agents' rows (delivery_patterns.cc):
// local, virtual, smtp, lmtp, pipe, error, discard.
#include <memory>
#include <string_view>

#include "gtest/gtest.h"
#include "parsers/postfix/event.h"
#include "parsers/postfix/event_testing.h"
#include "parsers/postfix/postfix_parser.h"

namespace mailgauge::parsers {
namespace {

// `msg` must be a string literal, so the views stay valid.
Event Parse(Daemon daemon, std::string_view msg) { return ParseEvent(daemon, msg); }

// ---------------------------------------------------------------- smtp ---

TEST(SmtpPatternsTest, SentWithQueuedAs) {
  const Event e = Parse(
      Daemon::kSmtp,
      "4B0C72A1F3: to=<alice@example.org>, relay=mx1.example.org[192.0.2.25]:25, "
      "delay=0.42, delays=0.1/0.01/0.12/0.19, dsn=2.0.0, status=sent (250 2.0.0 Ok: "
      "queued as 4XyZ1L2m3nz9Kq)");
  EXPECT_EQ(EventKind::kDelivery, e.kind);
  EXPECT_EQ(Daemon::kSmtp, e.daemon);
  EXPECT_EQ("4B0C72A1F3", e.queue_id);
  EXPECT_EQ("alice@example.org", e.to);
  EXPECT_EQ("", e.orig_to);
  EXPECT_EQ("mx1.example.org[192.0.2.25]:25", e.relay);
  EXPECT_EQ("", e.conn_use);
  EXPECT_DOUBLE_EQ(0.42, e.delay);
  EXPECT_DOUBLE_EQ(0.1, e.delays.before_qmgr);
  EXPECT_DOUBLE_EQ(0.01, e.delays.in_qmgr);
  EXPECT_DOUBLE_EQ(0.12, e.delays.conn_setup);
  EXPECT_DOUBLE_EQ(0.19, e.delays.transmission);
  EXPECT_EQ("2.0.0", e.dsn);
  EXPECT_EQ("sent", e.status);
  EXPECT_EQ(DeliveryStatus::kSent, e.delivery_status);
  EXPECT_EQ("250 2.0.0 Ok: queued as 4XyZ1L2m3nz9Kq", e.reply);
  EXPECT_EQ(250, e.reply_code);
  EXPECT_EQ("2.0.0", e.enhanced_code);
  EXPECT_EQ("4XyZ1L2m3nz9Kq", e.new_queue_id);
  EXPECT_EQ("", e.tls);
}

TEST(SmtpPatternsTest, SentToEximWithOrigToAndConnUse) {
  const Event e = Parse(
      Daemon::kSmtp,
      "4B0C72A1F3: to=<bob@example.net>, orig_to=<bob@lists.example.com>, "
      "relay=mx.example.net[2001:db8::25]:25, conn_use=3, delay=1.2, "
      "delays=0.02/0/0.51/0.66, dsn=2.0.0, status=sent (250 OK id=1tE4xP-000ABC-2D)");
  EXPECT_EQ("bob@example.net", e.to);
  EXPECT_EQ("bob@lists.example.com", e.orig_to);
  EXPECT_EQ("mx.example.net[2001:db8::25]:25", e.relay);
  EXPECT_EQ("3", e.conn_use);
  EXPECT_DOUBLE_EQ(1.2, e.delay);
  EXPECT_DOUBLE_EQ(0.02, e.delays.before_qmgr);
  EXPECT_DOUBLE_EQ(0, e.delays.in_qmgr);
  EXPECT_DOUBLE_EQ(0.51, e.delays.conn_setup);
  EXPECT_DOUBLE_EQ(0.66, e.delays.transmission);
  // Only "queued as ID" names a downstream queue ID.
  EXPECT_EQ("", e.new_queue_id);
  EXPECT_EQ(250, e.reply_code);
  EXPECT_EQ("", e.enhanced_code);
}

TEST(SmtpPatternsTest, QueuedAsAnyIdWordAndTlsField) {
  const Event e = Parse(
      Daemon::kSmtp,
      "4B0C72A1F3: to=<carol@example.com>, relay=mail.example.com[198.51.100.7]:25, "
      "delay=7203, delays=7200/2.1/0.3/0.6, tls=may, dsn=2.0.0, status=sent (250 2.0.0 "
      "Ok: queued as 1tE4xP-000ABC-2D)");
  EXPECT_EQ("1tE4xP-000ABC-2D", e.new_queue_id);
  EXPECT_EQ("may", e.tls);
  EXPECT_DOUBLE_EQ(7203, e.delay);
  EXPECT_DOUBLE_EQ(7200, e.delays.before_qmgr);
  EXPECT_DOUBLE_EQ(2.1, e.delays.in_qmgr);
}

TEST(SmtpPatternsTest, ContentFilterReinjection) {
  const Event e = Parse(
      Daemon::kSmtp,
      "4B0C72A1F3: to=<dave@example.com>, relay=127.0.0.1[127.0.0.1]:10024, delay=1.9, "
      "delays=0.1/0/0/1.8, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): "
      "250 2.0.0 Ok: queued as 5C1D83B2E4)");
  EXPECT_EQ("5C1D83B2E4", e.new_queue_id);
  EXPECT_EQ("127.0.0.1[127.0.0.1]:10024", e.relay);
}

TEST(SmtpPatternsTest, UnknownFieldsAndComplexTlsStatus) {
  // Fields a later Postfix may add, and a downgraded/violated tls= summary.
  const Event e = Parse(
      Daemon::kSmtp,
      "4B0C72A1F3: to=<erin@example.com>, relay=mx.example.com[203.0.113.9]:25, "
      "conn_use=2, route=primary, delay=0.5, delays=0.1/0/0.2/0.2, tls=!dane:may/requiretls?, "
      "mta_sts=none, dsn=4.7.5, status=deferred (TLS is required, but was not offered by host "
      "mx.example.com[203.0.113.9])");
  EXPECT_EQ("2", e.conn_use);
  EXPECT_EQ("!dane:may/requiretls?", e.tls);
  EXPECT_EQ("4.7.5", e.dsn);
  EXPECT_EQ(DeliveryStatus::kDeferred, e.delivery_status);
  EXPECT_EQ("TLS is required, but was not offered by host mx.example.com[203.0.113.9]",
            e.reply);
}

TEST(SmtpPatternsTest, DeferredHostSaidCarriesRemoteCodes) {
  const Event e = Parse(
      Daemon::kSmtp,
      "4B0C72A1F3: to=<dave@example.com>, relay=mx.example.com[203.0.113.9]:25, delay=3.5, "
      "delays=0.1/0/3.2/0.2, dsn=4.7.1, status=deferred (host mx.example.com[203.0.113.9] "
      "said: 450 4.7.1 <dave@example.com>: Recipient address rejected: Greylisted, see "
      "http://postgrey.schweikert.ch/help/example.com.html (in reply to RCPT TO command))");
  EXPECT_EQ("deferred", e.status);
  EXPECT_EQ(DeliveryStatus::kDeferred, e.delivery_status);
  EXPECT_EQ(450, e.reply_code);
  EXPECT_EQ("4.7.1", e.enhanced_code);
  EXPECT_EQ("", e.new_queue_id);
  EXPECT_EQ(
      "host mx.example.com[203.0.113.9] said: 450 4.7.1 <dave@example.com>: Recipient "
      "address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.com.html "
      "(in reply to RCPT TO command)",
      e.reply);
}

TEST(SmtpPatternsTest, EveryStatusWord) {
  struct Case {
    const char* line;
    const char* status;
    DeliveryStatus expected;
  } cases[] = {
      {"4B0C72A1F3: to=<frank@example.com>, relay=mx.example.com[203.0.113.9]:25, delay=0.9, "
       "delays=0.1/0/0.4/0.4, dsn=5.1.1, status=bounced (host mx.example.com[203.0.113.9] "
       "said: 550 5.1.1 <frank@example.com>: Recipient address rejected: User unknown in "
       "virtual mailbox table (in reply to RCPT TO command))",
       "bounced", DeliveryStatus::kBounced},
      {"4B0C72A1F3: to=<grace@example.com>, relay=none, delay=432000, "
       "delays=431990/10/0/0, dsn=4.4.1, status=expired (connect to "
       "mx.example.com[203.0.113.9]:25: Connection refused)",
       "expired", DeliveryStatus::kExpired},
      {"4B0C72A1F3: to=<heidi@example.com>, relay=mx.example.com[203.0.113.9]:25, delay=1.1, "
       "delays=0/0/0.6/0.5, dsn=2.1.5, status=deliverable (250 2.1.5 Ok)",
       "deliverable", DeliveryStatus::kDeliverable},
      {"4B0C72A1F3: to=<ivan@example.com>, relay=mx.example.com[203.0.113.9]:25, delay=1.1, "
       "delays=0/0/0.6/0.5, dsn=5.1.1, status=undeliverable (host "
       "mx.example.com[203.0.113.9] said: 550 5.1.1 No such user (in reply to RCPT TO "
       "command))",
       "undeliverable", DeliveryStatus::kUndeliverable},
      // soft_bounce = yes (real Postfix 3.7, testdata/report/logs/soft_bounce_real.log):
      // the recipient stays queued, a deferral
      {"B788012C0F8: to=<reject-sb@remote.test>, relay=127.0.0.1[127.0.0.1]:2525, delay=0.12, "
       "delays=0.01/0.01/0.09/0, dsn=4.1.1, status=SOFTBOUNCE (host 127.0.0.1[127.0.0.1] said: "
       "550 5.1.1 <reject-sb@remote.test>: Recipient address rejected: User unknown (in reply "
       "to RCPT TO command))",
       "SOFTBOUNCE", DeliveryStatus::kDeferred},
      {"4B0C72A1F3: to=<kim@example.com>, relay=none, delay=0.03, delays=0.02/0/0.01/0, "
       "dsn=5.1.1, status=undeliverable-but-not-cached (unknown user: \"kim\")",
       "undeliverable-but-not-cached", DeliveryStatus::kOther},
  };
  for (const Case& c : cases) {
    const Event e = Parse(Daemon::kSmtp, c.line);
    EXPECT_EQ(EventKind::kDelivery, e.kind) << c.line;
    EXPECT_EQ(c.status, e.status) << c.line;
    EXPECT_EQ(c.expected, e.delivery_status) << c.line;
  }
}

TEST(SmtpPatternsTest, QuotedRecipientWithSpacesAndAngle) {
  const Event e = Parse(
      Daemon::kSmtp,
      "4B0C72A1F3: to=<\"john >, relay=x\"@example.com>, orig_to=<\"j smith\"@example.com>, "
      "relay=mx.example.com[203.0.113.9]:25, delay=0.12, delays=0.1/0/0/0.01, dsn=2.0.0, "
      "status=sent (250 Ok)");
  EXPECT_EQ("\"john >, relay=x\"@example.com", e.to);
  EXPECT_EQ("\"j smith\"@example.com", e.orig_to);
  EXPECT_EQ("mx.example.com[203.0.113.9]:25", e.relay);
}

TEST(SmtpPatternsTest, NullRecipientAndOldFormatWithoutDelaysOrDsn) {
  const Event e = Parse(Daemon::kSmtp,
                        "4B0C72A1F3: to=<>, relay=mx.example.com[203.0.113.9], delay=2, "
                        "status=sent (250 Ok)");
  EXPECT_EQ(EventKind::kDelivery, e.kind);
  EXPECT_EQ("", e.to);
  EXPECT_DOUBLE_EQ(2, e.delay);
  EXPECT_DOUBLE_EQ(-1, e.delays.before_qmgr);
  EXPECT_EQ("", e.dsn);
  EXPECT_EQ(DeliveryStatus::kSent, e.delivery_status);
}

TEST(SmtpPatternsTest, LongQueueIdAndHighResolutionDelays) {
  const Event e = Parse(Daemon::kSmtp,
                        "4Hs2Kx0hQ5z8Cw: to=<a@example.com>, relay=mx.example.com[203.0.113.9]:25, "
                        "delay=0.00012, delays=0.00005/0.00001/0/0.00006, dsn=2.0.0, "
                        "status=sent (250 Ok)");
  EXPECT_EQ("4Hs2Kx0hQ5z8Cw", e.queue_id);
  EXPECT_DOUBLE_EQ(0.00012, e.delay);
  EXPECT_DOUBLE_EQ(0.00005, e.delays.before_qmgr);
  EXPECT_DOUBLE_EQ(0.00006, e.delays.transmission);
}

TEST(SmtpPatternsTest, LineTruncatedBySyslog) {
  const Event e = Parse(Daemon::kSmtp,
                        "4B0C72A1F3: to=<a@example.com>, relay=mx.example.com[203.0.113.9]:25, "
                        "delay=1, delays=0/0/0.5/0.5, dsn=5.7.1, status=bounced (host "
                        "mx.example.com[203.0.113.9] said: 550 5.7.1 This message was blocked "
                        "because its content presents a potential se");
  EXPECT_EQ(EventKind::kDelivery, e.kind);
  EXPECT_EQ(DeliveryStatus::kBounced, e.delivery_status);
  EXPECT_EQ(550, e.reply_code);
  EXPECT_EQ("5.7.1", e.enhanced_code);
  EXPECT_EQ(
      "host mx.example.com[203.0.113.9] said: 550 5.7.1 This message was blocked because its "
      "content presents a potential se",
      e.reply);
}

TEST(SmtpPatternsTest, ConnectFailed) {
  Event e = Parse(Daemon::kSmtp, "connect to mx1.example.org[192.0.2.25]:25: Connection refused");
  EXPECT_EQ(EventKind::kSmtpConnectFailed, e.kind);
  EXPECT_EQ("", e.queue_id);
  EXPECT_EQ("mx1.example.org[192.0.2.25]:25", e.remote_host);
  EXPECT_EQ("Connection refused", e.detail);
  EXPECT_EQ("connect to mx1.example.org[192.0.2.25]:25: Connection refused", e.reply);

  e = Parse(Daemon::kSmtp, "connect to mx2.example.org[2001:db8::25]:25: No route to host");
  EXPECT_EQ("mx2.example.org[2001:db8::25]:25", e.remote_host);
  EXPECT_EQ("No route to host", e.detail);

  e = Parse(Daemon::kSmtp,
            "connect to mx3.example.org[198.51.100.3]:25: Connection timed out");
  EXPECT_EQ("Connection timed out", e.detail);
}

TEST(SmtpPatternsTest, HostSaid) {
  const Event e = Parse(
      Daemon::kSmtp,
      "4B0C72A1F3: host mx1.example.org[192.0.2.25] said: 450 4.2.0 <alice@example.org>: "
      "Recipient address rejected: Greylisted (in reply to RCPT TO command)");
  EXPECT_EQ(EventKind::kSmtpHostSaid, e.kind);
  EXPECT_EQ("4B0C72A1F3", e.queue_id);
  EXPECT_EQ("mx1.example.org[192.0.2.25]", e.remote_host);
  EXPECT_EQ("450 4.2.0 <alice@example.org>: Recipient address rejected: Greylisted", e.reply);
  EXPECT_EQ(450, e.reply_code);
  EXPECT_EQ("4.2.0", e.enhanced_code);
  EXPECT_EQ("RCPT TO", e.last_command);

  const Event d = Parse(Daemon::kSmtp,
                        "4B0C72A1F3: host mx1.example.org[192.0.2.25] said: 421 4.7.0 Try again "
                        "later, closing connection. (in reply to end of DATA command)");
  EXPECT_EQ("end of DATA", d.last_command);
  EXPECT_EQ(421, d.reply_code);
}

TEST(SmtpPatternsTest, RefusedToTalk) {
  const Event e = Parse(Daemon::kSmtp,
                        "4B0C72A1F3: host mx1.example.org[192.0.2.25] refused to talk to me: "
                        "554 5.7.1 Service unavailable; Client host [198.51.100.1] blocked "
                        "using zen.spamhaus.org");
  EXPECT_EQ(EventKind::kSmtpHostSaid, e.kind);
  EXPECT_EQ(554, e.reply_code);
  EXPECT_EQ("5.7.1", e.enhanced_code);
  EXPECT_EQ("mx1.example.org[192.0.2.25]", e.remote_host);
}

TEST(SmtpPatternsTest, LostConnectionAndTimeout) {
  Event e = Parse(Daemon::kSmtp,
                  "4B0C72A1F3: lost connection with mx1.example.org[192.0.2.25] while "
                  "receiving the initial server greeting");
  EXPECT_EQ(EventKind::kSmtpLostConnection, e.kind);
  EXPECT_EQ("4B0C72A1F3", e.queue_id);
  EXPECT_EQ("mx1.example.org[192.0.2.25]", e.remote_host);
  EXPECT_EQ("receiving the initial server greeting", e.detail);
  EXPECT_EQ(
      "lost connection with mx1.example.org[192.0.2.25] while receiving the initial server "
      "greeting",
      e.reply);

  e = Parse(Daemon::kSmtp,
            "4B0C72A1F3: conversation with mx1.example.org[192.0.2.25] timed out while "
            "sending message body");
  EXPECT_EQ(EventKind::kSmtpConversation, e.kind);
  EXPECT_EQ("mx1.example.org[192.0.2.25]", e.remote_host);
  EXPECT_EQ("sending message body", e.detail);
}

TEST(SmtpPatternsTest, TlsEstablished) {
  Event e = Parse(Daemon::kSmtp,
                  "Untrusted TLS connection established to mx1.example.org[192.0.2.25]:25: "
                  "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange "
                  "X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256");
  EXPECT_EQ(EventKind::kTlsEstablished, e.kind);
  EXPECT_EQ("Untrusted", e.tls_level);
  EXPECT_EQ("mx1.example.org[192.0.2.25]:25", e.remote_host);
  EXPECT_EQ("TLSv1.3", e.tls_protocol);
  EXPECT_EQ("TLS_AES_256_GCM_SHA384 (256/256 bits)", e.tls_cipher);
  EXPECT_EQ("key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256",
            e.detail);

  e = Parse(Daemon::kSmtp,
            "Verified TLS connection established to mx.example.net[2001:db8::25]:25: TLSv1.2 "
            "with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)");
  EXPECT_EQ("Verified", e.tls_level);
  EXPECT_EQ("mx.example.net[2001:db8::25]:25", e.remote_host);
  EXPECT_EQ("TLSv1.2", e.tls_protocol);
  EXPECT_EQ("ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)", e.tls_cipher);
  EXPECT_EQ("", e.detail);
}

TEST(SmtpPatternsTest, TlsFailures) {
  Event e = Parse(Daemon::kSmtp, "SSL_connect error to mx1.example.org[192.0.2.25]:25: -1");
  EXPECT_EQ(EventKind::kSmtpConversation, e.kind);
  EXPECT_EQ("mx1.example.org[192.0.2.25]:25", e.remote_host);
  EXPECT_EQ("-1", e.detail);

  e = Parse(Daemon::kSmtp,
            "server certificate verification failed for mx1.example.org[192.0.2.25]:25: "
            "num=10:certificate has expired");
  EXPECT_EQ(EventKind::kSmtpConversation, e.kind);
  EXPECT_EQ("mx1.example.org[192.0.2.25]:25", e.remote_host);
  EXPECT_EQ("num=10:certificate has expired", e.detail);

  e = Parse(Daemon::kSmtp,
            "certificate verification failed for mx1.example.org[192.0.2.25]:25: untrusted "
            "issuer /C=US/O=Example CA/CN=Example Root");
  EXPECT_EQ("untrusted issuer /C=US/O=Example CA/CN=Example Root", e.detail);

  e = Parse(Daemon::kSmtp, "4B0C72A1F3: Server certificate not verified");
  EXPECT_EQ(EventKind::kSmtpConversation, e.kind);
  EXPECT_EQ("4B0C72A1F3", e.queue_id);
  EXPECT_EQ("Server certificate not verified", e.reply);
}

TEST(SmtpPatternsTest, OtherConversationLines) {
  Event e = Parse(Daemon::kSmtp, "4B0C72A1F3: mail for example.org loops back to myself");
  EXPECT_EQ(EventKind::kSmtpConversation, e.kind);
  EXPECT_EQ("example.org", e.detail);

  e = Parse(Daemon::kSmtp,
            "4B0C72A1F3: message size 31457280 exceeds size limit 26214400 of server "
            "mx1.example.org[192.0.2.25]");
  EXPECT_EQ(31457280, e.size);
  EXPECT_EQ("mx1.example.org[192.0.2.25]", e.remote_host);

  e = Parse(Daemon::kSmtp,
            "4B0C72A1F3: enabling PIX workarounds: disable_esmtp delay_dotcrlf for "
            "mx1.example.org[192.0.2.25]:25");
  EXPECT_EQ(EventKind::kNotice, e.kind);
  EXPECT_EQ("disable_esmtp delay_dotcrlf", e.detail);
  EXPECT_EQ("mx1.example.org[192.0.2.25]:25", e.remote_host);

  e = Parse(Daemon::kSmtp, "4B0C72A1F3: breaking line > 998 bytes with <CR><LF>SPACE");
  EXPECT_EQ(EventKind::kNotice, e.kind);
  EXPECT_EQ(998, e.count);

  e = Parse(Daemon::kSmtp, "4B0C72A1F3: local data error while talking to mx1.example.org[192.0.2.25]");
  EXPECT_EQ("mx1.example.org[192.0.2.25]", e.remote_host);

  e = Parse(Daemon::kSmtp,
            "4B0C72A1F3: Host or domain name not found. Name service error for "
            "name=mx.example.invalid type=A: Host not found");
  EXPECT_EQ(EventKind::kSmtpConversation, e.kind);
  EXPECT_EQ("4B0C72A1F3", e.queue_id);
}

TEST(SmtpPatternsTest, Warnings) {
  Event e = Parse(Daemon::kSmtp,
                  "warning: host mx1.example.org[192.0.2.25]:25 greeted me with my own "
                  "hostname mail.example.com");
  EXPECT_EQ(EventKind::kWarning, e.kind);
  EXPECT_EQ("mx1.example.org[192.0.2.25]:25", e.remote_host);

  e = Parse(Daemon::kSmtp,
            "warning: host 127.0.0.1[127.0.0.1]:10024 said: 501 5.5.4 Syntax error (in reply "
            "to XFORWARD name/address command)");
  EXPECT_EQ(EventKind::kSmtpHostSaid, e.kind);
  EXPECT_EQ(501, e.reply_code);
  EXPECT_EQ("XFORWARD name/address", e.last_command);

  // Generic warnings fall to the common fallback row.
  e = Parse(Daemon::kSmtp, "warning: no MX host for example.org has a valid address record");
  EXPECT_EQ(EventKind::kWarning, e.kind);
  EXPECT_EQ("no MX host for example.org has a valid address record", e.detail);
}

TEST(SmtpPatternsTest, TableChanged) {
  const Event e = Parse(Daemon::kSmtp,
                        "table hash:/etc/postfix/transport has changed -- restarting");
  EXPECT_EQ(EventKind::kNotice, e.kind);
  EXPECT_EQ("table hash:/etc/postfix/transport has changed -- restarting", e.detail);
}

// ---------------------------------------------------------------- lmtp ---

TEST(LmtpPatternsTest, DeliveryToDovecot) {
  const Event e = Parse(
      Daemon::kLmtp,
      "4B0C72A1F3: to=<alice@example.com>, relay=mail.example.com[private/dovecot-lmtp], "
      "delay=0.05, delays=0.02/0/0.01/0.02, dsn=2.0.0, status=sent (250 2.0.0 "
      "<alice@example.com> dXNlcjE3 Saved)");
  EXPECT_EQ(EventKind::kDelivery, e.kind);
  EXPECT_EQ(Daemon::kLmtp, e.daemon);
  EXPECT_EQ("mail.example.com[private/dovecot-lmtp]", e.relay);
  EXPECT_EQ(250, e.reply_code);
  EXPECT_DOUBLE_EQ(0.02, e.delays.transmission);
}

TEST(LmtpPatternsTest, OverQuotaDeferral) {
  const Event e = Parse(
      Daemon::kLmtp,
      "4B0C72A1F3: to=<bob@example.com>, orig_to=<postmaster@example.com>, "
      "relay=127.0.0.1[127.0.0.1]:24, delay=0.11, delays=0.05/0.01/0.02/0.03, dsn=4.2.2, "
      "status=deferred (host 127.0.0.1[127.0.0.1] said: 452 4.2.2 <bob@example.com> Quota "
      "exceeded (mailbox for user is full) (in reply to end of DATA command))");
  EXPECT_EQ("postmaster@example.com", e.orig_to);
  EXPECT_EQ(452, e.reply_code);
  EXPECT_EQ("4.2.2", e.enhanced_code);
  EXPECT_EQ("4.2.2", e.dsn);
}

TEST(LmtpPatternsTest, ConnectToUnixSocketFailed) {
  const Event e =
      Parse(Daemon::kLmtp,
            "connect to mail.example.com[private/dovecot-lmtp]: No such file or directory");
  EXPECT_EQ(EventKind::kSmtpConnectFailed, e.kind);
  EXPECT_EQ("mail.example.com[private/dovecot-lmtp]", e.remote_host);
  EXPECT_EQ("No such file or directory", e.detail);
}

// --------------------------------------------------------------- local ---

TEST(LocalPatternsTest, DeliveredToMailboxMaildirCommandFile) {
  struct Case {
    const char* line;
    const char* reply;
  } cases[] = {
      {"4B0C72A1F3: to=<alice@mail.example.com>, relay=local, delay=0.02, "
       "delays=0.01/0/0/0.01, dsn=2.0.0, status=sent (delivered to mailbox)",
       "delivered to mailbox"},
      {"4B0C72A1F3: to=<bob@mail.example.com>, orig_to=<postmaster@mail.example.com>, "
       "relay=local, delay=0.03, delays=0.01/0.01/0/0.01, dsn=2.0.0, status=sent (delivered "
       "to maildir)",
       "delivered to maildir"},
      {"4B0C72A1F3: to=<carol@mail.example.com>, relay=local, delay=0.31, "
       "delays=0.01/0/0/0.3, dsn=2.0.0, status=sent (delivered to command: /usr/bin/procmail)",
       "delivered to command: /usr/bin/procmail"},
      {"4B0C72A1F3: to=<dave@mail.example.com>, orig_to=<archive@mail.example.com>, "
       "relay=local, delay=0.01, delays=0/0/0/0.01, dsn=2.0.0, status=sent (delivered to "
       "file: /var/mail/archive/all)",
       "delivered to file: /var/mail/archive/all"},
  };
  for (const Case& c : cases) {
    const Event e = Parse(Daemon::kLocal, c.line);
    EXPECT_EQ(EventKind::kDelivery, e.kind);
    EXPECT_EQ(Daemon::kLocal, e.daemon);
    EXPECT_EQ("local", e.relay);
    EXPECT_EQ(c.reply, e.reply);
    EXPECT_EQ(DeliveryStatus::kSent, e.delivery_status);
    EXPECT_EQ(-1, e.reply_code);
    EXPECT_EQ("", e.enhanced_code);
    EXPECT_EQ("", e.new_queue_id);
  }
}

TEST(LocalPatternsTest, ForwardedAs) {
  const Event e = Parse(
      Daemon::kLocal,
      "4B0C72A1F3: to=<erin@example.net>, orig_to=<erin@mail.example.com>, relay=local, "
      "delay=0.05, delays=0.01/0/0/0.04, dsn=2.0.0, status=sent (forwarded as 7D1E23F0A9)");
  EXPECT_EQ("erin@example.net", e.to);
  EXPECT_EQ("erin@mail.example.com", e.orig_to);
  EXPECT_EQ("7D1E23F0A9", e.new_queue_id);
  EXPECT_EQ("forwarded as 7D1E23F0A9", e.reply);
}

TEST(LocalPatternsTest, BouncedAndDeferred) {
  Event e = Parse(Daemon::kLocal,
                  "4B0C72A1F3: to=<nosuch@mail.example.com>, relay=local, delay=0.01, "
                  "delays=0/0/0/0, dsn=5.1.1, status=bounced (unknown user: \"nosuch\")");
  EXPECT_EQ(DeliveryStatus::kBounced, e.delivery_status);
  EXPECT_EQ("5.1.1", e.dsn);
  EXPECT_EQ("unknown user: \"nosuch\"", e.reply);
  EXPECT_DOUBLE_EQ(0, e.delays.transmission);

  e = Parse(Daemon::kLocal,
            "4B0C72A1F3: to=<grace@mail.example.com>, relay=local, delay=3602, "
            "delays=3600/2/0/0.12, dsn=4.3.0, status=deferred (temporary failure. Command "
            "output: procmail: Quota exceeded while writing \"/var/mail/grace\")");
  EXPECT_EQ(DeliveryStatus::kDeferred, e.delivery_status);
  EXPECT_DOUBLE_EQ(3602, e.delay);
  EXPECT_DOUBLE_EQ(3600, e.delays.before_qmgr);
  EXPECT_DOUBLE_EQ(2, e.delays.in_qmgr);
}

// ------------------------------------------------------------- virtual ---

TEST(VirtualPatternsTest, DeliveredToMaildirAndOverQuota) {
  Event e = Parse(Daemon::kVirtual,
                  "4B0C72A1F3: to=<alice@example.com>, relay=virtual, delay=0.08, "
                  "delays=0.06/0.01/0/0.01, dsn=2.0.0, status=sent (delivered to maildir)");
  EXPECT_EQ(EventKind::kDelivery, e.kind);
  EXPECT_EQ("virtual", e.relay);
  EXPECT_EQ("delivered to maildir", e.reply);

  e = Parse(Daemon::kVirtual,
            "4B0C72A1F3: to=<carol@example.com>, relay=virtual, delay=0.02, "
            "delays=0.01/0/0/0.01, dsn=5.2.2, status=bounced (cannot update mailbox "
            "/var/mail/vhosts/example.com/carol for user carol. error writing message: File "
            "too large)");
  EXPECT_EQ(DeliveryStatus::kBounced, e.delivery_status);
  EXPECT_EQ("5.2.2", e.dsn);
}

// ------------------------------------------------- pipe, error, discard ---

TEST(PipePatternsTest, DeliveredViaService) {
  const Event e = Parse(Daemon::kPipe,
                        "4B0C72A1F3: to=<alice@example.com>, relay=dovecot, delay=0.1, "
                        "delays=0.05/0/0/0.05, dsn=2.0.0, status=sent (delivered via dovecot "
                        "service)");
  EXPECT_EQ(EventKind::kDelivery, e.kind);
  EXPECT_EQ(Daemon::kPipe, e.daemon);
  EXPECT_EQ("dovecot", e.relay);
  EXPECT_EQ("delivered via dovecot service", e.reply);
}

TEST(ErrorPatternsTest, UserUnknownAndRetry) {
  Event e = Parse(Daemon::kError,
                  "4B0C72A1F3: to=<olduser@example.com>, relay=none, delay=0.02, "
                  "delays=0.01/0/0/0.01, dsn=5.0.0, status=bounced (user unknown)");
  EXPECT_EQ(EventKind::kDelivery, e.kind);
  EXPECT_EQ("none", e.relay);
  EXPECT_EQ("user unknown", e.reply);
  EXPECT_EQ(DeliveryStatus::kBounced, e.delivery_status);

  // The retry(8) agent logs as "retry", which is the error daemon.
  Event r;
  ASSERT_EQ(ParseResult::kParsed,
            TestParser().ParseMessage(
                DaemonFromName("retry"),
                "4B0C72A1F3: to=<alice@example.org>, relay=none, delay=3600, "
                "delays=3599/1/0/0, dsn=4.4.1, status=deferred (delivery temporarily "
                "suspended: connect to mx.example.org[192.0.2.25]:25: Connection refused)",
                &r));
  EXPECT_EQ(EventKind::kDelivery, r.kind);
  EXPECT_EQ(DeliveryStatus::kDeferred, r.delivery_status);
}

TEST(DiscardPatternsTest, Discarded) {
  const Event e = Parse(Daemon::kDiscard,
                        "4B0C72A1F3: to=<bob@example.com>, orig_to=<spamtrap@example.com>, "
                        "relay=none, delay=0.3, delays=0.29/0/0/0.01, dsn=2.0.0, status=sent "
                        "(spam trap)");
  EXPECT_EQ(EventKind::kDelivery, e.kind);
  EXPECT_EQ("spamtrap@example.com", e.orig_to);
  EXPECT_EQ("spam trap", e.reply);
  EXPECT_DOUBLE_EQ(0.29, e.delays.before_qmgr);
}

TEST(DeliveryPatternsTest, NotADeliveryLine) {
  Event e;
  EXPECT_EQ(ParseResult::kUnparsed,
            TestParser().ParseMessage(Daemon::kSmtp, "4B0C72A1F3: to=<a@b>, relay=x", &e));
  EXPECT_EQ(ParseResult::kUnparsed,
            TestParser().ParseMessage(Daemon::kLocal,
                                  "4B0C72A1F3: to=<a@b>, relay=local, delay=abc, "
                                  "delays=0/0/0/0, dsn=2.0.0, status=sent (x)",
                                  &e));
  EXPECT_EQ(ParseResult::kUnparsed, TestParser().ParseMessage(Daemon::kLocal, "", &e));
}

}  // namespace
}  // namespace mailgauge::parsers
