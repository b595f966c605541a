// File: refmta/pickup.h
// Local submission: what Postfix's sendmail/postdrop write into the maildrop
// queue, and what pickup(8) does with it (a new queue file in incoming,
// through cleanup). refmta's `sendmail` command calls Drop(); the server
// calls PickupAll() on each queue run.
//
//   postfix/pickup[7]: 4B0C72A1F3: uid=1000 from=<alice>
//   postfix/cleanup[8]: 4B0C72A1F3: message-id=<20261125175809.4B0C72A1F3@mx.example.com>
//
//   absl::StatusOr<std::string> id = DropMessage(queue, "alice", {"bob"}, getuid(), text);
//   PickupAll(queue, cleanup, log, config, pickup_pid);
//
// Thread-safety: functions are thread-safe as Queue and Cleanup are.
#ifndef MAILGAUGE_REFMTA_PICKUP_H_
#define MAILGAUGE_REFMTA_PICKUP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "refmta/cleanup.h"
#include "refmta/main_cf.h"
#include "refmta/postfix_log.h"
#include "refmta/queue.h"

namespace mailgauge::refmta {

// Recipients named in To:, Cc: and Bcc: headers (sendmail -t), in order,
// without duplicates; the address part of "Name <addr>" forms.
std::vector<std::string> RecipientsFromHeaders(absl::string_view content);

// Writes a local submission into maildrop. `content` is the message with
// "\n" (or "\r\n") line endings. InvalidArgument when there is no recipient.
[[nodiscard]] absl::StatusOr<std::string> DropMessage(Queue* queue, const std::string& sender,
                                                      const std::vector<std::string>& recipients,
                                                      int64_t uid, absl::string_view content);

// Moves every maildrop message through cleanup into incoming (new queue
// IDs, as Postfix's pickup does) and returns how many were picked up.
// Unqualified addresses get "@$myorigin".
[[nodiscard]] absl::StatusOr<int> PickupAll(Queue* queue, Cleanup* cleanup,
                                            PostfixLogWriter* log, const RefmtaConfig& config,
                                            int64_t pickup_pid);

}  // namespace mailgauge::refmta

#endif  // MAILGAUGE_REFMTA_PICKUP_H_
