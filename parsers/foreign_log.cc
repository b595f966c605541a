#include "parsers/foreign_log.h"

#include "absl/strings/ascii.h"
#include "parsers/postfix/queue_id.h"

namespace mailgauge::parsers {
namespace {

bool IsDigit(char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); }

// Exim's message IDs are base 62: digits and both cases of letters.
bool IsBase62(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }

// Consumes `pattern` from *s, where 'd' is a digit and any other byte itself.
bool Take(std::string_view* s, std::string_view pattern) {
  if (s->size() < pattern.size()) return false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = (*s)[i];
    if (pattern[i] == 'd' ? !IsDigit(c) : c != pattern[i]) return false;
  }
  s->remove_prefix(pattern.size());
  return true;
}

// Reads `n` digits at s[at], as a number; -1 if they are not all digits.
int Digits(std::string_view s, size_t at, size_t n) {
  if (at + n > s.size()) return -1;
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (!IsDigit(s[i])) return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

size_t Base62Run(std::string_view s, size_t from) {
  size_t i = from;
  while (i < s.size() && IsBase62(s[i])) ++i;
  return i - from;
}

}  // namespace

size_t EximMessageIdLength(std::string_view s) {
  if (Base62Run(s, 0) != 6 || s.size() < 7 || s[6] != '-') return 0;
  const size_t second = Base62Run(s, 7);
  if (second != 6 && second != 11) return 0;
  const size_t dash = 7 + second;
  if (dash >= s.size() || s[dash] != '-') return 0;
  const size_t third = Base62Run(s, dash + 1);
  if (third != (second == 6 ? 2u : 4u)) return 0;
  const size_t end = dash + 1 + third;
  return end == s.size() || s[end] == ' ' ? end : 0;
}

size_t ReadEximLogTime(std::string_view s, EximLogTime* t) {
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':') {
    return 0;
  }
  t->year = Digits(s, 0, 4);
  t->month = Digits(s, 5, 2);
  t->day = Digits(s, 8, 2);
  t->hour = Digits(s, 11, 2);
  t->minute = Digits(s, 14, 2);
  t->second = Digits(s, 17, 2);
  if (t->year < 1970 || t->month < 1 || t->month > 12 || t->day < 1 || t->day > 31 || t->hour < 0 ||
      t->hour > 23 || t->minute < 0 || t->minute > 59 || t->second < 0 || t->second > 60) {
    return 0;
  }
  size_t p = 19;
  if (p < s.size() && s[p] == '.') {
    t->millis = Digits(s, p + 1, 3);
    if (t->millis < 0) return 0;
    p += 4;
  }
  if (p + 6 <= s.size() && s[p] == ' ' && (s[p + 1] == '+' || s[p + 1] == '-')) {
    const int hh = Digits(s, p + 2, 2);
    const int mm = Digits(s, p + 4, 2);
    if (hh < 0 || mm < 0 || hh > 23 || mm > 59) return 0;
    t->has_offset = true;
    t->offset_seconds = (s[p + 1] == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
    p += 6;
  }
  if (p + 3 <= s.size() && s[p] == ' ' && s[p + 1] == '[' && IsDigit(s[p + 2])) {
    const size_t n = ReadEximPid(s.substr(p + 1), &t->pid);
    if (n == 0) return 0;
    p += 1 + n;
  }
  if (p >= s.size() || s[p] != ' ') return 0;
  return p + 1;
}

size_t ReadEximPid(std::string_view s, int64_t* pid) {
  if (s.size() < 3 || s[0] != '[' || !IsDigit(s[1])) return 0;
  size_t i = 1;
  int64_t v = 0;
  while (i < s.size() && IsDigit(s[i]) && i < 13) v = v * 10 + (s[i++] - '0');
  if (i >= s.size() || s[i] != ']') return 0;
  *pid = v;
  return i + 1;
}

