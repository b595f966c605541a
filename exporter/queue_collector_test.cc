#include "exporter/queue_collector.h"

#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mailgauge::exporter {
namespace {

using ::testing::HasSubstr;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/queue_collector_test.XXXXXX";
    path_ = ::mkdtemp(tmpl);
    ::chmod(path_.c_str(), 0755);
  }
  ~TempDir() { std::system(absl::StrCat("rm -rf '", path_, "'").c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, size_t bytes, int64_t mtime = 0,
               mode_t mode = 0644) {
  std::ofstream(path) << std::string(bytes, 'x');
  ::chmod(path.c_str(), mode);
  if (mtime != 0) {
    struct timeval tv[2] = {{static_cast<time_t>(mtime), 0},
                            {static_cast<time_t>(mtime), 0}};
    ::utimes(path.c_str(), tv);
  }
}

void MakeSpool(const std::string& dir) {
  for (const char* q : kQueueNames) {
    ::mkdir(absl::StrCat(dir, "/", q).c_str(), 0700);
  }
}

// A map of "family{labels}" -> value from Collect().
std::map<std::string, double> Flatten(
    const std::vector<prometheus::MetricFamily>& families) {
  std::map<std::string, double> out;
  for (const auto& f : families) {
    for (const auto& m : f.metric) {
      std::string key = f.name + "{";
      for (const auto& l : m.label) key += l.name + "=" + l.value + ",";
      key += "}";
      out[key] = m.gauge.value;
    }
  }
  return out;
}

TEST(QueueAgeBucketTest, FollowsQshape) {
  EXPECT_EQ("5m", QueueAgeBucket(absl::Seconds(-3)));
  EXPECT_EQ("5m", QueueAgeBucket(absl::Minutes(4)));
  EXPECT_EQ("10m", QueueAgeBucket(absl::Minutes(5)));
  EXPECT_EQ("20m", QueueAgeBucket(absl::Minutes(19)));
  EXPECT_EQ("1280m", QueueAgeBucket(absl::Minutes(1279)));
  EXPECT_EQ("1280m+", QueueAgeBucket(absl::Minutes(1280)));
  EXPECT_EQ("1280m+", QueueAgeBucket(absl::Hours(24 * 30)));
}

TEST(ScanSpoolTest, CountsHashedFilesSizesAndOldestMtime) {
  TempDir tmp;
  const std::string d = tmp.path();
  MakeSpool(d);
  // deferred is hashed two levels deep, as with hash_queue_depth = 2.
  ::mkdir((d + "/deferred/A").c_str(), 0700);
  ::mkdir((d + "/deferred/A/B").c_str(), 0700);
  ::mkdir((d + "/deferred/C").c_str(), 0700);
  WriteFile(d + "/deferred/A/B/4B5C61234", 1000, 1700000000);
  WriteFile(d + "/deferred/A/B/4B5C61235", 500, 1700000500);
  WriteFile(d + "/deferred/C/C1234567", 25, 1700001000);
  WriteFile(d + "/active/9F00ABCDE", 300, 1700002000);
  // Unreadable files are still counted: nothing is opened.
  WriteFile(d + "/maildrop/1A2B3C", 42, 1700003000, 0);
  absl::StatusOr<QueueReading> r = ScanSpool(d);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(3, r->queues["deferred"].messages);
  EXPECT_EQ(1525, r->queues["deferred"].bytes);
  EXPECT_EQ(1700000000, r->queues["deferred"].oldest);
  EXPECT_EQ(1, r->queues["active"].messages);
  EXPECT_EQ(300, r->queues["active"].bytes);
  EXPECT_EQ(1, r->queues["maildrop"].messages);
  EXPECT_EQ(0, r->queues["hold"].messages);
  EXPECT_EQ(0, r->queues["hold"].oldest);
  EXPECT_EQ(0, r->queues["incoming"].messages);
  EXPECT_FALSE(r->has_destinations);
}

TEST(ScanSpoolTest, AMissingQueueDirectoryIsAnError) {
  TempDir tmp;
  absl::StatusOr<QueueReading> r = ScanSpool(tmp.path() + "/nope");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(absl::IsNotFound(r.status()));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("nope/maildrop"));
}

// Permission denied, run as an unprivileged user when the test runs as root
// (root reads any directory).
TEST(ScanSpoolTest, PermissionDeniedIsAStatus) {
  TempDir tmp;
  const std::string d = tmp.path();
  MakeSpool(d);
  for (const char* q : kQueueNames) ::chmod((d + "/" + q).c_str(), 0755);
  ::chmod((d + "/deferred").c_str(), 0700);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) {
      ::_exit(3);
    }
    absl::StatusOr<QueueReading> r = ScanSpool(d);
    if (r.ok()) ::_exit(1);
    if (!absl::IsPermissionDenied(r.status())) ::_exit(2);
    if (std::string(r.status().message()).find("/deferred") == std::string::npos) {
      ::_exit(4);
    }
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(pid, ::waitpid(pid, &status, 0));
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(0, WEXITSTATUS(status));
}

