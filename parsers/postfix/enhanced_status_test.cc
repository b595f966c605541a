#include "parsers/postfix/enhanced_status.h"

#include <string>

#include "gtest/gtest.h"

namespace mailgauge::parsers {
namespace {

TEST(EnhancedStatusTest, ParsesClassSubjectDetail) {
  absl::StatusOr<EnhancedStatus> s = ParseEnhancedStatus("5.1.1");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(StatusClass::kPermanentFailure, s->status_class);
  EXPECT_EQ(1, s->subject);
  EXPECT_EQ(1, s->detail);
  EXPECT_TRUE(s->HasKnownSubject());
  EXPECT_TRUE(s->IsDefined());
  EXPECT_EQ("addressing", SubjectName(s->subject));
  EXPECT_EQ("Bad destination mailbox address", DetailDescription(*s));
  EXPECT_EQ("permanent_failure", StatusClassName(s->status_class));
}

TEST(EnhancedStatusTest, ParsesEveryClass) {
  EXPECT_EQ(StatusClass::kSuccess, ParseEnhancedStatus("2.0.0")->status_class);
  EXPECT_EQ(StatusClass::kPersistentTransientFailure,
            ParseEnhancedStatus("4.4.1")->status_class);
  EXPECT_EQ(StatusClass::kPermanentFailure, ParseEnhancedStatus("5.7.1")->status_class);
  EXPECT_EQ("success", StatusClassName(StatusClass::kSuccess));
  EXPECT_EQ("persistent_transient_failure",
            StatusClassName(StatusClass::kPersistentTransientFailure));
  EXPECT_EQ("Persistent Transient Failure",
            StatusClassTitle(StatusClass::kPersistentTransientFailure));
}

TEST(EnhancedStatusTest, ThreeDigitFields) {
  absl::StatusOr<EnhancedStatus> s = ParseEnhancedStatus("4.123.999");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(123, s->subject);
  EXPECT_EQ(999, s->detail);
  EXPECT_FALSE(s->HasKnownSubject());
  EXPECT_FALSE(s->IsDefined());
  EXPECT_EQ("unknown", SubjectName(s->subject));
  EXPECT_EQ("", DetailDescription(*s));
  EXPECT_EQ("4.123.999 persistent transient failure: undefined status", Describe(*s));
}

TEST(EnhancedStatusTest, SubjectNames) {
  EXPECT_EQ("other", SubjectName(0));
  EXPECT_EQ("addressing", SubjectName(1));
  EXPECT_EQ("mailbox", SubjectName(2));
  EXPECT_EQ("mail_system", SubjectName(3));
  EXPECT_EQ("network_routing", SubjectName(4));
  EXPECT_EQ("mail_delivery_protocol", SubjectName(5));
  EXPECT_EQ("message_content", SubjectName(6));
  EXPECT_EQ("security_policy", SubjectName(7));
  EXPECT_EQ("unknown", SubjectName(8));
  EXPECT_EQ("Security or Policy Status", SubjectTitle(7));
  EXPECT_EQ("", SubjectTitle(9));
}

TEST(EnhancedStatusTest, Rfc3463Descriptions) {
  struct Case {
    const char* code;
    const char* description;
  } cases[] = {
      {"2.0.0", "Other undefined Status"},
      {"5.1.0", "Other address status"},
      {"5.1.2", "Bad destination system address"},
      {"5.1.3", "Bad destination mailbox address syntax"},
      {"5.1.4", "Destination mailbox address ambiguous"},
      {"2.1.5", "Destination address valid"},
      {"5.1.6", "Destination mailbox has moved, No forwarding address"},
      {"5.1.7", "Bad sender's mailbox address syntax"},
      {"5.1.8", "Bad sender's system address"},
      {"4.2.0", "Other or undefined mailbox status"},
      {"5.2.1", "Mailbox disabled, not accepting messages"},
      {"4.2.2", "Mailbox full"},
      {"5.2.3", "Message length exceeds administrative limit"},
      {"5.2.4", "Mailing list expansion problem"},
      {"4.3.0", "Other or undefined mail system status"},
      {"4.3.1", "Mail system full"},
      {"4.3.2", "System not accepting network messages"},
      {"5.3.3", "System not capable of selected features"},
      {"5.3.4", "Message too big for system"},
      {"4.3.5", "System incorrectly configured"},
      {"4.4.0", "Other or undefined network or routing status"},
      {"4.4.1", "No answer from host"},
      {"4.4.2", "Bad connection"},
      {"4.4.3", "Directory server failure"},
      {"5.4.4", "Unable to route"},
      {"4.4.5", "Mail system congestion"},
      {"5.4.6", "Routing loop detected"},
      {"4.4.7", "Delivery time expired"},
      {"5.5.0", "Other or undefined protocol status"},
      {"5.5.1", "Invalid command"},
      {"5.5.2", "Syntax error"},
      {"4.5.3", "Too many recipients"},
      {"5.5.4", "Invalid command arguments"},
      {"5.5.5", "Wrong protocol version"},
      {"5.6.0", "Other or undefined media error"},
      {"5.6.1", "Media not supported"},
      {"5.6.2", "Conversion required and prohibited"},
      {"5.6.3", "Conversion required but not supported"},
      {"2.6.4", "Conversion with loss performed"},
      {"5.6.5", "Conversion Failed"},
      {"5.7.0", "Other or undefined security status"},
      {"5.7.1", "Delivery not authorized, message refused"},
      {"5.7.2", "Mailing list expansion prohibited"},
      {"5.7.3", "Security conversion required but not possible"},
      {"5.7.4", "Security features not supported"},
      {"5.7.5", "Cryptographic failure"},
      {"5.7.6", "Cryptographic algorithm not supported"},
      {"5.7.7", "Message integrity failure"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<EnhancedStatus> s = ParseEnhancedStatus(c.code);
    ASSERT_TRUE(s.ok()) << c.code << ": " << s.status();
    EXPECT_EQ(c.description, DetailDescription(*s)) << c.code;
  }
}

TEST(EnhancedStatusTest, RegistryAdditions) {
  EXPECT_EQ("Message relayed to non-compliant mailer", DetailDescription(1, 9));
  EXPECT_EQ("Recipient address has null MX", DetailDescription(1, 10));
  EXPECT_EQ("Authentication Exchange line is too long", DetailDescription(5, 6));
  EXPECT_EQ("Message content not available", DetailDescription(6, 6));
  EXPECT_EQ("Authentication credentials invalid", DetailDescription(7, 8));
  EXPECT_EQ("Authentication mechanism is too weak", DetailDescription(7, 9));
  EXPECT_EQ("Encryption Needed", DetailDescription(7, 10));
  EXPECT_EQ("Encryption required for requested authentication mechanism",
            DetailDescription(7, 11));
  EXPECT_EQ("User Account Disabled", DetailDescription(7, 13));
  EXPECT_EQ("SPF validation failed", DetailDescription(7, 23));
  EXPECT_EQ("Reverse DNS validation failed", DetailDescription(7, 25));
  EXPECT_EQ("Multiple authentication checks failed", DetailDescription(7, 26));
  EXPECT_EQ("Sender address has null MX", DetailDescription(7, 27));
  EXPECT_EQ("Mail flood detected", DetailDescription(7, 28));
  EXPECT_EQ("ARC validation failure", DetailDescription(7, 29));
  EXPECT_EQ("REQUIRETLS support required", DetailDescription(7, 30));
  EXPECT_EQ("", DetailDescription(7, 31));
  EXPECT_EQ("", DetailDescription(4, 8));
  EXPECT_EQ("", DetailDescription(1, 11));
}

TEST(EnhancedStatusTest, Describe) {
  EXPECT_EQ("5.1.1 permanent failure: Bad destination mailbox address",
            Describe(*ParseEnhancedStatus("5.1.1")));
  EXPECT_EQ("2.0.0 success: Other undefined Status", Describe(*ParseEnhancedStatus("2.0.0")));
  // A defined subject with an undefined detail falls back to the subject.
  EXPECT_EQ("4.7.99 persistent transient failure: Security or Policy Status",
            Describe(*ParseEnhancedStatus("4.7.99")));
}

TEST(EnhancedStatusTest, RejectsInvalidStrings) {
  for (const char* bad :
       {"", "5", "5.", "5.1", "5.1.", "3.1.1", "1.0.0", "6.0.0", "x.1.1", "5.a.1", "5.1.a",
        "5..1", "5.1..1", "5.1.1 ", " 5.1.1", "5.1.1.1", "5.1000.1", "5.1.1000",
        "5-1-1", "55.1.1", "5.1.-1", "5.+1.1", "550", "5.1.1x"}) {
    absl::StatusOr<EnhancedStatus> s = ParseEnhancedStatus(bad);
    EXPECT_FALSE(s.ok()) << "accepted \"" << bad << "\"";
    if (!s.ok()) {
      EXPECT_EQ(absl::StatusCode::kInvalidArgument, s.status().code()) << bad;
    }
  }
}

TEST(EnhancedStatusTest, EmbeddedNulIsRejected) {
  const std::string with_nul("5.1\0.1", 6);
  EXPECT_FALSE(ParseEnhancedStatus(with_nul).ok());
}

}  // namespace
}  // namespace mailgauge::parsers
