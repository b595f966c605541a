// File: fuzz/smtp_session_fuzzer.cc
// Fuzzes refmta's SMTP command handling (refmta/smtp_server.cc: the command
// reader, verb dispatch, MAIL/RCPT path and parameter parsing, DATA with
// dot-stuffing and size limits, line-length limits). The parser lives inside
// the server's session and has no separate API, so the target drives a real
// SmtpServer on 127.0.0.1 in this process: each input is sent as the client's
// whole side of one connection, then the client shuts down writing and reads
// until the server closes. Inputs of even length come from 127.0.0.1 (inside
// mynetworks), odd length from 127.0.0.2 (an outsider), so both the relay
// and the reject paths are reachable.
//
// Checked, beyond "no crash in any session thread": every reply line is
// "<3 digits><space or dash>..." (what the client can trust), the server
// closes the session once the client is done, no log line refmta writes
// holds a newline (hostile HELO, addresses or parameters can't inject log
// lines), and no recipient is accepted for an outsider outside
// mydestination (no open relay).
//
//   tools/fuzz.sh smtp_session 60    # libFuzzer, 60 s (clang-14, ASan+UBSan)
//   bazel test //fuzz:smtp_session_replay_test   # replays fuzz/corpus/smtp_session (gcc)
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fuzz/fuzz_check.h"
#include "refmta/cleanup.h"
#include "refmta/ledger.h"
#include "refmta/lookup_table.h"
#include "refmta/main_cf.h"
#include "refmta/postfix_log.h"
#include "refmta/queue.h"
#include "refmta/recipient_policy.h"
#include "refmta/smtp_server.h"

namespace {

using namespace mailgauge::refmta;  // NOLINT: a test driver using many types

void Die(const std::string& what) {
  std::fprintf(stderr, "smtp_session_fuzzer: %s\n", what.c_str());
  std::abort();
}

void CheckLogLine(const std::string& line) {
  absl::string_view l = line;
  if (!l.empty() && l.back() == '\n') l.remove_suffix(1);
  FUZZ_CHECK(l.find('\n') == absl::string_view::npos, "a log line holds a newline");
}

// The server and everything it needs, started once per process.
struct Fixture {
  std::string dir;
  RefmtaConfig config;
  std::unique_ptr<RecipientPolicy> policy;
  std::unique_ptr<Queue> queue;
  std::unique_ptr<PostfixLogWriter> log;
  std::unique_ptr<Ledger> ledger;
  std::unique_ptr<Cleanup> cleanup;
  std::unique_ptr<SmtpServer> server;

  Fixture() {
    const char* base = std::getenv("TEST_TMPDIR");
    struct stat st;
    if (base == nullptr) base = stat("/dev/shm", &st) == 0 ? "/dev/shm" : "/tmp";
    std::string templ = absl::StrCat(base, "/smtp_fuzz_XXXXXX");
    if (mkdtemp(templ.data()) == nullptr) Die(absl::StrCat("mkdtemp: ", std::strerror(errno)));
    dir = templ;
    std::ofstream(dir + "/aliases") << "postmaster: alice\nteam: alice, bob\n";
    std::ofstream(dir + "/local_users") << "alice ok\nbob ok\n";
    std::ofstream(dir + "/header_checks")
        << "/^Subject:.*forbidden/ REJECT\n/^X-Discard:/ DISCARD\n/^X-Hold:/ HOLD\n";
    auto cf = MainCf::Parse(
        absl::StrCat("myhostname = mx.example.com\nmydomain = example.com\n"
                     "mydestination = $myhostname, localhost, $mydomain\n"
                     "mynetworks = 127.0.0.1/32\n"
                     "alias_maps = texthash:", dir, "/aliases\n",
                     "local_recipient_maps = texthash:", dir, "/local_users $alias_maps\n",
                     "smtpd_recipient_restrictions = permit_mynetworks, "
                     "reject_unauth_destination\n"
                     "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n"
                     "header_checks = regexp:", dir, "/header_checks\n",
                     "message_size_limit = 4000\n"
                     "line_length_limit = 600\n"
                     "smtpd_recipient_limit = 20\n"
                     "smtpd_timeout = 5s\n"),
        "main.cf");
    if (!cf.ok()) Die(std::string(cf.status().message()));
    auto loaded = LoadRefmtaConfig(*cf);
    if (!loaded.ok()) Die(std::string(loaded.status().message()));
    config = *loaded;
    auto p = RecipientPolicy::Create(config);
    if (!p.ok()) Die(std::string(p.status().message()));
    policy = *std::move(p);
    auto q = Queue::Open(dir + "/spool", false);
    if (!q.ok()) Die(std::string(q.status().message()));
    queue = *std::move(q);
    PostfixLogOptions log_options;
    log_options.hostname = "mx.example.com";
    log = std::make_unique<PostfixLogWriter>(log_options, CheckLogLine);
    ledger = std::make_unique<Ledger>([](const std::string&) {});
    auto checks = LookupTableList::Open(config.header_checks);
    if (!checks.ok()) Die(std::string(checks.status().message()));
    cleanup = std::make_unique<Cleanup>(config, queue.get(), log.get(), ledger.get(),
                                        *std::move(checks), 101);
    auto s = SmtpServer::Start({&config, policy.get(), queue.get(), log.get(), ledger.get(),
                                cleanup.get()},
                               SmtpServerOptions{"127.0.0.1", 0, 100});
    if (!s.ok()) Die(std::string(s.status().message()));
    server = *std::move(s);
  }

