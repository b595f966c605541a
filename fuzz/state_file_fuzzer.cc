// File: fuzz/state_file_fuzzer.cc
// Fuzzes the exporter's state file loader (exporter/state_file.h): the input
// is the file's text. ParseState must turn anything that is not a valid state
// into a DataLoss status (never an exception escaping, never a crash); a
// state it accepts must restore into a fresh metric table or be refused as a
// whole by RestoreMetrics, and must survive a round trip through
// SerializeState and ParseState.
//
//   tools/fuzz.sh state_file 60    # libFuzzer, 60 s (clang-14, ASan+UBSan)
//   bazel test //fuzz:state_file_replay_test   # replays fuzz/corpus/state_file (gcc)
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "exporter/metrics.h"
#include "exporter/state_file.h"
#include "fuzz/fuzz_check.h"
#include "prometheus/registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using mailgauge::exporter::ExporterState;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<ExporterState> state = mailgauge::exporter::ParseState(text);
  if (!state.ok()) {
    FUZZ_CHECK(state.status().code() == absl::StatusCode::kDataLoss,
               "a bad state file gives a status other than DataLoss");
    return 0;
  }
  prometheus::Registry registry;
  auto metrics = mailgauge::exporter::ExporterMetrics::Create(registry);
  FUZZ_CHECK(metrics.ok(), "the metric table does not register");
  (void)mailgauge::exporter::RestoreMetrics(state->metrics, **metrics);
  // Whatever was restored can be captured and saved again.
  ExporterState again;
  again.saved_at = state->saved_at;
  again.sources = state->sources;
  again.metrics = mailgauge::exporter::CaptureMetrics(registry);
  const std::string saved = mailgauge::exporter::SerializeState(again);
  absl::StatusOr<ExporterState> reread = mailgauge::exporter::ParseState(saved);
  if (!reread.ok()) {
    std::fprintf(stderr, "re-reading a saved state: %s\n",
                 std::string(reread.status().message()).c_str());
  }
  FUZZ_CHECK(reread.ok(), "a state saved from restored metrics does not read back");
  FUZZ_CHECK(reread->sources.size() == state->sources.size(), "sources lost in a round trip");
  return 0;
}
