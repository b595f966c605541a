#include "refmta/scenario.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "refmta/network_list.h"
#include "refmta/peer.h"

namespace mailgauge::refmta {
namespace {

// "A-B" or "A" -> [lo, hi].
bool ParseRange(absl::string_view text, int64_t* lo, int64_t* hi) {
  size_t dash = text.find('-');
  if (dash == absl::string_view::npos) {
    if (!absl::SimpleAtoi(text, lo)) return false;
    *hi = *lo;
  } else if (!absl::SimpleAtoi(text.substr(0, dash), lo) ||
             !absl::SimpleAtoi(text.substr(dash + 1), hi)) {
    return false;
  }
  return *lo >= 0 && *hi >= *lo;
}

bool ValidPattern(absl::string_view pattern) {
  int depth = 0;
  for (char c : pattern) {
    if (c == '{' && ++depth > 1) return false;
    if (c == '}' && --depth < 0) return false;
  }
  return depth == 0 && !pattern.empty();
}

}  // namespace

int64_t ScenarioRandom::Between(int64_t lo, int64_t hi) {
  if (hi <= lo) return lo;
  uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
  return lo + static_cast<int64_t>(engine_() % span);
}

std::string ScenarioRandom::Expand(absl::string_view pattern) {
  std::string out;
  size_t pos = 0;
  while (pos < pattern.size()) {
    size_t open = pattern.find('{', pos);
    if (open == absl::string_view::npos) {
      absl::StrAppend(&out, pattern.substr(pos));
      break;
    }
    size_t close = pattern.find('}', open);
    if (close == absl::string_view::npos) {
      absl::StrAppend(&out, pattern.substr(pos));
      break;
    }
    absl::StrAppend(&out, pattern.substr(pos, open - pos));
    absl::string_view group = pattern.substr(open + 1, close - open - 1);
    int64_t lo = 0, hi = 0;
    if (group.find(',') == absl::string_view::npos && group.find('-') != absl::string_view::npos &&
        ParseRange(group, &lo, &hi)) {
      absl::StrAppend(&out, Between(lo, hi));
    } else {
      std::vector<std::string> choices = absl::StrSplit(group, ',');
      absl::StrAppend(&out, choices[static_cast<size_t>(
                                Between(0, static_cast<int64_t>(choices.size()) - 1))]);
    }
    pos = close + 1;
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> SplitScenarioWords(absl::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false, quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"') {
        quoted = false;
      } else {
        word.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else if (c == '#' && !in_word) {
      break;  // comment to the end of the line
    } else {
      word.push_back(c);
      in_word = true;
    }
  }
  if (quoted) return absl::InvalidArgumentError("unterminated quote");
  if (in_word) words.push_back(word);
  return words;
}

absl::StatusOr<Scenario> ParseScenario(absl::string_view text, absl::string_view file_name) {
  Scenario s;
  s.name = std::string(file_name.substr(file_name.rfind('/') + 1));
  if (absl::EndsWith(s.name, ".scenario")) s.name.resize(s.name.size() - 9);
  auto loopback = NetworkList::Parse({"127.0.0.0/8"});
  if (!loopback.ok()) return loopback.status();
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    auto error = [&](absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat(file_name, ", line ", line_number, ": ", why));
    };
    auto words_or = SplitScenarioWords(line);
    if (!words_or.ok()) return error(words_or.status().message());
    const std::vector<std::string>& w = *words_or;
    if (w.empty()) continue;
    const std::string& verb = w[0];
    if (verb == "name") {
      if (w.size() != 2) return error("use: name NAME");
      s.name = w[1];
    } else if (verb == "client") {
      if (w.size() < 3) return error("use: client NAME ADDRESS [helo=NAME] [tls=may|none]");
      ScenarioClient c{w[1], w[2], absl::StrCat(w[1], ".example")};
      if (c.name == "sendmail") return error("\"sendmail\" is reserved for local submission");
      if (!loopback->Contains(c.address)) {
        return error(absl::StrCat("client address ", c.address, " is not in 127.0.0.0/8"));
      }
      for (size_t i = 3; i < w.size(); ++i) {
        if (w[i] == "tls=may" || w[i] == "tls=none") {
          c.starttls = w[i] == "tls=may";
          continue;
        }
        if (!absl::StartsWith(w[i], "helo=")) return error(absl::StrCat("unknown ", w[i]));
        c.helo = w[i].substr(5);
      }
      for (const ScenarioClient& other : s.clients) {
        if (other.name == c.name) return error(absl::StrCat("client ", c.name, " twice"));
      }
      s.clients.push_back(c);
    } else if (verb == "kind") {
      if (w.size() < 2) return error("use: kind NAME via=CLIENT from=PATTERN to=PATTERN ...");
      MessageKind k;
      k.name = w[1];
      if (s.kinds.count(k.name)) return error(absl::StrCat("kind ", k.name, " twice"));
      for (size_t i = 2; i < w.size(); ++i) {
        size_t eq = w[i].find('=');
        if (eq == std::string::npos) return error(absl::StrCat("expected key=value: ", w[i]));
        std::string key = w[i].substr(0, eq), value = w[i].substr(eq + 1);
        int64_t lo = 0, hi = 0;
        if (key == "via") {
          k.via = value;
        } else if (key == "from") {
          k.from_pattern = value;
        } else if (key == "to") {
          k.to_pattern = value;
        } else if (key == "rcpts") {
          if (!ParseRange(value, &lo, &hi) || lo < 1 || hi > 100) {
            return error("rcpts= takes N or N-M between 1 and 100");
          }
          k.rcpts_min = static_cast<int>(lo);
          k.rcpts_max = static_cast<int>(hi);
        } else if (key == "size") {
          if (!ParseRange(value, &lo, &hi) || hi > 50'000'000) {
            return error("size= takes BYTES or MIN-MAX (at most 50000000)");
          }
          k.size_min = lo;
          k.size_max = hi;
        } else if (key == "subject") {
          k.subject = value;
        } else if (key == "header") {
          if (value.find(':') == std::string::npos) return error("header= needs \"Name: value\"");
          k.headers.push_back(value);
        } else {
          return error(absl::StrCat("unknown kind attribute ", key));
        }
      }
      if (k.via.empty() || k.from_pattern.empty() || k.to_pattern.empty()) {
        return error("a kind needs via=, from= and to=");
      }
      if (!ValidPattern(k.from_pattern) || !ValidPattern(k.to_pattern)) {
        return error("unbalanced or nested { } in a pattern");
      }
      if (k.via == "sendmail") {
        s.uses_sendmail = true;
      } else {
        bool known = false;
        for (const ScenarioClient& c : s.clients) known = known || c.name == k.via;
        if (!known) return error(absl::StrCat("unknown client \"", k.via, "\" (declare it first)"));
      }
      s.kinds[k.name] = k;
    } else if (verb == "send") {
      ScenarioStep step;
      step.type = ScenarioStep::Type::kSend;
      step.line = line_number;
      if (w.size() < 3 || !absl::SimpleAtoi(w[1], &step.count) || step.count < 1) {
        return error("use: send COUNT KIND[:WEIGHT]... [parallel=N]");
      }
      for (size_t i = 2; i < w.size(); ++i) {
        if (absl::StartsWith(w[i], "parallel=")) {
          if (!absl::SimpleAtoi(w[i].substr(9), &step.parallel) || step.parallel < 1 ||
              step.parallel > 64) {
            return error("parallel= takes 1 to 64");
          }
          continue;
        }
        std::string kind = w[i];
        int weight = 1;
        size_t colon = kind.find(':');
        if (colon != std::string::npos) {
          if (!absl::SimpleAtoi(kind.substr(colon + 1), &weight) || weight < 1) {
            return error(absl::StrCat("bad weight in ", kind));
          }
          kind.resize(colon);
        }
        if (!s.kinds.count(kind)) return error(absl::StrCat("unknown kind \"", kind, "\""));
        step.weighted_kinds.emplace_back(kind, weight);
      }
      if (step.weighted_kinds.empty()) return error("send needs at least one kind");
      s.steps.push_back(step);
    } else if (verb == "reload") {
      if (w.size() != 1) return error("use: reload");
      ScenarioStep step;
      step.type = ScenarioStep::Type::kReload;
      step.line = line_number;
      s.steps.push_back(step);
    } else if (verb == "wait") {
      ScenarioStep step;
      step.type = ScenarioStep::Type::kWait;
      step.line = line_number;
      size_t duration_at = 1;
      if (w.size() >= 2 && w[1] == "attempted") {
        // `wait attempted [DURATION]`: as long as the server needs, at most
        // DURATION (default 2 minutes), so that a slow machine or a
        // sanitizer build only makes the run longer.
        step.type = ScenarioStep::Type::kWaitAttempted;
        step.wait = absl::Minutes(2);
        duration_at = 2;
      }
      if (w.size() > duration_at + 1 ||
          (w.size() == duration_at + 1 && !absl::ParseDuration(w[duration_at], &step.wait)) ||
          (w.size() == duration_at && step.type == ScenarioStep::Type::kWait) ||
          step.wait < absl::ZeroDuration() || step.wait > absl::Hours(1)) {
        return error(
            "use: wait DURATION (e.g. 3s, 500ms; at most 1h), or wait attempted [DURATION]");
      }
      s.steps.push_back(step);
    } else if (verb == "peer") {
      ScenarioStep step;
      step.line = line_number;
      s.uses_peer = true;
      if (w.size() >= 4 && w[1] == "rule") {
        step.type = ScenarioStep::Type::kPeerRule;
        std::vector<std::string> action(w.begin() + 3, w.end());
        auto rule = PeerRuleForAction(w[2], absl::StrJoin(action, " "));
        if (!rule.ok()) return error(rule.status().message());
        step.rule = *rule;
      } else if (w.size() == 3 && w[1] == "down" && (w[2] == "refuse" || w[2] == "drop")) {
        step.type = ScenarioStep::Type::kPeerDown;
        step.down_mode = w[2];
      } else if (w.size() == 2 && w[1] == "up") {
        step.type = ScenarioStep::Type::kPeerUp;
      } else if (w.size() == 2 && w[1] == "clear") {
        step.type = ScenarioStep::Type::kPeerClear;
      } else {
        return error("use: peer rule PATTERN ACTION | peer down refuse|drop | peer up | peer clear");
      }
      s.steps.push_back(step);
    } else {
      return error(absl::StrCat("unknown statement \"", verb,
                                "\" (name, client, kind, send, wait, peer)"));
    }
  }
  bool sends = false;
  for (const ScenarioStep& step : s.steps) sends = sends || step.type == ScenarioStep::Type::kSend;
  if (!sends) return absl::InvalidArgumentError(absl::StrCat(file_name, ": no send step"));
  return s;
}

absl::StatusOr<Scenario> ReadScenarioFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read scenario file ", path));
  std::stringstream text;
  text << in.rdbuf();
  return ParseScenario(text.str(), path);
}

}  // namespace mailgauge::refmta
