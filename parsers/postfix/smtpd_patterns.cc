// Pattern rows for postfix/smtpd (and submission/smtps instances of it).
//
// Formats are those of Postfix 3.4-3.12 (src/smtpd/smtpd.c, smtpd_check.c,
// smtpd_sasl_glue.c, smtpd_peer.c, src/tls/tls_misc.c, tls_server.c):
//
//   connect from mail.example.com[192.0.2.1]
//   4B0C72A1F3: client=mail.example.com[192.0.2.1]:41234, sasl_method=PLAIN, sasl_username=bob
//   NOQUEUE: reject: RCPT from unknown[192.0.2.9]: 554 5.7.1 <x@example.net>: Relay access denied; from=<s@example.org> to=<x@example.net> proto=ESMTP helo=<h>
//   disconnect from mail.example.com[192.0.2.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5
//
// Version differences handled here: "lost connection after DATA (N bytes)"
// said "(approximately N bytes)" in 2.5/2.6; "lost connection after ..."
// gained a "QID: "/"NOQUEUE: " prefix in 3.10; the SASL failure warning gained
// ", sasl_username=" in 3.8.3/3.7.8/3.6.12/3.5.22 (so Debian 12's 3.7.11 has
// it); the access-action context gained " sasl_method= sasl_username=
// sasl_sender=" in 3.10; client ports appear only with
// smtpd_client_port_logging = yes.
#include "parsers/postfix/patterns.h"
#include "parsers/postfix/queue_id.h"

