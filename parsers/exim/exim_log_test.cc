#include "parsers/exim/exim_log.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "parsers/postfix/event_testing.h"
#include "parsers/postfix/reason.h"

namespace mailgauge::parsers {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

// The translated lines of one Exim message, as (daemon, text) pairs.
std::vector<std::pair<std::string, std::string>> Translated(EximTranslator& exim,
                                                            std::string_view message,
                                                            int64_t unix_seconds = 1000) {
  EximTranslation t;
  Timestamp time;
  time.unix_micros = unix_seconds * 1000000;
  std::vector<std::pair<std::string, std::string>> out;
  if (!exim.Translate(message, time, &t)) {
    out.emplace_back("not understood", "");
    return out;
  }
  for (const EximTranslation::Line& l : t.lines) {
    out.emplace_back(std::string(DaemonName(l.daemon)), l.message);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> Translated(std::string_view message) {
  EximTranslator exim;
  return Translated(exim, message);
}

TEST(EximMainLogTest, ReadsTimeZonePidAndMessage) {
  LogLine line;
  ASSERT_TRUE(ReadEximMainLogLine("2026-11-25 10:00:01 1vABCD-000123-AB Completed",
                                  absl::UTCTimeZone(), &line));
  EXPECT_EQ(line.time.ToRfc3339(), "2026-11-25T10:00:01Z");
  EXPECT_EQ(line.message, "1vABCD-000123-AB Completed");
  EXPECT_EQ(line.program, "exim");
  EXPECT_EQ(line.pid, -1);

  ASSERT_TRUE(ReadEximMainLogLine("2026-11-25 10:00:01.123 +0100 [4242] 1vABCD-000123-AB Completed",
                                  absl::UTCTimeZone(), &line));
  EXPECT_EQ(line.time.ToRfc3339(), "2026-11-25T10:00:01.123000+01:00");
  EXPECT_EQ(line.pid, 4242);
  EXPECT_EQ(line.message, "1vABCD-000123-AB Completed");

  absl::TimeZone berlin;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Berlin", &berlin));
  ASSERT_TRUE(ReadEximMainLogLine("2026-07-01 12:00:00 Start queue run: pid=7", berlin, &line));
  EXPECT_EQ(line.time.ToRfc3339(), "2026-07-01T12:00:00+02:00");

  for (std::string_view bad :
       {"", "Nov 25 10:00:01 mx exim[1]: x", "2026-13-25 10:00:01 x", "2026-11-25 10:00:01",
        "2026-11-25 10:00:01.12 x", "2026-11-25 25:00:01 x"}) {
    EXPECT_FALSE(ReadEximMainLogLine(bad, absl::UTCTimeZone(), &line)) << bad;
  }
}

TEST(EximMainLogTest, StripsEximTimeFromSyslogMessages) {
  EXPECT_EQ(StripEximTime("2026-11-25 10:00:01 1vABCD-000123-AB Completed"),
            "1vABCD-000123-AB Completed");
  EXPECT_EQ(StripEximTime("2026-11-25 10:00:01 [77] Start queue run"), "Start queue run");
  EXPECT_EQ(StripEximTime("1vABCD-000123-AB Completed"), "1vABCD-000123-AB Completed");
  // +pid without the time (syslog_timestamp = false).
  EXPECT_EQ(StripEximTime("[8001] no MAIL in SMTP connection from (User) [192.0.2.29]:20042"),
            "no MAIL in SMTP connection from (User) [192.0.2.29]:20042");
  EXPECT_EQ(StripEximTime("[192.0.2.1] x"), "[192.0.2.1] x");
  EXPECT_EQ(StripEximTime("[1\\2] x"), "[1\\2] x");
  EXPECT_EQ(StripEximTime("[]"), "[]");
  EXPECT_EQ(StripEximTime("[12]"), "[12]");
}

// Failures of the system (disk, hints databases, configuration) are
// warnings, of the queue manager when they concern a message and of the
// master daemon otherwise; older Exims' reports of a remote host during a
// delivery are understood and need no line (the "==" line says it).
TEST(EximTranslatorTest, SystemFailuresAndOlderRemoteReports) {
  EXPECT_THAT(Translated("1gfiaO-0008Tb-OK spool file write error while delivering: No space "
                         "left on device"),
              ElementsAre(Pair("qmgr", "warning: 1gfiaO-0008Tb-OK: spool file write error while "
                                       "delivering: No space left on device")));
  EXPECT_THAT(Translated("1tnPHP-000000007cd-1ggz failed to open DB file /var/spool/exim4/db/"
                         "retry: Permission denied (euid=1003 egid=1003)"),
              ElementsAre(Pair("qmgr", "warning: 1tnPHP-000000007cd-1ggz: failed to open DB file "
                                       "/var/spool/exim4/db/retry: Permission denied (euid=1003 "
                                       "egid=1003)")));
  // The daemon gives up: an end, as Postfix's master's "fatal:" (it was a
  // warning before session 24).
  EXPECT_THAT(Translated("socket bind() to port 25 for address 127.0.0.1 failed: Address already "
                         "in use: daemon abandoned"),
              ElementsAre(Pair("master", "fatal: socket bind() to port 25 for address "
                                         "127.0.0.1 failed: Address already in use: daemon "
                                         "abandoned")));
  // Real lines (testdata/realworld/SOURCES.md): Exim on a board without
  // IPv6, one that could open no log file, a spool it could not write.
  EXPECT_THAT(Translated("IPv6 socket creation failed: Address family not supported by protocol"),
              ElementsAre(Pair("master", "warning: IPv6 socket creation failed: Address family "
                                         "not supported by protocol")));
  EXPECT_THAT(Translated("exim: could not open panic log - aborting: see message(s) above"),
              ElementsAre(Pair("master", "fatal: exim: could not open panic log - aborting: see "
                                         "message(s) above")));
  EXPECT_THAT(Translated("00008k-0000ia-1P Failed to create spool file /var/spool/exim4/input//"
                         "00008k-0000ia-1P-D: Permission denied"),
              ElementsAre(Pair("qmgr", "warning: 00008k-0000ia-1P: Failed to create spool file "
                                       "/var/spool/exim4/input//00008k-0000ia-1P-D: Permission "
                                       "denied")));
  // A daemon line whose words read like a syslog host and tag.
  EXPECT_THAT(Translated("pid 27421: SIGHUP received: re-exec daemon"), IsEmpty());
  EXPECT_THAT(Translated("Cannot open main log file \"/var/log/exim4/mainlog\": Permission "
                         "denied: euid=0 egid=101"),
              ElementsAre(Pair("master", "warning: Cannot open main log file "
                                         "\"/var/log/exim4/mainlog\": Permission denied: "
                                         "euid=0 egid=101")));
  for (std::string_view info :
       {"1RwtJv-0009RI-9N SMTP error from remote mail server after RCPT TO:<u@rambler.ru>: host "
        "imx1.rambler.ru [81.19.66.235]: 451 4.7.1 Rate limit exceeded",
        "1RwkiX-0000Td-D8 SMTP timeout while connected to trendnet.ru [212.158.164.172] after "
        "initial connection: Operation timed out",
        "1Rwr8T-000Ljk-Of Remote host MAIL.diamonds.ru [89.221.55.146] closed connection in "
        "response to initial connection"}) {
    EXPECT_TRUE(Translated(info).empty()) << info;
  }
  // A site's own logwrite text is not Exim's.
  EXPECT_THAT(Translated("ACL_SMTP_CONNECT [196.251.83.16]:56258"),
              ElementsAre(Pair("not understood", "")));
}

TEST(EximTranslatorTest, SmtpArrival) {
  EXPECT_THAT(
      Translated("1vABCD-000123-AB <= alice@example.org H=mail.example.org (helo.example.org) "
                 "[192.0.2.7]:41234 I=[192.0.2.1]:25 P=esmtps "
                 "X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no A=plain:alice S=2345 "
                 "id=abc@example.org T=\"Hello: world\" for bob@example.net carol@example.net"),
      ElementsAre(
          Pair("smtpd",
               "Anonymous TLS connection established from mail.example.org[192.0.2.7]: "
               "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)"),
          Pair("smtpd",
               "E000000001: client=mail.example.org[192.0.2.7]:41234, "
               "sasl_method=plain, sasl_username=alice"),
          Pair("cleanup", "E000000001: message-id=<abc@example.org>"),
          Pair("qmgr", "E000000001: from=<alice@example.org>, size=2345, nrcpt=2 (queue active)")));
  // No reverse name, the HELO name in parentheses; no port (the default
  // log_selector).
  EXPECT_THAT(Translated("1vABCD-000123-AB <= <> H=(friend) [192.0.2.8] P=smtp S=10"),
              ElementsAre(Pair("smtpd", "E000000001: client=unknown[192.0.2.8]"),
                          Pair("qmgr", "E000000001: from=<>, size=10, nrcpt=1 (queue active)")));
}

TEST(EximTranslatorTest, LocalArrivalAndBounce) {
  EXPECT_THAT(Translated("1vABCD-000123-AB <= root@mx.example.test U=root P=local S=400"),
              ElementsAre(Pair("pickup", "E000000001: uid=0 from=<root@mx.example.test>"),
                          Pair("qmgr",
                               "E000000001: from=<root@mx.example.test>, size=400, "
                               "nrcpt=1 (queue active)")));
  EXPECT_THAT(
      Translated("1vABCE-000124-AB <= <> R=1vABCD-000123-AB U=Debian-exim P=local S=1800"),
      ElementsAre(Pair("bounce", "E000000002: sender non-delivery notification: E000000001"),
                  Pair("qmgr", "E000000001: from=<>, size=1800, nrcpt=1 (queue active)")));
}

TEST(EximTranslatorTest, Deliveries) {
  EximTranslator exim;
  // The arrival at t=1000 s gives the delay of deliveries without QT=.
  ASSERT_EQ(Translated(exim, "1vABCD-000123-AB <= a@example.org U=a P=local S=1", 1000).size(), 2u);
  EXPECT_THAT(
      Translated(exim,
                 "1vABCD-000123-AB => bob@example.net R=dnslookup T=remote_smtp "
                 "H=mx.example.net [203.0.113.5]:25 X=TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256 "
                 "CV=yes C=\"250 2.0.0 Ok: queued as 4B0C72A1F3\"",
                 1003),
      ElementsAre(Pair("smtp",
                       "Verified TLS connection established to "
                       "mx.example.net[203.0.113.5]:25: TLSv1.2 with cipher "
                       "ECDHE_RSA_AES_256_GCM_SHA384 (256/256 bits)"),
                  Pair("smtp",
                       "E000000001: to=<bob@example.net>, "
                       "relay=mx.example.net[203.0.113.5]:25, delay=3, dsn=2.0.0, "
                       "status=sent (250 2.0.0 Ok: queued as 4B0C72A1F3)")));
  EXPECT_THAT(Translated(exim,
                         "1vABCD-000123-AB => bob <postmaster@example.org> R=aliases "
                         "T=local_delivery QT=1m2s",
                         1100),
              ElementsAre(Pair("local",
                               "E000000001: to=<bob@example.org>, "
                               "orig_to=<postmaster@example.org>, relay=local, delay=62, "
                               "dsn=2.0.0, status=sent (delivered to mailbox)")));
  EXPECT_THAT(
      Translated(exim, "1vABCD-000123-AB -> carol@example.org R=local_user T=mail_spool", 1000),
      ElementsAre(Pair("local",
                       "E000000001: to=<carol@example.org>, relay=local, delay=0, "
                       "dsn=2.0.0, status=sent (delivered to mailbox)")));
  EXPECT_THAT(Translated(exim,
                         "1vABCD-000123-AB => |/usr/bin/procmail -d bob <bob@example.org> "
                         "R=procmail T=address_pipe",
                         1001),
              ElementsAre(Pair("pipe",
                               "E000000001: to=<bob@example.org>, relay=address_pipe, "
                               "delay=1, dsn=2.0.0, status=sent (delivered via address_pipe "
                               "service)")));
  EXPECT_THAT(Translated(exim,
                         "1vABCD-000123-AB => /var/mail/archive <archive@example.org> "
                         "R=archive T=address_file",
                         1001),
              ElementsAre(Pair("local",
                               "E000000001: to=<archive@example.org>, relay=local, delay=1, "
                               "dsn=2.0.0, status=sent (delivered to file: /var/mail/archive)")));
}

TEST(EximTranslatorTest, DeferralsAndFailures) {
  // Exims before 4.8x name the host in the text, not as H= (real, 2012):
  // the same Postfix line as a later Exim's.
  EXPECT_THAT(
      Translated("1RwtEg-0002zL-Mh ** user65@yahoo.com R=dnslookup T=remote_smtp: SMTP error "
                 "from remote mail server after end of data: host mta7.am0.yahoodns.net "
                 "[66.94.237.64]: 554 delivery error: dd Sorry"),
      ElementsAre(Pair("smtp",
                       "E000000001: to=<user65@yahoo.com>, "
                       "relay=mta7.am0.yahoodns.net[66.94.237.64], delay=0, dsn=5.0.0, "
                       "status=bounced (host mta7.am0.yahoodns.net[66.94.237.64] said: 554 "
                       "delivery error: dd Sorry (in reply to end of DATA command))")));
  EXPECT_THAT(
      Translated("1vABCD-000123-AB == bob@example.net R=dnslookup T=remote_smtp defer (-44) "
                 "H=mx.example.net [203.0.113.5]: SMTP error from remote mail server after "
                 "RCPT TO:<bob@example.net>: 451 4.7.1 Greylisted, try again"),
      ElementsAre(Pair("smtp",
                       "E000000001: to=<bob@example.net>, "
                       "relay=mx.example.net[203.0.113.5], delay=0, dsn=4.7.1, "
                       "status=deferred (host mx.example.net[203.0.113.5] said: 451 "
                       "4.7.1 Greylisted, try again (in reply to RCPT TO command))")));
  EXPECT_THAT(
      Translated("1vABCD-000123-AB == bob@example.net R=dnslookup T=remote_smtp defer (111): "
                 "Connection refused"),
      ElementsAre(Pair("smtp",
                       "E000000001: to=<bob@example.net>, relay=none, delay=0, "
                       "dsn=4.0.0, status=deferred (Connection refused)")));
  EXPECT_THAT(Translated("1vABCD-000123-AB ** bob@example.net R=dnslookup T=remote_smtp "
                         "H=mx.example.net [203.0.113.5]: SMTP error from remote mail server after "
                         "end of data: 552 5.3.4 Message too big"),
              ElementsAre(Pair("smtp",
                               "E000000001: to=<bob@example.net>, "
                               "relay=mx.example.net[203.0.113.5], delay=0, dsn=5.3.4, "
                               "status=bounced (host mx.example.net[203.0.113.5] said: 552 "
                               "5.3.4 Message too big (in reply to end of DATA command))")));
  EXPECT_THAT(Translated("1vABCD-000123-AB ** nobody@example.org: Unrouteable address"),
              ElementsAre(Pair("error",
                               "E000000001: to=<nobody@example.org>, relay=none, "
                               "delay=0, dsn=5.0.0, status=bounced (Unrouteable "
                               "address)")));
  EXPECT_THAT(Translated("1vABCD-000123-AB ** bob@example.org <x@example.org> R=local_user "
                         "T=mail_spool: mailbox is full"),
              ElementsAre(Pair("local",
                               "E000000001: to=<bob@example.org>, "
                               "orig_to=<x@example.org>, relay=local, delay=0, "
                               "dsn=5.0.0, status=bounced (mailbox is full)")));
}

TEST(EximTranslatorTest, EndsOfMessages) {
  EXPECT_THAT(Translated("1vABCD-000123-AB Completed"),
              ElementsAre(Pair("qmgr", "E000000001: removed")));
  EXPECT_THAT(Translated("1vABCD-000123-AB Completed QT=3s"),
              ElementsAre(Pair("qmgr", "E000000001: removed")));
  EXPECT_THAT(Translated("1vABCD-000123-AB removed by root"),
              ElementsAre(Pair("postsuper", "E000000001: removed")));
  EXPECT_THAT(Translated("1vABCD-000123-AB Frozen (delivery error message)"),
              ElementsAre(Pair("postsuper", "E000000001: placed on hold")));
  EXPECT_THAT(Translated("1vABCD-000123-AB Message is frozen"), IsEmpty());
  // Frozen because its bounce could not be sent (real, Exim 4.84).
  EXPECT_THAT(Translated("1vABCD-000123-AB Process failed (1) when writing error message to "
                         "root@ETC_MAILNAME (frozen)"),
              ElementsAre(Pair("postsuper", "E000000001: placed on hold")));
}

TEST(EximTranslatorTest, Rejects) {
  EXPECT_THAT(Translated("H=(friend) [192.0.2.9]:5123 F=<s@example.net> rejected RCPT "
                         "<x@elsewhere.test>: relay not permitted"),
              ElementsAre(Pair("smtpd",
                               "NOQUEUE: reject: RCPT from unknown[192.0.2.9]:5123: 550 "
                               "<x@elsewhere.test>: relay not permitted; from=<s@example.net> "
                               "to=<x@elsewhere.test> proto=ESMTP helo=<friend>")));
  EXPECT_THAT(
      Translated("H=mail.example.net [192.0.2.9] F=<s@example.net> temporarily rejected RCPT "
                 "<b@example.org>: greylisted"),
      ElementsAre(Pair("smtpd",
                       "NOQUEUE: reject: RCPT from mail.example.net[192.0.2.9]: 450 "
                       "<b@example.org>: greylisted; from=<s@example.net> "
                       "to=<b@example.org> proto=ESMTP helo=<mail.example.net>")));
  EXPECT_THAT(Translated("H=(bad) [192.0.2.9] rejected MAIL <spam@spam.test>: sender refused"),
              ElementsAre(Pair("smtpd",
                               "NOQUEUE: reject: MAIL from unknown[192.0.2.9]: 550 "
                               "<spam@spam.test>: sender refused; from=<spam@spam.test> "
                               "proto=ESMTP helo=<bad>")));
  // An ACL deny without a message (real Exim 4.96, testdata/exim/logs):
  // Exim answered its default text.
  EXPECT_THAT(Translated("H=(v.remote.test) [127.0.0.2] rejected ETRN example.test"),
              ElementsAre(Pair("smtpd",
                               "NOQUEUE: reject: ETRN from unknown[127.0.0.2]: 550 "
                               "<example.test>: Administrative prohibition; from=<> "
                               "proto=ESMTP helo=<v.remote.test>")));
  EXPECT_THAT(Translated("H=[192.0.2.9] rejected EHLO or HELO bad.name: not a valid name"),
              ElementsAre(Pair("smtpd",
                               "NOQUEUE: reject: EHLO from unknown[192.0.2.9]: 550 "
                               "<bad.name>: not a valid name; proto=ESMTP")));
  EXPECT_THAT(Translated("1vABCD-000123-AB H=(friend) [192.0.2.9] F=<s@example.net> rejected after "
                         "DATA: spam detected"),
              ElementsAre(Pair("smtpd",
                               "E000000001: reject: END-OF-MESSAGE from unknown[192.0.2.9]: "
                               "550 spam detected; from=<s@example.net> proto=ESMTP "
                               "helo=<friend>")));
}

// Shapes of older Exims and other configurations, as seen in real logs
// (addresses here are examples).
TEST(EximTranslatorTest, OtherRealShapes) {
  // F= and the recipient without <> (Exim 4.7x), +pid, +incoming_interface.
  EXPECT_THAT(Translated("H=(helo.example) [192.0.2.20]:3755 I=[192.0.2.1]:25 F=s@example.net "
                         "rejected RCPT r@example.org: relay not permitted"),
              ElementsAre(Pair("smtpd",
                               "NOQUEUE: reject: RCPT from unknown[192.0.2.20]:3755: 550 "
                               "<r@example.org>: relay not permitted; from=<s@example.net> "
                               "to=<r@example.org> proto=ESMTP helo=<helo.example>")));
  // local_scan() (SpamAssassin through sa-exim) refusing a message.
  EXPECT_THAT(Translated("1vABCD-000123-AB F=s@example.net H=mail.example.net [192.0.2.21] P=smtp "
                         "rejected by local_scan(): Rejected: hits=7.5 required=5.0"),
              ElementsAre(Pair("smtpd",
                               "E000000001: reject: END-OF-MESSAGE from "
                               "mail.example.net[192.0.2.21]: 550 Rejected: hits=7.5 "
                               "required=5.0; from=<s@example.net> proto=ESMTP "
                               "helo=<mail.example.net>")));
  EXPECT_THAT(Translated("1vABCD-000123-AB F=s@example.net H=(x) [192.0.2.21] P=esmtp temporarily "
                         "rejected by local_scan(): Temporary local problem"),
              ElementsAre(Pair("smtpd",
                               "E000000001: reject: END-OF-MESSAGE from unknown[192.0.2.21]: "
                               "450 Temporary local problem; from=<s@example.net> "
                               "proto=ESMTP helo=<x>")));
  // A connection dropped by an ACL, under the message being received.
  EXPECT_THAT(Translated("1vABCD-000123-AB SMTP connection from (x) [192.0.2.22]:44884 "
                         "I=[192.0.2.1]:25 closed by DROP in ACL"),
              ElementsAre(Pair("smtpd", "disconnect from unknown[192.0.2.22]:44884")));
  // An authenticator's failure from a host with a name and a HELO.
  EXPECT_THAT(Translated("login authenticator failed for host.example.net ([10.0.0.2]) "
                         "[192.0.2.23]: 535 Incorrect authentication data (set_id=brian)"),
              ElementsAre(Pair("smtpd",
                               "warning: host.example.net[192.0.2.23]: SASL login "
                               "authentication failed: 535 Incorrect authentication data "
                               "(set_id=brian)")));
  EXPECT_THAT(Translated("SMTP call from host.example.net [192.0.2.24]:3767 I=[192.0.2.1]:25 "
                         "dropped: too many nonmail commands (last was \"RSET\")"),
              ElementsAre(Pair("smtpd",
                               "too many errors after UNKNOWN from "
                               "host.example.net[192.0.2.24]:3767")));
  // Exim 4.97's connection IDs (+connection_id); a local SMTP session's.
  EXPECT_THAT(Translated("SMTP connection Ci=p1240 from (x) [192.0.2.28]:10004 "
                         "I=[192.0.2.1]:25 D=1s closed by QUIT"),
              ElementsAre(Pair("smtpd", "disconnect from unknown[192.0.2.28]:10004")));
  EXPECT_THAT(Translated("1vABCD-000123-AB SMTP connection lost after final dot H=(x) "
                         "[192.0.2.29] P=esmtp"),
              ElementsAre(Pair("smtpd",
                               "lost connection after END-OF-MESSAGE from "
                               "unknown[192.0.2.29]")));
  for (std::string_view understood :
       {"SMTP connection from root D=1s closed by QUIT",
        "rejected HELO from CALLER: syntactically invalid argument(s): (no argument given)",
        "rejected MAIL FROM:<a@example.org> U=CALLER: message too big: size=1000 max=100",
        "rejected MAIL command U=CALLER: too many messages in one connection",
        "too many recipients: excess temporarily rejected: sender=<x@y> U=CALLER",
        "plain authenticator failed for U=CALLER: 535 Incorrect authentication data",
        "1vABCD-000123-AB U=CALLER F=<a@example.org> temporarily rejected after DATA",
        "1vABCD-000123-AB plain authenticator failed H=mx.example.net [192.0.2.30] 535 no",
        "1vABCD-000123-AB TLS session: (SSL_connect): error: handshake failure",
        "1vABCD-000123-AB moved from input, msglog to Finput, Fmsglog",
        "1vABCD-000123-AB a@example.org: error ignored",
        "H=(x) [192.0.2.25] sender verify fail for <s@example.net>: Unrouteable address",
        "SMTP protocol error in \"AUTH LOGIN\" H=(x) [192.0.2.26]:60723 I=[192.0.2.1]:587 "
        "AUTH command used when not advertised",
        "no MAIL in SMTP connection from [192.0.2.27]:2056 I=[192.0.2.1]:25 D=10s",
        "1vABCD-000123-AB SA: Action: flagged as Spam but accepted: score=8.2 required=5.0"}) {
    EXPECT_THAT(Translated(understood), IsEmpty()) << understood;
  }
  // A local submission refused by acl_not_smtp: cleanup's reject of a
  // message from local.
  EXPECT_THAT(Translated("1vABCD-000123-AB F=<a@example.org> rejected by non-SMTP ACL: local "
                         "message refused"),
              ElementsAre(Pair("cleanup", "E000000001: reject: body non-SMTP ACL from local; "
                                          "from=<a@example.org>: local message refused")));
}

TEST(EximTranslatorTest, Connections) {
  EXPECT_THAT(Translated("SMTP connection from [192.0.2.9]:5123 I=[192.0.2.1]:25 "
                         "(TCP/IP connection count = 1)"),
              ElementsAre(Pair("smtpd", "connect from unknown[192.0.2.9]:5123")));
  EXPECT_THAT(Translated("SMTP connection from (friend) [192.0.2.9]:5123 I=[192.0.2.1]:25 "
                         "closed by QUIT"),
              ElementsAre(Pair("smtpd", "disconnect from unknown[192.0.2.9]:5123")));
  EXPECT_THAT(Translated("SMTP connection from (friend) [192.0.2.9]:5123 lost while reading "
                         "message data"),
              ElementsAre(Pair("smtpd",
                               "lost connection after DATA from "
                               "unknown[192.0.2.9]:5123")));
  EXPECT_THAT(Translated("Start queue run: pid=4242"), IsEmpty());
  // A '<' with no '>' after it (the fuzzer's: this looped for ever).
  EXPECT_THAT(Translated("1vABCD-000123-AB <= <> H=(x) [192.0.2.1] P=esmtp L.- S=297 M-2y <= a"),
              ElementsAre(Pair("smtpd", "E000000001: client=unknown[192.0.2.1]"),
                          Pair("qmgr", "E000000001: from=<>, size=297, nrcpt=1 (queue active)")));
  EXPECT_THAT(Translated("something Exim never says"), ElementsAre(Pair("not understood", "")));
  EXPECT_THAT(Translated("1vABCD-000123-AB something Exim never says"),
              ElementsAre(Pair("not understood", "")));
}

// Every translated line is read by the Postfix parser, and the real IDs and
// fields come back.
TEST(EximReaderTest, ParsesTranslationsAndRestoresFields) {
  EximReader reader(&TestParser());
  LogLine line;
  std::vector<std::pair<std::string, Fields>> got;
  auto read = [&](std::string_view text) {
    got.clear();
    EXPECT_TRUE(ReadEximMainLogLine(text, absl::UTCTimeZone(), &line)) << text;
    return reader.Read(line, /*syslog=*/false, [&](const LogLine& l, const Event& e) {
      EXPECT_EQ(l.instance, "exim");
      got.emplace_back(std::string(l.daemon), FieldsOf(e));
    });
  };
  ASSERT_TRUE(
      read("2026-11-25 10:00:01 1vABCE-000124-AB <= <> R=1vABCD-000123-AB "
           "U=Debian-exim P=local S=1800"));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].second.at("kind"), "notification");
  EXPECT_EQ(got[0].second.at("queue_id"), "1vABCD-000123-AB");
  EXPECT_EQ(got[0].second.at("new_queue_id"), "1vABCE-000124-AB");
  EXPECT_EQ(got[1].second.at("queue_id"), "1vABCE-000124-AB");
  EXPECT_EQ(got[1].second.count("nrcpt"), 0u);  // unknown without "for ..."

  // "(=": kept though the client was told no (control = fakereject); a
  // line without S= (cut short) has no size.
  ASSERT_TRUE(read("2026-11-25 10:00:01 1vABCG-000126-AB (= a@example.net H=(x) [192.0.2.3]"));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].second.at("kind"), "smtpd_client");
  EXPECT_EQ(got[1].second.at("kind"), "queued");
  EXPECT_EQ(got[1].second.count("size"), 0u);
  EXPECT_EQ(got[1].second.at("from"), "a@example.net");

  ASSERT_TRUE(
      read("2026-11-25 10:00:01 1vABCF-000125-AB <= bob@mx.example.test U=bob "
           "P=local S=12 for a@example.org"));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].second.at("kind"), "pickup");
  EXPECT_EQ(got[0].second.at("uid"), "bob");
  EXPECT_EQ(got[1].second.at("nrcpt"), "1");

  ASSERT_TRUE(
      read("2026-11-25 10:00:04 1vABCF-000125-AB == a@example.org R=dnslookup "
           "T=remote_smtp defer (-44) H=mx.example.org [192.0.2.5]: SMTP error from "
           "remote mail server after RCPT TO:<a@example.org>: 451 4.7.1 Greylisted"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].second.at("kind"), "delivery");
  EXPECT_EQ(got[0].second.at("delivery_status"), "deferred");
  EXPECT_EQ(got[0].second.at("delay"), "3");
  EXPECT_EQ(got[0].second.at("reply_code"), "451");
  EXPECT_EQ(got[0].second.at("enhanced_code"), "4.7.1");
  EXPECT_EQ(got[0].second.at("queue_id"), "1vABCF-000125-AB");

  ASSERT_TRUE(read("2026-11-25 10:00:09 1vABCF-000125-AB Completed"));
  ASSERT_TRUE(
      read("2026-11-25 10:00:09 1vABCF-000125-AB => a@example.org R=dnslookup "
           "T=remote_smtp H=mx.example.org [192.0.2.5]"));
  EXPECT_EQ(got[0].second.count("delay"), 0u);  // arrival forgotten at Completed

  ASSERT_TRUE(
      read("2026-11-25 10:00:09 H=(friend) [192.0.2.9] F=<s@example.net> rejected "
           "RCPT <x@elsewhere.test>: relay not permitted"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].second.at("kind"), "reject");
  EXPECT_EQ(got[0].second.at("stage"), "RCPT");
  EXPECT_EQ(got[0].second.at("to"), "x@elsewhere.test");
  EXPECT_EQ(got[0].second.at("client_addr"), "192.0.2.9");

  ASSERT_TRUE(
      read("2026-11-25 10:00:10 H=(x) [192.0.2.10] F=<s@example.net> rejected RCPT "
           "<b@example.org>: rejected because 192.0.2.10 is in a black list at "
           "zen.spamhaus.org"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].second.at("list_name"), "zen.spamhaus.org");
  ASSERT_TRUE(
      read("2026-11-25 10:00:10 H=(x) [192.0.2.10] F=<s@example.net> rejected RCPT "
           "<b@example.org>: 192.0.2.10 is listed at bl.example.net."));
  EXPECT_EQ(got[0].second.at("list_name"), "bl.example.net");

  EXPECT_FALSE(read("2026-11-25 10:00:09 1vABCF-000125-AB what is this"));
  EXPECT_TRUE(got.empty());
}

