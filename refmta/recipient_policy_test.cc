#include "refmta/recipient_policy.h"

#include <unistd.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace mailgauge::refmta {
namespace {

class RecipientPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(testing::TempDir(), "/policy_", getpid());
    ASSERT_EQ(0, system(absl::StrCat("rm -rf '", dir_, "' && mkdir -p '", dir_, "'").c_str()));
    Write("aliases", "postmaster: root\nroot: alice\nsales: alice, bob\n");
    Write("local_users", "alice ok\nbob ok\n");
    Write("vmailbox", "carol@virtual.example vmail/carol/\n");
    Write("valias", "info@alias.example alice@example.com\n");
    Write("relay_users", "dave@relay.example ok\n");
  }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(absl::StrCat(dir_, "/", name)) << text;
  }
  absl::StatusOr<std::unique_ptr<RecipientPolicy>> Make(const std::string& extra) {
    std::string text = absl::StrCat(
        "myhostname = mx.example.com\n"
        "mydomain = example.com\n"
        "mydestination = $myhostname, localhost, $mydomain\n"
        "mynetworks = 127.0.0.0/24\n"
        "alias_maps = texthash:", dir_, "/aliases\n",
        "local_recipient_maps = texthash:", dir_, "/local_users $alias_maps\n",
        "virtual_mailbox_domains = virtual.example\n"
        "virtual_mailbox_maps = texthash:", dir_, "/vmailbox\n",
        "virtual_alias_domains = alias.example\n"
        "virtual_alias_maps = texthash:", dir_, "/valias\n",
        "relay_domains = relay.example\n"
        "recipient_delimiter = +\n",
        extra);
    auto cf = MainCf::Parse(text, "main.cf");
    if (!cf.ok()) return cf.status();
    auto config = LoadRefmtaConfig(*cf);
    if (!config.ok()) return config.status();
    return RecipientPolicy::Create(*config);
  }
  std::string dir_;
};

TEST_F(RecipientPolicyTest, ClassifiesAddresses) {
  auto p = Make("smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination\n");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(AddressClass::kLocal, (*p)->Classify("alice@example.com"));
  EXPECT_EQ(AddressClass::kLocal, (*p)->Classify("alice@MX.Example.COM"));
  EXPECT_EQ(AddressClass::kLocal, (*p)->Classify("alice"));  // @$myorigin
  EXPECT_EQ(AddressClass::kVirtualMailbox, (*p)->Classify("carol@virtual.example"));
  EXPECT_EQ(AddressClass::kVirtualAlias, (*p)->Classify("info@alias.example"));
  EXPECT_EQ(AddressClass::kRelay, (*p)->Classify("dave@relay.example"));
  EXPECT_EQ(AddressClass::kDefault, (*p)->Classify("eve@elsewhere.example"));
}

// Every combination of client inside/outside mynetworks and destination
// class, with the restrictions of a typical Postfix 3.x main.cf and with
// Postfix's default smtpd_relay_restrictions.
TEST_F(RecipientPolicyTest, RelayMatrixAnswersAsPostfix) {
  auto p = Make(
      "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination\n");
  ASSERT_TRUE(p.ok()) << p.status();
  struct Case {
    const char* client;
    const char* rcpt;
    const char* reply;  // "" = accepted
  } cases[] = {
      {"127.0.0.5", "alice@example.com", ""},
      {"127.0.1.5", "alice@example.com", ""},
      {"127.0.0.5", "carol@virtual.example", ""},
      {"127.0.1.5", "carol@virtual.example", ""},
      {"127.0.0.5", "info@alias.example", ""},
      {"127.0.1.5", "info@alias.example", ""},
      {"127.0.0.5", "anyone@relay.example", ""},
      {"127.0.1.5", "dave@relay.example", ""},
      {"127.0.0.5", "eve@elsewhere.example", ""},  // relaying for mynetworks
      // Default smtpd_relay_restrictions end in defer_unauth_destination.
      {"127.0.1.5", "eve@elsewhere.example",
       "454 4.7.1 <eve@elsewhere.example>: Relay access denied"},
      {"::1", "eve@elsewhere.example",
       "454 4.7.1 <eve@elsewhere.example>: Relay access denied"},
  };
  for (const Case& c : cases) {
    RecipientVerdict v = (*p)->CheckRecipient(c.client, c.rcpt);
    EXPECT_EQ(c.reply, v.reply) << c.client << " " << c.rcpt;
    EXPECT_EQ(std::string(c.reply).empty(), v.accepted) << c.client << " " << c.rcpt;
  }
}

TEST_F(RecipientPolicyTest, RejectUnauthDestinationInRelayRestrictions) {
  auto p = Make("smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ("554 5.7.1 <eve@elsewhere.example>: Relay access denied",
            (*p)->CheckRecipient("127.0.1.5", "eve@elsewhere.example").reply);
  EXPECT_TRUE((*p)->CheckRecipient("127.0.0.9", "eve@elsewhere.example").accepted);
}

