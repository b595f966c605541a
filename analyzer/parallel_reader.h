// File: analyzer/parallel_reader.h
// The parallel first stage of `--threads N`: reads log files (plain, .gz,
// stdin) and takes each line's envelope and Postfix message apart on N
// worker threads, and hands the lines back in batches, in the files' order
// and each file's line order, to one consumer thread. The consumer (LogInput
// ::ReadFilesParallel) does everything that depends on the order of lines.
//
//   ParallelReader reader({"mail.log.2.gz", "mail.log.1", "mail.log"}, options);
//   parsers::EventUnpacker unpacker;
//   while (std::shared_ptr<LineBatch> batch = reader.Next()) {
//     for (ParsedLine& l : *batch) {
//       if (l.parsed) Use(l.text, l.line, batch->UnpackEvent(l, &unpacker));
//     }
//   }
//   reader.file_opened(0); reader.file_status(0);   // after the end
//
// How work is shared: a worker takes the lowest-numbered file that no other
// worker is reading, copies its next lines (up to ParallelReaderOptions::
// batch_lines / batch_bytes) into a batch that owns their bytes, lets go of
// the file, and parses the batch. So several files are read (and
// decompressed) at once, and one big file is read by one worker at a time
// but parsed by all of them. Batches are numbered per file and released to
// Next() strictly in order.
//
// Memory is bounded: the workers hold at most `max_batches` batches (being
// filled, parsed, or parsed and waiting for Next()), plus the one batch
// Next() waits for, which may always be read so the pipeline cannot stall.
// Batches handed out are the consumer's until it drops them (they then go
// back to the pool); a slow consumer therefore blocks the workers.
//
// Times: a classic timestamp's year (and the side of a repeated DST hour)
// depends on the lines before it, which a worker does not see. So workers
// only Scan() the envelope (parsers/syslog_envelope.h): every field but the
// time, and the timestamp as read (ParsedLine::time); the consumer gives
// each line its time, in order, with its own parser's ApplyTime(), which is
// what one pass would have done. Everything else a worker computes (host,
// program, message, the Event) does not depend on earlier lines.
//
// Each Event crosses to the consumer packed (parsers::PackEvent: the words a
// line set, ~100 bytes of the Event's 592), so that few cache lines move from
// the worker's core to the consumer's; the worker parses into an Event of
// its own, which stays in its cache, and may use it there first
// (ParallelReaderOptions::on_parsed).
//
// Errors: a file that cannot be opened or ends in an error (a corrupt .gz)
// gives file_status(i); lines read before the error are delivered. An
// exception thrown on a worker is rethrown by Next() on the consumer.
//
// Thread-safety: Next() and the accessors from one consumer thread.
#ifndef MAILGAUGE_ANALYZER_PARALLEL_READER_H_
#define MAILGAUGE_ANALYZER_PARALLEL_READER_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/log_line.h"
#include "parsers/line_reader.h"
#include "parsers/postfix/event.h"
#include "parsers/postfix/postfix_parser.h"
#include "parsers/syslog_envelope.h"

namespace mailgauge::analyzer {

// One line as a worker left it. Every string_view points into the batch.
struct ParsedLine {
  std::string_view text;  // the line as read, without its line end
  bool overlong = false;  // cut at max_line_bytes
  parsers::EnvelopeResult envelope = parsers::EnvelopeResult::kEmpty;
  bool postfix = false;   // envelope kOk and a Postfix program
  bool parsed = false;    // postfix, not overlong, and a pattern understood it
  parsers::EnvelopeTime time;  // the timestamp as read, when envelope kOk
  LogLine line;           // the envelope; line.time unknown (see "Times")
  uint32_t packed_event = 0;  // when `parsed`: where the batch keeps its Event
};

// Lines of one file, in order, with the bytes they point into.
class LineBatch {
 public:
  size_t file() const { return file_; }
  uint64_t sequence() const { return sequence_; }
  size_t size() const { return count_; }
  ParsedLine& operator[](size_t i) { return lines_[i]; }
  const ParsedLine& operator[](size_t i) const { return lines_[i]; }
  ParsedLine* begin() { return lines_.data(); }
  ParsedLine* end() { return lines_.data() + count_; }
  // The Event of a parsed line `p` of this batch (valid until `unpacker`
  // unpacks another).
  const parsers::Event& UnpackEvent(const ParsedLine& p,
                                    parsers::EventUnpacker* unpacker) const {
    return unpacker->Unpack(packed_.data() + p.packed_event);
  }

 private:
  friend class ParallelReader;
  // Copies `text` into the batch's bytes as its next line; false when the
  // bytes or lines are full (the batch is then left as it was). A line
  // longer than `max_bytes` fits only an empty batch (which grows for it).
  bool Append(std::string_view text, bool overlong, size_t max_lines, size_t max_bytes);
  void Reset(size_t file, uint64_t sequence, size_t max_bytes);
  // Keeps `event` packed as p's Event.
  void PackEvent(ParsedLine* p, const parsers::Event& event);

