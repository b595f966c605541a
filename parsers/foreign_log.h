// File: parsers/foreign_log.h
// Recognizes lines of mail logs that mailgauge does not read yet, so that a
// run over one can say what it was given instead of printing an empty
// report. Called only for lines whose syslog envelope could not be read.
//
// Exim writes its own main log (Debian: /var/log/exim4/mainlog), one line per
// event, with no host or program name:
//
//   2026-11-25 10:00:01 1vABCD-000123-AB <= alice@example.org H=... S=2345
//   2026-11-25 10:00:01.123 +0100 [4242] 1vABCD-000123-AB => bob@example.net R=...
//   2026-11-25 10:00:05 SMTP connection from [192.0.2.7]:5123 lost
//
// that is the date and time, then optionally milliseconds (log_selector
// +millisec), the zone (log_timezone) and the process ID (+pid), then a
// message ID (6-6-2 base-62 characters; 6-11-4 since Exim 4.97) or one of
// the messages Exim logs outside a message.
//
//   if (LooksLikeEximMainLog(text)) ++exim_lines;
//
// Two forms of `journalctl` output carry no date, so mailgauge can't read
// them; they are told apart so that the run can say how to save the
// journal instead:
//
//   -o short-monotonic   "[  123.456789] mx postfix/smtpd[1]: ..." (seconds
//                        since boot; short-delta adds " <    0.000123>")
//   -o cat               "4B0C72A1F3: removed" (the message alone)
#ifndef MAILGAUGE_PARSERS_FOREIGN_LOG_H_
#define MAILGAUGE_PARSERS_FOREIGN_LOG_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mailgauge::parsers {

bool LooksLikeEximMainLog(std::string_view line);

// The time (and pid) that starts a line of Exim's main log, as written.
struct EximLogTime {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  bool has_offset = false;  // log_timezone: offset_seconds is the line's
  int32_t offset_seconds = 0;
  int64_t pid = -1;  // +pid
};

// Reads "YYYY-MM-DD HH:MM:SS[.mmm][ +hhmm][ [pid]] " at the start of `s`
// (fields range-checked); the length read, with the space after it, or 0.
size_t ReadEximLogTime(std::string_view s, EximLogTime* t);

// Reads +pid's "[1234]" (1 to 12 digits) at the start of `s`; the length
// read, or 0.
size_t ReadEximPid(std::string_view s, int64_t* pid);

// The length of the Exim message ID at the start of `s` ("1vABCD-000123-AB":
// 6-6-2 base-62 characters; 6-11-4 since Exim 4.97) when a space or the end
// follows it; 0 when there is none.
size_t EximMessageIdLength(std::string_view s);

// The first line of a rejected message's header dump in Exim's reject log
// (Debian: /var/log/exim4/rejectlog): "Envelope-from: <s@example.org>".
// The reject log repeats the main log's rejects, each followed by such a
// dump; its lines can't be read as a log of their own.
bool LooksLikeEximRejectLogHeaders(std::string_view line);

// Whether a file's name is that of Exim's reject log or main log, as
// distributions name and rotate them: Debian's rejectlog, rejectlog.1,
// rejectlog.2.gz (mainlog ...); Red Hat's and cPanel's exim_rejectlog,
// exim_rejectlog-20260101 (exim_mainlog ...). Only the last path component
// is looked at.
bool IsEximRejectLogName(std::string_view path);
bool IsEximMainLogName(std::string_view path);

// Of `paths`, those named as Exim's reject log with a path of the same
// directory named as its main log (/var/log/exim4/*log): every reject of
// the reject log is in the main log too, so reading both counts it twice.
// Logs of other directories (other hosts') are not paired.
std::vector<std::string> EximRejectLogsBesideMainLog(const std::vector<std::string>& paths);

// "[ 123.456789] " or "[ 123.456789 <    0.000123>] " first: journalctl's
// short-monotonic or short-delta form (or dmesg's).
bool LooksLikeMonotonicTime(std::string_view line);

// A Postfix message with no syslog header (journalctl -o cat): it starts
// with a queue ID and ": ", "NOQUEUE: ", or a few of smtpd's and every
// daemon's common openings ("connect from ", "warning: ", ...).
bool LooksLikeJournalctlCat(std::string_view line);

}  // namespace mailgauge::parsers

#endif  // MAILGAUGE_PARSERS_FOREIGN_LOG_H_
