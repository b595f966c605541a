#include "analyzer/log_input.h"

#include <algorithm>
#include <utility>

#include "absl/base/optimization.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "parsers/foreign_log.h"
#include "parsers/journal_entry_assembler.h"
#include "parsers/program_name.h"

namespace mailgauge::analyzer {
namespace {

absl::string_view AbslView(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// Sets *micros to the time of the entry `step` says `a` has just put
// together, if it was read; false otherwise.
bool EntryTime(const parsers::JournalEntryAssembler& a, parsers::JournalEntryAssembler::Step step,
               int64_t* micros) {
  if ((step != parsers::JournalEntryAssembler::Step::kEntry &&
       step != parsers::JournalEntryAssembler::Step::kEntryThenLine) ||
      !a.entry().ok) {
    return false;
  }
  *micros = a.entry().line.time.unix_micros;
  return true;
}

}  // namespace

uint64_t LogInputStats::unparsed_lines() const {
  uint64_t n = 0;
  for (const auto& [daemon, count] : unparsed_by_daemon) n += count;
  return n;
}

std::vector<std::string> ForeignLogNotes(const LogInputStats& s) {
  std::vector<std::string> notes;
  constexpr const char* kSaveJournal =
      ": save the journal with journalctl -o short-iso or -o json, or read it with "
      "--journal-file";
  if (s.journal_messages_left_out > 0) {
    notes.push_back(absl::StrCat(
        s.journal_messages_left_out,
        " journal entries whose MESSAGE journalctl left out (null, or \"[N blob data]\": "
        "too long or not text): save the journal with journalctl --all, or read it with "
        "--journal-file"));
  }
  if (s.undated_journalctl_lines > 0) {
    notes.push_back(absl::StrCat(
        s.undated_journalctl_lines,
        " lines in the form of journalctl -o short-monotonic or short-delta (time since boot, "
        "no date)",
        kSaveJournal));
  }
  if (s.exim_reject_log_dumps > 0) {
    notes.push_back(absl::StrCat(
        s.exim_reject_log_dumps,
        " rejected messages' headers in the form of Exim's reject log (rejectlog): its "
        "rejects are in the main log too, and are counted twice when both are given; read "
        "the main log alone"));
  }
  for (const std::string& path : s.skipped_exim_reject_logs) {
    notes.push_back(absl::StrCat(
        "not read: ", path, ", Exim's reject log, whose rejects the main log given with it "
        "holds too (read it alone to see them)"));
  }
  if (s.journalctl_cat_lines > 0) {
    notes.push_back(absl::StrCat(s.journalctl_cat_lines,
                                 " lines that look like Postfix messages without a time, host "
                                 "or program (journalctl -o cat?)",
                                 kSaveJournal));
  }
  for (const auto& [program, n] : s.other_programs) {
    if (program == "sendmail" || program.substr(0, 3) == "sm-") {
      // Sendmail's own tags (sm-mta, sm-msp-queue on Debian); Postfix's
      // sendmail command logs as postfix/sendmail, a Postfix line.
      notes.push_back(absl::StrCat(n, " lines from ", program,
                                   " (Sendmail): Sendmail's logs are not analyzed, mailgauge "
                                   "reads Postfix's"));
    }
  }
  return notes;
}

void LogInput::CountOtherProgram(std::string_view program) {
  auto& programs = stats_.other_programs;
  if (program.empty()) program = "(no tag)";
  if (program.size() > 64) program = program.substr(0, 64);
  if (auto it = programs.find(program); it != programs.end()) {
    ++it->second;
  } else if (programs.size() < LogInputStats::kMaxOtherPrograms) {
    programs.emplace(program, 1);
  } else {
    ++programs["(others)"];
  }
}

LogInput::LogInput(LogInputOptions options, Handler handler)
    : options_(std::move(options)), handler_(std::move(handler)) {}

absl::StatusOr<std::unique_ptr<LogInput>> LogInput::Create(
    LogInputOptions options, Handler handler) {
  auto parser = parsers::PostfixParser::Create();
  if (!parser.ok()) return parser.status();
  const parsers::PostfixParser* shared = parser->get();
  auto input = Create(std::move(options), std::move(handler), shared);
  if (input.ok()) (*input)->own_parser_ = *std::move(parser);
  return input;
}

absl::StatusOr<std::unique_ptr<LogInput>> LogInput::Create(
    LogInputOptions options, Handler handler, const parsers::PostfixParser* parser) {
  std::unique_ptr<LogInput> input(
      new LogInput(std::move(options), std::move(handler)));
  input->parser_ = parser;
  input->envelope_ =
      std::make_unique<parsers::EnvelopeParser>(input->options_.envelope);
  if (!input->options_.unparsed_path.empty()) {
    input->unparsed_.open(input->options_.unparsed_path,
                          std::ios::out | std::ios::trunc | std::ios::binary);
    if (!input->unparsed_) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot write the unparsed-lines file ",
                       input->options_.unparsed_path));
    }
  }
  return input;
}

