// File: parsers/syslog_envelope.h
// Reads the envelope of one syslog line -- when, which host, which program and
// pid -- and hands the message body on in a LogLine. Formats, detected per line
// from the first bytes (or forced):
//
//   classic (RFC 3164, also Postfix's own maillog_file written by postlogd):
//     "Nov 25 17:58:09 mx1 postfix/smtpd[123]: connect from ..."
//     "Nov  5 17:58:09 ..."  "Nov 05 17:58:09 ..."
//     "Nov 25 17:58:09.123456 ..."  (fractions are accepted, 1-9 digits)
//   RFC 3339 / ISO (rsyslog's RSYSLOG_FileFormat, syslog-ng, journalctl -o
//   short-iso), also with a space for 'T' or without an offset:
//     "2026-11-25T17:58:09.123456+01:00 mx1 postfix/smtpd[123]: ..."
//   RFC 5424:
//     "<22>1 2026-11-25T17:58:09.123456Z mx1 postfix/smtpd 123 - - ..."
//   a <PRI> followed by either of the first two ("<22>Nov 25 17:58:09 ...").
//   journalctl's other text forms (-o short-full, -o short-unix):
//     "Wed 2026-11-25 17:58:09 CET mx1 postfix/smtpd[123]: ..."
//     "1795634289.123456 mx1 postfix/smtpd[123]: ..."
//   short-full's zone is taken when it is UTC, GMT or a numeric offset
//   ("+03", "-0530"); an abbreviation such as CET leaves the offset to the
//   configured zone. short-unix's seconds are shown in the configured zone.
//   journalctl's marker lines ("-- Boot 0123... --", "-- No entries --",
//   "-- Journal begins at ... --") are kEmpty, as blank lines are.
//   a container runtime's RFC 3339 time before a classic or ISO line
//   (`docker logs -t`, `kubectl logs --timestamps`, and CRI log files with
//   their stream and flag):
//     "2026-11-25T16:58:09.123456789Z Nov 25 17:58:09 mx1 postfix/smtpd[1]: ..."
//     "2026-11-25T16:58:09.123456789Z stdout F Nov 25 17:58:09 mx1 ..."
//   The inner line gives host, program and message; the runtime's time,
//   which has a year and a zone, is the line's.
//   BusyBox's syslogd (Alpine-based containers) writes the facility and
//   priority between host and tag; they are skipped:
//     "Nov 25 17:58:09 mx1 mail.info postfix/smtpd[123]: ..."
//
// Postfix's maillog_file (postlogd, Postfix >= 3.4) is the classic form:
// postfix/src/util/msg_logger.c (checked in the 3.12 snapshots of 2026 and an
// older stored copy) formats the record prefix with
//     strftime(..., "%b %d %H:%M:%S ", lt)      (lt = localtime(&now))
// then "%.*s " with the first label of myhostname, then "%s[%ld]: " with the
// program name and pid. So the day is zero-padded ("Nov 05"), there is no
// fraction of a second and no year, and the zone is the writer's local one.
//
//   EnvelopeParser parser(EnvelopeOptions{});
//   LogLine line;
//   if (parser.Parse("Nov 25 17:58:09 mx1 postfix/smtpd[123]: hi", &line) ==
//       EnvelopeResult::kOk) {
//     // line.host == "mx1", line.daemon == "smtpd", line.pid == 123,
//     // line.message == "hi", line.time in the configured time zone.
//   } else {
//     // parser.last_error() says why, e.g. "bad month".
//   }
//
// Classic timestamps carry no year and no zone. The year is the --year
// override if given, else inferred from a reference "now" (a month later than
// now's month is last year); along the stream a December -> January step adds
// a year. The wall clock is turned into an instant with the configured zone
// (default: the local zone, from TZ or /etc/localtime); offsets are cached per
// local hour, so the time-zone library is consulted about once an hour of log.
//
// Parse() never throws, never allocates and reads only within `line`: any
// byte sequence (NULs, invalid UTF-8, a line cut anywhere) gives kOk,
// kEmpty or kMalformed. The string_views in the LogLine point into `line`,
// but for the syslog daemon's own lines that have no tag ("last message
// repeated 3 times", "-- MARK --"): their program is kSyslogdTag.
//
// Parse() is two steps that may run apart: Scan() reads everything from the
// line alone (host, program, pid, message, the timestamp's fields) and is
// const; ApplyTime() turns the fields into an instant with the stream's
// state. Parse() is exactly Scan() then, on kOk, ApplyTime(); so lines may be
// scanned on several threads as long as ApplyTime() sees them in order:
//
//   EnvelopeTime t;                                      // any thread
//   if (parser.Scan(text, &line, &t) == EnvelopeResult::kOk)
//     parser.ApplyTime(t, &line);                        // in line order
//
// Thread safety: an EnvelopeParser keeps per-stream state (year roll-over,
// offset cache); use one per input stream and thread. Scan() alone may be
// called from any number of threads at once.
#ifndef MAILGAUGE_PARSERS_SYSLOG_ENVELOPE_H_
#define MAILGAUGE_PARSERS_SYSLOG_ENVELOPE_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/base/attributes.h"
#include "absl/time/time.h"
#include "common/log_line.h"
#include "parsers/program_name.h"

