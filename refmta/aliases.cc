#include "refmta/aliases.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "refmta/config_lines.h"
#include "refmta/lookup_table.h"

namespace mailgauge::refmta {
namespace {

constexpr int kMaxAliasDepth = 20;
constexpr absl::string_view kInclude = ":include:";

bool Contains(const std::vector<std::string>& list, absl::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// Classifies one unquoted item.
absl::StatusOr<AliasTarget> ClassifyTarget(std::string item) {
  AliasTarget target;
  if (item.size() >= 2 && item.front() == '"' && item.back() == '"' &&
      item.find('"', 1) == item.size() - 1) {
    item = item.substr(1, item.size() - 2);
  }
  if (absl::StartsWithIgnoreCase(item, kInclude)) {
    target.kind = AliasTargetKind::kInclude;
    target.value = std::string(absl::StripAsciiWhitespace(
        absl::string_view(item).substr(kInclude.size())));
    if (target.value.empty()) {
      return absl::InvalidArgumentError("empty :include: path");
    }
  } else if (!item.empty() && item.front() == '|') {
    target.kind = AliasTargetKind::kCommand;
    target.value = std::string(absl::StripAsciiWhitespace(item.substr(1)));
    if (target.value.empty()) return absl::InvalidArgumentError("empty |command");
  } else if (!item.empty() && item.front() == '/') {
    target.kind = AliasTargetKind::kFile;
    target.value = item;
  } else {
    target.kind = AliasTargetKind::kAddress;
    target.value = item;
  }
  return target;
}

}  // namespace

absl::StatusOr<std::vector<AliasTarget>> ParseAliasTargets(absl::string_view text) {
  std::vector<AliasTarget> targets;
  std::string item;
  bool in_quotes = false;
  auto flush = [&]() -> absl::Status {
    std::string trimmed(absl::StripAsciiWhitespace(item));
    item.clear();
    if (trimmed.empty()) return absl::InvalidArgumentError("empty address in list");
    auto target = ClassifyTarget(std::move(trimmed));
    if (!target.ok()) return target.status();
    targets.push_back(*std::move(target));
    return absl::OkStatus();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' && in_quotes && i + 1 < text.size()) {
      item.push_back(c);
      item.push_back(text[++i]);
      continue;
    }
    if (c == '"') in_quotes = !in_quotes;
    if (c == ',' && !in_quotes) {
      if (absl::Status s = flush(); !s.ok()) return s;
      continue;
    }
    item.push_back(c);
  }
  if (in_quotes) return absl::InvalidArgumentError("unterminated quoted string");
  if (!absl::StripAsciiWhitespace(item).empty() || targets.empty()) {
    if (absl::Status s = flush(); !s.ok()) return s;
  }
  return targets;
}

absl::StatusOr<AliasTable> AliasTable::ParseFile(const std::string& path) {
  auto text = ReadWholeFile(path);
  if (!text.ok()) return text.status();
  return Parse(*text, path);
}

absl::StatusOr<AliasTable> AliasTable::Parse(absl::string_view text,
                                             std::string file_name) {
  auto logical = JoinLogicalLines(text, file_name, "alias");
  if (!logical.ok()) return logical.status();
  AliasTable table;
  for (const LogicalLine& l : *logical) {
    auto error = [&](absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat(file_name, ", line ", l.line, ": ", why));
    };
    std::string name;
    size_t pos = 0;
    if (l.text.front() == '"') {
      size_t close = l.text.find('"', 1);
      if (close == std::string::npos) return error("unterminated quoted alias name");
      name = l.text.substr(1, close - 1);
      pos = close + 1;
      while (pos < l.text.size() && absl::ascii_isspace(static_cast<unsigned char>(l.text[pos]))) {
        ++pos;
      }
      if (pos >= l.text.size() || l.text[pos] != ':') {
        return error("missing ':' after the alias name");
      }
    } else {
      pos = l.text.find(':');
      if (pos == std::string::npos) return error("missing ':' after the alias name");
      name = std::string(absl::StripAsciiWhitespace(absl::string_view(l.text).substr(0, pos)));
    }
    if (name.empty()) return error("empty alias name");
    auto targets = ParseAliasTargets(absl::string_view(l.text).substr(pos + 1));
    if (!targets.ok()) return error(targets.status().message());
    std::string key = absl::AsciiStrToLower(name);
    if (table.entries_.contains(key)) {
      table.warnings_.push_back(absl::StrCat(file_name, ", line ", l.line,
                                             ": duplicate entry: \"", key, "\""));
      continue;
    }
    table.entries_[key] = AliasEntry{key, *std::move(targets), l.line};
  }
  return table;
}

