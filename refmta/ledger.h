// File: refmta/ledger.h
// The ledger: refmta's own record of what truly happened, one JSON object
// per line, written as things happen. It is the oracle end-to-end tests
// compare mailgauge's records and reports with.
//
//   {"event":"delivered","time":"2026-11-25T17:58:09.123456Z","queue_id":"4B0C72A1F3",
//    "sender":"alice@example.com","recipient":"bob@example.com","status":"sent",
//    "where":"local:mailbox","why":"delivered to mailbox","orig_to":""}
//
// Events: "connect", "rejected" (no queue ID: refused at RCPT/MAIL/DATA),
// "accepted" (one per recipient entering the queue), "delivered",
// "deferred", "bounced", "expired", "deleted", "held", "released",
// "discarded", "notification" (a bounce notice queued), "disconnect".
// Every field is always present; unknown ones are "".
//
//   absl::StatusOr<std::unique_ptr<Ledger>> ledger = Ledger::Open("/tmp/ledger.jsonl");
//   (*ledger)->Append({"accepted", absl::Now(), "4B0C72A1F3", "alice@example.com",
//                      "bob@example.com", "queued", "smtpd", ""});
//
// Thread-safety: Ledger is thread-safe; each event is one write(2) of one
// whole line to a file opened with O_APPEND.
#ifndef MAILGAUGE_REFMTA_LEDGER_H_
#define MAILGAUGE_REFMTA_LEDGER_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace mailgauge::refmta {

struct LedgerEvent {
  std::string event;
  absl::Time time;
  std::string queue_id;
  std::string sender;
  std::string recipient;
  std::string status;
  std::string where;  // "smtpd:RCPT", "local:mailbox", "smtp:127.0.0.9:2526", ...
  std::string why;    // the reply or reason text
  // The address the recipient was reached through (an alias, .forward or
  // virtual alias), as Postfix logs orig_to=; "" when it is the recipient.
  std::string orig_to;
};

// One event as its JSON line (with the trailing "\n"); `time` is written in
// UTC with microseconds.
std::string LedgerLine(const LedgerEvent& event);

class Ledger {
 public:
  // Opens `path` for appending (created 0644). Internal error naming it on
  // failure.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Ledger>> Open(const std::string& path);
  // Sends lines to `sink` instead of a file (for tests).
  explicit Ledger(std::function<void(const std::string&)> sink);
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Appends one event. Internal error on a failed write.
  [[nodiscard]] absl::Status Append(const LedgerEvent& event);

 private:
  std::function<void(const std::string&)> sink_;
  int fd_ = -1;
  std::mutex mu_;
};

}  // namespace mailgauge::refmta

#endif  // MAILGAUGE_REFMTA_LEDGER_H_
