#include "refmta/postfix_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace mailgauge::refmta {
namespace {

constexpr int64_t kMillion = 1000000;

// The names smtpd_cmd_table gives, lower-cased as smtpd_format_cmd_stats()
// prints them; the last entry (name == 0) prints as "unknown".
constexpr const char* kCommandNames[] = {
    "helo", "ehlo", "xclient", "xforward", "starttls", "auth", "mail", "rcpt", "data",
    "bdat", "rset", "noop",    "vrfy",     "etrn",     "quit", "help", "unknown"};
static_assert(sizeof(kCommandNames) / sizeof(kCommandNames[0]) ==
                  static_cast<size_t>(SmtpCommand::kCount),
              "one name per command");

// log_adhoc.c DELTA(): y - z split in seconds and microseconds, clamped at 0.
struct Delta {
  int64_t sec = 0;
  int64_t usec = 0;
};

Delta DeltaOf(absl::Time later, absl::Time earlier) {
  int64_t micros = absl::ToInt64Microseconds(later - earlier);
  if (micros < 0) return {};
  return {micros / kMillion, micros % kMillion};
}

bool Stamped(absl::Time t) { return t != absl::InfinitePast(); }

// format_tv() from Postfix's src/util/format_tv.c, re-expressed:
// sig_dig significant digits, at most max_dig decimals, rounded half up,
// trailing zeros dropped.
std::string FormatTv(int64_t sec, int64_t usec, int sig_dig, int max_dig) {
  static const int64_t kPow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
  int64_t ures = kMillion / kPow10[max_dig];
  int64_t wid = kPow10[sig_dig];
  if (ures < kMillion) {
    if (sec > 0) {
      int64_t n = 1;
      while (sec >= n && n <= wid / 10) n *= 10;
      ures = (kMillion / wid) * n;
    } else {
      while (usec >= wid * ures) ures *= 10;
    }
  }
  if (ures > 1) {
    usec += ures / 2;
    if (usec >= kMillion) {
      sec += 1;
      usec -= kMillion;
    }
  }
  std::string out = absl::StrCat(sec);
  if (usec >= ures) {
    out.push_back('.');
    int64_t rem = usec;
    for (int64_t n = kMillion / 10; rem >= ures && n > 0; n /= 10) {
      out.push_back(static_cast<char>('0' + rem / n));
      rem %= n;
    }
  }
  return out;
}

std::string FormatDelta(const Delta& d, int max_decimals) {
  // log_adhoc.c: #define SIG_DIGS 2; format_tv(b, sec, usec, SIG_DIGS, var_delay_max_res)
  return FormatTv(d.sec, d.usec, 2, max_decimals);
}

std::string Whatsup(const postfix_message::TransactionContext& c) {
  // smtpd_check.c log_whatsup() / cleanup_act_log():
  //   if (state->sender) vstring_sprintf_append(buf, " from=<%s>", ...);
  //   if (state->recipient) vstring_sprintf_append(buf, " to=<%s>", ...);
  //   if (state->protocol) vstring_sprintf_append(buf, " proto=%s", ...);
  //   if (state->helo_name) vstring_sprintf_append(buf, " helo=<%s>", ...);
  std::string out;
  if (c.sender) absl::StrAppend(&out, " from=<", *c.sender, ">");
  if (c.recipient) absl::StrAppend(&out, " to=<", *c.recipient, ">");
  if (c.protocol) absl::StrAppend(&out, " proto=", *c.protocol);
  if (c.helo) absl::StrAppend(&out, " helo=<", *c.helo, ">");
  return out;
}

absl::string_view QueueIdOrNoqueue(absl::string_view queue_id) {
  return queue_id.empty() ? absl::string_view("NOQUEUE") : queue_id;
}

}  // namespace

std::string FormatPostfixDelay(absl::Duration d, int max_decimals) {
  if (max_decimals < 0) max_decimals = 0;
  if (max_decimals > 6) max_decimals = 6;
  return FormatDelta(DeltaOf(absl::UnixEpoch() + d, absl::UnixEpoch()), max_decimals);
}

void SmtpCommandStats::Count(SmtpCommand command, bool success) {
  size_t i = static_cast<size_t>(command);
  if (i >= total_.size()) return;
  ++total_[i];
  if (success) ++success_[i];
}

