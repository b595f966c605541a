#include "refmta/smtp_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "refmta/network_list.h"

namespace mailgauge::refmta {
namespace {

namespace pm = postfix_message;

// smtpd.h: SMTPD_AFTER_CONNECT, SMTPD_AFTER_DATA, SMTPD_AFTER_EOM.
constexpr absl::string_view kAfterConnect = "CONNECT";
constexpr absl::string_view kAfterData = "DATA content";
constexpr absl::string_view kAfterEom = "END-OF-MESSAGE";

bool IsLoopback(absl::string_view address) {
  auto loopback = NetworkList::Parse({"127.0.0.0/8", "[::1]/128"});
  return loopback.ok() && loopback->Contains(address);
}

std::string PeerAddress(const sockaddr_storage& ss) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (ss.ss_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf));
  } else if (ss.ss_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf));
    absl::string_view s = buf;
    if (absl::StartsWith(s, "::ffff:") && s.find('.') != absl::string_view::npos) {
      return std::string(s.substr(7));
    }
  }
  return buf;
}

// Parses "FROM:<addr> PARAM=VALUE ..." (or "TO:"); lenient like Postfix with
// strict_rfc821_envelopes = no: spaces after the colon and a missing pair of
// angle brackets are accepted. Returns false on a syntax error.
bool ParsePath(absl::string_view arg, absl::string_view keyword, std::string* address,
               std::vector<std::string>* params) {
  if (!absl::StartsWithIgnoreCase(arg, keyword)) return false;
  absl::string_view rest = absl::StripLeadingAsciiWhitespace(arg.substr(keyword.size()));
  if (rest.empty()) return false;
  if (rest.front() == '<') {
    size_t close = rest.find('>');
    if (close == absl::string_view::npos) return false;
    *address = std::string(rest.substr(1, close - 1));
    rest = rest.substr(close + 1);
  } else {
    size_t space = rest.find(' ');
    *address = std::string(rest.substr(0, space));
    rest = space == absl::string_view::npos ? absl::string_view() : rest.substr(space);
  }
  for (absl::string_view p : absl::StrSplit(rest, ' ', absl::SkipEmpty())) {
    params->emplace_back(p);
  }
  for (char c : *address) {
    if (static_cast<unsigned char>(c) < 0x20 || c == ' ' || c == '<' || c == '>') return false;
  }
  return true;
}

// The master.cf service name smtpd logs limits under ("for service smtp").
constexpr absl::string_view kService = "smtp";

// anvil_rate_time_unit (at least a second).
absl::Duration AnvilTimeUnit(const RefmtaConfig& config) {
  return absl::Seconds(std::max<int64_t>(1, config.anvil_rate_time_unit_seconds));
}

// smtpd.c smtpd_proto(): a client outside smtpd_client_event_limit_exceptions
// is counted by anvil when it connects (`*counted` is then set, and the
// caller must Disconnect it). Returns why the client is over a limit
// ("Connection concurrency limit exceeded: 51"), or "" when it is not.
std::string CheckClientLimits(const RefmtaConfig& config, Anvil& anvil,
                              const std::string& addr, bool* counted) {
  *counted = false;
  // Start() refuses a list that does not parse; should one get here after a
  // reload, nobody is exempt rather than everybody.
  absl::StatusOr<NetworkList> exceptions =
      NetworkList::Parse(config.smtpd_client_event_limit_exceptions);
  if (exceptions.ok() && exceptions->Contains(addr)) return "";
  const Anvil::Counts c = anvil.Connect(kService, addr, absl::Now(), AnvilTimeUnit(config));
  *counted = true;
  if (config.smtpd_client_connection_count_limit > 0 &&
      c.count > config.smtpd_client_connection_count_limit) {
    return absl::StrCat("Connection concurrency limit exceeded: ", c.count);
  }
  if (config.smtpd_client_connection_rate_limit > 0 &&
      c.rate > config.smtpd_client_connection_rate_limit) {
    return absl::StrCat("Connection rate limit exceeded: ", c.rate);
  }
  return "";
}

