// File: refmta/lookup_table.h
// Postfix lookup tables as refmta reads them from its configuration
// directory:
//   texthash:/path, hash:/path  "key value" lines (the plain source file;
//                               refmta never builds .db files), keys matched
//                               case-insensitively, lines starting with
//                               whitespace continue the previous line;
//   regexp:/path                "/pattern/flags result" lines, tried in
//                               order, first match wins; "!/pattern/" negates;
//                               $1..$9 / ${n} in the result are replaced by
//                               the captured text. Patterns are Postfix
//                               (POSIX extended) regular expressions run with
//                               RE2; flags: i (toggle case-insensitivity,
//                               which is on by default), m (multi-line).
//                               Postfix's "x" flag and if/endif blocks are not
//                               supported and give an error.
//
//   absl::StatusOr<std::unique_ptr<LookupTable>> t = OpenLookupTable("texthash:/cfg/vmailbox");
//   absl::optional<std::string> v = (*t)->Find("alice@virtual.example.org");
//
// Thread-safety: a table is immutable after opening; Find may be called
// concurrently.
#ifndef MAILGAUGE_REFMTA_LOOKUP_TABLE_H_
#define MAILGAUGE_REFMTA_LOOKUP_TABLE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace mailgauge::refmta {

class LookupTable {
 public:
  virtual ~LookupTable() = default;
  // The result for `key`, or nullopt when the table has none.
  virtual absl::optional<std::string> Find(absl::string_view key) const = 0;
  // "texthash:/cfg/aliases", as configured.
  virtual const std::string& spec() const = 0;
};

// Opens "type:name". InvalidArgument for an unsupported type or a syntax
// error (naming file and line), NotFound for a missing file.
[[nodiscard]] absl::StatusOr<std::unique_ptr<LookupTable>> OpenLookupTable(
    absl::string_view spec);

// Parses the text of a texthash/hash source file; `spec` is used in messages.
[[nodiscard]] absl::StatusOr<std::unique_ptr<LookupTable>> ParseTextHashTable(
    absl::string_view text, std::string spec);
// Parses the text of a regexp table.
[[nodiscard]] absl::StatusOr<std::unique_ptr<LookupTable>> ParseRegexpTable(
    absl::string_view text, std::string spec);

// Several tables searched in order, as a Postfix parameter such as
// virtual_mailbox_maps lists them. Thread-safety: as LookupTable.
class LookupTableList {
 public:
  // Opens every spec; the first error is returned.
  [[nodiscard]] static absl::StatusOr<LookupTableList> Open(
      const std::vector<std::string>& specs);
  absl::optional<std::string> Find(absl::string_view key) const;
  bool empty() const { return tables_.empty(); }

 private:
  std::vector<std::shared_ptr<const LookupTable>> tables_;
};

// Reads a whole file. NotFound when it cannot be opened.
[[nodiscard]] absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

}  // namespace mailgauge::refmta

#endif  // MAILGAUGE_REFMTA_LOOKUP_TABLE_H_
