#include "analyzer/summary.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <future>
#include <ostream>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/ascii_scan.h"
#include "common/json_int.h"
#include "nlohmann/json.hpp"
#include "parsers/postfix/pattern_table.h"
#include "parsers/postfix/reason.h"
#include "re2/re2.h"

namespace mailgauge::analyzer {
namespace {

using parsers::Daemon;
using parsers::DeliveryStatus;
using parsers::EventKind;
using Json = nlohmann::ordered_json;

constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000000;
constexpr int64_t kMicrosPerHour = int64_t{3600} * 1000000;

enum RejectKind { kRejectKind = 0, kWarnKind, kHoldKind, kDiscardKind };

// The reject table a line counts in (pflogsumm's rejects, reject warnings,
// holds and discards; each also counts in the "rejected" traffic column),
// or -1. Both parts of AddEvent ask, so that they agree.
int RejectKindOf(const parsers::Event& e) {
  const bool cleanup_or_smtpd = e.daemon == Daemon::kCleanup || e.daemon == Daemon::kSmtpd;
  switch (e.kind) {
    case EventKind::kReject:
    case EventKind::kPostscreenNoqueue:
    case EventKind::kMilterReject:
      return kRejectKind;
    case EventKind::kRejectWarning:
      return kWarnKind;
    case EventKind::kHeaderWarning:
      return e.daemon == Daemon::kCleanup ? kWarnKind : -1;
    case EventKind::kHeld:
      return cleanup_or_smtpd ? kHoldKind : -1;
    case EventKind::kDiscarded:
      return cleanup_or_smtpd ? kDiscardKind : -1;
    default:
      return -1;
  }
}

bool StartsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

// ASCII only, as std::tolower in the "C" locale this program runs in (and
// as pflogsumm's lc), inline rather than a libc call per byte.
void LowerAscii(char* begin, char* end) {
  for (char* c = begin; c != end; ++c) *c = absl::ascii_tolower(static_cast<unsigned char>(*c));
}

std::string Lower(std::string_view s) {
  std::string out(s);
  LowerAscii(out.data(), out.data() + out.size());
  return out;
}

re2::StringPiece Piece(std::string_view s) { return re2::StringPiece(s.data(), s.size()); }

// Domain part as pflogsumm takes it: after the first '@' of an address
// with a non-empty local part; the whole address otherwise.
std::string RecipientDomain(const std::string& address) {
  const size_t at = address.find('@');
  if (at == std::string::npos || at == 0) return address;
  return address.substr(at + 1);
}

std::string_view RecipientDomainView(std::string_view address) {
  const size_t at = address.find('@');
  if (at == std::string_view::npos || at == 0) return address;
  return address.substr(at + 1);
}

std::string DateString(int64_t day) {
  int y, m, d;
  CivilFromDays(day, &y, &m, &d);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d);
  return buf;
}

bool ParseDate(const std::string& s, int64_t* day) {
  int y, m, d;
  char tail;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) return false;
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  *day = DaysFromCivil(y, m, d);
  return true;
}

// m[k], copying the key only when it is new.
template <typename V>
V& FindOrInsert(InternedMap<V>* m, std::string_view k) {
  return (*m)[k];
}
template <typename M>
typename M::mapped_type& At(M& m, std::string_view k) {
  auto it = m.lower_bound(k);
  if (it == m.end() || std::string_view(it->first) != k) {
    it = m.emplace_hint(it, std::string(k), typename M::mapped_type());
  }
  return it->second;
}

// pflogsumm's string_trimmer (cut to max-3 characters plus "..."), without
// a copy when `s` fits: `s` itself, or its cut copy in `buf`.
std::string_view TrimView(std::string_view s, size_t max, std::string* buf) {
  if (s.size() <= max) return s;
  buf->assign(s.data(), max - 3);
  buf->append("...");
  return *buf;
}

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// ^\d{3}<space> (\d is [0-9] in RE2).
bool StartsWithReplyCode(std::string_view s) {
  return s.size() >= 4 && IsAsciiDigit(s[0]) && IsAsciiDigit(s[1]) && IsAsciiDigit(s[2]) &&
         s[3] == ' ';
}

// RE2::Replace(s, "^\\d{3} ", "").
void DropReplyCode(std::string* s) {
  if (StartsWithReplyCode(*s)) s->erase(0, 4);
}

bool Contains(std::string_view s, std::string_view literal) {
  return s.find(literal) != std::string_view::npos;
}

}  // namespace

int64_t LocalDay(const Timestamp& t) {
  const int64_t m = t.local_micros();
  return m >= 0 ? m / kMicrosPerDay : -((-m + kMicrosPerDay - 1) / kMicrosPerDay);
}

int LocalHour(const Timestamp& t) {
  int64_t m = t.local_micros() % kMicrosPerDay;
  if (m < 0) m += kMicrosPerDay;
  return static_cast<int>(m / kMicrosPerHour);
}

namespace {

// The hand-written matchers below run on printable ASCII only
// (IsPrintableAscii): where RE2's UTF-8 characters are bytes, '.' and '\S'
// match every byte but ' ', and the matchers agree with the patterns they
// stand for (summary_test checks them against RE2).

void AppendLower(std::string_view s, std::string* out) {
  const size_t start = out->size();
  out->append(s.data(), s.size());
  LowerAscii(out->data() + start, out->data() + out->size());
}

}  // namespace