std::string SmtpCommandStats::Format() const {
  // smtpd.c smtpd_format_cmd_stats():
  //   vstring_sprintf_append(buf, " %s=%d", cmdp->name ? cmdp->name : "unknown",
  //                          cmdp->success_count);
  //   if (cmdp->success_count != cmdp->total_count)
  //       vstring_sprintf_append(buf, "/%d", cmdp->total_count);
  //   ...
  //   vstring_sprintf_append(buf, " commands=%d", all_success);
  //   if (all_success != all_total || all_total == 0)
  //       vstring_sprintf_append(buf, "/%d", all_total);
  std::string out;
  int all_success = 0, all_total = 0;
  for (size_t i = 0; i < total_.size(); ++i) {
    if (total_[i] == 0) continue;
    absl::StrAppend(&out, " ", kCommandNames[i], "=", success_[i]);
    if (success_[i] != total_[i]) absl::StrAppend(&out, "/", total_[i]);
    all_success += success_[i];
    all_total += total_[i];
  }
  absl::StrAppend(&out, " commands=", all_success);
  if (all_success != all_total || all_total == 0) absl::StrAppend(&out, "/", all_total);
  return out;
}

namespace postfix_message {

std::string NamAddr(absl::string_view name, absl::string_view addr) {
  return absl::StrCat(name, "[", addr, "]");
}

std::string SmtpdConnect(absl::string_view client_name, absl::string_view client_addr) {
  // smtpd.c: msg_info("connect from %s", state.namaddr);
  return absl::StrCat("connect from ", NamAddr(client_name, client_addr));
}

std::string SmtpdDisconnect(absl::string_view client_name, absl::string_view client_addr,
                            const SmtpCommandStats& stats) {
  // smtpd.c: msg_info("disconnect from %s%s", state.namaddr, smtpd_format_cmd_stats(...));
  return absl::StrCat("disconnect from ", NamAddr(client_name, client_addr), stats.Format());
}

std::string SmtpdClient(absl::string_view queue_id, absl::string_view client_name,
                        absl::string_view client_addr) {
  // smtpd.c: msg_info("%s: client=%s%s...", queue_id, state->namaddr, ...);
  // the optional sasl_*/orig_* parts are never present in refmta.
  return absl::StrCat(queue_id, ": client=", NamAddr(client_name, client_addr));
}

std::string SmtpdReject(absl::string_view queue_id, absl::string_view action,
                        absl::string_view where, absl::string_view client_name,
                        absl::string_view client_addr, absl::string_view reply,
                        const TransactionContext& context) {
  // smtpd_check.c log_whatsup():
  //   vstring_sprintf(buf, "%s: %s: %s from %s: %s;",
  //       state->queue_id ? state->queue_id : "NOQUEUE",
  //       whatsup, state->where, state->namaddr, text);
  return absl::StrCat(QueueIdOrNoqueue(queue_id), ": ", action, ": ", where, " from ",
                      NamAddr(client_name, client_addr), ": ", reply, ";",
                      Whatsup(context));
}

std::string SmtpdAbnormalEnd(absl::string_view reason, absl::string_view where,
                             int64_t data_bytes, absl::string_view client_name,
                             absl::string_view client_addr) {
  // smtpd.c:
  //   if (strcmp(state->where, SMTPD_AFTER_DATA) == 0)
  //       msg_info("%s after %s (%lu bytes) from %s", state->reason,
  //                SMTPD_CMD_DATA, ..., state->namaddr);
  //   else msg_info("%s after %s from %s", state->reason, state->where, state->namaddr);
  if (where == "DATA content") {
    return absl::StrCat(reason, " after DATA (", data_bytes, " bytes) from ",
                        NamAddr(client_name, client_addr));
  }
  return absl::StrCat(reason, " after ", where, " from ", NamAddr(client_name, client_addr));
}

std::string CleanupMessageId(absl::string_view queue_id, absl::string_view message_id) {
  // cleanup_message.c: msg_info("%s: message-id=%s", state->queue_id, hdrval);
  return absl::StrCat(queue_id, ": message-id=", message_id);
}

std::string CleanupAction(absl::string_view queue_id, absl::string_view action,
                          absl::string_view context_class, absl::string_view content,
                          absl::string_view origin, const TransactionContext& context,
                          absl::string_view text) {
  // cleanup_message.c cleanup_act_log():
  //   vstring_sprintf(state->temp1, "%s: %s: %s %.200s from %s;",
  //                   state->queue_id, action, class, content, attr);
  //   ... " from=<%s>", " to=<%s>", " proto=%s", " helo=<%s>" ...
  //   if (text && *text) vstring_sprintf_append(state->temp1, ": %s", text);
  std::string out = absl::StrCat(queue_id, ": ", action, ": ", context_class, " ",
                                 content.substr(0, 200), " from ", origin, ";",
                                 Whatsup(context));
  if (!text.empty()) absl::StrAppend(&out, ": ", text);
  return out;
}

std::string QmgrOpened(absl::string_view queue_id, absl::string_view sender, int64_t size,
                       int nrcpt) {
  // global/opened.c: msg_info("%s: from=<%s>, size=%ld, nrcpt=%d%s%s%s", ...)
  // with qmgr's text "queue active".
  return absl::StrCat(queue_id, ": from=<", sender, ">, size=", size, ", nrcpt=", nrcpt,
                      " (queue active)");
}

std::string QmgrRemoved(absl::string_view queue_id) {
  // qmgr_active.c: msg_info("%s: removed", message->queue_id);
  return absl::StrCat(queue_id, ": removed");
}

std::string QmgrExpired(absl::string_view queue_id, absl::string_view sender, bool forced) {
  // qmgr_active.c: msg_info("%s: from=<%s>, status=%s, returned to sender", ...)
  return absl::StrCat(queue_id, ": from=<", sender, ">, status=",
                      forced ? "force-expired" : "expired", ", returned to sender");
}

std::string BounceNotification(absl::string_view queue_id, absl::string_view kind,
                               absl::string_view new_queue_id) {
  // bounce_notify_service.c:
  //   msg_info("%s: sender non-delivery notification: %s", queue_id, STR(new_id));
  return absl::StrCat(queue_id, ": ", kind, " notification: ", new_queue_id);
}

std::string PickupUid(absl::string_view queue_id, int64_t uid, absl::string_view sender) {
  // pickup.c: msg_info("%s: uid=%d from=<%s>", info->id, (int) info->st_uid, ...);
  return absl::StrCat(queue_id, ": uid=", uid, " from=<", sender, ">");
}

std::string PostsuperAction(absl::string_view queue_id, absl::string_view action) {
  // postsuper.c: msg_info("%s: removed", queue_id); "%s: placed on hold";
  // "%s: released from hold"; "%s: requeued".
  return absl::StrCat(queue_id, ": ", action);
}

std::string PostsuperSummary(absl::string_view what, int count) {
  // postsuper.c: msg_info("Requeued: %d message%s", n, n != 1 ? "s" : "");
  return absl::StrCat(what, ": ", count, " message", count != 1 ? "s" : "");
}

std::string Delivery(const DeliveryLogRecord& r, int max_decimals) {
  // global/log_adhoc.c log_adhoc():
  //   vstring_sprintf(buf, "%s: to=<%s>", id, ...recipient->address);
  //   if (recipient->orig_addr && *recipient->orig_addr
  //       && strcasecmp_utf8(recipient->address, recipient->orig_addr) != 0)
  //       vstring_sprintf_append(buf, ", orig_to=<%s>", ...);
  //   vstring_sprintf_append(buf, ", relay=%s", relay);
  //   if (stats->reuse_count > 0)
  //       vstring_sprintf_append(buf, ", conn_use=%d", stats->reuse_count + 1);
  //   PRETTY_FORMAT(buf, ", delay=", delay);  ", delays=" pdelay "/" adelay
  //   "/" sdelay "/" xdelay;
  //   vstring_sprintf_append(buf, ", dsn=%s, status=%s (%s)", ...);
  std::string out = absl::StrCat(r.queue_id, ": to=<", r.recipient, ">");
  if (!r.original_recipient.empty() &&
      !absl::EqualsIgnoreCase(r.recipient, r.original_recipient)) {
    absl::StrAppend(&out, ", orig_to=<", r.original_recipient, ">");
  }
  absl::StrAppend(&out, ", relay=", r.relay);
  if (r.conn_use > 0) absl::StrAppend(&out, ", conn_use=", r.conn_use + 1);

  // The delay split, as log_adhoc() computes it.
  absl::Time now = Stamped(r.deliver_done) ? r.deliver_done : absl::Now();
  Delta delay = DeltaOf(now, r.incoming_arrival);
  Delta pdelay, adelay, sdelay, xdelay;
  if (Stamped(r.active_arrival)) {
    pdelay = DeltaOf(r.active_arrival, r.incoming_arrival);
    if (Stamped(r.agent_handoff)) {
      adelay = DeltaOf(r.agent_handoff, r.active_arrival);
      if (Stamped(r.conn_setup_done)) {
        sdelay = DeltaOf(r.conn_setup_done, r.agent_handoff);
        xdelay = DeltaOf(now, r.conn_setup_done);
      } else {
        xdelay = DeltaOf(now, r.agent_handoff);  // no network client
      }
    } else {
      adelay = DeltaOf(now, r.active_arrival);  // no delivery agent
    }
  } else {
    pdelay = DeltaOf(now, r.incoming_arrival);  // no queue manager
  }
  absl::StrAppend(&out, ", delay=", FormatDelta(delay, max_decimals),
                  ", delays=", FormatDelta(pdelay, max_decimals), "/",
                  FormatDelta(adelay, max_decimals), "/", FormatDelta(sdelay, max_decimals),
                  "/", FormatDelta(xdelay, max_decimals));
  absl::StrAppend(&out, ", dsn=", r.dsn, ", status=", r.status, " (", r.reason, ")");
  return out;
}

}  // namespace postfix_message

