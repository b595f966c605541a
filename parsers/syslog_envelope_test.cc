#include "parsers/syslog_envelope.h"

#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace mailgauge::parsers {
namespace {

absl::Time At(int y, int m, int d, int hh = 12, int mm = 0, int ss = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, ss),
                         absl::UTCTimeZone());
}

EnvelopeOptions Options(absl::TimeZone tz = absl::UTCTimeZone(),
                        absl::Time now = At(2026, 11, 26)) {
  EnvelopeOptions options;
  options.time_zone = tz;
  options.now = now;
  return options;
}

absl::TimeZone Zone(const char* name) {
  absl::TimeZone tz;
  EXPECT_TRUE(absl::LoadTimeZone(name, &tz)) << "no tzdata for " << name;
  return tz;
}

// Parses and expects kOk.
LogLine MustParse(EnvelopeParser& parser, std::string_view text) {
  LogLine line;
  const EnvelopeResult result = parser.Parse(text, &line);
  EXPECT_EQ(EnvelopeResult::kOk, result)
      << "line: " << text << " error: " << parser.last_error();
  return line;
}

LogLine MustParse(std::string_view text) {
  EnvelopeParser parser(Options());
  return MustParse(parser, text);
}

// Parses and expects kMalformed; returns the reason.
std::string MustFail(EnvelopeParser& parser, std::string_view text) {
  LogLine line;
  line.pid = 77;
  const EnvelopeResult result = parser.Parse(text, &line);
  EXPECT_EQ(EnvelopeResult::kMalformed, result) << "line: " << text;
  EXPECT_EQ(-1, line.pid) << "out not reset for: " << text;
  EXPECT_TRUE(line.message.empty());
  EXPECT_NE(std::string(""), parser.last_error());
  return parser.last_error();
}

std::string MustFail(std::string_view text) {
  EnvelopeParser parser(Options());
  return MustFail(parser, text);
}

// --- Classic (RFC 3164) ---------------------------------------------------

TEST(SyslogEnvelopeTest, ParsesClassicLine) {
  const LogLine line = MustParse(
      "Nov 25 17:58:09 mx1 postfix/smtpd[123]: connect from "
      "unknown[192.0.2.1]");
  EXPECT_EQ(Timestamp::FromCivil(2026, 11, 25, 17, 58, 9, 0, 0), line.time);
  EXPECT_EQ("2026-11-25T17:58:09Z", line.time.ToRfc3339());
  EXPECT_EQ("mx1", line.host);
  EXPECT_EQ("postfix/smtpd", line.program);
  EXPECT_EQ("postfix", line.syslog_name);
  EXPECT_EQ("postfix", line.instance);
  EXPECT_EQ("", line.service);
  EXPECT_EQ("smtpd", line.daemon);
  EXPECT_EQ(123, line.pid);
  EXPECT_EQ("connect from unknown[192.0.2.1]", line.message);
}

TEST(SyslogEnvelopeTest, ParsesClassicDayPaddings) {
  // Space-padded (syslogd), zero-padded (postlogd, journalctl), bare.
  for (const char* text : {"Nov  5 07:08:09 h postfix/qmgr[1]: x",
                           "Nov 05 07:08:09 h postfix/qmgr[1]: x",
                           "Nov 5 07:08:09 h postfix/qmgr[1]: x"}) {
    const LogLine line = MustParse(text);
    EXPECT_EQ("2026-11-05T07:08:09Z", line.time.ToRfc3339()) << text;
    EXPECT_EQ("x", line.message);
  }
}

TEST(SyslogEnvelopeTest, ParsesEveryMonthName) {
  const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int m = 1; m <= 12; ++m) {
    // A fresh parser each time, "now" at the end of the year: same year.
    EnvelopeParser parser(Options(absl::UTCTimeZone(), At(2026, 12, 31)));
    const std::string text =
        std::string(kMonths[m - 1]) + " 28 00:00:00 h postfix/qmgr[1]: x";
    const LogLine line = MustParse(parser, text);
    EXPECT_EQ(Timestamp::FromCivil(2026, m, 28, 0, 0, 0, 0, 0), line.time)
        << text;
  }
}

TEST(SyslogEnvelopeTest, ParsesClassicFractionalSeconds) {
  struct Case {
    const char* stamp;
    int micros;
  } cases[] = {{"17:58:09.1", 100000},        {"17:58:09.12", 120000},
               {"17:58:09.123", 123000},      {"17:58:09.000001", 1},
               {"17:58:09.123456", 123456},   {"17:58:09.1234567", 123456},
               {"17:58:09.999999999", 999999}};
  for (const Case& c : cases) {
    const LogLine line = MustParse(std::string("Nov 25 ") + c.stamp +
                                   " mx1 postfix/smtpd[1]: hi");
    EXPECT_EQ(Timestamp::FromCivil(2026, 11, 25, 17, 58, 9, c.micros, 0),
              line.time)
        << c.stamp;
  }
}

TEST(SyslogEnvelopeTest, ClassicUsesFixedZoneOffset) {
  EnvelopeParser east(Options(absl::FixedTimeZone(3600)));
  LogLine line = MustParse(east, "Nov 25 17:58:09 mx1 postfix/smtpd[1]: hi");
  EXPECT_EQ(3600, line.time.utc_offset_seconds);
  EXPECT_EQ("2026-11-25T17:58:09+01:00", line.time.ToRfc3339());
  EXPECT_EQ(Timestamp::FromCivil(2026, 11, 25, 16, 58, 9, 0, 0).unix_micros,
            line.time.unix_micros);

  EnvelopeParser west(Options(absl::FixedTimeZone(-(9 * 3600 + 30 * 60))));
  line = MustParse(west, "Nov 25 17:58:09 mx1 postfix/smtpd[1]: hi");
  EXPECT_EQ(-(9 * 3600 + 30 * 60), line.time.utc_offset_seconds);
  EXPECT_EQ("2026-11-25T17:58:09-09:30", line.time.ToRfc3339());
}

TEST(SyslogEnvelopeTest, ClassicFollowsDaylightSavingTime) {
  EnvelopeParser parser(Options(Zone("Europe/Berlin"), At(2026, 12, 1)));
  LogLine line = MustParse(parser, "Jul  1 12:00:00 mx1 postfix/smtpd[1]: a");
  EXPECT_EQ(7200, line.time.utc_offset_seconds);
  EXPECT_EQ("2026-07-01T12:00:00+02:00", line.time.ToRfc3339());
  line = MustParse(parser, "Nov  1 12:00:00 mx1 postfix/smtpd[1]: a");
  EXPECT_EQ(3600, line.time.utc_offset_seconds);
  // Same hour again: answered from the cache, same result.
  line = MustParse(parser, "Nov  1 12:30:00 mx1 postfix/smtpd[1]: a");
  EXPECT_EQ("2026-11-01T12:30:00+01:00", line.time.ToRfc3339());
}

TEST(SyslogEnvelopeTest, RepeatedHourAtFallBackIsOrderedByStream) {
  // America/New_York leaves DST on 2026-11-01 at 02:00 EDT -> 01:00 EST,
  // so 01:00-01:59 is shown twice.
  EnvelopeParser parser(Options(Zone("America/New_York"), At(2026, 11, 2)));
  const char* lines[] = {
      "Nov  1 00:59:00 h postfix/qmgr[1]: a",  // EDT
      "Nov  1 01:30:00 h postfix/qmgr[1]: b",  // EDT, first pass
      "Nov  1 01:59:59 h postfix/qmgr[1]: c",  // EDT
      "Nov  1 01:00:05 h postfix/qmgr[1]: d",  // EST, second pass
      "Nov  1 01:30:00 h postfix/qmgr[1]: e",  // EST
      "Nov  1 02:00:00 h postfix/qmgr[1]: f",  // EST
  };
  const int32_t offsets[] = {-14400, -14400, -14400, -18000, -18000, -18000};
  int64_t previous = 0;
  for (int i = 0; i < 6; ++i) {
    const LogLine line = MustParse(parser, lines[i]);
    EXPECT_EQ(offsets[i], line.time.utc_offset_seconds) << lines[i];
    EXPECT_GT(line.time.unix_micros, previous) << lines[i];
    previous = line.time.unix_micros;
  }
  // 01:30 EDT is 05:30Z; 01:30 EST is 06:30Z.
  EnvelopeParser again(Options(Zone("America/New_York"), At(2026, 11, 2)));
  EXPECT_EQ("2026-11-01T01:30:00-04:00",
            MustParse(again, lines[1]).time.ToRfc3339());
}

