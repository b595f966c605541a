#include "parsers/postfix/reason.h"

#include <initializer_list>
#include <string>

#include "parsers/postfix/enhanced_status.h"

namespace mailgauge::parsers {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// `text` in ASCII lower case, in a per-thread buffer reused across calls
// (valid until the next call on this thread).
std::string_view Lowered(std::string_view text) {
  thread_local std::string buffer;
  buffer.assign(text.data(), text.size());
  for (char& c : buffer) c = Lower(c);
  return buffer;
}

// A classified text in ASCII lower case, lowered once per classification
// (Lowered()'s buffer: one LowerText per thread at a time).
struct LowerText {
  explicit LowerText(std::string_view text) : view(Lowered(text)) {}
  std::string_view view;
};

// True if `text` contains any of `needles` (given in lower case), ignoring
// ASCII case.
bool ContainsAny(const LowerText& text, std::initializer_list<std::string_view> needles) {
  for (std::string_view n : needles) {
    if (text.view.find(n) != std::string_view::npos) return true;
  }
  return false;
}

bool Contains(std::string_view text, std::string_view needle) {
  return text.find(needle) != std::string_view::npos;
}

// The RFC 3463 code the event carries: the reply's enhanced code, else the
// dsn= field. Subject/detail -1 when there is none or it does not parse.
struct Code {
  int status_class = -1;
  int subject = -1;
  int detail = -1;
  bool Is(int s, int d) const { return subject == s && detail == d; }
};

Code EventCode(const Event& e) {
  Code c;
  for (std::string_view text : {e.enhanced_code, e.dsn}) {
    if (text.empty()) continue;
    absl::StatusOr<EnhancedStatus> s = ParseEnhancedStatus(text);
    if (!s.ok()) continue;
    c.status_class = static_cast<int>(s->status_class);
    c.subject = s->subject;
    c.detail = s->detail;
    break;
  }
  return c;
}

bool IsGreylisting(const LowerText& text) {
  return ContainsAny(text, {"greylist", "graylist", "grey-list", "gray-list", "grey list"});
}

bool IsRateLimit(const LowerText& text) {
  return ContainsAny(text, {"too many ", "too much mail", "rate limit", "ratelimit",
                            "rate-limit", "throttl", "unusual rate", "too fast",
                            "sending rate", "exceeded the rate"});
}

}  // namespace

std::string_view RblListName(std::string_view text) {
  constexpr std::string_view kMarker = "blocked using ";
  size_t pos = text.find(kMarker);
  if (pos == std::string_view::npos) return {};
  pos += kMarker.size();
  size_t end = pos;
  while (end < text.size() && text[end] != ';' && text[end] != ',' &&
         text[end] != ' ' && text[end] != ')') {
    ++end;
  }
  return text.substr(pos, end - pos);
}

RejectReason ClassifyReject(const Event& e) {
  if (e.kind == EventKind::kMilterReject) return RejectReason::kMilter;
  if (e.reject_stage == RejectStage::kHeader) return RejectReason::kHeaderCheck;
  if (e.reject_stage == RejectStage::kBody) return RejectReason::kBodyCheck;

  const std::string_view text = e.reply.empty() ? e.detail : e.reply;
  const LowerText lower(text);
  const Code code = EventCode(e);

  // Postfix's standard smtpd_check.c texts, most specific first.
  if (Contains(text, "Relay access denied")) return RejectReason::kRelayDenied;
  if (Contains(text, "blocked using ")) return RejectReason::kRbl;
  if (IsGreylisting(lower)) return RejectReason::kGreylisting;
  if (Contains(text, "Improper use of SMTP command pipelining")) {
    return RejectReason::kPipelining;
  }
  if (ContainsAny(lower, {"must issue a starttls command first",
                         "encryption required for requested authentication"})) {
    return RejectReason::kTlsRequired;
  }
  if (ContainsAny(lower, {"message size exceeds", "message too large", "message too big"})) {
    return RejectReason::kMessageSize;
  }
  // Also reject_unverified_recipient's "undeliverable address: ... said: 550
  // 5.1.1 No such mailbox".
  if (ContainsAny(lower, {"user unknown", "unknown user", "no such user", "no such mailbox",
                         "does not exist", "unknown recipient", "recipient not found",
                         "user not found"})) {
    return RejectReason::kUnknownUser;
  }
  if (Contains(text, "Sender address rejected:") &&
      ContainsAny(lower, {"domain not found", "host or domain name not found",
                         "host not found"})) {
    return RejectReason::kUnknownSenderDomain;
  }
  if (IsRateLimit(lower)) return RejectReason::kRateLimit;
  // check_policy_service answers: policyd-spf, policyd, postfwd, ...
  if (ContainsAny(lower, {"spf", "policy", "policyd", "postfwd"}) ||
      Contains(text, "Message rejected due to:")) {
    return RejectReason::kPolicyService;
  }
  if (Contains(text, "Helo command rejected")) return RejectReason::kHelo;
  if (ContainsAny(lower, {"cannot find your hostname", "cannot find your reverse hostname"})) {
    return RejectReason::kReverseDns;
  }
  if (Contains(text, "Client host rejected")) return RejectReason::kClientHost;
  if (Contains(text, "Sender address rejected")) return RejectReason::kSenderRestriction;
  if (Contains(text, "Recipient address rejected")) return RejectReason::kRecipientRestriction;

  // No standard text: fall back on the enhanced code and the stage.
  if (code.Is(1, 1)) return RejectReason::kUnknownUser;
  if (code.Is(3, 4) || code.Is(2, 3)) return RejectReason::kMessageSize;
  if (code.Is(7, 10) || code.Is(7, 11)) return RejectReason::kTlsRequired;
  if (code.Is(7, 28)) return RejectReason::kRateLimit;
  if (e.reject_stage == RejectStage::kConnect) return RejectReason::kClientHost;
  if (e.reject_stage == RejectStage::kHelo || e.reject_stage == RejectStage::kEhlo) {
    return RejectReason::kHelo;
  }
  return RejectReason::kOther;
}

