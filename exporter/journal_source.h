// File: exporter/journal_source.h
// A systemd-journald source of mailgauge_exporter: follows the journal
// (parsers::JournalReader in follow mode) into a SourcePipeline, and keeps
// the cursor after the last entry fed, which main.cc saves in the state
// file with the counters, so a restart resumes right after it: exactly
// once, as for file offsets.
//
//   JournalSourceOptions o;
//   o.journal.source = parsers::JournalSource::kLocal;    // --journal
//   JournalSource journal(o, pipeline.get());
//   journal.Restore(saved_cursor);                        // optional
//   for (;;) {
//     absl::Status s = journal.Poll();                    // never blocks long
//     state.journal_cursor = journal.cursor();
//   }
//
// The journal is opened at the first Poll() (after Restore), and opened
// again at the next Poll() after an error. Without a cursor it starts at the
// entries written from the moment the JournalSource was made, unless
// from_beginning.
//
// Thread-safety: one thread at a time.
#ifndef MAILGAUGE_EXPORTER_JOURNAL_SOURCE_H_
#define MAILGAUGE_EXPORTER_JOURNAL_SOURCE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "exporter/source_pipeline.h"
#include "parsers/journal_reader.h"

namespace mailgauge::exporter {

struct JournalSourceOptions {
  // Which journal and which entries; after_cursor, since and follow are set
  // by JournalSource.
  parsers::JournalOptions journal;
  bool from_beginning = false;
  // Entries fed per Poll() at most, so that one poll cannot starve the
  // others (and the state saves) while a large backlog is read.
  int max_entries_per_poll = 20000;
};

class JournalSource {
 public:
  // `pipeline` must outlive this.
  JournalSource(JournalSourceOptions options, SourcePipeline* pipeline);

  // Resume after this cursor (from a state file). Before the first Poll().
  void Restore(std::string cursor);

  // Reads the entries available now (up to max_entries_per_poll) into the
  // pipeline. An error (opening or reading; it names the journal) closes
  // the reader; the next Poll() opens it again after cursor().
  [[nodiscard]] absl::Status Poll();

  // The cursor after the last entry read; "" before any.
  const std::string& cursor() const { return cursor_; }
  bool open() const { return reader_ != nullptr; }
  uint64_t entries() const { return entries_; }
  // "the system journal", "journal directory /d", "journal file f" (the
  // options' description, known before opening).
  std::string description() const;

 private:
  JournalSourceOptions options_;
  SourcePipeline* pipeline_;
  std::unique_ptr<parsers::JournalReader> reader_;
  std::string cursor_;
  absl::Time started_;
  uint64_t entries_ = 0;
};

}  // namespace mailgauge::exporter

#endif  // MAILGAUGE_EXPORTER_JOURNAL_SOURCE_H_