TEST(SyslogEnvelopeTest, LinesOfOneSecondShareTheirInstant) {
  // Busy logs write many lines with one timestamp (the parser reuses the
  // last conversion): each line again, in the repeated hour too, and over
  // New Year, gives the instant its first copy had.
  EnvelopeParser parser(Options(Zone("America/New_York"), At(2027, 1, 2)));
  const char* lines[] = {
      "Nov  1 01:30:00 h postfix/qmgr[1]: b",  // EDT, first pass
      "Nov  1 01:00:05 h postfix/qmgr[1]: d",  // EST, second pass
      "Nov  1 01:30:00 h postfix/qmgr[1]: e",  // EST
      "Dec 31 23:59:59 h postfix/qmgr[1]: f",
      "Jan  1 00:00:00 h postfix/qmgr[1]: g",  // a new year
      "Dec 31 23:59:59 h postfix/qmgr[1]: h",  // a straggler: the year before
  };
  const int32_t offsets[] = {-14400, -18000, -18000, -18000, -18000, -18000};
  int64_t instants[6];
  for (int i = 0; i < 6; ++i) {
    const LogLine first = MustParse(parser, lines[i]);
    const LogLine again = MustParse(parser, lines[i]);
    EXPECT_EQ(offsets[i], first.time.utc_offset_seconds) << lines[i];
    EXPECT_EQ(first.time.unix_micros, again.time.unix_micros) << lines[i];
    EXPECT_EQ(first.time.utc_offset_seconds, again.time.utc_offset_seconds) << lines[i];
    instants[i] = first.time.unix_micros;
  }
  EXPECT_EQ(instants[0] + 3600 * int64_t{1000000}, instants[2]);  // 01:30 EDT, then EST
  EXPECT_EQ(instants[3], instants[5]);
  EXPECT_EQ(instants[3] + 1000000, instants[4]);
}

TEST(SyslogEnvelopeTest, SkippedHourAtSpringForwardStillParses) {
  // 2026-03-08 02:30 does not exist in New York.
  EnvelopeParser parser(Options(Zone("America/New_York"), At(2026, 11, 2)));
  const LogLine line =
      MustParse(parser, "Mar  8 02:30:00 h postfix/qmgr[1]: a");
  EXPECT_EQ(Timestamp::FromCivil(2026, 3, 8, 7, 30, 0, 0, 0).unix_micros,
            line.time.unix_micros);
  const LogLine after =
      MustParse(parser, "Mar  8 03:30:00 h postfix/qmgr[1]: b");
  EXPECT_EQ(-14400, after.time.utc_offset_seconds);
}

// --- Year inference ---------------------------------------------------------

int YearOf(const LogLine& line) {
  return static_cast<int>(
      absl::ToCivilYear(absl::FromUnixMicros(line.time.local_micros()),
                        absl::UTCTimeZone())
          .year());
}

TEST(SyslogEnvelopeTest, YearIsNowsYearUpToNowsMonth) {
  EnvelopeParser parser(Options(absl::UTCTimeZone(), At(2026, 11, 25)));
  EXPECT_EQ(2026, YearOf(MustParse(parser, "Nov 26 00:00:00 h p[1]: x")));
  EnvelopeParser january(Options(absl::UTCTimeZone(), At(2026, 11, 25)));
  EXPECT_EQ(2026, YearOf(MustParse(january, "Jan  3 00:00:00 h p[1]: x")));
}

TEST(SyslogEnvelopeTest, MonthAfterNowMeansLastYear) {
  EnvelopeParser parser(Options(absl::UTCTimeZone(), At(2026, 11, 25)));
  EXPECT_EQ(2025, YearOf(MustParse(parser, "Dec 24 10:00:00 h p[1]: x")));
  EXPECT_EQ(2025, parser.current_year());
}

TEST(SyslogEnvelopeTest, DecemberToJanuaryRollsOver) {
  EnvelopeParser parser(Options(absl::UTCTimeZone(), At(2026, 11, 25)));
  EXPECT_EQ(2026, YearOf(MustParse(parser, "Nov 30 23:00:00 h p[1]: x")));
  EXPECT_EQ(2026, YearOf(MustParse(parser, "Dec 31 23:59:59 h p[1]: x")));
  EXPECT_EQ(2027, YearOf(MustParse(parser, "Jan  1 00:00:00 h p[1]: x")));
  EXPECT_EQ(2027, YearOf(MustParse(parser, "Feb  1 00:00:00 h p[1]: x")));
  EXPECT_EQ(2027, parser.current_year());
}

TEST(SyslogEnvelopeTest, LogStartedInDecemberReadInJanuary) {
  EnvelopeParser parser(Options(absl::UTCTimeZone(), At(2027, 1, 2)));
  const LogLine dec = MustParse(parser, "Dec 31 23:59:59 h p[1]: x");
  EXPECT_EQ("2026-12-31T23:59:59Z", dec.time.ToRfc3339());
  const LogLine jan = MustParse(parser, "Jan  1 00:00:01 h p[1]: x");
  EXPECT_EQ("2027-01-01T00:00:01Z", jan.time.ToRfc3339());
  // A December straggler after the roll-over stays in December 2026.
  const LogLine late = MustParse(parser, "Dec 31 23:59:58 h p[1]: x");
  EXPECT_EQ("2026-12-31T23:59:58Z", late.time.ToRfc3339());
  const LogLine jan2 = MustParse(parser, "Jan  1 00:00:02 h p[1]: x");
  EXPECT_EQ("2027-01-01T00:00:02Z", jan2.time.ToRfc3339());
}

TEST(SyslogEnvelopeTest, YearOverrideWins) {
  EnvelopeOptions options = Options(absl::UTCTimeZone(), At(2026, 11, 25));
  options.year = 2019;
  EnvelopeParser parser(options);
  EXPECT_EQ("2019-12-31T10:00:00Z",
            MustParse(parser, "Dec 31 10:00:00 h p[1]: x").time.ToRfc3339());
  // The override is the first line's year; the roll-over still applies.
  EXPECT_EQ("2020-01-01T10:00:00Z",
            MustParse(parser, "Jan  1 10:00:00 h p[1]: x").time.ToRfc3339());
}

TEST(SyslogEnvelopeTest, YearOverrideIsClamped) {
  EnvelopeOptions options = Options();
  options.year = 2000000000;
  EnvelopeParser parser(options);
  EXPECT_EQ("9999-12-31T10:00:00Z",
            MustParse(parser, "Dec 31 10:00:00 h p[1]: x").time.ToRfc3339());
}

TEST(SyslogEnvelopeTest, DefaultOptionsUseTheLocalZoneAndClock) {
  EnvelopeParser parser;
  const LogLine line =
      MustParse(parser, "Jan  1 00:00:00 h postfix/qmgr[1]: x");
  const absl::Time expected =
      absl::FromCivil(absl::CivilSecond(parser.current_year(), 1, 1, 0, 0, 0),
                      absl::LocalTimeZone());
  EXPECT_EQ(absl::ToUnixMicros(expected), line.time.unix_micros);
  const int now_year = static_cast<int>(
      absl::ToCivilYear(absl::Now(), absl::LocalTimeZone()).year());
  EXPECT_EQ(now_year, parser.current_year());  // January is never "later"
}

TEST(SyslogEnvelopeTest, TimeGoingBackwardsKeepsTheYear) {
  EnvelopeParser parser(Options(absl::UTCTimeZone(), At(2026, 11, 25)));
  EXPECT_EQ("2026-11-25T10:00:00Z",
            MustParse(parser, "Nov 25 10:00:00 h p[1]: x").time.ToRfc3339());
  EXPECT_EQ("2026-11-25T09:00:00Z",
            MustParse(parser, "Nov 25 09:00:00 h p[1]: x").time.ToRfc3339());
  EXPECT_EQ("2026-10-31T09:00:00Z",
            MustParse(parser, "Oct 31 09:00:00 h p[1]: x").time.ToRfc3339());
  EXPECT_EQ("2026-11-25T11:00:00Z",
            MustParse(parser, "Nov 25 11:00:00 h p[1]: x").time.ToRfc3339());
}

TEST(SyslogEnvelopeTest, MalformedLinesDoNotMoveTheYear) {
  EnvelopeParser parser(Options(absl::UTCTimeZone(), At(2026, 11, 25)));
  MustParse(parser, "Dec 31 10:00:00 h p[1]: x");  // 2025
  MustFail(parser, "Jan  1 10:00:00 h no tag here");
  EXPECT_EQ(2025, parser.current_year());
}

TEST(SyslogEnvelopeTest, FebruaryTwentyNinth) {
  EnvelopeParser leap(Options(absl::UTCTimeZone(), At(2028, 3, 1)));
  EXPECT_EQ("2028-02-29T00:00:00Z",
            MustParse(leap, "Feb 29 00:00:00 h p[1]: x").time.ToRfc3339());
  EXPECT_EQ("bad day", MustFail("Feb 30 00:00:00 h p[1]: x"));
  EXPECT_EQ("bad day", MustFail("Apr 31 00:00:00 h p[1]: x"));
}

