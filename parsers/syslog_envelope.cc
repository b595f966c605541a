#include "parsers/syslog_envelope.h"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"

namespace mailgauge::parsers {
namespace {

// In a wall-clock hour that occurs twice (DST fall-back), a line is read as
// the second occurrence when the first would put it more than this many
// seconds before the previous line (see OffsetForLocal()).
constexpr int64_t kBackwardSlackSeconds = 60;

// Years are kept within 1..kMaxYear so that year arithmetic cannot overflow.
constexpr int kMaxYear = 9999;

// Byte classes as 256-entry tables: a byte ends a token when its entry is 1.
struct StopTable {
  unsigned char stop[256];
  bool tag;  // '[' and ':' stop too
  constexpr explicit StopTable(bool tag) : stop(), tag(tag) {
    for (int c = 0; c <= ' '; ++c) stop[c] = 1;  // white space, control
    if (tag) {
      stop[static_cast<int>('[')] = 1;
      stop[static_cast<int>(':')] = 1;
    }
  }
};
constexpr StopTable kTokenStop(/*tag=*/false);  // host names, RFC 5424 fields
constexpr StopTable kTagStop(/*tag=*/true);     // "prog" in "prog[pid]:"

// Advances p to the first stop byte of `table` (or end). Sixteen bytes are
// tested per branch (SSE2: a byte <= ' ', or '[' / ':' in a tag), eight in
// the last fifteen: tags and host names are short, and a branch per byte
// costs a misprediction at every different length.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline const char* SkipToStop(
    const StopTable& table, const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(' ');
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Unsigned v <= ' ' is min(v, ' ') == v.
    __m128i hit = _mm_cmpeq_epi8(_mm_min_epu8(v, space), v);
    if (table.tag) {
      hit = _mm_or_si128(hit, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('[')),
                                           _mm_cmpeq_epi8(v, _mm_set1_epi8(':'))));
    }
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(hit));
    if (mask != 0) return p + __builtin_ctz(mask);
    p += 16;
  }
#endif
  const unsigned char* s = table.stop;
  while (end - p >= 8) {
    const auto* u = reinterpret_cast<const unsigned char*>(p);
    if ((s[u[0]] | s[u[1]] | s[u[2]] | s[u[3]] | s[u[4]] | s[u[5]] | s[u[6]] |
         s[u[7]]) != 0) {
      break;
    }
    p += 8;
  }
  while (p < end && s[static_cast<unsigned char>(*p)] == 0) ++p;
  return p;
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool IsDigit(char c) {
  return static_cast<unsigned char>(c - '0') < 10;
}

// Reads exactly `n` digits at p. On success advances p.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool ReadFixedDigits(const char*& p,
                                                         const char* end, int n,
                                                         int* value) {
  if (end - p < n) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    if (!IsDigit(p[i])) return false;
    v = v * 10 + (p[i] - '0');
  }
  *value = v;
  p += n;
  return true;
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool Expect(const char*& p, const char* end,
                                                char c) {
  if (p < end && *p == c) {
    ++p;
    return true;
  }
  return false;
}

// The two ASCII digits at p as a number, or -1.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline int TwoDigits(const char* p) {
  const unsigned a = static_cast<unsigned char>(p[0]) - unsigned{'0'};
  const unsigned b = static_cast<unsigned char>(p[1]) - unsigned{'0'};
  return (a < 10) & (b < 10) ? static_cast<int>(a * 10 + b) : -1;
}

// "Jan" -> 1 ... "Dec" -> 12; 0 when p does not start with a month name.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline int MonthFromName(const char* p) {
  const char a = p[0], b = p[1], c = p[2];
  switch (a) {
    case 'J':
      if (b == 'a' && c == 'n') return 1;
      if (b == 'u' && c == 'n') return 6;
      if (b == 'u' && c == 'l') return 7;
      return 0;
    case 'F':
      return b == 'e' && c == 'b' ? 2 : 0;
    case 'M':
      if (b == 'a' && c == 'r') return 3;
      if (b == 'a' && c == 'y') return 5;
      return 0;
    case 'A':
      if (b == 'p' && c == 'r') return 4;
      if (b == 'u' && c == 'g') return 8;
      return 0;
    case 'S':
      return b == 'e' && c == 'p' ? 9 : 0;
    case 'O':
      return b == 'c' && c == 't' ? 10 : 0;
    case 'N':
      return b == 'o' && c == 'v' ? 11 : 0;
    case 'D':
      return b == 'e' && c == 'c' ? 12 : 0;
    default:
      return 0;
  }
}

