#include "refmta/queue.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/json_int.h"
#include "nlohmann/json.hpp"
#include "refmta/queue_id.h"

namespace mailgauge::refmta {
namespace {

constexpr absl::string_view kMagic = "REFMTA-QUEUE 1";
constexpr absl::string_view kTrailer = "\nEND\n";
constexpr absl::string_view kTempPrefix = ".tmp.";
constexpr int kMaxIdAttempts = 1000;

absl::Status ErrnoStatus(absl::string_view what, const std::string& path) {
  int e = errno;
  std::string message = absl::StrCat(what, " ", path, ": ", std::strerror(e));
  if (e == ENOENT) return absl::NotFoundError(message);
  if (e == EEXIST) return absl::AlreadyExistsError(message);
  // The queue file system is full: the caller answers 451 4.3.0 / 452 4.3.1.
  if (e == ENOSPC || e == EDQUOT) return absl::ResourceExhaustedError(message);
  return absl::InternalError(message);
}

absl::Status FsyncPath(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", path);
  int rc = fsync(fd);
  int saved = errno;
  close(fd);
  if (rc != 0) {
    errno = saved;
    return ErrnoStatus("fsync", path);
  }
  return absl::OkStatus();
}

absl::Status WriteAll(int fd, absl::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

// Folds an inode number into 24 bits with the top nibble set, so that short
// queue IDs have Postfix's usual 11 characters on file systems with 64-bit
// inode numbers. Collisions are caught when the file is linked into place.
uint64_t InodeIsh(uint64_t inode) { return inode % 0xF00000 + 0x100000; }

const char* StateKey(RecipientState s) { return RecipientStateString(s); }

absl::StatusOr<RecipientState> StateFromString(absl::string_view s) {
  for (RecipientState st : {RecipientState::kPending, RecipientState::kDelivered,
                            RecipientState::kDeferred, RecipientState::kBounced,
                            RecipientState::kExpired}) {
    if (s == StateKey(st)) return st;
  }
  return absl::DataLossError(absl::StrCat("unknown recipient state \"", s, "\""));
}

nlohmann::json EnvelopeToJson(const Envelope& env) {
  nlohmann::json rcpts = nlohmann::json::array();
  for (const QueuedRecipient& r : env.recipients) {
    rcpts.push_back({{"address", r.address},
                     {"original_address", r.original_address},
                     {"state", StateKey(r.state)},
                     {"delay_reason", r.delay_reason},
                     {"dsn", r.dsn}});
  }
  return {{"queue_id", env.queue_id},
          {"sender", env.sender},
          {"recipients", rcpts},
          {"arrival_micros", env.arrival_micros},
          {"active_micros", env.active_micros},
          {"origin", env.origin},
          {"client_name", env.client_name},
          {"client_addr", env.client_addr},
          {"helo_name", env.helo_name},
          {"protocol", env.protocol},
          {"uid", env.uid},
          {"message_id", env.message_id},
          {"attempts", env.attempts},
          {"next_retry_micros", env.next_retry_micros},
          {"forced_expire", env.forced_expire}};
}

absl::StatusOr<Envelope> EnvelopeFromJson(const nlohmann::json& j) {
  Envelope env;
  try {
    env.queue_id = j.at("queue_id").get<std::string>();
    env.sender = j.at("sender").get<std::string>();
    for (const auto& r : j.at("recipients")) {
      QueuedRecipient rcpt;
      rcpt.address = r.at("address").get<std::string>();
      rcpt.original_address = r.at("original_address").get<std::string>();
      auto state = StateFromString(r.at("state").get<std::string>());
      if (!state.ok()) return state.status();
      rcpt.state = *state;
      rcpt.delay_reason = r.at("delay_reason").get<std::string>();
      rcpt.dsn = r.at("dsn").get<std::string>();
      env.recipients.push_back(std::move(rcpt));
    }
    env.arrival_micros = JsonInt<int64_t>(j.at("arrival_micros"));
    env.active_micros = JsonInt<int64_t>(j.at("active_micros"));
    env.origin = j.at("origin").get<std::string>();
    env.client_name = j.at("client_name").get<std::string>();
    env.client_addr = j.at("client_addr").get<std::string>();
    env.helo_name = j.at("helo_name").get<std::string>();
    env.protocol = j.at("protocol").get<std::string>();
    env.uid = JsonInt<int64_t>(j.at("uid"));
    env.message_id = j.at("message_id").get<std::string>();
    env.attempts = JsonInt<int>(j.at("attempts"));
    env.next_retry_micros = JsonInt<int64_t>(j.at("next_retry_micros"));
    env.forced_expire = j.at("forced_expire").get<bool>();
  } catch (const std::exception& e) {  // nlohmann's, and JsonInt's out_of_range
    return absl::DataLossError(absl::StrCat("bad envelope: ", e.what()));
  }
  return env;
}

// JSON string quoting as Postfix's showq_json.c json_quote() does it: short
// escapes for \b \f \n \r \t, "\u%04X" for other control characters and
// DEL, backslash before '"' and '\'.
std::string PostfixJsonQuote(absl::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    switch (c) {
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += absl::StrFormat("\\u%04X", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out;
}

// showq shows the null sender as $empty_address_recipient (MAILER-DAEMON).
std::string ShowqAddress(const std::string& address) {
  return address.empty() ? "MAILER-DAEMON" : address;
}

bool StillQueued(const QueuedRecipient& r) {
  return r.state == RecipientState::kPending || r.state == RecipientState::kDeferred;
}

}  // namespace

const char* QueueNameString(QueueName q) {
  switch (q) {
    case QueueName::kMaildrop: return "maildrop";
    case QueueName::kIncoming: return "incoming";
    case QueueName::kActive: return "active";
    case QueueName::kDeferred: return "deferred";
    case QueueName::kHold: return "hold";
  }
  return "unknown";
}

const std::vector<QueueName>& AllQueueNames() {
  static const std::vector<QueueName>* names = new std::vector<QueueName>{
      QueueName::kMaildrop, QueueName::kActive, QueueName::kIncoming,
      QueueName::kDeferred, QueueName::kHold};
  return *names;
}

const char* RecipientStateString(RecipientState s) {
  switch (s) {
    case RecipientState::kPending: return "pending";
    case RecipientState::kDelivered: return "delivered";
    case RecipientState::kDeferred: return "deferred";
    case RecipientState::kBounced: return "bounced";
    case RecipientState::kExpired: return "expired";
  }
  return "unknown";
}

std::string SerializeQueueFile(const Envelope& env, absl::string_view message) {
  // A remote reply kept as a delay reason may hold any bytes: invalid UTF-8
  // is replaced (U+FFFD), never thrown (an exception here would end serve).
  std::string envelope =
      EnvelopeToJson(env).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return absl::StrCat(kMagic, " ", envelope.size(), " ", message.size(), "\n", envelope,
                      "\n", message, kTrailer);
}

absl::StatusOr<QueueFile> ParseQueueFile(absl::string_view content, absl::string_view name) {
  auto corrupt = [&](absl::string_view why) {
    return absl::DataLossError(absl::StrCat("queue file ", name, ": ", why));
  };
  size_t nl = content.find('\n');
  if (nl == absl::string_view::npos) return corrupt("no header line");
  std::vector<absl::string_view> header = absl::StrSplit(content.substr(0, nl), ' ');
  size_t envelope_size = 0, message_size = 0;
  if (header.size() != 4 || absl::StrCat(header[0], " ", header[1]) != kMagic ||
      !absl::SimpleAtoi(header[2], &envelope_size) ||
      !absl::SimpleAtoi(header[3], &message_size)) {
    return corrupt("bad header line");
  }
  size_t start = nl + 1;
  if (content.size() - start != envelope_size + 1 + message_size + kTrailer.size()) {
    return corrupt("truncated or wrong size");
  }
  if (content[start + envelope_size] != '\n' ||
      content.substr(content.size() - kTrailer.size()) != kTrailer) {
    return corrupt("bad separator or trailer");
  }
  nlohmann::json j = nlohmann::json::parse(content.substr(start, envelope_size), nullptr,
                                           /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return corrupt("envelope is not JSON");
  auto env = EnvelopeFromJson(j);
  if (!env.ok()) return corrupt(env.status().message());
  QueueFile file;
  file.envelope = *std::move(env);
  file.message = std::string(content.substr(start + envelope_size + 1, message_size));
  return file;
}

absl::StatusOr<std::unique_ptr<Queue>> Queue::Open(const std::string& spool_dir,
                                                   bool long_queue_ids, bool remove_stale) {
  if (spool_dir.empty()) return absl::InvalidArgumentError("empty spool directory");
  if (mkdir(spool_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return ErrnoStatus("mkdir", spool_dir);
  }
  std::unique_ptr<Queue> q(new Queue(spool_dir, long_queue_ids));
  for (QueueName name : AllQueueNames()) {
    std::string dir = q->Dir(name);
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return ErrnoStatus("mkdir", dir);
    if (!remove_stale) continue;
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) return ErrnoStatus("opendir", dir);
    std::vector<std::string> stale;
    while (dirent* e = readdir(d)) {
      std::string path = dir + "/" + e->d_name;
      struct stat st;
      if (absl::StartsWith(e->d_name, kTempPrefix)) {
        stale.push_back(path);
      } else if (IsQueueId(e->d_name) && stat(path.c_str(), &st) == 0 &&
                 S_ISREG(st.st_mode) && st.st_size == 0) {
        stale.push_back(path);  // a reservation whose message never completed
      }
    }
    closedir(d);
    for (const std::string& path : stale) unlink(path.c_str());
  }
  return q;
}

std::string Queue::Dir(QueueName q) const {
  return absl::StrCat(spool_dir_, "/", QueueNameString(q));
}

std::string Queue::PathOf(QueueName q, absl::string_view id) const {
  return absl::StrCat(Dir(q), "/", id);
}

absl::Status Queue::WriteAtomically(QueueName q, absl::string_view final_name,
                                    const std::string& content, bool must_not_exist) {
  std::string temp = absl::StrCat(Dir(q), "/", kTempPrefix, getpid(), ".", ++temp_counter_);
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus("create", temp);
  absl::Status s = WriteAll(fd, content, temp);
  if (s.ok() && fsync(fd) != 0) s = ErrnoStatus("fsync", temp);
  // Only a complete file is renamed into place: check that the file holds
  // exactly what was written (a stray write through a reused descriptor,
  // or a file system that lost data, must not become a queue file).
  struct stat st;
  if (s.ok() && fstat(fd, &st) != 0) s = ErrnoStatus("fstat", temp);
  if (s.ok() && static_cast<uint64_t>(st.st_size) != content.size()) {
    s = absl::DataLossError(absl::StrCat("write ", temp, ": file has ", st.st_size,
                                         " bytes, ", content.size(), " written"));
  }
  if (close(fd) != 0 && s.ok()) s = ErrnoStatus("close", temp);
  std::string final_path = PathOf(q, final_name);
  if (s.ok()) {
    if (must_not_exist) {
      if (link(temp.c_str(), final_path.c_str()) != 0) s = ErrnoStatus("link", final_path);
    } else if (rename(temp.c_str(), final_path.c_str()) != 0) {
      s = ErrnoStatus("rename", final_path);
    }
  }
  unlink(temp.c_str());  // after a rename it is already gone
  if (!s.ok()) return s;
  return FsyncPath(Dir(q));
}

absl::StatusOr<std::string> Queue::Reserve(QueueName queue, absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  // The ID comes from the inode of a file created in the target directory,
  // as Postfix names a queue file after the inode of the file it just
  // created; that file is then linked under the ID as the reservation file.
  std::string probe =
      absl::StrCat(Dir(queue), "/", kTempPrefix, getpid(), ".id.", ++temp_counter_);
  int fd = open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus("create", probe);
  struct stat st;
  int rc = fstat(fd, &st);
  close(fd);
  if (rc != 0) {
    absl::Status s = ErrnoStatus("fstat", probe);
    unlink(probe.c_str());
    return s;
  }
  uint64_t inode = InodeIsh(static_cast<uint64_t>(st.st_ino));
  int64_t id_micros = absl::ToUnixMicros(now);
  absl::Status last = absl::ResourceExhaustedError("no free queue ID");
  for (int attempt = 0; attempt < kMaxIdAttempts; ++attempt, ++id_micros) {
    int64_t seconds = id_micros / 1000000;
    int64_t micros = id_micros % 1000000;
    std::string id = long_queue_ids_ ? LongQueueId(seconds, micros, inode)
                                     : ShortQueueId(micros, inode);
    bool taken = false;
    for (QueueName q : AllQueueNames()) {
      if (access(PathOf(q, id).c_str(), F_OK) == 0) taken = true;
    }
    if (taken) continue;
    std::string final_path = PathOf(queue, id);
    if (link(probe.c_str(), final_path.c_str()) == 0) {
      unlink(probe.c_str());
      absl::Status s = FsyncPath(Dir(queue));
      if (!s.ok()) return s;
      return id;
    }
    if (errno != EEXIST) {
      last = ErrnoStatus("link", final_path);
      break;
    }
  }
  unlink(probe.c_str());
  return last;
}

absl::Status Queue::Commit(QueueName reserved_in, QueueName target, const Envelope& env,
                           absl::string_view message) {
  if (!IsQueueId(env.queue_id)) {
    return absl::InvalidArgumentError(absl::StrCat("bad queue ID \"", env.queue_id, "\""));
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::string reserved = PathOf(reserved_in, env.queue_id);
  struct stat st;
  if (stat(reserved.c_str(), &st) != 0) return ErrnoStatus("stat", reserved);
  if (st.st_size != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(reserved, ": already committed"));
  }
  absl::Status s = WriteAtomically(target, env.queue_id, SerializeQueueFile(env, message),
                                   /*must_not_exist=*/false);
  if (!s.ok()) return s;
  if (target != reserved_in) {
    if (unlink(reserved.c_str()) != 0) return ErrnoStatus("unlink", reserved);
    return FsyncPath(Dir(reserved_in));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Queue::Enqueue(QueueName queue, Envelope env,
                                           absl::string_view message, absl::Time now) {
  auto id = Reserve(queue, now);
  if (!id.ok()) return id.status();
  if (env.arrival_micros == 0) env.arrival_micros = absl::ToUnixMicros(now);
  env.queue_id = *id;
  absl::Status s = Commit(queue, queue, env, message);
  if (!s.ok()) {
    (void)Remove(queue, *id);
    return s;
  }
  return *id;
}

absl::Status Queue::Move(absl::string_view queue_id, QueueName from, QueueName to) {
  if (!IsQueueId(queue_id)) {
    return absl::InvalidArgumentError(absl::StrCat("bad queue ID \"", queue_id, "\""));
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::string src = PathOf(from, queue_id);
  std::string dst = PathOf(to, queue_id);
  if (from == to) {
    return access(src.c_str(), F_OK) == 0 ? absl::OkStatus() : ErrnoStatus("access", src);
  }
  if (access(dst.c_str(), F_OK) == 0) {
    return absl::AlreadyExistsError(absl::StrCat(dst, " already exists"));
  }
  if (rename(src.c_str(), dst.c_str()) != 0) return ErrnoStatus("rename", src);
  absl::Status s = FsyncPath(Dir(to));
  if (!s.ok()) return s;
  return FsyncPath(Dir(from));
}

absl::Status Queue::SaveCorrupt(QueueName from, absl::string_view queue_id) {
  if (!IsQueueId(queue_id)) {
    return absl::InvalidArgumentError(absl::StrCat("bad queue ID \"", queue_id, "\""));
  }
  std::lock_guard<std::mutex> lock(mu_);
  const std::string dir = absl::StrCat(spool_dir_, "/corrupt");
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return ErrnoStatus("mkdir", dir);
  const std::string src = PathOf(from, queue_id);
  const std::string dst = absl::StrCat(dir, "/", queue_id);
  if (rename(src.c_str(), dst.c_str()) != 0) return ErrnoStatus("rename", src);
  absl::Status s = FsyncPath(dir);
  if (!s.ok()) return s;
  return FsyncPath(Dir(from));
}

absl::Status Queue::UpdateEnvelope(QueueName queue, const Envelope& env) {
  std::lock_guard<std::mutex> lock(mu_);
  auto file = Read(queue, env.queue_id);
  if (!file.ok()) return file.status();
  return WriteAtomically(queue, env.queue_id, SerializeQueueFile(env, file->message),
                         /*must_not_exist=*/false);
}

absl::StatusOr<QueueFile> Queue::Read(QueueName queue, absl::string_view queue_id) const {
  if (!IsQueueId(queue_id)) {
    return absl::InvalidArgumentError(absl::StrCat("bad queue ID \"", queue_id, "\""));
  }
  std::string path = PathOf(queue, queue_id);
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", path);
  std::string content;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      absl::Status s = ErrnoStatus("read", path);
      close(fd);
      return s;
    }
    if (n == 0) break;
    content.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  auto file = ParseQueueFile(content, path);
  if (file.ok() && file->envelope.queue_id != queue_id) {
    return absl::DataLossError(absl::StrCat("queue file ", path, ": holds queue ID ",
                                            file->envelope.queue_id));
  }
  return file;
}

absl::Status Queue::Remove(QueueName queue, absl::string_view queue_id) {
  if (!IsQueueId(queue_id)) {
    return absl::InvalidArgumentError(absl::StrCat("bad queue ID \"", queue_id, "\""));
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::string path = PathOf(queue, queue_id);
  if (unlink(path.c_str()) != 0) return ErrnoStatus("unlink", path);
  return FsyncPath(Dir(queue));
}

absl::StatusOr<QueueName> Queue::Locate(absl::string_view queue_id) const {
  if (IsQueueId(queue_id)) {
    for (QueueName q : AllQueueNames()) {
      if (access(PathOf(q, queue_id).c_str(), F_OK) == 0) return q;
    }
  }
  return absl::NotFoundError(absl::StrCat(queue_id, ": no such message in the queue"));
}

absl::StatusOr<std::vector<std::string>> Queue::List(QueueName queue) const {
  std::string dir = Dir(queue);
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus("opendir", dir);
  std::vector<std::string> ids;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.' || !IsQueueId(e->d_name)) continue;
    struct stat st;
    std::string path = dir + "/" + e->d_name;
    // Skip reservation files of messages still being received.
    if (stat(path.c_str(), &st) != 0 || st.st_size == 0) continue;
    ids.push_back(e->d_name);
  }
  closedir(d);
  std::sort(ids.begin(), ids.end());
  return ids;
}

absl::StatusOr<std::vector<QueueEntry>> Queue::ListAll(
    std::vector<std::string>* skipped) const {
  std::vector<QueueEntry> entries;
  for (QueueName q : AllQueueNames()) {
    auto ids = List(q);
    if (!ids.ok()) return ids.status();
    for (const std::string& id : *ids) {
      auto file = Read(q, id);
      // A message may move or go away while we list, as with showq.
      if (absl::IsNotFound(file.status())) continue;
      if (!file.ok()) {
        // One bad file must not hide the rest of the queue.
        if (skipped != nullptr) {
          skipped->push_back(
              absl::StrCat(QueueNameString(q), "/", id, ": ", file.status().message()));
        }
        continue;
      }
      entries.push_back({q, std::move(file->envelope),
                         static_cast<int64_t>(file->message.size())});
    }
  }
  return entries;
}

absl::StatusOr<std::string> Queue::PostqueueJson(std::vector<std::string>* skipped) const {
  auto entries = ListAll(skipped);
  if (!entries.ok()) return entries.status();
  std::string out;
  // Field order and spacing as Postfix's src/postqueue/showq_json.c:
  //   vstream_printf("\"queue_name\": \"%s\", ", ...);
  //   vstream_printf("\"queue_id\": \"%s\", ", ...);
  //   vstream_printf("\"arrival_time\": %ld, ", arrival_time);
  //   vstream_printf("\"message_size\": %ld, ", message_size);
  //   vstream_printf("\"forced_expire\": %s, ", forced_expire ? "true" : "false");
  //   vstream_printf("\"sender\": \"%s\", ", ...);
  //   vstream_printf("\"recipients\": [");  ... "{" "\"address\": \"%s\""
  //   [", \"delay_reason\": \"%s\""] "}" joined by ", "; then "]" and "}\n".
  for (const QueueEntry& e : *entries) {
    absl::StrAppend(&out, "{\"queue_name\": \"", QueueNameString(e.queue), "\", ",
                    "\"queue_id\": \"", PostfixJsonQuote(e.envelope.queue_id), "\", ",
                    "\"arrival_time\": ", e.envelope.arrival_micros / 1000000, ", ",
                    "\"message_size\": ", e.message_size, ", ",
                    "\"forced_expire\": ", e.envelope.forced_expire ? "true" : "false",
                    ", ", "\"sender\": \"",
                    PostfixJsonQuote(ShowqAddress(e.envelope.sender)), "\", ",
                    "\"recipients\": [");
    bool first = true;
    for (const QueuedRecipient& r : e.envelope.recipients) {
      if (!StillQueued(r)) continue;
      if (!first) out += ", ";
      first = false;
      absl::StrAppend(&out, "{\"address\": \"", PostfixJsonQuote(ShowqAddress(r.address)),
                      "\"");
      if (!r.delay_reason.empty()) {
        absl::StrAppend(&out, ", \"delay_reason\": \"", PostfixJsonQuote(r.delay_reason),
                        "\"");
      }
      out += "}";
    }
    out += "]}\n";
  }
  return out;
}

absl::StatusOr<std::string> Queue::Mailq(absl::TimeZone tz,
                                         std::vector<std::string>* skipped) const {
  auto entries = ListAll(skipped);
  if (!entries.ok()) return entries.status();
  // Formats from Postfix's src/postqueue/showq_compat.c:
  //   #define S_STRING_FORMAT "%-11s %7s %-20s %s\n"
  //   #define S_SENDER_FORMAT "%-11s %7ld %20.20s %s\n"
  //   #define L_STRING_FORMAT "%-17s %8s %-19s %s\n"
  //   #define L_SENDER_FORMAT "%-17s %8ld %19.19s %s\n"
  //   vstream_printf("%*s(%s)\n", padding, "", show_reason);  padding = 76 - len
  //   "Mail queue is empty\n"; "\n-- %lu Kbytes in %lu Request%s.\n"
  // The arrival time is asctime(localtime()), cut to 20 or 19 characters.
  const bool lg = long_queue_ids_;
  if (entries->empty()) return std::string("Mail queue is empty\n");
  std::string out;
  if (lg) {
    out += absl::StrFormat("%-17s %8s %-19s %s\n", "----Queue ID-----", "--Size--",
                           "---Arrival Time----", "--Sender/Recipient------");
  } else {
    out += absl::StrFormat("%-11s %7s %-20s %s\n", "-Queue ID-", "--Size--",
                           "----Arrival Time----", "-Sender/Recipient-------");
  }
  uint64_t total_size = 0;
  bool first_message = true;
  for (const QueueEntry& e : *entries) {
    if (!first_message) out += "\n";
    first_message = false;
    std::string id_status = e.envelope.queue_id;
    if (e.queue == QueueName::kActive) id_status += "*";
    if (e.queue == QueueName::kHold) id_status += "!";
    if (e.envelope.forced_expire) id_status += "#";
    std::string asctime = absl::FormatTime(
        "%a %b %e %H:%M:%S %Y", absl::FromUnixMicros(e.envelope.arrival_micros), tz);
    std::string sender = ShowqAddress(e.envelope.sender);
    if (lg) {
      out += absl::StrFormat("%-17s %8d %19.19s %s\n", id_status, e.message_size, asctime,
                             sender);
    } else {
      out += absl::StrFormat("%-11s %7d %20.20s %s\n", id_status, e.message_size,
                             asctime + " ", sender);
    }
    std::string saved_reason;
    for (const QueuedRecipient& r : e.envelope.recipients) {
      if (!StillQueued(r)) continue;
      if (r.delay_reason != saved_reason) {
        saved_reason = r.delay_reason;
        std::string show = saved_reason.empty() ? "reason unavailable" : saved_reason;
        int padding = std::max(0, 76 - static_cast<int>(show.size()));
        out += absl::StrFormat("%*s(%s)\n", padding, "", show);
      }
      if (lg) {
        out += absl::StrFormat("%-17s %8s %-19s %s\n", "", "", "", ShowqAddress(r.address));
      } else {
        out += absl::StrFormat("%-11s %7s %-20s %s\n", "", "", "", ShowqAddress(r.address));
      }
    }
    total_size += static_cast<uint64_t>(e.message_size);
  }
  out += absl::StrFormat("\n-- %d Kbytes in %d Request%s.\n", total_size / 1024,
                         entries->size(), entries->size() == 1 ? "" : "s");
  return out;
}

}  // namespace mailgauge::refmta
