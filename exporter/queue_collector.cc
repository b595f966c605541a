#include "exporter/queue_collector.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/types.h>
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
  std::string text;
  char buf[16384];
  while (text.size() < (256u << 10)) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
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

QueueReading ParsePostqueueJson(std::string_view text, absl::Time now,
                                size_t top_domains) {
  QueueReading r;
  for (const char* q : kQueueNames) r.queues[q] = QueueStats{};
  r.has_destinations = true;
  // (queue, domain, bucket index) -> messages, before the top-K cut.
  std::map<std::tuple<std::string, std::string, size_t>, int64_t> cells;
  std::map<std::string, int64_t> per_domain;
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
      ++r.bad_lines;
      continue;
    }
    const std::string queue = j["queue_name"].get<std::string>();
    auto it = r.queues.find(queue);
    if (it == r.queues.end()) {
      ++r.bad_lines;  // not one of the five queues
      continue;
    }
    int64_t arrival = 0;
    if (j.contains("arrival_time")) arrival = JsonToInt<int64_t>(j["arrival_time"]).value_or(0);
    int64_t size = 0;
    if (j.contains("message_size")) {
      size = std::max<int64_t>(0, JsonToInt<int64_t>(j["message_size"]).value_or(0));
    }
    it->second.Add(size, arrival, now);
    const std::string_view bucket =
        arrival > 0 ? QueueAgeBucket(now - absl::FromUnixSeconds(arrival))
                    : kQueueAgeBuckets.front();
    const size_t b = std::find(kQueueAgeBuckets.begin(), kQueueAgeBuckets.end(),
                               bucket) -
                     kQueueAgeBuckets.begin();
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
    for (const std::string& d : domains) {
      ++cells[{queue, d, b}];
      if (!d.empty()) ++per_domain[d];
    }
  }
  // The top domains by messages, ties by name.
  std::vector<std::pair<int64_t, std::string>> ranked;
  for (const auto& [d, n] : per_domain) ranked.emplace_back(-n, d);
  std::sort(ranked.begin(), ranked.end());
  std::set<std::string> top;
  for (size_t i = 0; i < ranked.size() && i < top_domains; ++i) {
    top.insert(ranked[i].second);
  }
  for (const auto& [key, n] : cells) {
    const auto& [queue, d, b] = key;
    const std::string domain = top.count(d) ? d : "other";
    r.destinations[{queue, domain, kQueueAgeBuckets[b]}] += n;
  }
  return r;
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
  if (!options_.showq_command.empty()) {
    absl::StatusOr<std::string> out =
        RunCommand(options_.showq_command, options_.command_timeout);
    if (out.ok()) {
      reading = ParsePostqueueJson(*out, absl::Now(), options_.top_domains);
    } else {
      reading = out.status();
    }
  } else if (!options_.exim_spool_dir.empty()) {
    reading = ScanEximSpool(options_.exim_spool_dir);
  } else {
    reading = ScanSpool(options_.queue_dir);
  }
  const absl::Time end = absl::Now();

  std::string error;
  if (!reading.ok()) {
    error = std::string(reading.status().message());
  } else if (reading->bad_lines > 0) {
    // Reported, not fatal: the other messages still count.
    error = absl::StrCat(absl::StrJoin(options_.showq_command, " "), ": ",
                         reading->bad_lines,
                         " line(s) were not a postqueue -j message; skipped");
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
