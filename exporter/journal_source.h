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
// Rotation and vacuuming: files rotated in are read as they appear (each
// Poll() lets sd-journal take in the directory's file events once caught
// up). A file deleted while the reader has it open is still read to its
// end. Entries are lost when their file is deleted before the reader
// opened it: while the exporter was stopped (the entry at the saved cursor
// is then gone; checked at each (re)open and reported by positions_lost(),
// entries_lost() and TakeLossReport()), or while it was far behind (not
// detectable: nothing in the journal tells of a file that is gone).
//
// Thread-safety: one thread at a time.
#ifndef MAILGAUGE_EXPORTER_JOURNAL_SOURCE_H_
#define MAILGAUGE_EXPORTER_JOURNAL_SOURCE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

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

  // Times the entry at the cursor the reader was (re)opened at was no
  // longer in the journal: the file holding it was deleted (vacuumed)
  // before the exporter read it to the end.
  uint64_t positions_lost() const { return positions_lost_; }
  // Entries (of any program) known lost at those times: the gap in sequence
  // numbers between the cursor and the next entry, when both belong to the
  // same sequence (journald keeps one across rotations; each file written
  // by systemd-journal-remote has its own, and then the number is unknown).
  uint64_t entries_lost() const { return entries_lost_; }
  // A sentence naming the journal and the loss, once per loss ("" if none).
  std::string TakeLossReport() { return std::exchange(loss_report_, ""); }

 private:
  // Called when (re)opening at cursor_: counts a loss when the entry at
  // cursor_ is gone.
  void CheckResumePosition();

  JournalSourceOptions options_;
  SourcePipeline* pipeline_;
  std::unique_ptr<parsers::JournalReader> reader_;
  std::string cursor_;
  absl::Time started_;
  uint64_t entries_ = 0;
  uint64_t positions_lost_ = 0;
  uint64_t entries_lost_ = 0;
  std::string loss_report_;
  std::string checked_cursor_;  // the last cursor CheckResumePosition looked at
};

}  // namespace mailgauge::exporter

#endif  // MAILGAUGE_EXPORTER_JOURNAL_SOURCE_H_
