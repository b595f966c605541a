// File: refmta/refmta_main.cc
// The refmta command:
//   refmta serve --config-dir DIR --listen ADDR:PORT --spool DIR --log FILE --ledger FILE
//                [--log-format syslog|postlog|iso]
//       runs the SMTP server, pickup and the queue manager in the foreground
//       until SIGTERM or SIGINT.
//       SIGHUP (or `refmta reload`) re-reads main.cf, aliases and every map
//       as `postfix reload` does, logging "postfix/master[PID]: reload --
//       version 3.7.11, configuration DIR"; sessions in progress finish
//       with the old configuration.
//   refmta reload --config-dir DIR --spool DIR
//       checks the configuration, then signals serve ($spool/pid/master.pid);
//   refmta sendmail --config-dir DIR --spool DIR [-t] [-f SENDER] [-i] [rcpt ...]
//       reads a message on stdin into the maildrop queue (serve picks it up);
//   refmta sendmail --config-dir DIR --spool DIR -bp | -bi | -q
//       lists the queue like mailq / checks the aliases files / asks for a
//       flush of the deferred queue;
//   refmta postqueue --config-dir DIR --spool DIR -j | -p
//       lists the queue as `postqueue -j` JSON or like `postqueue -p`;
//   refmta postsuper --config-dir DIR --spool DIR --log FILE --ledger FILE
//                    -d|-h|-H|-r ID|ALL [queue]
//       deletes, holds, releases or requeues messages, logging as postsuper.
//   refmta traffic --scenario FILE --seed N --smtp ADDR:PORT
//                  [--config-dir DIR --spool DIR] [--peer ADDR:PORT [--linger DURATION]
//                  | --peer-rules FILE] [--transcript FILE]
//       runs a traffic scenario against `refmta serve` (traffic.h);
//   refmta peer --listen ADDR:PORT --rules FILE
//       runs the loopback peer behind relayhost until SIGTERM (peer.h).
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "refmta/aliases.h"
#include "refmta/cleanup.h"
#include "refmta/ledger.h"
#include "refmta/local_delivery.h"
#include "refmta/lookup_table.h"
#include "refmta/main_cf.h"
#include "refmta/peer.h"
#include "refmta/pickup.h"
#include "refmta/postfix_log.h"
#include "refmta/postsuper.h"
#include "refmta/qmgr.h"
#include "refmta/queue.h"
#include "refmta/recipient_policy.h"
#include "refmta/scenario.h"
#include "refmta/smtp_server.h"
#include "refmta/tls.h"
#include "refmta/traffic.h"

namespace mailgauge::refmta {
namespace {

constexpr char kUsage[] =
    "usage:\n"
    "  refmta serve --config-dir DIR --listen ADDR:PORT --spool DIR --log FILE --ledger FILE\n"
    "               [--log-format syslog|postlog|iso]\n"
    "  refmta sendmail --config-dir DIR --spool DIR [-t] [-f SENDER] [-i] [recipient ...]\n"
    "  refmta sendmail --config-dir DIR --spool DIR -bp | -bi | -q\n"
    "  refmta reload --config-dir DIR --spool DIR\n"
    "  refmta postqueue --config-dir DIR --spool DIR -j | -p\n"
    "  refmta postsuper --config-dir DIR --spool DIR --log FILE --ledger FILE\n"
    "                   -d|-h|-H|-r ID|ALL [queue]\n"
    "  refmta traffic --scenario FILE --seed N --smtp ADDR:PORT\n"
    "                 [--config-dir DIR --spool DIR]      (for sendmail submissions)\n"
    "                 [--peer ADDR:PORT [--linger DURATION] | --peer-rules FILE]\n"
    "                 [--transcript FILE]\n"
    "  refmta peer --listen ADDR:PORT --rules FILE\n";

std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload{false};
void OnSignal(int) { g_stop.store(true); }
void OnReloadSignal(int) { g_reload.store(true); }

// The Postfix release whose logs refmta writes (master's "reload -- version").
constexpr char kMailVersion[] = "3.7.11";

int Fail(const absl::Status& s) {
  std::cerr << "refmta: fatal: " << s.message() << "\n";
  return 1;
}

absl::StatusOr<RefmtaConfig> LoadConfigDir(const std::string& dir, const std::string& spool) {
  if (dir.empty()) return absl::InvalidArgumentError("--config-dir is required");
  if (spool.empty()) return absl::InvalidArgumentError("--spool is required");
  auto cf = MainCf::ParseFile(dir + "/main.cf");
  if (!cf.ok()) return cf.status();
  for (const std::string& w : cf->warnings()) std::cerr << "refmta: warning: " << w << "\n";
  if (absl::Status s = cf->Set("config_directory", dir); !s.ok()) return s;
  if (absl::Status s = cf->Set("queue_directory", spool); !s.ok()) return s;
  return LoadRefmtaConfig(*cf);
}

// Everything `refmta serve` builds from main.cf and the maps; a reload
// builds a new one.
struct Generation {
  RefmtaConfig config;
  std::unique_ptr<RecipientPolicy> policy;
  std::unique_ptr<LocalDeliveryAgent> local;
  LookupTableList virtual_aliases;
  LookupTableList transport_maps;
  std::unique_ptr<TlsContext> smtpd_tls;  // nullptr: no STARTTLS offered (or 454)
  std::unique_ptr<TlsContext> smtp_tls;   // nullptr: smtp(8) never uses STARTTLS
  std::unique_ptr<Cleanup> cleanup;
  std::unique_ptr<QueueManager> qmgr;
  Queue* queue = nullptr;
  PostfixLogWriter* log = nullptr;
  Ledger* ledger = nullptr;

