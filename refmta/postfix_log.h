// File: refmta/postfix_log.h
// Writes log lines exactly as Postfix 3.7 does, so that what reads real
// Postfix logs reads refmta's. Two layers:
//
//  - message bodies (namespace postfix_message): one function per line kind,
//    each returning the text after "daemon[pid]: ", built field by field from
//    the Postfix source it names (smtpd/smtpd.c, smtpd/smtpd_check.c,
//    cleanup/cleanup_message.c, global/opened.c, global/log_adhoc.c,
//    qmgr/qmgr_active.c, bounce/bounce_notify_service.c, pickup/pickup.c,
//    postsuper/postsuper.c);
//  - PostfixLogWriter: prefixes the timestamp, host and "syslog_name/daemon[pid]:"
//    and appends whole lines to a file.
//
//   PostfixLogWriter log(options);   // or PostfixLogWriter::Open(path, options)
//   log.Info("smtpd", 4242, postfix_message::SmtpdConnect("unknown", "127.0.0.5"));
//   // "Nov 25 17:58:09 mx postfix/smtpd[4242]: connect from unknown[127.0.0.5]"
//
// Thread-safety: the message functions are pure; PostfixLogWriter is
// thread-safe (one write(2) per line under a mutex).
#ifndef MAILGAUGE_REFMTA_POSTFIX_LOG_H_
#define MAILGAUGE_REFMTA_POSTFIX_LOG_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"

namespace mailgauge::refmta {

// Postfix's format_tv() (src/util/format_tv.c) as log_adhoc.c calls it:
// two significant digits, at most delay_logging_resolution_limit (default 2)
// decimals: 0.12, 1.2, 12, 0.01, 0 for less than 5 ms.
std::string FormatPostfixDelay(absl::Duration d, int max_decimals = 2);

// The SMTP commands smtpd counts, in the order of smtpd.c's smtpd_cmd_table
// (which is the order of the "disconnect from" statistics). kHelp follows
// kQuit as in Postfix 3.9+; Postfix 3.7 has no HELP and would count it as
// "unknown". kUnknown counts unrecognised commands.
enum class SmtpCommand {
  kHelo, kEhlo, kXclient, kXforward, kStarttls, kAuth, kMail, kRcpt, kData,
  kBdat, kRset, kNoop, kVrfy, kEtrn, kQuit, kHelp, kUnknown, kCount
};

// Per-session command counters for the "disconnect from" line.
// Thread-safety: not thread-safe; one per session.
class SmtpCommandStats {
 public:
  void Count(SmtpCommand command, bool success);
  // " ehlo=1 mail=1 rcpt=0/1 data=0/1 quit=1 commands=3/5": each command
  // seen as name=successes[/total], then commands=successes[/total] where the
  // "/total" appears when they differ or no command was seen (smtpd.c
  // smtpd_format_cmd_stats). Starts with a space.
  std::string Format() const;

