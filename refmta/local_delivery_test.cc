#include "refmta/local_delivery.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mailgauge::refmta {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

int CountFiles(const std::string& dir) {
  int n = 0;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
    closedir(d);
  }
  return n;
}

const absl::Time kNow = absl::FromUnixSeconds(1794899889);

class LocalDeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(testing::TempDir(), "/local_", getpid(), "_", counter_++);
    ASSERT_EQ(0, system(absl::StrCat("rm -rf '", dir_, "' && mkdir -p '", dir_, "'").c_str()));
    std::ofstream(dir_ + "/aliases")
        << "postmaster: root\nroot: alice\nteam: alice, bob@example.com, "
           "carol@remote.example\narchive: /dev/null/x, \"|/bin/cat\"\n"
           "filed: " << dir_ << "/spool/files/filed.mbox\n";
    std::ofstream(dir_ + "/local_users") << "alice ok\nbob ok\n";
    std::ofstream(dir_ + "/vmailbox")
        << "dora@virtual.example virtual.example/dora/\n"
           "emil@virtual.example virtual.example/emil.mbox\n"
           "bad@virtual.example /etc/passwd\n";
  }
  std::unique_ptr<LocalDeliveryAgent> Make(const std::string& extra) {
    auto cf = MainCf::Parse(
        absl::StrCat("myhostname = mx.example.com\nmydomain = example.com\n"
                     "myorigin = $mydomain\n"
                     "mydestination = $myhostname, localhost, $mydomain\n"
                     "alias_maps = texthash:", dir_, "/aliases\n",
                     "local_recipient_maps = texthash:", dir_, "/local_users $alias_maps\n",
                     "virtual_mailbox_domains = virtual.example\n"
                     "virtual_mailbox_maps = texthash:", dir_, "/vmailbox\n",
                     "virtual_mailbox_base = ", dir_, "/spool/vmail\n",
                     "recipient_delimiter = +\n"
                     "allow_mail_to_files = alias\n",
                     extra),
        "main.cf");
    EXPECT_TRUE(cf.ok()) << cf.status();
    auto config = LoadRefmtaConfig(*cf);
    EXPECT_TRUE(config.ok()) << config.status();
    auto agent = LocalDeliveryAgent::Create(*config, dir_ + "/spool");
    EXPECT_TRUE(agent.ok()) << agent.status();
    return agent.ok() ? *std::move(agent) : nullptr;
  }
  DeliveryInput Input(const std::string& rcpt) {
    return {"sender@remote.example", rcpt, "", "Subject: t\n\nbody\n"};
  }
  static int counter_;
  std::string dir_;
};
int LocalDeliveryTest::counter_ = 0;

TEST_F(LocalDeliveryTest, DeliversToMboxUnderTheSpool) {
  auto agent = Make("");
  ASSERT_NE(nullptr, agent);
  auto rs = agent->DeliverLocal(Input("Alice+news@example.com"), kNow);
  ASSERT_THAT(rs, SizeIs(1));
  EXPECT_EQ("alice+news@example.com", rs[0].recipient);
  EXPECT_EQ("Alice+news@example.com", rs[0].original_recipient);
  EXPECT_EQ("local", rs[0].relay);
  EXPECT_EQ("sent", rs[0].status);
  EXPECT_EQ("2.0.0", rs[0].dsn);
  EXPECT_EQ("delivered to mailbox", rs[0].reason);
  EXPECT_EQ(dir_ + "/spool/mail/alice", rs[0].mailbox);
  EXPECT_THAT(Slurp(rs[0].mailbox), HasSubstr("Delivered-To: alice+news@example.com\n"));
}

TEST_F(LocalDeliveryTest, HomeMaildir) {
  auto agent = Make("home_mailbox = Maildir/\n");
  ASSERT_NE(nullptr, agent);
  auto rs = agent->DeliverLocal(Input("bob@example.com"), kNow);
  ASSERT_THAT(rs, SizeIs(1));
  EXPECT_EQ("delivered to maildir", rs[0].reason);
  EXPECT_EQ(1, CountFiles(dir_ + "/spool/home/bob/Maildir/new"));
}

