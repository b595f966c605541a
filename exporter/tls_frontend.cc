#include "exporter/tls_frontend.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"

namespace mailgauge::exporter {

struct TlsFrontend::State {
  SSL_CTX* ctx = nullptr;
  int listen_fd = -1;
  int port = 0;
  TlsFrontendOptions options;
  std::atomic<bool> stop{false};
  std::thread acceptor;
  mutable std::mutex mu;
  std::condition_variable idle;
  int active = 0;
  std::multiset<int> relayed_ports;

  ~State() {
    if (ctx != nullptr) SSL_CTX_free(ctx);
  }
};

namespace {

std::string OpensslError() {
  const unsigned long e = ERR_get_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  ERR_clear_error();
  return buf;
}

void SetTimeouts(int fd, int seconds) {
  struct timeval tv {};
  tv.tv_sec = seconds;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

bool WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

bool SslWriteAll(SSL* ssl, const char* p, size_t n) {
  while (n > 0) {
    const int w = SSL_write(ssl, p, static_cast<int>(n));
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// One TLS connection: handshake, connect to the backend, relay both ways
// until either side closes or `io_timeout_seconds` pass without traffic.
void Relay(std::shared_ptr<TlsFrontend::State> st, int client) {
  SetTimeouts(client, st->options.io_timeout_seconds);
  SSL* ssl = SSL_new(st->ctx);
  int backend = -1;
  int local_port = -1;
  if (ssl != nullptr && SSL_set_fd(ssl, client) == 1 && SSL_accept(ssl) == 1) {
    backend = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(st->options.backend_port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sockaddr_in local{};
    socklen_t len = sizeof(local);
    if (backend >= 0 &&
        ::connect(backend, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
        ::getsockname(backend, reinterpret_cast<sockaddr*>(&local), &len) == 0) {
      local_port = ntohs(local.sin_port);
      {
        std::lock_guard<std::mutex> lock(st->mu);
        st->relayed_ports.insert(local_port);
      }
      char buf[16384];
      struct pollfd fds[2] = {{client, POLLIN, 0}, {backend, POLLIN, 0}};
      bool open = true;
      while (open && !st->stop.load()) {
        // Bytes OpenSSL already decrypted are not visible to poll().
        if (SSL_pending(ssl) == 0) {
          const int n = ::poll(fds, 2, 500);
          if (n < 0 && errno != EINTR) break;
          if (n <= 0) continue;
        } else {
          fds[0].revents = POLLIN;
          fds[1].revents = 0;
        }
        if (fds[0].revents != 0) {
          const int r = SSL_read(ssl, buf, sizeof(buf));
          if (r <= 0) {
            const int err = SSL_get_error(ssl, r);
            if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) open = false;
          } else if (!WriteAll(backend, buf, static_cast<size_t>(r))) {
            open = false;
          }
        }
        if (open && fds[1].revents != 0) {
          const ssize_t r = ::recv(backend, buf, sizeof(buf), 0);
          if (r <= 0) {
            if (!(r < 0 && errno == EINTR)) open = false;
          } else if (!SslWriteAll(ssl, buf, static_cast<size_t>(r))) {
            open = false;
          }
        }
      }
      SSL_shutdown(ssl);
    }
  }
  ERR_clear_error();
  if (backend >= 0) ::close(backend);
  if (ssl != nullptr) SSL_free(ssl);
  ::close(client);
  std::lock_guard<std::mutex> lock(st->mu);
  if (local_port >= 0) {
    auto it = st->relayed_ports.find(local_port);
    if (it != st->relayed_ports.end()) st->relayed_ports.erase(it);
  }
  --st->active;
  st->idle.notify_all();
}

void AcceptLoop(std::shared_ptr<TlsFrontend::State> st) {
  while (!st->stop.load()) {
    struct pollfd p = {st->listen_fd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    const int client = ::accept4(st->listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    {
      std::lock_guard<std::mutex> lock(st->mu);
      if (st->active >= st->options.max_connections) {
        ::close(client);
        continue;
      }
      ++st->active;
    }
    std::thread(Relay, st, client).detach();
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<TlsFrontend>> TlsFrontend::Start(
    const TlsFrontendOptions& options) {
  auto st = std::make_shared<State>();
  st->options = options;
  st->ctx = SSL_CTX_new(TLS_server_method());
  if (st->ctx == nullptr) {
    return absl::InternalError(absl::StrCat("TLS: ", OpensslError()));
  }
  SSL_CTX_set_min_proto_version(st->ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(st->ctx, SSL_MODE_AUTO_RETRY);
  if (SSL_CTX_use_certificate_chain_file(st->ctx, options.cert_file.c_str()) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot load the TLS certificate ", options.cert_file, ": ", OpensslError()));
  }
  if (SSL_CTX_use_PrivateKey_file(st->ctx, options.key_file.c_str(), SSL_FILETYPE_PEM) !=
      1) {
    return absl::InvalidArgumentError(absl::StrCat("cannot load the TLS key ",
                                                   options.key_file, ": ", OpensslError()));
  }
  if (SSL_CTX_check_private_key(st->ctx) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("the TLS key ", options.key_file,
                                                   " does not match the certificate ",
                                                   options.cert_file));
  }
  std::string host = options.host;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  struct addrinfo hints {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  if (host.empty()) hints.ai_family = AF_INET;
  struct addrinfo* res = nullptr;
  const std::string port = std::to_string(options.port);
  if (int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &res);
      rc != 0) {
    return absl::UnavailableError(absl::StrCat("cannot resolve ", options.host, ": ",
                                               gai_strerror(rc)));
  }
  int err = 0;
  for (struct addrinfo* a = res; a != nullptr && st->listen_fd < 0; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, 64) != 0) {
      err = errno;
      ::close(fd);
      continue;
    }
    st->listen_fd = fd;
  }
  ::freeaddrinfo(res);
  if (st->listen_fd < 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options.host, ":",
                                               options.port, ": ", std::strerror(err)));
  }
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  ::getsockname(st->listen_fd, reinterpret_cast<sockaddr*>(&ss), &len);
  st->port = ss.ss_family == AF_INET6
                 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                 : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  st->acceptor = std::thread(AcceptLoop, st);
  return std::unique_ptr<TlsFrontend>(new TlsFrontend(st));
}

int TlsFrontend::port() const { return state_->port; }

bool TlsFrontend::IsRelayedPort(int port) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->relayed_ports.count(port) > 0;
}

void TlsFrontend::Stop() {
  if (state_->stop.exchange(true)) return;
  if (state_->acceptor.joinable()) state_->acceptor.join();
  ::close(state_->listen_fd);
  std::unique_lock<std::mutex> lock(state_->mu);
  state_->idle.wait_for(lock, std::chrono::seconds(5),
                        [&] { return state_->active == 0; });
}

TlsFrontend::~TlsFrontend() { Stop(); }

}  // namespace mailgauge::exporter
