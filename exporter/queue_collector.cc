#include "exporter/queue_collector.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <limits>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "common/json_int.h"
#include "exporter/metrics.h"
#include "nlohmann/json.hpp"
#include "parsers/foreign_log.h"

extern char** environ;

namespace mailgauge::exporter {
namespace {

using json = nlohmann::json;

// Hashed queue directories are at most a few levels deep (hash_queue_depth
// is 1 or 2 in practice); anything deeper is not Postfix's.
constexpr int kMaxDepth = 6;

absl::Status DirError(const std::string& path, int err) {
  const std::string msg = absl::StrCat("cannot read queue directory ", path,
                                       ": ", std::strerror(err));
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(msg);
  if (err == ENOENT || err == ENOTDIR) return absl::NotFoundError(msg);
  return absl::UnavailableError(msg);
}

// Calls visit(dfd, name) for each entry of the directory `path` but "." and
// "..", until it returns an error; the directory's own errors name it.
absl::Status ForEachEntry(const std::string& path,
                          const std::function<absl::Status(int dfd, const char* name)>& visit) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return DirError(path, errno);
  const int dfd = ::dirfd(dir);
  absl::Status status;
  errno = 0;
  while (struct dirent* e = ::readdir(dir)) {
    const char* name = e->d_name;
    if (std::strcmp(name, ".") != 0 && std::strcmp(name, "..") != 0) {
      status = visit(dfd, name);
      if (!status.ok()) break;
    }
    errno = 0;
  }
  if (status.ok() && errno != 0) status = DirError(path, errno);
  ::closedir(dir);
  return status;
}

// Adds every regular file under `path` to `stats`, by lstat only.
absl::Status Walk(const std::string& path, int depth, absl::Time now,
                  QueueStats* stats) {
  return ForEachEntry(path, [&](int dfd, const char* name) {
    struct stat st;
    if (::fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) return absl::OkStatus();  // delivered while we looked
      return DirError(absl::StrCat(path, "/", name), errno);
    }
    if (S_ISDIR(st.st_mode)) {
      if (depth >= kMaxDepth) return absl::OkStatus();
      absl::Status status = Walk(absl::StrCat(path, "/", name), depth + 1, now, stats);
      return absl::IsNotFound(status) ? absl::OkStatus() : status;
    }
    if (S_ISREG(st.st_mode)) {
      stats->Add(st.st_size, st.st_mtime, now);
    }
    return absl::OkStatus();
  });
}

// What Exim's header file (input/ID-H) says of a message: the arrival time
// (its fourth line: "1795814857 0"), whether it is frozen (a "-frozen TIME"
// flag line), and the size of its headers (each header is written after
// its length: "025F From: a@example.org").
struct EximHeaderFile {
  int64_t arrival = 0;
  bool frozen = false;
  int64_t header_bytes = 0;
};

// Reads at most 256 KiB of `fd`'s header file; false if it can't be read.
bool ReadEximHeaderFile(int fd, EximHeaderFile* out) {
  // Into the string, not a buffer on the stack (a web server's worker
  // thread runs this).
  std::string text;
  size_t have = 0;
  while (have < (256u << 10)) {
    text.resize(have + 16384);
    const ssize_t n = ::read(fd, text.data() + have, 16384);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) break;
    have += static_cast<size_t>(n);
  }
  text.resize(have);
  size_t line_no = 0;
  bool headers = false;  // after the blank line that ends the recipients
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + start, end - start);
    start = end + 1;
    ++line_no;
    if (line_no == 4) {
      int64_t t = 0;
      size_t i = 0;
      while (i < line.size() && absl::ascii_isdigit(line[i]) && t < (int64_t{1} << 40)) {
        t = t * 10 + (line[i++] - '0');
      }
      out->arrival = t;
    } else if (line_no > 4 && !headers) {
      if (line == "-frozen" || line.substr(0, 8) == "-frozen ") out->frozen = true;
      if (line.empty()) headers = true;
    } else if (headers && line.size() > 4 && absl::ascii_isdigit(line[0])) {
      size_t i = 0;
      int64_t n = 0;
      while (i < line.size() && absl::ascii_isdigit(line[i]) && n < (1 << 30)) {
        n = n * 10 + (line[i++] - '0');
      }
      if (i >= 3 && i + 1 < line.size() && line[i + 1] == ' ') out->header_bytes += n;
    }
  }
  return line_no >= 4;
}

