#include "exporter/exporter_flags.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mailgauge::exporter {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<ExporterFlags> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "mailgauge_exporter");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return ParseExporterFlags(static_cast<int>(argv.size()), argv.data());
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

TEST(ExporterFlagsTest, EveryFlag) {
  auto f = Parse({"--web.listen-address=127.0.0.1:0", "--web.telemetry-path",
                  "/m", "--log.level=debug", "--log.file", "mx1=/a/mail.log",
                  "--log.file=/b/mail.log", "--log.from-beginning",
                  "--log.poll-interval", "50ms", "--log.year", "2026",
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
                           "--log.poll-interval", "--log.year", "--state.file",
                           "--state.interval", "--help"}) {
    EXPECT_THAT(ExporterHelp(), HasSubstr(flag));
  }
}

TEST(ExporterFlagsTest, ErrorsNameTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  } cases[] = {
      {{}, "no log to follow"},
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
