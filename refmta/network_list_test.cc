#include "refmta/network_list.h"

#include "gtest/gtest.h"

namespace mailgauge::refmta {
namespace {

TEST(NetworkListTest, MatchesIpv4Networks) {
  auto nets = NetworkList::Parse({"127.0.0.0/24", "10.1.2.3", "192.168.0.0/16"});
  ASSERT_TRUE(nets.ok()) << nets.status();
  EXPECT_TRUE(nets->Contains("127.0.0.1"));
  EXPECT_TRUE(nets->Contains("127.0.0.255"));
  EXPECT_FALSE(nets->Contains("127.0.1.1"));
  EXPECT_TRUE(nets->Contains("10.1.2.3"));
  EXPECT_FALSE(nets->Contains("10.1.2.4"));
  EXPECT_TRUE(nets->Contains("192.168.200.1"));
  EXPECT_FALSE(nets->Contains("192.169.0.1"));
  EXPECT_FALSE(nets->Contains("not an address"));
  EXPECT_FALSE(nets->Contains(""));
}

TEST(NetworkListTest, OddPrefixLengths) {
  auto nets = NetworkList::Parse({"127.0.0.128/25"});
  ASSERT_TRUE(nets.ok());
  EXPECT_TRUE(nets->Contains("127.0.0.200"));
  EXPECT_FALSE(nets->Contains("127.0.0.127"));
  auto all = NetworkList::Parse({"0.0.0.0/0"});
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->Contains("203.0.113.5"));
  EXPECT_FALSE(all->Contains("2001:db8::1"));
}

TEST(NetworkListTest, MatchesIpv6AndMappedForms) {
  auto nets = NetworkList::Parse({"[::1]/128", "[::ffff:127.0.0.0]/104", "[2001:db8::]/32"});
  ASSERT_TRUE(nets.ok()) << nets.status();
  EXPECT_TRUE(nets->Contains("::1"));
  EXPECT_TRUE(nets->Contains("[::1]"));
  EXPECT_TRUE(nets->Contains("127.1.2.3"));  // IPv4 inside the mapped /104
  EXPECT_TRUE(nets->Contains("2001:db8:ffff::7"));
  EXPECT_FALSE(nets->Contains("2001:db9::7"));
  EXPECT_FALSE(nets->Contains("::2"));
}

TEST(NetworkListTest, Ipv4EntryMatchesMappedClient) {
  auto nets = NetworkList::Parse({"127.0.0.0/8"});
  ASSERT_TRUE(nets.ok());
  EXPECT_TRUE(nets->Contains("::ffff:127.0.0.5"));
}

TEST(NetworkListTest, RejectsBadItems) {
  EXPECT_FALSE(NetworkList::Parse({"127.0.0.0/33"}).ok());
  EXPECT_FALSE(NetworkList::Parse({"[::1]/129"}).ok());
  EXPECT_FALSE(NetworkList::Parse({"127.0.0.1/8"}).ok());  // host bits set
  EXPECT_FALSE(NetworkList::Parse({"example.com"}).ok());
  EXPECT_FALSE(NetworkList::Parse({"/etc/postfix/network_table"}).ok());
  EXPECT_FALSE(NetworkList::Parse({"hash:/etc/postfix/nets"}).ok());
  EXPECT_FALSE(NetworkList::Parse({"127.0.0.0/x"}).ok());
  EXPECT_FALSE(NetworkList::Parse({"300.0.0.0/8"}).ok());
  auto status = NetworkList::Parse({"127.0.0.0/24", "10.0.0.0/-1"}).status();
  EXPECT_NE(std::string::npos, status.message().find("10.0.0.0/-1")) << status;
}

}  // namespace
}  // namespace mailgauge::refmta