TEST_F(RecipientPolicyTest, UnknownUsersAreRejectedEvenFromMynetworks) {
  auto p = Make("smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination\n");
  ASSERT_TRUE(p.ok()) << p.status();
  for (const char* client : {"127.0.0.5", "127.0.1.5"}) {
    EXPECT_EQ("550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in "
              "local recipient table",
              (*p)->CheckRecipient(client, "nobody@example.com").reply);
    EXPECT_EQ("550 5.1.1 <nobody@virtual.example>: Recipient address rejected: User unknown "
              "in virtual mailbox table",
              (*p)->CheckRecipient(client, "nobody@virtual.example").reply);
    EXPECT_EQ("550 5.1.1 <nobody@alias.example>: Recipient address rejected: User unknown "
              "in virtual alias table",
              (*p)->CheckRecipient(client, "nobody@alias.example").reply);
  }
  // Aliases, extensions and the always-accepted names are known.
  EXPECT_TRUE((*p)->CheckRecipient("127.0.1.5", "sales@example.com").accepted);
  EXPECT_TRUE((*p)->CheckRecipient("127.0.1.5", "alice+news@example.com").accepted);
  EXPECT_TRUE((*p)->CheckRecipient("127.0.1.5", "Postmaster@example.com").accepted);
  EXPECT_TRUE((*p)->CheckRecipient("127.0.1.5", "MAILER-DAEMON@example.com").accepted);
  EXPECT_TRUE((*p)->CheckRecipient("127.0.1.5", "bob").accepted);
}

TEST_F(RecipientPolicyTest, RelayRecipientMaps) {
  auto p = Make(absl::StrCat(
      "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination\n"
      "relay_recipient_maps = texthash:", dir_, "/relay_users\n"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE((*p)->CheckRecipient("127.0.1.5", "dave@relay.example").accepted);
  EXPECT_EQ("550 5.1.1 <zed@relay.example>: Recipient address rejected: User unknown in "
            "relay recipient table",
            (*p)->CheckRecipient("127.0.1.5", "zed@relay.example").reply);
}

TEST_F(RecipientPolicyTest, ExplicitRestrictions) {
  auto p = Make("smtpd_relay_restrictions = reject_unlisted_recipient, permit_mynetworks, "
                "permit_auth_destination, reject\n");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE((*p)->CheckRecipient("127.0.1.5", "alice@example.com").accepted);
  EXPECT_EQ("554 5.7.1 <eve@elsewhere.example>: Recipient address rejected: Access denied",
            (*p)->CheckRecipient("127.0.1.5", "eve@elsewhere.example").reply);
  EXPECT_EQ("550 5.1.1 <x@example.com>: Recipient address rejected: User unknown in local "
            "recipient table",
            (*p)->CheckRecipient("127.0.0.5", "x@example.com").reply);
}

TEST_F(RecipientPolicyTest, RefusesOpenRelayAndUnsupportedRestrictions) {
  auto open = Make("smtpd_relay_restrictions = permit_mynetworks\n");
  EXPECT_EQ(absl::StatusCode::kInvalidArgument, open.status().code());
  EXPECT_NE(std::string::npos, open.status().message().find("open relay"));
  auto unsupported = Make("smtpd_recipient_restrictions = check_client_access hash:/x, "
                          "reject_unauth_destination\n");
  EXPECT_EQ(absl::StatusCode::kInvalidArgument, unsupported.status().code());
  EXPECT_NE(std::string::npos, unsupported.status().message().find("check_client_access"));
  auto passwd = Make("local_recipient_maps = proxy:unix:passwd.byname $alias_maps\n");
  EXPECT_EQ(absl::StatusCode::kInvalidArgument, passwd.status().code());
  auto missing = Make("virtual_mailbox_maps = texthash:/nonexistent/vmailbox\n");
  EXPECT_EQ(absl::StatusCode::kNotFound, missing.status().code());
}

TEST(DomainListTest, NamesSubdomainsAndTables) {
  std::string path = absl::StrCat(testing::TempDir(), "/domains_", getpid());
  std::ofstream(path) << "table.example ok\n";
  auto list = DomainList::Create({"Example.com", ".sub.example", "texthash:" + path});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_TRUE(list->Contains("example.com"));
  EXPECT_TRUE(list->Contains("EXAMPLE.COM"));
  EXPECT_TRUE(list->Contains("a.sub.example"));
  EXPECT_FALSE(list->Contains("sub.example"));
  EXPECT_TRUE(list->Contains("table.example"));
  EXPECT_FALSE(list->Contains("other.example"));
  EXPECT_FALSE(list->Contains(""));
}

}  // namespace
}  // namespace mailgauge::refmta
