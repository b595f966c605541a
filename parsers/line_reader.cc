#include "parsers/line_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/ascii_scan.h"
#include "parsers/compression.h"

namespace mailgauge::parsers {

// The decoder of a compressed file: reads the file's bytes with ReadRaw,
// in_ at a time, and hands out text. One subclass per format.
class LineReader::Decoder {
 public:
  Decoder(Compression format, size_t in_bytes) : in_(in_bytes), format_(format) {}
  virtual ~Decoder() = default;

  Compression format() const { return format_; }

  // Up to `n` text bytes at `dst`: their count, 0 at the end of the data,
  // -1 on an error (r->status_ set).
  long Fill(LineReader* r, char* dst, size_t n) {
    for (;;) {
      if (in_pos_ == in_len_ && !input_eof_) {
        const long got = r->ReadRaw(in_.data(), in_.size());
        if (got < 0) return -1;
        in_pos_ = 0;
        in_len_ = static_cast<size_t>(got);
        input_eof_ = got == 0;
      }
      const size_t before = in_pos_;
      size_t produced = 0;
      if (const char* error = Decode(dst, n, &produced)) {
        SetError(r, error);
        return -1;
      }
      if (produced > 0) {
        text_bytes_ += produced;
        return static_cast<long>(produced);
      }
      if (in_pos_ == in_len_ && input_eof_) {
        if (!ended_) {
          SetError(r, kTruncated);
          return -1;
        }
        return 0;
      }
      if (in_pos_ == before && in_pos_ < in_len_) {
        SetError(r, "corrupt data: the decoder takes no more input");
        return -1;
      }
    }
  }

 protected:
  // Decodes from in_[in_pos_, in_len_) into `dst` (at most `n` bytes),
  // moving in_pos_; sets *produced. Returns nullptr or what is wrong with
  // the data.
  virtual const char* Decode(char* dst, size_t n, size_t* produced) = 0;
  // Whether the whole file has been read (the decoder's last input).
  bool Finishing() const { return input_eof_ && in_pos_ == in_len_; }

  static constexpr const char* kTruncated = "truncated data: unexpected end of file";

  std::vector<char> in_;
  size_t in_pos_ = 0;
  size_t in_len_ = 0;
  // Whether the data decoded so far ends where a stream (or frame) ends:
  // the end of the file is then the end of the text, not a cut.
  bool ended_ = false;
  // The library's own words on the last error, when it has any.
  const char* detail_ = nullptr;

 private:
  void SetError(LineReader* r, const char* what) {
    const uint64_t offset = r->file_bytes_read_ - (in_len_ - in_pos_);
    r->status_ = absl::DataLossError(
        absl::StrCat(r->path_, ": ", what, " (", CompressionName(format_), ") at compressed byte offset ", offset,
                     " (after ", text_bytes_, " bytes of text)",
                     detail_ != nullptr ? absl::StrCat(": ", detail_) : std::string()));
  }

  const Compression format_;
  bool input_eof_ = false;
  uint64_t text_bytes_ = 0;
};

namespace {

// gzip, members one after the other; NUL padding after the last one is
// tolerated, as gzip(1) does.
class GzipDecoder : public LineReader::Decoder {
 public:
  explicit GzipDecoder(size_t in_bytes) : Decoder(Compression::kGzip, in_bytes) {
    std::memset(&zs_, 0, sizeof zs_);
    ended_ = true;  // between members (the first starts at the magic)
  }
  ~GzipDecoder() override {
    if (open_) inflateEnd(&zs_);
  }
  bool Init() {
    // 15 + 16: a gzip wrapper (not zlib, not raw deflate), largest window.
    open_ = inflateInit2(&zs_, 15 + 16) == Z_OK;
    return open_;
  }

