#include "analyzer/parallel_reader.h"

#include <algorithm>
#include <cstring>

#include "parsers/program_name.h"

namespace mailgauge::analyzer {

bool LineBatch::Append(std::string_view text, bool overlong, size_t max_lines,
                       size_t max_bytes) {
  if (count_ >= max_lines) return false;
  if (used_ + text.size() > capacity_) {
    if (count_ > 0) return false;
    const size_t want = std::max(max_bytes, text.size());
    bytes_ = std::make_unique<char[]>(want);
    capacity_ = want;
  }
  if (count_ == lines_.size()) lines_.emplace_back();
  ParsedLine& p = lines_[count_++];
  char* at = bytes_.get() + used_;
  if (!text.empty()) std::memcpy(at, text.data(), text.size());
  used_ += text.size();
  p.text = std::string_view(at, text.size());
  p.overlong = overlong;
  p.envelope = parsers::EnvelopeResult::kEmpty;
  p.postfix = false;
  p.parsed = false;
  return true;
}

void LineBatch::Reset(size_t file, uint64_t sequence, size_t max_bytes) {
  file_ = file;
  sequence_ = sequence;
  count_ = 0;
  used_ = 0;
  packed_used_ = 0;
  // A batch that grew for one huge line does not keep the memory.
  if (capacity_ > max_bytes) {
    bytes_.reset();
    capacity_ = 0;
  }
}

void LineBatch::PackEvent(ParsedLine* p, const parsers::Event& event) {
  if (packed_.size() < packed_used_ + parsers::kMaxPackedEventWords) {
    packed_.resize(std::max(2 * packed_.size(), packed_used_ + parsers::kMaxPackedEventWords));
  }
  p->packed_event = static_cast<uint32_t>(packed_used_);
  packed_used_ += parsers::PackEvent(event, packed_.data() + packed_used_);
}

ParallelReader::ParallelReader(std::vector<std::string> paths,
                               ParallelReaderOptions options,
                               const parsers::PostfixParser* parser)
    : options_(std::move(options)),
      threads_(std::max(1, options_.threads)),
      max_batches_(options_.max_batches > 0 ? options_.max_batches
                                             : 2 * static_cast<size_t>(threads_) + 6),
      parser_(parser),
      scanner_(options_.envelope),
      shared_(std::make_shared<Shared>()) {
  files_.resize(paths.size());
  for (size_t i = 0; i < paths.size(); ++i) files_[i].path = std::move(paths[i]);
  workers_.reserve(threads_);
  for (int i = 0; i < threads_; ++i) workers_.emplace_back([this, i] { Work(i); });
}

ParallelReader::~ParallelReader() {
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    stopping_ = true;
    shared_->changed.notify_all();
  }
  for (std::thread& t : workers_) t.join();
  std::lock_guard<std::mutex> lock(shared_->mu);
  shared_->reader_gone = true;
  shared_->free.clear();
}

int ParallelReader::PickFile() const {
  // Files beyond the window wait, so open files (a reader's buffers, a file
  // descriptor) stay few however many files are named.
  const size_t window_end =
      std::min(files_.size(), cursor_file_ + static_cast<size_t>(threads_) + 1);
  for (size_t f = cursor_file_; f < window_end; ++f) {
    const File& file = files_[f];
    if (file.done || file.busy) continue;
    if (in_reader_ < max_batches_) return static_cast<int>(f);
    // Out of batches: only the one Next() waits for may be read.
    if (f == cursor_file_ && file.next_sequence == cursor_sequence_) {
      return static_cast<int>(f);
    }
    return -1;
  }
  return -1;
}

bool ParallelReader::AllFilesDone() const {
  for (size_t f = cursor_file_; f < files_.size(); ++f) {
    if (!files_[f].done) return false;
  }
  return true;
}

