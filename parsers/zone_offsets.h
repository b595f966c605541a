// File: parsers/zone_offsets.h
// The UTC offset of a time zone at given instants, for lines whose instant is
// known (journal entries) but whose wall clock is shown in a configured zone.
// Offsets are cached per UTC hour, so the time-zone library is consulted
// about once an hour of log (and per instant only in an hour holding a
// transition).
//
//   ZoneOffsets offsets(absl::LocalTimeZone());
//   line.time.utc_offset_seconds = offsets.At(line.time.unix_micros);
//
// Thread-safety: not thread-safe (the cache); use one per stream.
#ifndef MAILGAUGE_PARSERS_ZONE_OFFSETS_H_
#define MAILGAUGE_PARSERS_ZONE_OFFSETS_H_

#include <cstdint>

#include "absl/time/time.h"

namespace mailgauge::parsers {

class ZoneOffsets {
 public:
  explicit ZoneOffsets(absl::TimeZone zone) : zone_(zone) {}

  // Seconds east of UTC in the zone at `unix_micros`.
  int32_t At(int64_t unix_micros) {
    const int64_t hour = unix_micros >= 0 ? unix_micros / 3600000000
                                          : -((-unix_micros + 3599999999) / 3600000000);
    if (hour == hour_) return offset_;
    const int32_t first = zone_.At(absl::FromUnixSeconds(hour * 3600)).offset;
    const int32_t last = zone_.At(absl::FromUnixSeconds(hour * 3600 + 3599)).offset;
    if (first == last) {
      hour_ = hour;
      offset_ = first;
      return first;
    }
    // A transition inside this hour: look the instant up.
    return zone_.At(absl::FromUnixMicros(unix_micros)).offset;
  }

 private:
  absl::TimeZone zone_;
  int64_t hour_ = INT64_MIN;  // the UTC hour offset_ holds for
  int32_t offset_ = 0;
};

}  // namespace mailgauge::parsers

#endif  // MAILGAUGE_PARSERS_ZONE_OFFSETS_H_