absl::StatusOr<std::unique_ptr<PostfixLogWriter>> PostfixLogWriter::Open(
    const std::string& path, PostfixLogOptions options) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("cannot open log file ", path, ": ", std::strerror(errno)));
  }
  auto writer = std::make_unique<PostfixLogWriter>(std::move(options), nullptr);
  writer->fd_ = fd;
  return writer;
}

PostfixLogWriter::PostfixLogWriter(PostfixLogOptions options,
                                   std::function<void(const std::string&)> sink)
    : options_(std::move(options)),
      // msg_logger.c: "%.*s ", (int) strcspn(msg_logger_hostname, "."), hostname
      host_(options_.hostname.substr(0, options_.hostname.find('.'))),
      sink_(std::move(sink)) {}

PostfixLogWriter::~PostfixLogWriter() {
  if (fd_ >= 0) close(fd_);
}

std::string PostfixLogWriter::FormatLine(absl::Time when, absl::string_view daemon,
                                         int64_t pid, absl::string_view message) const {
  std::string stamp;
  switch (options_.time_format) {
    case LogTimeFormat::kSyslog:
      stamp = absl::FormatTime("%b %e %H:%M:%S", when, options_.time_zone);
      break;
    case LogTimeFormat::kPostlog:
      stamp = absl::FormatTime("%b %d %H:%M:%S", when, options_.time_zone);
      break;
    case LogTimeFormat::kIso:
      stamp = absl::FormatTime("%Y-%m-%dT%H:%M:%E6S%Ez", when, options_.time_zone);
      break;
  }
  // msg_logger.c: "%s[%ld]: %.*s", msg_logger_progname, (long) getpid(), text
  return absl::StrCat(stamp, " ", host_, " ", options_.syslog_name, "/", daemon, "[", pid,
                      "]: ", message);
}

