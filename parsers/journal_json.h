// File: parsers/journal_json.h
// Reads one line of `journalctl -o json` (one JSON object per journal entry)
// into a LogLine, with the same fields as JournalReader takes from the
// journal itself:
//
//   __REALTIME_TIMESTAMP -> time (UTC microseconds, as a decimal string; the
//                           UTC offset is the configured zone's, for display)
//   _HOSTNAME            -> host
//   SYSLOG_IDENTIFIER    -> program, split with SplitProgramName
//                           (_COMM when an entry has no identifier)
//   SYSLOG_PID, or _PID  -> pid
//   MESSAGE              -> message
//
// journalctl writes a field's value as a JSON string when it is printable
// UTF-8, as an array of byte values otherwise, as an array of those when an
// entry has the field more than once (the first is taken), and as null when
// it is larger than journalctl prints without --all (such a MESSAGE gives no
// line). `-o json-seq`'s leading RS byte and `-o json-sse`'s "data: " are
// skipped (json-sse's empty lines between entries are empty lines).
// `-o json-pretty`, `-o export` and `-o verbose` spread an entry over
// several lines: JournalEntryAssembler (journal_entry_assembler.h) puts it
// together, and maps its fields with JournalFieldsToLine() below, as
// Parse() does.
//
// Lines of docker's json-file log driver (/var/lib/docker/containers/ID/
// ID-json.log) are read too: {"log":"...\n","stream":"stdout","time":
// "2026-11-25T16:58:09.123456789Z"} gives a LogLine with that time, no
// program and the log text as message (the container's own syslog line,
// which LogInput unwraps).
//
//   JournalJsonParser parser(SyslogNames(), absl::LocalTimeZone());
//   LogLine line;
//   if (parser.Parse(text, &line) == EnvelopeResult::kOk) Use(line);
//   else Complain(parser.last_error());   // e.g. "no __REALTIME_TIMESTAMP"
//
// The views in the LogLine point into the parser's buffers and stay valid
// until the next Parse(). Any bytes give kOk or kMalformed, never a throw.
// Thread-safety: not thread-safe; use one per stream.
#ifndef MAILGAUGE_PARSERS_JOURNAL_JSON_H_
#define MAILGAUGE_PARSERS_JOURNAL_JSON_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "nlohmann/json_fwd.hpp"
#include "common/log_line.h"
#include "parsers/program_name.h"
#include "parsers/syslog_envelope.h"
#include "parsers/zone_offsets.h"

namespace mailgauge::parsers {

// The fields of one journal entry that make its LogLine: each field's bytes
// (its first value's, when it has several), nullopt when the entry has none.
struct JournalLineFields {
  std::optional<std::string_view> realtime;    // __REALTIME_TIMESTAMP
  std::optional<std::string_view> message;     // MESSAGE
  std::optional<std::string_view> identifier;  // SYSLOG_IDENTIFIER
  std::optional<std::string_view> comm;        // _COMM
  std::optional<std::string_view> hostname;    // _HOSTNAME
  std::optional<std::string_view> syslog_pid;  // SYSLOG_PID
  std::optional<std::string_view> pid;         // _PID

  // The number of fields above, and the slot of the field `name`
  // ("MESSAGE" -> &message); nullptr for a field no LogLine takes.
  static constexpr size_t kCount = 7;
  std::optional<std::string_view>* Slot(std::string_view name);
  // The name of the i-th field above (i < kCount), and its slot.
  static const char* Name(size_t i);
  std::optional<std::string_view>* Slot(size_t i);
};

// Sets *out from `f` as the table above says (its views point where f's
// do). kMalformed, *out reset and *error set ("no __REALTIME_TIMESTAMP",
// "no MESSAGE") when the entry has no usable time or message.
EnvelopeResult JournalFieldsToLine(const JournalLineFields& f, const SyslogNames& names,
                                   ZoneOffsets* offsets, LogLine* out, const char** error);

// A journal field's decimal number ("1795634566115753", "123"), or -1 when
// it is empty, has another byte than a digit, or is longer than 18 digits.
int64_t JournalDecimal(std::string_view text);

// JournalJsonParser::last_error() for an entry whose MESSAGE is null (the
// field is longer than journalctl prints without --all, 4096 bytes), and
// the error of a `-o verbose` entry whose MESSAGE is "[N blob data]".
extern const char kJournalMessageLeftOut[];

// True when `text` may be a journal entry in JSON: its first byte (after an
// optional RS, 0x1E, or "data: ") is '{'. Cheap: callers test it before
// Parse().
bool MayBeJournalJson(std::string_view text);

class JournalJsonParser {
 public:
  JournalJsonParser(SyslogNames names, absl::TimeZone zone);

  // kOk with every field of *out set; kMalformed (*out reset) when `text` is
  // not a JSON object with a __REALTIME_TIMESTAMP and a MESSAGE (or docker's
  // "log" and "time").
  EnvelopeResult Parse(std::string_view text, LogLine* out);

  // Why the last Parse() returned kMalformed; "" after kOk.
  const char* last_error() const { return last_error_; }

 private:
  EnvelopeResult ParseDockerLine(const nlohmann::json& entry, LogLine* out);

  SyslogNames names_;
  ZoneOffsets offsets_;
  // The fields' bytes, by JournalLineFields' order: the views in the
  // LogLine; message_ for docker's lines.
  std::array<std::string, JournalLineFields::kCount> field_bytes_;
  std::string message_;
  const char* last_error_ = "";
};

}  // namespace mailgauge::parsers

#endif  // MAILGAUGE_PARSERS_JOURNAL_JSON_H_
