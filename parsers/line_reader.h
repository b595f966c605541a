// File: parsers/line_reader.h
// Reads a log file as a stream of lines: a plain file, a file compressed
// with gzip, xz, bzip2 or zstd (detected by its magic bytes, whatever its
// name; concatenated members, streams or frames are read one after the
// other) or standard input ("-"). Lines come out as string_views into one
// large internal buffer: no allocation per line.
//
//   absl::StatusOr<std::unique_ptr<LineReader>> reader =
//       LineReader::Open("/var/log/mail.log.2.gz");
//   if (!reader.ok()) return reader.status();  // "...: No such file ..."
//   LineReader::Line line;
//   while ((*reader)->Next(&line)) {
//     Handle(line.text);  // valid until the next Next()
//   }
//   if (!(*reader)->status().ok()) return (*reader)->status();
//
// Details:
// - The '\n' is not part of a line, nor a '\r' just before it (CRLF). A last
//   line without '\n' is still a line.
// - A line longer than Options::max_line_bytes comes out cut to that length
//   with `overlong` set; the rest of it, up to its '\n', is skipped, so a
//   huge line costs neither memory nor time beyond reading it.
// - NUL bytes and invalid UTF-8 pass through untouched.
// - A truncated or corrupt compressed file ends the stream with a DataLoss
//   status naming the file, the format and the compressed byte offset; the
//   lines before it, including a partial last line, are still returned
//   first.
// - Errors are absl::Status values that name the path: NotFound for a
//   missing file, PermissionDenied, FailedPrecondition for a directory or
//   for lz4 or compress (.Z) data (named, with the command that
//   decompresses it), ...
//
// Thread safety: a LineReader is used by one thread at a time.
#ifndef MAILGAUGE_PARSERS_LINE_READER_H_
#define MAILGAUGE_PARSERS_LINE_READER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mailgauge::parsers {

class LineReader {
 public:
  struct Options {
    // Longer lines are cut to this length and flagged `overlong`.
    size_t max_line_bytes = 64 * 1024;
    // Bytes asked of the file (and of the decompressor) per read.
    size_t read_bytes = 1 << 20;
  };

  // The decoder of a compressed file (line_reader.cc; named here so that
  // each format's decoder there can derive from it).
  class Decoder;

  struct Line {
    std::string_view text;  // without "\n" / "\r\n"
    bool overlong = false;  // text was cut at Options::max_line_bytes
    uint64_t number = 0;    // 1-based line number in the stream
  };

  // Opens `path`, or standard input for "-". Reads the first bytes to detect
  // compression. Fails with a Status naming the path.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LineReader>> Open(
      const std::string& path, Options options);
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LineReader>> Open(
      const std::string& path) {
    return Open(path, Options());
  }

  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Fills *line with the next line and returns true; returns false at the end
  // of the stream or on an error (then status() is not OK). line->text stays
  // valid until the next call or the reader's destruction.
  bool Next(Line* line);

  // OK, or the error that ended the stream.
  const absl::Status& status() const { return status_; }

  const std::string& path() const { return path_; }
  // Whether the file is gzip data (read through its decoder).
  bool gzip() const;
  // Bytes read from the file (compressed bytes for a compressed file).
  uint64_t file_bytes_read() const { return file_bytes_read_; }
  // Bytes of text (after decompression) handed out or skipped so far,
  // counting line ends.
  uint64_t text_bytes_read() const { return text_bytes_consumed_; }
  // Lines returned so far.
  uint64_t lines_read() const { return lines_read_; }
  // Lines returned with `overlong` set so far.
  uint64_t overlong_lines() const { return overlong_lines_; }

 private:
  LineReader(std::string path, int fd, bool owns_fd, Options options);

  // Reads raw bytes from the file into raw_ (first call may see what Open()
  // pre-read). Returns bytes read, 0 at end of file, -1 on error (status_ set).
  long ReadRaw(char* dst, size_t n);
  // Appends up to `n` text bytes at `dst`. Returns bytes produced, 0 at the
  // end of the stream, -1 on error (status_ set).
  long Fill(char* dst, size_t n);

  std::string path_;
  int fd_ = -1;
  bool owns_fd_ = false;
  Options options_;
  absl::Status status_;

  // Text buffer: [begin_, end_) is unread text.
  std::vector<char> buf_;
  size_t begin_ = 0;
  size_t end_ = 0;
  bool eof_ = false;       // no more text will come (end or error)
  bool skipping_ = false;  // dropping the rest of an overlong line
  bool done_ = false;      // Next() returned false

  // Raw bytes pre-read by Open() for magic detection, consumed first.
  std::vector<char> head_;
  size_t head_pos_ = 0;

  // The compressed file's decoder; null for text.
  std::unique_ptr<Decoder> decoder_;

  uint64_t file_bytes_read_ = 0;
  uint64_t text_bytes_consumed_ = 0;
  uint64_t lines_read_ = 0;
  uint64_t overlong_lines_ = 0;
};

// The size of the text in the file at `path`, for a progress bar: a plain
// file's size; for gzip the last member's ISIZE (modulo 4 GiB), for xz the
// last stream's index, for zstd the first frame's content size when its
// header holds it. Never less than the file's own size (a bzip2 file, or
// several members, streams or frames, may hold more). 0 when the file
// cannot be read.
uint64_t EstimatedTextBytes(const std::string& path);

}  // namespace mailgauge::parsers

#endif  // MAILGAUGE_PARSERS_LINE_READER_H_
