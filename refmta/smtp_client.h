// File: refmta/smtp_client.h
// The SMTP client side of refmta (Postfix's smtp(8)): hands one message
// with its recipients to a next hop on loopback and reports, per recipient,
// what Postfix would log (facts from src/smtp/smtp_connect.c, smtp_proto.c,
// smtp_trouble.c):
//
//   relay=127.0.0.1[127.0.0.1]:2526
//   sent:      dsn=2.0.0, reason "250 2.0.0 Ok: queued as 7F3A2B1C0D"
//   refused:   dsn=4.4.1, "connect to 127.0.0.1[127.0.0.1]:2526: Connection refused"
//   rejected:  dsn=5.1.1, "host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <x@y>: Recipient
//              address rejected: User unknown (in reply to RCPT TO command)"
//   dropped:   dsn=4.4.2, "lost connection with 127.0.0.1[127.0.0.1] while receiving the
//              initial server greeting"
//
//   SmtpNextHop hop{"127.0.0.1", "127.0.0.1", 2526};
//   SmtpDeliveryResult r = SendMessageViaSmtp(hop, "mx.example.com", sender, rcpts,
//                                             content, absl::Seconds(30));
//
// Thread-safety: SendMessageViaSmtp is reentrant.
#ifndef MAILGAUGE_REFMTA_SMTP_CLIENT_H_
#define MAILGAUGE_REFMTA_SMTP_CLIENT_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "refmta/tls.h"

namespace mailgauge::refmta {

struct SmtpNextHop {
  std::string name;     // as logged before "[addr]"
  std::string address;  // numeric loopback address
  int port = 25;
};

// Parses a relayhost or transport nexthop: "[127.0.0.1]:2526", "127.0.0.9",
// "[::1]:25". Only numeric loopback addresses are accepted (refmta never
// leaves the host). InvalidArgument otherwise.
[[nodiscard]] absl::StatusOr<SmtpNextHop> ParseNextHop(absl::string_view text);

struct SmtpRecipientResult {
  std::string recipient;
  std::string dsn;     // "2.0.0", "4.4.1", "5.1.1", ...
  std::string status;  // "sent", "deferred", "bounced"
  std::string reason;
};

struct SmtpDeliveryResult {
  std::string relay;  // "name[addr]:port", or "none" when no connection was made
  // When the connection and greeting/EHLO were done (log_adhoc's
  // conn_setup_done); InfinitePast when never.
  absl::Time conn_setup_done = absl::InfinitePast();
  std::vector<SmtpRecipientResult> recipients;  // in the order given
  // After a STARTTLS handshake, the line smtp(8) logs for it ("Untrusted TLS
  // connection established to 127.0.0.1[127.0.0.1]:2526: TLSv1.3 with
  // cipher ..."); "" without TLS. The caller logs it before the deliveries.
  std::string tls_summary;
};

// The enhanced status code of an SMTP reply ("550 5.1.1 ..." -> "5.1.1"),
// or "<class>.0.0" when the reply carries none.
std::string DsnOfReply(absl::string_view reply);

// `clock` stamps conn_setup_done; pass the caller's clock so that the delay
// split in the log stays consistent with its other time stamps. With `tls`
// (smtp_tls_security_level = may), STARTTLS is used when the server offers
// it, and the session continues in clear text when the server refuses it.
SmtpDeliveryResult SendMessageViaSmtp(const SmtpNextHop& hop, absl::string_view helo_name,
                                      absl::string_view sender,
                                      const std::vector<std::string>& recipients,
                                      absl::string_view content, absl::Duration timeout,
                                      const std::function<absl::Time()>& clock = absl::Now,
                                      const TlsContext* tls = nullptr);

}  // namespace mailgauge::refmta

#endif  // MAILGAUGE_REFMTA_SMTP_CLIENT_H_