namespace internal {

// pflogsumm's collapse ^(.*)\.([^\.]+)\.([^\.]{3}|[^\.]{2,3}\.[^\.]{2})$:
// "$2.$3" is the last two labels when the last has 3 characters, else the
// last three when the last has 2 and the one before 2 or 3 (the greedy
// first group prefers the shorter tail), each label before it non-empty and
// a '.' before that. nullopt when it does not match.
std::optional<std::string_view> CollapsedDomain(std::string_view name) {
  const size_t d1 = name.rfind('.');
  if (d1 == std::string_view::npos || d1 == 0) return std::nullopt;
  const size_t d2 = name.rfind('.', d1 - 1);
  if (d2 == std::string_view::npos) return std::nullopt;
  if (name.size() - d1 - 1 == 3 && d1 - d2 - 1 > 0) return name.substr(d2 + 1);
  if (d2 == 0) return std::nullopt;
  const size_t d3 = name.rfind('.', d2 - 1);
  if (d3 == std::string_view::npos) return std::nullopt;
  const size_t last = name.size() - d1 - 1, middle = d1 - d2 - 1;
  if (last == 2 && (middle == 2 || middle == 3) && d2 - d3 - 1 > 0) return name.substr(d3 + 1);
  return std::nullopt;
}

namespace {

bool IsWordChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

// The keyword of `keywords` that `s` has at `p` after a word boundary, or
// "" (keywords all begin with a word character).
std::string_view KeywordAt(std::string_view s, size_t p,
                           std::initializer_list<std::string_view> keywords) {
  if (p > 0 && IsWordChar(s[p - 1])) return {};
  for (const std::string_view k : keywords) {
    if (s.compare(p, k.size(), k) == 0) return k;
  }
  return {};
}

}  // namespace

std::optional<RejectParts> MatchRejectParts(std::string_view msg) {
  // The greedy ^.* prefers the last keyword from which the rest matches.
  // Every keyword ends in ": " and no two can end at the same ": " (their
  // last letters differ), nor can one lie inside another (none has ": "
  // but at its end): so the ": "s from the last one back give the
  // keywords' starts from the last one back, and each names at most one.
  static constexpr std::string_view kKeywords[] = {"reject: ", "reject_warning: ", "hold: ",
                                                   "discard: "};
  for (size_t end = msg.size(); end >= 2;) {
    const void* found = memrchr(msg.data(), ':', end - 1);
    if (found == nullptr) break;
    const size_t colon = static_cast<size_t>(static_cast<const char*>(found) - msg.data());
    // The next search stops short of colon - 1 too: a ':' there is
    // followed by this one, not by a space.
    end = colon;
    if (msg[colon + 1] != ' ') continue;
    const size_t q = colon + 2;  // just after the keyword
    std::string_view k;
    for (const std::string_view w : kKeywords) {
      // (The letter before the ':' first: it tells the keywords apart.)
      if (q >= w.size() && msg[colon - 1] == w[w.size() - 3] &&
          msg.compare(q - w.size(), w.size(), w) == 0) {
        k = w;
        break;
      }
    }
    if (k.empty()) continue;
    const size_t p = q - k.size();
    if (p > 0 && IsWordChar(msg[p - 1])) continue;
    size_t e = q;
    while (e < msg.size() && msg[e] != ' ') ++e;  // (\S+): all of the word
    if (e == q || msg.compare(e, 6, " from ") != 0) continue;
    const size_t from = e + 6;
    // (\S+?): the shortest word followed by ": ".
    size_t i = from;
    bool matched = false;
    for (; i + 1 < msg.size() && msg[i] != ' '; ++i) {
      if (i > from && msg[i] == ':' && msg[i + 1] == ' ') {
        matched = true;
        break;
      }
    }
    if (!matched) continue;
    return RejectParts{msg.substr(q, e - q), msg.substr(from, i - from), msg.substr(i + 2)};
  }
  return std::nullopt;
}

std::optional<CleanupParts> MatchCleanupParts(std::string_view msg) {
  // The lazy ^.*? takes the first keyword from which the rest matches.
  for (size_t p = 0; p < msg.size(); ++p) {
    const char c = msg[p];
    if (c != 'm' && c != 'r' && c != 'w' && c != 'h' && c != 'd') continue;
    const std::string_view k = KeywordAt(
        msg, p, {"milter-reject: ", "reject: ", "warning: ", "hold: ", "discard: "});
    if (k.empty()) continue;
    const size_t q = p + k.size();
    for (const std::string_view part : {"header", "body", "END-OF-MESSAGE"}) {
      if (msg.compare(q, part.size(), part) == 0 && q + part.size() < msg.size() &&
          msg[q + part.size()] == ' ') {
        return CleanupParts{part, msg.substr(q + part.size() + 1)};
      }
    }
  }
  return std::nullopt;
}

size_t CleanupTailStart(std::string_view rest) {
  size_t best = rest.find("; from=<");
  // "( from \S+?)?" can start the match earlier: " from ", then a word
  // ending in ';' that " from=<" follows.
  for (size_t s = rest.find(" from "); s != std::string_view::npos && s < best;
       s = rest.find(" from ", s + 1)) {
    const size_t c = s + 6;
    size_t e = c;
    while (e < rest.size() && rest[e] != ' ') ++e;
    if (e - c >= 2 && rest[e - 1] == ';' && rest.compare(e, 7, " from=<") == 0) return s;
  }
  return best;
}

std::string SaidTrim(std::string s, size_t max) {
  static const RE2 said(R"(^.* said: )");
  static const RE2 colon(R"(^.*?: *)");
  const bool ascii = IsPrintableAscii(s);
  while (s.size() > max) {
    if (ascii) {
      // ^.* said: is greedy: up to the last " said: ". (libstdc++'s rfind
      // compares at every byte, and find stops at every ' ' with memchr;
      // glibc's memmem skips ahead.)
      size_t last = std::string::npos;
      const char* const end = s.data() + s.size();
      for (const char* p = s.data();
           (p = static_cast<const char*>(memmem(p, end - p, " said: ", 7))) != nullptr; ++p) {
        last = p - s.data();
      }
      if (last != std::string::npos) {
        s.erase(0, last + 7);
        continue;
      }
      // ^.*?: * is lazy: up to the first ':' and the spaces after it.
      if (size_t p = s.find(':'); p != std::string::npos) {
        for (++p; p < s.size() && s[p] == ' ';) ++p;
        s.erase(0, p);
        continue;
      }
    } else {
      if (RE2::Replace(&s, said, "")) continue;
      if (s.find(':') != std::string::npos && RE2::Replace(&s, colon, "")) continue;
    }
    s.resize(max - 3);
    s += "...";
    break;
  }
  return s;
}

std::optional<std::string_view> AngleField(std::string_view s, std::string_view name_eq) {
  // The leftmost "name=<" that a non-empty run of non-'>' and a '>' follow.
  for (size_t p = s.find(name_eq); p != std::string_view::npos; p = s.find(name_eq, p + 1)) {
    const size_t v = p + name_eq.size();
    const size_t close = s.find('>', v);
    if (close == std::string_view::npos) return std::nullopt;  // none further on either
    if (close > v) return s.substr(v, close - v);
  }
  return std::nullopt;
}

namespace {

// A non-empty run of bytes not in `stops` (one or two bytes) from `start`,
// and whether a stop byte must follow it.
std::optional<std::string_view> RunFrom(std::string_view s, size_t start, std::string_view stops,
                                        bool stop_required) {
  if (start >= s.size()) return std::nullopt;
  // One or two stop bytes, compared directly (find_first_of looks each
  // byte up in `stops` with memchr).
  const char a = stops[0], b = stops[stops.size() - 1];
  size_t e = start;
  while (e < s.size() && s[e] != a && s[e] != b) ++e;
  if (e == s.size()) e = std::string_view::npos;
  if (e == start || (stop_required && e == std::string_view::npos)) return std::nullopt;
  return s.substr(start, e == std::string_view::npos ? std::string_view::npos : e - start);
}

// ^(?:.*?[:;] )(?:\[[^\]]+\] )?([^;,]+)[;,].*$ -> $1
std::optional<std::string_view> AfterFirstSeparator(std::string_view s) {
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if ((s[i] != ':' && s[i] != ';') || s[i + 1] != ' ') continue;
    const size_t j = i + 2;
    if (j < s.size() && s[j] == '[') {
      const size_t k = s.find(']', j + 1);
      if (k != std::string_view::npos && k > j + 1 && k + 1 < s.size() && s[k + 1] == ' ') {
        if (auto r = RunFrom(s, k + 2, ";,", true)) return r;
      }
    }
    if (auto r = RunFrom(s, j, ";,", true)) return r;
  }
  return std::nullopt;
}

// ^\d{3} (?:<.+>: )?([^;:]+)[;:]?.*$ -> $1
std::optional<std::string_view> MailStageReason(std::string_view s) {
  if (!StartsWithReplyCode(s)) return std::nullopt;
  if (s.size() > 4 && s[4] == '<') {
    // The greedy .+ tries the last ">: " first; at least one byte after '<'.
    for (size_t k = s.rfind(">: "); k != std::string_view::npos && k >= 6;
         k = k == 0 ? std::string_view::npos : s.rfind(">: ", k - 1)) {
      if (auto r = RunFrom(s, k + 3, ";:", false)) return r;
    }
  }
  return RunFrom(s, 4, ";:", false);
}

// ^(?:.*[:;] )?([^,]+).*$ -> $1
std::optional<std::string_view> AfterLastSeparator(std::string_view s) {
  for (size_t i = s.size(); i-- > 1;) {
    if (s[i] == ' ' && (s[i - 1] == ':' || s[i - 1] == ';')) {
      if (auto r = RunFrom(s, i + 1, ",", false)) return r;
    }
  }
  return RunFrom(s, 0, ",", false);
}

void ReplaceWith(std::string* s, std::optional<std::string_view> part) {
  if (part) *s = std::string(*part);
}

// The RE2 chain that RewriteRejectReason stands for; it runs on text that
// is not printable ASCII.
void RewriteRejectReasonRe2(std::string_view stage, std::string* reason) {
  auto contains = [reason](std::string_view literal) { return Contains(*reason, literal); };
  if (stage == "RCPT" || stage == "DATA" || stage == "CONNECT") {
    static const RE2 r1(R"(^(\d{3} <).*?(>:))");
    static const RE2 r2(R"(^(?:\d{3} \d\.\d\.\d )(Protocol error);.*$)");
    static const RE2 r3(R"(^(?:.*?[:;] )(?:\[[^\]]+\] )?([^;,]+)[;,].*$)");
    static const RE2 r4(R"(^((?:Sender|Recipient) address rejected: [^:]+):.*$)");
    static const RE2 r5(R"((client|Client host|Sender address) .+? blocked)");
    if (StartsWithReplyCode(*reason) && contains(">:")) RE2::Replace(reason, r1, R"(\1\2)");
    if (contains("Protocol error;")) RE2::Replace(reason, r2, R"(\1)");
    if (contains(": ") || contains("; ")) RE2::Replace(reason, r3, R"(\1)");
    if (contains(" address rejected: ")) RE2::Replace(reason, r4, R"(\1)");
    if (contains(" blocked")) RE2::Replace(reason, r5, "blocked");
  } else if (stage == "MAIL") {
    static const RE2 m1(R"(^\d{3} (?:<.+>: )?([^;:]+)[;:]?.*$)");
    RE2::Replace(reason, m1, R"(\1)");
  } else {
    static const RE2 o1(R"(^(?:.*[:;] )?([^,]+).*$)");
    RE2::Replace(reason, o1, R"(\1)");
  }
}

}  // namespace

namespace {

// Cuts the tail Postfix appends to a reject's text ("; from=<...> ...",
// "; proto=..."), when there is one.
void CutPostfixTail(std::string* reason) {
  size_t at = reason->find("; from=<");
  if (at == std::string::npos) at = reason->find("; proto=");
  if (at != std::string::npos) reason->resize(at);
}

// "NNN X.Y.Z text" -> "NNN text".
void DropEnhancedCode(std::string* reason) {
  if (!StartsWithReplyCode(*reason)) return;
  const size_t n = parsers::EnhancedCodeLength(std::string_view(*reason).substr(4));
  if (n > 0 && reason->size() > 4 + n) reason->erase(4, n + 1);
}

}  // namespace

void RewriteRejectReason(std::string_view stage, std::string* reason) {
  const bool pflogsumm_stage =
      stage == "RCPT" || stage == "DATA" || stage == "CONNECT" || stage == "MAIL";
  if (!pflogsumm_stage) CutPostfixTail(reason);
  if (stage == "MAIL") DropEnhancedCode(reason);
  PflogsummRejectRules(stage, reason);
  CutPostfixTail(reason);
}

void PflogsummRejectRules(std::string_view stage, std::string* reason) {
  if (!IsPrintableAscii(*reason)) {
    RewriteRejectReasonRe2(stage, reason);
    return;
  }
  std::string& r = *reason;
  if (stage == "RCPT" || stage == "DATA" || stage == "CONNECT") {
    // ^(\d{3} <).*?(>:) -> $1$2: the text up to the first ">:" after "NNN <" goes.
    if (StartsWithReplyCode(r) && r.size() > 4 && r[4] == '<') {
      if (const size_t k = r.find(">:", 5); k != std::string::npos) r.erase(5, k - 5);
    }
    // ^(?:\d{3} \d\.\d\.\d )(Protocol error);.*$ -> $1
    if (StartsWithReplyCode(r) && r.size() >= 25 && IsAsciiDigit(r[4]) && r[5] == '.' &&
        IsAsciiDigit(r[6]) && r[7] == '.' && IsAsciiDigit(r[8]) && r[9] == ' ' &&
        r.compare(10, 15, "Protocol error;") == 0) {
      r = "Protocol error";
    }
    ReplaceWith(&r, AfterFirstSeparator(r));
    // ^((?:Sender|Recipient) address rejected: [^:]+):.*$ -> $1
    for (const std::string_view p : {"Sender address rejected: ", "Recipient address rejected: "}) {
      if (r.compare(0, p.size(), p) == 0) {
        const size_t colon = r.find(':', p.size());
        if (colon != std::string::npos && colon > p.size()) r.resize(colon);
        break;
      }
    }
    // (client|Client host|Sender address) .+? blocked -> "blocked", at the
    // leftmost start (the three words differ at their first byte).
    for (size_t p = 0; p < r.size(); ++p) {
      if (r[p] != 'c' && r[p] != 'C' && r[p] != 'S') continue;
      std::string_view word;
      for (const std::string_view w : {"client", "Client host", "Sender address"}) {
        if (r.compare(p, w.size(), w) == 0) word = w;
      }
      if (word.empty() || p + word.size() >= r.size() || r[p + word.size()] != ' ') continue;
      const size_t b = r.find(" blocked", p + word.size() + 2);
      if (b == std::string::npos) break;  // no later start finds one either
      r.replace(p, b + 8 - p, "blocked");
      break;
    }
  } else if (stage == "MAIL") {
    ReplaceWith(&r, MailStageReason(r));
  } else {
    ReplaceWith(&r, AfterLastSeparator(r));
  }
}

}  // namespace internal

