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
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_map.h"
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
  struct Message;

  Message* Find(std::string_view host, std::string_view instance,
                std::string_view queue_id);
  Message* FindOnHost(std::string_view host, std::string_view queue_id);
  Message* Start(const LogLine& line, const parsers::Event& event);
  Message* GetOrStart(const LogLine& line, const parsers::Event& event);
  void Touch(Message* m, const Timestamp& t);
  void MarkFinished(Message* m, const char* end);
  void Join(Message* root, Message* hop);
  Message* Root(Message* m);
  void OnDelivery(Message* m, const LogLine& line, const parsers::Event& e);
  void AdvanceClock(const Timestamp& t);
  // A backwards step of log time larger than this starts a new epoch.
  int64_t ClockJumpMicros() const;
  void EmitReady(bool force);
  void EvictOld();
  void ExpireHandoffs();
  void EmitGroup(Message* root, bool finished, const char* end_if_unfinished);
  void Erase(Message* m);
  MessageRecord BuildRecord(Message* root);

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
  // (host, instance, queue ID) -> message
  absl::flat_hash_map<std::string, std::unique_ptr<Message>> messages_;
  // (host, queue ID) -> message, to join hops across instances
  absl::flat_hash_map<std::string, Message*> by_host_;
  // (host, queue ID) of a hand-off target not seen yet -> the message that
  // handed over; joined when that queue ID appears (shuffled lines).
  struct PendingHandoff {
    std::string from_key;
    uint64_t from_serial = 0;
    int64_t micros = 0;
  };
  absl::flat_hash_map<std::string, PendingHandoff> pending_handoffs_;
  std::deque<std::pair<std::string, int64_t>> handoff_order_;  // oldest first
  std::list<Message*> lru_;            // least recently active first
  // (key, serial) of messages in finishing order; an entry whose message was
  // erased or restarted since is stale and skipped.
  std::deque<std::pair<std::string, uint64_t>> finished_;
  uint64_t next_serial_ = 1;
  std::string lookup_key_;  // reused by Find()/FindOnHost()
};

}  // namespace mailgauge::analyzer

#endif  // MAILGAUGE_ANALYZER_CORRELATOR_H_
