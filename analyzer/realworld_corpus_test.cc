// Real-world Postfix lines (testdata/realworld/postfix_lines.log: 1,131
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

#include "analyzer/log_input.h"
#include "common/golden_testing.h"
#include "gtest/gtest.h"

namespace mailgauge::analyzer {
namespace {

constexpr char kLog[] = "testdata/realworld/postfix_lines.log";
constexpr char kGolden[] = "testdata/realworld/postfix_lines.kinds";

TEST(RealWorldCorpusTest, EveryLineIsUnderstoodAsBefore) {
  LogInputOptions options;
  options.envelope.year = 2026;
  options.envelope.time_zone = absl::UTCTimeZone();
  std::string got;
  size_t handled = 0;
  auto input = LogInput::Create(options, [&](const LogLine& line, const parsers::Event& e) {
    ++handled;
    got.append(parsers::EventKindName(e.kind)).append("\t");
    got.append(parsers::DaemonName(e.daemon)).append("\t");
    got.append(line.message).append("\n");
  });
  ASSERT_TRUE(input.ok()) << input.status();
  ASSERT_TRUE((*input)->ReadInputs({kLog}).ok());
  const LogInputStats& s = (*input)->stats();
  EXPECT_EQ(1131u, s.lines);
  EXPECT_EQ(0u, s.malformed_lines);
  EXPECT_EQ(0u, s.other_program_lines);
  EXPECT_EQ(s.lines, s.postfix_lines);
  EXPECT_EQ(s.postfix_lines, s.parsed_lines);
  EXPECT_EQ(s.parsed_lines, handled);
  EXPECT_EQ(std::string::npos, got.find("unknown\t")) << "a line of kind unknown";

  if (UpdateGoldenIfAsked(kGolden, got)) return;
  const std::string want = ReadTestFile(kGolden);
  ASSERT_FALSE(want.empty()) << kGolden;
  // Line by line, so that a failure names the lines that changed.
  std::istringstream want_lines(want), got_lines(got);
  std::string w, g;
  int n = 0, differences = 0;
  while (true) {
    const bool more_w = static_cast<bool>(std::getline(want_lines, w));
    const bool more_g = static_cast<bool>(std::getline(got_lines, g));
    if (!more_w && !more_g) break;
    ++n;
    if (w != g && ++differences <= 20) {
      ADD_FAILURE() << "line " << n << " of " << kGolden << ":\n  want: " << w
                    << "\n  got:  " << g;
    }
  }
  EXPECT_EQ(0, differences)
      << "if the change is intended, rewrite the golden with\n"
      << "  MAILGAUGE_UPDATE_GOLDEN=1 bazel run //analyzer:realworld_corpus_test\n"
      << "and review the diff";
}

}  // namespace
}  // namespace mailgauge::analyzer
