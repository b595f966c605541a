// File: refmta/traffic.h
// The traffic generator behind `refmta traffic`: runs a Scenario's steps
// against refmta's SMTP server on loopback. Each message is one SMTP session
// from its kind's client, whose socket is bound to the client's source
// address in 127.0.0.0/8 (so refmta sees clients inside and outside
// mynetworks), or one `refmta sendmail` local submission. Peer steps change
// the loopback peer's rules (an embedded LoopbackPeer, or the rules file an
// external `refmta peer` watches). The generator writes nothing to refmta's
// ledger; it reports what it attempted and what refmta answered.
//
//   absl::StatusOr<Scenario> s = ReadScenarioFile("refmta/scenarios/normal-day.scenario");
//   TrafficOptions o;
//   o.smtp_address = "127.0.0.1"; o.smtp_port = 2525; o.seed = 42;
//   absl::StatusOr<TrafficSummary> sum = RunTraffic(*s, o);
//   std::cout << TrafficSummaryText(*sum);
//
// Thread-safety: RunTraffic may run concurrently with itself on different
// options; it starts its own threads for parallel sends.
#ifndef MAILGAUGE_REFMTA_TRAFFIC_H_
#define MAILGAUGE_REFMTA_TRAFFIC_H_

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "refmta/peer.h"
#include "refmta/scenario.h"

namespace mailgauge::refmta {

// One message the scenario made, before it is sent.
struct TrafficMessage {
  int number = 0;  // 1, 2, ... in the order the scenario makes them
  std::string kind;
  std::string via;             // client name or "sendmail"
  std::string client_address;  // "" for sendmail
  std::string helo;
  bool starttls = true;  // use STARTTLS when the server offers it
  std::string sender;  // "" = the null sender <>
  std::vector<std::string> recipients;
  std::string content;  // headers and body, "\n" line ends
};

// What happened to one message, as the client saw it.
struct TrafficResult {
  std::string error;  // connection or protocol trouble; "" when the dialogue completed
  std::string greeting;
  bool tls = false;  // the session switched to TLS with STARTTLS
  std::string mail_reply;
  std::vector<std::string> rcpt_replies;  // one per recipient
  std::string data_reply;                 // final reply after the message, or to DATA
  std::string queue_id;                   // from "250 ... queued as ID"
  int sendmail_exit = -1;                 // for via=sendmail
};

struct TrafficOptions {
  std::string smtp_address = "127.0.0.1";
  int smtp_port = 25;
  uint64_t seed = 1;
  absl::Duration timeout = absl::Seconds(30);
  // For via=sendmail: the program and the arguments before the message's
  // own ("sendmail", "--config-dir", DIR, "--spool", DIR).
  std::string sendmail_program;
  std::vector<std::string> sendmail_args;
  // The server's spool directory, read (never changed) by `wait attempted`.
  std::string spool_dir;
  // Peer control: an embedded peer, or the rules file of an external one
  // (rewritten atomically; the run then waits `peer_settle` for it to be
  // read). When both are empty a scenario with peer steps is refused.
  LoopbackPeer* peer = nullptr;
  std::string peer_rules_file;
  absl::Duration peer_settle = absl::Milliseconds(400);
  // When set, one JSON object per message is written here.
  std::ostream* transcript = nullptr;
};

struct KindCounts {
  int64_t messages = 0;
  int64_t recipients = 0;
  int64_t rcpt_accepted = 0;
  int64_t rcpt_4xx = 0;
  int64_t rcpt_5xx = 0;
  int64_t queued = 0;       // SMTP: 250 after DATA
  int64_t refused = 0;      // SMTP: no recipient accepted, or DATA refused
  int64_t submitted = 0;    // sendmail exit 0
  int64_t failed = 0;       // connection trouble or sendmail failure
};

struct TrafficSummary {
  std::string scenario;
  uint64_t seed = 0;
  std::map<std::string, KindCounts> by_kind;
  KindCounts total;
  std::map<std::string, int64_t> sessions_by_client;  // client name -> SMTP sessions
  int64_t peer_changes = 0;
  absl::Duration elapsed;
};

// Makes the messages of one send step, drawing kinds by weight; `seed`
// goes into each Message-ID. Numbers continue from *next_number.
std::vector<TrafficMessage> MakeStepMessages(const Scenario& scenario, const ScenarioStep& step,
                                             uint64_t seed, ScenarioRandom* random,
                                             int* next_number);

// One SMTP session for `m` to address:port, binding to m.client_address.
TrafficResult SendMessageOverSmtp(const TrafficMessage& m, const std::string& address, int port,
                                  absl::Duration timeout);

// Runs every step. InvalidArgument when the scenario needs sendmail or a
// peer the options do not provide; a message that fails is counted, not an
// error.
[[nodiscard]] absl::StatusOr<TrafficSummary> RunTraffic(const Scenario& scenario,
                                                        const TrafficOptions& options);

// The summary as a table for people.
std::string TrafficSummaryText(const TrafficSummary& summary);

}  // namespace mailgauge::refmta

#endif  // MAILGAUGE_REFMTA_TRAFFIC_H_
