#include "cli/args.h"

#include "gtest/gtest.h"

namespace mailgauge::cli {
namespace {

absl::Status ParseAll(Args* args, std::vector<const char*> argv) {
  argv.insert(argv.begin(), "mailgauge");
  return args->Parse(static_cast<int>(argv.size()), const_cast<char**>(argv.data()), 1);
}

TEST(ArgsTest, ParsesFlagsValuesAndPositionals) {
  Args args("records");
  args.Flag("include-unfinished", "x");
  args.Value("year", "YEAR", "y");
  args.Value("syslog-name", "NAME", "z");
  args.Flag("quiet", "q", 'q');
  ASSERT_TRUE(ParseAll(&args, {"--include-unfinished", "--year", "2025", "a.log",
                               "--syslog-name=mail", "--syslog-name", "mta", "-q", "-",
                               "--", "--not-a-flag"})
                  .ok());
  EXPECT_TRUE(args.Has("include-unfinished"));
  EXPECT_TRUE(args.Has("quiet"));
  EXPECT_EQ("2025", args.Get("year"));
  EXPECT_EQ((std::vector<std::string>{"mail", "mta"}), args.GetAll("syslog-name"));
  EXPECT_EQ((std::vector<std::string>{"a.log", "-", "--not-a-flag"}), args.positional());
}

TEST(ArgsTest, ErrorsNameTheOption) {
  Args args("records");
  args.Value("year", "YEAR", "y");
  absl::Status s = ParseAll(&args, {"--bogus"});
  EXPECT_FALSE(s.ok());
  EXPECT_NE(std::string::npos, s.message().find("--bogus"));
  Args missing("records");
  missing.Value("year", "YEAR", "y");
  s = ParseAll(&missing, {"--year"});
  EXPECT_FALSE(s.ok());
  EXPECT_NE(std::string::npos, s.message().find("--year"));
}

TEST(ArgsTest, ParsesDurations) {
  int64_t s = 0;
  EXPECT_TRUE(ParseDuration("30", &s));
  EXPECT_EQ(30, s);
  EXPECT_TRUE(ParseDuration("5m", &s));
  EXPECT_EQ(300, s);
  EXPECT_TRUE(ParseDuration("6d", &s));
  EXPECT_EQ(6 * 86400, s);
  EXPECT_FALSE(ParseDuration("soon", &s));
  EXPECT_FALSE(ParseDuration("5x", &s));
  EXPECT_FALSE(ParseDuration("", &s));
}

}  // namespace
}  // namespace mailgauge::cli
