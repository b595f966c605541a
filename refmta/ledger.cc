#include "refmta/ledger.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace mailgauge::refmta {

std::string LedgerLine(const LedgerEvent& e) {
  nlohmann::ordered_json j;
  j["event"] = e.event;
  j["time"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", e.time, absl::UTCTimeZone());
  j["queue_id"] = e.queue_id;
  j["sender"] = e.sender;
  j["recipient"] = e.recipient;
  j["status"] = e.status;
  j["where"] = e.where;
  j["why"] = e.why;
  j["orig_to"] = e.orig_to;
  // Invalid UTF-8 (a client may send any bytes) is replaced, not thrown.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

absl::StatusOr<std::unique_ptr<Ledger>> Ledger::Open(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("cannot open ledger ", path, ": ", std::strerror(errno)));
  }
  auto ledger = std::make_unique<Ledger>(nullptr);
  ledger->fd_ = fd;
  return ledger;
}

Ledger::Ledger(std::function<void(const std::string&)> sink) : sink_(std::move(sink)) {}

Ledger::~Ledger() {
  if (fd_ >= 0) close(fd_);
}

absl::Status Ledger::Append(const LedgerEvent& event) {
  std::string line = LedgerLine(event);
  std::lock_guard<std::mutex> lock(mu_);
  if (sink_) {
    sink_(line);
    return absl::OkStatus();
  }
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::InternalError(absl::StrCat("ledger write: ", std::strerror(errno)));
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace mailgauge::refmta
