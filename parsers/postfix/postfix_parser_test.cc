// The parser's tables are compiled the first time a line needs them; the
// --threads workers share one parser, so that first use may come from
// several threads at once (run under TSan: tools/tsan_targets.txt).
#include "parsers/postfix/postfix_parser.h"

#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace mailgauge::parsers {
namespace {

struct Sample {
  Daemon daemon;
  const char* message;
};
// Lines only the tables read (the fast path declines them), of five
// daemons, and one the fast path reads.
const Sample kSamples[] = {
    {Daemon::kAnvil, "statistics: max connection rate 1/60s for (smtp:198.51.100.7) at Nov 25 09:56:36"},
    {Daemon::kMaster, "daemon started -- version 3.7.11, configuration /etc/postfix"},
    {Daemon::kQmgr, "4B0C72A1F3: skipped, still being delivered"},
    {Daemon::kSmtp, "4B0C72A1F3: enabling PIX workarounds: disable_esmtp delay_dotcrlf for mx.example.org[203.0.113.5]:25"},
    {Daemon::kPostsuper, "4B0C72A1F3: removed"},
    {Daemon::kQmgr, "4B0C72A1F3: removed"},
};

std::string Describe(ParseResult r, const Event& e) {
  return r == ParseResult::kParsed ? std::string(EventKindName(e.kind)) : "unparsed";
}

TEST(PostfixParserTest, TablesCompileOnFirstUseFromManyThreadsAtOnce) {
  // What one thread reads, each line parsed by the tables.
  auto reference = PostfixParser::Create();
  ASSERT_TRUE(reference.ok()) << reference.status();
  std::vector<std::string> want;
  for (const Sample& s : kSamples) {
    Event e;
    const ParseResult r = (*reference)->ParseMessage(s.daemon, s.message, &e);
    EXPECT_EQ(ParseResult::kParsed, r) << s.message;
    want.push_back(Describe(r, e));
  }
  // A fresh parser, its first use from eight threads at once.
  auto parser = PostfixParser::Create();
  ASSERT_TRUE(parser.ok()) << parser.status();
  const PostfixParser& p = **parser;
  constexpr int kThreads = 8;
  std::vector<std::vector<std::string>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&p, &seen, t] {
      for (int round = 0; round < 3; ++round) {
        for (const Sample& s : kSamples) {
          Event e;
          seen[t].push_back(Describe(p.ParseMessage(s.daemon, s.message, &e), e));
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(3 * std::size(kSamples), seen[t].size());
    for (size_t i = 0; i < seen[t].size(); ++i) {
      EXPECT_EQ(want[i % std::size(kSamples)], seen[t][i])
          << "thread " << t << ": " << kSamples[i % std::size(kSamples)].message;
    }
  }
}

TEST(PostfixParserTest, TablesAloneReadTheSamplesAndRefuseNonsense) {
  auto parser = PostfixParser::Create();
  ASSERT_TRUE(parser.ok()) << parser.status();
  for (const Sample& s : kSamples) {
    Event e;
    EXPECT_EQ(ParseResult::kParsed, (*parser)->ParseMessageWithTables(s.daemon, s.message, &e))
        << s.message;
    EXPECT_EQ(s.daemon, e.daemon);
  }
  Event e;
  EXPECT_EQ(ParseResult::kUnparsed,
            (*parser)->ParseMessage(Daemon::kQmgr, "no such line anywhere", &e));
  EXPECT_EQ(Daemon::kQmgr, e.daemon);
}

}  // namespace
}  // namespace mailgauge::parsers