 protected:
  const char* Decode(char* dst, size_t n, size_t* produced) override {
    *produced = 0;
    if (ended_) {
      while (in_pos_ < in_len_ && in_[in_pos_] == 0) ++in_pos_;
      if (in_pos_ == in_len_) return nullptr;
      if (static_cast<unsigned char>(in_[in_pos_]) != 0x1f) return "trailing garbage after the data";
      inflateReset(&zs_);
      ended_ = false;
    }
    zs_.next_in = reinterpret_cast<Bytef*>(in_.data() + in_pos_);
    zs_.avail_in = static_cast<uInt>(std::min<size_t>(in_len_ - in_pos_, 1u << 30));
    zs_.next_out = reinterpret_cast<Bytef*>(dst);
    zs_.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    const uInt in_before = zs_.avail_in;
    const uInt out_before = zs_.avail_out;
    const int ret = inflate(&zs_, Z_NO_FLUSH);
    in_pos_ += in_before - zs_.avail_in;
    *produced = out_before - zs_.avail_out;
    switch (ret) {
      case Z_OK:
      case Z_BUF_ERROR:  // no progress: more input is needed (Fill reads it)
        return nullptr;
      case Z_STREAM_END:
        ended_ = true;
        return nullptr;
      case Z_MEM_ERROR:
        return "out of memory decompressing";
      default:
        detail_ = zs_.msg;
        return "corrupt data";
    }
  }

 private:
  z_stream zs_;
  bool open_ = false;
};

// xz (and lzma-utils' concatenated streams, as xz(1) reads them).
class XzDecoder : public LineReader::Decoder {
 public:
  explicit XzDecoder(size_t in_bytes) : Decoder(Compression::kXz, in_bytes) {}
  ~XzDecoder() override { lzma_end(&s_); }
  bool Init() {
    return lzma_stream_decoder(&s_, UINT64_MAX, LZMA_CONCATENATED) == LZMA_OK;
  }

 protected:
  const char* Decode(char* dst, size_t n, size_t* produced) override {
    *produced = 0;
    if (ended_) return nullptr;  // LZMA_CONCATENATED: the end of the file
    s_.next_in = reinterpret_cast<const uint8_t*>(in_.data() + in_pos_);
    s_.avail_in = in_len_ - in_pos_;
    s_.next_out = reinterpret_cast<uint8_t*>(dst);
    s_.avail_out = n;
    const lzma_ret ret = lzma_code(&s_, Finishing() ? LZMA_FINISH : LZMA_RUN);
    in_pos_ = in_len_ - s_.avail_in;
    *produced = n - s_.avail_out;
    switch (ret) {
      case LZMA_OK:
        return nullptr;
      case LZMA_STREAM_END:
        ended_ = true;
        return nullptr;
      case LZMA_BUF_ERROR:
        return Finishing() ? kTruncated : nullptr;
      case LZMA_MEM_ERROR:
      case LZMA_MEMLIMIT_ERROR:
        return "out of memory decompressing";
      default:
        return "corrupt data";
    }
  }

 private:
  lzma_stream s_ = LZMA_STREAM_INIT;
};

// bzip2, and concatenated streams (pbzip2, or `cat a.bz2 b.bz2`).
class Bzip2Decoder : public LineReader::Decoder {
 public:
  explicit Bzip2Decoder(size_t in_bytes) : Decoder(Compression::kBzip2, in_bytes) {
    std::memset(&s_, 0, sizeof s_);
  }
  ~Bzip2Decoder() override {
    if (open_) BZ2_bzDecompressEnd(&s_);
  }
  bool Init() {
    open_ = BZ2_bzDecompressInit(&s_, 0, 0) == BZ_OK;
    return open_;
  }

 protected:
  const char* Decode(char* dst, size_t n, size_t* produced) override {
    *produced = 0;
    if (ended_) {
      if (in_pos_ == in_len_) return nullptr;
      // Another stream follows.
      BZ2_bzDecompressEnd(&s_);
      std::memset(&s_, 0, sizeof s_);
      open_ = BZ2_bzDecompressInit(&s_, 0, 0) == BZ_OK;
      if (!open_) return "out of memory decompressing";
      ended_ = false;
    }
    s_.next_in = in_.data() + in_pos_;
    s_.avail_in = static_cast<unsigned>(std::min<size_t>(in_len_ - in_pos_, 1u << 30));
    s_.next_out = dst;
    s_.avail_out = static_cast<unsigned>(std::min<size_t>(n, 1u << 30));
    const unsigned out_before = s_.avail_out;
    const unsigned in_before = s_.avail_in;
    const int ret = BZ2_bzDecompress(&s_);
    in_pos_ += in_before - s_.avail_in;
    *produced = out_before - s_.avail_out;
    switch (ret) {
      case BZ_OK:
        return nullptr;
      case BZ_STREAM_END:
        ended_ = true;
        return nullptr;
      case BZ_MEM_ERROR:
        return "out of memory decompressing";
      default:
        return "corrupt data";
    }
  }