// The messages in one directory of Exim's input/ (and its one-character
// subdirectories when split_spool_directory is set), by their ID-H files.
absl::Status WalkEximInput(const std::string& path, bool top, absl::Time now,
                           QueueStats* active, QueueStats* frozen) {
  return ForEachEntry(path, [&](int dfd, const char* entry) {
    const std::string_view name = entry;
    if (top && name.size() == 1) {
      struct stat st;
      if (::fstatat(dfd, entry, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode)) {
        return absl::OkStatus();
      }
      absl::Status status =
          WalkEximInput(absl::StrCat(path, "/", entry), false, now, active, frozen);
      return absl::IsNotFound(status) ? absl::OkStatus() : status;
    }
    if (name.size() < 3 || name.substr(name.size() - 2) != "-H" ||
        parsers::EximMessageIdLength(name.substr(0, name.size() - 2)) != name.size() - 2) {
      return absl::OkStatus();
    }
    const int fd = ::openat(dfd, entry, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
      // Delivered while we looked, or a symbolic link (not Exim's).
      if (errno == ENOENT || errno == ELOOP) return absl::OkStatus();
      return DirError(absl::StrCat(path, "/", entry), errno);
    }
    EximHeaderFile h;
    const bool read = ReadEximHeaderFile(fd, &h);
    ::close(fd);
    if (!read) return absl::OkStatus();  // being written or removed
    // The body: the data file less its first line ("ID-D").
    int64_t body = 0;
    struct stat st;
    std::string data(name.substr(0, name.size() - 1));
    data += 'D';
    if (::fstatat(dfd, data.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      body = std::max<int64_t>(0, st.st_size - static_cast<int64_t>(data.size()) - 1);
    }
    // The headers, the blank line after them, the body: `exim -bp`'s size.
    (h.frozen ? frozen : active)->Add(h.header_bytes + 1 + body, h.arrival, now);
    return absl::OkStatus();
  });
}

bool ValidDomain(std::string_view d) {
  if (d.empty() || d.size() > 253) return false;
  for (char c : d) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string DomainOf(const std::string& address) {
  const size_t at = address.rfind('@');
  if (at == std::string::npos) return "";
  std::string d = absl::AsciiStrToLower(
      absl::string_view(address.data() + at + 1, address.size() - at - 1));
  while (!d.empty() && d.back() == '.') d.pop_back();
  return ValidDomain(d) ? d : "";
}

prometheus::MetricFamily Family(MetricId id) {
  const MetricSpec& s = Spec(id);
  prometheus::MetricFamily f;
  f.name = s.name;
  f.help = s.help;
  f.type = prometheus::MetricType::Gauge;
  return f;
}

void AddHistogram(prometheus::MetricFamily& f, const std::vector<int64_t>& counts,
                  const std::vector<double>& bounds, double sum, const char* queue) {
  prometheus::ClientMetric m;
  prometheus::ClientMetric::Label l;
  l.name = "queue";
  l.value = queue;
  m.label.push_back(std::move(l));
  uint64_t cumulative = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    cumulative += static_cast<uint64_t>(counts[i]);
    prometheus::ClientMetric::Bucket b;
    b.cumulative_count = cumulative;
    b.upper_bound = i < bounds.size() ? bounds[i] : std::numeric_limits<double>::infinity();
    m.histogram.bucket.push_back(b);
  }
  m.histogram.sample_count = cumulative;
  m.histogram.sample_sum = sum;
  f.metric.push_back(std::move(m));
}

void AddGauge(prometheus::MetricFamily& f, double value,
              std::vector<std::pair<std::string, std::string>> labels) {
  prometheus::ClientMetric m;
  for (auto& [name, v] : labels) {
    prometheus::ClientMetric::Label l;
    l.name = std::move(name);
    l.value = std::move(v);
    m.label.push_back(std::move(l));
  }
  m.gauge.value = value;
  f.metric.push_back(std::move(m));
}

}  // namespace