void LogInput::Unparsed(std::string_view text) {
  if (unparsed_.is_open()) {
    unparsed_.write(text.data(), text.size());
    unparsed_.put('\n');
  }
}

void LogInput::ProcessLine(std::string_view text, bool overlong) {
  ++stats_.lines;
  stats_.bytes += text.size() + 1;
  if (overlong) ++stats_.overlong_lines;
  if (TakenByOpenEntry(text, overlong)) return;
  // Parse() sets every field on kOk: the line is not cleared first.
  LogLine& line = envelope_line_;
  switch (envelope_->Parse(text, &line)) {
    case parsers::EnvelopeResult::kEmpty:
      ++stats_.empty_lines;
      return;
    case parsers::EnvelopeResult::kMalformed:
      ProcessMalformed(text, overlong);
      return;
    case parsers::EnvelopeResult::kOk:
      break;
  }
  ProcessParsedImpl<false>(line, text, overlong, nullptr, nullptr);
}

void LogInput::ProcessMalformed(std::string_view text, bool overlong) {
  if (parsers::MayBeJournalJson(text)) {
    if (journal_json_ == nullptr) {
      journal_json_ = std::make_unique<parsers::JournalJsonParser>(
          options_.envelope.syslog_names, options_.envelope.time_zone);
    }
    if (journal_json_->Parse(text, &journal_json_line_) == parsers::EnvelopeResult::kOk) {
      ProcessParsedImpl<false>(Unwrapped(journal_json_line_), text, overlong, nullptr, nullptr);
      return;
    }
    if (journal_json_->last_error() == parsers::kJournalMessageLeftOut) {
      ++stats_.journal_messages_left_out;
    }
  }
  // The first line of an entry of `journalctl -o export`, `json-pretty` or `verbose`?
  if (entries_ == nullptr) {
    entries_ = std::make_unique<parsers::JournalEntryAssembler>(
        options_.envelope.syslog_names, options_.envelope.time_zone, kMaxJournalEntryBytes);
  }
  if (!entries_->active() && !FeedEntryLine(text, overlong)) return;
  // A line of Exim's main log: taken when understood, or when it has the
  // form of one (parsers::LooksLikeEximMainLog) without being understood;
  // another program's line that starts with a date stays malformed.
  if (ProcessEximMainLog(text, overlong)) return;
  ++stats_.malformed_lines;
  if (parsers::LooksLikeMonotonicTime(text)) {
    ++stats_.undated_journalctl_lines;
  } else if (parsers::LooksLikeJournalctlCat(text)) {
    ++stats_.journalctl_cat_lines;
  } else if (parsers::LooksLikeEximRejectLogHeaders(text)) {
    ++stats_.exim_reject_log_dumps;
  }
  Unparsed(text);
}

bool LogInput::TakenByOpenEntry(std::string_view text, bool overlong) {
  return ABSL_PREDICT_FALSE(entries_ != nullptr) && entries_->active() &&
         !FeedEntryLine(text, overlong);
}

