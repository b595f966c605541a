#include "parsers/postfix/pattern_table.h"

#include <algorithm>
#include <cstdlib>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace mailgauge::parsers {

struct PatternTable::FieldSetter {
  enum class Type { kString, kInt, kDelay, kDelays, kStage };
  const char* name;
  Type type;
  std::string_view Event::*string_field = nullptr;
  int64_t Event::*int_field = nullptr;
  int Event::*small_int_field = nullptr;
};

namespace {

using FS = PatternTable::FieldSetter;
using T = FS::Type;

const FS kSetters[] = {
    {"queue_id", T::kString, &Event::queue_id},
    {"client_name", T::kString, &Event::client_name},
    {"client_addr", T::kString, &Event::client_addr},
    {"client_port", T::kString, &Event::client_port},
    {"helo", T::kString, &Event::helo},
    {"proto", T::kString, &Event::proto},
    {"sasl_method", T::kString, &Event::sasl_method},
    {"sasl_username", T::kString, &Event::sasl_username},
    {"sasl_sender", T::kString, &Event::sasl_sender},
    {"from", T::kString, &Event::from},
    {"to", T::kString, &Event::to},
    {"orig_to", T::kString, &Event::orig_to},
    {"relay", T::kString, &Event::relay},
    {"conn_use", T::kString, &Event::conn_use},
    {"tls", T::kString, &Event::tls},
    {"message_id", T::kString, &Event::message_id},
    {"uid", T::kString, &Event::uid},
    {"status", T::kString, &Event::status},
    {"dsn", T::kString, &Event::dsn},
    {"reply", T::kString, &Event::reply},
    {"enhanced_code", T::kString, &Event::enhanced_code},
    {"new_queue_id", T::kString, &Event::new_queue_id},
    {"detail", T::kString, &Event::detail},
    {"list_name", T::kString, &Event::list_name},
    {"remote_host", T::kString, &Event::remote_host},
    {"tls_level", T::kString, &Event::tls_level},
    {"tls_protocol", T::kString, &Event::tls_protocol},
    {"tls_cipher", T::kString, &Event::tls_cipher},
    {"command_stats", T::kString, &Event::command_stats},
    {"last_command", T::kString, &Event::last_command},
    {"action", T::kString, &Event::action},
    {"size", T::kInt, nullptr, &Event::size},
    {"nrcpt", T::kInt, nullptr, &Event::nrcpt},
    {"count", T::kInt, nullptr, &Event::count},
    {"reply_code", T::kInt, nullptr, nullptr, &Event::reply_code},
    {"delay", T::kDelay},
    {"delays", T::kDelays},
    {"stage", T::kStage},
};

const FS* FindSetter(const std::string& name) {
  for (const FS& s : kSetters) {
    if (name == s.name) return &s;
  }
  return nullptr;
}

void Apply(const FS& setter, std::string_view value, Event* e) {
  switch (setter.type) {
    case T::kString:
      e->*(setter.string_field) = value;
      break;
    case T::kInt: {
      int64_t v;
      if (!value.empty() && absl::SimpleAtoi(absl::string_view(value.data(), value.size()), &v)) {
        if (setter.int_field != nullptr) {
          e->*(setter.int_field) = v;
        } else {
          e->*(setter.small_int_field) = static_cast<int>(v);
        }
      }
      break;
    }
    case T::kDelay:
      e->delay = ParseSeconds(value);
      break;
    case T::kDelays:
      ParseDelays(value, &e->delays);
      break;
    case T::kStage:
      e->reject_stage = RejectStageFromWord(value);
      break;
  }
}

}  // namespace

namespace {

// A decimal as Postfix prints seconds ("0.42", "12"; never "1.2e-05"), read
// as far as it goes, for ParseSeconds' lenient and ScanSeconds' strict
// syntax.
struct SecondsText {
  double value = -1;  // -1 when the integer part overflows
  size_t int_digits = 0;
  bool point = false;
  size_t frac_digits = 0;
  bool to_end = false;  // nothing follows the number
  size_t length = 0;    // bytes read
};

SecondsText ReadSeconds(std::string_view s) {
  // Integer and fraction digits are accumulated as integers and divided
  // once, so "0.02" is the double nearest 0.02 (no accumulated error).
  SecondsText t;
  uint64_t whole = 0, frac = 0, scale = 1;
  bool overflow = false;
  size_t i = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    if (whole < (1ull << 50)) {
      whole = whole * 10 + (s[i] - '0');
    } else {
      overflow = true;
    }
  }
  t.int_digits = i;
  if (i < s.size() && s[i] == '.') {
    t.point = true;
    const size_t start = ++i;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (scale < 1000000000000ull) {
        frac = frac * 10 + (s[i] - '0');
        scale *= 10;
      }
    }
    t.frac_digits = i - start;
  }
  t.to_end = i == s.size();
  t.length = i;
  if (!overflow) {
    t.value = static_cast<double>(whole) + static_cast<double>(frac) / static_cast<double>(scale);
  }
  return t;
}

}  // namespace

