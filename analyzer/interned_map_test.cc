#include "analyzer/interned_map.h"

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <thread>
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

// The lookup in steps (PrefetchSlot, PrefetchRecord, FindOrInsert with the
// hash) finds and inserts as operator[] does, from an empty map on, with
// the steps of several keys interleaved as AddRecord does.
TEST(InternedMapTest, ALookupInStepsIsOperatorBrackets) {
  std::mt19937 rng(11);
  InternedMap<Stats> stepped, plain;
  EXPECT_EQ(nullptr, stepped.find("x"));
  for (int i = 0; i < 50000; ++i) {
    std::string keys[3];
    uint32_t hashes[3];
    for (int j = 0; j < 3; ++j) {
      keys[j] = "user" + std::to_string(rng() % 20000) + "@example.org";
      hashes[j] = stepped.PrefetchSlot(keys[j]);
    }
    for (int j = 0; j < 3; ++j) stepped.PrefetchRecord(hashes[j]);
    for (int j = 0; j < 3; ++j) {
      Stats& s = stepped.FindOrInsert(keys[j], hashes[j]);
      ++s.count;
      s.bytes += static_cast<uint64_t>(j);
      Stats& p = plain[keys[j]];
      ++p.count;
      p.bytes += static_cast<uint64_t>(j);
    }
  }
  ASSERT_EQ(plain.size(), stepped.size());
  for (uint32_t id = 0; id < plain.size(); ++id) {
    EXPECT_EQ(plain.key(id), stepped.key(id));
    EXPECT_EQ(plain.value(id).count, stepped.value(id).count);
    EXPECT_EQ(plain.value(id).bytes, stepped.value(id).bytes);
  }
}

// ReleaseIndex frees the lookup index: reading by id and in key order
// goes on without it, and the next lookup or insertion builds it again,
// the map as it was (every step in every order).
TEST(InternedMapTest, ReleasedIndexIsBuiltAgainWhenNeeded) {
  std::mt19937 rng(5);
  InternedMap<Stats> m;
  std::map<std::string, uint64_t> want;
  m.ReleaseIndex();  // empty: nothing to build
  EXPECT_EQ(nullptr, m.find("x"));
  for (int round = 0; round < 6; ++round) {
    for (int i = 0; i < 3000; ++i) {
      const std::string key = "user" + std::to_string(rng() % 5000) + "@example.org";
      m[key].count += 1;
      want[key] += 1;
    }
    const size_t before = m.MemoryUsage();
    m.ReleaseIndex();
    EXPECT_LT(m.MemoryUsage(), before);
    // In key order and by id, without the index.
    std::vector<std::string> sorted;
    m.ForEachSorted([&](std::string_view k, const Stats& v) {
      sorted.emplace_back(k);
      EXPECT_EQ(want.at(std::string(k)), v.count);
    });
    ASSERT_EQ(want.size(), sorted.size());
    EXPECT_TRUE(std::equal(sorted.begin(), sorted.end(), want.begin(),
                           [](const std::string& a, const auto& b) { return a == b.first; }));
    for (uint32_t id = 0; id < m.size(); ++id) EXPECT_EQ(want.at(std::string(m.key(id))), m.value(id).count);
    // The next call builds the index: a find, an insertion, or a step.
    switch (round % 3) {
      case 0:
        ASSERT_NE(nullptr, m.find(want.begin()->first));
        EXPECT_EQ(want.begin()->second, m.find(want.begin()->first)->count);
        break;
      case 1:
        m["new" + std::to_string(round)].count += 1;
        want["new" + std::to_string(round)] += 1;
        break;
      default: {
        const std::string key = want.rbegin()->first;
        const uint32_t h = m.PrefetchSlot(key);  // no index: a hint only
        m.PrefetchRecord(h);
        EXPECT_EQ(want[key], m.FindOrInsert(key, h).count);
      }
    }
    for (const auto& [k, n] : want) {
      const Stats* v = m.find(k);
      ASSERT_NE(nullptr, v) << k;
      EXPECT_EQ(n, v->count) << k;
    }
    EXPECT_EQ(nullptr, m.find("absent@example.org"));
    EXPECT_EQ(want.size(), m.size());
  }
}

// Keys that share long prefixes, are prefixes of one another, or differ
// only by trailing NUL bytes: SortedIds and ForEachSorted still give
// std::string's order, whatever the insertion order.
TEST(InternedMapTest, SortsKeysSharingLongPrefixes) {
  std::vector<std::string> keys = {"", std::string(1, '\0'), std::string(2, '\0'), "a",
                                   std::string("a\0", 2), std::string("a\0\0", 3), "\xff"};
  const std::string common = "rcpt-0123456789-abcdefgh@";  // 25 bytes: 3 chunks and 1
  for (int i = 0; i < 300; ++i) {
    const std::string n = std::to_string(i * 7919 % 1000);
    keys.push_back(common + n);
    keys.push_back(common + n + ".example.org");
    keys.push_back(common.substr(0, 8) + n);
    keys.push_back(common.substr(0, 16) + std::string(i % 9, '\0'));
    keys.push_back(std::string(24 + i % 17, 'z') + n);
  }
  std::mt19937 rng(11);
  std::shuffle(keys.begin(), keys.end(), rng);
  InternedMap<Stats> m;
  std::map<std::string, Stats> ref;
  for (const std::string& k : keys) {
    m[k].count += k.size() + 1;
    ref[k].count += k.size() + 1;
  }
  std::vector<std::string> want;
  for (const auto& [k, s] : ref) want.push_back(k);
  std::vector<std::string> by_ids;
  for (const uint32_t id : m.SortedIds()) by_ids.emplace_back(m.key(id));
  EXPECT_EQ(want, by_ids);
  std::vector<std::string> by_each;
  m.ForEachSorted([&](std::string_view k, const Stats& s) {
    by_each.emplace_back(k);
    EXPECT_EQ(ref.at(std::string(k)).count, s.count);
  });
  EXPECT_EQ(want, by_each);
  // The order made ahead, on another thread (as report --threads does while
  // it writes other tables), then walked here.
  InternedMap<Stats>::SortedOrder order;
  std::thread sorter([&] { order = m.Sorted(); });
  sorter.join();
  std::vector<std::string> by_order;
  m.ForEachIn(order, [&](std::string_view k, const Stats&) { by_order.emplace_back(k); });
  EXPECT_EQ(want, by_order);
  InternedMap<Stats> empty;
  EXPECT_TRUE(empty.SortedIds().empty());
  int calls = 0;
  empty.ForEachSorted([&](std::string_view, const Stats&) { ++calls; });
  EXPECT_EQ(0, calls);
}

TEST(InternedMapTest, SmallPerKey) {
  InternedMap<Stats> m;
  char buf[32];
  for (int i = 0; i < 100000; ++i) {
    std::snprintf(buf, sizeof(buf), "rcpt%d@example.com", i);  // ~20 bytes
    ++m[buf].count;
  }
  // Record (16 + 8 + 20 -> 48) + index (8 / load) + id (4): well under the
  // ~110 bytes of absl::flat_hash_map<std::string, Stats>. The index grows
  // by half: 179,601 slots here, 14.4 bytes a key (doubling would give
  // 262,144 slots, 21 bytes a key, ~74 in all).
  EXPECT_LT(m.MemoryUsage() / m.size(), 70u);
}

}  // namespace
}  // namespace mailgauge::analyzer
