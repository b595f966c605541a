// File: cli/report_command.h
// `mailgauge report [OPTIONS] [FILE...|-]`: the pflogsumm-style daily report
// (text, JSON or HTML) from Postfix logs and/or JSON summaries (--merge);
// see docs/report.md.
//
//   mailgauge report -d yesterday /var/log/mail.log.1 /var/log/mail.log
//   mailgauge report --format json mail.log > host1.json
//   mailgauge report --merge host1.json --merge host2.json
//   mailgauge report -d "last week" --dow0mon /var/log/mail.log*
//   mailgauge report -d "2026-11-01 2026-11-15" mail.log
#ifndef MAILGAUGE_CLI_REPORT_COMMAND_H_
#define MAILGAUGE_CLI_REPORT_COMMAND_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"

namespace mailgauge::cli {

// Runs the command on argv[first..argc); returns the process exit code.
int ReportCommand(int argc, char** argv, int first);

// The days -d selects, inclusive, as days since 1970-01-01 of the log's wall
// clock, and the header's label for them.
struct ReportPeriod {
  int64_t first_day = 0;
  int64_t last_day = 0;
  std::string label;  // "Nov 25", "Nov 2026", "Nov 22 2026 - Nov 28 2026"
};

// Parses -d: today, yesterday, "this week", "last week", "this month",
// "last month", YYYY-MM-DD, YYYY-MM, or a range of two of those (not the
// week/month words) separated by blanks, " - " or "..": "2026-11-01
// 2026-11-15", "2026-10..2026-11" (a month as the first end starts on its
// first day, as the second ends on its last). Weeks start on Sunday, or on
// Monday when `week_starts_monday` (--dow0mon); "this week" is the week
// holding `today`, "last week" the one before. InvalidArgument names what is
// wrong (an impossible date, a range that ends before it starts).
[[nodiscard]] absl::StatusOr<ReportPeriod> ParseReportDate(const std::string& text,
                                                           absl::CivilDay today,
                                                           bool week_starts_monday);

// One line of the progress bar: bar, percent, bytes read / total, lines per
// second and the estimated time left, e.g.
// "[##########          ]  50%  12.0/24.0 MB  310k lines/s  ETA 0:04".
// At most 79 columns, no newline. `seconds` is the time since the start.
std::string FormatProgress(uint64_t bytes_done, uint64_t bytes_total, uint64_t lines,
                           double seconds);

}  // namespace mailgauge::cli

#endif  // MAILGAUGE_CLI_REPORT_COMMAND_H_
