// Tests of MetricsSink through SourcePipeline: raw lines in, series out.
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "exporter/metrics.h"
#include "exporter/metrics_sink.h"
#include "exporter/source_pipeline.h"
#include "exporter/state_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"

namespace mailgauge::exporter {
namespace {

// A pipeline for source "test" reading 2026 log lines in UTC.
SourcePipelineOptions TestOptions() {
  SourcePipelineOptions options;
  options.source_name = "test";
  options.input.envelope.year = 2026;
  options.input.envelope.time_zone = absl::UTCTimeZone();
  return options;
}

class MetricsSinkTest : public ::testing::Test {
 protected:
  void Start(std::string instance_name = "") {
    auto m = ExporterMetrics::Create(registry_);
    ASSERT_TRUE(m.ok()) << m.status();
    metrics_ = *std::move(m);
    SourcePipelineOptions options = TestOptions();
    options.instance_name = std::move(instance_name);
    auto p = SourcePipeline::Create(*metrics_, options);
    ASSERT_TRUE(p.ok()) << p.status();
    pipeline_ = *std::move(p);
  }

  void Feed(const std::vector<std::string>& lines) {
    for (const std::string& l : lines) pipeline_->ProcessLine(l, false);
  }

  // Value of the series of `name` with exactly `labels` (counter, gauge, or
  // a histogram's sample count); -1 when absent.
  double Value(const std::string& name,
               const std::map<std::string, std::string>& labels) {
    for (const auto& f : registry_.Collect()) {
      if (f.name != name) continue;
      for (const auto& m : f.metric) {
        std::map<std::string, std::string> got;
        for (const auto& l : m.label) got[l.name] = l.value;
        if (got != labels) continue;
        switch (f.type) {
          case prometheus::MetricType::Counter: return m.counter.value;
          case prometheus::MetricType::Gauge: return m.gauge.value;
          case prometheus::MetricType::Histogram:
            return static_cast<double>(m.histogram.sample_count);
          default: return -2;
        }
      }
    }
    return -1;
  }

  size_t SeriesCount() {
    size_t n = 0;
    for (const auto& f : registry_.Collect()) n += f.metric.size();
    return n;
  }

