// File: parsers/journal_export_testing.h
// For tests: writes real .journal files from entries given as fields, with
// systemd's own writer. Entries are serialized in the journal export format
// (https://systemd.io/JOURNAL_EXPORT_FORMATS/) and fed to
// systemd-journal-remote (Debian package systemd-journal-remote).
//
//   if (JournalRemotePath().empty()) GTEST_SKIP() << kNoJournalRemote;
//   ASSERT_TRUE(WriteJournalFile(dir + "/t.journal",
//       {{{"__REALTIME_TIMESTAMP", "1764093489123456"},
//         {"SYSLOG_IDENTIFIER", "postfix/smtpd"}, {"MESSAGE", "connect ..."}}}).ok());
#ifndef MAILGAUGE_PARSERS_JOURNAL_EXPORT_TESTING_H_
#define MAILGAUGE_PARSERS_JOURNAL_EXPORT_TESTING_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace mailgauge::parsers::testing {

// One journal entry: (field name, value bytes) in order.
using JournalFields = std::vector<std::pair<std::string, std::string>>;

inline constexpr char kNoJournalRemote[] =
    "systemd-journal-remote not found (apt-get install systemd-journal-remote, "
    "or set MAILGAUGE_JOURNAL_REMOTE); journal file tests skipped";

// $MAILGAUGE_JOURNAL_REMOTE, else systemd-journal-remote in /lib/systemd or
// /usr/lib/systemd; "" when there is none.
std::string JournalRemotePath();

// Appends one entry in the export format: NAME=value for text, the binary
// form (NAME, newline, 64-bit little-endian length, bytes) for a value with
// a newline or another control byte; then the blank line ending the entry.
void AppendExportEntry(const JournalFields& fields, std::string* out);

// Writes `entries` into the journal file `path` (which must end in
// ".journal"), appending when it exists.
[[nodiscard]] absl::Status WriteJournalFile(const std::string& path,
                                            const std::vector<JournalFields>& entries);

}  // namespace mailgauge::parsers::testing

#endif  // MAILGAUGE_PARSERS_JOURNAL_EXPORT_TESTING_H_
