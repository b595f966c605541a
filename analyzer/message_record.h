// File: analyzer/message_record.h
// One finished message as the correlator reconstructs it from many log lines:
// where it came from, who sent it, and what became of each recipient. This is
// what `mailgauge records` prints (see docs/records.md for the JSON schema)
// and what the report and the exporter aggregate.
//
//   void OnRecord(MessageRecord&& m) {
//     for (const RecipientRecord& r : m.recipients) {
//       if (r.status == RecipientStatus::kBounced) CountBounce(r.reason);
//     }
//   }
#ifndef MAILGAUGE_ANALYZER_MESSAGE_RECORD_H_
#define MAILGAUGE_ANALYZER_MESSAGE_RECORD_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/timestamp.h"
#include "parsers/postfix/event.h"

namespace mailgauge::analyzer {

// A recipient's outcome. Final states: sent, bounced, expired, deleted,
// discarded. deferred and held are states a message can still be in at the
// end of the input.
enum class RecipientStatus : uint8_t {
  kUnknown = 0,  // seen only in a line without an outcome
  kSent,
  kBounced,
  kExpired,
  kDeleted,
  kDeferred,
  kHeld,
  kDiscarded,
};
std::string_view RecipientStatusName(RecipientStatus s);
bool IsFinal(RecipientStatus s);

struct RecipientRecord {
  std::string address;     // to=
  std::string orig_to;     // orig_to=, empty when not logged
  RecipientStatus status = RecipientStatus::kUnknown;
  std::string relay;       // relay= of the last attempt
  std::string transport;   // daemon of the last attempt: smtp, local, virtual, ...
  std::string dsn;         // dsn= of the last attempt
  std::string reply;       // text in parentheses of the last attempt
  std::string reason;      // reason class of a deferral/bounce/expiry, "" when sent
  double delay = -1;       // delay= of the last attempt
  parsers::Delays delays;  // delays= of the last attempt
  int deferrals = 0;       // number of status=deferred lines
  Timestamp time;          // time of the last attempt
  std::string queue_id;    // queue ID of the hop that delivered it
  // Set when this delivery handed the message to another queue ID ("queued
  // as X" to a content filter, "forwarded as X" by local(8)).
  std::string handoff_to;
};

// A recipient refused by smtpd or cleanup while the message had a queue ID.
struct RejectedRecipient {
  std::string address;
  std::string stage;   // RCPT, DATA, END-OF-MESSAGE, header, body
  std::string reply;
};

struct MessageRecord {
  std::vector<std::string> queue_ids;  // every hop, first hop first
  std::string host;
  std::string instance;
  std::string service;                 // e.g. "submission" when logged so
  Timestamp arrival;                   // first line of the first hop
  Timestamp completion;                // last line (removal) of the last hop
  // How the message entered: "smtpd", "pickup", "notification" (a bounce or
  // delay notice made by Postfix), "local" (made by local(8) forwarding with no
  // parent in the log), "unknown" (its first lines are not in the input).
  std::string origin;
  std::string client_name, client_addr, client_port, helo;
  std::string sasl_method, sasl_username;
  std::string uid;                     // pickup uid=
  std::string sender;
  bool sender_known = false;
  int64_t size = -1;
  int64_t nrcpt = -1;
  std::string message_id;
  // For notices: the queue ID whose delivery failed, and the notice type
  // ("non-delivery", "delay", "delivery status", "postmaster non-delivery").
  std::string parent_queue_id;
  std::string notification;
  std::vector<std::string> notifications;  // notices this message caused
  bool held = false;                   // in the hold queue at the end
  // An address-verification probe (verify(8), reject_unverified_*, or
  // sendmail -bv): its recipients' outcomes are status=deliverable (here
  // sent) and undeliverable (here bounced), tests of an address, not mail
  // delivered or bounced.
  bool probe = false;
  // How the record ended: "removed", "deleted", "expired", "rejected",
  // "discarded", "requeued", "corrupt", "canceled", "end_of_input", "evicted_age",
  // "evicted_cap", "abandoned".
  std::string end;
  bool finished = false;
  std::string reject_stage, reject_reply;  // when end == "rejected"
  std::vector<RecipientRecord> recipients;
  std::vector<RejectedRecipient> rejected_recipients;
};

// Records on their way to another thread (`--threads`), in kept slots. A
// record is swapped in, not copied: the slot takes its contents and the
// caller gets the slot's previous record back, whose strings and recipients
// keep their buffers, for the caller to clear and fill again (the
// correlator clears the record it lends its sink anyway). So neither thread
// allocates, frees or copies strings per record once the slots exist, and
// no memory allocated by one thread is freed by the other.
class RecordRun {
 public:
  // Takes `m`'s contents as the run's next record; `m` is left holding a
  // used slot's old record (stale, to be cleared) or, the first time a slot
  // is used, an empty one.
  void Append(MessageRecord&& m) {
    if (size_ < slots_.size()) {
      std::swap(slots_[size_], m);
    } else {
      slots_.push_back(std::move(m));
    }
    ++size_;
  }
  // Forgets the records, keeping the slots and their buffers.
  void Clear() { size_ = 0; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const MessageRecord& operator[](size_t i) const { return slots_[i]; }
  const MessageRecord* begin() const { return slots_.data(); }
  const MessageRecord* end() const { return slots_.data() + size_; }

 private:
  std::vector<MessageRecord> slots_;
  size_t size_ = 0;  // slots_[0, size_) hold this run's records
};

}  // namespace mailgauge::analyzer

#endif  // MAILGAUGE_ANALYZER_MESSAGE_RECORD_H_