// True when p starts with an English weekday abbreviation ("Mon".."Sun"),
// as journalctl's short-full form begins.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool IsWeekdayName(const char* p) {
  static constexpr char kNames[7][3] = {{'M', 'o', 'n'}, {'T', 'u', 'e'}, {'W', 'e', 'd'},
                                        {'T', 'h', 'u'}, {'F', 'r', 'i'}, {'S', 'a', 't'},
                                        {'S', 'u', 'n'}};
  for (const auto& n : kNames) {
    if (p[0] == n[0] && p[1] == n[1] && p[2] == n[2]) return true;
  }
  return false;
}

inline bool IsLeapYear(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

inline int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// Reads ".d{1,9}" (or ",d{1,9}" when allow_comma) if present, keeping
// microseconds (digits past the sixth are dropped, not rounded).
// Returns false for a separator without digits or more than 9 digits.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool ReadFraction(const char*& p,
                                                      const char* end,
                                                      bool allow_comma,
                                                      int* micros) {
  *micros = 0;
  if (p >= end || !(*p == '.' || (allow_comma && *p == ','))) return true;
  ++p;
  int v = 0;
  // Fast path: exactly six digits (rsyslog, syslog-ng, journalctl).
  if (end - p >= 7 && IsDigit(p[0]) && IsDigit(p[1]) && IsDigit(p[2]) &&
      IsDigit(p[3]) && IsDigit(p[4]) && IsDigit(p[5]) && !IsDigit(p[6])) {
    for (int i = 0; i < 6; ++i) v = v * 10 + (p[i] - '0');
    p += 6;
    *micros = v;
    return true;
  }
  int digits = 0;
  while (p < end && IsDigit(*p)) {
    if (digits < 6) v = v * 10 + (*p - '0');
    ++digits;
    ++p;
    if (digits > 9) return false;
  }
  if (digits == 0) return false;
  for (int i = digits; i < 6; ++i) v *= 10;
  *micros = v;
  return true;
}

// Reads a token up to the next ' ' (exclusive). Fails when the token is
// empty, holds a control byte, or the line ends before a ' '.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool ReadToken(const char*& p,
                                                   const char* end,
                                                   std::string_view* tok) {
  const char* start = p;
  p = SkipToStop(kTokenStop, p, end);
  if (p == start || p >= end || *p != ' ') return false;
  *tok = std::string_view(start, p - start);
  ++p;
  return true;
}

}  // namespace

const char kSyslogdTag[] = "syslogd";

namespace {

// The fields being read; Scan() hands them out as they are.
using CivilFields = EnvelopeTime;

// The syslog daemon's own lines, written with no tag after the host:
// sysklogd's and BusyBox's "last message repeated 3 times" (the host's
// previous message, logged again; pflogsumm ignores these lines too), its
// "-- MARK --" timestamps, and its notes with a version inside the tag
// ("syslogd 1.5.1: restart."). Returns the message, or nullopt for anything
// else. Out of line: only lines with no readable tag get here.
ABSL_ATTRIBUTE_NOINLINE std::optional<std::string_view> SyslogdOwnMessage(
    std::string_view rest) {
  if (rest == "-- MARK --") return rest;
  constexpr std::string_view kRepeated = "last message repeated ";
  if (rest.substr(0, kRepeated.size()) == kRepeated) {
    std::string_view n = rest.substr(kRepeated.size());
    size_t digits = 0;
    while (digits < n.size() && IsDigit(n[digits])) ++digits;
    const std::string_view tail = n.substr(digits);
    if (digits > 0 && (tail == " times" || tail == " time")) return rest;
    return std::nullopt;
  }
  // "syslogd 1.5.1: restart.", "syslogd (GNU inetutils 2.4): restart",
  // "syslogd v2.4.4: exiting on signal 15", BusyBox's "syslogd started:
  // BusyBox v1.36.1": a version or a word between the name and ": ".
  constexpr std::string_view kSyslogd = "syslogd ";
  if (rest.substr(0, kSyslogd.size()) != kSyslogd) return std::nullopt;
  const std::string_view text = rest.substr(kSyslogd.size());
  const size_t colon = text.find(": ");
  if (colon == 0 || colon > 40 || text.substr(0, colon).find(':') != std::string_view::npos) {
    return std::nullopt;
  }
  return text;
}

// Resets *out and reports `reason` for a line whose envelope can't be read.
EnvelopeResult Fail(const char* reason, LogLine* out, const char** error) {
  *out = LogLine{};
  *error = reason;
  return EnvelopeResult::kMalformed;
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool ValidTimeOfDay(const CivilFields& f) {
  // 60 admits a leap second (it becomes second 0 of the next minute).
  return f.hour <= 23 && f.minute <= 59 && f.second <= 60;
}

// "HH:MM:SS" at p.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool ReadTimeOfDay(const char*& p,
                                                       const char* end,
                                                       CivilFields* f) {
  if (end - p < 8 || p[2] != ':' || p[5] != ':') return false;
  f->hour = TwoDigits(p);
  f->minute = TwoDigits(p + 3);
  f->second = TwoDigits(p + 6);
  if ((f->hour | f->minute | f->second) < 0) return false;
  p += 8;
  return true;
}

// "YYYY-MM-DD" at p.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool ReadDate(const char*& p,
                                                  const char* end,
                                                  CivilFields* f) {
  if (end - p < 10 || p[4] != '-' || p[7] != '-') return false;
  const int century = TwoDigits(p);
  const int year_of_century = TwoDigits(p + 2);
  f->month = TwoDigits(p + 5);
  f->day = TwoDigits(p + 8);
  if ((century | year_of_century | f->month | f->day) < 0) return false;
  f->year = century * 100 + year_of_century;
  p += 10;
  return true;
}

