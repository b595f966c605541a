// File: fuzz/aliases_fuzzer.cc
// Fuzzes refmta's aliases(5) reader and expansion (refmta/aliases.h): the
// table parser, the right-hand-side splitter, the :include: file parser, and
// ExpandAlias on every name the input defines, under a policy the first byte
// picks. :include: files are never read from disk here (includes are off),
// so the target touches no file. Checked: no crash, no unbounded recursion
// (an alias loop ends), every error names the file, refused /file and
// |command targets never appear among the allowed ones when the policy
// forbids them.
//
//   tools/fuzz.sh aliases 60    # libFuzzer, 60 s (clang-14, ASan+UBSan)
//   bazel test //fuzz:aliases_replay_test   # replays fuzz/corpus/aliases (gcc)
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "refmta/aliases.h"

namespace {

using mailgauge::refmta::AliasExpansion;
using mailgauge::refmta::AliasPolicy;
using mailgauge::refmta::AliasTable;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const uint8_t knobs = size > 0 ? data[0] : 0;

  (void)mailgauge::refmta::ParseAliasTargets(text);
  absl::StatusOr<std::vector<mailgauge::refmta::AliasTarget>> include =
      mailgauge::refmta::ParseIncludeFile(text, "fuzz.include");
  if (!include.ok()) {
    FUZZ_CHECK(absl::StrContains(include.status().message(), "fuzz.include"),
               "an :include: error does not name the file");
  }

  absl::StatusOr<AliasTable> table = AliasTable::Parse(text, "fuzz.aliases");
  if (!table.ok()) {
    FUZZ_CHECK(absl::StrContains(table.status().message(), "fuzz.aliases"),
               "an aliases error does not name the file");
    return 0;
  }
  AliasPolicy policy;
  policy.commands_in_aliases = (knobs & 1) != 0;
  policy.files_in_aliases = (knobs & 2) != 0;
  policy.includes = false;  // never read files named by the input
  // Every left-hand side the input could define: the text before ':' on a
  // line that does not start with white space (quotes and all; names that
  // are not in the table are a harmless miss).
  int expanded = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.empty() || absl::ascii_isspace(static_cast<unsigned char>(line[0]))) continue;
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    std::string name(absl::StripAsciiWhitespace(line.substr(0, colon)));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
    }
    const AliasExpansion e = mailgauge::refmta::ExpandAlias(*table, name, policy);
    if (!policy.commands_in_aliases) {
      FUZZ_CHECK(e.commands.empty(), "a |command target allowed against the policy");
    }
    if (!policy.files_in_aliases) {
      FUZZ_CHECK(e.files.empty(), "a /file target allowed against the policy");
    }
    if (++expanded == 64) break;
  }
  return 0;
}
