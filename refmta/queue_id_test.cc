#include "refmta/queue_id.h"

#include "gtest/gtest.h"

namespace mailgauge::refmta {
namespace {

TEST(ShortQueueIdTest, FiveHexDigitsOfMicrosThenInodeInHex) {
  EXPECT_EQ("1E24072A1F3", ShortQueueId(123456, 0x72A1F3));
  EXPECT_EQ("000001", ShortQueueId(0, 1));
  EXPECT_EQ("F423F10000", ShortQueueId(999999, 0x10000));
  EXPECT_TRUE(IsShortQueueId("4B0C72A1F3"));
  EXPECT_TRUE(IsShortQueueId(ShortQueueId(999999, 0xABCDEF)));
  EXPECT_FALSE(IsShortQueueId("4B0C7"));         // no inode part
  EXPECT_FALSE(IsShortQueueId("4b0c72a1f3"));    // lower case
  EXPECT_FALSE(IsShortQueueId("F4240A1F3"));     // 1000000 microseconds
  EXPECT_FALSE(IsShortQueueId("NOQUEUE"));
}

// Long IDs from Postfix's own documentation (postconf.proto), decoded by
// hand: the examples must come out of LongQueueId unchanged.
TEST(LongQueueIdTest, ReproducesPostfixDocumentationExamples) {
  EXPECT_EQ("3Pt2mN2VXxznjll", LongQueueId(1300631508, 353025, 5536956));
  EXPECT_EQ("41yYhh41qmznjbD", LongQueueId(1535238468, 567412, 5536521));
  EXPECT_TRUE(IsLongQueueId("3Pt2mN2VXxznjll"));
  EXPECT_TRUE(IsLongQueueId("41yYhh41qmznjbD"));
}

TEST(LongQueueIdTest, PaddingAndAlphabet) {
  EXPECT_EQ("0000010000z1", LongQueueId(1, 0, 1));
  EXPECT_EQ("CHPgSw", SafeEncode(uint64_t{1} << 32, 52, 6));
  EXPECT_EQ("75pl", SafeEncode(999999, 52, 4));
  EXPECT_EQ("10", SafeEncode(51, 51, 0));  // base 51 never uses 'z'
  EXPECT_EQ("", SafeEncode(0, 51, 0));
  std::string id = LongQueueId(1795625889, 123456, 4242);
  EXPECT_TRUE(IsLongQueueId(id)) << id;
  EXPECT_FALSE(IsShortQueueId(id));
  EXPECT_EQ(std::string::npos, id.find_first_of("AEIOUaeiou"));
}

TEST(LongQueueIdTest, RejectsMalformed) {
  EXPECT_FALSE(IsLongQueueId("4B0C72A1F3"));   // short form
  EXPECT_FALSE(IsLongQueueId("3Pt2mN2VXxz"));  // nothing after z
  EXPECT_FALSE(IsLongQueueId("3Pt2mNz123"));   // time part too short
  EXPECT_FALSE(IsLongQueueId("3Pt2mN2VAxznjll"));  // vowel
  EXPECT_FALSE(IsLongQueueId(""));
}

}  // namespace
}  // namespace mailgauge::refmta
