// File: refmta/aliases.h
// The aliases(5) file and its expansion, as Postfix's local(8) does it:
//
//   # comment
//   postmaster: root
//   root:       alice, "bob smith"@example.com
//   team:       alice,
//               bob                 (a line starting with whitespace continues)
//   "sales dept": :include:/cfg/sales.list
//   archive:    /var/mail/archive   (a file: refused unless allowed)
//   ticket:     "|/usr/bin/ticket --new"   (a command: refused unless allowed)
//
// Names are matched case-insensitively; the first of duplicate names wins
// (postalias warns and ignores the later ones).
//
//   absl::StatusOr<AliasTable> t = AliasTable::ParseFile("/cfg/aliases");
//   AliasExpansion e = ExpandAlias(*t, "team", AliasPolicy{});
//   e.addresses;   // {"alice", "bob"}
//
// Thread-safety: AliasTable is immutable after parsing; ExpandAlias may be
// called concurrently on one table.
#ifndef MAILGAUGE_REFMTA_ALIASES_H_
#define MAILGAUGE_REFMTA_ALIASES_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace mailgauge::refmta {

enum class AliasTargetKind { kAddress, kFile, kCommand, kInclude };

struct AliasTarget {
  AliasTargetKind kind = AliasTargetKind::kAddress;
  // The address; the file path; the command without '|'; the include path.
  std::string value;
  friend bool operator==(const AliasTarget& a, const AliasTarget& b) {
    return a.kind == b.kind && a.value == b.value;
  }
};

struct AliasEntry {
  std::string name;  // lower case
  std::vector<AliasTarget> targets;
  int line = 0;
};

class AliasTable {
 public:
  // Parses aliases(5) text; `file_name` is used in messages. InvalidArgument
  // names the file and line of a syntax error (missing ':', empty name,
  // unterminated quote, empty :include: path).
  [[nodiscard]] static absl::StatusOr<AliasTable> Parse(absl::string_view text,
                                                        std::string file_name);
  [[nodiscard]] static absl::StatusOr<AliasTable> ParseFile(const std::string& path);

  // The entry for `name` (any case), or nullptr.
  const AliasEntry* Find(absl::string_view name) const;
  size_t size() const { return entries_.size(); }
  // Duplicate names met while parsing, as postalias words them.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  absl::flat_hash_map<std::string, AliasEntry> entries_;
  std::vector<std::string> warnings_;
};

// Splits a right-hand side into targets: comma-separated, double quotes
// protect commas and spaces ("|cmd a, b"), :include:, /file and |command
// recognised. InvalidArgument on an unterminated quote or an empty item.
[[nodiscard]] absl::StatusOr<std::vector<AliasTarget>> ParseAliasTargets(
    absl::string_view text);

// Parses an :include: file: targets separated by commas and/or newlines,
// '#' comment lines allowed.
[[nodiscard]] absl::StatusOr<std::vector<AliasTarget>> ParseIncludeFile(
    absl::string_view text, const std::string& file_name);

// What an alias may expand to, from allow_mail_to_commands /
// allow_mail_to_files ("alias", "forward", "include").
struct AliasPolicy {
  bool commands_in_aliases = false;
  bool commands_in_includes = false;
  bool files_in_aliases = false;
  bool files_in_includes = false;
  bool includes = true;
  // Builds the policy from the two parameters' list values.
  static AliasPolicy FromLists(const std::vector<std::string>& allow_mail_to_commands,
                               const std::vector<std::string>& allow_mail_to_files);
};

// A refused target and the reason local(8) would log for it
// ("mail to command is restricted", "mail to file is restricted").
struct RefusedTarget {
  AliasTarget target;
  std::string reason;
};

// The result of expanding one local name through the alias table.
struct AliasExpansion {
  bool is_alias = false;                // the name had an entry
  std::vector<std::string> addresses;   // final addresses, in order, no duplicates
  std::vector<std::string> files;       // allowed file destinations
  std::vector<std::string> commands;    // allowed commands
  std::vector<RefusedTarget> refused;   // refused by policy or unreadable include
};

// Expands `name` recursively: addresses that are themselves aliases (by
// `local_name_of`, which returns the local part for an address that is
// local to this host and nullopt otherwise; by default, addresses without
// '@') are expanded again; a name that reaches itself is final (as
// "root: root, archive" delivers to root's mailbox). :include: files are
// read from disk. Never fails: problems land in `refused`.
AliasExpansion ExpandAlias(
    const AliasTable& table, absl::string_view name, const AliasPolicy& policy,
    const std::function<absl::optional<std::string>(const std::string&)>& local_name_of =
        nullptr);

}  // namespace mailgauge::refmta

#endif  // MAILGAUGE_REFMTA_ALIASES_H_
