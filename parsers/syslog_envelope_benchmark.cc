// Throughput of EnvelopeParser::Parse on typical Postfix lines, per format.
//   bazel run -c opt //parsers:syslog_envelope_benchmark
// Each iteration parses a batch of distinct lines (so the branch predictor
// cannot learn a single line) that walk through the day, as a real log does.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "parsers/syslog_envelope.h"

namespace mailgauge::parsers {
namespace {

constexpr int kBatch = 4096;

const char* const kMessages[] = {
    "postfix/smtpd[%d]: connect from mail-wm1-f49.google.com[209.85.128.49]",
    "postfix/cleanup[%d]: 4B0C72A1F3: message-id=<CAF1x2y3z@mail.gmail.com>",
    "postfix/qmgr[%d]: 4B0C72A1F3: from=<alice@gmail.com>, size=4711, nrcpt=1 "
    "(queue active)",
    "postfix/smtp[%d]: 4B0C72A1F3: to=<dave@example.net>, "
    "relay=mx.example.net[203.0.113.25]:25, delay=1.1, "
    "delays=0.1/0/0.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok)",
    "postfix/submission/smtpd[%d]: disconnect from unknown[198.51.100.7] "
    "ehlo=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=6",
};

enum class Kind { kClassic, kIso, kRfc5424 };

std::vector<std::string> MakeLines(Kind kind) {
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::vector<std::string> lines;
  lines.reserve(kBatch);
  for (int i = 0; i < kBatch; ++i) {
    const int seconds = i * 7;  // about 8 hours of log
    const int h = seconds / 3600 % 24, m = seconds / 60 % 60, s = seconds % 60;
    char buf[512];
    std::snprintf(buf, sizeof buf, kMessages[i % 5], 1000 + i % 97);
    const std::string tag = buf;
    switch (kind) {
      case Kind::kClassic:
        lines.push_back(absl::StrFormat("%s %2d %02d:%02d:%02d mx1 %s",
                                        kMonths[10], 25, h, m, s, tag));
        break;
      case Kind::kIso:
        lines.push_back(
            absl::StrFormat("2026-11-25T%02d:%02d:%02d.%06d+01:00 mx1 %s", h, m,
                            s, (i * 7919) % 1000000, tag));
        break;
      case Kind::kRfc5424: {
        // rsyslog's RSYSLOG_SyslogProtocol23Format: APP-NAME and PROCID.
        const size_t bracket = tag.find('[');
        const size_t close = tag.find("]: ");
        lines.push_back(absl::StrFormat(
            "<22>1 2026-11-25T%02d:%02d:%02d.%06d+01:00 mx1 %s %s - - %s", h, m,
            s, (i * 7919) % 1000000, tag.substr(0, bracket),
            tag.substr(bracket + 1, close - bracket - 1),
            tag.substr(close + 3)));
        break;
      }
    }
  }
  return lines;
}

void Run(benchmark::State& state, Kind kind) {
  const std::vector<std::string> lines = MakeLines(kind);
  EnvelopeOptions options;
  absl::TimeZone tz;
  if (!absl::LoadTimeZone("Europe/Berlin", &tz)) tz = absl::FixedTimeZone(3600);
  options.time_zone = tz;
  options.now = absl::FromCivil(absl::CivilSecond(2026, 11, 26, 0, 0, 0), tz);
  EnvelopeParser parser(options);
  size_t bytes = 0;
  LogLine out;
  for (const std::string& line : lines) {
    bytes += line.size() + 1;
    // Timing lines that fail would measure the error path: stop loudly (the
    // smoke test runs this binary).
    if (parser.Parse(line, &out) != EnvelopeResult::kOk) {
      std::fprintf(stderr, "benchmark line does not parse (%s): %s\n",
                   parser.last_error(), line.c_str());
      std::abort();
    }
  }
  int64_t ok = 0;
  for (auto _ : state) {
    for (const std::string& line : lines) {
      ok += parser.Parse(line, &out) == EnvelopeResult::kOk;
      benchmark::DoNotOptimize(out);
    }
  }
  benchmark::DoNotOptimize(ok);
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
}

void BM_ParseClassic(benchmark::State& state) { Run(state, Kind::kClassic); }
void BM_ParseIso(benchmark::State& state) { Run(state, Kind::kIso); }
void BM_ParseRfc5424(benchmark::State& state) { Run(state, Kind::kRfc5424); }

BENCHMARK(BM_ParseClassic);
BENCHMARK(BM_ParseIso);
BENCHMARK(BM_ParseRfc5424);

}  // namespace
}  // namespace mailgauge::parsers
