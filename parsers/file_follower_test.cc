#include "parsers/file_follower.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mailgauge::parsers {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class FileFollowerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    std::string base = tmp != nullptr ? tmp : "/tmp";
    dir_ = base + "/ff_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ::mkdir(dir_.c_str(), 0700);
    path_ = dir_ + "/mail.log";
    std::remove(path_.c_str());
    std::remove((path_ + ".1").c_str());
  }

  void Write(const std::string& path, const std::string& text, bool append = true) {
    std::ofstream out(path, append ? std::ios::app | std::ios::binary
                                   : std::ios::trunc | std::ios::binary);
    out << text;
  }

  std::unique_ptr<FileFollower> Make(bool from_beginning,
                                     FileFollower::Options options = {}) {
    options.from_beginning = from_beginning;
    auto f = FileFollower::Create(path_, options);
    EXPECT_TRUE(f.ok()) << f.status();
    return *std::move(f);
  }

  // Polls once and returns the lines handed out.
  std::vector<std::string> Poll(FileFollower& f) {
    std::vector<std::string> lines;
    absl::Status s = f.Poll([&](std::string_view line, bool) {
      lines.emplace_back(line);
    });
    EXPECT_TRUE(s.ok()) << s;
    return lines;
  }

  std::string dir_;
  std::string path_;
};

TEST_F(FileFollowerTest, StartsAtTheEndByDefault) {
  Write(path_, "old 1\nold 2\n");
  auto f = Make(false);
  EXPECT_THAT(Poll(*f), IsEmpty());
  Write(path_, "new 1\nnew 2\n");
  EXPECT_THAT(Poll(*f), ElementsAre("new 1", "new 2"));
  EXPECT_THAT(Poll(*f), IsEmpty());
  EXPECT_EQ(24u, f->position().offset);
}

TEST_F(FileFollowerTest, StartsAtTheBeginningWhenAsked) {
  Write(path_, "old 1\nold 2\n");
  auto f = Make(true);
  EXPECT_THAT(Poll(*f), ElementsAre("old 1", "old 2"));
}

TEST_F(FileFollowerTest, StartAtEndReadsTheLineInProgressWhole) {
  Write(path_, "old 1\nhalf");
  auto f = Make(false);
  EXPECT_THAT(Poll(*f), IsEmpty());
  Write(path_, " done\n");
  EXPECT_THAT(Poll(*f), ElementsAre("half done"));
}

TEST_F(FileFollowerTest, PartialLastLineWaitsForItsNewline) {
  auto f = Make(true);
  Write(path_, "one\ntw");
  EXPECT_THAT(Poll(*f), ElementsAre("one"));
  EXPECT_EQ(4u, f->position().offset);
  Write(path_, "o");
  EXPECT_THAT(Poll(*f), IsEmpty());
  Write(path_, "\r\nthree\n");
  EXPECT_THAT(Poll(*f), ElementsAre("two", "three"));
  EXPECT_EQ(15u, f->position().offset);
}

// The NUL bytes a crash leaves before the next line written (as
// LineReader drops them).
TEST_F(FileFollowerTest, DropsTheNulBytesALineStartsWith) {
  auto f = Make(true);
  Write(path_, std::string(100, '\0') + "after the crash\n" + std::string(5, '\0') + "\n");
  EXPECT_THAT(Poll(*f), ElementsAre("after the crash", ""));
}

TEST_F(FileFollowerTest, FileThatDoesNotExistYetIsReadFromItsStart) {
  auto f = Make(false);  // even when starting at the end
  EXPECT_THAT(Poll(*f), IsEmpty());
  EXPECT_FALSE(f->file_open());
  Write(path_, "first\nsecond\n");
  EXPECT_THAT(Poll(*f), ElementsAre("first", "second"));
  EXPECT_TRUE(f->file_open());
}

TEST_F(FileFollowerTest, RenameAndCreateDrainsTheOldFileFirst) {
  auto f = Make(true);
  Write(path_, "a\n");
  EXPECT_THAT(Poll(*f), ElementsAre("a"));
  Write(path_, "b\n");
  ASSERT_EQ(0, std::rename(path_.c_str(), (path_ + ".1").c_str()));
  Write(path_ + ".1", "c\n");  // the writer still has the old file open
  Write(path_, "d\n");         // then reopens the path
  EXPECT_THAT(Poll(*f), ElementsAre("b", "c", "d"));
  Write(path_, "e\n");
  EXPECT_THAT(Poll(*f), ElementsAre("e"));
  EXPECT_EQ(1u, f->stats().rotations);
}

