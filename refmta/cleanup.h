// File: refmta/cleanup.h
// What Postfix's cleanup(8) does with a message smtpd has received, for
// refmta: apply header_checks (REJECT, DISCARD, HOLD, WARN, INFO, IGNORE,
// OK/DUNNO), add the Received: header and a Message-ID: when missing, write
// the queue file into incoming (or hold), and log and record each step:
//
//   postfix/cleanup: 4B0C72A1F3: message-id=<20261125175809.4B0C72A1F3@mx.example.com>
//   postfix/cleanup: 4B0C72A1F3: reject: header Subject: buy now from unknown[127.0.0.5];
//       from=<a@example.com> to=<b@example.com> proto=ESMTP helo=<client>: 5.7.1 message
//       content rejected
//
//   Cleanup cleanup(config, &queue, &log, &ledger, std::move(header_checks), cleanup_pid);
//   CleanupResult r = cleanup.Process(message, QueueName::kIncoming);
//   reply(r.reply);   // "250 2.0.0 Ok: queued as 4B0C72A1F3"
//
// Thread-safety: Cleanup is thread-safe (its collaborators are).
#ifndef MAILGAUGE_REFMTA_CLEANUP_H_
#define MAILGAUGE_REFMTA_CLEANUP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "refmta/ledger.h"
#include "refmta/lookup_table.h"
#include "refmta/main_cf.h"
#include "refmta/postfix_log.h"
#include "refmta/queue.h"

namespace mailgauge::refmta {

// A message as smtpd hands it over: reserved queue ID, envelope, client
// details, and the content with "\n" line endings (dot-stuffing removed).
struct IncomingMessage {
  std::string queue_id;
  std::string sender;
  std::vector<std::string> recipients;
  std::string client_name;
  std::string client_addr;
  std::string helo;  // "" when the client sent none
  std::string protocol;
  absl::Time arrival;
  std::string content;
  // >= 0 for a local submission picked up from maildrop (pickup(8)): the
  // Received: header says "from userid N", cleanup logs the origin as
  // "local", and the queue file's origin is "pickup".
  int64_t uid = -1;
};

struct CleanupResult {
  enum class Kind { kQueued, kHeld, kDiscarded, kRejected, kFailed };
  Kind kind = Kind::kFailed;
  std::string reply;  // the SMTP reply for the end of DATA
};

// One header_checks decision, parsed from a table result.
struct HeaderAction {
  std::string command;  // upper case: "REJECT", "DISCARD", "HOLD", "WARN", ...
  std::string text;     // optional text after the command
};
HeaderAction ParseHeaderAction(absl::string_view result);

// Splits message content into logical headers (continuation lines kept,
// joined with their "\n") and returns them; `body_offset` receives the offset
// of the body (after the empty line), or content.size() when there is none.
std::vector<std::string> LogicalHeaders(absl::string_view content, size_t* body_offset);

class Cleanup {
 public:
  Cleanup(const RefmtaConfig& config, Queue* queue, PostfixLogWriter* log, Ledger* ledger,
          LookupTableList header_checks, int64_t pid);

  // Processes `message`, whose ID was reserved in `reserved_in`. Never
  // throws; a queue write error gives kFailed with "451 4.3.0 Error: queue
  // file write error".
  CleanupResult Process(const IncomingMessage& message, QueueName reserved_in);

 private:
  void Record(const IncomingMessage& m, absl::string_view event, absl::string_view status,
              absl::string_view where, absl::string_view why);

  const std::string myhostname_;
  Queue* const queue_;
  PostfixLogWriter* const log_;
  Ledger* const ledger_;
  const LookupTableList header_checks_;
  const int64_t pid_;
};

}  // namespace mailgauge::refmta

#endif  // MAILGAUGE_REFMTA_CLEANUP_H_
