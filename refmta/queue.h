// File: refmta/queue.h
// refmta's mail queue on disk, laid out like Postfix's: one directory per
// queue (maildrop, incoming, active, deferred, hold) under the spool
// directory, one file per message named by its Postfix-style queue ID.
// Every change is crash-safe: the new content is written to a temporary
// file, fsync'ed, renamed into place, and the directory fsync'ed, so after a
// crash a message is either wholly in its old state or wholly in its new one.
//
// The queue file format is refmta's own:
//   "REFMTA-QUEUE 1 <envelope-bytes> <message-bytes>\n"
//   <envelope as one JSON object>\n<message bytes>\n"END\n"
// A file that does not have this shape is reported as DataLoss.
//
//   absl::StatusOr<std::unique_ptr<Queue>> q = Queue::Open("/spool", /*long_ids=*/false);
//   Envelope env;  env.sender = "alice@example.com";  env.recipients = {{"bob@example.com"}};
//   absl::StatusOr<std::string> id = (*q)->Enqueue(QueueName::kIncoming, env, message);
//   (*q)->Move(*id, QueueName::kIncoming, QueueName::kActive);
//   std::cout << (*q)->PostqueueJson();   // as `postqueue -j`
//
// Thread-safety: Queue is thread-safe; mutations are serialised by an
// internal mutex. Another process must not modify the spool concurrently.
#ifndef MAILGAUGE_REFMTA_QUEUE_H_
#define MAILGAUGE_REFMTA_QUEUE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace mailgauge::refmta {

enum class QueueName { kMaildrop, kIncoming, kActive, kDeferred, kHold };

// "maildrop", "incoming", "active", "deferred", "hold".
const char* QueueNameString(QueueName q);
// All queues, in the order Postfix's showq scans them: maildrop, active,
// incoming, deferred, hold.
const std::vector<QueueName>& AllQueueNames();

enum class RecipientState { kPending, kDelivered, kDeferred, kBounced, kExpired };
const char* RecipientStateString(RecipientState s);

struct QueuedRecipient {
  std::string address;
  std::string original_address;  // before alias/virtual rewriting; "" = same
  RecipientState state = RecipientState::kPending;
  std::string delay_reason;  // last deferral reason, shown by mailq
  std::string dsn;           // last DSN status, e.g. "4.4.1"
};

// The envelope and bookkeeping of one queued message.
struct Envelope {
  std::string queue_id;  // set by Enqueue
  std::string sender;    // "" is the null sender
  std::vector<QueuedRecipient> recipients;
  int64_t arrival_micros = 0;  // set by Enqueue when 0
  int64_t active_micros = 0;   // when it last entered the active queue
  std::string origin;          // "smtpd", "pickup", "bounce", "local"
  std::string client_name;     // "unknown" when unresolved
  std::string client_addr;
  std::string helo_name;
  std::string protocol;        // "SMTP", "ESMTP"
  int64_t uid = -1;            // pickup submissions
  std::string message_id;
  int attempts = 0;
  int64_t next_retry_micros = 0;
  bool forced_expire = false;
};

struct QueueFile {
  Envelope envelope;
  std::string message;  // header and body, lines ending in "\n"
};

// One row of a queue listing.
struct QueueEntry {
  QueueName queue;
  Envelope envelope;
  int64_t message_size = 0;
};

