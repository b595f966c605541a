#include "parsers/exim/exim_log.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/ascii.h"
#include "parsers/foreign_log.h"

namespace mailgauge::parsers {
namespace {

bool IsDigit(char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); }

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// A value from the Exim line put into a Postfix line, with the bytes that
// would end its field there (a space in a host name, '>' in an address,
// any control byte) written as '_': a client chooses its HELO name and
// addresses.
struct Clean {
  std::string_view text;
  std::string_view forbidden;
};
constexpr std::string_view kNotInHost = " []<>,;()";
constexpr std::string_view kNotInAddr = " []";
constexpr std::string_view kNotInHelo = " <>;";
constexpr std::string_view kNotInAddress = "<>";
constexpr std::string_view kNotInToken = " ,;";

void AppendPart(std::string* out, std::string_view s) { out->append(s.data(), s.size()); }
void AppendPart(std::string* out, int64_t n) { *out += std::to_string(n); }
void AppendPart(std::string* out, Clean c) {
  for (char ch : c.text) {
    const bool control = static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f;
    out->push_back(control || c.forbidden.find(ch) != std::string_view::npos ? '_' : ch);
  }
}

// absl::StrAppend and StrCat for std::string_view (which Debian's Abseil
// does not take) and integers.
template <typename... Parts>
void Add(std::string* out, const Parts&... parts) {
  (AppendPart(out, parts), ...);
}
template <typename... Parts>
std::string Cat(const Parts&... parts) {
  std::string out;
  Add(&out, parts...);
  return out;
}

std::string_view SkipSpaces(std::string_view s) {
  while (!s.empty() && s[0] == ' ') s.remove_prefix(1);
  return s;
}

// The system failing, whether or not a message was being handled: a full
// disk, an unreadable hints database or log, a port that cannot be bound,
// a configuration Exim 4.94+ refuses (tainted file names).
bool IsSystemFailure(std::string_view text) {
  for (std::string_view failure :
       {"spool file write error", "failed to write journal", "failed to open DB file",
        "Failed to open", "failed to open", "Tainted filename", "Tainted '", "socket bind() ",
        "Cannot open main log file", "Cannot open reject log file",
        "Failed to create spool file", "IPv6 socket creation failed"}) {
    if (StartsWith(text, failure)) return true;
  }
  return false;
}

// A failure Exim does not survive: the daemon gives up ("socket bind() to
// port 25 ... failed: Address already in use: daemon abandoned"), or a
// process ends ("exim: could not open panic log - aborting: see message(s)
// above", which goes to syslog and stderr when no log file can be opened).
bool IsSystemFatal(std::string_view text) {
  return EndsWith(text, "daemon abandoned") ||
         StartsWith(text, "exim: could not open panic log");
}

// Exim's time spans (QT=, DT=): "1w2d3h4m5s", "0.123s" with +millisec.
bool ReadSpan(std::string_view s, double* seconds) {
  double total = 0;
  bool any = false;
  while (!s.empty()) {
    size_t i = 0;
    double v = 0;
    while (i < s.size() && IsDigit(s[i])) v = v * 10 + (s[i++] - '0');
    if (i == 0) return false;
    if (i < s.size() && s[i] == '.') {
      double scale = 0.1;
      for (++i; i < s.size() && IsDigit(s[i]); ++i, scale /= 10) v += (s[i] - '0') * scale;
    }
    if (i >= s.size()) return false;
    switch (s[i]) {
      case 'w':
        total += v * 604800;
        break;
      case 'd':
        total += v * 86400;
        break;
      case 'h':
        total += v * 3600;
        break;
      case 'm':
        total += v * 60;
        break;
      case 's':
        total += v;
        break;
      default:
        return false;
    }
    any = true;
    s.remove_prefix(i + 1);
  }
  if (!any) return false;
  *seconds = total;
  return true;
}

// H= (and the host part of connection lines): "name (helo) [addr]:port",
// each part optional but the address.
struct Host {
  bool present = false;
  std::string_view name, helo, addr, port;
};

// Reads a host at the start of *s; on success *s is what follows it.
bool ReadHost(std::string_view* s, Host* h) {
  std::string_view r = *s;
  *h = Host();
  if (!r.empty() && r[0] != '[' && r[0] != '(') {
    size_t end = 0;
    while (end < r.size() && r[end] != ' ' && r[end] != '[') ++end;
    h->name = r.substr(0, end);
    r.remove_prefix(end);
    if (StartsWith(r, " (") || StartsWith(r, " [")) r.remove_prefix(1);
  }
  if (!r.empty() && r[0] == '(') {
    // The HELO name may hold anything the client sent, parentheses too:
    // it ends at the ") [" before the address.
    const size_t close = r.find(") [");
    if (close == std::string_view::npos) return false;
    h->helo = r.substr(1, close - 1);
    r.remove_prefix(close + 2);
  }
  if (r.empty() || r[0] != '[') return false;
  const size_t close = r.find(']');
  if (close == std::string_view::npos) return false;
  h->addr = r.substr(1, close - 1);
  r.remove_prefix(close + 1);
  if (r.size() >= 2 && r[0] == ':' && IsDigit(r[1])) {
    size_t end = 1;
    while (end < r.size() && IsDigit(r[end])) ++end;
    h->port = r.substr(1, end - 1);
    r.remove_prefix(end);
  }
  // A DNSSEC mark ("[addr]*") or the like: up to the next space or ": ".
  while (!r.empty() && r[0] != ' ' && !(r[0] == ':' && (r.size() == 1 || r[1] == ' '))) {
    r.remove_prefix(1);
  }
  if (h->addr.empty()) return false;
  h->present = true;
  *s = r;
  return true;
}

// The tagged fields of an Exim line ("H=... P=esmtp S=123 ..."), then, after
// ": ", the text of an error.
struct Fields {
  Host host;                    // H=
  std::string_view size;        // S=
  std::string_view user;        // U=
  std::string_view auth;        // A=
  std::string_view tls;         // X=
  std::string_view cv;          // CV=
  std::string_view message_id;  // id=
  std::string_view router;      // R= (deliveries), the parent (bounce arrivals)
  std::string_view transport;   // T= (deliveries; arrivals: the subject)
  std::string_view confirm;     // C=, unquoted
  std::string_view queue_time;  // QT=
  std::string_view sender;      // F=
  std::string_view reason;      // after ": "
  bool has_reason = false;
  int for_count = -1;  // "for a b c" (+received_recipients)
  // The words left where a field was expected, up to the reason: a
  // reject's "rejected RCPT <x>", a connection's "closed by QUIT".
  std::string_view words;
};

std::string_view Unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return v.substr(1, v.size() - 2);
  return v;
}