namespace mailgauge::parsers {
namespace {

// name[addr] or name[addr]:port, as smtpd's "namaddr".
#define MG_CLIENT                                                      \
  R"((?P<client_name>[^\s\[\]]*)\[(?P<client_addr>[^\]\s]*)\])" \
  R"((?::(?P<client_port>[0-9]+))?)"

// A queue ID or NOQUEUE.
#define MG_QID_OR_NOQUEUE "(?:" MAILGAUGE_QID "|NOQUEUE)"

// The SMTP state word: CONNECT, HELO, EHLO, MAIL, RCPT, DATA, BDAT,
// END-OF-MESSAGE, VRFY, ETRN, AUTH, STARTTLS, UNKNOWN, "DATA content", ...
#define MG_STAGE R"((?P<stage>[A-Z][A-Z-]*(?: content)?))"

// The context log_whatsup()/smtpd_whatsup() append after the text; every
// part is optional ("proto=SMTP" alone at CONNECT time).
#define MG_WHATSUP                                                         \
  R"(;(?: from=<(?P<from>.*?)>)?(?: to=<(?P<to>.*?)>)?)"                   \
  R"((?: proto=(?P<proto>[^\s;]+))?(?: helo=<(?P<helo>.*?)>)?)"            \
  R"((?: sasl_method=(?P<sasl_method>\S+))?)"                              \
  R"((?: sasl_username=<?(?P<sasl_username>.*?)>?)?)"                     \
  R"((?: sasl_sender=(?P<sasl_sender>.*?))?)"

// A reject's reply text; an RBL reply names its list ("blocked using D").
#define MG_REPLY_WITH_LIST \
  R"((?P<reply>(?:.*?blocked using (?P<list_name>[^\s;]+))?.*?))"
// The text of other actions.
#define MG_DETAIL "(?P<detail>.*?)"

// "QID: ACTION: STAGE from CLIENT: TEXT; context", TEXT matched by `text`
// (a lazy capture group). The context is optional ("Server local data
// error" and "abort: TLS" lines have none).
#define MG_ACTION_ROW(actions, text)                                    \
  "^" MG_QID_OR_NOQUEUE ": (?P<action>" actions "): " MG_STAGE        \
  " from " MG_CLIENT ": " text "(?:" MG_WHATSUP ")?$"

const Pattern kSmtpdPatterns[] = {
    // --- sessions ---
    {EventKind::kConnect, "^connect from " MG_CLIENT "$",
     {"connect from mail.example.com[192.0.2.1]",
      "connect from unknown[2001:db8::25]",
      "connect from localhost[127.0.0.1]:48122"}},
    {EventKind::kDisconnect,
     "^disconnect from " MG_CLIENT
     R"((?: (?P<command_stats>(?:[a-z-]+=[0-9]+(?:/[0-9]+)? )*commands=[0-9]+(?:/[0-9]+)?))?)"
     R"((?: (?P<detail>notes=\S+))?$)",
     {"disconnect from mail.example.com[192.0.2.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5",
      "disconnect from unknown[192.0.2.9] ehlo=1 mail=1 rcpt=0/1 data=0/1 rset=1 quit=1 commands=4/6",
      "disconnect from unknown[2001:db8::7]:50112 commands=0/0",
      "disconnect from mx.example.org[192.0.2.3] ehlo=2 starttls=1 mail=1 rcpt=1 bdat=1 quit=1 commands=7 notes=bare_lf"}},
    {EventKind::kLostConnection,
     "^(?:" MG_QID_OR_NOQUEUE ": )?lost connection after "
     R"((?P<last_command>[A-Z][A-Z-]*)(?: \((?:approximately )?(?P<size>[0-9]+) bytes\))? from )" MG_CLIENT "$",
     {"lost connection after CONNECT from unknown[192.0.2.9]",
      "lost connection after DATA (0 bytes) from mail.example.com[192.0.2.1]",
      "NOQUEUE: lost connection after AUTH from unknown[2001:db8::9]:52811",
      "4B0C72A1F3: lost connection after BDAT (81234 bytes) from mx.example.org[192.0.2.3]",
      // Postfix 2.5 and 2.6 snapshots: "(approximately N bytes)".
      "lost connection after DATA (approximately 0 bytes) from unknown[192.0.2.9]"}},
    {EventKind::kTimeout,
     "^(?:" MG_QID_OR_NOQUEUE ": )?timeout after "
     R"((?P<last_command>[A-Z][A-Z-]*)(?: \((?:approximately )?(?P<size>[0-9]+) bytes\))? from )" MG_CLIENT "$",
     {"timeout after END-OF-MESSAGE from mail.example.com[192.0.2.1]",
      "timeout after DATA (4096 bytes) from unknown[192.0.2.9]",
      "NOQUEUE: timeout after EHLO from unknown[2001:db8::9]",
      "timeout after DATA (approximately 1024 bytes) from mail.example.com[192.0.2.1]"}},
    {EventKind::kTooManyErrors,
     "^(?:" MG_QID_OR_NOQUEUE ": )?too many errors after "
     R"((?P<last_command>[A-Z][A-Z-]*)(?: \((?:approximately )?(?P<size>[0-9]+) bytes\))? from )" MG_CLIENT "$",
     {"too many errors after RCPT from unknown[192.0.2.9]",
      "too many errors after UNKNOWN from scanner.example.net[198.51.100.4]",
      "4B0C72A1F3: too many errors after RCPT from unknown[192.0.2.9]:40022",
      "too many errors after DATA (approximately 0 bytes) from unknown[192.0.2.9]"}},

    // --- the message's origin (starts a message for the correlator) ---
    {EventKind::kSmtpdClient,
     "^" MG_QID_OR_NOQUEUE ": client=" MG_CLIENT
     R"((?:, sasl_method=(?P<sasl_method>[^,\s]*))?)"
     R"((?:, sasl_username=(?P<sasl_username>.*?))?)"
     R"((?:, sasl_sender=(?P<sasl_sender>.*?))?)"
     R"((?:, orig_queue_id=(?P<new_queue_id>[^,\s]*))?)"
     R"((?:, orig_client=(?P<detail>\S*))?$)",
     {"4B0C72A1F3: client=mail.example.com[192.0.2.1]",
      "4Hs2Kx0hQ5z8Cw: client=unknown[2001:db8::25]:41234, sasl_method=PLAIN, sasl_username=bob@example.com",
      "3F2A81C0D2: client=localhost[127.0.0.1], sasl_method=LOGIN, sasl_username=alice, sasl_sender=list-bounces@example.org",
      "9A1B2C3D4E: client=localhost[127.0.0.1], orig_queue_id=4B0C72A1F3, orig_client=mail.example.com[192.0.2.1]"}},

    // --- access restrictions and milters (smtpd_check.c, smtpd.c) ---
    {EventKind::kReject, MG_ACTION_ROW("reject|abort", MG_REPLY_WITH_LIST),
     {"NOQUEUE: reject: RCPT from unknown[192.0.2.9]: 554 5.7.1 <x@example.net>: Relay access denied; from=<s@example.org> to=<x@example.net> proto=ESMTP helo=<[192.0.2.9]>",
      "NOQUEUE: reject: CONNECT from unknown[192.0.2.9]: 554 5.7.1 <unknown[192.0.2.9]>: Client host rejected: Access denied; proto=SMTP",
      "4B0C72A1F3: reject: END-OF-MESSAGE from mail.example.com[192.0.2.1]: 421 4.3.0 mx.example.com Server local data error",
      "NOQUEUE: reject: RCPT from unknown[192.0.2.9]: 554 5.7.1 Service unavailable; Client host [192.0.2.9] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.9; from=<a@example.net> to=<b@example.com> proto=ESMTP helo=<x>",
      "NOQUEUE: abort: TLS from unknown[192.0.2.9]: Client certificate not trusted"}},
    {EventKind::kRejectWarning, MG_ACTION_ROW("reject_warning", MG_REPLY_WITH_LIST),
     {"NOQUEUE: reject_warning: RCPT from unknown[192.0.2.9]: 450 4.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.9]; from=<> to=<postmaster@example.com> proto=ESMTP helo=<IPv6:2001:db8::9>",
      "4B0C72A1F3: reject_warning: MAIL from mail.example.com[192.0.2.1]:41234: 553 5.7.1 <a@example.org>: Sender address rejected: not logged in; from=<a@example.org> proto=ESMTP helo=<mail.example.com> sasl_method=PLAIN sasl_username=bob"}},
    {EventKind::kMilterReject, MG_ACTION_ROW("milter-reject", "(?P<reply>.*?)"),
     {"4B0C72A1F3: milter-reject: END-OF-MESSAGE from mail.example.com[192.0.2.1]: 5.7.1 Spam message rejected; from=<s@example.org> to=<r@example.com> proto=ESMTP helo=<mail.example.com>",
      "NOQUEUE: milter-reject: RCPT from unknown[192.0.2.9]: 451 4.7.1 Service unavailable - try again later; from=<s@example.org> to=<r@example.com> proto=ESMTP helo=<h> sasl_username=<bob>",
      "NOQUEUE: milter-reject: CONNECT from unknown[192.0.2.9]: 421 4.7.0 Server closing connection; proto=SMTP"}},
    {EventKind::kHeld, MG_ACTION_ROW("hold|milter-hold", MG_DETAIL),
     {"4B0C72A1F3: hold: RCPT from mail.example.com[192.0.2.1]: <r@example.com>: Recipient address triggers HOLD action; from=<s@example.org> to=<r@example.com> proto=ESMTP helo=<mail.example.com>",
      "4B0C72A1F3: milter-hold: END-OF-MESSAGE from mail.example.com[192.0.2.1]: milter triggers HOLD action; from=<s@example.org> to=<r@example.com> proto=ESMTP helo=<mail.example.com>"}},
    {EventKind::kDiscarded, MG_ACTION_ROW("discard|milter-discard", MG_DETAIL),
     {"4B0C72A1F3: discard: RCPT from unknown[192.0.2.9]: <spam@example.net>: Sender address triggers DISCARD action; from=<spam@example.net> to=<r@example.com> proto=ESMTP helo=<x>",
      "4B0C72A1F3: milter-discard: END-OF-MESSAGE from mail.example.com[192.0.2.1]: milter triggers DISCARD action; from=<> to=<\"a b\"@example.com> proto=ESMTP helo=<mail.example.com>"}},
    {EventKind::kRedirect, MG_ACTION_ROW("redirect", MG_DETAIL),
     {"4B0C72A1F3: redirect: RCPT from mail.example.com[192.0.2.1]: <r@example.com>: Recipient address triggers REDIRECT quarantine@example.com; from=<s@example.org> to=<r@example.com> proto=ESMTP helo=<mail.example.com>"}},
    {EventKind::kFilter, MG_ACTION_ROW("filter", MG_DETAIL),
     {"4B0C72A1F3: filter: RCPT from unknown[192.0.2.9]: <unknown[192.0.2.9]>: Client host triggers FILTER smtp:[127.0.0.1]:10025; from=<s@example.org> to=<r@example.com> proto=ESMTP helo=<x>"}},
    {EventKind::kInfo, MG_ACTION_ROW("info", MG_DETAIL),
     {"NOQUEUE: info: RCPT from mail.example.com[192.0.2.1]: <r@example.com>: Recipient address seen; from=<s@example.org> to=<r@example.com> proto=ESMTP helo=<mail.example.com>"}},
    {EventKind::kCheckAction, MG_ACTION_ROW("warn|permit|delay|bcc|hangup", MG_DETAIL),
     {"NOQUEUE: warn: RCPT from unknown[192.0.2.9]: suspicious client; from=<s@example.org> to=<r@example.com> proto=ESMTP helo=<x>",
      "NOQUEUE: permit: RCPT from mail.example.com[192.0.2.1]: action=permit_mynetworks for Client host=mail.example.com[192.0.2.1]; from=<s@example.org> to=<r@example.com> proto=ESMTP helo=<mail.example.com>",
      "4B0C72A1F3: bcc: RCPT from mail.example.com[192.0.2.1]: <r@example.com>: Recipient address triggers BCC archive@example.com; from=<s@example.org> to=<r@example.com> proto=ESMTP helo=<mail.example.com>"}},
    {EventKind::kReject,
     R"(^(?P<action>proxy-reject): )" MG_STAGE ": (?P<reply>.*?)(?:" MG_WHATSUP ")?$",
     {"proxy-reject: END-OF-MESSAGE: 554 5.7.1 Message rejected by content filter; from=<s@example.org> to=<r@example.com> proto=ESMTP helo=<mail.example.com>"}},
    {EventKind::kCheckAction,
     R"(^(?P<action>proxy-accept): )" MG_STAGE
     R"(: (?P<reply>(?:.*?queued as )" MAILGAUGE_NEW_QID ")?.*?)(?:" MG_WHATSUP ")?$",
     {"proxy-accept: END-OF-MESSAGE: 250 2.0.0 Ok: queued as 3F2A81C0D2; from=<s@example.org> to=<r@example.com> proto=ESMTP helo=<mail.example.com>",
      "proxy-accept: END-OF-MESSAGE: 250 2.0.0 Ok; from=<> to=<r@example.com> proto=SMTP helo=<h>"}},

    // --- TLS (src/tls) ---
    {EventKind::kTlsEstablished,
     R"(^(?P<tls_level>Anonymous|Untrusted|Trusted|Verified) TLS connection (?:established|reused) from )" MG_CLIENT
     R"((?: to (?P<detail>[^\s:]+))?: (?P<tls_protocol>\S+) with cipher (?P<tls_cipher>\S+ \([0-9]+/[0-9]+ bits\))(?: .*)?$)",
     {"Anonymous TLS connection established from mail.example.com[192.0.2.1]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256",
      "Anonymous TLS connection established from unknown[2001:db8::25]: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
      "Trusted TLS connection established from client.example.org[192.0.2.7]:50123 to mail.example.com: TLSv1.3 with cipher TLS_AES_128_GCM_SHA256 (128/128 bits) key-exchange X25519 server-signature ECDSA (prime256v1) server-digest SHA256 client-signature RSA-PSS (2048 bits) client-digest SHA256"}},
    {EventKind::kWarning,
     "^SSL_accept error from " MG_CLIENT ": (?P<detail>.*)$",
     {"SSL_accept error from unknown[192.0.2.9]: -1",
      "SSL_accept error from mail.example.com[192.0.2.1]: lost connection",
      "SSL_accept error from unknown[2001:db8::9]:41000: Connection reset by peer"}},

    // --- SASL (smtpd_sasl_glue.c) ---
    {EventKind::kSaslFailed,
     "^warning: " MG_CLIENT R"(: SASL (?P<sasl_method>\S+) authentication failed: )"
     R"((?P<detail>.*?)(?:, sasl_username=(?P<sasl_username>.*))?$)",
     {"warning: unknown[192.0.2.9]: SASL LOGIN authentication failed: authentication failure",
      "warning: unknown[192.0.2.9]: SASL LOGIN authentication failed: UGFzc3dvcmQ6",
      "warning: unknown[2001:db8::9]:33012: SASL PLAIN authentication failed: authentication failure, sasl_username=admin@example.com",
      "warning: unknown[192.0.2.9]: SASL LOGIN authentication failed: (reason unavailable), sasl_username=(unavailable)"}},
    {EventKind::kSaslFailed,
     "^warning: " MG_CLIENT R"(: SASL (?P<sasl_method>\S+) (?P<detail>authentication aborted)$)",
     {"warning: unknown[192.0.2.9]: SASL LOGIN authentication aborted"}},

    // --- warnings with a client (smtpd.c, smtpd_peer.c) ---
    // "warning: hostname H does not resolve to address A[: reason]" is left
    // to the common fallback row (kWarning, detail = the text): its sample
    // there is this very message, so a specific row here would take it.
    {EventKind::kWarning,
     R"(^warning: (?P<client_addr>[0-9A-Za-z.:%]+): (?P<detail>address not listed for hostname (?P<client_name>\S+))$)",
     {"warning: 192.0.2.9: address not listed for hostname dyn.example.net"}},
    {EventKind::kWarning,
     "^warning: (?P<detail>Illegal address syntax) from " MG_CLIENT
     R"( in (?P<last_command>[A-Z]+) command: .*$)",
     {"warning: Illegal address syntax from unknown[192.0.2.9] in RCPT command: <a b@example.com>",
      "warning: Illegal address syntax from unknown[2001:db8::9] in MAIL command: <@>"}},
    {EventKind::kWarning,
     "^warning: (?P<detail>non-SMTP command) from " MG_CLIENT ": .*$",
     {"warning: non-SMTP command from unknown[192.0.2.9]: GET / HTTP/1.1",
      "warning: non-SMTP command from unknown[192.0.2.9]: Subject: hello"}},
    {EventKind::kWarning,
     R"(^warning: (?P<detail>(?:Connection concurrency|Connection rate|Message delivery request rate|Recipient address rate|New TLS session rate|AUTH command rate) limit exceeded): (?P<count>[0-9]+) from )"
     MG_CLIENT R"( for service \S+$)",
     {"warning: Connection rate limit exceeded: 61 from unknown[192.0.2.9] for service smtp",
      "warning: AUTH command rate limit exceeded: 11 from unknown[2001:db8::9] for service submission"}},
    {EventKind::kWarning,
     R"(^warning: (?P<detail>(?:connect to proxy filter|lost connection with proxy|timeout talking to proxy) (?P<remote_host>\S+?)(?:: .*)?)$)",
     {"warning: connect to proxy filter 127.0.0.1:10024: Connection refused",
      "warning: lost connection with proxy 127.0.0.1:10024",
      "warning: timeout talking to proxy inet:[127.0.0.1]:10024"}},
    // Policy servers and other helpers (util/auto_clnt.c, attr_clnt.c).
    {EventKind::kWarning,
     R"(^warning: (?P<detail>(?:connect to|problem talking to server) (?P<remote_host>\S+): .*)$)",
     {"warning: connect to 127.0.0.1:10023: Connection refused",
      "warning: problem talking to server 127.0.0.1:10023: Connection refused",
      "warning: problem talking to server private/policyd-spf: Connection timed out"}},
    // The input sent ahead follows since Postfix 3.0 (up to 100 bytes,
    // C-escaped, after ": "; the text may be empty); 2.x logged none.
    {EventKind::kNotice,
     "^(?P<detail>improper command pipelining) after (?P<last_command>[A-Z][A-Z-]*(?: content)?) from "
     MG_CLIENT "(?::(?: .*)?)?$",
     {"improper command pipelining after CONNECT from unknown[192.0.2.9]: EHLO x\\r\\nMAIL FROM:<a@b>\\r\\n",
      "improper command pipelining after EHLO from unknown[2001:db8::9]: QUIT\\r\\n",
      "improper command pipelining after DATA from unknown[192.0.2.9]:",
      "improper command pipelining after RSET from mx.example.org[192.0.2.3]"}},

    // Any other warning naming the message (fallback: the rows above win).
    {EventKind::kWarning, "^warning: " MG_QID_OR_NOQUEUE ": (?P<detail>.*)$",
     {"warning: B345A108215: queue file size limit exceeded",
      "warning: 4B0C72A1F3: too much BDAT content -- disabling further input from unknown[192.0.2.9]"},
     /*fallback=*/true},

    // --- informational ---
    // smtpd_tls_ask_ccert: the client's certificate (also via tlsproxy).
    {EventKind::kNotice,
     R"(^(?P<detail>(?:client )?certificate verification failed for (?P<remote_host>\S+): .*)$)",
     {"client certificate verification failed for mail.example.org[192.0.2.10]: certificate has expired",
      "certificate verification failed for mail.example.org[192.0.2.10]: self-signed certificate",
      "client certificate verification failed for mail.example.org[192.0.2.10]: num=20:unable to get local issuer certificate"}},
    {EventKind::kNotice,
     R"(^(?P<detail>mapping DSN status (?P<enhanced_code>[245]\.[0-9]{1,3}\.[0-9]{1,3}) into .*)$)",
     {"mapping DSN status 4.1.1 into Sender address status 4.1.7"}},
    {EventKind::kNotice, R"(^(?P<detail>ignoring DNS RR: .*)$)",
     {"ignoring DNS RR: 2.0.0.127.dnsbltest.example.org. 300 IN A 127.0.0.2"}},
};

#undef MG_CLIENT
#undef MG_QID_OR_NOQUEUE
#undef MG_STAGE
#undef MG_WHATSUP
#undef MG_ACTION_ROW
#undef MG_REPLY_WITH_LIST
#undef MG_DETAIL

}  // namespace

absl::Span<const Pattern> SmtpdPatterns() { return kSmtpdPatterns; }

}  // namespace mailgauge::parsers
