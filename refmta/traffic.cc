#include "refmta/traffic.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "refmta/queue.h"

namespace mailgauge::refmta {
namespace {

constexpr const char* kWords[] = {"mail",   "queue",  "relay",  "report", "invoice", "meeting",
                                  "notes",  "budget", "status", "weekly", "server",  "backup",
                                  "agenda", "draft",  "review", "ticket"};

std::string MakeContent(const Scenario& scenario, uint64_t seed, const MessageKind& kind,
                        const TrafficMessage& m, ScenarioRandom* random) {
  std::string subject = kind.subject.empty()
                            ? absl::StrCat(kind.name, " message ", m.number)
                            : kind.subject;
  std::string out = absl::StrCat(
      "From: <", m.sender, ">\n", "To: ",
      absl::StrJoin(m.recipients, ", ",
                    [](std::string* o, const std::string& r) { absl::StrAppend(o, "<", r, ">"); }),
      "\n", "Subject: ", subject, "\n", "Date: ",
      absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", absl::Now(), absl::UTCTimeZone()), "\n",
      "Message-ID: <", m.number, ".", seed, ".", scenario.name, "@traffic.refmta.test>\n");
  for (const std::string& h : kind.headers) absl::StrAppend(&out, h, "\n");
  out += "\n";
  const int64_t size = random->Between(kind.size_min, kind.size_max);
  int64_t body = 0;
  int line = 0;
  while (body < size) {
    std::string text = absl::StrCat("line ", ++line, " of message ", m.number, ":");
    while (text.size() < 70) {
      absl::StrAppend(&text, " ", kWords[random->Between(0, std::size(kWords) - 1)]);
    }
    body += static_cast<int64_t>(text.size()) + 1;
    absl::StrAppend(&out, text, "\n");
  }
  return out;
}

class ClientConnection {
 public:
  ClientConnection(int fd, absl::Duration timeout) : fd_(fd), stream_(fd, timeout) {}
  ~ClientConnection() {
    stream_.Close();  // before the descriptor is closed and reused
    close(fd_);
  }

  bool Send(absl::string_view data) { return stream_.Write(data); }

  // The whole (possibly multi-line) reply, lines joined by " / "; "" when
  // the connection was lost or timed out.
  std::string Read() {
    std::string reply;
    for (;;) {
      size_t nl;
      while ((nl = buffer_.find('\n')) == std::string::npos) {
        char chunk[4096];
        ssize_t n = stream_.Read(chunk, sizeof(chunk));
        if (n <= 0) return "";
        buffer_.append(chunk, static_cast<size_t>(n));
      }
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.size() < 3) return "";
      absl::StrAppend(&reply, reply.empty() ? "" : " / ", line);
      if (line.size() == 3 || line[3] != '-') return reply;
    }
  }

  bool StartTls(const TlsContext& context) {
    buffer_.clear();  // RFC 3207
    std::string error;
    return stream_.StartTls(context, TlsRole::kClient, &error);
  }

 private:
  const int fd_;
  SmtpStream stream_;
  std::string buffer_;
};

// The client TLS context all sessions share (made on first use).
const TlsContext* ClientTlsContext() {
  static const TlsContext* const context = [] {
    auto c = TlsContext::CreateClient();
    return c.ok() ? c->release() : nullptr;
  }();
  return context;
}

bool Positive(const std::string& reply) { return !reply.empty() && reply[0] == '2'; }

// Runs `program args...` without input; an error unless it exits 0.
// `wait attempted`: polls the server's queue until maildrop, incoming and
// active hold nothing (every message so far has been tried at least once:
// delivered, bounced or deferred), seen twice in a row 50 ms apart, so that
// a message between two queues during one listing is not missed.
absl::Status WaitAttempted(const std::string& spool_dir, const ScenarioStep& step) {
  // remove_stale=false: the server owns its temporary files.
  absl::StatusOr<std::unique_ptr<Queue>> queue =
      Queue::Open(spool_dir, /*long_queue_ids=*/false, /*remove_stale=*/false);
  if (!queue.ok()) return queue.status();
  const absl::Time deadline = absl::Now() + step.wait;
  int quiet = 0;
  std::string busy;
  while (true) {
    busy.clear();
    for (QueueName q : {QueueName::kMaildrop, QueueName::kIncoming, QueueName::kActive}) {
      absl::StatusOr<std::vector<std::string>> ids = (*queue)->List(q);
      if (!ids.ok()) return ids.status();
      if (!ids->empty()) absl::StrAppend(&busy, " ", QueueNameString(q), ":", ids->size());
    }
    quiet = busy.empty() ? quiet + 1 : 0;
    if (quiet >= 2) return absl::OkStatus();
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "line ", step.line, ": wait attempted: after ", absl::FormatDuration(step.wait),
          " messages are still waiting for their first delivery attempt (", busy.substr(1),
          ")"));
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
}

