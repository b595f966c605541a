// File: exporter/abuse_tracker.h
// Sliding-window views of relay abuse that need more than a counter, kept in
// bounded memory however hostile the log:
//   - each SASL-authenticated sender's distinct recipients in the window (a
//     compromised account sends to many), from smtpd's `client=...,
//     sasl_username=U` and the delivery lines of that queue ID;
//   - the distinct client networks (/24 IPv4, /64 IPv6) refused with
//     "Relay access denied" in the window (one scanner or a botnet?).
// The exporter turns these into gauges without ever making a user name or an
// address a label value: a count of senders over the threshold, the
// distinct-recipient counts of the top K senders by rank 1..K, and a count of
// networks. The names of the senders over the threshold are served by the
// exporter's /senders endpoint only.
//
//   AbuseTracker abuse(AbuseTrackerOptions{});
//   abuse.OnAuthenticatedMessage("mx", "postfix", "4B0C72A1F3", "alice", t);
//   abuse.OnRecipient("mx", "postfix", "4B0C72A1F3", "bob@example.org", t);
//   abuse.OnRelayDenied("192.0.2.10", t);
//   abuse.AdvanceTo(now_micros);
//   size_t over = abuse.senders_over_threshold();
//
// Times are log times (Unix microseconds); the window slides as they move.
// Memory: at most max_queue_ids + max_recipient_entries + max_networks
// small entries; when a cap is reached the oldest entries go first (the
// counts then cover less than the window) and saturated() says so.
//
// Thread-safety: one thread at a time.
#ifndef MAILGAUGE_EXPORTER_ABUSE_TRACKER_H_
#define MAILGAUGE_EXPORTER_ABUSE_TRACKER_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"

namespace mailgauge::exporter {

struct AbuseTrackerOptions {
  int64_t window_seconds = 3600;
  // A sender with at least this many distinct recipients in the window is
  // "over the threshold".
  size_t sender_threshold = 100;
  // Ranks exposed (and senders named on /senders) at most.
  size_t top_k = 5;
  size_t max_senders = 10000;
  size_t max_queue_ids = 50000;
  size_t max_recipient_entries = 100000;
  size_t max_networks = 65536;
};

class AbuseTracker {
 public:
  explicit AbuseTracker(AbuseTrackerOptions options);

  // smtpd accepted queue ID `queue_id` from an authenticated client: its
  // recipients count for `user` until the message is removed.
  void OnAuthenticatedMessage(std::string_view host, std::string_view instance,
                              std::string_view queue_id, std::string_view user,
                              int64_t micros);
  // A delivery line (any status) of `queue_id` names recipient `to`. Cheap
  // when no authenticated message is open.
  void OnRecipient(std::string_view host, std::string_view instance,
                   std::string_view queue_id, std::string_view to, int64_t micros);
  void OnMessageRemoved(std::string_view host, std::string_view instance,
                        std::string_view queue_id);
  // A "Relay access denied" reject from `client_addr` (IPv4 or IPv6 text;
  // anything else is ignored).
  void OnRelayDenied(std::string_view client_addr, int64_t micros);

  // Moves the window's end to `micros` (never backwards).
  void AdvanceTo(int64_t micros);

  struct Sender {
    std::string name;
    size_t recipients = 0;
  };
  // The top_k senders by distinct recipients in the window, most first
  // (ties by name).
  std::vector<Sender> TopSenders() const;
  size_t senders_over_threshold() const;
  size_t relay_denied_networks() const { return networks_.size(); }
  // A cap was reached since start: counts may cover less than the window.
  bool saturated() const { return saturated_; }
  const AbuseTrackerOptions& options() const { return options_; }

  // The windows' contents (authenticated queue IDs, recipients and networks
  // with their times) as versioned JSON text, for the exporter's state file,
  // so the gauges go on across a restart as if there had been none.
  std::string SerializeState() const;
  // Replaces the (fresh) tracker's contents with SerializeState() text;
  // DataLoss naming the fault (nothing changed) when it is not valid.
  [[nodiscard]] absl::Status RestoreState(std::string_view text);

 private:
  struct SenderState {
    // recipient (lower-cased) -> log time last seen
    absl::flat_hash_map<std::string, int64_t> recipients;
  };
  struct RecipientEntry {
    int64_t micros;
    std::string sender;
    std::string recipient;
  };
  void Expire();

  AbuseTrackerOptions options_;
  int64_t now_micros_ = 0;
  bool saturated_ = false;
  std::string key_;  // reused lookup key
  // (host, instance, queue ID) -> sender, oldest first in queue_order_.
  absl::flat_hash_map<std::string, std::string> queue_ids_;
  std::deque<std::string> queue_order_;
  absl::flat_hash_map<std::string, SenderState> senders_;
  std::deque<RecipientEntry> recipient_entries_;  // time order
  // network -> log time last seen
  absl::flat_hash_map<std::string, int64_t> networks_;
  std::deque<std::pair<int64_t, std::string>> network_entries_;  // time order
};

// The /24 (IPv4) or /64 (IPv6) network of an address, as a short key
// ("4:192.0.2", "6:20010db800010002"); "" when `addr` is not an IP address.
std::string ClientNetwork(std::string_view addr);

}  // namespace mailgauge::exporter

#endif  // MAILGAUGE_EXPORTER_ABUSE_TRACKER_H_
