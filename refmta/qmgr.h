// File: refmta/qmgr.h
// refmta's queue manager (Postfix's qmgr(8) with the delivery agents it
// drives and the bounce daemon): each run moves new mail from incoming, and
// deferred mail whose retry time has come, into active; delivers every
// pending recipient through local(8), virtual(8) or smtp(8) (to relayhost);
// logs each attempt exactly as Postfix does; writes the ledger; then
// removes finished messages (after queueing a bounce notice for bounced
// recipients; a bounce notice that fails goes to 2bounce_notice_recipient
// when notify_classes has "bounce" or "2bounce", and a failed double bounce
// is discarded), returns expired ones to the sender, or moves the rest to
// deferred with exponential back-off between minimal_backoff_time and
// maximal_backoff_time.
//
//   postfix/qmgr[12]: 4B0C72A1F3: from=<a@example.com>, size=812, nrcpt=1 (queue active)
//   postfix/local[13]: 4B0C72A1F3: to=<bob@example.com>, relay=local, delay=0.03,
//       delays=0.01/0.01/0/0.01, dsn=2.0.0, status=sent (delivered to mailbox)
//   postfix/qmgr[12]: 4B0C72A1F3: removed
//
//   QueueManager qmgr(deps, options);
//   absl::Status s = qmgr.RunOnce();   // call every queue_run_delay, or on new mail
//
// Thread-safety: RunOnce must not run concurrently with itself; it may run
// concurrently with the SMTP server (the queue is thread-safe).
#ifndef MAILGAUGE_REFMTA_QMGR_H_
#define MAILGAUGE_REFMTA_QMGR_H_

#include <cstdint>
#include <functional>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "refmta/ledger.h"
#include "refmta/local_delivery.h"
#include "refmta/lookup_table.h"
#include "refmta/main_cf.h"
#include "refmta/postfix_log.h"
#include "refmta/queue.h"
#include "refmta/recipient_policy.h"
#include "refmta/tls.h"

namespace mailgauge::refmta {

struct QueueManagerDeps {
  const RefmtaConfig* config;
  const RecipientPolicy* policy;  // address classes
  const LocalDeliveryAgent* local;
  const LookupTableList* virtual_alias_maps;
  Queue* queue;
  PostfixLogWriter* log;
  Ledger* ledger;
  // smtp_tls_security_level = may: the client context for STARTTLS; nullptr
  // sends in clear text.
  const TlsContext* smtp_tls = nullptr;
  // transport_maps; nullptr or empty: none.
  const LookupTableList* transport_maps = nullptr;
};

// Where transport_maps sends a recipient (transport(5)): looked up by the
// full address, then its domain, then ".parent" domains, then "*".
struct TransportRoute {
  enum class Kind { kDefault, kLocal, kVirtual, kSmtp, kError, kRetry };
  Kind kind = Kind::kDefault;
  std::string nexthop;  // kSmtp: "[127.0.0.1]:2526" ("" = relayhost); kError/kRetry: the text
};
TransportRoute LookupTransport(const LookupTableList& maps, absl::string_view address);

struct QueueManagerOptions {
  // The pids logged for each daemon.
  int64_t qmgr_pid = 0;
  int64_t local_pid = 0;
  int64_t virtual_pid = 0;
  int64_t smtp_pid = 0;
  int64_t bounce_pid = 0;
  int64_t cleanup_pid = 0;
  int64_t error_pid = 0;
  absl::Duration smtp_timeout = absl::Seconds(30);
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

// The wait before retry number `attempts` (1 after the first failure):
// minimal_backoff_time doubled per earlier attempt, at most
// maximal_backoff_time.
absl::Duration RetryBackoff(int attempts, const RefmtaConfig& config);

// The RFC 3464 delivery status notification Postfix's bounce(8) sends.
// With `postmaster_copy`, the double bounce sent to 2bounce_notice_recipient
// ("Postmaster Copy: Undelivered Mail").
std::string BounceMessage(const RefmtaConfig& config, const Envelope& original,
                          absl::string_view original_content, absl::Time now,
                          bool postmaster_copy = false);

// "postmaster" -> "postmaster@<myorigin's domain>", as cleanup qualifies a
// bare local name; an address with '@' is returned as is.
std::string QualifyWithOrigin(const std::string& address, const RefmtaConfig& config);

class QueueManager {
 public:
  QueueManager(QueueManagerDeps deps, QueueManagerOptions options);

  // Moves messages left in active by a crash back to incoming, as qmgr does
  // at start-up. Call once before the first RunOnce.
  [[nodiscard]] absl::Status Recover();

  // One pass over incoming and due deferred mail. Messages are handled by
  // several workers at once; SMTP deliveries to one destination (next hop)
  // run in parallel up to smtp_destination_concurrency_limit (which
  // defaults to default_destination_concurrency_limit), each logged by its
  // own smtp "process" pid. Errors reading or moving a message are logged as
  // warnings and the message is skipped; the first such error is returned
  // after the pass.
  [[nodiscard]] absl::Status RunOnce();

 private:
  absl::Status ProcessMessage(QueueName from, const std::string& queue_id);
  void ExpandVirtualAliases(Envelope* env) const;
  // Submits a new message (forward or bounce notice) to incoming; returns
  // its queue ID, or "" on failure (logged).
  std::string Submit(Envelope env, const std::string& content, const std::string& origin);
  void LogDelivery(absl::string_view daemon, int64_t pid, const Envelope& env,
                   const QueuedRecipient& rcpt, absl::string_view relay, absl::Time handoff,
                   absl::Time conn_setup_done, absl::string_view dsn,
                   absl::string_view status, absl::string_view reason);

  // Waits for a free delivery slot to `destination`; returns the slot's smtp
  // pid offset (0, 1, 2, ... among all SMTP deliveries in flight).
  int AcquireSmtpSlot(const std::string& destination);
  void ReleaseSmtpSlot(const std::string& destination, int slot);

  const QueueManagerDeps deps_;
  const QueueManagerOptions options_;
  std::mutex slots_mu_;
  std::condition_variable slot_freed_;
  std::map<std::string, int> in_flight_ ABSL_GUARDED_BY(slots_mu_);  // per destination
  std::vector<bool> smtp_slots_ ABSL_GUARDED_BY(slots_mu_);          // pids in use
  // Retry times of deferred messages whose queue file could not be
  // rewritten (a full disk), by queue ID.
  std::mutex retry_mu_;
  std::map<std::string, absl::Time> not_before_ ABSL_GUARDED_BY(retry_mu_);
};

}  // namespace mailgauge::refmta

#endif  // MAILGAUGE_REFMTA_QMGR_H_
