#include "parsers/compression.h"

#include <string>

#include "gtest/gtest.h"

namespace mailgauge::parsers {
namespace {

TEST(CompressionTest, KnowsEachFormatByItsFirstBytes) {
  const std::pair<std::string, Compression> heads[] = {
      {std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10), Compression::kGzip},
      {std::string("\xfd" "7zXZ\0\0\x04\xe6\xd6", 10), Compression::kXz},
      {std::string("\x28\xb5\x2f\xfd\x24\x05", 6), Compression::kZstd},
      {"BZh91AY&SY", Compression::kBzip2},
      // bzip2's end-of-stream magic: an empty file compressed.
      {std::string("BZh9\x17\x72\x45\x38\x50\x90", 10), Compression::kBzip2},
      {std::string("\x04\x22\x4d\x18\x64\x40", 6), Compression::kLz4},
      {std::string("\x1f\x9d\x90", 3), Compression::kCompress},
      // A file shorter than the longest magic still names its format.
      {std::string("\x1f\x8b", 2), Compression::kGzip},
  };
  for (const auto& [head, want] : heads) {
    EXPECT_EQ(want, CompressionOf(head)) << CompressionName(want);
  }
}

TEST(CompressionTest, TextAndNearMissesAreNone) {
  for (const std::string& head :
       {std::string(), std::string("Nov 25 10:00:00 mx postfix/smtpd[1]: connect"),
        std::string("2026-11-25T10:00:00+00:00 mx"), std::string("<22>Nov 25"),
        std::string("\x1f", 1), std::string("BZh91AY&S"),  // cut before bzip2's magic ends
        std::string("BZh0" "1AY&SY"), std::string("BZhx file"),
        std::string("\xfd" "7zX", 4), std::string("\x28\xb5\x2f", 3)}) {
    EXPECT_EQ(Compression::kNone, CompressionOf(head)) << head;
  }
}

TEST(CompressionTest, NamesAndCommands) {
  EXPECT_STREQ("gzip", CompressionName(Compression::kGzip));
  EXPECT_STREQ("compress (.Z)", CompressionName(Compression::kCompress));
  EXPECT_STREQ("", CompressionName(Compression::kNone));
  EXPECT_STREQ("lz4 -dc", DecompressCommand(Compression::kLz4));
  EXPECT_STREQ("zstd -dc", DecompressCommand(Compression::kZstd));
  EXPECT_STREQ("", DecompressCommand(Compression::kNone));
}

}  // namespace
}  // namespace mailgauge::parsers
