// File: bench/log_generator.h
// A deterministic generator of realistic Postfix logs for benchmarks and
// memory tests: interleaved concurrent sessions of a busy relay (mostly sent,
// some deferred then sent, some bounced with a non-delivery notice, NOQUEUE
// rejects, local deliveries, TLS and connection noise), classic or ISO
// timestamps, short or long queue IDs. The same seed gives the same log.
// It shares no code with parsers/: it writes what Postfix writes.
//
//   LogGenerator gen(LogGeneratorOptions{.seed = 1});
//   std::string line;
//   while (gen.lines() < 1000000) { gen.Next(&line); out << line << '\n'; }
//   gen.truth();   // messages, recipients sent/bounced/deferred, rejects
#ifndef MAILGAUGE_BENCH_LOG_GENERATOR_H_
#define MAILGAUGE_BENCH_LOG_GENERATOR_H_

#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

namespace mailgauge::bench {

struct LogGeneratorOptions {
  uint64_t seed = 1;
  bool iso_timestamps = false;
  bool long_queue_ids = false;
  int concurrency = 64;         // messages in flight at once
  int64_t start_unix = 1795600000;  // 2026-11-25T07:06:40Z
  // When true, messages never finish (no removed line): a memory test.
  bool never_finish = false;
};

struct GeneratedTruth {
  uint64_t messages = 0;          // accepted messages (excluding notices)
  uint64_t notices = 0;           // bounce notices generated
  uint64_t recipients_sent = 0;
  uint64_t recipients_bounced = 0;
  uint64_t deferrals = 0;
  uint64_t noqueue_rejects = 0;
};

class LogGenerator {
 public:
  explicit LogGenerator(const LogGeneratorOptions& options);

  // Writes the next line (without newline) into *line.
  void Next(std::string* line);

  uint64_t lines() const { return lines_; }
  const GeneratedTruth& truth() const { return truth_; }

 private:
  struct Session {
    std::deque<std::string> pending;  // message bodies with their program tag
  };
  void StartSession();
  std::string QueueId();
  std::string Stamp();

  LogGeneratorOptions options_;
  std::mt19937_64 rng_;
  std::vector<Session> sessions_;
  uint64_t lines_ = 0;
  uint64_t serial_ = 0;
  double now_ = 0;
  GeneratedTruth truth_;
};

}  // namespace mailgauge::bench

#endif  // MAILGAUGE_BENCH_LOG_GENERATOR_H_