  SmtpServerDeps SmtpDeps() const {
    SmtpServerDeps d{&config, policy.get(), queue, log, ledger, cleanup.get()};
    d.tls = smtpd_tls.get();
    return d;
  }
};

absl::StatusOr<std::unique_ptr<Generation>> MakeGeneration(RefmtaConfig config, Queue* queue,
                                                           PostfixLogWriter* log, Ledger* ledger,
                                                           int64_t base) {
  auto g = std::make_unique<Generation>();
  g->config = std::move(config);
  g->queue = queue;
  g->log = log;
  g->ledger = ledger;
  const RefmtaConfig& c = g->config;
  auto policy = RecipientPolicy::Create(c);
  if (!policy.ok()) return policy.status();
  g->policy = *std::move(policy);
  auto local = LocalDeliveryAgent::Create(c, c.queue_directory);
  if (!local.ok()) return local.status();
  g->local = *std::move(local);
  auto virtual_aliases = LookupTableList::Open(c.virtual_alias_maps);
  if (!virtual_aliases.ok()) return virtual_aliases.status();
  g->virtual_aliases = *std::move(virtual_aliases);
  auto header_checks = LookupTableList::Open(c.header_checks);
  if (!header_checks.ok()) return header_checks.status();
  auto transport_maps = LookupTableList::Open(c.transport_maps);
  if (!transport_maps.ok()) return transport_maps.status();
  g->transport_maps = *std::move(transport_maps);
  if (c.smtpd_tls_security_level == "may" || c.smtpd_tls_security_level == "encrypt") {
    auto tls = TlsContext::CreateServer(c.smtpd_tls_cert_file, c.smtpd_tls_key_file,
                                        c.myhostname);
    if (!tls.ok()) {
      // smtpd keeps running and answers STARTTLS with 454, as Postfix does
      // when its TLS engine cannot start.
      log->Warning("smtpd", base, absl::StrCat("cannot start TLS: ", tls.status().message()));
    } else {
      g->smtpd_tls = *std::move(tls);
    }
  } else if (!c.smtpd_tls_security_level.empty() && c.smtpd_tls_security_level != "none") {
    return absl::InvalidArgumentError(absl::StrCat(
        "smtpd_tls_security_level = ", c.smtpd_tls_security_level,
        ": refmta knows none, may and encrypt"));
  }
  if (c.smtp_tls_security_level == "may") {
    auto tls = TlsContext::CreateClient();
    if (!tls.ok()) return tls.status();
    g->smtp_tls = *std::move(tls);
  } else if (!c.smtp_tls_security_level.empty() && c.smtp_tls_security_level != "none") {
    return absl::InvalidArgumentError(absl::StrCat(
        "smtp_tls_security_level = ", c.smtp_tls_security_level, ": refmta knows none and may"));
  }
  g->cleanup = std::make_unique<Cleanup>(c, queue, log, ledger, *std::move(header_checks),
                                         base + 1);
  QueueManagerOptions qopts;
  qopts.qmgr_pid = base + 2;
  qopts.local_pid = base + 3;
  qopts.virtual_pid = base + 4;
  qopts.smtp_pid = base + 5;
  qopts.bounce_pid = base + 6;
  qopts.cleanup_pid = base + 1;
  qopts.error_pid = base + 8;
  QueueManagerDeps qdeps{&g->config, g->policy.get(), g->local.get(), &g->virtual_aliases,
                         queue, log, ledger};
  qdeps.smtp_tls = g->smtp_tls.get();
  qdeps.transport_maps = &g->transport_maps;
  g->qmgr = std::make_unique<QueueManager>(qdeps, qopts);
  return g;
}

absl::Status WritePidFile(const std::string& path) {
  std::string dir = path.substr(0, path.rfind('/'));
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return absl::InternalError(absl::StrCat("cannot create ", dir, ": ", std::strerror(errno)));
  }
  std::ofstream out(path, std::ios::trunc);
  out << getpid() << "\n";
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

// Options "--name value" and flags; everything else is positional.
struct Args {
  std::map<std::string, std::string> options;
  std::vector<std::string> flags;
  std::vector<std::string> positional;
};

absl::StatusOr<Args> ParseArgs(int argc, char** argv, const std::vector<std::string>& with_value) {
  Args a;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    bool takes_value = std::find(with_value.begin(), with_value.end(), arg) != with_value.end();
    if (takes_value) {
      if (i + 1 >= argc) return absl::InvalidArgumentError(arg + " needs a value");
      a.options[arg] = argv[++i];
    } else if (absl::StartsWith(arg, "-f") && arg.size() > 2 &&
               std::find(with_value.begin(), with_value.end(), "-f") != with_value.end()) {
      a.options["-f"] = arg.substr(2);  // sendmail's -fSENDER
    } else if (!arg.empty() && arg[0] == '-') {
      a.flags.push_back(arg);
    } else {
      a.positional.push_back(arg);
    }
  }
  return a;
}

bool HasFlag(const Args& a, const std::string& flag) {
  return std::find(a.flags.begin(), a.flags.end(), flag) != a.flags.end();
}

int Serve(int argc, char** argv) {
  auto args = ParseArgs(argc, argv,
                        {"--config-dir", "--listen", "--spool", "--log", "--ledger",
                         "--log-format"});
  if (!args.ok()) return Fail(args.status());
  for (const std::string& f : args->flags) {
    return Fail(absl::InvalidArgumentError(absl::StrCat("unknown option ", f)));
  }
  auto config = LoadConfigDir(args->options["--config-dir"], args->options["--spool"]);
  if (!config.ok()) return Fail(config.status());
  std::string listen = args->options["--listen"];
  size_t colon = listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port)) {
    return Fail(absl::InvalidArgumentError("--listen must be ADDR:PORT, e.g. 127.0.0.1:2525"));
  }
  std::string address = listen.substr(0, colon);
  if (address.size() > 2 && address.front() == '[') address = address.substr(1, address.size() - 2);
  if (args->options["--log"].empty() || args->options["--ledger"].empty()) {
    return Fail(absl::InvalidArgumentError("--log and --ledger are required"));
  }
  PostfixLogOptions log_options;
  log_options.hostname = config->myhostname;
  log_options.syslog_name = config->syslog_name;
  log_options.time_zone = absl::LocalTimeZone();
  std::string format = args->options.count("--log-format") ? args->options["--log-format"]
                                                            : "syslog";
  if (format == "syslog") {
    log_options.time_format = LogTimeFormat::kSyslog;
  } else if (format == "postlog") {
    log_options.time_format = LogTimeFormat::kPostlog;
  } else if (format == "iso") {
    log_options.time_format = LogTimeFormat::kIso;
  } else {
    return Fail(absl::InvalidArgumentError("--log-format must be syslog, postlog or iso"));
  }

  auto queue = Queue::Open(config->queue_directory, config->enable_long_queue_ids);
  if (!queue.ok()) return Fail(queue.status());
  auto log = PostfixLogWriter::Open(args->options["--log"], log_options);
  if (!log.ok()) return Fail(log.status());
  auto ledger = Ledger::Open(args->options["--ledger"]);
  if (!ledger.ok()) return Fail(ledger.status());

  const int64_t base = getpid();
  const std::string config_dir = args->options["--config-dir"];
  const std::string spool = args->options["--spool"];
  // Every generation stays alive until exit: SMTP sessions that started
  // before a reload keep using theirs.
  std::vector<std::unique_ptr<Generation>> generations;
  auto first = MakeGeneration(*std::move(config), queue->get(), log->get(), ledger->get(), base);
  if (!first.ok()) return Fail(first.status());
  generations.push_back(*std::move(first));
  if (absl::Status s = generations.back()->qmgr->Recover(); !s.ok()) return Fail(s);

  SmtpServerOptions sopts;
  sopts.listen_address = address;
  sopts.port = port;
  sopts.smtpd_pid = base;
  auto server = SmtpServer::Start(generations.back()->SmtpDeps(), sopts);
  if (!server.ok()) return Fail(server.status());
  // Like Postfix's $queue_directory/pid/master.pid, for `refmta reload`.
  const std::string pid_file = spool + "/pid/master.pid";
  if (absl::Status s = WritePidFile(pid_file); !s.ok()) return Fail(s);
  std::cerr << "refmta: listening on " << address << ":" << (*server)->port() << "\n";

  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  struct sigaction hup {};
  hup.sa_handler = OnReloadSignal;
  sigaction(SIGHUP, &hup, nullptr);
  while (!g_stop.load()) {
    if (g_reload.exchange(false)) {
      // master.c: re-read main.cf (and with it every map), restart the
      // daemons; "reload -- version %s, configuration %s".
      auto reloaded = LoadConfigDir(config_dir, spool);
      absl::StatusOr<std::unique_ptr<Generation>> next =
          reloaded.ok() ? MakeGeneration(*std::move(reloaded), queue->get(), log->get(),
                                         ledger->get(), base)
                        : absl::StatusOr<std::unique_ptr<Generation>>(reloaded.status());
      if (!next.ok()) {
        (*log)->Warning("master", base - 1,
                        absl::StrCat("reload failed, keeping the old configuration: ",
                                     next.status().message()));
      } else {
        generations.push_back(*std::move(next));
        (*server)->Reconfigure(generations.back()->SmtpDeps());
        (*log)->Info("master", base - 1,
                     absl::StrCat("reload -- version ", kMailVersion, ", configuration ",
                                  config_dir));
      }
    }
    Generation& g = *generations.back();
    auto picked = PickupAll(queue->get(), g.cleanup.get(), log->get(), g.config, base + 7);
    if (!picked.ok()) (*log)->Warning("pickup", base + 7, std::string(picked.status().message()));
    (void)g.qmgr->RunOnce();  // problems are logged as warnings
    absl::SleepFor(absl::Milliseconds(200));
  }
  (*server)->Stop();
  unlink(pid_file.c_str());
  return 0;
}

