// Correlator::SerializeState / RestoreState: a correlator restored from a
// state saved at any point between two lines, fed the remaining lines, emits
// exactly the records (and stats) of one uninterrupted run; a corrupt,
// truncated or foreign state is refused with DataLoss and leaves a clean
// correlator, never a crash.
#include <fstream>
#include <memory>
#include <cstring>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "analyzer/correlator.h"
#include "analyzer/log_input.h"
#include "analyzer/records_json.h"
#include "bench/log_generator.h"
#include "gtest/gtest.h"

namespace mailgauge::analyzer {
namespace {

struct Outcome {
  std::vector<std::string> records;  // records_json of each emitted record
  CorrelatorStats stats;
};

// Feeds `lines`; when `cut` is set, saves the state before line *cut, and
// continues in a fresh correlator restored from it (as after a restart).
// The state saved is also returned in `*saved` when asked.
Outcome Feed(const std::vector<std::string>& lines, const CorrelatorOptions& options,
         std::optional<size_t> cut = std::nullopt, std::string* saved = nullptr,
         bool advance_clock_before_cut = false) {
  Outcome run;
  auto sink = [&](MessageRecord&& m) { run.records.push_back(RecordToJson(m).dump()); };
  auto correlator = std::make_unique<Correlator>(options, sink);
  LogInputOptions input_options;
  input_options.envelope.year = 2026;
  input_options.envelope.time_zone = absl::UTCTimeZone();
  auto input = LogInput::Create(input_options,
                                [&](const LogLine& l, const parsers::Event& e) {
                                  correlator->Add(l, e);
                                });
  EXPECT_TRUE(input.ok()) << input.status();
  for (size_t i = 0; i < lines.size(); ++i) {
    if (cut.has_value() && i == *cut) {
      if (advance_clock_before_cut) correlator->AdvanceTo(1795600000LL * 1000000 + 1);
      const std::string state = correlator->SerializeState();
      if (saved != nullptr) *saved = state;
      correlator = std::make_unique<Correlator>(options, sink);
      const absl::Status s = correlator->RestoreState(state);
      EXPECT_TRUE(s.ok()) << s;
      // Saving what was restored gives the same text.
      const std::string again = correlator->SerializeState();
      if (state != again) {
        size_t at = 0;
        while (at < state.size() && at < again.size() && state[at] == again[at]) ++at;
        ADD_FAILURE() << "saved again differs at byte " << at << ": "
                      << state.substr(at > 80 ? at - 80 : 0, 200) << "\n vs "
                      << again.substr(at > 80 ? at - 80 : 0, 200);
      }
    }
    (*input)->ProcessLine(lines[i]);
  }
  correlator->Finish(/*include_unfinished=*/true);
  run.stats = correlator->stats();
  return run;
}

void ExpectSameRun(const Outcome& want, const Outcome& got, const std::string& what) {
  ASSERT_EQ(want.records.size(), got.records.size()) << what;
  for (size_t i = 0; i < want.records.size(); ++i) {
    ASSERT_EQ(want.records[i], got.records[i]) << what << ", record " << i;
  }
  EXPECT_EQ(want.stats.events, got.stats.events) << what;
  EXPECT_EQ(want.stats.messages, got.stats.messages) << what;
  EXPECT_EQ(want.stats.records, got.stats.records) << what;
  EXPECT_EQ(want.stats.unfinished_records, got.stats.unfinished_records) << what;
  EXPECT_EQ(want.stats.joined_hops, got.stats.joined_hops) << what;
  EXPECT_EQ(want.stats.evicted_age, got.stats.evicted_age) << what;
  EXPECT_EQ(want.stats.evicted_cap, got.stats.evicted_cap) << what;
  EXPECT_EQ(want.stats.abandoned, got.stats.abandoned) << what;
  EXPECT_EQ(want.stats.queue_id_reuse, got.stats.queue_id_reuse) << what;
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// One message of each kind the correlator joins: content-filter
// re-injection (two queue IDs), a bounce with its notice, a deferral.
const std::vector<std::string> kMixed = {
    "Nov 25 10:14:00 mx postfix/smtpd[100]: connect from client.example.org[192.0.2.10]",
    "Nov 25 10:14:01 mx postfix/smtpd[100]: 4B0C72A1F3: client=client.example.org[192.0.2.10], sasl_method=PLAIN, sasl_username=alice",
    "Nov 25 10:14:01 mx postfix/cleanup[101]: 4B0C72A1F3: message-id=<m1@example.org>",
    "Nov 25 10:14:01 mx postfix/qmgr[102]: 4B0C72A1F3: from=<alice@example.org>, size=1234, nrcpt=2 (queue active)",
    "Nov 25 10:14:02 mx postfix/smtpd[110]: 5C1D83B204: client=localhost[127.0.0.1]",
    "Nov 25 10:14:02 mx postfix/cleanup[101]: 5C1D83B204: message-id=<m1@example.org>",
    "Nov 25 10:14:02 mx postfix/qmgr[102]: 5C1D83B204: from=<alice@example.org>, size=1400, nrcpt=2 (queue active)",
    "Nov 25 10:14:02 mx postfix/smtp[103]: 4B0C72A1F3: to=<bob@remote.example>, relay=127.0.0.1[127.0.0.1]:10024, delay=1.1, delays=0.1/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 5C1D83B204)",
    "Nov 25 10:14:02 mx postfix/smtp[103]: 4B0C72A1F3: to=<nobody@remote.example>, relay=127.0.0.1[127.0.0.1]:10024, delay=1.1, delays=0.1/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 5C1D83B204)",
    "Nov 25 10:14:02 mx postfix/qmgr[102]: 4B0C72A1F3: removed",
    "Nov 25 10:14:03 mx postfix/smtp[104]: 5C1D83B204: to=<bob@remote.example>, relay=mx.remote.example[198.51.100.7]:25, delay=1.5, delays=0.1/0/0.4/1, dsn=4.4.1, status=deferred (connect to mx.remote.example[198.51.100.7]:25: Connection refused)",
    "Nov 25 10:14:04 mx postfix/smtp[104]: 5C1D83B204: to=<nobody@remote.example>, relay=mx.remote.example[198.51.100.7]:25, delay=2, delays=0.1/0/0.4/1.5, dsn=5.1.1, status=bounced (host mx.remote.example[198.51.100.7] said: 550 5.1.1 <nobody@remote.example>: Recipient address rejected: User unknown (in reply to RCPT TO command))",
    "Nov 25 10:14:04 mx postfix/bounce[105]: 5C1D83B204: sender non-delivery notification: 6D2E94C315",
    "Nov 25 10:14:04 mx postfix/cleanup[101]: 6D2E94C315: message-id=<20261125101404.6D2E94C315@mx>",
    "Nov 25 10:14:04 mx postfix/qmgr[102]: 6D2E94C315: from=<>, size=3000, nrcpt=1 (queue active)",
    "Nov 25 10:14:05 mx postfix/local[106]: 6D2E94C315: to=<alice@mx.example.com>, relay=local, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered to mailbox)",
    "Nov 25 10:14:05 mx postfix/qmgr[102]: 6D2E94C315: removed",
    "Nov 25 10:24:03 mx postfix/smtp[104]: 5C1D83B204: to=<bob@remote.example>, relay=mx.remote.example[198.51.100.7]:25, delay=601, delays=600/0/0.4/1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 99XYZ)",
    "Nov 25 10:24:03 mx postfix/qmgr[102]: 5C1D83B204: removed",
    "Nov 25 10:30:00 mx postfix/pickup[200]: 1A2B3C4D5E: uid=1000 from=<carol>",
    "Nov 25 10:30:00 mx postfix/cleanup[201]: 1A2B3C4D5E: message-id=<m2@mx>",
    "Nov 25 10:30:00 mx postfix/qmgr[102]: 1A2B3C4D5E: from=<carol@mx.example.com>, size=500, nrcpt=1 (queue active)",
};

TEST(CorrelatorStateTest, EveryCutPointGivesTheUninterruptedRecords) {
  const CorrelatorOptions options;
  const Outcome whole = Feed(kMixed, options);
  ASSERT_EQ(3u, whole.records.size());  // joined message, notice, pickup (unfinished)
  for (size_t cut = 0; cut <= kMixed.size(); ++cut) {
    ExpectSameRun(whole, Feed(kMixed, options, cut), "cut before line " + std::to_string(cut));
  }
}

TEST(CorrelatorStateTest, RealPostfixLogAtEveryCutPoint) {
  const std::vector<std::string> lines = ReadLines("testdata/logs/postfix_real.syslog");
  ASSERT_GT(lines.size(), 200u);
  const CorrelatorOptions options;
  const Outcome whole = Feed(lines, options);
  ASSERT_GT(whole.records.size(), 20u);
  for (size_t cut = 0; cut <= lines.size(); ++cut) {
    ExpectSameRun(whole, Feed(lines, options, cut), "cut before line " + std::to_string(cut));
  }
}

// Real Postfix 3.7 with transactions smtpd drops (testdata/postfix-real/
// generate_features.sh): a restart between a "QID: client=" line and its
// session's end still ends the transaction as canceled.
TEST(CorrelatorStateTest, DroppedTransactionsAtEveryCutPoint) {
  const std::vector<std::string> lines = ReadLines("testdata/logs/postfix_real_features.syslog");
  ASSERT_GT(lines.size(), 100u);
  const CorrelatorOptions options;
  const Outcome whole = Feed(lines, options);
  EXPECT_EQ(5u, whole.stats.canceled);
  for (size_t cut = 0; cut <= lines.size(); ++cut) {
    ExpectSameRun(whole, Feed(lines, options, cut), "cut before line " + std::to_string(cut));
  }
}

// Real Postfix 3.7 (testdata/report/logs/access_actions_real.log): an
// access table's HOLD and DISCARD logged before the queue ID, which the next
// "QID: client=" line takes, across a restart between the two.
TEST(CorrelatorStateTest, AnActionBeforeTheQueueIdSurvivesARestart) {
  const std::vector<std::string> lines =
      ReadLines("testdata/report/logs/access_actions_real.log");
  ASSERT_GT(lines.size(), 50u);
  const CorrelatorOptions options;
  const Outcome whole = Feed(lines, options);
  int held = 0, discarded = 0;
  for (const std::string& r : whole.records) {
    held += r.find("\"status\":\"held\"") != std::string::npos;
    discarded += r.find("\"end\":\"discarded\"") != std::string::npos;
  }
  EXPECT_EQ(1, held);
  EXPECT_EQ(1, discarded);
  for (size_t cut = 0; cut <= lines.size(); ++cut) {
    ExpectSameRun(whole, Feed(lines, options, cut), "cut before line " + std::to_string(cut));
  }
}

// Real Postfix 3.7 (testdata/report/logs/dropped_after_complete_real.log):
// transactions dropped in sessions that completed one too, canceled a
// minute after the session's end, across a restart anywhere (the session's
// given-up transactions and the ones waiting for their content are saved).
TEST(CorrelatorStateTest, TransactionsWaitingForTheirContentSurviveARestart) {
  std::vector<std::string> lines =
      ReadLines("testdata/report/logs/dropped_after_complete_real.log");
  ASSERT_GT(lines.size(), 40u);
  // A line two minutes later: the minute passes within the input.
  lines.push_back("Nov 28 09:46:30 vm postfix/anvil[26090]: statistics: max cache size 1 at Nov 28 09:44:18");
  const CorrelatorOptions options;
  const Outcome whole = Feed(lines, options);
  EXPECT_EQ(6u, whole.stats.canceled);
  EXPECT_EQ(0u, whole.stats.unfinished_at_end);
  bool saw_superseded = false, saw_unconfirmed = false;
  for (size_t cut = 0; cut <= lines.size(); ++cut) {
    std::string saved;
    ExpectSameRun(whole, Feed(lines, options, cut, &saved),
                  "cut before line " + std::to_string(cut));
    saw_superseded |= saved.find("]]]]") != std::string::npos;  // a superseded [key, serial]
    saw_unconfirmed |= saved.find("\"unconfirmed\":[[") != std::string::npos;
  }
  EXPECT_TRUE(saw_superseded);
  EXPECT_TRUE(saw_unconfirmed);
}

// A state whose smtpd session entries are inconsistent is refused.
TEST(CorrelatorStateTest, DamagedSmtpdSessionsAreRefused) {
  const std::vector<std::string> lines =
      ReadLines("testdata/report/logs/access_actions_real.log");
  std::string open_state, action_state;
  for (size_t cut = 0; cut <= lines.size(); ++cut) {
    std::string saved;
    Feed(lines, CorrelatorOptions(), cut, &saved);
    if (open_state.empty() && saved.find("\"open_transactions\":[[") != std::string::npos) {
      open_state = saved;
    }
    if (action_state.empty() && saved.find("\"pending_actions\":[[") != std::string::npos) {
      action_state = saved;
    }
  }
  ASSERT_FALSE(open_state.empty());
  ASSERT_FALSE(action_state.empty());
  // An open transaction naming a serial no message has.
  {
    const size_t at = open_state.find("\"open_transactions\":[[");
    const size_t close = open_state.find("]]", at);
    const size_t comma = open_state.rfind(',', close);
    std::string s = open_state;
    s.replace(comma + 1, close - comma - 1, "987654321");
    Correlator c(CorrelatorOptions(), [](MessageRecord&&) {});
    const absl::Status status = c.RestoreState(s);
    EXPECT_EQ(absl::StatusCode::kDataLoss, status.code()) << status;
    EXPECT_EQ(0u, c.in_flight());
  }
  // A pending action whose discard flag is not a boolean.
  for (const char* flag : {",true,", ",false,"}) {
    const size_t at = action_state.find("\"pending_actions\":[[");
    const size_t f = action_state.find(flag, at);
    if (f == std::string::npos) continue;
    std::string s = action_state;
    s.replace(f, std::strlen(flag), ",\"yes\",");
    Correlator c(CorrelatorOptions(), [](MessageRecord&&) {});
    EXPECT_EQ(absl::StatusCode::kDataLoss, c.RestoreState(s).code());
  }
}

TEST(CorrelatorStateTest, AProbeIsStillAProbeAfterARestart) {
  // Real Postfix 3.7 (reject_unverified_recipient): a verify(8) probe, whose
  // "probe" mark must survive a restart between its result and its removal.
  const std::vector<std::string> lines = {
      "Nov 28 03:31:14 vm postfix/cleanup[8967]: DA6F412C0F4: message-id=<20261128033113.DA6F412C0F4@mail.example.test>",
      "Nov 28 03:31:14 vm postfix/qmgr[8918]: DA6F412C0F4: from=<double-bounce@example.test>, size=237, nrcpt=1 (queue active)",
      "Nov 28 03:31:14 vm postfix/smtp[8971]: DA6F412C0F4: to=<reject-x@remote.test>, relay=127.0.0.1[127.0.0.1]:2525, delay=0.11, delays=0/0.02/0.09/0, dsn=5.1.1, status=undeliverable (host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <reject-x@remote.test>: Recipient address rejected: User unknown (in reply to RCPT TO command))",
      "Nov 28 03:31:14 vm postfix/qmgr[8918]: DA6F412C0F4: removed",
  };
  const CorrelatorOptions options;
  const Outcome whole = Feed(lines, options);
  ASSERT_EQ(1u, whole.records.size());
  EXPECT_NE(std::string::npos, whole.records[0].find("\"probe\":true")) << whole.records[0];
  for (size_t cut = 0; cut <= lines.size(); ++cut) {
    ExpectSameRun(whole, Feed(lines, options, cut), "cut before line " + std::to_string(cut));
  }
}

TEST(CorrelatorStateTest, GeneratedTrafficWithEvictionsAndHandoffs) {
  bench::LogGeneratorOptions gen_options;
  gen_options.seed = 7;
  bench::LogGenerator gen(gen_options);
  std::vector<std::string> lines;
  std::string line;
  while (gen.lines() < 20000) {
    gen.Next(&line);
    lines.push_back(line);
  }
  CorrelatorOptions options;
  options.max_messages = 40;  // evictions by cap happen too
  options.emit_unfinished = true;
  const Outcome whole = Feed(lines, options);
  ASSERT_GT(whole.stats.evicted_cap, 0u);
  std::mt19937 rng(3);
  for (int round = 0; round < 12; ++round) {
    const size_t cut = std::uniform_int_distribution<size_t>(0, lines.size())(rng);
    ExpectSameRun(whole, Feed(lines, options, cut), "cut before line " + std::to_string(cut));
  }
}

TEST(CorrelatorStateTest, RestoreOnlyBeforeTheFirstLine) {
  std::string saved;
  Feed(kMixed, CorrelatorOptions(), 5, &saved);
  Correlator busy(CorrelatorOptions(), [](MessageRecord&&) {});
  ASSERT_TRUE(busy.RestoreState(saved).ok());
  EXPECT_EQ(absl::StatusCode::kFailedPrecondition, busy.RestoreState(saved).code());
}

TEST(CorrelatorStateTest, CorruptStatesAreRefusedAndLeaveACleanCorrelator) {
  std::string saved;
  Feed(kMixed, CorrelatorOptions(), 12, &saved);
  ASSERT_GT(saved.size(), 1000u);
  std::vector<std::string> bad = {
      "",
      "not json",
      "[1,2,3]",
      "{}",
      R"({"format": "mailgauge-correlator", "version": 99})",
      R"({"format": "something-else", "version": 1})",
  };
  // Every truncation (sampled) and single-byte damage.
  for (size_t n = 0; n < saved.size(); n += 7) bad.push_back(saved.substr(0, n));
  std::mt19937 rng(11);
  for (int i = 0; i < 400; ++i) {
    std::string damaged = saved;
    const size_t at = std::uniform_int_distribution<size_t>(0, damaged.size() - 1)(rng);
    damaged[at] = "{}[],:\"0x-9 tfn"[std::uniform_int_distribution<int>(0, 14)(rng)];
    bad.push_back(damaged);
  }
  // Structurally valid JSON with inconsistent contents.
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = saved;
    const size_t at = s.find(from);
    EXPECT_NE(std::string::npos, at) << from;
    if (at != std::string::npos) s.replace(at, from.size(), to);
    return s;
  };
  bad.push_back(replace("\"status\":1", "\"status\":77"));
  {
    std::string s = saved;
    const size_t at = s.find("\"serial\":") + 9;
    size_t end = at;
    while (end < s.size() && s[end] >= '0' && s[end] <= '9') ++end;
    ASSERT_GT(end, at);
    bad.push_back(s.replace(at, end - at, "0"));
  }
  bad.push_back(replace("\"hops\":[", "\"hops\":[123456,"));
  bad.push_back(replace("\"queue_ids\":[", "\"queue_ids\":[1,"));
  int refused = 0;
  for (const std::string& text : bad) {
    Correlator c(CorrelatorOptions(), [](MessageRecord&&) {});
    const absl::Status s = c.RestoreState(text);
    if (!s.ok()) {
      ++refused;
      EXPECT_EQ(absl::StatusCode::kDataLoss, s.code()) << s;
      EXPECT_EQ(0u, c.in_flight());
      EXPECT_EQ(0u, c.pending_handoffs());
      EXPECT_EQ(0u, c.stats().events);
    }
    // Refused or accepted (a damaged reply text is still a valid state), the
    // correlator goes on working.
    c.AdvanceTo(1795700000LL * 1000000);
    c.Finish(true);
    EXPECT_EQ(0u, c.in_flight());
  }
  EXPECT_GE(refused, static_cast<int>(bad.size()) / 2);
  // The named inconsistencies are all refused.
  for (size_t i = bad.size() - 4; i < bad.size(); ++i) {
    Correlator c(CorrelatorOptions(), [](MessageRecord&&) {});
    EXPECT_EQ(absl::StatusCode::kDataLoss, c.RestoreState(bad[i]).code()) << i;
  }
}

TEST(CorrelatorStateTest, StatesOfTheOlderWriterStillLoad) {
  // Before messages lived in reused slots, a saved state also listed
  // finishing-order entries of messages gone since, and hand-offs naming
  // a message gone since by key; before hand-offs were swept, their order
  // by age: such a state loads, and they change nothing (the entry is
  // skipped, the hand-off joins nothing, the order is not needed).
  const CorrelatorOptions options;
  const Outcome whole = Feed(kMixed, options);
  const size_t cut = 12;
  std::string saved;
  Feed(kMixed, options, cut, &saved);
  auto inject = [&](const std::string& after, const std::string& what) {
    const size_t at = saved.find(after);
    ASSERT_NE(std::string::npos, at) << after;
    const size_t end = at + after.size();
    saved.insert(end, saved[end] == ']' ? what : what + ",");
  };
  inject("\"finished\":[", "[\"mx\\u0000postfix\\u0000DEADBEEF01\",1]");
  inject("\"pending\":[",
         "[\"mx\\u0000ABCDEF1234\",\"mx\\u0000postfix\\u0000C0FFEE0001\",2,0]");
  // Until 2026-11-27 the state also listed the pending hand-offs by age.
  ASSERT_EQ(std::string::npos, saved.find("handoff_order"));
  ASSERT_EQ('}', saved.back());
  saved.insert(saved.size() - 1, ",\"handoff_order\":[[\"mx\\u0000ABCDEF1234\",0]]");
  // Until 2026-11-28 it had neither smtpd's open transactions nor the
  // canceled count.
  const size_t open_at = saved.find(",\"open_transactions\":[");
  ASSERT_NE(std::string::npos, open_at);
  size_t open_end = saved.find('[', open_at);
  for (int depth = 0; open_end < saved.size(); ++open_end) {
    depth += saved[open_end] == '[' ? 1 : saved[open_end] == ']' ? -1 : 0;
    if (depth == 0) break;
  }
  saved.erase(open_at, open_end + 1 - open_at);
  const size_t canceled_at = saved.find("\"canceled\":0,");
  ASSERT_NE(std::string::npos, canceled_at);
  saved.erase(canceled_at, std::string("\"canceled\":0,").size());
  Outcome resumed;
  Correlator correlator(options, [&](MessageRecord&& m) {
    resumed.records.push_back(RecordToJson(m).dump());
  });
  const absl::Status s = correlator.RestoreState(saved);
  ASSERT_TRUE(s.ok()) << s;
  LogInputOptions input_options;
  input_options.envelope.year = 2026;
  input_options.envelope.time_zone = absl::UTCTimeZone();
  auto input = LogInput::Create(input_options, [&](const LogLine& l, const parsers::Event& e) {
    correlator.Add(l, e);
  });
  ASSERT_TRUE(input.ok()) << input.status();
  for (size_t i = cut; i < kMixed.size(); ++i) (*input)->ProcessLine(kMixed[i]);
  correlator.Finish(/*include_unfinished=*/true);
  resumed.stats = correlator.stats();
  ExpectSameRun(whole, resumed, "resumed from an older writer's state");
}

TEST(CorrelatorStateTest, TheClockAndGracePeriodSurviveARestart) {
  // Saved while a finished message waits out its grace period: the restored
  // correlator emits it when the clock passes, once.
  const std::vector<std::string> lines(kMixed.begin(), kMixed.begin() + 17);
  int emitted = 0;
  std::string saved;
  {
    Correlator c(CorrelatorOptions(), [&](MessageRecord&&) { ++emitted; });
    LogInputOptions io;
    io.envelope.year = 2026;
    io.envelope.time_zone = absl::UTCTimeZone();
    auto input = LogInput::Create(io, [&](const LogLine& l, const parsers::Event& e) {
      c.Add(l, e);
    });
    ASSERT_TRUE(input.ok());
    for (const std::string& l : lines) (*input)->ProcessLine(l);
    ASSERT_EQ(0, emitted);  // the notice finished at 10:14:05, grace 10 s
    saved = c.SerializeState();
  }
  Correlator restored(CorrelatorOptions(), [&](MessageRecord&& m) {
    ++emitted;
    EXPECT_EQ("notification", m.origin);
  });
  ASSERT_TRUE(restored.RestoreState(saved).ok());
  EXPECT_EQ(3u, restored.in_flight());  // two joined hops and the notice
  restored.AdvanceTo(absl::ToUnixMicros(absl::FromCivil(
      absl::CivilSecond(2026, 11, 25, 10, 14, 14), absl::UTCTimeZone())));
  EXPECT_EQ(0, emitted);
  restored.AdvanceTo(absl::ToUnixMicros(absl::FromCivil(
      absl::CivilSecond(2026, 11, 25, 10, 14, 16), absl::UTCTimeZone())));
  EXPECT_EQ(1, emitted);
  EXPECT_EQ(2u, restored.in_flight());
}

}  // namespace
}  // namespace mailgauge::analyzer
