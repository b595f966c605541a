// File: parsers/journal_entry_assembler.h
// Puts together the journal entries that journalctl writes over several
// lines, fed one line at a time, as LogInput reads a file:
//
//   journalctl -o export (https://systemd.io/JOURNAL_EXPORT_FORMATS/):
//     __CURSOR=s=...;i=1;...
//     __REALTIME_TIMESTAMP=1764093489123456
//     SYSLOG_IDENTIFIER=postfix/smtpd
//     MESSAGE=connect from a[192.0.2.1]
//     <empty line>
//   A value that is not printable UTF-8 (a newline, a control byte, invalid
//   UTF-8) is written as the field's name alone on its line, then its
//   length as 8 bytes little-endian, the bytes, and a newline.
//
//   journalctl -o json-pretty:
//     {
//     <TAB>"__REALTIME_TIMESTAMP" : "1764093489123456",
//     <TAB>"MESSAGE" : [
//     <TAB><TAB>98,
//     ...
//     <TAB>],
//     }
//
//   journalctl -o verbose:
//     Tue 2026-11-25 17:58:09.123456 UTC [s=...;i=1;...;t=6446f05c51080;x=...]
//         _HOSTNAME=mx
//         MESSAGE=connect from a[192.0.2.1]
//   The time is the cursor's t= (the entry's realtime in hex, the same as
//   __REALTIME_TIMESTAMP). A value journalctl leaves out without --all
//   ("[24B blob data]": not printable text) is not read; with --all its
//   further lines follow, indented to where its first began.
//
// The fields become a LogLine as with `-o json` (journal_json.h).
//
// An export entry starts with a line NAME=value (NAME: capital letters,
// digits and '_', not starting with a digit) and ends at an empty line (or
// before the next __CURSOR field). A
// json-pretty entry starts with a line "{" and ends at a line "}"; a verbose
// one starts with its header and ends before the next. Any other
// line inside an entry (one that is not a field, or not indented) ends it
// before that line, and the line is the caller's again, so a stray line in a
// syslog file that happens to look like a field takes nothing else with it.
// Inside a binary value every line belongs to the entry, up to its length.
//
// An entry that can't be read (no __REALTIME_TIMESTAMP or MESSAGE, a binary
// value whose length does not match, over the size cap, a json-pretty text
// that is not JSON) is returned as bad, with its lines as read, for the
// caller to count and keep.
//
//   JournalEntryAssembler a(SyslogNames(), absl::LocalTimeZone(), 1 << 20);
//   for (each line) {
//     switch (a.Feed(line, overlong)) {
//       case Step::kNotMine: ProcessAsUsual(line); break;
//       case Step::kConsumed: break;
//       case Step::kEntry: Use(a.entry()); break;
//       case Step::kEntryThenLine: Use(a.entry()); ProcessAsUsual(line); break;
//     }
//   }
//   if (a.Finish() == Step::kEntry) Use(a.entry());   // at the end of a file
//
// LineReader drops a '\r' before each newline. In a binary value that has
// "\r\n" at every newline (CRLF text) the '\r's are put back, since the
// length tells. A value with "\r\n" at only some of its newlines is misread
// (it takes the lines after it up to its length); the entry after it is
// still read, as journalctl starts each entry with a __CURSOR field, and a
// second __CURSOR ends the entry before it. Postfix writes no control
// characters into its log lines.
//
// Thread-safety: not thread-safe; use one per stream.
#ifndef MAILGAUGE_PARSERS_JOURNAL_ENTRY_ASSEMBLER_H_
#define MAILGAUGE_PARSERS_JOURNAL_ENTRY_ASSEMBLER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "common/log_line.h"
#include "parsers/journal_json.h"
#include "parsers/program_name.h"
#include "parsers/zone_offsets.h"