 private:
  bz_stream s_;
  bool open_ = false;
};

// zstd, one frame after another.
class ZstdDecoder : public LineReader::Decoder {
 public:
  explicit ZstdDecoder(size_t in_bytes) : Decoder(Compression::kZstd, in_bytes) {
    ended_ = true;  // no frame begun: a file of no frames is no text
  }
  ~ZstdDecoder() override { ZSTD_freeDStream(s_); }
  bool Init() {
    s_ = ZSTD_createDStream();
    return s_ != nullptr && !ZSTD_isError(ZSTD_initDStream(s_));
  }

 protected:
  const char* Decode(char* dst, size_t n, size_t* produced) override {
    *produced = 0;
    // After a frame's end, only more input starts another (called without
    // any, the decoder would wait for a new frame's header).
    if (ended_ && in_pos_ == in_len_) return nullptr;
    ZSTD_inBuffer in{in_.data(), in_len_, in_pos_};
    ZSTD_outBuffer out{dst, n, 0};
    const size_t ret = ZSTD_decompressStream(s_, &out, &in);
    in_pos_ = in.pos;
    *produced = out.pos;
    if (ZSTD_isError(ret)) return "corrupt data";
    // 0: a frame is whole and flushed; more input may start the next one.
    ended_ = ret == 0;
    return nullptr;
  }

 private:
  ZSTD_DStream* s_ = nullptr;
};

template <typename D>
std::unique_ptr<LineReader::Decoder> MakeDecoder(size_t in_bytes, bool* failed) {
  auto d = std::make_unique<D>(in_bytes);
  *failed = !d->Init();
  return d;
}

// The decoder for data compressed as `c`; nullptr for text (and for the
// forms not read). *failed: the library could not start one.
std::unique_ptr<LineReader::Decoder> DecoderFor(Compression c, size_t in_bytes, bool* failed) {
  *failed = false;
  switch (c) {
    case Compression::kGzip: return MakeDecoder<GzipDecoder>(in_bytes, failed);
    case Compression::kXz: return MakeDecoder<XzDecoder>(in_bytes, failed);
    case Compression::kZstd: return MakeDecoder<ZstdDecoder>(in_bytes, failed);
    case Compression::kBzip2: return MakeDecoder<Bzip2Decoder>(in_bytes, failed);
    case Compression::kLz4:
    case Compression::kCompress:
    case Compression::kNone:
      break;
  }
  return nullptr;
}

}  // namespace

LineReader::LineReader(std::string path, int fd, bool owns_fd, Options options)
    : path_(std::move(path)), fd_(fd), owns_fd_(owns_fd), options_(options) {}

LineReader::~LineReader() {
  if (owns_fd_ && fd_ >= 0) close(fd_);
}

absl::StatusOr<std::unique_ptr<LineReader>> LineReader::Open(
    const std::string& path, Options options) {
  if (options.max_line_bytes == 0 || options.read_bytes == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": max_line_bytes and read_bytes must be positive"));
  }
  int fd = 0;
  bool owns_fd = false;
  const std::string name = path == "-" ? std::string("<stdin>") : path;
  if (path != "-") {
    do {
      fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return absl::ErrnoToStatus(errno, path);
    owns_fd = true;
  }
  std::unique_ptr<LineReader> reader(
      new LineReader(name, fd, owns_fd, options));
  struct stat st;
  if (fstat(fd, &st) != 0) return absl::ErrnoToStatus(errno, name);
  if (S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(name, ": is a directory, not a log file"));
  }

  // Pre-read the first bytes to look for a compressed form's magic. A pipe
  // may deliver one byte at a time, so read until there are enough or the
  // end.
  reader->head_.resize(4096);
  size_t have = 0;
  while (have < kCompressionMagicBytes) {
    const ssize_t r =
        read(fd, reader->head_.data() + have, reader->head_.size() - have);
    if (r < 0) {
      if (errno == EINTR) continue;
      return absl::ErrnoToStatus(errno, name);
    }
    if (r == 0) break;
    have += static_cast<size_t>(r);
  }
  reader->head_.resize(have);
  const Compression compression =
      CompressionOf(std::string_view(reader->head_.data(), have));
  if (compression == Compression::kLz4 || compression == Compression::kCompress) {
    const char* decompress = DecompressCommand(compression);
    return absl::FailedPreconditionError(absl::StrCat(
        name, ": ", CompressionName(compression),
        "-compressed; mailgauge reads plain, gzip, xz, bzip2 and zstd files: ",
        path == "-" ? absl::StrCat("pipe it through ", decompress)
                    : absl::StrCat("decompress it to standard input (", decompress, " ", name,
                                   " | mailgauge ... -)")));
  }
  bool failed = false;
  reader->decoder_ = DecoderFor(compression, options.read_bytes, &failed);
  if (failed) {
    return absl::ResourceExhaustedError(
        absl::StrCat(name, ": cannot initialize the ", CompressionName(reader->decoder_->format()),
                     " decompressor"));
  }
  reader->buf_.resize(options.max_line_bytes + 2 + options.read_bytes);
  return reader;
}

