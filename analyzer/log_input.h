// File: analyzer/log_input.h
// Reads mail logs (plain, .gz, stdin) line by line, takes each envelope
// apart, keeps the Postfix lines and turns their bodies into Events, and hands
// (LogLine, Event) to a callback. Everything it does not understand is
// counted — per daemon for Postfix lines no pattern knows, separately for
// lines whose envelope can't be read — and can be copied to a file.
//
//   LogInput input(LogInputOptions{}, [&](const LogLine& l, const Event& e) {
//     correlator.Add(l, e);
//   });
//   absl::Status s = input.ReadFiles({"mail.log.1", "mail.log"});
//   input.stats().unparsed_by_daemon;   // {"smtpd": 0, ...}
//
// Several files are read in time order (by the first timestamp each holds),
// not in argument order, so rotated files can be given in any order.
//
// The systemd journal is read entry by entry, each entry's fields turned into
// a LogLine directly (parsers/journal_reader.h), and fed to the same Postfix
// parser, handler and counts:
//
//   parsers::JournalOptions journal;  // the local system journal
//   absl::Status s = input.ReadJournal(journal);
//   input.journal_cursor();           // resume point for after_cursor
//
// With LogInputOptions::threads N > 1, ReadFiles() reads and parses on N - 1
// worker threads (analyzer/parallel_reader.h) and calls the handler on
// the calling thread, line by line in the same order, with the same
// LogLines, Events and counts as with one thread (the Event, as with one
// thread, only for the handler's call). Work that needs neither a line's
// time nor the order of lines may be done on the workers instead, as they
// parse (SetWorkerHandler):
//
//   per_worker.resize(input->parse_workers() + 1);
//   input->SetWorkerHandler([&](int worker, const LogLine& l, const Event& e) {
//     per_worker[worker].Count(e);   // l.time is not known yet
//   });
//
// Thread-safety: not thread-safe; one LogInput per thread (its workers are
// its own).
#ifndef MAILGAUGE_ANALYZER_LOG_INPUT_H_
#define MAILGAUGE_ANALYZER_LOG_INPUT_H_

#include <cstdint>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/log_line.h"
#include "analyzer/parallel_reader.h"
#include "parsers/exim/exim_log.h"
#include "parsers/journal_entry_assembler.h"
#include "parsers/journal_json.h"
#include "parsers/journal_reader.h"
#include "parsers/line_reader.h"
#include "parsers/postfix/event.h"
#include "parsers/postfix/postfix_parser.h"
#include "parsers/syslog_envelope.h"

namespace mailgauge::analyzer {

struct LogInputOptions {
  parsers::EnvelopeOptions envelope;
  size_t max_line_bytes = 64 * 1024;
  // When set, every line not understood (bad envelope, or a Postfix line no
  // pattern knows) is appended here, as it was read.
  std::string unparsed_path;
  // Threads for files in ReadFiles(), in all: with N > 1, N - 1 workers
  // read and parse while the calling thread handles the lines; 1 reads
  // them on the calling thread (the journal is always read there).
  int threads = 1;
  // When set, ReadInputs() reads the journal (time zone, syslog names and
  // line cap are taken from the fields above, see ReadJournal()).
  std::optional<parsers::JournalOptions> journal;
};

struct LogInputStats {
  uint64_t files = 0;
  uint64_t lines = 0;
  uint64_t bytes = 0;
  uint64_t empty_lines = 0;
  uint64_t malformed_lines = 0;     // envelope could not be read
  uint64_t overlong_lines = 0;      // cut at max_line_bytes
  uint64_t other_program_lines = 0; // not Postfix (dovecot, opendkim, ...)
  uint64_t postfix_lines = 0;
  uint64_t parsed_lines = 0;
  uint64_t time_went_backwards = 0; // a line older than the newest seen
  uint64_t journal_entries = 0;     // of `lines`, read from the journal
  // Entries of `journalctl -o export`, `-o json-pretty` or `-o verbose`
  // read (each one line for the counts below, like a line of `journalctl
  // -o json`), and the `lines` they took; entries that can't be read count their lines as
  // malformed_lines instead. So lines = postfix_lines + other_program_lines
  // + malformed_lines + empty_lines + journalctl_entry_lines -
  // journalctl_entries (journal_entries aside).
  uint64_t journalctl_entries = 0;
  uint64_t journalctl_entry_lines = 0;
  // The sum of N over rsyslog's "message repeated N times: [...]" lines
  // understood (each such line is one of parsed_lines).
  uint64_t repeated_messages = 0;
  // Of parsed_lines, those of Postfix's verbose logging (-v in master.cf,
  // debug_peer_list): understood, but saying nothing about mail.
  uint64_t verbose_lines = 0;
  // Of postfix_lines (the mail system's lines), those of Exim: its main log
  // (parsers::ReadEximMainLogLine) or a syslog tag exim*
  // (parsers::IsEximProgram), read as Postfix's (parsers/exim/exim_log.h).
  // Exim's lines not understood count under unparsed_by_daemon["exim"].
  uint64_t exim_lines = 0;
  // Of malformed_lines, those of journalctl's forms without a date:
  // short-monotonic or short-delta (parsers::LooksLikeMonotonicTime), and
  // -o cat's bare messages (parsers::LooksLikeJournalctlCat).
  uint64_t undated_journalctl_lines = 0;
  uint64_t journalctl_cat_lines = 0;
  // Of malformed_lines, the header dumps of Exim's reject log
  // (parsers::LooksLikeEximRejectLogHeaders): one a rejected message.
  uint64_t exim_reject_log_dumps = 0;
  // Exim's reject logs given beside its main log, and so not read
  // (parsers::EximRejectLogsBesideMainLog).
  std::vector<std::string> skipped_exim_reject_logs;
  // Of the journalctl JSON entries not read (counted in malformed_lines),
  // those whose MESSAGE is null: journalctl leaves out fields over 4096
  // bytes unless given --all.
  uint64_t journal_messages_left_out = 0;
  // other_program_lines by syslog tag, for the first kMaxOtherPrograms tags;
  // the rest under "(others)".
  static constexpr size_t kMaxOtherPrograms = 8;
  std::map<std::string, uint64_t, std::less<>> other_programs;
  // Keyed by canonical daemon name (parsers::DaemonName), "other" for names
  // Postfix does not have: a bounded set.
  std::map<std::string, uint64_t> unparsed_by_daemon;
  uint64_t unparsed_lines() const;
};

// What `s` says about lines of a mail log mailgauge does not read
// (Sendmail's, journalctl output without dates, Exim's reject log), one
// sentence each, for
// `mailgauge`'s stderr and the exporter's warning.
std::vector<std::string> ForeignLogNotes(const LogInputStats& s);

class LogInput {
 public:
  using Handler = std::function<void(const LogLine&, const parsers::Event&)>;
  // Called with threads > 1 on worker thread `worker` (0 to parse_workers() - 1)
  // for each line the handler will get, before it, without its time
  // (line.time is unknown): for work that needs neither the time nor the
  // order of lines, done where the line was just parsed. Lines the calling
  // thread parses itself (entries of `journalctl -o json`, whose envelope
  // is not syslog's, and rsyslog's repeated messages) get the call there,
  // as worker parse_workers(): per-worker state needs parse_workers() + 1
  // slots.
  using WorkerHandler =
      std::function<void(int worker, const LogLine& line, const parsers::Event& event)>;

