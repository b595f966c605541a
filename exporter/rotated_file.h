// File: exporter/rotated_file.h
// Lines written to a log after the exporter's last save, when the log was
// rotated while the exporter was down: at start, the saved position
// (inode, offset, fingerprint) may belong to a file that is no longer at the
// path but was renamed beside it (logrotate's `mail.log.1`, dateext's
// `mail.log-20261125`, savelog's `mail.log.0`) or copied there before a
// copytruncate. FindRotatedFile finds that file and ReadRotatedRest reads
// it from the saved offset to its end, before the follower reads the new
// file from its start: no line lost, none read twice.
//
//   absl::StatusOr<std::string> old = FindRotatedFile(path, saved);
//   if (old.ok()) {
//     absl::StatusOr<uint64_t> lines = ReadRotatedRest(*old, saved, handler);
//   }
//   follower->Restore(saved);   // no match at the path: reads it from 0
//
// Thread-safety: free functions, no shared state.
#ifndef MAILGAUGE_EXPORTER_ROTATED_FILE_H_
#define MAILGAUGE_EXPORTER_ROTATED_FILE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "parsers/file_follower.h"

namespace mailgauge::exporter {

// The rotated file that holds the rest of the saved position's file, when
// the file at `path` is no longer that file (another inode with other first
// bytes, shorter than the saved offset, or gone). Candidates are the
// entries of path's directory named path.N, path-YYYYMMDD or
// path-YYYYMMDDHH (compressed files are never the one: their bytes differ);
// one matches when it has the saved device and inode, its first bytes have
// the saved fingerprint and it is not shorter than the saved offset. A copy
// (copytruncate) with the saved fingerprint and length matches when no file
// has the inode. NotFound when nothing needs reading or nothing matches;
// other errors for an unreadable directory.
[[nodiscard]] absl::StatusOr<std::string> FindRotatedFile(
    const std::string& path, const parsers::FilePosition& saved);

// Hands out every line of `rotated` from `saved.offset` to its end, the last
// one even without its '\n' (nothing more will be written to it). Lines
// longer than `max_line_bytes` are cut and flagged overlong, as the
// follower does. Returns the number of lines.
[[nodiscard]] absl::StatusOr<uint64_t> ReadRotatedRest(
    const std::string& rotated, const parsers::FilePosition& saved,
    const parsers::FileFollower::LineHandler& handler,
    size_t max_line_bytes = 64 * 1024);

}  // namespace mailgauge::exporter

#endif  // MAILGAUGE_EXPORTER_ROTATED_FILE_H_