DeliveryProblem ClassifyDeliveryProblem(const Event& e) {
  if (e.kind == EventKind::kExpired || e.delivery_status == DeliveryStatus::kExpired ||
      e.status == "force-expired") {
    return DeliveryProblem::kExpired;
  }
  const std::string_view text = e.reply.empty() ? e.detail : e.reply;
  const LowerText lower(text);
  const Code code = EventCode(e);
  // A reply the remote server sent, as opposed to Postfix's own explanation.
  const bool remote = e.kind == EventKind::kSmtpHostSaid || Contains(text, " said: ");

  // Texts, most specific first.
  if (ContainsAny(lower, {"loops back to myself", "mail forwarding loop", "alias database loop",
                         "nesting limit exceeded", "too many hops", "hop count exceeded",
                         "routing loop"})) {
    return DeliveryProblem::kLoop;
  }
  if (ContainsAny(lower, {"tls is required", "cannot start tls", "server certificate not verified",
                         "certificate verification failed", "ssl_connect error",
                         "requiretls", "tlsa lookup error", "client tls configuration problem",
                         "refused to start tls", "must issue a starttls command first",
                         "tls handshake"})) {
    return DeliveryProblem::kTlsFailure;
  }
  if (IsGreylisting(lower)) return DeliveryProblem::kGreylisted;
  // A temporary 4.7.1 "try again later" is how most greylisting policies
  // (and Postfix's own DEFER action used for it) word their answer.
  if (code.status_class == 4 && code.Is(7, 1) &&
      ContainsAny(lower, {"try again later", "come back later", "retry later"})) {
    return DeliveryProblem::kGreylisted;
  }
  if (!remote) {
    if (Contains(text, "Connection refused")) return DeliveryProblem::kConnectionRefused;
    if (ContainsAny(lower, {"connection timed out", "timed out while"})) {
      return DeliveryProblem::kConnectionTimedOut;
    }
    // Any other failed connect ("No route to host", "Network is
    // unreachable"): RFC 3463's X.4.1 "No answer from host".
    if (e.kind == EventKind::kSmtpConnectFailed || Contains(text, "connect to ")) {
      return DeliveryProblem::kConnectionTimedOut;
    }
  }
  if (ContainsAny(lower, {"host or domain name not found", "name service error",
                         "does not accept mail (nullmx)", "name server loop",
                         "unable to find primary relay", "no mx host for",
                         ": host not found"})) {
    return DeliveryProblem::kDns;
  }
  if (ContainsAny(lower, {"mailbox full", "mailbox is full", "over quota", "quota exceeded",
                         "disk quota", "file too large", "exceeded storage allocation",
                         "mailbox size limit", "user is over", "out of storage",
                         "quota exceed", "insufficient storage for mailbox"})) {
    return DeliveryProblem::kMailboxFull;
  }
  if (IsRateLimit(lower)) return DeliveryProblem::kRemoteRateLimit;
  if (ContainsAny(lower, {"exceeds size limit", "message size", "message too large",
                         "message too big", "message is too large", "size exceeds",
                         "too big"})) {
    return DeliveryProblem::kMessageTooLarge;
  }
  if (ContainsAny(lower, {"user unknown", "unknown user", "no such user", "does not exist",
                         "user not found", "recipient not found", "unknown recipient",
                         "invalid recipient", "no mailbox", "mailbox unavailable",
                         "mailbox not found", "address not found", "user doesn't exist",
                         "account disabled", "mailbox disabled"})) {
    return DeliveryProblem::kUserUnknown;
  }
  if (ContainsAny(lower, {"spam", "blocked", "blacklist", "blocklist", "denylist", "dnsbl",
                         "reputation", "not authorized", "dmarc", "dkim", "spf ",
                         "access denied", "content rejected", "virus", "phish",
                         "policy", "rejected due to", "unsolicited"})) {
    return DeliveryProblem::kPolicySpam;
  }

  // No telling text: the RFC 3463 code.
  if (code.Is(4, 6)) return DeliveryProblem::kLoop;
  if (code.Is(4, 7)) return DeliveryProblem::kExpired;
  if (code.Is(7, 10) || code.Is(7, 30) || code.Is(7, 4) || code.Is(7, 5)) {
    return DeliveryProblem::kTlsFailure;
  }
  if (!remote && code.Is(4, 1)) return DeliveryProblem::kConnectionTimedOut;
  if (code.Is(4, 3) || code.Is(4, 4) || code.Is(1, 2) || code.Is(1, 10)) {
    return DeliveryProblem::kDns;
  }
  if (code.Is(2, 2)) return DeliveryProblem::kMailboxFull;
  if (code.Is(7, 28)) return DeliveryProblem::kRemoteRateLimit;
  if (code.Is(3, 4) || code.Is(2, 3) || code.Is(7, 16)) {
    return DeliveryProblem::kMessageTooLarge;
  }
  if (code.Is(1, 1) || code.Is(1, 3) || code.Is(1, 6) || code.Is(2, 1) || code.Is(7, 13)) {
    return DeliveryProblem::kUserUnknown;
  }
  if (code.subject == 7 && code.status_class != 2) return DeliveryProblem::kPolicySpam;
  return DeliveryProblem::kOther;
}

