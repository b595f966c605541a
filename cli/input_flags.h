// File: cli/input_flags.h
// The options every log-reading command shares (--year, --timezone,
// --syslog-name, --unparsed, --max-line-bytes), declared once and turned into
// LogInputOptions.
//
//   Args args("records");
//   AddInputFlags(&args);
//   ...
//   absl::StatusOr<analyzer::LogInputOptions> opts = InputOptionsFromFlags(args);
#ifndef MAILGAUGE_CLI_INPUT_FLAGS_H_
#define MAILGAUGE_CLI_INPUT_FLAGS_H_

#include "absl/status/statusor.h"
#include "analyzer/log_input.h"
#include "cli/args.h"

namespace mailgauge::cli {

void AddInputFlags(Args* args);

[[nodiscard]] absl::StatusOr<analyzer::LogInputOptions> InputOptionsFromFlags(
    const Args& args);

// Prints the input statistics to stderr (lines, unparsed lines per daemon).
void PrintInputStats(const analyzer::LogInputStats& stats);

}  // namespace mailgauge::cli

#endif  // MAILGAUGE_CLI_INPUT_FLAGS_H_
