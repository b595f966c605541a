// File: cli/input_flags.h
// The options every log-reading command shares (--year, --timezone,
// --syslog-name, --unparsed, --max-line-bytes, --threads, and the journal's: --journal,
// --journal-dir, --journal-file, --journal-unit, --journal-all, --since,
// --until, --journal-cursor-file), declared once and turned into
// LogInputOptions.
//
//   Args args("records");
//   AddInputFlags(&args);
//   ...
//   absl::StatusOr<analyzer::LogInputOptions> opts = InputOptionsFromFlags(args);
//   ... LogInput::Create(*opts, handler) ...
//   absl::Status s = ReadInputs(args, input.get());  // files, stdin or journal
#ifndef MAILGAUGE_CLI_INPUT_FLAGS_H_
#define MAILGAUGE_CLI_INPUT_FLAGS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "analyzer/correlator.h"
#include "analyzer/log_input.h"
#include "cli/args.h"

namespace mailgauge::cli {

void AddInputFlags(Args* args);

// The most --threads accepted.
inline constexpr int kMaxThreads = 256;

// Errors (InvalidArgument) name the flag at fault. Journal flags set
// LogInputOptions::journal; they can't be combined with FILE arguments.
[[nodiscard]] absl::StatusOr<analyzer::LogInputOptions> InputOptionsFromFlags(
    const Args& args);

// Reads what the flags and arguments name: the journal when a --journal*
// source was given (then saves the cursor to --journal-cursor-file, if
// given), else the FILE arguments, else stdin (when stdin is a terminal, a
// line on stderr says it waits for a log there).
[[nodiscard]] absl::Status ReadInputs(const Args& args, analyzer::LogInput* input);

// Parses a --since/--until time as journalctl does: "2026-11-25",
// "2026-11-25 10:00", "2026-11-25T10:00:00.5+01:00", "today", "yesterday",
// "now", "-2h" (relative to now; s, m, h, d, w), "@1764093489" (Unix
// seconds). Times without an offset are in `zone`.
[[nodiscard]] absl::StatusOr<absl::Time> ParseJournalTime(const std::string& text,
                                                          absl::TimeZone zone,
                                                          absl::Time now);

// Prints the input statistics to stderr (lines, unparsed lines per daemon).
void PrintInputStats(const analyzer::LogInputStats& stats);

// After a batch run: with --stats, the input and correlation statistics;
// otherwise, unless --quiet, the input statistics when some lines were not
// understood. On stderr.
void PrintRunStats(const Args& args, const analyzer::LogInputStats& input,
                   const analyzer::CorrelatorStats& correlator);

// Flushes std::cout; false, after saying on stderr that `command` cannot
// write `what` to standard output and why (a full disk, a closed pipe),
// when it failed, so that the command exits 1 rather than end with a cut
// output.
bool FlushStdout(const char* command, const char* what);

}  // namespace mailgauge::cli

#endif  // MAILGAUGE_CLI_INPUT_FLAGS_H_