std::string_view QueueAgeBucket(absl::Duration age) {
  const double minutes = absl::ToDoubleMinutes(age);
  double limit = 5;
  for (size_t i = 0; i + 1 < kQueueAgeBuckets.size(); ++i, limit *= 2) {
    if (minutes < limit) return kQueueAgeBuckets[i];
  }
  return kQueueAgeBuckets.back();
}

void QueueStats::Observe(int64_t size_bytes, double age_seconds) {
  if (age_seconds < 0) age_seconds = 0;
  const double size = static_cast<double>(std::max<int64_t>(0, size_bytes));
  auto bucket = [](const std::vector<double>& bounds, double v) {
    return static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), v) -
                               bounds.begin());
  };
  ++size_counts[bucket(kShowqSizeBuckets, size)];
  size_sum += size;
  ++age_counts[bucket(kShowqAgeBuckets, age_seconds)];
  age_sum += age_seconds;
}

void QueueStats::Add(int64_t size_bytes, int64_t unix_seconds, absl::Time now) {
  ++messages;
  bytes += size_bytes;
  if (unix_seconds > 0 && (oldest == 0 || unix_seconds < oldest)) oldest = unix_seconds;
  const absl::Duration age =
      unix_seconds > 0 ? now - absl::FromUnixSeconds(unix_seconds) : absl::ZeroDuration();
  Observe(size_bytes, absl::FDivDuration(age, absl::Seconds(1)));
}

absl::StatusOr<QueueReading> ScanSpool(const std::string& dir, absl::Time now) {
  QueueReading r;
  for (const char* q : kQueueNames) {
    QueueStats stats;
    absl::Status s = Walk(absl::StrCat(dir, "/", q), 0, now, &stats);
    if (!s.ok()) return s;
    r.queues[q] = stats;
  }
  return r;
}

absl::StatusOr<QueueReading> ScanEximSpool(const std::string& dir, absl::Time now) {
  QueueReading r;
  for (const char* q : kQueueNames) r.queues[q] = QueueStats{};
  absl::Status s = WalkEximInput(absl::StrCat(dir, "/input"), /*top=*/true, now,
                                 &r.queues["deferred"], &r.queues["hold"]);
  if (!s.ok()) return s;
  return r;
}

namespace {

// A queue listing (postqueue -j's lines, showq's answer) message by message:
// the five queues' stats and the qshape-style destination view.
class QueueListing {
 public:
  explicit QueueListing(absl::Time now) : now_(now) {
    for (const char* q : kQueueNames) reading_.queues[q] = QueueStats{};
    reading_.has_destinations = true;
  }

  // One message of `queue` that arrived at `arrival` (Unix seconds, 0:
  // unknown) with its recipients' domains (DomainOf). False, and nothing
  // counted, when `queue` is not one of kQueueNames.
  bool Add(std::string_view queue, int64_t arrival, int64_t size,
           const std::set<std::string>& domains) {
    auto it = reading_.queues.find(std::string(queue));
    if (it == reading_.queues.end()) return false;
    it->second.Add(std::max<int64_t>(0, size), arrival, now_);
    const std::string_view bucket =
        arrival > 0 ? QueueAgeBucket(now_ - absl::FromUnixSeconds(arrival))
                    : kQueueAgeBuckets.front();
    const size_t b =
        std::find(kQueueAgeBuckets.begin(), kQueueAgeBuckets.end(), bucket) -
        kQueueAgeBuckets.begin();
    for (const std::string& d : domains) {
      ++cells_[{it->first, d, b}];
      if (!d.empty()) ++per_domain_[d];
    }
    return true;
  }

  void CountBad() { ++reading_.bad_lines; }

