#include "parsers/line_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace mailgauge::parsers {
namespace {

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
}

std::string WriteFile(const std::string& name, const std::string& bytes) {
  const std::string path = TempPath(name);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  EXPECT_TRUE(out.good()) << path;
  return path;
}

std::string Gzip(const std::string& text) {
  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  EXPECT_EQ(Z_OK,
            deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY));
  std::string out(deflateBound(&zs, text.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  zs.avail_in = static_cast<uInt>(text.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(Z_STREAM_END, deflate(&zs, Z_FINISH));
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string Xz(const std::string& text) {
  std::string out(lzma_stream_buffer_bound(text.size()), '\0');
  size_t pos = 0;
  EXPECT_EQ(LZMA_OK, lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, nullptr,
                                             reinterpret_cast<const uint8_t*>(text.data()),
                                             text.size(), reinterpret_cast<uint8_t*>(out.data()),
                                             &pos, out.size()));
  out.resize(pos);
  return out;
}

std::string Bzip2(const std::string& text) {
  unsigned size = static_cast<unsigned>(text.size() + text.size() / 100 + 600);
  std::string out(size, '\0');
  EXPECT_EQ(BZ_OK, BZ2_bzBuffToBuffCompress(out.data(), &size, const_cast<char*>(text.data()),
                                            static_cast<unsigned>(text.size()), 9, 0, 0));
  out.resize(size);
  return out;
}

std::string Zstd(const std::string& text) {
  std::string out(ZSTD_compressBound(text.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), text.data(), text.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

struct ReadResult {
  std::vector<std::string> lines;
  std::vector<bool> overlong;
  absl::Status status;
  uint64_t file_bytes = 0;
  uint64_t text_bytes = 0;
  uint64_t lines_read = 0;
  bool gzip = false;
};

ReadResult ReadAll(const std::string& path,
                   LineReader::Options options = LineReader::Options()) {
  ReadResult result;
  absl::StatusOr<std::unique_ptr<LineReader>> reader =
      LineReader::Open(path, options);
  if (!reader.ok()) {
    result.status = reader.status();
    return result;
  }
  LineReader::Line line;
  uint64_t expected_number = 0;
  while ((*reader)->Next(&line)) {
    EXPECT_EQ(++expected_number, line.number);
    result.lines.emplace_back(line.text);
    result.overlong.push_back(line.overlong);
  }
  // Next() keeps returning false after the end.
  EXPECT_FALSE((*reader)->Next(&line));
  result.status = (*reader)->status();
  result.file_bytes = (*reader)->file_bytes_read();
  result.text_bytes = (*reader)->text_bytes_read();
  result.lines_read = (*reader)->lines_read();
  result.gzip = (*reader)->gzip();
  return result;
}

using Lines = std::vector<std::string>;

TEST(LineReaderTest, ReadsPlainFile) {
  const std::string path = WriteFile("plain.log", "one\ntwo\n\nfour\n");
  const ReadResult r = ReadAll(path);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ((Lines{"one", "two", "", "four"}), r.lines);
  EXPECT_EQ(4u, r.lines_read);
  EXPECT_EQ(14u, r.file_bytes);
  EXPECT_EQ(14u, r.text_bytes);
  EXPECT_FALSE(r.gzip);
}

TEST(LineReaderTest, EmptyFileHasNoLines) {
  const ReadResult r = ReadAll(WriteFile("empty.log", ""));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.lines.empty());
}

TEST(LineReaderTest, LastLineWithoutNewline) {
  EXPECT_EQ((Lines{"a", "b"}), ReadAll(WriteFile("nonl.log", "a\nb")).lines);
  EXPECT_EQ((Lines{"only"}), ReadAll(WriteFile("nonl1.log", "only")).lines);
  EXPECT_EQ((Lines{"x"}), ReadAll(WriteFile("nonl2.log", "x\r")).lines);
}

TEST(LineReaderTest, StripsCrLf) {
  const ReadResult r = ReadAll(WriteFile("crlf.log", "a\r\nb\r\n\r\nc\rd\n"));
  EXPECT_EQ((Lines{"a", "b", "", "c\rd"}), r.lines);
  EXPECT_EQ(12u, r.text_bytes);
}

TEST(LineReaderTest, KeepsNulBytesAndInvalidUtf8) {
  const std::string data("a\0b\n\xff\xfe\0\n", 8);
  const ReadResult r = ReadAll(WriteFile("nul.log", data));
  ASSERT_EQ(2u, r.lines.size());
  EXPECT_EQ(std::string("a\0b", 3), r.lines[0]);
  EXPECT_EQ(std::string("\xff\xfe\0", 3), r.lines[1]);
}

// A crash leaves a run of NUL bytes in a log file; the syslog daemon's next
// line follows it. The run is dropped, the line kept whole; a line of NULs
// alone is empty. (NULs inside a line are kept, as above.)
TEST(LineReaderTest, DropsTheNulBytesALineStartsWith) {
  const std::string data = std::string(3000, '\0') + "Nov 27 10:00:00 mx postfix/qmgr[1]: x\n" +
                           std::string(7, '\0') + std::string("\n\0a\0b\n", 6);
  const ReadResult r = ReadAll(WriteFile("nul_run.log", data));
  EXPECT_EQ((Lines{"Nov 27 10:00:00 mx postfix/qmgr[1]: x", "", std::string("a\0b", 3)}),
            r.lines);
  EXPECT_EQ(data.size(), r.text_bytes);
}

TEST(LineReaderTest, OneByteThatLooksLikeGzipMagicIsPlain) {
  const ReadResult r = ReadAll(WriteFile("magic1.log", "\x1f"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_FALSE(r.gzip);
  EXPECT_EQ((Lines{"\x1f"}), r.lines);
}

TEST(LineReaderTest, OverlongLinesAreCutAndSkipped) {
  LineReader::Options options;
  options.max_line_bytes = 16;
  options.read_bytes = 8;  // many refills inside one long line
  const std::string lng(100, 'L');
  const std::string data = "short\n" + lng + "\n" + std::string(16, 'e') +
                           "\n" + std::string(17, 'f') + "\n" +
                           std::string(16, 'g') + "\r\n" + "after\n" + lng;
  const ReadResult r = ReadAll(WriteFile("overlong.log", data), options);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ((Lines{"short", std::string(16, 'L'), std::string(16, 'e'),
                   std::string(16, 'f'), std::string(16, 'g'), "after",
                   std::string(16, 'L')}),
            r.lines);
  EXPECT_EQ((std::vector<bool>{false, true, false, true, false, false, true}),
            r.overlong);
  EXPECT_EQ(data.size(), r.text_bytes);
}

TEST(LineReaderTest, MegabyteLineDoesNotBlowUp) {
  const std::string data = "before\n" + std::string(1 << 20, 'x') + "\nafter\n";
  const ReadResult r = ReadAll(WriteFile("mega.log", data));
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(3u, r.lines.size());
  EXPECT_EQ("before", r.lines[0]);
  EXPECT_EQ(64u * 1024, r.lines[1].size());
  EXPECT_TRUE(r.overlong[1]);
  EXPECT_EQ("after", r.lines[2]);
}

// Random lines of varied length, read with read sizes from 1 byte up.
class LineReaderChunkTest : public ::testing::TestWithParam<size_t> {};

TEST_P(LineReaderChunkTest, SplitsLinesAcrossReads) {
  std::mt19937 rng(7);
  Lines expected;
  std::string data;
  for (int i = 0; i < 3000; ++i) {
    std::string line;
    const int len = static_cast<int>(rng() % 300);
    for (int j = 0; j < len; ++j) {
      line += static_cast<char>('a' + rng() % 26);
    }
    expected.push_back(line);
    data += line;
    data += (i % 3 == 0) ? "\r\n" : "\n";
  }
  LineReader::Options options;
  options.read_bytes = GetParam();
  options.max_line_bytes = 300;
  const std::string path = WriteFile("chunks.log", data);
  ReadResult r = ReadAll(path, options);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(expected, r.lines);
  EXPECT_EQ(data.size(), r.file_bytes);

  // The same text gzipped.
  r = ReadAll(WriteFile("chunks.log.gz", Gzip(data)), options);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.gzip);
  EXPECT_EQ(expected, r.lines);
  EXPECT_EQ(data.size(), r.text_bytes);
}

INSTANTIATE_TEST_SUITE_P(ReadSizes, LineReaderChunkTest,
                         ::testing::Values(1, 2, 3, 7, 64, 301, 4096, 1 << 20));

TEST(LineReaderTest, DetectsGzipByMagicNotName) {
  const std::string text = "Nov 25 17:58:09 mx1 postfix/qmgr[1]: a\nsecond\n";
  const std::string gz = Gzip(text);
  const std::string path = WriteFile("rotated.log.1", gz);
  const ReadResult r = ReadAll(path);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.gzip);
  EXPECT_EQ((Lines{"Nov 25 17:58:09 mx1 postfix/qmgr[1]: a", "second"}),
            r.lines);
  EXPECT_EQ(gz.size(), r.file_bytes);
  EXPECT_EQ(text.size(), r.text_bytes);

  // A plain file named .gz is read as plain text.
  const ReadResult plain = ReadAll(WriteFile("notreally.gz", "plain\n"));
  ASSERT_TRUE(plain.status.ok()) << plain.status;
  EXPECT_FALSE(plain.gzip);
  EXPECT_EQ((Lines{"plain"}), plain.lines);
}

TEST(LineReaderTest, ReadsConcatenatedGzipMembersAndPadding) {
  // `cat a.gz b.gz > c.gz`; a line may span the members.
  const std::string data =
      Gzip("one\ntw") + Gzip("o\nthree\n") + std::string(8, '\0');
  const ReadResult r = ReadAll(WriteFile("concat.gz", data));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ((Lines{"one", "two", "three"}), r.lines);
}

TEST(LineReaderTest, GzipOverlongLineAndNoNewline) {
  LineReader::Options options;
  options.max_line_bytes = 10;
  const std::string data = Gzip(std::string(5000, 'z') + "\nok\r\nlast");
  const ReadResult r = ReadAll(WriteFile("gzlong.gz", data), options);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ((Lines{std::string(10, 'z'), "ok", "last"}), r.lines);
  EXPECT_EQ((std::vector<bool>{true, false, false}), r.overlong);
}

std::string ManyLines(int n) {
  std::mt19937 rng(42);
  std::string data;
  for (int i = 0; i < n; ++i) {
    data += absl::StrCat("Nov 25 17:58:", i % 60, " mx1 postfix/smtpd[", rng(),
                         "]: line ", i, " ", rng(), "\n");
  }
  return data;
}

TEST(LineReaderTest, TruncatedGzipReportsOffsetAfterTheLines) {
  const std::string text = ManyLines(20000);
  const std::string gz = Gzip(text);
  const std::string cut = gz.substr(0, gz.size() / 2);
  const std::string path = WriteFile("truncated.gz", cut);
  LineReader::Options options;
  options.read_bytes = 4096;
  const ReadResult r = ReadAll(path, options);
  EXPECT_EQ(absl::StatusCode::kDataLoss, r.status.code()) << r.status;
  EXPECT_TRUE(absl::StrContains(r.status.message(), path)) << r.status;
  EXPECT_TRUE(absl::StrContains(r.status.message(), "truncated")) << r.status;
  EXPECT_TRUE(absl::StrContains(
      r.status.message(), absl::StrCat("compressed byte offset ", cut.size())))
      << r.status;
  // The lines before the cut came out, each intact except maybe the last.
  ASSERT_GT(r.lines.size(), 1000u);
  EXPECT_LT(r.lines.size(), 20000u);
  size_t pos = 0;
  for (size_t i = 0; i + 1 < r.lines.size(); ++i) {
    const size_t nl = text.find('\n', pos);
    ASSERT_EQ(text.substr(pos, nl - pos), r.lines[i]) << i;
    pos = nl + 1;
  }
  EXPECT_EQ(0u, text.compare(pos, r.lines.back().size(), r.lines.back()));
}

TEST(LineReaderTest, GzipCutInsideHeaderIsTruncated) {
  const std::string gz = Gzip("a\n");
  const ReadResult r = ReadAll(WriteFile("header.gz", gz.substr(0, 5)));
  EXPECT_EQ(absl::StatusCode::kDataLoss, r.status.code()) << r.status;
  EXPECT_TRUE(r.lines.empty());
}

TEST(LineReaderTest, CorruptGzipIsDataLoss) {
  const std::string text = ManyLines(5000);
  std::string gz = Gzip(text);
  for (size_t i = gz.size() / 2; i < gz.size() / 2 + 64; ++i) gz[i] ^= 0x5a;
  const std::string path = WriteFile("corrupt.gz", gz);
  const ReadResult r = ReadAll(path);
  EXPECT_EQ(absl::StatusCode::kDataLoss, r.status.code()) << r.status;
  EXPECT_TRUE(absl::StrContains(r.status.message(), path)) << r.status;
  EXPECT_TRUE(absl::StrContains(r.status.message(), "compressed byte offset"))
      << r.status;
  EXPECT_GT(r.lines.size(), 0u);
}

TEST(LineReaderTest, BadChecksumIsDataLoss) {
  std::string gz = Gzip("hello\nworld\n");
  gz[gz.size() - 6] ^= 0x01;  // CRC32 in the trailer
  const ReadResult r = ReadAll(WriteFile("crc.gz", gz));
  EXPECT_EQ(absl::StatusCode::kDataLoss, r.status.code()) << r.status;
  EXPECT_TRUE(absl::StrContains(r.status.message(), "corrupt")) << r.status;
}

TEST(LineReaderTest, TrailingGarbageAfterGzipIsDataLoss) {
  const std::string gz = Gzip("a\nb\n") + "garbage";
  const ReadResult r = ReadAll(WriteFile("garbage.gz", gz));
  EXPECT_EQ((Lines{"a", "b"}), r.lines);
  EXPECT_EQ(absl::StatusCode::kDataLoss, r.status.code()) << r.status;
  EXPECT_TRUE(absl::StrContains(r.status.message(), "trailing garbage"))
      << r.status;
}

TEST(LineReaderTest, MissingFileIsNotFound) {
  const std::string path = TempPath("does-not-exist.log");
  absl::StatusOr<std::unique_ptr<LineReader>> reader = LineReader::Open(path);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(absl::StatusCode::kNotFound, reader.status().code());
  EXPECT_TRUE(absl::StrContains(reader.status().message(), path))
      << reader.status();
}

TEST(LineReaderTest, DirectoryIsFailedPrecondition) {
  const std::string dir = TempPath("a-directory");
  mkdir(dir.c_str(), 0755);
  absl::StatusOr<std::unique_ptr<LineReader>> reader = LineReader::Open(dir);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(absl::StatusCode::kFailedPrecondition, reader.status().code());
  EXPECT_TRUE(absl::StrContains(reader.status().message(), dir));
}

// xz, bzip2 and zstd as logrotate's compresscmd writes them: read like
// gzip, streams or frames one after the other, a cut or damaged file an
// error naming the format and the offset, after the lines before it.
TEST(LineReaderTest, ReadsXzBzip2AndZstd) {
  std::string text;
  for (int i = 0; i < 3000; ++i) {
    text += absl::StrCat("Nov 25 10:00:00 mx postfix/qmgr[1]: 4B0C72A1F", i % 10, ": removed\n");
  }
  const Lines expected = [&] {
    Lines lines;
    for (size_t start = 0, nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
      lines.push_back(text.substr(start, nl - start));
    }
    return lines;
  }();
  const struct {
    const char* format;
    std::string (*compress)(const std::string&);
  } formats[] = {{"xz", Xz}, {"bzip2", Bzip2}, {"zstd", Zstd}};
  for (const auto& f : formats) {
    SCOPED_TRACE(f.format);
    const std::string data = f.compress(text);
    LineReader::Options small_reads;
    small_reads.read_bytes = 7;  // input and output in small pieces
    for (const LineReader::Options& options : {LineReader::Options(), small_reads}) {
      const ReadResult r = ReadAll(WriteFile("rotated.log.1", data), options);
      ASSERT_TRUE(r.status.ok()) << r.status;
      EXPECT_FALSE(r.gzip);
      EXPECT_EQ(expected, r.lines);
      EXPECT_EQ(text.size(), r.text_bytes);
      EXPECT_EQ(data.size(), r.file_bytes);
    }
    // Two streams or frames in one file, as `cat a b` makes.
    const ReadResult twice = ReadAll(WriteFile("twice.log", data + f.compress("last\n")));
    ASSERT_TRUE(twice.status.ok()) << twice.status;
    ASSERT_EQ(expected.size() + 1, twice.lines.size());
    EXPECT_EQ("last", twice.lines.back());
    // Empty text.
    const ReadResult empty = ReadAll(WriteFile("empty.log.1", f.compress("")));
    ASSERT_TRUE(empty.status.ok()) << empty.status;
    EXPECT_TRUE(empty.lines.empty());
    // Cut short (in the middle, or only the end's check bytes): the lines
    // decoded before, then DataLoss.
    for (const size_t keep : {data.size() / 2, data.size() - 9}) {
      const ReadResult cut = ReadAll(WriteFile("cut.log.1", data.substr(0, keep)));
      EXPECT_EQ(absl::StatusCode::kDataLoss, cut.status.code());
      EXPECT_TRUE(absl::StrContains(cut.status.message(),
                                    absl::StrCat("truncated data: unexpected end of file (",
                                                 f.format, ") at compressed byte offset ")))
          << cut.status;
      // Whole lines, then perhaps the start of the line it was cut in.
      ASSERT_LE(cut.lines.size(), expected.size());
      for (size_t i = 0; i < cut.lines.size(); ++i) {
        if (i + 1 < cut.lines.size()) {
          EXPECT_EQ(expected[i], cut.lines[i]);
        } else {
          EXPECT_TRUE(absl::StartsWith(expected[i], cut.lines[i])) << cut.lines[i];
        }
      }
      if (keep == data.size() / 2) {
        EXPECT_LT(cut.lines.size(), expected.size());
      }
    }
    // Damaged in the middle.
    std::string damaged = data;
    for (size_t i = data.size() / 2; i < data.size() / 2 + 16; ++i) damaged[i] ^= 0x5a;
    const ReadResult bad = ReadAll(WriteFile("damaged.log.1", damaged));
    EXPECT_EQ(absl::StatusCode::kDataLoss, bad.status.code());
    EXPECT_TRUE(absl::StrContains(bad.status.message(), absl::StrCat("(", f.format, ")")))
        << bad.status;
  }
}

TEST(LineReaderTest, UnreadCompressedFormsAreNamedNotReadAsText) {
  // The first bytes of each format as its tool writes them (lz4 frame,
  // compress).
  const struct {
    std::string bytes;
    const char* format;
    const char* command;
  } cases[] = {
      {std::string("\x04\x22\x4d\x18\x64\x40\xa7", 7), "lz4-compressed", "lz4 -dc "},
      {std::string("\x1f\x9d\x90Nov", 6), "compress (.Z)-compressed", "gzip -dc "},
  };
  for (const auto& c : cases) {
    const std::string path = WriteFile("compressed.log.1", c.bytes);
    absl::StatusOr<std::unique_ptr<LineReader>> reader = LineReader::Open(path);
    ASSERT_FALSE(reader.ok()) << c.format;
    EXPECT_EQ(absl::StatusCode::kFailedPrecondition, reader.status().code()) << c.format;
    EXPECT_TRUE(absl::StrContains(reader.status().message(), path + ": " + c.format))
        << reader.status();
    EXPECT_TRUE(absl::StrContains(reader.status().message(), c.command + path)) << reader.status();
  }
  // Text that starts like bzip2 but is not: read as lines.
  for (const char* text : {"BZh9 is not bzip2\n", "BZh91AY&S\n"}) {
    const ReadResult r = ReadAll(WriteFile("bzh.log", text));
    ASSERT_TRUE(r.status.ok()) << r.status;
    EXPECT_EQ(1u, r.lines.size());
  }
}

TEST(LineReaderTest, RejectsZeroSizes) {
  LineReader::Options options;
  options.max_line_bytes = 0;
  absl::StatusOr<std::unique_ptr<LineReader>> reader =
      LineReader::Open(WriteFile("opts.log", "x\n"), options);
  EXPECT_EQ(absl::StatusCode::kInvalidArgument, reader.status().code());
}

// ReadAll("-") with standard input read from a file holding `bytes`.
ReadResult ReadAllFromStdin(const std::string& bytes) {
  const std::string path = WriteFile("stdin.log", bytes);
  const int saved = dup(0);
  EXPECT_GE(saved, 0);
  const int fd = open(path.c_str(), O_RDONLY);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(0, dup2(fd, 0));
  close(fd);
  ReadResult r = ReadAll("-");
  dup2(saved, 0);
  close(saved);
  return r;
}

TEST(LineReaderTest, ReadsStandardInput) {
  const ReadResult r = ReadAllFromStdin(Gzip("from\nstdin\n"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.gzip);
  EXPECT_EQ((Lines{"from", "stdin"}), r.lines);
}

TEST(LineReaderTest, CompressedStandardInput) {
  const ReadResult xz = ReadAllFromStdin(Xz("from\nstdin\n"));
  ASSERT_TRUE(xz.status.ok()) << xz.status;
  EXPECT_EQ((Lines{"from", "stdin"}), xz.lines);
  const ReadResult lz4 = ReadAllFromStdin(std::string("\x04\x22\x4d\x18\x64\x40\xa7", 7));
  EXPECT_EQ(absl::StatusCode::kFailedPrecondition, lz4.status.code());
  EXPECT_EQ(
      "<stdin>: lz4-compressed; mailgauge reads plain, gzip, xz, bzip2 and zstd files: pipe it "
      "through lz4 -dc",
      lz4.status.message());
}

// The progress bar's total: the text size where the format records it.
TEST(EstimatedTextBytesTest, TheTextSizeWhereTheFormatRecordsIt) {
  std::string text;
  for (int i = 0; i < 2000; ++i) {
    text += "Nov 25 10:00:00 mx postfix/qmgr[3]: 4B0C72A1F3: removed " + std::to_string(i) + "\n";
  }
  EXPECT_EQ(text.size(), EstimatedTextBytes(WriteFile("est.log", text)));
  EXPECT_EQ(text.size(), EstimatedTextBytes(WriteFile("est.log.gz", Gzip(text))));
  EXPECT_EQ(text.size(), EstimatedTextBytes(WriteFile("est.log.xz", Xz(text))));
  // xz's stream padding after the last stream.
  EXPECT_EQ(text.size(),
            EstimatedTextBytes(WriteFile("est.pad.xz", Xz(text) + std::string(8, '\0'))));
  EXPECT_EQ(text.size(), EstimatedTextBytes(WriteFile("est.log.zst", Zstd(text))));
  // bzip2 records no size: the file's own.
  const std::string bz = Bzip2(text);
  EXPECT_EQ(bz.size(), EstimatedTextBytes(WriteFile("est.log.bz2", bz)));
  // A damaged trailer never makes it smaller than the file.
  std::string cut = Xz(text);
  cut.resize(cut.size() - 5);
  EXPECT_EQ(cut.size(), EstimatedTextBytes(WriteFile("est.cut.xz", cut)));
  EXPECT_EQ(0u, EstimatedTextBytes(TempPath("no-such-file")));
  EXPECT_EQ(0u, EstimatedTextBytes(TempPath("")));  // the directory
}

}  // namespace
}  // namespace mailgauge::parsers
