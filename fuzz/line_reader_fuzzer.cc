// File: fuzz/line_reader_fuzzer.cc
// Fuzzes the line reader (parsers/line_reader.h) on whole files: plain
// text and the compressed forms it reads (gzip, xz, bzip2, zstd; the seeds
// are small compressed logs, so that mutations reach the decoders' error
// paths and their loops). The input's first byte picks how many bytes are
// read at a time (1, 7 or 4096) and the longest line (16 or 4096 bytes);
// the rest is the file, written to a memfd and opened by its /proc path.
// Checked: no crash, no endless loop (a line per text byte at most), every
// line within the longest line, every error one of the expected codes and
// naming the file. Text beyond 1 MiB is not read (a small bomb is enough).
//
//   tools/fuzz.sh line_reader 60    # libFuzzer, 60 s (clang-14, ASan+UBSan)
//   bazel test //fuzz:line_reader_replay_test   # replays fuzz/corpus/line_reader (gcc)
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fuzz/fuzz_check.h"
#include "parsers/line_reader.h"

using mailgauge::parsers::LineReader;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  LineReader::Options options;
  options.read_bytes = data[0] % 3 == 0 ? 1 : data[0] % 3 == 1 ? 7 : 4096;
  options.max_line_bytes = (data[0] & 0x10) != 0 ? 16 : 4096;
  ++data;
  --size;

  const int fd = memfd_create("line_reader_fuzz", MFD_CLOEXEC);
  FUZZ_CHECK(fd >= 0, "memfd_create failed");
  size_t written = 0;
  while (written < size) {
    const ssize_t w = write(fd, data + written, size - written);
    FUZZ_CHECK(w > 0, "writing the memfd failed");
    written += static_cast<size_t>(w);
  }
  const std::string path = absl::StrCat("/proc/self/fd/", fd);

  absl::StatusOr<std::unique_ptr<LineReader>> reader = LineReader::Open(path, options);
  if (!reader.ok()) {
    FUZZ_CHECK(reader.status().code() == absl::StatusCode::kFailedPrecondition,
               "Open failed other than by naming an unread compressed form");
    FUZZ_CHECK(absl::StrContains(reader.status().message(), path), "an error does not name the file");
    close(fd);
    return 0;
  }
  LineReader::Line line;
  uint64_t lines = 0;
  while ((*reader)->Next(&line)) {
    ++lines;
    FUZZ_CHECK(line.text.size() <= options.max_line_bytes, "a line longer than max_line_bytes");
    FUZZ_CHECK(line.number == lines, "line numbers are not consecutive");
    FUZZ_CHECK(lines <= (*reader)->text_bytes_read() + 1, "more lines than text bytes");
    if ((*reader)->text_bytes_read() > (1u << 20)) break;
  }
  const absl::Status& status = (*reader)->status();
  if (!status.ok()) {
    FUZZ_CHECK(status.code() == absl::StatusCode::kDataLoss, "a read error other than DataLoss");
    FUZZ_CHECK(absl::StrContains(status.message(), path), "an error does not name the file");
  }
  FUZZ_CHECK(!(*reader)->Next(&line) || (*reader)->text_bytes_read() > (1u << 20),
             "Next() returned a line after the end");
  close(fd);
  return 0;
}