void PostfixLogWriter::Info(absl::string_view daemon, int64_t pid, absl::string_view message) {
  Emit(FormatLine(options_.clock(), daemon, pid, message));
}

void PostfixLogWriter::Warning(absl::string_view daemon, int64_t pid,
                               absl::string_view message) {
  Emit(FormatLine(options_.clock(), daemon, pid, absl::StrCat("warning: ", message)));
}

void PostfixLogWriter::Emit(std::string line) {
  // A message never spans lines in a log file; syslog would turn control
  // characters into "#012"-style escapes, so do the same for newlines.
  std::string clean;
  clean.reserve(line.size() + 1);
  for (char c : line) {
    if (c == '\n' || c == '\r') {
      absl::StrAppend(&clean, absl::StrFormat("#%03o", static_cast<unsigned char>(c)));
    } else {
      clean.push_back(c);
    }
  }
  clean.push_back('\n');
  std::lock_guard<std::mutex> lock(mu_);
  if (sink_) {
    sink_(clean);
    return;
  }
  absl::string_view rest = clean;
  while (!rest.empty()) {
    ssize_t n = write(fd_, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (status_.ok()) {
        status_ = absl::InternalError(absl::StrCat("log write: ", std::strerror(errno)));
      }
      return;
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
}

absl::Status PostfixLogWriter::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

}  // namespace mailgauge::refmta