void ClientDomainInto(std::string_view name, std::string_view addr, std::string* out) {
  out->clear();
  if (name.empty() || name == "unknown") {
    out->append(addr.data(), addr.size());
    return;
  }
  if (IsPrintableAscii(name)) {
    if (const auto tail = internal::CollapsedDomain(name)) {
      AppendLower(*tail, out);
    } else {
      out->append(name.data(), name.size());
    }
    return;
  }
  static const RE2 collapse(R"(^(.*)\.([^\.]+)\.([^\.]{3}|[^\.]{2,3}\.[^\.]{2})$)");
  std::string a, b;
  if (RE2::FullMatch(Piece(name), collapse, nullptr, &a, &b)) {
    AppendLower(absl::StrCat(a, ".", b), out);
    return;
  }
  out->append(name.data(), name.size());
}

std::string ClientDomain(std::string_view name, std::string_view addr) {
  std::string out;
  ClientDomainInto(name, addr, &out);
  return out;
}

namespace internal {

// ^([^\[]*)\[((?:\d{1,3}\.){3}\d{1,3})\] as a partial match, on printable
// ASCII: the name is everything before the first '[' (no '[' can be in it),
// and the digits cannot backtrack (a shorter run would leave a digit where
// '.' or ']' must be).
bool MatchV4Client(std::string_view text, std::string_view* name, std::string_view* addr) {
  const size_t open = text.find('[');
  if (open == std::string_view::npos) return false;
  size_t i = open + 1;
  for (int part = 0; part < 4; ++part) {
    size_t n = 0;
    while (i + n < text.size() && n < 4 && IsAsciiDigit(text[i + n])) ++n;
    if (n == 0 || n > 3) return false;
    i += n;
    const char want = part < 3 ? '.' : ']';
    if (i >= text.size() || text[i] != want) return false;
    ++i;
  }
  *name = text.substr(0, open);
  *addr = text.substr(open + 1, i - open - 2);
  return true;
}

}  // namespace internal

std::string ClientDomainFromText(std::string_view text) {
  static const RE2 v4(R"(^([^\[]*)\[((?:\d{1,3}\.){3}\d{1,3})\])");
  static const RE2 slash(R"((?i)^([^\/]*)\/([0-9a-f.:]+))");
  static const RE2 general(R"(^([^\[\(\/]*)[\[\(\/]([^\]\)]+)[\]\)]:?\d*$)");
  if (IsPrintableAscii(text)) {
    std::string_view name, addr;
    if (internal::MatchV4Client(text, &name, &addr)) return ClientDomain(name, addr);
  }
  std::string name, addr;
  if (!RE2::PartialMatch(Piece(text), v4, &name, &addr) &&
      !RE2::PartialMatch(Piece(text), slash, &name, &addr) &&
      !RE2::PartialMatch(Piece(text), general, &name, &addr)) {
    return std::string(text);
  }
  return ClientDomain(name, addr);
}

void TrafficCounts::Add(const TrafficCounts& o) {
  received += o.received;
  delivered += o.delivered;
  deferred += o.deferred;
  bounced += o.bounced;
  rejected += o.rejected;
}

namespace {

void MergeConn(ConnectionStats* a, const ConnectionStats& b) {
  a->count += b.count;
  a->seconds += b.seconds;
  a->max_seconds = std::max(a->max_seconds, b.max_seconds);
}

void MergeCounts(CountMap* a, const CountMap& b) {
  for (const auto& [k, v] : b) (*a)[k] += v;
}
void MergeNested(NestedCounts* a, const NestedCounts& b) {
  for (const auto& [k, v] : b) MergeCounts(&(*a)[k], v);
}
void MergeNested3(Nested3Counts* a, const Nested3Counts& b) {
  for (const auto& [k, v] : b) MergeNested(&(*a)[k], v);
}
void MergeAddresses(AddressTable* a, const AddressTable& b) {
  for (const auto& [k, v] : b) {
    AddressStats& s = (*a)[k];
    s.count += v.count;
    s.bytes += v.bytes;
  }
}

}  // namespace

void SummaryData::Merge(const SummaryData& o) {
  Totals& t = totals;
  const Totals& u = o.totals;
  t.received += u.received;
  t.delivered += u.delivered;
  t.forwarded += u.forwarded;
  t.deferred += u.deferred;
  t.deferrals += u.deferrals;
  t.bounced += u.bounced;
  t.rejected += u.rejected;
  t.reject_warnings += u.reject_warnings;
  t.held += u.held;
  t.discarded += u.discarded;
  t.expired += u.expired;
  t.bytes_received += u.bytes_received;
  t.bytes_delivered += u.bytes_delivered;
  if (o.first_time.known() &&
      (!first_time.known() || o.first_time.unix_micros < first_time.unix_micros)) {
    first_time = o.first_time;
  }
  if (o.last_time.known() &&
      (!last_time.known() || o.last_time.unix_micros > last_time.unix_micros)) {
    last_time = o.last_time;
  }
  for (const auto& [d, v] : o.days) days[d] = v;
  for (const auto& [d, v] : o.per_day) per_day[d].Add(v);
  for (int h = 0; h < 24; ++h) {
    per_hour[h].Add(o.per_hour[h]);
    MergeConn(&smtpd_per_hour[h], o.smtpd_per_hour[h]);
  }
  MergeAddresses(&senders, o.senders);
  MergeAddresses(&recipients, o.recipients);
  MergeAddresses(&sending_domains, o.sending_domains);
  for (const auto& [k, v] : o.delivery_domains) {
    DeliveryDomainStats& s = delivery_domains[k];
    s.count += v.count;
    s.bytes += v.bytes;
    s.defers += v.defers;
    s.delay_sum += v.delay_sum;
    s.delay_max = std::max(s.delay_max, v.delay_max);
  }
  for (const auto& [k, v] : o.no_size) no_size[k] = v;
  MergeNested(&deferral_detail, o.deferral_detail);
  MergeNested(&bounce_detail, o.bounce_detail);
  MergeNested(&expired_detail, o.expired_detail);
  MergeNested3(&reject_detail, o.reject_detail);
  MergeNested3(&reject_warning_detail, o.reject_warning_detail);
  MergeNested3(&hold_detail, o.hold_detail);
  MergeNested3(&discard_detail, o.discard_detail);
  MergeNested(&smtp_failures, o.smtp_failures);
  MergeNested(&warnings, o.warnings);
  MergeNested(&fatals, o.fatals);
  MergeNested(&panics, o.panics);
  MergeCounts(&master_messages, o.master_messages);
  for (const auto& [d, v] : o.smtpd_per_day) MergeConn(&smtpd_per_day[d], v);
  for (const auto& [k, v] : o.smtpd_per_domain) MergeConn(&smtpd_per_domain[k], v);
  MergeCounts(&postscreen, o.postscreen);
  MergeCounts(&postscreen_dnsbl, o.postscreen_dnsbl);
  MergeNested(&tls, o.tls);
  MergeCounts(&sasl_failures, o.sasl_failures);
  MergeCounts(&reject_reasons, o.reject_reasons);
  MergeCounts(&deferral_reasons, o.deferral_reasons);
  MergeCounts(&bounce_reasons, o.bounce_reasons);
  smtpd_connections += o.smtpd_connections;
  message_detail.insert(message_detail.end(), o.message_detail.begin(),
                        o.message_detail.end());
}

uint64_t SummaryData::recipient_hosts() const {
  uint64_t n = 0;
  for (const auto& [domain, s] : delivery_domains) n += s.count > 0 ? 1 : 0;
  return n;
}

std::vector<std::pair<const char*, uint64_t>> SummaryData::GrandTotals() const {
  const Totals& t = totals;
  return {{"received", t.received},
          {"delivered", t.delivered},
          {"forwarded", t.forwarded},
          {"deferred", t.deferred},
          {"deferrals", t.deferrals},
          {"bounced", t.bounced},
          {"rejected", t.rejected},
          {"reject_warnings", t.reject_warnings},
          {"held", t.held},
          {"discarded", t.discarded},
          {"expired", t.expired},
          {"bytes_received", t.bytes_received},
          {"bytes_delivered", t.bytes_delivered},
          {"senders", senders.size()},
          {"sending_hosts", sending_domains.size()},
          {"recipients", recipients.size()},
          {"recipient_hosts", recipient_hosts()}};
}

Summary::Summary(SummaryOptions options) : options_(options) {}

std::string Summary::NormalizeAddress(std::string_view address) const {
  std::string a;
  NormalizeInto(address, &a);
  return a;
}

void Summary::NormalizeInto(std::string_view address, std::string* out) const {
  if (options_.uucp_mung && address.find('!') != std::string_view::npos) {
    *out = UucpMung(address);
  } else {
    out->assign(address.data(), address.size());
  }
  std::string& a = *out;
  if (options_.ignore_case) {
    LowerAscii(a.data(), a.data() + a.size());
  } else if (const size_t at = a.find('@'); at != std::string::npos && at + 1 < a.size()) {
    LowerAscii(a.data() + at, a.data() + a.size());
  }
}

uint32_t Summary::HostId(std::string_view host) {
  if (!host_ids_.empty() && host == last_host_) return last_host_id_;
  const absl::string_view h(host.data(), host.size());
  auto it = host_ids_.find(h);
  if (it == host_ids_.end()) {
    it = host_ids_.emplace(std::string(host), static_cast<uint32_t>(host_ids_.size())).first;
  }
  last_host_.assign(host.data(), host.size());
  last_host_id_ = it->second;
  return last_host_id_;
}

size_t Summary::HopHash::operator()(const HopView& h) const {
  return absl::Hash<std::pair<uint32_t, absl::string_view>>{}(
      {h.host, absl::string_view(h.queue_id.data(), h.queue_id.size())});
}

namespace {

std::string VerpMung(std::string a, int level) {
  if (level <= 0) return a;
  static const RE2 ids(
      R"((?i)((?:bounce[ds]?|no(?:list|reply|response)|return|sentto|\d+).*?)(?:[\+_\.\*-]\d+\b)+)");
  static const RE2 rcpt(R"([\*-](\d+[\*-])?[^=\*-]+[=\*][^\@]+\@)");
  RE2::Replace(&a, ids, R"(\1-ID)");
  if (level > 1) RE2::Replace(&a, rcpt, "@");
  return a;
}

}  // namespace

