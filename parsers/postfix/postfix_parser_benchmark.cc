// Throughput of the Postfix message parser's hot paths, one benchmark per
// step and per pattern family, each reporting bytes/s (SetBytesProcessed)
// and lines/s (items):
//   - DaemonFromName and Event::Clear, paid on every line;
//   - FastPath/<family>: the hand-written scanners (fast_path.h) on the
//     common shapes (delivery, qmgr, cleanup, smtpd connect/client/
//     disconnect, TLS in and out, NOQUEUE rejects, postscreen, bounce, and
//     an Internet-facing server's notices, SMTP client trouble, postscreen's
//     tests, header_checks and pickup);
//   - Tables/<family>: the same lines through the RE2 pattern tables alone,
//     to show what the fast path saves;
//   - Parser/<daemon>: PostfixParser::ParseMessage (fast path, then tables)
//     on every sample line of that daemon's pattern table (patterns.h);
//   - ParseGeneratedLines: envelope + program name + message parse on the
//     benchmark generator's traffic, i.e. parsers/ alone, without the
//     correlator.
//
//   bazel run -c opt //parsers/postfix:postfix_parser_benchmark
//   bazel run -c opt //parsers/postfix:postfix_parser_benchmark -- --benchmark_filter=FastPath
//
// postfix_parser_benchmark_smoke_test runs each briefly, so they keep
// working; no test asserts a time (results go in docs/benchmarks.md).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "bench/log_generator.h"
#include "parsers/postfix/event.h"
#include "parsers/postfix/fast_path.h"
#include "parsers/postfix/patterns.h"
#include "parsers/postfix/postfix_parser.h"
#include "parsers/program_name.h"
#include "parsers/syslog_envelope.h"