class Session {
 public:
  // `over_limit`: CheckClientLimits' verdict; the session then only says so.
  Session(SmtpServerDeps deps, const SmtpServerOptions& options, int fd,
          std::string client_addr, std::string over_limit = "")
      : deps_(deps),
        config_(*deps.config),
        options_(options),
        fd_(fd),
        stream_(fd, absl::Seconds(deps.config->smtpd_timeout_seconds)),
        client_addr_(std::move(client_addr)),
        client_name_(client_addr_ == "127.0.0.1" || client_addr_ == "::1" ? "localhost"
                                                                           : "unknown"),
        over_limit_(std::move(over_limit)) {}

  void Run();

 private:
  enum class ReadResult { kLine, kTooLong, kTimeout, kEof };
  ReadResult ReadLine(std::string* line, size_t limit);
  void Reply(absl::string_view text);
  void Log(absl::string_view message) { deps_.log->Info("smtpd", options_.smtpd_pid, message); }
  // Replies with an error and counts it.
  void Error(absl::string_view text) {
    Reply(text);
    ++error_count_;
  }
  void ResetTransaction();
  pm::TransactionContext Context(const absl::optional<std::string>& recipient) const;
  // Command handlers; each returns whether the command succeeded (for the
  // disconnect statistics).
  bool Helo(absl::string_view verb, absl::string_view arg);
  bool Mail(absl::string_view arg);
  bool Rcpt(absl::string_view arg);
  bool Data(absl::string_view arg);
  // Whether the queue file system has room for a new message (queue_minfree
  // and 1.5 * message_size_limit); sets queue_free_bytes_.
  bool QueueHasSpace();
  bool StartTls(absl::string_view arg);
  bool Junk();
  // smtpd_tls_security_level is "may" or "encrypt".
  bool TlsOffered() const {
    return config_.smtpd_tls_security_level == "may" ||
           config_.smtpd_tls_security_level == "encrypt";
  }

  const SmtpServerDeps deps_;
  const RefmtaConfig& config_;
  const SmtpServerOptions& options_;
  const int fd_;
  SmtpStream stream_;
  const std::string client_addr_;
  const std::string client_name_;
  const std::string over_limit_;
  std::string buffer_;
  bool write_failed_ = false;
  bool done_ = false;           // QUIT, or the session must end
  std::string reason_;          // "lost connection", "timeout", "too many errors"
  std::string where_ = std::string(kAfterConnect);
  int64_t data_bytes_ = 0;
  SmtpCommandStats stats_;
  int error_count_ = 0;
  int junk_commands_ = 0;
  absl::optional<std::string> helo_;
  std::string protocol_ = "SMTP";
  // The mail transaction.
  absl::optional<std::string> sender_;
  std::vector<std::string> recipients_;
  int rcpt_attempts_ = 0;
  std::string queue_id_;  // reserved at the first accepted recipient
  uint64_t queue_free_bytes_ = 0;  // at the last QueueHasSpace()
};

