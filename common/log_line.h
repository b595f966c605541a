// File: common/log_line.h
// One log line after its envelope (syslog header or journald fields) has been
// taken apart: when, on which host, by which program, and the message body.
// This is the small typed record passed from the envelope readers to the
// Postfix message parser (see parsers/).
//
//   "Nov 25 17:58:09 mx1 postfix/submission/smtpd[123]: 4B0C72A1F3: client=..."
//   -> host "mx1", program "postfix/submission/smtpd", syslog_name
//      "postfix/submission", instance "postfix", service "submission",
//      daemon "smtpd", pid 123, message "4B0C72A1F3: client=..."
//
// Every string_view points into the caller's line buffer (or journal entry)
// and is valid only while that buffer is; keep copies of what you retain.
#ifndef MAILGAUGE_COMMON_LOG_LINE_H_
#define MAILGAUGE_COMMON_LOG_LINE_H_

#include <cstdint>
#include <string_view>

#include "common/timestamp.h"

namespace mailgauge {

struct LogLine {
  Timestamp time;
  std::string_view host;
  // The whole syslog tag without "[pid]": "postfix-out/smtp".
  std::string_view program;
  // The tag minus the last component: Postfix's syslog_name,
  // "postfix", "postfix/submission", "postfix-out". Empty when the tag has no
  // '/' (e.g. "dovecot").
  std::string_view syslog_name;
  // The first component of syslog_name: "postfix" or "postfix-<instance>",
  // or a configured syslog name. Identifies the Postfix instance.
  std::string_view instance;
  // The master.cf service between instance and daemon: "submission" in
  // "postfix/submission/smtpd"; empty when absent.
  std::string_view service;
  // The last component of the tag: "smtpd", "qmgr", ...
  std::string_view daemon;
  int64_t pid = -1;  // -1 when the tag has no [pid]
  // Text after "tag[pid]: ".
  std::string_view message;
};

}  // namespace mailgauge

#endif  // MAILGAUGE_COMMON_LOG_LINE_H_
