#include "parsers/journal_json.h"

#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace mailgauge::parsers {
namespace {

absl::TimeZone Berlin() {
  absl::TimeZone tz;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/Berlin", &tz));
  return tz;
}

// An entry as `journalctl -o json` prints it (fields trimmed).
constexpr char kEntry[] =
    R"({"__CURSOR":"s=1;i=2","__REALTIME_TIMESTAMP":"1795634566115753",)"
    R"("__MONOTONIC_TIMESTAMP":"1234","_HOSTNAME":"mx1","SYSLOG_FACILITY":"2",)"
    R"("SYSLOG_IDENTIFIER":"postfix/submission/smtpd","_PID":"29806",)"
    R"("_SYSTEMD_UNIT":"postfix@-.service","PRIORITY":"6",)"
    R"("MESSAGE":"connect from unknown[127.0.0.1] \"quoted\" caf\u00e9"})";

TEST(JournalJsonTest, ReadsTheFieldsJournalReaderReads) {
  JournalJsonParser parser(SyslogNames(), Berlin());
  LogLine line;
  ASSERT_EQ(EnvelopeResult::kOk, parser.Parse(kEntry, &line)) << parser.last_error();
  EXPECT_EQ(1795634566115753, line.time.unix_micros);
  EXPECT_EQ(3600, line.time.utc_offset_seconds);  // Berlin in November
  EXPECT_EQ("mx1", line.host);
  EXPECT_EQ("postfix", line.instance);
  EXPECT_EQ("submission", line.service);
  EXPECT_EQ("smtpd", line.daemon);
  EXPECT_EQ(29806, line.pid);
  EXPECT_EQ("connect from unknown[127.0.0.1] \"quoted\" caf\xc3\xa9", line.message);
  EXPECT_STREQ("", parser.last_error());
}

TEST(JournalJsonTest, SyslogPidWinsAndCommStandsInForAnIdentifier) {
  JournalJsonParser parser(SyslogNames(), absl::UTCTimeZone());
  LogLine line;
  ASSERT_EQ(EnvelopeResult::kOk,
            parser.Parse(R"({"__REALTIME_TIMESTAMP":"5","_PID":"1","SYSLOG_PID":"2",)"
                         R"("_COMM":"smtpd","SYSLOG_IDENTIFIER":"postfix/smtpd","MESSAGE":"x"})",
                         &line));
  EXPECT_EQ(2, line.pid);
  EXPECT_EQ("smtpd", line.daemon);
  ASSERT_EQ(EnvelopeResult::kOk,
            parser.Parse(R"({"__REALTIME_TIMESTAMP":"5","_COMM":"dovecot","MESSAGE":"x"})",
                         &line));
  EXPECT_EQ("dovecot", line.program);
  EXPECT_EQ(-1, line.pid);
  EXPECT_EQ("", line.host);
}

TEST(JournalJsonTest, BinaryAndRepeatedValues) {
  JournalJsonParser parser(SyslogNames(), absl::UTCTimeZone());
  LogLine line;
  // Not UTF-8: an array of byte values. Twice the same field: an array.
  ASSERT_EQ(EnvelopeResult::kOk,
            parser.Parse(R"({"__REALTIME_TIMESTAMP":"5","SYSLOG_IDENTIFIER":["postfix/qmgr",)"
                         R"("postfix/x"],"MESSAGE":[65,255,0,66]})",
                         &line));
  EXPECT_EQ("qmgr", line.daemon);
  EXPECT_EQ(std::string("A\xff\0B", 4), line.message);
  // Several values, the first in bytes; deeper nesting is no value.
  ASSERT_EQ(EnvelopeResult::kOk,
            parser.Parse(R"({"__REALTIME_TIMESTAMP":"5","MESSAGE":[[104,105],"x"]})", &line));
  EXPECT_EQ("hi", line.message);
  EXPECT_EQ(EnvelopeResult::kMalformed,
            parser.Parse(R"({"__REALTIME_TIMESTAMP":"5","MESSAGE":[[[104]]]})", &line));
  const std::string deep = R"({"__REALTIME_TIMESTAMP":"5","MESSAGE":)" + std::string(5000, '[') +
                           std::string(5000, ']') + "}";
  EXPECT_EQ(EnvelopeResult::kMalformed, parser.Parse(deep, &line));
}

