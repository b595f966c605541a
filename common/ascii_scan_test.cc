#include "common/ascii_scan.h"

#include <algorithm>
#include <random>
#include <string>

#include "gtest/gtest.h"

namespace mailgauge {
namespace {

bool PrintableByLoop(std::string_view s) {
  for (const char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

bool PlainJsonByLoop(std::string_view s) {
  for (const char c : s) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
  }
  return true;
}

// Every byte value at every position of strings up to 40 bytes long (more
// than two SSE2 steps and a tail), in a buffer offset by 0-3 bytes.
TEST(AsciiScanTest, AgreesWithTheByteLoopAtEveryPositionAndLength) {
  std::string buffer(48, 'a');
  for (size_t offset = 0; offset < 4; ++offset) {
    for (size_t len = 0; len <= 40; ++len) {
      const std::string_view clean(buffer.data() + offset, len);
      ASSERT_TRUE(IsPrintableAscii(clean));
      ASSERT_TRUE(IsPlainJsonText(clean));
      for (size_t pos = 0; pos < len; ++pos) {
        for (int b = 0; b < 256; ++b) {
          buffer[offset + pos] = static_cast<char>(b);
          const std::string_view s(buffer.data() + offset, len);
          ASSERT_EQ(PrintableByLoop(s), IsPrintableAscii(s)) << b << " at " << pos << "/" << len;
          ASSERT_EQ(PlainJsonByLoop(s), IsPlainJsonText(s)) << b << " at " << pos << "/" << len;
        }
        buffer[offset + pos] = 'a';
      }
    }
  }
}

// Every length up to 40 at offsets 0-3, every start, the byte at none, one
// or two positions.
TEST(AsciiScanTest, FindByteIsStringViewFind) {
  std::string buffer(48, 'a');
  for (size_t offset = 0; offset < 4; ++offset) {
    for (size_t len = 0; len <= 40; ++len) {
      for (size_t first = 0; first <= len; ++first) {
        for (size_t second = first; second <= len; ++second) {
          std::fill(buffer.begin(), buffer.end(), 'a');
          if (first < len) buffer[offset + first] = ':';
          if (second < len) buffer[offset + second] = ':';
          // Bytes just outside the view must not be found.
          if (offset > 0) buffer[offset - 1] = ':';
          buffer[offset + len] = ':';
          const std::string_view s(buffer.data() + offset, len);
          for (size_t from = 0; from <= len + 1; ++from) {
            ASSERT_EQ(s.find(':', from), FindByte(s, ':', from))
                << offset << " " << len << " " << first << " " << second << " " << from;
          }
        }
      }
    }
  }
  EXPECT_EQ(std::string_view::npos, FindByte("", 'x'));
  EXPECT_EQ(std::string_view::npos, FindByte("abc", 'a', 7));
  EXPECT_EQ(3u, FindByte("abc\xff", '\xff'));
}

// Random texts over a small alphabet (so that partial matches are common)
// and needles of 0-20 bytes cut from them or made up, at every start.
TEST(AsciiScanTest, FindTextIsStringViewFind) {
  std::mt19937 rng(7);
  const std::string alphabet = ">, =<:a";
  for (int round = 0; round < 3000; ++round) {
    std::string text(rng() % 70, ' ');
    for (char& c : text) c = alphabet[rng() % alphabet.size()];
    std::string needle(rng() % 21, ' ');
    if (!text.empty() && rng() % 2 == 0) {
      const size_t at = rng() % text.size();
      needle = text.substr(at, std::min(needle.size(), text.size() - at));
    } else {
      for (char& c : needle) c = alphabet[rng() % alphabet.size()];
    }
    // The text sits in a larger buffer whose bytes around it would match.
    const std::string buffer = needle + text + needle;
    const std::string_view s(buffer.data() + needle.size(), text.size());
    for (size_t from = 0; from <= s.size() + 1; ++from) {
      ASSERT_EQ(s.find(needle, from), FindText(s, needle, from))
          << "'" << text << "' '" << needle << "' " << from;
    }
  }
  EXPECT_EQ(10u, FindText("to=<a@b>, status=sent, status=x", ", status=") + 2);
  EXPECT_EQ(0u, FindText("", ""));
  EXPECT_EQ(std::string_view::npos, FindText("", "x"));
}

TEST(AsciiScanTest, ExamplesOfEachClass) {
  EXPECT_TRUE(IsPrintableAscii("550 5.1.1 <x@example.org>: Recipient address rejected"));
  EXPECT_FALSE(IsPrintableAscii("Gr\xc3\xbc\xc3\x9f" "e aus einer langen Zeile"));
  EXPECT_FALSE(IsPrintableAscii(std::string("tab\there and a long tail after it", 34)));
  EXPECT_FALSE(IsPrintableAscii("delete \x7f in a line longer than sixteen"));
  EXPECT_TRUE(IsPrintableAscii("a \"quoted\" and back\\slashed text of length"));
  EXPECT_FALSE(IsPlainJsonText("a \"quoted\" and back\\slashed text of length"));
  EXPECT_FALSE(IsPlainJsonText("a text with only a back\\slash in its tail"));
  EXPECT_TRUE(IsPlainJsonText("example.org"));
  EXPECT_TRUE(IsPlainJsonText(""));
}

}  // namespace
}  // namespace mailgauge
