// Tests of JournalReader on real .journal files, written at test time by
// systemd's own writer: entries in the journal export format are fed to
// systemd-journal-remote (Debian package systemd-journal-remote). Without
// it, the tests that need journal files are skipped with a message.
#include "parsers/journal_reader.h"

#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "parsers/journal_export_testing.h"

namespace mailgauge::parsers {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// 2026-11-25T17:58:09.123456Z
constexpr int64_t kT0 = 1795629489123456;

// The boot all test entries come from.
constexpr int64_t kBootTime = kT0 - 86400000000LL;
constexpr char kBootId[] = "5b1c4a7e0f3d4c2a9e8b7a6f5d4c3b2a";

using Fields = testing::JournalFields;

std::string TempDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d ? d : "/tmp";
}

// Writes `entries` into the journal file `path` (appending if it exists).
// Returns "" on success, else what went wrong.
std::string WriteJournal(const std::string& path, const std::vector<Fields>& entries) {
  absl::Status s = testing::WriteJournalFile(path, entries);
  return s.ok() ? "" : std::string(s.message());
}

Fields Entry(int64_t t, const std::string& identifier, const std::string& pid,
             const std::string& message, const std::string& unit = "",
             const std::string& facility = "2", const std::string& host = "mx1") {
  Fields f = {{"__REALTIME_TIMESTAMP", std::to_string(t)},
              {"__MONOTONIC_TIMESTAMP", std::to_string(t - kBootTime)},
              {"_BOOT_ID", kBootId},
              {"_HOSTNAME", host}};
  if (!identifier.empty()) f.push_back({"SYSLOG_IDENTIFIER", identifier});
  if (!pid.empty()) f.push_back({"SYSLOG_PID", pid});
  f.push_back({"MESSAGE", message});
  if (!unit.empty()) f.push_back({"_SYSTEMD_UNIT", unit});
  if (!facility.empty()) f.push_back({"SYSLOG_FACILITY", facility});
  return f;
}

const std::string kBinaryMessage = std::string("4B0C72A1F3: body \xff\xfe with NUL ") +
                                   std::string(1, '\0') + " and\nnewline";

// A small journal: Postfix under several names, units and facilities, and
// entries that are not Postfix's.
std::vector<Fields> MixedEntries() {
  std::vector<Fields> e;
  e.push_back(Entry(kT0, "postfix/smtpd", "123", "connect from unknown[192.0.2.1]",
                    "postfix@-.service"));
  e.push_back(Entry(kT0 + 1000, "dovecot", "500", "imap-login: Login: user=<bob>", "dovecot.service"));
  e.push_back(Entry(kT0 + 2000, "sshd", "600", "Accepted publickey for root", "ssh.service", "4"));
  e.push_back(Entry(kT0 + 3000, "postfix-out/qmgr", "124",
                    "4B0C72A1F3: from=<a@example.org>, size=100, nrcpt=1 (queue active)",
                    "postfix@postfix-out.service"));
  // Not facility mail and no unit: found by its identifier only.
  e.push_back(Entry(kT0 + 4000, "postfix/submission/smtpd", "125",
                    "connect from unknown[192.0.2.2]", "", "16"));
  // A custom syslog_name with a non-mail facility.
  e.push_back(Entry(kT0 + 5000, "mta/in/smtpd", "126", "connect from unknown[192.0.2.3]",
                    "", "16"));
  // A unit's own output that is not a Postfix program.
  e.push_back(Entry(kT0 + 6000, "postmulti", "127", "starting instance", "postfix@-.service", "3"));
  // No SYSLOG_PID: _PID is used. Binary message.
  Fields smtp = Entry(kT0 + 7000, "postfix/smtp", "", kBinaryMessage, "postfix@-.service");
  smtp.push_back({"_PID", "777"});
  e.push_back(smtp);
  // Kernel line: no identifier, facility kern.
  Fields kernel = {{"__REALTIME_TIMESTAMP", std::to_string(kT0 + 8000)},
                   {"__MONOTONIC_TIMESTAMP", std::to_string(kT0 + 8000 - kBootTime)},
                   {"_BOOT_ID", kBootId},
                   {"_HOSTNAME", "mx1"}, {"MESSAGE", "eth0: link up"},
                   {"SYSLOG_FACILITY", "0"}, {"_TRANSPORT", "kernel"}};
  e.push_back(kernel);
  e.push_back(Entry(kT0 + 9000, "postfix/qmgr", "128", "4B0C72A1F3: removed",
                    "postfix@-.service", "2", "mx2"));
  return e;
}

class JournalReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::JournalRemotePath().empty()) GTEST_SKIP() << testing::kNoJournalRemote;
    dir_ = TempDir() + "/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::string cmd = "rm -rf '" + dir_ + "' && mkdir -p '" + dir_ + "'";
    ASSERT_EQ(0, std::system(cmd.c_str()));
  }

  std::string MakeJournal(const std::string& name, const std::vector<Fields>& entries) {
    const std::string path = dir_ + "/" + name;
    const std::string err = WriteJournal(path, entries);
    EXPECT_EQ("", err);
    return path;
  }

  static JournalOptions FileOptions(const std::vector<std::string>& files) {
    JournalOptions o;
    o.source = JournalSource::kFiles;
    o.files = files;
    o.time_zone = absl::UTCTimeZone();
    return o;
  }

  // Every entry's message, or an error marker.
  static std::vector<std::string> Messages(JournalReader* reader) {
    std::vector<std::string> out;
    JournalEntry entry;
    for (int i = 0; i < 100000; ++i) {
      absl::StatusOr<JournalRead> r = reader->Next(&entry);
      if (!r.ok()) {
        out.push_back("ERROR: " + std::string(r.status().message()));
        break;
      }
      if (*r != JournalRead::kEntry) break;
      out.emplace_back(entry.line.message);
    }
    return out;
  }

  std::string dir_;
};

TEST_F(JournalReaderTest, ReadsEveryPostfixEntryWithItsFields) {
  const std::string path = MakeJournal("mixed.journal", MixedEntries());
  JournalOptions options = FileOptions({path});
  options.syslog_names.Add("mta/in");
  absl::TimeZone berlin;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Berlin", &berlin));
  options.time_zone = berlin;
  auto reader = JournalReader::Open(options);
  ASSERT_TRUE(reader.ok()) << reader.status();
  // Identifiers that log with facility mail are found through it; the two
  // that log only to local0 get a match of their own.
  EXPECT_EQ(
      "SYSLOG_IDENTIFIER=mta/in/smtpd OR SYSLOG_IDENTIFIER=postfix/submission/smtpd OR "
      "SYSLOG_FACILITY=2 OR _SYSTEMD_UNIT=postfix.service OR "
      "_SYSTEMD_UNIT=postfix@-.service OR _SYSTEMD_UNIT=postfix@postfix-out.service",
      (*reader)->match_description());

  struct Want {
    int64_t micros;
    std::string host, program, syslog_name, instance, service, daemon;
    int64_t pid;
    std::string message, unit;
    int facility;
  };
  const std::vector<Want> want = {
      {kT0, "mx1", "postfix/smtpd", "postfix", "postfix", "", "smtpd", 123,
       "connect from unknown[192.0.2.1]", "postfix@-.service", 2},
      {kT0 + 3000, "mx1", "postfix-out/qmgr", "postfix-out", "postfix-out", "", "qmgr", 124,
       "4B0C72A1F3: from=<a@example.org>, size=100, nrcpt=1 (queue active)",
       "postfix@postfix-out.service", 2},
      {kT0 + 4000, "mx1", "postfix/submission/smtpd", "postfix/submission", "postfix",
       "submission", "smtpd", 125, "connect from unknown[192.0.2.2]", "", 16},
      {kT0 + 5000, "mx1", "mta/in/smtpd", "mta/in", "mta/in", "", "smtpd", 126,
       "connect from unknown[192.0.2.3]", "", 16},
      {kT0 + 7000, "mx1", "postfix/smtp", "postfix", "postfix", "", "smtp", 777,
       kBinaryMessage, "postfix@-.service", 2},
      {kT0 + 9000, "mx2", "postfix/qmgr", "postfix", "postfix", "", "qmgr", 128,
       "4B0C72A1F3: removed", "postfix@-.service", 2},
  };
  JournalEntry entry;
  for (const Want& w : want) {
    SCOPED_TRACE(w.program);
    absl::StatusOr<JournalRead> r = (*reader)->Next(&entry);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(JournalRead::kEntry, *r);
    EXPECT_EQ(w.micros, entry.line.time.unix_micros);
    EXPECT_EQ(3600, entry.line.time.utc_offset_seconds);
    EXPECT_EQ(w.host, entry.line.host);
    EXPECT_EQ(w.program, entry.line.program);
    EXPECT_EQ(w.syslog_name, entry.line.syslog_name);
    EXPECT_EQ(w.instance, entry.line.instance);
    EXPECT_EQ(w.service, entry.line.service);
    EXPECT_EQ(w.daemon, entry.line.daemon);
    EXPECT_EQ(w.pid, entry.line.pid);
    EXPECT_EQ(w.message, entry.line.message);
    EXPECT_EQ(w.unit, entry.unit);
    EXPECT_EQ(w.facility, entry.facility);
    EXPECT_FALSE(entry.overlong);
  }
  absl::StatusOr<JournalRead> r = (*reader)->Next(&entry);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(JournalRead::kNoEntryYet, *r);
  // dovecot (facility mail) and postmulti (in postfix@-.service) were visited
  // and skipped; sshd and the kernel line were never visited.
  EXPECT_EQ(6u, (*reader)->stats().entries);
  EXPECT_EQ(2u, (*reader)->stats().skipped_entries);
  EXPECT_EQ(1u, (*reader)->stats().files);
}