  // The reading, with the `top_domains` domains with most messages over all
  // queues (ties by name) by name and the rest summed as "other".
  QueueReading Finish(size_t top_domains) && {
    std::vector<std::pair<int64_t, std::string>> ranked;
    for (const auto& [d, n] : per_domain_) ranked.emplace_back(-n, d);
    std::sort(ranked.begin(), ranked.end());
    std::set<std::string> top;
    for (size_t i = 0; i < ranked.size() && i < top_domains; ++i) {
      top.insert(ranked[i].second);
    }
    for (const auto& [key, n] : cells_) {
      const auto& [queue, d, b] = key;
      const std::string domain = top.count(d) ? d : "other";
      reading_.destinations[{queue, domain, kQueueAgeBuckets[b]}] += n;
    }
    return std::move(reading_);
  }

 private:
  const absl::Time now_;
  QueueReading reading_;
  // (queue, domain, bucket index) -> messages, before the top-K cut.
  std::map<std::tuple<std::string, std::string, size_t>, int64_t> cells_;
  std::map<std::string, int64_t> per_domain_;
};

}  // namespace

QueueReading ParsePostqueueJson(std::string_view text, absl::Time now,
                                size_t top_domains) {
  QueueListing listing(now);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    json j = json::parse(line.begin(), line.end(), nullptr,
                         /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("queue_name") ||
        !j["queue_name"].is_string()) {
      listing.CountBad();
      continue;
    }
    int64_t arrival = 0;
    if (j.contains("arrival_time")) arrival = JsonToInt<int64_t>(j["arrival_time"]).value_or(0);
    int64_t size = 0;
    if (j.contains("message_size")) size = JsonToInt<int64_t>(j["message_size"]).value_or(0);
    std::set<std::string> domains;
    if (j.contains("recipients") && j["recipients"].is_array()) {
      for (const json& rcpt : j["recipients"]) {
        if (!rcpt.is_object() || !rcpt.contains("address") ||
            !rcpt["address"].is_string()) {
          continue;
        }
        domains.insert(DomainOf(rcpt["address"].get<std::string>()));
      }
    }
    // Not one of the five queues: counted as bad.
    if (!listing.Add(j["queue_name"].get<std::string>(), arrival, size, domains)) {
      listing.CountBad();
    }
  }
  return std::move(listing).Finish(top_domains);
}

absl::StatusOr<QueueReading> ParseShowq(std::string_view bytes, absl::Time now,
                                        size_t top_domains) {
  if (bytes.empty()) {
    return absl::UnavailableError("showq closed the connection without answering");
  }
  const absl::string_view head(bytes.data(), std::min<size_t>(bytes.size(), 64));
  if (absl::StartsWith(head, "-Queue ID-") || absl::StartsWith(head, "Mail queue is empty")) {
    return absl::UnimplementedError(
        "showq answered with Postfix 2's text listing, which is not read; walk the spool "
        "(--postfix.queue-dir) instead");
  }
  QueueListing listing(now);
  size_t pos = 0;
  // The next NUL-terminated string; false at the end of the bytes.
  auto next = [&](std::string_view* out) {
    const size_t z = bytes.find('\0', pos);
    if (z == std::string_view::npos) return false;
    *out = bytes.substr(pos, z - pos);
    pos = z + 1;
    return true;
  };
  const auto cut_short = [&] {
    return absl::DataLossError(absl::StrCat("showq's answer ends in the middle (",
                                            bytes.size(), " bytes)"));
  };
  std::set<std::string> domains;
  // A list of (name, value) pairs ends with an empty name; so does the
  // answer, after its last list.
  while (true) {
    if (pos >= bytes.size()) return cut_short();
    if (bytes[pos] == '\0') break;
    std::string_view queue, name, value;
    bool has_queue = false, announcement = false, numbers_ok = true;
    int64_t arrival = 0, size = 0;
    domains.clear();
    while (true) {
      if (pos >= bytes.size()) return cut_short();
      if (bytes[pos] == '\0') {
        ++pos;
        break;
      }
      if (!next(&name) || !next(&value)) return cut_short();
      if (name == "queue_name") {
        queue = value;
        has_queue = true;
      } else if (name == "time") {
        numbers_ok &= absl::SimpleAtoi(absl::string_view(value.data(), value.size()), &arrival);
      } else if (name == "size") {
        numbers_ok &= absl::SimpleAtoi(absl::string_view(value.data(), value.size()), &size);
      } else if (name == "recipient") {
        domains.insert(DomainOf(std::string(value)));
      } else if (name == "protocol") {
        if (value != "mail_queue_list_protocol") {
          return absl::UnavailableError(absl::StrCat(
              "the socket speaks '", std::string(value),
              "', not showq's mail_queue_list_protocol"));
        }
        announcement = true;
      }
    }
    if (announcement && !has_queue) continue;  // Postfix 3.x's first list
    if (!has_queue || !numbers_ok || !listing.Add(queue, arrival, size, domains)) {
      listing.CountBad();
    }
  }
  return std::move(listing).Finish(top_domains);
}

