// File: analyzer/correlator.h
// Joins Postfix events by queue ID into one MessageRecord per message, in
// bounded memory. A message is keyed by (host, instance, queue ID) and is
// followed from smtpd `client=` or pickup `uid=` through cleanup, qmgr and
// every recipient's delivery lines to qmgr `removed`. Content-filter
// re-injection ("queued as X") and local forwarding ("forwarded as X") join
// the new queue ID into the same logical message, so nothing is counted
// twice; bounce and delay notices are their own messages, linked to their
// parent. NOQUEUE rejects are counted (stats()), not turned into messages.
//
//   Correlator c(CorrelatorOptions{}, [](MessageRecord&& m) { Print(m); });
//   for (each parsed line) c.Add(line, event);
//   c.Finish();   // end of input: emits what is complete (and, if asked,
//                 // what is still in flight)
//
// Lines of one message may arrive out of order across processes: a finished
// message waits `grace_seconds` of log time for stragglers before it is
// emitted. Memory is bounded: a message with no line for `max_age_seconds` is
// evicted, and so is the least recently active one when `max_messages` are
// in flight; both are counted. Log time is measured on a clock that never
// goes backwards: when the log's time jumps back by more than
// `grace_seconds`, as in logs concatenated or a clock reset, the
// clock goes on counting from the new times, so memory stays bounded by the
// messages in flight whatever the log's clock does.
//
// State can be saved and restored, so that a message that spans a restart of
// the program is still one message (the exporter keeps it in its state file
// next to the file offsets):
//
//   std::string saved = c.SerializeState();     // between two Add() calls
//   ...
//   Correlator fresh(options, sink);
//   absl::Status s = fresh.RestoreState(saved);  // DataLoss: start clean
//
// Thread-safety: not thread-safe; use one Correlator per input stream.
#ifndef MAILGAUGE_ANALYZER_CORRELATOR_H_
#define MAILGAUGE_ANALYZER_CORRELATOR_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "analyzer/message_record.h"
#include "common/log_line.h"
#include "parsers/postfix/event.h"

namespace mailgauge::analyzer {

struct CorrelatorOptions {
  // A message with no new line for this long (log time) is evicted. Default:
  // Postfix's maximal_queue_lifetime (5d) plus a day of margin.
  int64_t max_age_seconds = 6 * 86400;
  // At most this many messages in flight; the least recently active one is
  // evicted beyond it.
  size_t max_messages = 100000;
  // A finished message waits this long (log time) for late lines before it
  // is emitted.
  int64_t grace_seconds = 10;
  // A message that never reached the queue manager (smtpd accepted it but
  // the client went away, or its lines are missing) is closed as
  // "abandoned" after this long.
  int64_t unqueued_seconds = 3600;
  // Emit evicted and abandoned messages (finished=false) instead of only
  // counting them.
  bool emit_unfinished = false;
};

struct CorrelatorStats {
  uint64_t events = 0;
  uint64_t messages = 0;            // distinct messages started (every hop)
  uint64_t records = 0;             // records emitted
  uint64_t unfinished_records = 0;  // of which unfinished
  uint64_t joined_hops = 0;         // hops joined into another message
  uint64_t notifications = 0;       // notices linked to their parent
  uint64_t noqueue_rejects = 0;     // NOQUEUE: reject lines
  uint64_t queued_rejects = 0;      // QID: reject lines (recipient or message)
  uint64_t reject_warnings = 0;
  uint64_t evicted_age = 0;
  uint64_t evicted_cap = 0;
  uint64_t abandoned = 0;
  uint64_t canceled = 0;            // transactions smtpd dropped (OnSmtpdSessionEnd)
  uint64_t unfinished_at_end = 0;   // in flight when the input ended
  uint64_t queue_id_reuse = 0;      // a new message on a finished queue ID
};

class Correlator {
 public:
  using Sink = std::function<void(MessageRecord&&)>;

  Correlator(const CorrelatorOptions& options, Sink sink);
  ~Correlator();
  Correlator(const Correlator&) = delete;
  Correlator& operator=(const Correlator&) = delete;