// exporter/testdata/exim_spool is the queue Debian 12's Exim 4.96 left
// after testdata/exim-real's default run (`exim -bp` then said: 431 bytes,
// 2.0K frozen, 375 bytes), here with one message moved to a
// split_spool_directory subdirectory, a stray file and a data file without
// its header file (a message being received).
TEST(ScanEximSpoolTest, ReadsARealSpool) {
  TempDir tmp;
  const std::string d = tmp.path();
  ASSERT_EQ(0, std::system(absl::StrCat("cp -rL exporter/testdata/exim_spool/input '", d,
                                        "/' && mkdir '", d, "/input/P' && mv '", d,
                                        "/input/1xX3UP-0006A5-18-'* '", d, "/input/P/'")
                               .c_str()));
  WriteFile(d + "/input/notes.txt", 10);
  WriteFile(d + "/input/1xX3Zz-0006A9-00-D", 100);
  const absl::Time now = absl::FromUnixSeconds(1795814854 + 600);
  absl::StatusOr<QueueReading> r = ScanEximSpool(d, now);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(2, r->queues["deferred"].messages);
  EXPECT_EQ(431 + 375, r->queues["deferred"].bytes);
  EXPECT_EQ(1795814854, r->queues["deferred"].oldest);  // the header file's arrival
  EXPECT_EQ(1, r->queues["hold"].messages);             // -frozen
  EXPECT_EQ(2048, r->queues["hold"].bytes);
  EXPECT_EQ(1795814857, r->queues["hold"].oldest);
  for (const char* q : {"maildrop", "incoming", "active"}) {
    EXPECT_EQ(0, r->queues[q].messages) << q;
  }
  // Ages at `now`: 600 s for the oldest, 1xX3UP's arrival for the other.
  EXPECT_GE(r->queues["deferred"].age_sum, 600);
  EXPECT_FALSE(r->has_destinations);
}

TEST(ScanEximSpoolTest, AMissingSpoolIsAnError) {
  TempDir tmp;
  absl::StatusOr<QueueReading> r = ScanEximSpool(tmp.path() + "/nope");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(absl::IsNotFound(r.status()));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("nope/input"));
}

TEST(QueueCollectorTest, EximSpoolGauges) {
  TempDir tmp;
  ASSERT_EQ(0, std::system(
                   absl::StrCat("cp -rL exporter/testdata/exim_spool/input '", tmp.path(), "/'")
                       .c_str()));
  QueueCollectorOptions o;
  o.exim_spool_dir = tmp.path();
  o.queue_dir = "/nonexistent";  // not read
  QueueCollector c(o, nullptr);
  const std::map<std::string, double> m = Flatten(c.Collect());
  EXPECT_EQ(1, m.at("mailgauge_queue_scrape_success{}"));
  EXPECT_EQ(2, m.at("mailgauge_queue_messages{queue=deferred,}"));
  EXPECT_EQ(1, m.at("mailgauge_queue_messages{queue=hold,}"));
  EXPECT_EQ(806, m.at("mailgauge_queue_size_bytes{queue=deferred,}"));
}

TEST(QueueCollectorTest, SpoolPermissionDeniedGivesSuccessZeroAndOneLogLine) {
  TempDir tmp;
  const std::string d = tmp.path();
  MakeSpool(d);
  for (const char* q : kQueueNames) ::chmod((d + "/" + q).c_str(), 0755);
  ::chmod((d + "/hold").c_str(), 0700);
  int pipefd[2];
  ASSERT_EQ(0, ::pipe(pipefd));
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(pipefd[0]);
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) {
      ::_exit(3);
    }
    QueueCollectorOptions o;
    o.queue_dir = d;
    o.cache_for = absl::ZeroDuration();
    std::string logs;
    QueueCollector c(o, [&](bool warn, const std::string& m) {
      logs += (warn ? "W " : "I ") + m + "\n";
    });
    std::string result;
    for (int i = 0; i < 3; ++i) {
      for (const auto& [k, v] : Flatten(c.Collect())) {
        result += k + "=" + std::to_string(v) + "\n";
      }
    }
    result += "LOGS\n" + logs;
    (void)!::write(pipefd[1], result.data(), result.size());
    ::_exit(0);
  }
  ::close(pipefd[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof(buf))) > 0) out.append(buf, n);
  ::close(pipefd[0]);
  int status = 0;
  ASSERT_EQ(pid, ::waitpid(pid, &status, 0));
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
  EXPECT_THAT(out, HasSubstr("mailgauge_queue_scrape_success{}=0.0"));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("mailgauge_queue_messages")));
  const std::string logs = out.substr(out.find("LOGS\n"));
  // One warning for three failed scrapes, naming the directory.
  EXPECT_EQ(1, std::count(logs.begin(), logs.end(), '\n') - 1) << logs;
  EXPECT_THAT(logs, HasSubstr("/hold: Permission denied"));
}

