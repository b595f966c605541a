#include "cli/report_command.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "analyzer/correlator.h"
#include "analyzer/log_input.h"
#include "analyzer/report/html_report.h"
#include "analyzer/report/json_report.h"
#include "analyzer/report/report_options.h"
#include "analyzer/report/text_report.h"
#include "analyzer/summary.h"
#include "cli/args.h"
#include "cli/input_flags.h"
#include "common/timestamp.h"

namespace mailgauge::cli {
namespace {

constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int Fail(const std::string& message, int code) {
  std::fprintf(stderr, "mailgauge report: %s\n", message.c_str());
  return code;
}

// Parses a non-negative count option; false with a message if malformed.
bool Count(const Args& args, const std::string& name, int* out, std::string* error) {
  if (!args.Has(name)) return true;
  const std::string v = args.Get(name);
  char* end = nullptr;
  const long n = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || n < 0 || n > 1000000000) {
    *error = "--" + name + ": '" + v + "' is not a count (0 or more)";
    return false;
  }
  *out = static_cast<int>(n);
  return true;
}

struct DayRange {
  int64_t first = 0, last = -1;  // inclusive; last < first: no filter
  std::string label;             // pflogsumm's "Nov 25"
};

// -d today|yesterday|"this month"|"last month"|YYYY-MM-DD|YYYY-MM.
bool ParseDayRange(const std::string& text, absl::TimeZone zone, DayRange* range,
                   std::string* error) {
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), zone);
  auto label = [](int y, int m, int d) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%s %2d", kMonths[m - 1], d);
    (void)y;
    return std::string(buf);
  };
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (text == "today" || text == "yesterday") {
    const absl::CivilDay day = text == "today" ? today : today - 1;
    y = static_cast<int>(day.year());
    m = day.month();
    d = day.day();
  } else if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3) {
    const absl::CivilDay day(y, m, d);
    if (day.year() != y || day.month() != m || day.day() != d) {
      *error = "-d: '" + text + "' is not a valid date";
      return false;
    }
  } else if (text == "this month" || text == "last month" ||
             (std::sscanf(text.c_str(), "%4d-%2d%c", &y, &m, &tail) == 2 && m >= 1 &&
              m <= 12)) {
    if (text == "this month" || text == "last month") {
      absl::CivilMonth month(today);
      if (text == "last month") month -= 1;
      y = static_cast<int>(month.year());
      m = month.month();
    }
    const absl::CivilMonth month(y, m);
    range->first = DaysFromCivil(y, m, 1);
    const absl::CivilDay last = absl::CivilDay(month + 1) - 1;
    range->last = DaysFromCivil(y, m, last.day());
    range->label = std::string(kMonths[m - 1]) + " " + std::to_string(y);
    return true;
  } else {
    *error = "-d: '" + text +
             "' is not today, yesterday, this month, last month, YYYY-MM-DD or YYYY-MM";
    return false;
  }
  range->first = range->last = DaysFromCivil(y, m, d);
  range->label = label(y, m, d);
  return true;
}

// pflogsumm accepts "_" for "-" in option names and an optional value for
// --verp-mung; Args wants one spelling, so rewrite those first.
std::vector<std::string> NormalizeArgv(int argc, char** argv, int first) {
  std::vector<std::string> out;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (i >= first && a.rfind("--", 0) == 0 && a.size() > 2) {
      const size_t eq = a.find('=');
      for (size_t k = 2; k < a.size() && k < eq; ++k) {
        if (a[k] == '_') a[k] = '-';
      }
      if (a.rfind("--verp-mung=", 0) == 0) a = "--verp-mung-level=" + a.substr(12);
    }
    if (a == "--") {
      for (; i < argc; ++i) out.push_back(argv[i]);
      break;
    }
    out.push_back(a);
  }
  return out;
}

}  // namespace