const AliasEntry* AliasTable::Find(absl::string_view name) const {
  auto it = entries_.find(absl::AsciiStrToLower(name));
  return it == entries_.end() ? nullptr : &it->second;
}

absl::StatusOr<std::vector<AliasTarget>> ParseIncludeFile(absl::string_view text,
                                                          const std::string& file_name) {
  std::vector<AliasTarget> targets;
  int line_no = 0;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++line_no;
    absl::string_view stripped = absl::StripAsciiWhitespace(raw);
    if (stripped.empty() || stripped.front() == '#') continue;
    // A trailing comma is common in lists; drop it before splitting.
    if (stripped.back() == ',') stripped.remove_suffix(1);
    auto line_targets = ParseAliasTargets(stripped);
    if (!line_targets.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(file_name, ", line ", line_no, ": ",
                                                     line_targets.status().message()));
    }
    targets.insert(targets.end(), line_targets->begin(), line_targets->end());
  }
  return targets;
}

AliasPolicy AliasPolicy::FromLists(const std::vector<std::string>& allow_mail_to_commands,
                                   const std::vector<std::string>& allow_mail_to_files) {
  AliasPolicy p;
  p.commands_in_aliases = Contains(allow_mail_to_commands, "alias");
  p.commands_in_includes = Contains(allow_mail_to_commands, "include");
  p.files_in_aliases = Contains(allow_mail_to_files, "alias");
  p.files_in_includes = Contains(allow_mail_to_files, "include");
  return p;
}

namespace {

struct Expander {
  const AliasTable& table;
  const AliasPolicy& policy;
  const std::function<absl::optional<std::string>(const std::string&)>& local_name_of;
  AliasExpansion result;
  absl::flat_hash_set<std::string> seen_addresses;

  absl::optional<std::string> LocalName(const std::string& address) const {
    if (local_name_of) return local_name_of(address);
    if (address.find('@') == std::string::npos) return address;
    return absl::nullopt;
  }

  void AddAddress(const std::string& address) {
    if (seen_addresses.insert(absl::AsciiStrToLower(address)).second) {
      result.addresses.push_back(address);
    }
  }

  void Targets(const std::vector<AliasTarget>& targets, bool from_include,
               std::vector<std::string>* chain, int depth) {
    for (const AliasTarget& t : targets) {
      switch (t.kind) {
        case AliasTargetKind::kAddress: {
          absl::optional<std::string> local = LocalName(t.value);
          std::string key = local ? absl::AsciiStrToLower(*local) : std::string();
          if (!local || table.Find(key) == nullptr || Contains(*chain, key) ||
              depth >= kMaxAliasDepth) {
            AddAddress(t.value);
          } else {
            chain->push_back(key);
            Targets(table.Find(key)->targets, false, chain, depth + 1);
            chain->pop_back();
          }
          break;
        }
        case AliasTargetKind::kFile:
          if (from_include ? policy.files_in_includes : policy.files_in_aliases) {
            result.files.push_back(t.value);
          } else {
            result.refused.push_back({t, "mail to file is restricted"});
          }
          break;
        case AliasTargetKind::kCommand:
          if (from_include ? policy.commands_in_includes : policy.commands_in_aliases) {
            result.commands.push_back(t.value);
          } else {
            result.refused.push_back({t, "mail to command is restricted"});
          }
          break;
        case AliasTargetKind::kInclude: {
          if (!policy.includes) {
            result.refused.push_back({t, ":include: is not allowed"});
            break;
          }
          if (from_include && Contains(*chain, absl::StrCat(kInclude, t.value))) {
            result.refused.push_back({t, "include loop"});
            break;
          }
          auto text = ReadWholeFile(t.value);
          if (!text.ok()) {
            result.refused.push_back(
                {t, absl::StrCat("cannot open include file ", t.value)});
            break;
          }
          auto included = ParseIncludeFile(*text, t.value);
          if (!included.ok()) {
            result.refused.push_back({t, std::string(included.status().message())});
            break;
          }
          chain->push_back(absl::StrCat(kInclude, t.value));
          Targets(*included, true, chain, depth + 1);
          chain->pop_back();
          break;
        }
      }
    }
  }
};

}  // namespace

AliasExpansion ExpandAlias(
    const AliasTable& table, absl::string_view name, const AliasPolicy& policy,
    const std::function<absl::optional<std::string>(const std::string&)>& local_name_of) {
  Expander e{table, policy, local_name_of, {}, {}};
  const AliasEntry* entry = table.Find(name);
  if (entry == nullptr) return e.result;
  e.result.is_alias = true;
  std::vector<std::string> chain = {entry->name};
  e.Targets(entry->targets, false, &chain, 1);
  return e.result;
}

}  // namespace mailgauge::refmta