TEST(QueueCollectorTest, SpoolGauges) {
  TempDir tmp;
  const std::string d = tmp.path();
  MakeSpool(d);
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  WriteFile(d + "/hold/AAA", 10, now - 3600);
  WriteFile(d + "/hold/BBB", 20, now - 60);
  QueueCollectorOptions o;
  o.queue_dir = d;
  o.cache_for = absl::ZeroDuration();
  QueueCollector c(o, nullptr);
  auto m = Flatten(c.Collect());
  EXPECT_EQ(1, m["mailgauge_queue_scrape_success{}"]);
  EXPECT_EQ(2, m["mailgauge_queue_messages{queue=hold,}"]);
  EXPECT_EQ(30, m["mailgauge_queue_size_bytes{queue=hold,}"]);
  EXPECT_NEAR(3600, m["mailgauge_queue_oldest_message_age_seconds{queue=hold,}"], 5);
  EXPECT_EQ(0, m["mailgauge_queue_oldest_message_age_seconds{queue=active,}"]);
  EXPECT_EQ(1, m.count("mailgauge_queue_scrape_duration_seconds{}"));
  EXPECT_EQ(0, m.count("mailgauge_queue_destination_messages{age=5m,domain=other,queue=hold,}"));
  EXPECT_EQ(2, m["postfix_showq_queue_depth{queue=hold,}"]);
  EXPECT_EQ(0, m["postfix_showq_queue_depth{queue=deferred,}"]);
  // 5 queues x 6 per-queue families (3 of ours, postfix_exporter's 3 showq
  // families) + success + duration.
  EXPECT_EQ(32u, m.size());
}

// postfix_exporter's showq histograms: one snapshot of the queue per
// reading, its buckets (1e3..1e9 bytes, 1e1..1e8 seconds) as postfix_exporter's.
TEST(QueueCollectorTest, ShowqCompatibilityHistograms) {
  TempDir tmp;
  const std::string d = tmp.path();
  MakeSpool(d);
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  WriteFile(d + "/deferred/AAA", 500, now - 50);         // <= 1e3 B, <= 1e2 s
  WriteFile(d + "/deferred/BBB", 20000, now - 5000);     // <= 1e5 B, <= 1e4 s
  WriteFile(d + "/deferred/CCC", 2000, now + 600);       // next retry: age 0
  QueueCollectorOptions o;
  o.queue_dir = d;
  o.cache_for = absl::ZeroDuration();
  QueueCollector c(o, nullptr);
  int checked = 0;
  for (int round = 0; round < 2; ++round) {  // a snapshot: not accumulated
    for (const prometheus::MetricFamily& f : c.Collect()) {
      if (f.name != "postfix_showq_message_size_bytes" &&
          f.name != "postfix_showq_message_age_seconds") {
        continue;
      }
      ASSERT_EQ(prometheus::MetricType::Histogram, f.type);
      ASSERT_EQ(5u, f.metric.size());
      for (const prometheus::ClientMetric& m : f.metric) {
        ASSERT_EQ(1u, m.label.size());
        if (m.label[0].value != "deferred") {
          EXPECT_EQ(0u, m.histogram.sample_count);
          continue;
        }
        ++checked;
        EXPECT_EQ(3u, m.histogram.sample_count);
        std::vector<uint64_t> cumulative;
        for (const auto& b : m.histogram.bucket) cumulative.push_back(b.cumulative_count);
        if (f.name == "postfix_showq_message_size_bytes") {
          EXPECT_EQ((std::vector<uint64_t>{1, 2, 3, 3, 3, 3, 3, 3}), cumulative);
          EXPECT_EQ(22500, m.histogram.sample_sum);
          EXPECT_EQ(1e9, m.histogram.bucket[6].upper_bound);
        } else {
          EXPECT_EQ((std::vector<uint64_t>{1, 2, 2, 3, 3, 3, 3, 3, 3}), cumulative);
          EXPECT_NEAR(5050, m.histogram.sample_sum, 10);
        }
      }
    }
  }
  EXPECT_EQ(4, checked);
}

TEST(QueueCollectorTest, CachesReadingsForCacheFor) {
  TempDir tmp;
  const std::string d = tmp.path();
  MakeSpool(d);
  QueueCollectorOptions o;
  o.queue_dir = d;
  o.cache_for = absl::Hours(1);
  QueueCollector c(o, nullptr);
  EXPECT_EQ(0, Flatten(c.Collect())["mailgauge_queue_messages{queue=active,}"]);
  WriteFile(d + "/active/AAA", 10);
  EXPECT_EQ(0, Flatten(c.Collect())["mailgauge_queue_messages{queue=active,}"]);
  o.cache_for = absl::ZeroDuration();
  QueueCollector fresh(o, nullptr);
  EXPECT_EQ(1, Flatten(fresh.Collect())["mailgauge_queue_messages{queue=active,}"]);
}

// Lines exactly as Postfix's showq_json.c (and refmta/queue.cc) write them.
std::string ShowqLine(const std::string& queue, const std::string& id,
                      int64_t arrival, int64_t size,
                      const std::vector<std::string>& rcpts) {
  std::string s = absl::StrCat("{\"queue_name\": \"", queue, "\", \"queue_id\": \"",
                               id, "\", \"arrival_time\": ", arrival,
                               ", \"message_size\": ", size,
                               ", \"forced_expire\": false, \"sender\": "
                               "\"alice@example.org\", \"recipients\": [");
  for (size_t i = 0; i < rcpts.size(); ++i) {
    if (i) s += ", ";
    s += absl::StrCat("{\"address\": \"", rcpts[i],
                      "\", \"delay_reason\": \"connect to mx.example.com[192.0.2.1]:25: "
                      "Connection refused\"}");
  }
  return s + "]}\n";
}