class Queue {
 public:
  // Opens (creating when needed) the queue directories under `spool_dir`.
  // With `remove_stale` (the server, at start-up), removes temporary files
  // and reservation files left by a crash; a client opening the queue while the
  // server runs (sendmail, postqueue, postsuper) must pass false, or it
  // would delete the server's files in progress. InvalidArgument/Internal
  // with the path on failure.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Queue>> Open(
      const std::string& spool_dir, bool long_queue_ids, bool remove_stale = true);

  // Writes a new message into `queue` (normally maildrop or incoming) and
  // returns its new queue ID, made from the arrival time and the file's
  // inode as Postfix does. env.queue_id is ignored; env.arrival_micros is
  // set to `now` when 0.
  [[nodiscard]] absl::StatusOr<std::string> Enqueue(QueueName queue, Envelope env,
                                                    absl::string_view message,
                                                    absl::Time now = absl::Now());

  // Reserves a new queue ID in `queue` by creating an empty reservation file
  // named after it, as Postfix's smtpd creates the queue file when the first
  // recipient is accepted. Complete it with Commit or drop it with Remove.
  // Reservation files are invisible to List/ListAll and removed by Open (a crash
  // during receipt loses only a message that was never acknowledged).
  [[nodiscard]] absl::StatusOr<std::string> Reserve(QueueName queue,
                                                    absl::Time now = absl::Now());
  // Writes the complete queue file for env.queue_id, reserved in `reserved_in`,
  // into `target` (normally the same queue; kHold for a held message). The
  // reservation file is replaced atomically. env.arrival_micros is kept as given.
  [[nodiscard]] absl::Status Commit(QueueName reserved_in, QueueName target,
                                    const Envelope& env, absl::string_view message);

  // Moves a message between queues (rename + fsync of both directories).
  [[nodiscard]] absl::Status Move(absl::string_view queue_id, QueueName from,
                                  QueueName to);
  // Moves a queue file that cannot be parsed out of `from` into
  // SPOOL/corrupt/ (never scanned or listed), as Postfix's qmgr saves a
  // corrupt file to its "corrupt" queue, so that it is reported once and not
  // at every queue run.
  [[nodiscard]] absl::Status SaveCorrupt(QueueName from, absl::string_view queue_id);
  // Replaces the envelope of a queued message, keeping its content.
  [[nodiscard]] absl::Status UpdateEnvelope(QueueName queue, const Envelope& env);
  [[nodiscard]] absl::StatusOr<QueueFile> Read(QueueName queue,
                                               absl::string_view queue_id) const;
  [[nodiscard]] absl::Status Remove(QueueName queue, absl::string_view queue_id);
  // Which queue holds `queue_id`; NotFound when none.
  [[nodiscard]] absl::StatusOr<QueueName> Locate(absl::string_view queue_id) const;
  // Queue IDs in one queue, sorted.
  [[nodiscard]] absl::StatusOr<std::vector<std::string>> List(QueueName queue) const;
  // Every message in every queue, in the order Postfix's showq scans them
  // (maildrop, active, incoming, deferred, hold), IDs sorted within each.
  // A queue file that cannot be read or parsed (DataLoss) does not fail the
  // listing: it is left out and, when `skipped` is given, one warning per
  // such file ("incoming/ID: why") is appended to it, as showq skips a bad
  // file and carries on.
  [[nodiscard]] absl::StatusOr<std::vector<QueueEntry>> ListAll(
      std::vector<std::string>* skipped = nullptr) const;

  // `postqueue -j`: one JSON object per message and line. Bad queue files
  // are skipped as in ListAll.
  [[nodiscard]] absl::StatusOr<std::string> PostqueueJson(
      std::vector<std::string>* skipped = nullptr) const;
  // `mailq` / `postqueue -p`, arrival times in the local time zone `tz`.
  [[nodiscard]] absl::StatusOr<std::string> Mailq(
      absl::TimeZone tz = absl::LocalTimeZone(),
      std::vector<std::string>* skipped = nullptr) const;

  const std::string& spool_dir() const { return spool_dir_; }
  bool long_queue_ids() const { return long_queue_ids_; }

 private:
  Queue(std::string spool_dir, bool long_queue_ids)
      : spool_dir_(std::move(spool_dir)), long_queue_ids_(long_queue_ids) {}
  std::string Dir(QueueName q) const;
  std::string PathOf(QueueName q, absl::string_view id) const;
  absl::Status WriteAtomically(QueueName q, absl::string_view final_name,
                               const std::string& content, bool must_not_exist)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string spool_dir_;
  const bool long_queue_ids_;
  mutable std::mutex mu_;
  uint64_t temp_counter_ ABSL_GUARDED_BY(mu_) = 0;
};

// Serialises / parses one queue file. Parse returns DataLoss (naming `name`)
// when the content is truncated or malformed.
std::string SerializeQueueFile(const Envelope& env, absl::string_view message);
[[nodiscard]] absl::StatusOr<QueueFile> ParseQueueFile(absl::string_view content,
                                                       absl::string_view name);

}  // namespace mailgauge::refmta

#endif  // MAILGAUGE_REFMTA_QUEUE_H_
