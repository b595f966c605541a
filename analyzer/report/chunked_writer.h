// File: analyzer/report/chunked_writer.h
// Text collected in a buffer and written to a stream 64 KiB at a time, so
// that a renderer can append small pieces cheaply without holding a whole
// report (tens of megabytes for a big log: pflogsumm's layout lists every
// sender and recipient) in memory.
//
//   ChunkedWriter w(&std::cout);
//   w.Append("Grand Totals\n");
//   w.Flush();   // also done by the destructor
//
// Thread-safety: none.
#ifndef MAILGAUGE_ANALYZER_REPORT_CHUNKED_WRITER_H_
#define MAILGAUGE_ANALYZER_REPORT_CHUNKED_WRITER_H_

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>

namespace mailgauge::analyzer::report {

class ChunkedWriter {
 public:
  explicit ChunkedWriter(std::ostream* sink) : sink_(sink) {}
  ~ChunkedWriter() { Flush(); }
  ChunkedWriter(const ChunkedWriter&) = delete;
  ChunkedWriter& operator=(const ChunkedWriter&) = delete;

  void Append(std::string_view s) {
    buffer_.append(s.data(), s.size());
    if (buffer_.size() >= kChunkBytes) Flush();
  }
  void Flush() {
    sink_->write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    buffer_.clear();
  }

 private:
  static constexpr size_t kChunkBytes = size_t{64} << 10;
  std::ostream* sink_;
  std::string buffer_;
};

}  // namespace mailgauge::analyzer::report

#endif  // MAILGAUGE_ANALYZER_REPORT_CHUNKED_WRITER_H_