// `refmta reload`: checks the configuration as `postfix reload` does
// (postfix-script runs `postfix check` first), then sends SIGHUP to the
// running `refmta serve` named by $queue_directory/pid/master.pid.
int Reload(int argc, char** argv) {
  auto args = ParseArgs(argc, argv, {"--config-dir", "--spool"});
  if (!args.ok()) return Fail(args.status());
  auto config = LoadConfigDir(args->options["--config-dir"], args->options["--spool"]);
  if (!config.ok()) return Fail(config.status());
  auto policy = RecipientPolicy::Create(*config);
  if (!policy.ok()) return Fail(policy.status());
  auto local = LocalDeliveryAgent::Create(*config, config->queue_directory);
  if (!local.ok()) return Fail(local.status());
  const std::string pid_file = config->queue_directory + "/pid/master.pid";
  std::ifstream in(pid_file);
  int64_t pid = 0;
  std::string text((std::istreambuf_iterator<char>(in)), {});
  if (!in.is_open() || !absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &pid) || pid <= 1) {
    return Fail(absl::NotFoundError(
        absl::StrCat("the mail system is not running (no valid pid in ", pid_file, ")")));
  }
  if (kill(static_cast<pid_t>(pid), SIGHUP) != 0) {
    return Fail(absl::UnavailableError(absl::StrCat("cannot signal refmta serve (pid ", pid,
                                                    " from ", pid_file, "): ",
                                                    std::strerror(errno))));
  }
  return 0;
}

