// pipeline_benchmark: measures the whole records pipeline (read, envelope,
// Postfix patterns, correlation) on a generated log, on one core.
//
//   pipeline_benchmark --generate /tmp/big.log --lines 5000000 [--seed N] [--iso] [--long-ids]
//   pipeline_benchmark --input /tmp/big.log
//
// --generate writes --lines lines and then finishes the sessions in flight
// (so every message is complete), and prints the generator's ground truth.
// The measuring run prints lines/s, MB/s, CPU seconds and peak RSS (VmHWM),
// plus the generator's truth beside what the correlator found, so a fast but
// wrong run is visible. bench/run_pipeline_benchmark.sh runs it at several
// sizes and records the results in docs/benchmarks.md.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "analyzer/correlator.h"
#include "analyzer/log_input.h"
#include "bench/log_generator.h"

namespace {

long PeakRssKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

double CpuSeconds() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int Generate(const char* path, long lines, bool iso, bool long_ids, bool never_finish,
             uint64_t seed) {
  mailgauge::bench::LogGeneratorOptions options;
  options.seed = seed;
  options.iso_timestamps = iso;
  options.long_queue_ids = long_ids;
  options.never_finish = never_finish;
  mailgauge::bench::LogGenerator gen(options);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    std::fprintf(stderr, "pipeline_benchmark: cannot write %s\n", path);
    return 1;
  }
  std::string line;
  while (static_cast<long>(gen.lines()) < lines) {
    gen.Next(&line);
    out << line << '\n';
  }
  // Write out the sessions in flight, so every message is complete and the
  // truth below is exact (a few hundred lines past --lines).
  gen.Finish();
  while (gen.Next(&line)) out << line << '\n';
  const auto& t = gen.truth();
  auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  std::printf("generated %llu lines: messages=%llu notices=%llu sent=%llu bounced=%llu "
              "deferrals=%llu noqueue_rejects=%llu postscreen_rejects=%llu "
              "cleanup_rejects=%llu received=%llu rejected=%llu delivered=%llu smtpd_connections=%llu "
              "postscreen_connections=%llu tls_inbound=%llu tls_outbound=%llu "
              "warnings=%llu sasl_failures=%llu\n",
              u(gen.lines()), u(t.messages), u(t.notices), u(t.recipients_sent),
              u(t.recipients_bounced), u(t.deferrals), u(t.noqueue_rejects),
              u(t.postscreen_rejects), u(t.cleanup_rejects), u(t.received()), u(t.rejects()), u(t.delivered()),
              u(t.smtpd_connections), u(t.postscreen_connections), u(t.tls_inbound),
              u(t.tls_outbound), u(t.warnings), u(t.sasl_failures));
  return out.good() ? 0 : 1;
}

int Measure(const char* path) {
  using namespace mailgauge;
  analyzer::CorrelatorOptions copts;
  uint64_t records = 0, sent = 0, bounced = 0;
  analyzer::Correlator correlator(copts, [&](analyzer::MessageRecord&& m) {
    ++records;
    for (const auto& r : m.recipients) {
      if (r.status == analyzer::RecipientStatus::kSent) ++sent;
      if (r.status == analyzer::RecipientStatus::kBounced) ++bounced;
    }
  });
  analyzer::LogInputOptions iopts;
  iopts.envelope.year = 2026;
  iopts.envelope.time_zone = absl::UTCTimeZone();
  auto input = analyzer::LogInput::Create(
      iopts, [&](const LogLine& l, const parsers::Event& e) { correlator.Add(l, e); });
  if (!input.ok()) {
    std::fprintf(stderr, "pipeline_benchmark: %s\n", std::string(input.status().message()).c_str());
    return 1;
  }
  const double cpu0 = CpuSeconds();
  const auto t0 = std::chrono::steady_clock::now();
  absl::Status s = (*input)->ReadFiles({path});
  correlator.Finish(false);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = CpuSeconds() - cpu0;
  if (!s.ok()) {
    std::fprintf(stderr, "pipeline_benchmark: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  const auto& st = (*input)->stats();
  std::printf("lines=%llu bytes=%llu wall_s=%.3f cpu_s=%.3f lines_per_s=%.0f MB_per_s=%.1f "
              "peak_rss_MiB=%.1f\n",
              (unsigned long long)st.lines, (unsigned long long)st.bytes, wall, cpu,
              st.lines / wall, st.bytes / wall / 1e6, PeakRssKiB() / 1024.0);
  std::printf("unparsed=%llu records=%llu sent=%llu bounced=%llu noqueue_rejects=%llu "
              "evicted=%llu\n",
              (unsigned long long)st.unparsed_lines(), (unsigned long long)records,
              (unsigned long long)sent, (unsigned long long)bounced,
              (unsigned long long)correlator.stats().noqueue_rejects,
              (unsigned long long)(correlator.stats().evicted_age +
                                   correlator.stats().evicted_cap));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const char* generate = nullptr;
  const char* input = nullptr;
  long lines = 1000000;
  bool iso = false, long_ids = false, never_finish = false;
  uint64_t seed = 1;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--generate") && i + 1 < argc) generate = argv[++i];
    else if (!std::strcmp(argv[i], "--input") && i + 1 < argc) input = argv[++i];
    else if (!std::strcmp(argv[i], "--lines") && i + 1 < argc) lines = std::atol(argv[++i]);
    else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--iso")) iso = true;
    else if (!std::strcmp(argv[i], "--long-ids")) long_ids = true;
    else if (!std::strcmp(argv[i], "--never-finish")) never_finish = true;
    else {
      std::fprintf(stderr,
                   "usage: pipeline_benchmark --generate FILE [--lines N] [--seed N] [--iso] "
                   "[--long-ids] [--never-finish] | --input FILE\n");
      return 2;
    }
  }
  if (generate != nullptr) return Generate(generate, lines, iso, long_ids, never_finish, seed);
  if (input != nullptr) return Measure(input);
  std::fprintf(stderr, "pipeline_benchmark: give --generate FILE or --input FILE\n");
  return 2;
}