double ParseSeconds(std::string_view s) {
  const SecondsText t = ReadSeconds(s);
  if (t.int_digits + t.frac_digits == 0 || !t.to_end) return -1;
  return t.value;
}

bool ScanSeconds(std::string_view s, double* value) {
  const SecondsText t = ReadSeconds(s);
  if (t.int_digits == 0 || (t.point && t.frac_digits == 0) || !t.to_end) return false;
  *value = t.value;
  return true;
}

bool ScanDelays(std::string_view s, Delays* d) {
  // One pass: each number must end exactly at its '/' (the last at the end),
  // which is ScanSeconds() on the text up to the next '/'.
  double* out[4] = {&d->before_qmgr, &d->in_qmgr, &d->conn_setup, &d->transmission};
  for (int k = 0; k < 4; ++k) {
    const SecondsText t = ReadSeconds(s);
    if (t.int_digits == 0 || (t.point && t.frac_digits == 0)) return false;
    if (k < 3 ? t.length >= s.size() || s[t.length] != '/' : !t.to_end) return false;
    *out[k] = t.value;
    s.remove_prefix(k < 3 ? t.length + 1 : t.length);
  }
  return true;
}

void ParseDelays(std::string_view s, Delays* d) {
  double* out[4] = {&d->before_qmgr, &d->in_qmgr, &d->conn_setup,
                    &d->transmission};
  for (int k = 0; k < 4; ++k) {
    size_t slash = s.find('/');
    std::string_view part = s.substr(0, slash);
    *out[k] = ParseSeconds(part);
    if (slash == std::string_view::npos) break;
    s.remove_prefix(slash + 1);
  }
}

void ParseReplyCodes(std::string_view reply, int* reply_code,
                     std::string_view* enhanced_code) {
  if (reply.size() < 3) return;
  for (int i = 0; i < 3; ++i) {
    if (reply[i] < '0' || reply[i] > '9') return;
  }
  if (reply.size() > 3 && reply[3] != ' ' && reply[3] != '-') return;
  if (reply[0] < '2' || reply[0] > '5') return;
  if (*reply_code < 0) {
    *reply_code = (reply[0] - '0') * 100 + (reply[1] - '0') * 10 + (reply[2] - '0');
  }
  if (!enhanced_code->empty() || reply.size() < 9) return;
  // "550 5.1.1 ..."
  const std::string_view rest = reply.substr(4);
  if (const size_t n = EnhancedCodeLength(rest); n > 0) *enhanced_code = rest.substr(0, n);
}

