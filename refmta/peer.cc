#include "refmta/peer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "refmta/network_list.h"

namespace mailgauge::refmta {
namespace {

constexpr absl::Duration kSessionTimeout = absl::Seconds(60);
constexpr absl::Duration kWatchInterval = absl::Milliseconds(100);

// What tells one version of the rules file from the next ("" when it cannot
// be read).
std::string FileStamp(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return "";
  return absl::StrCat(st.st_ino, ":", st.st_size, ":", st.st_mtim.tv_sec, ".",
                      st.st_mtim.tv_nsec);
}

bool IsLoopbackV4(const std::string& address) {
  auto loopback = NetworkList::Parse({"127.0.0.0/8"});
  return loopback.ok() && loopback->Contains(address);
}

// Reads one line (without CR LF); false on EOF, error or timeout.
bool ReadLine(SmtpStream& stream, std::string* buffer, std::string* line) {
  for (;;) {
    size_t nl = buffer->find('\n');
    if (nl != std::string::npos) {
      *line = buffer->substr(0, nl);
      buffer->erase(0, nl + 1);
      if (!line->empty() && line->back() == '\r') line->pop_back();
      return true;
    }
    if (buffer->size() > (1 << 20)) return false;
    char chunk[8192];
    ssize_t n = stream.Read(chunk, sizeof(chunk));
    if (n <= 0) return false;
    buffer->append(chunk, static_cast<size_t>(n));
  }
}

bool Say(SmtpStream& stream, absl::string_view reply) {
  return stream.Write(absl::StrCat(reply, "\r\n"));
}

// "<addr> PARAMS" after "FROM:" / "TO:" -> addr.
std::string PathOf(absl::string_view arg) {
  arg = absl::StripLeadingAsciiWhitespace(arg);
  if (!arg.empty() && arg.front() == '<') {
    size_t close = arg.find('>');
    return std::string(arg.substr(1, close == absl::string_view::npos ? arg.size() - 1
                                                                      : close - 1));
  }
  return std::string(arg.substr(0, arg.find(' ')));
}

}  // namespace

bool PeerGlobMatch(absl::string_view pattern, absl::string_view text) {
  // Iterative glob with backtracking to the last '*'.
  size_t p = 0, t = 0, star = absl::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() &&
        (pattern[p] == '?' ||
         absl::ascii_tolower(static_cast<unsigned char>(pattern[p])) ==
             absl::ascii_tolower(static_cast<unsigned char>(text[t])))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != absl::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

absl::StatusOr<PeerRule> PeerRuleForAction(absl::string_view pattern,
                                           absl::string_view action) {
  action = absl::StripAsciiWhitespace(action);
  PeerRule rule{std::string(pattern), "", false};
  if (action == "accept") {
    rule.reply = "250 2.1.5 Ok";
    return rule;
  }
  if (action == "greylist") {
    rule.reply = "450 4.2.0 <%r>: Recipient address rejected: Greylisted";
    rule.greylist = true;
    return rule;
  }
  if (action == "defer") {
    rule.reply = "451 4.7.1 Try again later";
    return rule;
  }
  if (action == "unknown") {
    rule.reply = "550 5.1.1 <%r>: Recipient address rejected: User unknown";
    return rule;
  }
  if (action == "full") {
    rule.reply = "552 5.2.2 Mailbox full";
    return rule;
  }
  if (absl::StartsWith(action, "reply ")) {
    absl::string_view reply = absl::StripLeadingAsciiWhitespace(action.substr(6));
    if (reply.size() < 3 || !absl::ascii_isdigit(static_cast<unsigned char>(reply[0])) ||
        (reply[0] != '2' && reply[0] != '4' && reply[0] != '5') ||
        !absl::ascii_isdigit(static_cast<unsigned char>(reply[1])) ||
        !absl::ascii_isdigit(static_cast<unsigned char>(reply[2])) ||
        (reply.size() > 3 && reply[3] != ' ')) {
      return absl::InvalidArgumentError(
          absl::StrCat("reply \"", reply, "\" must start with a 2xx, 4xx or 5xx code"));
    }
    rule.reply = std::string(reply);
    return rule;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown action \"", action,
                   "\" (use accept, greylist, defer, unknown, full or reply CODE TEXT)"));
}

absl::StatusOr<PeerRules> ParsePeerRules(absl::string_view text, absl::string_view name) {
  PeerRules rules;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    size_t hash = line.find(" #");
    if (hash != absl::string_view::npos) line = absl::StripAsciiWhitespace(line.substr(0, hash));
    auto error = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat(name, ", line ", line_number, ": ", why));
    };
    size_t space = line.find_first_of(" \t");
    absl::string_view first = line.substr(0, space);
    absl::string_view rest = space == absl::string_view::npos
                                 ? absl::string_view()
                                 : absl::StripAsciiWhitespace(line.substr(space));
    if (first == "down") {
      if (rest == "refuse") {
        rules.down = PeerDown::kRefuse;
      } else if (rest == "drop") {
        rules.down = PeerDown::kDrop;
      } else {
        return error("\"down\" takes refuse or drop");
      }
      continue;
    }
    if (rest.empty()) return error(absl::StrCat("rule \"", first, "\" has no action"));
    auto rule = PeerRuleForAction(first, rest);
    if (!rule.ok()) return error(rule.status().message());
    rules.rules.push_back(*rule);
  }
  return rules;
}

