#include "refmta/lookup_table.h"

#include <cstdio>
#include <fstream>

#include "gtest/gtest.h"

namespace mailgauge::refmta {
namespace {

TEST(TextHashTableTest, KeyValueLinesCaseInsensitiveKeys) {
  auto t = ParseTextHashTable(
      "# virtual mailboxes\n"
      "alice@virtual.example.org   virtual.example.org/alice/\n"
      "Bob@Virtual.Example.Org\tvirtual.example.org/bob/\n"
      "carol@virtual.example.org first\n"
      "   continued\n"
      "alice@virtual.example.org duplicate-ignored\n",
      "texthash:vmailbox");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ("virtual.example.org/alice/", *(*t)->Find("alice@virtual.example.org"));
  EXPECT_EQ("virtual.example.org/alice/", *(*t)->Find("ALICE@virtual.example.org"));
  EXPECT_EQ("virtual.example.org/bob/", *(*t)->Find("bob@virtual.example.org"));
  EXPECT_EQ("first continued", *(*t)->Find("carol@virtual.example.org"));
  EXPECT_FALSE((*t)->Find("dave@virtual.example.org").has_value());
}

TEST(TextHashTableTest, KeyWithoutValueNamesLine) {
  auto t = ParseTextHashTable("a b\n\nlonely\n", "texthash:/cfg/x");
  EXPECT_EQ(absl::StatusCode::kInvalidArgument, t.status().code());
  EXPECT_NE(std::string::npos, t.status().message().find("texthash:/cfg/x, line 3"))
      << t.status();
}

TEST(RegexpTableTest, FirstMatchWinsCaseInsensitiveByDefault) {
  auto t = ParseRegexpTable(
      "/^Subject:.*viagra/ REJECT spam\n"
      "/^Subject: hold me/ HOLD\n"
      "/^X-Drop:/ DISCARD\n",
      "regexp:header_checks");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ("REJECT spam", *(*t)->Find("subject: buy VIAGRA now"));
  EXPECT_EQ("HOLD", *(*t)->Find("Subject: hold me please"));
  EXPECT_EQ("DISCARD", *(*t)->Find("X-Drop: yes"));
  EXPECT_FALSE((*t)->Find("Subject: hello").has_value());
}

TEST(RegexpTableTest, CaseFlagNegationAndSubstitution) {
  auto t = ParseRegexpTable(
      "/^(.*)\\+(.*)@example\\.com$/ $1@example.com ext=${2}\n"
      "/^EXACT$/i exact-case\n"
      "!/@/ no-domain\n",
      "regexp:x");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ("bob@example.com ext=tag", *(*t)->Find("bob+tag@example.com"));
  EXPECT_EQ("exact-case", *(*t)->Find("EXACT"));
  EXPECT_EQ("no-domain", *(*t)->Find("exact"));  // i toggled off: falls through
  EXPECT_FALSE((*t)->Find("a@b").has_value());
}

TEST(RegexpTableTest, MultiLineFlagAndDotMatchingNewline) {
  auto t = ParseRegexpTable("/^b$/m line-b\n/a.c/ dot-newline\n", "regexp:x");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ("line-b", *(*t)->Find("a\nb\nc"));
  EXPECT_EQ("dot-newline", *(*t)->Find("a\nc"));
}

TEST(RegexpTableTest, OtherDelimitersAndEscapedDelimiter) {
  auto t = ParseRegexpTable("#^a/b$# slash\n/^c\\/d$/ escaped\n", "regexp:x");
  // '#' at the start of a line is a comment, as in Postfix.
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_FALSE((*t)->Find("a/b").has_value());
  EXPECT_EQ("escaped", *(*t)->Find("c/d"));
  auto u = ParseRegexpTable("|^a/b$| pipe\n", "regexp:x");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ("pipe", *(*u)->Find("a/b"));
}

TEST(RegexpTableTest, ErrorsNameFileAndLine) {
  struct Case {
    const char* text;
    const char* fragment;
  } cases[] = {
      {"/ok/ OK\n/unclosed OK\n", "line 2: missing closing delimiter"},
      {"/a(/ OK\n", "line 1: bad regular expression"},
      {"/a/q OK\n", "unknown regexp flag"},
      {"/a/x OK\n", "x flag"},
      {"/a/\n", "missing result"},
      {"if /a/\n/b/ OK\nendif\n", "if/endif"},
      {"plain text\n", "expected /pattern/flags result"},
  };
  for (const Case& c : cases) {
    auto t = ParseRegexpTable(c.text, "regexp:/cfg/hc");
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_NE(std::string::npos, t.status().message().find(c.fragment))
        << c.text << " -> " << t.status();
    EXPECT_NE(std::string::npos, t.status().message().find("regexp:/cfg/hc"));
  }
}

TEST(OpenLookupTableTest, ReadsFilesByTypeAndRejectsUnknownTypes) {
  std::string dir = testing::TempDir();
  std::string path = dir + "/users";
  std::ofstream(path) << "alice ok\n";
  auto t = OpenLookupTable("hash:" + path);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ("ok", *(*t)->Find("alice"));
  EXPECT_EQ("hash:" + path, (*t)->spec());
  EXPECT_EQ(absl::StatusCode::kNotFound,
            OpenLookupTable("texthash:/nonexistent/x").status().code());
  EXPECT_EQ(absl::StatusCode::kInvalidArgument,
            OpenLookupTable("ldap:/cfg/x").status().code());
  EXPECT_EQ(absl::StatusCode::kInvalidArgument, OpenLookupTable("nocolon").status().code());
}

TEST(LookupTableListTest, SearchesInOrder) {
  std::string dir = testing::TempDir();
  std::ofstream(dir + "/one") << "a 1\n";
  std::ofstream(dir + "/two") << "a 2\nb 2\n";
  auto list = LookupTableList::Open({"texthash:" + dir + "/one", "texthash:" + dir + "/two"});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ("1", *list->Find("a"));
  EXPECT_EQ("2", *list->Find("b"));
  EXPECT_FALSE(list->Find("c").has_value());
}

}  // namespace
}  // namespace mailgauge::refmta