namespace mailgauge::parsers {
namespace {

const PostfixParser& Parser() {
  static const PostfixParser* parser = [] {
    auto p = PostfixParser::Create();
    if (!p.ok()) std::abort();
    return p->release();
  }();
  return *parser;
}

struct Line {
  Daemon daemon;
  std::string message;
};

// The common shapes, a few variants each, as Postfix 3.7 writes them.
const std::vector<std::pair<const char*, std::vector<Line>>>& Families() {
  static const auto* families = new std::vector<std::pair<const char*, std::vector<Line>>>{
      {"delivery",
       {{Daemon::kSmtp, "4B0C72A1F3: to=<alice@example.org>, relay=mx1.example.org[192.0.2.25]:25, delay=0.42, delays=0.1/0.01/0.12/0.19, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4XyZ1L2m3nz9Kq)"},
        {Daemon::kSmtp, "4B0C72A1F3: to=<dave@example.com>, relay=mx.example.com[203.0.113.9]:25, delay=3.5, delays=0.9/0/3.2/0.2, dsn=4.7.1, status=deferred (host mx.example.com[203.0.113.9] said: 450 4.7.1 <dave@example.com>: Recipient address rejected: Greylisted (in reply to RCPT TO command))"},
        {Daemon::kLocal, "4B0C72A1F3: to=<bob@example.com>, orig_to=<postmaster@example.com>, relay=local, delay=0.05, delays=0.02/0.01/0/0.02, dsn=2.0.0, status=sent (delivered to mailbox)"}}},
      {"qmgr",
       {{Daemon::kQmgr, "4B0C72A1F3: from=<alice@example.org>, size=4711, nrcpt=2 (queue active)"},
        {Daemon::kQmgr, "4B0C72A1F3: removed"}}},
      {"cleanup", {{Daemon::kCleanup, "4B0C72A1F3: message-id=<20261125175809.4B0C72A1F3@mx.example.com>"}}},
      {"smtpd_session",
       {{Daemon::kSmtpd, "connect from mail.example.com[192.0.2.1]"},
        {Daemon::kSmtpd, "4B0C72A1F3: client=mail.example.com[192.0.2.1]"},
        {Daemon::kSmtpd, "disconnect from mail.example.com[192.0.2.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5"}}},
      {"smtpd_tls",
       {{Daemon::kSmtpd, "Anonymous TLS connection established from mail.example.com[192.0.2.1]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256"}}},
      {"smtp_tls",
       {{Daemon::kSmtp, "Trusted TLS connection established to mx1.example.org[192.0.2.25]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)"}}},
      {"smtpd_reject",
       {{Daemon::kSmtpd, "NOQUEUE: reject: RCPT from unknown[192.0.2.9]: 554 5.7.1 <x@example.net>: Relay access denied; from=<s@example.org> to=<x@example.net> proto=ESMTP helo=<h.example.org>"},
        {Daemon::kSmtpd, "NOQUEUE: reject: RCPT from unknown[192.0.2.9]: 554 5.7.1 Service unavailable; Client host [192.0.2.9] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.9; from=<a@example.net> to=<b@example.com> proto=ESMTP helo=<x>"},
        {Daemon::kSmtpd, "NOQUEUE: reject: CONNECT from unknown[192.0.2.9]: 554 5.7.1 <unknown[192.0.2.9]>: Client host rejected: Access denied; proto=SMTP"}}},
      {"postscreen",
       {{Daemon::kPostscreen, "CONNECT from [192.0.2.1]:41234 to [192.0.2.25]:25"},
        {Daemon::kPostscreen, "PASS OLD [192.0.2.1]:41234"},
        {Daemon::kPostscreen, "DNSBL rank 3 for [192.0.2.9]:50123"},
        {Daemon::kPostscreen, "DISCONNECT [192.0.2.1]:41234"}}},
      {"bounce", {{Daemon::kBounce, "4B0C72A1F3: sender non-delivery notification: 7D1E23F0A9"}}},
      // What an Internet-facing server logs besides its mail (session 8).
      {"smtpd_notices",
       {{Daemon::kSmtpd, "warning: hostname 1-2-3-4.dyn.example.net does not resolve to address 198.51.100.4: Name or service not known"},
        {Daemon::kSmtpd, "warning: TLS library problem: error:0A000126:SSL routines::unexpected eof while reading:../ssl/record/rec_layer_s3.c:308:"},
        {Daemon::kSmtpd, "improper command pipelining after EHLO from unknown[198.51.100.7]: QUIT\\r\\n"},
        {Daemon::kSmtpd, "warning: non-SMTP command from unknown[198.51.100.7]: GET / HTTP/1.1"},
        {Daemon::kSmtpd, "4B0C72A1F3: client=a.example.net[198.51.100.7]:587, sasl_method=PLAIN, sasl_username=bob@example.com"}}},
      {"smtp_trouble",
       {{Daemon::kSmtp, "connect to mx.example.org[203.0.113.5]:25: Connection timed out"},
        {Daemon::kSmtp, "4B0C72A1F3: host mx.example.org[203.0.113.5] said: 450 4.7.1 try later (in reply to RCPT TO command)"},
        {Daemon::kSmtp, "4B0C72A1F3: lost connection with mx.example.org[203.0.113.5] while receiving the initial server greeting"}}},
      {"postscreen_tests",
       {{Daemon::kPostscreen, "PREGREET 11 after 0.09 from [198.51.100.7]:5678: EHLO x\\r\\n"},
        {Daemon::kPostscreen, "HANGUP after 0.3 from [198.51.100.7]:5678 in tests after SMTP handshake"},
        {Daemon::kPostscreen, "COMMAND PIPELINING from [198.51.100.7]:5678 after EHLO: QUIT\\r\\n"},
        {Daemon::kDnsblog, "addr 198.51.100.7 listed by domain zen.spamhaus.org as 127.0.0.4"}}},
      {"checks_and_pickup",
       {{Daemon::kCleanup, "4B0C72A1F3: reject: header Subject: cheap pills from unknown[192.0.2.9]; from=<a@example.net> to=<b@example.com> proto=ESMTP helo=<x>: 5.7.1 message content rejected"},
        {Daemon::kPickup, "4B0C72A1F3: uid=33 from=<www-data>"}}},
  };
  return *families;
}

int64_t Bytes(const std::vector<Line>& lines) {
  int64_t n = 0;
  for (const Line& l : lines) n += l.message.size();
  return n;
}

void BM_FastPath(benchmark::State& state, const std::vector<Line>* lines) {
  Event e;
  for (auto _ : state) {
    for (const Line& l : *lines) {
      e.Clear();
      const bool taken = FastParse(l.daemon, l.message, &e);
      benchmark::DoNotOptimize(taken);
      benchmark::DoNotOptimize(e);
    }
  }
  state.SetItemsProcessed(state.iterations() * lines->size());
  state.SetBytesProcessed(state.iterations() * Bytes(*lines));
}

void BM_Tables(benchmark::State& state, const std::vector<Line>* lines) {
  const PostfixParser& parser = Parser();
  Event e;
  for (auto _ : state) {
    for (const Line& l : *lines) {
      benchmark::DoNotOptimize(parser.ParseMessageWithTables(l.daemon, l.message, &e));
    }
  }
  state.SetItemsProcessed(state.iterations() * lines->size());
  state.SetBytesProcessed(state.iterations() * Bytes(*lines));
}

void BM_Parser(benchmark::State& state, const std::vector<Line>* lines) {
  const PostfixParser& parser = Parser();
  Event e;
  for (auto _ : state) {
    for (const Line& l : *lines) {
      benchmark::DoNotOptimize(parser.ParseMessage(l.daemon, l.message, &e));
    }
  }
  state.SetItemsProcessed(state.iterations() * lines->size());
  state.SetBytesProcessed(state.iterations() * Bytes(*lines));
}

void BM_DaemonFromName(benchmark::State& state) {
  const std::vector<std::string> names = {"smtpd", "cleanup", "qmgr", "smtp", "local",
                                          "bounce", "postscreen", "anvil", "dovecot"};
  int64_t bytes = 0;
  for (const std::string& n : names) bytes += n.size();
  for (auto _ : state) {
    for (const std::string& n : names) benchmark::DoNotOptimize(DaemonFromName(n));
  }
  state.SetItemsProcessed(state.iterations() * names.size());
  state.SetBytesProcessed(state.iterations() * bytes);
}
BENCHMARK(BM_DaemonFromName);

void BM_EventClear(benchmark::State& state) {
  Event e;
  for (auto _ : state) {
    e.Clear();
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * sizeof(Event));
}
BENCHMARK(BM_EventClear);

// Generated traffic: every step parsers/ does for a line of a file.
void BM_ParseGeneratedLines(benchmark::State& state) {
  static const std::vector<std::string>* lines = [] {
    auto* v = new std::vector<std::string>();
    bench::LogGenerator gen(bench::LogGeneratorOptions{});
    std::string line;
    for (int i = 0; i < 20000; ++i) {
      gen.Next(&line);
      v->push_back(line);
    }
    return v;
  }();
  const PostfixParser& parser = Parser();
  EnvelopeParser envelope;
  const SyslogNames names;
  int64_t bytes = 0;
  for (const std::string& l : *lines) bytes += l.size() + 1;
  Event e;
  int64_t parsed = 0;
  for (auto _ : state) {
    for (const std::string& text : *lines) {
      LogLine line;
      if (envelope.Parse(text, &line) != EnvelopeResult::kOk) continue;
      if (!IsPostfixProgram(line, names)) continue;
      parsed += parser.Parse(line, &e) == ParseResult::kParsed;
    }
  }
  if (parsed != static_cast<int64_t>(state.iterations() * lines->size())) {
    // Not SkipWithError: that would still exit 0 and the smoke test pass.
    std::fprintf(stderr, "postfix_parser_benchmark: a generated line did not parse\n");
    std::abort();
  }
  state.SetItemsProcessed(state.iterations() * lines->size());
  state.SetBytesProcessed(state.iterations() * bytes);
}
BENCHMARK(BM_ParseGeneratedLines)->Unit(benchmark::kMillisecond);

// Registers FastPath/, Tables/ and Parser/ benchmarks before main() runs.
const bool kRegistered = [] {
  for (const auto& [name, lines] : Families()) {
    benchmark::RegisterBenchmark((std::string("BM_FastPath/") + name).c_str(), BM_FastPath,
                                 &lines);
    benchmark::RegisterBenchmark((std::string("BM_Tables/") + name).c_str(), BM_Tables,
                                 &lines);
  }
  static std::vector<std::pair<std::string, std::vector<Line>>> by_daemon;
  for (int d = static_cast<int>(Daemon::kSmtpd); d < static_cast<int>(Daemon::kOther); ++d) {
    const Daemon daemon = static_cast<Daemon>(d);
    std::vector<Line> lines;
    for (const Pattern& row : DaemonPatterns(daemon)) {
      for (const char* sample : row.samples) lines.push_back({daemon, sample});
    }
    if (!lines.empty()) by_daemon.emplace_back(std::string(DaemonName(daemon)), std::move(lines));
  }
  for (const auto& [name, lines] : by_daemon) {
    benchmark::RegisterBenchmark(("BM_Parser/" + name).c_str(), BM_Parser, &lines);
  }
  return true;
}();

}  // namespace
}  // namespace mailgauge::parsers
