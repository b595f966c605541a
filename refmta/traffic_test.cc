#include "refmta/traffic.h"

#include <cstdlib>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "absl/time/clock.h"
#include "refmta/peer.h"
#include "refmta/queue.h"
#include "refmta/scenario.h"

namespace mailgauge::refmta {
namespace {

using ::testing::HasSubstr;

// The loopback peer stands in for refmta's SMTP server here: it answers by
// rule, so every count in the summary is known.
constexpr char kScenario[] =
    "name t\n"
    "client inside 127.0.0.1 helo=in.example\n"
    "client outside 127.0.1.33 helo=out.example\n"
    "kind good via=inside from=a@example.com to=ok{1-5}@x.example rcpts=2\n"
    "kind bad via=outside from=<> to=nobody@x.example\n"
    "kind half via=outside from=b@example.com to={ok9,nobody}@x.example rcpts=2\n"
    "peer rule nobody@* unknown\n"
    "send 12 good:2 bad:1 half:1 parallel=3\n";

TEST(MakeStepMessagesTest, SameSeedSameMessages) {
  auto s = ParseScenario(kScenario, "t");
  ASSERT_TRUE(s.ok()) << s.status();
  const ScenarioStep& step = s->steps[1];
  ScenarioRandom r1(7), r2(7), r3(8);
  int n1 = 0, n2 = 0, n3 = 0;
  auto a = MakeStepMessages(*s, step, 7, &r1, &n1);
  auto b = MakeStepMessages(*s, step, 7, &r2, &n2);
  auto c = MakeStepMessages(*s, step, 8, &r3, &n3);
  ASSERT_EQ(12u, a.size());
  EXPECT_EQ(12, n1);
  bool differs = false;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].kind, b[i].kind);
    EXPECT_EQ(a[i].sender, b[i].sender);
    EXPECT_EQ(a[i].recipients, b[i].recipients);
    EXPECT_EQ(a[i].content.size(), b[i].content.size());
    differs = differs || a[i].kind != c[i].kind || a[i].recipients != c[i].recipients;
    if (a[i].kind == "good") {
      EXPECT_EQ(2u, a[i].recipients.size());
      EXPECT_EQ("127.0.0.1", a[i].client_address);
    }
    if (a[i].kind == "bad") {
      EXPECT_EQ("", a[i].sender);
    }
    EXPECT_THAT(a[i].content, HasSubstr("Message-ID: <"));
  }
  EXPECT_TRUE(differs);
}

TEST(RunTrafficTest, SendsFromBoundSourceAddressesAndCountsReplies) {
  auto s = ParseScenario(kScenario, "t");
  ASSERT_TRUE(s.ok()) << s.status();
  auto peer = LoopbackPeer::Start(PeerOptions{});
  ASSERT_TRUE(peer.ok()) << peer.status();
  TrafficOptions o;
  o.smtp_address = "127.0.0.1";
  o.smtp_port = (*peer)->port();
  o.seed = 3;
  o.peer = peer->get();  // the same peer: its rules come from the scenario
  std::stringstream transcript;
  o.transcript = &transcript;
  auto sum = RunTraffic(*s, o);
  ASSERT_TRUE(sum.ok()) << sum.status();
  const KindCounts& t = sum->total;
  EXPECT_EQ(12, t.messages);
  EXPECT_EQ(0, t.failed);
  const KindCounts& good = sum->by_kind["good"];
  const KindCounts& bad = sum->by_kind["bad"];
  const KindCounts& half = sum->by_kind["half"];
  EXPECT_EQ(good.messages, good.queued);
  EXPECT_EQ(2 * good.messages, good.rcpt_accepted);
  EXPECT_EQ(bad.messages, bad.refused);
  EXPECT_EQ(bad.messages, bad.rcpt_5xx);
  EXPECT_EQ(half.messages, half.queued);
  EXPECT_EQ(half.messages, half.rcpt_5xx);
  PeerStats ps = (*peer)->stats();
  EXPECT_EQ(good.queued + half.queued, ps.messages);
  EXPECT_EQ(t.rcpt_accepted, ps.rcpt_accepted);
  EXPECT_EQ(t.rcpt_5xx, ps.rcpt_rejected);
  EXPECT_EQ(good.messages, sum->sessions_by_client["inside"]);
  // One transcript line per message, with the peer's queue ID when queued.
  std::string line;
  int lines = 0, with_id = 0;
  while (std::getline(transcript, line)) {
    ++lines;
    if (absl::StrContains(line, "\"queue_id\":\"FFFFF")) ++with_id;
  }
  EXPECT_EQ(12, lines);
  EXPECT_EQ(good.queued + half.queued, with_id);
  EXPECT_THAT(TrafficSummaryText(*sum), HasSubstr("scenario t, seed 3: 12 messages"));
}

