// File: parsers/journal_reader.h
// Reads Postfix's entries from systemd-journald (sd-journal): the local
// system journal, a journal directory, or given .journal files. Each entry
// becomes a LogLine straight from its fields -- no syslog text in between:
//
//   __REALTIME_TIMESTAMP -> time (UTC microseconds; the UTC offset is the
//                           configured zone's at that instant, for display)
//   _HOSTNAME            -> host
//   SYSLOG_IDENTIFIER    -> program, split with SplitProgramName
//                           (_COMM when an entry has no identifier)
//   SYSLOG_PID, or _PID  -> pid
//   MESSAGE              -> message (bytes; may be binary or invalid UTF-8)
//
//   JournalOptions options;
//   options.source = JournalSource::kFiles;
//   options.files = {"/var/log/journal/<machine-id>/system.journal"};
//   absl::StatusOr<std::unique_ptr<JournalReader>> reader =
//       JournalReader::Open(options);
//   if (!reader.ok()) return reader.status();  // names the path, with a hint
//   JournalEntry entry;
//   for (;;) {
//     absl::StatusOr<JournalRead> r = (*reader)->Next(&entry);
//     if (!r.ok()) return r.status();
//     if (*r != JournalRead::kEntry) break;
//     Use(entry.line);                          // valid until the next Next()
//   }
//   std::string resume = (*reader)->Cursor();   // save; pass as after_cursor
//
// Which entries are visited. sd-journal matches are exact values looked up
// in the journal's own field index: an entry a match excludes costs nothing,
// while a filter in code has to read every entry. But every OR-ed value also
// costs a lookup per entry read, so the default selection is kept short:
//   - SYSLOG_FACILITY=2 (mail), Postfix's default syslog_facility. This
//     catches postfix/smtpd, postfix-out/qmgr, postfix/submission/smtpd and
//     a custom syslog_name, including names that first appear while
//     following;
//   - _SYSTEMD_UNIT=postfix.service, postfix@*.service: Debian runs Postfix as
//     postfix@-.service (postfix.service is an empty wrapper) and further
//     instances as postfix@postfix-out.service; this catches Postfix with
//     another syslog_facility under those units. Unit patterns (* ? [) are
//     expanded against the units present in the journal when it is opened;
//   - SYSLOG_IDENTIFIER=<X> for each Postfix identifier X present in the
//     journal (its distinct identifiers are listed once from the field index
//     and kept when IsPostfixProgram accepts them) that has no entry with
//     facility mail: Postfix logging with syslog_facility=local0 outside
//     those units. An identifier logging with mail and another facility is
//     only found through the first two; one that appears only after opening,
//     with another facility, outside the units, is not found in follow mode.
// Every entry so selected is then checked in code with IsPostfixProgram, so
// dovecot or opendkim (facility mail) and a unit's non-Postfix output are
// skipped and counted, never returned. Callers can instead name units or
// slices (only those units' and slices' entries are visited) or ask for all
// entries.
//
// Cursor and time range: Cursor() is the position after the last entry read
// (returned or skipped); a reader opened with after_cursor starts right after
// that entry, even if it no longer exists (rotated away): then at the first
// entry after its position. since/until bound __REALTIME_TIMESTAMP.
//
// Follow mode: Next(&entry, wait) with a positive wait blocks up to `wait`
// for new entries (sd_journal_wait) and returns kNoEntryYet if none came.
//
// Thread safety: a JournalReader is used by one thread at a time.
#ifndef MAILGAUGE_PARSERS_JOURNAL_READER_H_
#define MAILGAUGE_PARSERS_JOURNAL_READER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/log_line.h"
#include "parsers/program_name.h"
#include "parsers/syslog_envelope.h"
#include "parsers/zone_offsets.h"

struct sd_journal;

namespace mailgauge::parsers {

enum class JournalSource {
  kLocal,      // the system journal of this machine (SD_JOURNAL_LOCAL_ONLY)
  kDirectory,  // every journal file in `directory` (and its machine-id subdirs)
  kFiles,      // exactly `files`
};

// Postfix's systemd units on Debian and elsewhere: "postfix.service",
// "postfix@*.service".
const std::vector<std::string>& DefaultPostfixUnits();

// Turns a unit name as a user types it into the journal's form: a name
// without a unit type gets ".service" ("postfix@-" -> "postfix@-.service"),
// as `journalctl -u` does.
std::string NormalizeUnitName(std::string_view unit);

struct JournalOptions {
  JournalSource source = JournalSource::kLocal;
  std::string directory;           // for kDirectory
  std::vector<std::string> files;  // for kFiles

  // Selection (see the file comment). Empty: the default Postfix selection.
  // Non-empty: only entries whose _SYSTEMD_UNIT is one of these (names are
  // normalized with NormalizeUnitName; * ? [ patterns are expanded).
  std::vector<std::string> units;
  // Entries whose _SYSTEMD_SLICE is one of these ("system-postfix.slice";
  // postfix_exporter's --systemd.slice), exact names, OR-ed with `units`;
  // either replaces the default selection.
  std::vector<std::string> slices;
  // Visit every entry (units and slices ignored). Non-Postfix entries are still skipped
  // unless postfix_only is false.
  bool all_entries = false;
  // Return only entries written by a Postfix program (IsPostfixProgram with
  // syslog_names) or by Exim (IsEximProgram), or whose message starts like a
  // syslog line (a container's output: see LogInput); the others are
  // counted in stats().skipped_entries.
  bool postfix_only = true;
  // Decides how identifiers are split and which are Postfix's.
  SyslogNames syslog_names;
  // Zone used only for LogLine::time.utc_offset_seconds (display).
  absl::TimeZone time_zone = absl::LocalTimeZone();

