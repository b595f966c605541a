#include "parsers/file_follower.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/ascii_scan.h"
#include "parsers/compression.h"

namespace mailgauge::parsers {
namespace {

absl::Status ErrnoStatus(int err, const std::string& what) {
  std::string message = absl::StrCat(what, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    case EISDIR:
      return absl::FailedPreconditionError(message);
    default:
      return absl::UnavailableError(message);
  }
}

constexpr uint64_t kFnvOffset = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

}  // namespace

uint64_t Fingerprint(std::string_view bytes) {
  uint64_t h = kFnvOffset;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

FileFollower::FileFollower(std::string path, Options options)
    : path_(std::move(path)), options_(options) {
  buf_.resize(std::max<size_t>(options_.read_bytes, 1));
}

FileFollower::~FileFollower() { Close(); }

absl::StatusOr<std::unique_ptr<FileFollower>> FileFollower::Create(
    std::string path, Options options) {
  if (path.empty()) {
    return absl::InvalidArgumentError("log file path is empty");
  }
  if (options.max_line_bytes == 0) {
    return absl::InvalidArgumentError("max_line_bytes must be positive");
  }
  return std::unique_ptr<FileFollower>(
      new FileFollower(std::move(path), options));
}

void FileFollower::Restore(const FilePosition& position) {
  restore_ = position;
}

FilePosition FileFollower::position() const {
  FilePosition p;
  p.device = device_;
  p.inode = inode_;
  p.offset = offset_;
  p.fingerprint = fingerprint_;
  p.fingerprint_bytes = fingerprint_bytes_;
  return p;
}

void FileFollower::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool FileFollower::HashHead(uint64_t limit, uint64_t* hash,
                            uint32_t* length) const {
  const uint64_t want = std::min<uint64_t>(limit, options_.fingerprint_bytes);
  std::string head(want, '\0');
  uint64_t got = 0;
  while (got < want) {
    const ssize_t n = ::pread(fd_, head.data() + got, want - got, got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) break;
    got += static_cast<uint64_t>(n);
  }
  head.resize(got);
  *hash = Fingerprint(head);
  *length = static_cast<uint32_t>(got);
  return true;
}

void FileFollower::UpdateFingerprint() {
  if (fd_ < 0 || fingerprint_bytes_ >= options_.fingerprint_bytes) return;
  struct stat st;
  if (::fstat(fd_, &st) != 0) return;
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size <= fingerprint_bytes_) return;
  uint64_t hash = 0;
  uint32_t length = 0;
  if (HashHead(size, &hash, &length)) {
    fingerprint_ = hash;
    fingerprint_bytes_ = length;
  }
}

absl::Status FileFollower::OpenPath(Start start, bool* opened) {
  *opened = false;
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return absl::OkStatus();  // not there (yet)
    return ErrnoStatus(err, absl::StrCat("cannot open ", path_));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoStatus(err, absl::StrCat("cannot stat ", path_));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return ErrnoStatus(EISDIR, path_);
  }
  // A compressed file (a rotated log named by mistake) is not followed: its
  // bytes would come out as lines of garbage.
  char head[kCompressionMagicBytes];
  ssize_t got;
  do {
    got = ::pread(fd, head, sizeof head, 0);
  } while (got < 0 && errno == EINTR);
  const Compression compression =
      got > 0 ? CompressionOf(std::string_view(head, static_cast<size_t>(got)))
              : Compression::kNone;
  if (compression != Compression::kNone) {
    ::close(fd);
    return absl::FailedPreconditionError(absl::StrCat(
        path_, ": ", CompressionName(compression),
        "-compressed; a followed log is plain text (read rotated, compressed files with "
        "`mailgauge report`)"));
  }
  fd_ = fd;
  device_ = static_cast<uint64_t>(st.st_dev);
  inode_ = static_cast<uint64_t>(st.st_ino);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  fingerprint_ = 0;
  fingerprint_bytes_ = 0;
  partial_.clear();
  skipping_ = false;
  line_bytes_ = 0;
  discard_to_newline_ = false;
  uint64_t begin = 0;