TEST(ParsePostqueueJsonTest, QueuesAndQshapeView) {
  const absl::Time now = absl::FromUnixSeconds(1800000000);
  const int64_t t = 1800000000;
  std::string text =
      ShowqLine("deferred", "4B5C61234", t - 30 * 60, 1000,
                {"bob@Example.COM", "carol@example.com", "dan@other.net"}) +
      ShowqLine("deferred", "4B5C61235", t - 2 * 60, 500, {"eve@example.com"}) +
      ShowqLine("active", "9F00ABCDE", t - 2000 * 60, 300, {"x@gmail.com"}) +
      ShowqLine("hold", "1A2B3C", t - 10, 42, {"postmaster"}) +
      "not json\n" + "{\"queue_name\": \"bogus\"}\n" + "\n";
  QueueReading r = ParsePostqueueJson(text, now, 2);
  EXPECT_EQ(2, r.bad_lines);
  EXPECT_EQ(2, r.queues["deferred"].messages);
  EXPECT_EQ(1500, r.queues["deferred"].bytes);
  EXPECT_EQ(t - 30 * 60, r.queues["deferred"].oldest);
  EXPECT_EQ(1, r.queues["active"].messages);
  EXPECT_EQ(1, r.queues["hold"].messages);
  EXPECT_EQ(0, r.queues["incoming"].messages);
  ASSERT_TRUE(r.has_destinations);
  using Key = std::tuple<std::string, std::string, std::string>;
  // example.com (2 messages: counted once for the message with two
  // recipients there) and, by name among the ties, gmail.com.
  std::map<Key, int64_t> want = {
      {{"deferred", "example.com", "40m"}, 1},
      {{"deferred", "example.com", "5m"}, 1},
      {{"deferred", "other", "40m"}, 1},   // other.net, cut by top-K
      {{"active", "gmail.com", "1280m+"}, 1},
      {{"hold", "other", "5m"}, 1},        // no domain
  };
  EXPECT_EQ(want, r.destinations);
}

TEST(ParsePostqueueJsonTest, CardinalityIsBoundedHoweverHostile) {
  const absl::Time now = absl::FromUnixSeconds(1800000000);
  std::string text;
  const char* queues[] = {"deferred", "active", "hold", "incoming", "maildrop"};
  for (int i = 0; i < 20000; ++i) {
    text += ShowqLine(queues[i % 5], absl::StrCat("Q", i), 1800000000 - i * 97,
                      i, {absl::StrCat("u@d", i, ".example"),
                          absl::StrCat("v@\\\"evil", i, "{}=,\\n"),
                          absl::StrCat("w@", std::string(300, 'a'))});
  }
  QueueReading r = ParsePostqueueJson(text, now, 10);
  EXPECT_EQ(0, r.bad_lines);
  std::set<std::string> domains;
  for (const auto& [k, n] : r.destinations) domains.insert(std::get<1>(k));
  EXPECT_LE(domains.size(), 11u);
  EXPECT_LE(r.destinations.size(), 5u * 10u * 11u);
  EXPECT_TRUE(domains.count("other"));
  int64_t total = 0;
  for (const auto& [k, n] : r.destinations) total += n;
  // Each message has two distinct "domains" (dN.example and other).
  EXPECT_EQ(20000 * 2, total);
}

class FakePostqueue {
 public:
  explicit FakePostqueue(const std::string& body, const std::string& extra = "") {
    path_ = dir_.path() + "/postqueue";
    std::ofstream(dir_.path() + "/out.jsonl") << body;
    std::ofstream(path_) << "#!/bin/sh\n" << extra << "\n"
                         << "[ \"$1\" = -j ] || { echo 'usage: postqueue -j' >&2; exit 64; }\n"
                         << "cat '" << dir_.path() << "/out.jsonl'\n";
    ::chmod(path_.c_str(), 0755);
  }
  const std::string& path() const { return path_; }

 private:
  TempDir dir_;
  std::string path_;
};

TEST(QueueCollectorTest, FakePostqueueScript) {
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  FakePostqueue pq(ShowqLine("deferred", "AAA", now - 90 * 60, 1234,
                             {"a@example.com", "b@example.net"}) +
                   ShowqLine("incoming", "BBB", now - 60, 10, {"c@example.com"}));
  QueueCollectorOptions o;
  o.showq_command = SplitCommand(pq.path() + "  -j");
  o.cache_for = absl::ZeroDuration();
  std::vector<std::string> logs;
  QueueCollector c(o, [&](bool, const std::string& m) { logs.push_back(m); });
  auto m = Flatten(c.Collect());
  EXPECT_EQ(1, m["mailgauge_queue_scrape_success{}"]);
  EXPECT_EQ(1, m["mailgauge_queue_messages{queue=deferred,}"]);
  EXPECT_EQ(1234, m["mailgauge_queue_size_bytes{queue=deferred,}"]);
  EXPECT_NEAR(5400, m["mailgauge_queue_oldest_message_age_seconds{queue=deferred,}"], 5);
  EXPECT_EQ(1, m["mailgauge_queue_messages{queue=incoming,}"]);
  EXPECT_EQ(1, m["mailgauge_queue_destination_messages{age=160m,domain=example.com,queue=deferred,}"]);
  EXPECT_EQ(1, m["mailgauge_queue_destination_messages{age=160m,domain=example.net,queue=deferred,}"]);
  EXPECT_EQ(1, m["mailgauge_queue_destination_messages{age=5m,domain=example.com,queue=incoming,}"]);
  EXPECT_TRUE(logs.empty());
}

