#include "refmta/anvil.h"

#include <climits>

#include "absl/strings/str_cat.h"

namespace mailgauge::refmta {

Anvil::Counts Anvil::Connect(absl::string_view service, absl::string_view addr,
                             absl::Time now, absl::Duration time_unit) {
  std::lock_guard<std::mutex> lock(mu_);
  Expire(now, time_unit);
  const std::string ident = absl::StrCat(service, ":", addr);
  auto it = remotes_.find(ident);
  if (it == remotes_.end()) {
    // ANVIL_REMOTE_FIRST_CONN: count 1, rate 1, the window starts now.
    Remote r;
    r.count = 1;
    r.rate = 1;
    r.start = now;
    remotes_.emplace(ident, r);
    return {1, 1};
  }
  // ANVIL_REMOTE_NEXT_CONN: a window that is over restarts at zero.
  Remote& r = it->second;
  if (r.start + time_unit < now) {
    r.rate = 0;
    r.start = now;
  }
  if (r.rate < INT_MAX) ++r.rate;
  if (r.count < INT_MAX) ++r.count;
  return {r.count, r.rate};
}

void Anvil::Disconnect(absl::string_view service, absl::string_view addr, absl::Time now,
                       absl::Duration time_unit) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = remotes_.find(absl::StrCat(service, ":", addr));
  if (it == remotes_.end()) return;
  Remote& r = it->second;
  if (r.count > 0) --r.count;
  if (r.count == 0 && r.start + time_unit < now) remotes_.erase(it);
}

size_t Anvil::clients() const {
  std::lock_guard<std::mutex> lock(mu_);
  return remotes_.size();
}

void Anvil::Expire(absl::Time now, absl::Duration time_unit) {
  // At most once per time unit: a sweep costs one pass over the clients.
  if (now < last_expire_ + time_unit) return;
  last_expire_ = now;
  for (auto it = remotes_.begin(); it != remotes_.end();) {
    if (it->second.count == 0 && it->second.start + time_unit < now) {
      it = remotes_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace mailgauge::refmta