TEST_F(JournalReaderTest, WithoutTheCustomNameItsEntriesAreSkipped) {
  const std::string path = MakeJournal("mixed.journal", MixedEntries());
  auto reader = JournalReader::Open(FileOptions({path}));
  ASSERT_TRUE(reader.ok()) << reader.status();
  const std::vector<std::string> got = Messages(reader->get());
  EXPECT_EQ(5u, got.size());
  EXPECT_EQ(
      "SYSLOG_IDENTIFIER=postfix/submission/smtpd OR SYSLOG_FACILITY=2 OR "
      "_SYSTEMD_UNIT=postfix.service OR _SYSTEMD_UNIT=postfix@-.service OR "
      "_SYSTEMD_UNIT=postfix@postfix-out.service",
      (*reader)->match_description());
  // mta/in/smtpd (facility local0, no unit) is not even visited.
  EXPECT_EQ(2u, (*reader)->stats().skipped_entries);
}

TEST_F(JournalReaderTest, UnitsOverrideTheDefaultSelection) {
  const std::string path = MakeJournal("mixed.journal", MixedEntries());
  JournalOptions options = FileOptions({path});
  options.units = {"postfix@postfix-out"};  // ".service" is added
  auto reader = JournalReader::Open(options);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ("_SYSTEMD_UNIT=postfix@postfix-out.service", (*reader)->match_description());
  EXPECT_THAT(Messages(reader->get()),
              ElementsAre("4B0C72A1F3: from=<a@example.org>, size=100, nrcpt=1 (queue active)"));

  options.units = {"postfix@*"};
  reader = JournalReader::Open(options);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(
      "_SYSTEMD_UNIT=postfix@-.service OR _SYSTEMD_UNIT=postfix@postfix-out.service",
      (*reader)->match_description());
  EXPECT_EQ(4u, Messages(reader->get()).size());
  EXPECT_EQ(1u, (*reader)->stats().skipped_entries);  // postmulti

  // A pattern that matches no unit selects nothing (not everything).
  options.units = {"exim4@*"};
  reader = JournalReader::Open(options);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ("(nothing)", (*reader)->match_description());
  EXPECT_TRUE(Messages(reader->get()).empty());
  EXPECT_EQ(0u, (*reader)->stats().skipped_entries);
}

// postfix_exporter's --systemd.slice: a container or a Postfix started
// under its own slice.
TEST_F(JournalReaderTest, SlicesSelectTheirEntries) {
  std::vector<Fields> entries = {
      Entry(kT0, "postfix/qmgr", "20", "4B0C72A1F3: removed", "postfix@-.service"),
      Entry(kT0 + 1, "postfix/smtpd", "21", "connect from a[192.0.2.1]", "mail-in.service"),
      Entry(kT0 + 2, "postfix/smtpd", "22", "connect from b[192.0.2.2]", "mail-out.service"),
  };
  entries[0].push_back({"_SYSTEMD_SLICE", "system-postfix.slice"});
  entries[1].push_back({"_SYSTEMD_SLICE", "mail.slice"});
  entries[2].push_back({"_SYSTEMD_SLICE", "other.slice"});
  const std::string path = MakeJournal("slices.journal", entries);
  JournalOptions options = FileOptions({path});
  options.slices = {"mail.slice"};
  auto reader = JournalReader::Open(options);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ("_SYSTEMD_SLICE=mail.slice", (*reader)->match_description());
  EXPECT_THAT(Messages(reader->get()), ElementsAre("connect from a[192.0.2.1]"));
  // With a unit: either.
  options.units = {"mail-out"};
  reader = JournalReader::Open(options);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ("_SYSTEMD_UNIT=mail-out.service OR _SYSTEMD_SLICE=mail.slice",
            (*reader)->match_description());
  EXPECT_THAT(Messages(reader->get()),
              ElementsAre("connect from a[192.0.2.1]", "connect from b[192.0.2.2]"));
}

