#include "parsers/postfix/queue_id.h"

#include <cstdint>

namespace mailgauge::parsers {
namespace {

constexpr uint8_t kHex = 1;   // [0-9A-F]
constexpr uint8_t kLong = 2;  // digits and consonants of both cases

struct Classes {
  uint8_t of[256] = {};
  constexpr Classes() {
    for (int c = '0'; c <= '9'; ++c) of[c] = kHex | kLong;
    for (int c = 'A'; c <= 'F'; ++c) of[c] |= kHex;
    for (int c = 'a'; c <= 'z'; ++c) {
      const bool vowel = c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
      if (vowel) continue;
      of[c] |= kLong;
      of[c - 'a' + 'A'] |= kLong;
    }
  }
};
constexpr Classes kClasses;

// The classes every byte of `s` has.
uint8_t CommonClasses(std::string_view s) {
  uint8_t all = kHex | kLong;
  for (char c : s) all &= kClasses.of[static_cast<unsigned char>(c)];
  return all;
}

// The long form, given CommonClasses(s): 10+ base-52 characters, a 'z'
// separator, 1+ base-51 characters (no 'z': after the last 'z' there is
// none).
bool IsLongForm(std::string_view s, uint8_t classes) {
  if ((classes & kLong) == 0) return false;
  const size_t z = s.rfind('z');
  return z != std::string_view::npos && z >= 10 && z + 1 < s.size();
}

}  // namespace

bool IsLongQueueId(std::string_view s) { return IsLongForm(s, CommonClasses(s)); }

bool IsQueueId(std::string_view s) {
  const uint8_t classes = CommonClasses(s);
  return (s.size() >= 6 && (classes & kHex) != 0) || IsLongForm(s, classes);
}

}  // namespace mailgauge::parsers
