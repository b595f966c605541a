#include "exporter/journal_source.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"

namespace mailgauge::exporter {

JournalSource::JournalSource(JournalSourceOptions options, SourcePipeline* pipeline)
    : options_(std::move(options)), pipeline_(pipeline), started_(absl::Now()) {}

void JournalSource::Restore(std::string cursor) { cursor_ = std::move(cursor); }

std::string JournalSource::description() const {
  switch (options_.journal.source) {
    case parsers::JournalSource::kLocal:
      return "the system journal";
    case parsers::JournalSource::kDirectory:
      return absl::StrCat("journal directory ", options_.journal.directory);
    case parsers::JournalSource::kFiles:
      return absl::StrCat("journal file(s) ", absl::StrJoin(options_.journal.files, ", "));
  }
  return "the journal";
}

absl::Status JournalSource::Poll() {
  if (reader_ == nullptr) {
    parsers::JournalOptions o = options_.journal;
    o.follow = true;
    o.after_cursor = cursor_;
    if (cursor_.empty() && !options_.from_beginning) o.since = started_;
    absl::StatusOr<std::unique_ptr<parsers::JournalReader>> r =
        parsers::JournalReader::Open(std::move(o));
    if (!r.ok()) return r.status();
    reader_ = *std::move(r);
  }
  parsers::JournalEntry entry;
  for (int n = 0; n < options_.max_entries_per_poll; ++n) {
    absl::StatusOr<parsers::JournalRead> r = reader_->Next(&entry);
    if (!r.ok()) {
      if (std::string c = reader_->Cursor(); !c.empty()) cursor_ = std::move(c);
      reader_.reset();  // opened again after cursor_ at the next poll
      pipeline_->SyncStats();
      return r.status();
    }
    if (*r == parsers::JournalRead::kEntry) {
      pipeline_->ProcessLogLine(entry.line, entry.overlong);
      ++entries_;
    }
    if (*r != parsers::JournalRead::kEntry) break;
  }
  // After the last entry read, skipped ones included.
  if (std::string c = reader_->Cursor(); !c.empty()) cursor_ = std::move(c);
  pipeline_->SyncStats();
  return absl::OkStatus();
}

}  // namespace mailgauge::exporter