TEST_F(JournalReaderTest, AllEntries) {
  const std::string path = MakeJournal("mixed.journal", MixedEntries());
  JournalOptions options = FileOptions({path});
  options.all_entries = true;
  auto reader = JournalReader::Open(options);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(5u, Messages(reader->get()).size());
  EXPECT_EQ(5u, (*reader)->stats().skipped_entries);

  options.postfix_only = false;
  reader = JournalReader::Open(options);
  ASSERT_TRUE(reader.ok()) << reader.status();
  const std::vector<std::string> all = Messages(reader->get());
  EXPECT_EQ(MixedEntries().size(), all.size());
  EXPECT_EQ("eth0: link up", all[8]);
}

TEST_F(JournalReaderTest, ContainerOutputHoldingSyslogLinesIsKept) {
  // Postfix in a container (maillog_file = /dev/stdout) under docker's
  // journald driver: the identifier is the container's, the message a whole
  // syslog line. Such entries are returned for LogInput to unwrap.
  const std::string path = MakeJournal(
      "container.journal",
      {Entry(kT0, "f00dfeed1234", "", "Nov 25 17:58:09 mx1 postfix/smtpd[7]: connect from x",
             "docker.service", ""),
       Entry(kT0 + 1000, "f00dfeed1234", "", "starting the container", "docker.service", "")});
  JournalOptions options = FileOptions({path});
  options.units = {"docker.service"};
  auto reader = JournalReader::Open(options);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(std::vector<std::string>{"Nov 25 17:58:09 mx1 postfix/smtpd[7]: connect from x"},
            Messages(reader->get()));
  EXPECT_EQ(1u, (*reader)->stats().skipped_entries);
}

TEST_F(JournalReaderTest, CursorResumesWithExactlyTheRest) {
  std::vector<Fields> entries;
  for (int i = 0; i < 20; ++i) {
    entries.push_back(Entry(kT0 + i * 1000000, "postfix/smtpd", std::to_string(100 + i),
                            "line " + std::to_string(i), "postfix@-.service"));
    // Non-Postfix entries in between, so a cursor may sit on a skipped entry.
    entries.push_back(Entry(kT0 + i * 1000000 + 10, "dovecot", "9", "other " + std::to_string(i)));
  }
  const std::string path = MakeJournal("cursor.journal", entries);
  std::vector<std::string> all;
  {
    auto reader = JournalReader::Open(FileOptions({path}));
    ASSERT_TRUE(reader.ok()) << reader.status();
    EXPECT_EQ("", (*reader)->Cursor());
    all = Messages(reader->get());
    ASSERT_EQ(20u, all.size());
  }
  for (int split : {1, 7, 19, 20}) {
    SCOPED_TRACE(split);
    auto first = JournalReader::Open(FileOptions({path}));
    ASSERT_TRUE(first.ok()) << first.status();
    JournalEntry entry;
    std::vector<std::string> got;
    for (int i = 0; i < split; ++i) {
      absl::StatusOr<JournalRead> r = (*first)->Next(&entry);
      ASSERT_TRUE(r.ok() && *r == JournalRead::kEntry);
      got.emplace_back(entry.line.message);
    }
    if (split == 20) {
      // At the end: the cursor is still that of the last entry read (the
      // trailing dovecot entry, skipped).
      absl::StatusOr<JournalRead> r = (*first)->Next(&entry);
      ASSERT_TRUE(r.ok() && *r == JournalRead::kNoEntryYet);
    }
    const std::string cursor = (*first)->Cursor();
    ASSERT_FALSE(cursor.empty());
    JournalOptions options = FileOptions({path});
    options.after_cursor = cursor;
    auto second = JournalReader::Open(options);
    ASSERT_TRUE(second.ok()) << second.status();
    EXPECT_EQ(cursor, (*second)->Cursor());
    for (const std::string& m : Messages(second->get())) got.push_back(m);
    EXPECT_EQ(all, got);
  }
}