TEST_F(LocalDeliveryTest, UnknownUserBounces) {
  auto agent = Make("");
  ASSERT_NE(nullptr, agent);
  auto rs = agent->DeliverLocal(Input("nobody@example.com"), kNow);
  ASSERT_THAT(rs, SizeIs(1));
  EXPECT_EQ("bounced", rs[0].status);
  EXPECT_EQ("5.1.1", rs[0].dsn);
  EXPECT_EQ("unknown user: \"nobody\"", rs[0].reason);
  auto traversal = agent->DeliverLocal(Input("..@example.com"), kNow);
  EXPECT_EQ("bounced", traversal[0].status);
}

TEST_F(LocalDeliveryTest, AliasesFanOutWithOrigToAndForwards) {
  auto agent = Make("");
  ASSERT_NE(nullptr, agent);
  auto pm = agent->DeliverLocal(Input("postmaster@example.com"), kNow);
  ASSERT_THAT(pm, SizeIs(1));
  EXPECT_EQ("alice@example.com", pm[0].recipient);
  EXPECT_EQ("postmaster@example.com", pm[0].original_recipient);
  EXPECT_EQ("delivered to mailbox", pm[0].reason);

  auto team = agent->DeliverLocal(Input("team@example.com"), kNow);
  ASSERT_THAT(team, SizeIs(3));
  EXPECT_EQ("alice@example.com", team[0].recipient);
  EXPECT_EQ("bob@example.com", team[1].recipient);
  EXPECT_EQ("sent", team[1].status);
  // The remote target goes into one forwarded message, logged for the alias.
  EXPECT_EQ(std::vector<std::string>{"carol@remote.example"}, team[2].forward_addresses);
  EXPECT_EQ("team@example.com", team[2].recipient);
  EXPECT_EQ("team@example.com", team[2].original_recipient);
  EXPECT_THAT(Slurp(dir_ + "/spool/mail/bob"), HasSubstr("X-Original-To: team@example.com\n"));
}

TEST_F(LocalDeliveryTest, FileAndCommandTargets) {
  auto agent = Make("");
  ASSERT_NE(nullptr, agent);
  auto filed = agent->DeliverLocal(Input("filed@example.com"), kNow);
  ASSERT_THAT(filed, SizeIs(1));
  EXPECT_EQ("sent", filed[0].status);
  EXPECT_EQ("delivered to file: " + dir_ + "/spool/files/filed.mbox", filed[0].reason);
  auto archive = agent->DeliverLocal(Input("archive@example.com"), kNow);
  ASSERT_THAT(archive, SizeIs(2));
  EXPECT_NE("sent", archive[0].status);  // /dev/null/x cannot be written
  EXPECT_EQ("bounced", archive[1].status);
  EXPECT_EQ("5.7.1", archive[1].dsn);
  EXPECT_EQ("mail to command is restricted", archive[1].reason);
}

TEST_F(LocalDeliveryTest, MailboxSizeLimit) {
  auto agent = Make("mailbox_size_limit = 300\n");
  ASSERT_NE(nullptr, agent);
  EXPECT_EQ("sent", agent->DeliverLocal(Input("alice@example.com"), kNow)[0].status);
  auto full = agent->DeliverLocal(Input("alice@example.com"), kNow);
  EXPECT_EQ("bounced", full[0].status);
  EXPECT_EQ("5.2.2", full[0].dsn);
  EXPECT_THAT(full[0].reason, HasSubstr("cannot update mailbox"));
}

TEST_F(LocalDeliveryTest, VirtualMailboxes) {
  auto agent = Make("virtual_mailbox_limit = 400\n");
  ASSERT_NE(nullptr, agent);
  LocalDeliveryResult dora = agent->DeliverVirtual(Input("dora@virtual.example"), kNow);
  EXPECT_EQ("virtual", dora.relay);
  EXPECT_EQ("delivered to maildir", dora.reason);
  EXPECT_EQ(1, CountFiles(dir_ + "/spool/vmail/virtual.example/dora/new"));
  LocalDeliveryResult emil = agent->DeliverVirtual(Input("emil+x@virtual.example"), kNow);
  EXPECT_EQ("delivered to mailbox", emil.reason);
  LocalDeliveryResult full = agent->DeliverVirtual(Input("emil@virtual.example"), kNow);
  full = agent->DeliverVirtual(Input("emil@virtual.example"), kNow);
  EXPECT_EQ("bounced", full.status);
  EXPECT_EQ("5.2.2", full.dsn);
  EXPECT_EQ("delivery failed to mailbox " + dir_ +
                "/spool/vmail/virtual.example/emil.mbox: error writing message: File too large",
            full.reason);
  LocalDeliveryResult unknown = agent->DeliverVirtual(Input("zed@virtual.example"), kNow);
  EXPECT_EQ("unknown user: \"zed@virtual.example\"", unknown.reason);
  LocalDeliveryResult bad = agent->DeliverVirtual(Input("bad@virtual.example"), kNow);
  EXPECT_EQ("deferred", bad.status);
  EXPECT_EQ("4.3.5", bad.dsn);
}