bool LooksLikeEximMainLog(std::string_view line) {
  EximLogTime t;
  const size_t n = ReadEximLogTime(line, &t);
  if (n == 0) return false;
  const std::string_view s = line.substr(n);
  if (EximMessageIdLength(s) > 0) return true;
  // What Exim logs outside a message (deliver.c, daemon.c, smtp_in.c,
  // queue.c, receive.c).
  for (std::string_view prefix :
       {"SMTP connection from ", "SMTP command timeout", "SMTP protocol ", "SMTP call from ",
        "SMTP data timeout", "Start queue run", "End queue run", "exim ", "H=",
        "no host name found", "no IP address found", "TLS error ", "unexpected disconnection",
        "Connection from ", "rejected ", "U=", "Warning: "}) {
    if (s.substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

namespace {

bool IsEximLogName(std::string_view path, std::string_view log) {
  const size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  for (std::string_view prefix : {"exim4_", "exim_", "exim4-", "exim-"}) {
    if (name.substr(0, prefix.size()) == prefix) {
      name.remove_prefix(prefix.size());
      break;
    }
  }
  if (name.substr(0, log.size()) != log) return false;
  name.remove_prefix(log.size());
  return name.empty() || name[0] == '.' || name[0] == '-';
}

}  // namespace

bool IsEximRejectLogName(std::string_view path) { return IsEximLogName(path, "rejectlog"); }
bool IsEximMainLogName(std::string_view path) { return IsEximLogName(path, "mainlog"); }

std::vector<std::string> EximRejectLogsBesideMainLog(const std::vector<std::string>& paths) {
  auto directory = [](std::string_view path) {
    const size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
  };
  std::vector<std::string> out;
  for (const std::string& reject : paths) {
    if (!IsEximRejectLogName(reject)) continue;
    for (const std::string& main : paths) {
      if (IsEximMainLogName(main) && directory(main) == directory(reject)) {
        out.push_back(reject);
        break;
      }
    }
  }
  return out;
}

bool LooksLikeEximRejectLogHeaders(std::string_view line) {
  constexpr std::string_view kFrom = "Envelope-from: <";
  return line.substr(0, kFrom.size()) == kFrom && line.back() == '>';
}

bool LooksLikeMonotonicTime(std::string_view line) {
  // "[%5llu.%06llu]", the seconds padded with spaces; short-delta adds
  // " <%5llu.%06llu >" (journalctl 252 writes a space before the '>').
  std::string_view s = line;
  if (!Take(&s, "[")) return false;
  while (!s.empty() && s[0] == ' ') s.remove_prefix(1);
  auto seconds = [&s] {
    size_t digits = 0;
    while (digits < s.size() && IsDigit(s[digits])) ++digits;
    if (digits == 0) return false;
    s.remove_prefix(digits);
    return Take(&s, ".dddddd");
  };
  if (!seconds()) return false;
  if (Take(&s, " <")) {
    while (!s.empty() && s[0] == ' ') s.remove_prefix(1);
    if (!seconds()) return false;
    while (!s.empty() && s[0] == ' ') s.remove_prefix(1);  // journalctl 252: " >"
    if (!Take(&s, ">")) return false;
  }
  return Take(&s, "] ");
}

bool LooksLikeJournalctlCat(std::string_view line) {
  const size_t colon = line.find(": ");
  if (colon != std::string_view::npos &&
      (IsQueueId(line.substr(0, colon)) || line.substr(0, colon) == "NOQUEUE")) {
    return true;
  }
  for (std::string_view prefix :
       {"connect from ", "disconnect from ", "lost connection after ", "timeout after ",
        "warning: ", "statistics: ", "Anonymous TLS connection established ",
        "Trusted TLS connection established ", "Verified TLS connection established ",
        "Untrusted TLS connection established ", "CONNECT from ", "PASS NEW ", "PASS OLD "}) {
    if (line.substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

}  // namespace mailgauge::parsers