 private:
  std::array<int, static_cast<size_t>(SmtpCommand::kCount)> success_{};
  std::array<int, static_cast<size_t>(SmtpCommand::kCount)> total_{};
};

// Timings and outcome of one recipient delivery attempt, as log_adhoc()
// takes them. Unset times are absl::InfinitePast().
struct DeliveryLogRecord {
  std::string queue_id;
  std::string recipient;
  std::string original_recipient;  // logged as orig_to= when it differs
  std::string relay;               // "local", "virtual", "mx[127.0.0.9]:25", "none"
  int conn_use = 0;                // connection reuse count; logged when > 0
  absl::Time incoming_arrival = absl::InfinitePast();
  absl::Time active_arrival = absl::InfinitePast();
  absl::Time agent_handoff = absl::InfinitePast();
  absl::Time conn_setup_done = absl::InfinitePast();
  absl::Time deliver_done = absl::InfinitePast();  // "now" in log_adhoc
  std::string dsn;     // "2.0.0"
  std::string status;  // "sent", "deferred", "bounced", "expired"
  std::string reason;  // "delivered to mailbox", "250 2.0.0 Ok: queued as X"
};

namespace postfix_message {

// "name[addr]", Postfix's namaddr.
std::string NamAddr(absl::string_view name, absl::string_view addr);

// smtpd: "connect from unknown[127.0.0.5]".
std::string SmtpdConnect(absl::string_view client_name, absl::string_view client_addr);
// smtpd: "disconnect from unknown[127.0.0.5] ehlo=1 mail=1 ... commands=5".
std::string SmtpdDisconnect(absl::string_view client_name, absl::string_view client_addr,
                            const SmtpCommandStats& stats);
// smtpd: "4B0C72A1F3: client=unknown[127.0.0.5]".
std::string SmtpdClient(absl::string_view queue_id, absl::string_view client_name,
                        absl::string_view client_addr);

// The "from=<> to=<> proto= helo=<>" tail smtpd and cleanup append; each
// part only when known (nullopt).
struct TransactionContext {
  absl::optional<std::string> sender;
  absl::optional<std::string> recipient;
  absl::optional<std::string> protocol;  // "SMTP", "ESMTP"
  absl::optional<std::string> helo;
};

// smtpd_check.c log_whatsup(): "NOQUEUE: reject: RCPT from
// unknown[1.2.3.4]: 554 5.7.1 <x@y>: Relay access denied; from=<a@b>
// to=<x@y> proto=ESMTP helo=<h>". `queue_id` "" means NOQUEUE; `action` is
// "reject" (or "warn", "hold", "discard", ...); `where` is the SMTP command
// ("RCPT", "MAIL", "DATA", "END-OF-MESSAGE", "CONNECT").
std::string SmtpdReject(absl::string_view queue_id, absl::string_view action,
                        absl::string_view where, absl::string_view client_name,
                        absl::string_view client_addr, absl::string_view reply,
                        const TransactionContext& context);
// smtpd.c: "lost connection after RCPT from unknown[127.0.0.5]",
// "timeout after DATA (1234 bytes) from ...", "too many errors after ...".
// `where` "DATA content" is written as "DATA (N bytes)".
std::string SmtpdAbnormalEnd(absl::string_view reason, absl::string_view where,
                             int64_t data_bytes, absl::string_view client_name,
                             absl::string_view client_addr);

// cleanup: "4B0C72A1F3: message-id=<20261125.4B0C72A1F3@mx.example.com>".
// `message_id` is logged as given (cleanup logs the header value verbatim).
std::string CleanupMessageId(absl::string_view queue_id, absl::string_view message_id);
// cleanup_act_log(): "QID: reject: header Subject: buy now from
// unknown[127.0.0.5]; from=<a@b> to=<c@d> proto=ESMTP helo=<h>: 5.7.1
// message content rejected". `content` is cut to 200 bytes; `origin` is
// "name[addr]" for smtpd mail, "local" for pickup.
std::string CleanupAction(absl::string_view queue_id, absl::string_view action,
                          absl::string_view context_class, absl::string_view content,
                          absl::string_view origin, const TransactionContext& context,
                          absl::string_view text);

// qmgr (global/opened.c): "QID: from=<a@b>, size=1234, nrcpt=2 (queue active)".
std::string QmgrOpened(absl::string_view queue_id, absl::string_view sender, int64_t size,
                       int nrcpt);
// qmgr: "QID: removed".
std::string QmgrRemoved(absl::string_view queue_id);
// qmgr: "QID: from=<a@b>, status=expired, returned to sender" (or
// "force-expired").
std::string QmgrExpired(absl::string_view queue_id, absl::string_view sender,
                        bool forced = false);

// bounce: "QID: sender non-delivery notification: NEWQID"; `kind` is
// "sender non-delivery", "postmaster non-delivery" or "sender delay".
std::string BounceNotification(absl::string_view queue_id, absl::string_view kind,
                               absl::string_view new_queue_id);

// pickup: "QID: uid=1000 from=<alice>".
std::string PickupUid(absl::string_view queue_id, int64_t uid, absl::string_view sender);

// postsuper: "QID: removed", "QID: placed on hold", "QID: released from
// hold", "QID: requeued"; `action` is the text after "QID: ".
std::string PostsuperAction(absl::string_view queue_id, absl::string_view action);
// postsuper: "Deleted: 3 messages", "Placed on hold: 1 message",
// "Released from hold: 2 messages", "Requeued: 1 message".
std::string PostsuperSummary(absl::string_view what, int count);

// log_adhoc(): "QID: to=<b@x>, orig_to=<a@x>, relay=local, delay=0.12,
// delays=0.05/0.01/0/0.06, dsn=2.0.0, status=sent (delivered to mailbox)".
std::string Delivery(const DeliveryLogRecord& record, int max_decimals = 2);

}  // namespace postfix_message

// How the line's timestamp is written.
enum class LogTimeFormat {
  kSyslog,   // "Nov  5 17:58:09": rsyslog's traditional file format
  kPostlog,  // "Nov 05 17:58:09": Postfix's own maillog_file (msg_logger.c "%b %d %H:%M:%S")
  kIso,      // "2026-11-05T17:58:09.123456+00:00": rsyslog's high-precision format
};

struct PostfixLogOptions {
  std::string hostname = "localhost";  // only the first label is written
  std::string syslog_name = "postfix";
  LogTimeFormat time_format = LogTimeFormat::kSyslog;
  absl::TimeZone time_zone = absl::UTCTimeZone();
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

class PostfixLogWriter {
 public:
  // Appends to `path` (created 0644 when missing). Internal error with the
  // path when it cannot be opened.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PostfixLogWriter>> Open(
      const std::string& path, PostfixLogOptions options);
  // Sends each finished line (with its "\n") to `sink` instead of a file.
  PostfixLogWriter(PostfixLogOptions options, std::function<void(const std::string&)> sink);
  ~PostfixLogWriter();
  PostfixLogWriter(const PostfixLogWriter&) = delete;
  PostfixLogWriter& operator=(const PostfixLogWriter&) = delete;

  // "<time> <host> <syslog_name>/<daemon>[<pid>]: <message>".
  void Info(absl::string_view daemon, int64_t pid, absl::string_view message);
  // As Info with "warning: " before the message (msg_logger.c severity names).
  void Warning(absl::string_view daemon, int64_t pid, absl::string_view message);
  // The full line Info would write at `when`, without the newline.
  std::string FormatLine(absl::Time when, absl::string_view daemon, int64_t pid,
                         absl::string_view message) const;

  // The first write error met, if any (logging never fails the caller).
  absl::Status status() const;

 private:
  void Emit(std::string line);

  const PostfixLogOptions options_;
  const std::string host_;
  std::function<void(const std::string&)> sink_;
  int fd_ = -1;
  mutable std::mutex mu_;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mailgauge::refmta

#endif  // MAILGAUGE_REFMTA_POSTFIX_LOG_H_
