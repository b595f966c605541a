// File: analyzer/report/text_report.h
// The plain-text report, in pflogsumm 1.1.5's layout: the same section
// titles, order, column widths and k/m units, so scripts and eyes used to
// `pflogsumm -d yesterday` read it unchanged. mailgauge's own sections
// (expired mail, postscreen, TLS, SASL failures, reason classes) follow
// pflogsumm's last section.
//
//   WriteText(summary.data(), ReportOptions{}, std::cout);
//   std::string text = RenderText(summary.data(), ReportOptions{});
//   // "Postfix log summaries for Nov 25 2026\n\nGrand Totals\n------------\n..."
#ifndef MAILGAUGE_ANALYZER_REPORT_TEXT_REPORT_H_
#define MAILGAUGE_ANALYZER_REPORT_TEXT_REPORT_H_

#include <ostream>
#include <string>
#include <string_view>

#include "analyzer/report/report_options.h"
#include "analyzer/summary.h"

namespace mailgauge::analyzer::report {

// Writes the whole report to `out` as it goes (memory does not grow with
// the report's length).
void WriteText(const SummaryData& data, const ReportOptions& options, std::ostream& out);
// The whole report as one string (tests, small reports).
std::string RenderText(const SummaryData& data, const ReportOptions& options);

// pflogsumm's normalize_host sort key: dotted quads sort numerically,
// names by reversed labels ("mail.example.com" -> "comexamplemail").
std::string HostSortKey(std::string_view text);

// "Nov 25 2026" (or "2026-11-25" with iso) for a day number.
std::string DayLabel(int64_t day, bool iso);

}  // namespace mailgauge::analyzer::report

#endif  // MAILGAUGE_ANALYZER_REPORT_TEXT_REPORT_H_
