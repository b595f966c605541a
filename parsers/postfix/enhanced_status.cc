#include "parsers/postfix/enhanced_status.h"

#include "absl/strings/str_cat.h"

namespace mailgauge::parsers {
namespace {

struct Definition {
  int subject;
  int detail;
  std::string_view description;
};

// RFC 3463 section 3, plus the IANA "SMTP Enhanced Status Codes" registry
// entries added by later RFCs (noted per line).
constexpr Definition kDefinitions[] = {
    {0, 0, "Other undefined Status"},
    {1, 0, "Other address status"},
    {1, 1, "Bad destination mailbox address"},
    {1, 2, "Bad destination system address"},
    {1, 3, "Bad destination mailbox address syntax"},
    {1, 4, "Destination mailbox address ambiguous"},
    {1, 5, "Destination address valid"},
    {1, 6, "Destination mailbox has moved, No forwarding address"},
    {1, 7, "Bad sender's mailbox address syntax"},
    {1, 8, "Bad sender's system address"},
    {1, 9, "Message relayed to non-compliant mailer"},  // RFC 3886
    {1, 10, "Recipient address has null MX"},           // RFC 7505
    {2, 0, "Other or undefined mailbox status"},
    {2, 1, "Mailbox disabled, not accepting messages"},
    {2, 2, "Mailbox full"},
    {2, 3, "Message length exceeds administrative limit"},
    {2, 4, "Mailing list expansion problem"},
    {3, 0, "Other or undefined mail system status"},
    {3, 1, "Mail system full"},
    {3, 2, "System not accepting network messages"},
    {3, 3, "System not capable of selected features"},
    {3, 4, "Message too big for system"},
    {3, 5, "System incorrectly configured"},
    {3, 6, "Requested priority was changed"},  // RFC 6710
    {4, 0, "Other or undefined network or routing status"},
    {4, 1, "No answer from host"},
    {4, 2, "Bad connection"},
    {4, 3, "Directory server failure"},
    {4, 4, "Unable to route"},
    {4, 5, "Mail system congestion"},
    {4, 6, "Routing loop detected"},
    {4, 7, "Delivery time expired"},
    {5, 0, "Other or undefined protocol status"},
    {5, 1, "Invalid command"},
    {5, 2, "Syntax error"},
    {5, 3, "Too many recipients"},
    {5, 4, "Invalid command arguments"},
    {5, 5, "Wrong protocol version"},
    {5, 6, "Authentication Exchange line is too long"},  // RFC 4954
    {6, 0, "Other or undefined media error"},
    {6, 1, "Media not supported"},
    {6, 2, "Conversion required and prohibited"},
    {6, 3, "Conversion required but not supported"},
    {6, 4, "Conversion with loss performed"},
    {6, 5, "Conversion Failed"},
    {6, 6, "Message content not available"},  // RFC 4468
    {6, 7, "Non-ASCII addresses not permitted for that sender/recipient"},  // RFC 6531
    {6, 8, "UTF-8 string reply is required, but not permitted by the SMTP client"},  // RFC 6531
    {6, 9, "UTF-8 header message cannot be transferred to one or more recipients, "
           "so the message must be rejected"},  // RFC 6531
    {6, 10, "UTF-8 string reply is required, but not permitted by the SMTP client "
            "(deprecated duplicate of X.6.8)"},  // RFC 6531
    {7, 0, "Other or undefined security status"},
    {7, 1, "Delivery not authorized, message refused"},
    {7, 2, "Mailing list expansion prohibited"},
    {7, 3, "Security conversion required but not possible"},
    {7, 4, "Security features not supported"},
    {7, 5, "Cryptographic failure"},
    {7, 6, "Cryptographic algorithm not supported"},
    {7, 7, "Message integrity failure"},
    {7, 8, "Authentication credentials invalid"},                           // RFC 4954
    {7, 9, "Authentication mechanism is too weak"},                         // RFC 4954
    {7, 10, "Encryption Needed"},                                           // RFC 5248
    {7, 11, "Encryption required for requested authentication mechanism"},  // RFC 4954
    {7, 12, "A password transition is needed"},                             // RFC 4954
    {7, 13, "User Account Disabled"},                                       // RFC 5248
    {7, 14, "Trust relationship required"},                                 // RFC 5248
    {7, 15, "Priority Level is too low"},                                   // RFC 6710
    {7, 16, "Message is too big for the specified priority"},               // RFC 6710
    {7, 17, "Mailbox owner has changed"},                                   // RFC 7293
    {7, 18, "Domain owner has changed"},                                    // RFC 7293
    {7, 19, "RRVS test cannot be completed"},                               // RFC 7293
    {7, 20, "No passing DKIM signature found"},                             // RFC 7372
    {7, 21, "No acceptable DKIM signature found"},                          // RFC 7372
    {7, 22, "No valid author-matched DKIM signature found"},                // RFC 7372
    {7, 23, "SPF validation failed"},                                       // RFC 7372
    {7, 24, "SPF validation error"},                                        // RFC 7372
    {7, 25, "Reverse DNS validation failed"},                               // RFC 7372
    {7, 26, "Multiple authentication checks failed"},                       // RFC 7372
    {7, 27, "Sender address has null MX"},                                  // RFC 7505
    {7, 28, "Mail flood detected"},
    {7, 29, "ARC validation failure"},                                      // RFC 8617
    {7, 30, "REQUIRETLS support required"},                                 // RFC 8689
};

// Parses 1-3 decimal digits at s[*pos]; advances *pos. False if none.
bool ParseNumber(std::string_view s, size_t* pos, int* out) {
  size_t start = *pos;
  int value = 0;
  while (*pos < s.size() && *pos - start < 3 && s[*pos] >= '0' && s[*pos] <= '9') {
    value = value * 10 + (s[*pos] - '0');
    ++*pos;
  }
  if (*pos == start) return false;
  // A fourth digit makes the field too long.
  if (*pos < s.size() && s[*pos] >= '0' && s[*pos] <= '9') return false;
  *out = value;
  return true;
}

absl::Status Invalid(std::string_view code, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid enhanced status code \"",
                   absl::string_view(code.data(), code.size()), "\": ",
                   absl::string_view(why.data(), why.size())));
}

}  // namespace