namespace {

// The word `mailgauge records` uses for a status (RecipientStatusName lives
// in the correlator's library, which this one does not link).
const char* StatusWord(RecipientStatus s) {
  switch (s) {
    case RecipientStatus::kSent: return "sent";
    case RecipientStatus::kBounced: return "bounced";
    case RecipientStatus::kExpired: return "expired";
    case RecipientStatus::kDeleted: return "deleted";
    case RecipientStatus::kDeferred: return "deferred";
    case RecipientStatus::kHeld: return "held";
    case RecipientStatus::kDiscarded: return "discarded";
    case RecipientStatus::kUnknown: break;
  }
  return "unknown";
}

}  // namespace

std::string UucpMung(std::string_view address) {
  static const RE2 bang(R"(^(.*!)*([^!]+)!([^!@]+)@([^\.]+)$)");
  std::string path, host, user, next;
  if (!RE2::FullMatch(Piece(address), bang, &path, &host, &user, &next)) {
    return std::string(address);
  }
  return absl::StrCat(next, "!", path, user, "@", host);
}

std::string SrsMung(std::string_view address) {
  // SRS0=HASH=TT=orig.domain=orig-local@forwarder
  static const RE2 srs0(R"((?i)^SRS0[=+-][^=@]+=[^=@]+=([^=@]+)=(.+)@[^@]*$)");
  // SRS1=HASH=first.forwarder==HASH=TT=orig.domain=orig-local@forwarder
  static const RE2 srs1(
      R"((?i)^SRS1[=+-][^=@]+=[^=@]+=[=+-][^=@]+=[^=@]+=([^=@]+)=(.+)@[^@]*$)");
  std::string domain, local;
  if (RE2::FullMatch(Piece(address), srs0, &domain, &local) ||
      RE2::FullMatch(Piece(address), srs1, &domain, &local)) {
    return absl::StrCat(local, "@", domain);
  }
  return std::string(address);
}

void Summary::ShortenBounceReason(std::string* reason) const {
  if (options_.verbose_msg_detail) return;
  if (reason->size() > 66) *reason = internal::SaidTrim(std::move(*reason), 66);
  DropReplyCode(reason);
}

std::string Summary::SenderKey(std::string_view sender) const {
  std::string key;
  SenderKeyInto(sender, &key);
  return key;
}

void Summary::SenderKeyInto(std::string_view sender, std::string* out) const {
  if (sender.empty()) {
    out->assign("from=<>");
  } else if (options_.srs_mung) {
    *out = VerpMung(NormalizeAddress(SrsMung(sender)), options_.verp_mung);
  } else if (options_.verp_mung > 0) {
    *out = VerpMung(NormalizeAddress(sender), options_.verp_mung);
  } else {
    NormalizeInto(sender, out);
  }
}

bool Summary::InDomain(std::string_view address) const {
  const std::string& d = options_.by_domain;
  const size_t at = address.rfind('@');
  if (d.empty() || at == std::string_view::npos) return false;
  const std::string domain = Lower(address.substr(at + 1));
  if (domain == d) return true;
  return domain.size() > d.size() && domain[domain.size() - d.size() - 1] == '.' &&
         domain.compare(domain.size() - d.size(), d.size(), d) == 0;
}

bool Summary::RecordInDomain(const MessageRecord& m) const {
  if (m.sender_known && InDomain(options_.srs_mung ? SrsMung(m.sender) : m.sender)) {
    return true;
  }
  for (const RecipientRecord& r : m.recipients) {
    if (InDomain(r.address) || InDomain(r.orig_to)) return true;
  }
  return false;
}

bool Summary::LineInDomain(const LogLine& line, const parsers::Event& e) {
  std::string from(e.from);
  if (options_.srs_mung) from = SrsMung(from);
  const bool named = InDomain(from) || InDomain(e.to) || InDomain(e.orig_to);
  if (e.queue_id.empty()) return named;
  const HopView key{HostId(line.host), e.queue_id};
  if (named) {
    if (domain_hops_.size() >= options_.max_pending_sizes) domain_hops_.clear();
    domain_hops_.insert(Hop{key.host, std::string(key.queue_id)});
    return true;
  }
  return domain_hops_.contains(key);
}

void Summary::AddTraffic(const Timestamp& t, uint64_t TrafficCounts::*field) {
  ++(data_.per_hour[LocalHour(t)].*field);
  ++(data_.per_day[LocalDay(t)].*field);
}

void Summary::AddEvent(const LogLine& line, const parsers::Event& e) {
  AddEventParts<kTimedPart | kUntimedPart>(line, e);
}

void Summary::AddEventTimed(const LogLine& line, const parsers::Event& e) {
  AddEventParts<kTimedPart>(line, e);
}

void Summary::AddEventUntimed(const LogLine& line, const parsers::Event& e) {
  AddEventParts<kUntimedPart>(line, e);
}

// One body for the three: the timed part's statements are under
// `if constexpr (kTimed)`, the rest under `if constexpr (kUntimed)`.
// AddEvent counts what it counted before the split; only the order of the
// two parts' updates within a line changed, and they touch different
// fields.
template <int kParts>
void Summary::AddEventParts(const LogLine& line, const parsers::Event& e) {
  constexpr bool kTimed = (kParts & kTimedPart) != 0;
  constexpr bool kUntimed = (kParts & kUntimedPart) != 0;
  if constexpr (kTimed) {
    if (!data_.first_time.known() || line.time.unix_micros < data_.first_time.unix_micros) {
      data_.first_time = line.time;
    }
    if (!data_.last_time.known() || line.time.unix_micros > data_.last_time.unix_micros) {
      data_.last_time = line.time;
    }
    if (const int64_t day = LocalDay(line.time); day != last_day_ || data_.days.empty()) {
      data_.days[day] = true;
      last_day_ = day;
    }
    if (e.kind == EventKind::kQueued && !e.queue_id.empty() && e.size >= 0) {
      // Kept whatever --by-domain says: a message can qualify by a later line.
      if (hop_sizes_.size() >= options_.max_pending_sizes) hop_sizes_.clear();
      hop_sizes_.try_emplace(Hop{HostId(line.host), std::string(e.queue_id)}, e.size);
    }
  }
  // --by-domain's filter remembers queue IDs, so it needs both parts in line
  // order: AddEventTimed and AddEventUntimed are not for it (summary.h).
  if constexpr (kTimed && kUntimed) {
    if (!options_.by_domain.empty() && !LineInDomain(line, e)) return;
  }
  if constexpr (kUntimed) AddLineFacts(line, e);
  if constexpr (kTimed) {
    if (RejectKindOf(e) >= 0) AddTraffic(line.time, &TrafficCounts::rejected);
    switch (e.kind) {
      case EventKind::kDelivery:
        if (e.delivery_status == DeliveryStatus::kDeferred) {
          AddTraffic(line.time, &TrafficCounts::deferred);
        }
        break;
      case EventKind::kConnect:
        if (e.daemon == Daemon::kSmtpd) {
          ++data_.smtpd_connections;
          if (open_connections_.size() >= options_.max_open_connections) {
            open_connections_.clear();
          }
          open_connections_[{HostId(line.host), line.pid}] = line.time;
        }
        break;
      case EventKind::kDisconnect:
        if (e.daemon == Daemon::kSmtpd) {
          auto it = open_connections_.find(std::make_pair(HostId(line.host), line.pid));
          if (it != open_connections_.end()) {
            const int64_t secs = std::max<int64_t>(
                0, line.time.unix_seconds() - it->second.unix_seconds());
            open_connections_.erase(it);
            ClientDomainInto(e.client_name, e.client_addr, &domain_scratch_);
            for (ConnectionStats* c : {&data_.smtpd_per_hour[LocalHour(line.time)],
                                       &data_.smtpd_per_day[LocalDay(line.time)],
                                       &data_.smtpd_per_domain[domain_scratch_]}) {
              ++c->count;
              c->seconds += secs;
              c->max_seconds = std::max(c->max_seconds, secs);
            }
          }
        }
        break;
      default:
        break;
    }
  }
}