bool LogInput::FeedEntryLine(std::string_view text, bool overlong) {
  switch (entries_->Feed(text, overlong)) {
    case parsers::JournalEntryAssembler::Step::kNotMine:
      return true;
    case parsers::JournalEntryAssembler::Step::kConsumed:
      return false;
    case parsers::JournalEntryAssembler::Step::kEntry:
      ProcessAssembledEntry();
      return false;
    case parsers::JournalEntryAssembler::Step::kEntryThenLine:
      ProcessAssembledEntry();
      return true;
  }
  return true;
}

void LogInput::ProcessAssembledEntry() {
  const parsers::AssembledEntry& e = entries_->entry();
  if (!e.ok) {
    // Its lines, as read, count (and are kept) as lines not understood.
    stats_.malformed_lines += e.lines;
    if (e.error == parsers::kJournalMessageLeftOut) ++stats_.journal_messages_left_out;
    Unparsed(e.text);
    return;
  }
  ++stats_.journalctl_entries;
  stats_.journalctl_entry_lines += e.lines;
  ProcessParsedImpl<false>(Unwrapped(e.line), e.text, e.overlong, nullptr, nullptr);
}

void LogInput::FinishEntries() {
  if (entries_ != nullptr &&
      entries_->Finish() == parsers::JournalEntryAssembler::Step::kEntry) {
    ProcessAssembledEntry();
  }
}

void LogInput::ProcessLogLine(const LogLine& line, bool overlong) {
  ++stats_.lines;
  stats_.bytes += line.message.size() + 1;
  if (overlong) ++stats_.overlong_lines;
  ProcessParsedImpl<false>(Unwrapped(line), {}, overlong, nullptr, nullptr);
}

const LogLine& LogInput::Unwrapped(const LogLine& entry) {
  if (parsers::IsPostfixProgram(entry, options_.envelope.syslog_names) ||
      !parsers::StartsLikeSyslogTime(entry.message)) {
    return entry;
  }
  parsers::EnvelopeTime unused;
  if (envelope_->Scan(entry.message, &unwrapped_line_, &unused) != parsers::EnvelopeResult::kOk ||
      !parsers::IsPostfixProgram(unwrapped_line_, options_.envelope.syslog_names)) {
    return entry;
  }
  unwrapped_line_.time = entry.time;  // the journal's, with a year and a zone
  return unwrapped_line_;
}

// One body for both paths; the single-threaded one (kPrepared false) compiles
// to what it was before --threads existed.
template <bool kPrepared>
void LogInput::ProcessParsedImpl(const LogLine& line, std::string_view text,
                                 bool overlong, const ParsedLine* prepared,
                                 const parsers::Event* prepared_event) {
  if (kPrepared ? !prepared->postfix
                : !parsers::IsPostfixProgram(line, options_.envelope.syslog_names)) {
    if (ABSL_PREDICT_FALSE(parsers::IsEximProgram(line.program))) {
      ProcessExim(line, text, overlong, /*main_log=*/false);
      return;
    }
    // "2026-11-25 10:00:01 1vABCD-000123-AB DKIM: ..." reads as an ISO
    // syslog line of host 1vABCD-000123-AB, program DKIM: it is Exim's.
    if (parsers::LooksLikeEximMainLog(text) && ProcessEximMainLog(text, overlong)) return;
    ++stats_.other_program_lines;
    CountOtherProgram(line.program);
    return;
  }
  CountMailLine(line);
  if (kPrepared ? !prepared->parsed
                : overlong || parser_->Parse(line, &event_) != parsers::ParseResult::kParsed) {
    if (!overlong && ProcessRepeated(line)) return;
    // Keyed by the canonical daemon name ("other" for names Postfix does not
    // have), so a hostile log cannot grow this map without bound.
    CountUnparsed(line, text, parsers::DaemonName(parsers::DaemonFromName(line.daemon)));
    return;
  }
  ++stats_.parsed_lines;
  const parsers::Event& e = kPrepared ? *prepared_event : event_;
  if (ABSL_PREDICT_FALSE(e.kind == parsers::EventKind::kVerbose)) ++stats_.verbose_lines;
  if (!kPrepared && ABSL_PREDICT_FALSE(worker_calls_here_)) CallWorkerHandlerHere(line, e);
  handler_(line, e);
}

