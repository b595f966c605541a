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