TEST(JournalJsonTest, DockerJsonFileLines) {
  JournalJsonParser parser(SyslogNames(), Berlin());
  LogLine line;
  ASSERT_EQ(EnvelopeResult::kOk,
            parser.Parse(R"({"log":"Nov 25 17:58:09 mx1 postfix/smtpd[1]: connect from x\n",)"
                         R"("stream":"stdout","time":"2026-11-25T16:58:09.123456789Z"})",
                         &line))
      << parser.last_error();
  EXPECT_EQ("2026-11-25T17:58:09.123456+01:00", line.time.ToRfc3339());
  EXPECT_EQ("", line.program);
  EXPECT_EQ(-1, line.pid);
  EXPECT_EQ("Nov 25 17:58:09 mx1 postfix/smtpd[1]: connect from x", line.message);
  EXPECT_EQ(EnvelopeResult::kMalformed,
            parser.Parse(R"({"log":"x\n","stream":"stdout","time":"yesterday"})", &line));
  EXPECT_STREQ("no time", parser.last_error());
  EXPECT_EQ(EnvelopeResult::kMalformed,
            parser.Parse(R"({"log":7,"time":"2026-11-25T16:58:09Z"})", &line));
  EXPECT_STREQ("no log", parser.last_error());
}

TEST(JournalJsonTest, JsonSeqAndJsonSsePrefixesAreSkipped) {
  JournalJsonParser parser(SyslogNames(), absl::UTCTimeZone());
  LogLine line;
  // -o json-seq: an RS byte; -o json-sse: "data: ".
  for (const char* prefix : {"\x1e", "data: "}) {
    const std::string text = std::string(prefix) + kEntry;
    EXPECT_TRUE(MayBeJournalJson(text)) << prefix;
    ASSERT_EQ(EnvelopeResult::kOk, parser.Parse(text, &line)) << prefix;
    EXPECT_EQ("smtpd", line.daemon) << prefix;
  }
  EXPECT_FALSE(MayBeJournalJson("data: x"));
  EXPECT_FALSE(MayBeJournalJson("data:{}"));
}

TEST(JournalJsonTest, WhatIsNotAnEntryIsMalformed) {
  JournalJsonParser parser(SyslogNames(), absl::UTCTimeZone());
  LogLine line;
  struct Case {
    const char* text;
    const char* error;
  } cases[] = {
      {"{", "not a JSON object"},
      {"{\"MESSAGE\":\"x\"", "not a JSON object"},  // a line cut short
      {"[1,2]", "not a JSON object"},
      {R"({"MESSAGE":"x"})", "no __REALTIME_TIMESTAMP"},
      {R"({"__REALTIME_TIMESTAMP":"12x","MESSAGE":"x"})", "no __REALTIME_TIMESTAMP"},
      {R"({"__REALTIME_TIMESTAMP":"5"})", "no MESSAGE"},
      {R"({"__REALTIME_TIMESTAMP":"5","MESSAGE":null})", kJournalMessageLeftOut},
      {R"({"__REALTIME_TIMESTAMP":"5","MESSAGE":[65,300]})", "no MESSAGE"},
      {"{\"__REALTIME_TIMESTAMP\":\"5\",\"MESSAGE\":\"\xff\"}", "not a JSON object"},
  };
  for (const Case& c : cases) {
    line.pid = 77;
    EXPECT_EQ(EnvelopeResult::kMalformed, parser.Parse(c.text, &line)) << c.text;
    EXPECT_STREQ(c.error, parser.last_error()) << c.text;
    EXPECT_EQ(-1, line.pid) << c.text;
  }
  EXPECT_FALSE(MayBeJournalJson(""));
  EXPECT_FALSE(MayBeJournalJson("Nov 25 17:58:09 h p[1]: {"));
}

TEST(JournalJsonTest, EveryPrefixOfAnEntryIsSafe) {
  JournalJsonParser parser(SyslogNames(), absl::UTCTimeZone());
  const std::string entry = kEntry;
  LogLine line;
  for (size_t k = 0; k < entry.size(); ++k) {
    EXPECT_EQ(EnvelopeResult::kMalformed, parser.Parse(entry.substr(0, k), &line)) << k;
  }
  EXPECT_EQ(EnvelopeResult::kOk, parser.Parse(entry, &line));
}

}  // namespace
}  // namespace mailgauge::parsers
