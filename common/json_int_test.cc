#include "common/json_int.h"

#include <cstdint>
#include <stdexcept>

#include "gtest/gtest.h"

namespace mailgauge {
namespace {

using nlohmann::json;

TEST(JsonIntTest, WholeNumbersInRange) {
  EXPECT_EQ(7, JsonInt<int>(json::parse("7")));
  EXPECT_EQ(-7, JsonInt<int64_t>(json::parse("-7")));
  EXPECT_EQ(UINT64_MAX, JsonInt<uint64_t>(json::parse("18446744073709551615")));
  EXPECT_EQ(INT64_MIN, JsonInt<int64_t>(json::parse("-9223372036854775808")));
  EXPECT_EQ(255u, JsonInt<uint8_t>(json::parse("255")));
}

TEST(JsonIntTest, EverythingElseIsRefused) {
  // A float far out of range: get<uint64_t>() would be undefined behaviour
  // (found by fuzz/corpus/state_file/crash-state-file-bucket-count-float-out-of-range).
  EXPECT_FALSE(JsonToInt<uint64_t>(json::parse("7777777777777777777777777773")));
  EXPECT_FALSE(JsonToInt<int64_t>(json::parse("1e300")));
  EXPECT_FALSE(JsonToInt<int64_t>(json::parse("5.0")));
  EXPECT_FALSE(JsonToInt<uint64_t>(json::parse("-1")));
  EXPECT_FALSE(JsonToInt<int32_t>(json::parse("2147483648")));
  EXPECT_FALSE(JsonToInt<int32_t>(json::parse("-2147483649")));
  EXPECT_FALSE(JsonToInt<int64_t>(json::parse("9223372036854775808")));
  EXPECT_FALSE(JsonToInt<uint8_t>(json::parse("256")));
  EXPECT_FALSE(JsonToInt<int>(json::parse("\"7\"")));
  EXPECT_FALSE(JsonToInt<int>(json::parse("null")));
  EXPECT_FALSE(JsonToInt<int>(json::parse("true")));
  EXPECT_THROW(JsonInt<uint64_t>(json::parse("-1")), std::out_of_range);
}

}  // namespace
}  // namespace mailgauge