// 9 to 12 digits then '.' or ' ': journalctl -o short-unix's time, not a
// date (its year has 4 digits then '-').
inline bool LooksLikeUnixTime(const char* p, const char* end) {
  const char* q = p;
  while (q < end && q - p <= 12 && IsDigit(*q)) ++q;
  return q - p >= 9 && q - p <= 12 && q < end && (*q == '.' || *q == ' ');
}

// journalctl -o short-unix's time: "SSSSSSSSSS[.ffffff] " (9 to 12 digits of
// seconds since the epoch), as a wall-clock time in `zone` with its offset.
bool ReadUnixTime(const char*& p, const char* end, const absl::TimeZone& zone,
                  CivilFields* f) {
  int64_t seconds = 0;
  int digits = 0;
  while (p < end && IsDigit(*p) && digits < 13) {
    seconds = seconds * 10 + (*p++ - '0');
    ++digits;
  }
  if (digits < 9 || digits > 12 || !ReadFraction(p, end, /*allow_comma=*/false, &f->micros) ||
      !Expect(p, end, ' ')) {
    return false;
  }
  const absl::TimeZone::CivilInfo local = zone.At(absl::FromUnixSeconds(seconds));
  f->year = static_cast<int>(local.cs.year());
  f->month = local.cs.month();
  f->day = local.cs.day();
  f->hour = local.cs.hour();
  f->minute = local.cs.minute();
  f->second = local.cs.second();
  f->has_offset = true;
  f->offset = local.offset;
  return f->year >= 1 && f->year <= 9999;
}

// The zone of journalctl's short-full form: "UTC" or "GMT" (offset 0), a
// numeric offset ("+03", "-0530", "+05:30", as glibc names zones without an
// abbreviation), or another abbreviation ("CET", "EDT"), which leaves the
// offset to the configured time zone (abbreviations are ambiguous).
bool ReadZoneName(std::string_view zone, CivilFields* f) {
  if (zone == "UTC" || zone == "GMT" || zone == "Z") {
    f->has_offset = true;
    f->offset = 0;
    return true;
  }
  if (zone[0] == '+' || zone[0] == '-') {
    const char* p = zone.data() + 1;
    const char* end = zone.data() + zone.size();
    int oh = 0, om = 0;
    if (!ReadFixedDigits(p, end, 2, &oh) || oh > 23) return false;
    if (p < end) {
      Expect(p, end, ':');
      if (!ReadFixedDigits(p, end, 2, &om) || om > 59 || p != end) return false;
    }
    f->has_offset = true;
    f->offset = (oh * 3600 + om * 60) * (zone[0] == '-' ? -1 : 1);
    return true;
  }
  if (zone.size() > 6) return false;
  for (char c : zone) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

}  // namespace

const char* EnvelopeResultName(EnvelopeResult result) {
  switch (result) {
    case EnvelopeResult::kOk:
      return "ok";
    case EnvelopeResult::kEmpty:
      return "empty";
    case EnvelopeResult::kMalformed:
      return "malformed";
  }
  return "unknown";
}

EnvelopeParser::EnvelopeParser(EnvelopeOptions options)
    : options_(std::move(options)) {
  const absl::Time now = options_.now.value_or(absl::Now());
  const absl::CivilSecond civil = absl::ToCivilSecond(now, options_.time_zone);
  now_year_ = static_cast<int>(std::min<absl::civil_year_t>(
      std::max<absl::civil_year_t>(civil.year(), 1), kMaxYear));
  now_month_ = civil.month();
  if (options_.year.has_value()) {
    options_.year = std::min(std::max(*options_.year, 1), kMaxYear);
  }
}