std::string PeerRulesText(const PeerRules& rules) {
  std::string out;
  if (rules.down == PeerDown::kRefuse) out += "down refuse\n";
  if (rules.down == PeerDown::kDrop) out += "down drop\n";
  for (const PeerRule& r : rules.rules) {
    if (r.greylist) {
      absl::StrAppend(&out, r.pattern, " greylist\n");
    } else if (r.reply == "250 2.1.5 Ok") {
      absl::StrAppend(&out, r.pattern, " accept\n");
    } else {
      absl::StrAppend(&out, r.pattern, " reply ", r.reply, "\n");
    }
  }
  return out;
}

std::string PeerRcptReply(const PeerRules& rules, absl::string_view recipient,
                          bool seen_before) {
  for (const PeerRule& r : rules.rules) {
    if (PeerGlobMatch(r.pattern, recipient)) {
      if (r.greylist && seen_before) return "250 2.1.5 Ok";
      return absl::StrReplaceAll(r.reply, {{"%r", recipient}});
    }
  }
  return "250 2.1.5 Ok";
}

absl::StatusOr<std::unique_ptr<LoopbackPeer>> LoopbackPeer::Start(PeerOptions options) {
  if (!IsLoopbackV4(options.listen_address)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "peer address ", options.listen_address, " is not in 127.0.0.0/8"));
  }
  std::unique_ptr<LoopbackPeer> peer(new LoopbackPeer(options));
  PeerRules initial = options.rules;
  if (!options.rules_file.empty()) {
    std::ifstream in(options.rules_file);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", options.rules_file));
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = ParsePeerRules(text.str(), options.rules_file);
    if (!parsed.ok()) return parsed.status();
    initial = *parsed;
    peer->file_stamp_ = FileStamp(options.rules_file);
  }
  peer->port_ = options.port;
  {
    std::lock_guard<std::mutex> lock(peer->mu_);
    peer->rules_ = initial;
  }
  if (options.starttls) {
    auto tls = TlsContext::CreateServer("", "", options.hostname);
    if (!tls.ok()) return tls.status();
    peer->tls_ = *std::move(tls);
  }
  // Bind even when starting down, to learn and keep the port; then close.
  if (absl::Status s = peer->Listen(); !s.ok()) return s;
  if (initial.down == PeerDown::kRefuse) peer->CloseListener();
  if (!options.rules_file.empty()) {
    peer->watcher_ = std::thread([p = peer.get()] { p->WatchLoop(); });
  }
  return peer;
}

