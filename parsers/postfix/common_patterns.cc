// Rows every Postfix daemon shares. A daemon's own table is consulted first;
// the severities are fallbacks that catch a warning we have no specific row
// for, so that it is still understood and counted.
#include "parsers/postfix/patterns.h"
#include "parsers/postfix/queue_id.h"

namespace mailgauge::parsers {
namespace {

const Pattern kCommonPatterns[] = {
    {EventKind::kWarning,
     "^(?:" MAILGAUGE_QID ": )?warning: (?P<detail>.*)$",
     {"warning: database /etc/postfix/virtual.db is older than source file /etc/postfix/virtual",
      "warning: dict_nis_init: NIS domain name not set - NIS lookups disabled",
      "3F2A81C0D2: warning: queue file size limit exceeded"},
     /*fallback=*/true},
    {EventKind::kError,
     "^(?:" MAILGAUGE_QID ": )?error: (?P<detail>.*)$",
     {"error: open database /etc/postfix/transport.db: No such file or directory"},
     /*fallback=*/true},
    {EventKind::kFatal,
     "^(?:" MAILGAUGE_QID ": )?fatal: (?P<detail>.*)$",
     {"fatal: parameter inet_interfaces: no local interface found for 192.0.2.1"},
     /*fallback=*/true},
    // src/tls: the TLS library's notes, from any daemon that uses it
    // (smtpd, smtp, lmtp, tlsproxy). "setting up" is logged at
    // *_tls_loglevel 2 (at 1 before Postfix 2.3); the CA data note is an
    // info line, not a warning, and was "Certificate Authority data" before
    // Postfix 3.x's "Certification Authority data, CAfile=...".
    {EventKind::kNotice,
     R"(^(?P<detail>setting up TLS connection) (?:from|to) (?P<remote_host>\S+)$)",
     {"setting up TLS connection from unknown[192.0.2.9]",
      "setting up TLS connection to mx.example.org[192.0.2.3]:25"}},
    {EventKind::kNotice,
     "^(?P<detail>cannot (?:load Certificat(?:e|ion) Authority data|set default OpenSSL "
     "certificate verification paths).*: disabling TLS support)$",
     {"cannot load Certificate Authority data: disabling TLS support",
      "cannot load Certification Authority data, CAfile=\"/etc/ssl/ca.pem\": disabling TLS support",
      "cannot set default OpenSSL certificate verification paths: disabling TLS support"}},
    {EventKind::kPanic,
     "^(?:" MAILGAUGE_QID ": )?panic: (?P<detail>.*)$",
     {"panic: myfree: corrupt or unallocated memory block"},
     /*fallback=*/true},
    // Notes any daemon may write, each its own row (not a fallback): the
    // first one from pre_accept() of every daemon that has lookup tables.
    {EventKind::kNotice, R"(^(?P<detail>table \S+ has changed -- restarting)$)",
     {"table hash:/etc/postfix/transport(0,lock|fold_fix) has changed -- restarting",
      "table hash:/etc/postfix/header_checks(0,lock|fold_fix|utf8_request) has changed -- restarting"}},
    // A compatibility_level below the release's: every daemon names the
    // default it keeps (master with the master.cf line; smtp_tlsrpt.c
    // writes "using using").
    {EventKind::kNotice,
     R"(^(?P<detail>(?:\S+: line [0-9]+: )?using (?:using )?backwards-compatible default setting .*)$)",
     {"using backwards-compatible default setting relay_domains=$mydestination to accept mail for domain \"example.com\"",
      "using backwards-compatible default setting smtputf8_enable=no to disable SMTPUTF8 support",
      "using backwards-compatible default setting smtp_tls_security_level=(empty)",
      "/etc/postfix/master.cf: line 12: using backwards-compatible default setting chroot=y",
      "using using backwards-compatible default setting smtp_tlsrpt_skip_reused_handshakes=yes"}},
    // smtpd_discard_ehlo_keywords and smtp_discard_ehlo_keywords.
    {EventKind::kNotice, R"(^(?P<detail>discarding EHLO keywords: .*)$)",
     {"discarding EHLO keywords: CHUNKING SMTPUTF8", "discarding EHLO keywords: PIPELINING CHUNKING"}},
    // smtp_tls_note_starttls_offer = yes.
    {EventKind::kNotice, R"(^Host offered STARTTLS: \[(?P<remote_host>[^\]]*)\]$)",
     {"Host offered STARTTLS: [mx1.example.org]"}},
    // The TLS library (smtp, smtpd, tlsproxy) at *_tls_loglevel 1.
    {EventKind::kNotice,
     R"(^(?P<detail>(?P<remote_host>\S+): re-using session with untrusted (?:certificate|peer credential), look for details earlier in the log)$)",
     {"mx1.example.com[203.0.113.5]:25: re-using session with untrusted certificate, look for details earlier in the log",
      "mx1.example.com[203.0.113.5]:25: re-using session with untrusted peer credential, look for details earlier in the log"}},
    {EventKind::kNotice, R"(^(?P<detail>TLS SNI \S+ from (?P<remote_host>\S+) not matched, using default chain)$)",
     {"TLS SNI mail.example.org from mail.example.org[192.0.2.10] not matched, using default chain"}},
    // smtp's TLSRPT summaries (Postfix 3.10 and later, with smtp_tlsrpt_enable).
    {EventKind::kNotice,
     R"(^(?P<detail>TLSRPT: status=(?:success|failure), domain=\S+, receiving_mx=(?P<remote_host>[^\s,]+).*)$)",
     {"TLSRPT: status=success, domain=example.com, receiving_mx=mx1.example.com[203.0.113.5]",
      "TLSRPT: status=failure, domain=example.com, receiving_mx=mx1.example.com[203.0.113.5], failure_type=certificate_expired, failure_reason=certificate has expired"}},
    {EventKind::kNotice,
     R"(^(?P<detail>SMTPS wrappermode \(TCP port 465\) requires setting .*)$)",
     {"SMTPS wrappermode (TCP port 465) requires setting \"smtp_tls_wrappermode = yes\", and \"smtp_tls_security_level = encrypt\" (or stronger)"}},
    {EventKind::kNotice, R"(^(?P<detail>TLS handshake failed for service=\S+ peer=(?P<remote_host>\S+))$)",
     {"TLS handshake failed for service=smtpd/smtpd peer=mail.example.org[192.0.2.10]"}},
    // tls_dane.c: how a peer's certificate matched (smtp and lmtp with
    // DANE or fingerprint security levels, at *_tls_loglevel 2 or with
    // the "certmatch" log mask).
    {EventKind::kNotice,
     R"(^(?P<remote_host>\S+): (?P<detail>Matched (?:trust anchor at depth [0-9]+|fingerprint: \S+|DANE .*))$)",
     {"mx1.example.com[203.0.113.5]:25: Matched trust anchor at depth 1",
      "mx1.example.com[203.0.113.5]:25: Matched fingerprint: 6A:52:6C:2F:48:9E:0A:9F:5C:3D:B0:6E:0B:21:19:66:EF:4F:7C:9D:62:1E:2A:B9:36:4D:7F:5C:13:0F:E1:22",
      "mx1.example.com[203.0.113.5]:25: Matched DANE EE certificate at depth 0: 3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6",
      "mx1.example.com[203.0.113.5]:25: Matched DANE raw public key: 3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6"}},
    // tls_client.c and tls_misc.c: a handshake that could not start, and
    // the protocol trace saved for a failed one (tls_*_loglevel settings).
    {EventKind::kNotice, R"(^(?P<detail>SSL_set_fd error to (?P<remote_host>\S+))$)",
     {"SSL_set_fd error to mx1.example.com[203.0.113.5]:25"}},
    {EventKind::kNotice,
     R"(^(?P<detail>TLS protocol trace for (?P<remote_host>\S+) saved to .*)$)",
     {"TLS protocol trace for mx1.example.com[203.0.113.5]:25 saved to /var/spool/postfix/maildrop/5C1D83B2E4 (queue file)"}},
    // tlsmgr's entropy sources (tlsmgr.c, tls_prng_egd.c): it exits to
    // reopen them, and master starts it again.
    {EventKind::kNotice,
     R"(^(?P<detail>(?:cannot read from entropy device \S+: .* -- exiting to reopen|lost connection to EGD server \S+ -- exiting to reconnect|exiting to reopen external entropy source \S+|cannot (?:write to|read from|read [0-9]+ bytes from) EGD server \S+: .*|EGD server \S+ reports zero bytes available|TLS support is not compiled in -- exiting))$)",
     {"cannot read from entropy device /dev/urandom: Resource temporarily unavailable -- exiting to reopen",
      "lost connection to EGD server /var/run/egd-pool -- exiting to reconnect",
      "exiting to reopen external entropy source dev:/dev/urandom",
      "cannot read 2048 bytes from EGD server /var/run/egd-pool: Connection reset by peer",
      "EGD server /var/run/egd-pool reports zero bytes available",
      "TLS support is not compiled in -- exiting"}},
    // smtpd_chat.c: smtpd_reject_filter_maps changed a reject reply (the
    // reject line itself is logged before it, with the original reply).
    {EventKind::kNotice,
     "^(?:" MAILGAUGE_QID "|NOQUEUE): " R"((?P<detail>reply filter (?:in|out): .*)$)",
     {"4B0C72A1F3: reply filter in: 550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown in local recipient table",
      "NOQUEUE: reply filter out: 550 5.1.1 <bob@example.com>: Recipient address rejected: Access denied"}},
    // smtp_addr.c (Postfix 3.8+, use_srv_lookup with fallback): no SRV
    // records, so the domain's MX hosts are used.
    {EventKind::kNotice, R"(^(?P<detail>skipping SRV lookup for \S+: .*)$)",
     {"skipping SRV lookup for _submissions._tcp.example.com: Host or domain name not found. Name service error for name=_submissions._tcp.example.com type=SRV: Host not found"}},
    // master_status.c: a status message from a process of a service that
    // was since reloaded away.
    {EventKind::kNotice, R"(^(?P<detail>ignoring status update from child pid [0-9]+ generation [0-9]+)$)",
     {"ignoring status update from child pid 12345 generation 3"}},
    // smtpd_command_filter, postscreen_command_filter, smtp_reply_filter;
    // deliver_pass() handing a recipient to another transport.
    {EventKind::kNotice,
     "^(?:" MAILGAUGE_QID R"(: |\S+: )?(?P<detail>replacing (?:command|server reply) ".*" with ".*")$)",
     {"mail.example.org[192.0.2.10]: replacing command \"MAIL FROM:<alice@example.org> BODY=8BITMIME SMTPUTF8\" with \"MAIL FROM:<alice@example.org> BODY=8BITMIME\"",
      "[192.0.2.10]:51234: replacing command \"EHLO localhost\" with \"EHLO [192.0.2.10]\"",
      "4B0C72A1F3: replacing server reply \"550 5.7.1 Blocked\" with \"450 4.7.1 Blocked\""}},
    {EventKind::kNotice,
     "^" MAILGAUGE_QID R"(: (?P<detail>passing <(?P<to>.*)> to transport=\S+)$)",
     {"4B0C72A1F3: passing <bob@example.com> to transport=relay"}},
    // global/bounce.c and abounce.c, when the bounce service could not
    // write a notice (qmgr, or a delivery agent): the message stays in the
    // queue, deferred, and the notice is tried again.
    {EventKind::kNotice,
     "^" MAILGAUGE_QID R"(: (?P<detail>status=deferred \((?:bounce|delay warning|verp-bounce|trace) failed\))$)",
     {"4B0C72A1F3: status=deferred (bounce failed)",
      "4B0C72A1F3: status=deferred (delay warning failed)",
      "4B0C72A1F3: status=deferred (verp-bounce failed)"}},
    // inet_protocols excludes an address family a lookup returned (smtp
    // with smtp_host_lookup = native, smtpd's checks, local's biff).
    {EventKind::kNotice,
     R"(^(?P<detail>skipping address family [0-9]+ for host .*)$)",
     {"skipping address family 10 for host mx1.example.com",
      "skipping address family 10 for host 'localhost' service 'biff'"}},
    // Verbose logging: `-v` after a daemon in master.cf, or a client in
    // debug_peer_list, makes a daemon log its inner workings (msg_info under
    // msg_verbose). Debug output, not facts about mail; recognized so that
    // it is not counted as lines not understood. Last resort rows: every
    // specific row of the daemon comes first. Samples from real logs.
    // A C function's name, as most verbose lines start (never a queue ID:
    // queue IDs have no '_').
    {EventKind::kVerbose,
     R"(^(?P<detail>[a-z][a-z0-9]*(?:_[a-z0-9]+)+: .*)$)",
     {"been_here: 127.0.0.0/8: 0",
      "qmgr_active_feed: deferred/A/A94DF404B38D",
      "dict_proxy_lookup: table=unix:passwd.byname flags=lock|fold_fix key=@server1.example.org -> status=1 result=",
      "milter8_conn_event: milter inet:localhost:8891: connect mail.example.org/172.18.0.2",
      "match_list_match: permit_mynetworks: no match"},
     /*fallback=*/true},
    // A parameter's value, as smtpd prints the *_tempfail_action settings.
    {EventKind::kVerbose,
     R"(^(?P<detail>[a-z][a-z0-9]*(?:_[a-z0-9]+)+ = .*)$)",
     {"unknown_address_tempfail_action = defer_if_permit"},
     /*fallback=*/true},
    // The SMTP dialog (smtpd and smtp: "< " what the peer sent, "> " the
    // reply) and the internal protocol's attributes.
    {EventKind::kVerbose,
     R"(^(?P<detail>[<>] \S+\[[^\]\s]*\](?::[0-9]+)?: .*)$)",
     {"< localhost[127.0.0.1]: RCPT To:<the@server1.example.org>",
      "> localhost[127.0.0.1]: 550 5.1.1 <the@server1.example.org>: Recipient address rejected: User unknown in local recipient table",
      "> mx.example.net[192.0.2.10]:25: EHLO mail.example.org"},
     /*fallback=*/true},
    {EventKind::kVerbose,
     R"(^(?P<detail>(?:send attr \S+ =(?: |$)|input attribute (?:name|value): |\S+ socket: wanted attribute: ).*)$)",
     {"send attr queue_id = DB951405DD14", "send attr envelope_id =",
      "input attribute name: (end)", "input attribute value: smtp",
      "private/proxymap socket: wanted attribute: flags"},
     /*fallback=*/true},
    // The rest, each a msg_info() under msg_verbose in Postfix's source.
    {EventKind::kVerbose,
     "^(?P<detail>(?:" MAILGAUGE_QID ": recipient limit [0-9]+"
     R"(|>>> (?:START|END|CHECKING) .* <<<)"
     R"(|connection (?:established|closed)(?: fd [0-9]+)?)"
     R"(|(?:idle timeout|master disconnect) -- exiting)"
     R"(|process generation: \S+ \(\S+\))"
     R"(|connect to subsystem \S+(?:: .*)?)"
     R"(|\S+ stream disconnect)"
     R"(|request ignored|request: [0-9]+ \(\S+\))"
     R"(|(?:start|end) sorted recipient list)"
     R"(|(?:start|end) move queue \S+ -> \S+)"
     R"(|done \S+ queue scan)"
     R"(|wakeup \S+ after [0-9]+ secs?)"
     R"(|(?:initial|extracted) envelope .*)"
     R"(|(?:(?:before|after) \S+: )?cleanup flags = .*)"
     R"(|open (?:incoming|active|deferred|hold|maildrop)/\S+)"
     R"(|report \S+ to all milters|free milter \S+)"
     R"(|(?:mynetworks|fsspace|reply): .*)"
     R"(|host name lookup methods: .*)"
     R"(|(?:begin|end) \S+ address list|pref +[0-9]+ host \S+)"
     R"(|connecting to \S+ port [0-9]+)"
     R"(|lookup \S+ type \S+ flags .*)"
     R"(|(?:Compiled against|Run-time linked against) Berkeley DB.*))$)",
     {"A94DF404B38D: recipient limit 5000",
      ">>> START Recipient address RESTRICTIONS <<<",
      ">>> CHECKING RECIPIENT MAPS <<<",
      "connection established", "connection closed fd 9",
      "idle timeout -- exiting", "master disconnect -- exiting",
      "process generation: 16 (16)",
      "connect to subsystem private/rewrite",
      "rewrite stream disconnect",
      "request ignored", "request: 87 (W)",
      "start sorted recipient list",
      "end move queue active -> incoming",
      "done deferred queue scan",
      "wakeup A94DF404B38D after 4000 secs",
      "initial envelope A client_address=127.0.0.1", "initial envelope M",
      "extracted envelope E",
      "after input_transp_cleanup: cleanup flags = enable_header_body_filter enable_automatic_bcc",
      "cleanup flags = enable_header_body_filter enable_automatic_bcc enable_address_mapping enable_smtp_reply",
      "open incoming/A3EF4405DD14",
      "report sender to all milters", "free milter unix:opendkim/opendkim.sock",
      "mynetworks: 127.0.0.0/8 [::1]/128",
      "fsspace: .: block size 4096, blocks free 12354835",
      "reply: SMFIR_CONTINUE data 0 bytes",
      "host name lookup methods: dns",
      "begin example.net address list", "pref    0 host example.net/192.0.2.10",
      "connecting to example.net port 25",
      "lookup example.net type A flags 0",
      "Compiled against Berkeley DB: 5.3.21?",
      "Run-time linked against Berkeley DB: 5.3.21?"},
     /*fallback=*/true},
};

}  // namespace

absl::Span<const Pattern> CommonPatterns() { return kCommonPatterns; }

}  // namespace mailgauge::parsers