  // Fails only if the pattern tables do not compile or the unparsed file
  // cannot be opened.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LogInput>> Create(
      LogInputOptions options, Handler handler);
  // With a Postfix parser the caller keeps (it must outlive the input):
  // for many short-lived inputs (fuzz/log_input_fuzzer.cc), so that the
  // pattern tables are compiled once.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LogInput>> Create(
      LogInputOptions options, Handler handler, const parsers::PostfixParser* parser);

  // Reads `paths` ("-" is stdin) in time order. A file that can't be opened
  // or is corrupt gives an error naming it; the others are still read, and
  // the first error is returned.
  [[nodiscard]] absl::Status ReadFiles(const std::vector<std::string>& paths);

  // Reads the journal entries `options` selects, each as one line, until
  // the end (or `until`). The reader's time_zone, syslog_names and
  // max_message_bytes are replaced by this input's envelope time zone,
  // syslog names and max_line_bytes, so both kinds of input agree. Entries
  // the reader skips as not Postfix's count as other_program_lines. Errors
  // (opening, a corrupt file) name the journal; entries read before an
  // error have been handled.
  [[nodiscard]] absl::Status ReadJournal(parsers::JournalOptions options);

  // Reads options().journal when set, then `paths` (as ReadFiles); with
  // neither, stdin.
  [[nodiscard]] absl::Status ReadInputs(const std::vector<std::string>& paths);

  // The cursor after the last journal entry read by ReadJournal(); "" before.
  const std::string& journal_cursor() const { return journal_cursor_; }

  // Feeds one raw line (for tests and other line sources). An entry of
  // `journalctl -o export`, `-o json-pretty` or `-o verbose` spreads over
  // several lines: it is handled once its last line is fed (or at
  // FinishEntries()).
  void ProcessLine(std::string_view text, bool overlong = false);

  // The end of a source fed to ProcessLine(): the journalctl entry being
  // read (export, json-pretty, verbose), if any, is handled (ReadFiles()
  // calls it at the end of each file).
  void FinishEntries();

  // Feeds one line whose envelope is already taken apart (a journal entry
  // from parsers::JournalReader, e.g. when following the journal). Counts it
  // as a line; a line not understood goes to the unparsed file rendered as
  // "<RFC 3339 time> host program[pid]: message".
  void ProcessLogLine(const LogLine& line, bool overlong = false);

  void SetWorkerHandler(WorkerHandler handler) { worker_handler_ = std::move(handler); }
  // The worker threads ReadFiles() uses: threads - 1 (0 with one thread).
  int parse_workers() const { return options_.threads > 1 ? options_.threads - 1 : 0; }

  const LogInputOptions& options() const { return options_; }

  const LogInputStats& stats() const { return stats_; }

 private:
  LogInput(LogInputOptions options, Handler handler);

  [[nodiscard]] absl::Status ReadOne(const std::string& path);
  // `paths` in the order ReadFiles() reads them.
  std::vector<std::string> OrderPaths(const std::vector<std::string>& paths) const;
  // ReadFiles() with options_.threads > 1, on ordered paths.
  [[nodiscard]] absl::Status ReadFilesParallel(std::vector<std::string> paths);
  // ProcessLine() for a line a worker has parsed: the line's time is set
  // here, in order (the time of a classic line depends on the lines before
  // it), the rest is taken from the worker.
  void ProcessPrepared(const LineBatch& batch, const ParsedLine& p);
  void Unparsed(std::string_view text);
  // A line whose syslog envelope could not be read: an entry of `journalctl
  // -o json` is processed as the journal's are (on the caller's thread);
  // anything else is counted as malformed and goes to the unparsed file.
  void ProcessMalformed(std::string_view text, bool overlong);
  // A journal entry (from the journal or `journalctl -o json`) of another
  // program whose message is a whole syslog line of Postfix -- a container's
  // output (maillog_file = /dev/stdout, or syslog inside the container) as
  // the container runtime hands it to journald -- as that line, with the
  // entry's time; otherwise `entry` itself.
  const LogLine& Unwrapped(const LogLine& entry);
  // A Postfix line the parser did not understand that is rsyslog's "message
  // repeated N times: [ MESSAGE]": when MESSAGE is understood, the handler
  // gets it N times (and the line counts as parsed); false otherwise.
  bool ProcessRepeated(const LogLine& line);
  // The worker handler's call for a line this thread parsed.
  void CallWorkerHandlerHere(const LogLine& line, const parsers::Event& event);
  // Counts a line of the mail system and notes its time.
  void CountMailLine(const LogLine& line);
  // A line of Exim's (its main log, or a syslog tag exim*), through exim_.
  // With main_log, a line neither understood nor in the main log's form
  // (parsers::LooksLikeEximMainLog) is left alone: false, nothing counted.
  bool ProcessExim(const LogLine& line, std::string_view text, bool overlong, bool main_log);
  // `text` as a line of Exim's main log (ProcessExim with main_log); false,
  // nothing counted, when it is not one.
  bool ProcessEximMainLog(std::string_view text, bool overlong);
  // A line not understood: counted under `daemon` and kept in the unparsed
  // file (`text`, or the LogLine rendered when `text` is empty).
  void CountUnparsed(const LogLine& line, std::string_view text, std::string_view daemon);
  // Feeds a line to entries_; true when the line is still to be processed
  // as any other (it is not part of an entry, or it ended one before it).
  bool FeedEntryLine(std::string_view text, bool overlong);
  // True when a journalctl entry is open and took the line (first on every
  // line: a test of a null pointer unless such an entry was ever started).
  bool TakenByOpenEntry(std::string_view text, bool overlong);
  // Handles the entry entries_ has just put together.
  void ProcessAssembledEntry();
  void CountOtherProgram(std::string_view program);
  // Everything after the envelope; `text` is the raw line, or empty to
  // render the LogLine for the unparsed file. With kPrepared, `prepared`'s
  // postfix and parsed stand for the program check and the parse, and
  // `prepared_event` (when parsed) for its Event.
  template <bool kPrepared>
  void ProcessParsedImpl(const LogLine& line, std::string_view text, bool overlong,
                         const ParsedLine* prepared, const parsers::Event* prepared_event);

  LogInputOptions options_;
  Handler handler_;
  WorkerHandler worker_handler_;
  std::unique_ptr<parsers::PostfixParser> own_parser_;  // unless the caller's
  std::unique_ptr<parsers::EximReader> exim_;           // at the first Exim line
  LogLine exim_line_;                                   // a line of Exim's main log
  const parsers::PostfixParser* parser_ = nullptr;
  std::unique_ptr<parsers::EnvelopeParser> envelope_;
  std::ofstream unparsed_;
  LogInputStats stats_;
  int64_t newest_micros_ = 0;
  parsers::Event event_;
  parsers::EventUnpacker unpacker_;  // the workers' Events (ProcessPrepared)
  LogLine prepared_line_;             // a worker's line, with its time
  LogLine envelope_line_;             // ProcessLine's line, reused
  std::unique_ptr<parsers::JournalJsonParser> journal_json_;  // when first needed
  // Entries of `journalctl -o export` / `json-pretty` / `verbose`; made at the first
  // line with an unreadable envelope.
  static constexpr size_t kMaxJournalEntryBytes = 1 << 20;
  std::unique_ptr<parsers::JournalEntryAssembler> entries_;
  LogLine journal_json_line_;
  bool worker_calls_here_ = false;  // see WorkerHandler
  LogLine unwrapped_line_;          // Unwrapped()'s line; views into the entry
  std::string journal_cursor_;
};

}  // namespace mailgauge::analyzer

#endif  // MAILGAUGE_ANALYZER_LOG_INPUT_H_
