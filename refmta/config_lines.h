// File: refmta/config_lines.h
// Postfix's rule for configuration and table files (main.cf, aliases,
// texthash/regexp tables): blank lines and lines whose first non-blank
// character is '#' are ignored, and a line that starts with whitespace
// continues the previous logical line.
//
//   auto lines = JoinLogicalLines(text, "/etc/postfix/main.cf", "parameter");
//   for (const LogicalLine& l : *lines) Use(l.text, l.line);
#ifndef MAILGAUGE_REFMTA_CONFIG_LINES_H_
#define MAILGAUGE_REFMTA_CONFIG_LINES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mailgauge::refmta {

struct LogicalLine {
  std::string text;  // trimmed; continuation lines joined with one space
  int line = 0;      // number of its first physical line (1-based)
};

// Fails with InvalidArgument "FILE, line N: continuation line without a
// preceding WHAT" when the first non-comment line starts with whitespace.
[[nodiscard]] absl::StatusOr<std::vector<LogicalLine>> JoinLogicalLines(
    absl::string_view text, absl::string_view file_name, absl::string_view what);

}  // namespace mailgauge::refmta

#endif  // MAILGAUGE_REFMTA_CONFIG_LINES_H_