TEST(RunTrafficTest, RefusesAScenarioNeedingWhatTheOptionsLack) {
  auto s = ParseScenario(kScenario, "t");
  ASSERT_TRUE(s.ok());
  TrafficOptions o;  // no peer
  EXPECT_TRUE(absl::IsInvalidArgument(RunTraffic(*s, o).status()));
  auto m = ParseScenario(
      "kind s via=sendmail from=a to=b\nsend 1 s\n", "m");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_TRUE(absl::IsInvalidArgument(RunTraffic(*m, o).status()));
}

// `wait attempted` returns once maildrop, incoming and active are empty
// (here: a message is moved on to deferred by another thread, as qmgr
// would), and fails with the busy queues named when they never empty.
TEST(RunTrafficTest, WaitAttemptedWaitsForTheFirstDeliveryAttempts) {
  const std::string spool = std::string(std::getenv("TEST_TMPDIR")) + "/wait_attempted_spool";
  auto q = Queue::Open(spool, /*long_queue_ids=*/false);
  ASSERT_TRUE(q.ok()) << q.status();
  Envelope env;
  env.sender = "a@example.com";
  env.recipients = {{"b@partner.example"}};
  auto id = (*q)->Enqueue(QueueName::kIncoming, env, "Subject: x\r\n\r\nbody\r\n");
  ASSERT_TRUE(id.ok()) << id.status();
  TrafficOptions o;
  o.spool_dir = spool;
  // A scenario of that one step (a parsed one needs a send step).
  Scenario s;
  s.name = "w";
  ScenarioStep wait;
  wait.type = ScenarioStep::Type::kWaitAttempted;
  wait.line = 1;
  wait.wait = absl::Milliseconds(300);
  s.steps = {wait};
  absl::StatusOr<TrafficSummary> r = RunTraffic(s, o);
  EXPECT_TRUE(absl::IsDeadlineExceeded(r.status())) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("incoming:1"));

  s.steps[0].wait = absl::Seconds(30);
  std::thread qmgr([&] {
    absl::SleepFor(absl::Milliseconds(300));
    ASSERT_TRUE((*q)->Move(*id, QueueName::kIncoming, QueueName::kActive).ok());
    absl::SleepFor(absl::Milliseconds(300));
    ASSERT_TRUE((*q)->Move(*id, QueueName::kActive, QueueName::kDeferred).ok());
  });
  const absl::Time start = absl::Now();
  r = RunTraffic(s, o);
  const absl::Time end = absl::Now();
  qmgr.join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GE(end - start, absl::Milliseconds(600));  // not before it was deferred
  EXPECT_TRUE((*q)->Locate(*id).ok());

  o.spool_dir.clear();  // no spool given: refused before anything is sent
  EXPECT_TRUE(absl::IsInvalidArgument(RunTraffic(s, o).status()));
}

TEST(SendMessageOverSmtpTest, ReportsAConnectionRefused) {
  TrafficMessage m;
  m.client_address = "127.0.0.1";
  m.helo = "x";
  m.sender = "a@b";
  m.recipients = {"c@d"};
  TrafficResult r = SendMessageOverSmtp(m, "127.0.0.1", 1, absl::Seconds(2));
  EXPECT_THAT(r.error, HasSubstr("Connection refused"));
}

}  // namespace
}  // namespace mailgauge::refmta
