// LogInput::ReadJournal against ReadFiles: the same Postfix lines, once as a
// syslog file and once as journal entries in a real .journal file (written
// by systemd-journal-remote at test time; skipped without it), give the same
// LogLines, the same events and the same counts.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "analyzer/log_input.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "parsers/journal_export_testing.h"
#include "parsers/journal_reader.h"

namespace mailgauge::analyzer {
namespace {

using ::testing::HasSubstr;

// 2026-11-25T17:58:09Z
constexpr int64_t kT0 = 1795629489000000;

struct Line {
  int64_t micros;
  const char* host;
  const char* tag;
  int pid;
  const char* message;
};

// One message through smtpd, cleanup, qmgr, smtp; a pickup message to a
// second instance; a line no pattern knows; and other programs.
const Line kLines[] = {
    {kT0, "mx1", "postfix/smtpd", 101, "connect from mail.example.org[192.0.2.10]"},
    {kT0 + 100000, "mx1", "postfix/smtpd", 101,
     "4B0C72A1F3: client=mail.example.org[192.0.2.10]"},
    {kT0 + 110000, "mx1", "dovecot", 900, "imap-login: Login: user=<bob@example.test>"},
    {kT0 + 200000, "mx1", "postfix/cleanup", 102,
     "4B0C72A1F3: message-id=<20261125175809.1@example.org>"},
    {kT0 + 300000, "mx1", "postfix/qmgr", 103,
     "4B0C72A1F3: from=<alice@example.org>, size=1234, nrcpt=1 (queue active)"},
    {kT0 + 350000, "mx1", "postfix/smtpd", 101,
     "disconnect from mail.example.org[192.0.2.10] ehlo=1 mail=1 rcpt=1 data=1 "
     "quit=1 commands=5"},
    {kT0 + 900000, "mx1", "postfix/smtp", 104,
     "4B0C72A1F3: to=<bob@example.net>, relay=mx.example.net[198.51.100.7]:25, "
     "delay=0.9, delays=0.3/0/0.2/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok: "
     "queued as 1A2B3C)"},
    {kT0 + 910000, "mx1", "postfix/qmgr", 103, "4B0C72A1F3: removed"},
    {kT0 + 920000, "mx1", "postfix/smtpd", 101,
     "this is no message Postfix writes, so no pattern knows it"},
    {kT0 + 2000000, "mx2", "postfix-out/pickup", 201,
     "8564A1081D4: uid=0 from=<root@mx2.example.test>"},
    {kT0 + 2100000, "mx2", "postfix-out/cleanup", 202,
     "8564A1081D4: message-id=<1.root@mx2.example.test>"},
    {kT0 + 2200000, "mx2", "opendkim", 300, "8564A1081D4: no signing table match"},
};

std::string TempDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d ? d : "/tmp";
}

std::string Iso(int64_t micros) {
  Timestamp t;
  t.unix_micros = micros;
  return t.ToRfc3339();
}

std::string Describe(const LogLine& l, const parsers::Event& e) {
  return absl::StrCat(l.time.unix_micros, "|", std::string(l.host), "|", std::string(l.program), "|",
                      std::string(l.instance), "|", std::string(l.daemon), "|", l.pid, "|",
                      std::string(l.message), "|",
                      std::string(parsers::EventKindName(e.kind)));
}

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// `lines` written twice: as an RFC 3339 syslog file at `log`, and as
// journal entries (facility mail, of `unit` unless empty) at `journal`.
template <size_t N>
bool WriteLogAndJournal(const Line (&lines)[N], const std::string& unit,
                        const std::string& log, const std::string& journal) {
  std::ofstream f(log);
  std::vector<parsers::testing::JournalFields> entries;
  for (const Line& l : lines) {
    f << Iso(l.micros) << " " << l.host << " " << l.tag << "[" << l.pid << "]: " << l.message
      << "\n";
    entries.push_back({{"__REALTIME_TIMESTAMP", std::to_string(l.micros)},
                       {"_HOSTNAME", l.host},
                       {"SYSLOG_IDENTIFIER", l.tag},
                       {"SYSLOG_PID", std::to_string(l.pid)},
                       {"MESSAGE", l.message},
                       {"SYSLOG_FACILITY", "2"}});
    if (!unit.empty()) entries.back().emplace_back("_SYSTEMD_UNIT", unit);
  }
  f.close();
  const absl::Status s = parsers::testing::WriteJournalFile(journal, entries);
  EXPECT_TRUE(s.ok()) << s;
  return f.good() && s.ok();
}

TEST(LogInputJournalTest, JournalEntriesGiveWhatTheSameSyslogLinesGive) {
  if (parsers::testing::JournalRemotePath().empty()) {
    GTEST_SKIP() << parsers::testing::kNoJournalRemote;
  }
  const std::string dir = TempDir();
  const std::string log = dir + "/same.log";
  const std::string journal = dir + "/same.journal";
  ASSERT_TRUE(WriteLogAndJournal(kLines, "postfix@-.service", log, journal));

  absl::TimeZone berlin;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Berlin", &berlin));
  std::vector<int32_t> offsets;
  auto run = [&](bool from_journal, std::vector<std::string>* seen,
                 LogInputStats* stats, std::string* unparsed, std::string* cursor) {
    offsets.clear();
    LogInputOptions options;
    options.envelope.time_zone = berlin;
    options.unparsed_path = dir + (from_journal ? "/unparsed.journal.txt" : "/unparsed.log.txt");
    if (from_journal) {
      parsers::JournalOptions j;
      j.source = parsers::JournalSource::kFiles;
      j.files = {journal};
      options.journal = j;
    }
    auto input = LogInput::Create(options, [&](const LogLine& l, const parsers::Event& e) {
      seen->push_back(Describe(l, e));
      offsets.push_back(l.time.utc_offset_seconds);
    });
    ASSERT_TRUE(input.ok()) << input.status();
    absl::Status s = (*input)->ReadInputs(from_journal ? std::vector<std::string>{}
                                                       : std::vector<std::string>{log});
    ASSERT_TRUE(s.ok()) << s;
    *stats = (*input)->stats();
    *unparsed = ReadAll(options.unparsed_path);
    *cursor = (*input)->journal_cursor();
  };
  std::vector<std::string> from_log, from_journal;
  LogInputStats log_stats, journal_stats;
  std::string log_unparsed, journal_unparsed, log_cursor, journal_cursor;
  run(false, &from_log, &log_stats, &log_unparsed, &log_cursor);
  run(true, &from_journal, &journal_stats, &journal_unparsed, &journal_cursor);

  ASSERT_EQ(9u, from_log.size());
  EXPECT_EQ(from_log, from_journal);
  EXPECT_THAT(from_journal[0], HasSubstr("|mx1|postfix/smtpd|postfix|smtpd|101|"));
  // The file's lines say "Z"; the journal's offset is the configured zone's.
  EXPECT_EQ(std::vector<int32_t>(9, 3600), offsets);

  EXPECT_EQ(log_stats.lines, journal_stats.lines);
  EXPECT_EQ(12u, journal_stats.lines);
  EXPECT_EQ(12u, journal_stats.journal_entries);
  EXPECT_EQ(0u, log_stats.journal_entries);
  EXPECT_EQ(log_stats.postfix_lines, journal_stats.postfix_lines);
  EXPECT_EQ(log_stats.parsed_lines, journal_stats.parsed_lines);
  EXPECT_EQ(log_stats.other_program_lines, journal_stats.other_program_lines);
  EXPECT_EQ(2u, journal_stats.other_program_lines);
  EXPECT_EQ(log_stats.unparsed_by_daemon, journal_stats.unparsed_by_daemon);
  EXPECT_EQ(1u, journal_stats.unparsed_lines());
  EXPECT_EQ(1u, journal_stats.files);

  // The line not understood, as read from the file, and rendered from the
  // entry's fields in the zone's time.
  EXPECT_EQ(absl::StrCat(Iso(kT0 + 920000), " mx1 postfix/smtpd[101]: this is no message "
                         "Postfix writes, so no pattern knows it\n"),
            log_unparsed);
  EXPECT_EQ("2026-11-25T18:58:09.920000+01:00 mx1 postfix/smtpd[101]: this is no "
            "message Postfix writes, so no pattern knows it\n",
            journal_unparsed);
  EXPECT_EQ("", log_cursor);
  EXPECT_FALSE(journal_cursor.empty());
}

// Exim logs to syslog (hence the journal) as "exim", facility mail, each
// message led by its own time: its entries are selected and read as the
// same lines of a syslog file are (parsers/exim/exim_log.h), a reject once
// though Exim sends it twice (for its main and its reject log).
TEST(LogInputJournalTest, EximEntriesGiveWhatTheSameSyslogLinesGive) {
  if (parsers::testing::JournalRemotePath().empty()) {
    GTEST_SKIP() << parsers::testing::kNoJournalRemote;
  }
  const Line kExim[] = {
      {kT0, "mx3", "exim", 301,
       "2026-11-25 17:58:09 1vABCD-000123-AB <= alice@example.org H=(helo) [192.0.2.7] "
       "P=esmtp S=2345 id=x@example.org"},
      {kT0 + 500000, "mx3", "exim", 302,
       "2026-11-25 17:58:09 1vABCD-000123-AB => bob <bob@example.test> R=localuser "
       "T=local_delivery"},
      {kT0 + 510000, "mx3", "exim", 302, "2026-11-25 17:58:09 1vABCD-000123-AB Completed"},
      {kT0 + 600000, "mx3", "exim", 303,
       "2026-11-25 17:58:09 H=(helo) [192.0.2.9] F=<s@example.org> rejected RCPT "
       "<x@elsewhere.test>: relay not permitted"},
      {kT0 + 600001, "mx3", "exim", 303,
       "2026-11-25 17:58:09 H=(helo) [192.0.2.9] F=<s@example.org> rejected RCPT "
       "<x@elsewhere.test>: relay not permitted"},
  };
  const std::string dir = TempDir();
  const std::string log = dir + "/exim.log";
  const std::string journal = dir + "/exim.journal";
  ASSERT_TRUE(WriteLogAndJournal(kExim, "", log, journal));
  auto run = [&](bool from_journal, std::vector<std::string>* seen, LogInputStats* stats) {
    LogInputOptions options;
    options.envelope.time_zone = absl::UTCTimeZone();
    if (from_journal) {
      parsers::JournalOptions j;
      j.source = parsers::JournalSource::kFiles;
      j.files = {journal};
      options.journal = j;
    }
    auto input = LogInput::Create(options, [&](const LogLine& l, const parsers::Event& e) {
      seen->push_back(Describe(l, e));
    });
    ASSERT_TRUE(input.ok()) << input.status();
    ASSERT_TRUE((*input)
                    ->ReadInputs(from_journal ? std::vector<std::string>{}
                                              : std::vector<std::string>{log})
                    .ok());
    *stats = (*input)->stats();
  };
  std::vector<std::string> from_log, from_journal;
  LogInputStats log_stats, journal_stats;
  run(false, &from_log, &log_stats);
  run(true, &from_journal, &journal_stats);
  ASSERT_EQ(6u, from_log.size());  // client, message-id, queued, delivery, removed, reject
  EXPECT_EQ(from_log, from_journal);
  EXPECT_THAT(from_journal[5], HasSubstr("|mx3|exim|exim|smtpd|303|NOQUEUE: reject: RCPT"));
  EXPECT_EQ(5u, journal_stats.exim_lines);
  EXPECT_EQ(5u, journal_stats.parsed_lines);
  EXPECT_EQ(0u, journal_stats.other_program_lines);
  EXPECT_EQ(log_stats.exim_lines, journal_stats.exim_lines);
}

TEST(LogInputJournalTest, ErrorsNameTheJournal) {
  LogInputOptions options;
  auto input = LogInput::Create(options, [](const LogLine&, const parsers::Event&) {});
  ASSERT_TRUE(input.ok());
  parsers::JournalOptions j;
  j.source = parsers::JournalSource::kFiles;
  j.files = {TempDir() + "/no-such.journal"};
  absl::Status s = (*input)->ReadJournal(j);
  EXPECT_EQ(absl::StatusCode::kNotFound, s.code());
  EXPECT_THAT(std::string(s.message()), HasSubstr("no-such.journal"));
  EXPECT_EQ(0u, (*input)->stats().lines);
}

}  // namespace
}  // namespace mailgauge::analyzer
