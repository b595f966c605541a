// File: parsers/postfix/event.h
// The typed event a Postfix log line turns into: what happened (EventKind),
// which daemon said it, and every field the line carries (queue ID, client,
// sender, recipient, relay, delays, status, reply, ...).
//
//   Event e;
//   if (parser.Parse(line, &e) == ParseResult::kParsed &&
//       e.kind == EventKind::kDelivery) {
//     Use(e.queue_id, e.to, e.delivery_status, e.delays.in_qmgr);
//   }
//
// Fields are string_views into the log line and live only as long as it does:
// a consumer copies what it keeps. Numbers default to -1 when absent.
#ifndef MAILGAUGE_PARSERS_POSTFIX_EVENT_H_
#define MAILGAUGE_PARSERS_POSTFIX_EVENT_H_

#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "common/log_line.h"
#include "common/zero_fill.h"

namespace mailgauge::parsers {

// The Postfix program that wrote the line (the last component of the tag).
enum class Daemon : uint8_t {
  kUnknown = 0,
  kSmtpd,
  kPostscreen,
  kDnsblog,
  kTlsproxy,
  kAnvil,
  kCleanup,
  kPickup,
  kQmgr,       // also "nqmgr"/"oqmgr"
  kLocal,
  kVirtual,
  kSmtp,
  kLmtp,
  kPipe,
  kError,      // also "retry"
  kDiscard,
  kBounce,     // also logs as "defer"/"trace" in some setups
  kPostsuper,
  kMaster,
  kVerify,
  kScache,
  kPostdrop,
  kSendmail,
  kPostqueue,
  kPostfixScript,
  kPostlog,
  kPostmap,
  kPostalias,
  kTlsmgr,
  kProxymap,
  kTrivialRewrite,
  kShowq,
  kFlush,
  kSpawn,
  kQmqpd,
  kPolicySpf,  // policyd-spf and similar policy daemons spawned by master
  kOther,      // a postfix/<name> we do not know
  kNumDaemons
};

// Daemon for a tag's last component ("smtpd" -> kSmtpd); kOther if unknown.
Daemon DaemonFromName(std::string_view name);
// Canonical lower-case name, e.g. for metric labels ("smtpd").
std::string_view DaemonName(Daemon d);

// What a line says. Kinds the correlator acts on come first; the rest feed
// the report and the metrics. Append new kinds at the end of their group.
enum class EventKind : uint16_t {
  kUnknown = 0,

  // --- message life cycle (the correlator's input) ---
  kSmtpdClient,        // smtpd  QID: client=name[addr]:port[, sasl_method=, sasl_username=, sasl_sender=][, orig_queue_id=, orig_client=]
  kPickup,             // pickup QID: uid=N from=<sender>
  kMessageId,          // cleanup QID: message-id=<...> (also resent-message-id=)
  kQueued,             // qmgr   QID: from=<s>, size=N, nrcpt=N (queue active)
  kDelivery,           // local/virtual/smtp/lmtp/pipe/error/discard/qmgr QID: to=<>, [orig_to=<>,] relay=, ..., status=X (text)
  kExpired,            // qmgr   QID: from=<s>, status=expired, returned to sender
  kRemoved,            // qmgr   QID: removed   (also postsuper QID: removed)
  kNotification,       // bounce QID: sender non-delivery notification: NEWQID (and delay/success/postmaster notices)
  kHeld,               // postsuper QID: placed on hold; cleanup/smtpd QID: hold: ...
  kReleased,           // postsuper QID: released from hold
  kRequeued,           // postsuper QID: requeued
  kDiscarded,          // cleanup/smtpd QID: discard: ...
  kReject,             // smtpd/cleanup/postscreen NOQUEUE|QID: reject: STAGE from ...: CODE text; from=<> to=<> proto= helo=
  kRejectWarning,      // ... reject_warning: ...
  kMilterReject,       // cleanup/smtpd QID: milter-reject: END-OF-MESSAGE from ...
  kRedirect,           // QID: redirect: ... (access/header_checks REDIRECT)
  kFilter,             // QID: filter: ... (FILTER action)
  kHeaderWarning,      // cleanup QID: warning: header Subject: ... (WARN action)
  kInfo,               // cleanup QID: info: header ...  (INFO action)
  kSizeLimitExceeded,  // cleanup warning: QID: queue file size limit exceeded (the client got 552 after DATA)
  kCheckAction,        // smtpd/cleanup QID|NOQUEUE: permit|warn|delay|bcc|prepend|replace|strip|pass|hangup: ...,
                       // smtpd proxy-accept:, policyd-spf prepend (other access/header_checks/policy actions; the word is in `action`)