TEST_F(JournalReaderTest, CursorOfARotatedAwayEntryResumesAtTheNextOne) {
  const std::string a = MakeJournal("a.journal",
                                    {Entry(kT0, "postfix/smtpd", "1", "a1"),
                                     Entry(kT0 + 1000, "postfix/smtpd", "1", "a2")});
  std::string cursor;
  {
    auto reader = JournalReader::Open(FileOptions({a}));
    ASSERT_TRUE(reader.ok());
    JournalEntry entry;
    ASSERT_TRUE((*reader)->Next(&entry).ok());
    cursor = (*reader)->Cursor();
  }
  // The cursor's file is gone; another file holds later entries.
  const std::string b = MakeJournal("b.journal",
                                    {Entry(kT0 - 1000, "postfix/smtpd", "1", "b0"),
                                     Entry(kT0 + 500, "postfix/smtpd", "1", "b1"),
                                     Entry(kT0 + 2000, "postfix/smtpd", "1", "b2")});
  JournalOptions options = FileOptions({b});
  options.after_cursor = cursor;
  auto reader = JournalReader::Open(options);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_THAT(Messages(reader->get()), ElementsAre("b1", "b2"));

  options.after_cursor = "not a cursor";
  reader = JournalReader::Open(options);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(absl::StatusCode::kInvalidArgument, reader.status().code());
  EXPECT_THAT(std::string(reader.status().message()), HasSubstr("bad cursor"));
}

TEST_F(JournalReaderTest, SinceAndUntil) {
  std::vector<Fields> entries;
  for (int i = 0; i < 10; ++i) {
    entries.push_back(Entry(kT0 + i * 60000000LL, "postfix/qmgr", "5", "m" + std::to_string(i)));
  }
  const std::string path = MakeJournal("range.journal", entries);
  JournalOptions options = FileOptions({path});
  options.since = absl::FromUnixMicros(kT0 + 3 * 60000000LL);
  options.until = absl::FromUnixMicros(kT0 + 6 * 60000000LL);
  auto reader = JournalReader::Open(options);
  ASSERT_TRUE(reader.ok()) << reader.status();
  JournalEntry entry;
  std::vector<std::string> got;
  absl::StatusOr<JournalRead> r;
  while ((r = (*reader)->Next(&entry)).ok() && *r == JournalRead::kEntry) {
    got.emplace_back(entry.line.message);
  }
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(JournalRead::kPastUntil, *r);
  EXPECT_THAT(got, ElementsAre("m3", "m4", "m5", "m6"));
  // Resuming after the until-bounded run continues at m7.
  JournalOptions rest = FileOptions({path});
  rest.after_cursor = (*reader)->Cursor();
  auto again = JournalReader::Open(rest);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_THAT(Messages(again->get()), ElementsAre("m7", "m8", "m9"));

  options.since = absl::FromUnixMicros(kT0 + 5);
  options.until = absl::FromUnixMicros(kT0);
  EXPECT_EQ(absl::StatusCode::kInvalidArgument, JournalReader::Open(options).status().code());
}

TEST_F(JournalReaderTest, SeveralFilesAndADirectoryAreMergedInTimeOrder) {
  const std::string d = dir_ + "/journal";
  ASSERT_EQ(0, ::mkdir(d.c_str(), 0755));
  const std::string err1 = WriteJournal(d + "/one.journal",
                                        {Entry(kT0, "postfix/smtpd", "1", "x0"),
                                         Entry(kT0 + 2000, "postfix/smtpd", "1", "x2")});
  const std::string err2 = WriteJournal(d + "/two.journal",
                                        {Entry(kT0 + 1000, "postfix/qmgr", "2", "y1"),
                                         Entry(kT0 + 3000, "postfix/qmgr", "2", "y3")});
  ASSERT_EQ("", err1);
  ASSERT_EQ("", err2);
  auto files = JournalReader::Open(FileOptions({d + "/two.journal", d + "/one.journal"}));
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_THAT(Messages(files->get()), ElementsAre("x0", "y1", "x2", "y3"));
  EXPECT_EQ(2u, (*files)->stats().files);

  JournalOptions options;
  options.source = JournalSource::kDirectory;
  options.directory = d;
  auto dir = JournalReader::Open(options);
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_THAT(Messages(dir->get()), ElementsAre("x0", "y1", "x2", "y3"));
  EXPECT_EQ(2u, (*dir)->stats().files);
}

