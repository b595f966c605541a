#include "common/timestamp.h"

#include "gtest/gtest.h"

namespace mailgauge {
namespace {

TEST(TimestampTest, EpochIsDayZero) {
  EXPECT_EQ(0, DaysFromCivil(1970, 1, 1));
  int y, m, d;
  CivilFromDays(0, &y, &m, &d);
  EXPECT_EQ(1970, y);
  EXPECT_EQ(1, m);
  EXPECT_EQ(1, d);
}

TEST(TimestampTest, RoundTripsCivilDates) {
  for (int64_t days = -800000; days < 800000; days += 97) {
    int y, m, d;
    CivilFromDays(days, &y, &m, &d);
    EXPECT_EQ(days, DaysFromCivil(y, m, d));
  }
}

TEST(TimestampTest, OffsetShiftsTheInstantNotTheWallClock) {
  Timestamp utc = Timestamp::FromCivil(2026, 11, 25, 16, 58, 9, 0, 0);
  Timestamp cet = Timestamp::FromCivil(2026, 11, 25, 17, 58, 9, 0, 3600);
  EXPECT_EQ(utc.unix_micros, cet.unix_micros);
  EXPECT_EQ(1795625889, utc.unix_seconds());
  EXPECT_EQ("2026-11-25T16:58:09Z", utc.ToRfc3339());
  EXPECT_EQ("2026-11-25T17:58:09+01:00", cet.ToRfc3339());
}

TEST(TimestampTest, FormatsMicrosecondsAndNegativeOffsets) {
  Timestamp t = Timestamp::FromCivil(2024, 2, 29, 23, 59, 59, 123456, -5 * 3600 - 1800);
  EXPECT_EQ("2024-02-29T23:59:59.123456-05:30", t.ToRfc3339());
}

}  // namespace
}  // namespace mailgauge