  // --- connections ---
  kConnect,            // smtpd/postscreen/tlsproxy connect from name[addr] / CONNECT from [addr]:port to [addr]:port
  kDisconnect,         // disconnect from name[addr] ehlo=1 mail=1 ... commands=N
  kLostConnection,     // lost connection after CMD from name[addr]
  kTimeout,            // timeout after CMD from name[addr]
  kTooManyErrors,      // too many errors after CMD from name[addr]
  kTlsEstablished,     // (Anonymous|Untrusted|Trusted|Verified) TLS connection established from|to ...
  kSaslFailed,         // warning: name[addr]: SASL METHOD authentication failed: ...
  kSmtpConnectFailed,  // smtp connect to host[addr]:port: Connection refused (no QID)
  kSmtpHostSaid,       // smtp QID: host X[addr] said: 4xx ... (in reply to RCPT TO command)  (intermediate replies)
  kSmtpLostConnection, // smtp QID: lost connection with host[addr] while ...
  kSmtpConversation,   // other smtp client conversation errors

  // --- postscreen / dnsblog / anvil ---
  kPostscreenPass,       // PASS NEW|OLD [addr]:port
  kPostscreenAllowlisted,// WHITELISTED/ALLOWLISTED [addr]:port
  kPostscreenDenylisted, // BLACKLISTED/DENYLISTED [addr]:port
  kPostscreenDnsbl,      // DNSBL rank N for [addr]:port
  kPostscreenPregreet,   // PREGREET N after T from [addr]:port: text
  kPostscreenHangup,     // HANGUP after T from [addr]:port in tests ...
  kPostscreenViolation,  // COMMAND PIPELINING / NON-SMTP COMMAND / BARE NEWLINE / COMMAND TIME LIMIT / COMMAND COUNT LIMIT / COMMAND LENGTH LIMIT
  kPostscreenNoqueue,    // NOQUEUE: reject: RCPT from [addr]:port: 550 5.7.1 Service unavailable; client [addr] blocked using ...
  kPostscreenCache,      // cache btree:... full cleanup: retained=N dropped=N entries
  kDnsblListed,          // dnsblog addr A listed by domain D as R
  kAnvilStatistics,      // anvil statistics: max connection rate|count|cache size ...

  // --- process / system ---
  kMasterStarted,      // master daemon started -- version 3.7.x, configuration /etc/postfix
  kMasterReload,       // master reload -- version ...
  kMasterStopped,      // master terminating on signal 15
  kScriptMessage,      // postfix-script starting/stopping/refreshing the Postfix mail system, ...
  kStatistics,         // scache/anvil/tlsmgr "statistics: ..." lines without a more specific kind
  kWarning,            // "warning: ..." not covered above
  kError,              // "error: ..."
  kFatal,              // "fatal: ..."
  kPanic,              // "panic: ..."
  kNotice,             // other informational lines: "table X has changed -- restarting", STRESS mode, compatibility notes
  kVerbose,            // verbose logging (-v in master.cf, debug_peer_list): "been_here: ...", "< client[addr]: RCPT TO:<...>", "send attr ..."