// Reads fields from `s` until its end or an error's ": ".
void ReadFields(std::string_view s, Fields* f) {
  const char* words_begin = nullptr;
  const char* words_end = nullptr;
  while (true) {
    s = SkipSpaces(s);
    if (s.empty()) break;
    if (s[0] == ':' && (s.size() == 1 || s[1] == ' ')) {
      f->has_reason = true;
      f->reason = SkipSpaces(s.substr(1));
      break;
    }
    size_t tag_end = 0;
    while (tag_end < s.size() &&
           (absl::ascii_isalnum(static_cast<unsigned char>(s[tag_end])) || s[tag_end] == '_')) {
      ++tag_end;
    }
    const bool field = tag_end > 0 && tag_end < s.size() && s[tag_end] == '=';
    if (!field) {
      std::string_view word = s.substr(0, std::min(s.find(' '), s.size()));
      if (word == "for" && words_begin == nullptr) {
        // The arrival's recipients: the rest of the line.
        int n = 0;
        std::string_view rest = s.substr(3);
        while (!(rest = SkipSpaces(rest)).empty()) {
          ++n;
          rest.remove_prefix(std::min(rest.find(' '), rest.size()));
        }
        f->for_count = n;
        break;
      }
      if (word == "defer" && StartsWith(s, "defer (")) {  // "defer (errno)"
        const size_t close = s.find(')');
        if (close != std::string_view::npos) {
          s.remove_prefix(close + 1);
          continue;
        }
      }
      // A word that is not a field: kept, up to an error's ": ".
      // A word ends at a space, except inside <...> ("RCPT <a b@c>").
      size_t end = 0;
      while (end < s.size() && s[end] != ' ') {
        if (s[end] == '<') {
          const size_t close = s.find('>', end);
          if (close != std::string_view::npos) end = close;
        }
        ++end;
      }
      if (end > 0 && s[end - 1] == ':' && end >= 2) {
        if (words_begin == nullptr) words_begin = s.data();
        words_end = s.data() + end - 1;
        s.remove_prefix(end - 1);
        continue;
      }
      if (words_begin == nullptr) words_begin = s.data();
      words_end = s.data() + end;
      s.remove_prefix(end);
      continue;
    }
    const std::string_view tag = s.substr(0, tag_end);
    s.remove_prefix(tag_end + 1);
    std::string_view value;
    if (tag == "H") {
      Host h;
      std::string_view r = s;
      if (ReadHost(&r, &h)) {
        f->host = h;
        s = r;
        continue;
      }
    }
    if (!s.empty() && s[0] == '"') {
      size_t i = 1;
      while (i < s.size() && s[i] != '"') i += s[i] == '\\' ? 2 : 1;
      i = std::min(i + 1, s.size());
      value = Unquote(s.substr(0, i));
      s.remove_prefix(i);
    } else if (!s.empty() && s[0] == '<') {
      const size_t close = s.find('>');
      const size_t end = close == std::string_view::npos ? s.size() : close + 1;
      value = s.substr(1, end - 1 - (close == std::string_view::npos ? 0 : 1));
      s.remove_prefix(end);
    } else {
      size_t end = std::min(s.find(' '), s.size());
      value = s.substr(0, end);
      s.remove_prefix(end);
      if (!value.empty() && value.back() == ':') {
        // "T=remote_smtp: error text"
        value.remove_suffix(1);
        f->has_reason = true;
        f->reason = SkipSpaces(s);
        s = {};
      }
    }
    if (tag == "S")
      f->size = value;
    else if (tag == "U")
      f->user = value;
    else if (tag == "A")
      f->auth = value;
    else if (tag == "X")
      f->tls = value;
    else if (tag == "CV")
      f->cv = value;
    else if (tag == "id")
      f->message_id = value;
    else if (tag == "R")
      f->router = value;
    else if (tag == "T")
      f->transport = value;
    else if (tag == "C")
      f->confirm = value;
    else if (tag == "QT")
      f->queue_time = value;
    else if (tag == "F")
      f->sender = value;
    if (f->has_reason) break;
  }
  if (words_begin != nullptr) {
    f->words = std::string_view(words_begin, static_cast<size_t>(words_end - words_begin));
  }
}

// "name[addr]" (Postfix's client and relay form), "unknown" without a name.
void AppendHost(const Host& h, std::string* out) {
  Add(out, Clean{h.name.empty() ? "unknown" : h.name, kNotInHost}, "[", Clean{h.addr, kNotInAddr},
      "]");
}

void AppendHostPort(const Host& h, std::string* out) {
  AppendHost(h, out);
  if (!h.port.empty()) Add(out, ":", h.port);
}

// X=TLS1.3:TLS_AES_256_GCM_SHA384:256 -> "TLSv1.3 with cipher
// TLS_AES_256_GCM_SHA384 (256/256 bits)" (Postfix's words).
bool AppendTls(std::string_view x, std::string* out) {
  const size_t first = x.find(':');
  const size_t last = x.rfind(':');
  if (first == std::string_view::npos || last == first) return false;
  std::string_view proto = x.substr(0, first);
  const std::string_view cipher = x.substr(first + 1, last - first - 1);
  const std::string_view bits = x.substr(last + 1);
  if (proto.empty() || cipher.empty() || bits.empty() || bits.size() > 5 ||
      !std::all_of(bits.begin(), bits.end(), IsDigit) ||
      !std::all_of(x.begin(), x.end(), [](char c) {
        return static_cast<unsigned char>(c) > 0x20 && c != 0x7f && c != '(' && c != ')';
      })) {
    return false;
  }
  if (StartsWith(proto, "TLS1")) {
    Add(out, "TLSv", proto.substr(3));
  } else {
    Add(out, proto);
  }
  Add(out, " with cipher ", cipher, " (", bits, "/", bits, " bits)");
  return true;
}

// An enhanced status code ("5.1.1") right after a reply code in `text`, or
// at its start.
std::string_view EnhancedCode(std::string_view text) {
  for (size_t i = 0; i + 5 <= text.size(); ++i) {
    const bool start = i == 0 || text[i - 1] == ' ';
    if (!start || (text[i] != '2' && text[i] != '4' && text[i] != '5') || text[i + 1] != '.') {
      continue;
    }
    size_t j = i + 2;
    size_t d1 = 0;
    while (j < text.size() && IsDigit(text[j]) && d1 < 3) ++j, ++d1;
    if (d1 == 0 || j >= text.size() || text[j] != '.') continue;
    ++j;
    size_t d2 = 0;
    while (j < text.size() && IsDigit(text[j]) && d2 < 3) ++j, ++d2;
    if (d2 == 0 || (j < text.size() && text[j] != ' ')) continue;
    return text.substr(i, j - i);
  }
  return {};
}