Session::ReadResult Session::ReadLine(std::string* line, size_t limit) {
  bool discarding = false;
  size_t scanned = 0;
  for (;;) {
    size_t nl = buffer_.find('\n', scanned);
    if (nl != std::string::npos) {
      if (discarding || nl > limit) {
        buffer_.erase(0, nl + 1);
        return ReadResult::kTooLong;
      }
      *line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      if (!line->empty() && line->back() == '\r') line->pop_back();
      return ReadResult::kLine;
    }
    if (buffer_.size() > limit) {
      // Keep reading (and dropping) until the end of the overlong line.
      discarding = true;
      buffer_.clear();
    }
    scanned = buffer_.size();
    char chunk[8192];
    ssize_t n = stream_.Read(chunk, sizeof(chunk));
    if (n < 0) return ReadResult::kTimeout;
    if (n == 0) return ReadResult::kEof;
    if (where_ == kAfterData) data_bytes_ += n;
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

void Session::Reply(absl::string_view text) {
  if (write_failed_) return;
  if (!stream_.Write(absl::StrCat(text, "\r\n"))) write_failed_ = true;
}

pm::TransactionContext Session::Context(const absl::optional<std::string>& recipient) const {
  pm::TransactionContext c;
  c.sender = sender_;
  c.recipient = recipient;
  c.protocol = protocol_;
  c.helo = helo_;
  return c;
}

void Session::ResetTransaction() {
  if (!queue_id_.empty()) {
    // The client gave up on a transaction: drop the reservation file, as cleanup
    // discards an unfinished queue file.
    (void)deps_.queue->Remove(QueueName::kIncoming, queue_id_);
  }
  queue_id_.clear();
  sender_.reset();
  recipients_.clear();
  rcpt_attempts_ = 0;
}

bool Session::Helo(absl::string_view verb, absl::string_view arg) {
  if (arg.empty()) {
    // smtpd.c: "501 Syntax: HELO hostname" / "501 Syntax: EHLO hostname"
    Error(absl::StrCat("501 Syntax: ", verb, " hostname"));
    return false;
  }
  ResetTransaction();
  helo_ = std::string(arg);
  if (verb == "HELO") {
    protocol_ = "SMTP";
    Reply(absl::StrCat("250 ", config_.myhostname));
    return true;
  }
  protocol_ = "ESMTP";
  // smtpd.c ehlo_cmd(): myhostname, PIPELINING, SIZE n, VRFY (unless
  // disabled), ... ENHANCEDSTATUSCODES, 8BITMIME.
  std::vector<std::string> lines = {config_.myhostname, "PIPELINING"};
  lines.push_back(config_.message_size_limit > 0
                      ? absl::StrCat("SIZE ", config_.message_size_limit)
                      : std::string("SIZE"));
  if (!config_.disable_vrfy_command) lines.push_back("VRFY");
  // RFC 3207: not offered again once TLS is active.
  if (TlsOffered() && !stream_.tls()) lines.push_back("STARTTLS");
  lines.push_back("ENHANCEDSTATUSCODES");
  lines.push_back("8BITMIME");
  std::string reply;
  for (size_t i = 0; i < lines.size(); ++i) {
    absl::StrAppend(&reply, i ? "\r\n" : "", "250", i + 1 < lines.size() ? "-" : " ", lines[i]);
  }
  Reply(reply);
  return true;
}

bool Session::Mail(absl::string_view arg) {
  if (sender_) {
    Error("503 5.5.1 Error: nested MAIL command");
    return false;
  }
  if (config_.smtpd_tls_security_level == "encrypt" && !stream_.tls()) {
    // smtpd.c mail_cmd(): var_smtpd_enforce_tls without a TLS session.
    Error("530 5.7.0 Must issue a STARTTLS command first");
    return false;
  }
  std::string address;
  std::vector<std::string> params;
  if (!ParsePath(arg, "FROM:", &address, &params)) {
    Error("501 5.5.4 Syntax: MAIL FROM:<address>");
    return false;
  }
  for (const std::string& p : params) {
    if (absl::StartsWithIgnoreCase(p, "SIZE=")) {
      int64_t size = 0;
      if (!absl::SimpleAtoi(absl::string_view(p).substr(5), &size) || size < 0) {
        Error("501 5.5.4 Bad message size syntax");
        return false;
      }
      if (config_.message_size_limit > 0 && size > config_.message_size_limit) {
        // smtpd_check.c smtpd_check_size(): 552, "5.3.4",
        // "Message size exceeds fixed limit", logged through log_whatsup().
        std::string reply = "552 5.3.4 Message size exceeds fixed limit";
        Log(pm::SmtpdReject("", "reject", "MAIL", client_name_, client_addr_, reply,
                            Context(absl::nullopt)));
        (void)deps_.ledger->Append({"rejected", absl::Now(), "", address, "", "reject",
                                    "smtpd:MAIL", reply});
        Error(reply);
        return false;
      }
    } else if (absl::EqualsIgnoreCase(p, "BODY=8BITMIME") ||
               absl::EqualsIgnoreCase(p, "BODY=7BIT")) {
      // Accepted; refmta stores the message as received.
    } else {
      Error(absl::StrCat("555 5.5.4 Unsupported option: ", p));
      return false;
    }
  }
  if (!QueueHasSpace()) {
    // smtpd_check.c smtpd_check_queue(): logged as a reject (the sender is
    // not yet part of the state, so no from=), then a warning.
    const std::string reply = "452 4.3.1 Insufficient system storage";
    Log(pm::SmtpdReject("", "reject", "MAIL", client_name_, client_addr_, reply,
                        Context(absl::nullopt)));
    deps_.log->Warning("smtpd", options_.smtpd_pid,
                       absl::StrCat("not enough free space in mail queue: ", queue_free_bytes_,
                                    " bytes < 1.5*message size limit"));
    (void)deps_.ledger->Append({"rejected", absl::Now(), "", address, "", "reject",
                                "smtpd:MAIL", reply});
    Error(reply);
    return false;
  }
  sender_ = address;
  Reply("250 2.1.0 Ok");
  return true;
}

bool Session::QueueHasSpace() {
  // smtpd_check_queue(): the queue file system needs more than
  // queue_minfree bytes and more than 1.5 * message_size_limit, counted in
  // blocks available to unprivileged users (fsspace(3): f_bavail, f_frsize).
  struct statvfs fs;
  if (config_.queue_directory.empty() || statvfs(config_.queue_directory.c_str(), &fs) != 0) {
    return true;  // as fsspace() cannot fail quietly, refmta does not guess
  }
  const uint64_t block = fs.f_frsize > 0 ? fs.f_frsize : fs.f_bsize;
  if (block == 0) return true;
  const double free_blocks = static_cast<double>(fs.f_bavail);
  queue_free_bytes_ = static_cast<uint64_t>(fs.f_bavail) * block;
  const uint64_t minfree_blocks = static_cast<uint64_t>(std::max<int64_t>(0, config_.queue_minfree)) / block;
  const uint64_t limit_blocks =
      static_cast<uint64_t>(std::max<int64_t>(0, config_.message_size_limit)) / block;
  return !(static_cast<double>(minfree_blocks) >= free_blocks ||
           static_cast<double>(limit_blocks) >= free_blocks / 1.5);
}

bool Session::Rcpt(absl::string_view arg) {
  if (!sender_) {
    Error("503 5.5.1 Error: need MAIL command");
    return false;
  }
  std::string address;
  std::vector<std::string> params;
  if (!ParsePath(arg, "TO:", &address, &params)) {
    Error("501 5.5.4 Syntax: RCPT TO:<address>");
    return false;
  }
  if (address.empty()) {
    Error("501 5.1.3 Bad recipient address syntax");
    return false;
  }
  if (!params.empty()) {
    Error(absl::StrCat("555 5.5.4 Unsupported option: ", params[0]));
    return false;
  }
  ++rcpt_attempts_;
  if (static_cast<int64_t>(recipients_.size()) >= config_.smtpd_recipient_limit) {
    Error("452 4.5.3 Error: too many recipients");
    return false;
  }
  RecipientVerdict v = deps_.policy->CheckRecipient(client_addr_, address);
  if (!v.accepted) {
    Log(pm::SmtpdReject(queue_id_, "reject", "RCPT", client_name_, client_addr_, v.reply,
                        Context(address)));
    (void)deps_.ledger->Append({"rejected", absl::Now(), queue_id_, *sender_, address,
                                "reject", "smtpd:RCPT", v.reply});
    Error(v.reply);
    return false;
  }
  if (queue_id_.empty()) {
    auto id = deps_.queue->Reserve(QueueName::kIncoming);
    if (!id.ok()) {
      deps_.log->Warning("smtpd", options_.smtpd_pid, std::string(id.status().message()));
      Error("451 4.3.0 Error: queue file write error");
      return false;
    }
    queue_id_ = *id;
    Log(pm::SmtpdClient(queue_id_, client_name_, client_addr_));
  }
  recipients_.push_back(address);
  Reply("250 2.1.5 Ok");
  return true;
}

bool Session::Data(absl::string_view arg) {
  if (recipients_.empty()) {
    Error(sender_ && rcpt_attempts_ > 0 ? "554 5.5.1 Error: no valid recipients"
                                        : "503 5.5.1 Error: need RCPT command");
    return false;
  }
  if (!arg.empty()) {
    Error("501 5.5.4 Syntax: DATA");
    return false;
  }
  absl::Time arrival = absl::Now();
  Reply("354 End data with <CR><LF>.<CR><LF>");
  where_ = std::string(kAfterData);
  data_bytes_ = static_cast<int64_t>(buffer_.size());
  std::string content;
  int64_t act_size = 0;
  bool too_big = false;
  const size_t data_line_limit =
      static_cast<size_t>(std::max<int64_t>(config_.message_size_limit, 1 << 20)) + 2;
  for (;;) {
    std::string line;
    ReadResult r = ReadLine(&line, data_line_limit);
    if (r == ReadResult::kEof || r == ReadResult::kTimeout) {
      reason_ = r == ReadResult::kEof ? "lost connection" : "timeout";
      if (r == ReadResult::kTimeout) {
        Reply(absl::StrCat("421 4.4.2 ", config_.myhostname, " Error: timeout exceeded"));
      }
      done_ = true;
      return false;
    }
    if (r == ReadResult::kTooLong) {
      too_big = true;
      continue;
    }
    if (line == ".") break;
    absl::string_view text = line;
    if (!text.empty() && text.front() == '.') text.remove_prefix(1);  // dot-stuffing
    // smtpd.c: if (var_message_limit - state->act_size < len + 2) -> too big.
    if (config_.message_size_limit > 0 &&
        config_.message_size_limit - act_size < static_cast<int64_t>(text.size()) + 2) {
      too_big = true;
    }
    if (!too_big) {
      act_size += static_cast<int64_t>(text.size()) + 2;
      absl::StrAppend(&content, text, "\n");
    }
  }
  where_ = std::string(kAfterEom);
  if (too_big) {
    deps_.log->Warning("smtpd", options_.smtpd_pid,
                       absl::StrCat(queue_id_, ": queue file size limit exceeded"));
    std::string reply = "552 5.3.4 Error: message file too big";
    for (const std::string& rcpt : recipients_) {
      (void)deps_.ledger->Append({"rejected", arrival, queue_id_, *sender_, rcpt, "reject",
                                  "smtpd:DATA", reply});
    }
    ResetTransaction();
    Error(reply);
    return false;
  }
  IncomingMessage m;
  m.queue_id = queue_id_;
  m.sender = *sender_;
  m.recipients = recipients_;
  m.client_name = client_name_;
  m.client_addr = client_addr_;
  m.helo = helo_.value_or("");
  m.protocol = protocol_;
  m.arrival = arrival;
  m.content = std::move(content);
  CleanupResult result = deps_.cleanup->Process(m, QueueName::kIncoming);
  queue_id_.clear();  // committed or removed by cleanup
  ResetTransaction();
  bool ok = result.kind == CleanupResult::Kind::kQueued ||
            result.kind == CleanupResult::Kind::kHeld ||
            result.kind == CleanupResult::Kind::kDiscarded;
  if (ok) {
    Reply(result.reply);
  } else {
    Error(result.reply);
  }
  return ok;
}

bool Session::StartTls(absl::string_view arg) {
  // smtpd.c starttls_cmd(), RFC 3207.
  if (!arg.empty()) {
    Error("501 5.5.4 Syntax: STARTTLS");
    return false;
  }
  if (stream_.tls()) {
    Error("554 5.5.1 Error: TLS already active");
    return false;
  }
  if (!TlsOffered()) {
    Error("502 5.5.1 Error: command not implemented");
    return false;
  }
  if (sender_) {
    Error("503 5.5.1 Error: MAIL transaction in progress");
    return false;
  }
  if (deps_.tls == nullptr) {
    Error("454 4.7.0 TLS not available due to local problem");
    return false;
  }
  Reply("220 2.0.0 Ready to start TLS");
  if (write_failed_) return false;
  // RFC 3207 section 4.2: anything the client pipelined after STARTTLS was
  // sent in clear text and is discarded, never read as a command.
  buffer_.clear();
  std::string error;
  if (!stream_.StartTls(*deps_.tls, TlsRole::kServer, &error)) {
    // tls_server.c: "SSL_accept error from %s: %s"; the session ends.
    Log(absl::StrCat("SSL_accept error from ", pm::NamAddr(client_name_, client_addr_), ": ",
                     error == "lost connection" ? "lost connection" : "-1"));
    reason_ = "lost connection";
    done_ = true;
    write_failed_ = true;  // no clear-text reply may follow a failed handshake
    return false;
  }
  Log(TlsConnectionSummary(stream_, TlsRole::kServer, pm::NamAddr(client_name_, client_addr_)));
  // RFC 3207 section 4.2: forget everything learned before TLS; the client
  // must EHLO again.
  ResetTransaction();
  helo_.reset();
  return true;
}

bool Session::Junk() {
  // smtpd.c: if (state->junk_cmds++ > var_smtpd_junk_cmd_limit) state->error_count++;
  if (!sender_ && junk_commands_++ > config_.smtpd_junk_command_limit) ++error_count_;
  return true;
}

void Session::Run() {
  Log(pm::SmtpdConnect(client_name_, client_addr_));
  if (!over_limit_.empty()) {
    // smtpd.c smtpd_proto(): msg_warn("%s: %d from %s for service %s"), then
    // 421 in place of the greeting; no command is read; the disconnect line
    // follows (commands=0/0).
    deps_.log->Warning("smtpd", options_.smtpd_pid,
                       absl::StrCat(over_limit_, " from ", pm::NamAddr(client_name_, client_addr_),
                                    " for service ", kService));
    Reply(absl::StrCat("421 4.7.0 ", config_.myhostname, " Error: too many connections from ",
                       client_addr_));
    Log(pm::SmtpdDisconnect(client_name_, client_addr_, stats_));
    return;
  }
  Reply(absl::StrCat("220 ", config_.smtpd_banner));
  const size_t limit = static_cast<size_t>(std::max<int64_t>(config_.line_length_limit, 512));
  while (!done_ && !write_failed_) {
    if (error_count_ >= config_.smtpd_hard_error_limit) {
      reason_ = "too many errors";
      Reply(absl::StrCat("421 4.7.0 ", config_.myhostname, " Error: too many errors"));
      break;
    }
    std::string line;
    ReadResult r = ReadLine(&line, limit);
    if (r == ReadResult::kEof) {
      reason_ = "lost connection";
      break;
    }
    if (r == ReadResult::kTimeout) {
      reason_ = "timeout";
      Reply(absl::StrCat("421 4.4.2 ", config_.myhostname, " Error: timeout exceeded"));
      break;
    }
    if (r == ReadResult::kTooLong) {
      stats_.Count(SmtpCommand::kUnknown, false);
      Error("500 5.5.2 Error: line too long");
      continue;
    }
    absl::string_view text = absl::StripAsciiWhitespace(line);
    size_t space = text.find(' ');
    std::string verb = absl::AsciiStrToUpper(text.substr(0, space));
    absl::string_view arg =
        space == absl::string_view::npos ? absl::string_view()
                                         : absl::StripAsciiWhitespace(text.substr(space));
    bool has_nul = line.find('\0') != std::string::npos;
    SmtpCommand command = SmtpCommand::kUnknown;
    bool ok = false;
    if (has_nul || verb.empty()) {
      // fall through to "command not recognized"
    } else if (verb == "HELO" || verb == "EHLO") {
      command = verb == "HELO" ? SmtpCommand::kHelo : SmtpCommand::kEhlo;
      where_ = verb;
      ok = Helo(verb, arg);
    } else if (verb == "MAIL") {
      command = SmtpCommand::kMail;
      where_ = verb;
      ok = Mail(arg);
    } else if (verb == "RCPT") {
      command = SmtpCommand::kRcpt;
      where_ = verb;
      ok = Rcpt(arg);
    } else if (verb == "DATA") {
      command = SmtpCommand::kData;
      where_ = verb;
      ok = Data(arg);
    } else if (verb == "RSET") {
      command = SmtpCommand::kRset;
      where_ = verb;
      if (!arg.empty()) {
        Error("501 5.5.4 Syntax: RSET");
      } else {
        ResetTransaction();
        Junk();
        Reply("250 2.0.0 Ok");
        ok = true;
      }
    } else if (verb == "NOOP") {
      command = SmtpCommand::kNoop;
      where_ = verb;
      Junk();
      Reply("250 2.0.0 Ok");
      ok = true;
    } else if (verb == "VRFY") {
      command = SmtpCommand::kVrfy;
      where_ = verb;
      Junk();
      if (config_.disable_vrfy_command) {
        Error("502 5.5.1 VRFY command is disabled");
      } else if (arg.empty()) {
        Error("501 5.5.4 Syntax: VRFY address");
      } else {
        Reply(absl::StrCat("252 2.0.0 ", arg));
        ok = true;
      }
    } else if (verb == "HELP") {
      command = SmtpCommand::kHelp;
      where_ = verb;
      Reply(TlsOffered()
                ? "214 2.0.0 Commands: DATA EHLO HELO HELP MAIL NOOP QUIT RCPT RSET STARTTLS VRFY"
                : "214 2.0.0 Commands: DATA EHLO HELO HELP MAIL NOOP QUIT RCPT RSET VRFY");
      ok = true;
    } else if (verb == "STARTTLS") {
      command = SmtpCommand::kStarttls;
      where_ = verb;
      ok = StartTls(arg);
    } else if (verb == "QUIT") {
      command = SmtpCommand::kQuit;
      where_ = verb;
      Reply("221 2.0.0 Bye");
      ok = true;
      done_ = true;
    }
    if (command == SmtpCommand::kUnknown) {
      where_ = "UNKNOWN";
      Error("500 5.5.2 Error: command not recognized");
    }
    stats_.Count(command, ok);
  }
  if (write_failed_ && reason_.empty()) reason_ = "lost connection";
  // smtpd.c: log abnormal ends, but not a client that goes away after
  // END-OF-MESSAGE without QUIT.
  if (!reason_.empty() && (where_ != kAfterEom || reason_ != "lost connection")) {
    Log(pm::SmtpdAbnormalEnd(reason_, where_, data_bytes_, client_name_, client_addr_));
  }
  ResetTransaction();
  Log(pm::SmtpdDisconnect(client_name_, client_addr_, stats_));
}

}  // namespace

absl::StatusOr<std::unique_ptr<SmtpServer>> SmtpServer::Start(SmtpServerDeps deps,
                                                              SmtpServerOptions options) {
  if (!IsLoopback(options.listen_address)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "listen address ", options.listen_address, " is not a loopback address"));
  }
  if (deps.config != nullptr) {
    absl::StatusOr<NetworkList> exceptions =
        NetworkList::Parse(deps.config->smtpd_client_event_limit_exceptions);
    if (!exceptions.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "smtpd_client_event_limit_exceptions: ", exceptions.status().message()));
    }
  }
  std::unique_ptr<SmtpServer> server(new SmtpServer(deps, options));
  bool v6 = options.listen_address.find(':') != std::string::npos;
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (v6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(static_cast<uint16_t>(options.port));
    std::string a = options.listen_address;
    if (a.front() == '[') a = a.substr(1, a.size() - 2);
    inet_pton(AF_INET6, a.c_str(), &sin6->sin6_addr);
    len = sizeof(*sin6);
  } else {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(static_cast<uint16_t>(options.port));
    inet_pton(AF_INET, options.listen_address.c_str(), &sin->sin_addr);
    len = sizeof(*sin);
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd, 128) != 0) {
    std::string why = std::strerror(errno);
    close(fd);
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options.listen_address,
                                               ":", options.port, ": ", why));
  }
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_len);
  server->port_ = ntohs(bound.ss_family == AF_INET6
                            ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  server->listen_fd_ = fd;
  server->acceptor_ = std::thread([s = server.get()] { s->AcceptLoop(); });
  return server;
}