void Summary::AddLineFacts(const LogLine& line, const parsers::Event& e) {
  const std::string_view msg = line.message;
  const std::string_view daemon = line.daemon;

  // pflogsumm: a message beginning "warning: ", "fatal: ", "panic: " is
  // counted by service under its text after the (last) prefix.
  if (!msg.empty() && (msg[0] == 'w' || msg[0] == 'f' || msg[0] == 'p')) {
    for (auto [prefix, table] :
         {std::pair<std::string_view, NestedCounts*>{"warning: ", &data_.warnings},
          {"fatal: ", &data_.fatals},
          {"panic: ", &data_.panics}}) {
      if (StartsWith(msg, prefix)) {
        const size_t last = msg.rfind(prefix);
        const std::string_view text = msg.substr(last + prefix.size());
        ++At(At(*table, daemon),
             options_.verbose_msg_detail ? text : TrimView(text, 66, &text_scratch_));
        break;
      }
    }
  }
  if (line.daemon == "master" && !StartsWith(msg, "warning: ") &&
      !StartsWith(msg, "fatal: ") && !StartsWith(msg, "panic: ")) {
    const size_t colon = msg.rfind(": ");
    ++At(data_.master_messages,
         colon == std::string_view::npos ? msg : msg.substr(colon + 2));
  }

  if (const int kind = RejectKindOf(e); kind >= 0) AddReject(line, e, kind);
  switch (e.kind) {
    case EventKind::kDelivery:
      if (e.delivery_status == DeliveryStatus::kSent &&
          StartsWith(e.reply, "forwarded as ")) {
        ++data_.totals.forwarded;
      } else if (e.delivery_status == DeliveryStatus::kDeferred) {
        ++data_.totals.deferrals;
        // pflogsumm: the text in parentheses up to the first ')'.
        std::string& reason = text_scratch_;
        if (size_t p = msg.find("status=deferred ("); p != std::string_view::npos) {
          p += 17;
          const size_t close = msg.find(')', p);
          const std::string_view r =
              msg.substr(p, close == std::string_view::npos ? std::string_view::npos : close - p);
          reason.assign(r.data(), r.size());
        } else {
          reason.assign(e.reply.data(), e.reply.size());
        }
        if (!options_.verbose_msg_detail) {
          if (reason.size() > 65) reason = internal::SaidTrim(std::move(reason), 65);
          DropReplyCode(&reason);
          if (StartsWith(reason, "connect to ")) reason.erase(0, 11);
        }
        ++At(At(data_.deferral_detail, daemon), reason);
        NormalizeInto(options_.use_orig_to && !e.orig_to.empty() ? e.orig_to : e.to,
                      &address_scratch_);
        DeliveryDomainStats& d =
            FindOrInsert(&data_.delivery_domains, RecipientDomainView(address_scratch_));
        ++d.defers;
        if (e.delay > d.delay_max) d.delay_max = e.delay;
        ++At(data_.deferral_reasons, parsers::ReasonName(parsers::ClassifyDeliveryProblem(e)));
      }
      break;
    case EventKind::kReject:
    case EventKind::kPostscreenNoqueue:
    case EventKind::kMilterReject:
      ++At(data_.reject_reasons, parsers::ReasonName(parsers::ClassifyReject(e)));
      if (e.kind == EventKind::kPostscreenNoqueue) ++At(data_.postscreen, "noqueue_reject");
      if (!e.list_name.empty()) ++At(data_.postscreen_dnsbl, e.list_name);
      break;
    case EventKind::kSmtpConnectFailed: {
      // "connect to HOST[ADDR]:PORT: REASON" -> reason, host.
      const size_t p = msg.find("connect to ");
      if (p == std::string_view::npos) break;
      const std::string_view rest = msg.substr(p + 11);
      const size_t bracket = rest.find('[');
      const size_t close = rest.find(']');
      const size_t sep = rest.find(": ", close == std::string_view::npos ? 0 : close);
      if (bracket == std::string_view::npos || sep == std::string_view::npos) break;
      ++At(At(data_.smtp_failures, Lower(rest.substr(sep + 2))), rest.substr(0, bracket));
      break;
    }
    case EventKind::kTlsEstablished: {
      const bool outgoing = e.daemon == Daemon::kSmtp || e.daemon == Daemon::kLmtp;
      std::string& kind = text_scratch_;
      if (e.tls_protocol.empty()) {
        kind.assign("unknown");
      } else {
        kind.assign(e.tls_protocol.data(), e.tls_protocol.size());
      }
      if (!e.tls_level.empty()) {
        kind += ' ';
        kind.append(e.tls_level.data(), e.tls_level.size());
      }
      ++At(At(data_.tls, outgoing ? "outgoing" : "incoming"), kind);
      break;
    }
    case EventKind::kSaslFailed: {
      std::string& client = text_scratch_;
      client.assign(e.client_name.data(), e.client_name.size());
      client += '[';
      client.append(e.client_addr.data(), e.client_addr.size());
      client += ']';
      ++At(data_.sasl_failures, client);
      break;
    }
    case EventKind::kPostscreenPass:
      ++At(data_.postscreen, StartsWith(msg, "PASS NEW") ? "pass_new" : "pass_old");
      break;
    case EventKind::kPostscreenAllowlisted:
      ++At(data_.postscreen, "allowlisted");
      break;
    case EventKind::kPostscreenDenylisted:
      ++At(data_.postscreen, "denylisted");
      break;
    case EventKind::kPostscreenDnsbl:
      ++At(data_.postscreen, "dnsbl");
      break;
    case EventKind::kPostscreenPregreet:
      ++At(data_.postscreen, "pregreet");
      break;
    case EventKind::kPostscreenHangup:
      ++At(data_.postscreen, "hangup");
      break;
    case EventKind::kPostscreenViolation:
      ++At(data_.postscreen, "violation");
      break;
    case EventKind::kDnsblListed:
      if (!e.list_name.empty()) ++At(data_.postscreen_dnsbl, e.list_name);
      break;
    default:
      break;
  }
}

void Summary::AddReject(const LogLine& line, const parsers::Event& e, int kind) {
  static constexpr uint64_t Totals::*kCounters[] = {
      &Totals::rejected, &Totals::reject_warnings, &Totals::held, &Totals::discarded};
  Nested3Counts* const kTables[] = {&data_.reject_detail, &data_.reject_warning_detail,
                                    &data_.hold_detail, &data_.discard_detail};
  ++(data_.totals.*kCounters[kind]);
  Nested3Counts& table = *kTables[kind];
  const re2::StringPiece msg = Piece(line.message);
  const bool ascii = IsPrintableAscii(line.message);

  if (e.daemon == Daemon::kCleanup) {
    static const RE2 cleanup(
        R"(^.*?\b(?:(?:milter-)?reject|warning|hold|discard): (header|body|END-OF-MESSAGE) (.*)$)");
    static const RE2 tail(R"(( from \S+?)?; from=<.*$)");
    std::string part, rest;
    // --verbose-msg-detail keeps the text whole, its "from ...; from=<..."
    // tail included.
    const bool whole = options_.verbose_msg_detail;
    if (ascii) {
      if (const auto m = internal::MatchCleanupParts(line.message)) {
        const std::string_view text =
            whole ? m->rest : m->rest.substr(0, internal::CleanupTailStart(m->rest));
        ++At(At(At(table, "cleanup"), m->part), whole ? text : TrimView(text, 64, &text_scratch_));
        return;
      }
    } else if (RE2::FullMatch(msg, cleanup, &part, &rest)) {
      if (!whole) RE2::Replace(&rest, tail, "");
      ++At(At(At(table, "cleanup"), part), whole ? rest : TrimView(rest, 64, &text_scratch_));
      return;
    }
  }
  // pflogsumm's proc_smtpd_reject.
  static const RE2 parts(
      R"(^.*\b(?:reject(?:_warning)?|hold|discard): (\S+) from (\S+?): (.*)$)");
  // Views of the line (printable ASCII) or of RE2's copies (other text).
  std::string stage_copy, client_copy, rest_copy;
  std::string_view stage, client, rest;
  bool matched = false;
  if (ascii) {
    if (const auto m = internal::MatchRejectParts(line.message)) {
      stage = m->stage;
      client = m->client;
      rest = m->rest;
      matched = true;
    }
  } else if (RE2::FullMatch(msg, parts, &stage_copy, &client_copy, &rest_copy)) {
    stage = stage_copy;
    client = client_copy;
    rest = rest_copy;
    matched = true;
  }
  if (!matched) {
    ClientDomainInto(e.client_name, e.client_addr, &domain_scratch_);
    if (domain_scratch_.empty()) {
      // A line that names no client (smtpd's "proxy-reject: END-OF-MESSAGE:
      // ...; from=<s> to=<r>", a before-queue filter's refusal): the sender,
      // "<>" for the null sender (an empty view into the line; a line
      // without from= leaves a null one).
      if (!e.from.empty()) {
        domain_scratch_.assign(e.from.data(), e.from.size());
      } else {
        domain_scratch_ = e.from.data() != nullptr ? "<>" : "unknown";
      }
    }
    ++At(At(At(table, parsers::RejectStageName(e.reject_stage)), e.reply), domain_scratch_);
    return;
  }
  // Reused per reject, so that a reject allocates only when a table gets a
  // new key.
  std::string& reason = reject_scratch_.reason;
  reason.assign(rest.data(), rest.size());
  if (!options_.verbose_msg_detail) internal::RewriteRejectReason(stage, &reason);
  static const RE2 to1(R"(to=<([^>]+)>)");
  static const RE2 to2(R"(\d{3} <([^>]+)>: User unknown )");
  static const RE2 to3(R"(to=<(.*?)(?:[, ]|$))");
  static const RE2 from1(R"(from=<([^>]+)>)");
  // name=<([^>]+)>: by hand on printable ASCII, by RE2 on other text.
  auto angle_field = [&](std::string_view name_eq, const RE2& re, std::string* out) {
    if (!ascii) return Contains(rest, name_eq) && RE2::PartialMatch(Piece(rest), re, out);
    const std::optional<std::string_view> f = internal::AngleField(rest, name_eq);
    if (f) out->assign(f->data(), f->size());
    return f.has_value();
  };
  std::string& to = reject_scratch_.to;
  std::string& from = reject_scratch_.from;
  if (!angle_field("to=<", to1, &to) &&
      !(Contains(rest, ">: User unknown ") && RE2::PartialMatch(Piece(rest), to2, &to)) &&
      !(Contains(rest, "to=<") && RE2::PartialMatch(Piece(rest), to3, &to))) {
    to.assign("<>");
  }
  if (options_.ignore_case) LowerAscii(to.data(), to.data() + to.size());
  if (!angle_field("from=<", from1, &from)) from.assign("<>");
  if (options_.srs_mung) from = SrsMung(from);
  if (options_.verp_mung > 0) from = VerpMung(std::move(from), options_.verp_mung);
  if (options_.ignore_case) LowerAscii(from.data(), from.data() + from.size());

  static const RE2 pipelining(R"(^.*?\d{3} (Improper use of SMTP command pipelining);.*$)");
  static const RE2 size(R"(^.*?\d{3} (Message size exceeds fixed limit);.*$)");
  static const RE2 config(R"(^.*?\d{3} (Server configuration (?:error|problem));.*$)");
  std::string& key = reject_scratch_.key;
  if (StartsWith(reason, "Sender address rejected:")) {
    key.assign(from);
    if (options_.rej_add_to) absl::StrAppend(&key, "  (", to, ")");
  } else if (StartsWith(reason, "Recipient address rejected:") || reason == "User unknown" ||
             StartsWith(reason, "User unknown ")) {  // ^(Recipient address rejected:|User unknown( |$))
    key.assign(to);
    if (options_.rej_add_from) absl::StrAppend(&key, "  (", from, ")");
  } else if (Contains(reason, "Improper use of SMTP command pipelining;") &&
             RE2::Replace(&reason, pipelining, R"(\1)")) {
    key.assign(client.data(), client.size());
  } else {
    if (!(Contains(reason, "Message size exceeds fixed limit;") &&
          RE2::Replace(&reason, size, R"(\1)")) &&
        Contains(reason, "Server configuration ")) {
      RE2::Replace(&reason, config, R"((Local) \1)");
    }
    key = ClientDomainFromText(client);
    if (options_.rej_add_from) absl::StrAppend(&key, "  (", from, ")");
  }
  ++At(At(At(table, stage), reason), key);
}

