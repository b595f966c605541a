// File: tests/security/private_files_test.cc
// docs/security.md, "private files": what the exporter and refmta write that
// holds mail data is created private whatever the umask of whoever starts
// them. Each test runs with umask 000 (the most permissive) and checks the
// modes on disk:
//   - the exporter's state file: 0600, also after an atomic save over an
//     existing file, and its temporary file is always a new 0600 file (a
//     stale or planted PATH.tmp, a hard link to it or a symbolic link in its
//     place neither sees the state nor redirects the write);
//   - refmta's spool: the spool and queue directories 0700, queue files
//     (reservations and committed messages) 0600; mbox files 0600 and
//     Maildir directories 0700 with 0600 messages.
//
//   bazel test //tests/security:private_files_test
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "exporter/state_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "refmta/mailbox.h"
#include "refmta/queue.h"

namespace mailgauge {
namespace {

// Mode bits of `path` (lstat: a symbolic link is not followed), or -1.
int Mode(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class PrivateFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    old_umask_ = umask(0);
    dir_ = absl::StrCat(testing::TempDir(), "/private_", getpid(), "_", counter_++);
    ASSERT_EQ(0, system(absl::StrCat("rm -rf '", dir_, "' && mkdir -p '", dir_, "'").c_str()));
  }
  void TearDown() override { umask(old_umask_); }

  exporter::ExporterState State(int64_t saved_at) {
    exporter::ExporterState state;
    state.saved_at = saved_at;
    exporter::SavedSource src;
    src.source = "mail.log";
    src.path = "/var/log/mail.log";
    src.position.inode = 42;
    src.position.offset = 1234;
    state.sources.push_back(src);
    return state;
  }