TEST(QueueCollectorTest, FailingOrHangingCommandGivesSuccessZero) {
  {
    FakePostqueue pq("", "echo 'postqueue: fatal: Queue report unavailable' >&2; exit 75");
    QueueCollectorOptions o;
    o.showq_command = {pq.path(), "-j"};
    std::vector<std::string> logs;
    QueueCollector c(o, [&](bool, const std::string& m) { logs.push_back(m); });
    auto m = Flatten(c.Collect());
    EXPECT_EQ(0, m["mailgauge_queue_scrape_success{}"]);
    EXPECT_EQ(0, m.count("mailgauge_queue_messages{queue=deferred,}"));
    ASSERT_EQ(1u, logs.size());
    EXPECT_THAT(logs[0], HasSubstr("exited with status 75"));
    EXPECT_THAT(logs[0], HasSubstr("Queue report unavailable"));
  }
  {
    FakePostqueue pq("", "exec sleep 30");
    QueueCollectorOptions o;
    o.showq_command = {pq.path(), "-j"};
    o.command_timeout = absl::Milliseconds(300);
    std::vector<std::string> logs;
    QueueCollector c(o, [&](bool, const std::string& m) { logs.push_back(m); });
    const absl::Time start = absl::Now();
    auto m = Flatten(c.Collect());
    EXPECT_LT(absl::Now() - start, absl::Seconds(5));
    EXPECT_EQ(0, m["mailgauge_queue_scrape_success{}"]);
    ASSERT_EQ(1u, logs.size());
    EXPECT_THAT(logs[0], HasSubstr("ran longer than"));
  }
  {
    QueueCollectorOptions o;
    o.showq_command = {"/nonexistent/postqueue", "-j"};
    std::vector<std::string> logs;
    QueueCollector c(o, [&](bool, const std::string& m) { logs.push_back(m); });
    EXPECT_EQ(0, Flatten(c.Collect())["mailgauge_queue_scrape_success{}"]);
    ASSERT_EQ(1u, logs.size());
    EXPECT_THAT(logs[0], HasSubstr("/nonexistent/postqueue"));
  }
}

// --- showq's socket ---

// What Debian 12's Postfix 3.7.11 sent on public/showq for a queue of four
// deferred messages and one held (testdata/postfix-real's set-up; captured
// with `postqueue -j` output of the same moment beside it).
constexpr char kShowq37[] = "exporter/testdata/showq-postfix-3.7.11.bin";
constexpr char kShowq37Postqueue[] = "exporter/testdata/showq-postfix-3.7.11.postqueue.jsonl";
constexpr int64_t kShowq37Arrival = 1795824802;

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// One showq list: NUL-terminated names and values, then the terminator.
std::string ShowqList(const std::vector<std::pair<std::string, std::string>>& attrs) {
  std::string out;
  for (const auto& [name, value] : attrs) {
    out.append(name).push_back('\0');
    out.append(value).push_back('\0');
  }
  out.push_back('\0');
  return out;
}

TEST(ParseShowqTest, RealPostfix37AnswerEqualsPostqueueJ) {
  const std::string bytes = ReadBytes(kShowq37);
  ASSERT_FALSE(bytes.empty());
  const absl::Time now = absl::FromUnixSeconds(kShowq37Arrival + 7 * 60);
  absl::StatusOr<QueueReading> r = ParseShowq(bytes, now, 10);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(0, r->bad_lines);
  EXPECT_EQ(4, r->queues["deferred"].messages);
  EXPECT_EQ(275 + 3261 + 266 + 275, r->queues["deferred"].bytes);
  EXPECT_EQ(kShowq37Arrival, r->queues["deferred"].oldest);
  EXPECT_EQ(1, r->queues["hold"].messages);
  EXPECT_EQ(275, r->queues["hold"].bytes);
  EXPECT_EQ(0, r->queues["active"].messages);
  using Key = std::tuple<std::string, std::string, std::string>;
  const std::map<Key, int64_t> want = {
      {{"deferred", "remote.test", "10m"}, 4},
      {{"deferred", "unreach.test", "10m"}, 1},
      {{"hold", "remote.test", "10m"}, 1},
  };
  EXPECT_EQ(want, r->destinations);

  // The same queue as postqueue -j (which reads the same socket) lists it.
  const QueueReading j = ParsePostqueueJson(ReadBytes(kShowq37Postqueue), now, 10);
  EXPECT_EQ(j.destinations, r->destinations);
  for (const char* q : kQueueNames) {
    EXPECT_EQ(j.queues.at(q).messages, r->queues.at(q).messages) << q;
    EXPECT_EQ(j.queues.at(q).bytes, r->queues.at(q).bytes) << q;
    EXPECT_EQ(j.queues.at(q).oldest, r->queues.at(q).oldest) << q;
    EXPECT_EQ(j.queues.at(q).age_counts, r->queues.at(q).age_counts) << q;
    EXPECT_EQ(j.queues.at(q).size_counts, r->queues.at(q).size_counts) << q;
  }
}

