#include "refmta/tls.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace mailgauge::refmta {
namespace {

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "unknown TLS error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  ERR_clear_error();
  return buf;
}

// A self-signed RSA 2048 certificate for `common_name`, installed in `ctx`.
absl::Status InstallSelfSigned(SSL_CTX* ctx, const std::string& common_name) {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  if (key == nullptr) return absl::InternalError("cannot make an RSA key: " + OpenSslError());
  X509* cert = X509_new();
  absl::Status status;
  if (cert == nullptr) {
    status = absl::InternalError("X509_new failed");
  } else {
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 365L * 24 * 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    std::string cn = common_name.empty() ? "localhost" : common_name.substr(0, 64);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    if (X509_sign(cert, key, EVP_sha256()) == 0 || SSL_CTX_use_certificate(ctx, cert) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, key) != 1) {
      status = absl::InternalError("cannot make a self-signed certificate: " + OpenSslError());
    }
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  return status;
}

// Postfix's names for signature algorithms (tls_misc.c uses OpenSSL's short
// names, with "RSA-PSS" for rsassaPss and "RSA" for rsaEncryption).
std::string SignatureName(int nid) {
  switch (nid) {
    case NID_rsassaPss:
      return "RSA-PSS";
    case NID_rsaEncryption:
      return "RSA";
    case NID_X9_62_id_ecPublicKey:
      return "ECDSA";
    default: {
      const char* sn = OBJ_nid2sn(nid);
      return sn == nullptr ? "" : sn;
    }
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<TlsContext>> TlsContext::CreateServer(
    const std::string& cert_file, const std::string& key_file, const std::string& common_name) {
  signal(SIGPIPE, SIG_IGN);
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return absl::InternalError("SSL_CTX_new: " + OpenSslError());
  std::unique_ptr<TlsContext> c(new TlsContext(ctx));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (cert_file.empty() && key_file.empty()) {
    if (absl::Status s = InstallSelfSigned(ctx, common_name); !s.ok()) return s;
    return c;
  }
  if (cert_file.empty() || key_file.empty()) {
    return absl::InvalidArgumentError(
        "smtpd_tls_cert_file and smtpd_tls_key_file must be given together");
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("smtpd_tls_cert_file ", cert_file, ": ", OpenSslError()));
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("smtpd_tls_key_file ", key_file, ": ", OpenSslError()));
  }
  return c;
}

absl::StatusOr<std::unique_ptr<TlsContext>> TlsContext::CreateClient() {
  signal(SIGPIPE, SIG_IGN);
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return absl::InternalError("SSL_CTX_new: " + OpenSslError());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  return std::unique_ptr<TlsContext>(new TlsContext(ctx));
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

SmtpStream::~SmtpStream() { Close(); }

void SmtpStream::Close() {
  if (ssl_ != nullptr) {
    if (handshake_done_) SSL_shutdown(ssl_);
    SSL_free(ssl_);
    ssl_ = nullptr;
    handshake_done_ = false;
  }
}

void SmtpStream::SetSocketTimeouts() {
  // Blocking reads inside OpenSSL (a record split over several packets)
  // must not outlive the timeout either.
  timeval tv{};
  int64_t us = absl::ToInt64Microseconds(timeout_);
  tv.tv_sec = static_cast<time_t>(us / 1000000);
  tv.tv_usec = static_cast<suseconds_t>(us % 1000000);
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

bool SmtpStream::HasPending() const { return tls() && SSL_pending(ssl_) > 0; }

ssize_t SmtpStream::Read(char* buf, size_t n) {
  for (;;) {
    if (!HasPending()) {
      pollfd p{fd_, POLLIN, 0};
      int rc = poll(&p, 1, static_cast<int>(std::min<int64_t>(
                               absl::ToInt64Milliseconds(timeout_), INT32_MAX)));
      if (rc < 0 && errno == EINTR) continue;
      if (rc == 0) return -1;
      if (rc < 0) return 0;
    }
    if (!tls()) {
      ssize_t got = read(fd_, buf, n);
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      return got < 0 ? 0 : got;
    }
    ERR_clear_error();
    int got = SSL_read(ssl_, buf, static_cast<int>(std::min<size_t>(n, INT32_MAX)));
    if (got > 0) return got;
    int err = SSL_get_error(ssl_, got);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return -1;  // SO_RCVTIMEO
      continue;
    }
    if (err == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK)) return -1;
    return 0;
  }
}