TEST_F(JournalReaderTest, LongMessagesAreCut) {
  const std::string path = MakeJournal(
      "long.journal", {Entry(kT0, "postfix/cleanup", "1", std::string(300, 'x'))});
  JournalOptions options = FileOptions({path});
  options.max_message_bytes = 100;
  auto reader = JournalReader::Open(options);
  ASSERT_TRUE(reader.ok()) << reader.status();
  JournalEntry entry;
  absl::StatusOr<JournalRead> r = (*reader)->Next(&entry);
  ASSERT_TRUE(r.ok() && *r == JournalRead::kEntry);
  EXPECT_EQ(std::string(100, 'x'), entry.line.message);
  EXPECT_TRUE(entry.overlong);
  EXPECT_EQ(1u, (*reader)->stats().overlong);
}

TEST_F(JournalReaderTest, FollowWaitsForNewEntries) {
  const std::string path = MakeJournal("live.journal", {Entry(kT0, "postfix/smtpd", "1", "first")});
  JournalOptions options = FileOptions({path});
  options.follow = true;
  auto reader = JournalReader::Open(options);
  ASSERT_TRUE(reader.ok()) << reader.status();
  JournalEntry entry;
  absl::StatusOr<JournalRead> r = (*reader)->Next(&entry, absl::Milliseconds(100));
  ASSERT_TRUE(r.ok() && *r == JournalRead::kEntry);
  EXPECT_EQ("first", entry.line.message);
  const absl::Time start = absl::Now();
  r = (*reader)->Next(&entry, absl::Milliseconds(300));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(JournalRead::kNoEntryYet, *r);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(250));

  ASSERT_EQ("", WriteJournal(path, {Entry(kT0 + 1000, "dovecot", "2", "not ours"),
                                    Entry(kT0 + 2000, "postfix/qmgr", "3", "second")}));
  r = (*reader)->Next(&entry, absl::Seconds(10));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(JournalRead::kEntry, *r);
  EXPECT_EQ("second", entry.line.message);
  EXPECT_EQ(3, entry.line.pid);
}

