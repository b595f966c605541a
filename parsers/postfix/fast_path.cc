#include "parsers/postfix/fast_path.h"

#include "parsers/postfix/pattern_table.h"
#include "parsers/postfix/queue_id.h"

namespace mailgauge::parsers {
namespace {

using sv = std::string_view;

bool StartsWith(sv s, sv prefix) { return s.substr(0, prefix.size()) == prefix; }
bool EndsWith(sv s, sv suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// "QID: " at the start: the queue ID, and `rest` after the colon and space.
bool TakeQueueId(sv message, sv* qid, sv* rest) {
  const size_t colon = message.find(": ");
  if (colon == sv::npos || colon < 6 || colon > 40) return false;
  *qid = message.substr(0, colon);
  if (!IsQueueId(*qid)) return false;
  *rest = message.substr(colon + 2);
  return true;
}

bool AllDigits(sv s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// \d+(?:\.\d+)?
bool IsSeconds(sv s) {
  const size_t dot = s.find('.');
  if (dot == sv::npos) return AllDigits(s);
  return AllDigits(s.substr(0, dot)) && AllDigits(s.substr(dot + 1));
}

// [245]\.\d{1,3}\.\d{1,3}
bool IsDsn(sv s) {
  if (s.size() < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') return false;
  const size_t dot = s.find('.', 2);
  if (dot == sv::npos) return false;
  const sv a = s.substr(2, dot - 2), b = s.substr(dot + 1);
  return AllDigits(a) && a.size() <= 3 && AllDigits(b) && b.size() <= 3;
}

// A value of an unknown or relay field: [^,<>"\s]*
bool IsPlainValue(sv s) {
  for (char c : s) {
    if (c == ',' || c == '<' || c == '>' || c == '"' || IsSpace(c)) return false;
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
  const size_t end = rest->find(">, ");
  if (end == sv::npos) return false;
  *addr = rest->substr(1, end - 1);
  if (addr->find('"') != sv::npos || addr->find('<') != sv::npos) return false;
  rest->remove_prefix(end + 3);
  return true;
}

// NAME[ADDR] with an optional :PORT, as smtpd logs a client.
bool TakeClient(sv* rest, Event* e) {
  const size_t open = rest->find('[');
  if (open == sv::npos) return false;
  const sv name = rest->substr(0, open);
  for (char c : name) {
    if (IsSpace(c) || c == ']') return false;
  }
  const size_t close = rest->find(']', open);
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
  const size_t status_pos = rest.find(", status=");
  if (status_pos == sv::npos) return false;
  sv fields = rest.substr(0, status_pos);
  sv tail = rest.substr(status_pos + 9);
  // Where we are in: relay, [conn_use], X*, delay, [delays], [tls], Y*,
  // [dsn], status — X and Y being fields of other names.
  enum Stage {
    kAfterRelay, kAfterConnUse, kInX, kAfterDelay, kAfterDelays, kAfterTls, kInY, kAfterDsn
  } stage = kAfterRelay;
  bool first = true;
  sv relay, conn_use, delay, delays, tls, dsn;
  bool has_conn_use = false, has_delays = false, has_tls = false, has_dsn = false;
  while (true) {
    const size_t comma = fields.find(", ");
    const sv field = fields.substr(0, comma);
    if (first) {
      if (!IsPlainValue(field)) return false;
      relay = field;
      first = false;
    } else {
      const size_t eq = field.find('=');
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
        if (!IsSeconds(value)) return false;
        delay = value;
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
  if (has_delays) {
    // \d+(?:\.\d+)?/... four times
    sv d = delays;
    for (int i = 0; i < 4; ++i) {
      const size_t slash = d.find('/');
      const sv part = i < 3 ? d.substr(0, slash) : d;
      if ((i < 3 && slash == sv::npos) || !IsSeconds(part)) return false;
      if (i < 3) d.remove_prefix(slash + 1);
    }
  }
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
  e->delay = ParseSeconds(delay);
  if (has_delays) ParseDelays(delays, &e->delays);
  if (has_tls) e->tls = tls;
  if (has_dsn) e->dsn = dsn;
  e->status = status;
  e->reply = reply;
  // "host X said: 550 5.1.1 ..." names the remote reply code.
  if (StartsWith(reply, "host ")) {
    const size_t said = reply.find(' ', 5);
    if (said != sv::npos && said > 5 && StartsWith(reply.substr(said), " said: ")) {
      const sv code = reply.substr(said + 7);
      if (code.size() >= 4 && (code[0] == '2' || code[0] == '4' || code[0] == '5') &&
          IsDigit(code[1]) && IsDigit(code[2]) && (code[3] == ' ' || code[3] == '-')) {
        e->reply_code = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
        const sv after = code.substr(4);
        const size_t sp = after.find(' ');
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
    if (token.find(')') == sv::npos &&
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
  const size_t end = rest.find(">, size=");
  if (end == sv::npos) return false;
  const sv from = rest.substr(6, end - 6);
  rest.remove_prefix(end + 8);
  const size_t comma = rest.find(", nrcpt=");
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

// smtpd: connect from C | disconnect from C[ stats][ notes=X] | QID: client=C
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
      }
      if (!stats.empty()) {
        sv check = stats;
        sv last_key;
        while (true) {
          const size_t sp = check.find(' ');
          const sv token = check.substr(0, sp);
          const size_t eq = token.find('=');
          if (eq == sv::npos || eq == 0) return false;
          last_key = token.substr(0, eq);
          for (char c : last_key) {
            if (!((c >= 'a' && c <= 'z') || c == '-')) return false;
          }
          const sv value = token.substr(eq + 1);
          const size_t slash = value.find('/');
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
  if (!TakeClient(&rest, e) || !rest.empty()) return false;
  e->kind = EventKind::kSmtpdClient;
  e->queue_id = qid;
  return true;
}

}  // namespace

bool FastParse(Daemon daemon, std::string_view message, Event* e) {
  bool ok = false;
  switch (daemon) {
    case Daemon::kSmtp:
    case Daemon::kLmtp:
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
      ok = ParseCleanup(message, e);
      break;
    case Daemon::kSmtpd:
      ok = ParseSmtpd(message, e);
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
