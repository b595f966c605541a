// File: bench/log_generator.h
// A deterministic generator of realistic Postfix logs for benchmarks, memory
// tests and end-to-end checks: interleaved concurrent sessions of a busy relay
// (mostly sent, some deferred then sent, some bounced with a non-delivery
// notice, local deliveries), rejects at several stages (smtpd CONNECT, MAIL
// and RCPT, postscreen's DNSBL reject, cleanup header_checks), postscreen in
// front of smtpd, inbound and outbound TLS, and warnings (reverse DNS, SASL
// failures); classic or ISO timestamps, short or long queue IDs. The same
// options give the same log, byte for byte. It shares no code with parsers/:
// it writes what Postfix writes.
//
// The generator keeps its own ground truth (GeneratedTruth). The truth is
// exact once every started session has been written out: call Finish(), then
// Next() until it returns false.
//
//   LogGenerator gen(LogGeneratorOptions{.seed = 1});
//   std::string line;
//   while (gen.lines() < 1000000) { gen.Next(&line); out << line << '\n'; }
//   gen.Finish();                              // no new sessions
//   while (gen.Next(&line)) out << line << '\n';
//   gen.truth();   // messages, recipients sent/bounced, rejects, ...
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
  int concurrency = 64;         // sessions in flight at once
  int64_t start_unix = 1795600000;  // 2026-11-25T07:06:40Z
  // When true, messages never finish (no removed line): a memory test.
  bool never_finish = false;
};

// What the generated log holds, counted as the lines are planned. Exact for
// a log written to the end with Finish() (see above).
struct GeneratedTruth {
  uint64_t messages = 0;          // messages accepted by smtpd and queued (no notices)
  uint64_t notices = 0;           // bounce notices generated
  uint64_t recipients_sent = 0;   // of `messages`' recipients (notices not included)
  uint64_t recipients_bounced = 0;
  uint64_t deferrals = 0;         // status=deferred delivery lines
  uint64_t noqueue_rejects = 0;   // smtpd NOQUEUE rejects (CONNECT, MAIL, RCPT)
  uint64_t postscreen_rejects = 0;  // postscreen NOQUEUE rejects (DNSBL)
  uint64_t cleanup_rejects = 0;   // cleanup header_checks rejects (message not queued)
  uint64_t smtpd_connections = 0; // smtpd "connect from" lines
  uint64_t postscreen_connections = 0;  // postscreen "CONNECT from" lines
  uint64_t tls_inbound = 0;       // smtpd "TLS connection established from"
  uint64_t tls_outbound = 0;      // smtp "TLS connection established to"
  uint64_t warnings = 0;          // "warning:" lines
  uint64_t sasl_failures = 0;     // of `warnings`, SASL authentication failures

  // Every reject any stage logged.
  uint64_t rejects() const { return noqueue_rejects + postscreen_rejects + cleanup_rejects; }
  // Messages smtpd handed to cleanup: queued ones plus those cleanup then
  // rejected (pflogsumm's and mailgauge report's "received").
  uint64_t received() const { return messages + cleanup_rejects; }
  // Recipients delivered, notices included (what a report calls "delivered").
  uint64_t delivered() const { return recipients_sent + notices; }
};

class LogGenerator {
 public:
  explicit LogGenerator(const LogGeneratorOptions& options);

  // Writes the next line (without newline) into *line and returns true;
  // after Finish(), returns false (line untouched) once every session has
  // been written out.
  bool Next(std::string* line);

  // Starts no new session from now on, so the log can end with every
  // message complete and truth() exact.
  void Finish() { finishing_ = true; }

  uint64_t lines() const { return lines_; }
  const GeneratedTruth& truth() const { return truth_; }

 private:
  struct Session {
    std::deque<std::string> pending;  // message bodies with their program tag
  };
  void StartSession();
  void StartRejectedSession(uint64_t n, int roll, Session* s);
  std::string QueueId();
  std::string Stamp();

  LogGeneratorOptions options_;
  std::mt19937_64 rng_;
  std::vector<Session> sessions_;
  uint64_t lines_ = 0;
  uint64_t serial_ = 0;
  double now_ = 0;
  bool finishing_ = false;
  GeneratedTruth truth_;
};

}  // namespace mailgauge::bench

#endif  // MAILGAUGE_BENCH_LOG_GENERATOR_H_