  static int counter_;
  mode_t old_umask_ = 022;
  std::string dir_;
};
int PrivateFilesTest::counter_ = 0;

TEST_F(PrivateFilesTest, StateFileIs0600AfterEverySave) {
  const std::string path = dir_ + "/state.json";
  ASSERT_TRUE(exporter::WriteStateFile(path, State(1)).ok());
  EXPECT_EQ(0600, Mode(path));
  EXPECT_EQ(-1, Mode(path + ".tmp"));  // renamed away
  // An atomic save over an existing file, and over one someone made 0644.
  ASSERT_TRUE(exporter::WriteStateFile(path, State(2)).ok());
  EXPECT_EQ(0600, Mode(path));
  ASSERT_EQ(0, chmod(path.c_str(), 0644));
  ASSERT_TRUE(exporter::WriteStateFile(path, State(3)).ok());
  EXPECT_EQ(0600, Mode(path));
  absl::StatusOr<exporter::ExporterState> back = exporter::ReadStateFile(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(3, back->saved_at);
}

TEST_F(PrivateFilesTest, AStaleWorldReadableTempFileIsNeverReused) {
  // A PATH.tmp left 0666 (by a crash under an older version, or planted by
  // someone who can write the directory), with a hard link to it kept
  // elsewhere: reusing that inode would hand the state to whoever holds the
  // link. The save makes a new file instead.
  const std::string path = dir_ + "/state.json";
  const std::string tmp = path + ".tmp";
  const std::string peek = dir_ + "/peek";
  std::ofstream(tmp) << "stale";
  ASSERT_EQ(0, chmod(tmp.c_str(), 0666));
  ASSERT_EQ(0, link(tmp.c_str(), peek.c_str()));
  ASSERT_TRUE(exporter::WriteStateFile(path, State(7)).ok());
  EXPECT_EQ(0600, Mode(path));
  EXPECT_EQ("stale", Slurp(peek));
  struct stat a, b;
  ASSERT_EQ(0, stat(path.c_str(), &a));
  ASSERT_EQ(0, stat(peek.c_str(), &b));
  EXPECT_NE(a.st_ino, b.st_ino);
}

TEST_F(PrivateFilesTest, ASymlinkInPlaceOfTheTempFileIsNotFollowed) {
  const std::string path = dir_ + "/state.json";
  const std::string victim = dir_ + "/victim";
  std::ofstream(victim) << "keep me";
  ASSERT_EQ(0, chmod(victim.c_str(), 0644));
  ASSERT_EQ(0, symlink(victim.c_str(), (path + ".tmp").c_str()));
  ASSERT_TRUE(exporter::WriteStateFile(path, State(8)).ok());
  EXPECT_EQ("keep me", Slurp(victim));
  EXPECT_EQ(0644, Mode(victim));
  EXPECT_EQ(0600, Mode(path));
  struct stat st;
  ASSERT_EQ(0, lstat(path.c_str(), &st));
  EXPECT_TRUE(S_ISREG(st.st_mode));
}

TEST_F(PrivateFilesTest, RefmtaSpoolDirectoriesAre0700AndQueueFiles0600) {
  const std::string spool = dir_ + "/spool";
  auto queue = refmta::Queue::Open(spool, /*long_queue_ids=*/false);
  ASSERT_TRUE(queue.ok()) << queue.status();
  EXPECT_EQ(0700, Mode(spool));
  for (const char* q : {"maildrop", "incoming", "active", "deferred", "hold"}) {
    EXPECT_EQ(0700, Mode(absl::StrCat(spool, "/", q))) << q;
  }
  // A reservation (smtpd's first accepted recipient), then the whole file.
  absl::StatusOr<std::string> id = (*queue)->Reserve(refmta::QueueName::kIncoming);
  ASSERT_TRUE(id.ok()) << id.status();
  const std::string file = absl::StrCat(spool, "/incoming/", *id);
  EXPECT_EQ(0600, Mode(file));
  refmta::Envelope env;
  env.queue_id = *id;
  env.sender = "alice@example.com";
  env.recipients.push_back({});
  env.recipients.back().address = "bob@example.com";
  ASSERT_TRUE((*queue)->Commit(refmta::QueueName::kIncoming, refmta::QueueName::kIncoming, env,
                               "Subject: secret\n\nbody\n")
                  .ok());
  EXPECT_EQ(0600, Mode(file));
  // Enqueue (pickup, bounces) and a move between queues keep it private.
  absl::StatusOr<std::string> id2 =
      (*queue)->Enqueue(refmta::QueueName::kMaildrop, env, "Subject: x\n\nbody\n");
  ASSERT_TRUE(id2.ok()) << id2.status();
  EXPECT_EQ(0600, Mode(absl::StrCat(spool, "/maildrop/", *id2)));
  ASSERT_TRUE(
      (*queue)->Move(*id2, refmta::QueueName::kMaildrop, refmta::QueueName::kDeferred).ok());
  EXPECT_EQ(0600, Mode(absl::StrCat(spool, "/deferred/", *id2)));
  // The corrupt/ directory a damaged file is set aside in.
  ASSERT_TRUE((*queue)->SaveCorrupt(refmta::QueueName::kDeferred, *id2).ok());
  EXPECT_EQ(0700, Mode(spool + "/corrupt"));
  EXPECT_EQ(0600, Mode(absl::StrCat(spool, "/corrupt/", *id2)));
}

TEST_F(PrivateFilesTest, MailboxesAre0600AndMaildirs0700) {
  refmta::MailboxCopy copy{"alice@example.com", "bob@example.com", "bob@example.com",
                           "Subject: secret\n\nbody\n"};
  const std::string mbox = dir_ + "/mail/spool/bob";
  refmta::MailboxResult r = refmta::AppendToMbox(mbox, "bob", copy, 0, absl::Now());
  ASSERT_TRUE(r.delivered) << r.reason;
  EXPECT_EQ(0600, Mode(mbox));
  EXPECT_EQ(0700, Mode(dir_ + "/mail/spool"));  // parents made for it
  EXPECT_EQ(0700, Mode(dir_ + "/mail"));

  const std::string maildir = dir_ + "/virtual/example.com/bob/Maildir";
  r = refmta::DeliverToMaildir(maildir + "/", copy, 0, "mx.example.com", absl::Now());
  ASSERT_TRUE(r.delivered) << r.reason;
  for (const char* sub : {"", "/tmp", "/new", "/cur"}) {
    EXPECT_EQ(0700, Mode(maildir + sub)) << sub;
  }
  std::vector<std::string> files;
  ASSERT_EQ(0, system(absl::StrCat("ls '", maildir, "/new' > '", dir_, "/ls'").c_str()));
  std::ifstream ls(dir_ + "/ls");
  for (std::string name; std::getline(ls, name);) files.push_back(name);
  ASSERT_EQ(1u, files.size());
  EXPECT_EQ(0600, Mode(maildir + "/new/" + files[0]));
}

}  // namespace
}  // namespace mailgauge
