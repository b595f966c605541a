// File: fuzz/journal_entries_fuzzer.cc
// Fuzzes the reader of journalctl's multi-line forms, `-o export`, `-o
// json-pretty` and `-o verbose` (parsers/journal_entry_assembler.h). The input is a log: one
// line per '\n', a '\r' before it dropped as LineReader drops it; the first
// byte picks the entry size cap (64 bytes to 1 MiB), so that the cap's paths
// are reached. Checked: no crash or throw; every line is accounted for
// exactly once (in an entry, or handed back to the caller); an entry's text
// stays within the cap and holds at least its lines' newlines; a read entry
// has a time and a pid of -1 or more, a bad one a reason; nothing is left
// open after Finish().
//
//   tools/fuzz.sh journal_entries 60
//   bazel test //fuzz:journal_entries_replay_test   # replays fuzz/corpus/journal_entries
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/time/time.h"
#include "fuzz/fuzz_check.h"
#include "parsers/journal_entry_assembler.h"
#include "parsers/program_name.h"

namespace {

using mailgauge::parsers::AssembledEntry;
using mailgauge::parsers::JournalEntryAssembler;
using Step = JournalEntryAssembler::Step;

void CheckEntry(const AssembledEntry& e, size_t cap, uint64_t* accounted) {
  FUZZ_CHECK(e.lines >= 1, "an entry of no line");
  FUZZ_CHECK(e.text.size() <= cap, "an entry's text over the cap");
  if (e.ok) {
    FUZZ_CHECK(e.line.time.unix_micros >= 0, "an entry without its time");
    FUZZ_CHECK(e.line.pid >= -1, "negative pid other than -1");
  } else {
    FUZZ_CHECK(e.error != nullptr && *e.error != '\0', "a bad entry without a reason");
  }
  *accounted += e.lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t cap = size_t{64} << ((size > 0 ? data[0] : 0) % 15);
  JournalEntryAssembler assembler(mailgauge::parsers::SyslogNames(), absl::UTCTimeZone(), cap);
  uint64_t lines = 0, accounted = 0;
  size_t start = 0;
  while (start < input.size()) {
    size_t nl = input.find('\n', start);
    if (nl == std::string_view::npos) nl = input.size();
    std::string_view line = input.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    start = nl + 1;
    ++lines;
    switch (assembler.Feed(line, /*overlong=*/false)) {
      case Step::kNotMine:
        ++accounted;
        break;
      case Step::kConsumed:
        FUZZ_CHECK(assembler.active(), "a line taken, but no entry open");
        break;
      case Step::kEntry:
        CheckEntry(assembler.entry(), cap, &accounted);
        break;
      case Step::kEntryThenLine: {
        CheckEntry(assembler.entry(), cap, &accounted);
        // As LogInput: the line is read again as any other, which for a
        // line with no syslog envelope means fed here again (it can't end
        // an entry now: none is open).
        const Step again = assembler.Feed(line, /*overlong=*/false);
        FUZZ_CHECK(again == Step::kNotMine || again == Step::kConsumed,
                   "a line fed again ended an entry");
        if (again == Step::kNotMine) ++accounted;
        break;
      }
    }
  }
  if (assembler.Finish() == Step::kEntry) CheckEntry(assembler.entry(), cap, &accounted);
  FUZZ_CHECK(!assembler.active(), "an entry still open after Finish()");
  FUZZ_CHECK(accounted == lines, "a line lost or counted twice");
  return 0;
}