absl::Status RunQuietly(const std::string& program, const std::vector<std::string>& args) {
  std::vector<std::string> all = {program};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  if (pid == 0) {
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::UnavailableError(absl::StrCat(absl::StrJoin(args, " "), " failed (status ",
                                               status, ")"));
  }
  return absl::OkStatus();
}

TrafficResult SubmitWithSendmail(const TrafficMessage& m, const TrafficOptions& options) {
  TrafficResult result;
  std::vector<std::string> args;
  args.push_back(options.sendmail_program);
  for (const std::string& a : options.sendmail_args) args.push_back(a);
  args.push_back("-i");
  args.push_back("-f");
  args.push_back(m.sender);  // "" is the null sender
  for (const std::string& r : m.recipients) args.push_back(r);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int in[2];
  if (pipe2(in, O_CLOEXEC) != 0) {
    result.error = absl::StrCat("pipe: ", std::strerror(errno));
    return result;
  }
  pid_t pid = fork();
  if (pid < 0) {
    result.error = absl::StrCat("fork: ", std::strerror(errno));
    close(in[0]);
    close(in[1]);
    return result;
  }
  if (pid == 0) {
    dup2(in[0], 0);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(in[0]);
  absl::string_view data = m.content;
  while (!data.empty()) {
    ssize_t n = write(in[1], data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data.remove_prefix(static_cast<size_t>(n));
  }
  close(in[1]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.sendmail_exit = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (result.sendmail_exit != 0) {
    result.error = absl::StrCat("sendmail exited with ", result.sendmail_exit);
  }
  return result;
}

void Count(const TrafficMessage& m, const TrafficResult& r, KindCounts* c) {
  ++c->messages;
  c->recipients += static_cast<int64_t>(m.recipients.size());
  if (m.via == "sendmail") {
    if (r.sendmail_exit == 0) {
      ++c->submitted;
    } else {
      ++c->failed;
    }
    return;
  }
  for (const std::string& reply : r.rcpt_replies) {
    if (Positive(reply)) {
      ++c->rcpt_accepted;
    } else if (!reply.empty() && reply[0] == '4') {
      ++c->rcpt_4xx;
    } else if (!reply.empty() && reply[0] == '5') {
      ++c->rcpt_5xx;
    }
  }
  if (!r.error.empty()) {
    ++c->failed;
  } else if (!r.queue_id.empty() || Positive(r.data_reply)) {
    ++c->queued;
  } else {
    ++c->refused;
  }
}

nlohmann::json TranscriptLine(const TrafficMessage& m, const TrafficResult& r) {
  nlohmann::json j;
  j["number"] = m.number;
  j["kind"] = m.kind;
  j["via"] = m.via;
  j["client_address"] = m.client_address;
  j["sender"] = m.sender;
  j["recipients"] = m.recipients;
  j["size"] = m.content.size();
  if (m.via == "sendmail") {
    j["sendmail_exit"] = r.sendmail_exit;
  } else {
    j["greeting"] = r.greeting;
    j["mail_reply"] = r.mail_reply;
    j["rcpt_replies"] = r.rcpt_replies;
    j["data_reply"] = r.data_reply;
    j["queue_id"] = r.queue_id;
    j["tls"] = r.tls;
  }
  j["error"] = r.error;
  return j;
}

}  // namespace

std::vector<TrafficMessage> MakeStepMessages(const Scenario& scenario, const ScenarioStep& step,
                                             uint64_t seed, ScenarioRandom* random,
                                             int* next_number) {
  std::vector<TrafficMessage> out;
  int total_weight = 0;
  for (const auto& [kind, weight] : step.weighted_kinds) total_weight += weight;
  for (int i = 0; i < step.count; ++i) {
    int64_t pick = random->Between(0, total_weight - 1);
    std::string kind_name;
    for (const auto& [kind, weight] : step.weighted_kinds) {
      if (pick < weight) {
        kind_name = kind;
        break;
      }
      pick -= weight;
    }
    const MessageKind& kind = scenario.kinds.at(kind_name);
    TrafficMessage m;
    m.number = ++*next_number;
    m.kind = kind.name;
    m.via = kind.via;
    for (const ScenarioClient& c : scenario.clients) {
      if (c.name == kind.via) {
        m.client_address = c.address;
        m.helo = c.helo;
        m.starttls = c.starttls;
      }
    }
    m.sender = random->Expand(kind.from_pattern);
    if (m.sender == "<>") m.sender.clear();
    int want = static_cast<int>(random->Between(kind.rcpts_min, kind.rcpts_max));
    // Distinct recipients; a pattern with fewer choices than wanted gives fewer.
    for (int tries = 0; static_cast<int>(m.recipients.size()) < want && tries < want * 10;
         ++tries) {
      std::string r = random->Expand(kind.to_pattern);
      if (std::find(m.recipients.begin(), m.recipients.end(), r) == m.recipients.end()) {
        m.recipients.push_back(r);
      }
    }
    m.content = MakeContent(scenario, seed, kind, m, random);
    out.push_back(std::move(m));
  }
  return out;
}

TrafficResult SendMessageOverSmtp(const TrafficMessage& m, const std::string& address, int port,
                                  absl::Duration timeout) {
  TrafficResult result;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    result.error = absl::StrCat("socket: ", std::strerror(errno));
    return result;
  }
  sockaddr_in local{};
  local.sin_family = AF_INET;
  if (inet_pton(AF_INET, m.client_address.c_str(), &local.sin_addr) != 1 ||
      bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
    result.error = absl::StrCat("bind to ", m.client_address, ": ", std::strerror(errno));
    close(fd);
    return result;
  }
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, address.c_str(), &remote.sin_addr) != 1 ||
      connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof(remote)) != 0) {
    result.error = absl::StrCat("connect to ", address, ":", port, ": ", std::strerror(errno));
    close(fd);
    return result;
  }
  ClientConnection c(fd, timeout);
  auto lost = [&](absl::string_view during) {
    result.error = absl::StrCat("lost connection ", during);
    return result;
  };
  result.greeting = c.Read();
  if (result.greeting.empty()) return lost("at the greeting");
  if (!absl::StartsWith(result.greeting, "220")) {
    result.error = absl::StrCat("greeting refused: ", result.greeting);
    if (c.Send("QUIT\r\n")) c.Read();
    return result;
  }
  if (!c.Send(absl::StrCat("EHLO ", m.helo, "\r\n"))) return lost("sending EHLO");
  std::string ehlo = c.Read();
  if (!Positive(ehlo)) return lost("after EHLO");
  if (m.starttls && (absl::StrContains(ehlo, "250-STARTTLS") || absl::StrContains(ehlo, "250 STARTTLS")) && ClientTlsContext() != nullptr) {
    if (!c.Send("STARTTLS\r\n")) return lost("sending STARTTLS");
    std::string reply = c.Read();
    if (reply.empty()) return lost("after STARTTLS");
    if (absl::StartsWith(reply, "220")) {
      if (!c.StartTls(*ClientTlsContext())) return lost("in the TLS handshake");
      result.tls = true;
      if (!c.Send(absl::StrCat("EHLO ", m.helo, "\r\n"))) return lost("sending EHLO");
      if (!Positive(c.Read())) return lost("after EHLO");
    }
  }
  if (!c.Send(absl::StrCat("MAIL FROM:<", m.sender, ">\r\n"))) return lost("sending MAIL");
  result.mail_reply = c.Read();
  if (result.mail_reply.empty()) return lost("after MAIL");
  bool any_accepted = false;
  if (Positive(result.mail_reply)) {
    for (const std::string& r : m.recipients) {
      if (!c.Send(absl::StrCat("RCPT TO:<", r, ">\r\n"))) return lost("sending RCPT");
      std::string reply = c.Read();
      if (reply.empty()) return lost("after RCPT");
      any_accepted = any_accepted || Positive(reply);
      result.rcpt_replies.push_back(reply);
    }
  }
  if (any_accepted) {
    if (!c.Send("DATA\r\n")) return lost("sending DATA");
    std::string reply = c.Read();
    if (reply.empty()) return lost("after DATA");
    if (absl::StartsWith(reply, "354")) {
      std::string wire;
      size_t pos = 0;
      while (pos < m.content.size()) {
        size_t nl = m.content.find('\n', pos);
        size_t end = nl == std::string::npos ? m.content.size() : nl;
        if (end > pos && m.content[pos] == '.') wire.push_back('.');
        absl::StrAppend(&wire, absl::string_view(m.content).substr(pos, end - pos), "\r\n");
        pos = end + 1;
      }
      wire += ".\r\n";
      if (!c.Send(wire)) return lost("sending the message");
      reply = c.Read();
      if (reply.empty()) return lost("after the message");
    }
    result.data_reply = reply;
    size_t q = reply.find("queued as ");
    if (Positive(reply) && q != std::string::npos) {
      result.queue_id = reply.substr(q + 10, reply.find_first_of(" /", q + 10) - (q + 10));
    }
  }
  if (c.Send("QUIT\r\n")) c.Read();
  return result;
}

