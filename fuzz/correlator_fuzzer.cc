// File: fuzz/correlator_fuzzer.cc
// Fuzzes the whole batch pipeline the way `mailgauge records` runs it
// (cli/records_command.cc): the input is a log, one line per '\n'; each line
// goes through the steps of analyzer::LogInput::ProcessLine (envelope,
// IsPostfixProgram, Postfix parser) into the Correlator, whose records are
// written as JSON Lines. (LogInput itself is not used: it compiles the
// pattern tables on creation, ~0.3 s, and keeps stream state across inputs;
// a LogInput::Create overload taking a shared PostfixParser would let the
// target call it directly.) Small limits (a few
// messages in flight, a short grace and age) make eviction, abandonment,
// queue-ID reuse and hand-off expiry reachable in a short input. The first
// byte also picks whether the log clock is advanced by hand between lines, as
// the exporter does, and whether the state is saved after every line and the
// run continued in a correlator restored from it (the exporter's restart).
// Checked: no crash; a saved state restores and saves again the same; every
// record is one JSON line;
// in_flight() never exceeds max_messages; the stats add up (records emitted
// = records counted).
//
//   tools/fuzz.sh correlator 60    # libFuzzer, 60 s (clang-14, ASan+UBSan)
//   bazel test //fuzz:correlator_replay_test   # replays fuzz/corpus/correlator (gcc)
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "analyzer/correlator.h"
#include "analyzer/records_json.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/shared_parser.h"
#include "parsers/program_name.h"
#include "parsers/postfix/event.h"
#include "parsers/postfix/postfix_parser.h"
#include "parsers/syslog_envelope.h"

namespace {

using mailgauge::LogLine;
using mailgauge::analyzer::Correlator;
using mailgauge::analyzer::CorrelatorOptions;
using mailgauge::analyzer::MessageRecord;
using mailgauge::analyzer::RecordsJsonWriter;
using mailgauge::parsers::EnvelopeOptions;
using mailgauge::parsers::EnvelopeParser;
using mailgauge::parsers::EnvelopeResult;
using mailgauge::parsers::Event;
using mailgauge::parsers::ParseResult;
using mailgauge::parsers::PostfixParser;

const PostfixParser& Parser() { return mailgauge::fuzz::SharedParser(); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const uint8_t knobs = size > 0 ? data[0] : 0;

  CorrelatorOptions options;
  options.max_messages = 1 + knobs % 8;
  options.grace_seconds = (knobs & 0x8) ? 0 : 10;
  options.max_age_seconds = (knobs & 0x10) ? 60 : 6 * 86400;
  options.unqueued_seconds = (knobs & 0x10) ? 30 : 3600;
  options.emit_unfinished = (knobs & 0x20) != 0;
  const bool advance_clock = (knobs & 0x40) != 0;

  // The exporter saves the correlator's state and restores it at start-up:
  // with this knob the state is saved after every line and the run goes on
  // in a correlator restored from it.
  const bool restart_every_line = (knobs & 0x80) != 0;

  std::ostringstream json;
  RecordsJsonWriter writer(&json);
  uint64_t emitted = 0;
  const auto sink = [&](MessageRecord&& m) {
    ++emitted;
    writer.Write(m);
  };
  auto correlator_ptr = std::make_unique<Correlator>(options, sink);
  int64_t newest_micros = 0;
  EnvelopeOptions envelope_options;
  envelope_options.time_zone = absl::UTCTimeZone();
  envelope_options.now =
      absl::FromCivil(absl::CivilSecond(2026, 11, 25, 12, 0, 0), absl::UTCTimeZone());
  EnvelopeParser envelope(envelope_options);
  const PostfixParser& parser = Parser();
  size_t start = 0;
  while (start < input.size()) {
    size_t nl = input.find('\n', start);
    if (nl == std::string_view::npos) nl = input.size();
    const std::string_view text = input.substr(start, nl - start);
    start = nl + 1;
    LogLine line;
    if (envelope.Parse(text, &line) != EnvelopeResult::kOk) continue;
    if (!mailgauge::parsers::IsPostfixProgram(line, envelope_options.syslog_names)) continue;
    Event event;
    if (parser.Parse(line, &event) != ParseResult::kParsed) continue;
    correlator_ptr->Add(line, event);
    FUZZ_CHECK(correlator_ptr->in_flight() <= options.max_messages,
               "more messages in flight than max_messages allows");
    if (line.time.unix_micros > newest_micros) newest_micros = line.time.unix_micros;
    if (advance_clock) correlator_ptr->AdvanceTo(newest_micros + 30 * 1000000LL);
    if (restart_every_line) {
      const std::string state = correlator_ptr->SerializeState();
      auto restored = std::make_unique<Correlator>(options, sink);
      FUZZ_CHECK(restored->RestoreState(state).ok(), "a saved state does not restore");
      FUZZ_CHECK(restored->SerializeState() == state, "a restored state saves differently");
      correlator_ptr = std::move(restored);
    }
  }
  Correlator& correlator = *correlator_ptr;
  correlator.Finish(options.emit_unfinished);
  FUZZ_CHECK(correlator.stats().records == emitted, "records emitted != stats().records");
  FUZZ_CHECK(correlator.stats().unfinished_records <= emitted, "unfinished > records");
  // One JSON object per line.
  const std::string out = json.str();
  uint64_t lines = 0;
  for (char c : out) lines += c == '\n';
  FUZZ_CHECK(lines == emitted, "records and JSON lines differ in number");
  return 0;
}
