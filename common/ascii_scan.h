// File: common/ascii_scan.h
// Byte-class checks over whole strings, sixteen bytes per step where the CPU
// has SSE2 (every x86-64 does), for the per-line and per-row checks that
// decide between a fast path and the careful one:
//
//   if (IsPrintableAscii(text)) { /* hand matcher */ } else { /* RE2 */ }
//   if (IsPlainJsonText(s)) { /* copy between quotes */ } else { /* escape */ }
//
// and FindByte(s, c, from) and FindText(s, needle, from), which are
// s.find(c, from) and s.find(needle, from) without a call.
// Each is exactly its byte loop or find: ascii_scan_test compares the checks
// on every byte value at every position of lengths up to 40, FindByte at
// every start and match position, FindText on 3,000 random texts and
// needles (partial matches common) at every start; both finds with matching
// bytes just outside the view.
#ifndef MAILGAUGE_COMMON_ASCII_SCAN_H_
#define MAILGAUGE_COMMON_ASCII_SCAN_H_

#include <cstddef>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace mailgauge {

namespace ascii_scan_internal {

inline bool IsPlainByte(char c, bool json) {
  return !(c < 0x20 || c > 0x7e || (json && (c == '"' || c == '\\')));
}

inline bool AllPlain(std::string_view s, bool json) {
  const char* p = s.data();
  const char* const end = p + s.size();
#if defined(__SSE2__)
  const __m128i low = _mm_set1_epi8(0x20);
  const __m128i del = _mm_set1_epi8(0x7f);
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  for (; end - p >= 16; p += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Signed: bytes >= 0x80 are negative, so "< 0x20" catches them too.
    __m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, low), _mm_cmpeq_epi8(v, del));
    if (json) {
      bad = _mm_or_si128(bad, _mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                           _mm_cmpeq_epi8(v, backslash)));
    }
    if (_mm_movemask_epi8(bad) != 0) return false;
  }
#endif
  for (; p < end; ++p) {
    if (!IsPlainByte(*p, json)) return false;
  }
  return true;
}

}  // namespace ascii_scan_internal

// Every byte is in 0x20..0x7e.
inline bool IsPrintableAscii(std::string_view s) {
  return ascii_scan_internal::AllPlain(s, /*json=*/false);
}

// Every byte is in 0x20..0x7e and none is '"' or '\\': a JSON string's text
// as it is.
inline bool IsPlainJsonText(std::string_view s) {
  return ascii_scan_internal::AllPlain(s, /*json=*/true);
}

// s.find(c, from), inline. The parsers look for a field's end a few bytes
// on, where a call to memchr costs more in its length and alignment checks
// than the search. Reads only within s.
inline size_t FindByte(std::string_view s, char c, size_t from = 0) {
  if (from >= s.size()) return std::string_view::npos;
  const char* const begin = s.data();
  const char* const end = begin + s.size();
  const char* p = begin + from;
#if defined(__SSE2__)
  const __m128i needle = _mm_set1_epi8(c);
  for (; end - p >= 16; p += 16) {
    const unsigned m = static_cast<unsigned>(_mm_movemask_epi8(
        _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), needle)));
    if (m != 0) return static_cast<size_t>(p - begin) + __builtin_ctz(m);
  }
  if (p == end) return std::string_view::npos;
  if (end - begin >= 16) {
    // The last 16 bytes of s, less those before p (already searched).
    const char* const q = end - 16;
    const unsigned m = static_cast<unsigned>(_mm_movemask_epi8(
                           _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q)),
                                          needle))) >>
                       (p - q);
    return m != 0 ? static_cast<size_t>(p - begin) + __builtin_ctz(m) : std::string_view::npos;
  }
#endif
  for (; p < end; ++p) {
    if (*p == c) return static_cast<size_t>(p - begin);
  }
  return std::string_view::npos;
}

// s.find(needle, from), inline: sixteen starting places are tested per step
// by their first and last bytes, and only those that match both are compared
// whole. With a literal needle the comparison is a few instructions.
inline size_t FindText(std::string_view s, std::string_view needle, size_t from = 0) {
  const size_t n = needle.size();
  if (from > s.size() || s.size() - from < n) return std::string_view::npos;
  if (n == 0) return from;
  if (n == 1) return FindByte(s, needle[0], from);
  const char* const begin = s.data();
  const char* const last_start = begin + (s.size() - n);
  const char* p = begin + from;
#if defined(__SSE2__)
  const __m128i first = _mm_set1_epi8(needle[0]);
  const __m128i last = _mm_set1_epi8(needle[n - 1]);
  // The loads read p .. p + 15 and p + n - 1 .. p + n + 14, within s while
  // p + 15 <= last_start.
  for (; last_start - p >= 15; p += 16) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + n - 1));
    unsigned m = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last))));
    while (m != 0) {
      const int i = __builtin_ctz(m);
      if (std::memcmp(p + i + 1, needle.data() + 1, n - 2) == 0) {
        return static_cast<size_t>(p + i - begin);
      }
      m &= m - 1;
    }
  }
#endif
  for (; p <= last_start; ++p) {
    if (*p == needle[0] && std::memcmp(p + 1, needle.data() + 1, n - 1) == 0) {
      return static_cast<size_t>(p - begin);
    }
  }
  return std::string_view::npos;
}

// `line` without the NUL bytes it starts with. A crash leaves such runs
// in a log file (blocks the file system had given the file, never written),
// and the syslog daemon's next line follows the run on the same line: the
// run is not text, the line after it is.
inline std::string_view WithoutLeadingNuls(std::string_view line) {
  if (line.empty() || line[0] != '\0') return line;
  const size_t i = line.find_first_not_of('\0');
  return i == std::string_view::npos ? std::string_view() : line.substr(i);
}

}  // namespace mailgauge

#endif  // MAILGAUGE_COMMON_ASCII_SCAN_H_
