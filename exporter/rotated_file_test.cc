// FindRotatedFile / ReadRotatedRest: the rest of a log rotated while the
// exporter was down is found by inode and fingerprint under logrotate's,
// dateext's and savelog's names (or as a copytruncate copy) and read from
// the saved offset, its unterminated last line included.
#include "exporter/rotated_file.h"

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "parsers/file_follower.h"

namespace mailgauge::exporter {
namespace {

class RotatedFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::string(std::getenv("TEST_TMPDIR")) + "/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(0, std::system(("rm -rf " + dir_ + " && mkdir -p " + dir_).c_str()));
    path_ = dir_ + "/mail.log";
  }

  void Append(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::app | std::ios::binary);
    out << text;
  }

  // The position a follower saves after reading everything in path_.
  parsers::FilePosition ReadAll() {
    parsers::FileFollower::Options o;
    o.from_beginning = true;
    auto f = parsers::FileFollower::Create(path_, o);
    EXPECT_TRUE(f.ok());
    EXPECT_TRUE((*f)->Poll([](std::string_view, bool) {}).ok());
    return (*f)->position();
  }

  std::vector<std::string> Rest(const std::string& rotated,
                                const parsers::FilePosition& saved) {
    std::vector<std::string> lines;
    absl::StatusOr<uint64_t> n = ReadRotatedRest(
        rotated, saved, [&](std::string_view l, bool) { lines.emplace_back(l); });
    EXPECT_TRUE(n.ok()) << n.status();
    if (n.ok()) {
      EXPECT_EQ(lines.size(), *n);
    }
    return lines;
  }

  std::string dir_;
  std::string path_;
};

const char kBefore[] =
    "Nov 25 10:00:00 mx postfix/smtpd[1]: connect from a[192.0.2.1]\n"
    "Nov 25 10:00:01 mx postfix/smtpd[1]: disconnect from a[192.0.2.1]\n";

TEST_F(RotatedFileTest, NothingToDoWhileThePathIsTheSavedFile) {
  Append(path_, kBefore);
  const parsers::FilePosition saved = ReadAll();
  Append(path_, "Nov 25 10:00:02 more\n");
  EXPECT_TRUE(absl::IsNotFound(FindRotatedFile(path_, saved).status()));
  EXPECT_TRUE(absl::IsNotFound(FindRotatedFile(path_, parsers::FilePosition{}).status()));
}

TEST_F(RotatedFileTest, RenamedToDotOneAndReadFromTheSavedOffset) {
  Append(path_, kBefore);
  const parsers::FilePosition saved = ReadAll();
  Append(path_, "Nov 25 10:00:02 after the save\r\nNov 25 10:00:03 unterminated");
  ASSERT_EQ(0, std::rename(path_.c_str(), (path_ + ".1").c_str()));
  Append(path_, "Nov 25 10:01:00 new file\n");
  // Decoys: compressed, other names, another log.
  Append(path_ + ".2.gz", kBefore);
  Append(dir_ + "/mail.log.old", kBefore);
  Append(dir_ + "/other.log.1", kBefore);
  absl::StatusOr<std::string> found = FindRotatedFile(path_, saved);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(path_ + ".1", *found);
  EXPECT_EQ((std::vector<std::string>{"Nov 25 10:00:02 after the save",
                                      "Nov 25 10:00:03 unterminated"}),
            Rest(*found, saved));
}

TEST_F(RotatedFileTest, DateextAndSavelogNamesAndADeletedPath) {
  for (const char* suffix : {"-20261125", "-2026112513", ".0"}) {
    ASSERT_EQ(0, std::system(("rm -f " + dir_ + "/mail.log*").c_str()));
    Append(path_, kBefore);
    const parsers::FilePosition saved = ReadAll();
    Append(path_, "Nov 25 10:00:02 after\n");
    ASSERT_EQ(0, std::rename(path_.c_str(), (path_ + suffix).c_str()));
    // The new file does not exist yet.
    absl::StatusOr<std::string> found = FindRotatedFile(path_, saved);
    ASSERT_TRUE(found.ok()) << suffix << ": " << found.status();
    EXPECT_EQ(path_ + suffix, *found);
    EXPECT_EQ(std::vector<std::string>{"Nov 25 10:00:02 after"}, Rest(*found, saved));
  }
}

TEST_F(RotatedFileTest, ACopyBeforeCopytruncate) {
  Append(path_, kBefore);
  const parsers::FilePosition saved = ReadAll();
  Append(path_, "Nov 25 10:00:02 after\n");
  ASSERT_EQ(0, std::system(("cp " + path_ + " " + path_ + ".1 && : > " + path_).c_str()));
  absl::StatusOr<std::string> found = FindRotatedFile(path_, saved);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(path_ + ".1", *found);
  EXPECT_EQ(std::vector<std::string>{"Nov 25 10:00:02 after"}, Rest(*found, saved));
}

TEST_F(RotatedFileTest, AnotherFileWithOtherBytesIsNotTaken) {
  Append(path_, kBefore);
  const parsers::FilePosition saved = ReadAll();
  ASSERT_EQ(0, std::remove(path_.c_str()));
  Append(path_ + ".1", "Nov 24 09:00:00 yesterday's log, other first bytes\n"
                       "Nov 24 09:00:01 and long enough to pass the offset..........\n");
  Append(path_, "Nov 25 10:01:00 new\n");
  EXPECT_TRUE(absl::IsNotFound(FindRotatedFile(path_, saved).status()));
}

TEST_F(RotatedFileTest, OverlongLinesAreCutAndFlagged) {
  Append(path_, kBefore);
  const parsers::FilePosition saved = ReadAll();
  Append(path_, std::string(100, 'x') + "\nshort\n");
  ASSERT_EQ(0, std::rename(path_.c_str(), (path_ + ".1").c_str()));
  std::vector<std::pair<std::string, bool>> lines;
  absl::StatusOr<uint64_t> n = ReadRotatedRest(
      path_ + ".1", saved,
      [&](std::string_view l, bool overlong) { lines.emplace_back(std::string(l), overlong); },
      /*max_line_bytes=*/10);
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(2u, lines.size());
  EXPECT_EQ(std::string(10, 'x'), lines[0].first);
  EXPECT_TRUE(lines[0].second);
  EXPECT_EQ("short", lines[1].first);
  EXPECT_FALSE(lines[1].second);
}

}  // namespace
}  // namespace mailgauge::exporter