void LogInput::CountMailLine(const LogLine& line) {
  ++stats_.postfix_lines;
  if (line.time.unix_micros < newest_micros_) {
    ++stats_.time_went_backwards;
  } else {
    newest_micros_ = line.time.unix_micros;
  }
}

void LogInput::CountUnparsed(const LogLine& line, std::string_view text,
                             std::string_view daemon) {
  ++stats_.unparsed_by_daemon[std::string(daemon)];
  if (!text.empty() || !unparsed_.is_open()) {
    Unparsed(text);
  } else {
    std::string rendered = line.time.ToRfc3339();
    absl::StrAppend(&rendered, " ", AbslView(line.host), " ", AbslView(line.program));
    if (line.pid >= 0) absl::StrAppend(&rendered, "[", line.pid, "]");
    absl::StrAppend(&rendered, ": ", AbslView(line.message));
    Unparsed(rendered);
  }
}

bool LogInput::ProcessEximMainLog(std::string_view text, bool overlong) {
  return parsers::ReadEximMainLogLine(text, options_.envelope.time_zone, &exim_line_) &&
         ProcessExim(exim_line_, text, overlong, /*main_log=*/true);
}

bool LogInput::ProcessExim(const LogLine& line, std::string_view text, bool overlong,
                           bool main_log) {
  if (exim_ == nullptr) exim_ = std::make_unique<parsers::EximReader>(parser_);
  // Read() calls the handler only when the whole line is understood.
  const bool read =
      !overlong && exim_->Read(line, /*syslog=*/!main_log,
                               [this](const LogLine& l, const parsers::Event& e) {
        if (ABSL_PREDICT_FALSE(worker_calls_here_)) CallWorkerHandlerHere(l, e);
        handler_(l, e);
      });
  if (!read && main_log && !parsers::LooksLikeEximMainLog(text)) return false;
  CountMailLine(line);
  ++stats_.exim_lines;
  if (read) {
    ++stats_.parsed_lines;
  } else {
    CountUnparsed(line, text, "exim");
  }
  return true;
}

void LogInput::CallWorkerHandlerHere(const LogLine& line, const parsers::Event& event) {
  // As a worker would call it: before the handler, without the time.
  LogLine untimed = line;
  untimed.time = Timestamp();
  worker_handler_(parse_workers(), untimed, event);
}

bool LogInput::ProcessRepeated(const LogLine& line) {
  // rsyslog's $RepeatedMsgReduction (on in Ubuntu's rsyslog.conf): the same
  // message of the same process logged again N times in a row is written
  // once more as "message repeated N times: [ MESSAGE]".
  constexpr std::string_view kPrefix = "message repeated ";
  std::string_view msg = line.message;
  if (msg.substr(0, kPrefix.size()) != kPrefix || msg.back() != ']') return false;
  msg.remove_prefix(kPrefix.size());
  uint64_t times = 0;
  size_t digits = 0;
  while (digits < msg.size() && digits < 7 && absl::ascii_isdigit(msg[digits])) {
    times = times * 10 + static_cast<uint64_t>(msg[digits] - '0');
    ++digits;
  }
  constexpr std::string_view kMiddle = " times: [";
  if (digits == 0 || msg.substr(digits, kMiddle.size()) != kMiddle) return false;
  msg = msg.substr(digits + kMiddle.size());
  msg.remove_suffix(1);
  if (!msg.empty() && msg.front() == ' ') msg.remove_prefix(1);
  LogLine repeated = line;
  repeated.message = msg;
  if (parser_->Parse(repeated, &event_) != parsers::ParseResult::kParsed) return false;
  ++stats_.parsed_lines;
  stats_.repeated_messages += times;
  for (uint64_t i = 0; i < times; ++i) {
    if (ABSL_PREDICT_FALSE(worker_calls_here_)) CallWorkerHandlerHere(repeated, event_);
    handler_(repeated, event_);
  }
  return true;
}

