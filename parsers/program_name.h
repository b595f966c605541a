// File: parsers/program_name.h
// Takes a syslog tag ("program") apart into Postfix's pieces and tells whether
// it belongs to Postfix at all. A tag is <syslog_name>/<daemon>, where
// syslog_name is the instance ("postfix", "postfix-out", or a name configured
// with main.cf's syslog_name) optionally followed by a master.cf service name
// set with `-o syslog_name=postfix/submission`.
//
//   SyslogNames names;  // "postfix" and "postfix-*"
//   LogLine line;
//   SplitProgramName("postfix/submission/smtpd", names, &line);
//   // line.syslog_name == "postfix/submission", line.instance == "postfix",
//   // line.service == "submission", line.daemon == "smtpd"
//   IsPostfixProgram(line, names);  // true
//
//   names.Add("mta/in");  // pflogsumm's --syslog-name=mta/in
//   SplitProgramName("mta/in/smtpd", names, &line);
//   // line.instance == "mta/in", line.service == "", line.daemon == "smtpd"
//
// Everything here works on string_views into the caller's tag: no allocation,
// no regex. SyslogNames is immutable once built and may be shared by threads.
#ifndef MAILGAUGE_PARSERS_PROGRAM_NAME_H_
#define MAILGAUGE_PARSERS_PROGRAM_NAME_H_

#include <string>
#include <string_view>
#include <vector>

#include "common/log_line.h"

namespace mailgauge::parsers {

// The set of syslog names that identify Postfix instances. A name is either
// exact ("postfix", "mail", "mta/in") or a prefix pattern ending in '*'
// ("postfix-*" matches "postfix-out" but not "postfix-" nor "postfix-a/b").
class SyslogNames {
 public:
  // The default set: "postfix" and "postfix-*".
  SyslogNames();

  // A set holding exactly `names` (same syntax as Add()).
  static SyslogNames Of(const std::vector<std::string>& names);

  // Adds a name. Empty names, "*" alone and trailing '/' are ignored.
  void Add(std::string_view name);
  // Removes every name, including the defaults.
  void Clear();

  // True when `instance` is one of the names (exact or pattern match).
  bool Matches(std::string_view instance) const;

  // The length of the longest configured exact name that contains a '/' and
  // is `syslog_name` itself or a prefix of it ending at a '/' boundary;
  // 0 when there is none. Used to keep "mta/in" whole as an instance.
  size_t LongestSlashedPrefix(std::string_view syslog_name) const {
    return has_slashed_name_ ? LongestSlashedPrefixSlow(syslog_name) : 0;
  }

  const std::vector<std::string>& names() const { return names_; }

 private:
  size_t LongestSlashedPrefixSlow(std::string_view syslog_name) const;

  std::vector<std::string> names_;
  bool has_slashed_name_ = false;
};

// Sets out->program = program and fills out->syslog_name, instance, service
// and daemon as documented in common/log_line.h. A tag without '/'
// ("dovecot") gives daemon == program and empty syslog_name, instance and
// service, except "postfix" (the postfix(1) command, which logs under that
// name) and "postfix-script" (which did in old releases): their syslog_name
// and instance are "postfix", their daemon the tag. The views point into
// `program`.
void SplitProgramName(std::string_view program, const SyslogNames& names,
                      LogLine* out);

// True when the line was written by a Postfix instance named in `names`,
// i.e. its instance (as set by SplitProgramName with the same names) matches.
bool IsPostfixProgram(const LogLine& line, const SyslogNames& names);

// A syslog tag of Exim's: "exim" (Exim's default syslog_processname),
// "exim4", "exim-<anything>", "exim4-<anything>". Its lines are read by
// parsers/exim/exim_log.h.
bool IsEximProgram(std::string_view program);

}  // namespace mailgauge::parsers

#endif  // MAILGAUGE_PARSERS_PROGRAM_NAME_H_
