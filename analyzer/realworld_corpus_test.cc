// Real-world Postfix and Exim lines. Postfix's (testdata/realworld/postfix_lines.log: 1,131
// lines of many servers, versions and configurations, gathered from public
// repositories and issue threads; see SOURCES.md there) through the whole
// input layer: every envelope is read, every line is Postfix's and every
// one is understood. What each line is understood as is kept in
// testdata/realworld/postfix_lines.kinds ("kind<TAB>daemon<TAB>message"),
// so that a change of classification shows as a diff. To rewrite it after
// a reviewed change:
//   MAILGAUGE_UPDATE_GOLDEN=1 bazel run //analyzer:realworld_corpus_test
#include <sstream>
#include <string>
#include <vector>

#include "analyzer/log_input.h"
#include "common/golden_testing.h"
#include "gtest/gtest.h"

namespace mailgauge::analyzer {
namespace {

// What each line of `paths` is understood as ("kind<TAB>daemon<TAB>message"),
// with the input's counts.
struct Reading {
  std::string kinds;
  LogInputStats stats;
  size_t handled = 0;
};

Reading Read(const std::vector<std::string>& paths) {
  LogInputOptions options;
  options.envelope.year = 2026;
  options.envelope.time_zone = absl::UTCTimeZone();
  Reading r;
  auto input = LogInput::Create(options, [&](const LogLine& line, const parsers::Event& e) {
    ++r.handled;
    r.kinds.append(parsers::EventKindName(e.kind)).append("\t");
    r.kinds.append(parsers::DaemonName(e.daemon)).append("\t");
    r.kinds.append(line.message).append("\n");
  });
  EXPECT_TRUE(input.ok()) << input.status();
  if (!input.ok()) return r;
  EXPECT_TRUE((*input)->ReadInputs(paths).ok());
  r.stats = (*input)->stats();
  return r;
}

// `got` against the golden file, line by line so that a failure names the
// lines that changed.
void ExpectGolden(const char* golden, const std::string& got) {
  if (UpdateGoldenIfAsked(golden, got)) return;
  const std::string want = ReadTestFile(golden);
  ASSERT_FALSE(want.empty()) << golden;
  std::istringstream want_lines(want), got_lines(got);
  std::string w, g;
  int n = 0, differences = 0;
  while (true) {
    const bool more_w = static_cast<bool>(std::getline(want_lines, w));
    const bool more_g = static_cast<bool>(std::getline(got_lines, g));
    if (!more_w && !more_g) break;
    ++n;
    if (w != g && ++differences <= 20) {
      ADD_FAILURE() << "line " << n << " of " << golden << ":\n  want: " << w
                    << "\n  got:  " << g;
    }
  }
  EXPECT_EQ(0, differences)
      << "if the change is intended, rewrite the golden with\n"
      << "  MAILGAUGE_UPDATE_GOLDEN=1 bazel run //analyzer:realworld_corpus_test\n"
      << "and review the diff";
}

TEST(RealWorldCorpusTest, EveryPostfixLineIsUnderstoodAsBefore) {
  const Reading r = Read({"testdata/realworld/postfix_lines.log"});
  const LogInputStats& s = r.stats;
  EXPECT_EQ(1131u, s.lines);
  EXPECT_EQ(0u, s.malformed_lines);
  EXPECT_EQ(0u, s.other_program_lines);
  EXPECT_EQ(s.lines, s.postfix_lines);
  EXPECT_EQ(s.postfix_lines, s.parsed_lines);
  EXPECT_EQ(s.parsed_lines, r.handled);
  EXPECT_EQ(std::string::npos, r.kinds.find("unknown\t")) << "a line of kind unknown";
  ExpectGolden("testdata/realworld/postfix_lines.kinds", r.kinds);
}

// Real Exim lines (testdata/realworld/exim_*_lines.log: main log, syslog and
// reject log lines of Exim 4.60 to 4.98, see SOURCES.md): every line Exim
// wrote as a log line is understood. Not read, and counted as such: 9 lines
// of the site's own `logwrite` (ACL_SMTP_* in one configuration's ACLs),
// written with a time but no message ID or text of Exim's; 2 continuation
// lines of a message Exim wrote on two lines ("Suggested action: ...",
// ": No space left on device" after an address with a newline); one syslog
// line quoted without its time.
TEST(RealWorldCorpusTest, EveryEximLineIsUnderstoodAsBefore) {
  const Reading r = Read({"testdata/realworld/exim_mainlog_lines.log",
                          "testdata/realworld/exim_syslog_lines.log",
                          "testdata/realworld/exim_rejectlog_lines.log"});
  const LogInputStats& s = r.stats;
  EXPECT_EQ(313u + 25u + 2u, s.lines);
  EXPECT_EQ(9u + 1u + 1u, s.malformed_lines);
  // The daemon's "pid 727: SIGHUP received: re-exec daemon" was one until
  // session 24 (an ISO syslog line of host "pid", program "727").
  EXPECT_EQ(0u, s.other_program_lines);
  EXPECT_EQ(s.lines - s.malformed_lines - s.other_program_lines, s.exim_lines);
  EXPECT_EQ(s.exim_lines, s.parsed_lines);
  EXPECT_EQ(std::string::npos, r.kinds.find("unknown\t")) << "a line of kind unknown";
  ExpectGolden("testdata/realworld/exim_lines.kinds", r.kinds);
}

}  // namespace
}  // namespace mailgauge::analyzer