void LogInput::ProcessPrepared(const LineBatch& batch, const ParsedLine& p) {
  // As ProcessLine(): the worker scanned the envelope (everything but the
  // time, which depends on the lines before); the time comes from this
  // input's parser, fed the same lines in the same order, so every time
  // (year roll-over, DST) is what one pass gives.
  ++stats_.lines;
  stats_.bytes += p.text.size() + 1;
  if (p.overlong) ++stats_.overlong_lines;
  if (TakenByOpenEntry(p.text, p.overlong)) return;
  switch (p.envelope) {
    case parsers::EnvelopeResult::kEmpty:
      ++stats_.empty_lines;
      return;
    case parsers::EnvelopeResult::kMalformed:
      ProcessMalformed(p.text, p.overlong);
      return;
    case parsers::EnvelopeResult::kOk:
      break;
  }
  // A copy of the line gets the time: the batch's cache lines are only
  // read here, never written, so they need not go back to the worker's core.
  prepared_line_ = p.line;
  envelope_->ApplyTime(p.time, &prepared_line_);
  ProcessParsedImpl<true>(prepared_line_, p.text, p.overlong, &p,
                          p.parsed ? &batch.UnpackEvent(p, &unpacker_) : nullptr);
}

absl::Status LogInput::ReadOne(const std::string& path) {
  parsers::LineReader::Options reader_options;
  reader_options.max_line_bytes = options_.max_line_bytes;
  auto reader = parsers::LineReader::Open(path, reader_options);
  if (!reader.ok()) return reader.status();
  ++stats_.files;
  parsers::LineReader::Line l;
  while ((*reader)->Next(&l)) ProcessLine(l.text, l.overlong);
  FinishEntries();
  return (*reader)->status();
}

std::vector<std::string> LogInput::OrderPaths(const std::vector<std::string>& paths) const {
  // Order by the first timestamp in each file (stdin stays where it is,
  // since it can't be read twice).
  struct Item {
    std::string path;
    int64_t first = 0;
    size_t index = 0;
  };
  std::vector<Item> items;
  for (size_t i = 0; i < paths.size(); ++i) {
    Item item{paths[i], 0, i};
    if (paths.size() > 1 && paths[i] != "-") {
      auto reader = parsers::LineReader::Open(paths[i]);
      if (reader.ok()) {
        parsers::EnvelopeParser peek(options_.envelope);
        parsers::JournalJsonParser peek_json(options_.envelope.syslog_names,
                                             options_.envelope.time_zone);
        parsers::JournalEntryAssembler peek_entries(options_.envelope.syslog_names,
                                                    options_.envelope.time_zone,
                                                    kMaxJournalEntryBytes);
        parsers::LineReader::Line l;
        for (int n = 0; n < 1000 && (*reader)->Next(&l); ++n) {
          LogLine line;
          if (peek.Parse(l.text, &line) == parsers::EnvelopeResult::kOk ||
              (parsers::MayBeJournalJson(l.text) &&
               peek_json.Parse(l.text, &line) == parsers::EnvelopeResult::kOk)) {
            item.first = line.time.unix_micros;
            break;
          }
          if (EntryTime(peek_entries, peek_entries.Feed(l.text, l.overlong), &item.first)) {
            break;
          }
        }
        // A file of one entry, or with no empty line after its first.
        if (item.first == 0) EntryTime(peek_entries, peek_entries.Finish(), &item.first);
      }
    }
    items.push_back(std::move(item));
  }
  const bool has_stdin =
      std::any_of(paths.begin(), paths.end(), [](const std::string& p) { return p == "-"; });
  if (!has_stdin) {
    std::stable_sort(items.begin(), items.end(),
                     [](const Item& a, const Item& b) { return a.first < b.first; });
  }
  std::vector<std::string> ordered;
  ordered.reserve(items.size());
  for (Item& item : items) ordered.push_back(std::move(item.path));
  return ordered;
}

