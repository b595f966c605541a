#include "parsers/postfix/queue_id.h"

namespace mailgauge::parsers {
namespace {

bool IsHexUpper(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

bool IsLongChar(char c) {
  if (c >= '0' && c <= '9') return true;
  const char l = (c >= 'a' && c <= 'z') ? c : (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : 0;
  if (l == 0) return false;
  return l != 'a' && l != 'e' && l != 'i' && l != 'o' && l != 'u';
}

}  // namespace

bool IsLongQueueId(std::string_view s) {
  // 10+ base-52 characters, a 'z' separator, 1+ base-51 characters (no 'z').
  const size_t z = s.rfind('z');
  if (z == std::string_view::npos || z < 10 || z + 1 >= s.size()) return false;
  for (size_t i = 0; i < z; ++i) {
    if (!IsLongChar(s[i])) return false;
  }
  for (size_t i = z + 1; i < s.size(); ++i) {
    if (!IsLongChar(s[i]) || s[i] == 'z') return false;
  }
  return true;
}

bool IsQueueId(std::string_view s) {
  if (s.size() >= 6) {
    bool hex = true;
    for (char c : s) {
      if (!IsHexUpper(c)) {
        hex = false;
        break;
      }
    }
    if (hex) return true;
  }
  return IsLongQueueId(s);
}

}  // namespace mailgauge::parsers