absl::StatusOr<std::string> ReadShowqSocket(const std::string& path, absl::Duration timeout,
                                            size_t max_bytes) {
  const auto failed = [&](const char* what, int err) {
    std::string msg = absl::StrCat("showq socket ", path, ": ", what, ": ", std::strerror(err));
    if (err == EACCES || err == EPERM) {
      return absl::PermissionDeniedError(absl::StrCat(
          msg, " (Postfix's public/ directory is for group postdrop: run in that group)"));
    }
    if (err == ENOENT || err == ENOTDIR) return absl::NotFoundError(msg);
    if (err == ECONNREFUSED) {
      return absl::UnavailableError(absl::StrCat(msg, " (is Postfix running?)"));
    }
    return absl::UnavailableError(msg);
  };
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(
        absl::StrCat("showq socket path '", path, "' is empty or too long"));
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  // Closed on every return.
  const struct Socket {
    int fd;
    ~Socket() {
      if (fd >= 0) ::close(fd);
    }
  } sock{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  const int fd = sock.fd;
  if (fd < 0) return failed("socket", errno);
  const absl::Time deadline = absl::Now() + timeout;
  // connect(2) on a Unix socket waits only when the listener's backlog is
  // full; SO_SNDTIMEO bounds that wait.
  const timeval tv = absl::ToTimeval(timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    return failed("connect", errno);
  }
  // Read straight into the answer, not through a buffer on the stack: this
  // runs on a web server's worker thread, whose stack is small.
  constexpr size_t kChunk = 64 * 1024;
  std::string bytes;
  size_t have = 0;
  while (true) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(absl::StrCat(
          "showq socket ", path, ": no complete answer within ", absl::FormatDuration(timeout),
          " (--queue.command-timeout)"));
    }
    pollfd p{fd, POLLIN, 0};
    const int ms = static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(left) + 1, 60000));
    const int ready = ::poll(&p, 1, ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return failed("poll", errno);
    if (ready == 0) continue;
    bytes.resize(have + kChunk);
    const ssize_t n = ::read(fd, bytes.data() + have, kChunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failed("read", errno);
    if (n == 0) break;
    have += static_cast<size_t>(n);
    if (have > max_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("showq socket ", path, ": answer longer than ", max_bytes, " bytes"));
    }
  }
  bytes.resize(have);
  return bytes;
}

std::vector<std::string> SplitCommand(std::string_view command) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < command.size()) {
    while (i < command.size() && (command[i] == ' ' || command[i] == '\t')) ++i;
    size_t j = i;
    while (j < command.size() && command[j] != ' ' && command[j] != '\t') ++j;
    if (j > i) out.emplace_back(command.substr(i, j - i));
    i = j;
  }
  return out;
}

