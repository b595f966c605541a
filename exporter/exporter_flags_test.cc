#include "exporter/exporter_flags.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mailgauge::exporter {
namespace {

using ::testing::HasSubstr;

// Default logs that exist nowhere, so that what the machine running the
// test has does not matter.
DefaultLogs NoDefaultLogs() {
  DefaultLogs none;
  none.syslog_file = "/nonexistent/mail.log";
  none.exim_mainlog = "/nonexistent/mainlog";
  none.journal_dirs = {"/nonexistent/journal"};
  return none;
}

absl::StatusOr<ExporterFlags> Parse(std::vector<std::string> args,
                                    const DefaultLogs& defaults = NoDefaultLogs()) {
  args.insert(args.begin(), "mailgauge_exporter");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return ParseExporterFlags(static_cast<int>(argv.size()), argv.data(), defaults);
}

TEST(ExporterFlagsTest, Defaults) {
  auto f = Parse({"--log.file", "/var/log/mail.log"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(":9154", f->listen_address);
  EXPECT_EQ("9154", f->civet_listen);
  EXPECT_EQ("/metrics", f->telemetry_path);
  EXPECT_EQ(LogLevel::kInfo, f->log_level);
  EXPECT_FALSE(f->from_beginning);
  ASSERT_EQ(1u, f->log_files.size());
  EXPECT_EQ("/var/log/mail.log", f->log_files[0].path);
  EXPECT_EQ("", f->log_files[0].name);
}

TEST(ExporterFlagsTest, WithoutALogFlagTheUsualLogsInOrder) {
  const std::string dir = ::testing::TempDir();
  DefaultLogs here;
  here.syslog_file = dir + "/mail.log";
  here.exim_mainlog = dir + "/mainlog";
  here.journal_dirs = {dir + "/journal-var", dir + "/journal-run"};
  for (const std::string& p : {here.syslog_file, here.exim_mainlog}) std::remove(p.c_str());
  for (const std::string& d : here.journal_dirs) ::rmdir(d.c_str());
  EXPECT_FALSE(Parse({}, here).ok());

  ASSERT_EQ(0, ::mkdir(here.journal_dirs[1].c_str(), 0755));
  auto f = Parse({}, here);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(ExporterFlags::Journal::kLocal, f->journal);
  EXPECT_TRUE(f->log_files.empty());
  EXPECT_THAT(f->default_log_note, HasSubstr("the local systemd journal"));

  std::ofstream(here.exim_mainlog) << "";
  f = Parse({}, here);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(ExporterFlags::Journal::kNone, f->journal);
  ASSERT_EQ(1u, f->log_files.size());
  EXPECT_EQ(here.exim_mainlog, f->log_files[0].path);

  std::ofstream(here.syslog_file) << "";
  f = Parse({}, here);
  ASSERT_TRUE(f.ok()) << f.status();
  ASSERT_EQ(1u, f->log_files.size());
  EXPECT_EQ(here.syslog_file, f->log_files[0].path);
  EXPECT_THAT(f->default_log_note, HasSubstr("postfix_exporter's default"));

  // A log flag, or --help, and no default is looked for.
  f = Parse({"--journal"}, here);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_TRUE(f->log_files.empty());
  EXPECT_EQ("", f->default_log_note);
  f = Parse({"--help"}, here);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_TRUE(f->log_files.empty());
}

// Exim's reject log beside its main log is not followed (its rejects would
// count twice); a reject log of another directory (another host's) is.
TEST(ExporterFlagsTest, EximsRejectLogBesideItsMainLogIsNotFollowed) {
  auto f = Parse({"--log.file", "/var/log/exim4/rejectlog", "--log.file",
                  "/var/log/exim4/mainlog", "--log.file", "mx2=/srv/mx2/rejectlog"});
  ASSERT_TRUE(f.ok()) << f.status();
  ASSERT_EQ(2u, f->log_files.size());
  EXPECT_EQ("/var/log/exim4/mainlog", f->log_files[0].path);
  EXPECT_EQ("/srv/mx2/rejectlog", f->log_files[1].path);
  EXPECT_EQ(std::vector<std::string>{"/var/log/exim4/rejectlog"}, f->left_out_reject_logs);
  f = Parse({"--log.file", "/var/log/exim4/rejectlog"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(1u, f->log_files.size());
  EXPECT_TRUE(f->left_out_reject_logs.empty());
}

TEST(ExporterFlagsTest, EveryFlag) {
  auto f = Parse({"--web.listen-address=127.0.0.1:0", "--web.telemetry-path",
                  "/m", "--log.level=debug", "--log.file", "mx1=/a/mail.log",
                  "--log.file=/b/mail.log", "--log.from-beginning",
                  "--log.poll-interval", "50ms", "--log.year", "2026",
                  "--log.syslog-name", "mail", "--log.syslog-name=mta/in",
                  "--state.file", "/var/lib/mg/state.json", "--state.interval=2s"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ("127.0.0.1:0", f->civet_listen);
  EXPECT_EQ(0, f->port);
  EXPECT_EQ("/m", f->telemetry_path);
  EXPECT_EQ(LogLevel::kDebug, f->log_level);
  ASSERT_EQ(2u, f->log_files.size());
  EXPECT_EQ("mx1", f->log_files[0].name);
  EXPECT_EQ("/a/mail.log", f->log_files[0].path);
  EXPECT_EQ("", f->log_files[1].name);
  EXPECT_TRUE(f->from_beginning);
  EXPECT_EQ(absl::Milliseconds(50), f->poll_interval);
  EXPECT_EQ(2026, f->year);
  EXPECT_EQ((std::vector<std::string>{"mail", "mta/in"}), f->syslog_names);
  EXPECT_EQ("/var/lib/mg/state.json", f->state_file);
  EXPECT_EQ(absl::Seconds(2), f->state_interval);
}

TEST(ExporterFlagsTest, Ipv6AndLocalhost) {
  auto f = Parse({"--web.listen-address", "[::1]:9200", "--log.file", "x"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ("[::1]:9200", f->civet_listen);
  f = Parse({"--web.listen-address", "localhost:9200", "--log.file", "x"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ("127.0.0.1:9200", f->civet_listen);
}

TEST(ExporterFlagsTest, HelpNeedsNoLogFile) {
  auto f = Parse({"--help"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_TRUE(f->help);
  for (const char* flag : {"--web.listen-address", "--web.telemetry-path",
                           "--log.file", "--log.from-beginning", "--log.level",
                           "--log.poll-interval", "--log.year", "--log.syslog-name",
                           "--state.file",
                           "--state.interval", "--help"}) {
    EXPECT_THAT(ExporterHelp(), HasSubstr(flag));
  }
}

TEST(ExporterFlagsTest, VersionNeedsNoLogFile) {
  auto f = Parse({"--version"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_TRUE(f->version);
  EXPECT_FALSE(f->help);
  EXPECT_THAT(ExporterHelp(), HasSubstr("--version"));
  EXPECT_FALSE(Parse({}).ok());  // without it, a log is still needed
}

// postfix_exporter 0.3.0's command lines (Debian's prometheus-postfix-
// exporter) work unchanged.
TEST(ExporterFlagsTest, PostfixExporterFlags) {
  auto f = Parse({"--postfix.logfile_path=/var/log/mail.log",
                  "--postfix.showq_path=/var/spool/postfix-out/public/showq", "--log.unsupported",
                  "--web.listen-address=:9154"});
  ASSERT_TRUE(f.ok()) << f.status();
  ASSERT_EQ(1u, f->log_files.size());
  EXPECT_EQ("/var/log/mail.log", f->log_files[0].path);
  // Its showq socket, read as it does.
  EXPECT_EQ("/var/spool/postfix-out/public/showq", f->showq_path);
  EXPECT_FALSE(f->showq_fallback);
  EXPECT_TRUE(f->log_unsupported);
  EXPECT_EQ(ExporterFlags::Journal::kNone, f->journal);

  f = Parse({"--systemd.enable", "--systemd.unit", "postfix@-.service",
             "--systemd.journal_path=/var/log/journal"});
  EXPECT_FALSE(f.ok());  // --systemd.enable and --systemd.journal_path: two journals
  f = Parse({"--systemd.enable", "--systemd.unit", "postfix@-.service"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(ExporterFlags::Journal::kLocal, f->journal);
  EXPECT_THAT(f->journal_units, ::testing::ElementsAre("postfix@-.service"));
  f = Parse({"--systemd.enable", "--systemd.slice=system-postfix.slice"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(ExporterFlags::Journal::kLocal, f->journal);
  EXPECT_THAT(f->journal_slices, ::testing::ElementsAre("system-postfix.slice"));
  EXPECT_TRUE(f->journal_units.empty());
  f = Parse({"--journal.slice", "mail.slice"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(ExporterFlags::Journal::kLocal, f->journal);
  EXPECT_THAT(f->journal_slices, ::testing::ElementsAre("mail.slice"));
  EXPECT_FALSE(Parse({"--journal.slice", "a/b"}).ok());
  f = Parse({"--systemd.journal_path=/var/log/journal"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(ExporterFlags::Journal::kDirectory, f->journal);
  EXPECT_EQ("/var/log/journal", f->journal_dir);
  // As in postfix_exporter, --systemd.unit without --systemd.enable is not
  // read: the log file is.
  f = Parse({"--systemd.unit=postfix.service", "--systemd.slice=mail.slice",
             "--postfix.logfile_path=/var/log/mail.log"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(ExporterFlags::Journal::kNone, f->journal);
  EXPECT_TRUE(f->journal_units.empty());
  EXPECT_TRUE(f->journal_slices.empty());

  // What cannot be done here is refused, saying what to use instead.
  for (const auto& [args, hint] :
       std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--docker.enable", "--log.file=/x"}, "--log.file /var/lib/docker/containers"},
           {{"--docker.container.id=postfix", "--log.file=/x"}, "journald log driver"},
           {{"--postfix.showq_path=", "--log.file=/x"}, "/var/spool/postfix/public/showq"},
       }) {
    auto bad = Parse(args);
    ASSERT_FALSE(bad.ok()) << args[0];
    EXPECT_THAT(std::string(bad.status().message()), HasSubstr(args[0].substr(0, args[0].find('='))));
    EXPECT_THAT(std::string(bad.status().message()), HasSubstr(hint));
  }
}

TEST(ExporterFlagsTest, ErrorsNameTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  } cases[] = {
      {{}, "no log to follow (no /nonexistent/mail.log, /nonexistent/mainlog or systemd"},
      {{"--log.file", "x", "--web.listen-address", "9154"},
       "--web.listen-address: '9154' is not HOST:PORT"},
      {{"--log.file", "x", "--web.listen-address", ":99999"},
       "--web.listen-address: ':99999' has no port"},
      {{"--log.file", "x", "--web.listen-address", "::1:80"}, "in brackets"},
      {{"--log.file", "x", "--web.telemetry-path", "/"}, "--web.telemetry-path"},
      {{"--log.file", "x", "--log.level", "loud"}, "--log.level: 'loud'"},
      {{"--log.file"}, "--log.file: needs a value"},
      {{"--log.file", "x", "--log.file", "x"}, "x is given twice"},
      {{"--log.file", "a=x", "--log.file", "a=y"}, "the name 'a' is given twice"},
      {{"--log.file", "b@d=x"}, "not a valid name"},
      {{"--log.file", "x", "--log.poll-interval", "5h"}, "--log.poll-interval"},
      {{"--log.file", "x", "--nope"}, "unknown flag --nope"},
      {{"mail.log"}, "unexpected argument 'mail.log'"},
      {{"--log.file", "x", "--state.file", "/tmp/"}, "--state.file: '/tmp/'"},
      {{"--log.file", "x", "--state.interval", "1ms"}, "--state.interval: '1ms'"},
      {{"--log.file", "x", "--log.from-beginning=yes"}, "takes no value"},
      {{"--log.file", "x", "--log.syslog-name", "post fix"}, "--log.syslog-name: 'post fix'"},
      {{"--log.file", "x", "--log.syslog-name="}, "is not a syslog name"},
  };
  for (const Case& c : cases) {
    auto f = Parse(c.args);
    ASSERT_FALSE(f.ok()) << c.message;
    EXPECT_EQ(absl::StatusCode::kInvalidArgument, f.status().code());
    EXPECT_THAT(std::string(f.status().message()), HasSubstr(c.message));
    EXPECT_THAT(std::string(f.status().message()),
                ::testing::StartsWith("mailgauge_exporter: "));
  }
}

}  // namespace
}  // namespace mailgauge::exporter

namespace mailgauge::exporter {
namespace {

TEST(ExporterFlagsQueueTest, DefaultsAndValues) {
  auto f = Parse({"--log.file", "/var/log/mail.log"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ("/var/spool/postfix", f->queue_dir);
  // By default showq's socket, and the spool when it cannot be reached.
  EXPECT_EQ("/var/spool/postfix/public/showq", f->showq_path);
  EXPECT_TRUE(f->showq_fallback);
  EXPECT_EQ((std::vector<std::string>{"/var/spool/exim4", "/var/spool/exim"}),
            f->exim_spool_fallbacks);
  EXPECT_EQ("", f->showq_command);
  EXPECT_EQ(10, f->queue_top_domains);
  EXPECT_EQ(absl::Seconds(5), f->queue_cache);
  f = Parse({"--log.file", "/l", "--postfix.queue-dir", "/srv/spool/"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ("/srv/spool", f->queue_dir);
  EXPECT_EQ("", f->showq_path);  // the spool only, as asked
  EXPECT_FALSE(f->showq_fallback);
  EXPECT_TRUE(f->exim_spool_fallbacks.empty());
  f = Parse({"--log.file", "/l", "--postfix.showq-path", "/srv/spool/public/showq"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ("/srv/spool/public/showq", f->showq_path);
  EXPECT_FALSE(f->showq_fallback);
  f = Parse({"--log.file", "/l", "--postfix.showq-command=postqueue -c /etc/postfix-out -j",
             "--queue.top-domains", "3", "--queue.cache-duration", "0s",
             "--queue.command-timeout", "2s"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ("", f->showq_path);
  EXPECT_EQ("postqueue -c /etc/postfix-out -j", f->showq_command);
  EXPECT_EQ(3, f->queue_top_domains);
  EXPECT_EQ(absl::ZeroDuration(), f->queue_cache);
  EXPECT_EQ(absl::Seconds(2), f->queue_timeout);
}

TEST(ExporterFlagsQueueTest, Errors) {
  auto f = Parse({"--log.file", "/l", "--queue.top-domains", "1000"});
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(std::string(f.status().message()), HasSubstr("--queue.top-domains"));
  f = Parse({"--log.file", "/l", "--postfix.showq-command", "  "});
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(std::string(f.status().message()), HasSubstr("--postfix.showq-command"));
  f = Parse({"--log.file", "/l", "--queue.cache-duration", "soon"});
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(std::string(f.status().message()), HasSubstr("--queue.cache-duration"));
  // One way to read the queue.
  f = Parse({"--log.file", "/l", "--postfix.queue-dir", "/srv/spool", "--postfix.showq-command",
             "postqueue -j"});
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(std::string(f.status().message()),
              HasSubstr("--postfix.queue-dir and --postfix.showq-command each say how to read the "
                        "queue; give one"));
  f = Parse({"--log.file", "/l", "--postfix.showq_path", "/s", "--postfix.queue-dir", "/d"});
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(std::string(f.status().message()), HasSubstr("--postfix.showq-path and"));
}

}  // namespace
}  // namespace mailgauge::exporter

namespace mailgauge::exporter {
namespace {

TEST(ExporterFlagsQueueTest, EximSpool) {
  auto f = Parse({"--log.file", "/var/log/exim4/mainlog", "--exim.spool-dir",
                  "/var/spool/exim4/"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ("/var/spool/exim4", f->exim_spool_dir);
  EXPECT_EQ("", Parse({"--log.file", "/l"})->exim_spool_dir);
  f = Parse({"--log.file", "/l", "--exim.spool-dir="});
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(std::string(f.status().message()), HasSubstr("--exim.spool-dir"));
  f = Parse({"--log.file", "/l", "--exim.spool-dir", "/var/spool/exim4",
             "--postfix.showq-command", "postqueue -j"});
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(std::string(f.status().message()), HasSubstr("give one"));
}

TEST(ExporterFlagsJournalTest, SourcesAndWebConfig) {
  auto f = Parse({"--journal"});
  ASSERT_TRUE(f.ok()) << f.status();  // a journal alone is enough
  EXPECT_EQ(ExporterFlags::Journal::kLocal, f->journal);
  EXPECT_TRUE(f->log_files.empty());
  f = Parse({"--journal.dir=/var/log/journal", "--web.config.file", "/etc/w.yml"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(ExporterFlags::Journal::kDirectory, f->journal);
  EXPECT_EQ("/var/log/journal", f->journal_dir);
  EXPECT_EQ("/etc/w.yml", f->web_config_file);
  f = Parse({"--journal.file", "/a/system.journal", "--journal.file", "/b/user.journal",
             "--log.file", "/var/log/mail.log"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(ExporterFlags::Journal::kFiles, f->journal);
  EXPECT_EQ((std::vector<std::string>{"/a/system.journal", "/b/user.journal"}),
            f->journal_files);
  EXPECT_EQ(1u, f->log_files.size());
}

TEST(ExporterFlagsJournalTest, Errors) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--journal", "--journal.file", "/a.journal"}, "--journal.file: give only one"},
      {{"--journal.dir", "/d", "--journal"}, "--journal: give only one"},
      {{"--journal.file", "/a.log"}, "is not a .journal file"},
      {{"--journal.file", "/a.journal", "--journal.file", "/a.journal"}, "given twice"},
      {{"--journal=yes"}, "takes no value"},
      {{}, "--journal"},
  };
  for (const auto& [args, want] : cases) {
    auto f = Parse(args);
    ASSERT_FALSE(f.ok()) << want;
    EXPECT_THAT(std::string(f.status().message()), HasSubstr(want));
  }
}

}  // namespace
}  // namespace mailgauge::exporter

namespace mailgauge::exporter {
namespace {

// postfix_exporter's --systemd.unit and --systemd.journal_path, in our style.
TEST(ExporterFlagsJournalTest, UnitsAndPath) {
  auto f = Parse({"--journal.unit", "postfix@-", "--journal.unit=postfix@out.service"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(ExporterFlags::Journal::kLocal, f->journal);  // units alone: --journal
  EXPECT_EQ((std::vector<std::string>{"postfix@-", "postfix@out.service"}), f->journal_units);
  f = Parse({"--journal.path", "/var/log/journal", "--journal.unit", "postfix.service"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(ExporterFlags::Journal::kDirectory, f->journal);
  EXPECT_EQ("/var/log/journal", f->journal_dir);
  for (const auto& [args, want] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--journal.unit", "a b"}, "--journal.unit: 'a b' is not a systemd unit"},
           {{"--journal.unit", "x", "--journal.unit", "x"}, "given twice"},
           {{"--journal.path", ""}, "--journal.path: the directory is empty"},
       }) {
    auto bad = Parse(args);
    ASSERT_FALSE(bad.ok()) << want;
    EXPECT_THAT(std::string(bad.status().message()), HasSubstr(want));
  }
}

TEST(ExporterFlagsAbuseTest, DefaultsValuesAndErrors) {
  auto f = Parse({"--log.file", "/l"});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(absl::Hours(1), f->abuse_window);
  EXPECT_EQ(100, f->abuse_sender_recipients);
  EXPECT_EQ(5, f->abuse_top_senders);
  f = Parse({"--log.file", "/l", "--abuse.window", "10m", "--abuse.sender-recipients=50",
             "--abuse.top-senders", "3"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(absl::Minutes(10), f->abuse_window);
  EXPECT_EQ(50, f->abuse_sender_recipients);
  EXPECT_EQ(3, f->abuse_top_senders);
  for (const auto& [args, want] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--log.file", "/l", "--abuse.window", "10s"}, "--abuse.window: '10s'"},
           {{"--log.file", "/l", "--abuse.sender-recipients", "0"}, "--abuse.sender-recipients"},
           {{"--log.file", "/l", "--abuse.top-senders", "51"}, "--abuse.top-senders"},
       }) {
    auto bad = Parse(args);
    ASSERT_FALSE(bad.ok()) << want;
    EXPECT_THAT(std::string(bad.status().message()), HasSubstr(want));
  }
}

}  // namespace
}  // namespace mailgauge::exporter
