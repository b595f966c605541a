#include "analyzer/correlator.h"

#include <algorithm>
#include <cstring>
#include <cstdint>
#include <exception>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/json_int.h"
#include "nlohmann/json.hpp"
#include "parsers/postfix/reason.h"

namespace mailgauge::analyzer {

using parsers::DeliveryStatus;
using parsers::Event;
using parsers::EventKind;

namespace {

constexpr int64_t kMicros = 1000000;

// "name[addr]" or "name[addr]:port", as smtpd logs orig_client=: the name and
// the address; false for any other text.
bool SplitNameAddr(std::string_view text, std::string_view* name, std::string_view* addr) {
  const size_t open = text.find('[');
  if (open == std::string_view::npos || open == 0) return false;
  const size_t close = text.find(']', open);
  if (close == std::string_view::npos || close == open + 1) return false;
  *name = text.substr(0, open);
  *addr = text.substr(open + 1, close - open - 1);
  return true;
}

// A string kept for reuse keeps its buffer unless it grew unusually large
// (a long reply text), so that reused slots hold no more than fresh ones.
constexpr size_t kMaxKeptCapacity = 512;
// A list kept for reuse keeps room for a few entries.
constexpr size_t kMaxKeptRecipients = 4;
// Recipients of released messages kept for reuse (NewRecipient), at most.
constexpr size_t kMaxSpareRecipients = 256;
// Free message slots kept beyond this many (plus the messages in flight)
// give their memory back.
constexpr size_t kMinFreeSlots = 64;


// `*s` = `v`, reusing the buffer of `*s`. Not std::string::assign: it goes
// through _M_replace, which also handles `v` lying inside `*s`, at about
// twice the instructions of an append (`v` here is always log text).
void Assign(std::string* s, std::string_view v) {
  s->clear();
  s->append(v.data(), v.size());
}

inline void ClearString(std::string* s) {
  if (s->capacity() > kMaxKeptCapacity) {
    std::string().swap(*s);
  } else {
    s->clear();
  }
}

// Hashes of the lookup keys: a few multiplications over 8-byte words
// (queue IDs and host names are short), seeded per process like absl::Hash.
inline uint64_t HashWords(uint64_t h, std::string_view s) {
  constexpr uint64_t kMul = 0x9e3779b97f4a7c15ULL;
  const char* p = s.data();
  size_t n = s.size();
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  // The last 0-7 bytes in at most two loads (overlapping when n < 8): with
  // the length mixed in below, different tails still give different words.
  uint64_t w = 0;
  if (n >= 4) {
    uint32_t first, last;
    std::memcpy(&first, p, 4);
    std::memcpy(&last, p + n - 4, 4);
    w = first | (static_cast<uint64_t>(last) << 32);
  } else if (n > 0) {
    w = static_cast<uint64_t>(static_cast<unsigned char>(p[0])) |
        static_cast<uint64_t>(static_cast<unsigned char>(p[n >> 1])) << 8 |
        static_cast<uint64_t>(static_cast<unsigned char>(p[n - 1])) << 16;
  }
  h = (h ^ w ^ (static_cast<uint64_t>(s.size()) << 56)) * kMul;
  return h ^ (h >> 29);
}

inline size_t Finalize(uint64_t h) {
  // MurmurHash3's fmix64: every bit of the result depends on every input bit.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return static_cast<size_t>(h);
}

const char kHashSeedAnchor = 0;
inline uint64_t HashSeed() {
  // Differs between runs (ASLR), so that crafted queue IDs cannot be chosen
  // to collide.
  return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(&kHashSeedAnchor));
}

inline size_t HashOfKey(std::string_view host, std::string_view instance,
                        std::string_view queue_id) {
  return Finalize(HashWords(HashWords(HashWords(HashSeed(), queue_id), host), instance));
}

inline size_t HashOfHostKey(std::string_view host, std::string_view queue_id) {
  return Finalize(HashWords(HashWords(HashSeed() + 1, queue_id), host));
}

// The keys of the saved state: "host\0instance\0queue ID" and
// "host\0queue ID".
std::string Key(std::string_view host, std::string_view instance,
                std::string_view queue_id) {
  std::string k;
  k.reserve(host.size() + instance.size() + queue_id.size() + 2);
  k.append(host).push_back('\0');
  k.append(instance).push_back('\0');
  k.append(queue_id);
  return k;
}

std::string HostKeyText(std::string_view host, std::string_view queue_id) {
  std::string k;
  k.reserve(host.size() + queue_id.size() + 1);
  k.append(host).push_back('\0');
  k.append(queue_id);
  return k;
}

std::string_view NotificationType(std::string_view detail) {
  // "sender non-delivery notification" -> "non-delivery"
  if (detail.rfind("sender ", 0) == 0) detail.remove_prefix(7);
  const size_t pos = detail.rfind(" notification");
  if (pos != std::string_view::npos) detail = detail.substr(0, pos);
  return detail;
}

}  // namespace

struct alignas(64) Correlator::Message {
  // The fields read for every line and for the oldest finished message on
  // every Add (EmitReady), together in the first cache line.
  uint64_t serial = 0;                // 0 while the slot is free
  uint32_t slot = 0;
  bool finished = false;
  bool queued = false;                // qmgr saw it (from=, size=)
  bool content = false;               // cleanup logged its message-id= line
  int64_t first_micros = 0;
  int64_t last_micros = 0;            // last activity (log time high-water)
  int64_t finished_micros = 0;
  Message* root = nullptr;            // the logical message this hop joined
  Message* lru_prev = nullptr;
  Message* lru_next = nullptr;
  // The key: (host, instance, queue ID of this hop).
  std::string host;
  std::string instance;
  std::string queue_id;
  std::vector<Message*> hops;         // hops joined into this root
  MessageRecord record;               // accumulated fields of this hop
};

size_t Correlator::MessageHash::operator()(const Message* m) const {
  return HashOfKey(m->host, m->instance, m->queue_id);
}
size_t Correlator::MessageHash::operator()(const MessageKey& k) const {
  return HashOfKey(k.host, k.instance, k.queue_id);
}
bool Correlator::MessageEq::operator()(const Message* a, const Message* b) const {
  return a == b || (a->queue_id == b->queue_id && a->host == b->host &&
                    a->instance == b->instance);
}
bool Correlator::MessageEq::operator()(const Message* a, const MessageKey& b) const {
  return a->queue_id == b.queue_id && a->host == b.host && a->instance == b.instance;
}
bool Correlator::MessageEq::operator()(const MessageKey& a, const Message* b) const {
  return (*this)(b, a);
}

size_t Correlator::HostSlotHash::operator()(const HostSlot& s) const {
  return HashOfHostKey(s.message->host, s.message->queue_id);
}
size_t Correlator::HostSlotHash::operator()(const HostKey& k) const {
  return HashOfHostKey(k.host, k.queue_id);
}
bool Correlator::HostSlotEq::operator()(const HostSlot& a, const HostSlot& b) const {
  return a.message == b.message || (a.message->queue_id == b.message->queue_id &&
                                    a.message->host == b.message->host);
}
bool Correlator::HostSlotEq::operator()(const HostSlot& a, const HostKey& b) const {
  return a.message->queue_id == b.queue_id && a.message->host == b.host;
}
bool Correlator::HostSlotEq::operator()(const HostKey& a, const HostSlot& b) const {
  return (*this)(b, a);
}

size_t Correlator::PendingKeyHash::operator()(const PendingKey& k) const {
  return HashOfHostKey(k.host, k.queue_id);
}
size_t Correlator::PendingKeyHash::operator()(const HostKey& k) const {
  return HashOfHostKey(k.host, k.queue_id);
}
bool Correlator::PendingKeyEq::operator()(const PendingKey& a, const PendingKey& b) const {
  return a.queue_id == b.queue_id && a.host == b.host;
}
bool Correlator::PendingKeyEq::operator()(const PendingKey& a, const HostKey& b) const {
  return a.queue_id == b.queue_id && a.host == b.host;
}
bool Correlator::PendingKeyEq::operator()(const HostKey& a, const PendingKey& b) const {
  return (*this)(b, a);
}

Correlator::Correlator(const CorrelatorOptions& options, Sink sink)
    : options_(options), sink_(std::move(sink)) {}

Correlator::~Correlator() = default;

Correlator::Message* Correlator::Find(std::string_view host,
                                      std::string_view instance,
                                      std::string_view queue_id) {
  auto it = messages_.find(MessageKey{host, instance, queue_id});
  return it == messages_.end() ? nullptr : *it;
}

Correlator::Message* Correlator::FindOnHost(std::string_view host,
                                            std::string_view queue_id) {
  auto it = by_host_.find(HostKey{host, queue_id});
  return it == by_host_.end() ? nullptr : it->message;
}

Correlator::Message* Correlator::Deref(MessageRef ref) const {
  if (ref.slot >= slots_.size()) return nullptr;
  Message* m = slots_[ref.slot].get();
  return m != nullptr && m->serial == ref.serial ? m : nullptr;
}

Correlator::Message* Correlator::Root(Message* m) {
  return m->root != nullptr ? m->root : m;
}