absl::StatusOr<std::string> RunCommand(const std::vector<std::string>& argv,
                                       absl::Duration timeout, size_t max_bytes) {
  if (argv.empty()) return absl::InvalidArgumentError("empty command");
  const std::string shown = absl::StrJoin(argv, " ");
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    return absl::UnavailableError(absl::StrCat(shown, ": pipe: ", std::strerror(errno)));
  }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    return absl::UnavailableError(absl::StrCat(shown, ": pipe: ", std::strerror(errno)));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    ::close(out[0]);
    ::close(err[0]);
    return absl::UnavailableError(
        absl::StrCat("cannot run ", shown, ": ", std::strerror(rc)));
  }
  std::string stdout_text, stderr_text;
  bool timed_out = false, too_big = false;
  const absl::Time deadline = absl::Now() + timeout;
  struct pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_fds = 2;
  // On the heap: this runs on a civetweb worker thread, whose stack civetweb
  // sizes itself (a 64 KiB array there overflowed it under ASan).
  std::vector<char> buf(65536);
  while (open_fds > 0) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      timed_out = true;
      break;
    }
    const int n = ::poll(fds, 2, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int k = 0; k < 2; ++k) {
      if (fds[k].fd < 0 || fds[k].revents == 0) continue;
      const ssize_t got = ::read(fds[k].fd, buf.data(), buf.size());
      if (got > 0) {
        std::string& dst = k == 0 ? stdout_text : stderr_text;
        if (k == 0 && dst.size() + got > max_bytes) {
          too_big = true;
        } else if (k == 1 && dst.size() > 4096) {
          // keep only the start of stderr
        } else {
          dst.append(buf.data(), got);
        }
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        ::close(fds[k].fd);
        fds[k].fd = -1;
        --open_fds;
      }
    }
    if (too_big) break;
  }
  if (timed_out || too_big) ::kill(pid, SIGKILL);
  for (auto& f : fds) {
    if (f.fd >= 0) ::close(f.fd);
  }
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return absl::DeadlineExceededError(absl::StrCat(
        shown, " ran longer than ", absl::FormatDuration(timeout), "; killed"));
  }
  if (too_big) {
    return absl::ResourceExhaustedError(
        absl::StrCat(shown, " wrote more than ", max_bytes, " bytes; killed"));
  }
  std::string why = std::string(absl::StripAsciiWhitespace(stderr_text.substr(0, 300)));
  if (WIFSIGNALED(wstatus)) {
    return absl::UnavailableError(absl::StrCat(shown, " was killed by signal ",
                                               WTERMSIG(wstatus), why.empty() ? "" : ": ",
                                               why));
  }
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return absl::UnavailableError(absl::StrCat(shown, " exited with status ",
                                               WEXITSTATUS(wstatus),
                                               why.empty() ? "" : ": ", why));
  }
  return stdout_text;
}

QueueCollector::QueueCollector(QueueCollectorOptions options,
                               std::function<void(bool, const std::string&)> log)
    : options_(std::move(options)), log_(std::move(log)) {}

std::vector<prometheus::MetricFamily> QueueCollector::Collect() const {
  std::lock_guard<std::mutex> lock(mu_);
  const absl::Time now = absl::Now();
  if (last_read_ != absl::InfinitePast() && now - last_read_ < options_.cache_for) {
    return last_;
  }
  last_ = Build();
  last_read_ = absl::Now();
  return last_;
}