LoopbackPeer::~LoopbackPeer() { Stop(); }

absl::Status LoopbackPeer::Listen() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port_.load()));
  inet_pton(AF_INET, options_.listen_address.c_str(), &a.sin_addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || listen(fd, 64) != 0) {
    std::string why = std::strerror(errno);
    close(fd);
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.listen_address, ":", port_.load(), ": ", why));
  }
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  std::lock_guard<std::mutex> lock(mu_);
  listen_fd_ = fd;
  acceptor_ = std::thread([this, fd] { AcceptLoop(fd); });
  return absl::OkStatus();
}

void LoopbackPeer::CloseListener() {
  std::thread acceptor;
  int fd = -1;
  {
    std::lock_guard<std::mutex> lock(mu_);
    fd = listen_fd_;
    listen_fd_ = -1;
    acceptor = std::move(acceptor_);
  }
  if (fd >= 0) shutdown(fd, SHUT_RDWR);
  if (acceptor.joinable()) acceptor.join();
  if (fd >= 0) close(fd);
}

void LoopbackPeer::AcceptLoop(int listen_fd) {
  for (;;) {
    int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // shut down
    }
    if (stopping_.load()) {
      close(fd);
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.connections;
    if (rules_.down != PeerDown::kUp) {
      ++stats_.dropped_connections;
      close(fd);
      continue;
    }
    session_fds_.push_back(fd);
    sessions_.emplace_back([this, fd] { Serve(fd); });
  }
}

void LoopbackPeer::SetRules(PeerRules rules) {
  std::lock_guard<std::mutex> transition(transition_mu_);
  bool was_listening, want_listening = rules.down != PeerDown::kRefuse;
  {
    std::lock_guard<std::mutex> lock(mu_);
    rules_ = std::move(rules);
    ++stats_.rule_reloads;
    was_listening = listen_fd_ >= 0;
  }
  if (stopping_.load()) return;
  if (was_listening && !want_listening) CloseListener();
  if (!was_listening && want_listening) {
    if (absl::Status s = Listen(); !s.ok()) {
      std::cerr << "refmta peer: " << s.message() << "\n";
    }
  }
}

void LoopbackPeer::ReloadIfChanged() {
  std::string stamp = FileStamp(options_.rules_file);
  if (stamp.empty() || stamp == file_stamp_) return;
  // Apply a change only once the file has stood still for one interval, so
  // that an editor's truncate-then-write is never read half written (an
  // empty file is a valid rule set: accept everything).
  if (stamp != unsettled_stamp_) {
    unsettled_stamp_ = stamp;
    return;
  }
  std::ifstream in(options_.rules_file);
  if (!in) return;
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = ParsePeerRules(text.str(), options_.rules_file);
  file_stamp_ = stamp;
  if (!parsed.ok()) {
    std::cerr << "refmta peer: keeping the old rules: " << parsed.status().message() << "\n";
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.bad_rules_files;
    return;
  }
  SetRules(*std::move(parsed));
}

void LoopbackPeer::WatchLoop() {
  while (!stopping_.load()) {
    ReloadIfChanged();
    absl::SleepFor(kWatchInterval);
  }
}

