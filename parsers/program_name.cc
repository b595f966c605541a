#include "parsers/program_name.h"

#include <string.h>  // memrchr (GNU)

#include <algorithm>

namespace mailgauge::parsers {

SyslogNames::SyslogNames() : names_{"postfix", "postfix-*"} {}

SyslogNames SyslogNames::Of(const std::vector<std::string>& names) {
  SyslogNames out;
  out.Clear();
  for (const std::string& name : names) out.Add(name);
  return out;
}

void SyslogNames::Add(std::string_view name) {
  while (!name.empty() && name.back() == '/') name.remove_suffix(1);
  if (name.empty() || name == "*") return;
  if (std::find(names_.begin(), names_.end(), name) != names_.end()) return;
  names_.emplace_back(name);
  if (name.back() != '*' && name.find('/') != std::string_view::npos) {
    has_slashed_name_ = true;
  }
}

void SyslogNames::Clear() {
  names_.clear();
  has_slashed_name_ = false;
}

bool SyslogNames::Matches(std::string_view instance) const {
  if (instance.empty()) return false;
  for (const std::string& name : names_) {
    if (name.back() == '*') {
      const std::string_view prefix(name.data(), name.size() - 1);
      if (instance.size() > prefix.size() &&
          instance.compare(0, prefix.size(), prefix) == 0 &&
          instance.find('/', prefix.size()) == std::string_view::npos) {
        return true;
      }
    } else if (instance == name) {
      return true;
    }
  }
  return false;
}

size_t SyslogNames::LongestSlashedPrefixSlow(
    std::string_view syslog_name) const {
  size_t best = 0;
  for (const std::string& name : names_) {
    if (name.back() == '*' || name.find('/') == std::string::npos) continue;
    if (name.size() > syslog_name.size() || name.size() <= best) continue;
    if (syslog_name.compare(0, name.size(), name) != 0) continue;
    if (name.size() == syslog_name.size() || syslog_name[name.size()] == '/') {
      best = name.size();
    }
  }
  return best;
}

void SplitProgramName(std::string_view program, const SyslogNames& names,
                      LogLine* out) {
  out->program = program;
  // memrchr/memchr rather than rfind/find: vectorized, and tags are short
  // enough that a call costs less than a byte loop.
  const void* last =
      program.empty() ? nullptr : memrchr(program.data(), '/', program.size());
  if (last == nullptr) {
    // The postfix(1) command logs under its own name, "postfix[PID]:", not
    // under syslog_name/postfix (src/postfix/postfix.c: maillog_client_init
    // with argv[0]), whatever the instance; so did postfix-script in old
    // releases. pflogsumm counts their warnings and fatal errors as those
    // programs' (its second pattern, "postfix(-script)?[PID]: ").
    const bool postfix_command = program == "postfix" || program == "postfix-script";
    out->syslog_name = postfix_command ? program.substr(0, 7) : std::string_view();
    out->instance = out->syslog_name;
    out->service = {};
    out->daemon = program;
    return;
  }
  const size_t last_slash = static_cast<const char*>(last) - program.data();
  const std::string_view syslog_name = program.substr(0, last_slash);
  out->syslog_name = syslog_name;
  out->daemon = program.substr(last_slash + 1);
  size_t instance_len = names.LongestSlashedPrefix(syslog_name);
  if (instance_len == 0) {
    instance_len = std::min(syslog_name.find('/'), syslog_name.size());
  }
  out->instance = syslog_name.substr(0, instance_len);
  out->service = instance_len < syslog_name.size()
                     ? syslog_name.substr(instance_len + 1)
                     : std::string_view();
}

bool IsPostfixProgram(const LogLine& line, const SyslogNames& names) {
  return names.Matches(line.instance);
}

bool IsEximProgram(std::string_view program) {
  auto starts = [program](std::string_view prefix) {
    return program.substr(0, prefix.size()) == prefix;
  };
  return program == "exim" || program == "exim4" || starts("exim-") || starts("exim4-");
}

}  // namespace mailgauge::parsers
