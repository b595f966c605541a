// File: exporter/queue_collector.h
// The Postfix queue as Prometheus gauges, read when Prometheus scrapes (at
// most once per `cache_for`, the last reading is served in between): either
// from Postfix's showq socket (--postfix.showq-path; what mailq and
// postfix_exporter read), by walking the spool directories
// (--postfix.queue-dir: counts files, sums sizes, takes the oldest mtime;
// never opens a message) or by running `postqueue -j`
// (--postfix.showq-command) and parsing its JSON lines. showq and postqueue
// also give arrival times and the qshape-style view of the top destination
// domains by age.
// Exim's queue instead: --exim.spool-dir (ScanEximSpool).
//
//   QueueCollectorOptions o;
//   o.queue_dir = "/var/spool/postfix";            // or:
//   o.showq_command = {"postqueue", "-j"};
//   auto queue = std::make_shared<QueueCollector>(o, log);
//   exposer.RegisterCollectable(queue, "/metrics");
//
// Families (names from exporter/metrics.h, declared there with
// `at_scrape = true`): mailgauge_queue_messages{queue},
// mailgauge_queue_size_bytes{queue},
// mailgauge_queue_oldest_message_age_seconds{queue} (0 when empty),
// mailgauge_queue_scrape_success, mailgauge_queue_scrape_duration_seconds,
// and, from showq or postqueue -j only,
// mailgauge_queue_destination_messages{queue,domain,age}.
// A failed read (permission denied, command failed or timed out) gives
// mailgauge_queue_scrape_success 0, no per-queue series, and one log line
// when the failure starts or changes (not at every scrape).
//
// Cardinality: `queue` is one of the five queue names; `age` one of the ten
// qshape buckets; `domain` one of the top `top_domains` domains of this
// reading or "other". So at most 5 * 10 * (top_domains + 1) series.
//
// Thread-safety: Collect() may be called from several threads at once
// (civetweb's); readings are serialized by a mutex.
#ifndef MAILGAUGE_EXPORTER_QUEUE_COLLECTOR_H_
#define MAILGAUGE_EXPORTER_QUEUE_COLLECTOR_H_

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "exporter/metrics.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace mailgauge::exporter {

// The queues, in Postfix's order of a message's life.
inline constexpr std::array<const char*, 5> kQueueNames = {
    "maildrop", "incoming", "active", "deferred", "hold"};

// qshape's age buckets: "5m" is younger than 5 minutes, "10m" 5 to 10
// minutes, …, "1280m+" 1280 minutes or older.
inline constexpr std::array<const char*, 10> kQueueAgeBuckets = {
    "5m", "10m", "20m", "40m", "80m", "160m", "320m", "640m", "1280m", "1280m+"};

// The bucket of a message of this age (negative ages count as 0).
std::string_view QueueAgeBucket(absl::Duration age);

struct QueueStats {
  int64_t messages = 0;
  int64_t bytes = 0;
  // Unix seconds of the oldest message; 0 when empty.
  int64_t oldest = 0;
  // For postfix_exporter's postfix_showq_message_{size_bytes,age_seconds}:
  // messages per bucket of kShowqSizeBuckets / kShowqAgeBuckets (not
  // cumulative; the last element is +Inf), and the sums.
  std::vector<int64_t> size_counts = std::vector<int64_t>(kShowqSizeBuckets.size() + 1);
  double size_sum = 0;
  std::vector<int64_t> age_counts = std::vector<int64_t>(kShowqAgeBuckets.size() + 1);
  double age_sum = 0;

  // Adds one message to the histograms (a negative age counts as 0).
  void Observe(int64_t size_bytes, double age_seconds);
  // Counts one message of `size_bytes` that arrived at `unix_seconds` (0:
  // unknown, age 0) into messages, bytes, oldest and, by its age at `now`,
  // the histograms.
  void Add(int64_t size_bytes, int64_t unix_seconds, absl::Time now);
};

struct QueueReading {
  // Every name in kQueueNames is present.
  std::map<std::string, QueueStats> queues;
  // (queue, domain, age bucket) -> messages; from showq or postqueue -j only.
  std::map<std::tuple<std::string, std::string, std::string>, int64_t>
      destinations;
  bool has_destinations = false;
  // postqueue -j lines, showq lists, that were not a message of the
  // expected shape.
  int bad_lines = 0;
};

// Walks <dir>/{maildrop,incoming,active,deferred,hold} and their hashed
// subdirectories with lstat only. PermissionDenied / NotFound / Unavailable
// naming the directory on failure. Note: Postfix sets a deferred message's
// mtime to its next delivery attempt, so the oldest age of `deferred` from
// the spool is a lower bound; postqueue -j gives the arrival time.
// Ages (for the showq histograms) are taken at `now`.
[[nodiscard]] absl::StatusOr<QueueReading> ScanSpool(const std::string& dir,
                                                     absl::Time now = absl::Now());

