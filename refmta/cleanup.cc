#include "refmta/cleanup.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace mailgauge::refmta {
namespace {

bool StartsHeaderName(absl::string_view line, absl::string_view name) {
  return line.size() > name.size() && line[name.size()] == ':' &&
         absl::StartsWithIgnoreCase(line, name);
}

std::string Unfolded(absl::string_view header) {
  std::string out;
  for (char c : header) {
    if (c != '\n') out.push_back(c);
  }
  return out;
}

}  // namespace

HeaderAction ParseHeaderAction(absl::string_view result) {
  absl::string_view r = absl::StripAsciiWhitespace(result);
  size_t space = r.find_first_of(" \t");
  HeaderAction a;
  a.command = absl::AsciiStrToUpper(r.substr(0, space));
  if (space != absl::string_view::npos) {
    a.text = std::string(absl::StripAsciiWhitespace(r.substr(space)));
  }
  return a;
}

std::vector<std::string> LogicalHeaders(absl::string_view content, size_t* body_offset) {
  std::vector<std::string> headers;
  size_t pos = 0;
  *body_offset = content.size();
  while (pos < content.size()) {
    size_t nl = content.find('\n', pos);
    size_t end = nl == absl::string_view::npos ? content.size() : nl;
    absl::string_view line = content.substr(pos, end - pos);
    size_t next = nl == absl::string_view::npos ? content.size() : nl + 1;
    if (line.empty()) {
      *body_offset = next;
      return headers;
    }
    bool continuation = line.front() == ' ' || line.front() == '\t';
    if (continuation && !headers.empty()) {
      absl::StrAppend(&headers.back(), "\n", line);
    } else if (!continuation && line.find(':') != absl::string_view::npos) {
      headers.emplace_back(line);
    } else {
      // Not a header: the body starts here (RFC 5322 allows no other lines).
      *body_offset = pos;
      return headers;
    }
    pos = next;
  }
  return headers;
}

Cleanup::Cleanup(const RefmtaConfig& config, Queue* queue, PostfixLogWriter* log,
                 Ledger* ledger, LookupTableList header_checks, int64_t pid)
    : myhostname_(config.myhostname),
      queue_(queue),
      log_(log),
      ledger_(ledger),
      header_checks_(std::move(header_checks)),
      pid_(pid) {}

void Cleanup::Record(const IncomingMessage& m, absl::string_view event,
                     absl::string_view status, absl::string_view where,
                     absl::string_view why) {
  for (const std::string& rcpt : m.recipients) {
    // A ledger write error must not lose the message; it is reported by the
    // ledger file being short, which the end-to-end tests detect.
    (void)ledger_->Append({std::string(event), m.arrival, m.queue_id, m.sender, rcpt,
                           std::string(status), std::string(where), std::string(why)});
  }
}

