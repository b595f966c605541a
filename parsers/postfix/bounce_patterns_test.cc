// Field extraction for the bounce daemon's rows (bounce_patterns.cc).
#include <string_view>

#include "gtest/gtest.h"
#include "parsers/postfix/event.h"
#include "parsers/postfix/event_testing.h"
#include "parsers/postfix/postfix_parser.h"

namespace mailgauge::parsers {
namespace {

const PostfixParser& Parser() { return TestParser(); }

Event Parse(std::string_view msg, Daemon daemon = Daemon::kBounce) {
  Event e;
  EXPECT_EQ(ParseResult::kParsed, Parser().ParseMessage(daemon, msg, &e)) << msg;
  return e;
}

TEST(BouncePatternsTest, EveryNotificationType) {
  struct Case {
    const char* line;
    const char* detail;
    const char* new_queue_id;
  } cases[] = {
      {"4B0C72A1F3: sender non-delivery notification: 7D1E23F0A9", "sender non-delivery",
       "7D1E23F0A9"},
      {"4B0C72A1F3: postmaster non-delivery notification: 7D1E23F0AA",
       "postmaster non-delivery", "7D1E23F0AA"},
      {"4B0C72A1F3: sender delay notification: 7D1E23F0AB", "sender delay", "7D1E23F0AB"},
      {"4B0C72A1F3: postmaster delay notification: 7D1E23F0AC", "postmaster delay",
       "7D1E23F0AC"},
      {"4B0C72A1F3: sender delivery status notification: 7D1E23F0AD",
       "sender delivery status", "7D1E23F0AD"},
      {"4Hs2Kx0hQ5z8Cw: sender non-delivery notification: 4Hs2Kx1Mb2z8Cx",
       "sender non-delivery", "4Hs2Kx1Mb2z8Cx"},
  };
  for (const Case& c : cases) {
    const Event e = Parse(c.line);
    EXPECT_EQ(EventKind::kNotification, e.kind) << c.line;
    EXPECT_EQ(Daemon::kBounce, e.daemon);
    EXPECT_EQ(c.detail, e.detail) << c.line;
    EXPECT_EQ(c.new_queue_id, e.new_queue_id) << c.line;
  }
  EXPECT_EQ("4Hs2Kx0hQ5z8Cw", Parse("4Hs2Kx0hQ5z8Cw: sender non-delivery notification: "
                                    "4Hs2Kx1Mb2z8Cx")
                                  .queue_id);
}

TEST(BouncePatternsTest, DeferAndTraceNamesAreTheBounceDaemon) {
  EXPECT_EQ(Daemon::kBounce, DaemonFromName("defer"));
  EXPECT_EQ(Daemon::kBounce, DaemonFromName("trace"));
  const Event e =
      Parse("4B0C72A1F3: sender delay notification: 7D1E23F0AB", DaemonFromName("defer"));
  EXPECT_EQ(EventKind::kNotification, e.kind);
}

TEST(BouncePatternsTest, Notices) {
  Event e = Parse("4B0C72A1F3: not sending trace/success notification for double-bounce message");
  EXPECT_EQ(EventKind::kNotice, e.kind);
  EXPECT_EQ("4B0C72A1F3", e.queue_id);
  EXPECT_EQ("not sending trace/success notification for double-bounce message", e.detail);
  EXPECT_EQ("", e.new_queue_id);

  e = Parse("4B0C72A1F3: no trace file -- not sending a notification");
  EXPECT_EQ(EventKind::kNotice, e.kind);
}

TEST(BouncePatternsTest, WarningsFallBack) {
  const Event e = Parse("warning: 4B0C72A1F3: sender notification failed to alice@example.com");
  EXPECT_EQ(EventKind::kWarning, e.kind);
  EXPECT_EQ("4B0C72A1F3: sender notification failed to alice@example.com", e.detail);
}

TEST(BouncePatternsTest, MalformedNoticeIsUnparsed) {
  Event e;
  EXPECT_EQ(ParseResult::kUnparsed,
            Parser().ParseMessage(Daemon::kBounce,
                                  "4B0C72A1F3: sender non-delivery notification: ", &e));
  EXPECT_EQ(ParseResult::kUnparsed,
            Parser().ParseMessage(Daemon::kBounce,
                                  "4B0C72A1F3: sender bogus notification: 7D1E23F0A9", &e));
}

}  // namespace
}  // namespace mailgauge::parsers