// --- RFC 3339 / ISO ---------------------------------------------------------

TEST(SyslogEnvelopeTest, ParsesIsoTimestampWithMicroseconds) {
  const LogLine line =
      MustParse("2026-11-25T17:58:09.123456+01:00 mx1 postfix/smtpd[123]: msg");
  EXPECT_EQ(Timestamp::FromCivil(2026, 11, 25, 17, 58, 9, 123456, 3600),
            line.time);
  EXPECT_EQ("2026-11-25T17:58:09.123456+01:00", line.time.ToRfc3339());
  EXPECT_EQ("mx1", line.host);
  EXPECT_EQ("smtpd", line.daemon);
  EXPECT_EQ(123, line.pid);
  EXPECT_EQ("msg", line.message);
}

TEST(SyslogEnvelopeTest, ParsesIsoFractionsOfEveryLength) {
  const char* fractions[] = {"1",       "12",       "123",
                             "1234",    "12345",    "123456",
                             "1234567", "12345678", "123456789"};
  const int micros[] = {100000, 120000, 123000, 123400, 123450,
                        123456, 123456, 123456, 123456};
  for (int i = 0; i < 9; ++i) {
    const LogLine line = MustParse(std::string("2026-11-25T17:58:09.") +
                                   fractions[i] + "Z h postfix/qmgr[1]: x");
    EXPECT_EQ(Timestamp::FromCivil(2026, 11, 25, 17, 58, 9, micros[i], 0),
              line.time)
        << fractions[i];
  }
  EXPECT_EQ("bad fraction of second",
            MustFail("2026-11-25T17:58:09.1234567890Z h p[1]: x"));
  EXPECT_EQ("bad fraction of second",
            MustFail("2026-11-25T17:58:09.Z h p[1]: x"));
}

TEST(SyslogEnvelopeTest, ParsesIsoOffsets) {
  struct Case {
    const char* stamp;
    int32_t offset;
  } cases[] = {{"2026-11-25T17:58:09Z", 0},
               {"2026-11-25T17:58:09z", 0},
               {"2026-11-25T17:58:09+00:00", 0},
               {"2026-11-25T17:58:09-00:00", 0},
               {"2026-11-25T17:58:09+01:00", 3600},
               {"2026-11-25T17:58:09-05:00", -18000},
               {"2026-11-25T17:58:09+05:45", 20700},
               {"2026-11-25T17:58:09-03:30", -12600},
               {"2026-11-25T17:58:09+0100", 3600},  // journalctl -o short-iso
               {"2026-11-25T17:58:09+14:00", 50400}};
  for (const Case& c : cases) {
    const LogLine line =
        MustParse(std::string(c.stamp) + " h postfix/qmgr[1]: x");
    EXPECT_EQ(Timestamp::FromCivil(2026, 11, 25, 17, 58, 9, 0, c.offset),
              line.time)
        << c.stamp;
  }
}

TEST(SyslogEnvelopeTest, IsoWithSpaceAndWithoutOffsetUsesZone) {
  EnvelopeParser parser(Options(absl::FixedTimeZone(-7200)));
  LogLine line =
      MustParse(parser, "2026-11-25 17:58:09 mx1 postfix/qmgr[1]: x");
  EXPECT_EQ("2026-11-25T17:58:09-02:00", line.time.ToRfc3339());
  line = MustParse(parser, "2026-11-25T17:58:09,25 mx1 postfix/qmgr[1]: x");
  EXPECT_EQ("2026-11-25T17:58:09.250000-02:00", line.time.ToRfc3339());
  line =
      MustParse(parser, "2026-11-25 17:58:09.5+03:00 mx1 postfix/qmgr[1]: x");
  EXPECT_EQ("2026-11-25T17:58:09.500000+03:00", line.time.ToRfc3339());
}

TEST(SyslogEnvelopeTest, IsoYearIsNotInferred) {
  EnvelopeParser parser(Options(absl::UTCTimeZone(), At(2030, 1, 1)));
  EXPECT_EQ("2019-12-31T23:59:59Z",
            MustParse(parser, "2019-12-31T23:59:59Z h postfix/qmgr[1]: x")
                .time.ToRfc3339());
  EXPECT_EQ("2028-02-29T00:00:00Z",
            MustParse(parser, "2028-02-29T00:00:00Z h postfix/qmgr[1]: x")
                .time.ToRfc3339());
}

// --- journalctl's other text forms ----------------------------------------

TEST(SyslogEnvelopeTest, ParsesJournalctlShortFull) {
  // journalctl -o short-full: weekday, date, time, zone abbreviation.
  EnvelopeParser parser(Options(Zone("Europe/Berlin")));
  LogLine line = MustParse(parser, "Wed 2026-11-25 17:58:09 UTC mx1 postfix/smtpd[123]: msg");
  EXPECT_EQ("2026-11-25T17:58:09Z", line.time.ToRfc3339());
  EXPECT_EQ("mx1", line.host);
  EXPECT_EQ("smtpd", line.daemon);
  EXPECT_EQ(123, line.pid);
  EXPECT_EQ("msg", line.message);
  // An abbreviation other than UTC/GMT leaves the offset to the zone.
  EXPECT_EQ("2026-11-25T17:58:09+01:00",
            MustParse(parser, "Wed 2026-11-25 17:58:09 CET h postfix/qmgr[1]: x").time.ToRfc3339());
  EXPECT_EQ("2026-07-01T17:58:09+02:00",
            MustParse(parser, "Wed 2026-07-01 17:58:09 CEST h postfix/qmgr[1]: x").time.ToRfc3339());
  // Zones without an abbreviation are written as offsets.
  EXPECT_EQ("2026-11-25T17:58:09+03:00",
            MustParse(parser, "Wed 2026-11-25 17:58:09 +03 h postfix/qmgr[1]: x").time.ToRfc3339());
  EXPECT_EQ("2026-11-25T17:58:09-05:30",
            MustParse(parser, "Wed 2026-11-25 17:58:09 -0530 h postfix/qmgr[1]: x").time.ToRfc3339());
  EXPECT_EQ("2026-11-25T17:58:09.250000Z",
            MustParse(parser, "Sun 2026-11-25 17:58:09.25 GMT h postfix/qmgr[1]: x").time.ToRfc3339());
  EXPECT_EQ("bad date", MustFail(parser, "Wed 2026-13-25 17:58:09 UTC h postfix/qmgr[1]: x"));
  EXPECT_EQ("bad time of day", MustFail(parser, "Wed 2026-11-25 25:58:09 UTC h p[1]: x"));
  EXPECT_EQ("bad time zone", MustFail(parser, "Wed 2026-11-25 17:58:09 +3 h p[1]: x"));
  EXPECT_EQ("bad time zone", MustFail(parser, "Wed 2026-11-25 17:58:09 Europe/Berlin h p[1]: x"));
  EXPECT_EQ("bad month", MustFail(parser, "Wed Nov 25 17:58:09 h p[1]: x"));
}

TEST(SyslogEnvelopeTest, ParsesJournalctlShortUnix) {
  // journalctl -o short-unix: seconds since the epoch; the wall clock is the
  // configured zone's.
  EnvelopeParser parser(Options(Zone("Europe/Berlin")));
  const int64_t seconds = absl::ToUnixSeconds(At(2026, 11, 25, 16, 58, 9));
  // The LogLine's views point into the text: it must outlive them.
  const std::string text = absl::StrCat(seconds, ".123456 mx1 postfix/smtpd[123]: msg");
  LogLine line = MustParse(parser, text);
  EXPECT_EQ("2026-11-25T17:58:09.123456+01:00", line.time.ToRfc3339());
  EXPECT_EQ(seconds * 1000000 + 123456, line.time.unix_micros);
  EXPECT_EQ("mx1", line.host);
  EXPECT_EQ("smtpd", line.daemon);
  EXPECT_EQ("msg", line.message);
  EXPECT_EQ("2026-11-25T17:58:09+01:00",
            MustParse(parser, absl::StrCat(seconds, " h postfix/qmgr[1]: x")).time.ToRfc3339());
  // Fewer than 9 or more than 12 digits are not read as a time.
  EXPECT_EQ("bad date", MustFail(parser, "12345678.5 h postfix/qmgr[1]: x"));
  EXPECT_EQ("bad date", MustFail(parser, "1795634566123 h postfix/qmgr[1]: x"));
  EXPECT_EQ("bad time since the epoch", MustFail(parser, "1795634566.x h postfix/qmgr[1]: x"));
}

