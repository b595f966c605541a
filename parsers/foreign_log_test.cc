#include "parsers/foreign_log.h"

#include "gtest/gtest.h"

namespace mailgauge::parsers {
namespace {

TEST(ForeignLogTest, EximMainLogLines) {
  for (const char* line : {
           "2026-11-25 10:00:01 1vABCD-000123-AB <= alice@example.org H=mail.example.org "
           "[192.0.2.10] P=esmtps S=2345 id=abc@example.org",
           "2026-11-25 10:00:02 1vABCD-000123-AB => bob@example.net R=dnslookup "
           "T=remote_smtp H=mx.example.net [198.51.100.5] C=\"250 2.0.0 Ok\"",
           "2026-11-25 10:00:02 1vABCD-000123-AB Completed",
           "2026-11-25 10:00:02.123 +0100 [4242] 1vABCD-000123-AB == c@example.net "
           "R=dnslookup T=remote_smtp defer (-53): retry time not reached",
           "2026-11-25 10:00:02 -0500 1vABCD-000123-AB ** d@example.net: Unrouteable address",
           // Exim 4.97's longer message IDs.
           "2026-11-25 10:00:03 1vABCD-0001234567A-ABCD <= <> R=1vABCD-000123-AB U=Debian-exim",
           "2026-11-25 10:00:04 SMTP connection from [192.0.2.7]:5123 lost",
           "2026-11-25 10:00:04 [77] Start queue run: pid=77",
           "2026-11-25 10:00:05 exim 4.96 daemon started: pid=1234, -q30m, listening for SMTP",
           "2026-11-25 10:00:06 H=(helo) [192.0.2.9] F=<a@b> rejected RCPT <x@y>: relay not permitted",
       }) {
    EXPECT_TRUE(LooksLikeEximMainLog(line)) << line;
  }
}

// +pid's "[1234]", after Exim's time (ReadEximLogTime) or alone (a syslog
// line without Exim's time).
TEST(ForeignLogTest, EximPid) {
  int64_t pid = -1;
  EXPECT_EQ(6u, ReadEximPid("[4242] Start queue run", &pid));
  EXPECT_EQ(4242, pid);
  EXPECT_EQ(14u, ReadEximPid("[123456789012]", &pid));
  EXPECT_EQ(123456789012, pid);
  for (std::string_view no : {"", "[", "[]", "[12", "[1234567890123]", "[192.0.2.1]", "[1\\2]",
                              " [12]", "12]"}) {
    pid = -1;
    EXPECT_EQ(0u, ReadEximPid(no, &pid)) << no;
    EXPECT_EQ(-1, pid) << no;
  }
  EximLogTime t;
  EXPECT_EQ(25u, ReadEximLogTime("2026-11-25 10:00:01 [77] Start queue run", &t));
  EXPECT_EQ(77, t.pid);
  EXPECT_EQ(0u, ReadEximLogTime("2026-11-25 10:00:01 [77 Start queue run", &t));
}

TEST(ForeignLogTest, EximRejectLogHeaderDumps) {
  EXPECT_TRUE(LooksLikeEximRejectLogHeaders("Envelope-from: <carol@example.test>"));
  EXPECT_TRUE(LooksLikeEximRejectLogHeaders("Envelope-from: <>"));
  EXPECT_FALSE(LooksLikeEximRejectLogHeaders("Envelope-to: <bob@example.test>"));
  EXPECT_FALSE(LooksLikeEximRejectLogHeaders("Envelope-from: carol"));
  EXPECT_FALSE(LooksLikeEximRejectLogHeaders(""));
}

TEST(ForeignLogTest, JournalctlFormsWithoutADate) {
  // As journalctl 252 writes them (-o short-monotonic, -o short-delta).
  for (const char* line : {
           "[    0.000000] mx postfix/smtpd[12]: connect from a[192.0.2.1]",
           "[123456.789012] mx postfix/qmgr[3]: 4B0C72A1F3: removed",
           "[    5.000001 <    0.000000 >] mx postfix/smtpd[12]: connect from a[192.0.2.1]",
           "[    5.000001 <    0.000120>] mx postfix/smtpd[12]: connect from a[192.0.2.1]",
       }) {
    EXPECT_TRUE(LooksLikeMonotonicTime(line)) << line;
  }
  for (const char* line : {"[0.1] x", "[ 12.123456]x", "[12.123456 <1.123456] x", "[] x",
                           "[abc.123456] x", "Nov 25 10:00:01 mx postfix/smtpd[1]: x"}) {
    EXPECT_FALSE(LooksLikeMonotonicTime(line)) << line;
  }
  // -o cat: the message alone.
  for (const char* line : {
           "connect from a[192.0.2.1]",
           "4B0C72A1F3: client=a[192.0.2.1]",
           "4dMhHk0nVgz9sWn: removed",
           "NOQUEUE: reject: RCPT from a[192.0.2.1]: 554 5.7.1 <x@y>: Relay access denied",
           "warning: hostname a does not resolve to address 192.0.2.1",
       }) {
    EXPECT_TRUE(LooksLikeJournalctlCat(line)) << line;
  }
  for (const char* line : {"Nov 25 10:00:01 mx postfix/smtpd[1]: connect from a[192.0.2.1]",
                           "garbage", "", "Note: something", "abc: def"}) {
    EXPECT_FALSE(LooksLikeJournalctlCat(line)) << line;
  }
}

TEST(ForeignLogTest, OtherLinesAreNot) {
  for (const char* line : {
           "",
           "Nov 25 10:00:01 mx postfix/smtpd[1]: connect from a[192.0.2.1]",
           "2026-11-25T10:00:01+01:00 mx postfix/smtpd[1]: connect from a[192.0.2.1]",
           "2026-11-25 10:00:01 mx postfix/smtpd[1]: connect",
           "2026-11-25 10:00:01 1vABCD-00012-AB <= a@b",   // a 6-5-2 ID
           "2026-11-25 10:00:01 1vABCD-000123-ABC <= a@b",  // 6-6-3
           "2026-11-25 10:00:01.12 1vABCD-000123-AB <= a@b",
           "2026-11-25 10:00:01 [12 1vABCD-000123-AB <= a@b",
           "2026-11-25 10:00:01",
           "garbage",
       }) {
    EXPECT_FALSE(LooksLikeEximMainLog(line)) << line;
  }
}

}  // namespace
}  // namespace mailgauge::parsers
