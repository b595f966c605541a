#include "parsers/program_name.h"

#include <string>

#include "gtest/gtest.h"

namespace mailgauge::parsers {
namespace {

LogLine Split(std::string_view program, const SyslogNames& names) {
  LogLine line;
  SplitProgramName(program, names, &line);
  return line;
}

TEST(ProgramNameTest, SplitsPlainPostfixTag) {
  const LogLine line = Split("postfix/smtpd", SyslogNames());
  EXPECT_EQ("postfix/smtpd", line.program);
  EXPECT_EQ("postfix", line.syslog_name);
  EXPECT_EQ("postfix", line.instance);
  EXPECT_EQ("", line.service);
  EXPECT_EQ("smtpd", line.daemon);
  EXPECT_TRUE(IsPostfixProgram(line, SyslogNames()));
}

TEST(ProgramNameTest, SplitsServiceName) {
  const LogLine line = Split("postfix/submission/smtpd", SyslogNames());
  EXPECT_EQ("postfix/submission", line.syslog_name);
  EXPECT_EQ("postfix", line.instance);
  EXPECT_EQ("submission", line.service);
  EXPECT_EQ("smtpd", line.daemon);
  EXPECT_TRUE(IsPostfixProgram(line, SyslogNames()));
}

TEST(ProgramNameTest, SplitsSecondInstance) {
  const LogLine line = Split("postfix-out/smtp", SyslogNames());
  EXPECT_EQ("postfix-out", line.syslog_name);
  EXPECT_EQ("postfix-out", line.instance);
  EXPECT_EQ("", line.service);
  EXPECT_EQ("smtp", line.daemon);
  EXPECT_TRUE(IsPostfixProgram(line, SyslogNames()));
}

TEST(ProgramNameTest, SplitsSecondInstanceWithService) {
  const LogLine line = Split("postfix-out/relay/smtp", SyslogNames());
  EXPECT_EQ("postfix-out", line.instance);
  EXPECT_EQ("relay", line.service);
  EXPECT_EQ("smtp", line.daemon);
  EXPECT_TRUE(IsPostfixProgram(line, SyslogNames()));
}

TEST(ProgramNameTest, PostfixScriptIsPostfix) {
  const LogLine line = Split("postfix/postfix-script", SyslogNames());
  EXPECT_EQ("postfix", line.instance);
  EXPECT_EQ("postfix-script", line.daemon);
  EXPECT_TRUE(IsPostfixProgram(line, SyslogNames()));
}

TEST(ProgramNameTest, TagWithoutSlashIsNotPostfix) {
  for (const char* tag : {"dovecot", "opendkim", "postfix-out", "postfixx", "postmulti",
                          "amavis"}) {
    const LogLine line = Split(tag, SyslogNames());
    EXPECT_EQ(tag, line.program);
    EXPECT_EQ(tag, line.daemon);
    EXPECT_EQ("", line.syslog_name);
    EXPECT_EQ("", line.instance);
    EXPECT_EQ("", line.service);
    EXPECT_FALSE(IsPostfixProgram(line, SyslogNames())) << tag;
  }
}

// "postfix[PID]: warning: ..." is the postfix(1) command (and
// "postfix-script[PID]:" old releases' script), as pflogsumm reads them.
TEST(ProgramNameTest, ThePostfixCommandLogsWithoutSlash) {
  for (const char* tag : {"postfix", "postfix-script"}) {
    const LogLine line = Split(tag, SyslogNames());
    EXPECT_EQ(tag, line.program);
    EXPECT_EQ(tag, line.daemon);
    EXPECT_EQ("postfix", line.syslog_name);
    EXPECT_EQ("postfix", line.instance);
    EXPECT_EQ("", line.service);
    EXPECT_TRUE(IsPostfixProgram(line, SyslogNames())) << tag;
    // Not when "postfix" is not one of the names.
    EXPECT_FALSE(IsPostfixProgram(line, SyslogNames::Of({"mail"}))) << tag;
  }
}

TEST(ProgramNameTest, OtherSlashedProgramsAreNotPostfix) {
  for (const char* tag :
       {"dovecot/imap", "postfixx/smtpd", "postfix-/smtpd", "xpostfix/smtpd",
        "Postfix/smtpd", "mail/smtpd", "/smtpd"}) {
    const LogLine line = Split(tag, SyslogNames());
    EXPECT_FALSE(IsPostfixProgram(line, SyslogNames())) << tag;
  }
}

TEST(ProgramNameTest, ConfiguredSimpleName) {
  SyslogNames names;
  names.Add("mail");
  const LogLine line = Split("mail/qmgr", names);
  EXPECT_EQ("mail", line.instance);
  EXPECT_EQ("qmgr", line.daemon);
  EXPECT_TRUE(IsPostfixProgram(line, names));
  EXPECT_FALSE(IsPostfixProgram(line, SyslogNames()));
  // The defaults are kept by Add().
  EXPECT_TRUE(IsPostfixProgram(Split("postfix/qmgr", names), names));
}

TEST(ProgramNameTest, ConfiguredNameWithSlashStaysWhole) {
  SyslogNames names;
  names.Add("mta/in");
  LogLine line = Split("mta/in/smtpd", names);
  EXPECT_EQ("mta/in", line.syslog_name);
  EXPECT_EQ("mta/in", line.instance);
  EXPECT_EQ("", line.service);
  EXPECT_EQ("smtpd", line.daemon);
  EXPECT_TRUE(IsPostfixProgram(line, names));

  line = Split("mta/in/submission/smtpd", names);
  EXPECT_EQ("mta/in", line.instance);
  EXPECT_EQ("submission", line.service);
  EXPECT_EQ("smtpd", line.daemon);
  EXPECT_TRUE(IsPostfixProgram(line, names));

  // "mta/inbound" is not "mta/in" followed by a component.
  line = Split("mta/inbound/smtpd", names);
  EXPECT_EQ("mta", line.instance);
  EXPECT_EQ("inbound", line.service);
  EXPECT_FALSE(IsPostfixProgram(line, names));

  // Without the configuration, "mta/in" is instance "mta", service "in".
  line = Split("mta/in/smtpd", SyslogNames());
  EXPECT_EQ("mta", line.instance);
  EXPECT_EQ("in", line.service);
  EXPECT_FALSE(IsPostfixProgram(line, SyslogNames()));
}

TEST(ProgramNameTest, LongestSlashedNameWins) {
  SyslogNames names;
  names.Add("mta");
  names.Add("mta/in");
  names.Add("mta/in/edge");
  EXPECT_EQ("mta/in/edge", Split("mta/in/edge/smtpd", names).instance);
  EXPECT_EQ("mta/in", Split("mta/in/other/smtpd", names).instance);
  EXPECT_EQ("other", Split("mta/in/other/smtpd", names).service);
  EXPECT_EQ("mta", Split("mta/out/smtpd", names).instance);
}

TEST(ProgramNameTest, PatternMatchesOneComponent) {
  SyslogNames names = SyslogNames::Of({"mx-*"});
  EXPECT_TRUE(names.Matches("mx-1"));
  EXPECT_FALSE(names.Matches("mx-"));
  EXPECT_FALSE(names.Matches("mx"));
  EXPECT_FALSE(names.Matches("mx-1/x"));
  EXPECT_FALSE(names.Matches("postfix"));
  EXPECT_FALSE(names.Matches(""));
}

TEST(ProgramNameTest, OfReplacesDefaults) {
  const SyslogNames names = SyslogNames::Of({"mail"});
  EXPECT_FALSE(IsPostfixProgram(Split("postfix/smtpd", names), names));
  EXPECT_TRUE(IsPostfixProgram(Split("mail/smtpd", names), names));
  ASSERT_EQ(1u, names.names().size());
}

TEST(ProgramNameTest, AddIgnoresJunkAndDuplicates) {
  SyslogNames names;
  names.Add("");
  names.Add("*");
  names.Add("postfix");
  names.Add("relay/");
  EXPECT_EQ(3u, names.names().size());
  EXPECT_TRUE(names.Matches("relay"));
  names.Clear();
  EXPECT_FALSE(names.Matches("postfix"));
}

TEST(ProgramNameTest, DegenerateTags) {
  const SyslogNames names;
  LogLine line = Split("", names);
  EXPECT_EQ("", line.daemon);
  EXPECT_FALSE(IsPostfixProgram(line, names));
  line = Split("postfix/", names);
  EXPECT_EQ("postfix", line.instance);
  EXPECT_EQ("", line.daemon);
  line = Split("postfix//smtpd", names);
  EXPECT_EQ("postfix", line.instance);
  EXPECT_EQ("", line.service);
  EXPECT_EQ("smtpd", line.daemon);
  line = Split("/", names);
  EXPECT_EQ("", line.instance);
  EXPECT_EQ("", line.daemon);
}

TEST(ProgramNameTest, ViewsPointIntoTheTag) {
  const std::string tag = "postfix/submission/smtpd";
  const LogLine line = Split(tag, SyslogNames());
  EXPECT_EQ(tag.data(), line.program.data());
  EXPECT_EQ(tag.data(), line.instance.data());
  EXPECT_EQ(tag.data() + 8, line.service.data());
  EXPECT_EQ(tag.data() + 19, line.daemon.data());
}

TEST(ProgramNameTest, EximTags) {
  EXPECT_TRUE(IsEximProgram("exim"));
  EXPECT_TRUE(IsEximProgram("exim4"));
  EXPECT_TRUE(IsEximProgram("exim-out"));
  EXPECT_TRUE(IsEximProgram("exim4-relay"));
  EXPECT_FALSE(IsEximProgram("eximstats"));
  EXPECT_FALSE(IsEximProgram("exi"));
  EXPECT_FALSE(IsEximProgram("postfix/smtpd"));
}

}  // namespace
}  // namespace mailgauge::parsers
