#include "parsers/journal_json.h"

#include <cstdint>
#include <iterator>
#include <optional>
#include <utility>

#include "nlohmann/json.hpp"

namespace mailgauge::parsers {
namespace {

using nlohmann::json;

// One value: a string, or an array of byte values (data that is not UTF-8).
bool ValueBytes(const json& value, std::string* out) {
  if (value.is_string()) {
    *out = value.get_ref<const std::string&>();
    return true;
  }
  if (!value.is_array()) return false;
  out->clear();
  for (const json& byte : value) {
    if (!byte.is_number_unsigned() || byte.get<uint64_t>() > 255) return false;
    out->push_back(static_cast<char>(byte.get<uint64_t>()));
  }
  return !value.empty();
}

// The bytes of a field: its value, or the first of several values (an array
// of strings and byte arrays). False for null and anything else.
bool FieldBytes(const json& field, std::string* out) {
  if (field.is_array() && !field.empty() && (field[0].is_string() || field[0].is_array())) {
    return ValueBytes(field[0], out);
  }
  return ValueBytes(field, out);
}

// JournalLineFields' fields by name.
struct FieldSlot {
  const char* name;
  std::optional<std::string_view> JournalLineFields::*member;
};
constexpr FieldSlot kFieldSlots[] = {
    {"__REALTIME_TIMESTAMP", &JournalLineFields::realtime},
    {"MESSAGE", &JournalLineFields::message},
    {"SYSLOG_IDENTIFIER", &JournalLineFields::identifier},
    {"_COMM", &JournalLineFields::comm},
    {"_HOSTNAME", &JournalLineFields::hostname},
    {"SYSLOG_PID", &JournalLineFields::syslog_pid},
    {"_PID", &JournalLineFields::pid},
};
static_assert(std::size(kFieldSlots) == JournalLineFields::kCount);

}  // namespace

const char* JournalLineFields::Name(size_t i) { return kFieldSlots[i].name; }

std::optional<std::string_view>* JournalLineFields::Slot(size_t i) {
  return &(this->*kFieldSlots[i].member);
}

std::optional<std::string_view>* JournalLineFields::Slot(std::string_view name) {
  for (const FieldSlot& s : kFieldSlots) {
    if (name == s.name) return &(this->*s.member);
  }
  return nullptr;
}

const char kJournalMessageLeftOut[] =
    "MESSAGE left out by journalctl (too long or not text; journalctl --all prints it)";

int64_t JournalDecimal(std::string_view text) {
  if (text.empty() || text.size() > 18) return -1;
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

EnvelopeResult JournalFieldsToLine(const JournalLineFields& f, const SyslogNames& names,
                                   ZoneOffsets* offsets, LogLine* out, const char** error) {
  *out = LogLine();
  const int64_t micros = f.realtime ? JournalDecimal(*f.realtime) : -1;
  if (micros < 0) {
    *error = "no __REALTIME_TIMESTAMP";
    return EnvelopeResult::kMalformed;
  }
  if (!f.message) {
    *error = "no MESSAGE";
    return EnvelopeResult::kMalformed;
  }
  SplitProgramName(f.identifier ? *f.identifier : f.comm ? *f.comm : std::string_view(), names,
                   out);
  out->time.unix_micros = micros;
  out->time.utc_offset_seconds = offsets->At(micros);
  out->host = f.hostname ? *f.hostname : std::string_view();
  const int64_t syslog_pid = f.syslog_pid ? JournalDecimal(*f.syslog_pid) : -1;
  out->pid = syslog_pid >= 0 ? syslog_pid : f.pid ? JournalDecimal(*f.pid) : -1;
  out->message = *f.message;
  *error = "";
  return EnvelopeResult::kOk;
}

namespace {

// -o json-seq puts an RS byte before each entry, -o json-sse "data: ".
std::string_view WithoutEntryPrefix(std::string_view text) {
  if (!text.empty() && text[0] == '\x1e') return text.substr(1);
  if (text.substr(0, 7) == "data: {") return text.substr(6);
  return text;
}

}  // namespace

bool MayBeJournalJson(std::string_view text) {
  text = WithoutEntryPrefix(text);
  return !text.empty() && text[0] == '{';
}

JournalJsonParser::JournalJsonParser(SyslogNames names, absl::TimeZone zone)
    : names_(std::move(names)), offsets_(zone) {}

EnvelopeResult JournalJsonParser::Parse(std::string_view text, LogLine* out) {
  *out = LogLine();
  last_error_ = "";
  text = WithoutEntryPrefix(text);
  const json entry = json::parse(text.begin(), text.end(), nullptr,
                                 /*allow_exceptions=*/false);
  if (entry.is_discarded() || !entry.is_object()) {
    last_error_ = "not a JSON object";
    return EnvelopeResult::kMalformed;
  }
  if (!entry.contains("__REALTIME_TIMESTAMP") && entry.contains("log")) {
    return ParseDockerLine(entry, out);
  }
  // Each field's bytes, kept in this parser's buffers (the views in *out).
  JournalLineFields f;
  for (size_t i = 0; i < JournalLineFields::kCount; ++i) {
    const auto it = entry.find(JournalLineFields::Name(i));
    if (it != entry.end() && FieldBytes(*it, &field_bytes_[i])) *f.Slot(i) = field_bytes_[i];
  }
  const EnvelopeResult result = JournalFieldsToLine(f, names_, &offsets_, out, &last_error_);
  if (result != EnvelopeResult::kOk && f.realtime && !f.message) {
    const auto message = entry.find("MESSAGE");
    if (message != entry.end() && message->is_null()) last_error_ = kJournalMessageLeftOut;
  }
  return result;
}

EnvelopeResult JournalJsonParser::ParseDockerLine(const nlohmann::json& entry, LogLine* out) {
  // {"log":"Nov 25 17:58:09 mx1 postfix/smtpd[1]: ...\n","stream":"stdout",
  //  "time":"2026-11-25T16:58:09.123456789Z"}
  const auto log = entry.find("log");
  const auto time = entry.find("time");
  absl::Time when;
  std::string error;
  if (time == entry.end() || !time->is_string() ||
      !absl::ParseTime(absl::RFC3339_full, time->get_ref<const std::string&>(), &when, &error)) {
    last_error_ = "no time";
    return EnvelopeResult::kMalformed;
  }
  if (!log->is_string()) {
    last_error_ = "no log";
    return EnvelopeResult::kMalformed;
  }
  message_ = log->get_ref<const std::string&>();
  while (!message_.empty() && (message_.back() == '\n' || message_.back() == '\r')) {
    message_.pop_back();
  }
  // No program: LogInput reads the syslog line in the message (Unwrapped).
  const int64_t micros = absl::ToUnixMicros(when);
  out->time.unix_micros = micros;
  out->time.utc_offset_seconds = offsets_.At(micros);
  out->pid = -1;
  out->message = message_;
  return EnvelopeResult::kOk;
}

}  // namespace mailgauge::parsers
