// File: analyzer/interned_map.h
// A map from strings to small plain values, for the report's big tables
// (senders, recipients, sending and delivery domains, smtpd clients). Each
// key is stored once, packed with its value in 64 KiB blocks that never
// move, and found through an open-addressing index of 8-byte slots (at
// most 3/4 full, grown by half): about
// 50 bytes per 20-character address, against ~110 for an
// absl::flat_hash_map<std::string, V> (a 48-byte slot plus a heap block per
// key longer than 15 characters), and no allocation per new key.
//
//   InternedMap<AddressStats> recipients;
//   ++recipients["bob@example.org"].count;     // copies the key only when new
//   for (const auto& [address, stats] : recipients) { ... }   // insertion order
//   for (uint32_t id : recipients.SortedIds()) Print(recipients.key(id));
//   recipients.ForEachSorted([](std::string_view address, const AddressStats& s) {...});
//
// Entries are never erased (clear() drops them all). Ids are dense, in
// insertion order. Keys may hold any bytes; SortedIds orders them as
// std::string's operator< does (unsigned bytes), sorting 12-byte items by
// 7-byte key chunks (12 bytes per key of extra memory while it runs).
// Thread-safety: as a std::map: const members (find, Sorted, ForEachIn) may
// run on several threads at once; anything that inserts, alone. After
// ReleaseIndex, the first lookup rebuilds the index: alone too.
#ifndef MAILGAUGE_ANALYZER_INTERNED_MAP_H_
#define MAILGAUGE_ANALYZER_INTERNED_MAP_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace mailgauge::analyzer {

template <typename V>
class InternedMap {
  static_assert(std::is_trivially_copyable_v<V>, "values are copied as bytes");
  static_assert(alignof(V) <= 8, "records are 8-byte aligned");

 public:
  // What iteration yields: the key and a reference to its value.
  using Entry = std::pair<std::string_view, const V&>;

  class const_iterator {
   public:
    const_iterator(const InternedMap* m, uint32_t id) : m_(m), id_(id) {}
    Entry operator*() const { return Entry(m_->key(id_), m_->value(id_)); }
    const_iterator& operator++() {
      ++id_;
      return *this;
    }
    bool operator==(const const_iterator& o) const { return id_ == o.id_; }
    bool operator!=(const const_iterator& o) const { return id_ != o.id_; }

   private:
    const InternedMap* m_;
    uint32_t id_;
  };

  InternedMap() = default;
  InternedMap(const InternedMap& o) { *this = o; }
  InternedMap& operator=(const InternedMap& o) {
    if (this == &o) return *this;
    clear();
    for (uint32_t id = 0; id < o.size(); ++id) (*this)[o.key(id)] = o.value(id);
    return *this;
  }
  InternedMap(InternedMap&& o) noexcept { *this = std::move(o); }
  InternedMap& operator=(InternedMap&& o) noexcept {
    slots_ = std::move(o.slots_);
    records_ = std::move(o.records_);
    blocks_ = std::move(o.blocks_);
    owned_ = std::move(o.owned_);
    owned_bytes_ = std::exchange(o.owned_bytes_, 0);
    next_ = std::exchange(o.next_, 0);
    o.slots_.clear();
    o.records_.clear();
    o.blocks_.clear();
    o.owned_.clear();
    return *this;
  }

  size_t size() const { return records_.size(); }
  bool empty() const { return records_.empty(); }
  void clear() { *this = InternedMap(); }

  // The value of `key`, value-initialized and its key copied when new.
  // (The value is in the record the index points at: no detour through
  // the id table, a third cache miss on a big map.)
  V& operator[](std::string_view key) { return *ValueAt(FindOrInsertPos(key)); }
  // The id of `key`, inserting it (value-initialized) when new.
  uint32_t FindOrInsertId(std::string_view key) { return IdAt(FindOrInsertPos(key)); }
  // nullptr when absent.
  const V* find(std::string_view key) const {
    const uint32_t pos1 = FindPos1(key, Hash(key));
    return pos1 == 0 ? nullptr : ValueAt(pos1 - 1);
  }
  V* find(std::string_view key) {
    const uint32_t pos1 = FindPos1(key, Hash(key));
    return pos1 == 0 ? nullptr : ValueAt(pos1 - 1);
  }
  size_t count(std::string_view key) const { return FindPos1(key, Hash(key)) == 0 ? 0 : 1; }