absl::StatusOr<TrafficSummary> RunTraffic(const Scenario& scenario,
                                          const TrafficOptions& options) {
  if (scenario.uses_sendmail && options.sendmail_program.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "scenario ", scenario.name,
        " submits with sendmail: give --config-dir and --spool of the refmta it talks to"));
  }
  if (scenario.uses_peer && options.peer == nullptr && options.peer_rules_file.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "scenario ", scenario.name,
        " changes the loopback peer: give --peer ADDR:PORT or --peer-rules FILE"));
  }
  for (const ScenarioStep& step : scenario.steps) {
    if (step.type == ScenarioStep::Type::kWaitAttempted && options.spool_dir.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "scenario ", scenario.name, " line ", step.line,
          ": wait attempted reads the server's queue: give --config-dir and --spool"));
    }
  }
  TrafficSummary summary;
  summary.scenario = scenario.name;
  summary.seed = options.seed;
  const absl::Time start = absl::Now();
  ScenarioRandom random(options.seed);
  int next_number = 0;
  PeerRules peer_rules;

  auto apply_peer = [&]() -> absl::Status {
    ++summary.peer_changes;
    if (options.peer != nullptr) {
      options.peer->SetRules(peer_rules);
      return absl::OkStatus();
    }
    std::string tmp = absl::StrCat(options.peer_rules_file, ".tmp");
    FILE* f = std::fopen(tmp.c_str(), "w");
    if (f == nullptr) {
      return absl::UnavailableError(absl::StrCat("cannot write ", tmp, ": ",
                                                 std::strerror(errno)));
    }
    std::string text = PeerRulesText(peer_rules);
    bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    ok = std::fclose(f) == 0 && ok;
    if (!ok || std::rename(tmp.c_str(), options.peer_rules_file.c_str()) != 0) {
      return absl::UnavailableError(absl::StrCat("cannot write ", options.peer_rules_file));
    }
    absl::SleepFor(options.peer_settle);
    return absl::OkStatus();
  };

  auto is_peer_step = [](const ScenarioStep& s) {
    return s.type != ScenarioStep::Type::kSend && s.type != ScenarioStep::Type::kWait &&
           s.type != ScenarioStep::Type::kReload;
  };
  for (size_t n = 0; n < scenario.steps.size(); ++n) {
    const ScenarioStep& step = scenario.steps[n];
    // Consecutive peer steps are applied together, once.
    const bool apply_now = n + 1 == scenario.steps.size() || !is_peer_step(scenario.steps[n + 1]);
    switch (step.type) {
      case ScenarioStep::Type::kWait:
        absl::SleepFor(step.wait);
        break;
      case ScenarioStep::Type::kWaitAttempted:
        if (absl::Status s = WaitAttempted(options.spool_dir, step); !s.ok()) return s;
        break;
      case ScenarioStep::Type::kReload: {
        if (options.sendmail_program.empty() || options.sendmail_args.empty()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "line ", step.line, ": reload needs --config-dir and --spool"));
        }
        std::vector<std::string> args = options.sendmail_args;
        args[0] = "reload";  // "sendmail --config-dir D --spool S" -> "reload ..."
        if (absl::Status s = RunQuietly(options.sendmail_program, args); !s.ok()) return s;
        break;
      }
      case ScenarioStep::Type::kPeerRule: {
        auto& rules = peer_rules.rules;
        rules.erase(std::remove_if(rules.begin(), rules.end(),
                                   [&](const PeerRule& r) { return r.pattern == step.rule.pattern; }),
                    rules.end());
        rules.insert(rules.begin(), step.rule);
        if (absl::Status s = apply_now ? apply_peer() : absl::OkStatus(); !s.ok()) return s;
        break;
      }
      case ScenarioStep::Type::kPeerDown:
        peer_rules.down = step.down_mode == "refuse" ? PeerDown::kRefuse : PeerDown::kDrop;
        if (absl::Status s = apply_now ? apply_peer() : absl::OkStatus(); !s.ok()) return s;
        break;
      case ScenarioStep::Type::kPeerUp:
        peer_rules.down = PeerDown::kUp;
        if (absl::Status s = apply_now ? apply_peer() : absl::OkStatus(); !s.ok()) return s;
        break;
      case ScenarioStep::Type::kPeerClear:
        peer_rules.rules.clear();
        if (absl::Status s = apply_now ? apply_peer() : absl::OkStatus(); !s.ok()) return s;
        break;
      case ScenarioStep::Type::kSend: {
        std::vector<TrafficMessage> messages =
            MakeStepMessages(scenario, step, options.seed, &random, &next_number);
        std::vector<TrafficResult> results(messages.size());
        auto worker = [&](size_t first) {
          for (size_t i = first; i < messages.size(); i += static_cast<size_t>(step.parallel)) {
            results[i] = messages[i].via == "sendmail"
                             ? SubmitWithSendmail(messages[i], options)
                             : SendMessageOverSmtp(messages[i], options.smtp_address,
                                                   options.smtp_port, options.timeout);
          }
        };
        if (step.parallel == 1) {
          worker(0);
        } else {
          std::vector<std::thread> threads;
          for (int t = 0; t < step.parallel; ++t) {
            threads.emplace_back(worker, static_cast<size_t>(t));
          }
          for (std::thread& t : threads) t.join();
        }
        for (size_t i = 0; i < messages.size(); ++i) {
          Count(messages[i], results[i], &summary.by_kind[messages[i].kind]);
          Count(messages[i], results[i], &summary.total);
          if (messages[i].via != "sendmail") ++summary.sessions_by_client[messages[i].via];
          if (options.transcript != nullptr) {
            // A server may answer anything; bytes that are not UTF-8 are
            // replaced rather than thrown on.
            *options.transcript << TranscriptLine(messages[i], results[i])
                                       .dump(-1, ' ', false,
                                             nlohmann::json::error_handler_t::replace)
                                << "\n";
          }
        }
        if (options.transcript != nullptr) options.transcript->flush();
        break;
      }
    }
  }
  summary.elapsed = absl::Now() - start;
  return summary;
}

