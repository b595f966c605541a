// File: refmta/postsuper.h
// Queue maintenance as Postfix's postsuper(1) does it, with its log lines
// (src/postsuper/postsuper.c):
//   -d: "4B0C72A1F3: removed",          then "Deleted: 1 message"
//   -h: "4B0C72A1F3: placed on hold",   then "Placed on hold: 1 message"
//   -H: "4B0C72A1F3: released from hold", then "Released from hold: 1 message"
//   -r: "4B0C72A1F3: requeued",         then "Requeued: 1 message"
// -h takes mail from incoming and deferred into hold; -H moves it from hold
// to deferred, due at once; -r moves it (undelivered recipients only) to
// maildrop, from where pickup gives it a new queue ID.
//
//   PostsuperResult r = RunPostsuper(queue, log, ledger, pid, PostsuperAction::kDelete,
//                                    {"ALL"}, absl::nullopt);
//
// Thread-safety: as Queue; do not run two actions on one message at once.
#ifndef MAILGAUGE_REFMTA_POSTSUPER_H_
#define MAILGAUGE_REFMTA_POSTSUPER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "refmta/ledger.h"
#include "refmta/postfix_log.h"
#include "refmta/queue.h"

namespace mailgauge::refmta {

enum class PostsuperAction { kDelete, kHold, kRelease, kRequeue };

// Applies `action` to each queue ID in `ids` ("ALL" means every message),
// limited to `only_queue` when given, logs each message and the summary,
// and returns how many messages were affected. IDs not found are skipped
// (postsuper is silent about them too). InvalidArgument for a malformed ID.
[[nodiscard]] absl::StatusOr<int> RunPostsuper(Queue* queue, PostfixLogWriter* log,
                                               Ledger* ledger, int64_t pid,
                                               PostsuperAction action,
                                               const std::vector<std::string>& ids,
                                               absl::optional<QueueName> only_queue);

}  // namespace mailgauge::refmta

#endif  // MAILGAUGE_REFMTA_POSTSUPER_H_