// Exims before 4.8x named the remote host in a delivery's error text, not
// as H=: "SMTP error from remote mail server after end of data: host
// mx.example.net [192.0.2.7]: 554 5.7.1 ...". Takes it into f->host and
// leaves the text as later Exims write it (in *buffer).
void TakeHostFromSmtpError(Fields* f, std::string* buffer) {
  if (f->host.present || !StartsWith(f->reason, "SMTP error from remote mail")) return;
  const size_t at = f->reason.find(": host ");
  if (at == std::string_view::npos) return;
  std::string_view r = f->reason.substr(at + 7);
  Host h;
  if (!ReadHost(&r, &h) || h.name.empty() || !StartsWith(r, ": ")) return;
  *buffer = Cat(f->reason.substr(0, at), r);
  f->reason = *buffer;
  f->host = h;
}

// Exim's "SMTP error from remote mail server after RCPT TO:<x>: 550 5.1.1
// text" as Postfix says it: "host mx[addr] said: 550 5.1.1 text (in reply
// to RCPT TO command)". Other texts are kept.
std::string RemoteReply(std::string_view reason, const Host& host) {
  constexpr std::string_view kSmtpError = "SMTP error from remote mail";
  if (!host.present || !StartsWith(reason, kSmtpError)) return std::string(reason);
  const size_t after = reason.find(" after ");
  if (after == std::string_view::npos) return std::string(reason);
  std::string_view rest = reason.substr(after + 7);
  // The command: up to ": " followed by the reply code (the command may
  // hold ": " itself, e.g. "MAIL FROM:<a> SIZE=1").
  size_t sep = std::string_view::npos;
  for (size_t p = rest.find(": "); p != std::string_view::npos; p = rest.find(": ", p + 1)) {
    if (p + 5 <= rest.size() && IsDigit(rest[p + 2]) && IsDigit(rest[p + 3]) &&
        IsDigit(rest[p + 4])) {
      sep = p;
      break;
    }
  }
  if (sep == std::string_view::npos) return std::string(reason);
  std::string_view command = rest.substr(0, sep);
  const std::string_view reply = rest.substr(sep + 2);
  std::string said;
  if (StartsWith(command, "RCPT TO") || StartsWith(command, "pipelined RCPT TO")) {
    said = "RCPT TO";
  } else if (StartsWith(command, "MAIL FROM") || StartsWith(command, "pipelined MAIL FROM")) {
    said = "MAIL FROM";
  } else if (command == "end of data" || StartsWith(command, "pipelined end of data")) {
    said = "end of DATA";
  } else if (command == "DATA" || command == "pipelined DATA") {
    said = "DATA";
  } else {
    const size_t space = command.find(' ');
    said = std::string(command.substr(0, space));
  }
  std::string out = "host ";
  AppendHost(host, &out);
  Add(&out, " said: ", reply, " (in reply to ", said, " command)");
  return out;
}