SmtpServer::~SmtpServer() { Stop(); }

void SmtpServer::Reconfigure(SmtpServerDeps deps) {
  std::lock_guard<std::mutex> lock(mu_);
  deps_ = deps;
}

void SmtpServer::ReapFinished() {
  for (uint64_t id : finished_) {
    auto it = sessions_.find(id);
    if (it != sessions_.end()) {
      it->second.join();
      sessions_.erase(it);
    }
  }
  finished_.clear();
}

void SmtpServer::AcceptLoop() {
  while (!stopping_.load()) {
    pollfd p{listen_fd_, POLLIN, 0};
    int rc = poll(&p, 1, 100);
    {
      std::lock_guard<std::mutex> lock(mu_);
      ReapFinished();
    }
    if (rc <= 0) continue;
    sockaddr_storage peer{};
    socklen_t peer_len = sizeof(peer);
    int cfd = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &peer_len, SOCK_CLOEXEC);
    if (cfd < 0) continue;
    std::string addr = PeerAddress(peer);
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_.load()) {
      close(cfd);
      break;
    }
    uint64_t id = next_session_++;
    int slot = 0;
    while (busy_slots_.count(slot) > 0) ++slot;
    busy_slots_.insert(slot);
    SmtpServerOptions session_options = options_;
    session_options.smtpd_pid = options_.smtpd_pid + slot;
    session_fds_[id] = cfd;
    sessions_[id] = std::thread([this, id, cfd, addr, slot, session_options, deps = deps_] {
      {
        // The session (and its TLS state) ends before the descriptor is
        // closed: a later close_notify must not go to a new connection
        // that reuses the number.
        bool counted = false;
        std::string over_limit = CheckClientLimits(*deps.config, anvil_, addr, &counted);
        Session session(deps, session_options, cfd, addr, std::move(over_limit));
        session.Run();
        if (counted) {
          anvil_.Disconnect(kService, addr, absl::Now(), AnvilTimeUnit(*deps.config));
        }
      }
      std::lock_guard<std::mutex> lock(mu_);
      session_fds_.erase(id);
      busy_slots_.erase(slot);
      close(cfd);
      finished_.push_back(id);
    });
  }
}

void SmtpServer::Stop() {
  if (stopping_.exchange(true)) return;
  if (acceptor_.joinable()) acceptor_.join();
  if (listen_fd_ >= 0) {
    close(listen_fd_);
    listen_fd_ = -1;
  }
  std::map<uint64_t, std::thread> sessions;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, fd] : session_fds_) shutdown(fd, SHUT_RDWR);
    sessions.swap(sessions_);
    finished_.clear();
  }
  for (auto& [id, t] : sessions) t.join();
}

}  // namespace mailgauge::refmta