  // Removes every queued message, so the spool stays small however long the
  // fuzzer runs.
  void EmptyQueue() {
    for (const char* q : {"maildrop", "incoming", "active", "deferred", "hold"}) {
      const std::string d = absl::StrCat(queue->spool_dir(), "/", q);
      DIR* dp = opendir(d.c_str());
      if (dp == nullptr) continue;
      while (dirent* e = readdir(dp)) {
        if (e->d_name[0] == '.') continue;
        unlink(absl::StrCat(d, "/", e->d_name).c_str());
      }
      closedir(dp);
    }
  }
};

Fixture& TheFixture() {
  static Fixture* f = new Fixture();
  return *f;
}

// Sends `input` from `source` and returns everything the server answered;
// fails the run if the server does not close within 20 s after the client is
// done.
std::string Converse(int port, const char* source, absl::string_view input) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) Die(absl::StrCat("socket: ", std::strerror(errno)));
  sockaddr_in src{};
  src.sin_family = AF_INET;
  inet_pton(AF_INET, source, &src.sin_addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof(src)) != 0) {
    Die(absl::StrCat("bind ", source, ": ", std::strerror(errno)));
  }
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof(dst)) != 0) {
    Die(absl::StrCat("connect: ", std::strerror(errno)));
  }
  std::string out;
  size_t sent = 0;
  bool write_open = true;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  for (;;) {
    if (write_open && sent == input.size()) {
      shutdown(fd, SHUT_WR);
      write_open = false;
    }
    pollfd p{fd, static_cast<short>(POLLIN | (write_open ? POLLOUT : 0)), 0};
    const int rc = poll(&p, 1, 200);
    if (rc < 0 && errno == EINTR) continue;
    if (absl::Now() > deadline) {
      FUZZ_CHECK(false, "the server did not close the session after the client was done");
    }
    if (rc <= 0) continue;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      char chunk[8192];
      const ssize_t n = read(fd, chunk, sizeof(chunk));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // closed (or reset, after the server gave up)
      out.append(chunk, static_cast<size_t>(n));
    }
    if (write_open && (p.revents & POLLOUT)) {
      const ssize_t n = send(fd, input.data() + sent, input.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n < 0) {
        write_open = false;  // the server closed early (too many errors)
        continue;
      }
      sent += static_cast<size_t>(n);
    }
  }
  close(fd);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  Fixture& f = TheFixture();
  const bool outsider = size % 2 == 1;
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string replies =
      Converse(f.server->port(), outsider ? "127.0.0.2" : "127.0.0.1", input);
  FUZZ_CHECK(absl::StartsWith(replies, "220 "), "no greeting");
  size_t start = 0;
  while (start < replies.size()) {
    size_t end = replies.find("\r\n", start);
    FUZZ_CHECK(end != std::string::npos, "a reply not ended by CRLF");
    const absl::string_view line(replies.data() + start, end - start);
    FUZZ_CHECK(line.size() >= 4 && absl::ascii_isdigit(line[0]) && line[0] >= '2' &&
                   line[0] <= '5' && absl::ascii_isdigit(line[1]) &&
                   absl::ascii_isdigit(line[2]) && (line[3] == ' ' || line[3] == '-'),
               "a reply line that is not <code><sp|->text");
    start = end + 2;
  }
  if (outsider) {
    // No open relay: an outsider's message is queued only for local domains.
    absl::StatusOr<std::vector<QueueEntry>> queued = f.queue->ListAll();
    FUZZ_CHECK(queued.ok(), "the queue can't be listed");
    for (const QueueEntry& e : *queued) {
      for (const QueuedRecipient& r : e.envelope.recipients) {
        const std::string& a = r.original_address.empty() ? r.address : r.original_address;
        const size_t at = a.rfind('@');
        std::string domain = absl::AsciiStrToLower(
            at == std::string::npos ? "" : absl::string_view(a).substr(at + 1));
        if (!domain.empty() && domain.back() == '.') domain.pop_back();
        if (!(domain.empty() || domain == "mx.example.com" || domain == "localhost" ||
              domain == "example.com")) {
          std::fprintf(stderr, "relayed for an outsider: <%s>\n", a.c_str());
          FUZZ_CHECK(false, "refmta accepted mail from an outsider for a foreign domain");
        }
      }
    }
  }
  f.EmptyQueue();
  return 0;
}
