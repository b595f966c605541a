// File: parsers/postfix/reason.h
// Reason classes: a small fixed set of reasons why Postfix rejected a
// message (RejectReason) or why a delivery was deferred or bounced
// (DeliveryProblem), read from an Event's reply text, codes and reject
// stage. They label metrics and JSON records, so the set is fixed and each
// class has a stable snake_case name.
//
//   Event e;  // parsed "NOQUEUE: reject: RCPT from ...: 554 5.7.1 <x@y>: Relay access denied; ..."
//   RejectReason r = ClassifyReject(e);          // RejectReason::kRelayDenied
//   ReasonName(r);                               // "relay_denied"
//
//   Event d;  // parsed "QID: to=<a@b>, ..., dsn=5.2.2, status=bounced (... Mailbox full ...)"
//   ReasonName(ClassifyDeliveryProblem(d));      // "mailbox_full"
//
// Classification looks at Postfix's own standard texts first (smtpd_check.c,
// cleanup, local/virtual, smtp client, dns), then at well-known texts of
// other software (postgrey, policyd-spf, Dovecot, big mailbox providers),
// then at the RFC 3463 enhanced code. Anything else is kOther.
//
// Thread-safety: pure functions.
#ifndef MAILGAUGE_PARSERS_POSTFIX_REASON_H_
#define MAILGAUGE_PARSERS_POSTFIX_REASON_H_

#include <cstdint>
#include <string_view>

#include "parsers/postfix/event.h"

namespace mailgauge::parsers {

enum class RejectReason : uint8_t {
  kRelayDenied,           // "Relay access denied"
  kUnknownUser,           // "User unknown in local recipient table", 5.1.1
  kUnknownSenderDomain,   // "Sender address rejected: Domain not found"
  kRbl,                   // "blocked using zen.spamhaus.org" (RblListName() gives the list)
  kHelo,                  // "Helo command rejected: ..."
  kClientHost,            // "Client host rejected: Access denied", CONNECT-stage access
  kReverseDns,            // "Client host rejected: cannot find your (reverse) hostname"
  kSenderRestriction,     // other "Sender address rejected: ..."
  kRecipientRestriction,  // other "Recipient address rejected: ..."
  kMessageSize,           // "Message size exceeds fixed limit", 5.3.4
  kHeaderCheck,           // cleanup header_checks (reject: header ...)
  kBodyCheck,             // cleanup body_checks (reject: body ...)
  kMilter,                // milter-reject
  kPolicyService,         // check_policy_service answers (SPF, policyd, ...)
  kGreylisting,           // postgrey, sqlgrey, policyd "Greylisted"
  kRateLimit,             // "Too many ...", anvil limits, rate limiting policies
  kPipelining,            // "Improper use of SMTP command pipelining"
  kTlsRequired,           // "Must issue a STARTTLS command first"
  kContentFilter,         // proxy-reject: a before-queue content filter (smtpd_proxy_filter)
  kOther,
};
inline constexpr int kNumRejectReasons = static_cast<int>(RejectReason::kOther) + 1;

// DeliveryProblem (the classes of a deferral or bounce) is declared in
// event.h, since a parsed Event carries its class.
inline constexpr int kNumDeliveryProblems = static_cast<int>(DeliveryProblem::kOther) + 1;

// Classifies a reject (kReject, kRejectWarning, kMilterReject,
// kPostscreenNoqueue, ...) from event.kind, reject_stage, reply,
// reply_code and enhanced_code. Never fails: unknown texts are kOther.
RejectReason ClassifyReject(const Event& event);

// Classifies a deferral or bounce (a kDelivery line with status
// deferred/bounced/expired, or an smtp/lmtp kSmtpHostSaid,
// kSmtpConnectFailed, kSmtpLostConnection, kSmtpConversation line) from
// event.kind, status, dsn, reply and enhanced_code. Never fails. When the
// parser already classified the event (event.has_delivery_problem, see
// SetDeliveryProblem), returns that class without classifying again, so
// every consumer of a line may call it at no cost.
DeliveryProblem ClassifyDeliveryProblem(const Event& event);

// The classification itself, ignoring event.has_delivery_problem: one pass
// over the reply text (a case-insensitive keyword scan), then the decision
// list described above.
DeliveryProblem ComputeDeliveryProblem(const Event& event);

// Called by PostfixParser on every parsed line: classifies, once, the lines
// its consumers classify (a kDelivery line whose status is not sent or
// deliverable, a kSmtpConnectFailed line) and stores the class in
// event->delivery_problem (has_delivery_problem = true). Other lines are
// left alone.
void SetDeliveryProblem(Event* event);

// The DNSBL/RBL zone named by "... blocked using zen.spamhaus.org; ..." or
// "... blocked using zen.spamhaus.org" (a view into `text`); empty if none.
std::string_view RblListName(std::string_view text);

// Stable lower-case snake_case names for metric labels and JSON:
// "relay_denied", "unknown_user", ..., "other"; "connection_refused", ...
std::string_view ReasonName(RejectReason r);
std::string_view ReasonName(DeliveryProblem p);

}  // namespace mailgauge::parsers

#endif  // MAILGAUGE_PARSERS_POSTFIX_REASON_H_