CleanupResult Cleanup::Process(const IncomingMessage& m, QueueName reserved_in) {
  CleanupResult result;
  size_t body_offset = 0;
  std::vector<std::string> headers = LogicalHeaders(m.content, &body_offset);
  namespace pm = postfix_message;
  const bool local_submission = m.uid >= 0;
  pm::TransactionContext context;
  context.sender = m.sender;
  if (!m.recipients.empty()) context.recipient = m.recipients.back();  // cleanup's last
  if (!local_submission) {
    context.protocol = m.protocol;
    if (!m.helo.empty()) context.helo = m.helo;
  }
  std::string origin =
      local_submission ? std::string("local") : pm::NamAddr(m.client_name, m.client_addr);

  bool hold = false;
  std::vector<bool> drop(headers.size(), false);
  for (size_t i = 0; i < headers.size(); ++i) {
    absl::optional<std::string> found = header_checks_.Find(headers[i]);
    if (!found) continue;
    HeaderAction action = ParseHeaderAction(*found);
    const std::string& h = headers[i];
    if (action.command == "REJECT") {
      // cleanup_message.c: state->reason = dsn_prepend("5.7.1", optional_text),
      // or "5.7.1 message content rejected"; smtpd replies "550 <reason>".
      std::string reason = action.text.empty()
                               ? std::string("5.7.1 message content rejected")
                               : (absl::ascii_isdigit(action.text[0]) &&
                                          action.text.size() > 4 && action.text[1] == '.'
                                      ? action.text
                                      : absl::StrCat("5.7.1 ", action.text));
      log_->Info("cleanup", pid_,
                 pm::CleanupAction(m.queue_id, "reject", "header", h, origin, context, reason));
      (void)queue_->Remove(reserved_in, m.queue_id);
      result.kind = CleanupResult::Kind::kRejected;
      result.reply = absl::StrCat(reason[0] == '4' ? "451 " : "550 ", reason);
      Record(m, "rejected", "reject", "cleanup:header", result.reply);
      return result;
    }
    if (action.command == "DISCARD") {
      log_->Info("cleanup", pid_,
                 pm::CleanupAction(m.queue_id, "discard", "header", h, origin, context,
                                   action.text));
      (void)queue_->Remove(reserved_in, m.queue_id);
      result.kind = CleanupResult::Kind::kDiscarded;
      result.reply = absl::StrCat("250 2.0.0 Ok: queued as ", m.queue_id);
      Record(m, "discarded", "discard", "cleanup:header", Unfolded(h));
      return result;
    }
    if (action.command == "HOLD") {
      if (!hold) {
        log_->Info("cleanup", pid_,
                   pm::CleanupAction(m.queue_id, "hold", "header", h, origin, context,
                                     action.text));
      }
      hold = true;
    } else if (action.command == "WARN") {
      log_->Info("cleanup", pid_,
                 pm::CleanupAction(m.queue_id, "warning", "header", h, origin, context,
                                   action.text));
    } else if (action.command == "INFO") {
      log_->Info("cleanup", pid_,
                 pm::CleanupAction(m.queue_id, "info", "header", h, origin, context,
                                   action.text));
    } else if (action.command == "IGNORE") {
      drop[i] = true;
    }
    // OK and DUNNO (and anything else) leave the header alone.
  }

  // Message-ID: log the one present, or add one as cleanup does:
  // "%s.%s@%s", time stamp "%Y%m%d%H%M%S" (UTC), queue ID, myhostname.
  std::string message_id;
  for (const std::string& h : headers) {
    if (StartsHeaderName(h, "Message-ID")) {
      message_id = std::string(absl::StripAsciiWhitespace(Unfolded(h.substr(11))));
      break;
    }
  }
  std::string added;
  if (message_id.empty()) {
    message_id = absl::StrCat(
        "<", absl::FormatTime("%Y%m%d%H%M%S", m.arrival, absl::UTCTimeZone()), ".",
        m.queue_id, "@", myhostname_, ">");
    added = absl::StrCat("Message-Id: ", message_id, "\n");
  }
  log_->Info("cleanup", pid_, pm::CleanupMessageId(m.queue_id, message_id));

  // smtpd's Received: header, or pickup's:
  //   pickup.c: "Received: by %s (%s, from userid %ld)" then "\tid %s; %s".
  std::string received;
  if (local_submission) {
    received = absl::StrCat("Received: by ", myhostname_, " (Postfix, from userid ", m.uid,
                            ")\n\tid ", m.queue_id);
  } else {
    received = absl::StrCat(
        "Received: from ", m.helo.empty() ? m.client_name : m.helo, " (", m.client_name,
        " [", m.client_addr, "])\n\tby ", myhostname_, " (Postfix) with ", m.protocol,
        " id ", m.queue_id);
    if (m.recipients.size() == 1) {
      absl::StrAppend(&received, "\n\tfor <", m.recipients[0], ">");
    }
  }
  absl::StrAppend(&received, "; ",
                  absl::FormatTime("%a, %e %b %Y %H:%M:%S %z (%Z)", m.arrival,
                                   absl::UTCTimeZone()),
                  "\n");
  std::string content = received;
  for (size_t i = 0; i < headers.size(); ++i) {
    if (!drop[i]) absl::StrAppend(&content, headers[i], "\n");
  }
  content += added;
  content += "\n";
  if (body_offset < m.content.size()) {
    absl::StrAppend(&content, absl::string_view(m.content).substr(body_offset));
  }

  Envelope env;
  env.queue_id = m.queue_id;
  env.sender = m.sender;
  for (const std::string& r : m.recipients) env.recipients.push_back({r});
  env.arrival_micros = absl::ToUnixMicros(m.arrival);
  env.origin = local_submission ? "pickup" : "smtpd";
  env.uid = m.uid;
  env.client_name = m.client_name;
  env.client_addr = m.client_addr;
  env.helo_name = m.helo;
  env.protocol = m.protocol;
  env.message_id = message_id;
  QueueName target = hold ? QueueName::kHold : QueueName::kIncoming;
  absl::Status s = queue_->Commit(reserved_in, target, env, content);
  if (!s.ok()) {
    // cleanup_out.c: msg_warn("%s: write queue file: %m", queue_id), e.g.
    // "write queue file: No space left on device"; the partial file is gone
    // (Commit removes its temporary file), the reservation file is removed below.
    std::string why(s.message());
    if (absl::IsResourceExhausted(s)) {
      size_t colon = why.rfind(": ");
      why = absl::StrCat("write queue file: ",
                         colon == std::string::npos ? why : why.substr(colon + 2));
    }
    log_->Warning("cleanup", pid_, absl::StrCat(m.queue_id, ": ", why));
    (void)queue_->Remove(reserved_in, m.queue_id);
    result.kind = CleanupResult::Kind::kFailed;
    result.reply = "451 4.3.0 Error: queue file write error";
    Record(m, "rejected", "defer", "cleanup:queue", result.reply);
    return result;
  }
  result.kind = hold ? CleanupResult::Kind::kHeld : CleanupResult::Kind::kQueued;
  result.reply = absl::StrCat("250 2.0.0 Ok: queued as ", m.queue_id);
  Record(m, hold ? "held" : "accepted", hold ? "hold" : "queued", env.origin, result.reply);
  return result;
}

}  // namespace mailgauge::refmta