TEST_F(FileFollowerTest, RenameWithoutNewFileYetThenCreate) {
  auto f = Make(true);
  Write(path_, "a\n");
  EXPECT_THAT(Poll(*f), ElementsAre("a"));
  ASSERT_EQ(0, std::rename(path_.c_str(), (path_ + ".1").c_str()));
  Write(path_ + ".1", "b\n");
  EXPECT_THAT(Poll(*f), ElementsAre("b"));  // still following the old file
  Write(path_ + ".1", "c\n");
  Write(path_, "d\n");
  EXPECT_THAT(Poll(*f), ElementsAre("c", "d"));
}

TEST_F(FileFollowerTest, RotatedFileWithUnterminatedLastLineYieldsIt) {
  auto f = Make(true);
  Write(path_, "a\nlast");
  EXPECT_THAT(Poll(*f), ElementsAre("a"));
  ASSERT_EQ(0, std::rename(path_.c_str(), (path_ + ".1").c_str()));
  Write(path_, "new\n");
  EXPECT_THAT(Poll(*f), ElementsAre("last", "new"));
}

TEST_F(FileFollowerTest, CopyTruncateStartsAgainFromZero) {
  auto f = Make(true);
  Write(path_, "line one\nline two\n");
  EXPECT_THAT(Poll(*f), ElementsAre("line one", "line two"));
  Write(path_, "", /*append=*/false);  // logrotate copytruncate
  Write(path_, "x\n");
  EXPECT_THAT(Poll(*f), ElementsAre("x"));
  EXPECT_EQ(1u, f->stats().truncations);
  Write(path_, "y\n");
  EXPECT_THAT(Poll(*f), ElementsAre("y"));
  EXPECT_EQ(1u, f->stats().truncations);
}

TEST_F(FileFollowerTest, TruncatedAndRegrownPastTheOffsetIsDetected) {
  auto f = Make(true);
  Write(path_, "short 1\n");
  EXPECT_THAT(Poll(*f), ElementsAre("short 1"));
  // Truncated, then more written than was there before, between two polls.
  Write(path_, "another first line\nanother second line\n", /*append=*/false);
  EXPECT_THAT(Poll(*f),
              ElementsAre("another first line", "another second line"));
  EXPECT_EQ(1u, f->stats().truncations);
}

TEST_F(FileFollowerTest, DeletedAndRecreated) {
  auto f = Make(true);
  Write(path_, "a\n");
  EXPECT_THAT(Poll(*f), ElementsAre("a"));
  ASSERT_EQ(0, std::remove(path_.c_str()));
  EXPECT_THAT(Poll(*f), IsEmpty());
  EXPECT_THAT(Poll(*f), IsEmpty());
  Write(path_, "b\n");
  EXPECT_THAT(Poll(*f), ElementsAre("b"));
  EXPECT_EQ(1u, f->stats().rotations);
}

TEST_F(FileFollowerTest, RestoreResumesExactlyAtTheSavedOffset) {
  FilePosition saved;
  {
    auto f = Make(true);
    Write(path_, "1\n2\n3 partial");
    EXPECT_THAT(Poll(*f), ElementsAre("1", "2"));
    saved = f->position();
    EXPECT_EQ(4u, saved.offset);
    EXPECT_NE(0u, saved.inode);
    EXPECT_EQ(13u, saved.fingerprint_bytes);
  }
  Write(path_, " end\n4\n");  // written while we were down
  auto g = Make(false);       // restore wins over "start at the end"
  g->Restore(saved);
  EXPECT_THAT(Poll(*g), ElementsAre("3 partial end", "4"));
  EXPECT_EQ(1u, g->stats().restored);
  EXPECT_EQ(0u, g->stats().restore_mismatches);
}

TEST_F(FileFollowerTest, RestoreAfterRotationWhileDownReadsNewFileFromStart) {
  FilePosition saved;
  {
    auto f = Make(true);
    Write(path_, "old 1\nold 2\n");
    EXPECT_THAT(Poll(*f), ElementsAre("old 1", "old 2"));
    saved = f->position();
  }
  ASSERT_EQ(0, std::rename(path_.c_str(), (path_ + ".1").c_str()));
  Write(path_, "new file 1\nnew file 2\nnew file 3\n");
  auto g = Make(false);
  g->Restore(saved);
  EXPECT_THAT(Poll(*g), ElementsAre("new file 1", "new file 2", "new file 3"));
  EXPECT_EQ(1u, g->stats().restore_mismatches);
}

