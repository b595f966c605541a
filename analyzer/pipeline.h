// File: analyzer/pipeline.h
// Building blocks of the multi-threaded batch pipeline (`--threads N`): a
// bounded FIFO between two threads, and a stage that runs a function over
// every item pushed to it, in push order, on its own thread. Bounded means
// a fast producer blocks when the consumer falls behind, so memory follows
// the items in flight, never the size of the input.
//
//   StageThread<RecordRun> writer_stage(/*capacity=*/4, [&](RecordRun& run) {
//     for (const MessageRecord& m : run) writer.Write(m);
//     return absl::OkStatus();
//   });
//   while (...) {
//     if (!writer_stage.Push(std::move(run))) break;  // the stage failed
//   }
//   absl::Status s = writer_stage.Finish();  // drains, joins; its error
//
// Errors: a stage function returning a non-OK Status stops the stage: later
// Push() calls return false at once (the producer stops instead of blocking
// for ever) and Finish() returns that Status. An exception thrown by the
// stage function is caught on the stage's thread and rethrown by Finish()
// on the caller's thread, so it surfaces where the single-threaded code
// would have thrown it.
//
// Thread-safety: BoundedQueue may be used from any number of threads.
// StageThread: Push() and Finish() from one producer thread.
#ifndef MAILGAUGE_ANALYZER_PIPELINE_H_
#define MAILGAUGE_ANALYZER_PIPELINE_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace mailgauge::analyzer {

// A FIFO holding at most `capacity` items.
template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity > 0 ? capacity : 1) {}
  BoundedQueue(const BoundedQueue&) = delete;
  BoundedQueue& operator=(const BoundedQueue&) = delete;

  // Appends `item`, waiting while the queue is full. Returns false (and
  // drops the item) once Cancel() has been called. Pushing after Close() is
  // a caller error and also returns false.
  bool Push(T item) {
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock, [&] { return cancelled_ || closed_ || items_.size() < capacity_; });
    if (cancelled_ || closed_) return false;
    items_.push_back(std::move(item));
    if (items_.size() > high_water_) high_water_ = items_.size();
    not_empty_.notify_one();
    return true;
  }

  // Removes the oldest item, waiting while the queue is empty and open.
  // nullopt when closed and drained, or cancelled.
  std::optional<T> Pop() {
    std::unique_lock<std::mutex> lock(mu_);
    not_empty_.wait(lock, [&] { return cancelled_ || closed_ || !items_.empty(); });
    if (cancelled_ || items_.empty()) return std::nullopt;
    std::optional<T> item(std::move(items_.front()));
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }

  // No more items will be pushed: Pop() returns what is left, then nullopt.
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  // Drops every item and wakes every waiter: Push() returns false, Pop()
  // nullopt, from now on.
  void Cancel() {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    items_.clear();
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  size_t capacity() const { return capacity_; }
  // The most items it ever held at once (for tests: never above capacity).
  size_t high_water() const {
    std::lock_guard<std::mutex> lock(mu_);
    return high_water_;
  }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<T> items_;
  size_t high_water_ = 0;
  bool closed_ = false;
  bool cancelled_ = false;
};

// Items handed back by a stage for the producer to fill again, so that
// their buffers (strings, vectors) are reused instead of allocated by one
// thread and freed by the other: glibc's malloc pays for such a pair
// several times what a copy into a kept buffer costs.
//
//   Work w = spares.Take();   // a given-back item, or a new one
//   ... fill w, Push(std::move(w)) ...
//   // on the stage, when done with w: clear it, keeping its capacity
//   spares.Give(std::move(w));
template <typename T>
class SparePool {
 public:
  // Keeps at most `max_spares` items; more given back are dropped.
  explicit SparePool(size_t max_spares) : max_spares_(max_spares) {}
  SparePool(const SparePool&) = delete;
  SparePool& operator=(const SparePool&) = delete;

  // A given-back item, or a default-constructed one when there is none.
  T Take() {
    std::lock_guard<std::mutex> lock(mu_);
    if (spares_.empty()) return T();
    T item = std::move(spares_.back());
    spares_.pop_back();
    return item;
  }

  void Give(T item) {
    std::lock_guard<std::mutex> lock(mu_);
    if (spares_.size() < max_spares_) spares_.push_back(std::move(item));
  }

  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return spares_.size();
  }

 private:
  const size_t max_spares_;
  mutable std::mutex mu_;
  std::vector<T> spares_;
};

// A thread running `consume` on every pushed item, in push order.
template <typename T>
class StageThread {
 public:
  using Consume = std::function<absl::Status(T&)>;

  StageThread(size_t capacity, Consume consume)
      : queue_(capacity), consume_(std::move(consume)), thread_([this] { Run(); }) {}
  StageThread(const StageThread&) = delete;
  StageThread& operator=(const StageThread&) = delete;

  // Without Finish(): stops the stage, dropping what is queued.
  ~StageThread() {
    if (thread_.joinable()) {
      queue_.Cancel();
      thread_.join();
    }
  }

  // Queues `item` (waits while the queue is full). False once the stage has
  // failed: the item is dropped and the producer should stop.
  bool Push(T item) { return queue_.Push(std::move(item)); }

  // Lets the stage finish what is queued and joins it. Returns the first
  // non-OK Status of `consume`; rethrows an exception it threw. Call once.
  [[nodiscard]] absl::Status Finish() {
    queue_.Close();
    if (thread_.joinable()) thread_.join();
    if (exception_) std::rethrow_exception(exception_);
    return status_;
  }

  const BoundedQueue<T>& queue() const { return queue_; }

 private:
  void Run() {
    try {
      while (std::optional<T> item = queue_.Pop()) {
        absl::Status s = consume_(*item);
        if (!s.ok()) {
          status_ = std::move(s);
          queue_.Cancel();
          return;
        }
      }
    } catch (...) {
      exception_ = std::current_exception();
      queue_.Cancel();
    }
  }

  BoundedQueue<T> queue_;
  Consume consume_;
  // Written by the stage's thread before it ends; read after join().
  absl::Status status_;
  std::exception_ptr exception_;
  std::thread thread_;  // last: starts after the members above exist
};

}  // namespace mailgauge::analyzer

#endif  // MAILGAUGE_ANALYZER_PIPELINE_H_
