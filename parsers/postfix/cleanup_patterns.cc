// Pattern rows for postfix/cleanup and postfix/pickup.
//
// Formats are those of Postfix 3.4-3.12 (src/cleanup/cleanup_message.c,
// cleanup_milter.c, src/pickup/pickup.c):
//
//   4B0C72A1F3: message-id=<20261125175809.4B0C72A1F3@mx.example.com>
//   4B0C72A1F3: reject: header Subject: buy now from unknown[192.0.2.9]; from=<a@example.net> to=<b@example.com> proto=ESMTP helo=<x>: 5.7.1 message content rejected
//   4B0C72A1F3: milter-reject: END-OF-MESSAGE from mail.example.com[192.0.2.1]: 5.7.1 Spam; from=<s@example.org> to=<r@example.com> proto=ESMTP helo=<h>
//   4B0C72A1F3: uid=0 from=<root>                                (pickup)
//
// The header/body_checks line is "QID: ACTION: CLASS CONTENT from ORIGIN;
// context[: TEXT]" where CONTENT (at most 200 bytes of the header or body
// line) may itself contain " from " and ";": the origin is the last
// " from X;" after which the context parses.
#include "parsers/postfix/patterns.h"
#include "parsers/postfix/queue_id.h"

namespace mailgauge::parsers {
namespace {

// name[addr] (cleanup does not log the port).
#define MG_CLIENT                                                      \
  R"((?P<client_name>[^\s\[\]]*)\[(?P<client_addr>[^\]\s]*)\])" \
  R"((?::(?P<client_port>[0-9]+))?)"

// The message origin: "name[addr]", or "local" (sendmail/pickup), or
// "unknown".
#define MG_ORIGIN "(?:" MG_CLIENT R"(|[^\s\[\];]+))"

// The context after the origin or the text: every part optional.
#define MG_CONTEXT                                                     \
  R"(;(?: from=<(?P<from>.*?)>)?(?: to=<(?P<to>.*?)>)?)"               \
  R"((?: proto=(?P<proto>[^\s;:]+))?(?: helo=<(?P<helo>.*?)>)?)"

// Optional trailing text of a header/body_checks action: the reject reason
// ("5.7.1 message content rejected"), the WARN/INFO text, the REDIRECT
// target, the FILTER destination, ...
#define MG_ACTION_TEXT \
  R"((?:: (?P<reply>(?:(?P<enhanced_code>[245]\.[0-9]{1,3}\.[0-9]{1,3})(?: |$))?.*))?)"

// "QID: ACTION: CLASS CONTENT from ORIGIN; context[: TEXT]".
#define MG_CHECK_ROW(actions)                                               \
  "^" MAILGAUGE_QID ": (?P<action>" actions                                 \
  R"(): (?P<stage>(?:mime-|nested-)?header|body|content) (?P<detail>.*) from )" \
  MG_ORIGIN MG_CONTEXT MG_ACTION_TEXT "$"

// "QID: milter-WHERE-ACTION: WHERE CONTENT from name[addr]; context[: TEXT]"
// (milter_header_checks, cleanup_milter.c).
#define MG_MILTER_CHECK_ROW(actions)                                       \
  "^" MAILGAUGE_QID ": (?P<action>milter-(?:header|body)-(?:" actions      \
  R"()): (?P<stage>header|body) (?P<detail>.*) from )" MG_ORIGIN MG_CONTEXT \
  MG_ACTION_TEXT "$"

const Pattern kCleanupPatterns[] = {
    // Postfix 3.10 and later (cleanup_api.c): the queue file of a
    // transaction that did not complete ("canceled": the client went away,
    // a reject after DATA) or that a DISCARD action dropped.
    {EventKind::kRemoved, "^" MAILGAUGE_QID R"(: removed \((?P<detail>canceled|discarded)\)$)",
     {"4B0C72A1F3: removed (canceled)", "4Hs2Kx0hQ5z8Cw: removed (discarded)"}},
    {EventKind::kMessageId,
     "^" MAILGAUGE_QID R"(: message-id=<?(?P<message_id>.*?)>?$)",
     {"4B0C72A1F3: message-id=<20261125175809.4B0C72A1F3@mx.example.com>",
      "4Hs2Kx0hQ5z8Cw: message-id=<CAF+a b\"c\"@mail.example.org>",
      "3F2A81C0D2: message-id=<>",
      "3F2A81C0D2: message-id=",
      "9A1B2C3D4E: message-id=1234.5678@legacy.example.net"}},
    {EventKind::kMessageId,
     "^" MAILGAUGE_QID R"(: (?P<detail>resent-message-id)=<?(?P<message_id>.*?)>?$)",
     {"4B0C72A1F3: resent-message-id=<20261125.abc@example.org>"}},

    // --- header_checks / body_checks actions ---
    {EventKind::kReject, MG_CHECK_ROW("reject"),
     {"4B0C72A1F3: reject: header Subject: buy now from unknown[192.0.2.9]; from=<a@example.net> to=<b@example.com> proto=ESMTP helo=<x>: 5.7.1 message content rejected",
      "4B0C72A1F3: reject: body Click here from mail.example.com[192.0.2.1]; from=<> to=<\"a b\"@example.com> proto=SMTP helo=<[IPv6:2001:db8::1]>: 5.7.1 Spam not wanted",
      "4B0C72A1F3: reject: header Received: from relay.example.org (relay.example.org [192.0.2.8]) by mx; Tue from local; from=<root@example.com> to=<ops@example.com>: 4.7.1 try later",
      "4B0C72A1F3: reject: mime-header Content-Type: application/x-msdownload; name=\"a.exe\" from unknown[192.0.2.9]; from=<a@example.net> to=<b@example.com> proto=ESMTP helo=<x>: 5.7.1 Attachment type not allowed"}},
    {EventKind::kHeaderWarning, MG_CHECK_ROW("warning"),
     {"4B0C72A1F3: warning: header Subject: free money from unknown[192.0.2.9]; from=<a@example.net> to=<b@example.com> proto=ESMTP helo=<x>: suspicious subject",
      "4B0C72A1F3: warning: header X-Mailer: bulk from local; from=<root@example.com>"}},
    {EventKind::kInfo, MG_CHECK_ROW("info"),
     {"4B0C72A1F3: info: header From: Alice <alice@example.org> from mail.example.com[192.0.2.1]; from=<alice@example.org> to=<bob@example.com> proto=ESMTP helo=<mail.example.com>"}},
    {EventKind::kHeld, MG_CHECK_ROW("hold"),
     {"4B0C72A1F3: hold: header Subject: invoice from unknown[192.0.2.9]; from=<a@example.net> to=<b@example.com> proto=ESMTP helo=<x>: quarantined"}},
    {EventKind::kDiscarded, MG_CHECK_ROW("discard"),
     {"4B0C72A1F3: discard: body viagra from unknown[192.0.2.9]; from=<a@example.net> to=<b@example.com> proto=ESMTP helo=<x>"}},
    {EventKind::kRedirect, MG_CHECK_ROW("redirect"),
     {"4B0C72A1F3: redirect: header To: all@example.com from mail.example.com[192.0.2.1]; from=<s@example.org> to=<all@example.com> proto=ESMTP helo=<h>: moderator@example.com"}},
    {EventKind::kFilter, MG_CHECK_ROW("filter"),
     {"4B0C72A1F3: filter: header X-Scan: yes from local; from=<root@example.com> to=<a@example.com>: smtp:[127.0.0.1]:10025"}},
    {EventKind::kCheckAction,
     MG_CHECK_ROW("replace|prepend|strip|pass|delay|bcc"),
     {"4B0C72A1F3: replace: header Received: from internal.example.com (internal [10.0.0.5]) from mail.example.com[192.0.2.1]; from=<s@example.org> to=<r@example.com> proto=ESMTP helo=<h>: X-Original-Received: hidden",
      "4B0C72A1F3: strip: header X-Spam-Flag: YES from unknown[192.0.2.9]; from=<a@example.net> to=<b@example.com> proto=ESMTP helo=<x>",
      "4B0C72A1F3: prepend: header Subject: hello from local; from=<root@example.com> to=<a@example.com>: X-Tag: local",
      "4B0C72A1F3: bcc: header To: ceo@example.com from mail.example.com[192.0.2.1]; from=<s@example.org> to=<ceo@example.com> proto=ESMTP helo=<h>: archive@example.com"}},
    {EventKind::kReject,
     "^" MAILGAUGE_QID R"(: (?P<action>reject): (?P<stage>mime-error) (?P<detail>.*) from )" MG_ORIGIN
     R"(; from=<(?P<from>.*?)> to=<(?P<to>.*)>$)",
     {"4B0C72A1F3: reject: mime-error improper use of 8-bit data in message header: Subject: caf\xc3\xa9 from unknown[192.0.2.9]; from=<a@example.net> to=<b@example.com>",
      "4B0C72A1F3: reject: mime-error MIME nesting exceeds safety limit: multipart/mixed from local; from=<root@example.com> to=<unknown>"}},

    // --- milter_header_checks (after a Milter edited the message) ---
    {EventKind::kReject, MG_MILTER_CHECK_ROW("reject"),
     {"4B0C72A1F3: milter-header-reject: header X-Spam: yes from mail.example.com[192.0.2.1]; from=<s@example.org> to=<r@example.com> proto=ESMTP helo=<h>: 5.7.1 message content rejected"}},
    {EventKind::kHeld, MG_MILTER_CHECK_ROW("hold"),
     {"4B0C72A1F3: milter-header-hold: header X-Spam-Level: ***** from unknown[192.0.2.9]; from=<a@example.net> to=<b@example.com> proto=ESMTP helo=<x>"}},
    {EventKind::kDiscarded, MG_MILTER_CHECK_ROW("discard"),
     {"4B0C72A1F3: milter-body-discard: body bad content from unknown[192.0.2.9]; from=<a@example.net> to=<b@example.com> proto=ESMTP helo=<x>"}},
    {EventKind::kRedirect, MG_MILTER_CHECK_ROW("redirect"),
     {"4B0C72A1F3: milter-header-redirect: header X-Quarantine: yes from unknown[192.0.2.9]; from=<a@example.net> to=<b@example.com> proto=ESMTP helo=<x>: quarantine@example.com"}},
    {EventKind::kFilter, MG_MILTER_CHECK_ROW("filter"),
     {"4B0C72A1F3: milter-header-filter: header X-Scan: yes from unknown[192.0.2.9]; from=<a@example.net> to=<b@example.com> proto=ESMTP helo=<x>: smtp:[127.0.0.1]:10026"}},
    {EventKind::kCheckAction, MG_MILTER_CHECK_ROW("bcc"),
     {"4B0C72A1F3: milter-header-bcc: header To: ceo@example.com from mail.example.com[192.0.2.1]; from=<s@example.org> to=<ceo@example.com> proto=ESMTP helo=<h>: archive@example.com"}},

    // --- Milter replies for non-SMTP mail (cleanup_milter.c) ---
    {EventKind::kMilterReject,
     "^" MAILGAUGE_QID R"(: (?P<action>milter-reject): (?P<stage>[A-Z][A-Z-]*) from )" MG_CLIENT
     R"(: (?P<reply>(?:(?P<enhanced_code>[245]\.[0-9]{1,3}\.[0-9]{1,3}) )?.*?))" MG_CONTEXT "$",
     {"4B0C72A1F3: milter-reject: END-OF-MESSAGE from mail.example.com[192.0.2.1]: 5.7.1 Spam message rejected; from=<s@example.org> to=<r@example.com> proto=ESMTP helo=<mail.example.com>",
      "4B0C72A1F3: milter-reject: END-OF-MESSAGE from localhost[127.0.0.1]: 4.7.1 Service unavailable - try again later; from=<root@example.com> to=<a@example.com>"}},
    {EventKind::kHeld,
     "^" MAILGAUGE_QID R"(: (?P<action>milter-hold): (?P<stage>[A-Z][A-Z-]*) from )" MG_CLIENT
     ": (?P<detail>.*?)" MG_CONTEXT "$",
     {"4B0C72A1F3: milter-hold: END-OF-MESSAGE from mail.example.com[192.0.2.1]: milter triggers HOLD action; from=<s@example.org> to=<r@example.com> proto=ESMTP helo=<mail.example.com>"}},
    {EventKind::kDiscarded,
     "^" MAILGAUGE_QID R"(: (?P<action>milter-discard): (?P<stage>[A-Z][A-Z-]*) from )" MG_CLIENT
     ": (?P<detail>.*?)" MG_CONTEXT "$",
     {"4B0C72A1F3: milter-discard: END-OF-MESSAGE from unknown[192.0.2.9]: milter triggers DISCARD action; from=<a@example.net> to=<b@example.com> proto=ESMTP helo=<x>"}},

    // --- cleanup warnings naming the message ---
    {EventKind::kReject,
     "^warning: " MAILGAUGE_QID R"(: message rejected: (?P<reply>.*)$)",
     {"warning: 4B0C72A1F3: message rejected: hopcount exceeded",
      "warning: 4B0C72A1F3: message rejected: no Received: header"}},
    {EventKind::kWarning,
     R"(^warning: (?:)" MAILGAUGE_QID R"(: )?(?P<detail>(?:milter|connect to Milter service|Milter service) (?P<remote_host>\S+?):? .*)$)",
     {"warning: milter inet:127.0.0.1:8891: can't read SMFIC_BODYEOB reply packet header: Connection reset by peer",
      "warning: connect to Milter service unix:/run/opendkim/opendkim.sock: No such file or directory",
      "warning: 4B0C72A1F3: milter unix:/var/run/clamav/clamav-milter.ctl: Unexpected response"}},
    // A message larger than message_size_limit sent without SIZE=: the
    // client gets "552 5.3.4 Message size exceeds fixed limit" after DATA and
    // no reject line is logged (seen in testdata/logs/postfix_real.*).
    {EventKind::kSizeLimitExceeded,
     "^warning: " MAILGAUGE_QID ": (?P<detail>queue file size limit exceeded)$",
     {"warning: 4B0C72A1F3: queue file size limit exceeded"}},
    // Any other warning naming the message (fallback: the rows above win).
    {EventKind::kWarning, "^warning: " MAILGAUGE_QID ": (?P<detail>.*)$",
     {"warning: 4B0C72A1F3: write queue file: No space left on device"},
     /*fallback=*/true},
};

const Pattern kPickupPatterns[] = {
    {EventKind::kPickup,
     "^" MAILGAUGE_QID R"(: uid=(?P<uid>[0-9]+) from=<(?P<from>.*?)>(?: orig_id=)" MAILGAUGE_NEW_QID ")?$",
     {"4B0C72A1F3: uid=0 from=<root>",
      "4Hs2Kx0hQ5z8Cw: uid=1000 from=<alice@example.com>",
      "3F2A81C0D2: uid=33 from=<>",
      "9A1B2C3D4E: uid=0 from=<root> orig_id=4B0C72A1F3"}},
    {EventKind::kWarning,
     "^warning: " MAILGAUGE_QID R"(: (?P<detail>message \S+ (?:dated [0-9]+ seconds into the future|has been queued for [0-9]+ days)|uid=(?P<uid>[0-9]+): no envelope sender)$)",
     {"warning: 4B0C72A1F3: message maildrop/4B0C72A1F3 dated 3600 seconds into the future",
      "warning: 4B0C72A1F3: uid=1000: no envelope sender"}},
};

#undef MG_CLIENT
#undef MG_ORIGIN
#undef MG_CONTEXT
#undef MG_ACTION_TEXT
#undef MG_CHECK_ROW
#undef MG_MILTER_CHECK_ROW

}  // namespace

absl::Span<const Pattern> CleanupPatterns() { return kCleanupPatterns; }
absl::Span<const Pattern> PickupPatterns() { return kPickupPatterns; }

}  // namespace mailgauge::parsers