TEST_F(FileFollowerTest, RestoreAfterTruncationWhileDownReadsFromStart) {
  FilePosition saved;
  {
    auto f = Make(true);
    Write(path_, "old line 1\nold line 2\n");
    EXPECT_THAT(Poll(*f), ElementsAre("old line 1", "old line 2"));
    saved = f->position();
  }
  Write(path_, "n\n", /*append=*/false);
  auto g = Make(false);
  g->Restore(saved);
  EXPECT_THAT(Poll(*g), ElementsAre("n"));
  EXPECT_EQ(1u, g->stats().restore_mismatches);
}

TEST_F(FileFollowerTest, RestoreOfMissingFileWaitsForIt) {
  FilePosition saved;
  {
    auto f = Make(true);
    Write(path_, "x\n");
    EXPECT_THAT(Poll(*f), ElementsAre("x"));
    saved = f->position();
  }
  ASSERT_EQ(0, std::remove(path_.c_str()));
  auto g = Make(false);
  g->Restore(saved);
  EXPECT_THAT(Poll(*g), IsEmpty());
  Write(path_, "y\n");
  EXPECT_THAT(Poll(*g), ElementsAre("y"));
}

TEST_F(FileFollowerTest, OverlongLinesAreCutAndFlagged) {
  FileFollower::Options options;
  options.max_line_bytes = 4;
  options.read_bytes = 3;  // lines span reads
  auto f = Make(true, options);
  Write(path_, "abcdefgh\nxy\n");
  std::vector<std::pair<std::string, bool>> lines;
  ASSERT_TRUE(f->Poll([&](std::string_view l, bool overlong) {
                 lines.emplace_back(std::string(l), overlong);
               }).ok());
  ASSERT_EQ(2u, lines.size());
  EXPECT_EQ("abcd", lines[0].first);
  EXPECT_TRUE(lines[0].second);
  EXPECT_EQ("xy", lines[1].first);
  EXPECT_FALSE(lines[1].second);
  EXPECT_EQ(12u, f->position().offset);
  EXPECT_EQ(12u, f->stats().bytes);
}

TEST_F(FileFollowerTest, OverlongLineWithinOneReadIsCutAndFlagged) {
  FileFollower::Options options;
  options.max_line_bytes = 4;
  auto f = Make(true, options);  // the default read size: every line in one read
  Write(path_, "abcdefgh\nabcd\nabc\r\nxyz\rAB\n");
  std::vector<std::pair<std::string, bool>> lines;
  ASSERT_TRUE(f->Poll([&](std::string_view l, bool overlong) {
                 lines.emplace_back(std::string(l), overlong);
               }).ok());
  using Line = std::pair<std::string, bool>;
  // A '\r' is dropped before the '\n', and also when the cut ends on one.
  EXPECT_THAT(lines, ElementsAre(Line("abcd", true), Line("abcd", false),
                                 Line("abc", false), Line("xyz", true)));
  EXPECT_EQ(26u, f->position().offset);
  EXPECT_EQ(2u, f->stats().overlong_lines);
}

// Lines handed out straight from the read buffer and lines that span reads
// (or polls) must come out the same: random lines (empty, '\r'-terminated,
// overlong) appended in random pieces, polled between appends, with read
// sizes from 1 byte up, against a plain split of the whole text.
TEST_F(FileFollowerTest, SameLinesWhateverTheReadSizeAndAppendPieces) {
  std::mt19937 rng(7);
  for (size_t read_bytes : {1, 2, 3, 7, 16, 64, 1000, 256 * 1024}) {
    std::remove(path_.c_str());
    Write(path_, "");
    FileFollower::Options options;
    options.max_line_bytes = 10;
    options.read_bytes = read_bytes;
    auto f = Make(true, options);
    std::string text;
    for (int i = 0; i < 300; ++i) {
      const int kind = static_cast<int>(rng() % 6);
      const size_t length = kind == 0 ? 0 : kind == 1 ? 9 + rng() % 4 : rng() % 30;
      std::string line;
      for (size_t j = 0; j < length; ++j) line.push_back(static_cast<char>('a' + rng() % 26));
      if (kind == 2) line.push_back('\r');
      text += line + "\n";
    }
    std::vector<std::pair<std::string, bool>> got;
    size_t written = 0;
    while (written < text.size()) {
      const size_t piece = std::min<size_t>(text.size() - written, 1 + rng() % 80);
      Write(path_, text.substr(written, piece));
      written += piece;
      ASSERT_TRUE(f->Poll([&](std::string_view l, bool overlong) {
                     got.emplace_back(std::string(l), overlong);
                   }).ok());
      // Consumed: just past the last '\n' written so far.
      EXPECT_EQ(text.rfind('\n', written - 1) + 1, f->position().offset)
          << "read_bytes " << read_bytes << " written " << written;
    }
    std::vector<std::pair<std::string, bool>> want;
    size_t start = 0;
    for (size_t nl = text.find('\n'); nl != std::string::npos;
         start = nl + 1, nl = text.find('\n', start)) {
      std::string line = text.substr(start, nl - start);
      const bool overlong = line.size() > options.max_line_bytes;
      if (overlong) line.resize(options.max_line_bytes);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      want.emplace_back(line, overlong);
    }
    EXPECT_EQ(want, got) << "read_bytes " << read_bytes;
    EXPECT_EQ(text.size(), f->stats().bytes);
    EXPECT_EQ(want.size(), f->stats().lines);
  }
}