long LineReader::ReadRaw(char* dst, size_t n) {
  if (head_pos_ < head_.size()) {
    const size_t k = std::min(n, head_.size() - head_pos_);
    std::memcpy(dst, head_.data() + head_pos_, k);
    head_pos_ += k;
    if (head_pos_ == head_.size()) {
      head_.clear();
      head_.shrink_to_fit();
      head_pos_ = 0;
    }
    file_bytes_read_ += k;
    return static_cast<long>(k);
  }
  for (;;) {
    const ssize_t r = read(fd_, dst, n);
    if (r >= 0) {
      file_bytes_read_ += static_cast<uint64_t>(r);
      return static_cast<long>(r);
    }
    if (errno == EINTR) continue;
    const int err = errno;
    status_ = absl::ErrnoToStatus(
        err,
        absl::StrCat(path_, ": read error at byte offset ", file_bytes_read_));
    return -1;
  }
}

long LineReader::Fill(char* dst, size_t n) {
  return decoder_ != nullptr ? decoder_->Fill(this, dst, n) : ReadRaw(dst, n);
}

bool LineReader::gzip() const {
  return decoder_ != nullptr && decoder_->format() == Compression::kGzip;
}

bool LineReader::Next(Line* line) {
  if (done_) return false;
  const size_t max_line = options_.max_line_bytes;
  for (;;) {
    if (skipping_) {
      const char* base = buf_.data();
      const void* nl = std::memchr(base + begin_, '\n', end_ - begin_);
      if (nl != nullptr) {
        const size_t next = static_cast<const char*>(nl) - base + 1;
        text_bytes_consumed_ += next - begin_;
        begin_ = next;
        skipping_ = false;
      } else {
        text_bytes_consumed_ += end_ - begin_;
        begin_ = end_ = 0;
      }
    }
    const size_t avail = end_ - begin_;
    if (!skipping_ && avail > 0) {
      const char* start = buf_.data() + begin_;
      // A line of max_line bytes may be followed by "\r\n": look that far.
      const size_t window = std::min(avail, max_line + 2);
      const void* nl = std::memchr(start, '\n', window);
      size_t raw_len = 0;     // bytes of the line before '\n'
      size_t consumed = 0;    // bytes to drop from the buffer
      bool complete = false;  // the line's end is known
      if (nl != nullptr) {
        raw_len = static_cast<const char*>(nl) - start;
        consumed = raw_len + 1;
        complete = true;
      } else if (window == max_line + 2) {
        // No '\n' in reach: an overlong line. Return its head, skip the rest.
        raw_len = max_line;
        consumed = max_line;
        skipping_ = true;
        complete = true;
      } else if (eof_) {
        raw_len = avail;  // last line without '\n'
        consumed = avail;
        complete = true;
      }
      if (complete) {
        size_t len = raw_len;
        bool overlong = skipping_;
        if (!skipping_ && len > 0 && start[len - 1] == '\r') --len;
        if (len > max_line) {
          len = max_line;
          overlong = true;
        }
        begin_ += consumed;
        text_bytes_consumed_ += consumed;
        ++lines_read_;
        if (overlong) ++overlong_lines_;
        line->text = WithoutLeadingNuls(std::string_view(start, len));
        line->overlong = overlong;
        line->number = lines_read_;
        return true;
      }
    }
    if (eof_) {
      if (skipping_ || avail == 0) {
        done_ = true;
        return false;
      }
    }
    // Need more text: move the unread part to the front and fill after it.
    if (begin_ > 0) {
      const size_t pending = end_ - begin_;
      if (pending > 0) std::memmove(buf_.data(), buf_.data() + begin_, pending);
      begin_ = 0;
      end_ = pending;
    }
    const long r = Fill(buf_.data() + end_, buf_.size() - end_);
    if (r <= 0) {
      eof_ = true;
    } else {
      end_ += static_cast<size_t>(r);
    }
  }
}

