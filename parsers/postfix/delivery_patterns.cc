// Pattern rows for the delivery agents: local, virtual, smtp, lmtp, pipe,
// error (also "retry") and discard (see patterns.h).
//
// Every agent writes the same delivery line, formatted by Postfix's
// src/global/log_adhoc.c:
//
//   QID: to=<r>, [orig_to=<o>, ]relay=R, [conn_use=N, ]delay=D,
//        delays=a/b/c/d, [tls=FEATURES, ]dsn=X.Y.Z, status=WORD (text)
//
// Delays are printed by format_tv() with two significant digits and
// integral seconds for large values ("0.12", "5", "1234"). `tls=` (Postfix
// 3.11+, pol_stats_format(): "may", "!dane:may", "verify/requiretls?") sits
// between delays and dsn. The row also accepts any other lower-case `name=`
// field before delay= or dsn=, so a field a later Postfix adds does not
// break it, and lines of Postfix < 2.3 without delays=/dsn=. Status words:
// sent, deferred, bounced, expired, SOFTBOUNCE (soft_bounce = yes),
// deliverable, undeliverable, undeliverable-but-not-cached (address probes)
// and trace actions (delivered, relayed, expanded, failed, delayed).
//
// A line cut short by syslog (no closing parenthesis) still parses, with
// `reply` up to the cut.
//
// From the text in parentheses: `reply`; the remote reply code and enhanced
// code when it reads "host X said: 550 5.1.1 ..."; `new_queue_id` when it
// ends with "queued as ID" (any MTA's ID word, e.g. Exim's
// "1tE4xP-000ABC-2D") or local's "forwarded as QID".
//
// The smtp and lmtp client's other lines come from src/smtp/smtp_connect.c,
// smtp_proto.c, smtp_trouble.c, smtp_addr.c and src/tls/tls_misc.c,
// tls_client.c, tls_verify.c. Lines about one message that are not final
// ("QID: host X said: ...", "QID: lost connection with X while ...") are
// logged when Postfix moves on to the next MX host.
#include "parsers/postfix/patterns.h"
#include "parsers/postfix/queue_id.h"

namespace mailgauge::parsers {
namespace internal {

// Shared with qmgr_patterns.cc (qmgr logs deferrals in the same format).
extern const char kDeliveryLineRegex[];
const char kDeliveryLineRegex[] =
    "^" MAILGAUGE_QID
    R"(: to=<(?P<to>.*?)>, (?:orig_to=<(?P<orig_to>.*?)>, )?)"
    R"(relay=(?P<relay>[^,<>"\s]*)(?:, conn_use=(?P<conn_use>\d+))?)"
    R"((?:, [a-z][a-z_]*=[^,<>"\s]*)*?)"
    R"(, delay=(?P<delay>\d+(?:\.\d+)?))"
    R"((?:, delays=(?P<delays>\d+(?:\.\d+)?/\d+(?:\.\d+)?/\d+(?:\.\d+)?/\d+(?:\.\d+)?))?)"
    R"((?:, tls=(?P<tls>[^,\s]*))?)"
    R"((?:, [a-z][a-z_]*=[^,<>"\s]*)*?)"
    R"((?:, dsn=(?P<dsn>[245]\.\d{1,3}\.\d{1,3}))?)"
    R"(, status=(?P<status>[A-Za-z][A-Za-z-]*) )"
    R"(\((?P<reply>(?:host \S+ said: (?P<reply_code>[245]\d\d)[ -])"
    R"((?:(?P<enhanced_code>[245]\.\d{1,3}\.\d{1,3}) )?)?)"
    R"(.*?(?:(?:queued|forwarded) as (?P<new_queue_id>[^\s)]+))?)\)?$)";

}  // namespace internal