// The reader waits for new entries (a child process, stopped there with
// SIGSTOP); meanwhile its open file gets one more entry and is rotated away
// and deleted, and a new file is written (journald's rotation and vacuum).
// Resumed, it still reads the deleted file's last entry, then the new
// file's: the deletion is taken in only after the open file is read to its
// end (sd_journal_wait, which takes it in first, lost the entry).
TEST_F(JournalReaderTest, FollowReadsADeletedFileToItsEndBeforeTheNextFile) {
  const std::string d = dir_ + "/journal";
  ASSERT_EQ(0, ::mkdir(d.c_str(), 0755));
  const std::string active = d + "/system.journal";
  ASSERT_EQ("", WriteJournal(active, {Entry(kT0, "postfix/smtpd", "1", "first")}));
  int fds[2];
  ASSERT_EQ(0, ::pipe(fds));
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Writes each message read (or the error) as a line to the pipe.
    ::close(fds[0]);
    JournalOptions options;
    options.source = JournalSource::kDirectory;
    options.directory = d;
    options.follow = true;
    auto reader = JournalReader::Open(options);
    std::string out;
    if (!reader.ok()) {
      out = "ERROR: " + std::string(reader.status().message()) + "\n";
      ::write(fds[1], out.data(), out.size());
      ::_exit(1);
    }
    JournalEntry entry;
    for (int i = 0; i < 3; ++i) {
      absl::StatusOr<JournalRead> r = (*reader)->Next(&entry, absl::Seconds(20));
      out = !r.ok() ? "ERROR: " + std::string(r.status().message())
            : *r == JournalRead::kEntry ? std::string(entry.line.message)
                                        : std::string("(none)");
      out += "\n";
      if (::write(fds[1], out.data(), out.size()) < 0) break;
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string got;
  auto read_lines = [&](size_t lines) {
    while (static_cast<size_t>(std::count(got.begin(), got.end(), '\n')) < lines) {
      struct pollfd p = {fds[0], POLLIN, 0};
      if (::poll(&p, 1, 20000) <= 0) return;
      char buf[256];
      const ssize_t n = ::read(fds[0], buf, sizeof(buf));
      if (n <= 0) return;
      got.append(buf, static_cast<size_t>(n));
    }
  };
  read_lines(1);
  EXPECT_EQ("first\n", got);
  ::usleep(300000);  // the child drains the file and waits
  ::kill(child, SIGSTOP);
  ASSERT_EQ("", WriteJournal(active, {Entry(kT0 + 1000, "postfix/qmgr", "2", "appended")}));
  const std::string archived = d + "/system@0000000000000001-0000000000000002.journal";
  EXPECT_EQ(0, std::rename(active.c_str(), archived.c_str()));
  EXPECT_EQ(0, ::unlink(archived.c_str()));
  EXPECT_EQ("", WriteJournal(active, {Entry(kT0 + 2000, "postfix/smtp", "3", "new file")}));
  ::kill(child, SIGCONT);
  read_lines(3);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ::close(fds[0]);
  EXPECT_EQ("first\nappended\nnew file\n", got);
}

// Caught up, a following reader takes in the deletion of the file its last
// entry is in; its cursor is still that entry's (sd-journal has no current
// entry to give one of any more).
TEST_F(JournalReaderTest, CursorSurvivesTheDeletionOfTheLastEntrysFile) {
  const std::string d = dir_ + "/journal";
  ASSERT_EQ(0, ::mkdir(d.c_str(), 0755));
  const std::string active = d + "/system.journal";
  ASSERT_EQ("", WriteJournal(active, {Entry(kT0, "postfix/smtpd", "1", "first")}));
  JournalOptions options;
  options.source = JournalSource::kDirectory;
  options.directory = d;
  options.follow = true;
  auto reader = JournalReader::Open(options);
  ASSERT_TRUE(reader.ok()) << reader.status();
  JournalEntry entry;
  absl::StatusOr<JournalRead> r = (*reader)->Next(&entry);
  ASSERT_TRUE(r.ok() && *r == JournalRead::kEntry);
  const std::string cursor = (*reader)->Cursor();
  ASSERT_FALSE(cursor.empty());
  ASSERT_EQ(0, ::unlink(active.c_str()));
  r = (*reader)->Next(&entry, absl::Milliseconds(100));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(JournalRead::kNoEntryYet, *r);
  EXPECT_EQ(cursor, (*reader)->Cursor());
}

TEST_F(JournalReaderTest, BadFilesGiveClearErrors) {
  const std::string good = MakeJournal("good.journal", MixedEntries());

  auto missing = JournalReader::Open(FileOptions({dir_ + "/missing.journal"}));
  EXPECT_EQ(absl::StatusCode::kNotFound, missing.status().code());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("missing.journal"));

  const std::string empty = dir_ + "/empty.journal";
  std::ofstream(empty).close();
  auto e = JournalReader::Open(FileOptions({good, empty}));
  EXPECT_EQ(absl::StatusCode::kDataLoss, e.status().code());
  EXPECT_THAT(std::string(e.status().message()), HasSubstr("empty.journal is empty"));

  const std::string text = dir_ + "/text.journal";
  std::ofstream(text) << "Nov 25 17:58:09 mx1 postfix/smtpd[1]: not a journal\n";
  auto t = JournalReader::Open(FileOptions({good, text}));
  EXPECT_EQ(absl::StatusCode::kDataLoss, t.status().code());
  EXPECT_THAT(std::string(t.status().message()),
              HasSubstr("text.journal is not a journal file or is corrupt"));

  auto as_dir = JournalReader::Open(FileOptions({dir_}));
  EXPECT_EQ(absl::StatusCode::kInvalidArgument, as_dir.status().code());

  JournalOptions d;
  d.source = JournalSource::kDirectory;
  d.directory = dir_ + "/nonexistent";
  EXPECT_EQ(absl::StatusCode::kNotFound, JournalReader::Open(d).status().code());
  d.directory = dir_ + "/emptydir";
  ASSERT_EQ(0, ::mkdir(d.directory.c_str(), 0755));
  auto no_files = JournalReader::Open(d);
  EXPECT_EQ(absl::StatusCode::kNotFound, no_files.status().code());
  EXPECT_THAT(std::string(no_files.status().message()), HasSubstr("no journal files"));
  d.directory = good;
  EXPECT_EQ(absl::StatusCode::kInvalidArgument, JournalReader::Open(d).status().code());

  if (::geteuid() != 0) {
    const std::string locked = dir_ + "/locked.journal";
    ASSERT_EQ("", WriteJournal(locked, MixedEntries()));
    ASSERT_EQ(0, ::chmod(locked.c_str(), 0));
    auto p = JournalReader::Open(FileOptions({locked}));
    EXPECT_EQ(absl::StatusCode::kPermissionDenied, p.status().code());
    EXPECT_THAT(std::string(p.status().message()), HasSubstr("systemd-journal"));
  }
}