  // Start right after this cursor (from Cursor()); empty: at the start, or
  // at `since`.
  std::string after_cursor;
  // Only entries with since <= time <= until. Reading stops at the first
  // entry later than `until` (kPastUntil).
  std::optional<absl::Time> since;
  std::optional<absl::Time> until;
  // A MESSAGE longer than this is cut and flagged overlong.
  size_t max_message_bytes = 64 * 1024;
  // Prepare for Next() with a wait (sets up inotify right after opening, so
  // entries written between the last read and the first wait are not missed).
  bool follow = false;
};

// One entry, as returned by Next(). The string_views (in `line` and here)
// point into buffers the reader owns and stay valid until the next call of
// Next() on the same reader.
struct JournalEntry {
  LogLine line;
  bool overlong = false;       // MESSAGE was cut at max_message_bytes
  std::string_view unit;       // _SYSTEMD_UNIT, "" when absent
  int facility = -1;           // SYSLOG_FACILITY, -1 when absent
};

enum class JournalRead {
  kEntry,       // *entry is filled in
  kNoEntryYet,  // nothing (more) for now; with a wait, none came in time
  kPastUntil,   // the next entry is later than `until`: nothing more to read
};

struct JournalStats {
  uint64_t entries = 0;          // returned by Next()
  uint64_t skipped_entries = 0;  // selected but not a Postfix program
  uint64_t outside_range = 0;    // before `since`
  uint64_t overlong = 0;
  uint64_t files = 0;            // journal files found when opening (kFiles:
                                 // as given; otherwise counted on disk)
};

class JournalReader {
 public:
  // Opens the journal and sets up the selection and start position.
  // Errors name the path: NotFound (no such file or directory, no journal
  // files), PermissionDenied (with a hint about the systemd-journal and adm
  // groups), InvalidArgument (a directory given as a file, or bad options),
  // DataLoss (not a journal file, or corrupt).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<JournalReader>> Open(
      JournalOptions options);

  ~JournalReader();
  JournalReader(const JournalReader&) = delete;
  JournalReader& operator=(const JournalReader&) = delete;

  // Reads the next selected entry into *entry. With wait > 0, waits up to
  // `wait` for one to be written. Errors (DataLoss, Internal) name the
  // journal; the reader may be used again after one.
  [[nodiscard]] absl::StatusOr<JournalRead> Next(
      JournalEntry* entry, absl::Duration wait = absl::ZeroDuration());

  // The cursor of the last entry read (returned or skipped), to resume after
  // it; before the first entry, the after_cursor given, or "".
  std::string Cursor();

  // "journal file a.journal", "journal directory /d", "the system journal".
  const std::string& description() const { return description_; }
  const JournalStats& stats() const { return stats_; }
  const JournalOptions& options() const { return options_; }
  // The sd-journal match expression in use, e.g.
  // "SYSLOG_IDENTIFIER=postfix/smtpd OR ... OR SYSLOG_FACILITY=2"; "" for
  // all entries, "(nothing)" when the selection can match no entry.
  const std::string& match_description() const { return match_description_; }

 private:
  explicit JournalReader(JournalOptions options);

  [[nodiscard]] absl::Status OpenJournal();
  [[nodiscard]] absl::Status AddMatches();
  [[nodiscard]] absl::Status Seek();
  // Whether some entry has all of `matches` ("FIELD=value", AND-ed). Leaves
  // no matches set.
  [[nodiscard]] absl::StatusOr<bool> HasEntry(const std::vector<std::string>& matches);
  // Fills *entry from the current entry; false when it is to be skipped.
  bool ReadEntry(JournalEntry* entry);
  absl::Status Error(std::string_view what, int r) const;
  // Waits up to `wait` for the journal's files to change; the change is
  // not taken in (Next does, once the open files are read to their end).
  absl::Status WaitForChange(absl::Duration wait);

  JournalOptions options_;
  sd_journal* journal_ = nullptr;
  std::string description_;
  std::string match_description_;
  bool matches_nothing_ = false;
  // The first sd_journal_next() after seeking to after_cursor may land on
  // that very entry, which must be skipped.
  bool check_start_cursor_ = false;
  bool positioned_ = false;  // the journal is on an entry we read
  // The cursor when Next last took the files' changes in: a deleted file's
  // entry has no cursor from sd-journal after that.
  std::string cursor_before_changes_;
  bool past_until_ = false;
  JournalStats stats_;

  // Buffers the returned views point into.
  std::string host_;
  std::string program_;
  std::string message_;
  std::string unit_;

  ZoneOffsets offsets_;  // of options_.time_zone
};

}  // namespace mailgauge::parsers

#endif  // MAILGAUGE_PARSERS_JOURNAL_READER_H_