namespace mailgauge::parsers {

// The program of the syslog daemon's own lines written with no tag after the
// host: sysklogd's and BusyBox's "last message repeated N times" and "-- MARK
// --", and sysklogd's "syslogd 1.5.1: restart." (its version in the tag).
// They are read as lines of another program, "syslogd"; a repeated message
// is not counted again (pflogsumm does not count it either).
// One array (not a constexpr view, whose literal each library or program
// could hold a copy of), so that the views can be told by their address.
extern const char kSyslogdTag[];

enum class EnvelopeFormat {
  kAuto,     // detect per line
  kClassic,  // RFC 3164 and postlogd's maillog_file (optionally after <PRI>)
  kIso,      // RFC 3339 timestamp first (optionally after <PRI>)
  kRfc5424,  // <PRI>VERSION TIMESTAMP HOST APP PROCID MSGID SD MSG
};

struct EnvelopeOptions {
  // Year of classic timestamps (the first line's; a December -> January step
  // still adds one). Unset: inferred from `now`. Clamped to 1..9999.
  std::optional<int> year;
  // Zone of classic timestamps and of ISO timestamps written without offset.
  absl::TimeZone time_zone = absl::LocalTimeZone();
  // Reference instant for year inference. Unset: absl::Now() at construction.
  std::optional<absl::Time> now;
  // Names that identify Postfix instances; decides how tags are split
  // (see program_name.h).
  SyslogNames syslog_names;
  EnvelopeFormat format = EnvelopeFormat::kAuto;
};

// A timestamp as Scan() read it, before the stream's state (a classic line's
// year, the side of a repeated DST hour) makes it an instant in ApplyTime().
struct EnvelopeTime {
  enum class Kind : uint8_t {
    kNone,     // no time: an RFC 5424 NILVALUE, or the line was not kOk
    kClassic,  // month, day and time of day; the year comes from the stream
    kIso,      // a full date and time, with an offset when has_offset
  };
  Kind kind = Kind::kNone;
  bool has_offset = false;
  int32_t offset = 0;  // seconds east of UTC, when has_offset
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int micros = 0;

  bool operator==(const EnvelopeTime& o) const {
    return second == o.second && minute == o.minute && hour == o.hour && day == o.day &&
           micros == o.micros && month == o.month && year == o.year && kind == o.kind &&
           has_offset == o.has_offset && offset == o.offset;
  }
};

enum class EnvelopeResult {
  kOk,         // *out is filled in
  kEmpty,      // nothing but white space
  kMalformed,  // the envelope can't be read; see last_error()
};

// "ok", "empty" or "malformed".
const char* EnvelopeResultName(EnvelopeResult result);

// Whether `token` is a syslog facility and priority as BusyBox's syslogd
// writes them after the host ("mail.info", "local3.err").
bool IsFacilityPriority(std::string_view token);

// Whether `text` starts with a classic ("Nov 25 ", "Nov  5 ") or ISO
// ("2026-11-25T", "2026-11-25 ") timestamp: a syslog line inside another
// one's message (a container's output, in the journal or after a runtime's
// time).
bool StartsLikeSyslogTime(std::string_view text);

class EnvelopeParser {
 public:
  explicit EnvelopeParser(EnvelopeOptions options = EnvelopeOptions());