bool SmtpStream::Write(absl::string_view data) {
  while (!data.empty()) {
    if (tls()) {
      ERR_clear_error();
      int n = SSL_write(ssl_, data.data(), static_cast<int>(std::min<size_t>(data.size(),
                                                                            INT32_MAX)));
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    pollfd p{fd_, POLLOUT, 0};
    int rc = poll(&p, 1, static_cast<int>(std::min<int64_t>(
                             absl::ToInt64Milliseconds(timeout_), INT32_MAX)));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return false;
    ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool SmtpStream::StartTls(const TlsContext& context, TlsRole role, std::string* error) {
  if (ssl_ != nullptr) {
    *error = "TLS already active";
    return false;
  }
  SetSocketTimeouts();
  ERR_clear_error();
  ssl_ = SSL_new(context.get());
  if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1) {
    *error = OpenSslError();
    return false;
  }
  int rc = role == TlsRole::kServer ? SSL_accept(ssl_) : SSL_connect(ssl_);
  if (rc != 1) {
    int err = SSL_get_error(ssl_, rc);
    if (err == SSL_ERROR_SYSCALL || err == SSL_ERROR_ZERO_RETURN) {
      *error = (errno == EAGAIN || errno == EWOULDBLOCK) ? "timeout" : "lost connection";
    } else {
      *error = OpenSslError();
    }
    return false;
  }
  handshake_done_ = true;
  return true;
}

bool SmtpStream::PeerCertificatePresent() const {
  return tls() && SSL_get0_peer_certificate(ssl_) != nullptr;
}

std::string SmtpStream::SessionSummary(TlsRole role) const {
  if (!tls()) return "";
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl_);
  int alg_bits = 0;
  int used_bits = cipher == nullptr ? 0 : SSL_CIPHER_get_bits(cipher, &alg_bits);
  std::string out = absl::StrCat(SSL_get_version(ssl_), " with cipher ",
                                 cipher == nullptr ? "(none)" : SSL_CIPHER_get_name(cipher),
                                 " (", used_bits, "/", alg_bits, " bits)");
  // Key exchange: the negotiated group (X25519, prime256v1, ffdhe2048).
  int group = SSL_get_negotiated_group(ssl_);
  if (group != 0 && group != NID_undef) {
    const char* name = OBJ_nid2sn(group & ~TLSEXT_nid_unknown);
    if (name != nullptr) absl::StrAppend(&out, " key-exchange ", name);
  }
  // The server's signature: our own on the server side, the peer's on the
  // client side; its key size from the server's certificate.
  int sig_type = NID_undef;
  int digest = NID_undef;
  EVP_PKEY* server_key = nullptr;
  if (role == TlsRole::kServer) {
    SSL_get_signature_type_nid(ssl_, &sig_type);
    SSL_get_signature_nid(ssl_, &digest);
    server_key = SSL_get_privatekey(ssl_);
  } else {
    SSL_get_peer_signature_type_nid(ssl_, &sig_type);
    SSL_get_peer_signature_nid(ssl_, &digest);
    X509* cert = SSL_get0_peer_certificate(ssl_);
    server_key = cert == nullptr ? nullptr : X509_get0_pubkey(cert);
  }
  std::string sig = sig_type == NID_undef ? "" : SignatureName(sig_type);
  if (!sig.empty()) {
    absl::StrAppend(&out, " server-signature ", sig);
    if (server_key != nullptr && EVP_PKEY_bits(server_key) > 0) {
      absl::StrAppend(&out, " (", EVP_PKEY_bits(server_key), " bits)");
    }
    const char* dname = digest == NID_undef ? nullptr : OBJ_nid2sn(digest);
    if (dname != nullptr) absl::StrAppend(&out, " server-digest ", dname);
  }
  return out;
}

std::string TlsConnectionSummary(const SmtpStream& stream, TlsRole role, absl::string_view peer) {
  return absl::StrCat(stream.PeerCertificatePresent() ? "Untrusted" : "Anonymous",
                      " TLS connection established ", role == TlsRole::kServer ? "from " : "to ",
                      peer, ": ", stream.SessionSummary(role));
}

}  // namespace mailgauge::refmta