int EnvelopeParser::YearForMonth(int month) {
  if (month == last_month_) return current_year_;
  if (current_year_ == 0) {
    current_year_ = options_.year.has_value()
                        ? *options_.year
                        : (month > now_month_ ? now_year_ - 1 : now_year_);
    last_month_ = month;
    return current_year_;
  }
  if (month < last_month_) {
    // December -> January (or a longer jump back, e.g. a gap over New Year):
    // a new year. A short step back is an out-of-order line.
    if (last_month_ - month >= 6) {
      ++current_year_;
      last_month_ = month;
    }
    return current_year_;
  }
  // month > last_month_: a straggler from December after the roll-over into
  // January belongs to the year before; otherwise time moved forward.
  if (month - last_month_ > 6) return current_year_ - 1;
  last_month_ = month;
  return current_year_;
}

int32_t EnvelopeParser::OffsetForLocal(int64_t local_seconds) {
  const int64_t hour = local_seconds >= 0 ? local_seconds / 3600
                                          : -((-local_seconds + 3599) / 3600);
  OffsetCacheEntry& entry =
      offset_cache_[static_cast<uint64_t>(hour) % kOffsetCacheSize];
  if (entry.local_hour == hour) return entry.offset;

  const absl::TimeZone& tz = options_.time_zone;
  const absl::CivilSecond epoch(1970, 1, 1, 0, 0, 0);
  const absl::CivilSecond civil = epoch + local_seconds;
  const absl::TimeZone::TimeInfo info = tz.At(civil);
  const int64_t pre_unix = absl::ToUnixSeconds(info.pre);
  int32_t offset = static_cast<int32_t>(local_seconds - pre_unix);

  if (info.kind == absl::TimeZone::TimeInfo::UNIQUE) {
    // Cache the hour only when it has one offset throughout.
    const absl::TimeZone::TimeInfo first = tz.At(epoch + hour * 3600);
    const absl::TimeZone::TimeInfo last = tz.At(epoch + (hour * 3600 + 3599));
    if (first.kind == absl::TimeZone::TimeInfo::UNIQUE &&
        last.kind == absl::TimeZone::TimeInfo::UNIQUE &&
        hour * 3600 - absl::ToUnixSeconds(first.pre) == offset &&
        hour * 3600 + 3599 - absl::ToUnixSeconds(last.pre) == offset) {
      entry.local_hour = hour;
      entry.offset = offset;
    }
  } else if (info.kind == absl::TimeZone::TimeInfo::REPEATED) {
    // The wall clock shows this time twice (DST fall-back). Take the first
    // occurrence unless the stream has already gone past it: a wall-clock
    // step back over the slack while the later reading still follows on.
    const int64_t post_unix = absl::ToUnixSeconds(info.post);
    if (last_unix_seconds_ != INT64_MIN &&
        pre_unix < last_unix_seconds_ - kBackwardSlackSeconds &&
        post_unix >= last_unix_seconds_ - kBackwardSlackSeconds) {
      offset = static_cast<int32_t>(local_seconds - post_unix);
    }
  }
  // SKIPPED (spring forward): the pre-transition offset, as absl's `pre`.
  return offset;
}

// Syslog severity names, as BusyBox and rsyslog's templates write them
// (lower case; rsyslog's :::uppercase option capitalizes them).
constexpr std::string_view kSeverityNames[] = {
    "emerg", "alert", "crit", "err", "error", "warn", "warning", "notice", "info", "debug",
    "panic"};

bool IsFacilityPriority(std::string_view token) {
  static constexpr std::string_view kFacilities[] = {
      "kern", "user",   "mail",   "daemon", "auth",   "syslog", "lpr",    "news",
      "uucp", "cron",   "authpriv", "ftp",  "local0", "local1", "local2", "local3",
      "local4", "local5", "local6", "local7", "security", "mark"};
  const size_t dot = token.find('.');
  if (dot == std::string_view::npos) return false;
  const std::string_view facility = token.substr(0, dot);
  const std::string_view priority = token.substr(dot + 1);
  return std::find(std::begin(kFacilities), std::end(kFacilities), facility) !=
             std::end(kFacilities) &&
         std::find(std::begin(kSeverityNames), std::end(kSeverityNames), priority) !=
             std::end(kSeverityNames);
}

