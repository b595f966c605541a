// File: refmta/tls.h
// STARTTLS for refmta (OpenSSL): the TLS contexts of the SMTP server (with a
// certificate from smtpd_tls_cert_file/smtpd_tls_key_file, or a self-signed
// RSA 2048 certificate made at start when none is configured) and of the
// SMTP clients (smtp_tls_security_level = may: encrypt when offered, verify
// nothing), a socket stream that reads and writes in clear text until
// StartTls switches it to TLS, and the summary Postfix 3.7 logs after a
// handshake (src/tls/tls_misc.c tls_log_summary()):
//
//   Anonymous TLS connection established from unknown[127.0.0.2]: TLSv1.3 with
//     cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519
//     server-signature RSA-PSS (2048 bits) server-digest SHA256
//   Untrusted TLS connection established to 127.0.0.1[127.0.0.1]:2525: ...
//
// "Anonymous": the peer sent no certificate; "Untrusted": it sent one that
// was not verified (refmta's clients never verify; Postfix's smtp(8) at
// security level "may" does not either).
//
//   auto ctx = TlsContext::CreateServer("", "", "mx.example.com");   // self-signed
//   SmtpStream s(fd, absl::Seconds(300));
//   std::string error;
//   if (s.StartTls(**ctx, TlsRole::kServer, &error)) {
//     log(TlsConnectionSummary(s, TlsRole::kServer, "unknown[127.0.0.2]"));
//   }
//
// Thread-safety: a TlsContext is immutable after creation and may be shared
// by many streams; an SmtpStream belongs to one thread. Creating a context
// sets SIGPIPE to be ignored process-wide: OpenSSL writes with write(2), and a
// peer that hangs up must give an error, not kill the process.
#ifndef MAILGAUGE_REFMTA_TLS_H_
#define MAILGAUGE_REFMTA_TLS_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace mailgauge::refmta {

enum class TlsRole { kServer, kClient };

class TlsContext {
 public:
  // A server context. With both files empty, makes a self-signed RSA 2048
  // certificate for `common_name` (valid for a year); otherwise loads the
  // PEM files. InvalidArgument names the file that cannot be used.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<TlsContext>> CreateServer(
      const std::string& cert_file, const std::string& key_file,
      const std::string& common_name);
  // A client context that encrypts without verifying the server.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<TlsContext>> CreateClient();
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  SSL_CTX* get() const { return ctx_; }

 private:
  explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* const ctx_;
};

// A connected socket, clear text until StartTls succeeds. Does not own the
// file descriptor (the caller closes it after the stream is gone).
class SmtpStream {
 public:
  SmtpStream(int fd, absl::Duration timeout) : fd_(fd), timeout_(timeout) {}
  ~SmtpStream();
  SmtpStream(const SmtpStream&) = delete;
  SmtpStream& operator=(const SmtpStream&) = delete;

  // Ends TLS (close_notify) and frees it. Call before closing the file
  // descriptor: afterwards the number may belong to another connection.
  // Idempotent; the destructor calls it.
  void Close();

  // Reads up to `n` bytes, waiting at most the timeout: >0 bytes read, 0 at
  // end of file or error, -1 when the timeout passed.
  ssize_t Read(char* buf, size_t n);
  // Whether the stream holds bytes already read from the socket (clear text
  // after a pipelined command, or decrypted TLS data).
  bool HasPending() const;
  // Writes everything or returns false.
  bool Write(absl::string_view data);
  // Runs the TLS handshake on the socket. On failure returns false with a
  // short reason ("lost connection", or OpenSSL's error) in `error`; the
  // stream is then unusable.
  bool StartTls(const TlsContext& context, TlsRole role, std::string* error);
  bool tls() const { return ssl_ != nullptr && handshake_done_; }
  void set_timeout(absl::Duration timeout) { timeout_ = timeout; }

  // "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange
  // X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256", as
  // seen from `role`; "" when not in TLS.
  std::string SessionSummary(TlsRole role) const;
  // Whether the peer presented a certificate.
  bool PeerCertificatePresent() const;

 private:
  void SetSocketTimeouts();
  const int fd_;
  absl::Duration timeout_;
  SSL* ssl_ = nullptr;
  bool handshake_done_ = false;
};

// The whole line: "<Anonymous|Untrusted> TLS connection established
// <from|to> <peer>: <SessionSummary>". `peer` is "name[addr]" for the
// server, "name[addr]:port" for the client.
std::string TlsConnectionSummary(const SmtpStream& stream, TlsRole role,
                                 absl::string_view peer);

}  // namespace mailgauge::refmta

#endif  // MAILGAUGE_REFMTA_TLS_H_
