// Pattern rows for the queue manager, qmgr (also "nqmgr"/"oqmgr"); see
// patterns.h. Formats from Postfix's src/global/opened.c (queue active),
// src/qmgr/qmgr_active.c (removed, expired, corrupt files),
// src/qmgr/qmgr_message.c (skipped) and src/qmgr/qmgr_deliver.c with
// src/global/log_adhoc.c (recipients qmgr defers itself while a transport or
// destination is throttled: "delivery temporarily suspended: ...").
#include "parsers/postfix/patterns.h"
#include "parsers/postfix/queue_id.h"

namespace mailgauge::parsers {
namespace internal {
// The delivery line regex, defined in delivery_patterns.cc.
extern const char kDeliveryLineRegex[];
}  // namespace internal

namespace {

const Pattern kQmgrPatterns[] = {
    {EventKind::kQueued,
     "^" MAILGAUGE_QID
     R"(: from=<(?P<from>.*?)>, size=(?P<size>\d+), nrcpt=(?P<nrcpt>\d+)(?: \(queue (?P<detail>[a-z]+)\))?$)",
     {"4B0C72A1F3: from=<alice@example.com>, size=2048, nrcpt=1 (queue active)",
      "4B0C72A1F3: from=<>, size=5120, nrcpt=3 (queue active)",
      "4Hs2Kx0hQ5z8Cw: from=<\"bob smith\"@example.com>, size=10240, nrcpt=2 (queue active)"}},
    {EventKind::kRemoved, "^" MAILGAUGE_QID ": removed$",
     {"4B0C72A1F3: removed", "4Hs2Kx0hQ5z8Cw: removed"}},
    {EventKind::kExpired,
     "^" MAILGAUGE_QID
     R"(: from=<(?P<from>.*?)>, status=(?P<status>expired|force-expired), returned to sender$)",
     {"4B0C72A1F3: from=<alice@example.com>, status=expired, returned to sender",
      "4B0C72A1F3: from=<>, status=force-expired, returned to sender"}},
    {EventKind::kDelivery, internal::kDeliveryLineRegex,
     {"4B0C72A1F3: to=<alice@example.org>, relay=none, delay=1.5, delays=1.4/0.1/0/0, dsn=4.4.1, status=deferred (delivery temporarily suspended: connect to mx.example.org[192.0.2.25]:25: Connection refused)",
      "4B0C72A1F3: to=<bob@example.org>, orig_to=<bob@old.example.org>, relay=none, delay=86400, delays=86399/1/0/0, dsn=4.3.0, status=deferred (delivery temporarily suspended: unknown mail transport error)",
      "4B0C72A1F3: to=<carol@example.org>, relay=none, delay=432000, delays=431999/1/0/0, dsn=4.4.2, status=expired (delivery temporarily suspended: lost connection with mx.example.org[192.0.2.25] while receiving the initial server greeting)",
      "4B0C72A1F3: to=<postmaster@example.com>, relay=none, delay=0.01, delays=0/0.01/0/0, dsn=2.0.0, status=sent (undeliverable postmaster notification discarded)",
      "4B0C72A1F3: to=<dave@example.org>, relay=none, delay=0.2, delays=0.1/0.1/0/0, dsn=5.4.4, status=bounced (Host or domain name not found. Name service error for name=example.org type=AAAA: Host not found)"}},
    {EventKind::kNotice,
     "^" MAILGAUGE_QID R"(: (?P<detail>skipped, still being delivered)$)",
     {"4B0C72A1F3: skipped, still being delivered"}},
    // Warnings that name a queue file: keep the queue ID for correlation.
    // `action` is the queue the file went to: "corrupt" ends the message
    // (the correlator; Postfix will not touch it again).
    {EventKind::kWarning,
     R"(^warning: (?P<detail>saving corrupt file ")" MAILGAUGE_QID
     R"re(" from queue "[a-z]+" to queue "(?P<action>[a-z]+)")$)re",
     {"warning: saving corrupt file \"4B0C72A1F3\" from queue \"active\" to queue \"corrupt\""}},
    {EventKind::kWarning, "^warning: " MAILGAUGE_QID R"(: (?P<detail>.*)$)",
     {"warning: 4B0C72A1F3: message rejected: missing end record",
      "warning: 4B0C72A1F3: ignoring bad VERP request: \"+=x\""}},
};

}  // namespace

absl::Span<const Pattern> QmgrPatterns() { return kQmgrPatterns; }

}  // namespace mailgauge::parsers