int Sendmail(int argc, char** argv) {
  auto args = ParseArgs(argc, argv, {"--config-dir", "--spool", "-f", "-F", "-o"});
  if (!args.ok()) return Fail(args.status());
  auto config = LoadConfigDir(args->options["--config-dir"], args->options["--spool"]);
  if (!config.ok()) return Fail(config.status());
  if (HasFlag(*args, "-bi")) {
    // newaliases: every alias file must parse.
    for (const std::string& spec : config->alias_database) {
      auto table = AliasTable::ParseFile(spec.substr(spec.find(':') + 1));
      if (!table.ok()) return Fail(table.status());
      for (const std::string& w : table->warnings()) std::cerr << "refmta: warning: " << w << "\n";
    }
    return 0;
  }
  auto queue = Queue::Open(config->queue_directory, config->enable_long_queue_ids,
                           /*remove_stale=*/false);  // serve may be running
  if (!queue.ok()) return Fail(queue.status());
  if (HasFlag(*args, "-bp")) {
    std::vector<std::string> skipped;
    auto text = (*queue)->Mailq(absl::LocalTimeZone(), &skipped);
    for (const std::string& w : skipped) std::cerr << "refmta: warning: " << w << "\n";
    if (!text.ok()) return Fail(text.status());
    std::cout << *text;
    return 0;
  }
  if (HasFlag(*args, "-q")) {
    auto ids = (*queue)->List(QueueName::kDeferred);
    if (!ids.ok()) return Fail(ids.status());
    for (const std::string& id : *ids) {
      auto file = (*queue)->Read(QueueName::kDeferred, id);
      if (!file.ok()) continue;
      file->envelope.next_retry_micros = 0;
      (void)(*queue)->UpdateEnvelope(QueueName::kDeferred, file->envelope);
    }
    return 0;
  }
  for (const std::string& f : args->flags) {
    if (f != "-t" && f != "-i" && f != "-oi" && f != "-odi" && f != "-odb") {
      return Fail(absl::InvalidArgumentError(absl::StrCat("unsupported option ", f)));
    }
  }
  std::string content(std::istreambuf_iterator<char>(std::cin), {});
  std::vector<std::string> recipients = args->positional;
  if (HasFlag(*args, "-t")) {
    for (const std::string& r : RecipientsFromHeaders(content)) recipients.push_back(r);
  }
  std::string sender = args->options.count("-f") ? args->options["-f"] : "";
  if (!args->options.count("-f")) {
    const char* user = getenv("USER");
    sender = user != nullptr && *user ? user : "root";
  }
  auto id = DropMessage(queue->get(), sender, recipients, static_cast<int64_t>(getuid()),
                        content);
  if (!id.ok()) return Fail(id.status());
  return 0;
}