  // Feeds one parsed line. Lines without a queue ID (connections, NOQUEUE
  // rejects, warnings) only update stats().
  void Add(const LogLine& line, const parsers::Event& event);

  // End of input: emits every complete message; messages still in flight
  // are emitted with finished=false when `include_unfinished`, else counted.
  void Finish(bool include_unfinished);

  // Moves the log clock forward to `unix_micros` (log time, of the current
  // epoch; an earlier time is ignored, never a jump) and emits the
  // finished messages whose grace period has passed. For live sources: when
  // the log is quiet, no new line moves the clock, so the caller estimates
  // the log's present time (newest line's time plus the wall time since).
  void AdvanceTo(int64_t unix_micros);

  // Everything needed to go on from this moment: the messages in flight
  // (their fields, hops, activity order and finishing order), the pending
  // hand-offs, the log clock and stats(), as versioned JSON text
  // (kStateVersion). O(messages in flight); the options are not saved.
  std::string SerializeState() const;

  // Replaces this correlator's state with `text` from SerializeState(): fed
  // the same lines afterwards, it emits exactly the records the saved one
  // would have. FailedPrecondition unless nothing is in flight yet;
  // DataLoss naming the fault when `text` is not a valid state of this
  // version (then nothing is changed). Never crashes on any input.
  [[nodiscard]] absl::Status RestoreState(std::string_view text);
  static constexpr int kStateVersion = 1;

  size_t in_flight() const { return messages_.size(); }
  // Hand-offs ("queued as X") whose X has not appeared (yet); kept a minute.
  size_t pending_handoffs() const { return pending_handoffs_.size(); }
  const CorrelatorStats& stats() const { return stats_; }

 private:
  // Performance: Add() allocates nothing in the steady state. Messages live
  // in reused slots (a slot number and the message's serial name a message
  // safely after it is gone); lookups hash (host, instance, queue ID) views
  // of the line without building a key; an emitted record is the message's
  // own, lent to the sink and then cleared for the next message, so its
  // strings keep their buffers (unless the sink moves them away; a sink may
  // also swap it with a used record, RecordRun, whose buffers are then
  // cleared and kept), and so do its recipients', which later messages'
  // recipients reuse.
  struct Message;
  // (host, instance, queue ID) of a line, to look a message up.
  struct MessageKey {
    std::string_view host, instance, queue_id;
  };
  // (host, queue ID), to join hops across instances and hand-offs.
  struct HostKey {
    std::string_view host, queue_id;
  };
  struct MessageHash {
    using is_transparent = void;
    size_t operator()(const Message* m) const;
    size_t operator()(const MessageKey& k) const;
  };
  struct MessageEq {
    using is_transparent = void;
    bool operator()(const Message* a, const Message* b) const;
    bool operator()(const Message* a, const MessageKey& b) const;
    bool operator()(const MessageKey& a, const Message* b) const;
  };
  // A by_host_ entry: the newest message started on (host, queue ID).
  struct HostSlot {
    mutable Message* message;
  };
  struct HostSlotHash {
    using is_transparent = void;
    size_t operator()(const HostSlot& s) const;
    size_t operator()(const HostKey& k) const;
  };
  struct HostSlotEq {
    using is_transparent = void;
    bool operator()(const HostSlot& a, const HostSlot& b) const;
    bool operator()(const HostSlot& a, const HostKey& b) const;
    bool operator()(const HostKey& a, const HostSlot& b) const;
  };
  // (host, queue ID) of a hand-off target not seen yet.
  struct PendingKey {
    std::string host, queue_id;
  };
  struct PendingKeyHash {
    using is_transparent = void;
    size_t operator()(const PendingKey& k) const;
    size_t operator()(const HostKey& k) const;
  };
  struct PendingKeyEq {
    using is_transparent = void;
    bool operator()(const PendingKey& a, const PendingKey& b) const;
    bool operator()(const PendingKey& a, const HostKey& b) const;
    bool operator()(const HostKey& a, const PendingKey& b) const;
  };
  // The message that handed over, by slot and serial (stale once it is gone).
  struct PendingHandoff {
    uint32_t from_slot = 0;
    uint64_t from_serial = 0;
    int64_t micros = 0;
  };
  // A message by slot and serial, in finishing order and in victim lists.
  struct MessageRef {
    uint32_t slot = 0;
    uint64_t serial = 0;
  };
  static constexpr uint32_t kNoSlot = 0xffffffff;