std::string_view ReasonName(RejectReason r) {
  switch (r) {
    case RejectReason::kRelayDenied: return "relay_denied";
    case RejectReason::kUnknownUser: return "unknown_user";
    case RejectReason::kUnknownSenderDomain: return "unknown_sender_domain";
    case RejectReason::kRbl: return "rbl";
    case RejectReason::kHelo: return "helo";
    case RejectReason::kClientHost: return "client_host";
    case RejectReason::kReverseDns: return "reverse_dns";
    case RejectReason::kSenderRestriction: return "sender_restriction";
    case RejectReason::kRecipientRestriction: return "recipient_restriction";
    case RejectReason::kMessageSize: return "message_size";
    case RejectReason::kHeaderCheck: return "header_check";
    case RejectReason::kBodyCheck: return "body_check";
    case RejectReason::kMilter: return "milter";
    case RejectReason::kPolicyService: return "policy_service";
    case RejectReason::kGreylisting: return "greylisting";
    case RejectReason::kRateLimit: return "rate_limit";
    case RejectReason::kPipelining: return "pipelining";
    case RejectReason::kTlsRequired: return "tls_required";
    case RejectReason::kOther: return "other";
  }
  return "other";
}

std::string_view ReasonName(DeliveryProblem p) {
  switch (p) {
    case DeliveryProblem::kConnectionRefused: return "connection_refused";
    case DeliveryProblem::kConnectionTimedOut: return "connection_timed_out";
    case DeliveryProblem::kDns: return "dns";
    case DeliveryProblem::kTlsFailure: return "tls_failure";
    case DeliveryProblem::kGreylisted: return "greylisted";
    case DeliveryProblem::kRemoteRateLimit: return "remote_rate_limit";
    case DeliveryProblem::kMailboxFull: return "mailbox_full";
    case DeliveryProblem::kUserUnknown: return "user_unknown";
    case DeliveryProblem::kPolicySpam: return "policy_spam";
    case DeliveryProblem::kMessageTooLarge: return "message_too_large";
    case DeliveryProblem::kLoop: return "loop";
    case DeliveryProblem::kExpired: return "expired";
    case DeliveryProblem::kOther: return "other";
  }
  return "other";
}

}  // namespace mailgauge::parsers