  kNumKinds
};

std::string_view EventKindName(EventKind k);

enum class DeliveryStatus : uint8_t {
  kNone = 0,
  kSent,
  kDeferred,
  kBounced,
  kExpired,       // status=expired (qmgr) or "message expired" handling
  kUndeliverable, // address verification probe result (verify)
  kDeliverable,   // address verification probe result (verify)
  kOther,
};
std::string_view DeliveryStatusName(DeliveryStatus s);

// Why a delivery was deferred or bounced: classes of the reply text (see
// parsers/postfix/reason.h, which classifies and names them).
enum class DeliveryProblem : uint8_t {
  kConnectionRefused,    // "Connection refused"
  kConnectionTimedOut,   // "Connection timed out", "timed out while", other 4.4.1 (no answer)
  kDns,                  // "Host or domain name not found", "Name service error", null MX
  kTlsFailure,           // "TLS is required, but ...", "Cannot start TLS", certificates
  kGreylisted,           // remote greylisting
  kRemoteRateLimit,      // "Too many connections", "rate limited", X.7.28
  kMailboxFull,          // X.2.2, "Mailbox full", "Disk quota exceeded", "File too large"
  kUserUnknown,          // X.1.1, "User unknown", "unknown user", X.2.1 mailbox disabled
  kPolicySpam,           // X.7.x refusals: spam, blocklists, SPF/DKIM/DMARC
  kMessageTooLarge,      // X.3.4 / X.2.3, "message size ... exceeds size limit"
  kLoop,                 // X.4.6, "loops back to myself", "mail forwarding loop"
  kExpired,              // qmgr "status=expired" / X.4.7
  kOther,
};

// SMTP stage a reject happened at (text after "reject: ").
enum class RejectStage : uint8_t {
  kNone = 0,
  kConnect,
  kHelo,
  kEhlo,
  kMail,
  kRcpt,
  kData,
  kEndOfMessage,
  kEtrn,
  kVrfy,
  kAuth,
  kHeader,  // cleanup header_checks / mime_header_checks / nested_header_checks
  kBody,    // cleanup body_checks
  kOther,
};
std::string_view RejectStageName(RejectStage s);

// The four parts of delays=a/b/c/d (seconds; -1 when absent):
//  a: before the queue manager (incl. message transmission),
//  b: in the queue manager (incl. deferred queue),
//  c: connection setup (DNS, HELO, TLS),
//  d: message transmission.
struct Delays {
  double before_qmgr = -1;
  double in_qmgr = -1;
  double conn_setup = -1;
  double transmission = -1;
};

struct Event {
  EventKind kind = EventKind::kUnknown;
  Daemon daemon = Daemon::kUnknown;

  std::string_view queue_id;       // empty for NOQUEUE and connection lines
  std::string_view client_name;    // "mail.example.com" or "unknown"
  std::string_view client_addr;    // "192.0.2.1", "2001:db8::1"
  std::string_view client_port;    // "54321" when logged
  std::string_view helo;
  std::string_view proto;          // SMTP / ESMTP
  std::string_view sasl_method;
  std::string_view sasl_username;
  std::string_view sasl_sender;

  std::string_view from;           // envelope sender without <>; "" for the null sender
  std::string_view to;             // recipient without <>
  std::string_view orig_to;        // original recipient without <>
  std::string_view relay;          // "mx.example.com[192.0.2.2]:25", "local", "none", "private/dovecot-lmtp"
  std::string_view conn_use;       // "2" when the connection was reused
  std::string_view tls;            // value of a tls= field when present
  std::string_view message_id;     // without <>
  std::string_view uid;            // pickup uid=

  std::string_view status;         // raw status= word
  DeliveryStatus delivery_status = DeliveryStatus::kNone;
  // The class of a deferral or bounce, computed once by the parser for the
  // lines consumers classify (reason.h's SetDeliveryProblem) so that the
  // correlator, the report and the exporter need not each classify it
  // again; meaningful only when has_delivery_problem. Read it through
  // ClassifyDeliveryProblem(event), which classifies when it is not set.
  bool has_delivery_problem = false;
  DeliveryProblem delivery_problem = DeliveryProblem::kConnectionRefused;  // 0: see Clear()
  std::string_view dsn;            // "2.0.0"
  double delay = -1;               // delay= seconds
  Delays delays;

  // The reply or explanation: the text in parentheses after status=, or a
  // reject's text after the SMTP code, or a warning's text.
  std::string_view reply;
  int reply_code = -1;             // 550, 451, ... when the text carries one
  std::string_view enhanced_code;  // "5.7.1" when the text carries one
  RejectStage reject_stage = RejectStage::kNone;

  // A second queue ID the line names: "forwarded as X", "queued as X" in a
  // relay's reply, the notice's ID in "sender non-delivery notification: X".
  std::string_view new_queue_id;

