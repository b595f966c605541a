// AbuseTracker: distinct recipients per authenticated sender and distinct
// relay-denied networks in a sliding window of log time, in bounded memory.
#include "exporter/abuse_tracker.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace mailgauge::exporter {
namespace {

constexpr int64_t kS = 1000000;
constexpr int64_t kT0 = 1795600000LL * kS;

TEST(ClientNetworkTest, Slash24AndSlash64) {
  EXPECT_EQ("4:192.0.2", ClientNetwork("192.0.2.10"));
  EXPECT_EQ(ClientNetwork("192.0.2.200"), ClientNetwork("192.0.2.10"));
  EXPECT_NE(ClientNetwork("192.0.3.10"), ClientNetwork("192.0.2.10"));
  EXPECT_EQ(ClientNetwork("2001:db8:1:2::1"), ClientNetwork("2001:db8:1:2:ffff::9"));
  EXPECT_EQ(ClientNetwork("2001:db8:1:2::1"), ClientNetwork("ipv6:2001:db8:1:2::7"));
  EXPECT_NE(ClientNetwork("2001:db8:1:3::1"), ClientNetwork("2001:db8:1:2::1"));
  EXPECT_EQ("", ClientNetwork("unknown"));
  EXPECT_EQ("", ClientNetwork(""));
  EXPECT_EQ("", ClientNetwork(std::string(200, '1')));
}

TEST(AbuseTrackerTest, DistinctRecipientsPerSenderInTheWindow) {
  AbuseTrackerOptions o;
  o.window_seconds = 600;
  o.sender_threshold = 3;
  o.top_k = 2;
  AbuseTracker t(o);
  t.OnAuthenticatedMessage("mx", "postfix", "A1", "alice", kT0);
  for (const char* to : {"a@x.test", "B@x.test", "b@x.test", "c@x.test"}) {
    t.OnRecipient("mx", "postfix", "A1", to, kT0 + kS);
  }
  // Recipients of messages not authenticated, or on another instance, do
  // not count.
  t.OnRecipient("mx", "postfix", "Z9", "z@x.test", kT0 + kS);
  t.OnRecipient("mx", "postfix-out", "A1", "z@x.test", kT0 + kS);
  t.OnAuthenticatedMessage("mx", "postfix", "B2", "bob", kT0 + 2 * kS);
  t.OnRecipient("mx", "postfix", "B2", "a@x.test", kT0 + 2 * kS);
  t.OnRecipient("mx", "postfix", "B2", "a@x.test", kT0 + 3 * kS);  // a retry
  ASSERT_EQ(2u, t.TopSenders().size());
  EXPECT_EQ("alice", t.TopSenders()[0].name);
  EXPECT_EQ(3u, t.TopSenders()[0].recipients);  // b@ counted once
  EXPECT_EQ("bob", t.TopSenders()[1].name);
  EXPECT_EQ(1u, t.TopSenders()[1].recipients);
  EXPECT_EQ(1u, t.senders_over_threshold());
  // After removal, later lines of the queue ID count for nobody.
  t.OnMessageRemoved("mx", "postfix", "A1");
  t.OnRecipient("mx", "postfix", "A1", "d@x.test", kT0 + 4 * kS);
  EXPECT_EQ(3u, t.TopSenders()[0].recipients);
  // The window slides: alice's recipients (t0+1s) go at t0+601s, bob's
  // retry (t0+3s) keeps him until t0+603s.
  t.AdvanceTo(kT0 + 601 * kS);
  ASSERT_EQ(1u, t.TopSenders().size());
  EXPECT_EQ("bob", t.TopSenders()[0].name);
  EXPECT_EQ(0u, t.senders_over_threshold());
  t.AdvanceTo(kT0 + 603 * kS);
  EXPECT_TRUE(t.TopSenders().empty());
  EXPECT_FALSE(t.saturated());
}

TEST(AbuseTrackerTest, RelayDeniedNetworksInTheWindow) {
  AbuseTrackerOptions o;
  o.window_seconds = 60;
  AbuseTracker t(o);
  t.OnRelayDenied("192.0.2.1", kT0);
  t.OnRelayDenied("192.0.2.99", kT0 + kS);
  t.OnRelayDenied("198.51.100.7", kT0 + 2 * kS);
  t.OnRelayDenied("2001:db8::1", kT0 + 3 * kS);
  t.OnRelayDenied("not an address", kT0 + 3 * kS);
  EXPECT_EQ(3u, t.relay_denied_networks());
  t.AdvanceTo(kT0 + 61 * kS);  // 192.0.2.x last seen at t0+1s
  EXPECT_EQ(2u, t.relay_denied_networks());
  t.AdvanceTo(kT0 + 64 * kS);
  EXPECT_EQ(0u, t.relay_denied_networks());
}

TEST(AbuseTrackerTest, MemoryStaysBoundedUnderAFlood) {
  AbuseTrackerOptions o;
  o.max_senders = 100;
  o.max_queue_ids = 1000;
  o.max_recipient_entries = 5000;
  o.max_networks = 2000;
  AbuseTracker t(o);
  for (int i = 0; i < 200000; ++i) {
    const std::string qid = absl::StrCat("Q", i);
    t.OnAuthenticatedMessage("mx", "postfix", qid, absl::StrCat("user", i % 500), kT0 + i);
    t.OnRecipient("mx", "postfix", qid, absl::StrCat("r", i, "@x.test"), kT0 + i);
    t.OnRelayDenied(absl::StrCat("10.", (i >> 8) & 255, ".", i & 255, ".1"), kT0 + i);
  }
  EXPECT_TRUE(t.saturated());
  EXPECT_LE(t.relay_denied_networks(), 2000u);
  size_t total = 0;
  for (const auto& s : t.TopSenders()) total += s.recipients;
  EXPECT_LE(total, 5000u);
  EXPECT_LE(t.senders_over_threshold(), 100u);
}

}  // namespace
}  // namespace mailgauge::exporter

