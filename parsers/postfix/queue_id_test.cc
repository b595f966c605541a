#include "parsers/postfix/queue_id.h"

#include <random>
#include <string>

#include "gtest/gtest.h"
#include "re2/re2.h"

namespace mailgauge::parsers {
namespace {

TEST(QueueIdTest, AcceptsShortHexIds) {
  EXPECT_TRUE(IsQueueId("4B0C72A1F3"));
  EXPECT_TRUE(IsQueueId("3F2A81C0D2"));
  EXPECT_TRUE(IsQueueId("12B4A4"));
  EXPECT_FALSE(IsLongQueueId("4B0C72A1F3"));
}

TEST(QueueIdTest, AcceptsLongIds) {
  EXPECT_TRUE(IsQueueId("4Hs2Kx0hQ5z8Cw"));
  EXPECT_TRUE(IsLongQueueId("4Hs2Kx0hQ5z8Cw"));
  EXPECT_TRUE(IsLongQueueId("3YzFHB1j8Cz1xvv"));  // 'z' may occur in the time part
}

TEST(QueueIdTest, RejectsOtherWords) {
  EXPECT_FALSE(IsQueueId("NOQUEUE"));
  EXPECT_FALSE(IsQueueId("warning"));
  EXPECT_FALSE(IsQueueId("4b0c72a1f3"));   // lower-case hex is not a short ID
  EXPECT_FALSE(IsQueueId("ABC12"));        // too short
  EXPECT_FALSE(IsQueueId("4Hs2Kx0hQaz8Cw"));  // vowel
  EXPECT_FALSE(IsQueueId("4Hs2Kx0hQ5z"));     // nothing after the separator
  EXPECT_FALSE(IsQueueId(""));
}

TEST(QueueIdTest, RegexAgreesWithIsQueueId) {
  const RE2 re("^" MAILGAUGE_QID "$");
  ASSERT_TRUE(re.ok());
  for (const char* id : {"4B0C72A1F3", "4Hs2Kx0hQ5z8Cw", "3YzFHB1j8Cz1xvv"}) {
    EXPECT_TRUE(RE2::FullMatch(id, re)) << id;
  }
  for (const char* id : {"NOQUEUE", "warning", "ABC12", "4Hs2Kx0hQaz8Cw"}) {
    EXPECT_FALSE(RE2::FullMatch(id, re)) << id;
  }
}

TEST(QueueIdTest, IsQueueIdAgreesWithTheRegexOnRandomWords) {
  const RE2 re("^" MAILGAUGE_QID "$");
  const RE2 long_re("^[" MAILGAUGE_QID_LONG_CHARS "]{10,}z[" MAILGAUGE_QID_LONG_INODE_CHARS "]+$");
  ASSERT_TRUE(re.ok());
  ASSERT_TRUE(long_re.ok());
  std::mt19937 rng(5);
  // Hex digits, both forms' letters, vowels, the separator, and others.
  const std::string alphabets[] = {
      "0123456789ABCDEF",                                   // short form
      "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyzzzz",  // long form
      "0123456789ABCDEFbcdfghzzZaeiouAEIOU:- \xff",         // anything
  };
  int accepted = 0, accepted_long = 0;
  for (int n = 0; n < 300000; ++n) {
    const std::string& alphabet = alphabets[n % 3];
    std::string s;
    const size_t len = rng() % 20;
    for (size_t i = 0; i < len; ++i) s += alphabet[rng() % alphabet.size()];
    if (n % 7 == 0 && !s.empty()) s[rng() % s.size()] = "aeiouAEIOU-"[rng() % 11];
    const bool want = RE2::FullMatch(s, re);
    const bool want_long = RE2::FullMatch(s, long_re);
    ASSERT_EQ(want, IsQueueId(s)) << s;
    ASSERT_EQ(want_long, IsLongQueueId(s)) << s;
    accepted += want;
    accepted_long += want_long;
  }
  EXPECT_GT(accepted, 10000);
  EXPECT_GT(accepted_long, 1000);
}

}  // namespace
}  // namespace mailgauge::parsers