  Message* Find(std::string_view host, std::string_view instance,
                std::string_view queue_id);
  Message* FindOnHost(std::string_view host, std::string_view queue_id);
  // The live message `ref` names, or nullptr when it is gone.
  Message* Deref(MessageRef ref) const;
  Message* Start(const LogLine& line, std::string_view queue_id);
  Message* GetOrStart(const LogLine& line, std::string_view queue_id);
  Message* NewMessage();
  // Returns `m`, unlinked from every index, to the free slots.
  void Release(Message* m);
  void Touch(Message* m, const Timestamp& t);
  void LruAppend(Message* m);
  void LruUnlink(Message* m);
  void MarkFinished(Message* m, const char* end);
  void Join(Message* root, Message* hop);
  Message* Root(Message* m);
  void OnDelivery(Message* m, const LogLine& line, const parsers::Event& e);
  // A hold or discard action (an access table's HOLD/DISCARD, a header
  // check's, a milter's): it applies to the whole message.
  struct Action {
    bool discard = false;
    std::string_view from, to, text;
    Timestamp time;
    std::string_view queue_id;
  };
  static Action ActionOf(const parsers::Event& e, Timestamp time);
  void ApplyAction(Message* m, const Action& a);
  // An action smtpd logged before the transaction had a queue ID, kept for
  // its process's next "QID: client=" line.
  void SaveSmtpdAction(const LogLine& line, const parsers::Event& e);
  void ForgetSmtpdAction(const LogLine& line);
  // A NOQUEUE reject of the process that has an action waiting.
  void RefuseSmtpdActionRecipient(const LogLine& line, const parsers::Event& e);
  void ApplySmtpdAction(const LogLine& line, Message* m);
  // smtpd's open transaction (its latest "QID: client=" line), by process.
  static size_t SessionHash(std::string_view host, int64_t pid);
  // The entry of `line`'s process (host and PID) in a table keyed by
  // SessionHash whose values have `host` and `pid`, or end().
  template <typename Table>
  static typename Table::iterator FindSession(Table& table, const LogLine& line);
  void OpenTransaction(const LogLine& line, const Message* m);
  // connect, disconnect, lost connection, timeout, too many errors: ends
  // the open transaction as "canceled" when it cannot have completed.
  void OnSmtpdSessionEnd(const LogLine& line, const parsers::Event& e);
  // A transaction smtpd may have dropped: live, not queued, not ended, not
  // a hop; and of the client `client_addr`.
  bool MayBeDropped(const Message* m) const;
  bool MayBeDropped(const Message* m, std::string_view client_addr) const;
  void Cancel(Message* m, const Timestamp& ended);
  // Cancels the unconfirmed transactions whose grace has passed (all of
  // them when `all`) that still have no content.
  void ExpireUnconfirmed(bool all);
  RecipientRecord& NewRecipient(std::vector<RecipientRecord>* recipients);
  void AdvanceClock(const Timestamp& t);
  // A backwards step of log time larger than this starts a new epoch.
  int64_t ClockJumpMicros() const;
  void EmitReady(bool force);
  void EvictOld();
  void ExpireHandoffs();
  int64_t HandoffLimitMicros() const;
  bool HandoffLive(const PendingHandoff& p) const;
  void EmitGroup(Message* root, bool finished, const char* end_if_unfinished);
  void Unlink(Message* m);
  // Merges the group's hops into root->record (the record to emit).
  void BuildRecord(Message* root);
  void ClearRecord(MessageRecord* r);

