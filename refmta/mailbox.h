// File: refmta/mailbox.h
// Writing a message into a mailbox the way Postfix's local(8) and virtual(8)
// do (facts from src/global/mail_copy.c, src/local/mailbox.c,
// src/local/maildir.c, src/virtual/maildir.c, src/global/mbox_open.c):
//
//  mbox:    "From <sender>  <asctime>" line, then Return-Path:, X-Original-To:,
//           Delivered-To:, the message with lines starting "From " quoted as
//           ">From ", and a blank line; appended under an exclusive lock; a
//           size limit (mailbox_size_limit / virtual_mailbox_limit) on the
//           whole file; a failed write is undone by truncating to the old size.
//  Maildir: Return-Path:, X-Original-To:, Delivered-To: and the message,
//           written to tmp/<sec>.P<pid>.<host>, fsync'ed and linked into
//           new/<sec>.V<dev>I<ino>M<usec>.<host>; the limit applies to the
//           one file, as virtual_mailbox_limit does for maildirs.
//
//   MailboxCopy copy{"alice@example.com", "bob@example.com", "bob@example.com", content};
//   MailboxResult r = AppendToMbox("/spool/mail/bob", copy, 51200000, absl::Now());
//   r.dsn;     // "2.0.0"
//   r.reason;  // "delivered to mailbox" — or, with a full mailbox, dsn "5.2.2",
//              // "cannot update mailbox /spool/mail/bob for user bob. error
//              //  writing message: File too large"
//
// Thread-safety: the functions may run concurrently, also on one mailbox
// (the mbox lock is flock(2), which excludes other threads too).
#ifndef MAILGAUGE_REFMTA_MAILBOX_H_
#define MAILGAUGE_REFMTA_MAILBOX_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace mailgauge::refmta {

struct MailboxCopy {
  std::string sender;              // "" is the null sender (MAILER-DAEMON)
  std::string original_recipient;  // X-Original-To:; omitted when ""
  std::string delivered_to;        // Delivered-To:
  std::string content;             // the queued message, "\n" line endings
};

struct MailboxResult {
  bool delivered = false;
  std::string dsn;     // "2.0.0", "5.2.2", "4.2.0", ...
  std::string reason;  // Postfix's status text
  bool temporary() const { return !dsn.empty() && dsn[0] == '4'; }
};

// Which delivery agent writes, for the wording of failures: local(8)
// "cannot update mailbox %s for user %s. ...", virtual(8) "delivery failed
// to mailbox %s: ...".
enum class MailboxAgent { kLocal, kVirtual };

// Appends to the mbox file `path` (created 0600, parent directories too).
// `user` names the mailbox owner in error texts; `size_limit` 0 means none.
MailboxResult AppendToMbox(const std::string& path, absl::string_view user,
                           const MailboxCopy& copy, int64_t size_limit, absl::Time now,
                           absl::TimeZone tz = absl::UTCTimeZone(),
                           MailboxAgent agent = MailboxAgent::kLocal);

// Delivers into the Maildir `dir` (with trailing '/' or not; tmp/, new/ and
// cur/ are created as needed). `hostname` goes into the file names.
MailboxResult DeliverToMaildir(const std::string& dir, const MailboxCopy& copy,
                               int64_t size_limit, absl::string_view hostname,
                               absl::Time now);

}  // namespace mailgauge::refmta

#endif  // MAILGAUGE_REFMTA_MAILBOX_H_
