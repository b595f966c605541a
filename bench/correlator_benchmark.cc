// Throughput of the correlator step alone (analyzer/correlator.h): lines of
// the benchmark generator are parsed once, before timing, into (LogLine,
// Event) pairs; each iteration feeds all of them to a fresh Correlator and
// finishes it. Reports lines/s (items) and log bytes/s (SetBytesProcessed)
// so the number compares with the parser benchmarks
// (//parsers/postfix:postfix_parser_benchmark) and the whole pipeline
// (//bench:pipeline_benchmark).
//
//   bazel run -c opt //bench:correlator_benchmark
//
// correlator_benchmark_smoke_test runs it briefly so it keeps working; it
// fails when the correlator finds fewer messages than the generator wrote.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "analyzer/correlator.h"
#include "bench/log_generator.h"
#include "benchmark/benchmark.h"
#include "parsers/postfix/postfix_parser.h"
#include "parsers/program_name.h"
#include "parsers/syslog_envelope.h"

namespace mailgauge::bench {
namespace {

struct Parsed {
  std::vector<std::string> text;  // owns the bytes the lines and events view
  std::vector<LogLine> lines;
  std::vector<parsers::Event> events;
  int64_t bytes = 0;
  GeneratedTruth truth;
};

const Parsed& Traffic() {
  static const Parsed* parsed = [] {
    auto* p = new Parsed();
    LogGenerator gen(LogGeneratorOptions{});
    std::string line;
    while (gen.lines() < 50000) {
      gen.Next(&line);
      p->text.push_back(line);
    }
    gen.Finish();
    while (gen.Next(&line)) p->text.push_back(line);
    p->truth = gen.truth();
    auto parser = parsers::PostfixParser::Create();
    if (!parser.ok()) std::abort();
    parsers::EnvelopeOptions options;
    options.year = 2026;
    options.time_zone = absl::UTCTimeZone();
    parsers::EnvelopeParser envelope(options);
    const parsers::SyslogNames names;
    p->lines.reserve(p->text.size());
    p->events.reserve(p->text.size());
    for (const std::string& t : p->text) {
      LogLine l;
      parsers::Event e;
      if (envelope.Parse(t, &l) != parsers::EnvelopeResult::kOk ||
          !parsers::IsPostfixProgram(l, names) ||
          (*parser)->Parse(l, &e) != parsers::ParseResult::kParsed) {
        std::abort();  // the generator writes only lines we understand
      }
      p->lines.push_back(l);
      p->events.push_back(e);
      p->bytes += t.size() + 1;
    }
    return p;
  }();
  return *parsed;
}

void BM_CorrelatorAdd(benchmark::State& state) {
  const Parsed& p = Traffic();
  uint64_t records = 0;
  for (auto _ : state) {
    records = 0;
    analyzer::Correlator correlator(analyzer::CorrelatorOptions(),
                                    [&](analyzer::MessageRecord&&) { ++records; });
    for (size_t i = 0; i < p.lines.size(); ++i) correlator.Add(p.lines[i], p.events[i]);
    correlator.Finish(false);
  }
  if (records != p.truth.messages + p.truth.notices + p.truth.cleanup_rejects) {
    // Not SkipWithError: that would still exit 0 and the smoke test pass.
    std::fprintf(stderr, "correlator_benchmark: %llu records, the generator wrote %llu\n",
                 static_cast<unsigned long long>(records),
                 static_cast<unsigned long long>(p.truth.messages + p.truth.notices +
                                                 p.truth.cleanup_rejects));
    std::abort();
  }
  state.SetItemsProcessed(state.iterations() * p.lines.size());
  state.SetBytesProcessed(state.iterations() * p.bytes);
}
BENCHMARK(BM_CorrelatorAdd)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace mailgauge::bench