int Postqueue(int argc, char** argv) {
  auto args = ParseArgs(argc, argv, {"--config-dir", "--spool"});
  if (!args.ok()) return Fail(args.status());
  auto config = LoadConfigDir(args->options["--config-dir"], args->options["--spool"]);
  if (!config.ok()) return Fail(config.status());
  auto queue = Queue::Open(config->queue_directory, config->enable_long_queue_ids,
                           /*remove_stale=*/false);  // serve may be running
  if (!queue.ok()) return Fail(queue.status());
  // postqueue prints what it can: a bad queue file is skipped with a warning.
  std::vector<std::string> skipped;
  absl::StatusOr<std::string> text =
      HasFlag(*args, "-j")   ? (*queue)->PostqueueJson(&skipped)
      : HasFlag(*args, "-p") ? (*queue)->Mailq(absl::LocalTimeZone(), &skipped)
                             : absl::InvalidArgumentError("use -j or -p");
  for (const std::string& w : skipped) std::cerr << "refmta: warning: " << w << "\n";
  if (!text.ok()) return Fail(text.status());
  std::cout << *text;
  return 0;
}

int Postsuper(int argc, char** argv) {
  auto args = ParseArgs(argc, argv,
                        {"--config-dir", "--spool", "--log", "--ledger", "-d", "-h", "-H", "-r"});
  if (!args.ok()) return Fail(args.status());
  auto config = LoadConfigDir(args->options["--config-dir"], args->options["--spool"]);
  if (!config.ok()) return Fail(config.status());
  struct Choice {
    const char* flag;
    PostsuperAction action;
  };
  std::vector<std::string> ids;
  absl::optional<PostsuperAction> action;
  for (const Choice& c : {Choice{"-d", PostsuperAction::kDelete},
                          Choice{"-h", PostsuperAction::kHold},
                          Choice{"-H", PostsuperAction::kRelease},
                          Choice{"-r", PostsuperAction::kRequeue}}) {
    if (args->options.count(c.flag)) {
      if (action) return Fail(absl::InvalidArgumentError("give one of -d, -h, -H, -r"));
      action = c.action;
      ids.push_back(args->options[c.flag]);
    }
  }
  if (!action) return Fail(absl::InvalidArgumentError("give one of -d, -h, -H, -r"));
  absl::optional<QueueName> only;
  for (const std::string& p : args->positional) {
    bool found = false;
    for (QueueName q : AllQueueNames()) {
      if (p == QueueNameString(q)) {
        only = q;
        found = true;
      }
    }
    if (!found) return Fail(absl::InvalidArgumentError(absl::StrCat("unknown queue ", p)));
  }
  if (args->options["--log"].empty() || args->options["--ledger"].empty()) {
    return Fail(absl::InvalidArgumentError("--log and --ledger are required"));
  }
  PostfixLogOptions log_options;
  log_options.hostname = config->myhostname;
  log_options.syslog_name = config->syslog_name;
  log_options.time_zone = absl::LocalTimeZone();
  auto log = PostfixLogWriter::Open(args->options["--log"], log_options);
  if (!log.ok()) return Fail(log.status());
  auto ledger = Ledger::Open(args->options["--ledger"]);
  if (!ledger.ok()) return Fail(ledger.status());
  auto queue = Queue::Open(config->queue_directory, config->enable_long_queue_ids,
                           /*remove_stale=*/false);  // serve may be running
  if (!queue.ok()) return Fail(queue.status());
  auto n = RunPostsuper(queue->get(), log->get(), ledger->get(), getpid(), *action, ids, only);
  if (!n.ok()) return Fail(n.status());
  return 0;
}

