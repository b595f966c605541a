#include "common/timestamp.h"

#include <cstdio>
#include <cstdlib>

namespace mailgauge {

int64_t DaysFromCivil(int year, int month, int day) {
  const int64_t y = int64_t{year} - (month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t mp = (month + 9) % 12;
  const int64_t doy = (153 * mp + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t days, int* year, int* month, int* day) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  *year = static_cast<int>(yoe + era * 400 + (m <= 2 ? 1 : 0));
  *month = static_cast<int>(m);
  *day = static_cast<int>(d);
}

Timestamp Timestamp::FromCivil(int year, int month, int day, int hour,
                               int minute, int second, int micros,
                               int32_t utc_offset_seconds) {
  const int64_t local_seconds = DaysFromCivil(year, month, day) * 86400 +
                                int64_t{hour} * 3600 + int64_t{minute} * 60 +
                                second;
  Timestamp t;
  t.unix_micros = (local_seconds - utc_offset_seconds) * 1000000 + micros;
  t.utc_offset_seconds = utc_offset_seconds;
  return t;
}

std::string Timestamp::ToRfc3339() const {
  const int64_t local = local_micros();
  int64_t secs = local / 1000000;
  int64_t frac = local % 1000000;
  if (frac < 0) {
    frac += 1000000;
    secs -= 1;
  }
  int64_t days = secs / 86400;
  int64_t sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    days -= 1;
  }
  int y, m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", y, m,
                        d, static_cast<int>(sod / 3600),
                        static_cast<int>(sod / 60 % 60),
                        static_cast<int>(sod % 60));
  std::string out(buf, n);
  if (frac != 0) {
    n = std::snprintf(buf, sizeof buf, ".%06d", static_cast<int>(frac));
    out.append(buf, n);
  }
  if (utc_offset_seconds == 0) {
    out += 'Z';
  } else {
    const int off = std::abs(utc_offset_seconds);
    n = std::snprintf(buf, sizeof buf, "%c%02d:%02d",
                      utc_offset_seconds < 0 ? '-' : '+', off / 3600,
                      off / 60 % 60);
    out.append(buf, n);
  }
  return out;
}

}  // namespace mailgauge