namespace {

using internal::kDeliveryLineRegex;

// --- the smtp/lmtp client (one binary; the two tables differ in samples) ---

// smtp_connect.c: "connect to %s[%s]:%d: %m", logged without a queue ID when
// Postfix tries the next address (with one by smtp_bulk_fail()).
#define MG_CONNECT_FAILED \
  "^(?:" MAILGAUGE_QID ": )?" \
  R"((?P<reply>connect to (?P<remote_host>\S+?): (?P<detail>.*))$)"
// smtp_proto.c: "host %s said: %s (in reply to %s)".
#define MG_HOST_SAID \
  "^" MAILGAUGE_QID \
  R"(: host (?P<remote_host>\S+) said: (?P<reply>.*) )" \
  R"(\(in reply to (?P<last_command>.+?)(?: command)?\)$)"
// smtp_proto.c: "host %s refused to talk to me: %s" (bad greeting/EHLO).
#define MG_REFUSED_TO_TALK \
  "^" MAILGAUGE_QID \
  R"(: host (?P<remote_host>\S+) refused to talk to me: (?P<reply>.*)$)"
// smtp_trouble.c: "lost connection with %s while %s".
#define MG_LOST_CONNECTION \
  "^" MAILGAUGE_QID \
  R"(: (?P<reply>lost connection with (?P<remote_host>\S+) while (?P<detail>.*))$)"
// smtp_trouble.c: "conversation with %s timed out while %s".
#define MG_TIMED_OUT \
  "^" MAILGAUGE_QID \
  R"(: (?P<reply>conversation with (?P<remote_host>\S+) timed out while (?P<detail>.*))$)"
// smtp_trouble.c: "local data error while talking to %s".
#define MG_LOCAL_DATA_ERROR \
  "^" MAILGAUGE_QID \
  R"(: (?P<reply>local data error while talking to (?P<remote_host>\S+))$)"
// smtp_proto.c / smtp_connect.c / smtp_tls_policy.c TLS failures.
#define MG_TLS_FAILURE                                                       \
  "^" MAILGAUGE_QID                                                          \
  R"(: (?P<reply>(?:TLS is required, but|Cannot start TLS|Server certificate not verified)" \
  R"(|Sender requested REQUIRETLS|REQUIRETLS policy configuration error)"      \
  R"(|client TLS configuration problem|TLSA lookup error).*)$)"
// smtp_addr.c / smtp_proto.c: "mail for %s loops back to myself".
#define MG_LOOPS_BACK \
  "^" MAILGAUGE_QID \
  R"(: (?P<reply>mail for (?P<detail>\S+) loops back to myself)$)"
// smtp_proto.c: "message size %lu exceeds size limit %.0f of server %s".
#define MG_SIZE_LIMIT \
  "^" MAILGAUGE_QID \
  R"(: (?P<reply>message size (?P<size>\d+) exceeds size limit \d+ of server (?P<remote_host>\S+))$)"
// smtp_sasl_glue.c / smtp_sasl_proto.c.
#define MG_SASL_FAILED \
  "^" MAILGAUGE_QID \
  R"(: (?P<reply>SASL (?:\[CACHED\] )?authentication failed[;:] .*)$)"
// DNS (src/dns/dns_lookup.c, smtp_addr.c) and other reasons for skipping a
// host or a destination.
#define MG_OTHER_REASON                                                      \
  "^" MAILGAUGE_QID                                                          \
  R"(: (?P<reply>(?:Host or domain name not found|Name service error)"        \
  R"(|Domain \S+ does not accept mail|unable to find primary relay for)"      \
  R"(|\S+: host not found|Protocol error: |unexpected server message)"        \
  R"(|unreadable mail queue entry|server unavailable or unable to receive mail)" \
  R"(|network address conversion failed|[Ss]erver configuration error)"       \
  R"(|all network protocols are disabled|message requires SMTPUTF8)"          \
  R"(|Temporary lookup error).*)$)"
// tls_misc.c tls_log_summary().
#define MG_TLS_ESTABLISHED                                                   \
  R"(^(?P<tls_level>Anonymous|Untrusted|Trusted|Verified) TLS connection )"   \
  R"((?:established|reused) to (?P<remote_host>\S+): (?P<tls_protocol>\S+) )" \
  R"(with cipher (?P<tls_cipher>\S+ \(\d+/\d+ bits\))(?: (?P<detail>.+))?$)"
// tls_client.c.
#define MG_SSL_CONNECT_ERROR \
  R"(^(?P<reply>SSL_connect error to (?P<remote_host>\S+): (?P<detail>.*))$)"
// tls_verify.c / tls_dane.c.
#define MG_CERT_VERIFY_FAILED                                                \
  R"(^(?P<reply>(?:(?:server|client) )?certificate verification failed for )" \
  R"((?P<remote_host>[^\s\[]*\[[^\]]*\](?::\d+)?)(?::\S+)?: (?P<detail>.*))$)"
// smtp_proto.c informational notes (kNotice: not errors).
#define MG_PIX_WORKAROUNDS                                                   \
  "^" MAILGAUGE_QID                                                          \
  R"(: enabling PIX (?:workarounds: (?P<detail>.*?)|<CRLF>\.<CRLF> workaround))" \
  R"( for (?P<remote_host>\S+)$)"
#define MG_BREAKING_LINE \
  "^" MAILGAUGE_QID R"(: breaking line > (?P<count>\d+) bytes with <CR><LF>SPACE$)"
// smtp_header_checks/smtp_body_checks actions (smtp_proto.c's
// smtp_hbc_logger; IGNORE logs nothing, WARN is a warning line).
#define MG_HBC_ACTION                                                       \
  "^" MAILGAUGE_QID                                                         \
  R"(: (?P<action>replace|prepend|strip|info): (?P<detail>(?:header|body|mime header|nested header) .*)$)"
#define MG_SMTPUTF8_NOTE \
  R"(^host (?P<remote_host>\S+) offers SMTPUTF8 support, but not 8BITMIME$)"
// Warnings worth a specific row: they name the remote host.
#define MG_WARN_OWN_HOSTNAME                                                 \
  R"(^warning: (?P<detail>host (?P<remote_host>\S+) )"                        \
  R"((?:greeted me|replied to HELO/EHLO) with my own hostname \S+)$)"
#define MG_WARN_HOST_SAID                                                    \
  R"(^warning: host (?P<remote_host>\S+) said: (?P<reply>.*) )"               \
  R"(\(in reply to (?P<last_command>.+?)(?: command)?\)$)"

const Pattern kSmtpPatterns[] = {
    {EventKind::kDelivery, kDeliveryLineRegex,
     {"4B0C72A1F3: to=<alice@example.org>, relay=mx1.example.org[192.0.2.25]:25, delay=0.42, delays=0.1/0.01/0.12/0.19, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4XyZ1L2m3nz9Kq)",
      "4B0C72A1F3: to=<bob@example.net>, orig_to=<bob@lists.example.com>, relay=mx.example.net[2001:db8::25]:25, conn_use=3, delay=1.2, delays=0.02/0/0.51/0.66, dsn=2.0.0, status=sent (250 OK id=1tE4xP-000ABC-2D)",
      "4B0C72A1F3: to=<carol@example.com>, relay=mail.example.com[198.51.100.7]:25, delay=7203, delays=7200/2.1/0.3/0.6, tls=may, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 1tE4xP-000ABC-2D)",
      "4B0C72A1F3: to=<dave@example.com>, relay=mx.example.com[203.0.113.9]:25, delay=3.5, delays=0.1/0/3.2/0.2, dsn=4.7.1, status=deferred (host mx.example.com[203.0.113.9] said: 450 4.7.1 <dave@example.com>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.com.html (in reply to RCPT TO command))",
      "4B0C72A1F3: to=<eve@example.com>, relay=none, delay=30, delays=0.01/0/30/0, dsn=4.4.1, status=deferred (connect to mx.example.com[203.0.113.9]:25: Connection timed out)",
      "4B0C72A1F3: to=<frank@example.com>, relay=mx.example.com[203.0.113.9]:25, delay=0.9, delays=0.1/0/0.4/0.4, dsn=5.1.1, status=bounced (host mx.example.com[203.0.113.9] said: 550 5.1.1 <frank@example.com>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command))",
      "4B0C72A1F3: to=<grace@example.com>, relay=none, delay=432000, delays=431990/10/0/0, dsn=4.4.1, status=expired (connect to mx.example.com[203.0.113.9]:25: Connection refused)",
      "4B0C72A1F3: to=<heidi@example.com>, relay=mx.example.com[203.0.113.9]:25, delay=1.1, delays=0/0/0.6/0.5, dsn=2.1.5, status=deliverable (250 2.1.5 Ok)",
      "4B0C72A1F3: to=<ivan@example.com>, relay=mx.example.com[203.0.113.9]:25, delay=1.1, delays=0/0/0.6/0.5, dsn=5.1.1, status=undeliverable (host mx.example.com[203.0.113.9] said: 550 5.1.1 No such user (in reply to RCPT TO command))",
      "4B0C72A1F3: to=<\"judy smith\"@example.com>, relay=none, delay=0.03, delays=0.02/0/0.01/0, dsn=4.4.3, status=SOFTBOUNCE (Host or domain name not found. Name service error for name=example.com type=MX: Host not found, try again)"}},
    {EventKind::kSmtpConnectFailed, MG_CONNECT_FAILED,
     {"connect to mx1.example.org[192.0.2.25]:25: Connection refused",
      "connect to mx2.example.org[2001:db8::25]:25: No route to host",
      "4B0C72A1F3: connect to mx3.example.org[198.51.100.3]:25: Connection timed out"}},
    {EventKind::kSmtpHostSaid, MG_HOST_SAID,
     {"4B0C72A1F3: host mx1.example.org[192.0.2.25] said: 450 4.2.0 <alice@example.org>: Recipient address rejected: Greylisted (in reply to RCPT TO command)",
      "4B0C72A1F3: host mx1.example.org[192.0.2.25] said: 421 4.7.0 Try again later, closing connection. (in reply to end of DATA command)"}},
    {EventKind::kSmtpHostSaid, MG_REFUSED_TO_TALK,
     {"4B0C72A1F3: host mx1.example.org[192.0.2.25] refused to talk to me: 554 5.7.1 Service unavailable; Client host [198.51.100.1] blocked using zen.spamhaus.org"}},
    {EventKind::kSmtpLostConnection, MG_LOST_CONNECTION,
     {"4B0C72A1F3: lost connection with mx1.example.org[192.0.2.25] while receiving the initial server greeting",
      "4B0C72A1F3: lost connection with mx1.example.org[192.0.2.25] while sending end of data -- message may be sent more than once"}},
    {EventKind::kSmtpConversation, MG_TIMED_OUT,
     {"4B0C72A1F3: conversation with mx1.example.org[192.0.2.25] timed out while receiving the initial server greeting",
      "4B0C72A1F3: conversation with mx1.example.org[192.0.2.25] timed out while sending message body"}},
    {EventKind::kSmtpConversation, MG_LOCAL_DATA_ERROR,
     {"4B0C72A1F3: local data error while talking to mx1.example.org[192.0.2.25]"}},
    {EventKind::kSmtpConversation, MG_TLS_FAILURE,
     {"4B0C72A1F3: TLS is required, but was not offered by host mx1.example.org[192.0.2.25]",
      "4B0C72A1F3: Cannot start TLS: handshake failure",
      "4B0C72A1F3: Server certificate not verified",
      "4B0C72A1F3: TLS is required, but host mx1.example.org[192.0.2.25] refused to start TLS: 454 4.7.0 TLS not available due to local problem"}},
    {EventKind::kSmtpConversation, MG_LOOPS_BACK,
     {"4B0C72A1F3: mail for example.org loops back to myself"}},
    {EventKind::kSmtpConversation, MG_SIZE_LIMIT,
     {"4B0C72A1F3: message size 31457280 exceeds size limit 26214400 of server mx1.example.org[192.0.2.25]"}},
    {EventKind::kSmtpConversation, MG_SASL_FAILED,
     {"4B0C72A1F3: SASL authentication failed; server smtp.example.net[192.0.2.80] said: 535 5.7.8 Error: authentication failed: authentication failure"}},
    {EventKind::kSmtpConversation, MG_OTHER_REASON,
     {"4B0C72A1F3: Host or domain name not found. Name service error for name=mx.example.invalid type=A: Host not found",
      "4B0C72A1F3: Protocol error: host mx1.example.org[192.0.2.25] said: 354 End data with <CR><LF>.<CR><LF> (in reply to MAIL FROM command)"}},
    {EventKind::kTlsEstablished, MG_TLS_ESTABLISHED,
     {"Untrusted TLS connection established to mx1.example.org[192.0.2.25]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256",
      "Verified TLS connection established to mx.example.net[2001:db8::25]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
      "Trusted TLS connection reused to mx1.example.org[192.0.2.25]:25: TLSv1.3 with cipher TLS_AES_128_GCM_SHA256 (128/128 bits)",
      "Anonymous TLS connection established to relay.example.com[198.51.100.20]:587: TLSv1.3 with cipher TLS_CHACHA20_POLY1305_SHA256 (256/256 bits) key-exchange X25519"}},
    {EventKind::kSmtpConversation, MG_SSL_CONNECT_ERROR,
     {"SSL_connect error to mx1.example.org[192.0.2.25]:25: -1",
      "SSL_connect error to mx1.example.org[192.0.2.25]:25: lost connection"}},
    {EventKind::kSmtpConversation, MG_CERT_VERIFY_FAILED,
     {"certificate verification failed for mx1.example.org[192.0.2.25]:25: untrusted issuer /C=US/O=Example CA/CN=Example Root",
      "server certificate verification failed for mx1.example.org[192.0.2.25]:25: num=10:certificate has expired"}},
    {EventKind::kNotice, MG_PIX_WORKAROUNDS,
     {"4B0C72A1F3: enabling PIX workarounds: disable_esmtp delay_dotcrlf for mx1.example.org[192.0.2.25]:25",
      "4B0C72A1F3: enabling PIX <CRLF>.<CRLF> workaround for mx1.example.org[192.0.2.25]"}},
    {EventKind::kNotice, MG_BREAKING_LINE,
     {"4B0C72A1F3: breaking line > 998 bytes with <CR><LF>SPACE"}},
    {EventKind::kNotice, MG_SMTPUTF8_NOTE,
     {"host mx1.example.org[192.0.2.25] offers SMTPUTF8 support, but not 8BITMIME"}},
    {EventKind::kCheckAction, MG_HBC_ACTION,
     {"4B0C72A1F3: replace: header Received: from mail.example.org (mail.example.org [192.0.2.10]) by mx.example.net (Postfix) with ESMTPSA id 4B0C72A1F3: Received: from [127.0.0.1]",
      "4B0C72A1F3: strip: header X-Originating-IP: [192.0.2.10]",
      "4B0C72A1F3: prepend: header Subject: test: X-Relayed: yes"}},
    {EventKind::kWarning, MG_WARN_OWN_HOSTNAME,
     {"warning: host mx1.example.org[192.0.2.25]:25 greeted me with my own hostname mail.example.com",
      "warning: host mx1.example.org[192.0.2.25]:25 replied to HELO/EHLO with my own hostname mail.example.com"}},
    {EventKind::kSmtpHostSaid, MG_WARN_HOST_SAID,
     {"warning: host 127.0.0.1[127.0.0.1]:10024 said: 501 5.5.4 Syntax error (in reply to XFORWARD name/address command)"}},
};

const Pattern kLmtpPatterns[] = {
    {EventKind::kDelivery, kDeliveryLineRegex,
     {"4B0C72A1F3: to=<alice@example.com>, relay=mail.example.com[private/dovecot-lmtp], delay=0.05, delays=0.02/0/0.01/0.02, dsn=2.0.0, status=sent (250 2.0.0 <alice@example.com> dXNlcjE3 Saved)",
      "4B0C72A1F3: to=<bob@example.com>, orig_to=<postmaster@example.com>, relay=127.0.0.1[127.0.0.1]:24, delay=0.11, delays=0.05/0.01/0.02/0.03, dsn=4.2.2, status=deferred (host 127.0.0.1[127.0.0.1] said: 452 4.2.2 <bob@example.com> Quota exceeded (mailbox for user is full) (in reply to end of DATA command))",
      "4B0C72A1F3: to=<carol@example.com>, relay=mail.example.com[private/dovecot-lmtp], delay=0.04, delays=0.02/0/0.01/0.01, dsn=5.1.1, status=bounced (host mail.example.com[private/dovecot-lmtp] said: 550 5.1.1 <carol@example.com> User doesn't exist: carol@example.com (in reply to RCPT TO command))",
      "4B0C72A1F3: to=<dave@example.com>, relay=none, delay=432001, delays=432000/1/0/0, dsn=4.4.1, status=expired (connect to mail.example.com[private/dovecot-lmtp]: No such file or directory)"}},
    {EventKind::kSmtpConnectFailed, MG_CONNECT_FAILED,
     {"connect to mail.example.com[private/dovecot-lmtp]: No such file or directory",
      "connect to 127.0.0.1[127.0.0.1]:24: Connection refused"}},
    {EventKind::kSmtpHostSaid, MG_HOST_SAID,
     {"4B0C72A1F3: host 127.0.0.1[127.0.0.1] said: 451 4.3.0 Temporary internal failure (in reply to end of DATA command)"}},
    {EventKind::kSmtpHostSaid, MG_REFUSED_TO_TALK,
     {"4B0C72A1F3: host 127.0.0.1[127.0.0.1] refused to talk to me: 421 4.3.2 Shutting down"}},
    {EventKind::kSmtpLostConnection, MG_LOST_CONNECTION,
     {"4B0C72A1F3: lost connection with mail.example.com[private/dovecot-lmtp] while sending end of data -- message may be sent more than once"}},
    {EventKind::kSmtpConversation, MG_TIMED_OUT,
     {"4B0C72A1F3: conversation with 127.0.0.1[127.0.0.1] timed out while performing the LHLO handshake"}},
    {EventKind::kSmtpConversation, MG_LOCAL_DATA_ERROR,
     {"4B0C72A1F3: local data error while talking to 127.0.0.1[127.0.0.1]"}},
    {EventKind::kSmtpConversation, MG_TLS_FAILURE,
     {"4B0C72A1F3: TLS is required, but was not offered by host 127.0.0.1[127.0.0.1]"}},
    {EventKind::kSmtpConversation, MG_LOOPS_BACK,
     {"4B0C72A1F3: mail for mail.example.com loops back to myself"}},
    {EventKind::kSmtpConversation, MG_SIZE_LIMIT,
     {"4B0C72A1F3: message size 52428800 exceeds size limit 41943040 of server 127.0.0.1[127.0.0.1]"}},
    {EventKind::kSmtpConversation, MG_SASL_FAILED,
     {"4B0C72A1F3: SASL authentication failed: server 127.0.0.1[127.0.0.1] offered no compatible authentication mechanisms for this type of connection security"}},
    {EventKind::kSmtpConversation, MG_OTHER_REASON,
     {"4B0C72A1F3: Protocol error: host 127.0.0.1[127.0.0.1] said: 250 OK (in reply to RCPT TO command)"}},
    {EventKind::kTlsEstablished, MG_TLS_ESTABLISHED,
     {"Untrusted TLS connection established to 127.0.0.1[127.0.0.1]:24: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)"}},
    {EventKind::kSmtpConversation, MG_SSL_CONNECT_ERROR,
     {"SSL_connect error to 127.0.0.1[127.0.0.1]:24: Connection reset by peer"}},
    {EventKind::kSmtpConversation, MG_CERT_VERIFY_FAILED,
     {"certificate verification failed for 127.0.0.1[127.0.0.1]:24: self-signed certificate"}},
    // smtp's code: its rarer notes, under lmtp's name.
    {EventKind::kNotice, MG_PIX_WORKAROUNDS,
     {"4B0C72A1F3: enabling PIX workarounds: disable_esmtp delay_dotcrlf for mail.example.com[192.0.2.24]:24"}},
    {EventKind::kNotice, MG_BREAKING_LINE,
     {"4B0C72A1F3: breaking line > 999 bytes with <CR><LF>SPACE"}},
    {EventKind::kNotice, MG_SMTPUTF8_NOTE,
     {"host 127.0.0.1[127.0.0.1] offers SMTPUTF8 support, but not 8BITMIME"}},
    {EventKind::kCheckAction, MG_HBC_ACTION,
     {"4B0C72A1F3: strip: header X-Originating-IP: [192.0.2.10]"}},
};

const Pattern kLocalPatterns[] = {
    {EventKind::kDelivery, kDeliveryLineRegex,
     {"4B0C72A1F3: to=<alice@mail.example.com>, relay=local, delay=0.02, delays=0.01/0/0/0.01, dsn=2.0.0, status=sent (delivered to mailbox)",
      "4B0C72A1F3: to=<bob@mail.example.com>, orig_to=<postmaster@mail.example.com>, relay=local, delay=0.03, delays=0.01/0.01/0/0.01, dsn=2.0.0, status=sent (delivered to maildir)",
      "4B0C72A1F3: to=<carol@mail.example.com>, relay=local, delay=0.31, delays=0.01/0/0/0.3, dsn=2.0.0, status=sent (delivered to command: /usr/bin/procmail)",
      "4B0C72A1F3: to=<dave@mail.example.com>, orig_to=<archive@mail.example.com>, relay=local, delay=0.01, delays=0/0/0/0.01, dsn=2.0.0, status=sent (delivered to file: /var/mail/archive/all)",
      "4B0C72A1F3: to=<erin@example.net>, orig_to=<erin@mail.example.com>, relay=local, delay=0.05, delays=0.01/0/0/0.04, dsn=2.0.0, status=sent (forwarded as 7D1E23F0A9)",
      "4B0C72A1F3: to=<frank@mail.example.com>, relay=local, delay=0.02, delays=0.01/0/0/0.01, dsn=5.2.2, status=bounced (cannot update mailbox /var/mail/frank for user frank. error writing message: Disk quota exceeded)",
      "4B0C72A1F3: to=<nosuch@mail.example.com>, relay=local, delay=0.01, delays=0/0/0/0, dsn=5.1.1, status=bounced (unknown user: \"nosuch\")",
      "4B0C72A1F3: to=<grace@mail.example.com>, relay=local, delay=3602, delays=3600/2/0/0.12, dsn=4.3.0, status=deferred (temporary failure. Command output: procmail: Quota exceeded while writing \"/var/mail/grace\")",
      "4B0C72A1F3: to=<heidi@mail.example.com>, relay=local, delay=432000, delays=431999/1/0/0, dsn=4.3.0, status=expired (alias database unavailable)",
      "4B0C72A1F3: to=<ivan@mail.example.com>, relay=local, delay=0.01, delays=0/0/0/0.01, dsn=2.0.0, status=deliverable (delivers to mailbox)",
      "4B0C72A1F3: to=<judy@mail.example.com>, relay=local, delay=0.01, delays=0/0/0/0.01, dsn=5.1.1, status=undeliverable (unknown user: \"judy\")"}},
};

const Pattern kVirtualPatterns[] = {
    {EventKind::kDelivery, kDeliveryLineRegex,
     {"4B0C72A1F3: to=<alice@example.com>, relay=virtual, delay=0.08, delays=0.06/0.01/0/0.01, dsn=2.0.0, status=sent (delivered to maildir)",
      "4B0C72A1F3: to=<bob@example.com>, orig_to=<info@example.com>, relay=virtual, delay=0.08, delays=0.06/0.01/0/0.01, dsn=2.0.0, status=sent (delivered to mailbox)",
      "4B0C72A1F3: to=<carol@example.com>, relay=virtual, delay=0.02, delays=0.01/0/0/0.01, dsn=5.2.2, status=bounced (cannot update mailbox /var/mail/vhosts/example.com/carol for user carol. error writing message: File too large)",
      "262111081F9: to=<full@vmail.test>, relay=virtual, delay=0.04, delays=0/0.01/0/0.03, dsn=5.2.2, status=bounced (delivery failed to mailbox /var/mail/vhosts/vmail.test/full: error writing message: File too large)",
      "4B0C72A1F3: to=<dave@example.com>, relay=virtual, delay=0.01, delays=0/0/0/0.01, dsn=5.1.1, status=bounced (unknown user: \"dave@example.com\")",
      "4B0C72A1F3: to=<erin@example.com>, relay=virtual, delay=0.01, delays=0/0/0/0.01, dsn=4.2.0, status=deferred (maildir delivery failed: create maildir file /var/mail/vhosts/example.com/erin/tmp/1700000000.P1.mail: Permission denied)",
      "4B0C72A1F3: to=<frank@example.com>, relay=virtual, delay=432005, delays=432004/1/0/0, dsn=4.3.5, status=expired (mail system configuration error)"}},
};

const Pattern kPipePatterns[] = {
    {EventKind::kDelivery, kDeliveryLineRegex,
     {"4B0C72A1F3: to=<alice@example.com>, relay=dovecot, delay=0.1, delays=0.05/0/0/0.05, dsn=2.0.0, status=sent (delivered via dovecot service)",
      "4B0C72A1F3: to=<bob@example.com>, orig_to=<sales@example.com>, relay=spamassassin, delay=1.5, delays=0.01/0/0/1.5, dsn=2.0.0, status=sent (delivered via spamassassin service (spamc: 1 messages processed))",
      "4B0C72A1F3: to=<carol@example.com>, relay=dovecot, delay=0.2, delays=0.1/0/0/0.1, dsn=4.3.0, status=deferred (temporary failure. Command output: lda(carol@example.com): Error: open(/var/mail/carol) failed: Permission denied)",
      "4B0C72A1F3: to=<dave@example.com>, relay=dovecot, delay=0.2, delays=0.1/0/0/0.1, dsn=5.2.2, status=bounced (Quota exceeded (mailbox for user is full))",
      "4B0C72A1F3: to=<erin@example.com>, relay=uucp, delay=432000, delays=431999/1/0/0, dsn=4.3.0, status=expired (Command died with signal 9: \"/usr/bin/uux\")"}},
};

const Pattern kErrorPatterns[] = {
    {EventKind::kDelivery, kDeliveryLineRegex,
     {"4B0C72A1F3: to=<olduser@example.com>, relay=none, delay=0.02, delays=0.01/0/0/0.01, dsn=5.0.0, status=bounced (user unknown)",
      "4B0C72A1F3: to=<alice@example.org>, relay=none, delay=3600, delays=3599/1/0/0, dsn=4.4.1, status=deferred (delivery temporarily suspended: connect to mx.example.org[192.0.2.25]:25: Connection refused)",
      "4B0C72A1F3: to=<bob@example.org>, relay=none, delay=432000, delays=431999/1/0/0, dsn=4.4.1, status=expired (delivery temporarily suspended: connect to mx.example.org[192.0.2.25]:25: Connection timed out)"}},
};

const Pattern kDiscardPatterns[] = {
    {EventKind::kDelivery, kDeliveryLineRegex,
     {"4B0C72A1F3: to=<alice@example.com>, relay=none, delay=0.3, delays=0.29/0/0/0.01, dsn=2.0.0, status=sent (discarded)",
      "4B0C72A1F3: to=<bob@example.com>, orig_to=<spamtrap@example.com>, relay=none, delay=0.3, delays=0.29/0/0/0.01, dsn=2.0.0, status=sent (spam trap)"}},
};

#undef MG_CONNECT_FAILED
#undef MG_HOST_SAID
#undef MG_REFUSED_TO_TALK
#undef MG_LOST_CONNECTION
#undef MG_TIMED_OUT
#undef MG_LOCAL_DATA_ERROR
#undef MG_TLS_FAILURE
#undef MG_LOOPS_BACK
#undef MG_SIZE_LIMIT
#undef MG_SASL_FAILED
#undef MG_OTHER_REASON
#undef MG_TLS_ESTABLISHED
#undef MG_SSL_CONNECT_ERROR
#undef MG_CERT_VERIFY_FAILED
#undef MG_PIX_WORKAROUNDS
#undef MG_BREAKING_LINE
#undef MG_SMTPUTF8_NOTE
#undef MG_HBC_ACTION
#undef MG_WARN_OWN_HOSTNAME
#undef MG_WARN_HOST_SAID

}  // namespace

absl::Span<const Pattern> LocalPatterns() { return kLocalPatterns; }
absl::Span<const Pattern> VirtualPatterns() { return kVirtualPatterns; }
absl::Span<const Pattern> SmtpPatterns() { return kSmtpPatterns; }
absl::Span<const Pattern> LmtpPatterns() { return kLmtpPatterns; }
absl::Span<const Pattern> PipePatterns() { return kPipePatterns; }
absl::Span<const Pattern> ErrorPatterns() { return kErrorPatterns; }
absl::Span<const Pattern> DiscardPatterns() { return kDiscardPatterns; }

}  // namespace mailgauge::parsers