std::string FormatSeconds(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", std::max(0.0, seconds));
  std::string s = buf;
  while (s.size() > 1 && s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

bool ReadEximMainLogLine(std::string_view line, const absl::TimeZone& zone, LogLine* out) {
  EximLogTime t;
  const size_t n = ReadEximLogTime(line, &t);
  if (n == 0) return false;
  *out = LogLine();
  int32_t offset = t.offset_seconds;
  if (!t.has_offset) {
    const absl::Time when = absl::FromCivil(
        absl::CivilSecond(t.year, t.month, t.day, t.hour, t.minute, t.second), zone);
    offset = zone.At(when).offset;
  }
  out->time = Timestamp::FromCivil(t.year, t.month, t.day, t.hour, t.minute, t.second,
                                   t.millis * 1000, offset);
  out->pid = t.pid;
  out->program = "exim";
  out->syslog_name = "exim";
  out->instance = "exim";
  out->daemon = "exim";
  out->message = line.substr(n);
  return true;
}

std::string_view StripEximTime(std::string_view message) {
  EximLogTime t;
  const size_t n = ReadEximLogTime(message, &t);
  if (n > 0) return message.substr(n);
  // Without its time, a syslog line may still carry +pid's "[1234] ".
  int64_t pid;
  const size_t p = ReadEximPid(message, &pid);
  if (p > 0 && p < message.size() && message[p] == ' ') return message.substr(p + 1);
  return message;
}

void EximTranslation::Clear() {
  lines.clear();
  id = other_id = uid = helo = list_name = {};
  nrcpt_known = size_known = delay_known = false;
}

void RestoreEximFields(const EximTranslation& t, Event* e) {
  auto restore = [&t](std::string_view* field) {
    if (*field == kEximIdStandIn) {
      *field = t.id;
    } else if (*field == kEximOtherIdStandIn) {
      *field = t.other_id;
    }
  };
  restore(&e->queue_id);
  restore(&e->new_queue_id);
  if (e->kind == EventKind::kPickup) e->uid = t.uid;
  if (e->kind == EventKind::kSmtpdClient) e->helo = t.helo;
  if (e->kind == EventKind::kReject && !t.list_name.empty()) e->list_name = t.list_name;
  if (e->kind == EventKind::kQueued && !t.nrcpt_known) e->nrcpt = -1;
  if (e->kind == EventKind::kQueued && !t.size_known) e->size = -1;
  if (e->kind == EventKind::kDelivery && !t.delay_known) e->delay = -1;
}

void EximTranslator::RememberArrival(std::string_view id, const Timestamp& time) {
  if (arrivals_.size() >= kMaxArrivals) arrivals_.clear();
  arrivals_.insert_or_assign(std::string(id), time.unix_micros);
}

bool EximTranslator::Translate(std::string_view message, const Timestamp& time,
                               EximTranslation* out) {
  out->Clear();
  const size_t id_len = EximMessageIdLength(message);
  if (id_len > 0) {
    out->id = message.substr(0, id_len);
    return TranslateMessageLine(out->id, SkipSpaces(message.substr(id_len)), time, out);
  }
  return TranslateOther(message, out);
}

namespace {

EximTranslation::Line& NewLine(EximTranslation* out, Daemon d) {
  EximTranslation::Line& l = out->lines.emplace_back();
  l.daemon = d;
  return l;
}

// receive.c: "rejected from <sender> H=...: message too big: read=N max=M"
// (or another reason), a message refused after its data: smtpd's reject at
// END-OF-MESSAGE, of the message `id` when it has one.
bool TranslateTooBig(std::string_view id, std::string_view text, EximTranslation* out) {
  const size_t close = text.find('>');
  if (close == std::string_view::npos) return false;
  Fields f;
  ReadFields(text.substr(close + 1), &f);
  if (!f.host.present) return true;  // a local submission: no client to name
  std::string& m = NewLine(out, Daemon::kSmtpd).message;
  Add(&m, id.empty() ? std::string_view("NOQUEUE") : kEximIdStandIn,
      ": reject: END-OF-MESSAGE from ");
  AppendHostPort(f.host, &m);
  Add(&m, ": ", StartsWith(f.reason, "message too big") ? "552 5.3.4 " : "550 ", f.reason,
      "; from=<", Clean{text.substr(15, close - 15), kNotInAddress}, "> proto=ESMTP");
  if (!f.host.helo.empty()) Add(&m, " helo=<", Clean{f.host.helo, kNotInHelo}, ">");
  return true;
}

// A reject ("rejected RCPT <x>", "temporarily rejected MAIL <s>", ...) as
// smtpd's "reject: STAGE from client: CODE <addr>: text; from=<> to=<>
// helo=<>". False when `f.words` is not a reject.
bool TranslateReject(std::string_view id, const Fields& f, EximTranslation* out) {
  std::string_view w = f.words;
  bool temporary = false;
  if (StartsWith(w, "temporarily ")) {
    temporary = true;
    w.remove_prefix(12);
  }
  if (!StartsWith(w, "rejected")) return false;
  w = SkipSpaces(w.substr(8));
  std::string_view stage;
  std::string_view address;  // the rejected command's argument
  std::string_view to;
  if (StartsWith(w, "RCPT")) {
    stage = "RCPT";
    address = SkipSpaces(w.substr(4));
    to = address;
  } else if (StartsWith(w, "MAIL")) {
    stage = "MAIL";
    address = SkipSpaces(w.substr(4));
  } else if (StartsWith(w, "EHLO or HELO")) {
    stage = "EHLO";
    address = SkipSpaces(w.substr(12));
  } else if (StartsWith(w, "after DATA") || StartsWith(w, "by local_scan()") || w.empty()) {
    stage = "END-OF-MESSAGE";
  } else if (StartsWith(w, "DATA")) {
    stage = "DATA";
  } else if (StartsWith(w, "connection")) {
    stage = "CONNECT";
  } else if (StartsWith(w, "VRFY") || StartsWith(w, "EXPN")) {
    stage = "VRFY";  // Postfix has no EXPN; its stage is VRFY's kind
    address = SkipSpaces(w.substr(4));
  } else if (StartsWith(w, "ETRN")) {
    stage = "ETRN";
    address = SkipSpaces(w.substr(4));
  } else if (StartsWith(w, "AUTH")) {
    stage = "AUTH";
  } else if (w == "by non-SMTP ACL" && !id.empty() && !f.host.present) {
    // A local submission (exim -t, sendmail) refused: what cleanup logs of
    // a message from local that its checks reject.
    std::string& m = NewLine(out, Daemon::kCleanup).message;
    Add(&m, kEximIdStandIn, ": reject: body non-SMTP ACL from local; from=<",
        Clean{f.sender, kNotInAddress}, ">");
    if (f.has_reason && !f.reason.empty()) Add(&m, ": ", Clean{f.reason, {}});
    return true;
  } else {
    return false;
  }
  if (!address.empty() && address.front() == '<' && address.back() == '>') {
    address = address.substr(1, address.size() - 2);
    if (stage == "RCPT") to = address;
  }
  if (!f.host.present) return false;
  // A DNS list's reject names the list: Exim's example configuration says
  // "rejected because ADDR is in a black list at LIST", Debian's "ADDR is
  // listed at LIST".
  for (std::string_view marker : {" is in a black list at ", " is listed at "}) {
    const size_t at = f.reason.find(marker);
    if (at == std::string_view::npos) continue;
    std::string_view list = f.reason.substr(at + marker.size());
    list = list.substr(0, std::min(list.find_first_of(" ;,\\\n"), list.size()));
    while (!list.empty() && (list.back() == '.' || list.back() == ':')) list.remove_suffix(1);
    out->list_name = list;
    break;
  }
  std::string& m = NewLine(out, Daemon::kSmtpd).message;
  Add(&m, id.empty() ? "NOQUEUE" : kEximIdStandIn, ": reject: ", stage, " from ");
  AppendHostPort(f.host, &m);
  Add(&m, ": ", temporary ? "450" : "550", " ");
  if (!address.empty()) Add(&m, "<", Clean{address, kNotInAddress}, ">: ");
  // An ACL "deny" without a message: what Exim answered.
  Add(&m, f.reason.empty() ? std::string_view("Administrative prohibition") : f.reason);
  const std::string_view sender = stage == "MAIL" ? address : f.sender;
  if (stage != "CONNECT" && stage != "EHLO") Add(&m, "; from=<", Clean{sender, kNotInAddress}, ">");
  if (!to.empty()) Add(&m, " to=<", Clean{to, kNotInAddress}, ">");
  const std::string_view helo = f.host.helo.empty() ? f.host.name : f.host.helo;
  if (stage == "CONNECT") {
    Add(&m, "; proto=SMTP");
  } else {
    Add(&m, stage == "EHLO" ? "; " : " ", "proto=ESMTP");
    if (!helo.empty()) Add(&m, " helo=<", Clean{helo, kNotInHelo}, ">");
  }
  if (!id.empty()) out->id = id;
  return true;
}

}  // namespace

bool EximTranslator::TranslateMessageLine(std::string_view id, std::string_view rest,
                                          const Timestamp& time, EximTranslation* out) {
  const std::string_view op = rest.substr(0, 2);
  if (op == "<=" || op == "(=") {
    // Arrival: "<= sender fields"; "(=" when control = fakereject told the
    // client it was refused (the message was kept all the same).
    rest = SkipSpaces(rest.substr(2));
    const size_t end = std::min(rest.find(' '), rest.size());
    std::string_view sender = rest.substr(0, end);
    Fields f;
    ReadFields(rest.substr(end), &f);
    if (sender == "<>") sender = {};
    RememberArrival(id, time);
    const bool bounce = sender.empty() && !f.router.empty() && EximMessageIdLength(f.router) > 0;
    // A bounce Exim made (R=parent) came from no client.
    if (f.host.present && !bounce) {
      if (!f.tls.empty()) {
        std::string m = "Anonymous TLS connection established from ";
        AppendHost(f.host, &m);
        m += ": ";
        if (AppendTls(f.tls, &m)) NewLine(out, Daemon::kSmtpd).message = std::move(m);
      }
      out->helo = f.host.helo.empty() ? f.host.name : f.host.helo;
      std::string& m = NewLine(out, Daemon::kSmtpd).message;
      Add(&m, kEximIdStandIn, ": client=");
      AppendHostPort(f.host, &m);
      if (!f.auth.empty()) {
        // A=authenticator:user (the user from server_set_id, when set).
        const size_t colon = f.auth.find(':');
        Add(&m, ", sasl_method=", Clean{f.auth.substr(0, colon), kNotInToken});
        if (colon != std::string_view::npos) {
          Add(&m, ", sasl_username=", f.auth.substr(colon + 1));
        }
      }
    } else if (!bounce) {
      out->uid = f.user;
      Add(&NewLine(out, Daemon::kPickup).message, kEximIdStandIn, ": uid=0 from=<",
          Clean{sender, kNotInAddress}, ">");
    }
    if (!f.message_id.empty()) {
      Add(&NewLine(out, Daemon::kCleanup).message, kEximIdStandIn, ": message-id=<", f.message_id,
          ">");
    }
    if (bounce) {
      out->other_id = f.router;
      Add(&NewLine(out, Daemon::kBounce).message, kEximOtherIdStandIn,
          ": sender non-delivery notification: ", kEximIdStandIn);
    }
    int64_t size = 0;
    for (char c : f.size) {
      if (!IsDigit(c) || size > (int64_t{1} << 50)) {
        size = -1;
        break;
      }
      size = size * 10 + (c - '0');
    }
    if (size < 0) return false;
    out->size_known = !f.size.empty();  // Exim always logs S=; a cut line may not have it
    out->nrcpt_known = f.for_count > 0;
    Add(&NewLine(out, Daemon::kQmgr).message, kEximIdStandIn, ": from=<",
        Clean{sender, kNotInAddress}, ">, size=", size, ", nrcpt=", std::max(f.for_count, 1),
        " (queue active)");
    return true;
  }
  if (op == "=>" || op == "->" || op == ">>" || op == "*>" || op == "==" || op == "**") {
    rest = SkipSpaces(rest.substr(2));
    // The address: a pipe's command may hold spaces (up to " <original>").
    size_t end;
    if (!rest.empty() && rest[0] == '|') {
      end = std::min(rest.find(" <"), rest.size());
    } else {
      end = std::min(rest.find(' '), rest.size());
    }
    std::string_view address = rest.substr(0, end);
    rest.remove_prefix(end);
    // A redirect to ":blackhole:" (or ":fail:", ":defer:") names no address.
    const bool special = address.size() > 2 && address.front() == ':' && address.back() == ':';
    Fields f;
    bool colon_after_address = false;
    if (!special && !address.empty() && address.back() == ':') {
      // "** nobody@example.org: Unrouteable address"
      address.remove_suffix(1);
      colon_after_address = true;
    }
    std::string_view original;
    if (!colon_after_address) {
      std::string_view r = SkipSpaces(rest);
      if (StartsWith(r, "(")) {  // "(parent)": the address it was made from
        const size_t close = r.find(") ");
        const size_t close_end = r.find(')');
        r = close != std::string_view::npos       ? r.substr(close + 2)
            : close_end != std::string_view::npos ? r.substr(close_end + 1)
                                                  : r;
        r = SkipSpaces(r);
      }
      if (StartsWith(r, "<")) {
        const size_t close = r.find('>');
        if (close != std::string_view::npos) {
          original = r.substr(1, close - 1);
          r.remove_prefix(close + 1);
        }
      }
      rest = r;
      ReadFields(rest, &f);
    } else {
      f.has_reason = true;
      f.reason = SkipSpaces(rest);
    }
    if (address.empty()) return false;
    std::string reason_without_host;
    TakeHostFromSmtpError(&f, &reason_without_host);
    std::string to;
    std::string_view orig_to;
    std::string_view local_target;  // a file or pipe delivery's target
    if (address.front() == '/' || address.front() == '|' || special) {
      local_target = address;
      to = std::string(original.empty() ? address : original);
    } else if (address.find('@') == std::string_view::npos && !original.empty() &&
               original.find('@') != std::string_view::npos) {
      // "=> bob <postmaster@example.org>": the local part, delivered in the
      // original's domain.
      to = Cat(address, original.substr(original.rfind('@')));
      if (original != to) orig_to = original;
    } else {
      to = std::string(address);
      if (!original.empty() && original != address) orig_to = original;
    }

    const bool sent = op == "=>" || op == "->" || op == ">>";
    const bool deferred = op == "==";
    const std::string_view transport = f.transport;
    Daemon daemon;
    std::string relay;
    if (op == "*>" || special) {
      daemon = Daemon::kDiscard;
      relay = "none";
    } else if (transport.find("lmtp") != std::string_view::npos) {
      daemon = Daemon::kLmtp;
      if (f.host.present) {
        AppendHostPort(f.host, &relay);
      } else {
        relay = std::string(transport);
      }
    } else if (f.host.present || transport.find("smtp") != std::string_view::npos) {
      daemon = Daemon::kSmtp;
      if (f.host.present) {
        AppendHostPort(f.host, &relay);
      } else {
        relay = "none";  // no host was reached
      }
    } else if (address.front() == '|' || transport.find("pipe") != std::string_view::npos) {
      daemon = Daemon::kPipe;
      relay = transport.empty() ? "pipe" : std::string(transport);
    } else if (transport.empty()) {
      // Routing ended it (no transport ran): "Unrouteable address".
      daemon = sent ? Daemon::kLocal : Daemon::kError;
      relay = sent ? "local" : "none";
    } else {
      daemon = Daemon::kLocal;
      relay = "local";
    }
    for (char& c : relay) {
      const bool control = static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
      if (control || c == ',' || c == ' ' || c == '<' || c == '>' || c == '"') c = '_';
    }

    std::string reply;
    if (special && sent) {
      reply = Cat("redirected to ", address);
    } else if (sent) {
      if (!f.confirm.empty()) {
        reply = std::string(f.confirm);
      } else if (daemon == Daemon::kPipe) {
        reply = Cat("delivered via ", relay, " service");
      } else if (!local_target.empty()) {
        reply = Cat(local_target.front() == '|' ? "delivered to command: " : "delivered to file: ",
                    local_target.front() == '|' ? local_target.substr(1) : local_target);
      } else if (daemon == Daemon::kSmtp || daemon == Daemon::kLmtp) {
        reply = "250 OK";
      } else {
        reply = "delivered to mailbox";
      }
    } else if (op == "*>") {
      reply = "delivery suppressed";
    } else {
      reply = RemoteReply(f.reason, f.host);
      if (reply.empty()) reply = deferred ? "deferred" : "failed";
    }
    // A reply ends at the line's end: Postfix's text closes with ')'.
    std::string_view dsn = EnhancedCode(sent && !f.confirm.empty() ? f.confirm : f.reason);
    if (dsn.empty() || dsn[0] != (sent || op == "*>" ? '2' : deferred ? '4' : '5')) {
      dsn = sent || op == "*>" ? "2.0.0" : deferred ? "4.0.0" : "5.0.0";
    }

    double delay = 0;
    if (!f.queue_time.empty() && ReadSpan(f.queue_time, &delay)) {
      out->delay_known = true;
    } else if (auto it = arrivals_.find(absl::string_view(id.data(), id.size()));
               it != arrivals_.end()) {
      delay = static_cast<double>(time.unix_micros - it->second) / 1e6;
      out->delay_known = true;
    }

    // smtp(8) and lmtp(8) log the TLS session to the next hop; a delivery
    // read as another daemon's (":blackhole:", a file) made none.
    if (f.host.present && !f.tls.empty() && sent && op != ">>" &&
        (daemon == Daemon::kSmtp || daemon == Daemon::kLmtp)) {
      std::string m = Cat(f.cv == "yes" || f.cv == "dane" ? "Verified" : "Untrusted",
                          " TLS connection established to ");
      AppendHostPort(f.host, &m);
      m += ": ";
      if (AppendTls(f.tls, &m)) NewLine(out, daemon).message = std::move(m);
    }
    std::string& m = NewLine(out, daemon).message;
    Add(&m, kEximIdStandIn, ": to=<", Clean{to, kNotInAddress}, ">");
    if (!orig_to.empty()) Add(&m, ", orig_to=<", Clean{orig_to, kNotInAddress}, ">");
    Add(&m, ", relay=", relay, ", delay=", FormatSeconds(delay), ", dsn=", dsn, ", status=",
        sent || op == "*>" ? "sent"
        : deferred         ? "deferred"
                           : "bounced",
        " (", reply, ")");
    return true;
  }
  if (rest == "Completed" || StartsWith(rest, "Completed ")) {
    arrivals_.erase(std::string(id));
    Add(&NewLine(out, Daemon::kQmgr).message, kEximIdStandIn, ": removed");
    return true;
  }
  // Frozen by Exim, by an administrator, or as a failure's consequence
  // ("Process failed (1) when writing error message to root@host (frozen)").
  if (StartsWith(rest, "Frozen") || StartsWith(rest, "frozen by ") ||
      EndsWith(rest, " (frozen)")) {
    Add(&NewLine(out, Daemon::kPostsuper).message, kEximIdStandIn, ": placed on hold");
    return true;
  }
  if (StartsWith(rest, "Unfrozen") || StartsWith(rest, "unfrozen by ")) {
    Add(&NewLine(out, Daemon::kPostsuper).message, kEximIdStandIn, ": released from hold");
    return true;
  }
  if (StartsWith(rest, "cancelled by ")) {
    // exim -Mg: the addresses not yet delivered fail, their sender gets a
    // bounce; Postfix's counterpart is postsuper -e ("force-expired").
    Add(&NewLine(out, Daemon::kQmgr).message, kEximIdStandIn,
        ": from=<>, status=force-expired, returned to sender");
    return true;
  }
  if (StartsWith(rest, "removed by ") || rest == "Message removed") {
    arrivals_.erase(std::string(id));
    Add(&NewLine(out, Daemon::kPostsuper).message, kEximIdStandIn, ": removed");
    return true;
  }
  if (StartsWith(rest, "SMTP connection ") || StartsWith(rest, "SMTP data timeout") ||
      StartsWith(rest, "TLS error on ") ||
      rest.find(" authenticator failed H=") != std::string_view::npos) {
    // Said of a connection, under the message it was receiving (the client
    // went silent; "closed by DROP in ACL").
    return TranslateOther(rest, out);
  }
  if (StartsWith(rest, "H=") || StartsWith(rest, "F=") || StartsWith(rest, "U=")) {
    // "H=... F=<s> rejected after DATA: ...", "F=s H=... P=esmtp rejected by
    // local_scan(): ..." (older Exims write F= without <>).
    Fields f;
    ReadFields(rest, &f);
    if (TranslateReject(id, f, out)) return true;
    // What a remote host did during a delivery, before its "==", "**" or
    // "=>" line ("H=mx [addr]: SMTP error from remote mail server ...",
    // "H=mx [addr] Connection refused", "H=mx [addr] TLS error ..."), and
    // ACL warnings.
    return f.host.present || StartsWith(f.words, "rejected") ||
           StartsWith(f.words, "temporarily rejected");
  }
  if (StartsWith(rest, "rejected from <")) return TranslateTooBig(id, rest, out);
  // The system failing while it handled the message: what Postfix's queue
  // manager would warn about.
  if (IsSystemFailure(rest)) {
    Add(&NewLine(out, Daemon::kQmgr).message, "warning: ", id, ": ", rest);
    return true;
  }
  // Said of the message, with no Postfix counterpart.
  for (std::string_view info : {"Message is frozen",
                                "Spool file",
                                "no immediate delivery",
                                "Warning: ",
                                "TLS session: ",
                                "malware acl condition",
                                "spam acl condition",
                                "moved from ",
                                "timed out while reading",
                                "DANE ",
                                "Unable to",
                                "Message ",
                                "Sender identification",
                                "retry time not reached",
                                "error ignored",
                                "PRDR ",
                                "DKIM: ",
                                "DKIM ",
                                "ARC: ",
                                "SPF ",
                                "SA: ",
                                "\"",
                                "Error while reading message",
                                "local_scan() function",
                                "original recipients ignored",
                                // Older Exims' reports of a remote host
                                // during a delivery, before its "==", "**"
                                // or "=>" line.
                                "SMTP error from remote mail server",
                                "SMTP timeout while connected to",
                                "Remote host ",
                                "Connection timed out",
                                "Connection refused"}) {
    if (StartsWith(rest, info)) return true;
  }
  // "ID addr: error ignored" (errors_to a sender that takes no bounce).
  if (EndsWith(rest, ": error ignored")) return true;
  // The remote host's own reply or failure, before the delivery's line:
  // "mx.example.net [192.0.2.7] Connection refused",
  // "H=... SMTP error from remote mail server ..." (kept above).
  {
    std::string_view r = rest;
    Host h;
    if (ReadHost(&r, &h)) return true;
  }
  return false;
}

bool EximTranslator::TranslateOther(std::string_view message, EximTranslation* out) {
  // "SMTP connection from ...", with Exim 4.97's connection ID
  // (+connection_id): "SMTP connection Ci=p1240 from ...".
  std::string_view connection;
  if (StartsWith(message, "SMTP connection Ci=")) {
    connection = message.substr(19);
    connection = SkipSpaces(connection.substr(std::min(connection.find(' '), connection.size())));
    connection = StartsWith(connection, "from ") ? connection : std::string_view();
  } else if (StartsWith(message, "SMTP connection from ")) {
    connection = message.substr(16);
  }
  if (!connection.empty()) {
    std::string_view r = connection.substr(5);
    Host h;
    // A local SMTP session (-bs) names its user: "SMTP connection from root".
    if (!ReadHost(&r, &h)) return true;
    // After the host its fields (" I=[addr]:port D=1s ..."), then what
    // happened.
    std::string_view what = SkipSpaces(r);
    while (what.size() > 2 && absl::ascii_isupper(static_cast<unsigned char>(what[0])) &&
           what.find('=') < what.find(' ')) {
      what = SkipSpaces(what.substr(std::min(what.find(' '), what.size())));
    }
    if (StartsWith(what, "(TCP/IP connection count")) {
      std::string& m = NewLine(out, Daemon::kSmtpd).message;
      m = "connect from ";
      AppendHostPort(h, &m);
      return true;
    }
    if (StartsWith(what, "closed by QUIT") || StartsWith(what, "closed")) {
      std::string& m = NewLine(out, Daemon::kSmtpd).message;
      m = "disconnect from ";
      AppendHostPort(h, &m);
      return true;
    }
    if (StartsWith(what, "lost")) {
      std::string& m = NewLine(out, Daemon::kSmtpd).message;
      Add(&m, "lost connection after ",
          what.find("message data") != std::string_view::npos ? "DATA" : "UNKNOWN", " from ");
      AppendHostPort(h, &m);
      return true;
    }
    return true;  // "refused: too many connections", "D=..." and the like
  }
  for (std::string_view lost :
       {"unexpected disconnection while reading SMTP command from ",
        "SMTP command timeout on connection from ", "SMTP command timeout on TLS connection from ",
        "SMTP data timeout (message abandoned) on connection from ", "SMTP call from "}) {
    if (!StartsWith(message, lost)) continue;
    std::string_view r = message.substr(lost.size());
    Host h;
    if (!ReadHost(&r, &h)) return false;
    std::string& m = NewLine(out, Daemon::kSmtpd).message;
    if (lost == "SMTP call from ") {
      if (r.find("dropped") == std::string_view::npos) {
        out->lines.pop_back();
        return true;
      }
      m = "too many errors after UNKNOWN from ";
    } else if (StartsWith(lost, "unexpected")) {
      m = "lost connection after UNKNOWN from ";
    } else {
      m = Cat("timeout after ", StartsWith(lost, "SMTP data") ? "DATA" : "UNKNOWN", " from ");
    }
    AppendHostPort(h, &m);
    return true;
  }
  if (StartsWith(message, "H=")) {
    Fields f;
    ReadFields(message, &f);
    if (TranslateReject({}, f, out)) return true;
    // "H=... sender verify fail for <x>: ...", "H=... Warning: ...", ...
    return !f.words.empty();
  }
  if (StartsWith(message, "rejected from <")) return TranslateTooBig({}, message, out);
  if (StartsWith(message, "rejected ")) {
    // smtp_in.c's own refusals, not an ACL's:
    //   "rejected MAIL from [addr]:port: no HELO/EHLO given"
    //   "rejected EHLO from [addr]: syntactically invalid argument(s): x"
    //   "rejected MAIL FROM:<s> H=(helo) [addr]: message too big: size=N max=M"
    std::string_view r = message.substr(9);
    const size_t space = std::min(r.find(' '), r.size());
    const std::string_view command = r.substr(0, space);
    r = SkipSpaces(r.substr(space));
    std::string_view sender;
    bool have_sender = false;
    if (StartsWith(command, "FROM:<") || StartsWith(r, "FROM:<")) {
      // "MAIL FROM:<s> H=..."
      const std::string_view from = StartsWith(r, "FROM:<") ? r : command;
      const size_t close = from.find('>');
      if (close == std::string_view::npos) return false;
      sender = from.substr(6, close - 6);
      have_sender = true;
      r = SkipSpaces(from.substr(close + 1));
    } else if (StartsWith(r, "from ")) {
      r = r.substr(5);
    } else {
      // "rejected MAIL command U=user: too many messages in one connection"
      return StartsWith(r, "command ");
    }
    Fields f;
    if (StartsWith(r, "H=") || StartsWith(r, "U=")) {
      ReadFields(r, &f);
    } else if (!ReadHost(&r, &f.host)) {
      // A local SMTP session (-bs) names its user: "from CALLER: ...".
      return r.find(": ") != std::string_view::npos;
    } else {
      ReadFields(r, &f);
    }
    if (!f.has_reason) return false;
    if (!f.host.present) return true;  // a local session's
    const bool too_big = StartsWith(f.reason, "message too big");
    const std::string_view stage = command == "EHLO" || command == "HELO"
                                       ? std::string_view("EHLO")
                                       : std::string_view("MAIL");
    std::string& m = NewLine(out, Daemon::kSmtpd).message;
    Add(&m, "NOQUEUE: reject: ", stage, " from ");
    AppendHostPort(f.host, &m);
    Add(&m, ": ", too_big ? "552 5.3.4 " : "550 ", f.reason);
    if (have_sender) Add(&m, "; from=<", Clean{sender, kNotInAddress}, ">");
    Add(&m, have_sender ? " " : "; ", "proto=ESMTP");
    if (!f.host.helo.empty()) Add(&m, " helo=<", Clean{f.host.helo, kNotInHelo}, ">");
    return true;
  }
  for (const auto& [prefix, stage] :
       {std::pair<std::string_view, std::string_view>{"unqualified sender rejected: <", "MAIL"},
        {"unqualified recipient rejected: <", "RCPT"},
        {"unqualified verify rejected: <", "VRFY"}}) {
    // "unqualified verify rejected: <bob> H=(helo) [addr] (reason)"
    if (!StartsWith(message, prefix)) continue;
    const size_t close = message.find('>', prefix.size());
    if (close == std::string_view::npos) return false;
    const std::string_view address = message.substr(prefix.size(), close - prefix.size());
    Fields f;
    ReadFields(message.substr(close + 1), &f);
    if (!f.host.present) return false;
    std::string& m = NewLine(out, Daemon::kSmtpd).message;
    Add(&m, "NOQUEUE: reject: ", stage, " from ");
    AppendHostPort(f.host, &m);
    const Clean clean{address, kNotInAddress};
    Add(&m, ": 501 <", clean, ">: unqualified address");
    if (stage == "MAIL") Add(&m, "; from=<", clean, ">");
    if (stage == "RCPT") Add(&m, "; from=<> to=<", clean, ">");
    Add(&m, stage == "VRFY" ? "; " : " ", "proto=ESMTP");
    if (!f.host.helo.empty()) Add(&m, " helo=<", Clean{f.host.helo, kNotInHelo}, ">");
    return true;
  }
  if (StartsWith(message, "too many recipients: ")) {
    // "too many recipients: excess temporarily rejected: sender=<s> H=..."
    const size_t at = message.find("sender=<");
    if (at == std::string_view::npos) return false;
    const size_t close = message.find('>', at);
    if (close == std::string_view::npos) return false;
    Fields f;
    ReadFields(message.substr(close + 1), &f);
    if (!f.host.present) return true;  // a local session's
    std::string& m = NewLine(out, Daemon::kSmtpd).message;
    m = "NOQUEUE: reject: RCPT from ";
    AppendHostPort(f.host, &m);
    Add(&m, ": 452 4.5.3 too many recipients; from=<",
        Clean{message.substr(at + 8, close - at - 8), kNotInAddress}, "> proto=ESMTP");
    if (!f.host.helo.empty()) Add(&m, " helo=<", Clean{f.host.helo, kNotInHelo}, ">");
    return true;
  }
  if (StartsWith(message, "SMTP connection lost after final dot")) {
    // The client went away after sending the message, before Exim's reply:
    // the message was taken all the same.
    Fields f;
    ReadFields(message.substr(36), &f);
    if (!f.host.present) return true;
    std::string& m = NewLine(out, Daemon::kSmtpd).message;
    m = "lost connection after END-OF-MESSAGE from ";
    AppendHostPort(f.host, &m);
    return true;
  }
  if (const size_t failed = message.find(" authenticator failed H=");
      failed != std::string_view::npos && failed > 0 &&
      message.substr(0, failed).find(' ') == std::string_view::npos) {
    // Exim as a client, failing to log in to a server ("plain authenticator
    // failed H=mx [addr] 535 ..."): said of the delivery, no Postfix line.
    return true;
  }
  if (const size_t failed = message.find(" authenticator failed for ");
      failed != std::string_view::npos && failed > 0 &&
      message.substr(0, failed).find(' ') == std::string_view::npos) {
    // "plain_server authenticator failed for (helo) [addr]: 535 Incorrect
    // authentication data (set_id=user)"
    std::string_view r = message.substr(failed + 26);
    Fields f;
    if (!ReadHost(&r, &f.host)) return StartsWith(r, "U=");  // a local session's
    ReadFields(r, &f);
    std::string& m = NewLine(out, Daemon::kSmtpd).message;
    m = "warning: ";
    AppendHostPort(f.host, &m);
    Add(&m, ": SASL ", message.substr(0, failed), " authentication failed: ",
        f.has_reason ? f.reason : std::string_view("authentication failure"));
    return true;
  }
  constexpr std::string_view kSync = "SMTP protocol synchronization error (";
  if (StartsWith(message, kSync)) {
    // "...(input sent without waiting for greeting): rejected connection
    // from H=[addr] input=..." or "...(next input sent too soon: pipelining
    // was not advertised): rejected "MAIL FROM:<s>" H=(helo) [addr] ...":
    // Exim answers 554 and drops the client.
    const size_t rejected = message.find("): rejected ");
    if (rejected == std::string_view::npos) return true;
    std::string_view r = message.substr(rejected + 12);
    std::string_view stage = "CONNECT";
    if (StartsWith(r, "\"")) {
      const size_t close = r.find('"', 1);
      if (close == std::string_view::npos) return true;
      const std::string_view command = r.substr(1, close - 1);
      stage = StartsWith(command, "MAIL")                                  ? "MAIL"
              : StartsWith(command, "RCPT")                                ? "RCPT"
              : StartsWith(command, "DATA")                                ? "DATA"
              : StartsWith(command, "EHLO") || StartsWith(command, "HELO") ? "EHLO"
                                                                           : "CONNECT";
      r = r.substr(close + 1);
    } else if (StartsWith(r, "connection from ")) {
      r = r.substr(16);
    }
    Fields f;
    ReadFields(r, &f);
    if (!f.host.present) return true;
    std::string& m = NewLine(out, Daemon::kSmtpd).message;
    Add(&m, "NOQUEUE: reject: ", stage, " from ");
    AppendHostPort(f.host, &m);
    Add(&m, ": 554 SMTP synchronization error; proto=ESMTP");
    if (!f.host.helo.empty()) Add(&m, " helo=<", Clean{f.host.helo, kNotInHelo}, ">");
    return true;
  }
  if (StartsWith(message, "TLS error on ")) {
    Add(&NewLine(out, Daemon::kSmtpd).message, "warning: ", message);
    return true;
  }
  // The system failing outside a message: what Postfix's master would
  // warn about, or end on.
  if (IsSystemFatal(message)) {
    Add(&NewLine(out, Daemon::kMaster).message, "fatal: ", message);
    return true;
  }
  if (IsSystemFailure(message)) {
    Add(&NewLine(out, Daemon::kMaster).message, "warning: ", message);
    return true;
  }
  // Said outside a message, with no Postfix counterpart.
  for (std::string_view info : {"Start queue run",
                                "End queue run",
                                "exim ",
                                "daemon ",
                                "pid ",
                                "no host name found",
                                "ETRN ",
                                "Spool file",
                                "Message ",
                                "DKIM",
                                "SIGHUP",
                                "no IP address found",
                                "Warning: ",
                                "SMTP syntax error",
                                "SMTP protocol error",
                                "no MAIL in SMTP connection",
                                "Connection from ",
                                "cwd=",
                                "SIGHUP",
                                "SIGTERM",
                                "U=",
                                "ident connection",
                                "TLS session",
                                "tidying up",
                                "too many connections",
                                "Connection refused",
                                "ignoring AUTH="}) {
    if (StartsWith(message, info)) return true;
  }
  return false;
}

namespace {

// Exim's syslog pieces (log.c): a message longer than 870 bytes or of
// several lines (the reject log's header dump) goes out as "[1\\3] ...",
// "[2\\3] ...", "[3/3] ...". The piece's number, 0 if `message` is not one;
// *text is what follows the prefix.
int SyslogPiece(std::string_view message, std::string_view* text) {
  if (message.size() < 6 || message[0] != '[' || !IsDigit(message[1])) return 0;
  size_t i = 1;
  int n = 0;
  while (i < message.size() && IsDigit(message[i]) && n < 100000) n = n * 10 + (message[i++] - '0');
  if (i >= message.size() || (message[i] != '\\' && message[i] != '/')) return 0;
  ++i;
  const size_t digits = i;
  while (i < message.size() && IsDigit(message[i])) ++i;
  if (i == digits || i + 1 >= message.size() || message[i] != ']' || message[i + 1] != ' ') {
    return 0;
  }
  *text = message.substr(i + 2);
  return n;
}

}  // namespace

bool EximReader::Read(const LogLine& line, bool syslog,
                      absl::FunctionRef<void(const LogLine&, const Event&)> handle) {
  std::string_view message = line.message;
  if (syslog) {
    std::string_view text;
    const int piece = SyslogPiece(message, &text);
    // The second and later pieces: the rest of a long line, or the headers
    // the reject log shows after its line.
    if (piece > 1) return true;
    if (piece == 1) message = text;
  }
  message = StripEximTime(message);
  if (syslog && message.find("rejected") != std::string_view::npos) {
    // syslog_duplication (the default) sends a line written to the main
    // and the reject log to syslog twice, one after the other: the second
    // copy is the reject log's, and is skipped.
    if (last_reject_.size() > 4096) last_reject_.clear();
    std::string& last = last_reject_[line.pid];
    if (last == message) {
      last.clear();
      return true;
    }
    last.assign(message.data(), message.size());
  }
  if (!translator_.Translate(message, line.time, &translation_)) return false;
  const size_t n = translation_.lines.size();
  events_.resize(n);
  lines_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const EximTranslation::Line& t = translation_.lines[i];
    LogLine& l = lines_[i];
    l = line;
    l.syslog_name = line.program;
    l.instance = line.program;
    l.service = {};
    l.daemon = DaemonName(t.daemon);
    l.message = t.message;
    if (parser_->Parse(l, &events_[i]) != ParseResult::kParsed) return false;
    RestoreEximFields(translation_, &events_[i]);
  }
  for (size_t i = 0; i < n; ++i) handle(lines_[i], events_[i]);
  return true;
}

}  // namespace mailgauge::parsers
