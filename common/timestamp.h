// File: common/timestamp.h
// A point in time as a mail log records it: an absolute instant (UTC
// microseconds since the Unix epoch) together with the UTC offset of the wall
// clock the line was written in, so a report can show "10:14" as the log said
// it while events from several hosts still sort on one time line.
//
//   Timestamp t = Timestamp::FromCivil(2026, 11, 25, 17, 58, 9, 123456, 3600);
//   t.unix_micros;          // the instant, comparable across time zones
//   t.ToRfc3339();          // "2026-11-25T17:58:09.123456+01:00"
#ifndef MAILGAUGE_COMMON_TIMESTAMP_H_
#define MAILGAUGE_COMMON_TIMESTAMP_H_

#include <cstdint>
#include <string>

namespace mailgauge {

struct Timestamp {
  // Microseconds since 1970-01-01T00:00:00Z. 0 means "unknown".
  int64_t unix_micros = 0;
  // Offset of the writer's wall clock from UTC, in seconds (east positive).
  int32_t utc_offset_seconds = 0;

  // Builds a timestamp from a wall-clock reading and its offset. Fields are
  // not range-checked beyond what days_from_civil tolerates; callers validate.
  static Timestamp FromCivil(int year, int month, int day, int hour, int minute,
                             int second, int micros, int32_t utc_offset_seconds);

  bool known() const { return unix_micros != 0; }
  int64_t unix_seconds() const {
    return unix_micros >= 0 ? unix_micros / 1000000
                            : -((-unix_micros + 999999) / 1000000);
  }
  // Wall-clock microseconds (the instant shifted by the offset), for grouping
  // by the day and hour the log shows.
  int64_t local_micros() const {
    return unix_micros + int64_t{utc_offset_seconds} * 1000000;
  }

  // "2026-11-25T17:58:09.123456+01:00"; fractional part omitted when zero;
  // "Z" for offset 0.
  std::string ToRfc3339() const;

  friend bool operator<(const Timestamp& a, const Timestamp& b) {
    return a.unix_micros < b.unix_micros;
  }
  friend bool operator==(const Timestamp& a, const Timestamp& b) {
    return a.unix_micros == b.unix_micros &&
           a.utc_offset_seconds == b.utc_offset_seconds;
  }
};

// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int year, int month, int day);

// Inverse of DaysFromCivil.
void CivilFromDays(int64_t days, int* year, int* month, int* day);

}  // namespace mailgauge

#endif  // MAILGAUGE_COMMON_TIMESTAMP_H_
