// File: fuzz/postfix_message_fuzzer.cc
// Fuzzes the Postfix message-body parser (parsers/postfix/postfix_parser.h):
// the RE2 pattern tables and the hand-written fast path. The first input byte
// picks the daemon, the rest is the message body. Checked, beyond "no
// crash": every view of the Event lies inside the message, and the fast path
// agrees with the tables (fast_path.h's contract: it accepts a line only when
// it reads it exactly as the table row would) — same result, same fields,
// same delays.
//
//   tools/fuzz.sh postfix_message 60    # libFuzzer, 60 s (clang-14, ASan+UBSan)
//   bazel test //fuzz:postfix_message_replay_test   # replays fuzz/corpus/postfix_message (gcc)
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "fuzz/shared_parser.h"
#include "parsers/postfix/event.h"
#include "parsers/postfix/event_testing.h"
#include "parsers/postfix/fast_path.h"
#include "parsers/postfix/postfix_parser.h"

namespace {

using mailgauge::parsers::Daemon;
using mailgauge::parsers::Event;
using mailgauge::parsers::ParseResult;
using mailgauge::parsers::PostfixParser;

void CheckViews(std::string_view message, const Event& e) {
  FUZZ_CHECK(mailgauge::parsers::ViewOutside(message, e) == nullptr,
             "an Event view points outside the message");
}

bool SameDouble(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

const PostfixParser& Parser() { return mailgauge::fuzz::SharedParser(); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto daemon =
      static_cast<Daemon>(data[0] % static_cast<uint8_t>(Daemon::kNumDaemons));
  const std::string_view message(reinterpret_cast<const char*>(data + 1), size - 1);
  const PostfixParser& parser = Parser();

  Event full;
  const ParseResult r = parser.ParseMessage(daemon, message, &full);
  FUZZ_CHECK(r == ParseResult::kParsed || r == ParseResult::kUnparsed, "bad ParseResult");
  CheckViews(message, full);

  Event table;
  const ParseResult rt = parser.ParseMessageWithTables(daemon, message, &table);
  CheckViews(message, table);

  Event fast;
  if (mailgauge::parsers::FastParse(daemon, message, &fast)) {
    CheckViews(message, fast);
    FUZZ_CHECK(rt == ParseResult::kParsed, "fast path took a line the tables refuse");
    if (mailgauge::parsers::FieldsOf(table) != mailgauge::parsers::FieldsOf(fast)) {
      for (const auto& [k, v] : mailgauge::parsers::FieldsOf(table)) {
        std::fprintf(stderr, "  table %s=%s\n", k.c_str(), v.c_str());
      }
      for (const auto& [k, v] : mailgauge::parsers::FieldsOf(fast)) {
        std::fprintf(stderr, "  fast  %s=%s\n", k.c_str(), v.c_str());
      }
      FUZZ_CHECK(false, "fast path and tables read different fields");
    }
    FUZZ_CHECK(SameDouble(table.delay, fast.delay) &&
                   SameDouble(table.delays.before_qmgr, fast.delays.before_qmgr) &&
                   SameDouble(table.delays.in_qmgr, fast.delays.in_qmgr) &&
                   SameDouble(table.delays.conn_setup, fast.delays.conn_setup) &&
                   SameDouble(table.delays.transmission, fast.delays.transmission),
               "fast path and tables read different delays");
    // ParseMessage must have used the fast path's answer.
    FUZZ_CHECK(r == ParseResult::kParsed, "ParseMessage refused a fast-path line");
  }
  return 0;
}