std::string TrafficSummaryText(const TrafficSummary& s) {
  std::string out = absl::StrFormat(
      "refmta traffic: scenario %s, seed %d: %d messages in %.1f s\n", s.scenario, s.seed,
      s.total.messages, absl::ToDoubleSeconds(s.elapsed));
  absl::StrAppendFormat(&out, "%-14s %6s %6s %8s %8s %8s %7s %8s %10s %7s\n", "kind", "msgs",
                        "rcpts", "rcpt-2xx", "rcpt-4xx", "rcpt-5xx", "queued", "refused",
                        "submitted", "failed");
  auto row = [&](const std::string& name, const KindCounts& c) {
    absl::StrAppendFormat(&out, "%-14s %6d %6d %8d %8d %8d %7d %8d %10d %7d\n", name,
                          c.messages, c.recipients, c.rcpt_accepted, c.rcpt_4xx, c.rcpt_5xx,
                          c.queued, c.refused, c.submitted, c.failed);
  };
  for (const auto& [name, c] : s.by_kind) row(name, c);
  row("total", s.total);
  std::vector<std::string> clients;
  for (const auto& [name, n] : s.sessions_by_client) clients.push_back(absl::StrCat(name, " ", n));
  absl::StrAppend(&out, "SMTP sessions by client: ",
                  clients.empty() ? "none" : absl::StrJoin(clients, ", "), "\n");
  absl::StrAppend(&out, "peer rule changes: ", s.peer_changes, "\n");
  return out;
}

}  // namespace mailgauge::refmta