  prometheus::Registry registry_;
  std::unique_ptr<ExporterMetrics> metrics_;
  std::unique_ptr<SourcePipeline> pipeline_;
};

const char kP[] = "Nov 25 19:22:46 vm ";

TEST_F(MetricsSinkTest, ConnectionsAndRejectsAtEveryStage) {
  Start();
  Feed({
      absl::StrCat(kP, "postfix/smtpd[1]: connect from unknown[127.0.0.2]"),
      absl::StrCat(kP, "postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[127.0.0.2]: 554 5.7.1 <v@elsewhere.test>: Relay access denied; from=<a@outside.test> to=<v@elsewhere.test> proto=ESMTP helo=<client.example.net>"),
      absl::StrCat(kP, "postfix/smtpd[1]: AD1EA1081DD: reject: RCPT from unknown[127.0.0.1]: 550 5.1.1 <n@example.test>: Recipient address rejected: User unknown in local recipient table; from=<a@example.test> to=<n@example.test> proto=ESMTP helo=<client.example.net>"),
      absl::StrCat(kP, "postfix/smtpd[1]: NOQUEUE: reject: MAIL from unknown[127.0.0.2]: 553 5.7.1 <a@b.test>: Sender address rejected: not logged in; from=<a@b.test> proto=ESMTP helo=<x>"),
      absl::StrCat(kP, "postfix/smtpd[1]: disconnect from unknown[127.0.0.2] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4"),
  });
  const std::string I = "postfix";
  EXPECT_EQ(1, Value("postfix_smtpd_connects_total", {{kInstanceLabel, I}}));
  EXPECT_EQ(1, Value("postfix_smtpd_disconnects_total", {{kInstanceLabel, I}}));
  EXPECT_EQ(1, Value("postfix_smtpd_messages_rejected_total",
                     {{kInstanceLabel, I}, {"code", "554"}, {"stage", "rcpt"}}));
  EXPECT_EQ(1, Value("postfix_smtpd_messages_rejected_total",
                     {{kInstanceLabel, I}, {"code", "550"}, {"stage", "rcpt"}}));
  EXPECT_EQ(1, Value("postfix_smtpd_messages_rejected_total",
                     {{kInstanceLabel, I}, {"code", "553"}, {"stage", "mail"}}));
  EXPECT_EQ(1, Value("mailgauge_rejects_total", {{kInstanceLabel, I},
                                                 {"daemon", "smtpd"},
                                                 {"stage", "rcpt"},
                                                 {"reason", "relay_denied"}}));
  EXPECT_EQ(1, Value("mailgauge_rejects_total", {{kInstanceLabel, I},
                                                 {"daemon", "smtpd"},
                                                 {"stage", "rcpt"},
                                                 {"reason", "unknown_user"}}));
  EXPECT_EQ(1, Value("mailgauge_relay_denied_total", {{kInstanceLabel, I}}));
  EXPECT_EQ(5, Value("mailgauge_log_lines_read_total", {{"source", "test"}}));
}

TEST_F(MetricsSinkTest, OneMessageFromArrivalToRemoval) {
  Start();
  Feed({
      absl::StrCat(kP, "postfix/smtpd[29806]: 7B6B31081DD: client=unknown[127.0.0.1]"),
      absl::StrCat(kP, "postfix/cleanup[29810]: 7B6B31081DD: message-id=<local_smtp.1@test>"),
      absl::StrCat(kP, "postfix/qmgr[29797]: 7B6B31081DD: from=<alice@example.test>, size=449, nrcpt=1 (queue active)"),
      "Nov 25 19:22:48 vm postfix/local[29811]: 7B6B31081DD: to=<bob@example.test>, relay=local, delay=2.04, delays=0.03/0.01/0/2, dsn=2.0.0, status=sent (delivered to mailbox)",
      "Nov 25 19:22:48 vm postfix/qmgr[29797]: 7B6B31081DD: removed",
  });
  const std::string I = "postfix";
  EXPECT_EQ(1, Value("postfix_smtpd_messages_processed_total",
                     {{kInstanceLabel, I}, {"sasl_method", ""}}));
  EXPECT_EQ(1, Value("postfix_cleanup_messages_processed_total", {{kInstanceLabel, I}}));
  EXPECT_EQ(1, Value("postfix_qmgr_messages_inserted_size_bytes", {{kInstanceLabel, I}}));
  EXPECT_EQ(1, Value("postfix_qmgr_messages_inserted_recipients", {{kInstanceLabel, I}}));
  EXPECT_EQ(1, Value("postfix_qmgr_messages_removed_total", {{kInstanceLabel, I}}));
  EXPECT_EQ(1, Value("mailgauge_delivery_attempts_total",
                     {{kInstanceLabel, I}, {"transport", "local"}, {"status", "sent"}}));
  for (const char* stage : {"before_qmgr", "in_qmgr", "conn_setup", "transmission"}) {
    EXPECT_EQ(1, Value("mailgauge_delivery_delays_seconds",
                       {{kInstanceLabel, I}, {"transport", "local"}, {"stage", stage}}))
        << stage;
  }
  // Record-driven series appear once the correlator closes the message.
  EXPECT_EQ(-1, Value("mailgauge_recipients_total",
                      {{kInstanceLabel, I}, {"transport", "local"}, {"status", "sent"}}));
  pipeline_->Finish();
  EXPECT_EQ(1, Value("mailgauge_recipients_total",
                     {{kInstanceLabel, I}, {"transport", "local"}, {"status", "sent"}}));
  EXPECT_EQ(1, Value("mailgauge_messages_received_total",
                     {{kInstanceLabel, I}, {"origin", "smtpd"}}));
  EXPECT_EQ(1, Value("mailgauge_messages_finished_total",
                     {{kInstanceLabel, I}, {"end", "removed"}}));
  EXPECT_EQ(1, Value("mailgauge_recipient_delivery_seconds",
                     {{kInstanceLabel, I}, {"status", "sent"}}));
  EXPECT_EQ(0, Value("mailgauge_messages_in_flight", {{"source", "test"}}));
}


TEST_F(MetricsSinkTest, AddressVerificationProbesAreNotMail) {
  // Real Postfix 3.7 with reject_unverified_recipient: verify(8)'s probes
  // (from double-bounce@, status=deliverable / undeliverable) beside the
  // one message they let in.
  Start();
  Feed({
      "Nov 28 03:31:12 vm postfix/cleanup[8967]: DB52A12C0F4: message-id=<20261128033112.DB52A12C0F4@mail.example.test>",
      "Nov 28 03:31:12 vm postfix/qmgr[8918]: DB52A12C0F4: from=<double-bounce@example.test>, size=237, nrcpt=1 (queue active)",
      "Nov 28 03:31:13 vm postfix/smtp[8968]: DB52A12C0F4: to=<ok1@remote.test>, relay=127.0.0.1[127.0.0.1]:2525, delay=0.16, delays=0.02/0.03/0.1/0, dsn=2.1.5, status=deliverable (250 2.1.5 Ok)",
      "Nov 28 03:31:13 vm postfix/qmgr[8918]: DB52A12C0F4: removed",
      "Nov 28 03:31:13 vm postfix/smtpd[8961]: D946212C0DE: client=unknown[127.0.0.2]",
      "Nov 28 03:31:13 vm postfix/cleanup[8967]: D946212C0DE: message-id=<v1@test>",
      "Nov 28 03:31:13 vm postfix/qmgr[8918]: D946212C0DE: from=<ext@sender.test>, size=222, nrcpt=1 (queue active)",
      "Nov 28 03:31:13 vm postfix/cleanup[8967]: DA6F412C0F4: message-id=<20261128033113.DA6F412C0F4@mail.example.test>",
      "Nov 28 03:31:13 vm postfix/qmgr[8918]: DA6F412C0F4: from=<double-bounce@example.test>, size=237, nrcpt=1 (queue active)",
      "Nov 28 03:31:13 vm postfix/smtp[8968]: D946212C0DE: to=<ok1@remote.test>, relay=127.0.0.1[127.0.0.1]:2525, delay=1.1, delays=1/0/0.09/0, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as PEER0001)",
      "Nov 28 03:31:13 vm postfix/qmgr[8918]: D946212C0DE: removed",
      "Nov 28 03:31:14 vm postfix/smtp[8971]: DA6F412C0F4: to=<reject-x@remote.test>, relay=127.0.0.1[127.0.0.1]:2525, delay=0.11, delays=0/0.02/0.09/0, dsn=5.1.1, status=undeliverable (host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <reject-x@remote.test>: Recipient address rejected: User unknown (in reply to RCPT TO command))",
      "Nov 28 03:31:14 vm postfix/qmgr[8918]: DA6F412C0F4: removed",
  });
  pipeline_->Finish();
  const std::string I = "postfix";
  EXPECT_EQ(1, Value("mailgauge_messages_received_total", {{kInstanceLabel, I}, {"origin", "smtpd"}}));
  EXPECT_EQ(-1, Value("mailgauge_messages_received_total",
                      {{kInstanceLabel, I}, {"origin", "unknown"}}));
  EXPECT_EQ(1, Value("mailgauge_messages_finished_total", {{kInstanceLabel, I}, {"end", "removed"}}));
  EXPECT_EQ(1, Value("mailgauge_recipients_total",
                     {{kInstanceLabel, I}, {"transport", "smtp"}, {"status", "sent"}}));
  EXPECT_EQ(-1, Value("mailgauge_recipients_total",
                      {{kInstanceLabel, I}, {"transport", "smtp"}, {"status", "bounced"}}));
  // The probes' results, from their lines.
  EXPECT_EQ(1, Value("mailgauge_delivery_attempts_total",
                     {{kInstanceLabel, I}, {"transport", "smtp"}, {"status", "deliverable"}}));
  EXPECT_EQ(1, Value("mailgauge_delivery_attempts_total",
                     {{kInstanceLabel, I}, {"transport", "smtp"}, {"status", "undeliverable"}}));
}
TEST_F(MetricsSinkTest, SmtpDelaysAreFourSeriesAndDeferralsHaveReasons) {
  Start();
  Feed({absl::StrCat(kP, "postfix/smtp[2]: B8DBD1081D7: to=<r@remote.test>, relay=127.0.0.1[127.0.0.1]:2525, delay=0.13, delays=0.01/0.01/0.1/0, dsn=4.4.1, status=deferred (connect to 127.0.0.1[127.0.0.1]:2525: Connection refused)"),
        absl::StrCat(kP, "postfix/smtp[2]: B8DBD1081D8: to=<r@remote.test>, relay=127.0.0.1[127.0.0.1]:2525, delay=0.13, delays=0.01/0.01/0.1/0, dsn=5.1.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <r@remote.test>: Recipient address rejected: User unknown (in reply to RCPT TO command))")});
  const std::string I = "postfix";
  for (const char* stage : {"before_queue_manager", "queue_manager",
                            "connection_setup", "transmission"}) {
    EXPECT_EQ(2, Value("postfix_smtp_delivery_delay_seconds",
                       {{kInstanceLabel, I}, {"stage", stage}}))
        << stage;
  }
  EXPECT_EQ(1, Value("postfix_smtp_messages_processed_total",
                     {{kInstanceLabel, I}, {"status", "deferred"}}));
  EXPECT_EQ(1, Value("postfix_smtp_deferred_messages_total", {{kInstanceLabel, I}}));
  EXPECT_EQ(1, Value("mailgauge_deferrals_total",
                     {{kInstanceLabel, I}, {"transport", "smtp"}, {"reason", "connection_refused"}}));
  EXPECT_EQ(1, Value("mailgauge_bounces_total",
                     {{kInstanceLabel, I}, {"transport", "smtp"}, {"reason", "user_unknown"}}));
}

TEST_F(MetricsSinkTest, LinesNotUnderstoodAreCountedByDaemonAndLevel) {
  Start();
  Feed({absl::StrCat(kP, "postfix/smtpd[1]: something nobody has seen before"),
        absl::StrCat(kP, "postfix/qmgr[1]: a brand new message"),
        absl::StrCat(kP, "dovecot[3]: imap-login: Login: user=<bob>"),
        "this is not a syslog line at all",
        absl::StrCat(kP, "postfix/smtpd[1]: smtp_stream_setup: maxtime=300 enable_deadline=0")});
  EXPECT_EQ(1, Value("postfix_unsupported_log_entries_total",
                     {{kInstanceLabel, "postfix"}, {"service", "smtpd"}, {"level", ""}}));
  EXPECT_EQ(1, Value("postfix_unsupported_log_entries_total",
                     {{kInstanceLabel, "postfix"}, {"service", "qmgr"}, {"level", ""}}));
  EXPECT_EQ(1, Value("mailgauge_log_lines_not_understood_total",
                     {{"source", "test"}, {"daemon", "smtpd"}}));
  pipeline_->SyncStats();
  EXPECT_EQ(1, Value("mailgauge_log_lines_other_programs_total", {{"source", "test"}}));
  EXPECT_EQ(1, Value("mailgauge_log_lines_malformed_total", {{"source", "test"}}));
  EXPECT_EQ(5, Value("mailgauge_log_lines_read_total", {{"source", "test"}}));
  // Verbose logging is understood, and counted apart.
  EXPECT_EQ(1, Value("mailgauge_log_lines_verbose_total", {{"source", "test"}}));
  EXPECT_EQ(-1, Value("mailgauge_log_lines_not_understood_total",
                      {{"source", "test"}, {"daemon", "other"}}));
}

// increase() takes a series' first sample as its start: the series the
// alerts count must exist at 0 before the first relay attempt or SASL
// failure, from the instance's first line of any kind.
TEST_F(MetricsSinkTest, AlertSeriesExistAtZeroFromAnInstancesFirstLine) {
  Start();
  EXPECT_EQ(-1, Value("mailgauge_relay_denied_total", {{kInstanceLabel, "postfix"}}));
  Feed({absl::StrCat(kP, "postfix/smtpd[1]: connect from unknown[127.0.0.2]"),
        absl::StrCat(kP, "postfix-out/qmgr[2]: 3F4A81081DD: removed")});
  for (const std::string instance : {"postfix", "postfix-out"}) {
    EXPECT_EQ(0, Value("mailgauge_relay_denied_total", {{kInstanceLabel, instance}}));
    EXPECT_EQ(0, Value("postfix_smtpd_sasl_authentication_failures_total",
                       {{kInstanceLabel, instance}}));
    for (const std::string method : {"", "PLAIN", "LOGIN", "CRAM-MD5", "other"}) {
      EXPECT_EQ(0, Value("mailgauge_sasl_authentication_failures_total",
                         {{kInstanceLabel, instance}, {"method", method}}))
          << instance << " " << method;
    }
  }
  Feed({absl::StrCat(kP, "postfix/smtpd[1]: warning: unknown[192.0.2.9]: SASL LOGIN authentication failed: UGFzc3dvcmQ6")});
  EXPECT_EQ(1, Value("mailgauge_sasl_authentication_failures_total",
                     {{kInstanceLabel, "postfix"}, {"method", "LOGIN"}}));
  EXPECT_EQ(0, Value("mailgauge_sasl_authentication_failures_total",
                     {{kInstanceLabel, "postfix-out"}, {"method", "LOGIN"}}));
}

// What Debian 12's prometheus-postfix-exporter (0.3.0) shows for the same
// lines, where its meaning is not a bug: its legacy histogram name, the
// FCrDNS warnings, and only "Connection timed out" as a timed-out connection.
TEST_F(MetricsSinkTest, PostfixExporterCompatibleNamesAndMeanings) {
  Start();
  Feed({
      absl::StrCat(kP, "postfix/qmgr[2]: 3F4A81081DD: from=<a@example.org>, size=1200, nrcpt=3 (queue active)"),
      absl::StrCat(kP, "postfix/smtpd[1]: warning: hostname 1-2-3-4.dyn.example.net does not resolve to address 192.0.2.4: Name or service not known"),
      absl::StrCat(kP, "postfix/smtpd[1]: warning: hostname host.example.net does not resolve to address 192.0.2.5"),
      absl::StrCat(kP, "postfix/smtpd[1]: warning: 192.0.2.6: hostname h.example.net verification failed: Name or service not known"),
      absl::StrCat(kP, "postfix/smtp[3]: connect to mx.example.net[192.0.2.25]:25: Connection timed out"),
      absl::StrCat(kP, "postfix/smtp[3]: 3F4A81081DD: connect to mx.example.net[192.0.2.26]:25: Connection timed out"),
      absl::StrCat(kP, "postfix/smtp[3]: connect to mx.example.net[192.0.2.27]:25: No route to host"),
      absl::StrCat(kP, "postfix/lmtp[4]: connect to mail.example.org[private/dovecot-lmtp]: Connection timed out"),
  });
  const std::map<std::string, std::string> I = {{kInstanceLabel, "postfix"}};
  EXPECT_EQ(1, Value("postfix_qmgr_messages_inserted_recipients", I));
  EXPECT_EQ(1, Value("postfix_qmgr_messages_inserted_receipients", I));
  EXPECT_EQ(2, Value("postfix_smtpd_forward_confirmed_reverse_dns_errors_total", I));
  EXPECT_EQ(2, Value("postfix_smtp_connection_timed_out_total", I));
  // Counters with only the instance label are there at 0, as
  // postfix_exporter's are from its start.
  EXPECT_EQ(0, Value("postfix_cleanup_messages_rejected_total", I));
  EXPECT_EQ(0, Value("postfix_qmgr_messages_expired_total", I));
  EXPECT_EQ(0, Value("postfix_smtpd_connects_total", I));
}

TEST_F(MetricsSinkTest, NamedSourceLabelsEveryLineWithItsName) {
  Start("mx2");
  Feed({absl::StrCat(kP, "postfix-out/smtpd[1]: connect from unknown[127.0.0.2]")});
  EXPECT_EQ(1, Value("postfix_smtpd_connects_total", {{kInstanceLabel, "mx2"}}));
  EXPECT_EQ(0, Value("mailgauge_relay_denied_total", {{kInstanceLabel, "mx2"}}));
  EXPECT_EQ(-1, Value("mailgauge_relay_denied_total", {{kInstanceLabel, "postfix-out"}}));
}

TEST_F(MetricsSinkTest, MultiInstanceLinesKeepTheirInstance) {
  Start();
  Feed({absl::StrCat(kP, "postfix-out/smtpd[1]: connect from unknown[127.0.0.2]"),
        absl::StrCat(kP, "postfix/submission/smtpd[1]: connect from unknown[127.0.0.2]")});
  EXPECT_EQ(1, Value("postfix_smtpd_connects_total", {{kInstanceLabel, "postfix-out"}}));
  EXPECT_EQ(1, Value("postfix_smtpd_connects_total", {{kInstanceLabel, "postfix"}}));
}

// 100,000 distinct hostile strings (addresses, client names and IPs, reply
// texts, RBL names, SASL methods and users, TLS ciphers, instance and daemon
// names) must not grow the number of series beyond a fixed bound.
TEST_F(MetricsSinkTest, HostileLogKeepsSeriesBounded) {
  Start();
  for (int i = 0; i < 100000; ++i) {
    const std::string n = absl::StrCat(i);
    const std::string inst = absl::StrCat("postfix-x", n);
    std::string line;
    switch (i % 8) {
      case 0:
        line = absl::StrCat(kP, inst, "/smtpd[1]: NOQUEUE: reject: RCPT from host", n,
                            ".example[10.", i % 250, ".", i % 199, ".1]: 554 5.7.1 Service unavailable; Client host [10.0.0.1] blocked using rbl", n,
                            ".example; spam ", n, "; from=<a", n, "@x.test> to=<b", n,
                            "@y.test> proto=ESMTP helo=<h", n, ">");
        break;
      case 1:
        line = absl::StrCat(kP, inst, "/smtpd[1]: ", "ABCDEF", n, ": client=c", n,
                            ".example[192.0.2.", i % 250, "]:", 1000 + i % 50000,
                            ", sasl_method=METHOD", n, ", sasl_username=user", n);
        break;
      case 2:
        line = absl::StrCat(kP, inst, "/smtpd[1]: warning: c", n, "[10.0.0.", i % 250,
                            "]: SASL M", n, " authentication failed: bad ", n);
        break;
      case 3:
        line = absl::StrCat(kP, inst, "/smtpd[1]: Anonymous TLS connection established from c", n,
                            "[10.0.0.1]: TLSv", n, " with cipher CIPHER_", n, " (", i, "/", i + 1,
                            " bits)");
        break;
      case 4:
        line = absl::StrCat(kP, inst, "/smtp[2]: ABC", n, ": to=<r", n, "@remote", n,
                            ".test>, relay=mx", n, ".test[10.0.0.2]:25, delay=0.1, delays=0.01/0.01/0.1/0, dsn=4.", i % 8, ".", i % 9,
                            ", status=deferred (host mx", n, " said: 450 weird reply ", n, ")");
        break;
      case 5:
        line = absl::StrCat(kP, "postfix/daemon", n, "[3]: warning: odd ", n);
        break;
      case 6:
        line = absl::StrCat(kP, inst, "/pipe[4]: ABC", n, ": to=<r", n, "@x.test>, relay=pipe", n,
                            ", delay=0.1, delays=0.01/0.01/0/0.1, dsn=2.0.0, status=sent (delivered via pipe", n, " service)");
        break;
      case 7:
        line = absl::StrCat(kP, inst, "/smtpd[1]: lost connection after CMD", n, " from c", n,
                            "[10.0.0.1]");
        break;
    }
    pipeline_->ProcessLine(line, false);
  }
  pipeline_->Finish();
  const size_t series = SeriesCount();
  EXPECT_LT(series, 1500u) << RenderExposition(registry_).substr(0, 4000);
  const std::string text = RenderExposition(registry_);
  EXPECT_EQ(std::string::npos, text.find("@")) << "an address became a label";
  EXPECT_EQ(std::string::npos, text.find("user1")) << "a SASL user became a label";
  EXPECT_EQ(std::string::npos, text.find("10.0.0")) << "an IP became a label";
  EXPECT_EQ(std::string::npos, text.find("postfix-x9999")) << "instance not capped";
}

// Relay abuse: an authenticated sender's distinct recipients and the
// distinct networks refused relaying, as gauges without names or addresses.
TEST_F(MetricsSinkTest, AbuseGaugesCountSendersAndNetworksNotNames) {
  Start();
  std::vector<std::string> lines;
  for (int m = 0; m < 3; ++m) {
    const std::string qid = absl::StrCat("AB12CD3", m);
    lines.push_back(absl::StrCat(kP, "postfix/smtpd[1]: ", qid,
                                 ": client=c.example[192.0.2.1], sasl_method=PLAIN, "
                                 "sasl_username=mallory"));
    for (int r = 0; r < 60; ++r) {  // 3 x 60 deliveries, 150 distinct
      lines.push_back(absl::StrCat(kP, "postfix/smtp[2]: ", qid, ": to=<v",
                                   (m * 60 + r) % 150,
                                   "@victim.test>, relay=mx.victim.test[198.51.100.1]:25, "
                                   "delay=1, delays=0.1/0/0.4/0.5, dsn=2.0.0, status=sent "
                                   "(250 2.0.0 Ok)"));
    }
    lines.push_back(absl::StrCat(kP, "postfix/qmgr[3]: ", qid, ": removed"));
  }
  lines.push_back(absl::StrCat(kP, "postfix/smtpd[1]: AB12CD40: client=c.example[192.0.2.1], "
                               "sasl_method=PLAIN, sasl_username=alice"));
  lines.push_back(absl::StrCat(kP, "postfix/local[4]: AB12CD40: to=<bob@mx.test>, relay=local, "
                               "delay=1, delays=0.1/0/0/0.9, dsn=2.0.0, status=sent "
                               "(delivered to mailbox)"));
  for (const char* addr : {"203.0.113.5", "203.0.113.77", "198.51.100.9", "2001:db8::5"}) {
    lines.push_back(absl::StrCat(kP, "postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[",
                                 addr, "]: 454 4.7.1 <x@elsewhere.test>: Relay access denied; "
                                 "from=<s@spam.test> to=<x@elsewhere.test> proto=ESMTP "
                                 "helo=<spam>"));
  }
  Feed(lines);
  pipeline_->SyncStats();
  EXPECT_EQ(1, Value("mailgauge_sasl_senders_over_threshold", {{"source", "test"}}));
  EXPECT_EQ(150, Value("mailgauge_sasl_sender_top_recipients", {{"source", "test"}, {"rank", "1"}}));
  EXPECT_EQ(1, Value("mailgauge_sasl_sender_top_recipients", {{"source", "test"}, {"rank", "2"}}));
  EXPECT_EQ(0, Value("mailgauge_sasl_sender_top_recipients", {{"source", "test"}, {"rank", "5"}}));
  EXPECT_EQ(-1, Value("mailgauge_sasl_sender_top_recipients", {{"source", "test"}, {"rank", "6"}}));
  EXPECT_EQ(3, Value("mailgauge_relay_denied_client_networks", {{"source", "test"}}));
  ASSERT_EQ(2u, pipeline_->TopSenders().size());
  EXPECT_EQ("mallory", pipeline_->TopSenders()[0].name);
  const std::string text = RenderExposition(registry_);
  EXPECT_EQ(std::string::npos, text.find("mallory"));
  EXPECT_EQ(std::string::npos, text.find("203.0.113"));
}

// The same under 100,000 distinct hostile SASL users, recipients and
// relay-denied clients: the abuse gauges add a fixed number of series.
TEST_F(MetricsSinkTest, HostileSendersKeepSeriesBounded) {
  Start();
  for (int i = 0; i < 100000; ++i) {
    const std::string n = absl::StrCat(i);
    const std::string qid = absl::StrCat("C0FFEE", n);
    pipeline_->ProcessLine(absl::StrCat(kP, "postfix/smtpd[1]: ", qid, ": client=c", n,
                                        ".example[10.1.", i % 250, ".1], sasl_method=LOGIN, "
                                        "sasl_username=evil\"user{", n, "}"),
                           false);
    pipeline_->ProcessLine(absl::StrCat(kP, "postfix/smtp[2]: ", qid, ": to=<r", n,
                                        "@x", n, ".test>, relay=none, delay=1, "
                                        "delays=0.1/0/0.9/0, dsn=4.4.1, status=deferred "
                                        "(connect to x: Connection timed out)"),
                           false);
    pipeline_->ProcessLine(absl::StrCat(kP, "postfix/smtpd[1]: NOQUEUE: reject: RCPT from u[10.",
                                        (i >> 8) & 255, ".", i & 255, ".9]: 554 5.7.1 <a", n,
                                        "@b.test>: Relay access denied; from=<s@t.test> to=<a",
                                        n, "@b.test> proto=ESMTP helo=<h>"),
                           false);
  }
  pipeline_->SyncStats();
  EXPECT_LT(SeriesCount(), 400u);
  EXPECT_GT(Value("mailgauge_relay_denied_client_networks", {{"source", "test"}}), 1000);
  const std::string text = RenderExposition(registry_);
  EXPECT_EQ(std::string::npos, text.find("evil"));
  EXPECT_EQ(std::string::npos, text.find("@"));
}

// A capped label (TLS ciphers: 32 names) keeps its cap across a restart:
// the values of the restored series count as learned.
TEST(MetricsSinkRestartTest, CapsHoldAcrossARestart) {
  auto tls_line = [](int i) {
    return absl::StrCat(kP, "postfix/smtpd[1]: Anonymous TLS connection established from c",
                        "[10.0.0.1]: TLSv1.3 with cipher CIPHER_", i, " (256/256 bits)");
  };
  auto ciphers = [](const prometheus::Registry& r) {
    std::set<std::string> names;
    for (const auto& f : r.Collect()) {
      if (f.name != "postfix_smtpd_tls_connections_total") continue;
      for (const auto& m : f.metric) {
        for (const auto& l : m.label) {
          if (l.name == "cipher") names.insert(l.value);
        }
      }
    }
    return names;
  };
  SourcePipelineOptions options = TestOptions();
  prometheus::Registry before;
  auto m1 = ExporterMetrics::Create(before);
  ASSERT_TRUE(m1.ok());
  auto p1 = SourcePipeline::Create(**m1, options);
  ASSERT_TRUE(p1.ok());
  for (int i = 0; i < 40; ++i) (*p1)->ProcessLine(tls_line(i), false);
  EXPECT_EQ(33u, ciphers(before).size());  // 32 names and "other"
  const std::vector<prometheus::MetricFamily> saved = CaptureMetrics(before);

  prometheus::Registry after;
  auto m2 = ExporterMetrics::Create(after);
  ASSERT_TRUE(m2.ok());
  ASSERT_TRUE(RestoreMetrics(saved, **m2).ok());
  auto p2 = SourcePipeline::Create(**m2, options);
  ASSERT_TRUE(p2.ok());
  (*p2)->LearnRestoredLabels(saved);
  for (int i = 100; i < 140; ++i) (*p2)->ProcessLine(tls_line(i), false);
  (*p2)->ProcessLine(tls_line(5), false);  // a name learned before: its own series
  EXPECT_EQ(33u, ciphers(after).size());
  EXPECT_EQ(2, [&] {
    for (const auto& f : after.Collect()) {
      if (f.name != "postfix_smtpd_tls_connections_total") continue;
      for (const auto& m : f.metric) {
        for (const auto& l : m.label) {
          if (l.name == "cipher" && l.value == "CIPHER_5") return m.counter.value;
        }
      }
    }
    return -1.0;
  }());
}

// The exporter defers metric updates to the end of each batch of lines
// (SourcePipelineOptions::deferred_metrics): the exposition after each batch
// must be exactly what updating line by line gives, histogram sums (added
// in another order) included, also on series restored from a state file.
TEST(DeferredMetricsTest, SameExpositionAsLineByLine) {
  std::vector<std::string> lines;
  for (int i = 0; i < 600; ++i) {
    const std::string id = absl::StrCat("1A", 10000000 + i);
    const std::string t = absl::StrCat("Nov 25 19:", 10 + i / 60 % 40, ":",
                                       10 + i % 40, " vm ");
    lines.push_back(absl::StrCat(t, "postfix/smtpd[1]: connect from unknown[127.0.0.2]"));
    lines.push_back(absl::StrCat(t, "postfix/smtpd[1]: ", id, ": client=unknown[127.0.0.2]"));
    lines.push_back(absl::StrCat(t, "postfix/cleanup[2]: ", id, ": message-id=<", i, "@test>"));
    lines.push_back(absl::StrCat(t, "postfix/qmgr[3]: ", id, ": from=<a@example.test>, size=",
                                 100 + i * 37, ", nrcpt=", 1 + i % 3, " (queue active)"));
    const char* status = i % 7 == 0 ? "deferred" : i % 11 == 0 ? "bounced" : "sent";
    lines.push_back(absl::StrCat(
        t, i % 5 == 0 ? "postfix/lmtp[4]: " : "postfix/smtp[4]: ", id,
        ": to=<b", i, "@example.org>, relay=mx.example.org[192.0.2.1]:25, delay=1.",
        i % 10, ", delays=0.", i % 9, "/0.0", i % 7, "/0.", i % 3, "1/1.", i % 13,
        ", dsn=2.0.0, status=", status, " (250 ok)"));
    lines.push_back(absl::StrCat(t, "postfix/qmgr[3]: ", id, ": removed"));
    lines.push_back(absl::StrCat(t, "postfix/smtpd[1]: disconnect from unknown[127.0.0.2]"));
  }
  auto run = [&](bool deferred, bool restore) {
    prometheus::Registry earlier;
    auto m0 = ExporterMetrics::Create(earlier);
    EXPECT_TRUE(m0.ok());
    SourcePipelineOptions options = TestOptions();
    auto p0 = SourcePipeline::Create(**m0, options);
    EXPECT_TRUE(p0.ok());
    for (size_t i = 0; i < 70; ++i) (*p0)->ProcessLine(lines[i], false);
    (*p0)->Finish();

    prometheus::Registry registry;
    auto m = ExporterMetrics::Create(registry);
    EXPECT_TRUE(m.ok());
    if (restore) {
      EXPECT_TRUE(RestoreMetrics(CaptureMetrics(earlier), **m).ok());
    }
    options.deferred_metrics = deferred;
    auto p = SourcePipeline::Create(**m, options);
    EXPECT_TRUE(p.ok());
    std::vector<std::string> snapshots;
    for (size_t i = 0; i < lines.size(); ++i) {
      (*p)->ProcessLine(lines[i], false);
      if (i % 97 == 96) {
        (*p)->SyncStats();
        snapshots.push_back(RenderExposition(registry));
      }
    }
    (*p)->Finish();
    snapshots.push_back(RenderExposition(registry));
    return snapshots;
  };
  for (bool restore : {false, true}) {
    const std::vector<std::string> each = run(false, restore);
    const std::vector<std::string> deferred = run(true, restore);
    ASSERT_EQ(each.size(), deferred.size());
    for (size_t i = 0; i < each.size(); ++i) {
      if (each[i] == deferred[i]) continue;
      std::vector<std::string> a = absl::StrSplit(each[i], '\n');
      std::vector<std::string> b = absl::StrSplit(deferred[i], '\n');
      std::string diff;
      for (size_t j = 0; j < std::min(a.size(), b.size()); ++j) {
        if (a[j] != b[j]) absl::StrAppend(&diff, "\n- ", a[j], "\n+ ", b[j]);
      }
      ADD_FAILURE() << "batch " << i << " restore " << restore << diff;
    }
    EXPECT_NE(std::string::npos,
              each.back().find("postfix_lmtp_delivery_delay_seconds_sum"));
  }
}

// Deferred updates wait for SyncStats().
TEST(DeferredMetricsTest, VisibleAfterSyncStats) {
  prometheus::Registry registry;
  auto m = ExporterMetrics::Create(registry);
  ASSERT_TRUE(m.ok());
  SourcePipelineOptions options = TestOptions();
  options.deferred_metrics = true;
  auto p = SourcePipeline::Create(**m, options);
  ASSERT_TRUE(p.ok());
  (*p)->ProcessLine(absl::StrCat(kP, "postfix/smtpd[1]: connect from unknown[127.0.0.2]"),
                    false);
  const std::string before = RenderExposition(registry);
  EXPECT_NE(std::string::npos,
            before.find("mailgauge_log_lines_read_total{source=\"test\"} 0"));
  // The series exists (made at first use), its value waits.
  EXPECT_NE(std::string::npos,
            before.find("postfix_smtpd_connects_total{postfix_instance=\"postfix\"} 0"));
  (*p)->SyncStats();
  const std::string after = RenderExposition(registry);
  EXPECT_NE(std::string::npos,
            after.find("mailgauge_log_lines_read_total{source=\"test\"} 1"));
  EXPECT_NE(std::string::npos,
            after.find("postfix_smtpd_connects_total{postfix_instance=\"postfix\"} 1"));
}

}  // namespace
}  // namespace mailgauge::exporter
