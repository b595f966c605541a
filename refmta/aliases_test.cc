#include "refmta/aliases.h"

#include <fstream>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mailgauge::refmta {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

AliasTable MustParse(absl::string_view text) {
  auto t = AliasTable::Parse(text, "aliases");
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *std::move(t) : AliasTable();
}

TEST(AliasTableTest, ParsesEntriesContinuationsCommentsAndQuotes) {
  AliasTable t = MustParse(
      "# system aliases\n"
      "postmaster: root\n"
      "Root:   alice, \"bob smith\"@example.com\n"
      "team:   alice,\n"
      "        bob\n"
      "\"sales dept\": :include:/cfg/sales.list\n"
      "archive: /var/mail/archive\n"
      "ticket: \"|/usr/bin/ticket --new, urgent\"\n");
  EXPECT_EQ(6u, t.size());
  ASSERT_NE(nullptr, t.Find("root"));
  EXPECT_THAT(t.Find("ROOT")->targets,
              ElementsAre(AliasTarget{AliasTargetKind::kAddress, "alice"},
                          AliasTarget{AliasTargetKind::kAddress, "\"bob smith\"@example.com"}));
  EXPECT_THAT(t.Find("team")->targets,
              ElementsAre(AliasTarget{AliasTargetKind::kAddress, "alice"},
                          AliasTarget{AliasTargetKind::kAddress, "bob"}));
  EXPECT_EQ(4, t.Find("team")->line);
  EXPECT_THAT(t.Find("sales dept")->targets,
              ElementsAre(AliasTarget{AliasTargetKind::kInclude, "/cfg/sales.list"}));
  EXPECT_THAT(t.Find("archive")->targets,
              ElementsAre(AliasTarget{AliasTargetKind::kFile, "/var/mail/archive"}));
  EXPECT_THAT(t.Find("ticket")->targets,
              ElementsAre(AliasTarget{AliasTargetKind::kCommand,
                                      "/usr/bin/ticket --new, urgent"}));
  EXPECT_EQ(nullptr, t.Find("nobody"));
}

TEST(AliasTableTest, FirstDuplicateWinsWithWarning) {
  AliasTable t = MustParse("a: x\nA: y\n");
  EXPECT_THAT(t.Find("a")->targets, ElementsAre(AliasTarget{AliasTargetKind::kAddress, "x"}));
  EXPECT_THAT(t.warnings(), ElementsAre("aliases, line 2: duplicate entry: \"a\""));
}

TEST(AliasTableTest, SyntaxErrorsNameFileAndLine) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"a: b\nno colon here\n", "aliases, line 2: missing ':' after the alias name"},
      {": b\n", "aliases, line 1: empty alias name"},
      {"\"open: b\n", "aliases, line 1: unterminated quoted alias name"},
      {"a: \"|cmd\n", "aliases, line 1: unterminated quoted string"},
      {"a: b,,c\n", "aliases, line 1: empty address in list"},
      {"a:\n", "aliases, line 1: empty address in list"},
      {"a: :include:\n", "aliases, line 1: empty :include: path"},
      {" a: b\n", "aliases, line 1: continuation line without a preceding alias"},
  };
  for (const Case& c : cases) {
    auto t = AliasTable::Parse(c.text, "aliases");
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_EQ(absl::StatusCode::kInvalidArgument, t.status().code());
    EXPECT_EQ(c.message, t.status().message()) << c.text;
  }
}

TEST(ExpandAliasTest, ExpandsRecursivelyWithoutDuplicates) {
  AliasTable t = MustParse(
      "postmaster: root\n"
      "root: alice, ops\n"
      "ops: alice, bob, carol@remote.example\n");
  AliasExpansion e = ExpandAlias(t, "postmaster", AliasPolicy{});
  EXPECT_TRUE(e.is_alias);
  EXPECT_THAT(e.addresses, ElementsAre("alice", "bob", "carol@remote.example"));
  EXPECT_THAT(e.refused, IsEmpty());
  EXPECT_FALSE(ExpandAlias(t, "alice", AliasPolicy{}).is_alias);
}

TEST(ExpandAliasTest, SelfReferenceAndLoopsAreFinal) {
  AliasTable t = MustParse("root: root, backup\nbackup: root\na: b\nb: a\n");
  EXPECT_THAT(ExpandAlias(t, "root", AliasPolicy{}).addresses, ElementsAre("root"));
  EXPECT_THAT(ExpandAlias(t, "a", AliasPolicy{}).addresses, ElementsAre("a"));
}

TEST(ExpandAliasTest, LocalNameCallbackDecidesWhatIsExpandedAgain) {
  AliasTable t = MustParse("sales: bob@example.com, eve@remote.example\nbob: robert\n");
  auto local = [](const std::string& address) -> absl::optional<std::string> {
    if (absl::EndsWith(address, "@example.com")) {
      return address.substr(0, address.find('@'));
    }
    return absl::nullopt;
  };
  EXPECT_THAT(ExpandAlias(t, "sales", AliasPolicy{}, local).addresses,
              ElementsAre("robert", "eve@remote.example"));
}

TEST(ExpandAliasTest, FilesAndCommandsRefusedUnlessAllowed) {
  AliasTable t = MustParse("archive: alice, /tmp/archive, \"|/bin/cat\"\n");
  AliasExpansion refused = ExpandAlias(t, "archive", AliasPolicy{});
  EXPECT_THAT(refused.addresses, ElementsAre("alice"));
  EXPECT_THAT(refused.files, IsEmpty());
  EXPECT_THAT(refused.commands, IsEmpty());
  ASSERT_EQ(2u, refused.refused.size());
  EXPECT_EQ("mail to file is restricted", refused.refused[0].reason);
  EXPECT_EQ("mail to command is restricted", refused.refused[1].reason);

  AliasPolicy allowed = AliasPolicy::FromLists({"alias", "forward"}, {"alias"});
  AliasExpansion ok = ExpandAlias(t, "archive", allowed);
  EXPECT_THAT(ok.files, ElementsAre("/tmp/archive"));
  EXPECT_THAT(ok.commands, ElementsAre("/bin/cat"));
  EXPECT_THAT(ok.refused, IsEmpty());
}

TEST(ExpandAliasTest, IncludeFilesAreReadWithTheirOwnPolicy) {
  std::string list = testing::TempDir() + "/sales.list";
  std::ofstream(list) << "# sales team\nalice, bob\ncarol@remote.example,\n|/bin/true\n";
  AliasTable t = MustParse("sales: :include:" + list + "\nbob: robert\n");
  AliasPolicy policy = AliasPolicy::FromLists({"alias"}, {});
  AliasExpansion e = ExpandAlias(t, "sales", policy);
  EXPECT_THAT(e.addresses, ElementsAre("alice", "robert", "carol@remote.example"));
  ASSERT_EQ(1u, e.refused.size());  // commands allowed in aliases, not includes
  EXPECT_EQ("mail to command is restricted", e.refused[0].reason);

  AliasTable missing = MustParse("x: :include:/nonexistent/list\n");
  AliasExpansion m = ExpandAlias(missing, "x", AliasPolicy{});
  ASSERT_EQ(1u, m.refused.size());
  EXPECT_EQ("cannot open include file /nonexistent/list", m.refused[0].reason);
}

}  // namespace
}  // namespace mailgauge::refmta
