#include "parsers/journal_entry_assembler.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"

namespace mailgauge::parsers {
namespace {

// A journal field name: 1 to 64 capital letters, digits and '_', not
// starting with a digit (systemd's journal_field_valid, which also lets
// journalctl's own "__CURSOR" and the like through).
bool IsFieldName(std::string_view name) {
  if (name.empty() || name.size() > 64 || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

// "NAME=value": the line that starts an export entry.
bool IsExportTextField(std::string_view line) {
  const size_t eq = line.find('=');
  return eq != std::string_view::npos && IsFieldName(line.substr(0, eq));
}

// The header of an entry of `journalctl -o verbose`: the time, then the
// cursor in brackets, "Tue 2026-11-25 17:58:09.123456 UTC [s=...;t=...;x=...]".
// Sets *micros from the cursor's t= (the entry's realtime, in hex).
bool IsVerboseHeader(std::string_view line, uint64_t* micros) {
  if (line.size() < 20 || line.back() != ']' || !absl::ascii_isalpha(line[0]) ||
      line[3] != ' ' || !absl::ascii_isdigit(line[4])) {
    return false;
  }
  const size_t open = line.rfind(" [s=");
  if (open == std::string_view::npos) return false;
  const std::string_view cursor = line.substr(open + 2, line.size() - open - 3);
  for (size_t at = 0; at < cursor.size();) {
    const size_t semi = std::min(cursor.find(';', at), cursor.size());
    const std::string_view part = cursor.substr(at, semi - at);
    if (part.size() > 2 && part.size() <= 18 && part.substr(0, 2) == "t=") {
      uint64_t v = 0;
      for (char c : part.substr(2)) {
        const int digit = absl::ascii_isdigit(c)                ? c - '0'
                          : (c >= 'a' && c <= 'f')               ? c - 'a' + 10
                                                                 : -1;
        if (digit < 0) return false;
        v = v * 16 + static_cast<uint64_t>(digit);
      }
      *micros = v;
      return true;
    }
    at = semi + 1;
  }
  return false;
}

// What journalctl writes for a value it leaves out ("[24B blob data]",
// "[1.2K blob data]"): one that is not printable text, without --all.
bool IsLeftOutBlob(std::string_view value) {
  constexpr std::string_view kTail = " blob data]";
  return value.size() > kTail.size() + 1 && value[0] == '[' &&
         value.substr(value.size() - kTail.size()) == kTail;
}

// A binary value's length: 8 bytes, little-endian.
uint64_t LittleEndian64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

}  // namespace

JournalEntryAssembler::JournalEntryAssembler(SyslogNames names, absl::TimeZone zone,
                                             size_t max_entry_bytes)
    : names_(names), offsets_(zone), json_(std::move(names), zone),
      max_entry_bytes_(max_entry_bytes) {}

void JournalEntryAssembler::Start(Mode mode) {
  mode_ = mode;
  text_.clear();
  lines_ = 0;
  overlong_ = false;
  bad_ = nullptr;
  fields_.clear();
  values_.clear();
  realtime_text_.clear();
  message_left_out_ = false;
}

JournalEntryAssembler::Step JournalEntryAssembler::VerboseLine(std::string_view line,
                                                               bool overlong) {
  // "    NAME=value", and with --all a value's further lines indented to
  // where its first began.
  constexpr size_t kIndent = 4;
  const bool indented = line.size() > kIndent && line.substr(0, kIndent) == "    ";
  if (indented && line[kIndent] != ' ') {
    const std::string_view field = line.substr(kIndent);
    const size_t eq = field.find('=');
    if (eq != std::string_view::npos && IsFieldName(field.substr(0, eq))) {
      const size_t pos = text_.size() + 1 + kIndent;
      if (!Append(line, overlong)) {
        End();
        return Step::kEntry;
      }
      const std::string_view value = field.substr(eq + 1);
      if (IsLeftOutBlob(value)) {
        if (field.substr(0, eq) == "MESSAGE") message_left_out_ = true;
        return Step::kConsumed;  // not the value: left out
      }
      Field f;
      f.name_pos = pos;
      f.name_len = eq;
      f.in_values = true;  // where further lines join it
      f.pos = values_.size();
      f.len = value.size();
      values_.append(value.data(), value.size());
      fields_.push_back(f);
      return Step::kConsumed;
    }
  }
  if (indented && !fields_.empty() &&
      fields_.back().pos + fields_.back().len == values_.size()) {
    const size_t value_indent = kIndent + fields_.back().name_len + 1;
    if (line.size() >= value_indent &&
        line.find_first_not_of(' ') >= value_indent) {
      if (!Append(line, overlong)) {
        End();
        return Step::kEntry;
      }
      const std::string_view more = line.substr(value_indent);
      values_ += '\n';
      values_.append(more.data(), more.size());
      fields_.back().len += 1 + more.size();
      return Step::kConsumed;
    }
  }
  End();  // the next entry's header, or a line of another kind
  return Step::kEntryThenLine;
}

bool JournalEntryAssembler::Append(std::string_view line, bool overlong) {
  ++lines_;
  overlong_ = overlong_ || overlong;
  const size_t join = lines_ > 1 ? 1 : 0;
  if (text_.size() + join + line.size() > max_entry_bytes_) {
    Bad("an entry over the size cap");
    return false;
  }
  if (join) text_ += '\n';
  text_.append(line.data(), line.size());
  return true;
}

JournalEntryAssembler::Step JournalEntryAssembler::Feed(std::string_view line, bool overlong) {
  switch (mode_) {
    case Mode::kNone:
      if (line == "{") {
        Start(Mode::kPretty);
        Append(line, overlong);
        return Step::kConsumed;
      }
      if (IsExportTextField(line)) {
        Start(Mode::kExport);
        Append(line, overlong);
        ExportField(0, line);
        return Step::kConsumed;
      }
      if (uint64_t micros = 0; IsVerboseHeader(line, &micros)) {
        Start(Mode::kVerbose);
        Append(line, overlong);
        realtime_text_ = std::to_string(micros);
        return Step::kConsumed;
      }
      return Step::kNotMine;
    case Mode::kVerbose:
      return VerboseLine(line, overlong);
    case Mode::kExport:
      return ExportLine(line, overlong);
    case Mode::kExportBinary:
      return BinaryLine(line, overlong);
    case Mode::kPretty:
      if (line == "}") {
        Append(line, overlong);
        End();
        return Step::kEntry;
      }
      if (!line.empty() && (line[0] == '\t' || line[0] == ' ')) {
        if (!Append(line, overlong)) {
          End();
          return Step::kEntry;
        }
        return Step::kConsumed;
      }
      Bad("a json-pretty entry without its closing '}'");
      End();
      return Step::kEntryThenLine;
  }
  return Step::kNotMine;
}

JournalEntryAssembler::Step JournalEntryAssembler::ExportLine(std::string_view line,
                                                              bool overlong) {
  if (line.empty()) {  // the end of the entry
    Append(line, overlong);
    End();
    return Step::kEntry;
  }
  const size_t eq = line.find('=');
  // journalctl starts each entry with its cursor: a second one starts the
  // next entry, even when the empty line between them was lost.
  if (!IsFieldName(line.substr(0, eq)) || line.substr(0, eq) == "__CURSOR") {
    End();
    return Step::kEntryThenLine;
  }
  const size_t pos = text_.size() + 1;
  if (!Append(line, overlong)) {
    End();
    return Step::kEntry;
  }
  ExportField(pos, line);
  return Step::kConsumed;
}

bool JournalEntryAssembler::ExportField(size_t line_pos, std::string_view line) {
  const size_t eq = line.find('=');
  if (!IsFieldName(line.substr(0, eq))) return false;
  Field f;
  f.name_pos = line_pos;
  if (eq != std::string_view::npos) {
    f.name_len = eq;
    f.pos = line_pos + eq + 1;
    f.len = line.size() - eq - 1;
    fields_.push_back(f);
    return true;
  }
  // "NAME": a binary value follows.
  f.name_len = line.size();
  f.in_values = true;
  fields_.push_back(f);
  mode_ = Mode::kExportBinary;
  binary_started_ = false;
  binary_len_known_ = false;
  binary_len_ = 0;
  binary_joins_.clear();
  return true;
}

JournalEntryAssembler::Step JournalEntryAssembler::BinaryLine(std::string_view line,
                                                              bool overlong) {
  const size_t have = binary_started_ ? text_.size() - binary_start_ : 0;
  const size_t adding = (binary_started_ ? 1 : 0) + line.size();
  if (binary_len_known_) {
    // The value is short (have < its 8 + length bytes). LineReader drops a
    // '\r' before a newline: when that many are missing as there are
    // newlines in the value, and this line may follow a value (a field or
    // the empty line), the value had "\r\n" at each, and is whole.
    const size_t short_by = 8 + binary_len_ - have;
    if (short_by == binary_joins_.size() &&
        (line.empty() || IsFieldName(line.substr(0, line.find('='))))) {
      TakeBinary(/*restore_cr=*/true);
      return ExportLine(line, overlong);
    }
    if (have + adding > 8 + binary_len_) {
      Bad("a binary value shorter than its length");
      mode_ = Mode::kExport;
      return ExportLine(line, overlong);
    }
  }
  if (!binary_started_ && line.size() >= 8) {
    // The value's length, in its first line: a text line's first 8 bytes
    // make a length over the cap (their last byte alone is 2^61 or more),
    // so a syslog line after a stray "NAME" line is not taken.
    if (LittleEndian64(line.data()) > max_entry_bytes_) {
      Bad("a binary value longer than the size cap");
      End();
      return Step::kEntryThenLine;
    }
  }
  if (binary_started_) binary_joins_.push_back(text_.size());
  if (!Append(line, overlong)) {
    End();
    return Step::kEntry;
  }
  if (!binary_started_) {
    binary_started_ = true;
    binary_start_ = text_.size() - line.size();
  }
  const size_t got = text_.size() - binary_start_;
  if (!binary_len_known_ && got >= 8) {
    const uint64_t len = LittleEndian64(text_.data() + binary_start_);
    if (len > max_entry_bytes_) {
      // Where the value would end is not to be trusted: the entry ends
      // here, and the lines after it are read as they come.
      Bad("a binary value longer than the size cap");
      End();
      return Step::kEntry;
    }
    binary_len_known_ = true;
    binary_len_ = len;
  }
  if (binary_len_known_) {
    if (got == 8 + binary_len_) {
      TakeBinary(/*restore_cr=*/false);
    } else if (got > 8 + binary_len_) {
      Bad("a binary value longer than its length");
      mode_ = Mode::kExport;
    }
  }
  return Step::kConsumed;
}

void JournalEntryAssembler::TakeBinary(bool restore_cr) {
  Field& f = fields_.back();
  f.pos = values_.size();
  size_t from = binary_start_ + 8;
  if (restore_cr) {
    for (size_t join : binary_joins_) {
      if (join < from) continue;  // a newline among the length bytes
      values_.append(text_, from, join - from);
      values_ += "\r\n";
      from = join + 1;
    }
  }
  values_.append(text_, from, std::string::npos);
  f.len = values_.size() - f.pos;
  if (f.len != binary_len_) Bad("a binary value shorter than its length");
  mode_ = Mode::kExport;
}

void JournalEntryAssembler::End() {
  if (mode_ == Mode::kExportBinary) Bad("an entry ending inside a binary value");
  entry_ = AssembledEntry();
  entry_.overlong = overlong_;
  entry_.text = text_;
  entry_.lines = lines_;
  const char* error = "";
  EnvelopeResult result = EnvelopeResult::kMalformed;
  if (bad_ != nullptr) {
    error = bad_;
  } else if (mode_ == Mode::kPretty) {
    result = json_.Parse(text_, &entry_.line);
    error = json_.last_error();
  } else {
    JournalLineFields line_fields;
    for (const Field& f : fields_) {
      const std::string_view name(text_.data() + f.name_pos, f.name_len);
      const std::string_view value = f.in_values
                                         ? std::string_view(values_.data() + f.pos, f.len)
                                         : std::string_view(text_.data() + f.pos, f.len);
      std::optional<std::string_view>* slot = line_fields.Slot(name);
      if (slot != nullptr && !*slot) *slot = value;  // the first of several
    }
    if (mode_ == Mode::kVerbose && !line_fields.realtime) line_fields.realtime = realtime_text_;
    result = JournalFieldsToLine(line_fields, names_, &offsets_, &entry_.line, &error);
    if (result != EnvelopeResult::kOk && !line_fields.message && message_left_out_) {
      error = kJournalMessageLeftOut;
    }
  }
  entry_.ok = result == EnvelopeResult::kOk;
  entry_.error = entry_.ok ? "" : error;
  mode_ = Mode::kNone;
}

JournalEntryAssembler::Step JournalEntryAssembler::Finish() {
  if (mode_ == Mode::kNone) return Step::kNotMine;
  if (mode_ == Mode::kPretty) Bad("the input ends inside a json-pretty entry");
  End();
  return Step::kEntry;
}

}  // namespace mailgauge::parsers
