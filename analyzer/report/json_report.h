// File: analyzer/report/json_report.h
// `mailgauge report --format json`: the summary as one JSON document with a
// stable, documented schema (docs/report.md). The same document is what
// `--merge` reads back, so it always carries every row; -h/-u/--detail limit
// only the text and HTML views.
//
//   std::string json = RenderJson(summary);
//   // {"schema": "mailgauge-summary/1", "totals": {"received": 26, ...}, ...}
#ifndef MAILGAUGE_ANALYZER_REPORT_JSON_REPORT_H_
#define MAILGAUGE_ANALYZER_REPORT_JSON_REPORT_H_

#include <ostream>
#include <string>

#include "analyzer/summary.h"

namespace mailgauge::analyzer::report {

// Pretty-printed (2-space indent) JSON followed by a newline.
std::string RenderJson(const Summary& summary);
// The same, written to `out` as it is made (no copy of the document); with
// `sort_ahead`, the biggest table is sorted on a helper thread meanwhile
// (Summary::WriteJson).
void WriteJson(const Summary& summary, std::ostream& out, bool sort_ahead = false);

}  // namespace mailgauge::analyzer::report

#endif  // MAILGAUGE_ANALYZER_REPORT_JSON_REPORT_H_