// A syslog severity as rsyslog's %syslogseverity-text:::uppercase% writes it.
bool IsUpperCaseSeverity(std::string_view token) {
  if (token.empty() || token.size() > 7) return false;
  char lower[7];
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] < 'A' || token[i] > 'Z') return false;
    lower[i] = static_cast<char>(token[i] - 'A' + 'a');
  }
  const std::string_view name(lower, token.size());
  return std::find(std::begin(kSeverityNames), std::end(kSeverityNames), name) !=
         std::end(kSeverityNames);
}

bool StartsLikeSyslogTime(std::string_view text) {
  const char* p = text.data();
  const char* end = p + text.size();
  if (end - p >= 6 && p[3] == ' ' && (IsDigit(p[4]) || p[4] == ' ') && MonthFromName(p) != 0) {
    return true;
  }
  return end - p >= 11 && IsDigit(p[0]) && IsDigit(p[1]) && IsDigit(p[2]) && IsDigit(p[3]) &&
         p[4] == '-' && IsDigit(p[5]) && IsDigit(p[6]) && p[7] == '-' && IsDigit(p[8]) &&
         IsDigit(p[9]) && (p[10] == 'T' || p[10] == ' ');
}

bool EnvelopeParser::ScanContainerLine(std::string_view rest, LogLine* out,
                                       const char** error, EnvelopeResult* result) const {
  if (rest.size() >= 9 && (rest.substr(0, 7) == "stdout " || rest.substr(0, 7) == "stderr ") &&
      (rest[7] == 'F' || rest[7] == 'P') && rest[8] == ' ') {
    rest.remove_prefix(9);  // CRI: stream, then Full or Partial
  }
  if (!StartsLikeSyslogTime(rest)) return false;
  EnvelopeTime unused;
  *result = ScanInline(rest, out, &unused, error, /*nested=*/true);
  return true;
}