TEST(SyslogEnvelopeTest, ContainerRuntimeTimeBeforeTheLine) {
  // docker logs -t / kubectl logs --timestamps, and CRI log files: the
  // runtime's time is the line's, the line inside gives the rest.
  EnvelopeParser parser(Options(Zone("Europe/Berlin")));
  for (const char* text :
       {"2026-11-25T16:58:09.123456789Z Nov 25 17:58:09 mx1 postfix/smtpd[123]: msg",
        "2026-11-25T16:58:09.123456789Z stdout F Nov 25 17:58:09 mx1 postfix/smtpd[123]: msg",
        "2026-11-25T16:58:09.123456Z stderr P Nov  5 17:58:09 mx1 postfix/smtpd[123]: msg",
        "2026-11-25T17:58:09.123456+01:00 2026-11-25T17:58:09+01:00 mx1 postfix/smtpd[123]: msg"}) {
    const LogLine line = MustParse(parser, text);
    EXPECT_EQ(Timestamp::FromCivil(2026, 11, 25, 16, 58, 9, 123456, 0).unix_micros,
              line.time.unix_micros)
        << text;
    EXPECT_EQ("mx1", line.host) << text;
    EXPECT_EQ("smtpd", line.daemon) << text;
    EXPECT_EQ(123, line.pid) << text;
    EXPECT_EQ("msg", line.message) << text;
  }
  // The inner line's faults are reported; no third level is read.
  EXPECT_EQ("bad host", MustFail(parser, "2026-11-25T16:58:09Z Nov 25 17:58:09 mx1"));
  // (Read as host "Nov", program "25".)
  EXPECT_EQ("numeric tag",
            MustFail(parser, "2026-11-25T16:58:09Z stdout F 2026-11-25T16:58:09Z Nov 25 17:58:09 "
                             "mx1 postfix/smtpd[1]: x"));
  // A forced format applies to the runtime's time, not to the line inside.
  EnvelopeOptions iso = Options();
  iso.format = EnvelopeFormat::kIso;
  EnvelopeParser iso_parser(iso);
  EXPECT_EQ("mx1", MustParse(iso_parser, "2026-11-25T16:58:09Z Nov 25 17:58:09 mx1 p[1]: x").host);
  // A host that is a month name is still a host.
  EXPECT_EQ("Nov", MustParse("2026-11-25T16:58:09Z Nov postfix/smtpd[1]: x").host);
  EXPECT_TRUE(StartsLikeSyslogTime("Nov  5 17:58:09 h p: x"));
  EXPECT_TRUE(StartsLikeSyslogTime("2026-11-25 17:58:09 h p: x"));
  EXPECT_FALSE(StartsLikeSyslogTime("Nov 2"));
  EXPECT_FALSE(StartsLikeSyslogTime("starting the container"));
}

TEST(SyslogEnvelopeTest, SyslogDaemonsOwnLinesAreSyslogdsLines) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"Nov 25 17:58:09 mx1 last message repeated 3 times", "last message repeated 3 times"},
      {"Nov 25 17:58:09 mx1 last message repeated 1 time", "last message repeated 1 time"},
      {"2026-11-25T17:58:09+01:00 mx1 last message repeated 12 times",
       "last message repeated 12 times"},
      {"Nov 25 17:58:09 mx1 -- MARK --", "-- MARK --"},
      {"Nov 25 17:58:09 mx1 syslogd 1.5.1: restart.", "1.5.1: restart."},
      {"Nov 25 17:58:09 mx1 syslogd 1.5.1#17: exiting on signal 15",
       "1.5.1#17: exiting on signal 15"},
      {"Nov 25 17:58:09 mx1 syslogd (GNU inetutils 2.4): restart", "(GNU inetutils 2.4): restart"},
      {"Nov 25 17:58:09 mx1 syslog.info syslogd started: BusyBox v1.36.1",
       "started: BusyBox v1.36.1"},
  };
  for (const Case& c : cases) {
    EnvelopeParser parser(Options());
    const LogLine line = MustParse(parser, c.text);
    EXPECT_EQ("mx1", line.host) << c.text;
    EXPECT_EQ("syslogd", line.program) << c.text;
    EXPECT_EQ("syslogd", line.daemon) << c.text;
    EXPECT_EQ(line.program.data(), &kSyslogdTag[0]) << c.text;
    EXPECT_EQ(-1, line.pid) << c.text;
    EXPECT_EQ(c.message, line.message) << c.text;
    EXPECT_EQ(2026, YearOf(line)) << c.text;
  }
}

TEST(SyslogEnvelopeTest, BusyBoxFacilityAndPriorityAreSkipped) {
  for (const char* text : {"Nov 25 17:58:09 mx1 mail.info postfix/smtpd[123]: msg",
                           "2026-11-25T17:58:09Z mx1 local3.warning postfix/smtpd[123]: msg",
                           "Nov 25 17:58:09 mx1 authpriv.err postfix/smtpd[123]: msg"}) {
    const LogLine line = MustParse(text);
    EXPECT_EQ("mx1", line.host) << text;
    EXPECT_EQ("postfix/smtpd", line.program) << text;
    EXPECT_EQ(123, line.pid) << text;
    EXPECT_EQ("msg", line.message) << text;
  }
  EXPECT_EQ("no tag", MustFail("Nov 25 17:58:09 mx1 mail.bogus postfix/smtpd[123]: msg"));
  EXPECT_EQ("no tag", MustFail("Nov 25 17:58:09 mx1 mail.info"));
  EXPECT_TRUE(IsFacilityPriority("local7.debug"));
  EXPECT_FALSE(IsFacilityPriority("mail"));
  EXPECT_FALSE(IsFacilityPriority("postfix.smtpd"));
}

// The boky/postfix container image: the severity, padded, instead of a
// host after an ISO time.
TEST(SyslogEnvelopeTest, SeverityInsteadOfHostAfterIsoTime) {
  for (const char* text :
       {"2023-12-30T21:20:26.625152+00:00 INFO    postfix/smtpd[481]: msg",
        "2023-12-30T21:20:26.625152+00:00 WARNING postfix/smtpd[481]: msg",
        "2023-12-30T21:20:26.625152+00:00 NOTICE  postfix/smtpd[481]: msg"}) {
    const LogLine line = MustParse(text);
    EXPECT_EQ("", line.host) << text;
    EXPECT_EQ("postfix/smtpd", line.program) << text;
    EXPECT_EQ("smtpd", line.daemon) << text;
    EXPECT_EQ(481, line.pid) << text;
    EXPECT_EQ("msg", line.message) << text;
    EXPECT_EQ(1703971226625152, line.time.unix_micros) << text;
  }
  // A host of another name, or in lower case, is a host.
  EXPECT_EQ("info", MustParse("2023-12-30T21:20:26Z info postfix/smtpd[1]: msg").host);
  EXPECT_EQ("INFOS", MustParse("2023-12-30T21:20:26Z INFOS postfix/smtpd[1]: msg").host);
  EXPECT_EQ("no tag", MustFail("2023-12-30T21:20:26Z INFO    "));
}

TEST(SyslogEnvelopeTest, JournalctlMarkersAreEmptyLines) {
  EnvelopeParser parser(Options());
  LogLine line;
  for (const char* text :
       {"-- Journal begins at Mon 2026-11-02 10:00:00 UTC, ends at Wed 2026-11-25 20:00:00 UTC. --",
        "-- Logs begin at Mon 2026-11-02 10:00:00 UTC, end at Wed 2026-11-25 20:00:00 UTC. --",
        "-- Boot 3f4b0b5a2b8e4d6c9a1e2f3a4b5c6d7e --", "-- Reboot --", "-- No entries --"}) {
    EXPECT_EQ(EnvelopeResult::kEmpty, parser.Parse(text, &line)) << text;
    EXPECT_STREQ("", parser.last_error());
  }
  EXPECT_EQ("no timestamp", MustFail(parser, "-- not a marker"));
}

TEST(SyslogEnvelopeTest, RejectsBadIsoFields) {
  EXPECT_EQ("bad date", MustFail("2026-13-25T17:58:09Z h p[1]: x"));
  EXPECT_EQ("bad date", MustFail("2026-00-25T17:58:09Z h p[1]: x"));
  EXPECT_EQ("bad date", MustFail("2026-11-31T17:58:09Z h p[1]: x"));
  EXPECT_EQ("bad date", MustFail("2026-02-29T17:58:09Z h p[1]: x"));
  EXPECT_EQ("bad date", MustFail("2026-11-00T17:58:09Z h p[1]: x"));
  EXPECT_EQ("bad date", MustFail("26-11-25T17:58:09Z h p[1]: x"));
  EXPECT_EQ("bad date-time separator",
            MustFail("2026-11-25X17:58:09Z h p[1]: x"));
  EXPECT_EQ("bad time of day", MustFail("2026-11-25T24:00:00Z h p[1]: x"));
  EXPECT_EQ("bad time of day", MustFail("2026-11-25T17:60:00Z h p[1]: x"));
  EXPECT_EQ("bad time of day", MustFail("2026-11-25T17:58:61Z h p[1]: x"));
  EXPECT_EQ("bad time of day", MustFail("2026-11-25T7:58:09Z h p[1]: x"));
  EXPECT_EQ("bad UTC offset", MustFail("2026-11-25T17:58:09+1:00 h p[1]: x"));
  EXPECT_EQ("bad UTC offset", MustFail("2026-11-25T17:58:09+24:00 h p[1]: x"));
  EXPECT_EQ("bad UTC offset", MustFail("2026-11-25T17:58:09+01:60 h p[1]: x"));
  EXPECT_EQ("bad timestamp", MustFail("2026-11-25T17:58:09ZZ h p[1]: x"));
  // A leap second is accepted and lands on the next minute.
  EXPECT_EQ("2017-01-01T00:00:00Z",
            MustParse("2016-12-31T23:59:60Z h p[1]: x").time.ToRfc3339());
}