TEST(ParseShowqTest, OlderAndNewerPostfixShapes) {
  const int64_t t = 1800000000;
  const absl::Time now = absl::FromUnixSeconds(t);
  // No protocol announcement (before 3.7), and the recipient fields of newer
  // versions (original_recipient, log_class); an unknown field is ignored.
  const std::string bytes =
      ShowqList({{"queue_name", "active"}, {"queue_id", "4XyZ1r2sT3z"}, {"time", std::to_string(t - 3000)},
                 {"size", "1200"}, {"forced_expire", "0"}, {"sender", "a@example.org"},
                 {"original_recipient", "b@Example.NET"}, {"recipient", "b@Example.NET"},
                 {"log_class", ""}, {"reason", ""},
                 {"original_recipient", "c@example.com"}, {"recipient", "c@example.com"},
                 {"log_class", "defer"}, {"reason", "connect to mx: Connection timed out"},
                 {"future_field", "x"}}) +
      ShowqList({{"queue_name", "maildrop"}, {"queue_id", "9ABC"}, {"time", std::to_string(t - 5)},
                 {"size", "0"}, {"forced_expire", "0"}, {"sender", "root"},
                 {"recipient", "root"}}) +
      std::string(1, '\0');
  absl::StatusOr<QueueReading> r = ParseShowq(bytes, now, 10);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(0, r->bad_lines);
  EXPECT_EQ(1, r->queues["active"].messages);
  EXPECT_EQ(1200, r->queues["active"].bytes);
  EXPECT_EQ(t - 3000, r->queues["active"].oldest);
  EXPECT_EQ(1, r->queues["maildrop"].messages);
  using Key = std::tuple<std::string, std::string, std::string>;
  const std::map<Key, int64_t> want = {
      {{"active", "example.net", "80m"}, 1},
      {{"active", "example.com", "80m"}, 1},
      {{"maildrop", "other", "5m"}, 1},  // "root": no domain
  };
  EXPECT_EQ(want, r->destinations);
}

TEST(ParseShowqTest, BadListsAreCountedTheRestKept) {
  const absl::Time now = absl::FromUnixSeconds(1800000000);
  const std::string good = ShowqList({{"queue_name", "deferred"}, {"queue_id", "A1"},
                                      {"time", "1799990000"}, {"size", "10"},
                                      {"sender", "x@y.z"}, {"recipient", "u@v.w"}});
  const std::string bytes = ShowqList({{"protocol", "mail_queue_list_protocol"}}) + good +
                            ShowqList({{"queue_name", "bogus"}, {"time", "1"}, {"size", "1"}}) +
                            ShowqList({{"queue_name", "hold"}, {"time", "soon"}, {"size", "1"}}) +
                            ShowqList({{"queue_id", "B2"}, {"size", "5"}}) + good +
                            std::string(1, '\0');
  absl::StatusOr<QueueReading> r = ParseShowq(bytes, now, 10);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(3, r->bad_lines);
  EXPECT_EQ(2, r->queues["deferred"].messages);
  EXPECT_EQ(20, r->queues["deferred"].bytes);
  EXPECT_EQ(0, r->queues["hold"].messages);
}

TEST(ParseShowqTest, AnswersThatAreNotAListingAreErrors) {
  const absl::Time now = absl::FromUnixSeconds(1800000000);
  const std::string real = ReadBytes(kShowq37);
  ASSERT_GT(real.size(), 10u);
  struct Case {
    std::string bytes;
    absl::StatusCode code;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"", absl::StatusCode::kUnavailable, "without answering"},
      {real.substr(0, real.size() - 1), absl::StatusCode::kDataLoss, "ends in the middle"},
      {real.substr(0, real.size() / 2), absl::StatusCode::kDataLoss, "ends in the middle"},
      {std::string("queue_name\0deferred\0time", 24), absl::StatusCode::kDataLoss,
       "ends in the middle"},
      {"-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n",
       absl::StatusCode::kUnimplemented, "Postfix 2's text listing"},
      {"Mail queue is empty\n", absl::StatusCode::kUnimplemented, "--postfix.queue-dir"},
      {ShowqList({{"protocol", "smtpd_check_protocol"}}) + std::string(1, '\0'),
       absl::StatusCode::kUnavailable, "smtpd_check_protocol"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<QueueReading> r = ParseShowq(c.bytes, now, 10);
    ASSERT_FALSE(r.ok()) << c.says;
    EXPECT_EQ(c.code, r.status().code()) << r.status();
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.says));
  }
  // Every cut of the real answer is an error or a shorter listing; none
  // crashes or reads past the end (run under ASan in CI).
  for (size_t n = 0; n < real.size(); ++n) {
    absl::StatusOr<QueueReading> r = ParseShowq(real.substr(0, n), now, 10);
    if (r.ok()) {
      EXPECT_LE(r->queues["deferred"].messages, 4) << n;
    }
  }
}

