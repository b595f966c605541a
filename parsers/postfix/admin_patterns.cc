// Pattern rows for the administrative and helper programs: postsuper,
// master, postfix-script, verify, scache, postdrop, sendmail, and (one shared
// table) postqueue, postlog, postmap, postalias, tlsmgr, proxymap,
// trivial-rewrite, showq, flush, spawn, qmqpd and policyd-spf.
//
// Formats are those of Postfix 3.4-3.12 (src/postsuper/postsuper.c,
// src/master/master*.c, conf/postfix-script, src/scache/scache.c,
// src/util/dict_cache.c, src/global/mail_trigger.c, src/sendmail/sendmail.c,
// src/qmqpd/qmqpd.c):
//
//   4B0C72A1F3: placed on hold                       (postsuper)
//   Deleted: 12 messages                             (postsuper)
//   daemon started -- version 3.7.11, configuration /etc/postfix   (master)
//   starting the Postfix mail system                 (postfix-script)
//   statistics: domain lookup hits=3 miss=5 success=37%            (scache)
//
// Generic "warning:/error:/fatal:/panic:" lines fall to CommonPatterns().
#include "parsers/postfix/patterns.h"
#include "parsers/postfix/queue_id.h"

namespace mailgauge::parsers {
namespace {

const Pattern kPostsuperPatterns[] = {
    {EventKind::kRemoved, "^" MAILGAUGE_QID ": removed$",
     {"4B0C72A1F3: removed", "4Hs2Kx0hQ5z8Cw: removed"}},
    {EventKind::kHeld, "^" MAILGAUGE_QID ": placed on hold$",
     {"4B0C72A1F3: placed on hold"}},
    {EventKind::kReleased, "^" MAILGAUGE_QID ": released from hold$",
     {"4B0C72A1F3: released from hold"}},
    {EventKind::kRequeued, "^" MAILGAUGE_QID ": requeued$",
     {"4B0C72A1F3: requeued"}},
    {EventKind::kExpired, "^" MAILGAUGE_QID ": (?P<status>expired)$",
     {"4B0C72A1F3: expired"}},
    {EventKind::kStatistics,
     R"(^(?P<detail>Deleted|Requeued|Placed on hold|Released from hold|Force-expired|Renamed to match inode number): (?P<count>[0-9]+) messages?$)",
     {"Deleted: 1 message", "Deleted: 12 messages", "Placed on hold: 3 messages",
      "Released from hold: 1 message", "Requeued: 250 messages", "Force-expired: 2 messages"}},
};

const Pattern kMasterPatterns[] = {
    {EventKind::kMasterStarted,
     R"(^daemon started -- version (?P<detail>\S+), configuration .+$)",
     {"daemon started -- version 3.7.11, configuration /etc/postfix",
      "daemon started -- version 3.9.0, configuration /etc/postfix-out"}},
    {EventKind::kMasterReload,
     R"(^reload -- version (?P<detail>\S+), configuration .+$)",
     {"reload -- version 3.7.11, configuration /etc/postfix"}},
    {EventKind::kMasterStopped, R"(^terminating on signal (?P<count>[0-9]+)$)",
     {"terminating on signal 15", "terminating on signal 2"}},
    {EventKind::kMasterStopped, R"(^(?P<detail>master exit time has arrived)$)",
     {"master exit time has arrived"}},
    {EventKind::kWarning,
     R"(^warning: process (?P<detail>\S+) pid [0-9]+ (?:exit status|killed by signal|stopped by signal) (?P<count>[0-9]+)$)",
     {"warning: process /usr/lib/postfix/sbin/smtpd pid 12345 exit status 1",
      "warning: process /usr/libexec/postfix/cleanup pid 812 killed by signal 9"}},
    {EventKind::kWarning,
     R"(^warning: (?P<detail>\S+): bad command startup -- throttling$)",
     {"warning: /usr/lib/postfix/sbin/smtpd: bad command startup -- throttling"}},
    {EventKind::kWarning,
     R"re(^warning: service "(?P<detail>[^"]*)" \([^)]*\) has reached its process limit "(?P<count>[0-9]+)": .*$)re",
     {"warning: service \"smtp\" (25) has reached its process limit \"100\": new clients may experience noticeable delays",
      "warning: service \"submission\" ([2001:db8::25]:587) has reached its process limit \"20\": new clients may experience noticeable delays"}},
};

const Pattern kPostfixScriptPatterns[] = {
    {EventKind::kScriptMessage,
     R"(^(?P<detail>(?:starting|stopping|refreshing|aborting) the Postfix mail system|waiting for the Postfix mail system to terminate|the Postfix mail system is (?:not )?running(?:: PID: (?P<count>[0-9]+))?)$)",
     {"starting the Postfix mail system", "stopping the Postfix mail system",
      "refreshing the Postfix mail system",
      "the Postfix mail system is running: PID: 1234"}},
    {EventKind::kWarning,
     R"(^warning: (?P<detail>stopping the Postfix mail system with force)$)",
     {"warning: stopping the Postfix mail system with force"}},
    {EventKind::kWarning,
     R"(^warning: (?P<detail>(?:not owned by \S+|group or other writable|not set-gid or not owner\+group\+world executable|damaged message): .*)$)",
     {"warning: not owned by root: /etc/postfix/main.cf",
      "warning: group or other writable: /etc/postfix/./dynamicmaps.cf.d",
      "warning: damaged message: corrupt/4B0C72A1F3"}},
    {EventKind::kFatal,
     R"(^fatal: (?P<detail>the Postfix mail system is (?:already|not) running)$)",
     {"fatal: the Postfix mail system is already running",
      "fatal: the Postfix mail system is not running"}},
};

const Pattern kVerifyPatterns[] = {
    {EventKind::kStatistics,
     R"(^cache (?P<detail>\S+) (?:full|partial) cleanup: retained=(?P<count>[0-9]+) dropped=[0-9]+ entries$)",
     {"cache btree:/var/lib/postfix/verify_cache full cleanup: retained=120 dropped=4 entries",
      "cache lmdb:/var/lib/postfix/verify_cache partial cleanup: retained=0 dropped=0 entries"}},
    {EventKind::kWarning,
     R"(^warning: (?P<detail>bad address verify table entry: .*)$)",
     {"warning: bad address verify table entry: garbage"}},
};

const Pattern kScachePatterns[] = {
    {EventKind::kStatistics, R"(^statistics: (?P<detail>start interval .*)$)",
     {"statistics: start interval Nov 25 17:58:09"}},
    {EventKind::kStatistics,
     R"(^statistics: (?P<detail>(?:domain|address) lookup hits=(?P<count>[0-9]+) miss=[0-9]+ success=[0-9]+%)$)",
     {"statistics: domain lookup hits=3 miss=5 success=37%",
      "statistics: address lookup hits=0 miss=8 success=0%"}},
    {EventKind::kStatistics,
     R"(^statistics: (?P<detail>max simultaneous domains=(?P<count>[0-9]+) addresses=[0-9]+ connection=[0-9]+)$)",
     {"statistics: max simultaneous domains=2 addresses=3 connection=4"}},
};

// postdrop writes to the maildrop queue and kicks pickup.
const Pattern kPostdropPatterns[] = {
    {EventKind::kWarning,
     R"(^warning: (?P<detail>unable to look up \S+: .*)$)",
     {"warning: unable to look up public/pickup: No such file or directory"}},
    {EventKind::kWarning,
     R"(^warning: uid=(?P<uid>[0-9]+): (?P<detail>.*)$)",
     {"warning: uid=1000: ignoring malformed record: 88: garbage",
      "warning: uid=0: File too large"}},
    {EventKind::kFatal,
     R"(^fatal: uid=(?P<uid>[0-9]+): (?P<detail>.*)$)",
     {"fatal: uid=1000: File too large"}},
};

// sendmail: most failures are "fatal: user(uid): text".
const Pattern kSendmailPatterns[] = {
    {EventKind::kFatal,
     R"(^fatal: [^\s()]+\((?P<uid>[0-9]+)\): (?P<detail>.*)$)",
     {"fatal: root(0): message file too big",
      "fatal: www-data(33): No recipient addresses found in message header",
      "fatal: alice(1000): unable to execute /usr/sbin/postdrop -r: Success"}},
    {EventKind::kWarning,
     R"(^warning: (?P<detail>-f option specified malformed sender: (?P<from>.*))$)",
     {"warning: -f option specified malformed sender: a b@example.com"}},
    {EventKind::kWarning,
     R"(^warning: (?P<detail>unable to look up \S+: .*)$)",
     {"warning: unable to look up public/pickup: No such file or directory"}},
};

// One table for the remaining small programs; rows must not overlap across
// them (patterns_test.cc checks each daemon against this whole table).
const Pattern kAdminMiscPatterns[] = {
    // qmqpd (its lines look like smtpd's)
    {EventKind::kConnect,
     R"(^connect from (?P<client_name>[^\s\[\]]*)\[(?P<client_addr>[^\]\s]*)\](?::(?P<client_port>[0-9]+))?$)",
     {"connect from mail.example.com[192.0.2.1]"}},
    {EventKind::kDisconnect,
     R"(^disconnect from (?P<client_name>[^\s\[\]]*)\[(?P<client_addr>[^\]\s]*)\](?::(?P<client_port>[0-9]+))?$)",
     {"disconnect from unknown[2001:db8::9]"}},
    {EventKind::kSmtpdClient,
     "^" MAILGAUGE_QID
     R"(: client=(?P<client_name>[^\s\[\]]*)\[(?P<client_addr>[^\]\s]*)\](?::(?P<client_port>[0-9]+))?$)",
     {"4B0C72A1F3: client=mail.example.com[192.0.2.1]"}},
    // spawn / master-spawned helpers
    {EventKind::kWarning,
     R"(^warning: command (?P<detail>\S+) (?:exit status|killed by signal) (?P<count>[0-9]+)$)",
     {"warning: command /usr/bin/policyd-spf exit status 1"}},
    // postqueue
    {EventKind::kWarning,
     R"(^warning: (?P<detail>Mail system is down -- accessing queue directly.*)$)",
     {"warning: Mail system is down -- accessing queue directly"}},
    {EventKind::kFatal,
     R"(^fatal: (?P<detail>(?:Queue report unavailable|Cannot flush mail queue|Cannot flush mail queue to site \S+|Cannot flush queue ID \S+) - mail system is down)$)",
     {"fatal: Queue report unavailable - mail system is down",
      "fatal: Cannot flush mail queue - mail system is down"}},
    // trivial-rewrite, proxymap, spawn, qmqpd, tlsmgr
    // postfix(1), at start and reload while compatibility_level is below
    // the release's (src/postfix/postfix.c; "running with" before 3.6).
    {EventKind::kNotice,
     R"(^(?P<detail>Postfix is (?:using|running with) backwards-compatible default settings)$)",
     {"Postfix is using backwards-compatible default settings",
      "Postfix is running with backwards-compatible default settings"}},
    {EventKind::kNotice,
     R"(^(?P<detail>See https?://www\.postfix\.org/COMPATIBILITY_README\.html for details)$)",
     {"See https://www.postfix.org/COMPATIBILITY_README.html for details",
      "See http://www.postfix.org/COMPATIBILITY_README.html for details"}},
    {EventKind::kNotice,
     R"(^(?P<detail>To disable backwards compatibility use "postconf compatibility_level=\S+" and "postfix reload")$)",
     {"To disable backwards compatibility use \"postconf compatibility_level=3.6\" and \"postfix reload\""}},
    {EventKind::kWarning,
     R"(^warning: (?P<detail>do not list domain \S+ in BOTH .*)$)",
     {"warning: do not list domain example.com in BOTH mydestination and virtual_alias_domains"}},
    {EventKind::kWarning,
     R"(^warning: (?P<detail>request for unapproved table: .*)$)",
     {"warning: request for unapproved table: \"hash:/etc/postfix/secret\""}},
    // postmap / postalias
    {EventKind::kWarning,
     R"(^warning: (?P<detail>\S+, line (?P<count>[0-9]+): .*)$)",
     {"warning: /etc/postfix/virtual, line 12: expected format: key whitespace value",
      "warning: /etc/aliases, line 3: record is in \"key: value\" format; is this an alias file?"}},
    // policyd-spf (python-policyd-spf)
    {EventKind::kCheckAction,
     R"(^(?:Policy action=)?(?P<action>prepend|PREPEND) (?P<detail>Received-SPF: (?:.*?client-ip=(?P<client_addr>[^;\s]+))?.*)$)",
     {"prepend Received-SPF: Pass (mailfrom) identity=mailfrom; client-ip=192.0.2.1; helo=mail.example.org; envelope-from=a@example.org; receiver=<UNKNOWN>",
      "Policy action=PREPEND Received-SPF: none (example.net: No applicable sender policy available) receiver=mx.example.com; identity=mailfrom; envelope-from=\"b@example.net\"; helo=h.example.net; client-ip=192.0.2.9"}},
    {EventKind::kCheckAction, R"(^Policy action=(?P<action>DUNNO|OK|DEFER_IF_PERMIT|DEFER|REJECT|WARN|HOLD|DISCARD|FILTER|REDIRECT|BCC|INFO|[45][0-9][0-9])(?: (?P<detail>.*))?$)",
     {"Policy action=DUNNO"}},
    {EventKind::kReject,
     R"(^(?P<reply>[45][0-9][0-9] [45]\.[0-9]{1,3}\.[0-9]{1,3} Message rejected due to: (?P<detail>.*))$)",
     {"550 5.7.23 Message rejected due to: SPF fail - not authorized. Please see http://www.openspf.net/Why?s=mfrom;id=a@example.org;ip=192.0.2.9;r=<UNKNOWN>"}},
};

// postlog(1) sends an administrator's text ("postlog backup done", or
// `echo text | postlog`) under Postfix's name ("postfix/postlog"): any text at
// all. What no row above and no common row (the severities first) reads is
// such a note. postlogd (maillog_file) shares the daemon and writes only
// severities.
const Pattern kPostlogLastPatterns[] = {
    {EventKind::kNotice, R"(^(?P<detail>.+)$)",
     {"nightly queue backup finished", "certbot: certificate for mx.example.com renewed",
      "connect to backup host failed"},
     /*fallback=*/true},
};

}  // namespace

absl::Span<const Pattern> PostsuperPatterns() { return kPostsuperPatterns; }
absl::Span<const Pattern> MasterPatterns() { return kMasterPatterns; }
absl::Span<const Pattern> PostfixScriptPatterns() { return kPostfixScriptPatterns; }
absl::Span<const Pattern> VerifyPatterns() { return kVerifyPatterns; }
absl::Span<const Pattern> ScachePatterns() { return kScachePatterns; }
absl::Span<const Pattern> PostdropPatterns() { return kPostdropPatterns; }
absl::Span<const Pattern> SendmailPatterns() { return kSendmailPatterns; }
absl::Span<const Pattern> AdminMiscPatterns() { return kAdminMiscPatterns; }

absl::Span<const Pattern> DaemonLastPatterns(Daemon d) {
  if (d == Daemon::kPostlog) return kPostlogLastPatterns;
  return {};
}

}  // namespace mailgauge::parsers