bool EnhancedStatus::IsDefined() const {
  return !DetailDescription(subject, detail).empty();
}

absl::StatusOr<EnhancedStatus> ParseEnhancedStatus(std::string_view code) {
  if (code.empty()) return Invalid(code, "empty");
  if (code.size() > 9) return Invalid(code, "too long");
  EnhancedStatus s;
  switch (code[0]) {
    case '2': s.status_class = StatusClass::kSuccess; break;
    case '4': s.status_class = StatusClass::kPersistentTransientFailure; break;
    case '5': s.status_class = StatusClass::kPermanentFailure; break;
    default: return Invalid(code, "class must be 2, 4 or 5");
  }
  if (code.size() < 2 || code[1] != '.') return Invalid(code, "expected '.' after the class");
  size_t pos = 2;
  if (!ParseNumber(code, &pos, &s.subject)) {
    return Invalid(code, "subject must be 1-3 digits");
  }
  if (pos >= code.size() || code[pos] != '.') {
    return Invalid(code, "expected '.' after the subject");
  }
  ++pos;
  if (!ParseNumber(code, &pos, &s.detail)) {
    return Invalid(code, "detail must be 1-3 digits");
  }
  if (pos != code.size()) return Invalid(code, "trailing characters");
  return s;
}

std::string_view StatusClassName(StatusClass c) {
  switch (c) {
    case StatusClass::kSuccess: return "success";
    case StatusClass::kPersistentTransientFailure: return "persistent_transient_failure";
    case StatusClass::kPermanentFailure: return "permanent_failure";
  }
  return "unknown";
}

std::string_view StatusClassTitle(StatusClass c) {
  switch (c) {
    case StatusClass::kSuccess: return "Success";
    case StatusClass::kPersistentTransientFailure: return "Persistent Transient Failure";
    case StatusClass::kPermanentFailure: return "Permanent Failure";
  }
  return "";
}

std::string_view SubjectName(int subject) {
  switch (subject) {
    case 0: return "other";
    case 1: return "addressing";
    case 2: return "mailbox";
    case 3: return "mail_system";
    case 4: return "network_routing";
    case 5: return "mail_delivery_protocol";
    case 6: return "message_content";
    case 7: return "security_policy";
    default: return "unknown";
  }
}

std::string_view SubjectTitle(int subject) {
  switch (subject) {
    case 0: return "Other or Undefined Status";
    case 1: return "Addressing Status";
    case 2: return "Mailbox Status";
    case 3: return "Mail System Status";
    case 4: return "Network and Routing Status";
    case 5: return "Mail Delivery Protocol Status";
    case 6: return "Message Content or Media Status";
    case 7: return "Security or Policy Status";
    default: return "";
  }
}

std::string_view DetailDescription(int subject, int detail) {
  for (const Definition& d : kDefinitions) {
    if (d.subject == subject && d.detail == detail) return d.description;
  }
  return "";
}

std::string Describe(const EnhancedStatus& s) {
  std::string_view what = DetailDescription(s);
  if (what.empty()) what = SubjectTitle(s.subject);
  if (what.empty()) what = "undefined status";
  std::string_view cls = StatusClassTitle(s.status_class);
  std::string lower_cls(cls);
  for (char& c : lower_cls) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return absl::StrCat(static_cast<int>(s.status_class), ".", s.subject, ".",
                      s.detail, " ", lower_cls, ": ",
                      absl::string_view(what.data(), what.size()));
}

}  // namespace mailgauge::parsers