void Summary::AddRecord(const MessageRecord& m) {
  // Sizes of this message's hops, as qmgr logged them.
  std::vector<std::pair<std::string_view, int64_t>>& sizes = sizes_scratch_;
  sizes.clear();
  // An address-verification probe: pflogsumm counts neither a delivery nor
  // a bounce for it, and neither does the report.
  const bool probe = m.probe;
  const uint32_t host = m.queue_ids.empty() ? 0 : HostId(m.host);
  for (const std::string& id : m.queue_ids) {
    const HopView key{host, id};
    auto it = hop_sizes_.find(key);
    if (it != hop_sizes_.end()) {
      sizes.emplace_back(id, it->second);
      hop_sizes_.erase(it);
    }
    if (!domain_hops_.empty()) {
      if (auto d = domain_hops_.find(key); d != domain_hops_.end()) domain_hops_.erase(d);
    }
  }
  if (!options_.by_domain.empty() && !RecordInDomain(m)) return;
  auto size_of = [&](std::string_view qid) -> int64_t {
    for (const auto& [id, s] : sizes) {
      if (id == qid) return s;
    }
    if (qid.empty() || (!m.queue_ids.empty() && qid == m.queue_ids.front())) return m.size;
    return -1;
  };

  const std::string_view origin = m.origin;
  const bool pickup = origin == "pickup";
  const bool received = pickup || origin == "smtpd";
  const bool sender_counted = received && m.size >= 0 && m.sender_known;

  // On a big log the senders' and recipients' tables outgrow the caches and
  // each lookup waits for memory twice (index slot, record). The keys this
  // message will look up are made first and their fetches started
  // together, so that the waits overlap.
  uint32_t sender_hash = 0;
  if (sender_counted) {
    SenderKeyInto(m.sender, &sender_scratch_);
    sender_hash = data_.senders.PrefetchSlot(sender_scratch_);
  }
  if (recipient_keys_.size() < m.recipients.size()) recipient_keys_.resize(m.recipients.size());
  for (size_t i = 0; i < m.recipients.size(); ++i) {
    const RecipientRecord& r = m.recipients[i];
    RecipientKey& k = recipient_keys_[i];
    // The recipients counted as delivered below (not probes, not forwards).
    k.counted = !probe && r.status == RecipientStatus::kSent &&
                !StartsWith(r.reply, "forwarded as ");
    if (!k.counted) continue;
    NormalizeInto(options_.use_orig_to && !r.orig_to.empty() ? r.orig_to : r.address,
                  &k.address);
    k.hash = data_.recipients.PrefetchSlot(k.address);
  }
  if (sender_counted) data_.senders.PrefetchRecord(sender_hash);
  for (size_t i = 0; i < m.recipients.size(); ++i) {
    if (recipient_keys_[i].counted) data_.recipients.PrefetchRecord(recipient_keys_[i].hash);
  }

  if (received) {
    ++data_.totals.received;
    AddTraffic(m.arrival.known() ? m.arrival : m.completion, &TrafficCounts::received);
    if (sender_counted) {
      const std::string& sender = sender_scratch_;
      std::string_view domain;
      const size_t at = sender.find('@');
      if (at != std::string::npos && at > 0 && at + 1 < sender.size()) {
        domain = std::string_view(sender).substr(at + 1);
      } else if (pickup) {
        domain = sender;
      } else {
        ClientDomainInto(m.client_name, m.client_addr, &domain_scratch_);
        domain = domain_scratch_;
      }
      const uint64_t size = static_cast<uint64_t>(m.size);
      AddressStats& s = data_.senders.FindOrInsert(sender, sender_hash);
      ++s.count;
      s.bytes += size;
      AddressStats& d = FindOrInsert(&data_.sending_domains, domain);
      ++d.count;
      d.bytes += size;
      data_.totals.bytes_received += size;
    }
  }

  if (options_.message_detail && received) {
    MessageDetail detail;
    detail.queue_id = m.queue_ids.empty() ? std::string() : m.queue_ids.front();
    detail.sender = m.sender_known ? SenderKey(m.sender) : std::string("(sender not in log)");
    if (pickup) {
      detail.client = "pickup";
    } else if (!m.client_addr.empty() || !m.client_name.empty()) {
      detail.client = absl::StrCat(m.client_name, "[", m.client_addr, "]");
    }
    detail.size = m.size;
    detail.arrival = m.arrival;
    for (const RecipientRecord& r : m.recipients) {
      detail.recipients.push_back(
          {NormalizeAddress(options_.use_orig_to && !r.orig_to.empty() ? r.orig_to : r.address),
           std::string(probe ? "probe" : StatusWord(r.status)), r.relay, r.dsn,
           r.delay});
    }
    data_.message_detail.push_back(std::move(detail));
  }

  bool deferred = false;
  bool expired = std::string_view(m.end) == "expired";
  for (size_t i = 0; i < m.recipients.size(); ++i) {
    const RecipientRecord& r = m.recipients[i];
    if (r.deferrals > 0) deferred = true;
    // Address-verification probes (status=deliverable/undeliverable) are
    // neither deliveries nor bounces (pflogsumm ignores them).
    if (probe && (r.status == RecipientStatus::kSent || r.status == RecipientStatus::kBounced)) {
      continue;
    }
    const Timestamp when = r.time.known() ? r.time : m.completion;
    switch (r.status) {
      case RecipientStatus::kSent: {
        const RecipientKey& k = recipient_keys_[i];
        if (!k.counted) break;  // "forwarded as": counted as forwarded
        const std::string& address = k.address;
        ++data_.totals.delivered;
        AddTraffic(when, &TrafficCounts::delivered);
        AddressStats& a = data_.recipients.FindOrInsert(address, k.hash);
        ++a.count;
        DeliveryDomainStats& d =
            FindOrInsert(&data_.delivery_domains, RecipientDomainView(address));
        ++d.count;
        const double delay = r.delay >= 0 ? r.delay : 0;
        d.delay_sum += delay;
        if (delay > d.delay_max) d.delay_max = delay;
        const int64_t size = size_of(r.queue_id);
        if (size > 0) {
          a.bytes += static_cast<uint64_t>(size);
          d.bytes += static_cast<uint64_t>(size);
          data_.totals.bytes_delivered += static_cast<uint64_t>(size);
        } else {
          data_.no_size[r.queue_id.empty() ? m.queue_ids.front() : r.queue_id] = address;
        }
        break;
      }
      case RecipientStatus::kBounced: {
        ++data_.totals.bounced;
        AddTraffic(when, &TrafficCounts::bounced);
        std::string& reason = text_scratch_;
        reason.assign(r.reply);
        ShortenBounceReason(&reason);
        ++At(At(data_.bounce_detail, options_.ignore_case ? Lower(r.relay) : r.relay), reason);
        ++At(data_.bounce_reasons, r.reason.empty() ? "other" : std::string_view(r.reason));
        break;
      }
      case RecipientStatus::kExpired: {
        expired = true;
        std::string& reason = text_scratch_;
        reason.assign(r.reply);
        ShortenBounceReason(&reason);
        ++At(At(data_.expired_detail, RecipientDomain(NormalizeAddress(r.address))), reason);
        break;
      }
      default:
        break;
    }
  }
  if (deferred) ++data_.totals.deferred;
  if (expired) ++data_.totals.expired;
}

// ---------------------------------------------------------------- JSON

namespace {


Json ConnToJson(const ConnectionStats& c) {
  return {{"connections", c.count}, {"seconds", c.seconds}, {"max_seconds", c.max_seconds}};
}

Json TrafficToJson(const TrafficCounts& t) {
  return {{"received", t.received}, {"delivered", t.delivered}, {"deferred", t.deferred},
          {"bounced", t.bounced}, {"rejected", t.rejected}};
}

// Reading: each helper throws nlohmann::json exceptions on a wrong type,
// which FromJson turns into InvalidArgument.
uint64_t U(const Json& j, const char* k) {
  return j.contains(k) ? JsonInt<uint64_t>(j.at(k)) : 0;
}
int64_t I(const Json& j, const char* k) { return j.contains(k) ? JsonInt<int64_t>(j.at(k)) : 0; }
double D(const Json& j, const char* k) { return j.contains(k) ? j.at(k).get<double>() : 0; }
std::string S(const Json& j, const char* k) {
  return j.contains(k) ? j.at(k).get<std::string>() : std::string();
}
const Json& Arr(const Json& j, const char* k) {
  static const Json empty = Json::array();
  if (!j.contains(k)) return empty;
  if (!j.at(k).is_array()) throw std::invalid_argument(absl::StrCat("\"", k, "\" is not an array"));
  return j.at(k);
}

void Nested2FromJson(const Json& a, const char* k1, const char* k2, NestedCounts* n) {
  for (const Json& e : a) (*n)[S(e, k1)][S(e, k2)] += U(e, "count");
}
void Nested3FromJson(const Json& a, Nested3Counts* n) {
  for (const Json& e : a) (*n)[S(e, "stage")][S(e, "reason")][S(e, "key")] += U(e, "count");
}
void CountsFromJson(const Json& a, const char* k, CountMap* m) {
  for (const Json& e : a) (*m)[S(e, k)] += U(e, "count");
}
void AddressesFromJson(const Json& a, const char* k, AddressTable* m) {
  for (const Json& e : a) {
    AddressStats& s = (*m)[S(e, k)];
    s.count += U(e, "messages");
    s.bytes += U(e, "bytes");
  }
}
ConnectionStats ConnFromJson(const Json& j) {
  return {U(j, "connections"), I(j, "seconds"), I(j, "max_seconds")};
}
TrafficCounts TrafficFromJson(const Json& j) {
  TrafficCounts t;
  t.received = U(j, "received");
  t.delivered = U(j, "delivered");
  t.deferred = U(j, "deferred");
  t.bounced = U(j, "bounced");
  t.rejected = U(j, "rejected");
  return t;
}
int64_t DayFromJson(const Json& j) {
  int64_t day = 0;
  if (!ParseDate(S(j, "date"), &day)) {
    throw std::invalid_argument(absl::StrCat("bad date \"", S(j, "date"), "\""));
  }
  return day;
}

}  // namespace

constexpr char kSchema[] = "mailgauge-summary/1";

