#include "refmta/lookup_table.h"

#include <cctype>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "re2/re2.h"
#include "refmta/config_lines.h"

namespace mailgauge::refmta {
namespace {

// One logical line of a table source file: comments and blank lines dropped,
// continuation lines (leading whitespace) joined with a single space.

class TextHashTable : public LookupTable {
 public:
  explicit TextHashTable(std::string spec) : spec_(std::move(spec)) {}
  absl::optional<std::string> Find(absl::string_view key) const override {
    auto it = entries_.find(absl::AsciiStrToLower(key));
    if (it == entries_.end()) return absl::nullopt;
    return it->second;
  }
  const std::string& spec() const override { return spec_; }
  absl::flat_hash_map<std::string, std::string> entries_;

 private:
  std::string spec_;
};

class RegexpTable : public LookupTable {
 public:
  struct Rule {
    std::unique_ptr<RE2> pattern;
    bool negated = false;
    std::string result;
  };
  explicit RegexpTable(std::string spec) : spec_(std::move(spec)) {}

  absl::optional<std::string> Find(absl::string_view key) const override {
    for (const Rule& rule : rules_) {
      int groups = rule.pattern->NumberOfCapturingGroups();
      std::vector<re2::StringPiece> captures(groups + 1);
      bool matched = rule.pattern->Match(re2::StringPiece(key.data(), key.size()), 0,
                                         key.size(), RE2::UNANCHORED,
                                         captures.data(), groups + 1);
      if (matched == rule.negated) continue;
      if (rule.negated) return rule.result;  // no captures to substitute
      return Substitute(rule.result, captures);
    }
    return absl::nullopt;
  }
  const std::string& spec() const override { return spec_; }
  std::vector<Rule> rules_;

 private:
  // Replaces $n, ${n} and $(n) by capture n and "$$" by '$'.
  static std::string Substitute(const std::string& result,
                                const std::vector<re2::StringPiece>& captures) {
    std::string out;
    for (size_t i = 0; i < result.size(); ++i) {
      char c = result[i];
      if (c != '$' || i + 1 == result.size()) {
        out.push_back(c);
        continue;
      }
      char next = result[i + 1];
      if (next == '$') {
        out.push_back('$');
        ++i;
        continue;
      }
      size_t start = i + 1;
      char close = 0;
      if (next == '{' || next == '(') {
        close = next == '{' ? '}' : ')';
        ++start;
      }
      size_t end = start;
      while (end < result.size() && absl::ascii_isdigit(static_cast<unsigned char>(result[end]))) {
        ++end;
      }
      if (end == start || (close != 0 && (end >= result.size() || result[end] != close))) {
        out.push_back(c);
        continue;
      }
      size_t n = std::stoul(result.substr(start, end - start));
      if (n < captures.size() && captures[n].data() != nullptr) {
        out.append(captures[n].data(), captures[n].size());
      }
      i = close != 0 ? end : end - 1;
    }
    return out;
  }
  std::string spec_;
};

}  // namespace

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::stringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  return buf.str();
}

absl::StatusOr<std::unique_ptr<LookupTable>> ParseTextHashTable(absl::string_view text,
                                                                std::string spec) {
  auto lines = JoinLogicalLines(text, spec, "entry");
  if (!lines.ok()) return lines.status();
  auto table = std::make_unique<TextHashTable>(spec);
  for (const LogicalLine& l : *lines) {
    size_t space = l.text.find_first_of(" \t");
    if (space == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          spec, ", line ", l.line, ": expected format: key whitespace value"));
    }
    std::string key = absl::AsciiStrToLower(l.text.substr(0, space));
    std::string value(absl::StripAsciiWhitespace(absl::string_view(l.text).substr(space)));
    // Like postmap, the first of duplicate entries wins.
    table->entries_.emplace(std::move(key), std::move(value));
  }
  return std::unique_ptr<LookupTable>(std::move(table));
}

