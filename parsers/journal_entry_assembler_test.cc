#include "parsers/journal_entry_assembler.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace mailgauge::parsers {
namespace {

using Step = JournalEntryAssembler::Step;

// What came out of feeding some text line by line, as LogInput would.
struct Fed {
  std::vector<std::string> messages;     // entries read, their MESSAGE
  std::vector<std::string> programs;     // and their SYSLOG_IDENTIFIER
  std::vector<int64_t> times;
  std::vector<std::string> bad;          // bad entries' errors
  std::vector<uint64_t> bad_lines;       // and their line counts
  std::vector<std::string> caller;       // lines left to the caller
  uint64_t entry_lines = 0;              // lines the entries took
};

Fed FeedAll(std::string_view text, size_t cap = 1 << 20) {
  JournalEntryAssembler a(SyslogNames(), absl::UTCTimeZone(), cap);
  Fed fed;
  auto take = [&] {
    const AssembledEntry& e = a.entry();
    fed.entry_lines += e.lines;
    if (e.ok) {
      fed.messages.emplace_back(e.line.message);
      fed.programs.emplace_back(e.line.program);
      fed.times.push_back(e.line.time.unix_micros);
    } else {
      fed.bad.emplace_back(e.error);
      fed.bad_lines.push_back(e.lines);
    }
  };
  // As LineReader splits: on '\n', dropping a '\r' before it; no line after
  // a final newline.
  std::vector<std::string> lines;
  for (size_t start = 0; start < text.size();) {
    const size_t nl = std::min(text.find('\n', start), text.size());
    lines.emplace_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  for (std::string& line : lines) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    switch (a.Feed(line, false)) {
      case Step::kNotMine:
        fed.caller.push_back(line);
        break;
      case Step::kConsumed:
        break;
      case Step::kEntry:
        take();
        break;
      case Step::kEntryThenLine:
        // As LogInput: the line is then read as any other, which for a
        // line with no syslog envelope means fed here again.
        take();
        if (a.Feed(line, false) == Step::kNotMine) fed.caller.push_back(line);
        break;
    }
  }
  if (a.Finish() == Step::kEntry) take();
  return fed;
}

std::string Binary(std::string_view name, std::string_view value) {
  std::string out(name);
  out += '\n';
  uint64_t n = value.size();
  for (int i = 0; i < 8; ++i, n >>= 8) out += static_cast<char>(n & 0xff);
  out.append(value.data(), value.size());
  out += '\n';
  return out;
}

// As `journalctl -o export` writes them (journalctl --file F -o export).
const std::string kExport =
    "__CURSOR=s=680f;i=1;b=0;m=0;t=6446f05c51080;x=b8f1\n"
    "__REALTIME_TIMESTAMP=1764093489123456\n"
    "__MONOTONIC_TIMESTAMP=0\n"
    "_HOSTNAME=mx\n"
    "SYSLOG_IDENTIFIER=postfix/smtpd\n"
    "SYSLOG_PID=12\n"
    "MESSAGE=connect from a[192.0.2.1]\n"
    "\n"
    "__CURSOR=s=680f;i=2\n"
    "__REALTIME_TIMESTAMP=1764093489223456\n"
    "SYSLOG_IDENTIFIER=postfix/smtpd\n" +
    Binary("MESSAGE", std::string("bad \xff bytes\nsecond\n\nline\n", 25)) +
    "_PID=7\n"
    "\n";

TEST(JournalEntryAssemblerTest, ReadsExportEntriesTextAndBinary) {
  const Fed fed = FeedAll(kExport);
  ASSERT_EQ(2u, fed.messages.size()) << (fed.bad.empty() ? "" : fed.bad[0]);
  EXPECT_EQ("connect from a[192.0.2.1]", fed.messages[0]);
  EXPECT_EQ("postfix/smtpd", fed.programs[0]);
  EXPECT_EQ(1764093489123456, fed.times[0]);
  // The value's own newlines, an empty line among them, belong to it.
  EXPECT_EQ(std::string("bad \xff bytes\nsecond\n\nline\n", 25), fed.messages[1]);
  EXPECT_TRUE(fed.caller.empty());
  EXPECT_TRUE(fed.bad.empty());
  // Every line read is in an entry, the empty lines ending them too.
  EXPECT_EQ(std::count(kExport.begin(), kExport.end(), '\n'), fed.entry_lines);
}

TEST(JournalEntryAssemblerTest, LengthBytesHoldingANewline) {
  // 10 bytes: the length's first byte is '\n'.
  const Fed fed = FeedAll("__REALTIME_TIMESTAMP=5\n" + Binary("MESSAGE", "0123456789") + "\n");
  ASSERT_EQ(1u, fed.messages.size()) << (fed.bad.empty() ? "" : fed.bad[0]);
  EXPECT_EQ("0123456789", fed.messages[0]);
}

TEST(JournalEntryAssemblerTest, CrlfInABinaryValueIsPutBack) {
  const Fed fed =
      FeedAll("__REALTIME_TIMESTAMP=5\n" + Binary("MESSAGE", "one\r\ntwo\r\nthree") + "\n");
  ASSERT_EQ(1u, fed.messages.size()) << (fed.bad.empty() ? "" : fed.bad[0]);
  EXPECT_EQ("one\r\ntwo\r\nthree", fed.messages[0]);
  // Only some '\r's: that value can't be known, but the next entry, which
  // starts with its cursor, is read whole.
  const Fed some = FeedAll("__CURSOR=a\n__REALTIME_TIMESTAMP=5\n" +
                           Binary("MESSAGE", "one\r\ntwo\nthree") +
                           "\n__CURSOR=b\n__REALTIME_TIMESTAMP=6\nMESSAGE=next\n\n");
  ASSERT_FALSE(some.messages.empty());
  EXPECT_EQ("next", some.messages.back());
  EXPECT_EQ(6, some.times.back());
}

TEST(JournalEntryAssemblerTest, FirstValueOfARepeatedFieldAndMissingFields) {
  Fed fed = FeedAll(
      "__REALTIME_TIMESTAMP=5\nMESSAGE=first\nMESSAGE=second\n\n"
      "__REALTIME_TIMESTAMP=6\n\n"
      "MESSAGE=no time\n\n");
  ASSERT_EQ(1u, fed.messages.size());
  EXPECT_EQ("first", fed.messages[0]);
  ASSERT_EQ(2u, fed.bad.size());
  EXPECT_EQ("no MESSAGE", fed.bad[0]);
  EXPECT_EQ("no __REALTIME_TIMESTAMP", fed.bad[1]);
  EXPECT_EQ((std::vector<uint64_t>{2, 2}), fed.bad_lines);
}

TEST(JournalEntryAssemblerTest, ReadsJsonPretty) {
  // As `journalctl -o json-pretty` writes them: a binary value as an array.
  const Fed fed = FeedAll(
      "{\n"
      "\t\"__REALTIME_TIMESTAMP\" : \"1764093489123456\",\n"
      "\t\"SYSLOG_IDENTIFIER\" : \"postfix/qmgr\",\n"
      "\t\"MESSAGE\" : \"ABC123: removed\"\n"
      "}\n"
      "{\n"
      "\t\"__REALTIME_TIMESTAMP\" : \"1764093489223456\",\n"
      "\t\"MESSAGE\" : [\n"
      "\t\t99,\n"
      "\t\t255\n"
      "\t],\n"
      "\t\"_COMM\" : \"smtp\"\n"
      "}\n");
  ASSERT_EQ(2u, fed.messages.size()) << (fed.bad.empty() ? "" : fed.bad[0]);
  EXPECT_EQ("ABC123: removed", fed.messages[0]);
  EXPECT_EQ("postfix/qmgr", fed.programs[0]);
  EXPECT_EQ("c\xff", fed.messages[1]);
  EXPECT_EQ("smtp", fed.programs[1]);
  EXPECT_EQ(13u, fed.entry_lines);
}

TEST(JournalEntryAssemblerTest, ReadsVerbose) {
  // As `journalctl -o verbose` writes them; the second entry's MESSAGE is
  // left out ("blob data": not printable), the third's (--all) goes on over
  // lines indented to where it began.
  const Fed fed = FeedAll(
      "Tue 2025-11-25 17:58:09.123456 UTC [s=680f;i=1;b=0;m=0;t=6446f05c51080;x=b8f1]\n"
      "    _HOSTNAME=mx\n"
      "    SYSLOG_IDENTIFIER=postfix/smtpd\n"
      "    SYSLOG_PID=12\n"
      "    MESSAGE=connect from a[192.0.2.1]\n"
      "Tue 2025-11-25 17:58:09.223456 UTC [s=680f;i=2;b=0;m=0;t=6446f05c69720;x=2ae2]\n"
      "    SYSLOG_IDENTIFIER=postfix/smtpd\n"
      "    MESSAGE=[24B blob data]\n"
      "Tue 2025-11-25 17:58:09.323456 UTC [s=680f;i=3;b=0;m=0;t=6446f05c81dc0;x=d756]\n"
      "    SYSLOG_IDENTIFIER=postfix/smtpd\n"
      "    MESSAGE=bad \xff bytes\n"
      "            second\n"
      "              indented\n"
      "    _PID=7\n"
      "Nov 25 10:00:00 mx postfix/smtpd[1]: connect from b[192.0.2.2]\n");
  ASSERT_EQ(2u, fed.messages.size());
  EXPECT_EQ("connect from a[192.0.2.1]", fed.messages[0]);
  EXPECT_EQ(1764093489123456, fed.times[0]);  // 0x6446f05c51080
  EXPECT_EQ("bad \xff bytes\nsecond\n  indented", fed.messages[1]);
  EXPECT_EQ(1764093489323456, fed.times[1]);
  ASSERT_EQ(1u, fed.bad.size());
  EXPECT_STREQ(kJournalMessageLeftOut, fed.bad[0].c_str());
  EXPECT_EQ(1u, fed.caller.size());  // the syslog line after the last entry
  EXPECT_EQ(14u, fed.entry_lines);
}

TEST(JournalEntryAssemblerTest, SyslogLinesAreNotTakenAlong) {
  // A stray line that looks like a field, or a "{", in a syslog file: a bad
  // one-line entry, and the next line is the caller's.
  const Fed fed = FeedAll(
      "Nov 25 10:00:00 mx postfix/smtpd[1]: connect from a[192.0.2.1]\n"
      "FOO=bar\n"
      "Nov 25 10:00:01 mx postfix/smtpd[1]: disconnect from a[192.0.2.1]\n"
      "{\n"
      "Nov 25 10:00:02 mx postfix/smtpd[1]: connect from b[192.0.2.2]\n");
  EXPECT_TRUE(fed.messages.empty());
  EXPECT_EQ(3u, fed.caller.size());
  EXPECT_EQ((std::vector<uint64_t>{1, 1}), fed.bad_lines);
  // An export entry not ended by an empty line ends at the next other line.
  const Fed unended = FeedAll(
      "__REALTIME_TIMESTAMP=5\nMESSAGE=x\n"
      "Nov 25 10:00:00 mx postfix/smtpd[1]: connect from a[192.0.2.1]\n");
  ASSERT_EQ(1u, unended.messages.size());
  EXPECT_EQ(1u, unended.caller.size());
}

TEST(JournalEntryAssemblerTest, TruncatedAndOversizedEntriesAreBad) {
  // The input ends inside a binary value, or inside a json-pretty object.
  Fed fed = FeedAll("__REALTIME_TIMESTAMP=5\nMESSAGE\n" + std::string("\x20\0\0\0\0\0\0\0", 8) +
                    "abc\n");
  ASSERT_EQ(1u, fed.bad.size());
  EXPECT_EQ(3u, fed.bad_lines[0]);
  fed = FeedAll("{\n\t\"MESSAGE\" : \"x\",\n");
  ASSERT_EQ(1u, fed.bad.size());
  EXPECT_EQ("the input ends inside a json-pretty entry", fed.bad[0]);
  // A length over the cap: the entry ends before it; the line and those
  // after it are read as they come. So is a syslog line after a stray
  // "NAME" line (its first 8 bytes, as a length, are far over the cap).
  std::string huge = "__REALTIME_TIMESTAMP=5\nMESSAGE\n";
  huge += std::string("\xff\xff\xff\xff\0\0\0\0", 8) + "x\nNov 25 10:00:00 mx a[1]: b\n";
  fed = FeedAll(huge);
  ASSERT_EQ(1u, fed.bad.size());
  EXPECT_EQ("a binary value longer than the size cap", fed.bad[0]);
  EXPECT_EQ(2u, fed.bad_lines[0]);
  EXPECT_EQ(2u, fed.caller.size());
  fed = FeedAll("X=1\nMESSAGE\nNov 25 10:00:00 mx postfix/smtpd[1]: connect from a[192.0.2.1]\n");
  EXPECT_EQ((std::vector<uint64_t>{2}), fed.bad_lines);
  EXPECT_EQ(
      (std::vector<std::string>{"Nov 25 10:00:00 mx postfix/smtpd[1]: connect from a[192.0.2.1]"}),
      fed.caller);
  // An entry over the cap.
  fed = FeedAll("__REALTIME_TIMESTAMP=5\nMESSAGE=" + std::string(100, 'x') + "\n\n", 64);
  EXPECT_TRUE(fed.messages.empty());
  ASSERT_FALSE(fed.bad.empty());
  EXPECT_EQ("an entry over the size cap", fed.bad[0]);
}

}  // namespace
}  // namespace mailgauge::parsers