  CorrelatorOptions options_;
  Sink sink_;
  CorrelatorStats stats_;
  // The log clock, which never goes backwards: it advances by the forward
  // steps of log time. A line older than the newest by a few seconds (lines
  // shuffled across processes) leaves it alone; a larger backwards jump (a
  // restarted or concatenated log) starts a new epoch from that line's time,
  // whose progress moves the clock on, so that ages, grace periods and
  // sweeps keep running. On a log whose time never jumps back, it equals the
  // newest line's time. Every age is measured on this clock.
  int64_t now_micros_ = 0;
  int64_t epoch_high_micros_ = 0;    // newest log time of this epoch
  int64_t clock_offset_micros_ = 0;  // clock minus log time in this epoch
  int64_t last_sweep_micros_ = 0;
  // Every message, live or free, by slot; a slot whose memory was given
  // back is null.
  std::vector<std::unique_ptr<Message>> slots_;
  std::vector<uint32_t> free_slots_;   // free messages, ready for reuse
  std::vector<uint32_t> empty_slots_;  // null slots
  // (host, instance, queue ID) -> message
  absl::flat_hash_set<Message*, MessageHash, MessageEq> messages_;
  // (host, queue ID) -> the newest message on it, to join hops across
  // instances
  absl::flat_hash_set<HostSlot, HostSlotHash, HostSlotEq> by_host_;
  // (host, queue ID) of a hand-off target not seen yet -> the message that
  // handed over; joined when that queue ID appears (shuffled lines).
  absl::flat_hash_map<PendingKey, PendingHandoff, PendingKeyHash, PendingKeyEq>
      pending_handoffs_;
  // The clock of the last ExpireHandoffs: a pending hand-off older than the
  // limit by it counts as gone (HandoffLive), erased or not. Sweeps erase
  // such entries every eighth of the limit, so the table holds at most
  // 9/8 of the limit's worth.
  int64_t handoff_clock_micros_ = 0;
  int64_t handoff_sweep_micros_ = 0;
  // Least recently active first (intrusive, through Message).
  Message* lru_head_ = nullptr;
  Message* lru_tail_ = nullptr;
  // Messages in finishing order; an entry whose message was erased since is
  // stale and skipped.
  std::deque<MessageRef> finished_;
  uint64_t next_serial_ = 1;
  // Recipients of released messages, kept for their string buffers
  // (NewRecipient reuses them; at most kMaxSpareRecipients).
  std::vector<RecipientRecord> spare_recipients_;
  // smtpd processes with a transaction open, by SessionHash(host, pid).
  struct OpenTxn {
    std::string host;
    int64_t pid = -1;
    MessageRef message;
    // The session's earlier transactions that had no content (no cleanup
    // message-id= line) and were not queued when the next one began: the
    // client gave them up (RSET), or cleanup's line is late.
    std::vector<MessageRef> superseded;
  };
  static constexpr size_t kMaxOpenTransactions = 65536;
  static constexpr size_t kMaxSuperseded = 16;
  absl::flat_hash_map<size_t, OpenTxn> open_transactions_;
  // Transactions whose smtpd session ended while they had no content, in
  // the order they ended: canceled when cleanup's message-id= line has not
  // come kContentGraceSeconds later (ExpireUnconfirmed).
  struct Unconfirmed {
    MessageRef message;
    int64_t deadline_micros = 0;  // log clock
    Timestamp ended;              // the session's end, the record's completion
  };
  static constexpr int64_t kContentGraceSeconds = 60;
  static constexpr size_t kMaxUnconfirmed = 65536;
  std::deque<Unconfirmed> unconfirmed_;
  // smtpd processes with a NOQUEUE hold or discard action waiting for the
  // transaction's queue ID, by SessionHash(host, pid) (SaveSmtpdAction).
  struct PendingAction {
    std::string host;
    int64_t pid = -1;
    bool discard = false;
    std::string from, to, text;
    Timestamp time;
  };
  absl::flat_hash_map<size_t, PendingAction> pending_actions_;
  // Scratch, reused.
  std::vector<MessageRef> victims_;
  std::vector<Message*> abandoned_;
};

}  // namespace mailgauge::analyzer

#endif  // MAILGAUGE_ANALYZER_CORRELATOR_H_