  int64_t size = -1;               // size=
  int64_t nrcpt = -1;              // nrcpt=

  // Free-form detail for informational kinds: the DNSBL domain, the header
  // text of a header check, a warning's text, a postscreen test name, ...
  std::string_view detail;
  std::string_view list_name;      // DNSBL/RBL list for rejects and dnsblog
  std::string_view remote_host;    // the remote party of smtp/lmtp/tls lines: "host[addr]:port"
  std::string_view tls_level;      // Anonymous / Untrusted / Trusted / Verified
  std::string_view tls_protocol;   // TLSv1.3
  std::string_view tls_cipher;     // TLS_AES_256_GCM_SHA384 (256/256 bits)
  std::string_view command_stats;  // "ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5"
  std::string_view last_command;   // "after DATA", "after RCPT"
  std::string_view action;         // access/header_checks/milter action word: "reject", "hold", "milter-reject", "replace", ...
  int64_t count = -1;              // numbers in statistics / postscreen lines (rank, count)

  // Clears every field to its default (called per line). Every default is
  // all-zero bytes (empty views, the 0 enumerators) except the numbers
  // below, so this is a zero fill and a few stores rather than building and
  // copying a whole Event; event_test.cc checks it equals Event{}.
  void Clear() {
    ZeroFill<sizeof(Event)>(this);
    delay = -1;
    delays = Delays();
    reply_code = -1;
    size = -1;
    nrcpt = -1;
    count = -1;
  }
};

static_assert(std::is_trivially_copyable_v<Event>,
              "Event::Clear() resets an Event by zeroing its bytes");

// How many times a command succeeded in smtpd's disconnect statistics
// (Event::command_stats): "data" in "ehlo=1 mail=2 rcpt=2 data=1/2
// commands=6/7" gives 1 (successes/attempts; a bare number is both); 0 when
// the command is not listed.
int64_t CommandSuccesses(std::string_view command_stats, std::string_view command);

// An Event packed to cross to another thread (analyzer/parallel_reader.h):
// a bit mask of the 8-byte words that differ from a cleared Event's, then
// those words. A line sets a few fields: on the benchmark log an Event packs
// into 12.3 words on average (98 bytes of 592; 86-105 on the test corpora),
// and EventUnpacker restores it byte for byte.
//
//   uint64_t buf[kMaxPackedEventWords];
//   const size_t n = PackEvent(e, buf);         // n <= kMaxPackedEventWords
//   EventUnpacker unpacker;
//   const Event& copy = unpacker.Unpack(buf);   // copy == e, bytewise
static_assert(sizeof(Event) % 8 == 0 && alignof(Event) == 8,
              "PackEvent reads an Event as whole 8-byte words");
constexpr size_t kEventWords = sizeof(Event) / 8;
constexpr size_t kEventMaskWords = (kEventWords + 63) / 64;
// The most words PackEvent writes (every word differs).
constexpr size_t kMaxPackedEventWords = kEventMaskWords + kEventWords;

// Writes `e` packed at `out`, which has room for kMaxPackedEventWords;
// returns the number of words written. Uses AVX2 where the CPU has it.
size_t PackEvent(const Event& e, uint64_t* out);
namespace internal {
// PackEvent without AVX2 (SSE2 or plain C++), for tests.
size_t PackEventPortable(const Event& e, uint64_t* out);
}  // namespace internal

// Unpacks packed Events one after another into an Event of its own. Only
// the words the previous Event set and this one does not are reset, so an
// Event costs about the words it sets, not a clear of the whole.
class EventUnpacker {
 public:
  EventUnpacker();
  EventUnpacker(const EventUnpacker&) = delete;
  EventUnpacker& operator=(const EventUnpacker&) = delete;

  // The Event PackEvent wrote at `in`, valid until the next call; *words,
  // when given, gets the number of words read.
  const Event& Unpack(const uint64_t* in, size_t* words = nullptr);

 private:
  Event event_;
  uint64_t set_[kEventMaskWords];  // the words event_ has that a cleared one has not
};

}  // namespace mailgauge::parsers

#endif  // MAILGAUGE_PARSERS_POSTFIX_EVENT_H_
