#include "analyzer/log_input.h"

#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "parsers/foreign_log.h"

namespace mailgauge::analyzer {
namespace {

// Classic lines of 2026, in UTC.
LogInputOptions TestOptions() {
  LogInputOptions options;
  options.envelope.year = 2026;
  options.envelope.time_zone = absl::UTCTimeZone();
  return options;
}

std::unique_ptr<LogInput> MakeInput(int* handled) {
  LogInputOptions options = TestOptions();
  auto input = LogInput::Create(options, [handled](const LogLine&, const parsers::Event&) {
    ++*handled;
  });
  EXPECT_TRUE(input.ok()) << input.status();
  return *std::move(input);
}

TEST(LogInputTest, CountsEveryKindOfLine) {
  int handled = 0;
  auto input = MakeInput(&handled);
  input->ProcessLine("Nov 25 10:00:00 mx postfix/qmgr[1]: 4B0C72A1F3: removed");
  input->ProcessLine("Nov 25 10:00:01 mx dovecot: imap-login: Login: user=<a>");
  input->ProcessLine("Nov 25 10:00:02 mx postfix/smtpd[2]: something Postfix never says");
  input->ProcessLine("not a syslog line at all");
  input->ProcessLine("");
  input->ProcessLine("Nov 25 09:00:00 mx postfix/qmgr[1]: 4B0C72A1F4: removed");
  const LogInputStats& s = input->stats();
  EXPECT_EQ(6u, s.lines);
  EXPECT_EQ(1u, s.other_program_lines);
  EXPECT_EQ(1u, s.malformed_lines);
  EXPECT_EQ(1u, s.empty_lines);
  EXPECT_EQ(3u, s.postfix_lines);
  EXPECT_EQ(2u, s.parsed_lines);
  EXPECT_EQ(1u, s.unparsed_lines());
  EXPECT_EQ(1u, s.unparsed_by_daemon.at("smtpd"));
  EXPECT_EQ(1u, s.time_went_backwards);
  EXPECT_EQ(2, handled);
}

TEST(LogInputTest, ReadsJournalctlJsonEntries) {
  int handled = 0;
  auto input = MakeInput(&handled);
  input->ProcessLine(
      R"({"__REALTIME_TIMESTAMP":"1795600000000000","_HOSTNAME":"mx",)"
      R"("SYSLOG_IDENTIFIER":"postfix/qmgr","_PID":"1","MESSAGE":"4B0C72A1F3: removed"})");
  input->ProcessLine(
      R"({"__REALTIME_TIMESTAMP":"1795600001000000","SYSLOG_IDENTIFIER":"dovecot","MESSAGE":"x"})");
  input->ProcessLine(R"({"SYSLOG_IDENTIFIER":"postfix/qmgr","MESSAGE":"no time"})");
  const LogInputStats& s = input->stats();
  EXPECT_EQ(3u, s.lines);
  EXPECT_EQ(1u, s.postfix_lines);
  EXPECT_EQ(1u, s.parsed_lines);
  EXPECT_EQ(1u, s.other_program_lines);
  EXPECT_EQ(1u, s.malformed_lines);
  EXPECT_EQ(1, handled);
}

// `journalctl -o export`: fields, an empty line after each entry.
constexpr char kExportEntry[] =
    "__CURSOR=s=1;i=1\n"
    "__REALTIME_TIMESTAMP=1795600000000000\n"
    "_HOSTNAME=mx\n"
    "SYSLOG_IDENTIFIER=postfix/qmgr\n"
    "SYSLOG_PID=1\n"
    "MESSAGE=4B0C72A1F3: removed\n"
    "\n";

TEST(LogInputTest, ReadsJournalctlEntriesSpreadOverLines) {
  const std::string unparsed = ::testing::TempDir() + "/log_input_test_entries.unparsed";
  LogInputOptions options = TestOptions();
  options.unparsed_path = unparsed;
  std::vector<std::string> messages;
  auto input = LogInput::Create(options, [&](const LogLine& line, const parsers::Event&) {
    messages.emplace_back(line.message);
    EXPECT_EQ(1795600000000000, line.time.unix_micros);
    EXPECT_EQ("mx", line.host);
  });
  ASSERT_TRUE(input.ok());
  auto feed = [&](std::string_view text) {
    for (size_t start = 0; start < text.size();) {
      const size_t nl = text.find('\n', start);
      (*input)->ProcessLine(text.substr(start, nl - start));
      start = nl + 1;
    }
  };
  feed(kExportEntry);
  // An entry without a MESSAGE: its lines count as unreadable, and are kept.
  feed("__CURSOR=s=1;i=2\n__REALTIME_TIMESTAMP=1795600000000000\n\n");
  // A syslog line ends an entry without its empty line, and is read.
  feed("__REALTIME_TIMESTAMP=1795600000000000\nMESSAGE=4B0C72A1F4: removed\n"
       "SYSLOG_IDENTIFIER=postfix/qmgr\n_HOSTNAME=mx\n");
  (*input)->ProcessLine("Nov 25 09:46:40 mx postfix/qmgr[1]: 4B0C72A1F5: removed");
  // json-pretty, its last entry ended only by the end of the input.
  feed("{\n\t\"__REALTIME_TIMESTAMP\" : \"1795600000000000\",\n\t\"_HOSTNAME\" : \"mx\",\n"
       "\t\"SYSLOG_IDENTIFIER\" : \"postfix/qmgr\",\n\t\"MESSAGE\" : \"4B0C72A1F6: removed\"\n}\n"
       "{\n\t\"MESSAGE\" : \"cut short\",\n");
  EXPECT_EQ(3u, (*input)->stats().malformed_lines);
  (*input)->FinishEntries();
  EXPECT_EQ((std::vector<std::string>{"4B0C72A1F3: removed", "4B0C72A1F4: removed",
                                      "4B0C72A1F5: removed", "4B0C72A1F6: removed"}),
            messages);
  const LogInputStats& s = (*input)->stats();
  EXPECT_EQ(23u, s.lines);
  EXPECT_EQ(3u, s.journalctl_entries);
  EXPECT_EQ(17u, s.journalctl_entry_lines);
  EXPECT_EQ(4u, s.postfix_lines);
  EXPECT_EQ(4u, s.parsed_lines);
  EXPECT_EQ(5u, s.malformed_lines);  // the two bad entries' lines
  EXPECT_EQ(0u, s.empty_lines);
  EXPECT_EQ(s.lines, s.postfix_lines + s.other_program_lines + s.malformed_lines +
                         s.empty_lines + s.journalctl_entry_lines - s.journalctl_entries);
  input->reset();  // flushes the unparsed file
  std::ifstream in(unparsed);
  std::string kept((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(
      "__CURSOR=s=1;i=2\n__REALTIME_TIMESTAMP=1795600000000000\n\n"
      "{\n\t\"MESSAGE\" : \"cut short\",\n",
      kept);
}

TEST(LogInputTest, UnwrapsPostfixLinesInAContainersJournalEntries) {
  // docker's journald driver: the container's tag, a whole syslog line as
  // the message. The line's program counts; the entry's time is kept.
  int handled = 0;
  auto input = MakeInput(&handled);
  LogLine entry;
  entry.time.unix_micros = 1795600000123456;
  entry.program = entry.daemon = "f00dfeed1234";
  entry.host = "dockerhost";
  entry.message = "Nov 25 17:58:09 mx1 postfix/qmgr[7]: 4B0C72A1F3: removed";
  input->ProcessLogLine(entry);
  entry.message = "Nov 25 17:58:09 mx1 nginx[8]: GET /";
  input->ProcessLogLine(entry);
  entry.message = "starting the container";
  input->ProcessLogLine(entry);
  input->ProcessLine(
      R"({"__REALTIME_TIMESTAMP":"1795600000000000","SYSLOG_IDENTIFIER":"mailserver",)"
      R"("MESSAGE":"2026-11-25T17:58:09+01:00 mx1 postfix/qmgr[7]: 4B0C72A1F4: removed"})");
  // docker's json-file driver: the same, with no program at all.
  input->ProcessLine(
      R"({"log":"Nov 25 17:58:09 mx1 postfix/qmgr[7]: 4B0C72A1F5: removed\n",)"
      R"("stream":"stdout","time":"2026-11-25T16:58:09.5Z"})");
  const LogInputStats& s = input->stats();
  EXPECT_EQ(3u, s.postfix_lines);
  EXPECT_EQ(3u, s.parsed_lines);
  EXPECT_EQ(2u, s.other_program_lines);
  EXPECT_EQ(3, handled);
}

TEST(LogInputTest, RsyslogsRepeatedMessagesCountEachTime) {
  std::vector<std::string> messages;
  auto input = LogInput::Create(TestOptions(), [&](const LogLine& line, const parsers::Event&) {
    messages.push_back(std::string(line.message));
  });
  ASSERT_TRUE(input.ok());
  (*input)->ProcessLine("Nov 25 10:00:00 mx postfix/smtpd[1]: warning: hostname x does not "
                        "resolve to address 192.0.2.1");
  (*input)->ProcessLine("Nov 25 10:00:01 mx postfix/smtpd[1]: message repeated 2 times: "
                        "[ warning: hostname x does not resolve to address 192.0.2.1]");
  // Not understood inside, or not the form: lines not understood, as before.
  (*input)->ProcessLine("Nov 25 10:00:02 mx postfix/smtpd[1]: message repeated 2 times: "
                        "[ something Postfix never says]");
  (*input)->ProcessLine("Nov 25 10:00:03 mx postfix/smtpd[1]: message repeated 2 times: [x");
  (*input)->ProcessLine("Nov 25 10:00:04 mx postfix/smtpd[1]: message repeated times: [x]");
  const std::string warning = "warning: hostname x does not resolve to address 192.0.2.1";
  EXPECT_EQ((std::vector<std::string>{warning, warning, warning}), messages);
  const LogInputStats& s = (*input)->stats();
  EXPECT_EQ(2u, s.parsed_lines);
  EXPECT_EQ(2u, s.repeated_messages);
  EXPECT_EQ(3u, s.unparsed_lines());
}

TEST(LogInputTest, SysklogdsOwnLinesAreAnotherProgramsLines) {
  // sysklogd and BusyBox write these with no tag; a repeated Postfix message
  // is not counted again (pflogsumm does not count it either).
  int handled = 0;
  auto input = MakeInput(&handled);
  input->ProcessLine("Nov 25 10:00:00 mx postfix/smtpd[1]: warning: hostname x does not "
                     "resolve to address 192.0.2.1");
  input->ProcessLine("Nov 25 10:00:30 mx last message repeated 4 times");
  input->ProcessLine("Nov 25 10:20:00 mx -- MARK --");
  input->ProcessLine("Nov 25 10:30:00 mx syslogd 1.5.1: restart.");
  const LogInputStats& s = input->stats();
  EXPECT_EQ(0u, s.malformed_lines);
  EXPECT_EQ(3u, s.other_program_lines);
  EXPECT_EQ(3u, s.other_programs.at("syslogd"));
  EXPECT_EQ(1u, s.parsed_lines);
  EXPECT_EQ(1, handled);
}

TEST(LogInputTest, VerboseLoggingIsCountedApart) {
  int handled = 0;
  auto input = MakeInput(&handled);
  input->ProcessLine("Nov 25 10:00:00 mx postfix/smtpd[1]: connect from unknown[192.0.2.1]");
  input->ProcessLine("Nov 25 10:00:00 mx postfix/smtpd[1]: smtp_stream_setup: maxtime=300 "
                     "enable_deadline=0");
  input->ProcessLine("Nov 25 10:00:00 mx postfix/smtpd[1]: < unknown[192.0.2.1]: EHLO x");
  const LogInputStats& s = input->stats();
  EXPECT_EQ(3u, s.parsed_lines);
  EXPECT_EQ(2u, s.verbose_lines);
  EXPECT_EQ(0u, s.unparsed_lines());
  EXPECT_EQ(3, handled);
}

TEST(LogInputTest, OrdersJournalJsonFilesByTheirFirstEntry) {
  const std::string dir = ::testing::TempDir();
  const std::string syslog = dir + "/log_input_test_mail.log";
  const std::string json = dir + "/log_input_test_old.json";
  std::ofstream(syslog) << "Nov 25 10:00:00 mx postfix/qmgr[1]: 4B0C72A1F4: removed\n";
  // 2026-11-25 09:00:00 UTC: older than the syslog file's line.
  std::ofstream(json) << R"({"__REALTIME_TIMESTAMP":"1795597200000000",)"
                         R"("SYSLOG_IDENTIFIER":"postfix/qmgr","MESSAGE":"4B0C72A1F3: removed"})"
                      << "\n";
  std::vector<int64_t> times;
  auto input = LogInput::Create(TestOptions(), [&](const LogLine& line, const parsers::Event&) {
    times.push_back(line.time.unix_micros);
  });
  ASSERT_TRUE(input.ok());
  ASSERT_TRUE((*input)->ReadFiles({syslog, json}).ok());
  EXPECT_EQ((std::vector<int64_t>{1795597200000000, 1795600800000000}), times);
  EXPECT_EQ(0u, (*input)->stats().time_went_backwards);
}

TEST(LogInputTest, OrdersJournalctlExportFilesByTheirFirstEntry) {
  const std::string dir = ::testing::TempDir();
  const std::string newer = dir + "/log_input_test_newer.export";
  const std::string older = dir + "/log_input_test_older.export";
  // The entries' time, 2026-11-25 10:00:00 UTC; the older file's is an hour
  // before. Neither file ends with its empty line: the end of each file
  // ends its entry.
  std::string entry(kExportEntry);
  entry.pop_back();
  std::ofstream(newer) << entry;
  std::string old_entry = entry;
  old_entry.replace(old_entry.find("1795600000000000"), 16, "1795596400000000");
  std::ofstream(older) << old_entry;
  std::vector<int64_t> times;
  auto input = LogInput::Create(TestOptions(), [&](const LogLine& line, const parsers::Event&) {
    times.push_back(line.time.unix_micros);
  });
  ASSERT_TRUE(input.ok());
  ASSERT_TRUE((*input)->ReadFiles({newer, older}).ok());
  EXPECT_EQ((std::vector<int64_t>{1795596400000000, 1795600000000000}), times);
  EXPECT_EQ(2u, (*input)->stats().journalctl_entries);
}

TEST(LogInputTest, UnparsedCountsStayBoundedWhateverTheDaemonNames) {
  int handled = 0;
  auto input = MakeInput(&handled);
  for (int i = 0; i < 1000; ++i) {
    input->ProcessLine("Nov 25 10:00:00 mx postfix/made-up-" + std::to_string(i) +
                       "[1]: an unknown daemon's line");
  }
  EXPECT_EQ(1000u, input->stats().unparsed_lines());
  EXPECT_EQ(1u, input->stats().unparsed_by_daemon.size());
  EXPECT_EQ(1000u, input->stats().unparsed_by_daemon.at("other"));
}

// A program per line, 1000 names: the first kMaxOtherPrograms keep their
// own count, the rest add up under "(others)".
TEST(LogInputTest, OtherProgramsAreCountedByNameWithinABound) {
  int handled = 0;
  auto input = MakeInput(&handled);
  input->ProcessLine("Nov 25 10:00:01 mx dovecot: imap-login: Login: user=<a>");
  input->ProcessLine("Nov 25 10:00:01 mx dovecot: imap-login: Login: user=<b>");
  for (int i = 0; i < 1000; ++i) {
    input->ProcessLine("Nov 25 10:00:02 mx prog" + std::to_string(i) + "[7]: hello");
  }
  const LogInputStats& s = input->stats();
  EXPECT_EQ(1002u, s.other_program_lines);
  EXPECT_EQ(LogInputStats::kMaxOtherPrograms + 1, s.other_programs.size());
  EXPECT_EQ(2u, s.other_programs.at("dovecot"));
  EXPECT_EQ(1u, s.other_programs.at("prog0"));
  EXPECT_EQ(1000u - (LogInputStats::kMaxOtherPrograms - 1), s.other_programs.at("(others)"));
  EXPECT_EQ(0, handled);
}

// Exim's lines, from its main log or through syslog, are read as the
// Postfix lines that say the same thing (parsers/exim/exim_log.h); a line
// that only starts with a date stays malformed.
TEST(LogInputTest, ReadsEximsLines) {
  std::vector<std::string> seen;
  auto input =
      LogInput::Create(TestOptions(), [&](const LogLine& l, const parsers::Event& e) {
        seen.push_back(std::string(l.instance) + " " + std::string(l.daemon) + " " +
                       std::string(parsers::EventKindName(e.kind)) + " " +
                       std::string(e.queue_id));
      });
  ASSERT_TRUE(input.ok()) << input.status();
  (*input)->ProcessLine("2026-11-25 10:00:01 1vABCD-000123-AB <= alice@example.org S=2345");
  (*input)->ProcessLine("2026-11-25 10:00:02 1vABCD-000123-AB Completed");
  (*input)->ProcessLine("2026-11-25 10:00:02 1vABCD-000123-AB something new");
  (*input)->ProcessLine("2026-11-25 10:00:02 not Exim at all");
  (*input)->ProcessLine("not a syslog line at all");
  (*input)->ProcessLine("Nov 25 10:00:03 mx exim4[9]: 1vABCE-000124-AB Completed");
  // An ISO syslog reading would take the ID for a host and DKIM for a program.
  (*input)->ProcessLine("2026-11-25 10:00:04 1vABCE-000124-AB DKIM: d=example.org s=k");
  // ... and "pid" for a host and 27421 for a program (real, Exim 4.96);
  // "IPv6" for a host, "socket" (a tag without its colon) left it malformed.
  (*input)->ProcessLine("2023-04-23 03:47:01 pid 27421: SIGHUP received: re-exec daemon");
  (*input)->ProcessLine("2013-12-02 01:23:52 IPv6 socket creation failed: Address family not "
                        "supported by protocol");
  const LogInputStats& s = (*input)->stats();
  EXPECT_EQ((std::vector<std::string>{"exim pickup pickup 1vABCD-000123-AB",
                                      "exim qmgr queued 1vABCD-000123-AB",
                                      "exim qmgr removed 1vABCD-000123-AB",
                                      "exim4 qmgr removed 1vABCE-000124-AB",
                                      "exim master warning "}),
            seen);
  EXPECT_EQ(7u, s.exim_lines);
  EXPECT_EQ(7u, s.postfix_lines);
  EXPECT_EQ(6u, s.parsed_lines);
  EXPECT_EQ(1u, s.unparsed_by_daemon.at("exim"));
  EXPECT_EQ(2u, s.malformed_lines);
  EXPECT_EQ(0u, s.other_program_lines);
  EXPECT_TRUE(ForeignLogNotes(s).empty());
}

// Exim's reject log repeats the main log's rejects, each followed by the
// message's headers: those dumps are named, since giving both logs counts
// the rejects twice.
TEST(LogInputTest, NamesEximsRejectLog) {
  int handled = 0;
  auto input = MakeInput(&handled);
  input->ProcessLine("2026-11-25 10:00:01 1vABCD-000123-AB H=(x) [192.0.2.1] F=<a@example.org> "
                     "rejected after DATA: spam");
  input->ProcessLine("Envelope-from: <a@example.org>");
  input->ProcessLine("Envelope-to: <b@example.net>");
  input->ProcessLine("P Received: from [192.0.2.1] (helo=x)");
  const LogInputStats& s = input->stats();
  EXPECT_EQ(1u, s.exim_reject_log_dumps);
  EXPECT_EQ(3u, s.malformed_lines);
  EXPECT_EQ(1u, s.parsed_lines);
  const std::vector<std::string> notes = ForeignLogNotes(s);
  ASSERT_EQ(1u, notes.size());
  EXPECT_EQ(0u, notes[0].find("1 rejected messages' headers in the form of Exim's reject log"))
      << notes[0];
}

// Given with Exim's main log (/var/log/exim4/*log), its reject log is not
// read: each of its rejects is in the main log too. Alone, or with other
// logs, it is read.
TEST(LogInputTest, LeavesOutEximsRejectLogGivenWithTheMainLog) {
  EXPECT_TRUE(parsers::IsEximRejectLogName("/var/log/exim4/rejectlog"));
  EXPECT_TRUE(parsers::IsEximRejectLogName("rejectlog.2.gz"));
  EXPECT_TRUE(parsers::IsEximRejectLogName("/var/log/exim_rejectlog-20260101"));
  EXPECT_TRUE(parsers::IsEximMainLogName("/var/log/exim4/mainlog.1"));
  EXPECT_TRUE(parsers::IsEximMainLogName("/var/log/exim_mainlog"));
  for (const char* other : {"/var/log/mail.log", "/var/log/exim4/paniclog", "rejectlogs",
                            "/var/log/rejectlog/mail.log", "my_rejectlog", "mainlog_rejectlog",
                            "exim_rejectlog_lines.log"}) {
    EXPECT_FALSE(parsers::IsEximRejectLogName(other)) << other;
  }
  EXPECT_FALSE(parsers::IsEximMainLogName("/var/log/exim4/rejectlog"));

  const std::string dir = ::testing::TempDir();
  const std::string reject =
      "2026-11-25 10:00:01 H=(x) [192.0.2.1] F=<a@example.org> rejected RCPT <b@example.net>: "
      "relay not permitted\n";
  std::ofstream(dir + "/mainlog") << reject;
  std::ofstream(dir + "/rejectlog") << reject;
  std::ofstream(dir + "/mail.log") << "";
  auto rejects_read = [&](const std::vector<std::string>& files, LogInputStats* stats) {
    int rejects = 0;
    auto input = LogInput::Create(TestOptions(), [&](const LogLine&, const parsers::Event& e) {
      rejects += e.kind == parsers::EventKind::kReject;
    });
    EXPECT_TRUE(input.ok() && (*input)->ReadFiles(files).ok());
    *stats = (*input)->stats();
    return rejects;
  };
  LogInputStats s;
  EXPECT_EQ(1, rejects_read({dir + "/rejectlog", dir + "/mainlog"}, &s));
  EXPECT_EQ(std::vector<std::string>{dir + "/rejectlog"}, s.skipped_exim_reject_logs);
  const std::vector<std::string> notes = ForeignLogNotes(s);
  ASSERT_EQ(1u, notes.size());
  EXPECT_EQ(0u, notes[0].find("not read: " + dir + "/rejectlog, Exim's reject log")) << notes[0];
  EXPECT_EQ(1, rejects_read({dir + "/rejectlog"}, &s));
  EXPECT_EQ(1, rejects_read({dir + "/rejectlog", dir + "/mail.log"}, &s));
  EXPECT_TRUE(s.skipped_exim_reject_logs.empty());
  EXPECT_EQ(2, rejects_read({dir + "/mainlog", dir + "/mail.log", dir + "/mainlog"}, &s));
  // Another directory's reject log (another host's) is read.
  EXPECT_EQ((std::vector<std::string>{"/var/log/exim4/rejectlog.1", "rejectlog"}),
            parsers::EximRejectLogsBesideMainLog({"/srv/mx2/mainlog", "/var/log/exim4/mainlog",
                                                  "/var/log/exim4/rejectlog.1",
                                                  "/srv/mx3/rejectlog", "mainlog", "rejectlog"}));
  // With --threads too (the files are read on workers).
  LogInputOptions threads = TestOptions();
  threads.threads = 2;
  int rejects = 0;
  auto input = LogInput::Create(threads, [&](const LogLine&, const parsers::Event& e) {
    rejects += e.kind == parsers::EventKind::kReject;
  });
  ASSERT_TRUE(input.ok());
  ASSERT_TRUE((*input)->ReadFiles({dir + "/rejectlog", dir + "/mainlog"}).ok());
  EXPECT_EQ(1, rejects);
  EXPECT_EQ(1u, (*input)->stats().skipped_exim_reject_logs.size());
}

// Sendmail's lines (a real log had 15,821 of them and no Postfix line) are
// named; Postfix's own sendmail command is Postfix's.
TEST(LogInputTest, NamesSendmailsLines) {
  int handled = 0;
  auto input = MakeInput(&handled);
  input->ProcessLine("Nov 25 10:00:01 mx sendmail[1007]: t525KREp001007: to=gun, ctladdr=gun "
                     "(1001/0), delay=00:00:30, mailer=relay, stat=Sent (Ok: queued as X)");
  input->ProcessLine("Nov 25 10:00:02 mx sm-mta[1008]: t525KREp001008: from=<a@example.org>, "
                     "size=100, nrcpts=1");
  input->ProcessLine("Nov 25 10:00:03 mx postfix/sendmail[1009]: fatal: root(0): No recipient "
                     "addresses found in message header");
  EXPECT_EQ(2u, input->stats().other_program_lines);
  EXPECT_EQ(1u, input->stats().postfix_lines);
  EXPECT_EQ((std::vector<std::string>{
                "1 lines from sendmail (Sendmail): Sendmail's logs are not analyzed, mailgauge "
                "reads Postfix's",
                "1 lines from sm-mta (Sendmail): Sendmail's logs are not analyzed, mailgauge "
                "reads Postfix's"}),
            ForeignLogNotes(input->stats()));
}

// journalctl's forms without a date can't be read; the notes say how to
// save the journal instead.
TEST(LogInputTest, TellsJournalctlFormsWithoutADate) {
  int handled = 0;
  auto input = MakeInput(&handled);
  input->ProcessLine("[   12.000001] mx postfix/qmgr[3]: 4B0C72A1F3: removed");
  input->ProcessLine("[   12.000001 <    0.000000 >] mx postfix/qmgr[3]: 4B0C72A1F3: removed");
  input->ProcessLine("4B0C72A1F3: removed");
  input->ProcessLine("connect from a[192.0.2.1]");
  input->ProcessLine("not a syslog line at all");
  const LogInputStats& s = input->stats();
  EXPECT_EQ(5u, s.malformed_lines);
  EXPECT_EQ(2u, s.undated_journalctl_lines);
  EXPECT_EQ(2u, s.journalctl_cat_lines);
  EXPECT_EQ((std::vector<std::string>{
                "2 lines in the form of journalctl -o short-monotonic or short-delta (time "
                "since boot, no date): save the journal with journalctl -o short-iso or -o "
                "json, or read it with --journal-file",
                "2 lines that look like Postfix messages without a time, host or program "
                "(journalctl -o cat?): save the journal with journalctl -o short-iso or -o "
                "json, or read it with --journal-file"}),
            ForeignLogNotes(s));
  EXPECT_EQ(0, handled);
}

TEST(LogInputTest, TellsJournalEntriesWhoseMessageJournalctlLeftOut) {
  int handled = 0;
  auto input = MakeInput(&handled);
  // journalctl prints a field over 4096 bytes as null without --all.
  input->ProcessLine(R"({"__REALTIME_TIMESTAMP":"1795600000000000","MESSAGE":null})");
  input->ProcessLine("{");
  input->ProcessLine("\t\"__REALTIME_TIMESTAMP\" : \"1795600000000000\",");
  input->ProcessLine("\t\"MESSAGE\" : null");
  input->ProcessLine("}");
  const LogInputStats& s = input->stats();
  EXPECT_EQ(5u, s.malformed_lines);
  EXPECT_EQ(2u, s.journal_messages_left_out);
  EXPECT_EQ((std::vector<std::string>{
                "2 journal entries whose MESSAGE journalctl left out (null, or \"[N blob "
                "data]\": too long or not text): save the journal with journalctl --all, or "
                "read it with --journal-file"}),
            ForeignLogNotes(s));
}

}  // namespace
}  // namespace mailgauge::analyzer