// --- RFC 5424 and <PRI> -----------------------------------------------------

TEST(SyslogEnvelopeTest, ParsesRfc5424) {
  const LogLine line = MustParse(
      "<22>1 2026-11-25T17:58:09.123456+00:00 mx1 postfix/smtpd 123 - - "
      "connect from unknown[192.0.2.1]");
  EXPECT_EQ(Timestamp::FromCivil(2026, 11, 25, 17, 58, 9, 123456, 0),
            line.time);
  EXPECT_EQ("mx1", line.host);
  EXPECT_EQ("postfix/smtpd", line.program);
  EXPECT_EQ("smtpd", line.daemon);
  EXPECT_EQ(123, line.pid);
  EXPECT_EQ("connect from unknown[192.0.2.1]", line.message);
}

TEST(SyslogEnvelopeTest, DropsTheExtraSpaceRsyslogWritesBeforeTheMessage) {
  // rsyslog's RSYSLOG_SyslogProtocol23Format keeps the space that followed
  // the tag: "- -  text" (seen in testdata/logs/postfix_real.rfc5424.log).
  const LogLine line = MustParse(
      "<22>1 2026-11-25T19:22:46.505807+00:00 vm postfix/smtpd 29806 - -  "
      "7B6B31081DD: client=unknown[127.0.0.1]");
  EXPECT_EQ("7B6B31081DD: client=unknown[127.0.0.1]", line.message);
  EXPECT_EQ("smtpd", line.daemon);
}

TEST(SyslogEnvelopeTest, ParsesRfc5424StructuredData) {
  LogLine line = MustParse(
      "<165>1 2026-11-25T17:58:09Z mx1 postfix/qmgr 9 ID47 "
      "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\"]"
      "[examplePriority@32473 class=\"high\"] 6D2E94C315: removed");
  EXPECT_EQ("6D2E94C315: removed", line.message);
  EXPECT_EQ(9, line.pid);
  // Escaped quote, backslash and ']' inside a value; ']' and spaces too.
  line = MustParse(
      "<22>1 2026-11-25T17:58:09Z mx1 postfix/qmgr 9 - "
      "[x@1 a=\"q\\\"] [\\\\\" b=\"]\"] body");
  EXPECT_EQ("body", line.message);
  // SD and nothing after it: empty message.
  line = MustParse("<22>1 2026-11-25T17:58:09Z mx1 postfix/qmgr 9 - [x@1]");
  EXPECT_EQ("", line.message);
  line = MustParse("<22>1 2026-11-25T17:58:09Z mx1 postfix/qmgr 9 - -");
  EXPECT_EQ("", line.message);
}

TEST(SyslogEnvelopeTest, ParsesRfc5424NilValuesAndBom) {
  LogLine line = MustParse("<22>1 - - - - - - \xEF\xBB\xBFhello");
  EXPECT_FALSE(line.time.known());
  EXPECT_EQ("", line.host);
  EXPECT_EQ("", line.program);
  EXPECT_EQ("", line.daemon);
  EXPECT_EQ(-1, line.pid);
  EXPECT_EQ("hello", line.message);
  // A non-numeric PROCID is allowed by RFC 5424; pid stays unknown.
  line = MustParse("<22>1 2026-11-25T17:58:09Z mx1 postfix/qmgr abc-1 - - x");
  EXPECT_EQ(-1, line.pid);
  EXPECT_EQ("x", line.message);
}

TEST(SyslogEnvelopeTest, Rfc5424VersionAtTheEndOfTheLine) {
  // "<2>1 " and nothing after: no byte past the line is read (found by
  // fuzz/corpus/envelope/crash-envelope-rfc5424-version-ends-the-line). The
  // line sits in a heap buffer of its own size, so ASan sees a read past it.
  for (std::string_view text : {"<2>1 ", "<22>1 ", "<22>12 "}) {
    std::unique_ptr<char[]> exact(new char[text.size()]);
    std::memcpy(exact.get(), text.data(), text.size());
    EXPECT_EQ("truncated timestamp", MustFail(std::string_view(exact.get(), text.size())))
        << text;
  }
}

TEST(SyslogEnvelopeTest, RejectsBadRfc5424) {
  EXPECT_EQ("bad date-time separator",
            MustFail("<22>1 2026-11-25 17:58:09Z mx1 postfix/qmgr 9 - - x"));
  EXPECT_EQ("bad UTC offset",
            MustFail("<22>1 2026-11-25T17:58:09 mx1 postfix/qmgr 9 - - x"));
  EXPECT_EQ(
      "bad UTC offset",
      MustFail("<22>1 2026-11-25T17:58:09+0100 mx1 postfix/qmgr 9 - - x"));
  EXPECT_EQ(
      "unterminated RFC 5424 structured data",
      MustFail("<22>1 2026-11-25T17:58:09Z mx1 postfix/qmgr 9 - [x@1 a=\"]"));
  EXPECT_EQ("bad RFC 5424 structured data",
            MustFail("<22>1 2026-11-25T17:58:09Z mx1 postfix/qmgr 9 - x y"));
  EXPECT_EQ("bad RFC 5424 structured data",
            MustFail("<22>1 2026-11-25T17:58:09Z mx1 postfix/qmgr 9 - [x@1]y"));
  EXPECT_EQ("missing RFC 5424 structured data",
            MustFail("<22>1 2026-11-25T17:58:09Z mx1 postfix/qmgr 9 - "));
  EXPECT_EQ("bad RFC 5424 msgid",
            MustFail("<22>1 2026-11-25T17:58:09Z mx1 postfix/qmgr 9 -"));
  EXPECT_EQ("bad RFC 5424 hostname",
            MustFail("<22>1 2026-11-25T17:58:09Z  postfix/qmgr 9 - - x"));
}

TEST(SyslogEnvelopeTest, ParsesPriBeforeClassicAndIso) {
  LogLine line =
      MustParse("<22>Nov 25 17:58:09 mx1 postfix/smtpd[123]: connect from x");
  EXPECT_EQ("2026-11-25T17:58:09Z", line.time.ToRfc3339());
  EXPECT_EQ(123, line.pid);
  EXPECT_EQ("connect from x", line.message);
  line = MustParse("<0>2026-11-25T17:58:09Z mx1 postfix/smtpd[1]: y");
  EXPECT_EQ("y", line.message);
  line = MustParse("<191>Nov 25 17:58:09 mx1 postfix/smtpd[1]: z");
  EXPECT_EQ("z", line.message);
}

TEST(SyslogEnvelopeTest, RejectsBadPri) {
  EXPECT_EQ("bad PRI", MustFail("<>Nov 25 17:58:09 mx1 p[1]: x"));
  EXPECT_EQ("bad PRI", MustFail("<192>Nov 25 17:58:09 mx1 p[1]: x"));
  EXPECT_EQ("bad PRI", MustFail("<1234>Nov 25 17:58:09 mx1 p[1]: x"));
  EXPECT_EQ("bad PRI", MustFail("<22"));
  EXPECT_EQ("bad PRI", MustFail("<a>Nov 25 17:58:09 mx1 p[1]: x"));
  EXPECT_EQ("truncated after PRI", MustFail("<22>"));
  EXPECT_EQ("no timestamp", MustFail("<22> Nov 25 17:58:09 mx1 p[1]: x"));
}

