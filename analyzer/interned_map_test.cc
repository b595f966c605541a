#include "analyzer/interned_map.h"

#include <map>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace mailgauge::analyzer {
namespace {

struct Stats {
  uint64_t count = 0;
  uint64_t bytes = 0;
};

TEST(InternedMapTest, FindsWhatWasInsertedAndNothingElse) {
  InternedMap<Stats> m;
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(nullptr, m.find("a@example.org"));
  ++m["a@example.org"].count;
  ++m["a@example.org"].count;
  m["b@example.org"].bytes = 7;
  EXPECT_EQ(2u, m.size());
  EXPECT_EQ(2u, m.at("a@example.org").count);
  EXPECT_EQ(7u, m.at("b@example.org").bytes);
  EXPECT_EQ(0u, m.count("c@example.org"));
  EXPECT_EQ(1u, m.count("b@example.org"));
  EXPECT_THROW(m.at("c@example.org"), std::out_of_range);
  // Iteration is in insertion order.
  std::vector<std::string> keys;
  for (const auto& [k, v] : m) keys.emplace_back(k);
  EXPECT_EQ((std::vector<std::string>{"a@example.org", "b@example.org"}), keys);
}

TEST(InternedMapTest, KeepsAnyBytesAndKeysLongerThanABlock) {
  InternedMap<Stats> m;
  const std::string empty;
  const std::string nul("a\0b", 3);
  const std::string high("m\xc3\xbcller@example.org");
  const std::string huge(200000, 'x');  // more than one 64 KiB block
  const std::string huge2 = huge + "y";
  for (const std::string* k : {&empty, &nul, &high, &huge, &huge2}) ++m[*k].count;
  ++m["after"].count;
  ++m[huge].count;
  EXPECT_EQ(6u, m.size());
  EXPECT_EQ(2u, m.at(huge).count);
  EXPECT_EQ(1u, m.at(huge2).count);
  EXPECT_EQ(1u, m.at(empty).count);
  EXPECT_EQ(1u, m.at(nul).count);
  EXPECT_EQ(0u, m.count(std::string("a")));
  EXPECT_EQ(huge, m.key(3));
  EXPECT_EQ("after", m.key(5));
}

// Against std::map on many random keys: same contents, SortedIds in
// std::string order (unsigned bytes, shorter prefix first), copies and moves
// independent of the original.
TEST(InternedMapTest, AgreesWithStdMap) {
  std::mt19937 rng(7);
  InternedMap<Stats> m;
  std::map<std::string, Stats> ref;
  const char alphabet[] = {'a', 'b', '\0', '\xff', '@', '.', 'Z', '\x7f'};
  for (int i = 0; i < 200000; ++i) {
    std::string k;
    const int n = static_cast<int>(rng() % 24);
    for (int j = 0; j < n; ++j) k.push_back(alphabet[rng() % sizeof(alphabet)]);
    const uint64_t b = rng() % 1000;
    Stats& s = m[k];
    ++s.count;
    s.bytes += b;
    ++ref[k].count;
    ref[k].bytes += b;
  }
  ASSERT_EQ(ref.size(), m.size());
  std::vector<uint32_t> ids = m.SortedIds();
  ASSERT_EQ(ref.size(), ids.size());
  size_t i = 0;
  for (const auto& [k, s] : ref) {
    EXPECT_EQ(k, m.key(ids[i]));
    EXPECT_EQ(s.count, m.value(ids[i]).count);
    EXPECT_EQ(s.bytes, m.value(ids[i]).bytes);
    ++i;
  }
  InternedMap<Stats> copy = m;
  ++copy["new key"].count;
  EXPECT_EQ(ref.size(), m.size());
  EXPECT_EQ(0u, m.count("new key"));
  InternedMap<Stats> moved = std::move(copy);
  EXPECT_EQ(ref.size() + 1, moved.size());
  EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty and usable
  ++copy["again"].count;
  EXPECT_EQ(1u, copy.size());
  moved.clear();
  EXPECT_TRUE(moved.empty());
  ++moved["x"].count;
  EXPECT_EQ(1u, moved.at("x").count);
}

TEST(InternedMapTest, SmallPerKey) {
  InternedMap<Stats> m;
  char buf[32];
  for (int i = 0; i < 100000; ++i) {
    std::snprintf(buf, sizeof(buf), "rcpt%d@example.com", i);  // ~20 bytes
    ++m[buf].count;
  }
  // Record (16 + 8 + 20 -> 48) + index (8 / load) + id (4): well under the
  // ~110 bytes of absl::flat_hash_map<std::string, Stats>.
  EXPECT_LT(m.MemoryUsage() / m.size(), 80u);
}

}  // namespace
}  // namespace mailgauge::analyzer
