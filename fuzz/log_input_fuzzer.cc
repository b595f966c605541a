// File: fuzz/log_input_fuzzer.cc
// Fuzzes analyzer::LogInput, the input layer of `mailgauge report` and
// `records`, line by line as ReadFiles() feeds it: syslog envelopes,
// journalctl's JSON lines and multi-line forms (export, json-pretty,
// verbose), container runtimes' wrapping, rsyslog's repeated messages, the
// Postfix parser, and the counts of what is not read. The input is a log,
// one line per '\n'; the first byte picks the line cap (64 bytes to 64 KiB;
// longer lines are cut and flagged as LineReader does). Checked: no crash;
// every line fed is counted once, and the counts add up (lines = Postfix +
// other programs + unreadable + empty + journalctl entry lines - entries);
// the handler gets no more calls than parsed lines and repeats (Exim's
// lines: kMaxEximLines each); every view
// of a LogLine the handler gets lies in the input or the input layer's
// buffers (not checked: they are not exposed), and ForeignLogNotes() does
// not crash.
//
//   tools/fuzz.sh log_input 60
//   bazel test //fuzz:log_input_replay_test   # replays fuzz/corpus/log_input
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "analyzer/log_input.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/shared_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using mailgauge::analyzer::LogInput;
  using mailgauge::analyzer::LogInputOptions;
  using mailgauge::analyzer::LogInputStats;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  LogInputOptions options;
  options.envelope.time_zone = absl::UTCTimeZone();
  options.envelope.now =
      absl::FromCivil(absl::CivilSecond(2026, 11, 25, 12, 0, 0), absl::UTCTimeZone());
  options.max_line_bytes = size_t{64} << ((size > 0 ? data[0] : 0) % 11);
  uint64_t handled = 0;       // calls for Postfix's lines
  uint64_t exim_handled = 0;  // for Exim's (up to kMaxEximLines events a line)
  auto made = LogInput::Create(
      options,
      [&handled, &exim_handled](const mailgauge::LogLine& line,
                                const mailgauge::parsers::Event&) {
        FUZZ_CHECK(line.pid >= -1, "negative pid other than -1");
        ++(mailgauge::parsers::IsEximProgram(line.program) ? exim_handled : handled);
      },
      &mailgauge::fuzz::SharedParser());
  FUZZ_CHECK(made.ok(), "LogInput::Create failed");
  LogInput& in = **made;
  uint64_t lines = 0;
  for (size_t start = 0; start < input.size();) {
    size_t nl = input.find('\n', start);
    if (nl == std::string_view::npos) nl = input.size();
    std::string_view line = input.substr(start, nl - start);
    start = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const bool overlong = line.size() > options.max_line_bytes;
    if (overlong) line = line.substr(0, options.max_line_bytes);
    in.ProcessLine(line, overlong);
    ++lines;
  }
  in.FinishEntries();
  const LogInputStats& s = in.stats();
  FUZZ_CHECK(s.lines == lines, "a line not counted, or counted twice");
  FUZZ_CHECK(s.journalctl_entry_lines >= s.journalctl_entries, "an entry of no line");
  FUZZ_CHECK(s.lines == s.postfix_lines + s.other_program_lines + s.malformed_lines +
                            s.empty_lines + s.journalctl_entry_lines - s.journalctl_entries,
             "the counts do not add up");
  FUZZ_CHECK(s.parsed_lines + s.unparsed_lines() <= s.postfix_lines,
             "more Postfix lines parsed or not than there are");
  FUZZ_CHECK(handled <= s.parsed_lines + s.repeated_messages,
             "more handler calls than parsed lines and repeats");
  FUZZ_CHECK(exim_handled <= s.exim_lines * mailgauge::parsers::kMaxEximLines,
             "more handler calls than Exim's lines can give");
  FUZZ_CHECK(s.exim_lines <= s.postfix_lines, "more Exim lines than mail lines");
  mailgauge::analyzer::ForeignLogNotes(s);
  return 0;
}
