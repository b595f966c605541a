#include "refmta/postsuper.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "refmta/queue_id.h"

namespace mailgauge::refmta {
namespace {

namespace pm = postfix_message;

bool Pending(const QueuedRecipient& r) {
  return r.state == RecipientState::kPending || r.state == RecipientState::kDeferred;
}

// The queues each action works on, in postsuper's order.
std::vector<QueueName> QueuesFor(PostsuperAction action) {
  switch (action) {
    case PostsuperAction::kDelete:
    case PostsuperAction::kRequeue:
      return {QueueName::kHold, QueueName::kIncoming, QueueName::kActive,
              QueueName::kDeferred};
    case PostsuperAction::kHold:
      return {QueueName::kIncoming, QueueName::kActive, QueueName::kDeferred};
    case PostsuperAction::kRelease:
      return {QueueName::kHold};
  }
  return {};
}

void Record(Ledger* ledger, const Envelope& env, absl::string_view event) {
  for (const QueuedRecipient& r : env.recipients) {
    if (!Pending(r)) continue;
    (void)ledger->Append({std::string(event), absl::Now(), env.queue_id, env.sender, r.address,
                          std::string(event), "postsuper", ""});
  }
}

}  // namespace

absl::StatusOr<int> RunPostsuper(Queue* queue, PostfixLogWriter* log, Ledger* ledger,
                                 int64_t pid, PostsuperAction action,
                                 const std::vector<std::string>& ids,
                                 absl::optional<QueueName> only_queue) {
  bool all = std::find(ids.begin(), ids.end(), "ALL") != ids.end();
  for (const std::string& id : ids) {
    if (id != "ALL" && !IsQueueId(id)) {
      return absl::InvalidArgumentError(absl::StrCat("invalid queue ID: \"", id, "\""));
    }
  }
  std::vector<std::pair<QueueName, std::string>> targets;
  for (QueueName q : QueuesFor(action)) {
    if (only_queue && *only_queue != q) continue;
    auto listed = queue->List(q);
    if (!listed.ok()) return listed.status();
    for (const std::string& id : *listed) {
      if (all || std::find(ids.begin(), ids.end(), id) != ids.end()) targets.push_back({q, id});
    }
  }
  int count = 0;
  for (const auto& [q, id] : targets) {
    auto file = queue->Read(q, id);
    if (!file.ok()) continue;  // gone meanwhile
    Envelope env = file->envelope;
    absl::Status s;
    const char* logged = "";
    switch (action) {
      case PostsuperAction::kDelete:
        s = queue->Remove(q, id);
        logged = "removed";
        if (s.ok()) Record(ledger, env, "deleted");
        break;
      case PostsuperAction::kHold:
        s = queue->Move(id, q, QueueName::kHold);
        logged = "placed on hold";
        if (s.ok()) Record(ledger, env, "held");
        break;
      case PostsuperAction::kRelease:
        env.next_retry_micros = 0;
        s = queue->UpdateEnvelope(q, env);
        if (s.ok()) s = queue->Move(id, q, QueueName::kDeferred);
        logged = "released from hold";
        if (s.ok()) Record(ledger, env, "released");
        break;
      case PostsuperAction::kRequeue: {
        Envelope copy = env;
        copy.recipients.clear();
        for (const QueuedRecipient& r : env.recipients) {
          if (Pending(r)) copy.recipients.push_back({r.address, r.original_address});
        }
        copy.uid = 0;
        auto requeued = queue->Enqueue(QueueName::kMaildrop, copy, file->message);
        s = requeued.ok() ? queue->Remove(q, id) : requeued.status();
        logged = "requeued";
        if (s.ok()) Record(ledger, env, "requeued");
        break;
      }
    }
    if (!s.ok()) {
      log->Warning("postsuper", pid, absl::StrCat(id, ": ", s.message()));
      continue;
    }
    log->Info("postsuper", pid, pm::PostsuperAction(id, logged));
    ++count;
  }
  if (count > 0) {
    const char* what = action == PostsuperAction::kDelete    ? "Deleted"
                       : action == PostsuperAction::kHold    ? "Placed on hold"
                       : action == PostsuperAction::kRelease ? "Released from hold"
                                                             : "Requeued";
    log->Info("postsuper", pid, pm::PostsuperSummary(what, count));
  }
  return count;
}

}  // namespace mailgauge::refmta
