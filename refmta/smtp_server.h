// File: refmta/smtp_server.h
// refmta's SMTP server (RFC 5321) on loopback, behaving and logging like
// Postfix 3.7's smtpd: EHLO/HELO, MAIL (SIZE=, BODY=), RCPT, DATA with
// dot-stuffing, RSET, NOOP, QUIT, HELP, VRFY (502 when
// disable_vrfy_command = yes, else 252); extensions PIPELINING, SIZE,
// ENHANCEDSTATUSCODES, 8BITMIME, STARTTLS (RFC 3207, when
// smtpd_tls_security_level is "may" or "encrypt": "220 2.0.0 Ready to start
// TLS", then the handshake, "Anonymous TLS connection established from ..."
// logged, and the session reset so that the client must EHLO again; 554
// when TLS is already active, 503 inside a mail transaction, 454 when the
// server has no TLS context); limits line_length_limit (an overlong
// command line is answered "500 5.5.2 Error: line too long"),
// smtpd_hard_error_limit, smtpd_junk_command_limit, smtpd_recipient_limit,
// smtpd_timeout (idle time per read) and message_size_limit; per client
// (anvil): smtpd_client_connection_count_limit and
// smtpd_client_connection_rate_limit per anvil_rate_time_unit, except for
// smtpd_client_event_limit_exceptions (default $mynetworks), answered
// "421 4.7.0 <myhostname> Error: too many connections from <addr>" instead
// of the greeting and logged "warning: Connection concurrency limit
// exceeded: N from name[addr] for service smtp" (or "rate"); relay and
// recipient policy from RecipientPolicy; accepted messages go through
// Cleanup into the queue. One thread per connection.
//
//   SmtpServerDeps deps{&config, policy.get(), &queue, &log, &ledger, &cleanup};
//   absl::StatusOr<std::unique_ptr<SmtpServer>> s = SmtpServer::Start(deps, {"127.0.0.1", 0});
//   int port = (*s)->port();
//   ...
//   (*s)->Stop();
//
// Thread-safety: Start/Stop/port may be called from any thread; Stop is
// idempotent and waits for every session to end.
#ifndef MAILGAUGE_REFMTA_SMTP_SERVER_H_
#define MAILGAUGE_REFMTA_SMTP_SERVER_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "refmta/anvil.h"
#include "refmta/cleanup.h"
#include "refmta/ledger.h"
#include "refmta/main_cf.h"
#include "refmta/postfix_log.h"
#include "refmta/queue.h"
#include "refmta/recipient_policy.h"
#include "refmta/tls.h"

namespace mailgauge::refmta {

// What the server works with; all must outlive it.
struct SmtpServerDeps {
  const RefmtaConfig* config;
  const RecipientPolicy* policy;
  Queue* queue;
  PostfixLogWriter* log;
  Ledger* ledger;
  Cleanup* cleanup;
  // The STARTTLS context; nullptr when it could not be made (STARTTLS is
  // then answered 454 if smtpd_tls_security_level offers it).
  const TlsContext* tls = nullptr;
};

struct SmtpServerOptions {
  std::string listen_address = "127.0.0.1";  // must be a loopback address
  int port = 0;                              // 0: the kernel picks one
  // The pid logged as postfix/smtpd[pid] by the first smtpd "process". Like
  // Postfix's pool of smtpd processes, each concurrent session gets its own
  // pid (smtpd_pid + the lowest free slot), and a later session may reuse it.
  int64_t smtpd_pid = 0;
};

class SmtpServer {
 public:
  // Binds and starts accepting. InvalidArgument for a non-loopback address
  // or an smtpd_client_event_limit_exceptions item that is not a network
  // address; Unavailable when the port cannot be bound.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<SmtpServer>> Start(
      SmtpServerDeps deps, SmtpServerOptions options);
  ~SmtpServer();
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  int port() const { return port_; }
  // Sessions that start from now on use `deps` (after a reload); sessions
  // in progress keep what they started with, so the objects behind the old
  // deps must outlive them (refmta serve keeps every generation).
  void Reconfigure(SmtpServerDeps deps);
  // Stops accepting, closes every session's socket and joins all threads.
  void Stop();

 private:
  SmtpServer(SmtpServerDeps deps, SmtpServerOptions options)
      : deps_(deps), options_(std::move(options)) {}
  void AcceptLoop();
  void ReapFinished() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  SmtpServerDeps deps_ ABSL_GUARDED_BY(mu_);
  const SmtpServerOptions options_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  uint64_t next_session_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<uint64_t, std::thread> sessions_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, int> session_fds_ ABSL_GUARDED_BY(mu_);
  std::vector<uint64_t> finished_ ABSL_GUARDED_BY(mu_);
  std::set<int> busy_slots_ ABSL_GUARDED_BY(mu_);  // smtpd "processes" in use
  Anvil anvil_;  // per-client connection counts and rates (thread-safe)
};

}  // namespace mailgauge::refmta

#endif  // MAILGAUGE_REFMTA_SMTP_SERVER_H_