// Damaged journal files: cut short, or overwritten in the middle. Whatever
// sd-journal makes of them, the reader returns entries or an error, and
// never crashes or loops.
TEST_F(JournalReaderTest, DamagedFilesDoNotCrash) {
  std::vector<Fields> entries;
  for (int i = 0; i < 200; ++i) {
    entries.push_back(Entry(kT0 + i * 1000, "postfix/smtpd", "1",
                            "connect from host" + std::to_string(i) + "[192.0.2.1]"));
  }
  const std::string good = MakeJournal("good.journal", entries);
  std::string bytes;
  {
    std::ifstream f(good, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  ASSERT_GT(bytes.size(), 100000u);
  int errors = 0;
  int opened = 0;
  struct Damage {
    const char* name;
    size_t cut;        // keep this many bytes (0: all)
    size_t overwrite;  // overwrite 4 KiB here with garbage (0: none)
  };
  for (const Damage& dmg : {Damage{"cut_header", 100, 0}, Damage{"cut_small", 5000, 0},
                            Damage{"cut_mid", 40000, 0}, Damage{"garbage_4k", 0, 4096},
                            Damage{"garbage_20k", 0, 20000},
                            Damage{"garbage_60k", 0, 60000}}) {
    SCOPED_TRACE(dmg.name);
    std::string damaged = dmg.cut ? bytes.substr(0, dmg.cut) : bytes;
    if (dmg.overwrite) {
      for (size_t i = 0; i < 4096 && dmg.overwrite + i < damaged.size(); ++i) {
        damaged[dmg.overwrite + i] = static_cast<char>((i * 131 + 7) & 0xff);
      }
    }
    const std::string path = dir_ + "/" + dmg.name + ".journal";
    {
      std::ofstream f(path, std::ios::binary | std::ios::trunc);
      f.write(damaged.data(), damaged.size());
    }
    auto reader = JournalReader::Open(FileOptions({path}));
    if (!reader.ok()) {
      ++errors;
      EXPECT_THAT(std::string(reader.status().message()), HasSubstr(path));
      continue;
    }
    ++opened;
    const std::vector<std::string> got = Messages(reader->get());
    EXPECT_LE(got.size(), entries.size() + 1);
  }
  // A file cut inside its header is refused, naming it.
  EXPECT_GE(errors, 1);
  std::printf("damaged journal files: %d refused, %d read\n", errors, opened);
}

// The live journal: opened, or refused with a clear reason (this test must
// also pass on machines without journald, e.g. in containers).
TEST(JournalReaderLocalTest, OpensOrExplains) {
  JournalOptions options;
  options.source = JournalSource::kLocal;
  auto reader = JournalReader::Open(options);
  if (reader.ok()) {
    JournalEntry entry;
    for (int i = 0; i < 10; ++i) {
      absl::StatusOr<JournalRead> r = (*reader)->Next(&entry);
      ASSERT_TRUE(r.ok()) << r.status();
      if (*r != JournalRead::kEntry) break;
      EXPECT_TRUE(IsPostfixProgram(entry.line, options.syslog_names));
    }
    return;
  }
  EXPECT_TRUE(reader.status().code() == absl::StatusCode::kNotFound ||
              reader.status().code() == absl::StatusCode::kPermissionDenied)
      << reader.status();
  EXPECT_THAT(std::string(reader.status().message()), HasSubstr("journal"));
}

TEST(NormalizeUnitNameTest, AddsServiceWhenThereIsNoType) {
  EXPECT_EQ("postfix@-.service", NormalizeUnitName("postfix@-"));
  EXPECT_EQ("postfix@-.service", NormalizeUnitName("postfix@-.service"));
  EXPECT_EQ("postfix@*.service", NormalizeUnitName("postfix@*"));
  EXPECT_EQ("mail.target", NormalizeUnitName("mail.target"));
  EXPECT_EQ("postfix.old.service", NormalizeUnitName("postfix.old"));
}

}  // namespace
}  // namespace mailgauge::parsers
