#include "refmta/mailbox.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mailgauge::refmta {
namespace {

using ::testing::SizeIs;

std::string Fresh(const std::string& name) {
  std::string dir = absl::StrCat(testing::TempDir(), "/mailbox_", name, "_", getpid());
  EXPECT_EQ(0, system(absl::StrCat("rm -rf '", dir, "'").c_str()));
  return dir;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::vector<std::string> Files(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') names.push_back(e->d_name);
    }
    closedir(d);
  }
  return names;
}

const absl::Time kNow = absl::FromUnixSeconds(1794899889);  // Tue Nov 17 07:18:09 2026 UTC

MailboxCopy Copy() {
  return {"alice@example.com", "postmaster@example.com", "bob@example.com",
          "Subject: hi\n\nFrom here on\nbody\n"};
}

TEST(AppendToMboxTest, WritesFromLineHeadersQuotedBodyAndBlankLine) {
  std::string path = Fresh("mbox") + "/mail/bob";
  MailboxResult r = AppendToMbox(path, "bob", Copy(), 0, kNow);
  EXPECT_TRUE(r.delivered);
  EXPECT_EQ("2.0.0", r.dsn);
  EXPECT_EQ("delivered to mailbox", r.reason);
  MailboxCopy bounce = Copy();
  bounce.sender = "";
  bounce.original_recipient = "";
  ASSERT_TRUE(AppendToMbox(path, "bob", bounce, 0, kNow).delivered);
  EXPECT_EQ(
      "From alice@example.com  Tue Nov 17 07:18:09 2026\n"
      "Return-Path: <alice@example.com>\n"
      "X-Original-To: postmaster@example.com\n"
      "Delivered-To: bob@example.com\n"
      "Subject: hi\n\n>From here on\nbody\n\n"
      "From MAILER-DAEMON  Tue Nov 17 07:18:09 2026\n"
      "Return-Path: <>\n"
      "Delivered-To: bob@example.com\n"
      "Subject: hi\n\n>From here on\nbody\n\n",
      Slurp(path));
}

TEST(AppendToMboxTest, SizeLimitBouncesAndLeavesTheMailboxUnchanged) {
  std::string path = Fresh("full") + "/bob";
  ASSERT_TRUE(AppendToMbox(path, "bob", Copy(), 300, kNow).delivered);
  std::string before = Slurp(path);
  MailboxResult r = AppendToMbox(path, "bob", Copy(), 300, kNow);
  EXPECT_FALSE(r.delivered);
  EXPECT_FALSE(r.temporary());
  EXPECT_EQ("5.2.2", r.dsn);
  EXPECT_EQ("cannot update mailbox " + path + " for user bob. error writing message: File "
            "too large",
            r.reason);
  EXPECT_EQ(before, Slurp(path));
  MailboxResult v = AppendToMbox(path, "bob", Copy(), 300, kNow, absl::UTCTimeZone(),
                                 MailboxAgent::kVirtual);
  EXPECT_EQ("delivery failed to mailbox " + path + ": error writing message: File too large",
            v.reason);
}

TEST(AppendToMboxTest, NotARegularFile) {
  std::string dir = Fresh("dir");
  ASSERT_EQ(0, system(absl::StrCat("mkdir -p '", dir, "/bob'").c_str()));
  MailboxResult r = AppendToMbox(dir + "/bob", "bob", Copy(), 0, kNow);
  EXPECT_FALSE(r.delivered);
  EXPECT_EQ("5.2.0", r.dsn);
}

TEST(AppendToMboxTest, ConcurrentAppendsDoNotInterleave) {
  std::string path = Fresh("concurrent") + "/bob";
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&path, i] {
      MailboxCopy c = Copy();
      c.content = absl::StrCat("Subject: ", i, "\n\n", std::string(20000, 'a' + i), "\n");
      EXPECT_TRUE(AppendToMbox(path, "bob", c, 0, kNow).delivered);
    });
  }
  for (auto& t : threads) t.join();
  std::string text = Slurp(path);
  for (int i = 0; i < 8; ++i) {
    EXPECT_TRUE(absl::StrContains(text, std::string(20000, 'a' + i))) << i;
  }
}

TEST(DeliverToMaildirTest, WritesIntoNewWithPostfixStyleName) {
  std::string dir = Fresh("maildir") + "/bob/Maildir/";
  MailboxResult r = DeliverToMaildir(dir, Copy(), 0, "mx", kNow + absl::Microseconds(42));
  EXPECT_TRUE(r.delivered);
  EXPECT_EQ("delivered to maildir", r.reason);
  std::vector<std::string> files = Files(dir + "new");
  ASSERT_THAT(files, SizeIs(1));
  EXPECT_TRUE(absl::StartsWith(files[0], "1794899889.V")) << files[0];
  EXPECT_TRUE(absl::EndsWith(files[0], "M42.mx")) << files[0];
  EXPECT_EQ("Return-Path: <alice@example.com>\nX-Original-To: postmaster@example.com\n"
            "Delivered-To: bob@example.com\nSubject: hi\n\nFrom here on\nbody\n",
            Slurp(dir + "new/" + files[0]));
  EXPECT_TRUE(Files(dir + "tmp").empty());
  EXPECT_TRUE(Files(dir + "cur").empty());
  ASSERT_TRUE(DeliverToMaildir(dir, Copy(), 0, "mx", kNow + absl::Microseconds(42)).delivered);
  EXPECT_THAT(Files(dir + "new"), SizeIs(2));
}

TEST(DeliverToMaildirTest, PerFileLimit) {
  std::string dir = Fresh("maildir_limit") + "/carol";
  MailboxResult r = DeliverToMaildir(dir, Copy(), 50, "mx", kNow);
  EXPECT_FALSE(r.delivered);
  EXPECT_EQ("5.2.2", r.dsn);
  EXPECT_EQ("maildir delivery failed: error writing message: File too large", r.reason);
  EXPECT_TRUE(Files(dir + "/new").empty());
  EXPECT_TRUE(Files(dir + "/tmp").empty());
}

}  // namespace
}  // namespace mailgauge::refmta
