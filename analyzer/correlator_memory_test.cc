// Memory follows messages in flight, never log size: feed generated traffic
// through the whole pipeline and check the correlator's population.
#include <string>
#include <vector>

#include "analyzer/correlator.h"
#include "analyzer/log_input.h"
#include "bench/log_generator.h"
#include "gtest/gtest.h"

namespace mailgauge::analyzer {
namespace {

struct Peak {
  size_t max_in_flight = 0;
  size_t max_pending_handoffs = 0;
  uint64_t records = 0;
  uint64_t records_not_rejected = 0;  // finished other than by a reject
  CorrelatorStats stats;
  LogInputStats input;
};

// Feeds `lines` generated lines of each generator in `copies`, one after
// the other, and checks that no record ends before it began.
Peak Feed(const std::vector<bench::LogGeneratorOptions>& copies, long lines,
          const CorrelatorOptions& options) {
  Peak peak;
  Correlator correlator(options, [&](MessageRecord&& m) {
    ++peak.records;
    if (m.end != "rejected") ++peak.records_not_rejected;
    EXPECT_GE(m.completion.unix_micros, m.arrival.unix_micros) << m.queue_ids.front();
    for (const RecipientRecord& r : m.recipients) EXPECT_GE(r.delay, 0.0);
  });
  LogInputOptions input_options;
  input_options.envelope.year = 2026;
  input_options.envelope.time_zone = absl::UTCTimeZone();
  auto input = LogInput::Create(input_options,
                                [&](const LogLine& l, const parsers::Event& e) {
                                  correlator.Add(l, e);
                                  peak.max_in_flight =
                                      std::max(peak.max_in_flight, correlator.in_flight());
                                  peak.max_pending_handoffs = std::max(
                                      peak.max_pending_handoffs, correlator.pending_handoffs());
                                });
  EXPECT_TRUE(input.ok());
  std::string line;
  for (const bench::LogGeneratorOptions& gen_options : copies) {
    bench::LogGenerator gen(gen_options);
    while (static_cast<long>(gen.lines()) < lines) {
      gen.Next(&line);
      (*input)->ProcessLine(line);
    }
  }
  correlator.Finish(false);
  peak.stats = correlator.stats();
  peak.input = (*input)->stats();
  return peak;
}

Peak Feed(const bench::LogGeneratorOptions& gen_options, long lines,
          const CorrelatorOptions& options) {
  return Feed(std::vector<bench::LogGeneratorOptions>{gen_options}, lines, options);
}

TEST(CorrelatorMemoryTest, InFlightStaysFlatAsTheLogGrows) {
  bench::LogGeneratorOptions gen;
  const Peak small = Feed(gen, 20000, CorrelatorOptions());
  const Peak large = Feed(gen, 200000, CorrelatorOptions());
  EXPECT_EQ(0u, small.input.unparsed_lines());
  EXPECT_EQ(0u, large.input.unparsed_lines());
  EXPECT_GT(large.records, 5 * small.records);
  // In flight: the generator's concurrency plus the messages finished within
  // the grace window (about 140 messages/s of log time for 10 s), whatever
  // the log size.
  EXPECT_LT(large.max_in_flight, 3000u);
  EXPECT_LE(large.max_in_flight, small.max_in_flight * 11 / 10 + 50);
}

TEST(CorrelatorMemoryTest, HandoffsToRemoteRelaysAreForgottenAfterAMinute) {
  // Every relayed delivery says "queued as X" with an X of the remote
  // server's; 200 000 generated lines span about 140 s of log time and ~35 000
  // such replies, of which only the last minute's may be remembered.
  const Peak peak = Feed(bench::LogGeneratorOptions(), 200000, CorrelatorOptions());
  EXPECT_GT(peak.max_pending_handoffs, 1000u);
  EXPECT_LT(peak.max_pending_handoffs, 20000u);
}

TEST(CorrelatorMemoryTest, BoundedWhenQueueIdsNeverComplete) {
  bench::LogGeneratorOptions gen;
  gen.never_finish = true;
  CorrelatorOptions options;
  options.max_messages = 2000;
  const Peak peak = Feed(gen, 200000, options);
  EXPECT_LE(peak.max_in_flight, 2000u);
  EXPECT_GT(peak.stats.evicted_cap, 0u);
  // Evicted, counted, not printed. (Messages rejected by cleanup's header
  // checks end at that line, never_finish or not: those are printed.)
  EXPECT_EQ(0u, peak.records_not_rejected);
  EXPECT_EQ(0u, peak.stats.unfinished_records);
}

// The same generated traffic `copies` times, each copy starting
// `step_back_seconds` before the previous one (0: every copy restarts at the
// same time, like a log concatenated with itself): same queue IDs, same
// addresses, time jumping back at every copy.
Peak FeedCopies(long lines_per_copy, int copies, int64_t step_back_seconds) {
  std::vector<bench::LogGeneratorOptions> gens(copies);
  for (int copy = 0; copy < copies; ++copy) gens[copy].start_unix -= copy * step_back_seconds;
  return Feed(gens, lines_per_copy, CorrelatorOptions());
}

TEST(CorrelatorMemoryTest, InFlightStaysFlatWhenTheClockJumpsBack) {
  // Issue 8: with the clock stuck at the first copy's newest time, no grace
  // period ran out during later copies and every message stayed in memory.
  const Peak once = FeedCopies(40000, 1, 0);
  EXPECT_EQ(0u, once.input.unparsed_lines());
  for (int64_t step_back : {int64_t{0}, int64_t{3600}, int64_t{86400}}) {
    SCOPED_TRACE(step_back);
    const Peak repeated = FeedCopies(40000, 5, step_back);
    EXPECT_EQ(0u, repeated.input.unparsed_lines());
    EXPECT_LE(repeated.max_in_flight, once.max_in_flight * 11 / 10 + 50);
    EXPECT_GT(repeated.records, 4 * once.records);
    EXPECT_EQ(0u, repeated.stats.evicted_cap);
  }
}

}  // namespace
}  // namespace mailgauge::analyzer
