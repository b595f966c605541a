#include "parsers/postfix/reason.h"

#include <array>
#include <fstream>
#include <initializer_list>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "bench/log_generator.h"
#include "gtest/gtest.h"
#include "parsers/postfix/enhanced_status.h"
#include "parsers/postfix/event.h"
#include "parsers/postfix/postfix_parser.h"
#include "parsers/syslog_envelope.h"

namespace mailgauge::parsers {
namespace {

// ------------------------------------------------------------- rejects ---

// A reject as smtpd/cleanup/postscreen patterns produce it. The reply text
// is what follows "from ...: " up to "; from=<...>".
Event Reject(RejectStage stage, std::string_view reply,
             EventKind kind = EventKind::kReject) {
  Event e;
  e.kind = kind;
  e.daemon = Daemon::kSmtpd;
  e.reject_stage = stage;
  e.reply = reply;
  ParseReplyCodes(reply, &e.reply_code, &e.enhanced_code);
  return e;
}

struct RejectCase {
  RejectStage stage;
  const char* reply;
  RejectReason expected;
  EventKind kind = EventKind::kReject;
  const char* action = "";  // the action word the pattern captured, when it matters
};

TEST(ClassifyRejectTest, PostfixStandardTextsAndOthers) {
  using RS = RejectStage;
  using RR = RejectReason;
  const RejectCase cases[] = {
      {RS::kRcpt, "554 5.7.1 <joe@example.net>: Relay access denied", RR::kRelayDenied},
      {RS::kRcpt, "454 4.7.1 <spam@victim.example>: Relay access denied", RR::kRelayDenied},
      {RS::kRcpt, "550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in local recipient table",
       RR::kUnknownUser},
      {RS::kRcpt, "550 5.1.1 <x@example.com>: Recipient address rejected: User unknown in virtual mailbox table",
       RR::kUnknownUser},
      {RS::kRcpt, "550 5.1.1 <y@example.com>: Recipient address rejected: User unknown in relay recipient table",
       RR::kUnknownUser},
      {RS::kRcpt, "550 5.1.1 <z@example.com>: Recipient address rejected: undeliverable address: host mx[192.0.2.1] said: 550 5.1.1 No such mailbox",
       RR::kUnknownUser},
      {RS::kRcpt, "450 4.1.8 <a@nonexistent.example>: Sender address rejected: Domain not found",
       RR::kUnknownSenderDomain},
      {RS::kMail, "550 5.1.8 <b@bad.example>: Sender address rejected: Domain not found",
       RR::kUnknownSenderDomain},
      {RS::kRcpt, "554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/198.51.100.7",
       RR::kRbl},
      {RS::kRcpt, "554 5.7.1 Service unavailable; Sender address [s@spam.example] blocked using dbl.spamhaus.org",
       RR::kRbl},
      {RS::kRcpt, "550 5.7.1 Service unavailable; client [203.0.113.5] blocked using bl.spamcop.net",
       RR::kRbl, EventKind::kPostscreenNoqueue},
      {RS::kRcpt, "504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname",
       RR::kHelo},
      {RS::kRcpt, "450 4.7.1 <mail.bad.example>: Helo command rejected: Host not found",
       RR::kHelo},
      {RS::kRcpt, "450 4.7.1 Client host rejected: cannot find your hostname, [198.51.100.9]",
       RR::kReverseDns},
      {RS::kRcpt, "450 4.7.25 Client host rejected: cannot find your reverse hostname, [198.51.100.10]",
       RR::kReverseDns},
      {RS::kConnect, "554 5.7.1 <unknown[198.51.100.11]>: Client host rejected: Access denied",
       RR::kClientHost},
      {RS::kRcpt, "554 5.7.1 <bad.example[192.0.2.99]>: Client host rejected: Go away",
       RR::kClientHost},
      {RS::kMail, "553 5.7.1 <ceo@example.com>: Sender address rejected: not logged in",
       RR::kSenderRestriction},
      {RS::kRcpt, "553 5.7.1 <x@example.com>: Sender address rejected: not owned by user bob",
       RR::kSenderRestriction},
      {RS::kRcpt, "554 5.7.1 <admin@example.com>: Recipient address rejected: Access denied",
       RR::kRecipientRestriction},
      {RS::kRcpt, "504 5.5.2 <root>: Recipient address rejected: need fully-qualified address",
       RR::kRecipientRestriction},
      {RS::kEndOfMessage, "552 5.3.4 Message size exceeds fixed limit", RR::kMessageSize},
      {RS::kMail, "552 5.3.4 Message size exceeds fixed limit", RR::kMessageSize},
      {RS::kHeader, "550 5.7.1 Spam subject", RR::kHeaderCheck},
      {RS::kHeader, "550 5.7.1 Message content rejected", RR::kHeaderCheck},
      {RS::kBody, "550 5.7.1 Body contains forbidden URL", RR::kBodyCheck},
      {RS::kBody, "550 5.7.1 Message content rejected", RR::kBodyCheck},
      {RS::kEndOfMessage, "5.7.1 Spam message rejected; score=15.2", RR::kMilter,
       EventKind::kMilterReject},
      {RS::kRcpt, "4.7.1 Try again later", RR::kMilter, EventKind::kMilterReject},
      // A before-queue content filter's refusal (smtpd's "proxy-reject:"
      // row sets the action), whatever its text says.
      {RS::kEndOfMessage, "554 5.7.0 Reject, id=12345-01 - spam", RR::kContentFilter,
       EventKind::kReject, "proxy-reject"},
      {RS::kEndOfMessage, "451 4.5.0 Error in processing, id=12345-02, virus_scan FAILED",
       RR::kContentFilter, EventKind::kReject, "proxy-reject"},
      {RS::kRcpt, "550 5.7.23 <x@example.com>: Recipient address rejected: Message rejected due to: SPF fail - not authorized. Please see http://www.openspf.net/Why?s=mfrom;id=x@spoof.example",
       RR::kPolicyService},
      {RS::kRcpt, "554 5.7.1 <u@example.com>: Sender address rejected: Policy Rejection- Abuse. Go away.",
       RR::kPolicyService},
      {RS::kRcpt, "450 4.2.0 <u@example.com>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.com.html",
       RR::kGreylisting},
      {RS::kRcpt, "451 4.7.1 <v@example.com>: Recipient address rejected: Temporary greylisting in effect",
       RR::kGreylisting},
      {RS::kConnect, "421 4.7.0 mail.example.com Error: too many connections from 198.51.100.3",
       RR::kRateLimit},
      {RS::kRcpt, "452 4.5.3 Error: too many recipients", RR::kRateLimit},
      {RS::kRcpt, "450 4.7.1 <w@example.com>: Sender address rejected: Rate limit exceeded",
       RR::kRateLimit},
      {RS::kData, "503 5.5.0 <x@example.com>: Data command rejected: Improper use of SMTP command pipelining",
       RR::kPipelining},
      {RS::kRcpt, "503 5.5.0 <y@example.com>: Recipient address rejected: Improper use of SMTP command pipelining",
       RR::kPipelining},
      // postscreen's answer after a failed pregreet, pipelining, non-SMTP
      // command or bare newline test (real, testdata/realworld/), and
      // Exim's synchronization error as its parser words it.
      {RS::kRcpt, "550 5.5.1 Protocol error", RR::kPipelining, EventKind::kPostscreenNoqueue},
      // smtpd_forbid_bare_newline (3.9, backported to 3.7.10 and 3.8.5):
      // no reply code in the line; the stage would say client_host or helo.
      {RS::kConnect, "bare <LF> received", RR::kPipelining},
      {RS::kEhlo, "bare <LF> received", RR::kPipelining},
      {RS::kConnect, "554 SMTP synchronization error", RR::kPipelining},
      {RS::kMail, "554 SMTP synchronization error", RR::kPipelining},
      {RS::kMail, "530 5.7.0 Must issue a STARTTLS command first", RR::kTlsRequired},
      {RS::kAuth, "538 5.7.11 Encryption required for requested authentication mechanism",
       RR::kTlsRequired},
      {RS::kData, "550 5.5.3 <DATA>: Data command rejected: Multi-recipient bounce",
       RR::kOther},
      {RS::kEtrn, "458 Unable to queue messages", RR::kOther},
      {RS::kNone, "", RR::kOther},
  };
  for (const RejectCase& c : cases) {
    Event e = Reject(c.stage, c.reply, c.kind);
    e.action = c.action;
    EXPECT_EQ(ReasonName(c.expected), ReasonName(ClassifyReject(e))) << c.reply;
  }
}

TEST(ClassifyRejectTest, FallsBackOnCodesAndStage) {
  EXPECT_EQ(RejectReason::kUnknownUser,
            ClassifyReject(Reject(RejectStage::kRcpt, "550 5.1.1 <q@example.com>: Nope")));
  EXPECT_EQ(RejectReason::kMessageSize,
            ClassifyReject(Reject(RejectStage::kData, "552 5.3.4 Too big, sorry")));
  EXPECT_EQ(RejectReason::kClientHost,
            ClassifyReject(Reject(RejectStage::kConnect, "554 5.7.1 Go away")));
  EXPECT_EQ(RejectReason::kOther,
            ClassifyReject(Reject(RejectStage::kRcpt, "554 5.7.1 Go away")));
}

TEST(ClassifyRejectTest, UsesDetailWhenThereIsNoReply) {
  Event e;
  e.kind = EventKind::kReject;
  e.detail = "Relay access denied";
  EXPECT_EQ(RejectReason::kRelayDenied, ClassifyReject(e));
}

TEST(RblListNameTest, ExtractsTheZone) {
  EXPECT_EQ("zen.spamhaus.org",
            RblListName("554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked "
                        "using zen.spamhaus.org; https://www.spamhaus.org/query/ip/198.51.100.7"));
  EXPECT_EQ("bl.spamcop.net",
            RblListName("550 5.7.1 Service unavailable; client [203.0.113.5] blocked using "
                        "bl.spamcop.net"));
  EXPECT_EQ("b.barracudacentral.org",
            RblListName("blocked using b.barracudacentral.org, reason: listed"));
  EXPECT_EQ("", RblListName("554 5.7.1 Relay access denied"));
  EXPECT_EQ("", RblListName(""));
}

// ----------------------------------------------------- delivery problems ---

const PostfixParser& Parser() {
  static const PostfixParser* parser = [] {
    auto p = PostfixParser::Create();
    if (!p.ok()) {
      ADD_FAILURE() << p.status();
      return static_cast<PostfixParser*>(nullptr);
    }
    return p->release();
  }();
  return *parser;
}

struct ProblemCase {
  Daemon daemon;
  const char* line;
  DeliveryProblem expected;
};

TEST(ClassifyDeliveryProblemTest, RealLookingLines) {
  using DP = DeliveryProblem;
  const Daemon kSmtp = Daemon::kSmtp;
  const ProblemCase cases[] = {
      // connection refused
      {kSmtp, "4B0C72A1F3: to=<a@example.org>, relay=none, delay=0.5, delays=0.1/0/0.4/0, dsn=4.4.1, status=deferred (connect to mx.example.org[192.0.2.25]:25: Connection refused)",
       DP::kConnectionRefused},
      {Daemon::kQmgr, "4B0C72A1F3: to=<a@example.org>, relay=none, delay=1.5, delays=1.4/0.1/0/0, dsn=4.4.1, status=deferred (delivery temporarily suspended: connect to mx.example.org[192.0.2.25]:25: Connection refused)",
       DP::kConnectionRefused},
      {kSmtp, "connect to mx1.example.org[192.0.2.25]:25: Connection refused", DP::kConnectionRefused},
      // timed out / no answer
      {kSmtp, "4B0C72A1F3: to=<b@example.org>, relay=none, delay=30, delays=0.01/0/30/0, dsn=4.4.1, status=deferred (connect to mx.example.org[192.0.2.25]:25: Connection timed out)",
       DP::kConnectionTimedOut},
      {kSmtp, "4B0C72A1F3: conversation with mx1.example.org[192.0.2.25] timed out while receiving the initial server greeting",
       DP::kConnectionTimedOut},
      {kSmtp, "connect to mx2.example.org[2001:db8::25]:25: No route to host", DP::kConnectionTimedOut},
      // DNS
      {kSmtp, "4B0C72A1F3: to=<c@example.invalid>, relay=none, delay=0.03, delays=0.02/0/0.01/0, dsn=4.4.3, status=deferred (Host or domain name not found. Name service error for name=example.invalid type=MX: Host not found, try again)",
       DP::kDns},
      {kSmtp, "4B0C72A1F3: to=<d@nomail.example>, relay=none, delay=0.03, delays=0.02/0/0.01/0, dsn=5.1.10, status=bounced (Domain nomail.example does not accept mail (nullMX))",
       DP::kDns},
      {Daemon::kQmgr, "4B0C72A1F3: to=<dave@example.org>, relay=none, delay=0.2, delays=0.1/0.1/0/0, dsn=5.4.4, status=bounced (Host or domain name not found. Name service error for name=example.org type=AAAA: Host not found)",
       DP::kDns},
      // TLS
      {kSmtp, "4B0C72A1F3: to=<e@example.com>, relay=mx.example.com[203.0.113.9]:25, delay=0.5, delays=0.1/0/0.2/0.2, dsn=4.7.5, status=deferred (TLS is required, but was not offered by host mx.example.com[203.0.113.9])",
       DP::kTlsFailure},
      {kSmtp, "4B0C72A1F3: to=<f@example.com>, relay=mx.example.com[203.0.113.9]:25, delay=0.5, delays=0.1/0/0.4/0, dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)",
       DP::kTlsFailure},
      {kSmtp, "server certificate verification failed for mx1.example.org[192.0.2.25]:25: num=10:certificate has expired",
       DP::kTlsFailure},
      {kSmtp, "SSL_connect error to mx1.example.org[192.0.2.25]:25: lost connection", DP::kTlsFailure},
      // greylisting
      {kSmtp, "4B0C72A1F3: to=<g@example.com>, relay=mx.example.com[203.0.113.9]:25, delay=3.5, delays=0.1/0/3.2/0.2, dsn=4.7.1, status=deferred (host mx.example.com[203.0.113.9] said: 450 4.7.1 <g@example.com>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.com.html (in reply to RCPT TO command))",
       DP::kGreylisted},
      {kSmtp, "4B0C72A1F3: host mx1.example.org[192.0.2.25] said: 451 4.7.1 Greylisting in action, please come back later (in reply to RCPT TO command)",
       DP::kGreylisted},
      {kSmtp, "ED74510820D: to=<defer-a@remote.test>, relay=127.0.0.1[127.0.0.1]:2525, delay=0.1, delays=0/0/0.09/0, dsn=4.7.1, status=deferred (host 127.0.0.1[127.0.0.1] said: 451 4.7.1 <defer-a@remote.test>: Recipient address rejected: Try again later (in reply to RCPT TO command))",
       DP::kGreylisted},
      // remote rate limit
      {kSmtp, "4B0C72A1F3: to=<h@gmail.example>, relay=gmail-smtp-in.l.google.example[192.0.2.27]:25, delay=1, delays=0/0/0.5/0.5, dsn=4.7.28, status=deferred (host gmail-smtp-in.l.google.example[192.0.2.27] said: 421-4.7.28 Our system has detected an unusual rate of unsolicited mail originating from your IP address (in reply to end of DATA command))",
       DP::kRemoteRateLimit},
      {kSmtp, "4B0C72A1F3: host mx1.example.org[192.0.2.25] said: 421 4.7.0 Too many concurrent SMTP connections from this IP address; please try again later (in reply to MAIL FROM command)",
       DP::kRemoteRateLimit},
      // mailbox full
      {Daemon::kLocal, "4B0C72A1F3: to=<frank@mail.example.com>, relay=local, delay=0.02, delays=0.01/0/0/0.01, dsn=5.2.2, status=bounced (cannot update mailbox /var/mail/frank for user frank. error writing message: Disk quota exceeded)",
       DP::kMailboxFull},
      {Daemon::kVirtual, "4B0C72A1F3: to=<carol@example.com>, relay=virtual, delay=0.02, delays=0.01/0/0/0.01, dsn=5.2.2, status=bounced (cannot update mailbox /var/mail/vhosts/example.com/carol for user carol. error writing message: File too large)",
       DP::kMailboxFull},
      {Daemon::kLmtp, "4B0C72A1F3: to=<bob@example.com>, relay=127.0.0.1[127.0.0.1]:24, delay=0.11, delays=0.05/0.01/0.02/0.03, dsn=4.2.2, status=deferred (host 127.0.0.1[127.0.0.1] said: 452 4.2.2 <bob@example.com> Quota exceeded (mailbox for user is full) (in reply to end of DATA command))",
       DP::kMailboxFull},
      {kSmtp, "4B0C72A1F3: to=<i@example.net>, relay=mx.example.net[192.0.2.30]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.2.2, status=bounced (host mx.example.net[192.0.2.30] said: 552 5.2.2 Mailbox full (in reply to RCPT TO command))",
       DP::kMailboxFull},
      {Daemon::kVirtual, "262111081F9: to=<full@vmail.test>, relay=virtual, delay=0.04, delays=0/0.01/0/0.03, dsn=5.2.2, status=bounced (delivery failed to mailbox /var/mail/vhosts/vmail.test/full: error writing message: File too large)",
       DP::kMailboxFull},
      // user unknown
      {kSmtp, "4B0C72A1F3: to=<frank@example.com>, relay=mx.example.com[203.0.113.9]:25, delay=0.9, delays=0.1/0/0.4/0.4, dsn=5.1.1, status=bounced (host mx.example.com[203.0.113.9] said: 550 5.1.1 <frank@example.com>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command))",
       DP::kUserUnknown},
      {Daemon::kLocal, "4B0C72A1F3: to=<nosuch@mail.example.com>, relay=local, delay=0.01, delays=0/0/0/0, dsn=5.1.1, status=bounced (unknown user: \"nosuch\")",
       DP::kUserUnknown},
      {kSmtp, "4B0C72A1F3: to=<j@example.net>, relay=mx.example.net[192.0.2.30]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.1.1, status=bounced (host mx.example.net[192.0.2.30] said: 550-5.1.1 The email account that you tried to reach does not exist. (in reply to RCPT TO command))",
       DP::kUserUnknown},
      // A content filter (amavisd-new, on 127.0.0.1:10024) that failed to
      // scan: its trouble, not a verdict, though its text says "virus" or
      // "spam"; its real verdict is a policy refusal.
      {kSmtp, "4B0C72A1F3: to=<a@example.org>, relay=127.0.0.1[127.0.0.1]:10024, delay=312, delays=0.1/0/0.1/312, dsn=4.5.0, status=deferred (host 127.0.0.1[127.0.0.1] said: 451 4.5.0 Error in processing, id=04161-09, virus_scan FAILED: virus_scan: ALL VIRUS SCANNERS FAILED (in reply to end of DATA command))",
       DP::kOther},
      {kSmtp, "4B0C72A1F3: to=<a@example.org>, relay=127.0.0.1[127.0.0.1]:10024, delay=61, delays=0.1/0/0.1/61, dsn=4.5.0, status=deferred (host 127.0.0.1[127.0.0.1] said: 451 4.5.0 Error in processing, id=21931-02, spam_scan FAILED: SA failed (in reply to end of DATA command))",
       DP::kOther},
      {kSmtp, "4B0C72A1F3: to=<a@example.org>, relay=127.0.0.1[127.0.0.1]:10024, delay=2.1, delays=0.1/0/0.1/1.9, dsn=5.7.0, status=bounced (host 127.0.0.1[127.0.0.1] said: 554 5.7.0 Reject, id=11223-04 - INFECTED: Eicar-Signature (in reply to end of DATA command))",
       DP::kPolicySpam},
      // Postfix 3.8's SRV lookups (use_srv_lookup): a DNS answer.
      {kSmtp, "4B0C72A1F3: to=<a@example.net>, relay=none, delay=0.1, delays=0.05/0/0.05/0, dsn=5.1.0, status=bounced (Domain _submission._tcp.example.net does not support SRV requests)",
       DP::kDns},
      // policy / spam
      {kSmtp, "4B0C72A1F3: to=<k@example.net>, relay=mx.example.net[192.0.2.30]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.7.1, status=bounced (host mx.example.net[192.0.2.30] said: 554 5.7.1 Service unavailable; Client host [198.51.100.1] blocked using zen.spamhaus.org (in reply to RCPT TO command))",
       DP::kPolicySpam},
      {kSmtp, "4B0C72A1F3: to=<l@example.net>, relay=mx.example.net[192.0.2.30]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.7.26, status=bounced (host mx.example.net[192.0.2.30] said: 550 5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy (in reply to end of DATA command))",
       DP::kPolicySpam},
      {kSmtp, "4B0C72A1F3: to=<m@example.net>, relay=mx.example.net[192.0.2.30]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.7.0, status=bounced (host mx.example.net[192.0.2.30] said: 550 5.7.0 Go away (in reply to end of DATA command))",
       DP::kPolicySpam},
      // too large
      {kSmtp, "4B0C72A1F3: to=<n@example.net>, relay=mx.example.net[192.0.2.30]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.3.4, status=bounced (message size 31457280 exceeds size limit 26214400 of server mx.example.net[192.0.2.30])",
       DP::kMessageTooLarge},
      {kSmtp, "4B0C72A1F3: to=<o@example.net>, relay=mx.example.net[192.0.2.30]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.3.4, status=bounced (host mx.example.net[192.0.2.30] said: 552 5.3.4 Error: message file too big (in reply to end of DATA command))",
       DP::kMessageTooLarge},
      {Daemon::kPipe, "4B0C72A1F3: to=<p@example.com>, relay=uucp, delay=0.1, delays=0.1/0/0/0, dsn=5.2.3, status=bounced (message too large)",
       DP::kMessageTooLarge},
      // loop
      {kSmtp, "4B0C72A1F3: to=<q@example.org>, relay=none, delay=0.1, delays=0.1/0/0/0, dsn=5.4.6, status=bounced (mail for example.org loops back to myself)",
       DP::kLoop},
      {Daemon::kLocal, "4B0C72A1F3: to=<r@mail.example.com>, relay=local, delay=0.1, delays=0.1/0/0/0, dsn=5.4.6, status=bounced (mail forwarding loop for r@mail.example.com)",
       DP::kLoop},
      // expired
      {Daemon::kQmgr, "4B0C72A1F3: from=<alice@example.com>, status=expired, returned to sender",
       DP::kExpired},
      {kSmtp, "4B0C72A1F3: to=<grace@example.com>, relay=none, delay=432000, delays=431990/10/0/0, dsn=4.4.1, status=expired (connect to mx.example.com[203.0.113.9]:25: Connection refused)",
       DP::kExpired},
      // other
      {kSmtp, "4B0C72A1F3: lost connection with mx1.example.org[192.0.2.25] while receiving the initial server greeting",
       DP::kOther},
      {Daemon::kLocal, "4B0C72A1F3: to=<heidi@mail.example.com>, relay=local, delay=0.1, delays=0.1/0/0/0, dsn=4.3.0, status=deferred (alias database unavailable)",
       DP::kOther},
      {Daemon::kPipe, "4B0C72A1F3: to=<carol@example.com>, relay=dovecot, delay=0.2, delays=0.1/0/0/0.1, dsn=4.3.0, status=deferred (temporary failure. Command output: lda: Error: open(/var/mail/carol) failed: Permission denied)",
       DP::kOther},
  };
  for (const ProblemCase& c : cases) {
    Event e;
    ASSERT_EQ(ParseResult::kParsed, Parser().ParseMessage(c.daemon, c.line, &e)) << c.line;
    EXPECT_EQ(ReasonName(c.expected), ReasonName(ClassifyDeliveryProblem(e))) << c.line;
  }
}

TEST(ClassifyDeliveryProblemTest, CodeOnlyFallbacks) {
  Event e;
  e.kind = EventKind::kDelivery;
  e.status = "bounced";
  e.delivery_status = DeliveryStatus::kBounced;
  e.reply = "host mx[192.0.2.1] said: 550 go away";
  struct Case {
    const char* dsn;
    DeliveryProblem expected;
  } cases[] = {
      {"5.1.1", DeliveryProblem::kUserUnknown},   {"5.2.1", DeliveryProblem::kUserUnknown},
      {"5.2.2", DeliveryProblem::kMailboxFull},   {"5.3.4", DeliveryProblem::kMessageTooLarge},
      {"5.4.6", DeliveryProblem::kLoop},          {"5.7.1", DeliveryProblem::kPolicySpam},
      {"4.7.28", DeliveryProblem::kRemoteRateLimit}, {"5.1.2", DeliveryProblem::kDns},
      {"5.7.30", DeliveryProblem::kTlsFailure},   {"5.0.0", DeliveryProblem::kOther},
      {"bogus", DeliveryProblem::kOther},         {"", DeliveryProblem::kOther},
  };
  for (const Case& c : cases) {
    e.dsn = c.dsn;
    EXPECT_EQ(ReasonName(c.expected), ReasonName(ClassifyDeliveryProblem(e))) << c.dsn;
  }
}

TEST(ClassifyDeliveryProblemTest, UsesTheParsersClassAndClassifiesOtherwise) {
  Event e;
  const char kLine[] =
      "4B0C72A1F3: to=<i@example.net>, relay=mx.example.net[192.0.2.30]:25, delay=1, "
      "delays=0/0/0.5/0.5, dsn=5.2.2, status=bounced (host mx.example.net[192.0.2.30] said: "
      "552 5.2.2 Mailbox full (in reply to RCPT TO command))";
  ASSERT_EQ(ParseResult::kParsed, Parser().ParseMessage(Daemon::kSmtp, kLine, &e));
  EXPECT_TRUE(e.has_delivery_problem);
  EXPECT_EQ(DeliveryProblem::kMailboxFull, e.delivery_problem);
  // The stored class is what ClassifyDeliveryProblem answers...
  e.delivery_problem = DeliveryProblem::kLoop;
  EXPECT_EQ(DeliveryProblem::kLoop, ClassifyDeliveryProblem(e));
  // ... and without one it classifies the text.
  e.has_delivery_problem = false;
  EXPECT_EQ(DeliveryProblem::kMailboxFull, ClassifyDeliveryProblem(e));
  EXPECT_EQ(DeliveryProblem::kMailboxFull, ComputeDeliveryProblem(e));

  // Sent deliveries and lines no consumer classifies carry no class.
  ASSERT_EQ(ParseResult::kParsed,
            Parser().ParseMessage(Daemon::kSmtp,
                                  "4B0C72A1F3: to=<i@example.net>, relay=mx.example.net[192.0.2.30]:25, "
                                  "delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok)",
                                  &e));
  EXPECT_FALSE(e.has_delivery_problem);
  ASSERT_EQ(ParseResult::kParsed,
            Parser().ParseMessage(Daemon::kSmtp,
                                  "connect to mx1.example.org[192.0.2.25]:25: Connection refused", &e));
  EXPECT_TRUE(e.has_delivery_problem);
  EXPECT_EQ(DeliveryProblem::kConnectionRefused, e.delivery_problem);
}

// --- The one-pass classifier against the searches it replaced ------------
//
// ReferenceClassify is ClassifyDeliveryProblem as it was before the keyword
// scanner (one case-insensitive search per keyword); ComputeDeliveryProblem
// must give the same class for every input.

namespace reference {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lowered(std::string_view text) {
  std::string s(text);
  for (char& c : s) c = Lower(c);
  return s;
}

bool ContainsAny(const std::string& lower, std::initializer_list<std::string_view> needles) {
  for (std::string_view n : needles) {
    if (std::string_view(lower).find(n) != std::string_view::npos) return true;
  }
  return false;
}

bool Contains(std::string_view text, std::string_view needle) {
  return text.find(needle) != std::string_view::npos;
}

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

bool IsGreylisting(const std::string& text) {
  return ContainsAny(text, {"greylist", "graylist", "grey-list", "gray-list", "grey list"});
}

bool IsRateLimit(const std::string& text) {
  return ContainsAny(text, {"too many ", "too much mail", "rate limit", "ratelimit",
                            "rate-limit", "throttl", "unusual rate", "too fast",
                            "sending rate", "exceeded the rate"});
}

DeliveryProblem ReferenceClassify(const Event& e) {
  if (e.kind == EventKind::kExpired || e.delivery_status == DeliveryStatus::kExpired ||
      e.status == "force-expired") {
    return DeliveryProblem::kExpired;
  }
  const std::string_view text = e.reply.empty() ? e.detail : e.reply;
  const std::string lower = Lowered(text);
  const Code code = EventCode(e);
  const bool remote = e.kind == EventKind::kSmtpHostSaid || Contains(text, " said: ");
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
  if (code.status_class == 4 && code.Is(7, 1) &&
      ContainsAny(lower, {"try again later", "come back later", "retry later"})) {
    return DeliveryProblem::kGreylisted;
  }
  if (!remote) {
    if (Contains(text, "Connection refused")) return DeliveryProblem::kConnectionRefused;
    if (ContainsAny(lower, {"connection timed out", "timed out while"})) {
      return DeliveryProblem::kConnectionTimedOut;
    }
    if (e.kind == EventKind::kSmtpConnectFailed || Contains(text, "connect to ")) {
      return DeliveryProblem::kConnectionTimedOut;
    }
  }
  if (ContainsAny(lower, {"error in processing, id=", "_scan failed", "virus scanner failure"})) {
    return DeliveryProblem::kOther;
  }
  if (ContainsAny(lower, {"host or domain name not found", "name service error",
                         "does not accept mail (nullmx)", "name server loop",
                         "unable to find primary relay", "no mx host for",
                         "does not support srv requests",
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

// ClassifyReject as it was before its keyword scanner.
RejectReason ReferenceClassifyReject(const Event& e) {
  if (e.kind == EventKind::kMilterReject) return RejectReason::kMilter;
  if (e.action == "proxy-reject") return RejectReason::kContentFilter;
  if (e.reject_stage == RejectStage::kHeader) return RejectReason::kHeaderCheck;
  if (e.reject_stage == RejectStage::kBody) return RejectReason::kBodyCheck;
  const std::string_view text = e.reply.empty() ? e.detail : e.reply;
  const std::string lower = Lowered(text);
  const Code code = EventCode(e);
  if (Contains(text, "Relay access denied") || Contains(text, "relay not permitted")) {
    return RejectReason::kRelayDenied;
  }
  if (Contains(text, "blocked using ") || !e.list_name.empty()) return RejectReason::kRbl;
  if (IsGreylisting(lower)) return RejectReason::kGreylisting;
  if (ContainsAny(lower, {"improper use of smtp command pipelining", "5.5.1 protocol error",
                         "bare <lf> received", "smtp synchronization error"})) {
    return RejectReason::kPipelining;
  }
  if (ContainsAny(lower, {"must issue a starttls command first",
                         "encryption required for requested authentication"})) {
    return RejectReason::kTlsRequired;
  }
  if (ContainsAny(lower, {"message size exceeds", "message too large", "message too big"})) {
    return RejectReason::kMessageSize;
  }
  if (ContainsAny(lower, {"user unknown", "unknown user", "no such user", "no such mailbox",
                         "does not exist", "unknown recipient", "recipient not found",
                         "user not found", "unrouteable address"})) {
    return RejectReason::kUnknownUser;
  }
  if (Contains(text, "Sender address rejected:") &&
      ContainsAny(lower, {"domain not found", "host or domain name not found",
                         "host not found"})) {
    return RejectReason::kUnknownSenderDomain;
  }
  if (IsRateLimit(lower)) return RejectReason::kRateLimit;
  if (ContainsAny(lower, {"spf", "policy", "policyd", "postfwd"}) ||
      Contains(text, "Message rejected due to:")) {
    return RejectReason::kPolicyService;
  }
  if (Contains(text, "Helo command rejected")) return RejectReason::kHelo;
  if (ContainsAny(lower, {"cannot find your hostname", "cannot find your reverse hostname"})) {
    return RejectReason::kReverseDns;
  }
  if (Contains(text, "Client host rejected")) return RejectReason::kClientHost;
  if (Contains(text, "Sender address rejected") || Contains(text, "Sender verify failed")) {
    return RejectReason::kSenderRestriction;
  }
  if (Contains(text, "Recipient address rejected")) return RejectReason::kRecipientRestriction;
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

// Every keyword and case-sensitive text the reject reference looks for.
const std::vector<std::string>& RejectKeywords() {
  static const auto* keywords = new std::vector<std::string>{
      "Relay access denied", "blocked using ", "greylist", "graylist", "grey-list",
      "gray-list", "grey list", "Improper use of SMTP command pipelining",
      "5.5.1 Protocol error", "SMTP synchronization error", "bare <LF> received",
      "IMPROPER USE OF SMTP COMMAND PIPELINING", "Bare <lf> Received",
      "must issue a starttls command first", "encryption required for requested authentication",
      "message size exceeds", "message too large", "message too big", "user unknown",
      "unknown user", "no such user", "no such mailbox", "does not exist", "unknown recipient",
      "recipient not found", "user not found", "Sender address rejected:", "domain not found",
      "host or domain name not found", "host not found", "too many ", "too much mail",
      "rate limit", "ratelimit", "rate-limit", "throttl", "unusual rate", "too fast",
      "sending rate", "exceeded the rate", "spf", "policy", "policyd", "postfwd",
      "Message rejected due to:", "Helo command rejected", "cannot find your hostname",
      "cannot find your reverse hostname", "Client host rejected", "Sender address rejected",
      "Recipient address rejected", "SPF", "Greylisted", "USER UNKNOWN",
      "relay not permitted", "unrouteable address", "Unrouteable address",
      "Sender verify failed"};
  return *keywords;
}

// Every keyword the reference searches for, and the case-sensitive texts.
const std::vector<std::string>& Keywords() {
  static const auto* keywords = new std::vector<std::string>{
      "loops back to myself", "mail forwarding loop", "alias database loop",
      "nesting limit exceeded", "too many hops", "hop count exceeded", "routing loop",
      "tls is required", "cannot start tls", "server certificate not verified",
      "certificate verification failed", "ssl_connect error", "requiretls",
      "tlsa lookup error", "client tls configuration problem", "refused to start tls",
      "must issue a starttls command first", "tls handshake", "greylist", "graylist",
      "grey-list", "gray-list", "grey list", "try again later", "come back later",
      "retry later", "connection timed out", "timed out while",
      "host or domain name not found", "name service error", "does not accept mail (nullmx)",
      "name server loop", "unable to find primary relay", "no mx host for",
      ": host not found", "mailbox full", "mailbox is full", "over quota", "quota exceeded",
      "disk quota", "file too large", "exceeded storage allocation", "mailbox size limit",
      "user is over", "out of storage", "quota exceed", "insufficient storage for mailbox",
      "too many ", "too much mail", "rate limit", "ratelimit", "rate-limit", "throttl",
      "unusual rate", "too fast", "sending rate", "exceeded the rate", "exceeds size limit",
      "message size", "message too large", "message too big", "message is too large",
      "size exceeds", "too big", "user unknown", "unknown user", "no such user",
      "does not exist", "user not found", "recipient not found", "unknown recipient",
      "invalid recipient", "no mailbox", "mailbox unavailable", "mailbox not found",
      "address not found", "user doesn't exist", "account disabled", "mailbox disabled",
      "spam", "blocked", "blacklist", "blocklist", "denylist", "dnsbl", "reputation",
      "not authorized", "dmarc", "dkim", "spf ", "access denied", "content rejected",
      "virus", "phish", "policy", "rejected due to", "unsolicited", " said: ",
      "error in processing, id=", "_scan failed", "virus scanner failure", "SPAM_SCAN FAILED",
      "does not support srv requests", "Does Not Support SRV Requests",
      "Connection refused", "connect to ", "CONNECTION REFUSED", "Connect to ", " Said: "};
  return *keywords;
}

}  // namespace reference

// Compares the classifiers on `e` and on variants of it (other kinds,
// statuses, codes, the text as detail); returns how many events were
// compared. `e`'s views must outlive the call.
int ExpectSameClass(const Event& e) {
  int compared = 0;
  auto check = [&](const Event& v) {
    ++compared;
    const DeliveryProblem want = reference::ReferenceClassify(v);
    EXPECT_EQ(ReasonName(want), ReasonName(ComputeDeliveryProblem(v)))
        << EventKindName(v.kind) << " status=" << v.status << " dsn=" << v.dsn
        << " code=" << v.enhanced_code << " reply=" << v.reply << " detail=" << v.detail;
    if (v.has_delivery_problem) {
      EXPECT_EQ(ReasonName(want), ReasonName(v.delivery_problem)) << v.reply;
    }
    EXPECT_EQ(ReasonName(want), ReasonName(ClassifyDeliveryProblem(v))) << v.reply;
  };
  check(e);
  Event v = e;
  v.has_delivery_problem = false;
  for (EventKind kind : {EventKind::kDelivery, EventKind::kSmtpHostSaid,
                         EventKind::kSmtpConnectFailed, EventKind::kSmtpConversation}) {
    v.kind = kind;
    check(v);
  }
  v = e;
  v.has_delivery_problem = false;
  for (const char* code : {"", "4.7.1", "5.7.1", "4.4.1", "5.4.7", "2.7.1", "4.7.28", "junk"}) {
    v.enhanced_code = code;
    check(v);
  }
  if (!e.reply.empty()) {
    v = e;
    v.has_delivery_problem = false;
    v.detail = v.reply;
    v.reply = {};
    check(v);
  }
  return compared;
}

// Parses each of `texts` (log lines) and calls f(text, event) for each
// one the parser understands; the event's reply and detail, when set, are
// added to `*replies`. Returns how many were parsed.
template <typename F>
int ForEachParsedEvent(const std::vector<std::string>& texts, std::vector<std::string>* replies,
                       F&& f) {
  EnvelopeParser envelope;
  int parsed = 0;
  for (const std::string& text : texts) {
    LogLine line;
    if (envelope.Parse(text, &line) != EnvelopeResult::kOk) continue;
    Event e;
    if (Parser().Parse(line, &e) != ParseResult::kParsed) continue;
    ++parsed;
    f(text, e);
    if (!e.reply.empty()) replies->emplace_back(e.reply);
    if (!e.detail.empty()) replies->emplace_back(e.detail);
  }
  return parsed;
}

// Parses every line of the real-Postfix corpora and compares the classes
// of every parsed event. The lines are kept alive in `*texts`.
int CompareOnLines(const std::vector<std::string>& texts,
                   std::vector<std::string>* replies) {
  int compared = 0;
  ForEachParsedEvent(texts, replies,
                     [&](const std::string&, const Event& e) { compared += ExpectSameClass(e); });
  return compared;
}

std::vector<std::string> CorpusLines() {
  std::vector<std::string> lines;
  for (const char* name : {"postfix_real.syslog", "postfix_real.iso.log",
                           "postfix_real.rfc5424.log", "postfix_real.maillog"}) {
    std::ifstream in(std::string("testdata/logs/") + name);
    EXPECT_TRUE(in) << name;
    std::string text;
    while (std::getline(in, text)) lines.push_back(text);
  }
  return lines;
}

std::vector<std::string> GeneratedLines(int n) {
  bench::LogGenerator gen(bench::LogGeneratorOptions{});
  std::vector<std::string> lines;
  std::string text;
  while (static_cast<int>(lines.size()) < n && gen.Next(&text)) lines.push_back(text);
  return lines;
}

TEST(ComputeDeliveryProblemTest, AgreesWithTheSearchesOnTheCorpora) {
  const std::vector<std::string> lines = CorpusLines();
  std::vector<std::string> replies;
  const int compared = CompareOnLines(lines, &replies);
  EXPECT_GT(compared, 5000);
  // The corpora exercise many classes, not just kOther.
  std::set<DeliveryProblem> seen;
  for (const std::string& r : replies) {
    Event e;
    e.kind = EventKind::kDelivery;
    e.reply = r;
    seen.insert(ComputeDeliveryProblem(e));
  }
  EXPECT_GE(seen.size(), 6u);
}

TEST(ComputeDeliveryProblemTest, AgreesWithTheSearchesOnGeneratedTraffic) {
  const std::vector<std::string> lines = GeneratedLines(30000);
  std::vector<std::string> replies;
  EXPECT_GT(CompareOnLines(lines, &replies), 30000);
}

TEST(ComputeDeliveryProblemTest, AgreesWithTheSearchesOnEveryKeyword) {
  int compared = 0;
  for (const std::string& k : reference::Keywords()) {
    std::string upper = k;
    for (char& c : upper) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    const std::vector<std::string> texts = {
        k,
        upper,
        k.substr(0, k.size() - 1),
        k.substr(1),
        "x" + k + "y",
        "host mx[192.0.2.1] said: 550 5.7.1 " + k + " (in reply to RCPT TO command)",
        "connect to mx[192.0.2.1]:25: " + upper,
        k + " " + k,
        std::string(1, k[0]),
    };
    for (const std::string& t : texts) {
      Event e;
      e.kind = EventKind::kDelivery;
      e.status = "deferred";
      e.delivery_status = DeliveryStatus::kDeferred;
      e.dsn = "4.7.1";
      e.reply = t;
      compared += ExpectSameClass(e);
    }
  }
  EXPECT_GT(compared, 1000);
}

// `m` edited one to four times at random: bytes deleted, inserted (from
// `bytes`), replaced or case-flipped, keywords spliced in (whole, cut or
// doubled).
std::string Mutate(std::string m, const std::vector<std::string>& keywords,
                   std::string_view bytes, std::mt19937_64& rng) {
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int j = 0; j < edits; ++j) {
    const size_t at = m.empty() ? 0 : rng() % (m.size() + 1);
    switch (rng() % 6) {
      case 0:
        if (at < m.size()) m.erase(at, 1 + rng() % 3);
        break;
      case 1:
        m.insert(m.begin() + at, bytes[rng() % bytes.size()]);
        break;
      case 2:
        if (at < m.size()) m[at] = bytes[rng() % bytes.size()];
        break;
      case 3:
        if (at < m.size()) m[at] = static_cast<char>(m[at] ^ 0x20);
        break;
      case 4: {
        const std::string& k = keywords[rng() % keywords.size()];
        const size_t from = rng() % k.size();
        m.insert(at, k.substr(from, 1 + rng() % (k.size() - from + 2)));
        break;
      }
      default:
        m.insert(at, keywords[rng() % keywords.size()]);
        break;
    }
  }
  return m;
}

// Replies mutated at random: bytes deleted, inserted, replaced or
// case-flipped, keywords spliced in (whole, cut or doubled), bytes outside
// ASCII; with random kinds, statuses and codes.
TEST(ComputeDeliveryProblemTest, AgreesWithTheSearchesOnMutatedReplies) {
  std::vector<std::string> seeds;
  {
    std::vector<std::string> lines = CorpusLines();
    const std::vector<std::string> generated = GeneratedLines(3000);
    lines.insert(lines.end(), generated.begin(), generated.end());
    CompareOnLines(lines, &seeds);
  }
  std::set<std::string> unique(seeds.begin(), seeds.end());
  seeds.assign(unique.begin(), unique.end());
  ASSERT_GT(seeds.size(), 100u);
  const std::vector<std::string>& keywords = reference::Keywords();
  // Bytes above 0x7f include some whose low seven bits are 'A'..'Z' and
  // '@', '[' (the edges of the lowering's range): they must stay as they are.
  static constexpr char kBytes[] =
      " :;()<>[]-'_.@`{aeiostrnlyzAEIOSTRNLYZ0145\xc3\xa9\x80\xff\xc1\xda\xdb\xc0\xe1";
  static const char* const kStatuses[] = {"deferred", "bounced", "expired", "force-expired",
                                          "sent", "undeliverable", ""};
  static const char* const kCodes[] = {"", "4.7.1", "5.7.1", "4.4.1", "5.4.1", "4.4.7",
                                       "5.4.6", "5.2.2", "5.1.1", "4.7.28", "5.3.4",
                                       "5.7.30", "2.7.0", "4.7.x", "5.1.10"};
  static const EventKind kKinds[] = {EventKind::kDelivery, EventKind::kSmtpHostSaid,
                                     EventKind::kSmtpConnectFailed, EventKind::kExpired,
                                     EventKind::kSmtpLostConnection};
  std::mt19937_64 rng(20261126);
  int compared = 0;
  std::set<DeliveryProblem> seen;
  for (int round = 0; round < 40000; ++round) {
    const std::string m =
        Mutate(seeds[rng() % seeds.size()], keywords, std::string_view(kBytes, sizeof kBytes - 1), rng);
    Event e;
    e.kind = kKinds[rng() % (sizeof kKinds / sizeof kKinds[0])];
    e.status = kStatuses[rng() % (sizeof kStatuses / sizeof kStatuses[0])];
    e.delivery_status = e.status == "deferred"  ? DeliveryStatus::kDeferred
                        : e.status == "bounced" ? DeliveryStatus::kBounced
                        : e.status == "expired" ? DeliveryStatus::kExpired
                                                : DeliveryStatus::kOther;
    e.dsn = kCodes[rng() % (sizeof kCodes / sizeof kCodes[0])];
    if (rng() % 2 == 0) e.enhanced_code = kCodes[rng() % (sizeof kCodes / sizeof kCodes[0])];
    if (rng() % 4 == 0) {
      e.detail = m;
    } else {
      e.reply = m;
    }
    const DeliveryProblem want = reference::ReferenceClassify(e);
    seen.insert(want);
    ++compared;
    ASSERT_EQ(ReasonName(want), ReasonName(ComputeDeliveryProblem(e)))
        << EventKindName(e.kind) << " status=" << e.status << " dsn=" << e.dsn
        << " code=" << e.enhanced_code << " text=" << m;
  }
  EXPECT_EQ(compared, 40000);
  EXPECT_EQ(static_cast<size_t>(kNumDeliveryProblems), seen.size());
}

// ClassifyReject against the searches it replaced: the corpora's and the
// generator's events, and reject texts mutated at random with keywords
// spliced in, under every stage, kind and code that changes its answer.
TEST(ClassifyRejectTest, AgreesWithTheSearches) {
  std::vector<std::string> seeds;
  {
    std::vector<std::string> lines = CorpusLines();
    const std::vector<std::string> generated = GeneratedLines(20000);
    lines.insert(lines.end(), generated.begin(), generated.end());
    const int compared =
        ForEachParsedEvent(lines, &seeds, [](const std::string& text, const Event& e) {
          EXPECT_EQ(ReasonName(reference::ReferenceClassifyReject(e)),
                    ReasonName(ClassifyReject(e)))
              << text;
        });
    EXPECT_GT(compared, 20000);
  }
  std::set<std::string> unique(seeds.begin(), seeds.end());
  seeds.assign(unique.begin(), unique.end());
  ASSERT_GT(seeds.size(), 100u);
  const std::vector<std::string>& keywords = reference::RejectKeywords();
  static constexpr char kBytes[] = " :;()<>[]-'_.@aeiostrnlyzAEIOSTRNLYZ0145\xc3\xa9\x80\xff\xc1";
  static const char* const kCodes[] = {"", "5.1.1", "5.3.4", "5.2.3", "5.7.10", "5.7.11",
                                       "4.7.28", "5.7.1", "4.7.x"};
  static const RejectStage kStages[] = {RejectStage::kRcpt, RejectStage::kMail,
                                        RejectStage::kConnect, RejectStage::kHelo,
                                        RejectStage::kEhlo, RejectStage::kData,
                                        RejectStage::kHeader, RejectStage::kBody,
                                        RejectStage::kNone};
  static const EventKind kKinds[] = {EventKind::kReject, EventKind::kPostscreenNoqueue,
                                     EventKind::kRejectWarning, EventKind::kMilterReject};
  std::mt19937_64 rng(20261126);
  std::set<RejectReason> seen;
  for (int round = 0; round < 40000; ++round) {
    const std::string m =
        Mutate(seeds[rng() % seeds.size()], keywords, std::string_view(kBytes, sizeof kBytes - 1), rng);
    Event e;
    e.kind = kKinds[rng() % std::size(kKinds)];
    e.reject_stage = kStages[rng() % std::size(kStages)];
    e.enhanced_code = kCodes[rng() % std::size(kCodes)];
    if (e.kind == EventKind::kReject && rng() % 8 == 0) e.action = "proxy-reject";
    if (rng() % 4 == 0) {
      e.detail = m;
    } else {
      e.reply = m;
    }
    const RejectReason want = reference::ReferenceClassifyReject(e);
    seen.insert(want);
    ASSERT_EQ(ReasonName(want), ReasonName(ClassifyReject(e)))
        << EventKindName(e.kind) << " code=" << e.enhanced_code << " text=" << m;
  }
  EXPECT_EQ(static_cast<size_t>(kNumRejectReasons), seen.size());
}

TEST(ReasonNameTest, StableUniqueSnakeCaseNames) {
  std::set<std::string> names;
  for (int i = 0; i < kNumRejectReasons; ++i) {
    const std::string name(ReasonName(static_cast<RejectReason>(i)));
    EXPECT_TRUE(names.insert(name).second) << name;
    for (char c : name) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << name;
  }
  EXPECT_EQ(20u, names.size());
  names.clear();
  for (int i = 0; i < kNumDeliveryProblems; ++i) {
    const std::string name(ReasonName(static_cast<DeliveryProblem>(i)));
    EXPECT_TRUE(names.insert(name).second) << name;
    for (char c : name) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << name;
  }
  EXPECT_EQ(13u, names.size());
  EXPECT_EQ("relay_denied", ReasonName(RejectReason::kRelayDenied));
  EXPECT_EQ("tls_required", ReasonName(RejectReason::kTlsRequired));
  EXPECT_EQ("mailbox_full", ReasonName(DeliveryProblem::kMailboxFull));
  EXPECT_EQ("connection_timed_out", ReasonName(DeliveryProblem::kConnectionTimedOut));
}

}  // namespace
}  // namespace mailgauge::parsers