// "ADDR:PORT" -> address, port. InvalidArgument naming `flag` otherwise.
absl::Status SplitHostPort(const std::string& flag, const std::string& text, std::string* address,
                           int* port) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || !absl::SimpleAtoi(text.substr(colon + 1), port) ||
      *port < 0 || *port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " must be ADDR:PORT, e.g. 127.0.0.1:2525 (got \"", text, "\")"));
  }
  *address = text.substr(0, colon);
  return absl::OkStatus();
}

int Traffic(int argc, char** argv) {
  auto args = ParseArgs(argc, argv,
                        {"--scenario", "--seed", "--smtp", "--peer", "--peer-rules", "--linger",
                         "--config-dir", "--spool", "--transcript"});
  if (!args.ok()) return Fail(args.status());
  if (!args->flags.empty() || !args->positional.empty()) {
    return Fail(absl::InvalidArgumentError(absl::StrCat(
        "unexpected argument ", args->flags.empty() ? args->positional[0] : args->flags[0])));
  }
  auto& o = args->options;
  if (o["--scenario"].empty() || o["--seed"].empty() || o["--smtp"].empty()) {
    return Fail(absl::InvalidArgumentError("--scenario, --seed and --smtp are required"));
  }
  auto scenario = ReadScenarioFile(o["--scenario"]);
  if (!scenario.ok()) return Fail(scenario.status());
  TrafficOptions options;
  if (!absl::SimpleAtoi(o["--seed"], &options.seed)) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--seed must be a non-negative number (got \"", o["--seed"], "\")")));
  }
  if (absl::Status s = SplitHostPort("--smtp", o["--smtp"], &options.smtp_address,
                                     &options.smtp_port);
      !s.ok()) {
    return Fail(s);
  }
  if (!o["--config-dir"].empty() || !o["--spool"].empty()) {
    if (o["--config-dir"].empty() || o["--spool"].empty()) {
      return Fail(absl::InvalidArgumentError("give both --config-dir and --spool"));
    }
    options.sendmail_program = "/proc/self/exe";
    options.sendmail_args = {"sendmail", "--config-dir", o["--config-dir"], "--spool",
                             o["--spool"]};
    options.spool_dir = o["--spool"];
  }
  if (!o["--peer"].empty() && !o["--peer-rules"].empty()) {
    return Fail(absl::InvalidArgumentError("give --peer or --peer-rules, not both"));
  }
  absl::Duration linger = absl::ZeroDuration();
  if (!o["--linger"].empty() &&
      (o["--peer"].empty() || !absl::ParseDuration(o["--linger"], &linger))) {
    return Fail(absl::InvalidArgumentError(
        "--linger takes a duration like 30s and needs --peer"));
  }
  std::unique_ptr<LoopbackPeer> peer;
  if (!o["--peer"].empty()) {
    PeerOptions peer_options;
    if (absl::Status s = SplitHostPort("--peer", o["--peer"], &peer_options.listen_address,
                                       &peer_options.port);
        !s.ok()) {
      return Fail(s);
    }
    auto started = LoopbackPeer::Start(peer_options);
    if (!started.ok()) return Fail(started.status());
    peer = *std::move(started);
    options.peer = peer.get();
  }
  options.peer_rules_file = o["--peer-rules"];
  std::ofstream transcript;
  if (!o["--transcript"].empty()) {
    transcript.open(o["--transcript"]);
    if (!transcript) {
      return Fail(absl::UnavailableError(absl::StrCat("cannot write ", o["--transcript"])));
    }
    options.transcript = &transcript;
  }
  auto summary = RunTraffic(*scenario, options);
  if (!summary.ok()) return Fail(summary.status());
  std::cout << TrafficSummaryText(*summary);
  std::cout.flush();
  if (peer != nullptr) {
    struct sigaction sa {};
    sa.sa_handler = OnSignal;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    const absl::Time until = absl::Now() + linger;
    while (!g_stop.load() && absl::Now() < until) absl::SleepFor(absl::Milliseconds(100));
    PeerStats ps = peer->stats();
    std::cout << "peer: " << ps.connections << " connections (" << ps.dropped_connections
              << " dropped), " << ps.messages << " messages, recipients " << ps.rcpt_accepted
              << " accepted, " << ps.rcpt_deferred << " 4xx, " << ps.rcpt_rejected << " 5xx\n";
    peer->Stop();
  }
  return summary->total.failed == 0 ? 0 : 3;
}

