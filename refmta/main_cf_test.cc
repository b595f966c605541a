#include "refmta/main_cf.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mailgauge::refmta {
namespace {

using ::testing::ElementsAre;

TEST(MainCfTest, ParsesNameValueCommentsAndContinuations) {
  auto cf = MainCf::Parse(
      "# comment\n"
      "myhostname = mx.example.com\n"
      "\n"
      "   # indented comment does not continue anything\n"
      "mydestination = a.example,\n"
      "\tb.example   c.example\n"
      "relayhost=[127.0.0.1]:25\n",
      "main.cf");
  ASSERT_TRUE(cf.ok()) << cf.status();
  EXPECT_EQ("mx.example.com", *cf->Raw("myhostname"));
  EXPECT_EQ("a.example, b.example   c.example", *cf->Raw("mydestination"));
  EXPECT_EQ("[127.0.0.1]:25", *cf->Raw("relayhost"));
  EXPECT_EQ("main.cf, line 5", cf->Origin("mydestination"));
  EXPECT_FALSE(cf->Raw("mynetworks").has_value());
  EXPECT_TRUE(cf->warnings().empty());
}

TEST(MainCfTest, ExpandsReferencesRecursivelyWithPostfixDefaults) {
  auto cf = MainCf::Parse("myhostname = mx.example.com\n", "main.cf");
  ASSERT_TRUE(cf.ok()) << cf.status();
  EXPECT_EQ("example.com", *cf->Expand("mydomain"));
  EXPECT_EQ("mx.example.com", *cf->Expand("myorigin"));
  EXPECT_EQ("mx.example.com, localhost.example.com, localhost",
            *cf->Expand("mydestination"));
  EXPECT_EQ("mx.example.com ESMTP Postfix", *cf->Expand("smtpd_banner"));
  EXPECT_EQ("a$b", *cf->ExpandText("a$$b"));
  EXPECT_EQ("(mx.example.com)", *cf->ExpandText("($(myhostname))"));
}

TEST(MainCfTest, ConditionalExpansion) {
  auto cf = MainCf::Parse("recipient_delimiter = +\n", "main.cf");
  ASSERT_TRUE(cf.ok());
  EXPECT_EQ("x+", *cf->ExpandText("x${recipient_delimiter?+}"));
  EXPECT_EQ("x", *cf->ExpandText("x${recipient_delimiter:none}"));
  EXPECT_EQ("none", *cf->ExpandText("${relayhost:none}"));
  EXPECT_EQ("", *cf->ExpandText("${relayhost?{direct}}"));
}

TEST(MainCfTest, ExpansionLoopIsAnError) {
  auto cf = MainCf::Parse("myorigin = $mydomain\nmydomain = $myorigin\n", "main.cf");
  ASSERT_TRUE(cf.ok());
  auto v = cf->Expand("myorigin");
  EXPECT_EQ(absl::StatusCode::kInvalidArgument, v.status().code());
  EXPECT_NE(std::string::npos, v.status().message().find("loop"));
}

TEST(MainCfTest, UndefinedReferenceExpandsToEmpty) {
  auto cf = MainCf::Parse("myorigin = x$nonesuch.y\n", "main.cf");
  ASSERT_TRUE(cf.ok());
  EXPECT_EQ("x.y", *cf->Expand("myorigin"));
}

TEST(MainCfTest, UnknownParameterIsAWarning) {
  auto cf = MainCf::Parse("myhostname = a.b\nfrobnicate = yes\n", "/etc/main.cf");
  ASSERT_TRUE(cf.ok());
  ASSERT_EQ(1u, cf->warnings().size());
  EXPECT_EQ("/etc/main.cf, line 2: unused parameter: frobnicate=yes",
            cf->warnings()[0]);
}

TEST(MainCfTest, MissingEqualsNamesFileAndLine) {
  auto cf = MainCf::Parse("myhostname = a.b\n\nmydomain example.com\n", "cfg/main.cf");
  EXPECT_EQ(absl::StatusCode::kInvalidArgument, cf.status().code());
  EXPECT_EQ("cfg/main.cf, line 3: missing '=' after attribute name: \"mydomain example.com\"",
            cf.status().message());
}

TEST(MainCfTest, InvalidTypedValueNamesFileAndLine) {
  auto time = MainCf::Parse("\nmaximal_queue_lifetime = 5x\n", "main.cf");
  EXPECT_EQ(absl::StatusCode::kInvalidArgument, time.status().code());
  EXPECT_NE(std::string::npos,
            time.status().message().find("main.cf, line 2: parameter maximal_queue_lifetime"))
      << time.status();
  auto size = MainCf::Parse("message_size_limit = 10M\n", "main.cf");
  EXPECT_EQ(absl::StatusCode::kInvalidArgument, size.status().code());
  EXPECT_NE(std::string::npos, size.status().message().find("line 1"));
  auto boolean = MainCf::Parse("enable_long_queue_ids = maybe\n", "main.cf");
  EXPECT_EQ(absl::StatusCode::kInvalidArgument, boolean.status().code());
}

TEST(MainCfTest, InvalidValueBehindReferenceFailsAtLoad) {
  auto cf = MainCf::Parse("x = 12q\nmessage_size_limit = $x\n", "main.cf");
  ASSERT_TRUE(cf.ok());
  auto config = LoadRefmtaConfig(*cf);
  EXPECT_EQ(absl::StatusCode::kInvalidArgument, config.status().code());
  EXPECT_NE(std::string::npos,
            config.status().message().find("main.cf, line 2: parameter message_size_limit"))
      << config.status();
}

TEST(MainCfTest, ContinuationWithoutParameterIsAnError) {
  auto cf = MainCf::Parse("  leading = 1\n", "main.cf");
  EXPECT_EQ(absl::StatusCode::kInvalidArgument, cf.status().code());
}

TEST(ParsePostfixTimeTest, UnitsAndDefaults) {
  EXPECT_EQ(300, *ParsePostfixTime("300s", 's'));
  EXPECT_EQ(300, *ParsePostfixTime("300", 's'));
  EXPECT_EQ(5 * 86400, *ParsePostfixTime("5", 'd'));
  EXPECT_EQ(5 * 86400, *ParsePostfixTime("5d", 's'));
  EXPECT_EQ(120, *ParsePostfixTime("2m", 's'));
  EXPECT_EQ(7200, *ParsePostfixTime("2h", 's'));
  EXPECT_EQ(14 * 86400, *ParsePostfixTime("2w", 's'));
  EXPECT_FALSE(ParsePostfixTime("", 's').ok());
  EXPECT_FALSE(ParsePostfixTime("s", 's').ok());
  EXPECT_FALSE(ParsePostfixTime("5y", 's').ok());
  EXPECT_FALSE(ParsePostfixTime("5dd", 's').ok());
  EXPECT_FALSE(ParsePostfixTime("-5", 's').ok());
  EXPECT_FALSE(ParsePostfixTime("99999999999999999999", 's').ok());
}

TEST(ParsePostfixIntegerTest, DigitsOnly) {
  EXPECT_EQ(10240000, *ParsePostfixInteger("10240000"));
  EXPECT_EQ(0, *ParsePostfixInteger("0"));
  EXPECT_FALSE(ParsePostfixInteger("10M").ok());
  EXPECT_FALSE(ParsePostfixInteger("-1").ok());
  EXPECT_FALSE(ParsePostfixInteger("").ok());
}

TEST(SplitPostfixListTest, CommasAndWhitespace) {
  EXPECT_THAT(SplitPostfixList(" a, b  c,,d\n\te "),
              ElementsAre("a", "b", "c", "d", "e"));
  EXPECT_TRUE(SplitPostfixList(" , ").empty());
}

TEST(RefmtaConfigTest, DefaultsMatchPostfix) {
  auto cf = MainCf::Parse("myhostname = mx.example.com\n", "main.cf");
  ASSERT_TRUE(cf.ok());
  auto c = LoadRefmtaConfig(*cf);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ("mx.example.com", c->myorigin);
  EXPECT_THAT(c->mydestination,
              ElementsAre("mx.example.com", "localhost.example.com", "localhost"));
  EXPECT_EQ(10240000, c->message_size_limit);
  EXPECT_EQ(51200000, c->mailbox_size_limit);
  EXPECT_EQ(51200000, c->virtual_mailbox_limit);
  EXPECT_EQ(5 * 86400, c->maximal_queue_lifetime_seconds);
  EXPECT_EQ(5 * 86400, c->bounce_queue_lifetime_seconds);
  EXPECT_EQ(300, c->minimal_backoff_time_seconds);
  EXPECT_EQ(4000, c->maximal_backoff_time_seconds);
  EXPECT_EQ(300, c->queue_run_delay_seconds);
  EXPECT_EQ(300, c->smtpd_timeout_seconds);
  EXPECT_EQ(20, c->default_destination_concurrency_limit);
  EXPECT_EQ(2048, c->line_length_limit);
  EXPECT_EQ(550, c->unknown_local_recipient_reject_code);
  EXPECT_EQ(554, c->relay_domains_reject_code);
  EXPECT_FALSE(c->enable_long_queue_ids);
  EXPECT_EQ("", c->recipient_delimiter);
  EXPECT_TRUE(c->relay_domains.empty());
  EXPECT_TRUE(c->smtpd_recipient_restrictions.empty());
  EXPECT_THAT(c->smtpd_relay_restrictions,
              ElementsAre("permit_mynetworks", "permit_sasl_authenticated",
                          "defer_unauth_destination"));
  EXPECT_EQ("postfix", c->syslog_name);
}

TEST(RefmtaConfigTest, MydomainDefaultsToLocaldomainForBareHostName) {
  auto cf = MainCf::Parse("myhostname = mx\n", "main.cf");
  ASSERT_TRUE(cf.ok());
  EXPECT_EQ("localdomain", *cf->Expand("mydomain"));
}

TEST(RefmtaConfigTest, LoadsTheSampleConfig) {
  auto cf = MainCf::ParseFile("refmta/testdata/main.cf");
  ASSERT_TRUE(cf.ok()) << cf.status();
  ASSERT_TRUE(cf->Set("config_directory", "/cfg").ok());
  ASSERT_TRUE(cf->Set("queue_directory", "/spool").ok());
  auto c = LoadRefmtaConfig(*cf);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(cf->warnings().empty());
  EXPECT_EQ("example.com", c->myorigin);
  EXPECT_THAT(c->mydestination, ElementsAre("mx.example.com", "localhost.example.com",
                                            "localhost", "example.com"));
  EXPECT_THAT(c->mynetworks, ElementsAre("127.0.0.0/24", "[::1]/128"));
  EXPECT_THAT(c->alias_maps, ElementsAre("texthash:/cfg/aliases"));
  EXPECT_THAT(c->alias_database, ElementsAre("texthash:/cfg/aliases"));
  EXPECT_THAT(c->local_recipient_maps,
              ElementsAre("texthash:/cfg/local_users", "texthash:/cfg/aliases"));
  EXPECT_EQ("/spool/vmail", c->virtual_mailbox_base);
  EXPECT_THAT(c->smtpd_recipient_restrictions,
              ElementsAre("permit_mynetworks", "reject_unlisted_recipient",
                          "reject_unauth_destination"));
  EXPECT_EQ(3600, c->maximal_queue_lifetime_seconds);
  EXPECT_EQ(1800, c->bounce_queue_lifetime_seconds);
  EXPECT_EQ(1000000, c->message_size_limit);
  EXPECT_TRUE(c->enable_long_queue_ids);
  EXPECT_EQ("Maildir/", c->home_mailbox);
  EXPECT_EQ("+", c->recipient_delimiter);
}

TEST(RefmtaConfigTest, SetValidatesTypedValues) {
  auto cf = MainCf::Parse("", "main.cf");
  ASSERT_TRUE(cf.ok());
  absl::Status s = cf->Set("queue_run_delay", "soon");
  EXPECT_EQ(absl::StatusCode::kInvalidArgument, s.code());
  EXPECT_NE(std::string::npos, s.message().find("override"));
}

TEST(MainCfTest, MissingFileIsNotFound) {
  EXPECT_EQ(absl::StatusCode::kNotFound,
            MainCf::ParseFile("/nonexistent/main.cf").status().code());
}

}  // namespace
}  // namespace mailgauge::refmta