int ReportCommand(int argc, char** argv, int first) {
  Args args("report");
  args.Value("format", "FORMAT", "text (default, pflogsumm's layout), json or html");
  args.Value("merge", "FILE.json",
             "add a JSON summary written by --format json (another host or day); "
             "repeatable; with no log FILE given, only the summaries are reported");
  args.Value("date", "DAY",
             "report only lines of this day: today, yesterday, YYYY-MM-DD, or of a "
             "month: \"this month\", \"last month\", YYYY-MM (log wall-clock time)", 'd');
  args.Value("detail", "N",
             "limit every top list and detail section to N rows (0 hides them) "
             "unless a more specific option says otherwise");
  args.Value("host-top", "N", "top N rows of the host/domain tables (0 hides them)", 'h');
  args.Value("user-top", "N", "top N rows of the sender/recipient tables (0 hides them)",
             'u');
  args.Value("bounce-detail", "N", "top N bounce reasons per relay (0 hides the section)");
  args.Value("deferral-detail", "N",
             "top N deferral reasons per service (0 hides it and expired detail)");
  args.Value("reject-detail", "N",
             "top N clients/addresses per reject, reject warning, hold and discard "
             "reason (0 hides them)");
  args.Value("smtp-detail", "N", "top N hosts per smtp delivery failure (0 hides it)");
  args.Value("smtpd-warning-detail", "N", "top N warnings per service (0 hides them)");
  args.Value("warning-detail", "N", "same as --smtpd-warning-detail");
  args.Flag("ignore-case", "lower-case whole addresses (default: only the domain)", 'i');
  args.Flag("iso-date-time", "ISO 8601 dates and times (2026-11-25, 10:00-11:00)");
  args.Flag("problems-first", "print the problem sections before the traffic tables");
  args.Flag("smtpd-stats", "add smtpd connection statistics (count, time, per host)");
  args.Flag("verp-mung", "replace VERP numbers in sender addresses by \"ID\"");
  args.Value("verp-mung-level", "N",
             "--verp-mung=2 (also written so): also drop the VERP recipient part");
  args.Flag("zero-fill", "print all five columns of every day in the per-day table");
  args.Flag("no-no-msg-size", "omit \"Messages with no size data\"");
  args.Flag("rej-add-from", "show the sender with recipient and client rejects");
  args.Flag("rej-add-to", "show the recipient with sender-address rejects");
  args.Flag("use-orig-to", "count recipients by their original address (orig_to=) when logged");
  args.Flag("quiet", "omit sections that have nothing to show", 'q');
  args.Flag("stats", "print input and correlation statistics to stderr");
  AddInputFlags(&args);

  std::vector<std::string> normalized = NormalizeArgv(argc, argv, first);
  std::vector<char*> argv2;
  for (std::string& s : normalized) argv2.push_back(s.data());
  if (absl::Status s = args.Parse(static_cast<int>(argv2.size()), argv2.data(), first);
      !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 2;
  }
  if (args.Has("help")) {
    std::printf(
        "usage: mailgauge report [OPTIONS] [FILE...|-]\n\n"
        "Summarizes Postfix logs the way pflogsumm does, section for section:\n"
        "Grand Totals, per-day and per-hour traffic, host/domain tables, senders\n"
        "and recipients by count and size, deferral, bounce, reject, hold and\n"
        "discard detail, warnings, fatal errors, panics and master messages;\n"
        "then mailgauge's own sections (expired mail, postscreen, TLS, SASL\n"
        "failures, reason classes). Messages are followed by queue ID, so mail\n"
        "re-injected by a content filter is counted once. Reads syslog files\n"
        "(classic, ISO, RFC 5424), Postfix's maillog_file, .gz files, stdin or\n"
        "the systemd journal (--journal*), in time order; with no FILE, no\n"
        "journal option and no --merge, reads stdin.\n"
        "-h and -u take a count as in pflogsumm; --help shows this text.\n\n"
        "Options:\n%s",
        args.Help().c_str());
    return 0;
  }
  auto input_options = InputOptionsFromFlags(args);
  if (!input_options.ok()) return Fail(std::string(input_options.status().message()), 2);

  const std::string format = args.Get("format", "text");
  if (format != "text" && format != "json" && format != "html") {
    return Fail("--format: '" + format + "' is not text, json or html", 2);
  }
  analyzer::report::ReportOptions report_options;
  std::string error;
  int detail = -1;
  if (!Count(args, "detail", &detail, &error)) return Fail(error, 2);
  for (int* limit : {&report_options.host_top, &report_options.user_top,
                     &report_options.bounce_detail, &report_options.deferral_detail,
                     &report_options.reject_detail, &report_options.smtp_detail,
                     &report_options.warning_detail}) {
    *limit = detail;
  }
  for (const auto& [name, limit] :
       {std::pair<const char*, int*>{"host-top", &report_options.host_top},
        {"user-top", &report_options.user_top},
        {"bounce-detail", &report_options.bounce_detail},
        {"deferral-detail", &report_options.deferral_detail},
        {"reject-detail", &report_options.reject_detail},
        {"smtp-detail", &report_options.smtp_detail},
        {"smtpd-warning-detail", &report_options.warning_detail},
        {"warning-detail", &report_options.warning_detail}}) {
    if (!Count(args, name, limit, &error)) return Fail(error, 2);
  }
  report_options.quiet = args.Has("quiet");
  report_options.iso_date_time = args.Has("iso-date-time");
  report_options.problems_first = args.Has("problems-first");
  report_options.smtpd_stats = args.Has("smtpd-stats");
  report_options.no_no_msg_size = args.Has("no-no-msg-size");
  report_options.zero_fill = args.Has("zero-fill");

  analyzer::SummaryOptions summary_options;
  summary_options.ignore_case = args.Has("ignore-case");
  summary_options.rej_add_from = args.Has("rej-add-from");
  summary_options.rej_add_to = args.Has("rej-add-to");
  summary_options.use_orig_to = args.Has("use-orig-to");
  if (args.Has("verp-mung")) summary_options.verp_mung = 1;
  if (args.Has("verp-mung-level")) {
    int level = 0;
    if (!Count(args, "verp-mung-level", &level, &error) || level < 1) {
      return Fail("--verp-mung: '" + args.Get("verp-mung-level") + "' must be 1 or 2", 2);
    }
    summary_options.verp_mung = level;
  }

  DayRange range;
  if (args.Has("date")) {
    if (!ParseDayRange(args.Get("date"), input_options->envelope.time_zone, &range, &error)) {
      return Fail(error, 2);
    }
    report_options.date_label = range.label;
  }

  analyzer::Summary summary(summary_options);
  int exit_code = 0;
  const std::vector<std::string> merges = args.GetAll("merge");
  for (const std::string& path : merges) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Fail(path + ": cannot open", 1);
    std::stringstream buf;
    buf << in.rdbuf();
    auto other = analyzer::Summary::FromJson(buf.str());
    if (!other.ok()) return Fail(path + ": " + std::string(other.status().message()), 1);
    summary.Merge(*other);
  }

  // Logs are read when named, when the journal is asked for, or (stdin) when
  // there is nothing to merge.
  const bool journal = input_options->journal.has_value();
  if (!args.positional().empty() || journal || merges.empty()) {
    analyzer::CorrelatorOptions correlator_options;
    correlator_options.emit_unfinished = true;
    analyzer::Correlator correlator(
        correlator_options, [&](analyzer::MessageRecord&& m) { summary.AddRecord(m); });
    const bool filter = range.last >= range.first;
    auto input = analyzer::LogInput::Create(
        *std::move(input_options), [&](const LogLine& line, const parsers::Event& e) {
          if (filter) {
            const int64_t day = analyzer::LocalDay(line.time);
            if (day < range.first || day > range.last) return;
          }
          summary.AddEvent(line, e);
          correlator.Add(line, e);
        });
    if (!input.ok()) return Fail(std::string(input.status().message()), 1);
    absl::Status read = ReadInputs(args, input->get());
    correlator.Finish(/*include_unfinished=*/true);
    const analyzer::LogInputStats& stats = (*input)->stats();
    PrintRunStats(args, stats, correlator.stats());
    if (!read.ok()) {
      std::fprintf(stderr, "mailgauge report: %s\n", std::string(read.message()).c_str());
      // Nothing readable and nothing merged: no report rather than one of zeros.
      if (stats.files == 0 && stats.journal_entries == 0 && merges.empty()) return 1;
      exit_code = 1;
    }
  }

  std::ios::sync_with_stdio(false);
  if (format == "json") {
    std::cout << analyzer::report::RenderJson(summary);
  } else if (format == "html") {
    std::cout << analyzer::report::RenderHtml(summary.data(), report_options);
  } else {
    std::cout << analyzer::report::RenderText(summary.data(), report_options);
  }
  std::cout.flush();
  return exit_code;
}

}  // namespace mailgauge::cli
