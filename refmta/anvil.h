// File: refmta/anvil.h
// Per-client connection counts and rates for smtpd's
// smtpd_client_connection_count_limit and smtpd_client_connection_rate_limit,
// kept the way Postfix's anvil(8) server keeps them (src/anvil/anvil.c):
//   - the count is the number of connections from the client open now,
//     including the one just made;
//   - the rate is the number of connections made since the client's window
//     started; a window lasts anvil_rate_time_unit, and the first connection
//     after it has passed starts a new one (anvil resets its counter rather
//     than keep a moving average);
//   - a client with no open connection is forgotten once its window is
//     over, so memory is bounded by the clients of the last time unit.
// Clients are keyed by service and address ("smtp:127.0.0.2"), as anvil's
// ident is.
//
//   Anvil anvil;
//   Anvil::Counts c = anvil.Connect("smtp", "127.0.0.2", absl::Now(), absl::Seconds(60));
//   if (c.count > config.smtpd_client_connection_count_limit) { /* 421 */ }
//   ...
//   anvil.Disconnect("smtp", "127.0.0.2", absl::Now(), absl::Seconds(60));
//
// Thread-safety: all methods may be called concurrently.
#ifndef MAILGAUGE_REFMTA_ANVIL_H_
#define MAILGAUGE_REFMTA_ANVIL_H_

#include <cstddef>
#include <map>
#include <mutex>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace mailgauge::refmta {

class Anvil {
 public:
  struct Counts {
    int count = 0;  // connections open now, this one included
    int rate = 0;   // connections made in the current time unit
  };

  // Records a new connection from `addr` to `service` at `now`; returns the
  // counts with it included. `time_unit` is anvil_rate_time_unit.
  Counts Connect(absl::string_view service, absl::string_view addr, absl::Time now,
                 absl::Duration time_unit);
  // Records the end of a connection that Connect counted.
  void Disconnect(absl::string_view service, absl::string_view addr, absl::Time now,
                  absl::Duration time_unit);

  // Clients remembered (open connections, or a window not yet over).
  size_t clients() const;

 private:
  struct Remote {
    int count = 0;
    int rate = 0;
    absl::Time start;  // of the rate window
  };
  // Forgets clients with no connection whose window is over.
  void Expire(absl::Time now, absl::Duration time_unit);

  mutable std::mutex mu_;
  std::map<std::string, Remote, std::less<>> remotes_;  // guarded by mu_
  absl::Time last_expire_ = absl::InfinitePast();       // guarded by mu_
};

}  // namespace mailgauge::refmta

#endif  // MAILGAUGE_REFMTA_ANVIL_H_