  if (start == Start::kRestore && restore_.has_value()) {
    const FilePosition saved = *restore_;
    restore_.reset();
    uint64_t hash = 0;
    uint32_t length = 0;
    const bool head_ok = HashHead(saved.fingerprint_bytes, &hash, &length);
    // The fingerprint decides, not the inode: a file restored from a backup
    // or moved to another file system is still the same log.
    const bool same_content =
        saved.fingerprint_bytes == 0
            ? saved.offset == 0
            : head_ok && length == saved.fingerprint_bytes &&
                  hash == saved.fingerprint;
    if (same_content && size >= saved.offset) {
      begin = saved.offset;
      ++stats_.restored;
    } else {
      ++stats_.restore_mismatches;
      begin = 0;
    }
  } else if (start == Start::kEnd) {
    // Start just after the last '\n', so that a line being written now is
    // read whole. Look back at most max_line_bytes; beyond that, start at
    // the end and drop the rest of the line in progress.
    begin = size;
    const uint64_t look = std::min<uint64_t>(size, options_.max_line_bytes + 1);
    std::string tail(look, '\0');
    uint64_t got = 0;
    while (got < look) {
      const ssize_t n =
          ::pread(fd_, tail.data() + got, look - got, size - look + got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<uint64_t>(n);
    }
    tail.resize(got);
    const size_t nl = tail.rfind('\n');
    if (got == look && nl != std::string::npos) {
      begin = size - look + nl + 1;
    } else if (got == look && look > 0 && size > look) {
      discard_to_newline_ = true;  // in the middle of an overlong line
    } else if (got == look && nl == std::string::npos) {
      begin = 0;  // the whole (short) file is one unterminated line
    }
  }
  if (::lseek(fd_, static_cast<off_t>(begin), SEEK_SET) < 0) {
    const int err = errno;
    Close();
    return ErrnoStatus(err, absl::StrCat("cannot seek in ", path_));
  }
  offset_ = begin;
  read_offset_ = begin;
  ++stats_.opens;
  UpdateFingerprint();
  *opened = true;
  return absl::OkStatus();
}

void FileFollower::Emit(std::string_view text, bool overlong,
                        const LineHandler& handler) {
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  text = WithoutLeadingNuls(text);
  ++stats_.lines;
  if (overlong) ++stats_.overlong_lines;
  handler(text, overlong);
}

absl::Status FileFollower::Drain(const LineHandler& handler) {
  if (fd_ < 0) return absl::OkStatus();
  while (true) {
    const ssize_t n = ::read(fd_, buf_.data(), buf_.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return absl::OkStatus();
      return ErrnoStatus(errno, absl::StrCat("cannot read ", path_));
    }
    if (n == 0) return absl::OkStatus();
    read_offset_ += static_cast<uint64_t>(n);
    const char* p = buf_.data();
    const char* const end = p + n;
    // The line begun by an earlier read, if any: its rest goes through
    // partial_ (or is dropped).
    if (line_bytes_ > 0 || discard_to_newline_) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
      const char* stop = nl != nullptr ? nl : end;
      AppendPartial(p, static_cast<size_t>(stop - p));
      if (nl == nullptr) continue;  // the whole read was that line's
      line_bytes_ += 1;
      if (!discard_to_newline_) Emit(partial_, skipping_, handler);
      EndLine();
      p = nl + 1;
    }
    // Lines that begin in this read: handed out straight from the buffer
    // when their '\n' is in it too, which is the common case.
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
      if (nl == nullptr) {
        AppendPartial(p, static_cast<size_t>(end - p));  // waits for its end
        break;
      }
      const size_t length = static_cast<size_t>(nl - p);
      const bool overlong = length > options_.max_line_bytes;
      Emit(std::string_view(p, overlong ? options_.max_line_bytes : length),
           overlong, handler);
      stats_.bytes += length + 1;
      offset_ += length + 1;
      p = nl + 1;
    }
  }
}

