// File: analyzer/report/html_report.h
// `mailgauge report --format html`: one self-contained HTML page (no
// external scripts, fonts or style sheets) with the report's sections as
// tables, an inline-SVG bar chart of per-hour traffic and an outcome-mix bar,
// and a few lines of inline script that make tables sortable by a click on
// their heading.
//
//   WriteHtml(summary.data(), ReportOptions{}, std::cout);
//   std::string page = RenderHtml(summary.data(), ReportOptions{});
//
// Every Grand Totals number carries id="total-<json name>" (e.g.
// id="total-received") so a test can read the page and compare it with the
// JSON report.
#ifndef MAILGAUGE_ANALYZER_REPORT_HTML_REPORT_H_
#define MAILGAUGE_ANALYZER_REPORT_HTML_REPORT_H_

#include <ostream>
#include <string>
#include <string_view>

#include "analyzer/report/report_options.h"
#include "analyzer/summary.h"

namespace mailgauge::analyzer::report {

// Writes the page to `out` as it goes (memory does not grow with its length).
void WriteHtml(const SummaryData& data, const ReportOptions& options, std::ostream& out);
// The page as one string (tests, small reports).
std::string RenderHtml(const SummaryData& data, const ReportOptions& options);

// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string HtmlEscape(std::string_view text);

}  // namespace mailgauge::analyzer::report

#endif  // MAILGAUGE_ANALYZER_REPORT_HTML_REPORT_H_