absl::StatusOr<std::unique_ptr<LookupTable>> ParseRegexpTable(absl::string_view text,
                                                              std::string spec) {
  auto lines = JoinLogicalLines(text, spec, "entry");
  if (!lines.ok()) return lines.status();
  auto table = std::make_unique<RegexpTable>(spec);
  for (const LogicalLine& l : *lines) {
    auto error = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat(spec, ", line ", l.line, ": ", why));
    };
    absl::string_view rest = l.text;
    RegexpTable::Rule rule;
    if (absl::StartsWithIgnoreCase(rest, "if ") || absl::EqualsIgnoreCase(rest, "endif")) {
      return error("if/endif blocks are not supported by refmta");
    }
    if (!rest.empty() && rest.front() == '!') {
      rule.negated = true;
      rest.remove_prefix(1);
    }
    if (rest.empty() || absl::ascii_isalnum(static_cast<unsigned char>(rest.front())) ||
        absl::ascii_isspace(static_cast<unsigned char>(rest.front()))) {
      return error("expected /pattern/flags result");
    }
    char delimiter = rest.front();
    size_t end = 1;
    while (end < rest.size() && rest[end] != delimiter) {
      if (rest[end] == '\\' && end + 1 < rest.size()) ++end;
      ++end;
    }
    if (end >= rest.size()) return error("missing closing delimiter of the pattern");
    std::string pattern(rest.substr(1, end - 1));
    rest.remove_prefix(end + 1);
    bool case_insensitive = true;
    bool multi_line = false;
    while (!rest.empty() && !absl::ascii_isspace(static_cast<unsigned char>(rest.front()))) {
      switch (rest.front()) {
        case 'i': case_insensitive = !case_insensitive; break;
        case 'm': multi_line = !multi_line; break;
        case 'x': return error("the x flag is not supported by refmta");
        default:
          return error(absl::StrCat("unknown regexp flag \"", std::string(1, rest.front()),
                                    "\""));
      }
      rest.remove_prefix(1);
    }
    rule.result = std::string(absl::StripAsciiWhitespace(rest));
    if (rule.result.empty()) return error("missing result after the pattern");
    // POSIX REG_NEWLINE (Postfix's m flag) makes ^ and $ match at line ends
    // and keeps '.' from matching a newline; without it '.' matches newlines.
    std::string flags = absl::StrCat(case_insensitive ? "i" : "", multi_line ? "m" : "s");
    RE2::Options options;
    options.set_log_errors(false);
    rule.pattern = std::make_unique<RE2>(absl::StrCat("(?", flags, ")", pattern), options);
    if (!rule.pattern->ok()) {
      return error(absl::StrCat("bad regular expression \"", pattern,
                                "\": ", rule.pattern->error()));
    }
    table->rules_.push_back(std::move(rule));
  }
  return std::unique_ptr<LookupTable>(std::move(table));
}

absl::StatusOr<std::unique_ptr<LookupTable>> OpenLookupTable(absl::string_view spec) {
  size_t colon = spec.find(':');
  if (colon == absl::string_view::npos || colon == 0 || colon + 1 == spec.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("lookup table \"", spec, "\": expected type:name"));
  }
  absl::string_view type = spec.substr(0, colon);
  std::string path(spec.substr(colon + 1));
  if (type != "texthash" && type != "hash" && type != "regexp") {
    return absl::InvalidArgumentError(absl::StrCat(
        "lookup table \"", spec,
        "\": unsupported type (refmta supports texthash, hash and regexp)"));
  }
  auto text = ReadWholeFile(path);
  if (!text.ok()) return text.status();
  if (type == "regexp") return ParseRegexpTable(*text, std::string(spec));
  return ParseTextHashTable(*text, std::string(spec));
}

absl::StatusOr<LookupTableList> LookupTableList::Open(const std::vector<std::string>& specs) {
  LookupTableList list;
  for (const std::string& spec : specs) {
    auto table = OpenLookupTable(spec);
    if (!table.ok()) return table.status();
    list.tables_.push_back(std::shared_ptr<const LookupTable>(std::move(*table)));
  }
  return list;
}

absl::optional<std::string> LookupTableList::Find(absl::string_view key) const {
  for (const auto& table : tables_) {
    if (auto v = table->Find(key)) return v;
  }
  return absl::nullopt;
}

}  // namespace mailgauge::refmta