namespace {

// One field of a FlatRow: a string or an integer.
struct RowField {
  enum Kind : uint8_t { kString, kUnsigned, kSigned };
  const char* name;
  Kind kind;
  std::string_view text;
  uint64_t u = 0;
  int64_t i = 0;
};
RowField StrField(const char* name, std::string_view text) {
  return {name, RowField::kString, text};
}
RowField UintField(const char* name, uint64_t n) { return {name, RowField::kUnsigned, {}, n}; }
RowField IntField(const char* name, int64_t n) { return {name, RowField::kSigned, {}, 0, n}; }

// A JSON row of strings and integers ({"domain": "example.org",
// "messages": 2, ...}), written by JsonStream exactly as nlohmann would dump
// the equivalent object, without building it (the big tables have hundreds
// of thousands of rows).
struct FlatRow {
  std::array<RowField, 4> fields;
  size_t size;
};

// Appends `s` as nlohmann's dump writes a string: printable ASCII without
// '"' and '\\' as is, anything else through nlohmann itself (invalid UTF-8
// as U+FFFD).
void AppendJsonString(std::string_view s, std::string* out) {
  if (!IsPlainJsonText(s)) {
    *out += Json(std::string(s)).dump(-1, ' ', false, Json::error_handler_t::replace);
    return;
  }
  *out += '"';
  out->append(s.data(), s.size());
  *out += '"';
}

// Writes a JSON object field by field to a stream, laid out exactly as
// nlohmann's dump(indent) lays out the whole document, so that arrays can be
// written row by row: the document is never held in memory at once (its
// DOM is several times the size of the tables it comes from).
class JsonStream {
 public:
  JsonStream(std::ostream& out, int indent) : out_(out), indent_(indent) {
    out_ << '{';
    first_.push_back(true);
  }
  void Field(const char* key, const Json& value) {
    Key(key);
    Value(value, Depth());
  }
  // `rows(emit)` calls emit(const Json&) once per element.
  template <typename Rows>
  void Array(const char* key, Rows rows) {
    Key(key);
    bool any = false;
    rows([&](const auto& row) {
      out_ << (any ? "," : "[");
      NewLine(Depth() + 1);
      Value(row, Depth() + 1);
      any = true;
    });
    if (any) {
      NewLine(Depth());
      out_ << ']';
    } else {
      out_ << "[]";
    }
  }
  void BeginObject(const char* key) {
    Key(key);
    out_ << '{';
    first_.push_back(true);
  }
  void EndObject() {
    const bool empty = first_.back();
    first_.pop_back();
    if (!empty) NewLine(Depth());
    out_ << '}';
  }

 private:
  int Depth() const { return static_cast<int>(first_.size()); }
  void NewLine(int depth) {
    if (indent_ >= 0) out_ << '\n' << std::string(static_cast<size_t>(depth * indent_), ' ');
  }
  void Key(const char* key) {
    if (!first_.back()) out_ << ',';
    first_.back() = false;
    NewLine(Depth());
    out_ << '"' << key << (indent_ >= 0 ? "\": " : "\":");
  }
  // A value dumped on its own, its lines shifted to `depth`.
  void Value(const Json& value, int depth) {
    // Log text is not always UTF-8 (a client's HELO, a reply in Latin-1):
    // invalid bytes become U+FFFD, as in `mailgauge records`.
    const std::string text = value.dump(indent_, ' ', false, Json::error_handler_t::replace);
    if (indent_ < 0) {
      out_ << text;
      return;
    }
    const std::string pad(static_cast<size_t>(depth * indent_), ' ');
    size_t start = 0;
    for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
      out_.write(text.data() + start, static_cast<std::streamsize>(nl + 1 - start));
      out_ << pad;
    }
    out_.write(text.data() + start, static_cast<std::streamsize>(text.size() - start));
  }

  void Value(const FlatRow& row, int depth) {
    std::string& t = row_text_;
    t.clear();
    const bool pretty = indent_ >= 0;
    if (pretty && field_pad_depth_ != depth) {
      field_pad_ = "\n" + std::string(static_cast<size_t>((depth + 1) * indent_), ' ');
      field_pad_depth_ = depth;
    }
    const char* sep = pretty ? "\": " : "\":";
    t += '{';
    for (size_t f = 0; f < row.size; ++f) {
      const RowField& field = row.fields[f];
      if (f > 0) t += ',';
      if (pretty) t += field_pad_;
      t += '"';
      t += field.name;
      t += sep;
      char digits[24];
      switch (field.kind) {
        case RowField::kString:
          AppendJsonString(field.text, &t);
          break;
        case RowField::kUnsigned:
          t.append(digits, std::to_chars(digits, digits + sizeof(digits), field.u).ptr);
          break;
        case RowField::kSigned:
          t.append(digits, std::to_chars(digits, digits + sizeof(digits), field.i).ptr);
          break;
      }
    }
    if (pretty) {
      t += '\n';
      t.append(static_cast<size_t>(depth * indent_), ' ');
    }
    t += '}';
    out_.write(t.data(), static_cast<std::streamsize>(t.size()));
  }

  std::ostream& out_;
  int indent_;
  std::vector<bool> first_;  // per open object: no field written yet
  std::string row_text_;     // reused by Value(FlatRow)
  std::string field_pad_;    // "\n" and the indent of a FlatRow's fields
  int field_pad_depth_ = -1;  // the depth field_pad_ is for
};

template <typename Emit>
void Nested2Rows(const NestedCounts& n, const char* k1, const char* k2, Emit&& emit) {
  for (const auto& [a, inner] : n) {
    for (const auto& [b, count] : inner) {
      emit(FlatRow{{StrField(k1, a), StrField(k2, b), UintField("count", count)}, 3});
    }
  }
}

template <typename Emit>
void Nested3Rows(const Nested3Counts& n, Emit&& emit) {
  for (const auto& [stage, reasons] : n) {
    for (const auto& [reason, keys] : reasons) {
      for (const auto& [key, count] : keys) {
        emit(FlatRow{{StrField("stage", stage), StrField("reason", reason), StrField("key", key),
                      UintField("count", count)},
                     4});
      }
    }
  }
}

template <typename Emit>
void CountRows(const CountMap& m, const char* k, Emit&& emit) {
  for (const auto& [a, count] : m) emit(FlatRow{{StrField(k, a), UintField("count", count)}, 2});
}

template <typename Emit>
void AddressRows(const AddressTable& m, const AddressTable::SortedOrder& order, const char* k,
                 Emit&& emit) {
  m.ForEachIn(order, [&](std::string_view key, const AddressStats& s) {
    emit(FlatRow{{StrField(k, key), UintField("messages", s.count), UintField("bytes", s.bytes)},
                 3});
  });
}

template <typename Emit>
void ConnRow(const char* k, std::string_view v, const ConnectionStats& c, Emit&& emit) {
  emit(FlatRow{{StrField(k, v), UintField("connections", c.count), IntField("seconds", c.seconds),
                IntField("max_seconds", c.max_seconds)},
               4});
}

}  // namespace

std::string Summary::ToJson(int indent) const {
  std::ostringstream out;
  WriteJson(out, indent);
  return out.str();
}

