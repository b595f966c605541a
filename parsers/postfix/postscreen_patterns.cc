// Pattern rows for postfix/postscreen, postfix/dnsblog, postfix/tlsproxy and
// postfix/anvil.
//
// Formats are those of Postfix 3.4-3.12 (src/postscreen/*.c, src/dnsblog,
// src/tlsproxy, src/anvil, src/util/dict_cache.c, src/tls/tls_misc.c):
//
//   CONNECT from [192.0.2.1]:41234 to [192.0.2.25]:25
//   PASS NEW [192.0.2.1]:41234
//   DNSBL rank 3 for [192.0.2.9]:50123
//   addr 192.0.2.9 listed by domain zen.spamhaus.org as 127.0.0.4
//   statistics: max connection rate 1/60s for (smtp:192.0.2.1) at Nov 25 17:58:09
//
// postscreen writes "WHITELISTED"/"BLACKLISTED" until respectful_logging
// (3.6) turns them into "ALLOWLISTED"/"DENYLISTED"; both are accepted.
#include "parsers/postfix/patterns.h"
#include "parsers/postfix/queue_id.h"

namespace mailgauge::parsers {
namespace {

// postscreen's "[addr]:port".
#define MG_PSC_CLIENT \
  R"(\[(?P<client_addr>[^\]\s]*)\]:(?P<client_port>[0-9]+))"

// An endpoint as tlsproxy and the TLS library print it: "[addr]:port" or
// "name[addr]:port", kept whole in remote_host and split into the client
// fields.
#define MG_ENDPOINT                                                      \
  R"((?P<remote_host>(?P<client_name>[^\s\[\]]*)\[(?P<client_addr>[^\]\s]*)\])" \
  R"((?::(?P<client_port>[0-9]+))?))"

// "0.01", "1.5", "3" (postscreen's format_tv with 2 significant digits).
#define MG_DELAY R"((?P<delay>[0-9]+(?:\.[0-9]+)?))"

const Pattern kPostscreenPatterns[] = {
    {EventKind::kConnect,
     "^CONNECT from " MG_PSC_CLIENT R"( to (?P<remote_host>\[[^\]\s]*\]:[0-9]+)$)",
     {"CONNECT from [192.0.2.1]:41234 to [192.0.2.25]:25",
      "CONNECT from [2001:db8::9]:50123 to [2001:db8::25]:25"}},
    {EventKind::kDisconnect, "^DISCONNECT " MG_PSC_CLIENT "$",
     {"DISCONNECT [192.0.2.1]:41234", "DISCONNECT [2001:db8::9]:50123"}},
    {EventKind::kPostscreenPass,
     "^PASS (?P<detail>NEW|OLD) " MG_PSC_CLIENT "$",
     {"PASS NEW [192.0.2.1]:41234", "PASS OLD [2001:db8::9]:50123"}},
    {EventKind::kPostscreenAllowlisted,
     "^(?P<detail>WHITELISTED|ALLOWLISTED) " MG_PSC_CLIENT "$",
     {"WHITELISTED [192.0.2.1]:41234", "ALLOWLISTED [2001:db8::9]:50123"}},
    {EventKind::kPostscreenDenylisted,
     "^(?P<detail>BLACKLISTED|DENYLISTED) " MG_PSC_CLIENT "$",
     {"BLACKLISTED [192.0.2.9]:41234", "DENYLISTED [2001:db8::9]:50123"}},
    {EventKind::kNotice,
     "^(?P<detail>WHITELIST VETO|ALLOWLIST VETO) " MG_PSC_CLIENT "$",
     {"WHITELIST VETO [192.0.2.9]:41234", "ALLOWLIST VETO [2001:db8::9]:50123"}},
    {EventKind::kPostscreenDnsbl,
     "^DNSBL rank (?P<count>-?[0-9]+) for " MG_PSC_CLIENT "$",
     {"DNSBL rank 3 for [192.0.2.9]:50123", "DNSBL rank 1 for [2001:db8::9]:41000"}},
    {EventKind::kPostscreenPregreet,
     "^PREGREET (?P<count>[0-9]+) after " MG_DELAY " from " MG_PSC_CLIENT
     ": (?P<detail>.*)$",
     {"PREGREET 11 after 0.15 from [192.0.2.9]:50123: EHLO User\\r\\n",
      "PREGREET 20 after 2.1 from [2001:db8::9]:41000: HELO x.example.net\\r\\n",
      "PREGREET 0 after 0 from [192.0.2.9]:50124: "}},
    {EventKind::kPostscreenHangup,
     "^HANGUP after " MG_DELAY " from " MG_PSC_CLIENT " in (?P<detail>.*)$",
     {"HANGUP after 0.52 from [192.0.2.9]:50123 in tests before SMTP handshake",
      "HANGUP after 7.3 from [2001:db8::9]:41000 in tests after SMTP handshake"}},
    {EventKind::kPostscreenViolation,
     R"(^(?P<detail>COMMAND PIPELINING|NON-SMTP COMMAND|BARE NEWLINE|COMMAND TIME LIMIT|COMMAND COUNT LIMIT|COMMAND LENGTH LIMIT) from )"
     MG_PSC_CLIENT R"( after (?P<last_command>.*?)(?:: .*)?$)",
     {"COMMAND PIPELINING from [192.0.2.9]:50123 after EHLO: QUIT\\r\\n",
      "NON-SMTP COMMAND from [192.0.2.9]:50123 after CONNECT: GET / HTTP/1.1",
      "BARE NEWLINE from [2001:db8::9]:41000 after DATA",
      "COMMAND TIME LIMIT from [192.0.2.9]:50123 after RCPT"}},
    {EventKind::kPostscreenViolation,
     "^(?P<detail>(?:DATA|BDAT) without valid RCPT) from " MG_PSC_CLIENT "$",
     {"DATA without valid RCPT from [192.0.2.9]:50123",
      "BDAT without valid RCPT from [2001:db8::9]:41000"}},
    {EventKind::kPostscreenNoqueue,
     "^NOQUEUE: (?P<action>reject): (?P<stage>RCPT) from " MG_PSC_CLIENT
     R"(: (?P<reply>(?:.*?blocked using (?P<list_name>[^\s;]+))?.*?); )"
     R"(from=<(?P<from>.*?)>, to=<(?P<to>.*?)>, proto=(?P<proto>\S*), helo=<(?P<helo>.*)>$)",
     {"NOQUEUE: reject: RCPT from [192.0.2.9]:50123: 550 5.7.1 Service unavailable; client [192.0.2.9] blocked using zen.spamhaus.org; from=<a@example.net>, to=<b@example.com>, proto=ESMTP, helo=<x.example.net>",
      "NOQUEUE: reject: RCPT from [2001:db8::9]:41000: 450 4.3.2 Service currently unavailable; from=<>, to=<\"a b\"@example.com>, proto=SMTP, helo=<[IPv6:2001:db8::9]>"}},
    {EventKind::kPostscreenNoqueue,
     "^(?:NOQUEUE: )?(?P<action>reject): (?P<stage>CONNECT|connect) from " MG_PSC_CLIENT
     ": (?P<reply>.*)$",
     {"NOQUEUE: reject: CONNECT from [192.0.2.9]:50123: too many connections",
      "NOQUEUE: reject: CONNECT from [192.0.2.9]:50123: all server ports busy",
      "reject: connect from [2001:db8::9]:41000: all screening ports busy"}},
    {EventKind::kPostscreenCache,
     R"(^cache (?P<detail>\S+) (?:full|partial) cleanup: retained=(?P<count>[0-9]+) dropped=[0-9]+ entries$)",
     {"cache btree:/var/lib/postfix/postscreen_cache full cleanup: retained=1543 dropped=87 entries",
      "cache lmdb:/var/lib/postfix/postscreen_cache partial cleanup: retained=0 dropped=0 entries"}},
    {EventKind::kWarning,
     R"(^warning: (?P<detail>dnsblog reply timeout) [0-9]+s for (?P<list_name>\S+)$)",
     {"warning: dnsblog reply timeout 10s for zen.spamhaus.org"}},
    {EventKind::kNotice,
     R"(^(?P<detail>(?:entering|leaving) STRESS mode) with (?P<count>[0-9]+) connections$)",
     {"entering STRESS mode with 70 connections", "leaving STRESS mode with 10 connections"}},
    {EventKind::kNotice,
     R"(^(?P<detail>table \S+ has changed -+ finishing in the background)$)",
     {"table hash:/etc/postfix/postscreen_access(0,lock|fold_fix) has changed - finishing in the background"}},
    {EventKind::kNotice,
     // postscreen_smtpd.c prints "[%s]%s" here: no colon before the port.
     R"(^\[(?P<client_addr>[^\]\s]*)\]:?(?P<client_port>[0-9]+): (?P<detail>discarding EHLO keywords: .*)$)",
     {"[192.0.2.1]41234: discarding EHLO keywords: SMTPUTF8",
      "[192.0.2.1]:41234: discarding EHLO keywords: CHUNKING"}},
};

const Pattern kDnsblogPatterns[] = {
    {EventKind::kDnsblListed,
     R"(^addr (?P<client_addr>\S+) listed by domain (?P<list_name>\S+) as (?P<detail>.*)$)",
     {"addr 192.0.2.9 listed by domain zen.spamhaus.org as 127.0.0.4",
      "addr 2001:db8::9 listed by domain bl.example.org as 127.0.0.2",
      "addr 192.0.2.10 listed by domain list.dnswl.org as 127.0.10.0"}},
    {EventKind::kWarning,
     R"(^warning: dnsblog_query: (?P<detail>lookup error for DNS query (?P<list_name>\S+): .*)$)",
     {"warning: dnsblog_query: lookup error for DNS query 9.2.0.192.zen.spamhaus.org: Host or domain name not found. Name service error for name=9.2.0.192.zen.spamhaus.org type=A: Host not found, try again"}},
};

const Pattern kTlsproxyPatterns[] = {
    // smtpd_tls_ask_ccert: the client's certificate (also via tlsproxy).
    {EventKind::kNotice,
     R"(^(?P<detail>(?:client )?certificate verification failed for (?P<remote_host>\S+): .*)$)",
     {"client certificate verification failed for mail.example.org[192.0.2.10]: certificate has expired",
      "certificate verification failed for mail.example.org[192.0.2.10]: self-signed certificate",
      "client certificate verification failed for mail.example.org[192.0.2.10]: num=20:unable to get local issuer certificate"}},
    {EventKind::kConnect, "^CONNECT (?:from|to) " MG_ENDPOINT "$",
     {"CONNECT from [192.0.2.1]:41234", "CONNECT to mx.example.org[192.0.2.2]:25",
      "CONNECT from [2001:db8::9]:50123"}},
    {EventKind::kDisconnect, "^DISCONNECT " MG_ENDPOINT "$",
     {"DISCONNECT [192.0.2.1]:41234", "DISCONNECT mx.example.org[192.0.2.2]:25"}},
    {EventKind::kTlsEstablished,
     R"(^(?P<tls_level>Anonymous|Untrusted|Trusted|Verified) TLS connection (?:established|reused) (?:from|to) )"
     MG_ENDPOINT
     R"((?: to (?P<detail>[^\s:]+))?: (?P<tls_protocol>\S+) with cipher (?P<tls_cipher>\S+ \([0-9]+/[0-9]+ bits\))(?: .*)?$)",
     {"Anonymous TLS connection established from [192.0.2.1]:41234: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256",
      "Verified TLS connection established to mx.example.org[192.0.2.2]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)"}},
    {EventKind::kWarning,
     "^(?P<detail>SSL_(?:accept|connect) error) (?:from|to) " MG_ENDPOINT ": .*$",
     {"SSL_accept error from [192.0.2.9]:50123: lost connection",
      "SSL_connect error to mx.example.org[192.0.2.2]:25: -1"}},
    {EventKind::kWarning,
     R"(^warning: (?P<detail>(?:deadlock on (?:ciphertext|plaintext) stream|ciphertext read/write \S+)) for )"
     MG_ENDPOINT "$",
     {"warning: deadlock on ciphertext stream for [192.0.2.9]:50123",
      "warning: ciphertext read/write timeout for mx.example.org[192.0.2.2]:25"}},
};

const Pattern kAnvilPatterns[] = {
    {EventKind::kAnvilStatistics,
     R"(^statistics: max (?P<detail>(?:connection|message|recipient|newtls|auth|tlstrace) rate) )"
     // The rate's time unit follows anvil_rate_time_unit (60s, 5m, 2h, 7d);
     // the service is a master.cf name or, for an inet service given by
     // address, "host:port".
     R"((?P<count>[0-9]+)/[0-9]+[smhdw] for \((?P<remote_host>(?:[0-9.]+:[0-9]+:|[^:()]*:)(?P<client_addr>[^()]*))\) at .*$)",
     {"statistics: max connection rate 1/60s for (smtp:192.0.2.1) at Nov 25 17:58:09",
      "statistics: max message rate 12/60s for (submission:2001:db8::9) at Nov 25 18:01:44",
      "statistics: max auth rate 3/60s for (smtps:192.0.2.9) at Nov 25 18:02:00",
      "statistics: max connection rate 1/2h for (127.0.0.1:2525:127.0.0.1) at Oct 26 18:13:50",
      "statistics: max connection rate 1/7d for (smtp:unknown) at Sep  7 07:14:19"}},
    {EventKind::kAnvilStatistics,
     R"(^statistics: max (?P<detail>connection count) (?P<count>[0-9]+) )"
     R"(for \((?P<remote_host>(?:[0-9.]+:[0-9]+:|[^:()]*:)(?P<client_addr>[^()]*))\) at .*$)",
     {"statistics: max connection count 2 for (smtp:192.0.2.1) at Nov 25 17:58:09"}},
    {EventKind::kAnvilStatistics,
     R"(^statistics: max (?P<detail>cache size) (?P<count>[0-9]+) at .*$)",
     {"statistics: max cache size 5 at Nov 25 17:58:09"}},
};

#undef MG_PSC_CLIENT
#undef MG_ENDPOINT
#undef MG_DELAY

}  // namespace

absl::Span<const Pattern> PostscreenPatterns() { return kPostscreenPatterns; }
absl::Span<const Pattern> DnsblogPatterns() { return kDnsblogPatterns; }
absl::Span<const Pattern> TlsproxyPatterns() { return kTlsproxyPatterns; }
absl::Span<const Pattern> AnvilPatterns() { return kAnvilPatterns; }

}  // namespace mailgauge::parsers