// A showq server on a Unix socket: answers each connection with `answer`
// (in pieces), or keeps it open without answering when `hang`.
class FakeShowq {
 public:
  FakeShowq(std::string path, std::string answer, bool hang = false)
      : path_(std::move(path)), answer_(std::move(answer)), hang_(hang) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path_.c_str());
    EXPECT_EQ(0, ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)));
    EXPECT_EQ(0, ::listen(fd_, 8));
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeShowq() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
    for (int c : open_) ::close(c);
    ::unlink(path_.c_str());
  }
  int connections() const { return connections_.load(); }

 private:
  void Serve() {
    while (true) {
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) return;
      ++connections_;
      if (hang_) {
        open_.push_back(c);
        continue;
      }
      for (size_t i = 0; i < answer_.size(); i += 1000) {
        const std::string piece = answer_.substr(i, 1000);
        // MSG_NOSIGNAL: a reader that stops early (over its cap) closes
        // the socket while this still writes; SIGPIPE would end the test.
        if (::send(c, piece.data(), piece.size(), MSG_NOSIGNAL) < 0) break;
      }
      ::close(c);
    }
  }

  std::string path_, answer_;
  bool hang_;
  int fd_ = -1;
  std::thread thread_;
  std::vector<int> open_;
  std::atomic<int> connections_{0};
};

// Collect() as the exporter calls it: on a web server's worker thread,
// whose stack is small (Debian's civetweb: 100 KiB, of which its own frames
// above the handler take a part; ASan's redzones make every frame larger),
// so that a big buffer on the stack shows in CI's ASan run.
std::map<std::string, double> CollectOnSmallStack(const QueueCollector& collector) {
  struct Call {
    const QueueCollector* collector;
    std::map<std::string, double> got;
  } call{&collector, {}};
  pthread_attr_t attr;
  EXPECT_EQ(0, pthread_attr_init(&attr));
  EXPECT_EQ(0, pthread_attr_setstacksize(&attr, 64 * 1024));
  pthread_t thread;
  EXPECT_EQ(0, pthread_create(
                   &thread, &attr,
                   [](void* arg) -> void* {
                     auto* call = static_cast<Call*>(arg);
                     call->got = Flatten(call->collector->Collect());
                     return nullptr;
                   },
                   &call));
  EXPECT_EQ(0, pthread_join(thread, nullptr));
  pthread_attr_destroy(&attr);
  return call.got;
}

TEST(ReadShowqSocketTest, ReadsTheWholeAnswer) {
  TempDir tmp;
  const std::string real = ReadBytes(kShowq37);
  FakeShowq showq(tmp.path() + "/showq", real);
  absl::StatusOr<std::string> got = ReadShowqSocket(tmp.path() + "/showq", absl::Seconds(10));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(real, *got);
  // Over the cap: an error, not a partial answer.
  got = ReadShowqSocket(tmp.path() + "/showq", absl::Seconds(10), 100);
  EXPECT_TRUE(absl::IsResourceExhausted(got.status())) << got.status();
}

TEST(ReadShowqSocketTest, FailuresNameTheSocketAndTheLikelyCause) {
  TempDir tmp;
  absl::StatusOr<std::string> got = ReadShowqSocket(tmp.path() + "/none", absl::Seconds(1));
  EXPECT_TRUE(absl::IsNotFound(got.status())) << got.status();
  EXPECT_THAT(std::string(got.status().message()), HasSubstr(tmp.path() + "/none"));

  // A socket file nobody listens on: what Postfix leaves when stopped.
  const std::string stale = tmp.path() + "/stale";
  {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", stale.c_str());
    ASSERT_EQ(0, ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)));
    ::close(fd);
  }
  got = ReadShowqSocket(stale, absl::Seconds(1));
  EXPECT_TRUE(absl::IsUnavailable(got.status())) << got.status();
  EXPECT_THAT(std::string(got.status().message()), HasSubstr("is Postfix running?"));

  FakeShowq hanging(tmp.path() + "/hang", "", /*hang=*/true);
  const absl::Time start = absl::Now();
  got = ReadShowqSocket(tmp.path() + "/hang", absl::Milliseconds(300));
  EXPECT_TRUE(absl::IsDeadlineExceeded(got.status())) << got.status();
  EXPECT_THAT(std::string(got.status().message()), HasSubstr("--queue.command-timeout"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(20));  // it gave up
}

