#include "refmta/peer.h"

#include <cstdio>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "refmta/smtp_client.h"

namespace mailgauge::refmta {
namespace {

using ::testing::HasSubstr;

TEST(PeerGlobMatchTest, MatchesShellStyleCaseInsensitively) {
  EXPECT_TRUE(PeerGlobMatch("*@partner.example", "Bob@Partner.Example"));
  EXPECT_TRUE(PeerGlobMatch("greylist*@*", "greylist7@x.example"));
  EXPECT_TRUE(PeerGlobMatch("a?c", "abc"));
  EXPECT_TRUE(PeerGlobMatch("*", ""));
  EXPECT_FALSE(PeerGlobMatch("*@partner.example", "bob@partner.example.org"));
  EXPECT_FALSE(PeerGlobMatch("a?c", "ac"));
}

TEST(ParsePeerRulesTest, ReadsDownAndRulesInOrder) {
  auto rules = ParsePeerRules(
      "# comment\n"
      "down drop\n"
      "greylist*@*  defer\n"
      "nobody*@*    unknown   # trailing comment\n"
      "full@*       full\n"
      "*@busy.example reply 421 4.4.2 Too busy\n"
      "*            accept\n",
      "rules.txt");
  ASSERT_TRUE(rules.ok()) << rules.status();
  EXPECT_EQ(PeerDown::kDrop, rules->down);
  ASSERT_EQ(5u, rules->rules.size());
  EXPECT_EQ("451 4.7.1 Try again later", PeerRcptReply(*rules, "greylist1@a.example"));
  EXPECT_EQ("550 5.1.1 <nobody2@a.example>: Recipient address rejected: User unknown",
            PeerRcptReply(*rules, "nobody2@a.example"));
  EXPECT_EQ("552 5.2.2 Mailbox full", PeerRcptReply(*rules, "full@a.example"));
  EXPECT_EQ("421 4.4.2 Too busy", PeerRcptReply(*rules, "x@busy.example"));
  EXPECT_EQ("250 2.1.5 Ok", PeerRcptReply(*rules, "x@y.example"));
  // The text form reads back to the same rules.
  auto again = ParsePeerRules(PeerRulesText(*rules), "again");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(PeerRulesText(*rules), PeerRulesText(*again));
}

TEST(ParsePeerRulesTest, NamesFileAndLineOfABadRule) {
  auto bad = ParsePeerRules("*@a accept\n*@b maybe\n", "rules.txt");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("rules.txt, line 2"));
  EXPECT_FALSE(ParsePeerRules("down sideways\n", "r").ok());
  EXPECT_FALSE(ParsePeerRules("*@a reply 299x bad\n", "r").ok());
  EXPECT_FALSE(ParsePeerRules("lonely\n", "r").ok());
}

TEST(LoopbackPeerTest, RefusesANonLoopbackAddress) {
  PeerOptions o;
  o.listen_address = "192.0.2.1";
  EXPECT_FALSE(LoopbackPeer::Start(o).ok());
}

SmtpDeliveryResult Deliver(int port, const std::vector<std::string>& rcpts) {
  return SendMessageViaSmtp({"127.0.0.1", "127.0.0.1", port}, "mx.example.com",
                            "alice@example.com", rcpts, "Subject: t\n\n.hello\n",
                            absl::Seconds(5));
}

TEST(LoopbackPeerTest, AnswersEachRecipientByRule) {
  PeerOptions o;
  auto rules = ParsePeerRules("greylist*@* defer\nnobody@* unknown\nfull@* full\n", "r");
  ASSERT_TRUE(rules.ok());
  o.rules = *rules;
  auto peer = LoopbackPeer::Start(o);
  ASSERT_TRUE(peer.ok()) << peer.status();
  SmtpDeliveryResult r = Deliver((*peer)->port(), {"bob@partner.example", "greylist1@p.example",
                                                   "nobody@p.example", "full@p.example"});
  ASSERT_EQ(4u, r.recipients.size());
  EXPECT_EQ("sent", r.recipients[0].status);
  EXPECT_TRUE(absl::StartsWith(r.recipients[0].reason, "250 2.0.0 Ok: queued as FFFFF"))
      << r.recipients[0].reason;
  EXPECT_EQ("deferred", r.recipients[1].status);
  EXPECT_EQ("4.7.1", r.recipients[1].dsn);
  EXPECT_THAT(r.recipients[1].reason, HasSubstr("said: 451 4.7.1 Try again later"));
  EXPECT_EQ("bounced", r.recipients[2].status);
  EXPECT_EQ("5.1.1", r.recipients[2].dsn);
  EXPECT_EQ("bounced", r.recipients[3].status);
  EXPECT_EQ("5.2.2", r.recipients[3].dsn);
  PeerStats s = (*peer)->stats();
  EXPECT_EQ(1, s.messages);
  EXPECT_EQ(1, s.rcpt_accepted);
  EXPECT_EQ(1, s.rcpt_deferred);
  EXPECT_EQ(2, s.rcpt_rejected);
  (*peer)->Stop();
}

TEST(LoopbackPeerTest, DownRefusesOrDropsAndComesBackOnTheSamePort) {
  auto peer = LoopbackPeer::Start(PeerOptions{});
  ASSERT_TRUE(peer.ok()) << peer.status();
  const int port = (*peer)->port();
  PeerRules down;
  down.down = PeerDown::kRefuse;
  (*peer)->SetRules(down);
  SmtpDeliveryResult r = Deliver(port, {"bob@partner.example"});
  EXPECT_EQ("none", r.relay);
  EXPECT_EQ("4.4.1", r.recipients[0].dsn);
  EXPECT_THAT(r.recipients[0].reason, HasSubstr("Connection refused"));
  down.down = PeerDown::kDrop;
  (*peer)->SetRules(down);
  r = Deliver(port, {"bob@partner.example"});
  EXPECT_EQ("4.4.2", r.recipients[0].dsn);
  EXPECT_THAT(r.recipients[0].reason, HasSubstr("while receiving the initial server greeting"));
  (*peer)->SetRules(PeerRules{});
  EXPECT_EQ(port, (*peer)->port());
  r = Deliver(port, {"bob@partner.example"});
  EXPECT_EQ("sent", r.recipients[0].status);
  EXPECT_EQ(1, (*peer)->stats().dropped_connections);
}

TEST(LoopbackPeerTest, FollowsItsRulesFile) {
  std::string path = absl::StrCat(testing::TempDir(), "/peer_rules.txt");
  { std::ofstream(path) << "down refuse\n"; }
  PeerOptions o;
  o.rules_file = path;
  auto peer = LoopbackPeer::Start(o);
  ASSERT_TRUE(peer.ok()) << peer.status();
  EXPECT_EQ("4.4.1", Deliver((*peer)->port(), {"a@b.example"}).recipients[0].dsn);
  {
    std::ofstream(path + ".new") << "*@b.example full\n";
    std::rename((path + ".new").c_str(), path.c_str());
  }
  SmtpDeliveryResult r;
  for (int i = 0; i < 50; ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    r = Deliver((*peer)->port(), {"a@b.example"});
    if (r.recipients[0].dsn == "5.2.2") break;
  }
  EXPECT_EQ("5.2.2", r.recipients[0].dsn);
  // A bad file keeps the rules in force.
  // The file is truncated and then written in place, as editors do: the
  // watcher must never apply the empty file it may see in between.
  { std::ofstream(path) << "*@b.example nonsense\n"; }
  for (int i = 0; i < 100 && (*peer)->stats().bad_rules_files == 0; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(1, (*peer)->stats().bad_rules_files);
  EXPECT_EQ(1, (*peer)->stats().rule_reloads);  // the good file only
  EXPECT_EQ("5.2.2", Deliver((*peer)->port(), {"a@b.example"}).recipients[0].dsn);
}

}  // namespace
}  // namespace mailgauge::refmta