uint64_t EstimatedTextBytes(const std::string& path) {
  int fd;
  do {
    fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return 0;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return 0;
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  // `n` bytes at `offset` into `out` (false when the file has fewer).
  auto read_at = [fd](uint64_t offset, size_t n, std::string* out) {
    out->resize(n);
    size_t got = 0;
    while (got < n) {
      const ssize_t r = pread(fd, out->data() + got, n - got, static_cast<off_t>(offset + got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      got += static_cast<size_t>(r);
    }
    return true;
  };
  uint64_t text = 0;
  std::string head, tail;
  if (read_at(0, std::min<uint64_t>(size, 18), &head)) {
    switch (CompressionOf(head)) {
      case Compression::kGzip:
        if (size >= 18 && read_at(size - 4, 4, &tail)) {
          const auto* b = reinterpret_cast<const unsigned char*>(tail.data());
          text = uint64_t{b[0]} | uint64_t{b[1]} << 8 | uint64_t{b[2]} << 16 |
                 uint64_t{b[3]} << 24;
        }
        break;
      case Compression::kXz: {
        // The stream footer (12 bytes: CRC32, backward size, flags, "YZ")
        // gives the index's size; the index, the uncompressed size. Stream
        // padding (zeros, in fours) may follow the last stream; xz(1) writes
        // none, so a little is looked past, not a file of zeros.
        uint64_t end = size;
        for (int words = 0; words < 1024 && end >= 4 && read_at(end - 4, 4, &tail) &&
                            tail == std::string(4, '\0');
             ++words) {
          end -= 4;
        }
        if (end < 24 || !read_at(end - 12, 12, &tail) || tail.compare(10, 2, "YZ") != 0) break;
        const auto* b = reinterpret_cast<const unsigned char*>(tail.data());
        const uint64_t index_size =
            (uint64_t{b[4]} | uint64_t{b[5]} << 8 | uint64_t{b[6]} << 16 | uint64_t{b[7]} << 24) *
                4 + 4;
        std::string index_bytes;
        if (index_size > end - 12 || index_size > (64u << 20) ||
            !read_at(end - 12 - index_size, index_size, &index_bytes)) {
          break;
        }
        lzma_index* index = nullptr;
        uint64_t memlimit = 64u << 20;
        size_t pos = 0;
        if (lzma_index_buffer_decode(&index, &memlimit, nullptr,
                                     reinterpret_cast<const uint8_t*>(index_bytes.data()), &pos,
                                     index_bytes.size()) == LZMA_OK) {
          text = lzma_index_uncompressed_size(index);
          lzma_index_end(index, nullptr);
        }
        break;
      }
      case Compression::kZstd: {
        const unsigned long long n = ZSTD_getFrameContentSize(head.data(), head.size());
        if (n != ZSTD_CONTENTSIZE_UNKNOWN && n != ZSTD_CONTENTSIZE_ERROR) text = n;
        break;
      }
      default:
        break;
    }
  }
  close(fd);
  return std::max(size, text);
}

}  // namespace mailgauge::parsers