int Peer(int argc, char** argv) {
  auto args = ParseArgs(argc, argv, {"--listen", "--rules"});
  if (!args.ok()) return Fail(args.status());
  if (!args->flags.empty() || !args->positional.empty()) {
    return Fail(absl::InvalidArgumentError(absl::StrCat(
        "unexpected argument ", args->flags.empty() ? args->positional[0] : args->flags[0])));
  }
  PeerOptions options;
  if (absl::Status s = SplitHostPort("--listen", args->options["--listen"],
                                     &options.listen_address, &options.port);
      !s.ok()) {
    return Fail(s);
  }
  options.rules_file = args->options["--rules"];
  if (options.rules_file.empty()) {
    return Fail(absl::InvalidArgumentError("--rules FILE is required (it may be empty)"));
  }
  auto peer = LoopbackPeer::Start(options);
  if (!peer.ok()) return Fail(peer.status());
  std::cerr << "refmta peer: listening on " << options.listen_address << ":" << (*peer)->port()
            << "\n";
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  while (!g_stop.load()) absl::SleepFor(absl::Milliseconds(100));
  PeerStats ps = (*peer)->stats();
  (*peer)->Stop();
  std::cerr << "refmta peer: " << ps.connections << " connections (" << ps.dropped_connections
            << " dropped), " << ps.messages << " messages, recipients " << ps.rcpt_accepted
            << " accepted, " << ps.rcpt_deferred << " 4xx, " << ps.rcpt_rejected << " 5xx, "
            << ps.rule_reloads << " rule changes, " << ps.bad_rules_files
            << " bad rules files refused\n";
  return 0;
}

}  // namespace
}  // namespace mailgauge::refmta

int main(int argc, char** argv) {
  using namespace mailgauge::refmta;
  std::string command = argc > 1 ? argv[1] : "";
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--help") {
      std::cout << kUsage;
      return 0;
    }
  }
  if (command == "serve") return Serve(argc, argv);
  if (command == "sendmail") return Sendmail(argc, argv);
  if (command == "reload") return Reload(argc, argv);
  if (command == "postqueue") return Postqueue(argc, argv);
  if (command == "postsuper") return Postsuper(argc, argv);
  if (command == "traffic") return Traffic(argc, argv);
  if (command == "peer") return Peer(argc, argv);
  std::cerr << kUsage;
  return command == "--help" || command == "-h" || command == "help" ? 0 : 2;
}
