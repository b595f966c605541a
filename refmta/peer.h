// File: refmta/peer.h
// The loopback peer: a small SMTP server that stands in for "the rest of the
// Internet" behind refmta's relayhost. It answers each RCPT TO by the first
// rule whose recipient pattern matches (250 accept, a 4xx or 5xx reply), and
// can be down: not listening at all (connection refused) or accepting and
// closing at once (lost connection). Rules come from a rules file that the
// peer watches, so a scenario can change them while it runs (an outage
// window that grows refmta's deferred queue, then lets it drain).
//
// Rules file, one rule per line, '#' starts a comment, first match wins, a
// recipient no rule matches is accepted:
//
//   down refuse                     # not listening: "Connection refused"
//   down drop                       # accept, then close before the greeting
//   greylist*@*        greylist     # 450 4.2.0 ... Greylisted, the first time only
//   stuck*@*           defer        # 451 4.7.1 Try again later
//   nobody*@*          unknown      # 550 5.1.1 <r>: Recipient address rejected: User unknown
//   full@*             full         # 552 5.2.2 Mailbox full
//   *@slow.example     reply 421 4.4.2 Too busy, come back later
//   *                  accept       # 250 2.1.5 Ok (and 250 2.0.0 Ok: queued as ID after DATA)
//
// The peer offers STARTTLS (PeerOptions::starttls) with a self-signed
// certificate, so refmta's smtp client logs "Untrusted TLS connection
// established to ..." as Postfix does against such a server.
//
// Patterns are shell-style globs ('*', '?') matched case-insensitively
// against the whole address; "%r" in a reply text is replaced by the
// recipient address. Queue IDs the peer gives ("FFFFF00001", ...) start with
// five hex digits that are >= 1000000 in hex, so they can never equal a
// Postfix short queue ID, which holds microseconds there.
//
//   absl::StatusOr<PeerRules> rules = ParsePeerRules(text, "rules.txt");
//   PeerOptions o{"127.0.0.1", 2526, "/tmp/rules.txt"};
//   absl::StatusOr<std::unique_ptr<LoopbackPeer>> peer = LoopbackPeer::Start(o);
//   ...
//   (*peer)->Stop();
//
// Thread-safety: LoopbackPeer's methods may be called from any thread.
#ifndef MAILGAUGE_REFMTA_PEER_H_
#define MAILGAUGE_REFMTA_PEER_H_

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
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "refmta/tls.h"

namespace mailgauge::refmta {

enum class PeerDown { kUp, kRefuse, kDrop };

struct PeerRule {
  std::string pattern;  // glob over the recipient address
  std::string reply;    // full reply line; "250 2.1.5 Ok" for accept; may hold %r
  // Greylisting: `reply` for the first RCPT of a recipient, accept later.
  bool greylist = false;
};

struct PeerRules {
  PeerDown down = PeerDown::kUp;
  std::vector<PeerRule> rules;
};

// Parses a rules file's text; `name` is used in errors ("rules.txt, line 3:
// unknown action \"maybe\""). InvalidArgument on a bad line.
[[nodiscard]] absl::StatusOr<PeerRules> ParsePeerRules(absl::string_view text,
                                                       absl::string_view name);
// Parses one rule line's words after the pattern ("defer", "greylist",
// "reply 451 4.7.1 Try later", ...) into a rule for `pattern`.
// InvalidArgument when the action is unknown.
[[nodiscard]] absl::StatusOr<PeerRule> PeerRuleForAction(absl::string_view pattern,
                                                         absl::string_view action);
// The rules as a rules file (ParsePeerRules gives them back).
std::string PeerRulesText(const PeerRules& rules);
// The RCPT reply for `recipient`: the first matching rule, else accept.
// `seen_before` tells a greylisting rule whether the recipient was tried
// before (then it accepts).
std::string PeerRcptReply(const PeerRules& rules, absl::string_view recipient,
                          bool seen_before = false);
// Case-insensitive shell glob: '*' any run, '?' one character.
bool PeerGlobMatch(absl::string_view pattern, absl::string_view text);

struct PeerOptions {
  std::string listen_address = "127.0.0.1";  // must be in 127.0.0.0/8
  int port = 0;                              // 0: the kernel picks one
  std::string rules_file;                    // watched; "" = use `rules` only
  PeerRules rules;                           // used when rules_file is ""
  std::string hostname = "peer.example";
  // Offer STARTTLS (with a self-signed certificate made at start).
  bool starttls = true;
};

// What the peer saw, for the traffic summary and tests.
struct PeerStats {
  int64_t connections = 0;
  int64_t dropped_connections = 0;  // closed at once while down drop
  int64_t messages = 0;             // accepted after DATA
  int64_t rcpt_accepted = 0;
  int64_t rcpt_deferred = 0;  // 4xx
  int64_t rcpt_rejected = 0;  // 5xx
  int64_t rule_reloads = 0;
  int64_t bad_rules_files = 0;  // changed rules files refused (old rules kept)
  int64_t tls_sessions = 0;  // STARTTLS handshakes completed
};

class LoopbackPeer {
 public:
  // Binds and starts serving. InvalidArgument for an address outside
  // 127.0.0.0/8 or a bad rules file; Unavailable when the port is taken.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LoopbackPeer>> Start(PeerOptions options);
  ~LoopbackPeer();
  LoopbackPeer(const LoopbackPeer&) = delete;
  LoopbackPeer& operator=(const LoopbackPeer&) = delete;

  int port() const { return port_; }
  // Replaces the rules now (going down or up as they say).
  void SetRules(PeerRules rules);
  PeerStats stats() const;
  // Stops listening and the watcher, closes sessions and joins all threads.
  void Stop();

 private:
  explicit LoopbackPeer(PeerOptions options) : options_(std::move(options)) {}
  absl::Status Listen();
  void CloseListener();
  void AcceptLoop(int listen_fd);
  void WatchLoop();
  void ReloadIfChanged();
  void Serve(int fd);

  const PeerOptions options_;
  std::mutex transition_mu_;  // serializes SetRules (listening on and off)
  std::atomic<int> port_{0};  // fixed after the first Listen
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  PeerRules rules_ ABSL_GUARDED_BY(mu_);
  PeerStats stats_ ABSL_GUARDED_BY(mu_);
  int listen_fd_ ABSL_GUARDED_BY(mu_) = -1;
  std::thread acceptor_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> sessions_ ABSL_GUARDED_BY(mu_);
  std::vector<int> session_fds_ ABSL_GUARDED_BY(mu_);
  int64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  std::set<std::string> greylist_seen_ ABSL_GUARDED_BY(mu_);
  std::string file_stamp_;       // watcher thread only: the stamp in force
  std::string unsettled_stamp_;  // watcher thread only: last stamp seen
  std::thread watcher_;
  std::unique_ptr<TlsContext> tls_;  // set in Start when options_.starttls
};

}  // namespace mailgauge::refmta

#endif  // MAILGAUGE_REFMTA_PEER_H_