TEST_F(LocalDeliveryTest, DotForwardKeepsACopyAndForwardsTheRest) {
  auto agent = Make("");
  ASSERT_NE(nullptr, agent);
  ASSERT_EQ(0, system(absl::StrCat("mkdir -p '", dir_, "/spool/home/alice'").c_str()));
  std::ofstream(dir_ + "/spool/home/alice/.forward")
      << "# alice's forward\n\\alice, bob\nalice@elsewhere.example\n|/bin/true\n";
  std::vector<LocalDeliveryResult> rs = agent->DeliverLocal(Input("alice@example.com"), kNow);
  ASSERT_THAT(rs, SizeIs(4));
  // bob: another local user, delivered here with orig_to= the queued address.
  EXPECT_EQ("bob@example.com", rs[0].recipient);
  EXPECT_EQ("alice@example.com", rs[0].original_recipient);
  EXPECT_EQ("delivered to mailbox", rs[0].reason);
  EXPECT_EQ("mail to command is restricted", rs[1].reason);
  EXPECT_EQ("bounced", rs[1].status);
  // "\alice": alice's own mailbox, no loop.
  EXPECT_EQ("alice@example.com", rs[2].recipient);
  EXPECT_EQ("delivered to mailbox", rs[2].reason);
  EXPECT_EQ(dir_ + "/spool/mail/alice", rs[2].mailbox);
  // The remote address: one forward, logged for alice.
  EXPECT_EQ("alice@example.com", rs[3].recipient);
  EXPECT_EQ("sent", rs[3].status);
  EXPECT_THAT(rs[3].forward_addresses, ::testing::ElementsAre("alice@elsewhere.example"));
  EXPECT_THAT(Slurp(dir_ + "/spool/mail/bob"), HasSubstr("body"));
  EXPECT_THAT(Slurp(dir_ + "/spool/mail/alice"), HasSubstr("body"));
}

TEST_F(LocalDeliveryTest, DotForwardWithExtensionAndLoop) {
  auto agent = Make("");
  ASSERT_NE(nullptr, agent);
  ASSERT_EQ(0, system(absl::StrCat("mkdir -p '", dir_, "/spool/home/alice' '", dir_,
                                   "/spool/home/bob'").c_str()));
  std::ofstream(dir_ + "/spool/home/alice/.forward+lists") << "lists@remote.example\n";
  std::ofstream(dir_ + "/spool/home/alice/.forward") << "bob\n";
  std::ofstream(dir_ + "/spool/home/bob/.forward") << "alice\n";
  std::vector<LocalDeliveryResult> rs =
      agent->DeliverLocal(Input("alice+lists@example.com"), kNow);
  ASSERT_THAT(rs, SizeIs(1));
  EXPECT_THAT(rs[0].forward_addresses, ::testing::ElementsAre("lists@remote.example"));
  EXPECT_EQ("alice+lists@example.com", rs[0].recipient);
  // alice -> bob -> alice -> ...: a loop bounces, nothing is delivered.
  rs = agent->DeliverLocal(Input("alice@example.com"), kNow);
  ASSERT_THAT(rs, SizeIs(1));
  EXPECT_EQ("bounced", rs[0].status);
  EXPECT_EQ("5.4.6", rs[0].dsn);
  EXPECT_THAT(rs[0].reason, HasSubstr("mail forwarding loop for "));
  EXPECT_EQ("alice@example.com", rs[0].original_recipient);
  EXPECT_EQ(0, CountFiles(dir_ + "/spool/mail"));
}

}  // namespace
}  // namespace mailgauge::refmta