absl::Status LogInput::ReadFiles(const std::vector<std::string>& paths) {
  std::vector<std::string> ordered = OrderPaths(paths);
  stats_.skipped_exim_reject_logs = parsers::EximRejectLogsBesideMainLog(ordered);
  for (const std::string& skipped : stats_.skipped_exim_reject_logs) {
    ordered.erase(std::find(ordered.begin(), ordered.end(), skipped));
  }
  if (options_.threads > 1) return ReadFilesParallel(std::move(ordered));
  absl::Status first_error;
  for (const std::string& path : ordered) {
    absl::Status s = ReadOne(path);
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  if (unparsed_.is_open()) unparsed_.flush();
  return first_error;
}

absl::Status LogInput::ReadFilesParallel(std::vector<std::string> paths) {
  ParallelReaderOptions reader_options;
  reader_options.threads = parse_workers();
  reader_options.max_line_bytes = options_.max_line_bytes;
  reader_options.envelope = options_.envelope;
  // Called for the lines ProcessPrepared() hands to the handler: parsed ones.
  reader_options.on_parsed = worker_handler_;
  ParallelReader reader(std::move(paths), std::move(reader_options), parser_);
  // Lines this thread parses itself (journalctl JSON entries, rsyslog's
  // repeated messages) get the worker handler's call here, as worker
  // parse_workers().
  worker_calls_here_ = static_cast<bool>(worker_handler_);
  size_t file = 0;
  while (std::shared_ptr<LineBatch> batch = reader.Next()) {
    if (batch->file() != file) {
      FinishEntries();  // as ReadOne() at the end of each file
      file = batch->file();
    }
    for (const ParsedLine& p : *batch) ProcessPrepared(*batch, p);
  }
  FinishEntries();
  worker_calls_here_ = false;
  // As ReadOne() per file: opened files count, the first error (in reading
  // order) is returned.
  absl::Status first_error;
  for (size_t i = 0; i < reader.file_count(); ++i) {
    if (reader.file_opened(i)) ++stats_.files;
    absl::Status s = reader.file_status(i);
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  if (unparsed_.is_open()) unparsed_.flush();
  return first_error;
}

absl::Status LogInput::ReadJournal(parsers::JournalOptions options) {
  options.time_zone = options_.envelope.time_zone;
  options.syslog_names = options_.envelope.syslog_names;
  options.max_message_bytes = options_.max_line_bytes;
  auto reader = parsers::JournalReader::Open(std::move(options));
  if (!reader.ok()) return reader.status();
  stats_.files += (*reader)->stats().files;
  absl::Status status;
  parsers::JournalEntry entry;
  for (;;) {
    absl::StatusOr<parsers::JournalRead> r = (*reader)->Next(&entry);
    if (!r.ok()) {
      status = r.status();
      break;
    }
    if (*r != parsers::JournalRead::kEntry) break;
    ++stats_.journal_entries;
    ProcessLogLine(entry.line, entry.overlong);
  }
  const parsers::JournalStats& js = (*reader)->stats();
  stats_.lines += js.skipped_entries;
  stats_.journal_entries += js.skipped_entries;
  stats_.other_program_lines += js.skipped_entries;
  journal_cursor_ = (*reader)->Cursor();
  if (unparsed_.is_open()) unparsed_.flush();
  return status;
}

absl::Status LogInput::ReadInputs(const std::vector<std::string>& paths) {
  absl::Status first_error;
  if (options_.journal) first_error = ReadJournal(*options_.journal);
  if (!paths.empty() || !options_.journal) {
    absl::Status s = ReadFiles(paths.empty() ? std::vector<std::string>{"-"} : paths);
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  return first_error;
}

}  // namespace mailgauge::analyzer