Correlator::Message* Correlator::NewMessage() {
  if (!free_slots_.empty()) {
    Message* m = slots_[free_slots_.back()].get();
    free_slots_.pop_back();
    return m;
  }
  uint32_t slot;
  if (!empty_slots_.empty()) {
    slot = empty_slots_.back();
    empty_slots_.pop_back();
  } else {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  slots_[slot] = std::make_unique<Message>();
  slots_[slot]->slot = slot;
  return slots_[slot].get();
}

void Correlator::ClearRecord(MessageRecord* r) {
  r->queue_ids.clear();
  ClearString(&r->host);
  ClearString(&r->instance);
  ClearString(&r->service);
  r->arrival = Timestamp();
  r->completion = Timestamp();
  ClearString(&r->origin);
  ClearString(&r->client_name);
  ClearString(&r->client_addr);
  ClearString(&r->client_port);
  ClearString(&r->helo);
  ClearString(&r->sasl_method);
  ClearString(&r->sasl_username);
  ClearString(&r->uid);
  ClearString(&r->sender);
  r->sender_known = false;
  r->size = -1;
  r->nrcpt = -1;
  ClearString(&r->message_id);
  ClearString(&r->parent_queue_id);
  ClearString(&r->notification);
  r->notifications.clear();
  r->held = false;
  r->probe = false;
  ClearString(&r->end);
  r->finished = false;
  ClearString(&r->reject_stage);
  ClearString(&r->reject_reply);
  // The recipients go to the spare ones, for their string buffers (a new
  // recipient takes one, see NewRecipient); the list itself is given back
  // (it is sized from nrcpt= for the next message).
  for (RecipientRecord& rcpt : r->recipients) {
    if (spare_recipients_.size() >= kMaxSpareRecipients) break;
    spare_recipients_.push_back(std::move(rcpt));
  }
  std::vector<RecipientRecord>().swap(r->recipients);
  r->rejected_recipients.clear();
  if (r->rejected_recipients.capacity() > kMaxKeptRecipients) {
    std::vector<RejectedRecipient>().swap(r->rejected_recipients);
  }
  if (r->queue_ids.capacity() > kMaxKeptRecipients) {
    std::vector<std::string>().swap(r->queue_ids);
  }
  if (r->notifications.capacity() > kMaxKeptRecipients) {
    std::vector<std::string>().swap(r->notifications);
  }
}

RecipientRecord& Correlator::NewRecipient(std::vector<RecipientRecord>* recipients) {
  if (spare_recipients_.empty()) return recipients->emplace_back();
  // A released message's recipient: its strings keep their buffers.
  RecipientRecord& r = recipients->emplace_back(std::move(spare_recipients_.back()));
  spare_recipients_.pop_back();
  ClearString(&r.address);
  ClearString(&r.orig_to);
  r.status = RecipientStatus::kUnknown;
  ClearString(&r.relay);
  ClearString(&r.transport);
  ClearString(&r.dsn);
  ClearString(&r.reply);
  ClearString(&r.reason);
  r.delay = -1;
  r.delays = parsers::Delays();
  r.deferrals = 0;
  r.time = Timestamp();
  ClearString(&r.queue_id);
  ClearString(&r.handoff_to);
  return r;
}

void Correlator::Release(Message* m) {
  ClearRecord(&m->record);
  m->serial = 0;
  m->finished = false;
  m->queued = false;
  m->first_micros = m->last_micros = m->finished_micros = 0;
  m->root = nullptr;
  m->hops.clear();
  if (m->hops.capacity() > kMaxKeptRecipients) std::vector<Message*>().swap(m->hops);
  m->lru_prev = m->lru_next = nullptr;
  const uint32_t slot = m->slot;
  if (free_slots_.size() >= kMinFreeSlots + messages_.size()) {
    // More free messages than a burst needs: give this one's memory back.
    slots_[slot].reset();  // destroys m
    empty_slots_.push_back(slot);
  } else {
    free_slots_.push_back(slot);
  }
}

void Correlator::LruAppend(Message* m) {
  m->lru_prev = lru_tail_;
  m->lru_next = nullptr;
  if (lru_tail_ != nullptr) {
    lru_tail_->lru_next = m;
  } else {
    lru_head_ = m;
  }
  lru_tail_ = m;
}

void Correlator::LruUnlink(Message* m) {
  if (m->lru_prev != nullptr) {
    m->lru_prev->lru_next = m->lru_next;
  } else {
    lru_head_ = m->lru_next;
  }
  if (m->lru_next != nullptr) {
    m->lru_next->lru_prev = m->lru_prev;
  } else {
    lru_tail_ = m->lru_prev;
  }
  m->lru_prev = m->lru_next = nullptr;
}

Correlator::Message* Correlator::Start(const LogLine& line, std::string_view queue_id) {
  Message* m = NewMessage();
  Assign(&m->host, line.host);
  Assign(&m->instance, line.instance);
  Assign(&m->queue_id, queue_id);
  m->serial = next_serial_++;
  MessageRecord& r = m->record;
  r.queue_ids.emplace_back(queue_id);
  Assign(&r.host, line.host);
  Assign(&r.instance, line.instance);
  Assign(&r.service, line.service);
  r.arrival = line.time;
  Assign(&r.origin, "unknown");
  m->first_micros = m->last_micros = now_micros_;
  LruAppend(m);
  auto [host_it, inserted] = by_host_.insert(HostSlot{m});
  if (!inserted) host_it->message = m;
  messages_.insert(m);
  ++stats_.messages;
  if (auto pending = pending_handoffs_.find(HostKey{line.host, queue_id});
      pending != pending_handoffs_.end()) {
    Message* from = HandoffLive(pending->second)
                        ? Deref({pending->second.from_slot, pending->second.from_serial})
                        : nullptr;
    // A group never grows past max_messages hops: beyond that (a chain of
    // hand-offs longer than the cap allows in flight) this hop starts a
    // record of its own, so that the cap below can evict the old group and
    // memory stays bounded (found by fuzz/corpus/correlator/crash-
    // correlator-handoff-group-exceeds-max-messages).
    if (from != nullptr && 1 + Root(from)->hops.size() < options_.max_messages) {
      Join(from, m);
    }
    pending_handoffs_.erase(pending);
  }
  if (messages_.size() > options_.max_messages) {
    // Evict the least recently active group that is not the new message.
    for (Message* victim = lru_head_; victim != nullptr; victim = victim->lru_next) {
      if (Root(victim) == Root(m)) continue;
      ++stats_.evicted_cap;
      EmitGroup(Root(victim), false, "evicted_cap");
      break;
    }
  }
  return m;
}

Correlator::Message* Correlator::GetOrStart(const LogLine& line,
                                            std::string_view queue_id) {
  Message* m = Find(line.host, line.instance, queue_id);
  return m != nullptr ? m : Start(line, queue_id);
}

void Correlator::Touch(Message* m, const Timestamp& t) {
  m->last_micros = std::max(m->last_micros, now_micros_);
  if (m != lru_tail_) {
    LruUnlink(m);
    LruAppend(m);
  }
  if (t.unix_micros > m->record.completion.unix_micros) m->record.completion = t;
}

void Correlator::MarkFinished(Message* m, const char* end) {
  if (!m->finished) {
    m->finished = true;
    Assign(&m->record.end, end);
  } else if (m->record.end == "canceled") {
    // "canceled" is inferred from smtpd's session end (OnSmtpdSessionEnd)
    // or says only that cleanup dropped the file; a line that says how the
    // message ended (a reject or discard by cleanup, which may come before
    // or after smtpd's end) is the better answer.
    Assign(&m->record.end, end);
  }
  m->finished_micros = now_micros_;
  finished_.push_back({m->slot, m->serial});
}

void Correlator::Join(Message* root, Message* hop) {
  root = Root(root);
  if (hop == root || hop->root == root) return;
  if (hop->root != nullptr) return;  // already part of another message
  ++stats_.joined_hops;
  hop->root = root;
  root->hops.push_back(hop);
  for (Message* h : hop->hops) {
    h->root = root;
    root->hops.push_back(h);
  }
  hop->hops.clear();
}

void Correlator::AdvanceTo(int64_t unix_micros) {
  // An estimate, not a line: it moves the clock but not the epoch's newest
  // line time, so that a line older than an overestimate is no jump.
  now_micros_ = std::max(now_micros_, unix_micros + clock_offset_micros_);
  EmitReady(false);
}

void Correlator::AdvanceClock(const Timestamp& t) {
  if (epoch_high_micros_ - t.unix_micros > ClockJumpMicros()) {
    // Time went back further than any shuffle: a new epoch starts here. The
    // clock keeps its value and advances with this epoch's times.
    clock_offset_micros_ = now_micros_ - t.unix_micros;
    epoch_high_micros_ = t.unix_micros;
  } else if (t.unix_micros > epoch_high_micros_) {
    epoch_high_micros_ = t.unix_micros;
  }
  now_micros_ = std::max(now_micros_, t.unix_micros + clock_offset_micros_);
}

int64_t Correlator::ClockJumpMicros() const {
  // Shuffled lines are seconds apart; a straggler later than the grace
  // period could not have joined its message anyway.
  return std::max<int64_t>(1, options_.grace_seconds) * kMicros;
}

void Correlator::Add(const LogLine& line, const Event& e) {
  ++stats_.events;
  // EmitReady, at the end, looks at the oldest finished message, which has
  // seldom been in cache since it finished: fetch it while this line is
  // handled.
  if (!finished_.empty() && finished_.front().slot < slots_.size()) {
    __builtin_prefetch(slots_[finished_.front().slot].get());
  }
  AdvanceClock(line.time);
  switch (e.kind) {
    case EventKind::kReject:
    case EventKind::kMilterReject:
    case EventKind::kPostscreenNoqueue:
      if (e.queue_id.empty()) {
        ++stats_.noqueue_rejects;
        if (e.daemon == parsers::Daemon::kSmtpd) RefuseSmtpdActionRecipient(line, e);
        break;
      }
      ++stats_.queued_rejects;
      {
        Message* m = GetOrStart(line, e.queue_id);
        Touch(m, line.time);
        if (m->record.client_addr.empty() && !e.client_addr.empty()) {
          // The client= line is not in the log (it began later), or there
          // is none: Exim logs a message it refuses after DATA by this
          // line alone.
          Assign(&m->record.client_name, e.client_name);
          Assign(&m->record.client_addr, e.client_addr);
          Assign(&m->record.client_port, e.client_port);
          if (!e.helo.empty() && m->record.helo.empty()) Assign(&m->record.helo, e.helo);
        }
        const bool whole_message =
            e.reject_stage == parsers::RejectStage::kData ||
            e.reject_stage == parsers::RejectStage::kEndOfMessage ||
            e.reject_stage == parsers::RejectStage::kHeader ||
            e.reject_stage == parsers::RejectStage::kBody ||
            e.daemon == parsers::Daemon::kCleanup;
        // MAIL FROM as the reject names it: the whole message's reject sets
        // the sender (an empty from= is the null one when no other line
        // named it); a recipient's fills it in when no other line did (a
        // transaction that ends without reaching qmgr).
        if (e.from.empty() ? whole_message && !m->record.sender_known
                           : whole_message || !m->record.sender_known) {
          Assign(&m->record.sender, e.from);
          m->record.sender_known = true;
        }
        if (whole_message) {
          Assign(&m->record.reject_stage, parsers::RejectStageName(e.reject_stage));
          Assign(&m->record.reject_reply, e.reply);
          MarkFinished(m, "rejected");
        }
        if (!e.to.empty()) {
          RejectedRecipient& r = m->record.rejected_recipients.emplace_back();
          Assign(&r.address, e.to);
          Assign(&r.stage, parsers::RejectStageName(e.reject_stage));
          Assign(&r.reply, e.reply);
        }
      }
      break;
    case EventKind::kRejectWarning:
      ++stats_.reject_warnings;
      break;
    case EventKind::kConnect:
    case EventKind::kDisconnect:
    case EventKind::kLostConnection:
    case EventKind::kTimeout:
    case EventKind::kTooManyErrors:
      if (e.daemon == parsers::Daemon::kSmtpd) {
        if (e.kind == EventKind::kConnect || e.kind == EventKind::kDisconnect) {
          ForgetSmtpdAction(line);
        }
        OnSmtpdSessionEnd(line, e);
      }
      break;
    case EventKind::kHeld:
    case EventKind::kDiscarded:
      // smtpd logs an access table's HOLD or DISCARD for the first
      // recipient before the transaction has a queue ID ("NOQUEUE: hold:
      // RCPT from ..."); its "QID: client=" line comes next. Nothing else
      // tells: a held message waits in the hold queue, a discarded one is
      // gone, without another line.
      if (e.queue_id.empty() && e.daemon == parsers::Daemon::kSmtpd && line.pid >= 0) {
        SaveSmtpdAction(line, e);
      }
      break;
    default:
      break;
  }
  if (e.queue_id.empty()) {
    EmitReady(false);
    return;
  }

  switch (e.kind) {
    case EventKind::kSmtpdClient:
    case EventKind::kPickup: {
      Message* m = Find(line.host, line.instance, e.queue_id);
      if (m != nullptr && (m->finished || m->queued) &&
          m->record.origin != "unknown") {
        // Postfix reuses short queue IDs: a new arrival on a finished ID is a
        // new message.
        ++stats_.queue_id_reuse;
        Message* root = Root(m);
        EmitGroup(root, root->finished, "end_of_input");
        m = nullptr;
      }
      if (m == nullptr) m = Start(line, e.queue_id);
      Touch(m, line.time);
      MessageRecord& r = m->record;
      if (r.origin == "unknown" || r.origin == "local") r.arrival = line.time;
      if (e.kind == EventKind::kSmtpdClient) {
        Assign(&r.origin, "smtpd");
        // orig_client= (XFORWARD from a content filter, which this smtpd
        // trusts) names the client the filter took the message from: the
        // message's client, whether or not the filter's own hop (a
        // before-queue filter has none) is in the log.
        std::string_view orig_name, orig_addr;
        if (SplitNameAddr(e.detail, &orig_name, &orig_addr)) {
          Assign(&r.client_name, orig_name);
          Assign(&r.client_addr, orig_addr);
          r.client_port.clear();
        } else {
          Assign(&r.client_name, e.client_name);
          Assign(&r.client_addr, e.client_addr);
          Assign(&r.client_port, e.client_port);
        }
        if (!e.helo.empty()) Assign(&r.helo, e.helo);
        Assign(&r.sasl_method, e.sasl_method);
        Assign(&r.sasl_username, e.sasl_username);
        if (e.daemon == parsers::Daemon::kSmtpd && line.pid >= 0) {
          OpenTransaction(line, m);  // after the client fields: it compares them
          ApplySmtpdAction(line, m);
        }
      } else {
        Assign(&r.origin, "pickup");
        Assign(&r.uid, e.uid);
        if (!r.sender_known) {
          Assign(&r.sender, e.from);
          r.sender_known = true;
        }
      }
      // The same message under a new queue ID: pickup's "orig_id=" after
      // postsuper -r, smtpd's "orig_queue_id=" when a content filter
      // re-injects with XFORWARD. The old ID's undelivered recipients are
      // handed over to this one.
      if (!e.new_queue_id.empty() && e.new_queue_id != e.queue_id) {
        Message* old = FindOnHost(line.host, e.new_queue_id);
        if (old != nullptr && old != m) {
          for (RecipientRecord& rcpt : old->record.recipients) {
            if (!IsFinal(rcpt.status)) Assign(&rcpt.handoff_to, e.queue_id);
          }
          // The old queue file is gone: "postsuper -r ALL" logs only
          // "Requeued: N messages", not "QID: requeued" for each.
          if (e.kind != EventKind::kSmtpdClient && !old->finished) {
            MarkFinished(old, "requeued");
          }
          Join(old, m);
        }
      }
      break;
    }
    case EventKind::kMessageId: {
      Message* m = GetOrStart(line, e.queue_id);
      Touch(m, line.time);
      Assign(&m->record.message_id, e.message_id);
      m->content = true;
      break;
    }
    case EventKind::kQueued: {
      Message* m = GetOrStart(line, e.queue_id);
      Touch(m, line.time);
      m->queued = true;
      Assign(&m->record.sender, e.from);
      m->record.sender_known = true;
      if (e.size >= 0) m->record.size = e.size;
      if (e.nrcpt >= 0) m->record.nrcpt = e.nrcpt;
      // Room for every recipient at once (within reason: nrcpt is log text).
      if (e.nrcpt > 0) {
        m->record.recipients.reserve(static_cast<size_t>(std::min<int64_t>(e.nrcpt, 1024)));
      }
      break;
    }
    case EventKind::kDelivery: {
      Message* m = GetOrStart(line, e.queue_id);
      Touch(m, line.time);
      OnDelivery(m, line, e);
      break;
    }
    case EventKind::kExpired: {
      Message* m = GetOrStart(line, e.queue_id);
      Touch(m, line.time);
      if (!m->record.sender_known) {
        Assign(&m->record.sender, e.from);
        m->record.sender_known = true;
      }
      for (RecipientRecord& r : m->record.recipients) {
        if (!IsFinal(r.status)) {
          r.status = RecipientStatus::kExpired;
          Assign(&r.reason, "expired");
          r.time = line.time;
        }
      }
      Assign(&m->record.end, "expired");
      break;
    }
    case EventKind::kRemoved: {
      Message* m = GetOrStart(line, e.queue_id);
      Touch(m, line.time);
      const bool deleted = e.daemon == parsers::Daemon::kPostsuper;
      for (RecipientRecord& r : m->record.recipients) {
        if (!IsFinal(r.status) && deleted) {
          r.status = RecipientStatus::kDeleted;
          r.time = line.time;
        }
      }
      m->record.held = false;
      // cleanup's "removed (canceled|discarded)" (Postfix 3.10+): the
      // transaction never reached the queue manager. A reject or discard
      // line before it has already ended the message (that end is kept).
      const bool by_cleanup = e.daemon == parsers::Daemon::kCleanup;
      const char* end = deleted                         ? "deleted"
                        : by_cleanup                    ? (e.detail == "discarded" ? "discarded"
                                                                                   : "canceled")
                        : m->record.end == "expired"    ? "expired"
                                                        : "removed";
      MarkFinished(m, end);
      break;
    }
    case EventKind::kNotification: {
      Message* parent = GetOrStart(line, e.queue_id);
      Touch(parent, line.time);
      if (e.new_queue_id.empty()) break;
      parent->record.notifications.emplace_back(e.new_queue_id);
      Message* child = GetOrStart(line, e.new_queue_id);
      Touch(child, line.time);
      Assign(&child->record.parent_queue_id, e.queue_id);
      Assign(&child->record.notification, NotificationType(e.detail));
      Assign(&child->record.origin, "notification");
      ++stats_.notifications;
      break;
    }
    case EventKind::kHeld: {
      Message* m = GetOrStart(line, e.queue_id);
      Touch(m, line.time);
      ApplyAction(m, ActionOf(e, line.time));
      break;
    }
    case EventKind::kReleased: {
      Message* m = GetOrStart(line, e.queue_id);
      Touch(m, line.time);
      m->record.held = false;
      break;
    }
    case EventKind::kRequeued: {
      // postsuper -r moves the queue file to the maildrop queue: this queue
      // ID ends here, and pickup gives the message a new one ("orig_id=").
      Message* m = GetOrStart(line, e.queue_id);
      Touch(m, line.time);
      m->record.held = false;
      MarkFinished(m, "requeued");
      break;
    }
    case EventKind::kSizeLimitExceeded: {
      // cleanup gave up on a message larger than message_size_limit; smtpd
      // answered "552 5.3.4 Message size exceeds fixed limit" after DATA.
      Message* m = GetOrStart(line, e.queue_id);
      Touch(m, line.time);
      Assign(&m->record.reject_stage, "END-OF-MESSAGE");
      Assign(&m->record.reject_reply, "552 5.3.4 Message size exceeds fixed limit");
      MarkFinished(m, "rejected");
      break;
    }
    case EventKind::kDiscarded: {
      Message* m = GetOrStart(line, e.queue_id);
      Touch(m, line.time);
      ApplyAction(m, ActionOf(e, line.time));
      break;
    }
    case EventKind::kWarning:
      if (e.daemon == parsers::Daemon::kQmgr && !e.queue_id.empty() &&
          e.action == "corrupt") {
        // qmgr moved a damaged queue file (e.g. "missing end record") to
        // the corrupt queue (qmgr_patterns.cc): Postfix will not touch the
        // message again.
        Message* m = GetOrStart(line, e.queue_id);
        Touch(m, line.time);
        MarkFinished(m, "corrupt");
        break;
      }
      [[fallthrough]];
    default: {
      // Other lines with a queue ID (warnings, host said, TLS, ...) show the
      // message is alive but change none of its fields.
      Message* m = Find(line.host, line.instance, e.queue_id);
      if (m != nullptr) Touch(m, line.time);
      break;
    }
  }
  EmitReady(false);
}

Correlator::Action Correlator::ActionOf(const Event& e, Timestamp time) {
  return {e.kind == EventKind::kDiscarded, e.from, e.to,
          e.reply.empty() ? e.detail : e.reply, time, e.queue_id};
}

void Correlator::ApplyAction(Message* m, const Action& a) {
  if (!a.from.empty() && !m->record.sender_known) {
    Assign(&m->record.sender, a.from);
    m->record.sender_known = true;
  }
  if (!a.discard) m->record.held = true;
  // A hold or discard action names the recipient that triggered it; it
  // applies to the whole message. A held message's other recipients are
  // unknown until it is released and delivered.
  bool listed = false;
  for (RecipientRecord& r : m->record.recipients) {
    if (a.discard && !IsFinal(r.status)) r.status = RecipientStatus::kDiscarded;
    listed = listed || r.address == a.to;
  }
  if (!listed && !a.to.empty()) {
    RecipientRecord& r = NewRecipient(&m->record.recipients);
    Assign(&r.address, a.to);
    r.status = a.discard ? RecipientStatus::kDiscarded : RecipientStatus::kHeld;
    Assign(&r.reply, a.text);
    r.time = a.time;
    Assign(&r.queue_id, a.queue_id);
  }
  if (a.discard) MarkFinished(m, "discarded");
}

void Correlator::SaveSmtpdAction(const LogLine& line, const Event& e) {
  if (pending_actions_.size() >= kMaxOpenTransactions) pending_actions_.clear();
  PendingAction& p = pending_actions_[SessionHash(line.host, line.pid)];
  Assign(&p.host, line.host);
  p.pid = line.pid;
  const Action a = ActionOf(e, line.time);
  p.discard = a.discard;
  Assign(&p.from, a.from);
  Assign(&p.to, a.to);
  Assign(&p.text, a.text);
  p.time = a.time;
}

template <typename Table>
typename Table::iterator Correlator::FindSession(Table& table, const LogLine& line) {
  if (table.empty() || line.pid < 0) return table.end();
  auto it = table.find(SessionHash(line.host, line.pid));
  // The key is a hash: the entry is this process's only if host and PID agree.
  if (it == table.end() || it->second.pid != line.pid || it->second.host != line.host) {
    return table.end();
  }
  return it;
}

void Correlator::ForgetSmtpdAction(const LogLine& line) {
  if (auto it = FindSession(pending_actions_, line); it != pending_actions_.end()) {
    pending_actions_.erase(it);
  }
}

void Correlator::RefuseSmtpdActionRecipient(const LogLine& line, const Event& e) {
  auto it = FindSession(pending_actions_, line);
  if (it == pending_actions_.end()) return;
  PendingAction& p = it->second;
  if (!e.from.empty() && e.from != p.from) {
    // Another sender: another transaction, which the action is not for.
    pending_actions_.erase(it);
  } else if (e.to == p.to) {
    // A later restriction refused the recipient that triggered a HOLD
    // (which lets the restrictions go on, unlike DISCARD): Postfix still
    // holds the transaction (seen on 3.7), without that recipient.
    p.to.clear();
  }
}

void Correlator::ApplySmtpdAction(const LogLine& line, Message* m) {
  auto it = FindSession(pending_actions_, line);
  if (it == pending_actions_.end()) return;
  const PendingAction& p = it->second;
  ApplyAction(m, {p.discard, p.from, p.to, p.text, p.time, m->queue_id});
  pending_actions_.erase(it);
}

size_t Correlator::SessionHash(std::string_view host, int64_t pid) {
  return std::hash<std::string_view>()(host) * 31 + static_cast<size_t>(pid);
}

void Correlator::OpenTransaction(const LogLine& line, const Message* m) {
  // Bounded: an entry is dropped at its session's end; a process whose end
  // line is missing leaves one behind until its PID is reused. Past the
  // cap (lines lost on a busy server) the table starts afresh.
  if (open_transactions_.size() >= kMaxOpenTransactions) open_transactions_.clear();
  OpenTxn& t = open_transactions_[SessionHash(line.host, line.pid)];
  if (t.pid == line.pid && t.host == line.host) {
    // The session's next transaction: the one before it, if it has no
    // content yet, is looked at again when the session ends.
    const Message* before = Deref(t.message);
    if (before != m && MayBeDropped(before, m->record.client_addr) && !before->content &&
        t.superseded.size() < kMaxSuperseded) {
      t.superseded.push_back(t.message);
    }
  } else {
    Assign(&t.host, line.host);
    t.pid = line.pid;
    t.superseded.clear();
  }
  t.message = {m->slot, m->serial};
}

bool Correlator::MayBeDropped(const Message* m) const {
  // Not queued, not ended otherwise (a reject by cleanup), not a hop of a
  // group.
  return m != nullptr && !m->queued && !m->finished && m->root == nullptr && m->hops.empty();
}

bool Correlator::MayBeDropped(const Message* m, std::string_view client_addr) const {
  // And of the client the session's line names (a check against lines
  // that are not what they seem, e.g. two hosts' logs merged under one
  // name).
  return MayBeDropped(m) && m->record.client_addr == client_addr;
}

void Correlator::Cancel(Message* m, const Timestamp& ended) {
  Touch(m, ended);
  ++stats_.canceled;
  MarkFinished(m, "canceled");
}

void Correlator::ExpireUnconfirmed(bool all) {
  while (!unconfirmed_.empty() && (all || unconfirmed_.front().deadline_micros <= now_micros_)) {
    const Unconfirmed u = unconfirmed_.front();
    unconfirmed_.pop_front();
    Message* m = Deref(u.message);
    // (Its client was checked against the session's when it was listed.)
    if (MayBeDropped(m) && !m->content) {
      Cancel(m, u.ended);
    }
  }
}

void Correlator::OnSmtpdSessionEnd(const LogLine& line, const Event& e) {
  auto it = FindSession(open_transactions_, line);
  if (it == open_transactions_.end()) return;
  const MessageRef ref = it->second.message;
  std::vector<MessageRef> superseded;
  // A new connection, or the end of this one: the entry is done with.
  if (e.kind == EventKind::kConnect || e.kind == EventKind::kDisconnect) {
    superseded = std::move(it->second.superseded);
    open_transactions_.erase(it);
  }
  if (e.kind == EventKind::kConnect) return;
  // Postfix before 3.10 logs nothing when smtpd drops an incomplete
  // transaction (the client went away, timed out, made too many errors,
  // said RSET or QUIT before the end of DATA): its queue ID is never seen
  // again. The session's open transaction cannot have completed when
  //  - smtpd says the session ended inside the DATA content ("lost
  //    connection after DATA (1234 bytes)", "timeout after BDAT (0
  //    bytes)"): DATA was accepted, so this transaction had a recipient and
  //    is the open one. Without "(N bytes)" DATA itself was refused, and
  //    the open transaction may be an earlier, complete one;
  //  - the session ends with no DATA or BDAT that succeeded
  //    ("disconnect from ... mail=1 rcpt=1 rset=1 quit=1 commands=5"),
  //    which is how the other ends come to a close: the disconnect line
  //    follows them from the same process. Then none of the session's
  //    transactions completed, the earlier ones given up either.
  // Neither reads another process's lines, whose order against smtpd's may
  // vary (cleanup's message-id= line can come after the disconnect).
  // Otherwise (a session with a complete transaction too) a transaction
  // without content when the session ended is canceled if cleanup's
  // message-id= line, which a complete transaction has before smtpd
  // answers its DATA, has not come a minute later (ExpireUnconfirmed).
  const bool no_content = e.kind == EventKind::kDisconnect &&
                          parsers::CommandSuccesses(e.command_stats, "data") == 0 &&
                          parsers::CommandSuccesses(e.command_stats, "bdat") == 0;
  auto unconfirmed = [&](Message* m) {
    if (unconfirmed_.size() >= kMaxUnconfirmed) unconfirmed_.pop_front();
    unconfirmed_.push_back({{m->slot, m->serial}, now_micros_ + kContentGraceSeconds * kMicros,
                            line.time});
  };
  for (const MessageRef& r : superseded) {
    Message* m = Deref(r);
    if (!MayBeDropped(m, e.client_addr) || m->content) continue;
    if (no_content) {
      Cancel(m, line.time);
    } else {
      unconfirmed(m);
    }
  }
  Message* m = Deref(ref);
  if (!MayBeDropped(m, e.client_addr)) return;
  const bool in_content =
      e.kind != EventKind::kDisconnect && e.size >= 0 &&
      (e.last_command == "DATA" || e.last_command == "BDAT");
  if (in_content || no_content) {
    Cancel(m, line.time);
  } else if (e.kind == EventKind::kDisconnect && !m->content) {
    unconfirmed(m);
  }
}

void Correlator::OnDelivery(Message* m, const LogLine& line, const Event& e) {
  std::vector<RecipientRecord>& rcpts = m->record.recipients;
  RecipientRecord* r = nullptr;
  for (RecipientRecord& candidate : rcpts) {
    if (candidate.address == e.to && candidate.orig_to == e.orig_to) {
      r = &candidate;
      break;
    }
  }
  if (r == nullptr) {
    r = &NewRecipient(&rcpts);
    Assign(&r->address, e.to);
    Assign(&r->orig_to, e.orig_to);
    Assign(&r->queue_id, e.queue_id);
  }
  if (e.delivery_status == DeliveryStatus::kDeferred) ++r->deferrals;
  // A final outcome is never overridden by a (late or shuffled) deferral.
  if (IsFinal(r->status) && e.delivery_status == DeliveryStatus::kDeferred) {
    return;
  }
  Assign(&r->relay, e.relay);
  Assign(&r->transport, parsers::DaemonName(e.daemon));
  Assign(&r->dsn, e.dsn);
  Assign(&r->reply, e.reply);
  r->delay = e.delay;
  r->delays = e.delays;
  r->time = line.time;
  switch (e.delivery_status) {
    case DeliveryStatus::kSent:
      r->status = RecipientStatus::kSent;
      break;
    case DeliveryStatus::kDeliverable:
      r->status = RecipientStatus::kSent;
      m->record.probe = true;
      break;
    case DeliveryStatus::kDeferred:
      r->status = RecipientStatus::kDeferred;
      break;
    case DeliveryStatus::kBounced:
      r->status = RecipientStatus::kBounced;
      break;
    case DeliveryStatus::kUndeliverable:
      r->status = RecipientStatus::kBounced;
      m->record.probe = true;
      break;
    case DeliveryStatus::kExpired:
      r->status = RecipientStatus::kExpired;
      break;
    default:
      break;
  }
  if (r->status != RecipientStatus::kSent) {
    Assign(&r->reason, parsers::ReasonName(parsers::ClassifyDeliveryProblem(e)));
  } else {
    r->reason.clear();
  }
  // Hand-off to another queue on this host: a content filter's re-injection
  // ("250 2.0.0 Ok: queued as X") or local(8) forwarding ("forwarded as X").
  if (r->status == RecipientStatus::kSent && !e.new_queue_id.empty()) {
    Assign(&r->handoff_to, e.new_queue_id);
    Message* hop = FindOnHost(line.host, e.new_queue_id);
    if (hop != nullptr) {
      if (hop != m) Join(m, hop);
    } else {
      // X normally appears before this line (it is created before the
      // reply), but a shuffled log may show it later; a relay that merely
      // says "queued as" in its own queue never shows it, and the pending
      // entry is dropped after a while.
      const int64_t when = now_micros_;
      auto it = pending_handoffs_.find(HostKey{line.host, e.new_queue_id});
      if (it == pending_handoffs_.end()) {
        it = pending_handoffs_
                 .emplace(PendingKey{std::string(line.host), std::string(e.new_queue_id)},
                          PendingHandoff())
                 .first;
      }
      it->second = {m->slot, m->serial, when};
    }
  }
}

void Correlator::EmitReady(bool force) {
  ExpireHandoffs();
  ExpireUnconfirmed(force);
  // Sweep for old messages once per minute of log time.
  if (now_micros_ - last_sweep_micros_ >= 60 * kMicros) {
    last_sweep_micros_ = now_micros_;
    EvictOld();
  }
  const int64_t grace = options_.grace_seconds * kMicros;
  while (!finished_.empty()) {
    Message* m = Deref(finished_.front());
    if (m == nullptr || !m->finished) {
      finished_.pop_front();
      continue;
    }
    if (!force && now_micros_ - m->finished_micros < grace) break;
    finished_.pop_front();
    Message* root = Root(m);
    bool all_finished = root->finished;
    int64_t latest = root->finished_micros;
    for (Message* h : root->hops) {
      all_finished = all_finished && h->finished;
      latest = std::max(latest, h->finished_micros);
    }
    if (!all_finished) continue;  // the last hop to finish queues it again
    if (!force && now_micros_ - latest < grace) {
      finished_.push_back({root->slot, root->serial});
      continue;
    }
    EmitGroup(root, true, "");
  }
}

int64_t Correlator::HandoffLimitMicros() const {
  // A hand-off target appears within seconds when it appears at all; most
  // "queued as" replies come from remote relays whose IDs never will. Keep
  // them for a minute (or twice the grace period).
  return std::max<int64_t>(60, 2 * options_.grace_seconds) * kMicros;
}

bool Correlator::HandoffLive(const PendingHandoff& p) const {
  return handoff_clock_micros_ - p.micros <= HandoffLimitMicros();
}

void Correlator::ExpireHandoffs() {
  handoff_clock_micros_ = now_micros_;
  // Expired entries are erased by a sweep over the table now and then, not
  // one by one in age order: that took a lookup (a cache miss) per entry
  // and a second copy of its key.
  const int64_t limit = HandoffLimitMicros();
  if (now_micros_ - handoff_sweep_micros_ < limit / 8) return;
  handoff_sweep_micros_ = now_micros_;
  absl::erase_if(pending_handoffs_,
                 [this](const auto& entry) { return !HandoffLive(entry.second); });
}

void Correlator::EvictOld() {
  const int64_t age_limit = options_.max_age_seconds * kMicros;
  const int64_t unqueued_limit = options_.unqueued_seconds * kMicros;
  // Victims by slot and serial, not pointer: a group of several old hops
  // names its root once per hop, and emitting the group frees the root.
  victims_.clear();
  abandoned_.clear();
  for (Message* m = lru_head_; m != nullptr; m = m->lru_next) {
    const int64_t idle = now_micros_ - m->last_micros;
    if (idle < std::min(age_limit, unqueued_limit)) break;  // LRU order
    if (m->finished) continue;
    if (idle >= age_limit) {
      victims_.push_back({Root(m)->slot, Root(m)->serial});
    } else if (!m->queued && !m->record.held && m->root == nullptr &&
               m->hops.empty()) {
      abandoned_.push_back(m);
    }
  }
  for (Message* m : abandoned_) {
    ++stats_.abandoned;
    EmitGroup(m, false, "abandoned");
  }
  abandoned_.clear();
  for (const MessageRef& ref : victims_) {
    Message* m = Deref(ref);
    if (m == nullptr) continue;  // already emitted with its group
    ++stats_.evicted_age;
    EmitGroup(m, false, "evicted_age");
  }
  victims_.clear();
}

void Correlator::Unlink(Message* m) {
  LruUnlink(m);
  auto host_it = by_host_.find(HostKey{m->host, m->queue_id});
  if (host_it != by_host_.end() && host_it->message == m) by_host_.erase(host_it);
  messages_.erase(m);
}

void Correlator::BuildRecord(Message* root) {
  if (root->hops.empty()) return;  // one hop: its record is the message's
  MessageRecord& out = root->record;
  const std::vector<Message*>& hops = root->hops;
  // A recipient handed to a queue ID that is a hop of this message is
  // dropped: the hop's own delivery lines say what became of it.
  auto handed_over = [&](const RecipientRecord& r) {
    if (r.handoff_to.empty()) return false;
    for (const Message* h : hops) {
      if (h->queue_id == r.handoff_to) return true;
    }
    return false;
  };
  // A recipient "sent" by one hop and delivered again by a later hop of the
  // same message was handed to that hop (a content filter's reply need not
  // say "queued as"); only the later hop's outcome counts. Matched by address
  // only: a local alias that keeps a copy (bob: bob, alice@remote) delivers
  // bob and forwards to alice with orig_to=bob, and both are real.
  auto superseded = [&](const RecipientRecord& r, size_t hop_index) {
    if (r.status != RecipientStatus::kSent) return false;
    for (size_t j = hop_index; j < hops.size(); ++j) {
      for (const RecipientRecord& f : hops[j]->record.recipients) {
        if (f.address == r.address) return true;
      }
    }
    return false;
  };
  // The deferrals of a recipient dropped so go to the one that took over
  // (a deferral before a requeue or before the hand-off to a filter).
  std::vector<std::pair<std::string, int>> earlier_deferrals;
  auto drop = [&](const RecipientRecord& r, size_t later_hop) {
    if (!handed_over(r) && !superseded(r, later_hop)) return false;
    if (r.deferrals > 0) earlier_deferrals.emplace_back(r.address, r.deferrals);
    return true;
  };
  std::vector<RecipientRecord>& recipients = out.recipients;
  size_t kept = 0;
  for (size_t i = 0; i < recipients.size(); ++i) {
    if (drop(recipients[i], 0)) continue;
    if (kept != i) std::swap(recipients[kept], recipients[i]);
    ++kept;
  }
  recipients.resize(kept);
  for (size_t i = 0; i < hops.size(); ++i) {
    MessageRecord& hr = hops[i]->record;
    out.queue_ids.push_back(hr.queue_ids.front());
    for (RecipientRecord& r : hr.recipients) {
      if (!drop(r, i + 1)) recipients.push_back(std::move(r));
    }
    for (RejectedRecipient& r : hr.rejected_recipients) {
      out.rejected_recipients.push_back(std::move(r));
    }
    for (std::string& n : hr.notifications) out.notifications.push_back(std::move(n));
    if (hr.completion.unix_micros > out.completion.unix_micros) {
      out.completion = hr.completion;
    }
    if (out.message_id.empty()) out.message_id = hr.message_id;
    if (hr.held) out.held = true;
    if (hr.probe) out.probe = true;
    if (hr.end == "rejected" || hr.end == "discarded") out.end = hr.end;
    // A requeued queue file ended where the next one took over: the
    // message ends as that one does.
    if (out.end == "requeued") out.end = hr.end;
  }
  for (const auto& [address, deferrals] : earlier_deferrals) {
    for (RecipientRecord& r : recipients) {
      if (r.address == address || r.orig_to == address) {
        r.deferrals += deferrals;
        break;
      }
    }
  }
}

void Correlator::EmitGroup(Message* root, bool finished,
                           const char* end_if_unfinished) {
  BuildRecord(root);
  MessageRecord& record = root->record;
  record.finished = finished;
  if (!finished) {
    Assign(&record.end, end_if_unfinished);
    for (RecipientRecord& r : record.recipients) {
      if (record.held && !IsFinal(r.status)) r.status = RecipientStatus::kHeld;
    }
  }
  for (Message* h : root->hops) {
    Unlink(h);
    Release(h);
  }
  Unlink(root);
  if (finished || options_.emit_unfinished) {
    ++stats_.records;
    if (!finished) ++stats_.unfinished_records;
    sink_(std::move(record));
  }
  Release(root);
}

void Correlator::Finish(bool include_unfinished) {
  EmitReady(/*force=*/true);
  const bool saved = options_.emit_unfinished;
  options_.emit_unfinished = include_unfinished;
  while (lru_head_ != nullptr) {
    Message* root = Root(lru_head_);
    ++stats_.unfinished_at_end;
    EmitGroup(root, false, "end_of_input");
  }
  options_.emit_unfinished = saved;
}

// --- Saving and restoring the state ---------------------------------------
//
// {"format": "mailgauge-correlator", "version": 1, "now": µs (the log clock),
//  "epoch_high": µs (newest log time of its epoch), "clock_offset": µs (the
//  clock minus log time in this epoch; both optional), "last_sweep": µs,
//  "next_serial": n, "stats": {...},
//  "messages": [ {"key", "host_key", "serial", "first", "last", "finished_at",
//                 "finished", "queued", "content", "by_host", "hops": [serial...],
//                 "record": {...}} ... ]            (least recently active first)
//  "finished": [[key, serial] ...], "pending": [[host_key, from_key,
//  from_serial, µs] ...], "open_transactions": [[host, pid, key, serial,
//  [[key, serial] ...]] ...], "unconfirmed": [[key, serial, µs, time] ...],
//  "pending_actions": [...]}
// ("content", the superseded transactions and "unconfirmed" are absent
// from states saved before session 23, and read as none.)
// (States saved before 2026-11-27 also hold "handoff_order": [[host_key,
// µs] ...], the pending entries by age; it is ignored.)
// Timestamps are [µs, utc offset].

namespace {

using nlohmann::json;

constexpr char kStateFormat[] = "mailgauge-correlator";

json TimeToJson(const Timestamp& t) {
  return json::array({t.unix_micros, t.utc_offset_seconds});
}

Timestamp TimeFromJson(const json& j) {
  Timestamp t;
  t.unix_micros = JsonInt<int64_t>(j.at(0));
  t.utc_offset_seconds = JsonInt<int32_t>(j.at(1));
  return t;
}

json RecipientToJson(const RecipientRecord& r) {
  return {{"address", r.address},
          {"orig_to", r.orig_to},
          {"status", static_cast<int>(r.status)},
          {"relay", r.relay},
          {"transport", r.transport},
          {"dsn", r.dsn},
          {"reply", r.reply},
          {"reason", r.reason},
          {"delay", r.delay},
          {"delays", json::array({r.delays.before_qmgr, r.delays.in_qmgr,
                                  r.delays.conn_setup, r.delays.transmission})},
          {"deferrals", r.deferrals},
          {"time", TimeToJson(r.time)},
          {"queue_id", r.queue_id},
          {"handoff_to", r.handoff_to}};
}

RecipientRecord RecipientFromJson(const json& j) {
  RecipientRecord r;
  r.address = j.at("address").get<std::string>();
  r.orig_to = j.at("orig_to").get<std::string>();
  const int status = JsonInt<int>(j.at("status"));
  if (status < 0 || status > static_cast<int>(RecipientStatus::kDiscarded)) {
    throw std::out_of_range("recipient status out of range");
  }
  r.status = static_cast<RecipientStatus>(status);
  r.relay = j.at("relay").get<std::string>();
  r.transport = j.at("transport").get<std::string>();
  r.dsn = j.at("dsn").get<std::string>();
  r.reply = j.at("reply").get<std::string>();
  r.reason = j.at("reason").get<std::string>();
  r.delay = j.at("delay").get<double>();
  const json& d = j.at("delays");
  r.delays.before_qmgr = d.at(0).get<double>();
  r.delays.in_qmgr = d.at(1).get<double>();
  r.delays.conn_setup = d.at(2).get<double>();
  r.delays.transmission = d.at(3).get<double>();
  r.deferrals = JsonInt<int>(j.at("deferrals"));
  r.time = TimeFromJson(j.at("time"));
  r.queue_id = j.at("queue_id").get<std::string>();
  r.handoff_to = j.at("handoff_to").get<std::string>();
  return r;
}

json RecordToJson(const MessageRecord& m) {
  json recipients = json::array();
  for (const RecipientRecord& r : m.recipients) recipients.push_back(RecipientToJson(r));
  json rejected = json::array();
  for (const RejectedRecipient& r : m.rejected_recipients) {
    rejected.push_back(json::array({r.address, r.stage, r.reply}));
  }
  return {{"queue_ids", m.queue_ids},
          {"host", m.host},
          {"instance", m.instance},
          {"service", m.service},
          {"arrival", TimeToJson(m.arrival)},
          {"completion", TimeToJson(m.completion)},
          {"origin", m.origin},
          {"client_name", m.client_name},
          {"client_addr", m.client_addr},
          {"client_port", m.client_port},
          {"helo", m.helo},
          {"sasl_method", m.sasl_method},
          {"sasl_username", m.sasl_username},
          {"uid", m.uid},
          {"sender", m.sender},
          {"sender_known", m.sender_known},
          {"size", m.size},
          {"nrcpt", m.nrcpt},
          {"message_id", m.message_id},
          {"parent_queue_id", m.parent_queue_id},
          {"notification", m.notification},
          {"notifications", m.notifications},
          {"held", m.held},
          {"probe", m.probe},
          {"end", m.end},
          {"finished", m.finished},
          {"reject_stage", m.reject_stage},
          {"reject_reply", m.reject_reply},
          {"recipients", std::move(recipients)},
          {"rejected_recipients", std::move(rejected)}};
}

MessageRecord RecordFromJson(const json& j) {
  MessageRecord m;
  m.queue_ids = j.at("queue_ids").get<std::vector<std::string>>();
  if (m.queue_ids.empty()) throw std::out_of_range("a message without a queue ID");
  m.host = j.at("host").get<std::string>();
  m.instance = j.at("instance").get<std::string>();
  m.service = j.at("service").get<std::string>();
  m.arrival = TimeFromJson(j.at("arrival"));
  m.completion = TimeFromJson(j.at("completion"));
  m.origin = j.at("origin").get<std::string>();
  m.client_name = j.at("client_name").get<std::string>();
  m.client_addr = j.at("client_addr").get<std::string>();
  m.client_port = j.at("client_port").get<std::string>();
  m.helo = j.at("helo").get<std::string>();
  m.sasl_method = j.at("sasl_method").get<std::string>();
  m.sasl_username = j.at("sasl_username").get<std::string>();
  m.uid = j.at("uid").get<std::string>();
  m.sender = j.at("sender").get<std::string>();
  m.sender_known = j.at("sender_known").get<bool>();
  m.size = JsonInt<int64_t>(j.at("size"));
  m.nrcpt = JsonInt<int64_t>(j.at("nrcpt"));
  m.message_id = j.at("message_id").get<std::string>();
  m.parent_queue_id = j.at("parent_queue_id").get<std::string>();
  m.notification = j.at("notification").get<std::string>();
  m.notifications = j.at("notifications").get<std::vector<std::string>>();
  m.held = j.at("held").get<bool>();
  m.probe = j.value("probe", false);  // absent from states saved before it existed
  m.end = j.at("end").get<std::string>();
  m.finished = j.at("finished").get<bool>();
  m.reject_stage = j.at("reject_stage").get<std::string>();
  m.reject_reply = j.at("reject_reply").get<std::string>();
  for (const json& r : j.at("recipients")) m.recipients.push_back(RecipientFromJson(r));
  for (const json& r : j.at("rejected_recipients")) {
    m.rejected_recipients.push_back({r.at(0).get<std::string>(),
                                     r.at(1).get<std::string>(),
                                     r.at(2).get<std::string>()});
  }
  return m;
}

// CorrelatorStats as a name -> value object (the field list is written once).
template <typename Visit>
void ForEachStat(CorrelatorStats& s, Visit visit) {
  visit("events", s.events);
  visit("messages", s.messages);
  visit("records", s.records);
  visit("unfinished_records", s.unfinished_records);
  visit("joined_hops", s.joined_hops);
  visit("notifications", s.notifications);
  visit("noqueue_rejects", s.noqueue_rejects);
  visit("queued_rejects", s.queued_rejects);
  visit("reject_warnings", s.reject_warnings);
  visit("evicted_age", s.evicted_age);
  visit("evicted_cap", s.evicted_cap);
  visit("abandoned", s.abandoned);
  visit("canceled", s.canceled);
  visit("unfinished_at_end", s.unfinished_at_end);
  visit("queue_id_reuse", s.queue_id_reuse);
}

// [key, serial] of a message (Correlator::Message, deduced), as the state
// names one.
template <typename Message>
json RefJson(const Message* m) {
  return json::array({Key(m->host, m->instance, m->queue_id), m->serial});
}

}  // namespace

std::string Correlator::SerializeState() const {
  json j;
  j["format"] = kStateFormat;
  j["version"] = kStateVersion;
  j["now"] = now_micros_;
  j["epoch_high"] = epoch_high_micros_;
  j["clock_offset"] = clock_offset_micros_;
  j["last_sweep"] = last_sweep_micros_;
  j["next_serial"] = next_serial_;
  json stats = json::object();
  CorrelatorStats copy = stats_;
  ForEachStat(copy, [&](const char* name, uint64_t& v) { stats[name] = v; });
  j["stats"] = std::move(stats);
  json messages = json::array();
  for (const Message* m = lru_head_; m != nullptr; m = m->lru_next) {
    json hops = json::array();
    for (const Message* h : m->hops) hops.push_back(h->serial);
    auto host_it = by_host_.find(HostKey{m->host, m->queue_id});
    messages.push_back({{"key", Key(m->host, m->instance, m->queue_id)},
                        {"host_key", HostKeyText(m->host, m->queue_id)},
                        {"serial", m->serial},
                        {"first", m->first_micros},
                        {"last", m->last_micros},
                        {"finished_at", m->finished_micros},
                        {"finished", m->finished},
                        {"queued", m->queued},
                        {"content", m->content},
                        {"by_host", host_it != by_host_.end() && host_it->message == m},
                        {"hops", std::move(hops)},
                        {"record", RecordToJson(m->record)}});
  }
  j["messages"] = std::move(messages);
  // Entries whose message is gone are left out: they would be skipped.
  json finished = json::array();
  for (const MessageRef& ref : finished_) {
    if (const Message* m = Deref(ref); m != nullptr) finished.push_back(RefJson(m));
  }
  j["finished"] = std::move(finished);
  // Sorted, so that equal states give equal text. A hand-off whose message
  // is gone names the key "" (no message has it).
  std::vector<std::pair<std::string, const PendingHandoff*>> sorted;
  sorted.reserve(pending_handoffs_.size());
  for (const auto& [key, p] : pending_handoffs_) {
    if (HandoffLive(p)) sorted.emplace_back(HostKeyText(key.host, key.queue_id), &p);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  json pending = json::array();
  for (const auto& [key, p] : sorted) {
    const Message* from = Deref({p->from_slot, p->from_serial});
    pending.push_back(json::array(
        {key, from != nullptr ? Key(from->host, from->instance, from->queue_id) : std::string(),
         p->from_serial, p->micros}));
  }
  j["pending"] = std::move(pending);
  // smtpd's open transactions whose message is live, sorted: [host, pid,
  // message key, serial, [[key, serial] of each superseded transaction
  // still live]].
  json open_json = json::array();
  for (const auto& [hash, t] : open_transactions_) {
    const Message* m = Deref(t.message);
    if (m == nullptr) continue;
    json superseded = json::array();
    for (const MessageRef& r : t.superseded) {
      if (const Message* s = Deref(r); s != nullptr) superseded.push_back(RefJson(s));
    }
    open_json.push_back(json::array({t.host, t.pid, Key(m->host, m->instance, m->queue_id),
                                     m->serial, std::move(superseded)}));
  }
  std::sort(open_json.begin(), open_json.end());
  j["open_transactions"] = std::move(open_json);
  // Transactions waiting for their content, in order: [key, serial,
  // deadline (log clock µs), the session's end as a time].
  json unconfirmed = json::array();
  for (const Unconfirmed& u : unconfirmed_) {
    if (const Message* m = Deref(u.message); m != nullptr) {
      json entry = RefJson(m);
      entry.push_back(u.deadline_micros);
      entry.push_back(TimeToJson(u.ended));
      unconfirmed.push_back(std::move(entry));
    }
  }
  j["unconfirmed"] = std::move(unconfirmed);
  // Actions waiting for their transaction's queue ID, sorted: [host, pid,
  // discard, from, to, text, time (µs), UTC offset (s)].
  json actions = json::array();
  for (const auto& [hash, a] : pending_actions_) {
    actions.push_back(json::array({a.host, a.pid, a.discard, a.from, a.to, a.text,
                                   a.time.unix_micros, a.time.utc_offset_seconds}));
  }
  std::sort(actions.begin(), actions.end());
  j["pending_actions"] = std::move(actions);
  // Keys hold NUL separators and log text may hold any byte: replace
  // invalid UTF-8 rather than throw.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

// Splits a saved "host\0queue ID" (queue IDs hold no NUL, a host might).
bool SplitHostKey(const std::string& text, std::string* host, std::string* queue_id) {
  const size_t nul = text.rfind('\0');
  if (nul == std::string::npos) return false;
  host->assign(text, 0, nul);
  queue_id->assign(text, nul + 1, std::string::npos);
  return true;
}

}  // namespace

absl::Status Correlator::RestoreState(std::string_view text) {
  if (!messages_.empty() || !pending_handoffs_.empty() || stats_.events != 0) {
    return absl::FailedPreconditionError(
        "correlator state can only be restored before the first line");
  }
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::DataLossError("correlator state is not JSON");
  }
  if (!j.contains("format") || !j["format"].is_string() ||
      j["format"].get<std::string>() != kStateFormat) {
    return absl::DataLossError("not a correlator state");
  }
  if (!j.contains("version") || !j["version"].is_number_integer() ||
      JsonToInt<int>(j["version"]) != kStateVersion) {
    return absl::DataLossError(absl::StrCat(
        "correlator state of another version (this program reads version ",
        kStateVersion, ")"));
  }
  // Build everything aside; swap in only when all of it is consistent.
  std::vector<std::unique_ptr<Message>> slots;
  absl::flat_hash_set<Message*, MessageHash, MessageEq> messages;
  absl::flat_hash_set<HostSlot, HostSlotHash, HostSlotEq> by_host;
  absl::flat_hash_map<uint64_t, Message*> by_serial;
  absl::flat_hash_map<std::string, Message*> by_key;
  absl::flat_hash_map<size_t, OpenTxn> open;
  std::deque<Unconfirmed> unconfirmed;
  absl::flat_hash_map<size_t, PendingAction> actions;
  absl::flat_hash_map<PendingKey, PendingHandoff, PendingKeyHash, PendingKeyEq> pending;
  std::deque<MessageRef> finished;
  CorrelatorStats stats;
  int64_t now = 0, epoch_high = 0, clock_offset = 0, last_sweep = 0;
  uint64_t next_serial = 0;
  try {
    now = JsonInt<int64_t>(j.at("now"));
    // Absent from states saved before the clock had epochs: the clock was
    // the newest line's time.
    epoch_high = j.contains("epoch_high") ? JsonInt<int64_t>(j.at("epoch_high")) : now;
    clock_offset = j.contains("clock_offset") ? JsonInt<int64_t>(j.at("clock_offset")) : 0;
    last_sweep = JsonInt<int64_t>(j.at("last_sweep"));
    next_serial = JsonInt<uint64_t>(j.at("next_serial"));
    const json& saved_stats = j.at("stats");
    ForEachStat(stats, [&](const char* name, uint64_t& v) {
      // A counter added since the state was saved starts at 0.
      v = saved_stats.contains(name) ? JsonInt<uint64_t>(saved_stats.at(name)) : 0;
    });
    std::vector<std::pair<Message*, std::vector<uint64_t>>> hop_lists;
    for (const json& e : j.at("messages")) {
      auto m = std::make_unique<Message>();
      const std::string key = e.at("key").get<std::string>();
      const std::string host_key = e.at("host_key").get<std::string>();
      m->serial = JsonInt<uint64_t>(e.at("serial"));
      m->first_micros = JsonInt<int64_t>(e.at("first"));
      m->last_micros = JsonInt<int64_t>(e.at("last"));
      m->finished_micros = JsonInt<int64_t>(e.at("finished_at"));
      m->finished = e.at("finished").get<bool>();
      m->queued = e.at("queued").get<bool>();
      m->content = e.value("content", false);  // absent before 2026-11-28 (session 23)
      m->record = RecordFromJson(e.at("record"));
      m->host = m->record.host;
      m->instance = m->record.instance;
      m->queue_id = m->record.queue_ids.front();
      if (key != Key(m->host, m->instance, m->queue_id) ||
          host_key != HostKeyText(m->host, m->queue_id)) {
        return absl::DataLossError("correlator state: a message's key does not match its record");
      }
      if (m->serial == 0 || m->serial >= next_serial) {
        return absl::DataLossError("correlator state: a message serial is out of range");
      }
      Message* raw = m.get();
      if (!by_serial.emplace(m->serial, raw).second) {
        return absl::DataLossError("correlator state: a message serial appears twice");
      }
      if (e.at("by_host").get<bool>() && !by_host.insert(HostSlot{raw}).second) {
        return absl::DataLossError("correlator state: two messages claim one queue ID");
      }
      hop_lists.emplace_back(raw, e.at("hops").get<std::vector<uint64_t>>());
      raw->slot = static_cast<uint32_t>(slots.size());
      slots.push_back(std::move(m));
      if (!by_key.emplace(key, raw).second || !messages.insert(raw).second) {
        return absl::DataLossError("correlator state: a message appears twice");
      }
    }
    // Hops: each names another message that is a root of nothing and joined
    // to nothing else.
    for (auto& [root, serials] : hop_lists) {
      for (uint64_t serial : serials) {
        auto it = by_serial.find(serial);
        if (it == by_serial.end() || it->second == root) {
          return absl::DataLossError("correlator state: a hop names no other message");
        }
        root->hops.push_back(it->second);
      }
    }
    for (auto& [root, serials] : hop_lists) {
      for (Message* hop : root->hops) {
        if (hop->root != nullptr || !hop->hops.empty() || root->root != nullptr) {
          return absl::DataLossError("correlator state: hops do not form groups");
        }
        hop->root = root;
      }
    }
    // A root must not itself be a hop (checked after every hop got its root).
    for (auto& [root, serials] : hop_lists) {
      if (!root->hops.empty() && root->root != nullptr) {
        return absl::DataLossError("correlator state: hops do not form groups");
      }
    }
    // A finished entry or a hand-off names its message by key and serial;
    // one whose message is gone is skipped (finished) or joins nothing
    // (hand-off). A serial not given yet could name a future message.
    for (const json& f : j.at("finished")) {
      const std::string key = f.at(0).get<std::string>();
      const uint64_t serial = JsonInt<uint64_t>(f.at(1));
      if (serial >= next_serial) {
        return absl::DataLossError("correlator state: a finished entry's serial is out of range");
      }
      auto it = by_key.find(key);
      if (it != by_key.end() && it->second->serial == serial) {
        finished.push_back({it->second->slot, serial});
      }
    }
    for (const json& p : j.at("pending")) {
      PendingKey key;
      if (!SplitHostKey(p.at(0).get<std::string>(), &key.host, &key.queue_id)) {
        return absl::DataLossError("correlator state: a hand-off key is malformed");
      }
      PendingHandoff h;
      const std::string from_key = p.at(1).get<std::string>();
      h.from_serial = JsonInt<uint64_t>(p.at(2));
      h.micros = JsonInt<int64_t>(p.at(3));
      if (h.from_serial >= next_serial) {
        return absl::DataLossError("correlator state: a hand-off's serial is out of range");
      }
      auto from = by_key.find(from_key);
      h.from_slot = from != by_key.end() && from->second->serial == h.from_serial
                        ? from->second->slot
                        : kNoSlot;
      pending[std::move(key)] = h;
    }
    // A live message by key and serial.
    auto ref_of = [&](const json& key, const json& serial_json, const char* what) -> MessageRef {
      auto it = by_key.find(key.get<std::string>());
      const uint64_t serial = JsonInt<uint64_t>(serial_json);
      if (it == by_key.end() || it->second->serial != serial) {
        throw std::runtime_error(std::string(what) + " names no message");
      }
      return {it->second->slot, serial};
    };
    // Absent from states written before smtpd's sessions were followed.
    if (j.contains("open_transactions")) {
      for (const json& t : j.at("open_transactions")) {
        OpenTxn txn;
        txn.host = t.at(0).get<std::string>();
        txn.pid = JsonInt<int64_t>(t.at(1));
        txn.message = ref_of(t.at(2), t.at(3), "an open transaction");
        // Absent before 2026-11-28 (session 23).
        if (t.size() > 4) {
          for (const json& r : t.at(4)) {
            txn.superseded.push_back(ref_of(r.at(0), r.at(1), "a superseded transaction"));
          }
        }
        const size_t hash = SessionHash(txn.host, txn.pid);
        open[hash] = std::move(txn);
      }
    }
    // Absent before 2026-11-28 (session 23).
    if (j.contains("unconfirmed")) {
      for (const json& u : j.at("unconfirmed")) {
        Unconfirmed entry;
        entry.message = ref_of(u.at(0), u.at(1), "a transaction waiting for its content");
        entry.deadline_micros = JsonInt<int64_t>(u.at(2));
        entry.ended = TimeFromJson(u.at(3));
        unconfirmed.push_back(entry);
      }
    }
    if (j.contains("pending_actions")) {
      for (const json& a : j.at("pending_actions")) {
        PendingAction p;
        p.host = a.at(0).get<std::string>();
        p.pid = JsonInt<int64_t>(a.at(1));
        p.discard = a.at(2).get<bool>();
        p.from = a.at(3).get<std::string>();
        p.to = a.at(4).get<std::string>();
        p.text = a.at(5).get<std::string>();
        p.time.unix_micros = JsonInt<int64_t>(a.at(6));
        p.time.utc_offset_seconds = JsonInt<int32_t>(a.at(7));
        const size_t hash = SessionHash(p.host, p.pid);
        actions[hash] = std::move(p);
      }
    }
  } catch (const std::exception& e) {
    return absl::DataLossError(absl::StrCat("correlator state is malformed: ", e.what()));
  }
  slots_ = std::move(slots);
  free_slots_.clear();
  empty_slots_.clear();
  messages_ = std::move(messages);
  by_host_ = std::move(by_host);
  pending_handoffs_ = std::move(pending);
  open_transactions_ = std::move(open);
  unconfirmed_ = std::move(unconfirmed);
  pending_actions_ = std::move(actions);
  finished_ = std::move(finished);
  lru_head_ = lru_tail_ = nullptr;
  for (const std::unique_ptr<Message>& m : slots_) LruAppend(m.get());  // saved in LRU order
  stats_ = stats;
  now_micros_ = now;
  epoch_high_micros_ = epoch_high;
  clock_offset_micros_ = clock_offset;
  last_sweep_micros_ = last_sweep;
  // The state is saved between lines, after ExpireHandoffs ran at `now`.
  handoff_clock_micros_ = handoff_sweep_micros_ = now;
  next_serial_ = next_serial;
  return absl::OkStatus();
}

std::string_view RecipientStatusName(RecipientStatus s) {
  switch (s) {
    case RecipientStatus::kUnknown: return "unknown";
    case RecipientStatus::kSent: return "sent";
    case RecipientStatus::kBounced: return "bounced";
    case RecipientStatus::kExpired: return "expired";
    case RecipientStatus::kDeleted: return "deleted";
    case RecipientStatus::kDeferred: return "deferred";
    case RecipientStatus::kHeld: return "held";
    case RecipientStatus::kDiscarded: return "discarded";
  }
  return "unknown";
}

bool IsFinal(RecipientStatus s) {
  return s == RecipientStatus::kSent || s == RecipientStatus::kBounced ||
         s == RecipientStatus::kExpired || s == RecipientStatus::kDeleted ||
         s == RecipientStatus::kDiscarded;
}

}  // namespace mailgauge::analyzer