  EnvelopeParser(const EnvelopeParser&) = delete;
  EnvelopeParser& operator=(const EnvelopeParser&) = delete;

  // Parses one line (without its '\n'; a trailing '\r' is ignored). On kOk
  // every field of *out is set (pid -1 without [pid]; time unknown only for an
  // RFC 5424 NILVALUE timestamp). On other results *out is reset to LogLine{}.
  [[nodiscard]] EnvelopeResult Parse(std::string_view line, LogLine* out);

  // The stateless part of Parse(): on kOk every field of *out but the time
  // (left unknown) is set, and *time holds the timestamp as read. Does not
  // change the parser (last_error() included); *error, when given, gets the
  // reason of a kMalformed ("" otherwise).
  [[nodiscard]] EnvelopeResult Scan(std::string_view line, LogLine* out,
                                    EnvelopeTime* time,
                                    const char** error = nullptr) const;

  // The in-order part: sets out->time from what Scan() read for the same
  // line (kOk only), moving the year and DST state as Parse() does.
  void ApplyTime(const EnvelopeTime& time, LogLine* out);

  // Why the last Parse() returned kMalformed (a short static string such as
  // "bad month" or "no tag"); "" after kOk or kEmpty.
  const char* last_error() const { return last_error_; }

  // The year that the next classic line in the same month as the last one
  // would get; 0 before the first classic line.
  int current_year() const { return current_year_; }

  const EnvelopeOptions& options() const { return options_; }

 private:
  struct OffsetCacheEntry {
    int64_t local_hour = INT64_MIN;  // local seconds / 3600
    int32_t offset = 0;
  };

  // Scan() with a non-null `error`. `nested`: the line follows a container
  // runtime's timestamp (no further prefix, no forced format).
  EnvelopeResult ScanInline(std::string_view line, LogLine* out,
                            EnvelopeTime* time, const char** error,
                            bool nested = false) const;
  // For the rest of an ISO line after its time: when it is a line a
  // container runtime put its time before (with CRI's stream and flag),
  // scans that line into *out and *result and returns true. Out of line:
  // ordinary lines only pay a test of the rest's first bytes.
  ABSL_ATTRIBUTE_NOINLINE bool ScanContainerLine(std::string_view rest, LogLine* out,
                                                 const char** error,
                                                 EnvelopeResult* result) const;
  // Chooses the year for a classic month, updating the roll-over state.
  int YearForMonth(int month);
  // UTC offset (seconds) of the local wall-clock time `local_seconds`
  // (seconds since 1970-01-01T00:00:00 local) in options_.time_zone.
  int32_t OffsetForLocal(int64_t local_seconds);

  EnvelopeOptions options_;
  int now_year_ = 1970;
  int now_month_ = 1;
  int current_year_ = 0;
  int last_month_ = 0;
  // The instant of the last line timed through the zone, to pick the right
  // side of a repeated (DST fall-back) hour.
  int64_t last_unix_seconds_ = INT64_MIN;
  static constexpr int kOffsetCacheSize = 64;
  OffsetCacheEntry offset_cache_[kOffsetCacheSize];
  // The last date converted to days since the epoch.
  int64_t last_date_key_ = INT64_MIN;
  int64_t last_days_ = 0;
  // The last time applied and its result: busy logs write many lines in
  // one second, and the same fields give the same instant (ApplyTime's
  // state moves only when the fields change).
  EnvelopeTime last_time_fields_;
  Timestamp last_time_;
  const char* last_error_ = "";
};

}  // namespace mailgauge::parsers

#endif  // MAILGAUGE_PARSERS_SYSLOG_ENVELOPE_H_
