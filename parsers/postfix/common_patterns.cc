// Rows every Postfix daemon shares. They are fallbacks: a daemon's own table
// is consulted first, and these catch the generic severities so that a
// warning we have no specific row for is still understood and counted.
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
    {EventKind::kPanic,
     "^(?:" MAILGAUGE_QID ": )?panic: (?P<detail>.*)$",
     {"panic: myfree: corrupt or unallocated memory block"},
     /*fallback=*/true},
};

}  // namespace

absl::Span<const Pattern> CommonPatterns() { return kCommonPatterns; }

}  // namespace mailgauge::parsers
