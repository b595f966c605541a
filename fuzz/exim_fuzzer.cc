// File: fuzz/exim_fuzzer.cc
// Fuzzes the reading of Exim's lines (parsers/exim/exim_log.h): the main
// log's time, the translation into Postfix lines and their parse. The input
// is a log, one line per '\n'; the first byte picks how each line is taken
// (as a main-log line, or as a syslog message of tag exim). Checked: no
// crash (no out-of-range view either); a translation has at most
// kMaxEximLines lines; every line a translation gives is one the Postfix
// parser understands (a line it does not would be a translation that loses
// its meaning); the events' queue IDs are the line's (no stand-in leaks);
// the arrival memory stays bounded.
//
//   tools/fuzz.sh exim 60
//   bazel test //fuzz:exim_replay_test   # replays fuzz/corpus/exim
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include "absl/time/time.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/shared_parser.h"
#include "parsers/exim/exim_log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using mailgauge::LogLine;
  using mailgauge::parsers::Event;
  namespace p = mailgauge::parsers;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const bool syslog = size > 0 && (data[0] & 1) != 0;
  p::EximTranslator translator;
  p::EximReader reader(&mailgauge::fuzz::SharedParser());
  p::EximTranslation t;
  for (size_t start = 0; start < input.size();) {
    size_t nl = input.find('\n', start);
    if (nl == std::string_view::npos) nl = input.size();
    const std::string_view text = input.substr(start, nl - start);
    start = nl + 1;
    LogLine line;
    if (syslog) {
      line.program = line.syslog_name = line.instance = line.daemon = "exim";
      line.message = text;
      line.pid = 7;
    } else if (!p::ReadEximMainLogLine(text, absl::UTCTimeZone(), &line)) {
      continue;
    }
    const std::string_view message = p::StripEximTime(line.message);
    if (translator.Translate(message, line.time, &t)) {
      if (t.lines.size() > p::kMaxEximLines) {
        std::fprintf(stderr, "Exim: %.*s\n", static_cast<int>(message.size()), message.data());
        for (const p::EximTranslation::Line& l : t.lines) {
          std::fprintf(stderr, "Postfix: %s\n", l.message.c_str());
        }
      }
      FUZZ_CHECK(t.lines.size() <= p::kMaxEximLines, "too many translated lines");
      for (const p::EximTranslation::Line& l : t.lines) {
        LogLine pl = line;
        pl.daemon = p::DaemonName(l.daemon);
        pl.message = l.message;
        Event e;
        const bool parsed =
            mailgauge::fuzz::SharedParser().Parse(pl, &e) == p::ParseResult::kParsed;
        if (!parsed) {
          std::fprintf(stderr, "Exim: %.*s\nPostfix %.*s: %.*s\n", static_cast<int>(message.size()),
                       message.data(), static_cast<int>(pl.daemon.size()), pl.daemon.data(),
                       static_cast<int>(pl.message.size()), pl.message.data());
        }
        FUZZ_CHECK(parsed, "a translated line the Postfix parser does not understand");
      }
    }
    FUZZ_CHECK(translator.arrivals_kept() <= p::EximTranslator::kMaxArrivals,
               "arrival memory unbounded");
    reader.Read(line, syslog, [&](const LogLine& l, const Event& e) {
      FUZZ_CHECK(e.queue_id != p::kEximIdStandIn && e.queue_id != p::kEximOtherIdStandIn &&
                     e.new_queue_id != p::kEximIdStandIn &&
                     e.new_queue_id != p::kEximOtherIdStandIn,
                 "a stand-in queue ID left in an event");
      FUZZ_CHECK(!l.daemon.empty(), "a translated line without its daemon");
    });
  }
  return 0;
}
