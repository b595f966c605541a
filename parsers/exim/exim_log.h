// File: parsers/exim/exim_log.h
// Exim's logs read as the Postfix lines that say the same thing, so that the
// correlator, the report and the exporter treat an Exim server's mail as they
// treat Postfix's (one record per message, the same totals and reasons).
//
// Exim writes its main log (Debian: /var/log/exim4/mainlog) with its own
// time and no host or program, or sends the same text to syslog (tag
// "exim"/"exim4", usually still led by Exim's own time):
//
//   2026-11-25 10:00:01 1vABCD-000123-AB <= alice@example.org H=mx (helo) [192.0.2.7] S=2345
//   2026-11-25 10:00:02 1vABCD-000123-AB => bob <bob@example.net> R=local_user T=mail_spool
//   2026-11-25 10:00:02 1vABCD-000123-AB Completed
//
// EximTranslator turns one such message into the Postfix messages a Postfix
// server would have logged for the same event, queue IDs written as
// stand-ins (kEximIdStandIn, kEximOtherIdStandIn) because Exim's IDs are not
// Postfix's; the caller parses each with the Postfix parser and puts the
// real IDs back with RestoreEximFields():
//
//   "1vABCD-000123-AB <= alice@example.org H=mx (helo) [192.0.2.7]:4321 P=esmtp S=2345"
//   -> smtpd "E000000001: client=mx[192.0.2.7]:4321"
//      qmgr  "E000000001: from=<alice@example.org>, size=2345, nrcpt=1 (queue active)"
//
//   EximTranslator exim;
//   EximTranslation t;
//   if (exim.Translate(line.message, line.time, &t)) {
//     for (const EximTranslation::Line& l : t.lines) {
//       ... parse l.message as Postfix's daemon l.daemon, then
//       RestoreEximFields(t, &event); handle(event);
//     }
//   }
//
// What maps to what (Exim's field tags: its spec, chapter "Log files"):
//   <= (arrival)      smtpd client= (H=, A=, X=) or pickup uid= (no H=),
//                     cleanup message-id= (id=), qmgr from=/size=/nrcpt=;
//                     with R=PARENT (a bounce Exim made): bounce's
//                     "PARENT: sender non-delivery notification: ID"
//   => -> >> (delivery) status=sent by smtp (H=), lmtp (T=*lmtp*), pipe
//                     (a pipe or T=*pipe*) or local; *> (suppressed) discard
//   == (deferral)     status=deferred; ** (failure) status=bounced
//   Completed         qmgr "removed"; Frozen / Unfrozen / removed by:
//                     postsuper's hold / release / removal
//   rejected RCPT|MAIL|EHLO or HELO|after DATA|connection: smtpd's reject
//   SMTP connection from ... / lost: smtpd's connect, disconnect, lost
//                     connection
// A delivery's delay is QT= when logged, else the time since the arrival
// line (when it was seen); the four delays= parts are not Exim's and stay
// unknown.
//
// Thread-safety: an EximTranslator is one stream's (it keeps arrival times).
#ifndef MAILGAUGE_PARSERS_EXIM_EXIM_LOG_H_
#define MAILGAUGE_PARSERS_EXIM_EXIM_LOG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/time/time.h"
#include "common/log_line.h"
#include "common/timestamp.h"
#include "parsers/postfix/event.h"
#include "parsers/postfix/postfix_parser.h"
#include "parsers/program_name.h"  // IsEximProgram

