#include "exporter/journal_source.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace mailgauge::exporter {
namespace {

// The fields of an sd-journal cursor we use:
// "s=<seqnum id>;i=<seqnum, hex>;b=<boot id>;m=<monotonic, hex>;t=<realtime,
// hex>;x=<hash, hex>".
struct CursorFields {
  std::string seqnum_id;
  uint64_t seqnum = 0;
  uint64_t realtime = 0;
  bool ok = false;
};

CursorFields ParseCursor(const std::string& cursor) {
  CursorFields f;
  bool have_i = false, have_t = false;
  for (absl::string_view part : absl::StrSplit(cursor, ';')) {
    if (part.size() < 2 || part[1] != '=') continue;
    const std::string value(part.substr(2));
    char* end = nullptr;
    switch (part[0]) {
      case 's':
        f.seqnum_id = value;
        break;
      case 'i':
        f.seqnum = std::strtoull(value.c_str(), &end, 16);
        have_i = end != nullptr && *end == '\0' && !value.empty();
        break;
      case 't':
        f.realtime = std::strtoull(value.c_str(), &end, 16);
        have_t = end != nullptr && *end == '\0' && !value.empty();
        break;
      default:
        break;
    }
  }
  f.ok = have_i && have_t && !f.seqnum_id.empty();
  return f;
}

}  // namespace

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

void JournalSource::CheckResumePosition() {
  if (cursor_ == checked_cursor_) return;  // once per position, not per retry
  checked_cursor_ = cursor_;
  const CursorFields saved = ParseCursor(cursor_);
  if (!saved.ok) return;
  // Every entry at the cursor's time, of any program: is it one of them?
  parsers::JournalOptions o = options_.journal;
  o.all_entries = true;
  o.postfix_only = false;
  o.follow = false;
  o.since = o.until = absl::FromUnixMicros(static_cast<int64_t>(saved.realtime));
  absl::StatusOr<std::unique_ptr<parsers::JournalReader>> same_time =
      parsers::JournalReader::Open(o);
  if (!same_time.ok()) return;  // the main reader reports errors
  parsers::JournalEntry entry;
  for (int n = 0; n < 100000; ++n) {
    absl::StatusOr<parsers::JournalRead> r = (*same_time)->Next(&entry);
    if (!r.ok()) return;
    if (*r != parsers::JournalRead::kEntry) break;
    if ((*same_time)->Cursor() == cursor_) return;  // still there
  }
  // Gone. The next entry of any program after it: a gap in the same
  // sequence is the number of entries deleted.
  o.since.reset();
  o.until.reset();
  o.after_cursor = cursor_;
  ++positions_lost_;
  std::string lost = "an unknown number of entries after it (the next entry is in "
                     "another sequence) may be lost";
  if (absl::StatusOr<std::unique_ptr<parsers::JournalReader>> after =
          parsers::JournalReader::Open(o);
      after.ok()) {
    absl::StatusOr<parsers::JournalRead> r = (*after)->Next(&entry);
    if (r.ok() && *r == parsers::JournalRead::kEntry) {
      const CursorFields next = ParseCursor((*after)->Cursor());
      if (next.ok && next.seqnum_id == saved.seqnum_id && next.seqnum > saved.seqnum) {
        const uint64_t gap = next.seqnum - saved.seqnum - 1;
        entries_lost_ += gap;
        lost = absl::StrCat(gap, " entries after it (of any program) were lost");
      }
    }
  }
  loss_report_ = absl::StrCat(
      description(), ": the entry at the saved position is gone: its journal file was "
      "deleted (vacuumed?) before it was read to the end; ", lost,
      "; reading on from the next entry");
}

absl::Status JournalSource::Poll() {
  if (reader_ == nullptr) {
    if (!cursor_.empty()) CheckResumePosition();
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
  // True while the reader stands on an entry read in this poll, whose
  // cursor is not yet in cursor_.
  bool moved = false;
  auto take_cursor = [&] {
    if (std::string c = reader_->Cursor(); !c.empty()) cursor_ = std::move(c);
    moved = false;
  };
  for (int n = 0; n < options_.max_entries_per_poll;) {
    // Once the files it has open are read to their end, Next takes the
    // directory's changes in (a file rotated in, renamed or vacuumed) and
    // reads on in the new files; the reader's cursor outlives the file of
    // its last entry.
    absl::StatusOr<parsers::JournalRead> r = reader_->Next(&entry);
    if (!r.ok()) {
      if (moved) take_cursor();
      reader_.reset();  // opened again after cursor_ at the next poll
      pipeline_->SyncStats();
      return r.status();
    }
    if (*r != parsers::JournalRead::kEntry) break;
    pipeline_->ProcessLogLine(entry.line, entry.overlong);
    ++entries_;
    ++n;
    moved = true;
  }
  if (moved) take_cursor();
  pipeline_->SyncStats();
  return absl::OkStatus();
}

}  // namespace mailgauge::exporter
