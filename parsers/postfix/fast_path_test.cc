// The fast path must read every line exactly as the pattern tables do, or
// decline it. Checked on every sample line of every table, on the
// real-Postfix corpora, and on generated traffic; and it must actually take
// the common lines, or it is no optimisation.
#include "parsers/postfix/fast_path.h"

#include <fstream>
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

}  // namespace
}  // namespace mailgauge::parsers