TEST_F(FileFollowerTest, ADirectoryIsAnError) {
  ::mkdir(path_.c_str(), 0700);
  auto f = Make(true);
  absl::Status s = f->Poll([](std::string_view, bool) {});
  EXPECT_EQ(absl::StatusCode::kFailedPrecondition, s.code()) << s;
  EXPECT_NE(std::string::npos, s.message().find(path_)) << s;
  ::rmdir(path_.c_str());
}

// A rotated, compressed log named by mistake is refused, not read as lines
// of garbage; the path is tried again at each poll.
TEST_F(FileFollowerTest, ACompressedFileIsAnErrorUntilThePathIsPlainText) {
  const std::pair<std::string, const char*> files[] = {
      {std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10), "gzip-compressed"},
      {std::string("\xfd" "7zXZ\0\0\x04\xe6\xd6", 11), "xz-compressed"},
      {std::string("\x28\xb5\x2f\xfd\x24\x05", 6), "zstd-compressed"},
      {"BZh91AY&SY\x01\x02", "bzip2-compressed"},
  };
  for (const auto& [bytes, what] : files) {
    for (bool from_beginning : {true, false}) {
      std::remove(path_.c_str());
      Write(path_, bytes + "\nmore bytes\n", /*append=*/false);
      auto f = Make(from_beginning);
      std::vector<std::string> lines;
      absl::Status s = f->Poll([&](std::string_view line, bool) { lines.emplace_back(line); });
      EXPECT_EQ(absl::StatusCode::kFailedPrecondition, s.code()) << what << ": " << s;
      EXPECT_NE(std::string::npos, s.message().find(path_ + ": " + what)) << s;
      EXPECT_THAT(lines, IsEmpty()) << what;
      EXPECT_FALSE(f->file_open()) << what;
      // logrotate puts a plain log back in its place.
      std::remove(path_.c_str());
      Write(path_, "Nov 25 10:00:00 mx postfix/qmgr[1]: 4B0C72A1F3: removed\n");
      EXPECT_THAT(Poll(*f), ElementsAre("Nov 25 10:00:00 mx postfix/qmgr[1]: 4B0C72A1F3: removed"))
          << what;
    }
  }
}

TEST_F(FileFollowerTest, UnreadableFileIsAnErrorAndRetried) {
  if (::geteuid() == 0) GTEST_SKIP() << "root can read any file";
  Write(path_, "secret\n");
  ::chmod(path_.c_str(), 0);
  auto f = Make(true);
  absl::Status s = f->Poll([](std::string_view, bool) {});
  EXPECT_EQ(absl::StatusCode::kPermissionDenied, s.code()) << s;
  ::chmod(path_.c_str(), 0600);
  EXPECT_THAT(Poll(*f), ElementsAre("secret"));
}

TEST_F(FileFollowerTest, NothingLostOrRepeatedAcrossManyRotations) {
  auto f = Make(true);
  std::vector<std::string> expected, got;
  auto poll = [&] {
    for (std::string& l : Poll(*f)) got.push_back(std::move(l));
  };
  int n = 0;
  for (int round = 0; round < 6; ++round) {
    for (int i = 0; i < 5; ++i) {
      std::string line = "line " + std::to_string(n++);
      expected.push_back(line);
      Write(path_, line + "\n");
      if (i % 2 == 0) poll();
    }
    switch (round % 3) {
      case 0:  // rename and create
        ASSERT_EQ(0, std::rename(path_.c_str(), (path_ + ".1").c_str()));
        Write(path_, "");
        break;
      case 1:  // copytruncate after reading everything
        poll();
        Write(path_, "", /*append=*/false);
        break;
      case 2:  // delete after reading everything
        poll();
        ASSERT_EQ(0, std::remove(path_.c_str()));
        poll();
        break;
    }
  }
  poll();
  EXPECT_EQ(expected, got);
}

TEST(FingerprintTest, IsFnv1a64) {
  EXPECT_EQ(14695981039346656037ull, Fingerprint(""));
  EXPECT_EQ(0xaf63dc4c8601ec8cull, Fingerprint("a"));
}

}  // namespace
}  // namespace mailgauge::parsers
