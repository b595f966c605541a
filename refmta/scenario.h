// File: refmta/scenario.h
// Traffic scenario files for `refmta traffic` (refmta/README.md documents
// the format; refmta/scenarios/ holds examples). A scenario declares the
// SMTP clients (loopback source addresses, some inside mynetworks and some
// outside), the kinds of message to make, and then steps run in order:
//
//   client lan      127.0.0.1   helo=lan.example.com
//   client internet 127.0.1.20  helo=mail.partner.example
//   kind local  via=internet from={news,info}@partner.example to={alice,bob}@example.com
//   kind relay  via=lan from=alice@example.com to=friend{1-40}@partner.example rcpts=1-2
//   kind submit via=sendmail from=alice to=bob@example.com size=2000-4000
//   peer rule greylist*@* defer        # how the loopback peer answers
//   send 20 local:3 relay:1 submit:1   # 20 messages, kinds drawn by weight
//   peer down refuse                   # an outage window ...
//   send 10 relay parallel=5
//   wait attempted                     # every message tried once (deferred)
//   peer up                            # ... ends: the deferred queue drains
//
// Patterns in from= and to= pick one choice per use: "{a,b,c}" one of the
// words, "{1-40}" a number in the range. Every random choice comes from one
// generator seeded by --seed, so a scenario and a seed always make the same
// messages in the same order.
//
//   absl::StatusOr<Scenario> s = ParseScenario(text, "normal-day.scenario");
//
// Thread-safety: plain values.
#ifndef MAILGAUGE_REFMTA_SCENARIO_H_
#define MAILGAUGE_REFMTA_SCENARIO_H_

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "refmta/peer.h"

namespace mailgauge::refmta {

struct ScenarioClient {
  std::string name;
  std::string address;  // source address in 127.0.0.0/8 the session binds to
  std::string helo;
  // tls=may (default): STARTTLS when the server offers it; tls=none: never.
  bool starttls = true;
};

// How to make one message of a kind.
struct MessageKind {
  std::string name;
  std::string via;  // a client name, or "sendmail" for a local submission
  std::string from_pattern;
  std::string to_pattern;
  int rcpts_min = 1, rcpts_max = 1;
  int64_t size_min = 200, size_max = 2000;  // body bytes
  std::string subject;                      // "" = "<kind> message N"
  std::vector<std::string> headers;         // extra header lines
};

struct ScenarioStep {
  // kReload: `refmta reload` of the server under test (as `postfix reload`).
  // kWaitAttempted: until every message handed to the server so far has had
  // its first delivery attempt (its maildrop, incoming and active queues are
  // empty), at most `wait`; needs the server's spool (TrafficOptions).
  enum class Type {
    kSend, kWait, kWaitAttempted, kPeerRule, kPeerDown, kPeerUp, kPeerClear, kReload
  };
  Type type = Type::kSend;
  int line = 0;
  // kSend
  int count = 0;
  int parallel = 1;
  std::vector<std::pair<std::string, int>> weighted_kinds;
  // kWait: the pause; kWaitAttempted: the longest wait
  absl::Duration wait;
  // kPeerRule: the rule; kPeerDown: "refuse" or "drop"
  PeerRule rule;
  std::string down_mode;
};

struct Scenario {
  std::string name;  // from the "name" line, else the file name
  std::vector<ScenarioClient> clients;
  std::map<std::string, MessageKind> kinds;
  std::vector<ScenarioStep> steps;
  bool uses_sendmail = false;
  bool uses_peer = false;
};

// Parses a scenario; `file_name` is used in errors ("x.scenario, line 4:
// unknown client \"wan\""). InvalidArgument on any bad line.
[[nodiscard]] absl::StatusOr<Scenario> ParseScenario(absl::string_view text,
                                                     absl::string_view file_name);
// Reads and parses a file; NotFound when missing.
[[nodiscard]] absl::StatusOr<Scenario> ReadScenarioFile(const std::string& path);

// The deterministic random source of a run.
class ScenarioRandom {
 public:
  explicit ScenarioRandom(uint64_t seed) : engine_(seed) {}
  // Uniform in [lo, hi] (inclusive); lo when hi <= lo.
  int64_t Between(int64_t lo, int64_t hi);
  // Expands "{a,b}" and "{1-40}" groups in `pattern`.
  std::string Expand(absl::string_view pattern);

 private:
  std::mt19937_64 engine_;  // fixed algorithm: same numbers everywhere
};

// Splits a line into words; double quotes group words (and are removed):
// `subject="a b" x` -> {"subject=a b", "x"}. InvalidArgument on an
// unterminated quote.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> SplitScenarioWords(absl::string_view line);

}  // namespace mailgauge::refmta

#endif  // MAILGAUGE_REFMTA_SCENARIO_H_
