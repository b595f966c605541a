#include "analyzer/report/chunked_writer.h"

#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace mailgauge::analyzer::report {
namespace {

TEST(ChunkedWriterTest, WritesInChunksAndEverythingByTheEnd) {
  std::ostringstream out;
  std::string expected;
  {
    ChunkedWriter w(&out);
    const std::string row = "   12   rcpt123@example.com\n";
    while (expected.size() < (64 << 10) - row.size()) {
      w.Append(row);
      expected += row;
    }
    EXPECT_EQ("", out.str());  // still under one chunk: nothing written yet
    for (int i = 0; i < 5000; ++i) {
      w.Append(row);
      expected += row;
    }
    // Past a chunk: the writer no longer holds it all.
    EXPECT_GE(out.str().size(), size_t{64} << 10);
    EXPECT_EQ(expected.substr(0, out.str().size()), out.str());
    w.Append("");
    w.Flush();
    EXPECT_EQ(expected, out.str());
    w.Append("tail\n");
    expected += "tail\n";
  }  // the destructor writes the rest
  EXPECT_EQ(expected, out.str());
}

}  // namespace
}  // namespace mailgauge::analyzer::report
