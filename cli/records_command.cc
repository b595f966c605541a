#include "cli/records_command.h"

#include <cstdio>
#include <iostream>
#include <memory>
#include <vector>

#include "analyzer/correlator.h"
#include "analyzer/log_input.h"
#include "analyzer/message_record.h"
#include "analyzer/pipeline.h"
#include "analyzer/records_json.h"
#include "cli/args.h"
#include "cli/input_flags.h"
#include "common/version.h"

namespace mailgauge::cli {
namespace {

// --threads: finished messages go to a writer thread in runs of this many,
// at most kWriterQueue runs queued.
constexpr size_t kRecordsPerRun = 256;
constexpr size_t kWriterQueue = 8;

}  // namespace

int RecordsCommand(int argc, char** argv, int first) {
  Args args("records");
  args.Flag("include-unfinished",
            "also print messages still in flight at the end of the input "
            "(deferred, held), with \"finished\": false");
  args.Value("max-messages", "N",
             "at most N messages in flight; the least recently active is "
             "evicted beyond (default 100000)");
  args.Value("max-age", "DURATION",
             "evict a message with no new line for this long (default 6d: "
             "maximal_queue_lifetime plus a day)");
  args.Value("grace", "DURATION",
             "wait this long (log time) for late lines of a finished message "
             "(default 10s)");
  args.Flag("stats", "print input and correlation statistics to stderr");
  args.Flag("version", "print mailgauge's version and exit");
  args.Flag("quiet", "do not print the summary of lines not understood", 'q');
  AddInputFlags(&args);
  if (absl::Status s = args.Parse(argc, argv, first); !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 2;
  }
  if (args.Has("version")) {
    std::printf("mailgauge %s\n", kVersion);
    return 0;
  }
  if (args.Has("help")) {
    std::printf(
        "usage: mailgauge records [OPTIONS] [FILE...|-]\n"
        "       mailgauge records [OPTIONS] --journal|--journal-dir DIR|--journal-file FILE\n\n"
        "Reads Postfix logs (syslog files in classic, ISO or RFC 5424 format,\n"
        "Postfix's own maillog_file, saved journalctl output (-o short*,\n"
        "json*, export, verbose), .gz, .xz, .bz2 and .zst files, or stdin),\n"
        "and Exim's (its main log, syslog lines: docs/exim.md), and\n"
        "prints one JSON object per finished message: queue IDs of every hop,\n"
        "client, sender, size, message-id, and each recipient's final status,\n"
        "relay, dsn, reason class, delays and number of deferrals. Files are\n"
        "read in time order. With no FILE, reads stdin.\n"
        "With --journal, --journal-dir or --journal-file, reads Postfix's\n"
        "entries from the systemd journal instead. --threads N uses N\n"
        "threads for files (the records are the same, in the same order, as\n"
        "with one).\n\nOptions:\n%s",
        args.Help().c_str());
    return 0;
  }
  auto input_options = InputOptionsFromFlags(args);
  if (!input_options.ok()) {
    std::fprintf(stderr, "mailgauge records: %s\n",
                 std::string(input_options.status().message()).c_str());
    return 2;
  }
  analyzer::CorrelatorOptions correlator_options;
  if (args.Has("max-messages")) {
    const long n = std::strtol(args.Get("max-messages").c_str(), nullptr, 10);
    if (n < 1) {
      std::fprintf(stderr, "mailgauge records: --max-messages must be at least 1\n");
      return 2;
    }
    correlator_options.max_messages = static_cast<size_t>(n);
  }
  for (const auto& [flag, field] :
       {std::pair<const char*, int64_t*>{"max-age", &correlator_options.max_age_seconds},
        std::pair<const char*, int64_t*>{"grace", &correlator_options.grace_seconds}}) {
    if (args.Has(flag) && !ParseDuration(args.Get(flag), field)) {
      std::fprintf(stderr,
                   "mailgauge records: --%s: '%s' is not a duration like 30s, 5m, 6d\n",
                   flag, args.Get(flag).c_str());
      return 2;
    }
  }
  const bool include_unfinished = args.Has("include-unfinished");
  correlator_options.emit_unfinished = include_unfinished;

  std::ios::sync_with_stdio(false);
  analyzer::RecordsJsonWriter writer(&std::cout);
  // With --threads N (files only), N - 1 workers parse, this thread correlates,
  // and a stage thread writes the JSON, in the correlator's order.
  const bool threaded = input_options->threads > 1 && !input_options->journal;
  // Runs go back to this thread when written (a SparePool), so their record
  // slots (RecordRun) are used again.
  using Run = analyzer::RecordRun;
  analyzer::SparePool<Run> spare_runs(kWriterQueue + 3);
  std::unique_ptr<analyzer::StageThread<Run>> writer_stage;
  if (threaded) {
    writer_stage = std::make_unique<analyzer::StageThread<Run>>(
        kWriterQueue, [&writer, &spare_runs](Run& run) {
          for (const analyzer::MessageRecord& m : run) writer.Write(m);
          run.Clear();
          spare_runs.Give(std::move(run));
          return absl::OkStatus();
        });
  }
  Run run;
  auto flush = [&] {
    if (run.empty()) return;
    writer_stage->Push(std::move(run));  // false only if the writer threw: Finish() rethrows
    run = spare_runs.Take();
  };
  analyzer::Correlator correlator(correlator_options, [&](analyzer::MessageRecord&& m) {
    if (!threaded) {
      writer.Write(m);
      return;
    }
    // Swapped with a used slot's record, which the correlator clears.
    run.Append(std::move(m));
    if (run.size() >= kRecordsPerRun) flush();
  });
  auto input = analyzer::LogInput::Create(
      *std::move(input_options),
      [&](const LogLine& line, const parsers::Event& e) { correlator.Add(line, e); });
  if (!input.ok()) {
    std::fprintf(stderr, "mailgauge records: %s\n",
                 std::string(input.status().message()).c_str());
    return 1;
  }
  absl::Status read = ReadInputs(args, input->get());
  correlator.Finish(include_unfinished);
  if (threaded) {
    flush();
    absl::Status s = writer_stage->Finish();
    if (!s.ok()) {
      std::fprintf(stderr, "mailgauge records: %s\n", std::string(s.message()).c_str());
      return 1;
    }
  }
  if (!FlushStdout("records", "the records")) return 1;

  const analyzer::LogInputStats& stats = (*input)->stats();
  PrintRunStats(args, stats, correlator.stats());
  if (!read.ok()) {
    std::fprintf(stderr, "mailgauge records: %s\n", std::string(read.message()).c_str());
    return 1;
  }
  return 0;
}

}  // namespace mailgauge::cli
