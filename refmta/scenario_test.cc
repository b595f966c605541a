#include "refmta/scenario.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mailgauge::refmta {
namespace {

using ::testing::HasSubstr;

constexpr char kSmall[] =
    "# a comment\n"
    "name small\n"
    "client lan 127.0.0.1 helo=ws.example\n"
    "client out 127.0.1.9\n"
    "kind a via=lan from=alice@example.com to={bob,carol}@example.com rcpts=1-2 size=10-20\n"
    "kind b via=sendmail from=alice to=bob subject=\"two words\" header=\"X-Test: yes\"\n"
    "kind c via=out from=<> to=x{1-9}@elsewhere.example\n"
    "peer rule greylist*@* greylist   # first try deferred\n"
    "send 10 a:3 b c parallel=2\n"
    "peer down refuse\n"
    "wait 1500ms\n"
    "peer up\n";

TEST(ParseScenarioTest, ClientTlsChoiceAndReloadStep) {
  auto s = ParseScenario("client a 127.0.0.1 tls=none\nclient b 127.0.0.2 tls=may helo=b.example\n"
                         "kind k via=a from=x@example.com to=y@example.com\n"
                         "send 1 k\nreload\n",
                         "t.scenario");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FALSE(s->clients[0].starttls);
  EXPECT_TRUE(s->clients[1].starttls);
  EXPECT_EQ("b.example", s->clients[1].helo);
  ASSERT_EQ(2u, s->steps.size());
  EXPECT_EQ(ScenarioStep::Type::kReload, s->steps[1].type);
  EXPECT_FALSE(ParseScenario("reload now\n", "t.scenario").ok());
  auto w = ParseScenario("kind k via=sendmail from=x to=y@example.com\nsend 1 k\n"
                         "wait attempted\nwait attempted 30s\n",
                         "t.scenario");
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_EQ(3u, w->steps.size());
  EXPECT_EQ(ScenarioStep::Type::kWaitAttempted, w->steps[1].type);
  EXPECT_EQ(absl::Minutes(2), w->steps[1].wait);
  EXPECT_EQ(absl::Seconds(30), w->steps[2].wait);
  EXPECT_FALSE(ParseScenario("client a 127.0.0.1 tls=encrypt\n", "t.scenario").ok());
}

TEST(ParseScenarioTest, ReadsDeclarationsAndSteps) {
  auto s = ParseScenario(kSmall, "dir/small.scenario");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ("small", s->name);
  ASSERT_EQ(2u, s->clients.size());
  EXPECT_EQ("ws.example", s->clients[0].helo);
  EXPECT_EQ("out.example", s->clients[1].helo);
  ASSERT_EQ(3u, s->kinds.size());
  EXPECT_EQ(2, s->kinds.at("a").rcpts_max);
  EXPECT_EQ(20, s->kinds.at("a").size_max);
  EXPECT_EQ("two words", s->kinds.at("b").subject);
  EXPECT_EQ(std::vector<std::string>{"X-Test: yes"}, s->kinds.at("b").headers);
  EXPECT_TRUE(s->uses_sendmail);
  EXPECT_TRUE(s->uses_peer);
  ASSERT_EQ(5u, s->steps.size());
  EXPECT_EQ(ScenarioStep::Type::kPeerRule, s->steps[0].type);
  EXPECT_TRUE(s->steps[0].rule.greylist);
  EXPECT_EQ(ScenarioStep::Type::kSend, s->steps[1].type);
  EXPECT_EQ(10, s->steps[1].count);
  EXPECT_EQ(2, s->steps[1].parallel);
  ASSERT_EQ(3u, s->steps[1].weighted_kinds.size());
  EXPECT_EQ(3, s->steps[1].weighted_kinds[0].second);
  EXPECT_EQ("refuse", s->steps[2].down_mode);
  EXPECT_EQ(absl::Milliseconds(1500), s->steps[3].wait);
  EXPECT_EQ(ScenarioStep::Type::kPeerUp, s->steps[4].type);
}

TEST(ParseScenarioTest, NamesTheLineOfEachMistake) {
  struct Case {
    const char* text;
    const char* error;
  };
  for (const Case& c : {
           Case{"kind a via=lan from=a to=b\nsend 1 a\n", "line 1: unknown client \"lan\""},
           Case{"client lan 10.0.0.1\n", "line 1: client address 10.0.0.1 is not in 127.0.0.0/8"},
           Case{"client lan 127.0.0.1\nsend 3 nope\n", "line 2: unknown kind \"nope\""},
           Case{"client lan 127.0.0.1\nkind a via=lan from=a\n", "needs via=, from= and to="},
           Case{"client lan 127.0.0.1\nkind a via=lan from=a to={b\n", "unbalanced"},
           Case{"client lan 127.0.0.1\nkind a via=lan from=a to=b colour=red\n",
                "unknown kind attribute colour"},
           Case{"peer rule x maybe\n", "line 1: unknown action \"maybe\""},
           Case{"wait forever\n", "line 1: use: wait DURATION"},
           Case{"wait\n", "line 1: use: wait DURATION"},
           Case{"wait attempted soon\n", "line 1: use: wait DURATION"},
           Case{"wait attempted 3s 4s\n", "line 1: use: wait DURATION"},
           Case{"frobnicate\n", "unknown statement \"frobnicate\""},
           Case{"client lan 127.0.0.1 helo=\"x\n", "unterminated quote"},
           Case{"client lan 127.0.0.1\n", "no send step"},
       }) {
    auto s = ParseScenario(c.text, "t.scenario");
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_THAT(std::string(s.status().message()), HasSubstr(c.error)) << c.text;
  }
}

TEST(ScenarioRandomTest, ExpandsChoicesAndRangesDeterministically) {
  ScenarioRandom a(42), b(42);
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string x = a.Expand("{u,v}{1-3}@{d1,d2}.example");
    EXPECT_EQ(x, b.Expand("{u,v}{1-3}@{d1,d2}.example"));
    seen.insert(x);
  }
  EXPECT_EQ(12u, seen.size());  // every combination turns up
  EXPECT_EQ("plain@example.com", a.Expand("plain@example.com"));
  EXPECT_EQ("a-b", a.Expand("{a-b}"));
  for (int i = 0; i < 100; ++i) {
    int64_t n = a.Between(5, 7);
    EXPECT_GE(n, 5);
    EXPECT_LE(n, 7);
  }
  EXPECT_EQ(3, a.Between(3, 3));
}

TEST(ReadScenarioFileTest, EveryShippedScenarioParses) {
  for (const char* name : {"normal-day", "relay-abuse", "over-quota", "remote-outage",
                           "unknown-users", "mixed-soak"}) {
    auto s = ReadScenarioFile(std::string("refmta/scenarios/") + name + ".scenario");
    ASSERT_TRUE(s.ok()) << name << ": " << s.status();
    EXPECT_EQ(name, s->name);
  }
  EXPECT_TRUE(absl::IsNotFound(ReadScenarioFile("refmta/scenarios/none.scenario").status()));
}

}  // namespace
}  // namespace mailgauge::refmta
