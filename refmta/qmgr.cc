#include "refmta/qmgr.h"

#include <algorithm>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "refmta/cleanup.h"
#include "refmta/smtp_client.h"

namespace mailgauge::refmta {
namespace {

namespace pm = postfix_message;

constexpr int kVirtualAliasDepth = 10;
// At most this many messages are handled at once in one queue run.
constexpr int64_t kMaxQueueWorkers = 20;

bool Pending(const QueuedRecipient& r) {
  return r.state == RecipientState::kPending || r.state == RecipientState::kDeferred;
}

// The ledger's orig_to: the address the recipient was reached through, when
// it differs (log_adhoc.c prints orig_to= on the same condition).
std::string OrigTo(const QueuedRecipient& r) {
  if (r.original_address.empty() || absl::EqualsIgnoreCase(r.original_address, r.address)) {
    return "";
  }
  return r.original_address;
}

const char* LedgerEventFor(absl::string_view status) {
  if (status == "sent") return "delivered";
  if (status == "bounced") return "bounced";
  return "deferred";
}

RecipientState StateFor(absl::string_view status) {
  if (status == "sent") return RecipientState::kDelivered;
  if (status == "bounced") return RecipientState::kBounced;
  return RecipientState::kDeferred;
}

std::string MessageIdOf(absl::string_view content) {
  size_t body = 0;
  for (const std::string& h : LogicalHeaders(content, &body)) {
    if (absl::StartsWithIgnoreCase(h, "Message-ID:")) {
      std::string v;
      for (char c : h.substr(11)) {
        if (c != '\n') v.push_back(c);
      }
      return std::string(absl::StripAsciiWhitespace(v));
    }
  }
  return "";
}

}  // namespace

absl::Duration RetryBackoff(int attempts, const RefmtaConfig& config) {
  absl::Duration wait = absl::Seconds(config.minimal_backoff_time_seconds);
  absl::Duration cap = absl::Seconds(config.maximal_backoff_time_seconds);
  for (int i = 1; i < attempts && wait < cap; ++i) wait *= 2;
  return std::min(wait, cap);
}

std::string QualifyWithOrigin(const std::string& address, const RefmtaConfig& config) {
  if (address.find('@') != std::string::npos) return address;
  size_t at = config.myorigin.rfind('@');
  return absl::StrCat(address, "@",
                      at == std::string::npos ? config.myorigin : config.myorigin.substr(at + 1));
}

std::string BounceMessage(const RefmtaConfig& config, const Envelope& original,
                          absl::string_view original_content, absl::Time now,
                          bool postmaster_copy) {
  std::string date = absl::FormatTime("%a, %e %b %Y %H:%M:%S %z (%Z)", now,
                                      absl::UTCTimeZone());
  std::string boundary = absl::StrCat(original.queue_id, ".", absl::ToUnixSeconds(now), "/",
                                      config.myhostname);
  std::string text = absl::StrCat(
      "From: MAILER-DAEMON@", config.myhostname, " (Mail Delivery System)\n",
      "Subject: ",
      postmaster_copy ? "Postmaster Copy: Undelivered Mail" : "Undelivered Mail Returned to Sender",
      "\n", "To: ",
      postmaster_copy ? QualifyWithOrigin(config.double_bounce_notice_recipient, config)
                      : original.sender,
      "\n",
      "Auto-Submitted: auto-replied\n", "MIME-Version: 1.0\n",
      "Content-Type: multipart/report; report-type=delivery-status;\n\tboundary=\"", boundary,
      "\"\n", "Content-Transfer-Encoding: 8bit\n", "Date: ", date, "\n\n",
      "This is a MIME-encapsulated message.\n\n", "--", boundary, "\n",
      "Content-Description: Notification\n", "Content-Type: text/plain; charset=us-ascii\n\n",
      "This is the mail system at host ", config.myhostname, ".\n\n",
      "I'm sorry to have to inform you that your message could not\n",
      "be delivered to one or more recipients. It's attached below.\n\n",
      "For further assistance, please send mail to postmaster.\n\n",
      "If you do so, please include this problem report. You can\n",
      "delete your own text from the attached returned message.\n\n",
      "                   The mail system\n\n");
  std::string report = absl::StrCat(
      "Reporting-MTA: dns; ", config.myhostname, "\n", "X-Postfix-Queue-ID: ",
      original.queue_id, "\n", "X-Postfix-Sender: rfc822; ", original.sender, "\n",
      "Arrival-Date: ",
      absl::FormatTime("%a, %e %b %Y %H:%M:%S %z (%Z)",
                       absl::FromUnixMicros(original.arrival_micros), absl::UTCTimeZone()),
      "\n");
  for (const QueuedRecipient& r : original.recipients) {
    if (r.state != RecipientState::kBounced && r.state != RecipientState::kExpired) continue;
    absl::StrAppend(&text, "<", r.address, ">: ", r.delay_reason, "\n");
    absl::StrAppend(&report, "\nFinal-Recipient: rfc822; ", r.address, "\n");
    if (!r.original_address.empty()) {
      absl::StrAppend(&report, "Original-Recipient: rfc822;", r.original_address, "\n");
    }
    absl::StrAppend(&report, "Action: failed\n", "Status: ",
                    r.state == RecipientState::kExpired ? std::string("4.4.7") : r.dsn, "\n",
                    "Diagnostic-Code: X-Postfix; ", r.delay_reason, "\n");
  }
  absl::StrAppend(&text, "\n--", boundary, "\n", "Content-Description: Delivery report\n",
                  "Content-Type: message/delivery-status\n\n", report, "\n--", boundary,
                  "\n", "Content-Description: Undelivered Message\n",
                  "Content-Type: message/rfc822\n", "Content-Transfer-Encoding: 8bit\n\n",
                  original_content);
  if (!absl::EndsWith(text, "\n")) text += "\n";
  absl::StrAppend(&text, "\n--", boundary, "--\n");
  return text;
}

QueueManager::QueueManager(QueueManagerDeps deps, QueueManagerOptions options)
    : deps_(deps), options_(std::move(options)) {}

absl::Status QueueManager::Recover() {
  auto ids = deps_.queue->List(QueueName::kActive);
  if (!ids.ok()) return ids.status();
  for (const std::string& id : *ids) {
    // Postfix's qmgr moves the active queue back to incoming when it starts.
    if (absl::Status s = deps_.queue->Move(id, QueueName::kActive, QueueName::kIncoming);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

TransportRoute LookupTransport(const LookupTableList& maps, absl::string_view address) {
  TransportRoute route;
  if (maps.empty()) return route;
  std::string lower = absl::AsciiStrToLower(address);
  size_t at = lower.rfind('@');
  std::string domain = at == std::string::npos ? std::string() : lower.substr(at + 1);
  absl::optional<std::string> value = maps.Find(lower);
  if (!value && !domain.empty()) {
    value = maps.Find(domain);
    // ".example.com" matches every subdomain of example.com.
    for (size_t dot = domain.find('.'); !value && dot != std::string::npos;
         dot = domain.find('.', dot + 1)) {
      value = maps.Find(domain.substr(dot));
    }
  }
  if (!value) value = maps.Find("*");
  if (!value) return route;
  std::string v(absl::StripAsciiWhitespace(*value));
  size_t colon = v.find(':');
  std::string transport = absl::AsciiStrToLower(v.substr(0, colon));
  std::string nexthop = colon == std::string::npos ? "" : v.substr(colon + 1);
  if (transport == "local") {
    route.kind = TransportRoute::Kind::kLocal;
  } else if (transport == "virtual") {
    route.kind = TransportRoute::Kind::kVirtual;
  } else if (transport == "smtp" || transport == "relay" || transport.empty()) {
    route.kind = TransportRoute::Kind::kSmtp;
  } else if (transport == "error") {
    route.kind = TransportRoute::Kind::kError;
  } else if (transport == "retry") {
    route.kind = TransportRoute::Kind::kRetry;
  } else {
    // A transport refmta does not have: like Postfix with a transport
    // missing from master.cf, the mail waits (deferred, configuration error).
    route.kind = TransportRoute::Kind::kRetry;
    nexthop = "4.3.5 mail system configuration error";
  }
  route.nexthop = nexthop;
  return route;
}

absl::Status QueueManager::RunOnce() {
  std::vector<std::pair<QueueName, std::string>> work;
  for (QueueName q : {QueueName::kIncoming, QueueName::kDeferred}) {
    auto ids = deps_.queue->List(q);
    if (!ids.ok()) return ids.status();
    for (const std::string& id : *ids) work.emplace_back(q, id);
  }
  std::mutex mu;
  absl::Status first;
  size_t next = 0;
  auto worker = [&] {
    for (;;) {
      std::pair<QueueName, std::string> item;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (next >= work.size()) return;
        item = work[next++];
      }
      absl::Status s = ProcessMessage(item.first, item.second);
      if (!s.ok()) {
        deps_.log->Warning("qmgr", options_.qmgr_pid,
                           absl::StrCat(item.second, ": ", s.message()));
        std::lock_guard<std::mutex> lock(mu);
        if (first.ok()) first = s;
      }
    }
  };
  // Enough workers that one destination can reach its concurrency limit.
  const int64_t limit = std::max<int64_t>(1, deps_.config->smtp_destination_concurrency_limit);
  const size_t workers = std::min<size_t>(work.size(), static_cast<size_t>(std::min<int64_t>(
                                                           limit, kMaxQueueWorkers)));
  std::vector<std::thread> threads;
  for (size_t i = 1; i < workers; ++i) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  return first;
}

int QueueManager::AcquireSmtpSlot(const std::string& destination) {
  const int64_t limit = std::max<int64_t>(1, deps_.config->smtp_destination_concurrency_limit);
  std::unique_lock<std::mutex> lock(slots_mu_);
  while (in_flight_[destination] >= limit) slot_freed_.wait(lock);
  ++in_flight_[destination];
  size_t slot = 0;
  while (slot < smtp_slots_.size() && smtp_slots_[slot]) ++slot;
  if (slot == smtp_slots_.size()) smtp_slots_.push_back(false);
  smtp_slots_[slot] = true;
  return static_cast<int>(slot);
}

void QueueManager::ReleaseSmtpSlot(const std::string& destination, int slot) {
  std::lock_guard<std::mutex> lock(slots_mu_);
  if (--in_flight_[destination] <= 0) in_flight_.erase(destination);
  smtp_slots_[static_cast<size_t>(slot)] = false;
  slot_freed_.notify_all();
}

void QueueManager::ExpandVirtualAliases(Envelope* env) const {
  if (deps_.virtual_alias_maps == nullptr || deps_.virtual_alias_maps->empty()) return;
  for (int depth = 0; depth < kVirtualAliasDepth; ++depth) {
    bool changed = false;
    std::vector<QueuedRecipient> out;
    for (const QueuedRecipient& r : env->recipients) {
      if (!Pending(r)) {
        out.push_back(r);
        continue;
      }
      SplitAddress a = SplitRecipient(r.address);
      absl::optional<std::string> targets =
          deps_.virtual_alias_maps->Find(absl::StrCat(a.local, "@", a.domain));
      if (!targets && !a.domain.empty()) {
        targets = deps_.virtual_alias_maps->Find(absl::StrCat("@", a.domain));
      }
      std::vector<std::string> list = targets ? SplitPostfixList(*targets)
                                              : std::vector<std::string>();
      if (list.empty() || (list.size() == 1 && absl::EqualsIgnoreCase(list[0], r.address))) {
        out.push_back(r);
        continue;
      }
      changed = true;
      for (const std::string& t : list) {
        QueuedRecipient n;
        n.address = t;
        n.original_address = r.original_address.empty() ? r.address : r.original_address;
        out.push_back(n);
      }
    }
    env->recipients = std::move(out);
    if (!changed) return;
  }
}

std::string QueueManager::Submit(Envelope env, const std::string& content,
                                 const std::string& origin) {
  absl::Time now = options_.clock();
  auto id = deps_.queue->Reserve(QueueName::kIncoming, now);
  if (!id.ok()) {
    deps_.log->Warning("cleanup", options_.cleanup_pid, std::string(id.status().message()));
    return "";
  }
  env.queue_id = *id;
  env.arrival_micros = absl::ToUnixMicros(now);
  env.origin = origin;
  std::string body = content;
  std::string message_id = MessageIdOf(body);
  if (message_id.empty()) {
    message_id = absl::StrCat("<", absl::FormatTime("%Y%m%d%H%M%S", now, absl::UTCTimeZone()),
                              ".", *id, "@", deps_.config->myhostname, ">");
    size_t body_offset = 0;
    std::vector<std::string> headers = LogicalHeaders(body, &body_offset);
    std::string rebuilt;
    for (const std::string& h : headers) absl::StrAppend(&rebuilt, h, "\n");
    absl::StrAppend(&rebuilt, "Message-Id: ", message_id, "\n\n",
                    absl::string_view(body).substr(std::min(body_offset, body.size())));
    body = std::move(rebuilt);
  }
  env.message_id = message_id;
  absl::Status s = deps_.queue->Commit(QueueName::kIncoming, QueueName::kIncoming, env, body);
  if (!s.ok()) {
    deps_.log->Warning("cleanup", options_.cleanup_pid, std::string(s.message()));
    (void)deps_.queue->Remove(QueueName::kIncoming, *id);
    return "";
  }
  deps_.log->Info("cleanup", options_.cleanup_pid, pm::CleanupMessageId(*id, message_id));
  for (const QueuedRecipient& r : env.recipients) {
    (void)deps_.ledger->Append({"accepted", now, *id, env.sender, r.address, "queued", origin,
                                "", OrigTo(r)});
  }
  return *id;
}

void QueueManager::LogDelivery(absl::string_view daemon, int64_t pid, const Envelope& env,
                               const QueuedRecipient& rcpt, absl::string_view relay,
                               absl::Time handoff, absl::Time conn_setup_done,
                               absl::string_view dsn, absl::string_view status,
                               absl::string_view reason) {
  DeliveryLogRecord rec;
  rec.queue_id = env.queue_id;
  rec.recipient = rcpt.address;
  rec.original_recipient = rcpt.original_address;
  rec.relay = std::string(relay);
  rec.incoming_arrival = absl::FromUnixMicros(env.arrival_micros);
  rec.active_arrival = absl::FromUnixMicros(env.active_micros);
  rec.agent_handoff = handoff;
  rec.conn_setup_done = conn_setup_done;
  absl::Time done = options_.clock();
  rec.deliver_done = done;
  rec.dsn = std::string(dsn);
  rec.status = std::string(status);
  rec.reason = std::string(reason);
  deps_.log->Info(daemon, pid, pm::Delivery(rec));
  (void)deps_.ledger->Append({LedgerEventFor(status), done, env.queue_id, env.sender,
                              rcpt.address, std::string(status),
                              absl::StrCat(daemon, ":", relay), std::string(reason),
                              OrigTo(rcpt)});
}

absl::Status QueueManager::ProcessMessage(QueueName from, const std::string& queue_id) {
  const RefmtaConfig& config = *deps_.config;
  absl::Time now = options_.clock();
  auto file = deps_.queue->Read(from, queue_id);
  if (absl::IsNotFound(file.status())) return absl::OkStatus();  // moved meanwhile
  if (absl::IsDataLoss(file.status())) {
    // A complete file is renamed into place, so this one is damaged, not
    // in progress: qmgr_active.c qmgr_active_corrupt() saves it aside once,
    // "saving corrupt file \"%s\" from queue \"%s\" to queue \"%s\"".
    deps_.log->Warning("qmgr", options_.qmgr_pid, std::string(file.status().message()));
    deps_.log->Warning("qmgr", options_.qmgr_pid,
                       absl::StrCat("saving corrupt file \"", queue_id, "\" from queue \"",
                                    QueueNameString(from), "\" to queue \"corrupt\""));
    return deps_.queue->SaveCorrupt(from, queue_id);
  }
  if (!file.ok()) return file.status();
  Envelope env = file->envelope;
  const std::string& content = file->message;
  if (from == QueueName::kDeferred && env.next_retry_micros > absl::ToUnixMicros(now)) {
    return absl::OkStatus();
  }
  {
    std::lock_guard<std::mutex> lock(retry_mu_);
    auto wait = not_before_.find(queue_id);
    if (wait != not_before_.end()) {
      if (wait->second > now) return absl::OkStatus();
      not_before_.erase(wait);
    }
  }
  if (absl::Status s = deps_.queue->Move(queue_id, from, QueueName::kActive); !s.ok()) return s;
  env.active_micros = absl::ToUnixMicros(now);
  ExpandVirtualAliases(&env);
  int nrcpt = static_cast<int>(std::count_if(env.recipients.begin(), env.recipients.end(),
                                             Pending));
  deps_.log->Info("qmgr", options_.qmgr_pid,
                  pm::QmgrOpened(queue_id, env.sender, static_cast<int64_t>(content.size()),
                                 nrcpt));

  // Recipients that were still to be delivered at the start of this pass:
  // only their failures go into this pass's bounce notice.
  std::vector<bool> tried(env.recipients.size(), false);
  for (size_t i = 0; i < env.recipients.size(); ++i) tried[i] = Pending(env.recipients[i]);
  // SMTP recipients grouped by next hop ("" = relayhost), in order.
  std::vector<std::pair<std::string, std::vector<size_t>>> smtp_batches;
  for (size_t i = 0; i < env.recipients.size(); ++i) {
    QueuedRecipient& r = env.recipients[i];
    if (!Pending(r)) continue;
    AddressClass cls = deps_.policy->Classify(r.address);
    TransportRoute route = deps_.transport_maps == nullptr
                               ? TransportRoute()
                               : LookupTransport(*deps_.transport_maps, r.address);
    absl::Time handoff = options_.clock();
    if (route.kind == TransportRoute::Kind::kLocal) cls = AddressClass::kLocal;
    if (route.kind == TransportRoute::Kind::kVirtual) cls = AddressClass::kVirtualMailbox;
    if (route.kind == TransportRoute::Kind::kError ||
        route.kind == TransportRoute::Kind::kRetry) {
      // error(8) (and its "retry" personality): the next hop is the reason,
      // optionally starting with an enhanced status code.
      const bool retry = route.kind == TransportRoute::Kind::kRetry;
      std::string reason = route.nexthop;
      std::string dsn = retry ? "4.0.0" : "5.0.0";
      size_t space = reason.find(' ');
      std::string first = reason.substr(0, space);
      if (first.size() >= 5 && (first[0] == '4' || first[0] == '5') && first[1] == '.' &&
          std::count(first.begin(), first.end(), '.') == 2 &&
          first.find_first_not_of("0123456789.") == std::string::npos) {
        dsn = first;
        dsn[0] = retry ? '4' : dsn[0];
        reason = space == std::string::npos ? "" : reason.substr(space + 1);
      }
      if (reason.empty()) reason = retry ? "delivery temporarily suspended" : "mail delivery failed";
      const std::string status = dsn[0] == '4' ? "deferred" : "bounced";
      LogDelivery(retry ? "retry" : "error", options_.error_pid, env, r, "none", handoff,
                  absl::InfinitePast(), dsn, status, reason);
      r.state = StateFor(status);
      r.dsn = dsn;
      r.delay_reason = reason;
      continue;
    }
    if (route.kind == TransportRoute::Kind::kSmtp) {
      auto it = std::find_if(smtp_batches.begin(), smtp_batches.end(),
                             [&](const auto& b) { return b.first == route.nexthop; });
      if (it == smtp_batches.end()) {
        smtp_batches.push_back({route.nexthop, {}});
        it = smtp_batches.end() - 1;
      }
      it->second.push_back(i);
      continue;
    }
    if (cls == AddressClass::kLocal) {
      DeliveryInput in{env.sender, r.address, r.original_address, content};
      std::vector<LocalDeliveryResult> results = deps_.local->DeliverLocal(in, handoff);
      bool any_deferred = false, any_bounced = false;
      std::string bounce_reason, bounce_dsn, defer_reason, defer_dsn;
      for (LocalDeliveryResult& lr : results) {
        if (!lr.forward_addresses.empty()) {
          Envelope fwd;
          fwd.sender = env.sender;
          for (const std::string& target : lr.forward_addresses) {
            fwd.recipients.push_back({target, lr.original_recipient});
          }
          std::string new_id = Submit(fwd, content, "local");
          if (new_id.empty()) {
            lr.dsn = "4.3.0";
            lr.status = "deferred";
            lr.reason = "queue file write error";
          } else {
            // local/forward.c: "forwarded as %s"
            lr.reason = absl::StrCat("forwarded as ", new_id);
          }
        }
        QueuedRecipient shown;
        shown.address = lr.recipient;
        shown.original_address = lr.original_recipient;
        LogDelivery("local", options_.local_pid, env, shown, lr.relay, handoff,
                    absl::InfinitePast(), lr.dsn, lr.status, lr.reason);
        if (lr.status == "deferred") {
          any_deferred = true;
          defer_reason = lr.reason;
          defer_dsn = lr.dsn;
        } else if (lr.status == "bounced") {
          any_bounced = true;
          bounce_reason = lr.reason;
          bounce_dsn = lr.dsn;
        }
      }
      if (any_deferred) {
        r.state = RecipientState::kDeferred;
        r.delay_reason = defer_reason;
        r.dsn = defer_dsn;
      } else if (any_bounced) {
        r.state = RecipientState::kBounced;
        r.delay_reason = bounce_reason;
        r.dsn = bounce_dsn;
      } else {
        r.state = RecipientState::kDelivered;
        r.dsn = "2.0.0";
      }
    } else if (cls == AddressClass::kVirtualMailbox) {
      DeliveryInput in{env.sender, r.address, r.original_address, content};
      LocalDeliveryResult vr = deps_.local->DeliverVirtual(in, handoff);
      LogDelivery("virtual", options_.virtual_pid, env, r, vr.relay, handoff,
                  absl::InfinitePast(), vr.dsn, vr.status, vr.reason);
      r.state = StateFor(vr.status);
      r.dsn = vr.dsn;
      r.delay_reason = vr.status == "sent" ? "" : vr.reason;
    } else if (cls == AddressClass::kVirtualAlias) {
      // No virtual alias matched: trivial-rewrite's error transport.
      std::string reason = "User unknown in virtual alias table";
      LogDelivery("error", options_.error_pid, env, r, "none", handoff, absl::InfinitePast(),
                  "5.1.1", "bounced", reason);
      r.state = RecipientState::kBounced;
      r.dsn = "5.1.1";
      r.delay_reason = reason;
    } else {
      auto it = std::find_if(smtp_batches.begin(), smtp_batches.end(),
                             [](const auto& b) { return b.first.empty(); });
      if (it == smtp_batches.end()) {
        smtp_batches.push_back({"", {}});
        it = smtp_batches.end() - 1;
      }
      it->second.push_back(i);
    }
  }
  for (const auto& [nexthop, smtp_batch] : smtp_batches) {
    absl::Time handoff = options_.clock();
    const std::string destination = nexthop.empty() ? config.relayhost : nexthop;
    auto hop = ParseNextHop(destination);
    if (destination.empty() || !hop.ok()) {
      for (size_t i : smtp_batch) {
        QueuedRecipient& r = env.recipients[i];
        LogDelivery("smtp", options_.smtp_pid, env, r, "none", handoff, absl::InfinitePast(),
                    "4.3.5", "deferred", "mail system configuration error");
        r.state = RecipientState::kDeferred;
        r.dsn = "4.3.5";
        r.delay_reason = "mail system configuration error";
      }
    } else {
      std::vector<std::string> addresses;
      for (size_t i : smtp_batch) addresses.push_back(env.recipients[i].address);
      const int slot = AcquireSmtpSlot(destination);
      // Each parallel delivery is its own smtp(8) process in Postfix.
      const int64_t smtp_pid = options_.smtp_pid + 1000 * slot;
      SmtpDeliveryResult sr =
          SendMessageViaSmtp(*hop, config.myhostname, env.sender, addresses, content,
                             options_.smtp_timeout, options_.clock, deps_.smtp_tls);
      ReleaseSmtpSlot(destination, slot);
      if (!sr.tls_summary.empty()) deps_.log->Info("smtp", smtp_pid, sr.tls_summary);
      for (size_t k = 0; k < smtp_batch.size(); ++k) {
        QueuedRecipient& r = env.recipients[smtp_batch[k]];
        const SmtpRecipientResult& res = sr.recipients[k];
        LogDelivery("smtp", smtp_pid, env, r, sr.relay, handoff, sr.conn_setup_done, res.dsn,
                    res.status, res.reason);
        r.state = StateFor(res.status);
        r.dsn = res.dsn;
        r.delay_reason = res.status == "sent" ? "" : res.reason;
      }
    }
  }

  // Expiry: deferred recipients of a message older than its lifetime are
  // returned to the sender (qmgr_active.c: "status=expired, returned to sender").
  bool any_deferred = std::any_of(env.recipients.begin(), env.recipients.end(),
                                  [](const QueuedRecipient& r) {
                                    return r.state == RecipientState::kDeferred;
                                  });
  absl::Duration lifetime = absl::Seconds(env.sender.empty()
                                              ? config.bounce_queue_lifetime_seconds
                                              : config.maximal_queue_lifetime_seconds);
  if (any_deferred &&
      options_.clock() - absl::FromUnixMicros(env.arrival_micros) >= lifetime) {
    deps_.log->Info("qmgr", options_.qmgr_pid, pm::QmgrExpired(queue_id, env.sender));
    for (QueuedRecipient& r : env.recipients) {
      if (r.state != RecipientState::kDeferred) continue;
      r.state = RecipientState::kExpired;
      (void)deps_.ledger->Append({"expired", options_.clock(), queue_id, env.sender, r.address,
                                  "expired", "qmgr", r.delay_reason, OrigTo(r)});
    }
    any_deferred = false;
  }

  // Bounce notice for recipients that failed in this pass.
  Envelope failed = env;
  failed.recipients.clear();
  for (size_t i = 0; i < env.recipients.size(); ++i) {
    const QueuedRecipient& r = env.recipients[i];
    if (tried[i] && (r.state == RecipientState::kBounced ||
                     r.state == RecipientState::kExpired)) {
      failed.recipients.push_back(r);
    }
  }
  // bounce/bounce_notify_service.c: a failed message bounces to its
  // sender; a failed bounce (null sender) goes to 2bounce_notice_recipient
  // when notify_classes has "bounce" or "2bounce", else it is dropped; a
  // failed double bounce is discarded, never bounced again.
  const std::string double_bounce_address =
      absl::StrCat(config.double_bounce_sender, "@", config.myhostname);
  if (failed.recipients.empty()) {
    // nothing to report
  } else if (absl::EqualsIgnoreCase(env.sender, double_bounce_address) ||
             absl::EqualsIgnoreCase(env.sender, config.double_bounce_sender)) {
    deps_.log->Warning("bounce", options_.bounce_pid,
                       absl::StrCat(queue_id, ": undeliverable postmaster notification discarded"));
  } else if (env.sender.empty()) {
    const bool notify =
        std::any_of(config.notify_classes.begin(), config.notify_classes.end(),
                    [](const std::string& c) { return c == "bounce" || c == "2bounce"; });
    if (notify && !config.double_bounce_notice_recipient.empty()) {
      Envelope notice;
      notice.sender = double_bounce_address;
      notice.recipients = {{QualifyWithOrigin(config.double_bounce_notice_recipient, config)}};
      std::string text = BounceMessage(config, failed, content, options_.clock(),
                                       /*postmaster_copy=*/true);
      std::string new_id = Submit(notice, text, "bounce");
      if (!new_id.empty()) {
        deps_.log->Info("bounce", options_.bounce_pid,
                        pm::BounceNotification(queue_id, "postmaster non-delivery", new_id));
      }
    }
  } else {
    Envelope notice;
    notice.sender = "";
    notice.recipients = {{env.sender}};
    std::string text = BounceMessage(config, failed, content, options_.clock());
    std::string new_id = Submit(notice, text, "bounce");
    if (!new_id.empty()) {
      deps_.log->Info("bounce", options_.bounce_pid,
                      pm::BounceNotification(queue_id, "sender non-delivery", new_id));
    }
  }
  // Recipients that are finished stay finished; those bounced now are done.
  for (QueuedRecipient& r : env.recipients) {
    if (r.state == RecipientState::kBounced || r.state == RecipientState::kExpired) {
      r.delay_reason.clear();
    }
  }

  if (any_deferred) {
    env.attempts += 1;
    env.next_retry_micros =
        absl::ToUnixMicros(options_.clock() + RetryBackoff(env.attempts, config));
    if (absl::Status s = deps_.queue->UpdateEnvelope(QueueName::kActive, env); !s.ok()) {
      // No room to rewrite the queue file (a full disk): keep the message as
      // it was, in deferred, and wait the back-off in memory. Recipients
      // delivered in this pass may be delivered again: better twice than
      // never.
      {
        std::lock_guard<std::mutex> lock(retry_mu_);
        not_before_[queue_id] = absl::FromUnixMicros(env.next_retry_micros);
      }
      (void)deps_.queue->Move(queue_id, QueueName::kActive, QueueName::kDeferred);
      return s;
    }
    return deps_.queue->Move(queue_id, QueueName::kActive, QueueName::kDeferred);
  }
  deps_.log->Info("qmgr", options_.qmgr_pid, pm::QmgrRemoved(queue_id));
  return deps_.queue->Remove(QueueName::kActive, queue_id);
}

}  // namespace mailgauge::refmta