// Exim's standard reject texts fall in the reject classes Postfix's do.
TEST(EximReaderTest, RejectReasons) {
  EximReader reader(&TestParser());
  for (const auto& [reason, want] : std::vector<std::pair<std::string, std::string>>{
           {"relay not permitted", "relay_denied"},
           {"Unknown user", "unknown_user"},
           {"Unrouteable address", "unknown_user"},
           {"Sender verify failed", "sender_restriction"},
           {"rejected because 192.0.2.10 is in a black list at zen.spamhaus.org", "rbl"},
           {"greylisted", "greylisting"},
           {"Administrative prohibition", "other"}}) {
    LogLine line;
    const std::string text =
        "2026-11-25 10:00:10 H=(x) [192.0.2.10] F=<s@example.net> "
        "rejected RCPT <b@example.org>: " +
        reason;
    ASSERT_TRUE(ReadEximMainLogLine(text, absl::UTCTimeZone(), &line));
    std::string got;
    ASSERT_TRUE(reader.Read(line, /*syslog=*/false, [&](const LogLine&, const Event& e) {
      got = std::string(ReasonName(ClassifyReject(e)));
    }));
    EXPECT_EQ(got, want) << reason;
  }
}

TEST(EximTranslatorTest, ArrivalMemoryIsBounded) {
  EximTranslator exim;
  EximTranslation t;
  Timestamp time;
  time.unix_micros = 1;
  char id[] = "1vAAAA-000000-AA";
  for (size_t i = 0; i < EximTranslator::kMaxArrivals + 10; ++i) {
    std::snprintf(id + 7, 7, "%06zu", i % 1000000);
    id[13] = '-';
    const std::string line = std::string(id) + " <= a@b U=a P=local S=1";
    ASSERT_TRUE(exim.Translate(line, time, &t));
  }
  EXPECT_LE(exim.arrivals_kept(), EximTranslator::kMaxArrivals);
}

}  // namespace
}  // namespace mailgauge::parsers
