// File: fuzz/envelope_fuzzer.cc
// Fuzzes the syslog envelope scanners (parsers/syslog_envelope.h) and the tag
// splitter (parsers/program_name.h). The input is a log: one line per '\n'.
// Every line goes through a parser per format (auto-detect, classic, ISO,
// RFC 5424) that keeps its state along the input, so year roll-over and the
// offset cache see sequences of lines. Checked: no crash, every result is
// one of the three, every view of a kOk LogLine lies inside its line (the
// header's promise; the syslog daemon's own lines have kSyslogdTag), the pid
// is -1 or non-negative, kMalformed comes with a reason, and tag splitting
// yields views inside the tag. Lines starting with '{' also go to the
// `journalctl -o json` reader (parsers/journal_json.h):
// no crash or throw, kOk or kMalformed with a reason, tag parts inside the
// program name.
//
//   tools/fuzz.sh envelope 60    # libFuzzer, 60 s (clang-14, ASan+UBSan)
//   bazel test //fuzz:envelope_replay_test   # replays fuzz/corpus/envelope (gcc)
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/log_line.h"
#include "fuzz/fuzz_check.h"
#include "parsers/journal_json.h"
#include "parsers/program_name.h"
#include "parsers/syslog_envelope.h"

namespace {

using mailgauge::LogLine;
using mailgauge::parsers::EnvelopeFormat;
using mailgauge::parsers::EnvelopeOptions;
using mailgauge::parsers::EnvelopeParser;
using mailgauge::parsers::EnvelopeResult;
using mailgauge::parsers::SyslogNames;

bool Within(std::string_view outer, std::string_view inner) {
  if (inner.empty()) return true;  // empty views may point anywhere
  return inner.data() >= outer.data() &&
         inner.data() + inner.size() <= outer.data() + outer.size();
}

void CheckLine(std::string_view line, const LogLine& out) {
  for (std::string_view v : {out.host, out.program, out.syslog_name, out.instance,
                             out.service, out.daemon, out.message}) {
    FUZZ_CHECK(Within(line, v) || Within(mailgauge::parsers::kSyslogdTag, v),
               "a LogLine view points outside its line");
  }
  for (std::string_view v : {out.syslog_name, out.instance, out.service, out.daemon}) {
    FUZZ_CHECK(Within(out.program, v), "a tag part points outside the tag");
  }
  FUZZ_CHECK(out.pid >= -1, "negative pid other than -1");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const absl::TimeZone kZones[] = {absl::UTCTimeZone(), absl::FixedTimeZone(-5 * 3600),
                                          absl::FixedTimeZone(13 * 3600 + 45 * 60)};
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // The first byte picks the time zone and whether the year is given, so the
  // fuzzer can reach both year paths; the whole input is still the log.
  const uint8_t knobs = size > 0 ? data[0] : 0;
  EnvelopeOptions options;
  options.time_zone = kZones[knobs % 3];
  options.now = absl::FromCivil(absl::CivilSecond(2026, 11, 25, 12, 0, 0), absl::UTCTimeZone());
  if (knobs & 0x4) options.year = (knobs & 0x8) ? 9999 : 1;
  if (knobs & 0x10) options.syslog_names.Add("mta/in");

  std::unique_ptr<EnvelopeParser> parsers[4];
  const EnvelopeFormat formats[4] = {EnvelopeFormat::kAuto, EnvelopeFormat::kClassic,
                                     EnvelopeFormat::kIso, EnvelopeFormat::kRfc5424};
  for (int i = 0; i < 4; ++i) {
    EnvelopeOptions o = options;
    o.format = formats[i];
    parsers[i] = std::make_unique<EnvelopeParser>(o);
  }
  mailgauge::parsers::JournalJsonParser json(options.syslog_names, options.time_zone);
  size_t start = 0;
  while (start <= input.size()) {
    size_t nl = input.find('\n', start);
    if (nl == std::string_view::npos) nl = input.size();
    const std::string_view line = input.substr(start, nl - start);
    for (auto& parser : parsers) {
      LogLine out;
      const EnvelopeResult r = parser->Parse(line, &out);
      switch (r) {
        case EnvelopeResult::kOk:
          CheckLine(line, out);
          FUZZ_CHECK(*parser->last_error() == '\0', "last_error set after kOk");
          (void)mailgauge::parsers::IsPostfixProgram(out, parser->options().syslog_names);
          break;
        case EnvelopeResult::kEmpty:
          break;
        case EnvelopeResult::kMalformed:
          FUZZ_CHECK(*parser->last_error() != '\0', "kMalformed without a reason");
          break;
        default:
          FUZZ_CHECK(false, "Parse returned a value outside EnvelopeResult");
      }
      FUZZ_CHECK(parser->current_year() >= 0, "negative year state");
    }
    if (mailgauge::parsers::MayBeJournalJson(line)) {
      LogLine out;
      const EnvelopeResult r = json.Parse(line, &out);
      FUZZ_CHECK(r == EnvelopeResult::kOk || r == EnvelopeResult::kMalformed,
                 "journal JSON: a result other than kOk and kMalformed");
      FUZZ_CHECK((*json.last_error() == '\0') == (r == EnvelopeResult::kOk),
                 "journal JSON: last_error does not match the result");
      for (std::string_view v : {out.syslog_name, out.instance, out.service, out.daemon}) {
        FUZZ_CHECK(Within(out.program, v), "journal JSON: a tag part outside the tag");
      }
      FUZZ_CHECK(out.pid >= -1, "journal JSON: negative pid other than -1");
    }
    // The tag splitter on its own, on the whole line as a tag.
    LogLine tag;
    mailgauge::parsers::SplitProgramName(line, options.syslog_names, &tag);
    for (std::string_view v : {tag.syslog_name, tag.instance, tag.service, tag.daemon}) {
      FUZZ_CHECK(Within(line, v), "SplitProgramName view outside the tag");
    }
    start = nl + 1;
  }
  return 0;
}