void Summary::WriteJson(std::ostream& out, int indent, bool sort_ahead) const {
  const SummaryData& d = data_;
  // The biggest table, sorted on a helper thread while the sections before
  // it are written.
  std::future<AddressTable::SortedOrder> recipients_order;
  if (sort_ahead) {
    recipients_order = std::async(std::launch::async, [&d] { return d.recipients.Sorted(); });
  }
  JsonStream j(out, indent);
  j.Field("schema", kSchema);
  Json period;
  period["first"] = d.first_time.known() ? d.first_time.ToRfc3339() : "";
  period["last"] = d.last_time.known() ? d.last_time.ToRfc3339() : "";
  if (!options_.by_domain.empty()) period["by_domain"] = options_.by_domain;
  period["first_unix_micros"] = d.first_time.unix_micros;
  period["first_utc_offset"] = d.first_time.utc_offset_seconds;
  period["last_unix_micros"] = d.last_time.unix_micros;
  period["last_utc_offset"] = d.last_time.utc_offset_seconds;
  Json days = Json::array();
  for (const auto& [day, seen] : d.days) days.push_back(DateString(day));
  period["days"] = days;
  j.Field("period", period);
  Json totals = Json::object();
  for (const auto& [name, value] : d.GrandTotals()) totals[name] = value;
  totals["smtpd_connections"] = d.smtpd_connections;
  j.Field("totals", totals);
  j.Array("per_day", [&](auto&& emit) {
    for (const auto& [day, c] : d.per_day) {
      Json row = {{"date", DateString(day)}};
      row.update(TrafficToJson(c));
      emit(row);
    }
  });
  j.Array("per_hour", [&](auto&& emit) {
    for (int h = 0; h < 24; ++h) {
      Json row = {{"hour", h}};
      row.update(TrafficToJson(d.per_hour[h]));
      emit(row);
    }
  });
  j.Array("delivery_domains", [&](auto&& emit) {
    d.delivery_domains.ForEachSorted([&](std::string_view domain, const DeliveryDomainStats& s) {
      emit(Json{{"domain", std::string(domain)},
                {"delivered", s.count},
                {"bytes", s.bytes},
                {"defers", s.defers},
                {"delay_sum", s.delay_sum},
                {"delay_avg", s.count > 0 ? s.delay_sum / s.count : 0.0},
                {"delay_max", s.delay_max}});
    });
  });
  j.Array("sending_domains", [&](auto&& emit) {
    AddressRows(d.sending_domains, d.sending_domains.Sorted(), "domain", emit);
  });
  j.Array("senders",
          [&](auto&& emit) { AddressRows(d.senders, d.senders.Sorted(), "address", emit); });
  j.Array("recipients", [&](auto&& emit) {
    AddressRows(d.recipients, sort_ahead ? recipients_order.get() : d.recipients.Sorted(),
                "address", emit);
  });
  j.Array("no_size", [&](auto&& emit) {
    for (const auto& [qid, rcpt] : d.no_size) {
      emit(FlatRow{{StrField("queue_id", qid), StrField("recipient", rcpt)}, 2});
    }
  });
  j.Array("deferral_detail",
          [&](auto&& emit) { Nested2Rows(d.deferral_detail, "service", "reason", emit); });
  j.Array("bounce_detail",
          [&](auto&& emit) { Nested2Rows(d.bounce_detail, "relay", "reason", emit); });
  j.Array("expired_detail",
          [&](auto&& emit) { Nested2Rows(d.expired_detail, "domain", "reason", emit); });
  j.Array("reject_detail", [&](auto&& emit) { Nested3Rows(d.reject_detail, emit); });
  j.Array("reject_warning_detail",
          [&](auto&& emit) { Nested3Rows(d.reject_warning_detail, emit); });
  j.Array("hold_detail", [&](auto&& emit) { Nested3Rows(d.hold_detail, emit); });
  j.Array("discard_detail", [&](auto&& emit) { Nested3Rows(d.discard_detail, emit); });
  j.Array("smtp_failures",
          [&](auto&& emit) { Nested2Rows(d.smtp_failures, "reason", "host", emit); });
  j.Array("warnings", [&](auto&& emit) { Nested2Rows(d.warnings, "service", "text", emit); });
  j.Array("fatals", [&](auto&& emit) { Nested2Rows(d.fatals, "service", "text", emit); });
  j.Array("panics", [&](auto&& emit) { Nested2Rows(d.panics, "service", "text", emit); });
  j.Array("master_messages", [&](auto&& emit) { CountRows(d.master_messages, "text", emit); });
  j.BeginObject("smtpd");
  j.Array("per_hour", [&](auto&& emit) {
    for (int h = 0; h < 24; ++h) {
      Json row = {{"hour", h}};
      row.update(ConnToJson(d.smtpd_per_hour[h]));
      emit(row);
    }
  });
  j.Array("per_day", [&](auto&& emit) {
    for (const auto& [day, c] : d.smtpd_per_day) {
      Json row = {{"date", DateString(day)}};
      row.update(ConnToJson(c));
      emit(row);
    }
  });
  j.Array("per_domain", [&](auto&& emit) {
    d.smtpd_per_domain.ForEachSorted(
        [&](std::string_view domain, const ConnectionStats& c) { ConnRow("domain", domain, c, emit); });
  });
  j.EndObject();
  j.Array("postscreen", [&](auto&& emit) { CountRows(d.postscreen, "event", emit); });
  j.Array("dnsbl", [&](auto&& emit) { CountRows(d.postscreen_dnsbl, "list", emit); });
  j.Array("tls", [&](auto&& emit) { Nested2Rows(d.tls, "direction", "kind", emit); });
  j.Array("sasl_failures", [&](auto&& emit) { CountRows(d.sasl_failures, "client", emit); });
  j.BeginObject("reason_classes");
  j.Array("reject", [&](auto&& emit) { CountRows(d.reject_reasons, "reason", emit); });
  j.Array("deferral", [&](auto&& emit) { CountRows(d.deferral_reasons, "reason", emit); });
  j.Array("bounce", [&](auto&& emit) { CountRows(d.bounce_reasons, "reason", emit); });
  j.EndObject();
  if (!d.message_detail.empty()) {
    j.Array("messages", [&](auto&& emit) {
      for (const MessageDetail& m : d.message_detail) {
        Json rcpts = Json::array();
        for (const DetailRecipient& r : m.recipients) {
          rcpts.push_back({{"address", r.address}, {"status", r.status}, {"relay", r.relay},
                           {"dsn", r.dsn}, {"delay", r.delay}});
        }
        emit(Json{{"queue_id", m.queue_id},
                  {"sender", m.sender},
                  {"client", m.client},
                  {"size", m.size},
                  {"arrival", m.arrival.known() ? m.arrival.ToRfc3339() : ""},
                  {"arrival_unix_micros", m.arrival.unix_micros},
                  {"arrival_utc_offset", m.arrival.utc_offset_seconds},
                  {"recipients", rcpts}});
      }
    });
  }
  j.EndObject();
}

absl::StatusOr<Summary> Summary::FromJson(std::string_view text) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("not a JSON object");
  }
  if (!j.contains("schema") || !j["schema"].is_string() ||
      j["schema"].get<std::string>() != kSchema) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a mailgauge summary (\"schema\" must be \"", kSchema, "\")"));
  }
  Summary s;
  SummaryData& d = s.data_;
  try {
    const Json& p = j.at("period");
    d.first_time.unix_micros = I(p, "first_unix_micros");
    d.first_time.utc_offset_seconds = static_cast<int32_t>(I(p, "first_utc_offset"));
    d.last_time.unix_micros = I(p, "last_unix_micros");
    d.last_time.utc_offset_seconds = static_cast<int32_t>(I(p, "last_utc_offset"));
    for (const Json& day : Arr(p, "days")) {
      int64_t n = 0;
      if (!ParseDate(day.get<std::string>(), &n)) {
        return absl::InvalidArgumentError("period.days: bad date");
      }
      d.days[n] = true;
    }
    const Json& t = j.at("totals");
    Totals& o = d.totals;
    o.received = U(t, "received");
    o.delivered = U(t, "delivered");
    o.forwarded = U(t, "forwarded");
    o.deferred = U(t, "deferred");
    o.deferrals = U(t, "deferrals");
    o.bounced = U(t, "bounced");
    o.rejected = U(t, "rejected");
    o.reject_warnings = U(t, "reject_warnings");
    o.held = U(t, "held");
    o.discarded = U(t, "discarded");
    o.expired = U(t, "expired");
    o.bytes_received = U(t, "bytes_received");
    o.bytes_delivered = U(t, "bytes_delivered");
    d.smtpd_connections = U(t, "smtpd_connections");
    for (const Json& row : Arr(j, "per_day")) d.per_day[DayFromJson(row)].Add(TrafficFromJson(row));
    for (const Json& row : Arr(j, "per_hour")) {
      const int64_t h = I(row, "hour");
      if (h < 0 || h > 23) return absl::InvalidArgumentError("per_hour: hour out of range");
      d.per_hour[h].Add(TrafficFromJson(row));
    }
    for (const Json& row : Arr(j, "delivery_domains")) {
      DeliveryDomainStats& x = d.delivery_domains[S(row, "domain")];
      x.count += U(row, "delivered");
      x.bytes += U(row, "bytes");
      x.defers += U(row, "defers");
      x.delay_sum += D(row, "delay_sum");
      x.delay_max = std::max(x.delay_max, D(row, "delay_max"));
    }
    AddressesFromJson(Arr(j, "sending_domains"), "domain", &d.sending_domains);
    AddressesFromJson(Arr(j, "senders"), "address", &d.senders);
    AddressesFromJson(Arr(j, "recipients"), "address", &d.recipients);
    for (const Json& row : Arr(j, "no_size")) d.no_size[S(row, "queue_id")] = S(row, "recipient");
    Nested2FromJson(Arr(j, "deferral_detail"), "service", "reason", &d.deferral_detail);
    Nested2FromJson(Arr(j, "bounce_detail"), "relay", "reason", &d.bounce_detail);
    Nested2FromJson(Arr(j, "expired_detail"), "domain", "reason", &d.expired_detail);
    Nested3FromJson(Arr(j, "reject_detail"), &d.reject_detail);
    Nested3FromJson(Arr(j, "reject_warning_detail"), &d.reject_warning_detail);
    Nested3FromJson(Arr(j, "hold_detail"), &d.hold_detail);
    Nested3FromJson(Arr(j, "discard_detail"), &d.discard_detail);
    Nested2FromJson(Arr(j, "smtp_failures"), "reason", "host", &d.smtp_failures);
    Nested2FromJson(Arr(j, "warnings"), "service", "text", &d.warnings);
    Nested2FromJson(Arr(j, "fatals"), "service", "text", &d.fatals);
    Nested2FromJson(Arr(j, "panics"), "service", "text", &d.panics);
    CountsFromJson(Arr(j, "master_messages"), "text", &d.master_messages);
    if (j.contains("smtpd")) {
      const Json& sm = j.at("smtpd");
      for (const Json& row : Arr(sm, "per_hour")) {
        const int64_t h = I(row, "hour");
        if (h < 0 || h > 23) return absl::InvalidArgumentError("smtpd.per_hour: hour out of range");
        MergeConn(&d.smtpd_per_hour[h], ConnFromJson(row));
      }
      for (const Json& row : Arr(sm, "per_day")) {
        MergeConn(&d.smtpd_per_day[DayFromJson(row)], ConnFromJson(row));
      }
      for (const Json& row : Arr(sm, "per_domain")) {
        MergeConn(&d.smtpd_per_domain[S(row, "domain")], ConnFromJson(row));
      }
    }
    CountsFromJson(Arr(j, "postscreen"), "event", &d.postscreen);
    CountsFromJson(Arr(j, "dnsbl"), "list", &d.postscreen_dnsbl);
    Nested2FromJson(Arr(j, "tls"), "direction", "kind", &d.tls);
    CountsFromJson(Arr(j, "sasl_failures"), "client", &d.sasl_failures);
    if (j.contains("reason_classes")) {
      const Json& rc = j.at("reason_classes");
      CountsFromJson(Arr(rc, "reject"), "reason", &d.reject_reasons);
      CountsFromJson(Arr(rc, "deferral"), "reason", &d.deferral_reasons);
      CountsFromJson(Arr(rc, "bounce"), "reason", &d.bounce_reasons);
    }
    for (const Json& row : Arr(j, "messages")) {
      MessageDetail m;
      m.queue_id = S(row, "queue_id");
      m.sender = S(row, "sender");
      m.client = S(row, "client");
      m.size = row.contains("size") ? JsonInt<int64_t>(row.at("size")) : -1;
      m.arrival.unix_micros = I(row, "arrival_unix_micros");
      m.arrival.utc_offset_seconds = static_cast<int32_t>(I(row, "arrival_utc_offset"));
      for (const Json& r : Arr(row, "recipients")) {
        m.recipients.push_back({S(r, "address"), S(r, "status"), S(r, "relay"), S(r, "dsn"),
                                r.contains("delay") ? D(r, "delay") : -1});
      }
      d.message_detail.push_back(std::move(m));
    }
  } catch (const std::exception& ex) {
    return absl::InvalidArgumentError(absl::StrCat("bad summary: ", ex.what()));
  }
  return s;
}

}  // namespace mailgauge::analyzer
