// File: exporter/tls_frontend.h
// HTTPS for the exporter's endpoint: accepts TLS connections on the public
// address and relays the decrypted bytes to the HTTP server (civetweb) on a
// loopback port only this process uses.
//
// Why not civetweb's own TLS: Debian 12's libcivetweb 1.15 loads OpenSSL at
// run time and looks up SSL_get_peer_certificate, which OpenSSL 3 no longer
// exports (it is a macro for SSL_get1_peer_certificate); the pointer stays
// null and the first HTTPS connection crashes the process (checked with
// `ssl_certificate` alone, no callbacks).
//
//   absl::StatusOr<std::unique_ptr<TlsFrontend>> tls = TlsFrontend::Start(
//       {.host = "", .port = 9154, .cert_file = c, .key_file = k,
//        .backend_port = civetweb_port});
//   if (!tls.ok()) return tls.status();
//   int port = (*tls)->port();                 // the port chosen for 0
//   if (!(*tls)->IsRelayedPort(remote_port)) { /* 403: not through TLS */ }
//
// Plain HTTP sent to the TLS port fails the handshake and the connection is
// closed without an HTTP answer. The backend should refuse requests whose
// source port IsRelayedPort() does not know, so that local users cannot
// bypass TLS through the loopback port.
//
// Thread-safety: one thread accepts, one thread per connection relays (at
// most `max_connections`, further connections are closed). Stop() (or the
// destructor) closes the listener and waits for the relays.
#ifndef MAILGAUGE_EXPORTER_TLS_FRONTEND_H_
#define MAILGAUGE_EXPORTER_TLS_FRONTEND_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace mailgauge::exporter {

struct TlsFrontendOptions {
  std::string host;  // "" = all interfaces; "[::1]" or "::1" for IPv6
  int port = 0;
  std::string cert_file;  // PEM certificate chain
  std::string key_file;   // PEM private key
  int backend_port = 0;   // plain HTTP on 127.0.0.1
  int max_connections = 64;
  int io_timeout_seconds = 60;
};

class TlsFrontend {
 public:
  // Loads the certificate and key (InvalidArgument naming the file if they
  // do not load or do not match) and listens (Unavailable if it cannot).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<TlsFrontend>> Start(
      const TlsFrontendOptions& options);
  ~TlsFrontend();

  int port() const;
  // Whether a connection to the backend from 127.0.0.1:`port` is one of
  // this frontend's relays.
  bool IsRelayedPort(int port) const;
  void Stop();

  struct State;

 private:
  explicit TlsFrontend(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace mailgauge::exporter

#endif  // MAILGAUGE_EXPORTER_TLS_FRONTEND_H_