std::vector<prometheus::MetricFamily> QueueCollector::Build() const {
  const absl::Time start = absl::Now();
  absl::StatusOr<QueueReading> reading;
  // Where the listing came from and what its entries that are not a message
  // are, for the warning (the other messages still count).
  std::string listing, bad_entries;
  if (!options_.showq_command.empty()) {
    absl::StatusOr<std::string> out =
        RunCommand(options_.showq_command, options_.command_timeout);
    if (out.ok()) {
      reading = ParsePostqueueJson(*out, absl::Now(), options_.top_domains);
    } else {
      reading = out.status();
    }
    listing = absl::StrJoin(options_.showq_command, " ");
    bad_entries = "line(s) were not a postqueue -j message";
  } else if (!options_.exim_spool_dir.empty()) {
    reading = ScanEximSpool(options_.exim_spool_dir);
  } else if (!options_.showq_socket.empty()) {
    absl::StatusOr<std::string> out =
        ReadShowqSocket(options_.showq_socket, options_.command_timeout);
    if (out.ok()) {
      reading = ParseShowq(*out, absl::Now(), options_.top_domains);
    } else if (options_.showq_socket_fallback) {
      // Postfix stopped, or its spool elsewhere: the spool holds the same
      // queue. No Postfix spool at all: an Exim server's.
      struct stat st {};
      const std::string* exim = nullptr;
      if (::stat(options_.queue_dir.c_str(), &st) != 0 && errno == ENOENT) {
        for (const std::string& dir : options_.exim_spool_fallbacks) {
          if (::stat(absl::StrCat(dir, "/input").c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
            exim = &dir;
            break;
          }
        }
      }
      reading = exim != nullptr ? ScanEximSpool(*exim) : ScanSpool(options_.queue_dir);
      if (!reading.ok()) {
        reading = absl::Status(reading.status().code(),
                               absl::StrCat(out.status().message(), "; and walking the spool: ",
                                            reading.status().message()));
      }
    } else {
      reading = out.status();
    }
    listing = absl::StrCat("showq socket ", options_.showq_socket);
    bad_entries = "entries were not a queued message";
  } else {
    reading = ScanSpool(options_.queue_dir);
  }
  const absl::Time end = absl::Now();

  std::string error;
  if (!reading.ok()) {
    error = std::string(reading.status().message());
  } else if (reading->bad_lines > 0) {
    error = absl::StrCat(listing, ": ", reading->bad_lines, " ", bad_entries, "; skipped");
  }
  if (error != last_error_ && log_) {
    if (!error.empty()) {
      log_(true, absl::StrCat("queue: ", error,
                              reading.ok() ? "" : "; mailgauge_queue_scrape_success 0"));
    } else {
      log_(false, "queue: reading the queue works again");
    }
  }
  last_error_ = error;

  std::vector<prometheus::MetricFamily> out;
  prometheus::MetricFamily success = Family(MetricId::kQueueScrapeSuccess);
  AddGauge(success, reading.ok() ? 1 : 0, {});
  prometheus::MetricFamily duration = Family(MetricId::kQueueScrapeDuration);
  AddGauge(duration, absl::ToDoubleSeconds(end - start), {});
  if (reading.ok()) {
    prometheus::MetricFamily messages = Family(MetricId::kQueueMessages);
    prometheus::MetricFamily bytes = Family(MetricId::kQueueSizeBytes);
    prometheus::MetricFamily oldest = Family(MetricId::kQueueOldestMessageAge);
    for (const char* q : kQueueNames) {
      const QueueStats& st = reading->queues[q];
      AddGauge(messages, static_cast<double>(st.messages), {{"queue", q}});
      AddGauge(bytes, static_cast<double>(st.bytes), {{"queue", q}});
      double age = 0;
      if (st.messages > 0 && st.oldest > 0) {
        age = absl::ToDoubleSeconds(end - absl::FromUnixSeconds(st.oldest));
        if (age < 0) age = 0;
      }
      AddGauge(oldest, age, {{"queue", q}});
    }
    out.push_back(std::move(messages));
    out.push_back(std::move(oldest));
    // postfix_exporter's showq families, from the same reading.
    prometheus::MetricFamily depth = Family(MetricId::kShowqQueueDepth);
    prometheus::MetricFamily sizes = Family(MetricId::kShowqMessageSize);
    prometheus::MetricFamily ages = Family(MetricId::kShowqMessageAge);
    sizes.type = ages.type = prometheus::MetricType::Histogram;
    for (const char* q : kQueueNames) {
      const QueueStats& st = reading->queues[q];
      AddGauge(depth, static_cast<double>(st.messages), {{"queue", q}});
      AddHistogram(sizes, st.size_counts, kShowqSizeBuckets, st.size_sum, q);
      AddHistogram(ages, st.age_counts, kShowqAgeBuckets, st.age_sum, q);
    }
    out.push_back(std::move(depth));
    out.push_back(std::move(sizes));
    out.push_back(std::move(ages));
    if (reading->has_destinations) {
      prometheus::MetricFamily dest = Family(MetricId::kQueueDestinationMessages);
      for (const auto& [key, n] : reading->destinations) {
        const auto& [queue, domain, age] = key;
        AddGauge(dest, static_cast<double>(n),
                 {{"age", age}, {"domain", domain}, {"queue", queue}});
      }
      out.push_back(std::move(dest));
    }
    out.push_back(std::move(bytes));
  }
  out.push_back(std::move(duration));
  out.push_back(std::move(success));
  std::sort(out.begin(), out.end(),
            [](const prometheus::MetricFamily& a, const prometheus::MetricFamily& b) {
              return a.name < b.name;
            });
  return out;
}

}  // namespace mailgauge::exporter
