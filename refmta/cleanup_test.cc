#include "refmta/cleanup.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mailgauge::refmta {
namespace {

using ::testing::ElementsAre;

TEST(LogicalHeadersTest, FoldedHeadersAndBody) {
  size_t body = 0;
  std::string content = "Subject: a\n\tcontinued\nTo: b\n\nbody\n";
  EXPECT_THAT(LogicalHeaders(content, &body), ElementsAre("Subject: a\n\tcontinued", "To: b"));
  EXPECT_EQ("body\n", content.substr(body));
  size_t no_body = 0;
  EXPECT_THAT(LogicalHeaders("X: 1\n", &no_body), ElementsAre("X: 1"));
  EXPECT_EQ(5u, no_body);
  size_t junk = 0;
  EXPECT_TRUE(LogicalHeaders("not a header line\nX: 1\n", &junk).empty());
  EXPECT_EQ(0u, junk);
}

TEST(ParseHeaderActionTest, CommandAndText) {
  HeaderAction a = ParseHeaderAction(" reject  5.7.0 go away ");
  EXPECT_EQ("REJECT", a.command);
  EXPECT_EQ("5.7.0 go away", a.text);
  EXPECT_EQ("HOLD", ParseHeaderAction("HOLD").command);
  EXPECT_EQ("", ParseHeaderAction("HOLD").text);
}

}  // namespace
}  // namespace mailgauge::refmta