namespace mailgauge::exporter {
namespace {

TEST(AbuseTrackerStateTest, RoundTripGoesOnAsIfNoRestart) {
  AbuseTrackerOptions o;
  o.window_seconds = 100;
  o.sender_threshold = 2;
  auto feed = [](AbuseTracker& t, int from, int to) {
    for (int i = from; i < to; ++i) {
      const int64_t at = kT0 + i * kS;
      const std::string qid = absl::StrCat("Q", i / 3);
      if (i % 3 == 0) t.OnAuthenticatedMessage("mx", "postfix", qid, absl::StrCat("u", i % 4), at);
      t.OnRecipient("mx", "postfix", qid, absl::StrCat("r", i % 7, "@x.test"), at);
      if (i % 3 == 2) t.OnMessageRemoved("mx", "postfix", qid);
      t.OnRelayDenied(absl::StrCat("2001:db8:", i % 5, "::1"), at);
    }
  };
  AbuseTracker whole(o);
  feed(whole, 0, 300);
  for (int cut : {0, 1, 50, 151, 299}) {
    AbuseTracker first(o);
    feed(first, 0, cut);
    AbuseTracker second(o);
    ASSERT_TRUE(second.RestoreState(first.SerializeState()).ok());
    EXPECT_EQ(first.SerializeState(), second.SerializeState());
    feed(second, cut, 300);
    EXPECT_EQ(whole.SerializeState(), second.SerializeState()) << cut;
    EXPECT_EQ(whole.relay_denied_networks(), second.relay_denied_networks());
    EXPECT_EQ(whole.senders_over_threshold(), second.senders_over_threshold());
  }
  for (const char* bad : {"", "{}", "[1]", R"({"format":1})",
                          R"({"format":"mailgauge-abuse","version":2})",
                          R"({"format":"mailgauge-abuse","version":1,"now":1})",
                          R"({"format":"mailgauge-abuse","version":1,"now":1,"saturated":false,)"
                          R"("queue_ids":[],"recipients":[[5,"a","b"],[4,"a","c"]],"networks":[]})"}) {
    AbuseTracker t(o);
    EXPECT_EQ(absl::StatusCode::kDataLoss, t.RestoreState(bad).code()) << bad;
    EXPECT_EQ(0u, t.relay_denied_networks());
  }
}

}  // namespace
}  // namespace mailgauge::exporter
