// LogInput with threads > 1 must hand the handler exactly what one thread
// hands it: the same lines, in the same order, with the same times (a
// classic timestamp's year and a repeated DST hour depend on the lines
// before), the same Events, counts and unparsed-lines file; and the worker
// handler each of those lines once, without its time.
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "analyzer/log_input.h"
#include "bench/log_generator.h"
#include "analyzer/test_files.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "parsers/syslog_envelope.h"

namespace mailgauge::analyzer {
namespace {

const TestFiles kFiles("log_input_parallel_test");

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Everything a handler call says but the time, as text.
std::string DescribeUntimed(const LogLine& l, const parsers::Event& e) {
  return absl::StrCat(A(l.host), " ", A(l.program), "[", l.pid, "] ", A(l.instance), "/",
                      A(l.service), "/", A(l.daemon), ": ", A(l.message), " | ",
                      A(parsers::EventKindName(e.kind)), " ", A(e.queue_id), " ", A(e.from),
                      " ", A(e.to), " ", A(e.status), " ", A(e.new_queue_id), " ", e.size);
}

// Everything a handler call says, as text.
std::string Describe(const LogLine& l, const parsers::Event& e) {
  return absl::StrCat(l.time.unix_micros, " ", l.time.utc_offset_seconds, " ",
                      DescribeUntimed(l, e));
}

std::string DescribeStats(const LogInputStats& s) {
  std::string out = absl::StrCat(s.files, " ", s.lines, " ", s.bytes, " ", s.empty_lines, " ",
                                 s.malformed_lines, " ", s.overlong_lines, " ",
                                 s.other_program_lines, " ", s.postfix_lines, " ",
                                 s.parsed_lines, " ", s.time_went_backwards, " ",
                                 s.journalctl_entries, " ", s.journalctl_entry_lines, " ",
                                 s.repeated_messages, " ", s.verbose_lines);
  for (const auto& [daemon, n] : s.unparsed_by_daemon) absl::StrAppend(&out, " ", daemon, "=", n);
  return out;
}

struct ReadResult {
  std::vector<std::string> calls;
  std::vector<std::string> untimed_calls;  // the handler's, without times
  // The worker handler's calls, by worker (threads > 1).
  std::vector<std::vector<std::string>> worker_calls;
  std::string stats;
  uint64_t malformed = 0, other_lines = 0, postfix_lines = 0, time_went_backwards = 0;
  std::string unparsed;
  absl::Status status;
};

ReadResult ReadWith(int threads, const std::vector<std::string>& paths, LogInputOptions options) {
  ReadResult run;
  options.threads = threads;
  options.unparsed_path = kFiles.Path("unparsed_" + std::to_string(threads));
  options.max_line_bytes = 300;
  auto input = LogInput::Create(options, [&](const LogLine& l, const parsers::Event& e) {
    run.calls.push_back(Describe(l, e));
    run.untimed_calls.push_back(DescribeUntimed(l, e));
  });
  EXPECT_TRUE(input.ok()) << input.status();
  EXPECT_EQ(threads > 1 ? threads - 1 : 0, (*input)->parse_workers());
  // Each worker writes only its own vector.
  run.worker_calls.resize((*input)->parse_workers() + 1);
  (*input)->SetWorkerHandler([&](int worker, const LogLine& l, const parsers::Event& e) {
    EXPECT_FALSE(l.time.known());  // not given before the line's turn
    run.worker_calls.at(worker).push_back(DescribeUntimed(l, e));
  });
  run.status = (*input)->ReadFiles(paths);
  run.stats = DescribeStats((*input)->stats());
  run.malformed = (*input)->stats().malformed_lines;
  run.other_lines = (*input)->stats().other_program_lines;
  run.postfix_lines = (*input)->stats().postfix_lines;
  run.time_went_backwards = (*input)->stats().time_went_backwards;
  run.unparsed = ReadFile(options.unparsed_path);
  return run;
}

void ExpectSameAsOneThread(const std::vector<std::string>& paths, const LogInputOptions& options) {
  const ReadResult one = ReadWith(1, paths, options);
  ASSERT_FALSE(one.calls.empty());
  for (int threads : {2, 3, 4}) {
    const ReadResult many = ReadWith(threads, paths, options);
    EXPECT_EQ(one.status, many.status) << threads;
    EXPECT_EQ(one.stats, many.stats) << threads;
    EXPECT_EQ(one.unparsed, many.unparsed) << threads;
    ASSERT_EQ(one.calls.size(), many.calls.size()) << threads;
    for (size_t i = 0; i < one.calls.size(); ++i) {
      ASSERT_EQ(one.calls[i], many.calls[i]) << "threads " << threads << ", call " << i;
    }
    // The workers saw each line the handler got, once, in some order.
    std::vector<std::string> by_workers;
    for (const std::vector<std::string>& w : many.worker_calls) {
      by_workers.insert(by_workers.end(), w.begin(), w.end());
    }
    std::vector<std::string> handled = many.untimed_calls;
    std::sort(by_workers.begin(), by_workers.end());
    std::sort(handled.begin(), handled.end());
    EXPECT_TRUE(by_workers == handled) << "threads " << threads << ": workers saw "
                                       << by_workers.size() << ", the handler " << handled.size();
  }
}

LogInputOptions Options() {
  LogInputOptions options;
  options.envelope.time_zone = absl::UTCTimeZone();
  options.envelope.now = absl::FromUnixSeconds(1795600000);  // 2026-11-25
  return options;
}

TEST(LogInputParallelTest, GeneratedRotatedFilesWithMessagesAcrossThem) {
  for (bool iso : {false, true}) {
    bench::LogGeneratorOptions gen_options;
    gen_options.seed = 3;
    gen_options.iso_timestamps = iso;
    bench::LogGenerator gen(gen_options);
    std::vector<std::string> parts(4);
    std::string line;
    for (int i = 0; i < 40000 && gen.Next(&line); ++i) {
      std::string& part = parts[i / 10000];
      part += line;
      part += '\n';
      if (i % 997 == 0) part += "garbage that is no syslog line\n";
      if (i % 1499 == 0) part += "\n";
      if (i % 2003 == 0) part += line.substr(0, 16) + "mx postfix/smtpd[1]: " + std::string(400, 'x') + "\n";
    }
    const std::string tag = iso ? "iso" : "classic";
    // Given newest first, one gzipped: read in time order all the same.
    const std::vector<std::string> paths = {
        kFiles.Write(tag + ".log", parts[3]), kFiles.Write(tag + ".log.1", parts[2]),
        kFiles.WriteGzip(tag + ".log.2.gz", parts[1]), kFiles.Write(tag + ".log.3", parts[0])};
    ExpectSameAsOneThread(paths, Options());
  }
}

// A line of `journalctl -o json` for a syslog line.
std::string AsJournalJson(const std::string& syslog_line) {
  parsers::EnvelopeParser envelope(Options().envelope);
  LogLine l;
  if (envelope.Parse(syslog_line, &l) != parsers::EnvelopeResult::kOk) return syslog_line;
  nlohmann::json entry = {{"__REALTIME_TIMESTAMP", std::to_string(l.time.unix_micros)},
                          {"_HOSTNAME", std::string(l.host)},
                          {"SYSLOG_IDENTIFIER", std::string(l.program)},
                          {"SYSLOG_PID", std::to_string(l.pid)},
                          {"MESSAGE", std::string(l.message)}};
  return entry.dump();
}

// The same entry as `journalctl -o export` (no empty line after it) or
// `-o json-pretty` writes it, over several lines.
std::string AsJournalEntryLines(const std::string& syslog_line, bool pretty) {
  const nlohmann::json entry = nlohmann::json::parse(AsJournalJson(syslog_line));
  if (pretty) return entry.dump(1, '\t');
  std::string out;
  for (const auto& [name, value] : entry.items()) {
    absl::StrAppend(&out, out.empty() ? "" : "\n", name, "=", value.get<std::string>());
  }
  return out;
}

TEST(LogInputParallelTest, LinesTheCallingThreadParses) {
  // Lines the calling thread parses itself (journalctl JSON entries among
  // syslog lines, rsyslog's repeated messages): the same calls, and the
  // worker handler sees them too.
  bench::LogGeneratorOptions gen_options;
  gen_options.seed = 5;
  gen_options.iso_timestamps = true;
  bench::LogGenerator gen(gen_options);
  std::string text, line;
  uint64_t cut_entries = 0;  // longer than ReadWith's max_line_bytes: no JSON
  for (int i = 0; i < 30000 && gen.Next(&line); ++i) {
    const std::string entry = i % 3 == 0 ? AsJournalJson(line) : line;
    if (i % 3 == 0 && entry.size() > 300) ++cut_entries;
    text += entry;
    text += '\n';
    if (i % 1009 == 0) text += "{\"MESSAGE\":\"no time\"}\n";
    const size_t colon = line.find("]: ");
    if (i % 997 == 0 && i % 3 != 0 && colon != std::string::npos) {
      // rsyslog's repeated message, also read on the calling thread.
      text += line.substr(0, colon + 3) + "message repeated 2 times: [ " +
              line.substr(colon + 3) + "]\n";
    }
    if (i % 101 == 0 && i % 3 != 0 && colon != std::string::npos) {
      // Verbose logging, counted apart.
      text += line.substr(0, colon + 3) + "match_list_match: permit_mynetworks: no match\n";
    }
  }
  const std::string path = kFiles.Write("journal.json", text);
  ExpectSameAsOneThread({path}, Options());
  // The entries were read (not counted as malformed: only the 30 without a
  // time are, and those cut short), and the calling thread's slot got their
  // worker calls.
  const ReadResult two = ReadWith(2, {path}, Options());
  std::istringstream stats(two.stats);
  uint64_t files, lines, bytes, empty, malformed;
  stats >> files >> lines >> bytes >> empty >> malformed;
  uint64_t skipped, repeated, verbose;
  for (int i = 0; i < 7; ++i) stats >> skipped;
  stats >> repeated >> verbose;
  EXPECT_GT(repeated, 0u) << two.stats;
  EXPECT_GT(verbose, 100u) << two.stats;
  EXPECT_GT(cut_entries, 0u);
  EXPECT_EQ(30u + cut_entries, malformed) << two.stats;
  ASSERT_EQ(2u, two.worker_calls.size());
  EXPECT_GT(two.worker_calls[1].size(), 5000u);
  EXPECT_GT(two.worker_calls[0].size(), 10000u);
}

TEST(LogInputParallelTest, JournalctlEntriesOverSeveralLines) {
  // Entries of `journalctl -o export` and `-o json-pretty` among syslog
  // lines, across batches and files; the first file ends inside an export
  // entry with no empty line after it, the second starts with another
  // without __CURSOR: the end of the file ends the first.
  bench::LogGeneratorOptions gen_options;
  gen_options.seed = 9;
  gen_options.iso_timestamps = true;
  bench::LogGenerator gen(gen_options);
  std::string texts[2], line;
  uint64_t lines = 0;
  for (int file = 0; file < 2; ++file) {
    for (int i = 0; i < 6000 && gen.Next(&line); ++i, ++lines) {
      std::string& text = texts[file];
      const bool first_files_last = file == 0 && i == 5999;
      if (i % 3 == 0 || first_files_last) {
        text += AsJournalEntryLines(line, /*pretty=*/false) + "\n";
        if (!first_files_last) text += "\n";
      } else if (i % 3 == 1) {
        text += AsJournalEntryLines(line, /*pretty=*/true) + "\n";
      } else {
        text += line + "\n";
      }
    }
  }
  const std::vector<std::string> paths = {kFiles.Write("entries_1.log", texts[0]),
                                          kFiles.Write("entries_2.log", texts[1])};
  ExpectSameAsOneThread(paths, Options());
  // Every generated line is one line of the counts, in order. ReadWith cuts
  // lines at 300 bytes: an export entry with a cut MESSAGE is a Postfix
  // line not understood; a json-pretty one (7 lines) is not JSON then, and
  // its lines are malformed.
  const ReadResult two = ReadWith(2, paths, Options());
  EXPECT_EQ(lines, two.postfix_lines + two.other_lines + two.malformed / 7) << two.stats;
  EXPECT_EQ(0u, two.malformed % 7) << two.stats;
  EXPECT_EQ(0u, two.time_went_backwards) << two.stats;
}

TEST(LogInputParallelTest, YearRollOverAcrossFilesAndBatches) {
  // "now" is New Year's Eve: December is this year, and only a reader that
  // saw December before January knows January is next year.
  LogInputOptions options = Options();
  options.envelope.now = absl::FromUnixSeconds(1798757000);  // 2026-12-31T11:23Z
  std::string december, january;
  for (int i = 0; i < 1500; ++i) {
    december += absl::StrCat("Dec 31 23:", 10 + i / 60 % 50, ":", 10 + i % 50,
                             " mx postfix/qmgr[1]: 4B0C72A", i, ": removed\n");
    january += absl::StrCat("Jan  1 00:", 10 + i / 60 % 50, ":", 10 + i % 50,
                            " mx postfix/qmgr[1]: 5C0C72A", i, ": removed\n");
  }
  // One file across the roll-over (batches on both sides), and two files.
  ExpectSameAsOneThread({kFiles.Write("newyear", december + january)}, options);
  ExpectSameAsOneThread({kFiles.Write("newyear.1", december), kFiles.Write("newyear.0", january)},
                        options);
  // The point of the test: a worker on its own would date January 2026.
  const ReadResult one = ReadWith(1, {kFiles.Write("newyear", december + january)}, options);
  EXPECT_NE(std::string::npos, one.calls.back().find("5C0C72A1499"));
  const int64_t micros = std::stoll(one.calls.back());
  EXPECT_GE(micros, int64_t{1798761600} * 1000000) << one.calls.back();  // 2027-01-01
  EXPECT_LT(micros, int64_t{1798848000} * 1000000) << one.calls.back();
}

TEST(LogInputParallelTest, RepeatedDstHourAcrossFiles) {
  absl::TimeZone berlin;
  if (!absl::LoadTimeZone("Europe/Berlin", &berlin)) GTEST_SKIP() << "no tzdata";
  LogInputOptions options = Options();
  options.envelope.time_zone = berlin;
  // 2026-10-25: 02:00-03:00 local time happens twice. Without an offset,
  // the second pass is told apart only by the lines before it.
  std::string first, second;
  for (int m = 0; m < 60; ++m) {
    first += absl::StrCat("2026-10-25T02:", m < 10 ? "0" : "", m,
                          ":00 mx postfix/qmgr[1]: 4B0C7", 1000 + m, ": removed\n");
  }
  for (int m = 0; m < 60; ++m) {
    std::string& out = m < 30 ? first : second;
    out += absl::StrCat("2026-10-25T02:", m < 10 ? "0" : "", m,
                        ":30 mx postfix/qmgr[1]: 5B0C7", 1000 + m, ": removed\n");
  }
  second += "2026-10-25T03:10:00 mx postfix/qmgr[1]: 6B0C71000: removed\n";
  ExpectSameAsOneThread({kFiles.Write("dst.1", first), kFiles.Write("dst.0", second)}, options);
}

TEST(LogInputParallelTest, ErrorsAsWithOneThread) {
  const std::string good = kFiles.Write("good", "Nov 25 10:00:00 mx postfix/qmgr[1]: 4B0C72A1F3: removed\n");
  std::string lines;
  for (int i = 0; i < 20000; ++i) {
    lines += absl::StrCat("Nov 25 11:00:00 mx postfix/qmgr[1]: 4B0C7", 10000 + i, ": removed\n");
  }
  const std::string gz = ReadFile(kFiles.WriteGzip("full.gz", lines));
  const std::string cut = kFiles.Write("cut.gz", gz.substr(0, gz.size() / 2));
  const std::vector<std::string> paths = {kFiles.Path("missing"), good, cut};
  ExpectSameAsOneThread(paths, Options());
  const ReadResult run = ReadWith(2, paths, Options());
  EXPECT_EQ(absl::StatusCode::kNotFound, run.status.code()) << run.status;
}

}  // namespace
}  // namespace mailgauge::analyzer
