#include "parsers/postfix/fast_path.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <utility>

#include "common/ascii_scan.h"
#include "parsers/postfix/pattern_table.h"
#include "parsers/postfix/queue_id.h"

namespace mailgauge::parsers {
namespace {

using sv = std::string_view;

// Bounds known, so a constant-length memcmp is a load or two (substr
// would check and could throw).
inline bool StartsWith(sv s, sv prefix) {
  return s.size() >= prefix.size() && std::memcmp(s.data(), prefix.data(), prefix.size()) == 0;
}
inline bool EndsWith(sv s, sv suffix) {
  return s.size() >= suffix.size() &&
         std::memcmp(s.data() + s.size() - suffix.size(), suffix.data(), suffix.size()) == 0;
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Byte classes, one table lookup each: white space with \v (kSpace), RE2's
// \s ([\t\n\f\r ], no \v: kRe2Space), and what ends a plain field value
// ([,<>"] and kSpace: kNotPlain).
enum : uint8_t { kSpace = 1, kRe2Space = 2, kNotPlain = 4 };
constexpr std::array<uint8_t, 256> MakeByteClasses() {
  std::array<uint8_t, 256> t{};
  for (const unsigned char c : {' ', '\t', '\n', '\r', '\f'}) t[c] = kSpace | kRe2Space | kNotPlain;
  t[static_cast<unsigned char>('\v')] = kSpace | kNotPlain;
  for (const unsigned char c : {',', '<', '>', '"'}) t[c] = kNotPlain;
  return t;
}
constexpr std::array<uint8_t, 256> kByteClasses = MakeByteClasses();
inline bool Is(char c, uint8_t cls) { return kByteClasses[static_cast<unsigned char>(c)] & cls; }

bool IsSpace(char c) { return Is(c, kSpace); }
// RE2's \s exactly: for fields the fast path fills rather than declines on.
// IsSpace (with \v) is for declining: safe either way.
bool IsRe2Space(char c) { return Is(c, kRe2Space); }
bool HasRe2Space(sv s) {
  for (char c : s) {
    if (IsRe2Space(c)) return true;
  }
  return false;
}

// "QID: " at the start: the queue ID, and `rest` after the colon and space.
bool TakeQueueId(sv message, sv* qid, sv* rest) {
  const size_t colon = FindText(message, ": ");
  if (colon == sv::npos || colon < 6 || colon > 40) return false;
  *qid = message.substr(0, colon);
  if (!IsQueueId(*qid)) return false;
  *rest = message.substr(colon + 2);
  return true;
}

// The text up to the next ' ' (all of `s` if none), and `*s` moved to the ' '.
sv TakeToken(sv* s) {
  const size_t sp = FindByte(*s, ' ');
  const sv token = s->substr(0, sp);
  s->remove_prefix(sp == sv::npos ? s->size() : sp);
  return token;
}

// A decimal of at most 18 digits at the start of `*rest`, moved past it.
bool TakeCount(sv* rest, int64_t* count) {
  size_t n = 0;
  while (n < rest->size() && IsDigit((*rest)[n])) ++n;
  if (n == 0 || n > 18) return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = v * 10 + ((*rest)[i] - '0');
  *count = v;
  rest->remove_prefix(n);
  return true;
}

bool AllDigits(sv s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// [245]\.\d{1,3}\.\d{1,3}
bool IsDsn(sv s) {
  if (s.size() < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') return false;
  const size_t dot = FindByte(s, '.', 2);
  if (dot == sv::npos) return false;
  const sv a = s.substr(2, dot - 2), b = s.substr(dot + 1);
  return AllDigits(a) && a.size() <= 3 && AllDigits(b) && b.size() <= 3;
}

// A value of an unknown or relay field: [^,<>"\s]*
bool IsPlainValue(sv s) {
  for (char c : s) {
    if (Is(c, kNotPlain)) return false;
  }
  return true;
}

bool IsFieldName(sv s) {
  if (s.empty() || s[0] < 'a' || s[0] > 'z') return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
  }
  return true;
}

// "<addr>, " at the start of `*rest`: the address (no quotes, so a ">, "
// inside it cannot mislead), with `*rest` moved past the ", ".
bool TakeAngleAddress(sv* rest, sv* addr) {
  if (rest->empty() || (*rest)[0] != '<') return false;
  const size_t end = FindText(*rest, ">, ");
  if (end == sv::npos) return false;
  *addr = rest->substr(1, end - 1);
  if (FindByte(*addr, '"') != sv::npos || FindByte(*addr, '<') != sv::npos) return false;
  rest->remove_prefix(end + 3);
  return true;
}

// NAME[ADDR] with an optional :PORT, as smtpd logs a client.
bool TakeClient(sv* rest, Event* e) {
  const size_t open = FindByte(*rest, '[');
  if (open == sv::npos) return false;
  const sv name = rest->substr(0, open);
  for (char c : name) {
    if (IsSpace(c) || c == ']') return false;
  }
  const size_t close = FindByte(*rest, ']', open);
  if (close == sv::npos) return false;
  const sv addr = rest->substr(open + 1, close - open - 1);
  for (char c : addr) {
    if (IsSpace(c) || c == '[') return false;
  }
  e->client_name = name;
  e->client_addr = addr;
  rest->remove_prefix(close + 1);
  if (!rest->empty() && (*rest)[0] == ':') {
    size_t n = 1;
    while (n < rest->size() && IsDigit((*rest)[n])) ++n;
    if (n == 1) return false;
    e->client_port = rest->substr(1, n - 1);
    rest->remove_prefix(n);
  }
  return true;
}

// QID: to=<r>, [orig_to=<o>, ]relay=R, [conn_use=N, ]X*, delay=D,
// [delays=a/b/c/d, ][tls=T, ]Y*, [dsn=X.Y.Z, ]status=WORD (text)
// (the row kDeliveryLineRegex in delivery_patterns.cc).
bool ParseDelivery(sv message, Event* e) {
  sv qid, rest;
  if (!TakeQueueId(message, &qid, &rest) || !StartsWith(rest, "to=")) return false;
  rest.remove_prefix(3);
  sv to, orig_to;
  if (!TakeAngleAddress(&rest, &to)) return false;
  bool has_orig_to = false;
  if (StartsWith(rest, "orig_to=")) {
    rest.remove_prefix(8);
    if (!TakeAngleAddress(&rest, &orig_to)) return false;
    has_orig_to = true;
  }
  if (!StartsWith(rest, "relay=")) return false;
  rest.remove_prefix(6);
  // The fields up to "status=", each "name=value" and ", "-separated.
  const size_t status_pos = FindText(rest, ", status=");
  if (status_pos == sv::npos) return false;
  sv fields = rest.substr(0, status_pos);
  sv tail = rest.substr(status_pos + 9);
  // Where we are in: relay, [conn_use], X*, delay, [delays], [tls], Y*,
  // [dsn], status — X and Y being fields of other names.
  enum Stage {
    kAfterRelay, kAfterConnUse, kInX, kAfterDelay, kAfterDelays, kAfterTls, kInY, kAfterDsn
  } stage = kAfterRelay;
  bool first = true;
  sv relay, conn_use, delays, tls, dsn;
  double delay_seconds = -1;
  bool has_conn_use = false, has_delays = false, has_tls = false, has_dsn = false;
  while (true) {
    const size_t comma = FindText(fields, ", ");
    const sv field = fields.substr(0, comma);
    if (first) {
      if (!IsPlainValue(field)) return false;
      relay = field;
      first = false;
    } else {
      const size_t eq = FindByte(field, '=');
      if (eq == sv::npos) return false;
      const sv name = field.substr(0, eq), value = field.substr(eq + 1);
      if (!IsFieldName(name)) return false;
      const bool special = name == "conn_use" || name == "delay" || name == "delays" ||
                           name == "tls" || name == "dsn" || name == "status" ||
                           name == "to" || name == "orig_to" || name == "relay";
      if (name == "conn_use" && stage == kAfterRelay) {
        if (!AllDigits(value)) return false;
        conn_use = value;
        has_conn_use = true;
        stage = kAfterConnUse;
      } else if (name == "delay" && stage <= kInX) {
        if (!ScanSeconds(value, &delay_seconds)) return false;
        stage = kAfterDelay;
      } else if (name == "delays" && stage == kAfterDelay) {
        delays = value;
        has_delays = true;
        stage = kAfterDelays;
      } else if (name == "tls" && (stage == kAfterDelay || stage == kAfterDelays)) {
        for (char c : value) {
          if (c == ',' || IsSpace(c)) return false;
        }
        tls = value;
        has_tls = true;
        stage = kAfterTls;
      } else if (name == "dsn" && stage >= kAfterDelay && stage <= kInY) {
        if (!IsDsn(value)) return false;
        dsn = value;
        has_dsn = true;
        stage = kAfterDsn;
      } else if (special || stage == kAfterDsn) {
        return false;  // out of the usual order: let the table decide
      } else {
        if (!IsPlainValue(value)) return false;  // a field of another name
        stage = stage <= kInX ? kInX : kInY;
      }
    }
    if (comma == sv::npos) break;
    fields.remove_prefix(comma + 2);
  }
  if (stage < kAfterDelay) return false;
  // \d+(?:\.\d+)?/... four times
  Delays delays_seconds;
  if (has_delays && !ScanDelays(delays, &delays_seconds)) return false;
  // status=WORD (text[)]
  size_t n = 0;
  while (n < tail.size() && ((tail[n] >= 'a' && tail[n] <= 'z') ||
                             (tail[n] >= 'A' && tail[n] <= 'Z') ||
                             (n > 0 && tail[n] == '-'))) {
    ++n;
  }
  if (n == 0 || tail.substr(n, 2) != " (") return false;
  const sv status = tail.substr(0, n);
  sv reply = tail.substr(n + 2);
  if (!reply.empty() && reply.back() == ')') reply.remove_suffix(1);

  e->kind = EventKind::kDelivery;
  e->queue_id = qid;
  e->to = to;
  if (has_orig_to) e->orig_to = orig_to;
  e->relay = relay;
  if (has_conn_use) e->conn_use = conn_use;
  e->delay = delay_seconds;
  if (has_delays) e->delays = delays_seconds;
  if (has_tls) e->tls = tls;
  if (has_dsn) e->dsn = dsn;
  e->status = status;
  e->reply = reply;
  // "host X said: 550 5.1.1 ..." names the remote reply code.
  if (StartsWith(reply, "host ")) {
    const size_t said = FindByte(reply, ' ', 5);
    if (said != sv::npos && said > 5 && !HasRe2Space(reply.substr(5, said - 5)) &&
        StartsWith(reply.substr(said), " said: ")) {
      const sv code = reply.substr(said + 7);
      if (code.size() >= 4 && (code[0] == '2' || code[0] == '4' || code[0] == '5') &&
          IsDigit(code[1]) && IsDigit(code[2]) && (code[3] == ' ' || code[3] == '-')) {
        e->reply_code = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
        const sv after = code.substr(4);
        const size_t sp = FindByte(after, ' ');
        if (sp != sv::npos && IsDsn(after.substr(0, sp))) {
          e->enhanced_code = after.substr(0, sp);
        }
      }
    }
  }
  // "... queued as X" / "... forwarded as X" at the end names the next hop.
  const size_t last_space = reply.rfind(' ');
  if (last_space != sv::npos && last_space + 1 < reply.size()) {
    const sv token = reply.substr(last_space + 1);
    const sv before = reply.substr(0, last_space + 1);
    if (FindByte(token, ')') == sv::npos && !HasRe2Space(token) &&
        (EndsWith(before, "queued as ") || EndsWith(before, "forwarded as "))) {
      e->new_queue_id = token;
    }
  }
  return true;
}

// qmgr: QID: from=<s>, size=N, nrcpt=N[ (queue WORD)] | QID: removed
bool ParseQmgr(sv message, Event* e) {
  sv qid, rest;
  if (!TakeQueueId(message, &qid, &rest)) return false;
  if (rest == "removed") {
    e->kind = EventKind::kRemoved;
    e->queue_id = qid;
    return true;
  }
  if (!StartsWith(rest, "from=<")) return false;
  const size_t end = FindText(rest, ">, size=");
  if (end == sv::npos) return false;
  const sv from = rest.substr(6, end - 6);
  rest.remove_prefix(end + 8);
  const size_t comma = FindText(rest, ", nrcpt=");
  if (comma == sv::npos) return false;
  const sv size = rest.substr(0, comma);
  rest.remove_prefix(comma + 8);
  size_t n = 0;
  while (n < rest.size() && IsDigit(rest[n])) ++n;
  const sv nrcpt = rest.substr(0, n);
  rest.remove_prefix(n);
  sv detail;
  bool has_detail = false;
  if (!rest.empty()) {
    if (!StartsWith(rest, " (queue ") || rest.back() != ')') return false;
    detail = rest.substr(8, rest.size() - 9);
    if (detail.empty()) return false;
    for (char c : detail) {
      if (c < 'a' || c > 'z') return false;
    }
    has_detail = true;
  }
  if (!AllDigits(size) || !AllDigits(nrcpt) || size.size() > 18 || nrcpt.size() > 18) {
    return false;
  }
  e->kind = EventKind::kQueued;
  e->queue_id = qid;
  e->from = from;
  e->size = 0;
  for (char c : size) e->size = e->size * 10 + (c - '0');
  e->nrcpt = 0;
  for (char c : nrcpt) e->nrcpt = e->nrcpt * 10 + (c - '0');
  if (has_detail) e->detail = detail;
  return true;
}

// cleanup: QID: message-id=<id>
bool ParseCleanup(sv message, Event* e) {
  sv qid, rest;
  if (!TakeQueueId(message, &qid, &rest) || !StartsWith(rest, "message-id=")) return false;
  rest.remove_prefix(11);
  if (!rest.empty() && rest[0] == '<') rest.remove_prefix(1);
  if (!rest.empty() && rest.back() == '>') rest.remove_suffix(1);
  e->kind = EventKind::kMessageId;
  e->queue_id = qid;
  e->message_id = rest;
  return true;
}

// What MG_CONTEXT and MG_ACTION_TEXT (cleanup_patterns.cc) capture.
struct CheckContext {
  sv fields[4];  // from, to, proto, helo
  bool has[4] = {false, false, false, false};
  sv reply;
  bool has_reply = false;
};

// "[ from=<F>][ to=<T>][ proto=P][ helo=<H>][: REPLY]" to the end of `s`,
// from group `k` on, as RE2 reads it: each group optional and tried first,
// F, T and H lazy (the first '>' after which the rest can match), P a
// [^\s;:]+. Without `reply` (MG_CONTEXT alone) nothing may follow the
// groups. Fills `c` on the path that matches.
bool MatchCheckContext(sv s, int k, CheckContext* c, bool reply = true) {
  if (k == 4) {
    if (s.empty()) return true;
    if (!reply) return false;
    if (!StartsWith(s, ": ")) return false;
    c->reply = s.substr(2);
    c->has_reply = true;
    return true;
  }
  static constexpr sv kPrefixes[4] = {" from=<", " to=<", " proto=", " helo=<"};
  if (StartsWith(s, kPrefixes[k])) {
    const sv inner = s.substr(kPrefixes[k].size());
    if (k == 2) {
      size_t n = 0;
      while (n < inner.size() && inner[n] != ';' && inner[n] != ':' && !IsRe2Space(inner[n])) ++n;
      // A shorter P would leave a byte of its class, which nothing after
      // it can start with.
      if (n > 0 && MatchCheckContext(inner.substr(n), k + 1, c, reply)) {
        c->fields[k] = inner.substr(0, n);
        c->has[k] = true;
        return true;
      }
    } else {
      for (size_t gt = FindByte(inner, '>'); gt != sv::npos; gt = FindByte(inner, '>', gt + 1)) {
        if (MatchCheckContext(inner.substr(gt + 1), k + 1, c, reply)) {
          c->fields[k] = inner.substr(0, gt);
          c->has[k] = true;
          return true;
        }
      }
    }
  }
  return MatchCheckContext(s, k + 1, c, reply);
}

// The from, to, proto and helo fields the context named.
void SetContextFields(const CheckContext& c, Event* e) {
  sv* targets[4] = {&e->from, &e->to, &e->proto, &e->helo};
  for (int k = 0; k < 4; ++k) {
    if (c.has[k]) *targets[k] = c.fields[k];
  }
}

// MG_ORIGIN MG_CONTEXT MG_ACTION_TEXT to the end of `r`: "NAME[ADDR][:PORT]"
// (tried first) or a [^\s\[\];]+, then ';' and the context. Fills `e`.
bool MatchCheckOrigin(sv r, Event* e, CheckContext* c) {
  const size_t open = FindByte(r, '[');
  const size_t close = open == sv::npos ? sv::npos : FindByte(r, ']', open);
  if (close != sv::npos) {
    const sv name = r.substr(0, open);
    const sv addr = r.substr(open + 1, close - open - 1);
    if (FindByte(name, ']') == sv::npos && !HasRe2Space(name) && !HasRe2Space(addr)) {
      size_t at = close + 1;
      size_t p = at + 1;
      while (p < r.size() && IsDigit(r[p])) ++p;
      const bool has_port = at < r.size() && r[at] == ':' && p > at + 1;
      if (has_port) at = p;
      if (at < r.size() && r[at] == ';' && MatchCheckContext(r.substr(at + 1), 0, c)) {
        e->client_name = name;
        e->client_addr = addr;
        if (has_port) e->client_port = r.substr(close + 2, p - close - 2);
        return true;
      }
    }
  }
  size_t n = 0;
  while (n < r.size() && r[n] != '[' && r[n] != ']' && r[n] != ';' && !IsRe2Space(r[n])) ++n;
  return n > 0 && n < r.size() && r[n] == ';' && MatchCheckContext(r.substr(n + 1), 0, c);
}

// No '\v' and at most 16 '>': the context search (a '>' for each of
// from=<, to=< and helo=<) would multiply on more.
bool FewAngles(sv s) {
  int gts = 0;
  for (char c : s) {
    if (c == '\v') return false;
    gts += c == '>';
  }
  return gts <= 16;
}

// cleanup: QID: ACTION: STAGE DETAIL from ORIGIN; CONTEXT[: TEXT]   (the
// header_checks/body_checks rows, MG_CHECK_ROW in cleanup_patterns.cc).
// DETAIL is greedy: it ends at the last " from " after which the rest
// matches. Lines with many '>' or " from " are left to the table (the
// search would multiply).
bool ParseCleanupCheck(sv message, Event* e) {
  sv qid, rest;
  if (!TakeQueueId(message, &qid, &rest)) return false;
  struct Action {
    sv word;
    EventKind kind;
  };
  static constexpr Action kActions[] = {
      {"reject", EventKind::kReject},       {"warning", EventKind::kHeaderWarning},
      {"info", EventKind::kInfo},           {"hold", EventKind::kHeld},
      {"discard", EventKind::kDiscarded},   {"redirect", EventKind::kRedirect},
      {"filter", EventKind::kFilter},       {"replace", EventKind::kCheckAction},
      {"prepend", EventKind::kCheckAction}, {"strip", EventKind::kCheckAction},
      {"pass", EventKind::kCheckAction},    {"delay", EventKind::kCheckAction},
      {"bcc", EventKind::kCheckAction}};
  const Action* action = nullptr;
  for (const Action& a : kActions) {
    if (StartsWith(rest, a.word) && StartsWith(rest.substr(a.word.size()), ": ")) {
      action = &a;
      break;
    }
  }
  if (action == nullptr) return false;
  const sv action_word = rest.substr(0, action->word.size());  // a view of the line
  rest.remove_prefix(action->word.size() + 2);
  const sv stage = TakeToken(&rest);
  if (stage != "header" && stage != "body" && stage != "content" && stage != "mime-header" &&
      stage != "nested-header") {
    return false;
  }
  if (!FewAngles(rest)) return false;  // left to the table
  constexpr sv kFrom = " from ";
  int tries = 0;
  // `rest` is " DETAIL from ...": the " from " starts at 1 at the earliest
  // (an empty DETAIL).
  const sv search = rest;
  for (size_t at = search.rfind(kFrom); at != sv::npos && at >= 1;
       at = search.rfind(kFrom, at - 1)) {
    if (++tries > 8) return false;
    CheckContext c;
    // Fills the client fields only when it matches.
    if (!MatchCheckOrigin(search.substr(at + kFrom.size()), e, &c)) continue;
    e->kind = action->kind;
    e->queue_id = qid;
    e->action = action_word;
    e->reject_stage = RejectStageFromWord(stage);
    e->detail = search.substr(1, at - 1);
    SetContextFields(c, e);
    if (c.has_reply) {
      e->reply = c.reply;
      // (?:(?P<enhanced_code>[245]\.[0-9]{1,3}\.[0-9]{1,3})(?: |$))?
      if (const size_t n = EnhancedCodeLength(c.reply); n > 0) {
        e->enhanced_code = c.reply.substr(0, n);
      }
    }
    return true;
  }
  return false;
}

// ", sasl_method=M[, sasl_username=U]" to the end of a client= line, as the
// kSmtpdClient row reads it: M is [^,\s]*; U (a lazy .*? before optional
// sasl_sender=, orig_queue_id= and orig_client= fields) is the rest when it
// names none of those fields. Lines with them are left to the table.
bool TakeSaslFields(sv rest, Event* e) {
  if (!StartsWith(rest, ", sasl_method=")) return false;
  rest.remove_prefix(14);
  size_t n = 0;
  while (n < rest.size() && rest[n] != ',' && !IsRe2Space(rest[n])) ++n;
  const sv method = rest.substr(0, n);
  rest.remove_prefix(n);
  if (!rest.empty()) {
    if (!StartsWith(rest, ", sasl_username=")) return false;
    rest.remove_prefix(16);
    for (const sv field : {sv(", sasl_sender="), sv(", orig_queue_id="), sv(", orig_client=")}) {
      if (rest.find(field) != sv::npos) return false;
    }
    e->sasl_username = rest;
  }
  e->sasl_method = method;
  return true;
}

// smtpd: connect from C | disconnect from C[ stats][ notes=X] | QID: client=C[
// SASL fields]
bool ParseSmtpd(sv message, Event* e) {
  if (StartsWith(message, "connect from ")) {
    sv rest = message.substr(13);
    if (!TakeClient(&rest, e) || !rest.empty()) return false;
    e->kind = EventKind::kConnect;
    return true;
  }
  if (StartsWith(message, "disconnect from ")) {
    sv rest = message.substr(16);
    if (!TakeClient(&rest, e)) return false;
    if (!rest.empty()) {
      // ( stats ending in commands=N[/M])?( notes=X)?
      if (rest[0] != ' ' || rest.size() == 1) return false;
      rest.remove_prefix(1);
      const size_t notes = rest.rfind("notes=");
      sv stats = rest;
      if (notes != sv::npos && (notes == 0 || rest[notes - 1] == ' ')) {
        const sv value = rest.substr(notes);
        if (value.size() == 6) return false;
        for (char c : value) {
          if (IsSpace(c)) return false;
        }
        e->detail = value;
        stats = notes == 0 ? sv() : rest.substr(0, notes - 1);
        if (notes != 0 && stats.empty()) return false;  // two spaces before notes=
      }
      if (!stats.empty()) {
        sv check = stats;
        sv last_key;
        while (true) {
          const size_t sp = FindByte(check, ' ');
          const sv token = check.substr(0, sp);
          const size_t eq = FindByte(token, '=');
          if (eq == sv::npos || eq == 0) return false;
          last_key = token.substr(0, eq);
          for (char c : last_key) {
            if (!((c >= 'a' && c <= 'z') || c == '-')) return false;
          }
          const sv value = token.substr(eq + 1);
          const size_t slash = FindByte(value, '/');
          if (!AllDigits(value.substr(0, slash)) ||
              (slash != sv::npos && !AllDigits(value.substr(slash + 1)))) {
            return false;
          }
          if (sp == sv::npos) break;
          check.remove_prefix(sp + 1);
        }
        if (last_key != "commands") return false;
        e->command_stats = stats;
      }
    }
    e->kind = EventKind::kDisconnect;
    return true;
  }
  sv qid, rest;
  if (!TakeQueueId(message, &qid, &rest) || !StartsWith(rest, "client=")) return false;
  rest.remove_prefix(7);
  if (!TakeClient(&rest, e)) return false;
  if (!rest.empty() && !TakeSaslFields(rest, e)) return false;
  e->kind = EventKind::kSmtpdClient;
  e->queue_id = qid;
  return true;
}

// NAME[ADDR][:PORT] as the TLS and reject rows read a client (MG_CLIENT):
// the port is taken only when digits follow the ':', so "x[a]: text" leaves
// ": text" in `*rest`.
bool TakeClientBeforeColon(sv* rest, Event* e) {
  const size_t open = FindByte(*rest, '[');
  if (open == sv::npos) return false;
  const sv name = rest->substr(0, open);
  for (char c : name) {
    if (IsSpace(c) || c == ']') return false;
  }
  const size_t close = FindByte(*rest, ']', open);
  if (close == sv::npos) return false;
  const sv addr = rest->substr(open + 1, close - open - 1);
  for (char c : addr) {
    if (IsSpace(c) || c == '[') return false;
  }
  sv after = rest->substr(close + 1);
  sv port;
  bool has_port = false;
  if (after.size() >= 2 && after[0] == ':' && IsDigit(after[1])) {
    size_t n = 1;
    while (n < after.size() && IsDigit(after[n])) ++n;
    port = after.substr(1, n - 1);
    has_port = true;
    after.remove_prefix(n);
  }
  e->client_name = name;
  e->client_addr = addr;
  if (has_port) e->client_port = port;
  *rest = after;
  return true;
}

bool IsTlsLevel(sv w) {
  return w == "Anonymous" || w == "Untrusted" || w == "Trusted" || w == "Verified";
}

// "PROTO with cipher CIPHER (N/M bits)" at the start of `*rest`, `*rest`
// moved past it ((?P<tls_protocol>\S+) with cipher (?P<tls_cipher>\S+ \(\d+/\d+ bits\))).
bool HasSpace(sv s) {
  for (char c : s) {
    if (IsSpace(c)) return true;
  }
  return false;
}

bool TakeTlsProtocolAndCipher(sv* rest, Event* e) {
  const sv protocol = TakeToken(rest);
  if (HasSpace(protocol)) return false;
  if (protocol.empty() || !StartsWith(*rest, " with cipher ")) return false;
  rest->remove_prefix(13);
  const char* cipher_begin = rest->data();
  const sv name = TakeToken(rest);
  if (name.empty() || HasSpace(name) || !StartsWith(*rest, " (")) return false;
  rest->remove_prefix(2);
  size_t n = 0;
  while (n < rest->size() && IsDigit((*rest)[n])) ++n;
  if (n == 0 || n >= rest->size() || (*rest)[n] != '/') return false;
  size_t m = n + 1;
  while (m < rest->size() && IsDigit((*rest)[m])) ++m;
  if (m == n + 1 || rest->substr(m, 6) != " bits)") return false;
  rest->remove_prefix(m + 6);
  e->tls_protocol = protocol;
  e->tls_cipher = sv(cipher_begin, rest->data() - cipher_begin);
  return true;
}

// "LEVEL TLS connection established|reused DIRECTION": takes it from the
// front of `rest` (DIRECTION is "from " for smtpd, "to " for smtp/lmtp).
bool TakeTlsLevelAndVerb(sv* rest, sv direction, sv* level) {
  *level = TakeToken(rest);
  if (!IsTlsLevel(*level)) return false;
  for (sv verb : {sv(" TLS connection established "), sv(" TLS connection reused ")}) {
    if (StartsWith(*rest, verb) && StartsWith(rest->substr(verb.size()), direction)) {
      rest->remove_prefix(verb.size() + direction.size());
      return true;
    }
  }
  return false;
}

// smtpd: LEVEL TLS connection established|reused from CLIENT[ to NAME]:
// PROTO with cipher CIPHER (N/M bits)[ ...]   (smtpd_patterns.cc, TLS row).
// With `tlsproxy`, tlsproxy's row: "from" or "to" an endpoint (MG_ENDPOINT,
// the client's shape), which is also the remote_host.
bool ParseSmtpdTls(sv message, Event* e, bool tlsproxy = false) {
  sv rest = message;
  sv level;
  if (!TakeTlsLevelAndVerb(&rest, "from ", &level)) {
    rest = message;
    if (!tlsproxy || !TakeTlsLevelAndVerb(&rest, "to ", &level)) return false;
  }
  const sv endpoint = rest;
  if (!TakeClientBeforeColon(&rest, e)) return false;
  if (tlsproxy) e->remote_host = endpoint.substr(0, endpoint.size() - rest.size());
  if (StartsWith(rest, " to ")) {
    rest.remove_prefix(4);
    size_t n = 0;
    while (n < rest.size() && rest[n] != ':' && !IsSpace(rest[n])) ++n;
    if (n == 0 || n == rest.size() || rest[n] != ':') return false;
    e->detail = rest.substr(0, n);
    rest.remove_prefix(n);
  }
  if (!StartsWith(rest, ": ")) return false;
  rest.remove_prefix(2);
  if (!TakeTlsProtocolAndCipher(&rest, e)) return false;
  if (!rest.empty() && rest[0] != ' ') return false;  // (?: .*)?$ (no '\n': FastParse)
  e->tls_level = level;
  e->kind = EventKind::kTlsEstablished;
  return true;
}

// smtp/lmtp: LEVEL TLS connection established|reused to HOST: PROTO with
// cipher CIPHER (N/M bits)[ DETAIL]   (delivery_patterns.cc, MG_TLS_ESTABLISHED)
bool ParseClientTls(sv message, Event* e) {
  sv rest = message;
  sv level;
  if (!TakeTlsLevelAndVerb(&rest, "to ", &level)) return false;
  // (?P<remote_host>\S+): the token before the first space, less its ':'.
  const sv host = TakeToken(&rest);
  if (host.size() < 2 || host.back() != ':' || rest.empty()) return false;
  for (char c : host) {
    if (IsSpace(c)) return false;
  }
  rest.remove_prefix(1);
  if (!TakeTlsProtocolAndCipher(&rest, e)) return false;
  if (!rest.empty()) {
    if (rest.size() < 2 || rest[0] != ' ') return false;  // (?: (?P<detail>.+))?$
    e->detail = rest.substr(1);
  }
  e->remote_host = host.substr(0, host.size() - 1);
  e->tls_level = level;
  e->kind = EventKind::kTlsEstablished;
  return true;
}

// The context smtpd appends to a reject (MG_WHATSUP) when it has only the
// usual parts: "; from=<F> to=<T> proto=P helo=<H>", each part optional,
// nothing after. Returns 1 and fills `e` when `s` (starting at the ';') is
// exactly that; 0 when the regex cannot match here either (no context
// keyword follows the ';'); -1 when unsure (an unusual context), so the
// caller declines the line.
int TakeWhatsup(sv s, Event* e) {
  if (s.size() == 1) return -1;  // ";" alone: rare, left to the tables
  sv rest = s.substr(1);
  static constexpr sv kKeys[] = {" from=<", " to=<", " proto=", " helo=<",
                                 " sasl_method=", " sasl_username=", " sasl_sender="};
  bool keyword = false;
  for (sv k : kKeys) keyword = keyword || StartsWith(rest, k);
  if (!keyword) return 0;
  sv from, to, proto, helo;
  bool has_from = false, has_to = false, has_proto = false, has_helo = false;
  // <...> values: up to the first '>', which must end the part.
  auto angle = [](sv* r, sv key, sv* value) -> int {
    if (!StartsWith(*r, key)) return 0;
    r->remove_prefix(key.size());
    const size_t close = FindByte(*r, '>');
    if (close == sv::npos) return -1;
    *value = r->substr(0, close);
    if (FindByte(*value, '<') != sv::npos) return -1;
    r->remove_prefix(close + 1);
    if (!r->empty() && (*r)[0] != ' ') return -1;
    return 1;
  };
  int r = angle(&rest, " from=<", &from);
  if (r < 0) return -1;
  has_from = r == 1;
  r = angle(&rest, " to=<", &to);
  if (r < 0) return -1;
  has_to = r == 1;
  if (StartsWith(rest, " proto=")) {
    rest.remove_prefix(7);
    size_t n = 0;
    while (n < rest.size() && rest[n] != ' ' && rest[n] != ';' && !IsSpace(rest[n])) ++n;
    if (n == 0 || (n < rest.size() && rest[n] != ' ')) return -1;
    proto = rest.substr(0, n);
    has_proto = true;
    rest.remove_prefix(n);
  }
  if (StartsWith(rest, " helo=<")) {
    // helo=<(.*?)> followed by the end: the value runs to a final '>'.
    rest.remove_prefix(7);
    if (rest.empty() || rest.back() != '>') return -1;
    helo = rest.substr(0, rest.size() - 1);
    if (FindByte(helo, '>') != sv::npos || FindByte(helo, '<') != sv::npos) return -1;
    has_helo = true;
    rest = sv();
  }
  if (!rest.empty()) return -1;  // sasl_* parts or anything else
  if (has_from) e->from = from;
  if (has_to) e->to = to;
  if (has_proto) e->proto = proto;
  if (has_helo) e->helo = helo;
  return 1;
}

// "NOQUEUE: " or "QID: " at the start of `message` (MG_QID_OR_NOQUEUE
// ": "): `*rest` after it, and the queue ID (empty for NOQUEUE).
bool TakeQueueIdOrNoqueue(sv message, sv* qid, sv* rest) {
  if (StartsWith(message, "NOQUEUE: ")) {
    *qid = sv();
    *rest = message.substr(9);
    return true;
  }
  return TakeQueueId(message, qid, rest);
}

// The length of the SMTP state word [A-Z][A-Z-]* at the start of `s` (0 if none).
size_t StateWordLength(sv s) {
  size_t n = 0;
  while (n < s.size() && ((s[n] >= 'A' && s[n] <= 'Z') || (n > 0 && s[n] == '-'))) ++n;
  return n;
}

// smtpd: [QID: |NOQUEUE: ](lost connection|timeout|too many errors) after
// COMMAND[ (N bytes)] from CLIENT   (smtpd_patterns.cc, the session rows)
bool ParseSmtpdSessionEnd(sv message, Event* e) {
  EventKind kind;
  auto take_phrase = [&kind](sv* rest) {
    for (const auto& [phrase, k] : {std::pair<sv, EventKind>{"lost connection after ", EventKind::kLostConnection},
                                    {"timeout after ", EventKind::kTimeout},
                                    {"too many errors after ", EventKind::kTooManyErrors}}) {
      if (StartsWith(*rest, phrase)) {
        rest->remove_prefix(phrase.size());
        kind = k;
        return true;
      }
    }
    return false;
  };
  sv rest = message;
  sv qid;  // empty without the prefix and for NOQUEUE
  if (!take_phrase(&rest) &&
      !(TakeQueueIdOrNoqueue(message, &qid, &rest) && take_phrase(&rest))) {
    return false;
  }
  // (?P<last_command>[A-Z][A-Z-]*)(?: \((?P<size>[0-9]+) bytes\))? from
  const size_t n = StateWordLength(rest);
  if (n == 0) return false;
  const sv command = rest.substr(0, n);
  rest.remove_prefix(n);
  int64_t size = -1;
  if (StartsWith(rest, " (")) {
    rest.remove_prefix(2);
    if (!TakeCount(&rest, &size) || !StartsWith(rest, " bytes)")) return false;  // tables decide
    rest.remove_prefix(7);
  }
  if (!StartsWith(rest, " from ")) return false;
  rest.remove_prefix(6);
  if (!TakeClient(&rest, e) || !rest.empty()) return false;
  e->kind = kind;
  e->queue_id = qid;
  e->last_command = command;
  if (size >= 0) e->size = size;
  return true;
}

// smtpd: warning: CLIENT: SASL METHOD authentication failed: TEXT[,
// sasl_username=USER]   (smtpd_patterns.cc, the SASL row)
bool ParseSmtpdSaslFailed(sv message, Event* e) {
  if (!StartsWith(message, "warning: ")) return false;
  sv rest = message.substr(9);
  if (!TakeClientBeforeColon(&rest, e) || !StartsWith(rest, ": SASL ")) return false;
  rest.remove_prefix(7);
  const sv method = TakeToken(&rest);
  if (method.empty() || HasSpace(method) || !StartsWith(rest, " authentication failed: ")) {
    return false;
  }
  rest.remove_prefix(24);
  // (?P<detail>.*?)(?:, sasl_username=(?P<sasl_username>.*))?$: the detail
  // ends at the first ", sasl_username=".
  const size_t user = FindText(rest, ", sasl_username=");
  e->kind = EventKind::kSaslFailed;
  e->sasl_method = method;
  if (user == sv::npos) {
    e->detail = rest;
  } else {
    e->detail = rest.substr(0, user);
    e->sasl_username = rest.substr(user + 16);
  }
  return true;
}

// The length of the \S+ (RE2's \S) at the start of `s`.
size_t NonSpaceLength(sv s) {
  size_t n = 0;
  while (n < s.size() && !IsRe2Space(s[n])) ++n;
  return n;
}

// A \S+ (RE2's \S, greedy) at the start of `*rest` followed by `literal`
// (which starts with a space): the token in `*token`, `*rest` moved past the
// literal. The token is the whole run: a shorter one would be followed by a
// non-space byte.
bool TakeNonSpaceBefore(sv* rest, sv literal, sv* token) {
  const size_t n = NonSpaceLength(*rest);
  if (n == 0 || !StartsWith(rest->substr(n), literal)) return false;
  *token = rest->substr(0, n);
  rest->remove_prefix(n + literal.size());
  return true;
}

// smtpd: warning: hostname H does not resolve to address A[: REASON] |
// warning: A: hostname H verification failed: REASON | warning: TLS library
// problem: TEXT. No smtpd row reads these (none starts "warning: hostname ",
// "warning: TLS library problem: " or, A holding a '.' or ':', "warning: A:
// hostname ": such an A is no queue ID; and with no '[' or ']' in the line
// none naming a client can match), so the common fallback row does:
// kWarning, detail = the text after "warning: ".
bool ParseSmtpdPlainWarning(sv message, Event* e) {
  if (!StartsWith(message, "warning: ")) return false;
  const sv detail = message.substr(9);
  if (!StartsWith(detail, "hostname ") && !StartsWith(detail, "TLS library problem: ")) {
    size_t a = 0;
    while (a < detail.size() && (IsDigit(detail[a]) || (detail[a] >= 'a' && detail[a] <= 'f') ||
                                 (detail[a] >= 'A' && detail[a] <= 'F') || detail[a] == '.' ||
                                 detail[a] == ':')) {
      ++a;
    }
    // The run takes the ':' of ": hostname " too; A itself needs a '.' or
    // ':' (else it may be a queue ID, and the QID warning row reads it).
    if (a < 2 || !StartsWith(detail.substr(a - 1), ": hostname ") ||
        detail.substr(0, a - 1).find_first_of(".:") == sv::npos) {
      return false;
    }
  }
  if (detail.find_first_of("[]") != sv::npos) return false;
  e->kind = EventKind::kWarning;
  e->detail = detail;
  return true;
}

// smtp, lmtp: warning: TLS library problem: TEXT (no smtp row starts so: the
// common fallback row, kWarning) | QID: TLS-FAILURE... (MG_TLS_FAILURE,
// kSmtpConversation) | SSL_connect error to H: TEXT (MG_SSL_CONNECT_ERROR:
// H a greedy \S+, so it ends before the ':' that ends the first run of
// non-space bytes).
bool ParseClientTlsTrouble(sv message, Event* e) {
  if (StartsWith(message, "warning: TLS library problem: ")) {
    e->kind = EventKind::kWarning;
    e->detail = message.substr(9);
    return true;
  }
  if (StartsWith(message, "SSL_connect error to ")) {
    const sv rest = message.substr(21);
    const size_t n = NonSpaceLength(rest);
    if (n < 2 || rest[n - 1] != ':' || n >= rest.size() || rest[n] != ' ') return false;
    e->kind = EventKind::kSmtpConversation;
    e->reply = message;
    e->remote_host = rest.substr(0, n - 1);
    e->detail = rest.substr(n + 1);
    return true;
  }
  sv qid, rest;
  if (!TakeQueueId(message, &qid, &rest)) return false;
  static constexpr sv kFailures[] = {"TLS is required, but",        "Cannot start TLS",
                                     "Server certificate not verified",
                                     "Sender requested REQUIRETLS", "REQUIRETLS policy configuration error",
                                     "client TLS configuration problem", "TLSA lookup error"};
  for (const sv failure : kFailures) {
    if (!StartsWith(rest, failure)) continue;
    e->kind = EventKind::kSmtpConversation;
    e->queue_id = qid;
    e->reply = rest;
    return true;
  }
  return false;
}

// smtp, lmtp: [QID: ]connect to HOST: TEXT   (delivery_patterns.cc,
// MG_CONNECT_FAILED: HOST is a lazy \S+?, so it ends at the first ": ").
bool ParseConnectFailed(sv message, Event* e) {
  sv qid, rest = message;
  if (!StartsWith(rest, "connect to ")) {
    if (!TakeQueueId(message, &qid, &rest) || !StartsWith(rest, "connect to ")) return false;
  }
  const sv reply = rest;
  rest.remove_prefix(11);
  const size_t n = NonSpaceLength(rest);
  size_t colon = FindText(rest, ": ");
  // \S+? is at least one byte: a ": " at the start is part of HOST.
  if (colon == 0) colon = FindText(rest, ": ", 1);
  if (colon == sv::npos || colon > n) return false;  // a space before ": "
  e->kind = EventKind::kSmtpConnectFailed;
  e->queue_id = qid;
  e->reply = reply;
  e->remote_host = rest.substr(0, colon);
  e->detail = rest.substr(colon + 2);
  return true;
}

// smtp, lmtp: QID: host H said: REPLY (in reply to CMD[ command]) |
// QID: lost connection with H while TEXT | QID: conversation with H timed
// out while TEXT   (delivery_patterns.cc: MG_HOST_SAID, MG_LOST_CONNECTION,
// MG_TIMED_OUT).
bool ParseSessionTrouble(sv message, Event* e) {
  sv qid, rest;
  if (!TakeQueueId(message, &qid, &rest)) return false;
  if (StartsWith(rest, "host ")) {
    sv after = rest.substr(5);
    sv host;
    if (!TakeNonSpaceBefore(&after, " said: ", &host) || after.empty() || after.back() != ')') {
      return false;
    }
    // (?P<reply>.*) \(in reply to (?P<last_command>.+?)(?: command)?\)$: the
    // reply is greedy, so it ends at the last " (in reply to " leaving at
    // least one byte before the final ')'.
    constexpr sv kInReply = " (in reply to ";
    size_t at = after.rfind(kInReply);
    while (at != sv::npos && after.size() - at - kInReply.size() < 2) {
      at = at == 0 ? sv::npos : after.rfind(kInReply, at - 1);
    }
    if (at == sv::npos) return false;
    sv command = after.substr(at + kInReply.size());
    command.remove_suffix(1);
    if (command.size() > 8 && EndsWith(command, " command")) command.remove_suffix(8);
    e->kind = EventKind::kSmtpHostSaid;
    e->queue_id = qid;
    e->remote_host = host;
    e->reply = after.substr(0, at);
    e->last_command = command;
    return true;
  }
  sv head, tail;
  EventKind kind;
  if (StartsWith(rest, "lost connection with ")) {
    head = "lost connection with ";
    tail = " while ";
    kind = EventKind::kSmtpLostConnection;
  } else if (StartsWith(rest, "conversation with ")) {
    head = "conversation with ";
    tail = " timed out while ";
    kind = EventKind::kSmtpConversation;
  } else {
    return false;
  }
  sv after = rest.substr(head.size());
  sv host;
  if (!TakeNonSpaceBefore(&after, tail, &host)) return false;
  e->kind = kind;
  e->queue_id = qid;
  e->reply = rest;
  e->remote_host = host;
  e->detail = after;
  return true;
}

// smtpd's notices on a client: improper command pipelining after CMD from
// C: TEXT | SSL_accept error from C: TEXT | warning: non-SMTP command from
// C: TEXT | warning: A: address not listed for hostname H | warning: KIND
// limit exceeded: N from C for service S   (smtpd_patterns.cc)
bool ParseSmtpdClientNotice(sv message, Event* e) {
  sv rest = message;
  if (StartsWith(rest, "improper command pipelining after ")) {
    rest.remove_prefix(34);
    size_t n = StateWordLength(rest);
    if (n == 0) return false;
    if (StartsWith(rest.substr(n), " content from ")) n += 8;
    if (!StartsWith(rest.substr(n), " from ")) return false;
    const sv command = rest.substr(0, n);
    rest.remove_prefix(n + 6);
    if (!TakeClientBeforeColon(&rest, e) || !StartsWith(rest, ": ")) return false;
    e->kind = EventKind::kNotice;
    e->detail = message.substr(0, 27);
    e->last_command = command;
    return true;
  }
  if (StartsWith(rest, "SSL_accept error from ")) {
    rest.remove_prefix(22);
    if (!TakeClientBeforeColon(&rest, e) || !StartsWith(rest, ": ")) return false;
    e->kind = EventKind::kWarning;
    e->detail = rest.substr(2);
    return true;
  }
  if (!StartsWith(rest, "warning: ")) return false;
  rest.remove_prefix(9);
  if (StartsWith(rest, "non-SMTP command from ")) {
    const sv detail = rest.substr(0, 16);
    rest.remove_prefix(22);
    if (!TakeClientBeforeColon(&rest, e) || !StartsWith(rest, ": ")) return false;
    e->kind = EventKind::kWarning;
    e->detail = detail;
    return true;
  }
  static constexpr sv kLimits[] = {"Connection concurrency", "Connection rate",
                                   "Message delivery request rate", "Recipient address rate",
                                   "New TLS session rate", "AUTH command rate"};
  for (const sv limit : kLimits) {
    if (!StartsWith(rest, limit) || !StartsWith(rest.substr(limit.size()), " limit exceeded: ")) {
      continue;
    }
    const sv detail = rest.substr(0, limit.size() + 15);
    rest.remove_prefix(limit.size() + 17);
    int64_t count;
    if (!TakeCount(&rest, &count) || !StartsWith(rest, " from ")) return false;
    rest.remove_prefix(6);
    if (!TakeClient(&rest, e) || !StartsWith(rest, " for service ")) return false;
    rest.remove_prefix(13);
    if (rest.empty() || NonSpaceLength(rest) != rest.size()) return false;
    e->kind = EventKind::kWarning;
    e->detail = detail;
    e->count = count;
    return true;
  }
  // [0-9A-Za-z.:%]+: address not listed for hostname \S+
  size_t a = 0;
  while (a < rest.size() && (IsDigit(rest[a]) || (rest[a] >= 'A' && rest[a] <= 'Z') ||
                             (rest[a] >= 'a' && rest[a] <= 'z') || rest[a] == '.' ||
                             rest[a] == ':' || rest[a] == '%')) {
    ++a;
  }
  // The run ends with the ':' of ": address" (':' is in the class too).
  if (a < 2 || !StartsWith(rest.substr(a - 1), ": address not listed for hostname ")) {
    return false;
  }
  --a;
  const sv host = rest.substr(a + 34);
  if (host.empty() || NonSpaceLength(host) != host.size()) return false;
  e->kind = EventKind::kWarning;
  e->client_addr = rest.substr(0, a);
  e->detail = rest.substr(a + 2);
  e->client_name = host;
  return true;
}

// tlsproxy: CONNECT from|to E | DISCONNECT E | the TLS summary
// (postscreen_patterns.cc, kTlsproxyPatterns; E is MG_ENDPOINT,
// "[name][ADDR][:PORT]", kept whole in remote_host too).
bool ParseTlsproxy(sv message, Event* e) {
  sv rest;
  EventKind kind;
  if (StartsWith(message, "CONNECT from ")) {
    rest = message.substr(13);
    kind = EventKind::kConnect;
  } else if (StartsWith(message, "CONNECT to ")) {
    rest = message.substr(11);
    kind = EventKind::kConnect;
  } else if (StartsWith(message, "DISCONNECT ")) {
    rest = message.substr(11);
    kind = EventKind::kDisconnect;
  } else {
    return ParseSmtpdTls(message, e, /*tlsproxy=*/true);
  }
  const sv endpoint = rest;
  if (!TakeClient(&rest, e) || !rest.empty()) return false;
  e->kind = kind;
  e->remote_host = endpoint;
  return true;
}

// dnsblog: addr A listed by domain D as TEXT   (postscreen_patterns.cc)
bool ParseDnsblog(sv message, Event* e) {
  if (!StartsWith(message, "addr ")) return false;
  sv rest = message.substr(5);
  sv addr, list;
  if (!TakeNonSpaceBefore(&rest, " listed by domain ", &addr) ||
      !TakeNonSpaceBefore(&rest, " as ", &list)) {
    return false;
  }
  e->kind = EventKind::kDnsblListed;
  e->client_addr = addr;
  e->list_name = list;
  e->detail = rest;
  return true;
}

// pickup: QID: uid=N from=<S>[ orig_id=QID]   (cleanup_patterns.cc: S is a
// lazy .*?, so it ends at the first '>' after which the line can end).
bool ParsePickup(sv message, Event* e) {
  sv qid, rest;
  if (!TakeQueueId(message, &qid, &rest) || !StartsWith(rest, "uid=")) return false;
  rest.remove_prefix(4);
  size_t n = 0;
  while (n < rest.size() && IsDigit(rest[n])) ++n;
  if (n == 0 || !StartsWith(rest.substr(n), " from=<")) return false;
  const sv uid = rest.substr(0, n);
  rest.remove_prefix(n + 7);
  for (size_t gt = FindByte(rest, '>'); gt != sv::npos; gt = FindByte(rest, '>', gt + 1)) {
    const sv after = rest.substr(gt + 1);
    const bool orig_id = StartsWith(after, " orig_id=") && IsQueueId(after.substr(9));
    if (!after.empty() && !orig_id) continue;
    e->kind = EventKind::kPickup;
    e->queue_id = qid;
    e->uid = uid;
    e->from = rest.substr(0, gt);
    if (orig_id) e->new_queue_id = after.substr(9);
    return true;
  }
  return false;
}

// Where X of the first "blocked using X" in `s` starts and ends, X a
// non-empty [^\s;]+ (RE2's \s; a '\v' is part of X); {npos, npos} if none.
std::pair<size_t, size_t> FirstBlockedList(sv s) {
  for (size_t at = FindText(s, "blocked using "); at != sv::npos; at = FindText(s, "blocked using ", at + 1)) {
    size_t end = at + 14;
    while (end < s.size() && s[end] != ';' && !IsRe2Space(s[end])) ++end;
    if (end > at + 14) return {at + 14, end};
  }
  return {sv::npos, sv::npos};
}

// "STAGE from CLIENT: " at the start of `*rest` (MG_STAGE, MG_CLIENT): the
// stage word, the client's fields into `e`, `*rest` moved past the ": ".
bool TakeStageFromClient(sv* rest, sv* stage, Event* e) {
  const size_t n = StateWordLength(*rest);
  if (n == 0 || rest->substr(n, 6) != " from ") return false;
  *stage = rest->substr(0, n);
  rest->remove_prefix(n + 6);
  if (!TakeClientBeforeColon(rest, e) || !StartsWith(*rest, ": ")) return false;
  rest->remove_prefix(2);
  return true;
}

// cleanup: QID: milter-reject: STAGE from CLIENT: REPLY; CONTEXT (the
// kMilterReject row of cleanup_patterns.cc: a milter refused the message at
// STAGE). REPLY is lazy: it ends at the first ';' after which the context
// (MG_CONTEXT, no text after it) matches to the end of the line; its
// enhanced code is taken when a space follows it. Lines with many '>' or
// a '\v' are left to the table, as in ParseCleanupCheck.
bool ParseCleanupMilterReject(sv message, Event* e) {
  sv qid, rest;
  if (!TakeQueueId(message, &qid, &rest) || !StartsWith(rest, "milter-reject: ")) return false;
  const sv action = rest.substr(0, 13);  // a view of the line
  rest.remove_prefix(15);
  sv stage;
  if (!TakeStageFromClient(&rest, &stage, e)) return false;
  if (!FewAngles(rest)) return false;
  for (size_t semi = FindByte(rest, ';'); semi != sv::npos; semi = FindByte(rest, ';', semi + 1)) {
    CheckContext c;
    if (!MatchCheckContext(rest.substr(semi + 1), 0, &c, /*reply=*/false)) continue;
    e->kind = EventKind::kMilterReject;
    e->queue_id = qid;
    e->action = action;
    e->reject_stage = RejectStageFromWord(stage);
    e->reply = rest.substr(0, semi);
    // (?:(?P<enhanced_code>[245]\.[0-9]{1,3}\.[0-9]{1,3}) )?
    if (const size_t k = EnhancedCodeLength(e->reply); k > 0 && k < e->reply.size()) {
      e->enhanced_code = e->reply.substr(0, k);
    }
    SetContextFields(c, e);
    return true;
  }
  return false;
}

// smtpd: NOQUEUE|QID: ACTION: STAGE from CLIENT: TEXT[; from=<> to=<>
// proto= helo=<>]   (smtpd_patterns.cc, the MG_ACTION_ROW rows: reject and
// abort, reject_warning, milter-reject, hold, discard, redirect, filter,
// info, warn, permit, delay, bcc, hangup).
bool ParseSmtpdAction(sv message, Event* e) {
  struct Action {
    sv word;
    EventKind kind;
    bool reply;  // TEXT is the reply (else the detail)
    bool list;   // MG_REPLY_WITH_LIST: the first "blocked using X" is the list
  };
  static constexpr Action kActions[] = {
      {"reject", EventKind::kReject, true, true},
      {"abort", EventKind::kReject, true, true},
      {"reject_warning", EventKind::kRejectWarning, true, true},
      {"milter-reject", EventKind::kMilterReject, true, false},
      {"hold", EventKind::kHeld, false, false},
      {"milter-hold", EventKind::kHeld, false, false},
      {"discard", EventKind::kDiscarded, false, false},
      {"milter-discard", EventKind::kDiscarded, false, false},
      {"redirect", EventKind::kRedirect, false, false},
      {"filter", EventKind::kFilter, false, false},
      {"info", EventKind::kInfo, false, false},
      {"warn", EventKind::kCheckAction, false, false},
      {"permit", EventKind::kCheckAction, false, false},
      {"delay", EventKind::kCheckAction, false, false},
      {"bcc", EventKind::kCheckAction, false, false},
      {"hangup", EventKind::kCheckAction, false, false}};
  sv rest;
  sv qid;
  if (!TakeQueueIdOrNoqueue(message, &qid, &rest)) return false;
  const size_t colon = FindText(rest, ": ");
  if (colon == sv::npos) return false;
  const sv word = rest.substr(0, colon);  // a view of the line
  const Action* action = nullptr;
  for (const Action& a : kActions) {
    if (a.word == word) {
      action = &a;
      break;
    }
  }
  if (action == nullptr) return false;
  rest.remove_prefix(colon + 2);
  // [A-Z][A-Z-]* then " from " (the " content" form is left to the tables).
  sv stage;
  if (!TakeStageFromClient(&rest, &stage, e)) return false;
  // (?P<reply>(?:.*?blocked using (?P<list_name>[^\s;]+))?.*?): the list
  // is the first "blocked using X"; the text then ends at the first ';'
  // where the context matches to the end of the line, or at the end. Other
  // actions' text is a plain .*?.
  size_t search_from = 0;
  sv list;
  bool has_list = false;
  if (action->list) {
    if (const auto [at, end] = FirstBlockedList(rest); at != sv::npos) {
      list = rest.substr(at, end - at);
      if (FindByte(list, '\v') != sv::npos) return false;  // rare: left to the tables
      has_list = true;
      search_from = end;
    }
  }
  size_t text_end = rest.size();
  for (size_t semi = FindByte(rest, ';', search_from); semi != sv::npos;
       semi = FindByte(rest, ';', semi + 1)) {
    // Fills from/to/proto/helo only when it returns 1.
    const int r = TakeWhatsup(rest.substr(semi), e);
    if (r < 0) return false;
    if (r == 1) {
      text_end = semi;
      break;
    }
  }
  e->kind = action->kind;
  e->queue_id = qid;
  e->action = word;
  e->reject_stage = RejectStageFromWord(stage);
  if (action->reply) {
    e->reply = rest.substr(0, text_end);
  } else {
    e->detail = rest.substr(0, text_end);
  }
  if (has_list) e->list_name = list;
  return true;
}

// postscreen's "[ADDR]:PORT" (MG_PSC_CLIENT) at the start of `*rest`.
bool TakePostscreenClient(sv* rest, Event* e) {
  if (rest->empty() || (*rest)[0] != '[') return false;
  const size_t close = FindByte(*rest, ']');
  if (close == sv::npos || close + 1 >= rest->size() || (*rest)[close + 1] != ':') return false;
  const sv addr = rest->substr(1, close - 1);
  for (char c : addr) {
    if (IsSpace(c) || c == '[') return false;
  }
  size_t n = close + 2;
  while (n < rest->size() && IsDigit((*rest)[n])) ++n;
  if (n == close + 2) return false;
  e->client_addr = addr;
  e->client_port = rest->substr(close + 2, n - close - 2);
  rest->remove_prefix(n);
  return true;
}

// postscreen's delay (MG_DELAY: [0-9]+(?:\.[0-9]+)?) at the start of
// `*rest`, moved past it.
bool TakePostscreenDelay(sv* rest, sv* delay) {
  size_t n = 0;
  while (n < rest->size() && IsDigit((*rest)[n])) ++n;
  if (n == 0) return false;
  if (n + 1 < rest->size() && (*rest)[n] == '.' && IsDigit((*rest)[n + 1])) {
    n += 2;
    while (n < rest->size() && IsDigit((*rest)[n])) ++n;
  }
  *delay = rest->substr(0, n);
  rest->remove_prefix(n);
  return true;
}

// postscreen's test results and refusals: PREGREET N after D from C: TEXT |
// HANGUP after D from C in TEXT | VIOLATION from C after CMD[: TEXT] |
// WHITELISTED|ALLOWLISTED C | NOQUEUE: reject: CONNECT from C: REPLY
// (postscreen_patterns.cc)
bool ParsePostscreenTests(sv message, Event* e) {
  sv rest = message;
  if (StartsWith(rest, "PREGREET ")) {
    rest.remove_prefix(9);
    int64_t count;
    sv delay;
    if (!TakeCount(&rest, &count) || !StartsWith(rest, " after ")) return false;
    rest.remove_prefix(7);
    if (!TakePostscreenDelay(&rest, &delay) || !StartsWith(rest, " from ")) return false;
    rest.remove_prefix(6);
    if (!TakePostscreenClient(&rest, e) || !StartsWith(rest, ": ")) return false;
    e->kind = EventKind::kPostscreenPregreet;
    e->count = count;
    e->delay = ParseSeconds(delay);
    e->detail = rest.substr(2);
    return true;
  }
  if (StartsWith(rest, "HANGUP after ")) {
    rest.remove_prefix(13);
    sv delay;
    if (!TakePostscreenDelay(&rest, &delay) || !StartsWith(rest, " from ")) return false;
    rest.remove_prefix(6);
    if (!TakePostscreenClient(&rest, e) || !StartsWith(rest, " in ")) return false;
    e->kind = EventKind::kPostscreenHangup;
    e->delay = ParseSeconds(delay);
    e->detail = rest.substr(4);
    return true;
  }
  if (StartsWith(rest, "WHITELISTED ") || StartsWith(rest, "ALLOWLISTED ")) {
    const sv word = rest.substr(0, 11);
    rest.remove_prefix(12);
    if (!TakePostscreenClient(&rest, e) || !rest.empty()) return false;
    e->kind = EventKind::kPostscreenAllowlisted;
    e->detail = word;
    return true;
  }
  if (StartsWith(rest, "NOQUEUE: reject: CONNECT from ")) {
    rest.remove_prefix(30);
    if (!TakePostscreenClient(&rest, e) || !StartsWith(rest, ": ")) return false;
    e->kind = EventKind::kPostscreenNoqueue;
    e->action = message.substr(9, 6);
    e->reject_stage = RejectStageFromWord(message.substr(17, 7));
    e->reply = rest.substr(2);
    return true;
  }
  static constexpr sv kViolations[] = {"COMMAND PIPELINING", "NON-SMTP COMMAND",
                                       "BARE NEWLINE",       "COMMAND TIME LIMIT",
                                       "COMMAND COUNT LIMIT", "COMMAND LENGTH LIMIT"};
  for (const sv violation : kViolations) {
    if (!StartsWith(rest, violation) || !StartsWith(rest.substr(violation.size()), " from ")) {
      continue;
    }
    rest.remove_prefix(violation.size() + 6);
    if (!TakePostscreenClient(&rest, e) || !StartsWith(rest, " after ")) return false;
    rest.remove_prefix(7);
    // (?P<last_command>.*?)(?:: .*)?$: up to the first ": ", or all.
    e->kind = EventKind::kPostscreenViolation;
    e->detail = message.substr(0, violation.size());  // a view of the line, not of the table
    e->last_command = rest.substr(0, FindText(rest, ": "));
    return true;
  }
  return false;
}

// postscreen: CONNECT from C to [A]:P | PASS NEW|OLD C | DNSBL rank N for C |
// DISCONNECT C | the test results above   (postscreen_patterns.cc)
bool ParsePostscreen(sv message, Event* e) {
  sv rest = message;
  if (StartsWith(rest, "CONNECT from ")) {
    rest.remove_prefix(13);
    if (!TakePostscreenClient(&rest, e) || !StartsWith(rest, " to [")) return false;
    rest.remove_prefix(4);
    const size_t close = FindByte(rest, ']');
    if (close == sv::npos || close + 2 >= rest.size() || rest[close + 1] != ':') return false;
    for (char c : rest.substr(1, close - 1)) {
      if (IsSpace(c)) return false;
    }
    if (!AllDigits(rest.substr(close + 2))) return false;
    e->remote_host = rest;
    e->kind = EventKind::kConnect;
    return true;
  }
  if (StartsWith(rest, "PASS ")) {
    rest.remove_prefix(5);
    const sv detail = rest.substr(0, 3);
    if ((detail != "NEW" && detail != "OLD") || rest.substr(3, 1) != " ") return false;
    rest.remove_prefix(4);
    if (!TakePostscreenClient(&rest, e) || !rest.empty()) return false;
    e->detail = detail;
    e->kind = EventKind::kPostscreenPass;
    return true;
  }
  if (StartsWith(rest, "DNSBL rank ")) {
    rest.remove_prefix(11);
    const bool negative = StartsWith(rest, "-");
    if (negative) rest.remove_prefix(1);
    int64_t count;
    if (!TakeCount(&rest, &count) || !StartsWith(rest, " for ")) return false;
    if (negative) count = -count;
    rest.remove_prefix(5);
    if (!TakePostscreenClient(&rest, e) || !rest.empty()) return false;
    e->count = count;
    e->kind = EventKind::kPostscreenDnsbl;
    return true;
  }
  if (StartsWith(rest, "DISCONNECT ")) {
    rest.remove_prefix(11);
    if (!TakePostscreenClient(&rest, e) || !rest.empty()) return false;
    e->kind = EventKind::kDisconnect;
    return true;
  }
  return ParsePostscreenTests(message, e);
}

// The context of postscreen's RCPT reject from `j` to the end of `t`:
// "; from=<F>, to=<T>, proto=P, helo=<H>" with F and T lazy (.*?), P \S*
// and H .* up to the last byte, a '>'. Fills `e` when it matches.
bool TakePostscreenContext(sv t, size_t j, Event* e) {
  if (t.compare(j, 8, "; from=<") != 0 || t.back() != '>') return false;
  // The first ">, to=<" (a later one leaves fewer chances to what follows),
  // then the first ">, proto=" after it from which P and H read.
  const size_t k = FindText(t, ">, to=<", j + 8);
  if (k == sv::npos) return false;
  for (size_t m = FindText(t, ">, proto=", k + 7); m != sv::npos; m = FindText(t, ">, proto=", m + 1)) {
    const size_t q = m + 9;
    size_t run_end = q;  // \S* then ", helo=<": the run's last byte is the ','
    while (run_end < t.size() && !IsRe2Space(t[run_end])) ++run_end;
    if (run_end == q || run_end >= t.size() || t[run_end - 1] != ',' ||
        t.compare(run_end, 7, " helo=<") != 0 || run_end + 7 > t.size() - 1) {
      continue;
    }
    e->from = t.substr(j + 8, k - j - 8);
    e->to = t.substr(k + 7, m - k - 7);
    e->proto = t.substr(q, run_end - 1 - q);
    e->helo = t.substr(run_end + 7, t.size() - 1 - (run_end + 7));
    return true;
  }
  return false;
}

// postscreen: NOQUEUE: reject: RCPT from [ADDR]:PORT: REPLY; from=<F>,
// to=<T>, proto=P, helo=<H>   (postscreen_patterns.cc, the RCPT row)
bool ParsePostscreenReject(sv message, Event* e) {
  if (!StartsWith(message, "NOQUEUE: reject: RCPT from ")) return false;
  sv rest = message.substr(27);
  if (!TakePostscreenClient(&rest, e) || !StartsWith(rest, ": ")) return false;
  rest.remove_prefix(2);
  // (?P<reply>(?:.*?blocked using (?P<list_name>[^\s;]+))?.*?) before the
  // context: with the first "blocked using X" when the context follows X
  // somewhere (a later list could only leave it fewer places), else
  // without a list; the reply ends where the context first matches.
  const auto [list_at, list_end] = FirstBlockedList(rest);
  auto context_from = [&](size_t from) {
    for (size_t j = FindText(rest, "; from=<", from); j != sv::npos; j = FindText(rest, "; from=<", j + 1)) {
      if (TakePostscreenContext(rest, j, e)) return j;
    }
    return sv::npos;
  };
  size_t reply_end = sv::npos;
  bool has_list = false;
  if (list_at != sv::npos) {
    reply_end = context_from(list_end);
    has_list = reply_end != sv::npos;
  }
  if (reply_end == sv::npos) reply_end = context_from(0);
  if (reply_end == sv::npos) return false;
  e->kind = EventKind::kPostscreenNoqueue;
  e->action = message.substr(9, 6);
  e->reject_stage = RejectStage::kRcpt;
  e->reply = rest.substr(0, reply_end);
  if (has_list) e->list_name = rest.substr(list_at, list_end - list_at);
  return true;
}

// bounce: QID: (sender|postmaster) (non-delivery|delivery status|delay)
// notification: NEWQID   (bounce_patterns.cc)
bool ParseBounce(sv message, Event* e) {
  sv qid, rest;
  if (!TakeQueueId(message, &qid, &rest)) return false;
  const size_t end = FindText(rest, " notification: ");
  if (end == sv::npos) return false;
  const sv detail = rest.substr(0, end);
  if (detail != "sender non-delivery" && detail != "postmaster non-delivery" &&
      detail != "sender delay" && detail != "postmaster delay" &&
      detail != "sender delivery status" && detail != "postmaster delivery status") {
    return false;
  }
  const sv new_qid = rest.substr(end + 15);
  if (!IsQueueId(new_qid)) return false;
  e->kind = EventKind::kNotification;
  e->queue_id = qid;
  e->detail = detail;
  e->new_queue_id = new_qid;
  return true;
}

}  // namespace

bool FastParse(Daemon daemon, std::string_view message, Event* e) {
  // A line break inside a message (possible from journald, never in a syslog
  // file) is left to the tables, whose patterns decide line by line.
  if (FindByte(message, '\n') != sv::npos) return false;
  bool ok = false;
  switch (daemon) {
    case Daemon::kSmtp:
    case Daemon::kLmtp:
      // Delivery lines start with "QID: "; the delivery scanner declines a
      // TLS summary ("Trusted TLS ...": no queue ID before the first ": ").
      ok = ParseDelivery(message, e) || ParseClientTls(message, e) ||
           ParseConnectFailed(message, e) || ParseSessionTrouble(message, e) ||
           ParseClientTlsTrouble(message, e);
      break;
    case Daemon::kLocal:
    case Daemon::kVirtual:
    case Daemon::kPipe:
    case Daemon::kError:
    case Daemon::kDiscard:
      ok = ParseDelivery(message, e);
      break;
    case Daemon::kQmgr:
      ok = ParseQmgr(message, e) || ParseDelivery(message, e);
      break;
    case Daemon::kCleanup:
      ok = ParseCleanup(message, e) || ParseCleanupCheck(message, e) ||
           ParseCleanupMilterReject(message, e);
      break;
    case Daemon::kSmtpd:
      ok = ParseSmtpd(message, e) || ParseSmtpdTls(message, e) ||
           ParseSmtpdAction(message, e) || ParseSmtpdSessionEnd(message, e) ||
           ParseSmtpdSaslFailed(message, e) || ParseSmtpdPlainWarning(message, e) ||
           ParseSmtpdClientNotice(message, e);
      break;
    case Daemon::kDnsblog:
      ok = ParseDnsblog(message, e);
      break;
    case Daemon::kTlsproxy:
      ok = ParseTlsproxy(message, e);
      break;
    case Daemon::kPickup:
      ok = ParsePickup(message, e);
      break;
    case Daemon::kPostscreen:
      ok = ParsePostscreen(message, e) || ParsePostscreenReject(message, e);
      break;
    case Daemon::kBounce:
      ok = ParseBounce(message, e);
      break;
    default:
      return false;
  }
  if (!ok) return false;
  e->daemon = daemon;
  e->delivery_status = DeliveryStatusFromWord(e->status);
  ParseReplyCodes(e->reply, &e->reply_code, &e->enhanced_code);
  return true;
}

}  // namespace mailgauge::parsers