size_t EnhancedCodeLength(std::string_view s) {
  // class.subject.detail, [245] then 1-3 digits each.
  if (s.empty() || (s[0] != '2' && s[0] != '4' && s[0] != '5')) return 0;
  size_t i = 1;
  for (int part = 0; part < 2; ++part) {
    if (i >= s.size() || s[i] != '.') return 0;
    ++i;
    const size_t start = i;
    while (i < s.size() && i - start < 3 && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return 0;
  }
  if (i < s.size() && s[i] != ' ') return 0;
  return i;
}

RejectStage RejectStageFromWord(std::string_view w) {
  if (w == "RCPT") return RejectStage::kRcpt;
  if (w == "MAIL") return RejectStage::kMail;
  if (w == "CONNECT") return RejectStage::kConnect;
  if (w == "HELO") return RejectStage::kHelo;
  if (w == "EHLO") return RejectStage::kEhlo;
  if (w == "DATA") return RejectStage::kData;
  if (w == "END-OF-MESSAGE") return RejectStage::kEndOfMessage;
  if (w == "ETRN") return RejectStage::kEtrn;
  if (w == "VRFY") return RejectStage::kVrfy;
  if (w == "AUTH") return RejectStage::kAuth;
  if (w == "header" || w == "mime-header" || w == "nested-header") {
    return RejectStage::kHeader;
  }
  if (w == "body") return RejectStage::kBody;
  return w.empty() ? RejectStage::kNone : RejectStage::kOther;
}

DeliveryStatus DeliveryStatusFromWord(std::string_view w) {
  if (w.empty()) return DeliveryStatus::kNone;
  if (w == "sent") return DeliveryStatus::kSent;
  if (w == "deferred") return DeliveryStatus::kDeferred;
  // soft_bounce = yes: what would have bounced stays queued and is tried
  // again (Postfix's bounce_append() defers it, logging this word instead).
  if (w == "SOFTBOUNCE") return DeliveryStatus::kDeferred;
  if (w == "bounced") return DeliveryStatus::kBounced;
  if (w == "expired") return DeliveryStatus::kExpired;
  if (w == "undeliverable") return DeliveryStatus::kUndeliverable;
  if (w == "deliverable") return DeliveryStatus::kDeliverable;
  return DeliveryStatus::kOther;
}

PatternTable::PatternTable(Daemon daemon, absl::Span<const Pattern> rows)
    : daemon_(daemon), rows_(rows) {}

absl::StatusOr<std::unique_ptr<PatternTable>> PatternTable::Compile(
    Daemon daemon, absl::Span<const Pattern> rows) {
  std::unique_ptr<PatternTable> table(new PatternTable(daemon, rows));
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(64 << 20);
  // Log lines are bytes written by strangers: raw 8-bit text (a Latin-1
  // subject in a header_checks line) must still match '.', so patterns run
  // over bytes rather than UTF-8 code points.
  options.set_encoding(RE2::Options::EncodingLatin1);
  table->set_ = std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
  for (size_t i = 0; i < rows.size(); ++i) {
    const Pattern& row = rows[i];
    std::string error;
    if (table->set_->Add(row.regex, &error) != static_cast<int>(i)) {
      return absl::InvalidArgumentError(
          absl::StrCat(std::string(DaemonName(daemon)), " pattern ", i, " (",
                       std::string(EventKindName(row.kind)), "): ", error));
    }
    CompiledRow compiled;
    compiled.re = std::make_unique<RE2>(row.regex, options);
    if (!compiled.re->ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(std::string(DaemonName(daemon)), " pattern ", i, ": ",
                       compiled.re->error()));
    }
    compiled.setters.assign(compiled.re->NumberOfCapturingGroups(), nullptr);
    for (const auto& [name, index] : compiled.re->NamedCapturingGroups()) {
      const FS* setter = FindSetter(name);
      if (setter == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat(std::string(DaemonName(daemon)), " pattern ", i,
                         ": unknown capture group name '", name, "'"));
      }
      compiled.setters[index - 1] = setter;
    }
    table->compiled_.push_back(std::move(compiled));
  }
  if (!table->set_->Compile()) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(DaemonName(daemon)), " pattern set does not compile"));
  }
  return table;
}

std::vector<int> PatternTable::MatchingRows(std::string_view message) const {
  std::vector<int> matches;
  set_->Match(message, &matches);
  std::sort(matches.begin(), matches.end());
  return matches;
}

bool PatternTable::Match(std::string_view message, Event* event) const {
  thread_local std::vector<int> matches;
  matches.clear();
  if (!set_->Match(message, &matches) || matches.empty()) return false;
  int best = matches[0];
  for (int m : matches) best = std::min(best, m);
  const CompiledRow& row = compiled_[best];
  constexpr int kMaxGroups = 32;
  re2::StringPiece groups[kMaxGroups + 1];
  const int n = std::min<int>(row.setters.size(), kMaxGroups);
  if (!row.re->Match(re2::StringPiece(message.data(), message.size()), 0,
                     message.size(), RE2::UNANCHORED, groups, n + 1)) {
    return false;  // cannot happen: the set said it matches
  }
  event->kind = rows_[best].kind;
  event->daemon = daemon_;
  for (int g = 0; g < n; ++g) {
    const FS* setter = row.setters[g];
    if (setter == nullptr || groups[g + 1].data() == nullptr) continue;
    Apply(*setter, std::string_view(groups[g + 1].data(), groups[g + 1].size()),
          event);
  }
  event->delivery_status = DeliveryStatusFromWord(event->status);
  ParseReplyCodes(event->reply, &event->reply_code, &event->enhanced_code);
  return true;
}

}  // namespace mailgauge::parsers