TEST(SyslogEnvelopeTest, ForcedFormatRejectsOthers) {
  EnvelopeOptions options = Options();
  options.format = EnvelopeFormat::kClassic;
  EnvelopeParser classic(options);
  MustParse(classic, "Nov 25 17:58:09 mx1 postfix/smtpd[1]: a");
  MustParse(classic, "<22>Nov 25 17:58:09 mx1 postfix/smtpd[1]: a");
  EXPECT_EQ("not a classic syslog timestamp",
            MustFail(classic, "2026-11-25T17:58:09Z mx1 postfix/smtpd[1]: a"));

  options.format = EnvelopeFormat::kIso;
  EnvelopeParser iso(options);
  MustParse(iso, "2026-11-25T17:58:09Z mx1 postfix/smtpd[1]: a");
  EXPECT_EQ("not an RFC 3339 timestamp",
            MustFail(iso, "Nov 25 17:58:09 mx1 postfix/smtpd[1]: a"));

  options.format = EnvelopeFormat::kRfc5424;
  EnvelopeParser rfc5424(options);
  MustParse(rfc5424, "<22>1 2026-11-25T17:58:09Z mx1 postfix/smtpd 1 - - a");
  EXPECT_EQ("not RFC 5424",
            MustFail(rfc5424, "<22>Nov 25 17:58:09 mx1 postfix/smtpd[1]: a"));
}

// --- Tags -------------------------------------------------------------------

TEST(SyslogEnvelopeTest, ParsesTagForms) {
  LogLine line = MustParse(
      "Nov 25 17:58:09 mx1 postfix/submission/smtpd[123]: connect from x");
  EXPECT_EQ("postfix/submission", line.syslog_name);
  EXPECT_EQ("postfix", line.instance);
  EXPECT_EQ("submission", line.service);
  EXPECT_EQ("smtpd", line.daemon);

  line = MustParse(
      "Nov 25 17:58:09 mx1 postfix-out/smtp[77]: 4B0C72A1F3: to=<a@b>");
  EXPECT_EQ("postfix-out", line.instance);
  EXPECT_EQ("smtp", line.daemon);
  EXPECT_EQ(77, line.pid);
  EXPECT_TRUE(IsPostfixProgram(line, SyslogNames()));

  line = MustParse(
      "Nov 25 17:58:09 mx1 postfix/postfix-script[2001]: starting the Postfix "
      "mail system");
  EXPECT_EQ("postfix-script", line.daemon);
  EXPECT_EQ(2001, line.pid);

  line = MustParse(
      "Nov 25 17:58:09 mx1 dovecot: imap-login: Login: user=<bob@example.org>");
  EXPECT_EQ("dovecot", line.program);
  EXPECT_EQ("dovecot", line.daemon);
  EXPECT_EQ("", line.instance);
  EXPECT_EQ(-1, line.pid);
  EXPECT_EQ("imap-login: Login: user=<bob@example.org>", line.message);
  EXPECT_FALSE(IsPostfixProgram(line, SyslogNames()));

  line = MustParse(
      "Nov 25 17:58:09 mx1 opendkim[12]: 4B0C72A1F3: DKIM-Signature field "
      "added");
  EXPECT_EQ("opendkim", line.program);
  EXPECT_EQ(12, line.pid);
  EXPECT_EQ("4B0C72A1F3: DKIM-Signature field added", line.message);
}

TEST(SyslogEnvelopeTest, MessageSpacing) {
  EXPECT_EQ("", MustParse("Nov 25 17:58:09 mx1 postfix/smtpd[1]:").message);
  EXPECT_EQ("", MustParse("Nov 25 17:58:09 mx1 postfix/smtpd[1]: ").message);
  EXPECT_EQ(" two",
            MustParse("Nov 25 17:58:09 mx1 postfix/smtpd[1]:  two").message);
  EXPECT_EQ("x", MustParse("Nov 25 17:58:09 mx1 prog:x").message);
  EXPECT_EQ("trailing",
            MustParse("Nov 25 17:58:09 mx1 p[1]: trailing\r").message);
  EXPECT_EQ("a: b: c", MustParse("Nov 25 17:58:09 mx1 p[1]: a: b: c").message);
}

TEST(SyslogEnvelopeTest, HostMayBeAnAddressOrFqdn) {
  EXPECT_EQ("192.0.2.1", MustParse("Nov 25 17:58:09 192.0.2.1 p[1]: x").host);
  EXPECT_EQ("mx1.example.org",
            MustParse("Nov 25 17:58:09 mx1.example.org p[1]: x").host);
  EXPECT_EQ("2001:db8::1",
            MustParse("Nov 25 17:58:09 2001:db8::1 p[1]: x").host);
}

TEST(SyslogEnvelopeTest, ConfiguredSyslogNameSplitsTag) {
  EnvelopeOptions options = Options();
  options.syslog_names.Add("mta/in");
  EnvelopeParser parser(options);
  const LogLine line =
      MustParse(parser, "Nov 25 17:58:09 mx1 mta/in/smtpd[5]: connect from x");
  EXPECT_EQ("mta/in", line.instance);
  EXPECT_EQ("", line.service);
  EXPECT_EQ("smtpd", line.daemon);
  EXPECT_TRUE(IsPostfixProgram(line, parser.options().syslog_names));
}

// --- Malformed input --------------------------------------------------------

TEST(SyslogEnvelopeTest, EmptyAndBlankLines) {
  EnvelopeParser parser(Options());
  LogLine line;
  for (const char* text :
       {"", " ", "     ", "\t", " \t ", "\r", "\n", "\r\n"}) {
    EXPECT_EQ(EnvelopeResult::kEmpty, parser.Parse(text, &line)) << text;
    EXPECT_STREQ("", parser.last_error());
  }
  EXPECT_STREQ("empty", EnvelopeResultName(EnvelopeResult::kEmpty));
  EXPECT_STREQ("malformed", EnvelopeResultName(EnvelopeResult::kMalformed));
  EXPECT_STREQ("ok", EnvelopeResultName(EnvelopeResult::kOk));
}

TEST(SyslogEnvelopeTest, RejectsMalformedClassicLines) {
  EXPECT_EQ("no timestamp", MustFail(" Nov 25 17:58:09 mx1 p[1]: x"));
  EXPECT_EQ("no timestamp", MustFail("nov 25 17:58:09 mx1 p[1]: x"));
  EXPECT_EQ("bad month", MustFail("Foo 25 17:58:09 mx1 p[1]: x"));
  EXPECT_EQ("bad month", MustFail("NOV 25 17:58:09 mx1 p[1]: x"));
  EXPECT_EQ("truncated timestamp", MustFail("No"));
  EXPECT_EQ("bad day", MustFail("Nov 32 17:58:09 mx1 p[1]: x"));
  EXPECT_EQ("bad day", MustFail("Nov 00 17:58:09 mx1 p[1]: x"));
  EXPECT_EQ("bad day", MustFail("Nov   5 17:58:09 mx1 p[1]: x"));
  EXPECT_EQ("bad time of day", MustFail("Nov 25 24:00:00 mx1 p[1]: x"));
  EXPECT_EQ("bad time of day", MustFail("Nov 25 17:60:00 mx1 p[1]: x"));
  EXPECT_EQ("bad time of day", MustFail("Nov 25 17:58 mx1 p[1]: x"));
  EXPECT_EQ("bad time of day", MustFail("Nov 125 17:58:09 mx1 p[1]: x"));
  EXPECT_EQ("bad timestamp", MustFail("Nov 25 17:58:09+01:00 mx1 p[1]: x"));
  EXPECT_EQ("bad fraction of second", MustFail("Nov 25 17:58:09. mx1 p[1]: x"));
  EXPECT_EQ("bad host", MustFail("Nov 25 17:58:09 "));
  EXPECT_EQ("bad host", MustFail("Nov 25 17:58:09  mx1 p[1]: x"));
  EXPECT_EQ("bad host", MustFail("Nov 25 17:58:09 mx1"));
  EXPECT_EQ("missing host", MustFail("Nov 25 17:58:09 postfix/smtpd[1]: x"));
  EXPECT_EQ("missing host", MustFail("Nov 25 17:58:09 dovecot: x"));
  // Digits alone name no program (Exim's main log: "pid 27421: SIGHUP
  // received: re-exec daemon"); digits in a name are fine.
  EXPECT_EQ("numeric tag", MustFail("2023-04-23 03:47:01 pid 27421: SIGHUP received"));
  EXPECT_EQ("numeric tag", MustFail("Nov 25 17:58:09 mx1 1234[5]: x"));
  EXPECT_EQ("p2p", MustParse("Nov 25 17:58:09 mx1 p2p[5]: x").program);
  EXPECT_EQ("no tag", MustFail("Nov 25 17:58:09 mx1 -- MARK"));
  EXPECT_EQ("no tag",
            MustFail("Nov 25 17:58:09 mx1 last message repeated 3 times."));
  EXPECT_EQ("no tag", MustFail("Nov 25 17:58:09 mx1 last message repeated times"));
  EXPECT_EQ("no tag", MustFail("Nov 25 17:58:09 mx1 syslogd : restart."));
  EXPECT_EQ("no tag", MustFail("Nov 25 17:58:09 mx1 syslogd restart"));
  EXPECT_EQ("no tag", MustFail("Nov 25 17:58:09 mx1 postfix/smtpd[1] x"));
  EXPECT_EQ("no tag", MustFail("Nov 25 17:58:09 mx1 postfix/smtpd"));
  EXPECT_EQ("empty tag", MustFail("Nov 25 17:58:09 mx1 : x"));
  EXPECT_EQ("empty tag", MustFail("Nov 25 17:58:09 mx1 [1]: x"));
  EXPECT_EQ("bad pid", MustFail("Nov 25 17:58:09 mx1 postfix/smtpd[]: x"));
  EXPECT_EQ("bad pid", MustFail("Nov 25 17:58:09 mx1 postfix/smtpd[abc]: x"));
  EXPECT_EQ("bad pid", MustFail("Nov 25 17:58:09 mx1 postfix/smtpd[12: x"));
  EXPECT_EQ(
      "bad pid",
      MustFail("Nov 25 17:58:09 mx1 postfix/smtpd[1234567890123456789]: x"));
  EXPECT_EQ("no tag", MustFail("Nov 25 17:58:09 mx1 postfix/smtpd[1]x"));
}