namespace mailgauge::parsers {

// An entry put together by JournalEntryAssembler.
struct AssembledEntry {
  bool ok = false;          // `line` holds the entry
  LogLine line;             // views into the assembler; valid until the next Feed()
  bool overlong = false;    // one of its lines was cut at the reader's line cap
  std::string_view text;    // its lines as read, joined by '\n' (up to the cap)
  uint64_t lines = 0;       // how many lines it took, its ending line included
  const char* error = "";   // why it is bad, when !ok
};

class JournalEntryAssembler {
 public:
  enum class Step {
    kNotMine,        // not part of an entry: the caller's line
    kConsumed,       // taken into the entry being read
    kEntry,          // this line ended an entry: entry()
    kEntryThenLine,  // an entry ended before this line: entry(), then the line is the caller's
  };

  // `max_entry_bytes` caps the bytes an entry may take; a longer one is bad.
  JournalEntryAssembler(SyslogNames names, absl::TimeZone zone, size_t max_entry_bytes);

  // True while an entry is being read: every line must be fed here first.
  bool active() const { return mode_ != Mode::kNone; }

  // One line, without its newline; `overlong` when the reader cut it.
  Step Feed(std::string_view line, bool overlong);

  // The end of the input: kEntry with the entry being read, if any (a bad
  // one when it stops inside a binary value or a json-pretty object), else
  // kNotMine.
  Step Finish();

  // The entry of the last kEntry or kEntryThenLine.
  const AssembledEntry& entry() const { return entry_; }

 private:
  enum class Mode { kNone, kExport, kExportBinary, kPretty, kVerbose };

  void Start(Mode mode);
  // Appends a line to text_ (joined by '\n'); false, with the entry bad,
  // when it would take the entry over the cap (its bytes are then left out).
  bool Append(std::string_view line, bool overlong);
  // An export entry's line after its first: a field, the empty line ending
  // it, or another line ending it before that line.
  Step ExportLine(std::string_view line, bool overlong);
  // Takes the export field line just appended ("NAME=value", or "NAME" for a
  // binary value); false when it is neither.
  bool ExportField(size_t line_pos, std::string_view line);
  // A line of a `-o verbose` entry after its header.
  Step VerboseLine(std::string_view line, bool overlong);
  // A line of the binary value being read.
  Step BinaryLine(std::string_view line, bool overlong);
  // The binary value is whole (`restore_cr`: with a '\r' before each of
  // its newlines): its bytes go to values_.
  void TakeBinary(bool restore_cr);
  // Ends the entry being read and makes entry_.
  void End();
  void Bad(const char* error) {
    if (bad_ == nullptr) bad_ = error;
  }

  SyslogNames names_;
  ZoneOffsets offsets_;
  JournalJsonParser json_;
  size_t max_entry_bytes_;

  Mode mode_ = Mode::kNone;
  std::string text_;         // the entry's lines, joined by '\n'
  uint64_t lines_ = 0;       // lines in the entry so far
  bool overlong_ = false;
  const char* bad_ = nullptr;
  // Fields, as offsets: names into text_, values into text_ or, when
  // in_values (export's binary values, verbose's values), into values_.
  struct Field {
    size_t name_pos = 0, name_len = 0;
    bool in_values = false;
    size_t pos = 0, len = 0;
  };
  std::vector<Field> fields_;
  std::string values_;       // the bytes of values not in text_
  // The binary value being read: where its 8 length bytes start in text_
  // (once its first line is in), its length once known, and the positions
  // in text_ of the newlines joined into it.
  bool binary_started_ = false;
  size_t binary_start_ = 0;
  bool binary_len_known_ = false;
  uint64_t binary_len_ = 0;
  std::vector<size_t> binary_joins_;

  // -o verbose: the entry's time (from its cursor), in decimal, and
  // whether its MESSAGE was left out ("[24B blob data]").
  std::string realtime_text_;
  bool message_left_out_ = false;

  AssembledEntry entry_;
};

}  // namespace mailgauge::parsers

#endif  // MAILGAUGE_PARSERS_JOURNAL_ENTRY_ASSEMBLER_H_
