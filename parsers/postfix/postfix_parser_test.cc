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

// Verbose logging (-v, debug_peer_list) is understood as such, by any
// daemon, and only when no row of the daemon's own reads the line.
TEST(PostfixParserTest, VerboseLoggingIsItsOwnKindAndComesLast) {
  auto parser = PostfixParser::Create();
  ASSERT_TRUE(parser.ok()) << parser.status();
  const Sample verbose[] = {
      {Daemon::kSmtpd, "smtpd_check_queue: blocks 4096 avail 12353493 min_free 0 msg_size_limit 10240000"},
      {Daemon::kSmtpd, "> mail.example.org[192.0.2.7]: 250 2.1.0 Ok"},
      {Daemon::kCleanup, "initial envelope A log_client_address=127.0.0.1"},
      {Daemon::kQmgr, "A94DF404B38D: recipient limit 5000"},
      {Daemon::kSmtp, "send attr status = 4.4.1"},
      {Daemon::kVirtual, "connection established fd 10"},
  };
  for (const Sample& s : verbose) {
    Event e;
    EXPECT_EQ("verbose", Describe((*parser)->ParseMessage(s.daemon, s.message, &e), e))
        << s.message;
  }
  // Lines of the same look that say something stay what they are.
  const std::pair<Sample, const char*> kept[] = {
      {{Daemon::kSmtpd, "warning: dict_nis_init: NIS domain name not set - NIS lookups disabled"},
       "warning"},
      {{Daemon::kSmtpd, "connect from mail.example.org[192.0.2.7]"}, "connect"},
      {{Daemon::kQmgr, "A94DF404B38D: removed"}, "removed"},
      {{Daemon::kSmtpd, "NOQUEUE: reject: RCPT from unknown[192.0.2.9]: 554 5.7.1 <x@example.net>: "
                        "Relay access denied; from=<a@example.org> to=<x@example.net> proto=ESMTP "
                        "helo=<h>"},
       "reject"},
  };
  for (const auto& [s, kind] : kept) {
    Event e;
    EXPECT_EQ(kind, Describe((*parser)->ParseMessage(s.daemon, s.message, &e), e)) << s.message;
  }
  // A verbose line carries no queue ID for the correlator.
  Event e;
  ASSERT_EQ(ParseResult::kParsed,
            (*parser)->ParseMessage(Daemon::kQmgr, "qmgr_active_done: A94DF404B38D", &e));
  EXPECT_EQ("", e.queue_id);
}

// postlog(1) carries an administrator's text under Postfix's name: a note,
// once no row (the severities first) reads it. Only postlog's lines are.
TEST(PostfixParserTest, PostlogTextIsANoteAfterEveryOtherRow) {
  auto parser = PostfixParser::Create();
  ASSERT_TRUE(parser.ok()) << parser.status();
  const std::pair<Sample, const char*> lines[] = {
      {{Daemon::kPostlog, "nightly queue backup finished"}, "notice"},
      {{Daemon::kPostlog, "x"}, "notice"},
      {{Daemon::kPostlog, "warning: disk /var/spool/postfix 91% full"}, "warning"},
      {{Daemon::kPostlog, "fatal: backup failed"}, "fatal"},
      {{Daemon::kPostlog, "table hash:/etc/postfix/transport has changed -- restarting"},
       "notice"},
      {{Daemon::kSmtpd, "nightly queue backup finished"}, "unparsed"},
      {{Daemon::kPostqueue, "nightly queue backup finished"}, "unparsed"},
  };
  for (const auto& [s, kind] : lines) {
    Event e;
    EXPECT_EQ(kind, Describe((*parser)->ParseMessage(s.daemon, s.message, &e), e)) << s.message;
  }
  Event e;
  ASSERT_EQ(ParseResult::kParsed,
            (*parser)->ParseMessage(Daemon::kPostlog, "nightly queue backup finished", &e));
  EXPECT_EQ("nightly queue backup finished", e.detail);
  EXPECT_EQ("", e.queue_id);
}

}  // namespace
}  // namespace mailgauge::parsers