void LoopbackPeer::Serve(int fd) {
  SmtpStream stream(fd, kSessionTimeout);
  std::string buffer, line;
  if (!Say(stream, absl::StrCat("220 ", options_.hostname, " ESMTP refmta peer"))) return;
  bool in_transaction = false;
  int accepted = 0;
  while (!stopping_.load() && ReadLine(stream, &buffer, &line)) {
    std::string verb = absl::AsciiStrToUpper(line.substr(0, line.find(' ')));
    absl::string_view arg =
        line.find(' ') == std::string::npos ? absl::string_view()
                                            : absl::string_view(line).substr(line.find(' ') + 1);
    bool ok = true;
    if (verb == "EHLO") {
      ok = Say(stream, absl::StrCat("250-", options_.hostname, "\r\n250-SIZE 10240000\r\n",
                                    tls_ != nullptr && !stream.tls() ? "250-STARTTLS\r\n" : "",
                                    "250-8BITMIME\r\n250 ENHANCEDSTATUSCODES"));
    } else if (verb == "STARTTLS" && tls_ != nullptr && !stream.tls() && !in_transaction) {
      if (!Say(stream, "220 2.0.0 Ready to start TLS")) break;
      buffer.clear();  // RFC 3207: nothing read before the handshake counts
      std::string error;
      if (!stream.StartTls(*tls_, TlsRole::kServer, &error)) break;
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.tls_sessions;
    } else if (verb == "HELO") {
      ok = Say(stream, absl::StrCat("250 ", options_.hostname));
    } else if (verb == "MAIL") {
      in_transaction = true;
      accepted = 0;
      ok = Say(stream, "250 2.1.0 Ok");
    } else if (verb == "RCPT") {
      if (!in_transaction) {
        if (!Say(stream, "503 5.5.1 Error: need MAIL command")) break;
        continue;
      }
      std::string rcpt = absl::StartsWithIgnoreCase(arg, "TO:") ? PathOf(arg.substr(3)) : "";
      std::string reply;
      {
        std::lock_guard<std::mutex> lock(mu_);
        const std::string key = absl::AsciiStrToLower(rcpt);
        reply = PeerRcptReply(rules_, rcpt, greylist_seen_.count(key) > 0);
        greylist_seen_.insert(key);
        if (reply[0] == '2') {
          ++stats_.rcpt_accepted;
          ++accepted;
        } else if (reply[0] == '4') {
          ++stats_.rcpt_deferred;
        } else {
          ++stats_.rcpt_rejected;
        }
      }
      ok = Say(stream, reply);
    } else if (verb == "DATA") {
      if (accepted == 0) {
        if (!Say(stream, "554 5.5.1 Error: no valid recipients")) break;
        continue;
      }
      if (!Say(stream, "354 End data with <CR><LF>.<CR><LF>")) break;
      bool complete = false;
      while (ReadLine(stream, &buffer, &line)) {
        if (line == ".") {
          complete = true;
          break;
        }
      }
      if (!complete) break;
      int64_t id;
      {
        std::lock_guard<std::mutex> lock(mu_);
        id = ++next_id_;
        ++stats_.messages;
      }
      in_transaction = false;
      ok = Say(stream, absl::StrFormat("250 2.0.0 Ok: queued as FFFFF%05X", id));
    } else if (verb == "RSET") {
      in_transaction = false;
      ok = Say(stream, "250 2.0.0 Ok");
    } else if (verb == "NOOP") {
      ok = Say(stream, "250 2.0.0 Ok");
    } else if (verb == "QUIT") {
      Say(stream, "221 2.0.0 Bye");
      break;
    } else {
      ok = Say(stream, "502 5.5.2 Error: command not recognized");
    }
    if (!ok) break;
  }
  stream.Close();  // before the descriptor is closed and reused
  std::lock_guard<std::mutex> lock(mu_);
  session_fds_.erase(std::remove(session_fds_.begin(), session_fds_.end(), fd),
                     session_fds_.end());
  close(fd);
}

PeerStats LoopbackPeer::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void LoopbackPeer::Stop() {
  if (stopping_.exchange(true)) return;
  if (watcher_.joinable()) watcher_.join();
  CloseListener();
  std::vector<std::thread> sessions;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : session_fds_) shutdown(fd, SHUT_RDWR);
    sessions = std::move(sessions_);
  }
  for (std::thread& t : sessions) t.join();
}

}  // namespace mailgauge::refmta
