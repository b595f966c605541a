// File: parsers/file_follower.h
// Follows a growing log file the way `tail -F` does, for the exporter: it
// survives rename-and-create rotation (the old file is read to its end, then
// the new one from its start), copytruncate (the file shrinks or its first
// bytes change: read again from 0), deletion and re-creation, and a file that
// does not exist yet. Only complete lines are handed out: a last line without
// its '\n' waits for it. Its position (device, inode, offset and a
// fingerprint of the first bytes) can be saved and given back after a
// restart, so reading resumes exactly where it stopped: no line lost, none
// read twice.
//
//   FileFollower::Options options;
//   options.from_beginning = false;  // the first open starts at the end
//   auto follower = FileFollower::Create("/var/log/mail.log", options);
//   if (!follower.ok()) return follower.status();
//   if (saved) (*follower)->Restore(*saved);
//   while (running) {
//     absl::Status s = (*follower)->Poll([&](std::string_view line, bool overlong) {
//       input.ProcessLine(line, overlong);
//     });
//     if (!s.ok()) Warn(s);               // e.g. PermissionDenied; retried
//     Save((*follower)->position());      // offset just past the last line
//     absl::SleepFor(absl::Milliseconds(250));
//   }
//
// Polling, not inotify: each Poll() reads what is there and checks the path
// with stat(2). Rotation is detected when the path names another inode (or
// none); the old file is then drained to its end before the new one is read,
// and its unterminated last line, if any, is handed out as a line, since
// nothing more will be written to it. A writer that keeps appending to the
// renamed file after the new one was opened and read is not followed.
//
// Thread-safety: one thread at a time.
#ifndef MAILGAUGE_PARSERS_FILE_FOLLOWER_H_
#define MAILGAUGE_PARSERS_FILE_FOLLOWER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mailgauge::parsers {

// Where a follower stands in a file; enough to resume after a restart.
struct FilePosition {
  uint64_t device = 0;
  uint64_t inode = 0;
  // Bytes of the file consumed: just past the last line handed out.
  uint64_t offset = 0;
  // FNV-1a 64 of the first `fingerprint_bytes` bytes of the file. It tells a
  // file from another one that got the same inode, and a truncated and
  // rewritten file from the original.
  uint64_t fingerprint = 0;
  uint32_t fingerprint_bytes = 0;

  friend bool operator==(const FilePosition& a, const FilePosition& b) {
    return a.device == b.device && a.inode == b.inode && a.offset == b.offset &&
           a.fingerprint == b.fingerprint &&
           a.fingerprint_bytes == b.fingerprint_bytes;
  }
};

// FNV-1a 64 of `bytes` (stable across runs and machines).
uint64_t Fingerprint(std::string_view bytes);

class FileFollower {
 public:
  struct Options {
    // The first open of a file that exists when following starts reads from
    // its beginning instead of its end. Files that appear later (created,
    // re-created, rotated in) are always read from their beginning.
    bool from_beginning = false;
    // Bytes hashed for the fingerprint (fewer while the file is shorter).
    uint32_t fingerprint_bytes = 1024;
    // Longer lines are cut to this length and flagged overlong; the rest up
    // to the '\n' is skipped.
    size_t max_line_bytes = 64 * 1024;
    // Bytes asked of the file per read(2): large, so that catching up on a
    // big file takes few system calls and few lines span two reads.
    size_t read_bytes = 256 * 1024;
  };

  struct Stats {
    uint64_t lines = 0;
    uint64_t bytes = 0;          // bytes consumed, counting line ends
    uint64_t overlong_lines = 0;
    uint64_t opens = 0;          // files opened (first one included)
    uint64_t rotations = 0;      // path moved to another inode, or deleted and re-created
    uint64_t truncations = 0;    // copytruncate or rewrite detected
    uint64_t restored = 0;       // 1 when a saved position was resumed
    uint64_t restore_mismatches = 0;  // saved position did not match the file
  };

  // Handler for each complete line, without its "\n" (and "\r" before it).
  // The view is valid only during the call.
  using LineHandler = std::function<void(std::string_view line, bool overlong)>;

  // Does not touch the file yet: the first Poll() opens it (or waits for it).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<FileFollower>> Create(
      std::string path, Options options);

  ~FileFollower();
  FileFollower(const FileFollower&) = delete;
  FileFollower& operator=(const FileFollower&) = delete;

  // Resumes from a saved position; call before the first Poll(). When the
  // file at the path is the saved one (same inode and fingerprint, not
  // shorter than the offset) reading continues at the offset. When it is
  // not (rotated or truncated while we were away) it is read from its start,
  // and stats().restore_mismatches counts it.
  void Restore(const FilePosition& position);

  // Reads every complete line available now and checks for rotation and
  // truncation. Returns OK when the file does not exist (yet): it is looked
  // for again at the next call. Other errors (permission denied, a
  // directory, read errors) are returned, and the next call tries again.
  [[nodiscard]] absl::Status Poll(const LineHandler& handler);

  // Position just past the last line handed out; all zero before the file
  // was first opened.
  FilePosition position() const;

  // True while a file is open and the path still names it.
  bool file_open() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }
  const Stats& stats() const { return stats_; }

 private:
  FileFollower(std::string path, Options options);

  // Opens the path; `start` decides where reading begins.
  enum class Start { kBeginning, kEnd, kRestore };
  [[nodiscard]] absl::Status OpenPath(Start start, bool* opened);
  // Reads fd_ to its current end, handing out complete lines.
  [[nodiscard]] absl::Status Drain(const LineHandler& handler);
  // Hands out the unterminated tail as a line (the file is finished).
  void FlushPartial(const LineHandler& handler);
  void Close();
  // Detects a truncated or rewritten fd_ and rewinds it to 0.
  [[nodiscard]] absl::Status CheckTruncation();
  // Hashes the first bytes of fd_ (up to options_.fingerprint_bytes or
  // `limit`, whichever is less); false on a read error.
  bool HashHead(uint64_t limit, uint64_t* hash, uint32_t* length) const;
  void UpdateFingerprint();
  void Emit(std::string_view text, bool overlong, const LineHandler& handler);
  // Adds `size` bytes of the line in progress (begun by an earlier read) to
  // partial_, up to max_line_bytes (beyond: skipping_), or drops them when
  // discarding to the next '\n'.
  void AppendPartial(const char* bytes, size_t size);
  // Counts the line in progress as consumed and forgets it.
  void EndLine();

  std::string path_;
  Options options_;
  Stats stats_;
  int fd_ = -1;
  uint64_t device_ = 0;
  uint64_t inode_ = 0;
  uint64_t offset_ = 0;       // consumed bytes (past the last complete line)
  uint64_t read_offset_ = 0;  // bytes read from the file so far
  uint64_t fingerprint_ = 0;
  uint32_t fingerprint_bytes_ = 0;
  bool ever_polled_ = false;
  std::optional<FilePosition> restore_;
  // A line is handed out straight from buf_ when it begins and ends within
  // one read. Only a line that spans reads is copied: its bytes read so far
  // (after the last '\n'), capped at max_line_bytes, wait here; `skipping_`
  // drops the rest of an overlong line.
  std::string partial_;
  uint64_t line_bytes_ = 0;   // bytes of the line in progress, all of them
  bool skipping_ = false;
  // Started in the middle of a line (from the end of a file whose last
  // max_line_bytes hold no '\n'): drop bytes up to the next '\n'.
  bool discard_to_newline_ = false;
  std::vector<char> buf_;
};

}  // namespace mailgauge::parsers

#endif  // MAILGAUGE_PARSERS_FILE_FOLLOWER_H_
