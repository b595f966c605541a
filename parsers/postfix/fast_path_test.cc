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
  // Every view points into the line (never at a constant of the reader).
  const char* outside = ViewOutside(message, fast);
  EXPECT_EQ(nullptr, outside) << "a field outside the line: " << outside << " in " << message;
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
      // cleanup's milter-reject: where the reply ends, and its code.
      {Daemon::kCleanup, "4B0C72A1F3: milter-reject: END-OF-MESSAGE from a[1.2.3.4]: 5.7.1 x; y; from=<a> to=<b>"},
      {Daemon::kCleanup, "4B0C72A1F3: milter-reject: END-OF-MESSAGE from a[1.2.3.4]: 5.7.1; from=<a>"},
      {Daemon::kCleanup, "4B0C72A1F3: milter-reject: END-OF-MESSAGE from a[1.2.3.4]: 5.7.1234 x; from=<a>"},
      {Daemon::kCleanup, "4B0C72A1F3: milter-reject: END-OF-MESSAGE from a[1.2.3.4]: 4.7.1 x; from=<a>b> to=<c>"},
      {Daemon::kCleanup, "4B0C72A1F3: milter-reject: END-OF-MESSAGE from a[1.2.3.4]: x; from=<a> to=<b>: tail"},
      {Daemon::kCleanup, "4B0C72A1F3: milter-reject: END-OF-MESSAGE from a[1.2.3.4]: x; from=<a> to=<b>: t; from=<c>"},
      {Daemon::kCleanup, "4B0C72A1F3: milter-reject: DATA from a[1.2.3.4]:25: 5.7.1 x; proto=ESMTP"},
      {Daemon::kCleanup, "4B0C72A1F3: milter-reject: END-OF-MESSAGE from [1.2.3.4]: x;"},
      {Daemon::kCleanup, "4B0C72A1F3: milter-reject: END-OF-MESSAGE from a[1.2.3.4]: x; helo=<h> from=<a>"},
      {Daemon::kCleanup, "4B0C72A1F3: milter-reject: end-of-message from a[1.2.3.4]: x; from=<a>"},
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
      // The other access and milter actions (MG_ACTION_ROW).
      {Daemon::kSmtpd, "4B0C72A1F3: milter-reject: END-OF-MESSAGE from unknown[198.51.100.7]: 5.7.1 Spam message rejected; from=<a@b.c> to=<x@example.com> proto=ESMTP helo=<x>"},
      {Daemon::kSmtpd, "NOQUEUE: milter-reject: RCPT from unknown[198.51.100.7]: 451 4.7.1 Try again later; from=<a@b.c> to=<x@example.com> proto=ESMTP helo=<x> sasl_username=<bob>"},
      {Daemon::kSmtpd, "NOQUEUE: milter-reject: CONNECT from unknown[198.51.100.7]: 421 4.7.0 blocked using x.y; proto=SMTP"},
      {Daemon::kSmtpd, "NOQUEUE: milter-reject: RCPT from unknown[198.51.100.7]: a; b; from=<c> to=<d>"},
      {Daemon::kSmtpd, "4B0C72A1F3: reject_warning: RCPT from unknown[198.51.100.7]: 450 4.7.1 blocked using zen.spamhaus.org; from=<a@b.c> to=<x@example.com> proto=ESMTP helo=<x>"},
      {Daemon::kSmtpd, "NOQUEUE: abort: TLS from unknown[192.0.2.9]: Client certificate not trusted"},
      {Daemon::kSmtpd, "NOQUEUE: filter: RCPT from unknown[198.51.100.7]: <x@example.com>: Recipient address triggers FILTER smtp-amavis:[127.0.0.1]:10024; from=<a@b.c> to=<x@example.com> proto=ESMTP helo=<x>"},
      {Daemon::kSmtpd, "4B0C72A1F3: discard: RCPT from unknown[198.51.100.7]: <x@example.com>: Recipient address triggers DISCARD action; from=<a@b.c> to=<x@example.com> proto=ESMTP helo=<x>"},
      {Daemon::kSmtpd, "4B0C72A1F3: hold: RCPT from unknown[198.51.100.7]: <x@example.com>: triggers HOLD action; from=<a@b.c> to=<x@example.com> proto=ESMTP helo=<x>"},
      {Daemon::kSmtpd, "4B0C72A1F3: milter-hold: END-OF-MESSAGE from unknown[198.51.100.7]: milter triggers HOLD action; from=<a> to=<b> proto=ESMTP helo=<x>"},
      {Daemon::kSmtpd, "4B0C72A1F3: milter-discard: END-OF-MESSAGE from unknown[198.51.100.7]: milter triggers DISCARD action; from=<a> to=<b> proto=ESMTP helo=<x>"},
      {Daemon::kSmtpd, "4B0C72A1F3: redirect: RCPT from a[1.2.3.4]: <r@example.com>: triggers REDIRECT q@example.com; from=<s> to=<r> proto=ESMTP helo=<h>"},
      {Daemon::kSmtpd, "NOQUEUE: info: RCPT from a[1.2.3.4]: <r@example.com>: Recipient address seen; from=<s> to=<r> proto=ESMTP helo=<h>"},
      {Daemon::kSmtpd, "NOQUEUE: warn: RCPT from a[1.2.3.4]: suspicious client; from=<s> to=<r> proto=ESMTP helo=<h>"},
      {Daemon::kSmtpd, "NOQUEUE: permit: RCPT from a[1.2.3.4]: action=permit_mynetworks for Client host=a[1.2.3.4]; from=<s> to=<r> proto=ESMTP helo=<h>"},
      {Daemon::kSmtpd, "4B0C72A1F3: bcc: RCPT from a[1.2.3.4]: <r@example.com>: triggers BCC x@example.com; from=<s> to=<r> proto=ESMTP helo=<h>"},
      {Daemon::kSmtpd, "NOQUEUE: hangup: RCPT from a[1.2.3.4]: x; from=<s> to=<r> proto=ESMTP helo=<h>"},
      {Daemon::kSmtpd, "NOQUEUE: delay: RCPT from a[1.2.3.4]: x"},
      {Daemon::kSmtpd, "NOQUEUE: frobnicate: RCPT from a[1.2.3.4]: x"},
      {Daemon::kSmtpd, "NOQUEUE: milter-reject: DATA content from a[1.2.3.4]: x"},
      {Daemon::kSmtpd, "NOQUEUE: milter-reject: RCPT from a[1.2.3.4]: "},
      {Daemon::kSmtpd, "NOQUEUE: milter-reject: RCPT from a[1.2.3.4]:"},
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
      // client= with SASL fields.
      {Daemon::kSmtpd, "4B0C72A1F3: client=a.b[1.2.3.4]:587, sasl_method=LOGIN, sasl_username=u@example.com"},
      {Daemon::kSmtpd, "4B0C72A1F3: client=a.b[1.2.3.4], sasl_method=, sasl_username="},
      {Daemon::kSmtpd, "4B0C72A1F3: client=a.b[1.2.3.4], sasl_method=PLAIN"},
      {Daemon::kSmtpd, "4B0C72A1F3: client=a.b[1.2.3.4], sasl_method=PLAIN, sasl_username=a, b"},
      {Daemon::kSmtpd, "4B0C72A1F3: client=a.b[1.2.3.4], sasl_method=PLAIN, sasl_username=a, sasl_sender=b"},
      {Daemon::kSmtpd, "4B0C72A1F3: client=a.b[1.2.3.4], sasl_method=PLAIN, sasl_username=a, orig_queue_id=3F2A81C0D2, orig_client=x[1.2.3.5]"},
      {Daemon::kSmtpd, "4B0C72A1F3: client=a.b[1.2.3.4], sasl_method=PL AIN, sasl_username=a"},
      {Daemon::kSmtpd, "4B0C72A1F3: client=a.b[1.2.3.4], sasl_method=PL\vAIN, sasl_username=a"},
      {Daemon::kSmtpd, "4B0C72A1F3: client=a.b[1.2.3.4], sasl_method=PLAIN,sasl_username=a"},
      {Daemon::kSmtpd, "4B0C72A1F3: client=a.b[1.2.3.4], orig_queue_id=3F2A81C0D2"},
      {Daemon::kSmtpd, "NOQUEUE: client=a.b[1.2.3.4], sasl_method=PLAIN, sasl_username=u"},
      // Unresolvable client host names (the common warning row).
      {Daemon::kSmtpd, "warning: hostname 1-2-3-4.dyn.example.net does not resolve to address 198.51.100.4: Name or service not known"},
      {Daemon::kSmtpd, "warning: hostname host.example.net does not resolve to address 2001:db8::4"},
      {Daemon::kSmtpd, "warning: hostname host.example.net does not resolve to address [198.51.100.4]"},
      {Daemon::kSmtpd, "warning: hostname host\texample does not resolve to address 198.51.100.4"},
      {Daemon::kSmtpd, "warning: hostname  does not resolve to address 198.51.100.4"},
      {Daemon::kSmtpd, "warning: hostname x does not resolve to address a: b[c]:d: SASL x authentication failed: y"},
      {Daemon::kSmtpd, "warning: hostname x does not resolve"},
      {Daemon::kSmtpd, "warning: hostname"},
      {Daemon::kSmtpd, "warning: hostname x: address not listed for hostname y"},
      {Daemon::kSmtpd, "warning: TLS library problem: error:0A000126:SSL routines::unexpected eof while reading:../ssl/record/rec_layer_s3.c:308:"},
      {Daemon::kSmtpd, "warning: TLS library problem: "},
      {Daemon::kSmtpd, "warning: TLS library problem: x from unknown[1.2.3.4]: y"},
      {Daemon::kSmtpd, "warning: 198.51.100.7: hostname x.example.net verification failed: Name or service not known"},
      {Daemon::kSmtpd, "warning: 2001:db8::7: hostname x.example.net verification failed: Name or service not known"},
      {Daemon::kSmtpd, "warning: 4B0C72A1F3: hostname x verification failed: y"},
      {Daemon::kSmtpd, "warning: ABCDEF12345: hostname x verification failed: y"},
      {Daemon::kSmtpd, "warning: 1.2: hostname"},
      {Daemon::kSmtpd, "warning: 1.2:hostname x"},
      {Daemon::kSmtpd, "warning: :: hostname x"},
      {Daemon::kSmtpd, "warning: 1.2.3.4: hostname x[y] verification failed"},
      // The SMTP client's TLS trouble.
      {Daemon::kSmtp, "warning: TLS library problem: error:0A000086:SSL routines::certificate verify failed:../ssl/statem/statem_clnt.c:1889:"},
      {Daemon::kSmtp, "warning: TLS library problem: x [y]"},
      {Daemon::kLmtp, "warning: TLS library problem: "},
      {Daemon::kSmtp, "4B0C72A1F3: Cannot start TLS: handshake failure"},
      {Daemon::kSmtp, "4B0C72A1F3: TLS is required, but was not offered by host mx.example.org[203.0.113.5]"},
      {Daemon::kSmtp, "4B0C72A1F3: Server certificate not verified"},
      {Daemon::kSmtp, "4B0C72A1F3: TLSA lookup error for mx.example.org:25"},
      {Daemon::kSmtp, "4B0C72A1F3: client TLS configuration problem"},
      {Daemon::kSmtp, "4B0C72A1F3: Cannot start TL"},
      {Daemon::kSmtp, "SSL_connect error to mx.example.org[203.0.113.5]:25: -1"},
      {Daemon::kSmtp, "SSL_connect error to mx.example.org[203.0.113.5]:25: lost connection"},
      {Daemon::kSmtp, "SSL_connect error to x:: y"},
      {Daemon::kSmtp, "SSL_connect error to :: y"},
      {Daemon::kSmtp, "SSL_connect error to : y"},
      {Daemon::kSmtp, "SSL_connect error to x:\ty"},
      {Daemon::kSmtp, "SSL_connect error to x: "},
      {Daemon::kSmtp, "SSL_connect error to x:"},
      {Daemon::kSmtp, "SSL_connect error to x y: z"},
      // Failed connections of the SMTP and LMTP clients.
      {Daemon::kSmtp, "connect to mx.example.org[203.0.113.5]:25: Connection refused"},
      {Daemon::kSmtp, "4B0C72A1F3: connect to mx.example.org[2001:db8::5]:25: Network is unreachable"},
      {Daemon::kSmtp, "connect to : x: y"},
      {Daemon::kSmtp, "connect to :: x"},
      {Daemon::kSmtp, "connect to a b: c"},
      {Daemon::kSmtp, "connect to a\vb: c"},
      {Daemon::kSmtp, "connect to a: "},
      {Daemon::kSmtp, "connect to a:b"},
      {Daemon::kSmtp, "XYZ: connect to a: b"},
      {Daemon::kLmtp, "connect to mail.example.com[private/dovecot-lmtp]: No such file or directory"},
      // header_checks and body_checks actions.
      {Daemon::kCleanup, "0000203DDE: reject: header Subject: cheap pills from unknown[192.0.2.9]; from=<a@example.net> to=<b@example.com> proto=ESMTP helo=<x>: 5.7.1 message content rejected"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: header Subject: a from b from unknown[192.0.2.9]:25; from=<a> to=<b> proto=ESMTP helo=<x>: 5.7.1"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: header Subject: x from local; from=<a> to=<b>: rejected from here"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: header Subject: x from local; from=<a> to=<b>: rejected from unknown[1.2.3.4]; from=<c>"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: header  from local; from=<a>"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: header from local; from=<a>"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: header x from local;"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: header x from local"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: header x from local; from=<a>b> to=<c>d>: 4.7.1"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: header x from local; from=<a> proto=SMTP; helo=<h>"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: header x from local; proto=SM:TP helo=<h>"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: header x from local; helo=<h> from=<a>"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: header x from local; from=<a>: 5.7.1234 x"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: header x from local; from=<a>: 5.7.12"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: header x from local; from=<a>: 5.7.1x"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: header x from local; from=<a>: 3.7.1 x"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: header x from local; from=<a>: "},
      {Daemon::kCleanup, "4B0C72A1F3: reject: header x from local; from=<a>:"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: header x from a b[1.2.3.4]; from=<a>"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: header x from a[1.2.3.4]x; from=<a>"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: header x from a[1.2.3.4]:; from=<a>"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: header x from a[1.2 3.4]; from=<a>"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: header x from a]b; from=<a>"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: body x from a[1[2]; from=<a>"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: mime-header Content-Type: x; name=\"a.exe\" from unknown[192.0.2.9]; from=<a@example.net> to=<b@example.com> proto=ESMTP helo=<x>: 5.7.1 no"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: nested-header Subject: x from local; from=<a>"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: mime-error x from local; from=<a> to=<b>"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: header\tx from local; from=<a>"},
      {Daemon::kCleanup, "4B0C72A1F3: reject: header x\v from local; from=<a>"},
      {Daemon::kCleanup, "4B0C72A1F3: warning: header Subject: free money from unknown[192.0.2.9]; from=<a@example.net> to=<b@example.com> proto=ESMTP helo=<x>: suspicious"},
      {Daemon::kCleanup, "4B0C72A1F3: hold: header Subject: x from local; from=<a>"},
      {Daemon::kCleanup, "4B0C72A1F3: discard: body x from local; from=<a>"},
      {Daemon::kCleanup, "4B0C72A1F3: redirect: header To: x from local; from=<a>: m@example.com"},
      {Daemon::kCleanup, "4B0C72A1F3: filter: header X: y from local; from=<a>: smtp:[127.0.0.1]:10025"},
      {Daemon::kCleanup, "4B0C72A1F3: prepend: header Subject: x from local; from=<a>: X-Tag: y"},
      {Daemon::kCleanup, "4B0C72A1F3: strip: header X: y from local; from=<a>"},
      {Daemon::kCleanup, "4B0C72A1F3: rejected: header x from local; from=<a>"},
      {Daemon::kCleanup, "4B0C72A1F3: milter-header-reject: header X-Spam: yes from mail.example.com[192.0.2.1]; from=<s@example.org>: 5.7.1 no"},
      // The SMTP client's session trouble.
      {Daemon::kSmtp, "4B0C72A1F3: host mx.example.org[203.0.113.5] said: 450 4.7.1 try later (in reply to RCPT TO command)"},
      {Daemon::kSmtp, "4B0C72A1F3: host mx.example.org[203.0.113.5] said: 421 x (in reply to end of DATA command)"},
      {Daemon::kSmtp, "4B0C72A1F3: host x said: a (in reply to b) (in reply to c command)"},
      {Daemon::kSmtp, "4B0C72A1F3: host x said: a (in reply to b) (in reply to )"},
      {Daemon::kSmtp, "4B0C72A1F3: host x said: a (in reply to  command)"},
      {Daemon::kSmtp, "4B0C72A1F3: host x said: a (in reply to command)"},
      {Daemon::kSmtp, "4B0C72A1F3: host x said:  (in reply to MAIL FROM command)"},
      {Daemon::kSmtp, "4B0C72A1F3: host x said: (in reply to MAIL FROM command)"},
      {Daemon::kSmtp, "4B0C72A1F3: host x said: a (in reply to b"},
      {Daemon::kSmtp, "4B0C72A1F3: host x y said: a (in reply to b)"},
      {Daemon::kLmtp, "4B0C72A1F3: host mail.example.com[private/dovecot-lmtp] said: 452 4.2.2 quota (in reply to end of DATA command)"},
      {Daemon::kSmtp, "4B0C72A1F3: lost connection with mx.example.org[203.0.113.5] while receiving the initial server greeting"},
      {Daemon::kSmtp, "4B0C72A1F3: lost connection with x while "},
      {Daemon::kSmtp, "4B0C72A1F3: lost connection with  while x"},
      {Daemon::kSmtp, "4B0C72A1F3: lost connection with x\twhile y"},
      {Daemon::kSmtp, "4B0C72A1F3: conversation with mx.example.org[203.0.113.5] timed out while sending message body"},
      {Daemon::kSmtp, "4B0C72A1F3: conversation with x timed out whilst y"},
      // smtpd's notices on a client.
      {Daemon::kSmtpd, "improper command pipelining after EHLO from unknown[198.51.100.7]: QUIT\\r\\n"},
      {Daemon::kSmtpd, "improper command pipelining after DATA content from unknown[198.51.100.7]:25: x"},
      {Daemon::kSmtpd, "improper command pipelining after E-X from a[1.2.3.4]:"},
      {Daemon::kSmtpd, "improper command pipelining after -EHLO from a[1.2.3.4]: x"},
      {Daemon::kSmtpd, "SSL_accept error from unknown[198.51.100.7]: lost connection"},
      {Daemon::kSmtpd, "SSL_accept error from unknown[2001:db8::9]:41000: -1"},
      {Daemon::kSmtpd, "SSL_accept error from unknown[2001:db8::9]:41000"},
      {Daemon::kSmtpd, "warning: non-SMTP command from unknown[198.51.100.7]: GET / HTTP/1.1"},
      {Daemon::kSmtpd, "warning: non-SMTP command from unknown[198.51.100.7]:"},
      {Daemon::kSmtpd, "warning: Connection rate limit exceeded: 61 from unknown[198.51.100.7] for service smtp"},
      {Daemon::kSmtpd, "warning: AUTH command rate limit exceeded: 11 from unknown[2001:db8::9]:25 for service submission"},
      {Daemon::kSmtpd, "warning: Connection rate limit exceeded: 61 from unknown[198.51.100.7] for service smtp x"},
      {Daemon::kSmtpd, "warning: Connection rate limit exceeded: from unknown[198.51.100.7] for service smtp"},
      {Daemon::kSmtpd, "warning: Other rate limit exceeded: 6 from unknown[198.51.100.7] for service smtp"},
      {Daemon::kSmtpd, "warning: 198.51.100.7: address not listed for hostname host.example.net"},
      {Daemon::kSmtpd, "warning: 2001:db8::7%eth0: address not listed for hostname h"},
      {Daemon::kSmtpd, "warning: 198.51.100.7: address not listed for hostname "},
      {Daemon::kSmtpd, "warning: 198.51.100.7: address not listed for hostname a b"},
      {Daemon::kSmtpd, "warning: 4B0C72A1F3: address not listed for hostname h"},
      // tlsproxy.
      {Daemon::kTlsproxy, "CONNECT from [198.51.100.7]:5678"},
      {Daemon::kTlsproxy, "CONNECT to mx.example.org[203.0.113.5]:25"},
      {Daemon::kTlsproxy, "CONNECT from [2001:db8::7]:5678"},
      {Daemon::kTlsproxy, "CONNECT from [198.51.100.7]"},
      {Daemon::kTlsproxy, "CONNECT from [198.51.100.7]:"},
      {Daemon::kTlsproxy, "CONNECT from [198.51.100.7]:5678 "},
      {Daemon::kTlsproxy, "CONNECT from a b[198.51.100.7]:5678"},
      {Daemon::kTlsproxy, "CONNECT from a[b[c]:5678"},
      {Daemon::kTlsproxy, "CONNECT from 198.51.100.7:5678"},
      {Daemon::kTlsproxy, "DISCONNECT [198.51.100.7]:5678"},
      {Daemon::kTlsproxy, "DISCONNECT mx.example.org[203.0.113.5]:25"},
      {Daemon::kTlsproxy, "Anonymous TLS connection established from [198.51.100.7]:5678: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256"},
      {Daemon::kTlsproxy, "Verified TLS connection established to mx.example.org[203.0.113.5]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)"},
      {Daemon::kTlsproxy, "Trusted TLS connection reused from [198.51.100.7]:5678 to mx.example.com: TLSv1.3 with cipher X (128/128 bits)"},
      {Daemon::kTlsproxy, "Anonymous TLS connection established from [198.51.100.7]: TLSv1.3 with cipher X (256/256 bits)"},
      {Daemon::kTlsproxy, "Anonymous TLS connection established at [198.51.100.7]:5678: TLSv1.3 with cipher X (256/256 bits)"},
      {Daemon::kTlsproxy, "SSL_accept error from [198.51.100.7]:5678: lost connection"},
      // dnsblog.
      {Daemon::kDnsblog, "addr 198.51.100.7 listed by domain zen.spamhaus.org as 127.0.0.4"},
      {Daemon::kDnsblog, "addr 2001:db8::7 listed by domain bl.example as 127.0.0.2 extra text"},
      {Daemon::kDnsblog, "addr 1.2.3.4  listed by domain x as y"},
      {Daemon::kDnsblog, "addr 1.2.3.4 listed by domain x\tas y"},
      {Daemon::kDnsblog, "addr 1.2.3.4 listed by domain x as "},
      {Daemon::kDnsblog, "addr  listed by domain x as y"},
      // postscreen's tests.
      {Daemon::kPostscreen, "PREGREET 11 after 0.09 from [198.51.100.7]:5678: EHLO x\\r\\n"},
      {Daemon::kPostscreen, "PREGREET 11 after 0. from [198.51.100.7]:5678: x"},
      {Daemon::kPostscreen, "PREGREET 11 after .5 from [198.51.100.7]:5678: x"},
      {Daemon::kPostscreen, "PREGREET 99999999999999999999 after 1 from [198.51.100.7]:5678: x"},
      {Daemon::kPostscreen, "PREGREET 1 after 1.25 from [2001:db8::7]:5678: "},
      {Daemon::kPostscreen, "PREGREET 1 after 1.25 from [2001:db8::7]:5678:"},
      {Daemon::kPostscreen, "HANGUP after 0.3 from [198.51.100.7]:5678 in tests after SMTP handshake"},
      {Daemon::kPostscreen, "HANGUP after 12 from [198.51.100.7]:5678 in "},
      {Daemon::kPostscreen, "HANGUP after 12 from [198.51.100.7] in x"},
      {Daemon::kPostscreen, "COMMAND PIPELINING from [198.51.100.7]:5678 after EHLO: QUIT\\r\\n"},
      {Daemon::kPostscreen, "COMMAND PIPELINING from [198.51.100.7]:5678 after EHLO"},
      {Daemon::kPostscreen, "NON-SMTP COMMAND from [198.51.100.7]:5678 after CONNECT: GET / HTTP/1.1: x"},
      {Daemon::kPostscreen, "BARE NEWLINE from [198.51.100.7]:5678 after : x"},
      {Daemon::kPostscreen, "COMMAND COUNT LIMIT from [198.51.100.7]:5678 after "},
      {Daemon::kPostscreen, "COMMAND LENGTH LIMIT from [198.51.100.7]:5678 afterwards"},
      {Daemon::kPostscreen, "WHITELISTED [198.51.100.7]:5678"},
      {Daemon::kPostscreen, "ALLOWLISTED [2001:db8::7]:5678"},
      {Daemon::kPostscreen, "ALLOWLISTED [2001:db8::7]:5678 "},
      {Daemon::kPostscreen, "NOQUEUE: reject: CONNECT from [198.51.100.7]:5678: too many connections"},
      {Daemon::kPostscreen, "NOQUEUE: reject: CONNECT from [198.51.100.7]:5678: 421 4.3.2 All server ports are busy"},
      {Daemon::kPostscreen, "NOQUEUE: reject: CONNECT from [198.51.100.7]:5678:"},
      // pickup.
      {Daemon::kPickup, "4B0C72A1F3: uid=33 from=<www-data>"},
      {Daemon::kPickup, "4B0C72A1F3: uid=0 from=<>"},
      {Daemon::kPickup, "4B0C72A1F3: uid=0 from=<a>b>"},
      {Daemon::kPickup, "4B0C72A1F3: uid=0 from=<a> orig_id=3F2A81C0D2"},
      {Daemon::kPickup, "4B0C72A1F3: uid=0 from=<a> orig_id=3F2A81C0D2>"},
      {Daemon::kPickup, "4B0C72A1F3: uid=0 from=<a> orig_id=nope"},
      {Daemon::kPickup, "4B0C72A1F3: uid=0 from=<a"},
      {Daemon::kPickup, "4B0C72A1F3: uid= from=<a>"},
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
      {Daemon::kSmtpd, "4B0C72A1F3: client=a.b[1.2.3.4]:587, sasl_method=PLAIN, sasl_username=bob@example.com"},
      {Daemon::kSmtpd, "warning: hostname x.example.net does not resolve to address 192.0.2.9: Name or service not known"},
      {Daemon::kSmtpd, "warning: hostname x.example.net does not resolve to address 192.0.2.9"},
      {Daemon::kSmtpd, "warning: TLS library problem: error:0A00010B:SSL routines::wrong version number:../ssl/record/ssl3_record.c:354:"},
      {Daemon::kSmtp, "connect to mx.example.org[203.0.113.5]:25: Connection timed out"},
      {Daemon::kSmtp, "4B0C72A1F3: connect to mx.example.org[2001:db8::5]:25: Network is unreachable"},
      {Daemon::kLmtp, "connect to 127.0.0.1[127.0.0.1]:24: Connection refused"},
      {Daemon::kDnsblog, "addr 192.0.2.9 listed by domain zen.spamhaus.org as 127.0.0.4"},
      {Daemon::kPickup, "4B0C72A1F3: uid=33 from=<www-data>"},
      {Daemon::kPickup, "4Hs2Kx0hQ5z8Cw: uid=0 from=<root> orig_id=4B0C72A1F3"},
      {Daemon::kPostscreen, "PREGREET 11 after 0.09 from [198.51.100.7]:5678: EHLO x\\r\\n"},
      {Daemon::kPostscreen, "HANGUP after 0.3 from [198.51.100.7]:5678 in tests after SMTP handshake"},
      {Daemon::kPostscreen, "COMMAND PIPELINING from [198.51.100.7]:5678 after EHLO: QUIT\\r\\n"},
      {Daemon::kPostscreen, "WHITELISTED [198.51.100.7]:5678"},
      {Daemon::kPostscreen, "NOQUEUE: reject: CONNECT from [198.51.100.7]:5678: too many connections"},
      {Daemon::kSmtp, "4B0C72A1F3: host mx.example.org[203.0.113.5] said: 450 4.7.1 try later (in reply to RCPT TO command)"},
      {Daemon::kSmtp, "4B0C72A1F3: lost connection with mx.example.org[203.0.113.5] while receiving the initial server greeting"},
      {Daemon::kSmtp, "4B0C72A1F3: conversation with mx.example.org[203.0.113.5] timed out while sending message body"},
      {Daemon::kCleanup, "0000203DDE: reject: header Subject: cheap pills from unknown[192.0.2.9]; from=<a@example.net> to=<b@example.com> proto=ESMTP helo=<x>: 5.7.1 message content rejected"},
      {Daemon::kCleanup, "4B0C72A1F3: warning: header X-Mailer: bulk from local; from=<root@example.com>"},
      {Daemon::kCleanup, "4B0C72A1F3: hold: body x from mail.example.com[192.0.2.1]; from=<a> to=<b> proto=ESMTP helo=<h>: quarantined"},
      {Daemon::kCleanup, "4B0C72A1F3: milter-reject: END-OF-MESSAGE from unknown[198.51.100.7]: 5.7.1 Spam message rejected; from=<a@b.c> to=<x@example.com> proto=ESMTP helo=<x>"},
      {Daemon::kSmtpd, "improper command pipelining after EHLO from unknown[198.51.100.7]: QUIT\\r\\n"},
      {Daemon::kSmtpd, "SSL_accept error from unknown[198.51.100.7]: lost connection"},
      {Daemon::kSmtpd, "warning: non-SMTP command from unknown[198.51.100.7]: GET / HTTP/1.1"},
      {Daemon::kSmtpd, "warning: Connection rate limit exceeded: 61 from unknown[198.51.100.7] for service smtp"},
      {Daemon::kSmtpd, "warning: 198.51.100.7: address not listed for hostname host.example.net"},
      {Daemon::kSmtpd, "4B0C72A1F3: milter-reject: END-OF-MESSAGE from unknown[198.51.100.7]: 5.7.1 Spam message rejected; from=<a@b.c> to=<x@example.com> proto=ESMTP helo=<x>"},
      {Daemon::kSmtpd, "NOQUEUE: reject_warning: RCPT from unknown[198.51.100.7]: 450 4.7.1 x; from=<a@b.c> to=<x@example.com> proto=ESMTP helo=<x>"},
      {Daemon::kSmtpd, "NOQUEUE: filter: RCPT from unknown[198.51.100.7]: <x@example.com>: Recipient address triggers FILTER smtp-amavis:[127.0.0.1]:10024; from=<a@b.c> to=<x@example.com> proto=ESMTP helo=<x>"},
      {Daemon::kSmtpd, "4B0C72A1F3: hold: RCPT from unknown[198.51.100.7]: <x@example.com>: triggers HOLD action; from=<a@b.c> to=<x@example.com> proto=ESMTP helo=<x>"},
      {Daemon::kSmtpd, "warning: 198.51.100.7: hostname x.example.net verification failed: Name or service not known"},
      {Daemon::kSmtp, "warning: TLS library problem: error:0A000086:SSL routines::certificate verify failed:../ssl/statem/statem_clnt.c:1889:"},
      {Daemon::kSmtp, "4B0C72A1F3: Cannot start TLS: handshake failure"},
      {Daemon::kSmtp, "SSL_connect error to mx.example.org[203.0.113.5]:25: -1"},
      {Daemon::kTlsproxy, "CONNECT from [198.51.100.7]:5678"},
      {Daemon::kTlsproxy, "DISCONNECT [198.51.100.7]:5678"},
      {Daemon::kTlsproxy, "Anonymous TLS connection established from [198.51.100.7]:5678: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)"},
  };
  for (const auto& [daemon, line] : lines) {
    EXPECT_TRUE(CheckAgrees(daemon, line)) << "not taken: " << line;
  }
}

}  // namespace
}  // namespace mailgauge::parsers
