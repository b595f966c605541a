// File: fuzz/main_cf_fuzzer.cc
// Fuzzes refmta's main.cf reader (refmta/main_cf.h): parsing, $name
// expansion (recursion, ${name?text}/${name:text}, loops), list splitting,
// typed values, and LoadRefmtaConfig on whatever parses. Checked: no crash,
// no unbounded recursion (a loop is an InvalidArgument), every error names
// the file. The value parsers (time, integer, bool) also get each input
// line on its own.
//
//   tools/fuzz.sh main_cf 60    # libFuzzer, 60 s (clang-14, ASan+UBSan)
//   bazel test //fuzz:main_cf_replay_test   # replays fuzz/corpus/main_cf (gcc)
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "refmta/main_cf.h"

namespace {

using mailgauge::refmta::MainCf;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);

  // The value parsers, one input line at a time.
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    (void)mailgauge::refmta::ParsePostfixTime(line, 's');
    (void)mailgauge::refmta::ParsePostfixTime(line, 'd');
    (void)mailgauge::refmta::ParsePostfixInteger(line);
    (void)mailgauge::refmta::ParsePostfixBool(line);
    (void)mailgauge::refmta::SplitPostfixList(line);
  }

  absl::StatusOr<MainCf> cf = MainCf::Parse(text, "fuzz.cf");
  if (!cf.ok()) {
    FUZZ_CHECK(absl::StrContains(cf.status().message(), "fuzz.cf"),
               "a main.cf error does not name the file");
    return 0;
  }
  // Expand every parameter refmta knows, and the raw input as text.
  for (const auto& spec : mailgauge::refmta::KnownParameters()) {
    (void)cf->Expand(spec.name);
    (void)cf->Raw(spec.name);
    (void)cf->Origin(spec.name);
  }
  (void)cf->ExpandText(text.substr(0, 256));
  (void)mailgauge::refmta::LoadRefmtaConfig(*cf);
  // Overrides go through the same validation.
  MainCf copy = *cf;
  const size_t eq = text.find('=');
  if (eq != absl::string_view::npos) {
    (void)copy.Set(absl::StripAsciiWhitespace(text.substr(0, eq)),
                   text.substr(eq + 1, 128));
    (void)mailgauge::refmta::LoadRefmtaConfig(copy);
  }
  return 0;
}
