// File: parsers/postfix/enhanced_status.h
// Decodes SMTP enhanced status codes ("5.1.1") as RFC 3463 defines them:
// class (2 success, 4 persistent transient failure, 5 permanent failure),
// subject (0 other ... 7 security/policy) and detail, with the registered
// description of every defined code (RFC 3463 section 3 and the IANA
// registry additions of RFC 3886, 4468, 4954, 5248, 6531, 6710, 7293, 7372,
// 7505, 8617 and 8689).
//
//   absl::StatusOr<EnhancedStatus> s = ParseEnhancedStatus("5.2.2");
//   if (s.ok()) {
//     s->status_class;              // StatusClass::kPermanentFailure
//     SubjectName(s->subject);      // "mailbox"
//     DetailDescription(*s);        // "Mailbox full"
//     Describe(*s);                 // "5.2.2 permanent failure: Mailbox full"
//   }
//
// Everything here is a pure function of its arguments and thread-safe.
#ifndef MAILGAUGE_PARSERS_POSTFIX_ENHANCED_STATUS_H_
#define MAILGAUGE_PARSERS_POSTFIX_ENHANCED_STATUS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace mailgauge::parsers {

// The first number of a code.
enum class StatusClass : uint8_t {
  kSuccess = 2,
  kPersistentTransientFailure = 4,
  kPermanentFailure = 5,
};

// The second number, for the subjects RFC 3463 defines. Codes may carry any
// subject of 1-3 digits; those without a definition have no enumerator.
enum class StatusSubject : uint8_t {
  kOther = 0,
  kAddressing = 1,
  kMailbox = 2,
  kMailSystem = 3,
  kNetworkRouting = 4,
  kMailDeliveryProtocol = 5,
  kMessageContent = 6,
  kSecurityPolicy = 7,
};

struct EnhancedStatus {
  StatusClass status_class = StatusClass::kSuccess;
  int subject = 0;  // 0..999
  int detail = 0;   // 0..999

  // True when RFC 3463 defines the subject (0..7).
  bool HasKnownSubject() const { return subject >= 0 && subject <= 7; }
  // True when the registry defines subject.detail.
  bool IsDefined() const;

  friend bool operator==(const EnhancedStatus& a, const EnhancedStatus& b) {
    return a.status_class == b.status_class && a.subject == b.subject &&
           a.detail == b.detail;
  }
};

// Parses "class.subject.detail" (RFC 3463: class 2, 4 or 5; subject and
// detail 1-3 digits, no sign, no spaces, nothing else). Any other input,
// including the empty string, is InvalidArgument; never crashes.
[[nodiscard]] absl::StatusOr<EnhancedStatus> ParseEnhancedStatus(
    std::string_view code);

// "success", "persistent_transient_failure", "permanent_failure": stable
// snake_case names for labels and JSON.
std::string_view StatusClassName(StatusClass c);
// "other", "addressing", "mailbox", "mail_system", "network_routing",
// "mail_delivery_protocol", "message_content", "security_policy"; "unknown"
// for a subject RFC 3463 does not define.
std::string_view SubjectName(int subject);
// RFC 3463's title of the class ("Persistent Transient Failure") and of the
// subject ("Addressing Status"); "" for an undefined subject.
std::string_view StatusClassTitle(StatusClass c);
std::string_view SubjectTitle(int subject);
// The registry's description of X.subject.detail, e.g. "Bad destination
// mailbox address" for X.1.1; "" when the code is not defined.
std::string_view DetailDescription(int subject, int detail);
inline std::string_view DetailDescription(const EnhancedStatus& s) {
  return DetailDescription(s.subject, s.detail);
}
// One line for reports: "5.1.1 permanent failure: Bad destination mailbox
// address"; an undefined detail falls back to the subject's title.
std::string Describe(const EnhancedStatus& s);

}  // namespace mailgauge::parsers

#endif  // MAILGAUGE_PARSERS_POSTFIX_ENHANCED_STATUS_H_