TEST(QueueCollectorTest, ShowqSocketGauges) {
  TempDir tmp;
  const std::string real = ReadBytes(kShowq37);
  FakeShowq showq(tmp.path() + "/showq", real);
  QueueCollectorOptions o;
  o.showq_socket = tmp.path() + "/showq";
  o.queue_dir = "/nonexistent";  // not read
  o.cache_for = absl::ZeroDuration();
  std::vector<std::string> logs;
  QueueCollector c(o, [&](bool, const std::string& m) { logs.push_back(m); });
  auto m = Flatten(c.Collect());
  EXPECT_EQ(1, m["mailgauge_queue_scrape_success{}"]);
  EXPECT_EQ(4, m["mailgauge_queue_messages{queue=deferred,}"]);
  EXPECT_EQ(4077, m["mailgauge_queue_size_bytes{queue=deferred,}"]);
  EXPECT_EQ(1, m["mailgauge_queue_messages{queue=hold,}"]);
  EXPECT_EQ(4, m["postfix_showq_queue_depth{queue=deferred,}"]);
  // Its arrival times, not file mtimes: the messages' true age.
  EXPECT_NEAR(absl::FDivDuration(absl::Now() - absl::FromUnixSeconds(kShowq37Arrival),
                                 absl::Seconds(1)),
              m["mailgauge_queue_oldest_message_age_seconds{queue=deferred,}"], 5);
  const std::string bucket(QueueAgeBucket(absl::Now() - absl::FromUnixSeconds(kShowq37Arrival)));
  EXPECT_EQ(1, m[absl::StrCat("mailgauge_queue_destination_messages{age=", bucket,
                              ",domain=unreach.test,queue=deferred,}")]);
  EXPECT_TRUE(logs.empty());
  EXPECT_EQ(1, showq.connections());

  // As the exporter calls it, on a web server's worker thread.
  m = CollectOnSmallStack(c);
  EXPECT_EQ(1, m["mailgauge_queue_scrape_success{}"]);
  EXPECT_EQ(4, m["mailgauge_queue_messages{queue=deferred,}"]);
}

TEST(QueueCollectorTest, DefaultShowqSocketFallsBackToTheSpool) {
  TempDir tmp;
  const std::string d = tmp.path();
  MakeSpool(d);
  WriteFile(d + "/deferred/ABC123", 700);
  QueueCollectorOptions o;
  o.queue_dir = d;
  o.showq_socket = d + "/public/showq";  // absent: Postfix not installed here
  o.showq_socket_fallback = true;
  o.cache_for = absl::ZeroDuration();
  std::vector<std::string> logs;
  QueueCollector c(o, [&](bool, const std::string& m) { logs.push_back(m); });
  auto m = Flatten(c.Collect());
  EXPECT_EQ(1, m["mailgauge_queue_scrape_success{}"]);
  EXPECT_EQ(1, m["mailgauge_queue_messages{queue=deferred,}"]);
  EXPECT_EQ(700, m["mailgauge_queue_size_bytes{queue=deferred,}"]);
  EXPECT_TRUE(logs.empty());

  // On a worker thread's stack too (the failure's message included).
  m = CollectOnSmallStack(c);
  EXPECT_EQ(1, m["mailgauge_queue_messages{queue=deferred,}"]);

  // Asked for the socket alone: no fallback, the failure is reported.
  o.showq_socket_fallback = false;
  QueueCollector strict(o, [&](bool, const std::string& m) { logs.push_back(m); });
  m = CollectOnSmallStack(strict);
  EXPECT_EQ(0, m["mailgauge_queue_scrape_success{}"]);
  EXPECT_EQ(0u, m.count("mailgauge_queue_messages{queue=deferred,}"));
  ASSERT_EQ(1u, logs.size());
  EXPECT_THAT(logs[0], HasSubstr(d + "/public/showq"));

  // Both gone: one error naming both.
  o.showq_socket_fallback = true;
  o.queue_dir = d + "/missing";
  logs.clear();
  QueueCollector neither(o, [&](bool, const std::string& m) { logs.push_back(m); });
  m = Flatten(neither.Collect());
  EXPECT_EQ(0, m["mailgauge_queue_scrape_success{}"]);
  ASSERT_EQ(1u, logs.size());
  EXPECT_THAT(logs[0], HasSubstr("public/showq"));
  EXPECT_THAT(logs[0], HasSubstr("and walking the spool"));

  // No Postfix spool, an Exim one: Exim's queue.
  TempDir exim;
  ASSERT_EQ(0, std::system(
                   absl::StrCat("cp -rL exporter/testdata/exim_spool/input '", exim.path(), "/'")
                       .c_str()));
  o.exim_spool_fallbacks = {d + "/no-exim", exim.path()};
  logs.clear();
  QueueCollector on_exim(o, [&](bool, const std::string& m) { logs.push_back(m); });
  m = Flatten(on_exim.Collect());
  EXPECT_EQ(1, m["mailgauge_queue_scrape_success{}"]);
  EXPECT_EQ(2, m["mailgauge_queue_messages{queue=deferred,}"]);
  EXPECT_EQ(1, m["mailgauge_queue_messages{queue=hold,}"]);
  EXPECT_TRUE(logs.empty());
  // A Postfix spool that exists (unreadable or not) is Postfix's queue.
  o.queue_dir = d;
  QueueCollector on_postfix(o, nullptr);
  m = Flatten(on_postfix.Collect());
  EXPECT_EQ(1, m["mailgauge_queue_messages{queue=deferred,}"]);
  EXPECT_EQ(700, m["mailgauge_queue_size_bytes{queue=deferred,}"]);
}

TEST(SplitCommandTest, SplitsOnBlanks) {
  EXPECT_EQ((std::vector<std::string>{"postqueue", "-j"}), SplitCommand(" postqueue \t-j "));
  EXPECT_TRUE(SplitCommand("  ").empty());
}

}  // namespace
}  // namespace mailgauge::exporter
