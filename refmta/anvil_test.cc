#include "refmta/anvil.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace mailgauge::refmta {
namespace {

const absl::Duration kUnit = absl::Seconds(60);
const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

TEST(AnvilTest, CountsOpenConnectionsPerClientAndService) {
  Anvil a;
  EXPECT_EQ(1, a.Connect("smtp", "127.0.0.2", kT0, kUnit).count);
  EXPECT_EQ(2, a.Connect("smtp", "127.0.0.2", kT0, kUnit).count);
  EXPECT_EQ(1, a.Connect("smtp", "127.0.0.3", kT0, kUnit).count);
  EXPECT_EQ(1, a.Connect("submission", "127.0.0.2", kT0, kUnit).count);
  a.Disconnect("smtp", "127.0.0.2", kT0, kUnit);
  const Anvil::Counts c = a.Connect("smtp", "127.0.0.2", kT0, kUnit);
  EXPECT_EQ(2, c.count);  // one closed, one open, this one
  EXPECT_EQ(3, c.rate);   // three made in this time unit
}

TEST(AnvilTest, RateRestartsWhenTheTimeUnitIsOver) {
  Anvil a;
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(i + 1, a.Connect("smtp", "127.0.0.2", kT0 + absl::Seconds(i), kUnit).rate);
    a.Disconnect("smtp", "127.0.0.2", kT0 + absl::Seconds(i), kUnit);
  }
  // Still within the unit that started at the first connection, kT0
  // (anvil: over when start + unit < now).
  EXPECT_EQ(6, a.Connect("smtp", "127.0.0.2", kT0 + kUnit, kUnit).rate);
  // Over: a new window, counted from one; the open connection still counts.
  const Anvil::Counts c = a.Connect("smtp", "127.0.0.2", kT0 + kUnit + absl::Seconds(1), kUnit);
  EXPECT_EQ(1, c.rate);
  EXPECT_EQ(2, c.count);
}

TEST(AnvilTest, IdleClientsAreForgottenSoMemoryStaysBounded) {
  Anvil a;
  for (int i = 0; i < 10000; ++i) {
    const std::string addr = absl::StrCat("127.1.", i / 256, ".", i % 256);
    a.Connect("smtp", addr, kT0, kUnit);
    a.Disconnect("smtp", addr, kT0, kUnit);
  }
  a.Connect("smtp", "127.0.0.9", kT0, kUnit);  // an open connection
  EXPECT_EQ(10001u, a.clients());  // their windows are not over yet
  const absl::Time later = kT0 + kUnit + absl::Seconds(1);
  a.Connect("smtp", "127.0.0.2", later, kUnit);
  EXPECT_EQ(2u, a.clients());  // the open one and the new one
  // A client whose last connection closes after its window is dropped then.
  a.Disconnect("smtp", "127.0.0.9", later, kUnit);
  EXPECT_EQ(1u, a.clients());
  // Disconnecting an unknown client changes nothing.
  a.Disconnect("smtp", "127.0.0.77", later, kUnit);
  EXPECT_EQ(1u, a.clients());
}

}  // namespace
}  // namespace mailgauge::refmta