// Inlined into Parse() and Scan(), so that one pass costs no more than it
// did before the two steps were apart.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline EnvelopeResult EnvelopeParser::ScanInline(
    std::string_view line, LogLine* out, EnvelopeTime* time,
    const char** error, bool nested) const {
  // *out is written field by field on success and reset by Fail(): clearing
  // it up front costs a measurable share of the parse.
  *error = "";
  const char* p = line.data();
  const char* end = p + line.size();
  while (end > p && (end[-1] == '\r' || end[-1] == '\n')) --end;
  {
    const char* q = p;
    while (q < end && (*q == ' ' || *q == '\t')) ++q;
    // journalctl's markers between entries ("-- Journal begins at ... --",
    // "-- Boot 0123abcd... --", "-- Reboot --", "-- No entries --") are
    // not log lines: they count as empty ones.
    if (q == end || (end - q >= 6 && q[0] == '-' && q[1] == '-' && q[2] == ' ' &&
                     end[-3] == ' ' && end[-2] == '-' && end[-1] == '-')) {
      *out = LogLine{};
      return EnvelopeResult::kEmpty;
    }
  }

  // <PRI>: 1-3 digits, value 0..191.
  bool has_pri = false;
  if (*p == '<') {
    ++p;
    int pri = 0, digits = 0;
    while (p < end && IsDigit(*p) && digits < 3) {
      pri = pri * 10 + (*p - '0');
      ++p;
      ++digits;
    }
    if (digits == 0 || pri > 191 || !Expect(p, end, '>')) {
      return Fail("bad PRI", out, error);
    }
    has_pri = true;
  }
  if (p >= end) return Fail("truncated after PRI", out, error);

  // Detect the format from the first bytes.
  EnvelopeFormat format;
  if (has_pri && IsDigit(*p) && *p != '0' &&
      ((end - p >= 2 && p[1] == ' ') ||
       (end - p >= 3 && IsDigit(p[1]) && p[2] == ' ') ||
       (end - p >= 4 && IsDigit(p[1]) && IsDigit(p[2]) && p[3] == ' '))) {
    format = EnvelopeFormat::kRfc5424;
  } else if (IsDigit(*p)) {
    format = EnvelopeFormat::kIso;
  } else if (*p >= 'A' && *p <= 'Z') {
    // A weekday starts journalctl's short-full form, a full date: kIso.
    // Tested only when no month name starts the line.
    format = end - p >= 5 && MonthFromName(p) == 0 && IsWeekdayName(p) && p[3] == ' ' &&
                     IsDigit(p[4])
                 ? EnvelopeFormat::kIso
                 : EnvelopeFormat::kClassic;
  } else {
    return Fail("no timestamp", out, error);
  }
  if (!nested && options_.format != EnvelopeFormat::kAuto && options_.format != format) {
    switch (options_.format) {
      case EnvelopeFormat::kClassic:
        return Fail("not a classic syslog timestamp", out, error);
      case EnvelopeFormat::kIso:
        return Fail("not an RFC 3339 timestamp", out, error);
      default:
        return Fail("not RFC 5424", out, error);
    }
  }

  CivilFields& f = *time;
  f = CivilFields();
  bool rfc5424 = false;
  bool nil_time = false;
  if (format == EnvelopeFormat::kClassic) {
    // "Mmm dd HH:MM:SS[.ffffff] ", day space- or zero-padded.
    if (end - p < 3) return Fail("truncated timestamp", out, error);
    f.month = MonthFromName(p);
    if (f.month == 0) return Fail("bad month", out, error);
    p += 3;
    if (!Expect(p, end, ' ')) return Fail("bad timestamp", out, error);
    if (p < end && *p == ' ') ++p;
    if (p >= end || !IsDigit(*p)) return Fail("bad day", out, error);
    f.day = *p++ - '0';
    if (p < end && IsDigit(*p)) f.day = f.day * 10 + (*p++ - '0');
    if (f.day < 1 || f.day > 31) return Fail("bad day", out, error);
    if (!Expect(p, end, ' ') || !ReadTimeOfDay(p, end, &f) ||
        !ValidTimeOfDay(f)) {
      return Fail("bad time of day", out, error);
    }
    if (!ReadFraction(p, end, /*allow_comma=*/false, &f.micros)) {
      return Fail("bad fraction of second", out, error);
    }
    if (!Expect(p, end, ' ')) return Fail("bad timestamp", out, error);
    // Feb 29 is accepted whatever year was inferred (it is the log's claim).
    if (f.day > (f.month == 2 ? 29 : DaysInMonth(2001, f.month))) {
      return Fail("bad day", out, error);
    }
  } else {
    if (format == EnvelopeFormat::kRfc5424) {
      rfc5424 = true;
      while (IsDigit(*p)) ++p;  // VERSION; the detection saw the ' '.
      ++p;
      if (p < end && *p == '-') {
        ++p;
        nil_time = true;
        if (!Expect(p, end, ' ')) return Fail("bad timestamp", out, error);
      }
    }
    if (!nil_time && !rfc5424 && LooksLikeUnixTime(p, end)) {
      // journalctl -o short-unix: seconds since the epoch, then ".ffffff".
      if (!ReadUnixTime(p, end, options_.time_zone, &f)) {
        return Fail("bad time since the epoch", out, error);
      }
    } else if (!nil_time) {
      // YYYY-MM-DD[T ]HH:MM:SS[.f{1,9}][Z|+HH:MM|+HHMM] then ' ', or
      // journalctl -o short-full's "Wed YYYY-MM-DD HH:MM:SS ZONE ".
      // (RFC 5424's VERSION and its space may end the line.)
      if (p >= end) return Fail("truncated timestamp", out, error);
      const bool weekday = !IsDigit(*p);  // the detection saw "Www d"
      if (weekday) p += 4;
      if (!ReadDate(p, end, &f)) return Fail("bad date", out, error);
      if (f.month < 1 || f.month > 12 || f.day < 1 ||
          f.day > DaysInMonth(f.year, f.month)) {
        return Fail("bad date", out, error);
      }
      if (p >= end || !(*p == 'T' || *p == 't' || (*p == ' ' && !rfc5424))) {
        return Fail("bad date-time separator", out, error);
      }
      ++p;
      if (!ReadTimeOfDay(p, end, &f) || !ValidTimeOfDay(f)) {
        return Fail("bad time of day", out, error);
      }
      if (!ReadFraction(p, end, /*allow_comma=*/!rfc5424, &f.micros)) {
        return Fail("bad fraction of second", out, error);
      }
      std::string_view zone;
      if (weekday) {
        if (!Expect(p, end, ' ') || !ReadToken(p, end, &zone) || !ReadZoneName(zone, &f)) {
          return Fail("bad time zone", out, error);
        }
      } else if (p < end && (*p == 'Z' || *p == 'z')) {
        ++p;
        f.has_offset = true;
      } else if (p < end && (*p == '+' || *p == '-')) {
        const bool negative = *p == '-';
        ++p;
        int oh = 0, om = 0;
        if (!ReadFixedDigits(p, end, 2, &oh))
          return Fail("bad UTC offset", out, error);
        const bool colon = Expect(p, end, ':');
        if (!ReadFixedDigits(p, end, 2, &om) || oh > 23 || om > 59 ||
            (rfc5424 && !colon)) {
          return Fail("bad UTC offset", out, error);
        }
        f.has_offset = true;
        f.offset = (oh * 3600 + om * 60) * (negative ? -1 : 1);
      } else if (rfc5424) {
        return Fail("bad UTC offset", out, error);
      }
      if (!weekday && !Expect(p, end, ' ')) return Fail("bad timestamp", out, error);
    }
  }

  if (rfc5424) {
    // HOSTNAME APP-NAME PROCID MSGID, each a token or "-".
    std::string_view host, app, procid, msgid;
    if (!ReadToken(p, end, &host)) return Fail("bad RFC 5424 hostname", out, error);
    if (!ReadToken(p, end, &app)) return Fail("bad RFC 5424 app-name", out, error);
    if (!ReadToken(p, end, &procid)) return Fail("bad RFC 5424 procid", out, error);
    if (!ReadToken(p, end, &msgid)) return Fail("bad RFC 5424 msgid", out, error);
    out->host = host != "-" ? host : std::string_view();
    SplitProgramName(app != "-" ? app : std::string_view(),
                     options_.syslog_names, out);
    out->pid = -1;
    if (procid.size() <= 18) {
      int64_t pid = 0;
      bool numeric = true;
      for (char c : procid) {
        if (!IsDigit(c)) {
          numeric = false;
          break;
        }
        pid = pid * 10 + (c - '0');
      }
      if (numeric) out->pid = pid;
    }
    // STRUCTURED-DATA: "-" or one or more [id param="value" ...] blocks,
    // where '\' escapes '"', '\' and ']' inside values.
    if (p >= end) return Fail("missing RFC 5424 structured data", out, error);
    if (*p == '-') {
      ++p;
    } else if (*p == '[') {
      while (p < end && *p == '[') {
        ++p;
        bool in_quotes = false;
        bool closed = false;
        while (p < end) {
          const char c = *p++;
          if (in_quotes) {
            if (c == '\\') {
              if (p < end) ++p;
            } else if (c == '"') {
              in_quotes = false;
            }
          } else if (c == '"') {
            in_quotes = true;
          } else if (c == ']') {
            closed = true;
            break;
          }
        }
        if (!closed) return Fail("unterminated RFC 5424 structured data", out, error);
      }
    } else {
      return Fail("bad RFC 5424 structured data", out, error);
    }
    if (p < end) {
      if (*p != ' ') return Fail("bad RFC 5424 structured data", out, error);
      ++p;
      if (end - p >= 3 && static_cast<unsigned char>(p[0]) == 0xEF &&
          static_cast<unsigned char>(p[1]) == 0xBB &&
          static_cast<unsigned char>(p[2]) == 0xBF) {
        p += 3;
      }
      // rsyslog's RSYSLOG_SyslogProtocol23Format writes %msg% with the space
      // that followed the tag in the original message: "- -  text". No
      // Postfix message starts with a space, so leading ones are dropped.
      while (p < end && *p == ' ') ++p;
    }
    out->message = std::string_view(p, end - p);
    out->time = Timestamp();
    f.kind = nil_time ? EnvelopeTime::Kind::kNone : EnvelopeTime::Kind::kIso;
    return EnvelopeResult::kOk;
  }

  // A container runtime's time (see the header): what follows starts with a
  // digit, 's' (CRI's "stdout F ") or a month name, which few hosts do.
  if (format == EnvelopeFormat::kIso && !nested && end - p >= 6 &&
      ABSL_PREDICT_FALSE(IsDigit(*p) || *p == 's' || p[3] == ' ')) {
    EnvelopeResult inner;
    if (ScanContainerLine(std::string_view(p, end - p), out, error, &inner)) {
      f.kind = EnvelopeTime::Kind::kIso;
      return inner;
    }
  }

  // HOSTNAME ' ' TAG[ '[' PID ']' ] ':' [' '] MESSAGE
  std::string_view host;
  if (!ReadToken(p, end, &host)) return Fail("bad host", out, error);
  if (format == EnvelopeFormat::kIso && ABSL_PREDICT_FALSE(IsUpperCaseSeverity(host))) {
    // The boky/postfix container image writes the severity, padded, where
    // the host belongs: "2023-12-30T21:20:26.625152+00:00 INFO    postfix/
    // smtpd[481]: ..." (rsyslog, %syslogseverity-text:::uppercase%). The
    // line has no host.
    while (p < end && *p == ' ') ++p;
    host = std::string_view();
  }
  if (!host.empty() && (host.back() == ':' || host.back() == ']')) {
    // "Nov 25 17:58:09 postfix/smtpd[1]: ..." -- a tag where the host
    // belongs; such lines are not written by the syslog daemons we read.
    return Fail("missing host", out, error);
  }
  const char* tag_start = p;
  p = SkipToStop(kTagStop, p, end);
  if (p < end && *p == ' ' && IsFacilityPriority(std::string_view(tag_start, p - tag_start))) {
    // BusyBox syslogd (Alpine containers): "mx1 mail.info postfix/smtpd[1]:".
    tag_start = p + 1;
    p = SkipToStop(kTagStop, tag_start, end);
  }
  if (ABSL_PREDICT_FALSE(p >= end || *p == ' ')) {
    // No tag: perhaps the syslog daemon's own line (kSyslogdTag).
    if (const std::optional<std::string_view> own =
            SyslogdOwnMessage(std::string_view(tag_start, end - tag_start))) {
      out->host = host;
      SplitProgramName(kSyslogdTag, options_.syslog_names, out);
      out->pid = -1;
      out->message = *own;
      out->time = Timestamp();
      f.kind = format == EnvelopeFormat::kClassic ? EnvelopeTime::Kind::kClassic
                                                  : EnvelopeTime::Kind::kIso;
      return EnvelopeResult::kOk;
    }
    if (p >= end) return Fail("no tag", out, error);
  }
  if (p == tag_start) return Fail("empty tag", out, error);
  const std::string_view tag(tag_start, p - tag_start);
  // No program is named by digits alone; Exim's main log says "pid 1234:
  // SIGHUP received: re-exec daemon" after its time, which would read as
  // host "pid", program "1234".
  if (ABSL_PREDICT_FALSE(IsDigit(tag.front())) &&
      std::all_of(tag.begin(), tag.end(), [](char c) { return IsDigit(c); })) {
    return Fail("numeric tag", out, error);
  }
  int64_t pid = -1;
  if (*p == '[') {
    ++p;
    const char* digits_start = p;
    const char* digits_end = end - p > 18 ? p + 18 : end;  // fits int64
    int64_t v = 0;
    while (p < digits_end && IsDigit(*p)) {
      v = v * 10 + (*p - '0');
      ++p;
    }
    if (p == digits_start || !Expect(p, end, ']')) return Fail("bad pid", out, error);
    pid = v;
  }
  if (!Expect(p, end, ':')) return Fail("no tag", out, error);
  if (p < end && *p == ' ') ++p;
  out->host = host;
  SplitProgramName(tag, options_.syslog_names, out);
  out->pid = pid;
  out->message = std::string_view(p, end - p);
  out->time = Timestamp();
  f.kind = format == EnvelopeFormat::kClassic ? EnvelopeTime::Kind::kClassic
                                              : EnvelopeTime::Kind::kIso;
  return EnvelopeResult::kOk;
}

