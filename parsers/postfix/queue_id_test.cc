#include "parsers/postfix/queue_id.h"

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

}  // namespace
}  // namespace mailgauge::parsers