void FileFollower::AppendPartial(const char* bytes, size_t size) {
  line_bytes_ += size;
  if (discard_to_newline_) return;
  const size_t room = options_.max_line_bytes > partial_.size()
                          ? options_.max_line_bytes - partial_.size()
                          : 0;
  if (size > room) skipping_ = true;
  partial_.append(bytes, std::min(size, room));
}

void FileFollower::EndLine() {
  stats_.bytes += line_bytes_;
  offset_ += line_bytes_;
  partial_.clear();
  line_bytes_ = 0;
  skipping_ = false;
  discard_to_newline_ = false;
}

void FileFollower::FlushPartial(const LineHandler& handler) {
  if (line_bytes_ > 0 && !discard_to_newline_) {
    Emit(partial_, skipping_, handler);
  }
  EndLine();
}

absl::Status FileFollower::CheckTruncation() {
  // Truncated (copytruncate), or rewritten from the start?
  struct stat fst;
  if (::fstat(fd_, &fst) != 0) {
    return ErrnoStatus(errno, absl::StrCat("cannot stat ", path_));
  }
  bool truncated = static_cast<uint64_t>(fst.st_size) < read_offset_;
  if (!truncated && fingerprint_bytes_ > 0) {
    uint64_t hash = 0;
    uint32_t length = 0;
    if (HashHead(fingerprint_bytes_, &hash, &length) &&
        (length != fingerprint_bytes_ || hash != fingerprint_)) {
      truncated = true;
    }
  }
  if (truncated) {
    ++stats_.truncations;
    if (::lseek(fd_, 0, SEEK_SET) < 0) {
      return ErrnoStatus(errno, absl::StrCat("cannot seek in ", path_));
    }
    offset_ = 0;
    read_offset_ = 0;
    partial_.clear();
    line_bytes_ = 0;
    skipping_ = false;
    discard_to_newline_ = false;
    fingerprint_ = 0;
    fingerprint_bytes_ = 0;
  }
  return absl::OkStatus();
}

absl::Status FileFollower::Poll(const LineHandler& handler) {
  const bool first = !ever_polled_;
  ever_polled_ = true;
  if (fd_ < 0) {
    Start start = Start::kBeginning;
    if (restore_.has_value()) {
      start = Start::kRestore;
    } else if (first && !options_.from_beginning) {
      start = Start::kEnd;
    }
    bool opened = false;
    absl::Status s = OpenPath(start, &opened);
    if (!s.ok() || !opened) return s;
  }
  // The open file first: truncated or rewritten since the last read?
  absl::Status s = CheckTruncation();
  if (!s.ok()) return s;
  s = Drain(handler);
  if (!s.ok()) return s;

  struct stat st;
  if (::stat(path_.c_str(), &st) != 0) {
    const int err = errno;
    // Deleted or renamed away: keep the open file, drained; a new file at
    // the path is picked up by a later Poll().
    if (err == ENOENT) {
      UpdateFingerprint();
      return absl::OkStatus();
    }
    return ErrnoStatus(err, absl::StrCat("cannot stat ", path_));
  }
  if (static_cast<uint64_t>(st.st_dev) != device_ ||
      static_cast<uint64_t>(st.st_ino) != inode_) {
    // Rotated (renamed and re-created, or deleted and re-created): finish
    // the old file, then read the new one from its start.
    s = Drain(handler);
    FlushPartial(handler);
    Close();
    ++stats_.rotations;
    bool opened = false;
    s.Update(OpenPath(Start::kBeginning, &opened));
    if (!s.ok()) return s;
    if (!opened) return absl::OkStatus();  // gone again in between
    return Drain(handler);
  }

  UpdateFingerprint();
  return s;
}

}  // namespace mailgauge::parsers