  // A lookup in three steps, so that the lookups of several keys wait for
  // memory together rather than one after another (a big table's lookup
  // misses the cache twice: the index slot, then the record):
  //   const uint32_t h = map.PrefetchSlot(key);  // hashes, fetches the slot
  //   ...the same for the other keys...
  //   map.PrefetchRecord(h);                     // fetches the record it names
  //   ...
  //   ++map.FindOrInsert(key, h).count;          // operator[], hash known
  uint32_t PrefetchSlot(std::string_view key) const {
    const uint32_t h = Hash(key);
    if (!slots_.empty()) __builtin_prefetch(&slots_[Home(h)]);
    return h;
  }
  void PrefetchRecord(uint32_t h) const {
    if (slots_.empty()) return;
    const Slot& s = slots_[Home(h)];
    if (s.pos1 != 0 && s.hash == h) Prefetch(s.pos1 - 1);
  }
  V& FindOrInsert(std::string_view key, uint32_t h) { return *ValueAt(FindOrInsertPos(key, h)); }
  // As std::map::at: throws std::out_of_range when absent (tests, tools).
  const V& at(std::string_view key) const {
    const V* v = find(key);
    if (v == nullptr) throw std::out_of_range("InternedMap::at: no such key");
    return *v;
  }

  std::string_view key(uint32_t id) const { return KeyAt(records_[id]); }
  const V& value(uint32_t id) const { return *ValueAt(records_[id]); }
  V& value(uint32_t id) { return *ValueAt(records_[id]); }

  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, static_cast<uint32_t>(size())); }

  // All ids, their keys in ascending byte order.
  std::vector<uint32_t> SortedIds() const {
    std::vector<uint32_t> ids;
    ids.reserve(size());
    for (const Chunk& c : SortedChunks()) ids.push_back(IdAt(c.pos));
    return ids;
  }

  // Calls f(key, value) for every entry, keys in ascending byte order
  // (SortedIds without the id table in between: cheaper on big maps).
  template <typename F>
  void ForEachSorted(F&& f) const {
    ForEachIn(Sorted(), std::forward<F>(f));
  }

  // The same in two steps, so that the sort may be made ahead, e.g. on
  // another thread (Sorted() only reads the map): the entries' key order,
  // then ForEachIn(order, f), valid while the map is not changed.
  class SortedOrder;
  SortedOrder Sorted() const;
  template <typename F>
  void ForEachIn(const SortedOrder& order, F&& f) const;

  // Frees the index (about 11 bytes an entry) while the map is only read
  // by id or in key order (Sorted, SortedIds, iteration), e.g. before a
  // report's tables are sorted for output. The next lookup or insertion
  // builds it again (the first such call after this is not thread-safe).
  void ReleaseIndex() { std::vector<Slot>().swap(slots_); }

  // Bytes held (blocks, index, id table), for tests and benchmarks.
  size_t MemoryUsage() const {
    return owned_bytes_ + slots_.capacity() * sizeof(Slot) +
           records_.capacity() * sizeof(uint32_t) + blocks_.capacity() * sizeof(char*);
  }

 private:
  // A record is the value, the key's length and the key's bytes, padded to
  // 8 bytes; positions count 8-byte units in the concatenation of blocks.
  static constexpr size_t kUnit = 8;
  static constexpr size_t kBlockBytes = size_t{64} << 10;
  static constexpr size_t kBlockUnits = kBlockBytes / kUnit;
  static constexpr size_t kValueBytes = (sizeof(V) + kUnit - 1) / kUnit * kUnit;
  static constexpr size_t kHeaderBytes = kValueBytes + sizeof(uint32_t) * 2;  // + size, id

  struct Slot {
    uint32_t hash;
    uint32_t pos1;  // record position + 1; 0: empty
  };

  static uint32_t Hash(std::string_view key) {
    return static_cast<uint32_t>(
        absl::Hash<absl::string_view>{}(absl::string_view(key.data(), key.size())));
  }
  // A key's 7 bytes from `offset` (zero-padded) as a big-endian number,
  // then how many bytes the key has from there (kChunk + 1: more than 7),
  // as one 64-bit sort key in two halves (12 bytes with the position of its
  // record, so that sorting a big table needs little memory).
  static constexpr size_t kChunk = 7;
  struct Chunk {
    uint32_t hi, lo;
    uint32_t pos;
    uint64_t order() const { return uint64_t{hi} << 32 | lo; }
    size_t rest() const { return lo & 0xff; }
  };
  static_assert(sizeof(Chunk) == 12, "a sort item is 12 bytes");
  Chunk MakeChunk(uint32_t pos, size_t offset) const {
    const std::string_view k = KeyAt(pos);
    const size_t n = k.size() - offset;
    unsigned char b[kChunk] = {0, 0, 0, 0, 0, 0, 0};
    std::memcpy(b, k.data() + offset, std::min(kChunk, n));
    uint64_t p = 0;
    for (unsigned char c : b) p = p << 8 | c;
    p = p << 8 | std::min(kChunk + 1, n);
    return Chunk{static_cast<uint32_t>(p >> 32), static_cast<uint32_t>(p), pos};
  }


 public:
  class SortedOrder {
   private:
    friend class InternedMap;
    std::vector<Chunk> items_;
  };

 private:
  // Records read in a random order are fetched this many ahead.
  static constexpr size_t kPrefetchAhead = 8;
  void Prefetch(uint32_t pos) const {
    // The record's first and (for a short key) last cache line.
    const uintptr_t r = reinterpret_cast<uintptr_t>(At(pos));
    __builtin_prefetch(reinterpret_cast<const void*>(r));
    __builtin_prefetch(reinterpret_cast<const void*>(r + kHeaderBytes + 2 * kUnit));
  }

  // Every record, keys in ascending byte order: most-significant-digit
  // first by 7-byte chunks. Sorted by the first 7 key bytes as a big-endian
  // number (and how many of them the key has), then each run that ties on a
  // full chunk by its next 7 bytes, and so on. Comparisons never reach into
  // the blocks; a key is read once per chunk that its run needs.
  std::vector<Chunk> SortedChunks() const {
    std::vector<Chunk> items(size());
    for (uint32_t id = 0; id < size(); ++id) items[id] = MakeChunk(records_[id], 0);
    // Runs of items still to sort (ids, hence item counts, are 32-bit).
    struct Range {
      uint32_t begin, end;
    };
    std::vector<Range> ranges = {{0, static_cast<uint32_t>(items.size())}}, ties;
    for (size_t offset = kChunk; !ranges.empty(); offset += kChunk) {
      ties.clear();
      for (const Range& r : ranges) {
        std::sort(items.begin() + r.begin, items.begin() + r.end,
                  [](const Chunk& a, const Chunk& b) { return a.order() < b.order(); });
        for (uint32_t i = r.begin; i < r.end;) {
          const uint64_t order = items[i].order();
          uint32_t j = i + 1;
          while (j < r.end && items[j].order() == order) ++j;
          // Keys are unique: only keys going on past this chunk can tie.
          if (j - i > 1 && items[i].rest() > kChunk) ties.push_back({i, j});
          i = j;
        }
      }
      // The tied items' next chunks, read in item order: each record is
      // fetched kPrefetchAhead items before it is read.
      size_t ahead_run = 0, ahead = ties.empty() ? 0 : ties[0].begin;
      auto advance = [&] {
        if (ahead_run < ties.size() && ++ahead == ties[ahead_run].end && ++ahead_run < ties.size()) {
          ahead = ties[ahead_run].begin;
        }
      };
      for (size_t n = 0; n < kPrefetchAhead && ahead_run < ties.size(); ++n) {
        Prefetch(items[ahead].pos);
        advance();
      }
      for (const Range& r : ties) {
        for (uint32_t k = r.begin; k < r.end; ++k) {
          if (ahead_run < ties.size()) {
            Prefetch(items[ahead].pos);
            advance();
          }
          items[k] = MakeChunk(items[k].pos, offset);
        }
      }
      ranges.swap(ties);
    }
    return items;
  }

  char* At(uint32_t pos) const { return blocks_[pos / kBlockUnits] + pos % kBlockUnits * kUnit; }
  V* ValueAt(uint32_t pos) const { return std::launder(reinterpret_cast<V*>(At(pos))); }
  uint32_t IdAt(uint32_t pos) const {
    uint32_t id;
    std::memcpy(&id, At(pos) + kValueBytes + sizeof(uint32_t), sizeof(id));
    return id;
  }
  std::string_view KeyAt(uint32_t pos) const {
    const char* r = At(pos);
    uint32_t n;
    std::memcpy(&n, r + kValueBytes, sizeof(n));
    return std::string_view(r + kHeaderBytes, n);
  }

  // The index has any size (it grows by half, so that a big table's index
  // is at most 1.5x, not 2x, what it needs): a hash's home slot is its
  // fraction of the size, and probing wraps at the end.
  size_t Home(uint32_t h) const { return static_cast<size_t>((uint64_t{h} * slots_.size()) >> 32); }
  size_t Next(size_t i) const { return i + 1 == slots_.size() ? 0 : i + 1; }

  // `key`'s record position, inserting it when new.
  uint32_t FindOrInsertPos(std::string_view key) { return FindOrInsertPos(key, Hash(key)); }
  uint32_t FindOrInsertPos(std::string_view key, uint32_t h) {
    const uint32_t pos1 = FindPos1(key, h);
    return pos1 != 0 ? pos1 - 1 : records_[Insert(key, h)];
  }

  // `key`'s record position + 1, 0 when absent; `h` is Hash(key).
  uint32_t FindPos1(std::string_view key, uint32_t h) const {
    if (slots_.empty()) {
      if (records_.empty()) return 0;
      Reindex();  // after ReleaseIndex
    }
    for (size_t i = Home(h);; i = Next(i)) {
      const Slot& s = slots_[i];
      if (s.pos1 == 0) return 0;
      if (s.hash == h && KeyAt(s.pos1 - 1) == key) return s.pos1;
    }
  }

  uint32_t Insert(std::string_view key, uint32_t h) {
    // Index at most 3/4 full.
    if ((records_.size() + 1) * 4 > slots_.size() * 3) Grow();
    const size_t bytes = (kHeaderBytes + key.size() + kUnit - 1) / kUnit * kUnit;
    const size_t units = bytes / kUnit;
    // A record fits in one block, or gets blocks of its own; it never
    // shares a block with the next (next_ then ends its allocation).
    if (units > kBlockUnits) {
      AddBlocks((units + kBlockUnits - 1) / kBlockUnits);
    } else if (next_ + units > blocks_.size() * kBlockUnits) {
      AddBlocks(1);
    }
    // Positions are 32-bit counts of 8-byte units: up to 32 GiB of records.
    const uint32_t pos = static_cast<uint32_t>(next_);
    next_ = units > kBlockUnits ? blocks_.size() * kBlockUnits : next_ + units;
    char* r = At(pos);
    new (r) V();
    const uint32_t n = static_cast<uint32_t>(key.size());
    const uint32_t id = static_cast<uint32_t>(records_.size());
    std::memcpy(r + kValueBytes, &n, sizeof(n));
    std::memcpy(r + kValueBytes + sizeof(n), &id, sizeof(id));
    if (n > 0) std::memcpy(r + kHeaderBytes, key.data(), n);
    records_.push_back(pos);
    Place(h, pos + 1);
    return id;
  }

  // Starts `n` new blocks (one allocation) at the next block boundary.
  void AddBlocks(size_t n) {
    std::unique_ptr<char[]> mem(new char[n * kBlockBytes]);
    next_ = blocks_.size() * kBlockUnits;
    for (size_t i = 0; i < n; ++i) blocks_.push_back(mem.get() + i * kBlockBytes);
    owned_.push_back(std::move(mem));
    owned_bytes_ += n * kBlockBytes;
  }

  void Place(uint32_t h, uint32_t pos1) const {
    size_t i = Home(h);
    while (slots_[i].pos1 != 0) i = Next(i);
    slots_[i] = {h, pos1};
  }

  // The index of every record, built anew (3/4 full at most).
  void Reindex() const {
    slots_.assign(std::max<size_t>(16, records_.size() * 4 / 3 + 1), Slot{0, 0});
    for (uint32_t pos : records_) Place(Hash(KeyAt(pos)), pos + 1);
  }

  void Grow() {
    if (slots_.empty() && !records_.empty()) {
      Reindex();  // after ReleaseIndex (a lookup builds it first anyway)
      return;
    }
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : old.size() + old.size() / 2, Slot{0, 0});
    for (const Slot& s : old) {
      if (s.pos1 != 0) Place(s.hash, s.pos1);
    }
  }

  mutable std::vector<Slot> slots_;             // empty after ReleaseIndex
  std::vector<uint32_t> records_;                // id -> position
  std::vector<char*> blocks_;                    // block number -> its bytes
  std::vector<std::unique_ptr<char[]>> owned_;   // allocations behind blocks_
  size_t owned_bytes_ = 0;
  uint64_t next_ = 0;  // next free position
};

template <typename V>
typename InternedMap<V>::SortedOrder InternedMap<V>::Sorted() const {
  SortedOrder order;
  order.items_ = SortedChunks();
  return order;
}

template <typename V>
template <typename F>
void InternedMap<V>::ForEachIn(const SortedOrder& order, F&& f) const {
  const std::vector<Chunk>& sorted = order.items_;
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i + kPrefetchAhead < sorted.size()) Prefetch(sorted[i + kPrefetchAhead].pos);
    const uint32_t pos = sorted[i].pos;
    f(KeyAt(pos), static_cast<const V&>(*ValueAt(pos)));
  }
}

}  // namespace mailgauge::analyzer

#endif  // MAILGAUGE_ANALYZER_INTERNED_MAP_H_