EnvelopeResult EnvelopeParser::Parse(std::string_view line, LogLine* out) {
  EnvelopeTime time;
  const EnvelopeResult result = ScanInline(line, out, &time, &last_error_);
  if (result == EnvelopeResult::kOk) ApplyTime(time, out);
  return result;
}

EnvelopeResult EnvelopeParser::Scan(std::string_view line, LogLine* out,
                                    EnvelopeTime* time,
                                    const char** error) const {
  const char* unused_error;
  return ScanInline(line, out, time, error != nullptr ? error : &unused_error);
}

void EnvelopeParser::ApplyTime(const EnvelopeTime& f, LogLine* out) {
  if (f.kind == EnvelopeTime::Kind::kNone) {
    out->time = Timestamp();
    return;
  }
  if (f == last_time_fields_) {
    out->time = last_time_;
    return;
  }
  // Classic lines get their year here, so that a line rejected by Scan()
  // does not move the year state.
  const int year = f.kind == EnvelopeTime::Kind::kClassic ? YearForMonth(f.month)
                                                          : f.year;
  const int64_t date_key =
      (int64_t{year} * 16 + f.month) * 32 + f.day;  // unique per date
  if (date_key != last_date_key_) {
    last_date_key_ = date_key;
    last_days_ = DaysFromCivil(year, f.month, f.day);
  }
  const int64_t local_seconds = last_days_ * 86400 + int64_t{f.hour} * 3600 +
                                int64_t{f.minute} * 60 + f.second;
  const int32_t offset =
      f.has_offset ? f.offset : OffsetForLocal(local_seconds);
  const int64_t unix_seconds = local_seconds - offset;
  out->time.unix_micros = unix_seconds * 1000000 + f.micros;
  out->time.utc_offset_seconds = offset;
  if (!f.has_offset) last_unix_seconds_ = unix_seconds;
  last_time_fields_ = f;
  last_time_ = out->time;
}

}  // namespace mailgauge::parsers