namespace mailgauge::parsers {

// The stand-ins for the line's own message ID and for a second one (a
// bounce's parent) in translated messages: valid Postfix queue IDs.
inline constexpr std::string_view kEximIdStandIn = "E000000001";
inline constexpr std::string_view kEximOtherIdStandIn = "E000000002";

// Reads a line of Exim's main log: "YYYY-MM-DD HH:MM:SS[.mmm][ +hhmm][ [pid]] "
// then the message. The time is in `zone` unless the line has an offset
// (log_timezone). Sets out->time, pid, message and program "exim" (host and
// the rest empty); false when the line does not start that way.
bool ReadEximMainLogLine(std::string_view line, const absl::TimeZone& zone, LogLine* out);

// An Exim message sent to syslog starts with Exim's own time (and pid)
// unless syslog_timestamp is false: the message without it.
std::string_view StripEximTime(std::string_view message);

// The most Postfix lines one Exim line becomes (an SMTP arrival over TLS:
// the TLS line, client=, message-id=, the queue manager's from=).
inline constexpr size_t kMaxEximLines = 4;

struct EximTranslation {
  struct Line {
    Daemon daemon = Daemon::kUnknown;
    std::string message;
  };
  std::vector<Line> lines;  // in the order Postfix would log them
  // What the stand-ins stand for, and fields the Postfix text can't carry.
  std::string_view id;         // the line's message ID
  std::string_view other_id;   // a bounce's parent (R= on an arrival)
  std::string_view uid;        // U= of a local submission (pickup's uid)
  std::string_view helo;       // the HELO name of an SMTP arrival (H=)
  std::string_view list_name;  // the DNS list a reject names
  bool nrcpt_known = false;    // arrivals: the recipients were listed ("for ...")
  bool size_known = false;     // arrivals: S= was there
  bool delay_known = false;    // deliveries: QT= or an arrival seen
  void Clear();
};

// Puts back into a parsed translated `event` what its Postfix text could
// not say: the real message IDs, the user name of a local submission, and
// an unknown delay, size or recipient count (-1).
void RestoreEximFields(const EximTranslation& t, Event* event);

class EximTranslator {
 public:
  // Translates one Exim message (StripEximTime already applied) logged at
  // `time`. True when the message is understood: `out` then holds zero or
  // more Postfix lines (none for what Postfix has no line for, such as a
  // queue run starting). False for anything else.
  bool Translate(std::string_view message, const Timestamp& time, EximTranslation* out);

  // Messages whose arrival time is kept (for delays) at most: when that
  // many arrivals are waiting for their "Completed" (a log cut short, a
  // queue of frozen mail), the memory is cleared and the delays of the
  // messages then in flight are unknown.
  static constexpr size_t kMaxArrivals = 1 << 18;
  size_t arrivals_kept() const { return arrivals_.size(); }

 private:
  bool TranslateMessageLine(std::string_view id, std::string_view rest, const Timestamp& time,
                            EximTranslation* out);
  bool TranslateOther(std::string_view message, EximTranslation* out);
  void RememberArrival(std::string_view id, const Timestamp& time);

  absl::flat_hash_map<std::string, int64_t> arrivals_;  // message ID -> arrival micros
};

// An Exim line (IsEximProgram, or ReadEximMainLogLine's) read to the end:
// translated, each Postfix line parsed, the real fields put back.
//
//   EximReader exim(&postfix_parser);
//   if (!exim.Read(line, [&](const LogLine& l, const Event& e) { ... })) Unparsed(line);
//
// `handle` gets LogLines with the Postfix daemon's name as `daemon`, the
// Exim tag as program, syslog_name and instance ("exim4"), and the
// translated text as message; their views live until Read() returns.
class EximReader {
 public:
  explicit EximReader(const PostfixParser* parser) : parser_(parser) {}

  // False, with no call, when the line is not understood (or a translated
  // line is not Postfix's: a translation error). `syslog`: the line came
  // through syslog or the journal (tag exim*), where Exim splits long
  // messages into pieces and, by default, sends each reject twice (once
  // for the main log, once for the reject log): the second copy and the
  // pieces after the first are understood and say nothing.
  bool Read(const LogLine& line, bool syslog,
            absl::FunctionRef<void(const LogLine&, const Event&)> handle);

 private:
  const PostfixParser* parser_;
  EximTranslator translator_;
  EximTranslation translation_;
  std::vector<Event> events_;
  std::vector<LogLine> lines_;
  // By process: the last reject read from syslog, until its copy comes.
  absl::flat_hash_map<int64_t, std::string> last_reject_;
};

}  // namespace mailgauge::parsers

#endif  // MAILGAUGE_PARSERS_EXIM_EXIM_LOG_H_
