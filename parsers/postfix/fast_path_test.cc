// The fast path must read every line exactly as the pattern tables do, or
// decline it. Checked on every sample line of every table, on the
// real-Postfix corpora, and on generated traffic; and it must actually take
// the common lines, or it is no optimisation.
#include "parsers/postfix/fast_path.h"

#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "bench/log_generator.h"
#include "gtest/gtest.h"
#include "parsers/postfix/event_testing.h"
#include "parsers/postfix/patterns.h"
#include "parsers/syslog_envelope.h"

namespace mailgauge::parsers {
namespace {

// Compares the fast path with the tables on one line; returns whether the
// fast path took it.
bool CheckAgrees(Daemon daemon, std::string_view message) {
  Event fast;
  if (!FastParse(daemon, message, &fast)) return false;
  Event table;
  const ParseResult r = TestParser().ParseMessageWithTables(daemon, message, &table);
  EXPECT_EQ(ParseResult::kParsed, r) << "fast path took a line the tables refuse: "
                                     << DaemonName(daemon) << ": " << message;
  EXPECT_EQ(FieldsOf(table), FieldsOf(fast)) << DaemonName(daemon) << ": " << message;
  EXPECT_EQ(table.delays.before_qmgr, fast.delays.before_qmgr) << message;
  EXPECT_EQ(table.delays.in_qmgr, fast.delays.in_qmgr) << message;
  EXPECT_EQ(table.delays.conn_setup, fast.delays.conn_setup) << message;
  EXPECT_EQ(table.delays.transmission, fast.delays.transmission) << message;
  EXPECT_EQ(table.delay, fast.delay) << message;
  return true;
}

TEST(FastPathTest, AgreesWithTheTablesOnEverySample) {
  int taken = 0;
  for (int d = static_cast<int>(Daemon::kSmtpd); d < static_cast<int>(Daemon::kNumDaemons);
       ++d) {
    const Daemon daemon = static_cast<Daemon>(d);
    for (const Pattern& row : DaemonPatterns(daemon)) {
      for (const char* sample : row.samples) taken += CheckAgrees(daemon, sample);
    }
  }
  EXPECT_GT(taken, 20);
}

TEST(FastPathTest, AgreesOnTrickyVariants) {
  const std::vector<std::pair<Daemon, const char*>> lines = {
      {Daemon::kSmtp, "4B0C72A1F3: to=<a@b>, relay=x[1.2.3.4]:25, conn_use=2, delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ABC)"},
      {Daemon::kSmtpd, "lost connection after DATA (99999999999999999999 bytes) from a[1.2.3.4]"},
      {Daemon::kPostscreen, "NOQUEUE: reject: RCPT from [1.2.3.4]:5: x; from=<a>, to=<b>, proto=ESMTP, helo=<h>; from=<c>, to=<d>, proto=SMTP, helo=<i>"},
      {Daemon::kPostscreen, "NOQUEUE: reject: RCPT from [1.2.3.4]:5: a; from=<x> blocked using b.l; from=<c>, to=<d>, proto=SMTP, helo=<i>"},
      {Daemon::kPostscreen, "NOQUEUE: reject: RCPT from [1.2.3.4]:5: a blocked using b.l; c; from=<>, to=<>, proto=, helo=<>"},
      {Daemon::kPostscreen, "NOQUEUE: reject: RCPT from [1.2.3.4]:5: a; from=<>, to=<>, proto=SMTP, helo=<> blocked using x"},
      {Daemon::kPostscreen, "NOQUEUE: reject: RCPT from [1.2.3.4]:5: a; from=<>, to=<>, to=<>, proto=S, helo=<h>, proto=T, helo=<>"},
      {Daemon::kPostscreen, "NOQUEUE: reject: RCPT from [1.2.3.4]:5: a; from=<>, to=<>, proto=S\v, helo=<h>"},
      {Daemon::kPostscreen, "NOQUEUE: reject: RCPT from [1.2.3.4]:5: a; from=<>, to=<>, proto=S\t, helo=<h>"},
      {Daemon::kPostscreen, "NOQUEUE: reject: RCPT from [1.2.3.4]:5: a; from=<>, to=<>, proto=S, helo=<h"},
      {Daemon::kSmtpd, "lost connection after DATA (12 bytes)from a[1.2.3.4]"},
      {Daemon::kSmtpd, "lost connection after DATA from a[1.2.3.4]:"},
      {Daemon::kSmtpd, "lost connection after D-A from a[1.2.3.4] "},
      {Daemon::kSmtpd, "XYZ: lost connection after RCPT from a[1.2.3.4]"},
      {Daemon::kSmtpd, "NOQUEUE: timeout after -X from a[1.2.3.4]"},
      {Daemon::kSmtpd, "warning: a[1.2.3.4]: SASL LOGIN authentication failed: x, sasl_username=y, sasl_username=z"},
      {Daemon::kSmtpd, "warning: a[1.2.3.4]: SASL LOGIN authentication failed: "},
      {Daemon::kSmtpd, "warning: a[1.2.3.4]:: SASL LOGIN authentication failed: x"},
      {Daemon::kSmtpd, "warning: a[1.2.3.4]: SASL LOG\tIN authentication failed: x"},
      {Daemon::kSmtpd, "warning: a[1.2.3.4]: SASL LOGIN authentication aborted"},
      {Daemon::kSmtp, "4B0C72A1F3: to=<a@b>, relay=x[1.2.3.4]:25, delay=1, delays=0/0/0.5/0.5, tls=may, dsn=2.0.0, status=sent (250 ok)"},
      {Daemon::kSmtp, "4B0C72A1F3: to=<a@b>, relay=x, foo=bar, delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 ok)"},
      {Daemon::kSmtp, "4B0C72A1F3: to=<a@b>, relay=x, delay=1, delays=0/0/0.5/0.5, foo=bar, tls=may, dsn=2.0.0, status=sent (250 ok)"},
      {Daemon::kSmtp, "4B0C72A1F3: to=<a@b>, relay=x, delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, foo=bar, status=sent (ok)"},
      {Daemon::kSmtp, "4B0C72A1F3: to=<a@b>, relay=x, delay=1, status=sent (ok)"},
      {Daemon::kSmtp, "4B0C72A1F3: to=<a@b>, relay=x, delay=1, delays=0/0/0.5/0.5, dsn=5.1.1, status=bounced (host x[1.2.3.4] said: 550 5.1.1 <a@b>: no (in reply to RCPT TO command))"},
      {Daemon::kSmtp, "4B0C72A1F3: to=<a@b>, relay=x, delay=1, delays=0/0/0.5/0.5, dsn=5.1.1, status=bounced (host x[1.2.3.4] said: 550-5.1.1 no)"},
      {Daemon::kSmtp, "4B0C72A1F3: to=<a@b>, relay=x, delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 ok queued as X))"},
      {Daemon::kSmtp, "4B0C72A1F3: to=<a@b>, relay=x, delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 ok queued as X"},
      {Daemon::kSmtp, "4B0C72A1F3: to=<\"a, b\"@c>, relay=x, delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (ok)"},
      {Daemon::kSmtp, "4B0C72A1F3: to=<a@b>, relay=x y, delay=1, dsn=2.0.0, status=sent (ok)"},
      {Daemon::kSmtp, "4B0C72A1F3: to=<a@b>, relay=x, delay=1.5x, dsn=2.0.0, status=sent (ok)"},
      {Daemon::kSmtp, "4B0C72A1F3: to=<a@b>, relay=x, delay=1, delays=1/2/3, dsn=2.0.0, status=sent (ok)"},
      {Daemon::kSmtp, "4B0C72A1F3: to=<a@b>, relay=x, delay=1, dsn=2.0.0, status=sent"},
      {Daemon::kLocal, "4B0C72A1F3: to=<a@b>, orig_to=<c@d>, relay=local, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (forwarded as 3F2A81C0D2)"},
      {Daemon::kQmgr, "4B0C72A1F3: to=<a@b>, relay=none, delay=100, delays=100/0/0/0, dsn=4.4.1, status=deferred (delivery temporarily suspended: connect to x[1.2.3.4]:25: Connection refused)"},
      {Daemon::kQmgr, "4B0C72A1F3: from=<a@b>, size=10, nrcpt=1 (queue active)"},
      {Daemon::kQmgr, "4B0C72A1F3: from=<>, size=10, nrcpt=1"},
      {Daemon::kQmgr, "4B0C72A1F3: from=<a>, size=10, nrcpt=1 (queue 2)"},
      {Daemon::kQmgr, "4Hs2Kx0hQ5z8Cw: removed"},
      {Daemon::kCleanup, "4B0C72A1F3: message-id=<a@b>"},
      {Daemon::kCleanup, "4B0C72A1F3: message-id=a@b"},
      {Daemon::kCleanup, "4B0C72A1F3: message-id=<>"},
      {Daemon::kCleanup, "4B0C72A1F3: message-id="},
      {Daemon::kSmtpd, "connect from a.b[1.2.3.4]"},
      {Daemon::kSmtpd, "connect from unknown[2001:db8::1]:4567"},
      {Daemon::kSmtpd, "disconnect from a[1.2.3.4] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4"},
      {Daemon::kSmtpd, "disconnect from a[1.2.3.4] commands=0/0 notes=x"},
      {Daemon::kSmtpd, "disconnect from a[1.2.3.4] notes=x"},
      {Daemon::kSmtpd, "disconnect from a[1.2.3.4] "},
      {Daemon::kSmtpd, "disconnect from a[1.2.3.4] ehlo=1 quit=1"},
      {Daemon::kSmtpd, "4B0C72A1F3: client=a.b[1.2.3.4]"},
      {Daemon::kSmtpd, "4B0C72A1F3: client=a.b[1.2.3.4]:25"},
      {Daemon::kSmtpd, "4B0C72A1F3: client=a.b[1.2.3.4], sasl_method=PLAIN, sasl_username=u"},
      // TLS summaries (smtpd in, smtp/lmtp out).
      {Daemon::kSmtpd, "Anonymous TLS connection established from a.b[1.2.3.4]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)"},
      {Daemon::kSmtpd, "Trusted TLS connection reused from a.b[1.2.3.4]:25 to mx.example.com: TLSv1.2 with cipher X (128/128 bits) key-exchange X25519"},
      {Daemon::kSmtpd, "Anonymous TLS connection established from a.b[1.2.3.4]:x: TLSv1.3 with cipher X (256/256 bits)"},
      {Daemon::kSmtpd, "Anonymous TLS connection established from a.b[1.2.3.4] to : TLSv1.3 with cipher X (256/256 bits)"},
      {Daemon::kSmtpd, "Anonymous TLS connection established from a.b[1.2.3.4]: TLSv1.3 with cipher X (256/256 bits)x"},
      {Daemon::kSmtpd, "Anonymous TLS connection established from a.b[1.2.3.4]: TLSv1.3 with cipher X (256/ bits)"},
      {Daemon::kSmtpd, "Anonymous TLS connection established from a.b[1.2.3.4]: TLSv1.3\twith cipher X (256/256 bits)"},
      {Daemon::kSmtpd, "Sneaky TLS connection established from a.b[1.2.3.4]: TLSv1.3 with cipher X (256/256 bits)"},
      {Daemon::kSmtp, "Trusted TLS connection established to mx.b[1.2.3.4]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)"},
      {Daemon::kSmtp, "Verified TLS connection reused to mx.b[1.2.3.4]:25: TLSv1.3 with cipher X (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits)"},
      {Daemon::kSmtp, "Verified TLS connection reused to mx.b[1.2.3.4]:25: TLSv1.3 with cipher X (256/256 bits) "},
      {Daemon::kSmtp, "Verified TLS connection reused to mx.b[1.2.3.4]:25 TLSv1.3 with cipher X (256/256 bits)"},
      {Daemon::kLmtp, "Untrusted TLS connection established to 127.0.0.1[127.0.0.1]:24: TLSv1.3 with cipher X (256/256 bits)"},
      // Rejects: stages, RBL lists, every part of the context, odd contexts.
      {Daemon::kSmtpd, "NOQUEUE: reject: RCPT from a.b[1.2.3.4]: 554 5.7.1 <x@y>: Relay access denied; from=<s@t> to=<x@y> proto=ESMTP helo=<h>"},
      {Daemon::kSmtpd, "NOQUEUE: reject: RCPT from a.b[1.2.3.4]:4567: 550 5.1.1 <x@y>: Recipient address rejected: User unknown; from=<> to=<x@y> proto=ESMTP helo=<[1.2.3.4]>"},
      {Daemon::kSmtpd, "NOQUEUE: reject: CONNECT from a.b[1.2.3.4]: 554 5.7.1 <a.b[1.2.3.4]>: Client host rejected: Access denied; proto=SMTP"},
      {Daemon::kSmtpd, "NOQUEUE: reject: MAIL from unknown[1.2.3.4]: 553 5.1.8 <s@x.invalid>: Sender address rejected: Domain not found; from=<s@x.invalid> proto=ESMTP helo=<h>"},
      {Daemon::kSmtpd, "NOQUEUE: reject: RCPT from unknown[1.2.3.4]: 554 5.7.1 Service unavailable; Client host [1.2.3.4] blocked using zen.spamhaus.org; https://x/y?1.2.3.4; from=<a@b> to=<c@d> proto=ESMTP helo=<x>"},
      {Daemon::kSmtpd, "NOQUEUE: reject: RCPT from unknown[1.2.3.4]: 554 5.7.1 blocked using ; from=<a@b> to=<c@d> proto=ESMTP helo=<x>"},
      {Daemon::kSmtpd, "NOQUEUE: reject: RCPT from unknown[1.2.3.4]: 554 5.7.1 blocked using b.l; blocked using c.l; from=<a@b> to=<c@d> proto=ESMTP helo=<x>"},
      {Daemon::kSmtpd, "4B0C72A1F3: reject: DATA from a.b[1.2.3.4]: 550 5.7.1 go away; from=<a@b> to=<c@d> proto=ESMTP helo=<x>"},
      {Daemon::kSmtpd, "NOQUEUE: reject: RCPT from a.b[1.2.3.4]: 450 4.7.1 <x>: Helo command rejected: Host not found; from=<a>b> to=<c@d> proto=ESMTP helo=<x>"},
      {Daemon::kSmtpd, "NOQUEUE: reject: RCPT from a.b[1.2.3.4]: 450 4.7.1 text; from=<a@b> to=<c@d> proto=ESMTP helo=<x> sasl_method=PLAIN sasl_username=<u>"},
      {Daemon::kSmtpd, "NOQUEUE: reject: RCPT from a.b[1.2.3.4]: 450 4.7.1 text; from=<a@b> to=<c@d> proto=ESMTP helo=<x>y>"},
      {Daemon::kSmtpd, "NOQUEUE: reject: RCPT from a.b[1.2.3.4]: 450 4.7.1 text; odd; more;"},
      {Daemon::kSmtpd, "NOQUEUE: reject: RCPT from a.b[1.2.3.4]: 450 4.7.1 text; from=<a@b>; to=<c@d> proto=ESMTP helo=<x>"},
      {Daemon::kSmtpd, "NOQUEUE: reject: RCPT from a.b[1.2.3.4]: 450 4.7.1 text; proto=ESMTP; helo=<x>"},
      {Daemon::kSmtpd, "NOQUEUE: reject: RCPT from a.b[1.2.3.4]: 450 4.7.1 text"},
      {Daemon::kSmtpd, "NOQUEUE: reject: DATA content from a.b[1.2.3.4]: 550 5.7.1 no; proto=ESMTP"},
      {Daemon::kSmtpd, "NOQUEUE: reject: END-OF-MESSAGE from a.b[1.2.3.4]: 550 5.7.1 no; from=<> to=<> proto=ESMTP helo=<>"},
      // postscreen and bounce.
      {Daemon::kPostscreen, "CONNECT from [1.2.3.4]:4567 to [192.0.2.25]:25"},
      {Daemon::kPostscreen, "CONNECT from [2001:db8::9]:4567 to [2001:db8::25]:25"},
      {Daemon::kPostscreen, "CONNECT from [1.2.3.4]:4567 to [192.0.2.25]:x"},
      {Daemon::kPostscreen, "PASS OLD [1.2.3.4]:4567"},
      {Daemon::kPostscreen, "PASS NEW [1.2.3.4]:4567"},
      {Daemon::kPostscreen, "PASS OLDER [1.2.3.4]:4567"},
      {Daemon::kPostscreen, "DNSBL rank 3 for [1.2.3.4]:4567"},
      {Daemon::kPostscreen, "DNSBL rank -2 for [1.2.3.4]:4567"},
      {Daemon::kPostscreen, "DISCONNECT [1.2.3.4]:4567"},
      {Daemon::kPostscreen, "DISCONNECT [1.2.3.4]"},
      {Daemon::kBounce, "4B0C72A1F3: sender non-delivery notification: 7D1E23F0A9"},
      {Daemon::kBounce, "4Hs2Kx0hQ5z8Cw: postmaster delay notification: 4Hs2Kx1Mb2z8Cx"},
      {Daemon::kBounce, "4B0C72A1F3: sender non-delivery notification: nope"},
      {Daemon::kBounce, "4B0C72A1F3: someone non-delivery notification: 7D1E23F0A9"},
  };
  int taken = 0;
  for (const auto& [daemon, line] : lines) taken += CheckAgrees(daemon, line);
  EXPECT_GT(taken, 20);
}

TEST(FastPathTest, AgreesOnTheRealCorpora) {
  int taken = 0, lines = 0;
  for (const char* name : {"postfix_real.syslog", "postfix_real.iso.log",
                           "postfix_real.rfc5424.log", "postfix_real.maillog"}) {
    std::ifstream in(std::string("testdata/logs/") + name);
    ASSERT_TRUE(in) << name;
    EnvelopeParser envelope;
    std::string text;
    while (std::getline(in, text)) {
      LogLine line;
      if (envelope.Parse(text, &line) != EnvelopeResult::kOk) continue;
      ++lines;
      taken += CheckAgrees(DaemonFromName(line.daemon), line.message);
    }
  }
  EXPECT_GT(lines, 900);
  EXPECT_GT(taken, lines / 3);
}

TEST(FastPathTest, AgreesOnGeneratedTrafficAndTakesMostOfIt) {
  bench::LogGeneratorOptions options;
  options.long_queue_ids = true;
  bench::LogGenerator gen(options);
  EnvelopeParser envelope;
  int taken = 0;
  std::string text;
  for (int i = 0; i < 20000; ++i) {
    gen.Next(&text);
    LogLine line;
    ASSERT_EQ(EnvelopeResult::kOk, envelope.Parse(text, &line)) << text;
    taken += CheckAgrees(DaemonFromName(line.daemon), line.message);
  }
  EXPECT_GT(taken, 20000 * 8 / 10);
}

// Mutated lines (bytes deleted, inserted or replaced with the characters the
// hand-written scanners care about): the fast path must still agree with the
// tables on every line it takes.
TEST(FastPathTest, AgreesOnMutatedLines) {
  std::vector<std::pair<Daemon, std::string>> seeds;
  for (Daemon d : {Daemon::kSmtpd, Daemon::kSmtp, Daemon::kPostscreen, Daemon::kBounce,
                   Daemon::kQmgr, Daemon::kCleanup, Daemon::kLocal}) {
    for (const Pattern& row : DaemonPatterns(d)) {
      for (const char* sample : row.samples) seeds.emplace_back(d, sample);
    }
  }
  bench::LogGenerator gen(bench::LogGeneratorOptions{});
  EnvelopeParser envelope;
  std::string text;
  for (int i = 0; i < 300; ++i) {
    gen.Next(&text);
    LogLine line;
    ASSERT_EQ(EnvelopeResult::kOk, envelope.Parse(text, &line));
    seeds.emplace_back(DaemonFromName(line.daemon), std::string(line.message));
  }
  static constexpr char kBytes[] = ";<>[]: =,()/-\t\vaZ09.";
  std::mt19937_64 rng(7);
  int taken = 0;
  for (const auto& [daemon, seed] : seeds) {
    for (int k = 0; k < 40; ++k) {
      std::string m = seed;
      const int edits = 1 + static_cast<int>(rng() % 3);
      for (int j = 0; j < edits && !m.empty(); ++j) {
        const size_t at = rng() % m.size();
        const char c = kBytes[rng() % (sizeof kBytes - 1)];
        switch (rng() % 3) {
          case 0: m.erase(at, 1); break;
          case 1: m.insert(m.begin() + at, c); break;
          default: m[at] = c; break;
        }
      }
      taken += CheckAgrees(daemon, m);
    }
  }
  EXPECT_GT(taken, 1000);
}

// Each hand-written family must take the lines it was written for.
TEST(FastPathTest, TakesEachFamily) {
  const std::vector<std::pair<Daemon, const char*>> lines = {
      {Daemon::kSmtpd, "Anonymous TLS connection established from a.b[1.2.3.4]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)"},
      {Daemon::kSmtp, "Trusted TLS connection established to mx.b[1.2.3.4]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)"},
      {Daemon::kSmtpd, "NOQUEUE: reject: RCPT from a.b[1.2.3.4]: 554 5.7.1 <x@y>: Relay access denied; from=<s@t> to=<x@y> proto=ESMTP helo=<h>"},
      {Daemon::kSmtpd, "NOQUEUE: reject: CONNECT from a.b[1.2.3.4]: 554 5.7.1 <a.b[1.2.3.4]>: Client host rejected: Access denied; proto=SMTP"},
      {Daemon::kPostscreen, "CONNECT from [1.2.3.4]:4567 to [192.0.2.25]:25"},
      {Daemon::kPostscreen, "PASS OLD [1.2.3.4]:4567"},
      {Daemon::kPostscreen, "DNSBL rank 3 for [1.2.3.4]:4567"},
      {Daemon::kPostscreen, "DISCONNECT [1.2.3.4]:4567"},
      {Daemon::kBounce, "4B0C72A1F3: sender non-delivery notification: 7D1E23F0A9"},
      {Daemon::kPostscreen, "NOQUEUE: reject: RCPT from [192.0.2.9]:50123: 550 5.7.1 Service unavailable; client [192.0.2.9] blocked using zen.spamhaus.org; from=<a@example.net>, to=<b@example.com>, proto=ESMTP, helo=<x.example.net>"},
      {Daemon::kPostscreen, "NOQUEUE: reject: RCPT from [2001:db8::9]:41000: 450 4.3.2 Service currently unavailable; from=<>, to=<\"a b\"@example.com>, proto=SMTP, helo=<[IPv6:2001:db8::9]>"},
      {Daemon::kSmtpd, "lost connection after CONNECT from unknown[192.0.2.9]"},
      {Daemon::kSmtpd, "NOQUEUE: lost connection after AUTH from unknown[2001:db8::9]:52811"},
      {Daemon::kSmtpd, "4B0C72A1F3: lost connection after BDAT (81234 bytes) from mx.b[1.2.3.4]"},
      {Daemon::kSmtpd, "timeout after DATA (4096 bytes) from unknown[192.0.2.9]"},
      {Daemon::kSmtpd, "too many errors after RCPT from unknown[192.0.2.9]:40022"},
      {Daemon::kSmtpd, "warning: unknown[192.0.2.9]: SASL LOGIN authentication failed: UGFzc3dvcmQ6"},
      {Daemon::kSmtpd, "warning: unknown[2001:db8::9]:33012: SASL PLAIN authentication failed: "
                       "authentication failure, sasl_username=admin@example.com"},
  };
  for (const auto& [daemon, line] : lines) {
    EXPECT_TRUE(CheckAgrees(daemon, line)) << "not taken: " << line;
  }
}

}  // namespace
}  // namespace mailgauge::parsers