TEST(SyslogEnvelopeTest, NulBytes) {
  const std::string with_nul_in_message(
      "Nov 25 17:58:09 mx1 postfix/smtpd[1]: a\0b", 41);
  const LogLine line = MustParse(with_nul_in_message);
  ASSERT_EQ(3u, line.message.size());
  EXPECT_EQ('\0', line.message[1]);

  EXPECT_EQ("bad host",
            MustFail(std::string("Nov 25 17:58:09 m\0x p[1]: x", 27)));
  EXPECT_EQ("bad time of day",
            MustFail(std::string("Nov 25 17:5\0:09 mx1 p[1]: x", 27)));
  EXPECT_EQ("no tag",
            MustFail(std::string("Nov 25 17:58:09 mx1 p\0[1]: x", 28)));
  EXPECT_EQ("no timestamp", MustFail(std::string(100, '\0')));
  EXPECT_EQ("bad month",
            MustFail(std::string("N\0v 25 17:58:09 mx1 p[1]: x", 27)));
}

TEST(SyslogEnvelopeTest, InvalidUtf8PassesThroughInMessage) {
  const LogLine line =
      MustParse("Nov 25 17:58:09 mx1 postfix/smtpd[1]: \xff\xfe\xc3(\x80");
  EXPECT_EQ("\xff\xfe\xc3(\x80", line.message);
  // Bytes >= 0x80 in the host or tag are kept too (they are not separators).
  EXPECT_EQ("h\xc3\xa9", MustParse("Nov 25 17:58:09 h\xc3\xa9 p[1]: x").host);
}

TEST(SyslogEnvelopeTest, MegabyteLines) {
  const std::string head = "Nov 25 17:58:09 mx1 postfix/smtpd[1]: ";
  const std::string big = head + std::string(1 << 20, 'x');
  const LogLine line = MustParse(big);
  EXPECT_EQ(size_t{1} << 20, line.message.size());

  EXPECT_EQ("bad month", MustFail(std::string(1 << 20, 'A')));
  EXPECT_EQ("bad date", MustFail(std::string(1 << 20, '9')));
  EXPECT_EQ("bad PRI", MustFail(std::string(1 << 20, '<')));
  EXPECT_EQ("no tag",
            MustFail("Nov 25 17:58:09 mx1 " + std::string(1 << 20, 'p')));
  EXPECT_EQ("bad host",
            MustFail("Nov 25 17:58:09 " + std::string(1 << 20, 'h')));
  EXPECT_EQ("unterminated RFC 5424 structured data",
            MustFail("<22>1 2026-11-25T17:58:09Z mx1 p 9 - " +
                     std::string(1 << 20, '[')));
  EXPECT_EQ("unterminated RFC 5424 structured data",
            MustFail("<22>1 2026-11-25T17:58:09Z mx1 p 9 - [a b=\"" +
                     std::string(1 << 20, '\\')));
}

// Every prefix of a valid line either fails (up to and including the tag)
// or gives the same envelope with a prefix of the message.
void CheckEveryPrefix(const std::string& text, size_t message_start) {
  EnvelopeParser parser(Options());
  const LogLine full = MustParse(parser, text);
  ASSERT_EQ(text.substr(message_start), full.message) << text;
  for (size_t k = 0; k < text.size(); ++k) {
    const std::string prefix = text.substr(0, k);
    LogLine line;
    const EnvelopeResult result = parser.Parse(prefix, &line);
    if (k == 0) {
      EXPECT_EQ(EnvelopeResult::kEmpty, result);
      continue;
    }
    // The last byte of the envelope proper is the ':' (or the SD's last
    // byte) just before the separating space.
    if (k + 1 < message_start) {
      EXPECT_EQ(EnvelopeResult::kMalformed, result) << "prefix: " << prefix;
      continue;
    }
    ASSERT_EQ(EnvelopeResult::kOk, result)
        << "prefix: " << prefix << " error: " << parser.last_error();
    EXPECT_EQ(full.time, line.time) << prefix;
    EXPECT_EQ(full.host, line.host) << prefix;
    EXPECT_EQ(full.program, line.program) << prefix;
    EXPECT_EQ(full.daemon, line.daemon) << prefix;
    EXPECT_EQ(full.pid, line.pid) << prefix;
    EXPECT_EQ(text.substr(message_start, k - std::min(k, message_start)),
              line.message)
        << prefix;
  }
}

TEST(SyslogEnvelopeTest, EveryPrefixOfAClassicLine) {
  const std::string text =
      "Nov  5 17:58:09 mx1 postfix/submission/smtpd[123]: connect from x";
  CheckEveryPrefix(text, text.find(": ") + 2);
  const std::string no_pid = "Nov 25 17:58:09.123 mx1 dovecot: imap-login: hi";
  CheckEveryPrefix(no_pid, no_pid.find(": ") + 2);
  const std::string pri = "<22>Nov 25 17:58:09 mx1 postfix/qmgr[1187]: removed";
  CheckEveryPrefix(pri, pri.find(": ") + 2);
}

TEST(SyslogEnvelopeTest, EveryPrefixOfAnIsoLine) {
  const std::string text =
      "2026-11-25T17:58:09.123456+01:00 mx1 postfix-out/smtp[77]: to=<a@b>";
  CheckEveryPrefix(text, text.find(": ") + 2);
  const std::string zulu = "2026-11-25T17:58:09Z mx1 postfix/qmgr[1]: removed";
  CheckEveryPrefix(zulu, zulu.find(": ") + 2);
  const std::string full = "Wed 2026-11-25 17:58:09 CET mx1 postfix/qmgr[1]: removed";
  CheckEveryPrefix(full, full.find(": ") + 2);
  const std::string unix_time = "1795634566.115753 mx1 postfix/qmgr[1]: removed";
  CheckEveryPrefix(unix_time, unix_time.find(": ") + 2);
  const std::string cri = "2026-11-25T16:58:09.1Z stdout F Nov 25 17:58:09 mx1 postfix/qmgr[1]: x";
  CheckEveryPrefix(cri, cri.find(": ") + 2);
}

TEST(SyslogEnvelopeTest, EveryPrefixOfAnRfc5424Line) {
  const std::string text =
      "<22>1 2026-11-25T17:58:09.123456+00:00 mx1 postfix/smtpd 123 - "
      "[x@1 a=\"b\"] connect from x";
  CheckEveryPrefix(text, text.find("] ") + 2);
  const std::string nil_sd =
      "<22>1 2026-11-25T17:58:09Z mx1 postfix/smtpd 123 - - connect";
  CheckEveryPrefix(nil_sd, nil_sd.find("- - ") + 4);
}

TEST(SyslogEnvelopeTest, RandomGarbageNeverCrashes) {
  std::mt19937 rng(20261125);
  EnvelopeParser parser(Options(absl::FixedTimeZone(3600)));
  const std::string seeds[] = {
      "",
      "<22>1 ",
      "<22>",
      "Nov 25 17:58:09 ",
      "2026-11-25T17:58:09",
      "Nov 25 17:58:09 mx1 postfix/smtpd[",
      "<22>1 2026-11-25T17:58:09Z h a 1 - [",
  };
  const char alphabet[] = "<>[]:\" -+.0123456789TZNovDec\\\r\n\t\0\xff";
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 20000; ++i) {
    std::string text = seeds[i % 7];
    const int extra = static_cast<int>(rng() % 64);
    for (int j = 0; j < extra; ++j) {
      text += (i & 1) ? static_cast<char>(rng() & 0xff)
                      : alphabet[rng() % (sizeof alphabet - 1)];
    }
    LogLine line;
    const EnvelopeResult result = parser.Parse(text, &line);
    counts[static_cast<int>(result)]++;
    if (result == EnvelopeResult::kOk) {
      // Views lie within the input.
      for (std::string_view v : {line.host, line.program, line.message}) {
        if (v.empty()) continue;
        EXPECT_GE(v.data(), text.data());
        EXPECT_LE(v.data() + v.size(), text.data() + text.size());
      }
    }
  }
  EXPECT_GT(counts[static_cast<int>(EnvelopeResult::kMalformed)], 10000);
}

