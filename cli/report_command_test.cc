#include "cli/report_command.h"

#include <string>

#include "absl/time/civil_time.h"
#include "common/timestamp.h"
#include "gtest/gtest.h"

namespace mailgauge::cli {
namespace {

int64_t Day(int y, int m, int d) { return DaysFromCivil(y, m, d); }

// 2026-11-25 is a Wednesday.
const absl::CivilDay kToday(2026, 11, 25);

ReportPeriod Parse(const std::string& text, bool monday = false) {
  absl::StatusOr<ReportPeriod> p = ParseReportDate(text, kToday, monday);
  EXPECT_TRUE(p.ok()) << text << ": " << p.status();
  return p.ok() ? *p : ReportPeriod{};
}

TEST(ParseReportDateTest, Days) {
  ReportPeriod p = Parse("today");
  EXPECT_EQ(Day(2026, 11, 25), p.first_day);
  EXPECT_EQ(Day(2026, 11, 25), p.last_day);
  EXPECT_EQ("Nov 25", p.label);
  p = Parse("yesterday");
  EXPECT_EQ(Day(2026, 11, 24), p.first_day);
  EXPECT_EQ(Day(2026, 11, 24), p.last_day);
  p = Parse("2026-03-01");
  EXPECT_EQ(Day(2026, 3, 1), p.first_day);
  EXPECT_EQ("Mar  1", p.label);
  // January 1st: yesterday is in the year before.
  absl::StatusOr<ReportPeriod> ny = ParseReportDate("yesterday", absl::CivilDay(2027, 1, 1), false);
  ASSERT_TRUE(ny.ok());
  EXPECT_EQ(Day(2026, 12, 31), ny->first_day);
}

TEST(ParseReportDateTest, WeeksStartOnSundayOrWithDow0monOnMonday) {
  ReportPeriod p = Parse("this week");
  EXPECT_EQ(Day(2026, 11, 22), p.first_day);  // Sunday
  EXPECT_EQ(Day(2026, 11, 28), p.last_day);   // Saturday
  EXPECT_EQ("Nov 22 2026 - Nov 28 2026", p.label);
  p = Parse("last week");
  EXPECT_EQ(Day(2026, 11, 15), p.first_day);
  EXPECT_EQ(Day(2026, 11, 21), p.last_day);
  p = Parse("this week", /*monday=*/true);
  EXPECT_EQ(Day(2026, 11, 23), p.first_day);  // Monday
  EXPECT_EQ(Day(2026, 11, 29), p.last_day);
  p = Parse("last week", /*monday=*/true);
  EXPECT_EQ(Day(2026, 11, 16), p.first_day);
  // On a Sunday, a Sunday-start week begins today; a Monday-start one began
  // six days ago.
  absl::StatusOr<ReportPeriod> sun = ParseReportDate("this week", absl::CivilDay(2026, 11, 29), false);
  ASSERT_TRUE(sun.ok());
  EXPECT_EQ(Day(2026, 11, 29), sun->first_day);
  sun = ParseReportDate("this week", absl::CivilDay(2026, 11, 29), true);
  ASSERT_TRUE(sun.ok());
  EXPECT_EQ(Day(2026, 11, 23), sun->first_day);
  // A week across the new year.
  absl::StatusOr<ReportPeriod> ny = ParseReportDate("last week", absl::CivilDay(2027, 1, 6), false);
  ASSERT_TRUE(ny.ok());
  EXPECT_EQ(Day(2026, 12, 27), ny->first_day);
  EXPECT_EQ(Day(2027, 1, 2), ny->last_day);
}

TEST(ParseReportDateTest, Months) {
  ReportPeriod p = Parse("this month");
  EXPECT_EQ(Day(2026, 11, 1), p.first_day);
  EXPECT_EQ(Day(2026, 11, 30), p.last_day);
  EXPECT_EQ("Nov 2026", p.label);
  p = Parse("last month");
  EXPECT_EQ(Day(2026, 10, 1), p.first_day);
  EXPECT_EQ(Day(2026, 10, 31), p.last_day);
  p = Parse("2028-02");
  EXPECT_EQ(Day(2028, 2, 29), p.last_day);  // leap year
  absl::StatusOr<ReportPeriod> jan = ParseReportDate("last month", absl::CivilDay(2027, 1, 15), false);
  ASSERT_TRUE(jan.ok());
  EXPECT_EQ(Day(2026, 12, 1), jan->first_day);
  EXPECT_EQ("Dec 2026", jan->label);
}

TEST(ParseReportDateTest, Ranges) {
  for (const char* text : {"2026-11-01 2026-11-15", "2026-11-01 - 2026-11-15",
                           "2026-11-01..2026-11-15", "2026-11-01  2026-11-15"}) {
    ReportPeriod p = Parse(text);
    EXPECT_EQ(Day(2026, 11, 1), p.first_day) << text;
    EXPECT_EQ(Day(2026, 11, 15), p.last_day) << text;
    EXPECT_EQ("Nov  1 2026 - Nov 15 2026", p.label) << text;
  }
  ReportPeriod p = Parse("2026-10 2026-11");
  EXPECT_EQ(Day(2026, 10, 1), p.first_day);
  EXPECT_EQ(Day(2026, 11, 30), p.last_day);
  p = Parse("2026-11-20 today");
  EXPECT_EQ(Day(2026, 11, 25), p.last_day);
  p = Parse("2026-11-24..2026-11-24");
  EXPECT_EQ("Nov 24", p.label);
}

TEST(ParseReportDateTest, ErrorsNameTheProblem) {
  for (const char* text : {"", "tomorrow", "next week", "2026-13", "2026-02-30", "2026-2-3",
                           "2026-11-01 2026-11-40", "2026-11-15 2026-11-01",
                           "this week last week", "2026-11-01 2026-11-02 2026-11-03"}) {
    absl::StatusOr<ReportPeriod> p = ParseReportDate(text, kToday, false);
    EXPECT_FALSE(p.ok()) << text;
    EXPECT_EQ(absl::StatusCode::kInvalidArgument, p.status().code()) << text;
    EXPECT_EQ(0u, p.status().message().find("-d: ")) << p.status();
  }
  EXPECT_NE(std::string::npos, ParseReportDate("2026-11-15 2026-11-01", kToday, false)
                                   .status()
                                   .message()
                                   .find("ends before it starts"));
}

TEST(FormatProgressTest, ShowsBarBytesRateAndEta) {
  // Half of 24 MiB in 2 s at 310 000 lines/s: 2 s left.
  EXPECT_EQ("[##########          ]  50%  12.0/24.0 MB  310k lines/s  ETA 0:02",
            FormatProgress(12 << 20, 24 << 20, 620000, 2.0));
  EXPECT_EQ("[                    ]   0%  0.0/24.0 MB  0 lines/s  ETA --:--",
            FormatProgress(0, 24 << 20, 0, 0));
  EXPECT_EQ("[####################] 100%  24.0/24.0 MB  2.5M lines/s  ETA 0:00",
            FormatProgress(24 << 20, 24 << 20, 5000000, 2.0));
  // More read than the estimate (a multi-member .gz): capped at 100%.
  EXPECT_EQ("[####################] 100%  1.0/1.0 MB  500 lines/s  ETA 0:00",
            FormatProgress(2 << 20, 1 << 20, 1000, 2.0));
  // Hours.
  EXPECT_EQ("[#                   ]   5%  5.0/100.0 MB  10 lines/s  ETA 1:03:20",
            FormatProgress(5ull << 20, 100ull << 20, 2000, 200.0));
  for (uint64_t done : {0ull, 1ull, 1ull << 40}) {
    EXPECT_LE(FormatProgress(done, 1ull << 40, 1ull << 40, 1e-3).size(), 79u);
  }
}

}  // namespace
}  // namespace mailgauge::cli
