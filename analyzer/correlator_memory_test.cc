// Memory follows messages in flight, never log size: feed generated traffic
// through the whole pipeline and check the correlator's population.
#include <string>

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

Peak Feed(const bench::LogGeneratorOptions& gen_options, long lines,
          const CorrelatorOptions& options) {
  Peak peak;
  Correlator correlator(options, [&](MessageRecord&& m) {
    ++peak.records;
    if (m.end != "rejected") ++peak.records_not_rejected;
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
  bench::LogGenerator gen(gen_options);
  std::string line;
  while (static_cast<long>(gen.lines()) < lines) {
    gen.Next(&line);
    (*input)->ProcessLine(line);
  }
  correlator.Finish(false);
  peak.stats = correlator.stats();
  peak.input = (*input)->stats();
  return peak;
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

}  // namespace
}  // namespace mailgauge::analyzer