  size_t file_ = 0;
  uint64_t sequence_ = 0;
  // Slots are reused from one use of the batch to the next: lines_[0,
  // count_) are in use.
  std::vector<ParsedLine> lines_;
  size_t count_ = 0;
  // Packed Events, packed_[0, packed_used_) in use; grown, never shrunk.
  std::vector<uint64_t> packed_;
  size_t packed_used_ = 0;
  std::unique_ptr<char[]> bytes_;
  size_t capacity_ = 0;
  size_t used_ = 0;
};

struct ParallelReaderOptions {
  int threads = 2;                // worker threads (at least 1)
  size_t batch_lines = 512;       // lines per batch at most
  size_t batch_bytes = 256 << 10; // bytes per batch at most (a longer line gets a batch of its own)
  size_t max_batches = 0;         // batches the workers hold at once; 0: 2 * threads + 6
  size_t max_line_bytes = 64 * 1024;
  parsers::EnvelopeOptions envelope;  // for the workers' Scan()
  // When set, called on worker `worker` (0 to threads - 1) with each line
  // it parsed (ParsedLine::parsed), right after the parse: for work that
  // needs neither the line's time (unknown there) nor the order of lines.
  // A worker's calls come one at a time, its batches in no given order.
  std::function<void(int worker, const LogLine& line, const parsers::Event& event)>
      on_parsed;
};

class ParallelReader {
 public:
  // Starts the workers at once. `parser` is shared by the workers (its
  // Parse() is const) and must outlive the reader.
  ParallelReader(std::vector<std::string> paths, ParallelReaderOptions options,
                 const parsers::PostfixParser* parser);
  // Stops the workers (dropping unread work) and joins them.
  ~ParallelReader();
  ParallelReader(const ParallelReader&) = delete;
  ParallelReader& operator=(const ParallelReader&) = delete;

  // The next batch in order, waiting for it; nullptr after the last one.
  // Only its lines may be changed. Rethrows a worker's exception.
  std::shared_ptr<LineBatch> Next();

  // After Next() returned nullptr: whether file i was opened, and OK or the
  // error that ended it (naming the file).
  bool file_opened(size_t i) const;
  absl::Status file_status(size_t i) const;
  size_t file_count() const { return files_.size(); }

  // Most batches the workers held at once (at most max_batches + 1).
  size_t high_water() const;

 private:
  struct File {
    std::string path;
    std::unique_ptr<parsers::LineReader> reader;
    bool opened = false;
    bool busy = false;       // a worker is reading it
    bool done = false;       // no more batches will come
    absl::Status status;
    uint64_t next_sequence = 0;  // number of the next batch to read
    uint64_t batches = 0;        // batches in all, once done
    // A line read that did not fit the last batch.
    std::string carry;
    bool has_carry = false;
    bool carry_overlong = false;
  };

  void Work(int worker);
  // Under shared_->mu: a file a worker may read now, or -1; whether every
  // file is done.
  int PickFile() const;
  bool AllFilesDone() const;
  // Reads file `f`'s next lines into `batch` (no lock held; the file is
  // busy). Sets *end when the file has no more lines.
  void Fill(File& file, LineBatch* batch, bool* end);
  void Parse(LineBatch* batch, int worker) const;

  // The batch pool and the lock, shared with the deleters of the batches
  // handed out, so that a batch released after the reader is gone is just
  // freed.
  struct Shared {
    std::mutex mu;
    // The workers wait on it: a file, a batch or the window freed up.
    std::condition_variable changed;
    std::vector<std::unique_ptr<LineBatch>> free;
    bool reader_gone = false;
  };
  static void Release(const std::shared_ptr<Shared>& shared, LineBatch* batch);

  const ParallelReaderOptions options_;
  const int threads_;
  const size_t max_batches_;
  const parsers::PostfixParser* const parser_;
  const parsers::EnvelopeParser scanner_;  // only Scan(), shared by the workers
  const std::shared_ptr<Shared> shared_;

  // Guarded by shared_->mu.
  std::vector<File> files_;
  std::map<std::pair<size_t, uint64_t>, std::unique_ptr<LineBatch>> ready_;
  size_t in_reader_ = 0;    // batches taken from the pool, not handed out
  size_t high_water_ = 0;
  size_t cursor_file_ = 0;  // the batch Next() returns next
  uint64_t cursor_sequence_ = 0;
  bool stopping_ = false;
  std::exception_ptr exception_;
  // Next() waits on it (with shared_->mu): the batch it wants is ready, a
  // file ended, or a worker failed. Notified for nothing else, so the
  // consumer is not woken once per batch parsed out of order.
  std::condition_variable ready_cv_;

  std::vector<std::thread> workers_;
};

}  // namespace mailgauge::analyzer

#endif  // MAILGAUGE_ANALYZER_PARALLEL_READER_H_