// Reads Exim's queue in <dir>/input (Debian: /var/spool/exim4), and its
// one-character subdirectories (split_spool_directory): each message is an
// ID-H file, opened for its arrival time, frozen flag and header size (its
// size is that and the ID-D file's body, as `exim -bp` counts it). A frozen
// message counts in "hold", the others in "deferred" (Exim keeps no other
// queues); the other names are empty. PermissionDenied / NotFound /
// Unavailable naming the directory or file on failure (the spool is
// Debian-exim's, mode 750: run as a member of its group).
[[nodiscard]] absl::StatusOr<QueueReading> ScanEximSpool(const std::string& dir,
                                                         absl::Time now = absl::Now());

// Parses `postqueue -j` output: one JSON object per line with queue_name,
// queue_id, arrival_time, message_size, recipients[].address. Lines that
// do not parse are skipped and counted in bad_lines. The destination view
// counts each message once per distinct recipient domain (lower-cased),
// keeps the `top_domains` domains with most messages over all queues (ties
// by name) and sums the rest as "other"; an address without a domain, or
// with characters outside [a-z0-9.-_], counts as "other".
[[nodiscard]] QueueReading ParsePostqueueJson(std::string_view text,
                                              absl::Time now,
                                              size_t top_domains);

// Parses the answer of Postfix 3's showq service (the socket public/showq
// that mailq, postqueue and postfix_exporter read): lists of NUL-terminated
// (name, value) pairs, each list ended by an empty name, the answer by one
// more; Postfix 3.7+ starts with a list announcing
// "protocol"="mail_queue_list_protocol". A message's list holds queue_name,
// queue_id, time (arrival), size, forced_expire and sender, then its
// recipients (recipient, reason; newer versions also original_recipient and
// log_class). Messages and destinations are counted as by
// ParsePostqueueJson; lists of another shape are counted in bad_lines.
// DataLoss when the answer is cut short, Unavailable when it is empty or
// another protocol's, Unimplemented for Postfix 2's text listing.
[[nodiscard]] absl::StatusOr<QueueReading> ParseShowq(std::string_view bytes, absl::Time now,
                                                      size_t top_domains);

// Connects to the showq socket at `path` and returns all it sends until it
// closes the connection: PermissionDenied (the public/ directory is
// Postfix's group postdrop's), NotFound, Unavailable (connection refused:
// Postfix stopped), DeadlineExceeded after `timeout`, ResourceExhausted
// past `max_bytes`; each naming the socket.
[[nodiscard]] absl::StatusOr<std::string> ReadShowqSocket(const std::string& path,
                                                          absl::Duration timeout,
                                                          size_t max_bytes = size_t{1} << 30);

// Runs argv (no shell) with stdin from /dev/null and returns its stdout;
// Unavailable naming the command if it cannot start, exits non-zero (with
// the start of its stderr), is killed, or runs longer than `timeout` (it is
// then killed). Output is capped at `max_bytes`.
[[nodiscard]] absl::StatusOr<std::string> RunCommand(
    const std::vector<std::string>& argv, absl::Duration timeout,
    size_t max_bytes = size_t{1} << 30);

// Splits a command line on blanks (no quoting): "postqueue -j".
std::vector<std::string> SplitCommand(std::string_view command);

struct QueueCollectorOptions {
  // Spool directory to walk, used when showq_command is empty.
  std::string queue_dir = "/var/spool/postfix";
  // postqueue -j command line (argv); takes precedence over queue_dir.
  std::vector<std::string> showq_command;
  // Exim's spool directory (ScanEximSpool); when set, read instead of
  // queue_dir (showq_command still comes first).
  std::string exim_spool_dir;
  // Postfix's showq socket (ReadShowqSocket, ParseShowq); when set, read
  // instead of queue_dir (after showq_command and exim_spool_dir).
  std::string showq_socket;
  // When the socket cannot be reached (absent, refused: Postfix stopped),
  // walk queue_dir instead; and when queue_dir does not exist either (no
  // Postfix here), read the first of these Exim spools that has an input/
  // directory (ScanEximSpool).
  bool showq_socket_fallback = false;
  std::vector<std::string> exim_spool_fallbacks;
  size_t top_domains = 10;
  // A reading is reused for scrapes within this time. 0: read every scrape.
  absl::Duration cache_for = absl::Seconds(5);
  absl::Duration command_timeout = absl::Seconds(30);
};

class QueueCollector : public prometheus::Collectable {
 public:
  // `log(warn, message)` reports failures (warn = true) and recoveries.
  QueueCollector(QueueCollectorOptions options,
                 std::function<void(bool warn, const std::string&)> log);

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::vector<prometheus::MetricFamily> Build() const;

  QueueCollectorOptions options_;
  std::function<void(bool, const std::string&)> log_;
  mutable std::mutex mu_;
  mutable absl::Time last_read_ = absl::InfinitePast();
  mutable std::vector<prometheus::MetricFamily> last_;
  mutable std::string last_error_;
};

}  // namespace mailgauge::exporter

#endif  // MAILGAUGE_EXPORTER_QUEUE_COLLECTOR_H_
