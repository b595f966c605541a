// Pattern rows for the bounce daemon (which also runs as "defer" and
// "trace"); see patterns.h. Formats from Postfix's
// src/bounce/bounce_notify_service.c, bounce_notify_verp.c,
// bounce_one_service.c, bounce_warn_service.c and bounce_trace_service.c:
//
//   QID: sender non-delivery notification: NEWQID
//   QID: postmaster non-delivery notification: NEWQID
//   QID: sender delay notification: NEWQID
//   QID: postmaster delay notification: NEWQID
//   QID: sender delivery status notification: NEWQID
//
// kNotification carries new_queue_id (the notice's own queue ID) and
// `detail` = the notice type ("sender non-delivery", "postmaster delay",
// ...). Warnings ("QID: sender notification failed to X", "malformed queue
// id: X", template problems) are left to the common fallback rows.
#include "parsers/postfix/patterns.h"
#include "parsers/postfix/queue_id.h"

namespace mailgauge::parsers {
namespace {

const Pattern kBouncePatterns[] = {
    {EventKind::kNotification,
     "^" MAILGAUGE_QID
     R"(: (?P<detail>(?:sender|postmaster) (?:non-delivery|delivery status|delay)) notification: )"
     MAILGAUGE_NEW_QID "$",
     {"4B0C72A1F3: sender non-delivery notification: 7D1E23F0A9",
      "4B0C72A1F3: postmaster non-delivery notification: 7D1E23F0AA",
      "4B0C72A1F3: sender delay notification: 7D1E23F0AB",
      "4B0C72A1F3: postmaster delay notification: 7D1E23F0AC",
      "4Hs2Kx0hQ5z8Cw: sender delivery status notification: 4Hs2Kx1Mb2z8Cx"}},
    {EventKind::kNotice,
     "^" MAILGAUGE_QID
     R"(: (?P<detail>not sending trace/success notification for (?:double|single)-bounce message)"
     R"(|no trace file -- not sending a notification)$)",
     {"4B0C72A1F3: not sending trace/success notification for double-bounce message",
      "4B0C72A1F3: not sending trace/success notification for single-bounce message",
      "4B0C72A1F3: no trace file -- not sending a notification"}},
};

}  // namespace

absl::Span<const Pattern> BouncePatterns() { return kBouncePatterns; }

}  // namespace mailgauge::parsers
