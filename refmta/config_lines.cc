#include "refmta/config_lines.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace mailgauge::refmta {

absl::StatusOr<std::vector<LogicalLine>> JoinLogicalLines(absl::string_view text,
                                                          absl::string_view file_name,
                                                          absl::string_view what) {
  std::vector<LogicalLine> lines;
  int line_no = 0;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++line_no;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    absl::string_view stripped = absl::StripAsciiWhitespace(raw);
    if (stripped.empty() || stripped.front() == '#') continue;
    if (absl::ascii_isspace(static_cast<unsigned char>(raw.front()))) {
      if (lines.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            file_name, ", line ", line_no, ": continuation line without a preceding ", what));
      }
      absl::StrAppend(&lines.back().text, " ", stripped);
      continue;
    }
    lines.push_back({std::string(stripped), line_no});
  }
  return lines;
}

}  // namespace mailgauge::refmta