void ParallelReader::Work(int worker) {
  std::unique_lock<std::mutex> lock(shared_->mu);
  try {
    for (;;) {
      int picked = -1;
      shared_->changed.wait(lock, [&] {
        if (stopping_) return true;
        picked = PickFile();
        return picked >= 0 || AllFilesDone();
      });
      if (stopping_ || picked < 0) return;
      const size_t f = static_cast<size_t>(picked);
      File& file = files_[f];
      file.busy = true;
      const uint64_t sequence = file.next_sequence++;
      std::unique_ptr<LineBatch> batch;
      if (!shared_->free.empty()) {
        batch = std::move(shared_->free.back());
        shared_->free.pop_back();
      } else {
        batch = std::make_unique<LineBatch>();
      }
      ++in_reader_;
      high_water_ = std::max(high_water_, in_reader_);
      batch->Reset(f, sequence, options_.batch_bytes);

      lock.unlock();
      bool end = false;
      Fill(file, batch.get(), &end);
      lock.lock();

      file.busy = false;
      if (end) {
        file.done = true;
        file.batches = sequence + (batch->size() > 0 ? 1 : 0);
        file.reader.reset();
        // Rare (once a file): the consumer may wait for this file's end,
        // and when every file is done the idle workers must leave.
        ready_cv_.notify_one();
        shared_->changed.notify_all();
      } else {
        shared_->changed.notify_one();  // the file may be read on
      }
      if (batch->size() == 0) {
        shared_->free.push_back(std::move(batch));
        --in_reader_;
        shared_->changed.notify_one();
        continue;
      }
      lock.unlock();
      Parse(batch.get(), worker);
      lock.lock();
      ready_[{f, sequence}] = std::move(batch);
      // Only the batch Next() waits for is worth waking it for.
      if (f == cursor_file_ && sequence == cursor_sequence_) ready_cv_.notify_one();
    }
  } catch (...) {
    if (!lock.owns_lock()) lock.lock();
    if (!exception_) exception_ = std::current_exception();
    stopping_ = true;
    shared_->changed.notify_all();
    ready_cv_.notify_all();
  }
}

void ParallelReader::Fill(File& file, LineBatch* batch, bool* end) {
  if (file.reader == nullptr) {
    parsers::LineReader::Options reader_options;
    reader_options.max_line_bytes = options_.max_line_bytes;
    auto reader = parsers::LineReader::Open(file.path, reader_options);
    if (!reader.ok()) {
      file.status = reader.status();
      *end = true;
      return;
    }
    file.reader = *std::move(reader);
    file.opened = true;
  }
  if (file.has_carry) {
    batch->Append(file.carry, file.carry_overlong, options_.batch_lines,
                  options_.batch_bytes);  // an empty batch takes any line
    file.has_carry = false;
  }
  parsers::LineReader::Line l;
  while (batch->size() < options_.batch_lines) {
    if (!file.reader->Next(&l)) {
      file.status = file.reader->status();
      *end = true;
      return;
    }
    if (!batch->Append(l.text, l.overlong, options_.batch_lines, options_.batch_bytes)) {
      file.carry.assign(l.text.data(), l.text.size());
      file.carry_overlong = l.overlong;
      file.has_carry = true;
      return;
    }
  }
}

void ParallelReader::Parse(LineBatch* batch, int worker) const {
  parsers::Event event;  // this worker's: it stays in its core's cache
  for (ParsedLine& p : *batch) {
    p.envelope = scanner_.Scan(p.text, &p.line, &p.time);
    if (p.envelope != parsers::EnvelopeResult::kOk) continue;
    p.postfix = parsers::IsPostfixProgram(p.line, options_.envelope.syslog_names);
    if (!p.postfix || p.overlong) continue;
    p.parsed = parser_->Parse(p.line, &event) == parsers::ParseResult::kParsed;
    if (!p.parsed) continue;
    if (options_.on_parsed) options_.on_parsed(worker, p.line, event);
    batch->PackEvent(&p, event);
  }
}

void ParallelReader::Release(const std::shared_ptr<Shared>& shared, LineBatch* batch) {
  std::unique_ptr<LineBatch> owned(batch);
  std::lock_guard<std::mutex> lock(shared->mu);
  if (!shared->reader_gone) shared->free.push_back(std::move(owned));
}

std::shared_ptr<LineBatch> ParallelReader::Next() {
  std::unique_lock<std::mutex> lock(shared_->mu);
  for (;;) {
    if (exception_) {
      std::exception_ptr e = exception_;
      lock.unlock();
      std::rethrow_exception(e);
    }
    if (cursor_file_ >= files_.size()) return nullptr;
    auto it = ready_.find({cursor_file_, cursor_sequence_});
    if (it != ready_.end()) {
      LineBatch* batch = it->second.release();
      ready_.erase(it);
      --in_reader_;
      ++cursor_sequence_;
      shared_->changed.notify_one();  // a batch may be read into the pool
      return std::shared_ptr<LineBatch>(
          batch, [shared = shared_](LineBatch* b) { Release(shared, b); });
    }
    const File& file = files_[cursor_file_];
    if (file.done && cursor_sequence_ >= file.batches) {
      ++cursor_file_;
      cursor_sequence_ = 0;
      shared_->changed.notify_all();  // the window of files moved on
      continue;
    }
    ready_cv_.wait(lock);
  }
}

bool ParallelReader::file_opened(size_t i) const {
  std::lock_guard<std::mutex> lock(shared_->mu);
  return files_[i].opened;
}

absl::Status ParallelReader::file_status(size_t i) const {
  std::lock_guard<std::mutex> lock(shared_->mu);
  return files_[i].status;
}

size_t ParallelReader::high_water() const {
  std::lock_guard<std::mutex> lock(shared_->mu);
  return high_water_;
}

}  // namespace mailgauge::analyzer
