// File: analyzer/report/report_options.h
// What a report shows and how: pflogsumm's display options (-h, -u, the
// detail limits, -q, --iso-date-time, --problems-first, --smtpd-stats,
// --no-no-msg-size, --zero-fill, --colwidth, -e) shared by the text, JSON and HTML
// renderers.
//
//   ReportOptions o;
//   o.host_top = 10;          // -h 10
//   o.smtpd_stats = true;     // --smtpd-stats
//   std::string text = RenderText(summary.data(), o);
//
// Limits: -1 shows every row, 0 hides the section, N > 0 shows the top N.
#ifndef MAILGAUGE_ANALYZER_REPORT_REPORT_OPTIONS_H_
#define MAILGAUGE_ANALYZER_REPORT_REPORT_OPTIONS_H_

#include <string>

namespace mailgauge::analyzer::report {

struct ReportOptions {
  int host_top = -1;         // -h: host/domain tables
  int user_top = -1;         // -u: senders/recipients tables
  int bounce_detail = -1;    // --bounce-detail
  int deferral_detail = -1;  // --deferral-detail
  int reject_detail = -1;    // --reject-detail (reject, warning, hold, discard)
  int smtp_detail = -1;      // --smtp-detail
  int warning_detail = -1;   // --smtpd-warning-detail / --warning-detail
  bool quiet = false;        // -q: omit sections that have nothing
  bool iso_date_time = false;
  bool problems_first = false;
  bool smtpd_stats = false;
  bool no_no_msg_size = false;
  bool zero_fill = false;
  // --colwidth N: no line of the text report is wider than N columns; the
  // variable field of a longer line (an address, host, reason) is cut and
  // ends in "...". 0: no limit (the fields keep pflogsumm 1.1.5's own
  // trimming of reasons to 64-66 characters, done when they are counted).
  int colwidth = 0;
  // -e: print "Message detail" (SummaryData::message_detail).
  bool message_detail = false;
  // The header's period ("Nov 25" for -d); when empty the header names the
  // first and last day of the data.
  std::string date_label;
  // Whose logs the header names: "Postfix log summaries for ..." as
  // pflogsumm's; "Exim" when every mail line read was Exim's, "Postfix and
  // Exim" for both (MtaName).
  std::string mta = "Postfix";
  // --by-domain: the domain the report is limited to ("" for all mail);
  // named under the header.
  std::string domain;
};

}  // namespace mailgauge::analyzer::report

#endif  // MAILGAUGE_ANALYZER_REPORT_REPORT_OPTIONS_H_