// --- Sample files -----------------------------------------------------------

std::vector<std::string> ReadLines(const std::string& name) {
  std::ifstream in("parsers/testdata/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

TEST(SyslogEnvelopeTest, SampleFilesParseCompletely) {
  struct Sample {
    const char* file;
    size_t lines;
    size_t postfix_lines;
  } samples[] = {{"classic.log", 15, 13},
                 {"maillog_file.log", 6, 6},
                 {"iso.log", 6, 6},
                 {"rfc5424.log", 6, 6}};
  for (const Sample& sample : samples) {
    EnvelopeParser parser(Options(Zone("Europe/Berlin"), At(2026, 11, 26)));
    const std::vector<std::string> lines = ReadLines(sample.file);
    EXPECT_EQ(sample.lines, lines.size()) << sample.file;
    size_t postfix = 0;
    int64_t previous = 0;
    for (const std::string& text : lines) {
      const LogLine line = MustParse(parser, text);
      EXPECT_FALSE(line.message.empty()) << text;
      EXPECT_NE("", line.daemon) << text;
      if (IsPostfixProgram(line, SyslogNames())) ++postfix;
      if (std::string(sample.file) != "maillog_file.log" &&
          std::string(sample.file) != "classic.log") {
        // Those two end with an earlier day on purpose.
        EXPECT_GE(line.time.unix_micros, previous) << text;
      }
      previous = line.time.unix_micros;
    }
    EXPECT_EQ(sample.postfix_lines, postfix) << sample.file;
  }
}

TEST(SyslogEnvelopeTest, PostlogdMaillogFileFormat) {
  // postlogd writes what msg_logger.c formats with strftime("%b %d %H:%M:%S ")
  // in the writer's local time: day zero-padded, no year, no fraction, and
  // the first label of myhostname.
  EnvelopeParser parser(Options(Zone("Europe/Berlin"), At(2026, 11, 26)));
  const LogLine line = MustParse(
      parser,
      "Nov 05 09:14:07 mx1 postfix/smtpd[4120]: warning: non-SMTP command "
      "from localhost[127.0.0.1]: GET / HTTP/1.1");
  EXPECT_EQ("2026-11-05T09:14:07+01:00", line.time.ToRfc3339());
  EXPECT_EQ("mx1", line.host);
  EXPECT_EQ("smtpd", line.daemon);
  EXPECT_EQ(4120, line.pid);
  EXPECT_EQ(
      "warning: non-SMTP command from localhost[127.0.0.1]: GET / HTTP/1.1",
      line.message);
}

// --- Scan() and ApplyTime() ---------------------------------------------------

bool SameLine(const LogLine& a, const LogLine& b) {
  return a.time.unix_micros == b.time.unix_micros &&
         a.time.utc_offset_seconds == b.time.utc_offset_seconds &&
         a.host == b.host && a.program == b.program &&
         a.syslog_name == b.syslog_name && a.instance == b.instance &&
         a.service == b.service && a.daemon == b.daemon && a.pid == b.pid &&
         a.message == b.message;
}

// Lines whose times depend on the ones before: a year roll-over, a straggler
// from before it, a repeated DST hour, rejected lines between them, every
// format.
std::vector<std::string> StatefulLines() {
  return {
      "Dec 31 23:59:58 h postfix/qmgr[1]: a",
      "bad line",
      "Jan 32 00:00:00 h postfix/qmgr[1]: rejected, must not move the year",
      "Jan  1 00:00:01 h postfix/qmgr[1]: b",
      "Dec 31 23:59:59 h postfix/qmgr[1]: straggler",
      "",
      "Nov  1 00:59:00 h postfix/qmgr[1]: c",
      "Nov  1 01:30:00 h postfix/qmgr[1]: d",
      "Nov  1 01:59:59 h postfix/qmgr[1]: e",
      "Nov  1 01:00:05 h postfix/qmgr[1]: repeated hour, second pass",
      "2027-11-01 01:30:00 h postfix/qmgr[1]: ISO without offset",
      "2027-11-01T01:10:00.5-04:00 h postfix/qmgr[1]: ISO with offset",
      "<22>1 2027-11-01T06:40:00Z h postfix/smtpd 7 - - RFC 5424",
      "<22>1 - h postfix/smtpd 7 - - no time",
      "<22>Nov  1 01:45:00 h postfix/smtpd[7]: PRI then classic",
      "Nov  1 02:00:00.25 h postfix/qmgr[1]: f",
  };
}

TEST(SyslogEnvelopeTest, ScanThenApplyTimeIsParse) {
  for (const char* zone : {"America/New_York", "UTC"}) {
    EnvelopeParser parser(Options(Zone(zone), At(2026, 11, 2)));
    EnvelopeParser scanner(Options(Zone(zone), At(2026, 11, 2)));
    EnvelopeParser timer(Options(Zone(zone), At(2026, 11, 2)));
    // Scan every line first (as the workers of --threads do), then apply the
    // times in order.
    const std::vector<std::string> lines = StatefulLines();
    std::vector<LogLine> scanned(lines.size());
    std::vector<EnvelopeTime> times(lines.size());
    std::vector<EnvelopeResult> results(lines.size());
    for (size_t i = 0; i < lines.size(); ++i) {
      const char* error = "unset";
      results[i] = scanner.Scan(lines[i], &scanned[i], &times[i], &error);
      if (results[i] == EnvelopeResult::kMalformed) {
        EXPECT_NE(std::string(""), error) << lines[i];
      } else {
        EXPECT_EQ(std::string(""), error) << lines[i];
      }
      if (results[i] == EnvelopeResult::kOk) {
        EXPECT_FALSE(scanned[i].time.known()) << lines[i];
      }
    }
    // Scan() is const: no year state, no error.
    EXPECT_EQ(0, scanner.current_year());
    EXPECT_EQ(std::string(""), scanner.last_error());
    for (size_t i = 0; i < lines.size(); ++i) {
      LogLine want;
      want.pid = 5;
      EXPECT_EQ(parser.Parse(lines[i], &want), results[i]) << lines[i];
      if (results[i] != EnvelopeResult::kOk) continue;
      timer.ApplyTime(times[i], &scanned[i]);
      EXPECT_TRUE(SameLine(want, scanned[i]))
          << zone << ": " << lines[i] << ": " << want.time.ToRfc3339() << " vs "
          << scanned[i].time.ToRfc3339();
      EXPECT_EQ(parser.current_year(), timer.current_year()) << lines[i];
    }
    EXPECT_EQ(2026, timer.current_year());  // Dec 2025, then January
  }
}

TEST(SyslogEnvelopeTest, ScanReportsWhatParseReports) {
  EnvelopeParser parser(Options());
  const char* lines[] = {"Foo 25 17:58:09 mx1 postfix/smtpd[1]: a",
                         "Nov 25 17:58:09 mx1 postfix/smtpd[x]: a", "   ",
                         "<999>Nov 25 17:58:09 mx1 p: a",
                         "Nov 25 17:58:09 mx1 postfix/smtpd[1]: ok"};
  for (const char* text : lines) {
    LogLine a, b;
    EnvelopeTime time;
    const char* error = nullptr;
    const EnvelopeResult scanned = parser.Scan(text, &b, &time, &error);
    EXPECT_EQ(parser.Parse(text, &a), scanned) << text;
    EXPECT_EQ(std::string(parser.last_error()), std::string(error)) << text;
    // Without an error pointer too.
    EXPECT_EQ(scanned, parser.Scan(text, &b, &time)) << text;
  }
}

TEST(SyslogEnvelopeTest, ScanFromManyThreadsAgrees) {
  const EnvelopeParser parser(Options(Zone("Europe/Berlin"), At(2026, 11, 26)));
  const std::vector<std::string> lines = StatefulLines();
  std::vector<std::vector<EnvelopeTime>> got(4, std::vector<EnvelopeTime>(lines.size()));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round) {
        for (size_t i = 0; i < lines.size(); ++i) {
          LogLine line;
          (void)parser.Scan(lines[i], &line, &got[t][i]);
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 1; t < 4; ++t) {
    for (size_t i = 0; i < lines.size(); ++i) {
      EXPECT_EQ(got[0][i].kind, got[t][i].kind);
      EXPECT_EQ(got[0][i].hour, got[t][i].hour);
      EXPECT_EQ(got[0][i].micros, got[t][i].micros);
    }
  }
}

}  // namespace
}  // namespace mailgauge::parsers
