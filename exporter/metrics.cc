#include "exporter/metrics.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <sstream>

#include "absl/container/node_hash_set.h"
#include "absl/strings/str_cat.h"
#include "prometheus/check_names.h"
#include "prometheus/text_serializer.h"

namespace mailgauge::exporter {
namespace {

using M = MetricId;
using T = MetricType;

// postfix_exporter's delay buckets (seconds).
const std::vector<double> kDelayBuckets = {1e-3, 1e-2, 1e-1, 1.0,   10,
                                           60,   3600, 86400, 172800};
// End-to-end delivery time of a recipient (seconds).
const std::vector<double> kEndToEndBuckets = {1,    5,     15,    60,    300,
                                              900,  3600,  14400, 86400, 432000};
const std::vector<double> kSizeBuckets = {1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
const std::vector<double> kRecipientBuckets = {1, 2, 4, 8, 16, 32, 64, 128};

constexpr char kI[] = "postfix_instance";

constexpr char kInstanceValues[] =
    "`postfix_instance`: the source's name (`--log.file NAME=PATH`) or the "
    "Postfix instance of the line (`postfix`, `postfix-out`; at most 16, then "
    "`other`)";
constexpr char kTlsValues[] =
    "`trust`: Anonymous, Untrusted, Trusted, Verified; `protocol`: SSLv3, "
    "TLSv1, TLSv1.1, TLSv1.2, TLSv1.3, other; `cipher`: OpenSSL cipher name "
    "(at most 32, then other); `secret_bits`, `algorithm_bits`: numbers "
    "(at most 16 each)";
constexpr char kStatusValues[] =
    "`status`: sent, deferred, bounced, expired, undeliverable, deliverable, "
    "other";
constexpr char kSmtpStatusValues[] =
    "`status`: sent, deferred, bounced, expired, undeliverable, deliverable, "
    "other; SOFTBOUNCE (as postfix_exporter names a deferral under "
    "`soft_bounce = yes`, which postfix_smtp_deferred_messages_total does "
    "not count)";
constexpr char kTransportValues[] =
    "`transport`: the delivering daemon: smtp, lmtp, local, virtual, pipe, "
    "error, discard, qmgr, other";
constexpr char kQueueValues[] =
    "`queue`: maildrop, incoming, active, deferred, hold";
constexpr char kSourceValues[] =
    "`source`: the source's name (`--log.file NAME=PATH`, else the path)";

std::vector<MetricSpec> BuildSpecs() {
  std::vector<MetricSpec> s = {
      {M::kPostfixUp, "postfix_up", T::kGauge,
       "Whether the last read of the log file succeeded (1) or not (0).",
       {"path"}, {}, "`path`: the log file as given on the command line"},
      {M::kSmtpdConnects, "postfix_smtpd_connects_total", T::kCounter,
       "Incoming SMTP connections (smtpd connect from).", {kI}, {}, kInstanceValues},
      {M::kSmtpdDisconnects, "postfix_smtpd_disconnects_total", T::kCounter,
       "Incoming SMTP disconnections (smtpd disconnect from).", {kI}, {},
       kInstanceValues},
      {M::kSmtpdMessagesProcessed, "postfix_smtpd_messages_processed_total",
       T::kCounter,
       "Messages received by smtpd (QID: client= lines), by SASL method "
       "(\"\" when not authenticated).",
       {kI, "sasl_method"}, {},
       "`sasl_method`: \"\", PLAIN, LOGIN, CRAM-MD5, DIGEST-MD5, NTLM, GSSAPI, "
       "XOAUTH2, OAUTHBEARER, SCRAM-SHA-1, SCRAM-SHA-256, EXTERNAL, ANONYMOUS, "
       "other"},
      {M::kSmtpdMessagesRejected, "postfix_smtpd_messages_rejected_total",
       T::kCounter,
       "smtpd rejects at every SMTP stage (NOQUEUE and queued), by reply code "
       "and stage.",
       {kI, "code", "stage"}, {},
       "`code`: the 3-digit reply code (400-599, else other); `stage`: "
       "connect, helo, ehlo, mail, rcpt, data, end_of_message, etrn, vrfy, "
       "auth, header, body, other"},
      {M::kSmtpdSaslFailures,
       "postfix_smtpd_sasl_authentication_failures_total", T::kCounter,
       "SASL authentication failures (and aborts) reported by smtpd.", {kI}, {},
       kInstanceValues},
      {M::kSmtpdTlsConnections, "postfix_smtpd_tls_connections_total",
       T::kCounter, "Incoming TLS connections established.",
       {kI, "trust", "protocol", "cipher", "secret_bits", "algorithm_bits"}, {},
       kTlsValues},
      {M::kSmtpdConnectionsLost, "postfix_smtpd_connections_lost_total",
       T::kCounter, "Incoming connections lost, by the last SMTP command.",
       {kI, "after_stage"}, {},
       "`after_stage`: CONNECT, EHLO, HELO, STARTTLS, AUTH, MAIL, RCPT, DATA, "
       "BDAT, END-OF-MESSAGE, RSET, NOOP, VRFY, ETRN, QUIT, UNKNOWN, other"},
      {M::kSmtpdFcrdnsErrors,
       "postfix_smtpd_forward_confirmed_reverse_dns_errors_total", T::kCounter,
       "Clients whose name does not resolve back to their address (smtpd "
       "warning: hostname H does not resolve to address A).",
       {kI}, {}, kInstanceValues},
      {M::kSmtpTlsConnections, "postfix_smtp_tls_connections_total",
       T::kCounter, "Outgoing TLS connections established.",
       {kI, "trust", "protocol", "cipher", "secret_bits", "algorithm_bits"}, {},
       kTlsValues},
      {M::kSmtpMessagesProcessed, "postfix_smtp_messages_processed_total",
       T::kCounter, "Delivery attempts by the smtp client, by status.",
       {kI, "status"}, {}, kSmtpStatusValues},
      {M::kSmtpDeferredMessages, "postfix_smtp_deferred_messages_total",
       T::kCounter, "Delivery attempts by the smtp client that were deferred.",
       {kI}, {}, kInstanceValues},
      {M::kSmtpConnectionTimedOut, "postfix_smtp_connection_timed_out_total",
       T::kCounter, "Outgoing SMTP connections that timed out.", {kI}, {},
       kInstanceValues},
      {M::kSmtpDeliveryDelay, "postfix_smtp_delivery_delay_seconds",
       T::kHistogram,
       "The four parts of delays=a/b/c/d of smtp deliveries, one series per "
       "stage.",
       {kI, "stage"}, kDelayBuckets,
       "`stage`: before_queue_manager, queue_manager, connection_setup, "
       "transmission"},
      {M::kLmtpDeliveryDelay, "postfix_lmtp_delivery_delay_seconds",
       T::kHistogram,
       "The four parts of delays=a/b/c/d of lmtp deliveries, one series per "
       "stage.",
       {kI, "stage"}, kDelayBuckets,
       "`stage`: before_queue_manager, queue_manager, connection_setup, "
       "transmission"},
      {M::kPipeDeliveryDelay, "postfix_pipe_delivery_delay_seconds",
       T::kHistogram,
       "The four parts of delays=a/b/c/d of pipe deliveries, by relay (the "
       "master.cf transport) and stage.",
       {kI, "relay", "stage"}, kDelayBuckets,
       "`relay`: the pipe transport name (at most 16, then other); `stage`: "
       "before_queue_manager, queue_manager, connection_setup, transmission"},
      {M::kQmgrInsertedSize, "postfix_qmgr_messages_inserted_size_bytes",
       T::kHistogram, "Size of messages entering the active queue (qmgr size=).",
       {kI}, kSizeBuckets, kInstanceValues},
      {M::kQmgrInsertedRecipients, "postfix_qmgr_messages_inserted_recipients",
       T::kHistogram,
       "Recipients per message entering the active queue (qmgr nrcpt=).", {kI},
       kRecipientBuckets, kInstanceValues},
      {M::kQmgrInsertedRecipientsLegacy, "postfix_qmgr_messages_inserted_receipients",
       T::kHistogram,
       "The same as postfix_qmgr_messages_inserted_recipients, under the name "
       "postfix_exporter 0.3.0 (Debian 12's prometheus-postfix-exporter) gives "
       "it, spelling included.",
       {kI}, kRecipientBuckets, kInstanceValues},
      {M::kQmgrRemoved, "postfix_qmgr_messages_removed_total", T::kCounter,
       "Messages removed from the queue (qmgr QID: removed).", {kI}, {},
       kInstanceValues},
      {M::kQmgrExpired, "postfix_qmgr_messages_expired_total", T::kCounter,
       "Messages returned to the sender after maximal_queue_lifetime.", {kI},
       {}, kInstanceValues},
      {M::kCleanupProcessed, "postfix_cleanup_messages_processed_total",
       T::kCounter, "Messages processed by cleanup (message-id= lines).", {kI},
       {}, kInstanceValues},
      {M::kCleanupRejected, "postfix_cleanup_messages_rejected_total",
       T::kCounter,
       "Messages rejected by cleanup (header/body checks, milters).", {kI}, {},
       kInstanceValues},
      {M::kBounceNonDelivery, "postfix_bounce_non_delivery_notification_total",
       T::kCounter, "Non-delivery notifications sent by bounce.", {kI}, {},
       kInstanceValues},
      {M::kVirtualDelivered, "postfix_virtual_delivered_total", T::kCounter,
       "Recipients delivered by virtual(8).", {kI}, {}, kInstanceValues},
      {M::kUnsupportedLogEntries, "postfix_unsupported_log_entries_total",
       T::kCounter,
       "Postfix log lines no pattern understands, by daemon and level.",
       {kI, "service", "level"}, {},
       "`service`: the Postfix daemon (smtpd, qmgr, ..., other), or exim; `level`: \"\", "
       "warning, error, fatal, panic"},

      {M::kDeliveryAttempts, "mailgauge_delivery_attempts_total", T::kCounter,
       "Delivery attempts (every status= line), by transport and status.",
       {kI, "transport", "status"}, {},
       "`transport` and `status` as for mailgauge_recipients_total"},
      {M::kRecipients, "mailgauge_recipients_total", T::kCounter,
       "Recipients of finished messages by the transport of their last "
       "attempt and their final status; content-filter and forwarding hops "
       "are joined, so each recipient counts once. Address-verification "
       "probes are not mail and not counted (their results are "
       "mailgauge_delivery_attempts_total's deliverable and undeliverable).",
       {kI, "transport", "status"}, {},
       "`transport`: smtp, lmtp, local, virtual, pipe, error, discard, qmgr, "
       "none, other; `status`: sent, bounced, expired, deleted, deferred, held, "
       "discarded, unknown"},
      {M::kDeferrals, "mailgauge_deferrals_total", T::kCounter,
       "Deferred delivery attempts by transport and reason class.",
       {kI, "transport", "reason"}, {},
       "`reason`: connection_refused, connection_timed_out, dns, tls_failure, "
       "greylisted, remote_rate_limit, mailbox_full, user_unknown, "
       "policy_spam, message_too_large, loop, expired, other"},
      {M::kBounces, "mailgauge_bounces_total", T::kCounter,
       "Bounced recipients (status=bounced and expired) by transport and "
       "reason class.",
       {kI, "transport", "reason"}, {}, "`reason`: as for mailgauge_deferrals_total"},
      {M::kRejects, "mailgauge_rejects_total", T::kCounter,
       "Rejects by smtpd, cleanup and postscreen, by daemon, stage and reason "
       "class.",
       {kI, "daemon", "stage", "reason"}, {},
       "`daemon`: smtpd, cleanup, postscreen, other; `stage`: as for "
       "postfix_smtpd_messages_rejected_total; `reason`: relay_denied, "
       "unknown_user, unknown_sender_domain, rbl, helo, client_host, "
       "reverse_dns, sender_restriction, recipient_restriction, message_size, "
       "header_check, body_check, milter, policy_service, greylisting, "
       "rate_limit, pipelining, tls_required, content_filter, other"},
      {M::kRblRejects, "mailgauge_rbl_rejects_total", T::kCounter,
       "Rejects citing a DNS blocklist, by list.", {kI, "list"}, {},
       "`list`: the DNSBL zone (at most 32, then other)"},
      {M::kRelayDenied, "mailgauge_relay_denied_total", T::kCounter,
       "Relay access denied: attempts to relay through this server.", {kI}, {},
       kInstanceValues},
      {M::kSaslFailures, "mailgauge_sasl_authentication_failures_total",
       T::kCounter, "SASL authentication failures by mechanism.",
       {kI, "method"}, {},
       "`method`: as `sasl_method` of postfix_smtpd_messages_processed_total"},
      {M::kDeliveryDelays, "mailgauge_delivery_delays_seconds", T::kHistogram,
       "delays=a/b/c/d of every delivery attempt, by transport and stage.",
       {kI, "transport", "stage"}, kDelayBuckets,
       "`transport`: as above; `stage`: before_qmgr, in_qmgr, conn_setup, "
       "transmission"},
      {M::kRecipientDeliveryTime, "mailgauge_recipient_delivery_seconds",
       T::kHistogram,
       "End-to-end time from a message's arrival to each recipient's final "
       "outcome, across content-filter hops.",
       {kI, "status"}, kEndToEndBuckets,
       "`status`: sent, bounced, expired"},
      {M::kMessagesReceived, "mailgauge_messages_received_total", T::kCounter,
       "Finished messages by how they entered (re-injected hops joined; "
       "address-verification probes not counted).",
       {kI, "origin"}, {},
       "`origin`: smtpd, pickup, notification, local, unknown, other"},
      {M::kMessagesFinished, "mailgauge_messages_finished_total", T::kCounter,
       "Messages the correlator closed, by how they ended (address-verification "
       "probes not counted).", {kI, "end"}, {},
       "`end`: removed, deleted, expired, rejected, discarded, requeued, "
       "corrupt, canceled, evicted_age, evicted_cap, abandoned, end_of_input, "
       "other"},
      {M::kSaslSendersOverThreshold, "mailgauge_sasl_senders_over_threshold",
       T::kGauge,
       "SASL-authenticated senders whose messages went to at least "
       "--abuse.sender-recipients distinct recipients within the last "
       "--abuse.window of log time (a compromised account sends to many). "
       "Their names are on the /senders page, never in a label.",
       {"source"}, {}, kSourceValues},
      {M::kSaslSenderTopRecipients, "mailgauge_sasl_sender_top_recipients",
       T::kGauge,
       "Distinct recipients within --abuse.window of the authenticated sender "
       "ranked `rank` by that count (1 = most); 0 when fewer senders were "
       "active. The rank, not the name, is the label.",
       {"source", "rank"}, {},
       "`source` as above; `rank`: 1 to --abuse.top-senders (default 5)"},
      {M::kRelayDeniedNetworks, "mailgauge_relay_denied_client_networks",
       T::kGauge,
       "Distinct client networks (/24 for IPv4, /64 for IPv6) refused with "
       "\"Relay access denied\" within the last --abuse.window of log time "
       "(exact, up to 65536 networks).",
       {"source"}, {}, kSourceValues},

      {M::kLogLinesRead, "mailgauge_log_lines_read_total", T::kCounter,
       "Log lines read.", {"source"}, {}, kSourceValues},
      {M::kLogBytesRead, "mailgauge_log_bytes_read_total", T::kCounter,
       "Log bytes read, line ends included.", {"source"}, {}, kSourceValues},
      {M::kLogLinesMalformed, "mailgauge_log_lines_malformed_total",
       T::kCounter, "Lines whose syslog envelope could not be read.",
       {"source"}, {}, kSourceValues},
      {M::kLogLinesOtherPrograms, "mailgauge_log_lines_other_programs_total",
       T::kCounter, "Lines from programs other than Postfix (skipped).",
       {"source"}, {}, kSourceValues},
      {M::kLogLinesVerbose, "mailgauge_log_lines_verbose_total", T::kCounter,
       "Lines of Postfix's verbose logging (-v in master.cf, debug_peer_list): "
       "understood, saying nothing about mail; left on, it fills the log.",
       {"source"}, {}, kSourceValues},
      {M::kLogLinesNotUnderstood, "mailgauge_log_lines_not_understood_total",
       T::kCounter, "Postfix (and Exim) lines no pattern understands, by daemon.",
       {"source", "daemon"}, {},
       "`source` as above; `daemon`: smtpd, qmgr, ..., other, exim"},
      {M::kLogRotations, "mailgauge_log_rotations_total", T::kCounter,
       "Log file rotations followed (renamed or deleted and re-created).",
       {"source"}, {}, kSourceValues},
      {M::kLogTruncations, "mailgauge_log_truncations_total", T::kCounter,
       "Log file truncations followed (copytruncate).", {"source"}, {},
       kSourceValues},
      {M::kLogReadErrors, "mailgauge_log_read_errors_total", T::kCounter,
       "Failed attempts to open or read the log file.", {"source"}, {},
       kSourceValues},
      {M::kJournalPositionsLost, "mailgauge_journal_positions_lost_total",
       T::kCounter,
       "Times the journal entry at the saved position was gone when reading "
       "resumed: its journal file was deleted (vacuumed) before the exporter "
       "read it to the end, and the entries after it in that file were not "
       "read.",
       {"source"}, {}, kSourceValues},
      {M::kJournalEntriesLost, "mailgauge_journal_entries_lost_total",
       T::kCounter,
       "Journal entries (of any program) known lost that way: the gap in "
       "sequence numbers between the saved position and the next entry, when "
       "both are in the same sequence (journald keeps one across rotations).",
       {"source"}, {}, kSourceValues},
      {M::kMessagesInFlight, "mailgauge_messages_in_flight", T::kGauge,
       "Messages the correlator holds open.", {"source"}, {}, kSourceValues},
      {M::kCorrelatorEvictions, "mailgauge_correlator_evictions_total",
       T::kCounter,
       "Messages closed without their last line: too old, over the cap, or "
       "abandoned before reaching the queue manager.",
       {"source", "reason"}, {}, "`reason`: age, cap, abandoned"},
      {M::kLogNewestLineTimestamp, "mailgauge_log_newest_line_timestamp_seconds",
       T::kGauge, "Time written in the newest Postfix line read (Unix seconds).",
       {"source"}, {}, kSourceValues},
      {M::kLogLag, "mailgauge_log_lag_seconds", T::kGauge,
       "Seconds between now and the newest Postfix line read.", {"source"}, {},
       kSourceValues},
      {M::kSourceUp, "mailgauge_source_up", T::kGauge,
       "Whether the source is open and its last read succeeded (1) or not (0).",
       {"source"}, {}, kSourceValues},
      {M::kStateFileSaves, "mailgauge_state_file_saves_total", T::kCounter,
       "Saves of the state file (--state.file), by result.", {"result"}, {},
       "`result`: ok, error"},
      {M::kBuildInfo, "mailgauge_build_info", T::kGauge,
       "Always 1: its label names the version of mailgauge_exporter running "
       "(group by it to see which hosts run which version).",
       {"version"}, {}, "`version`: as `mailgauge_exporter --version` prints it"},
      {M::kQueueMessages, "mailgauge_queue_messages", T::kGauge,
       "Messages in each Postfix queue, read at scrape time from showq's "
       "socket (--postfix.showq-path), the spool (--postfix.queue-dir) or "
       "`postqueue -j` (--postfix.showq-command).",
       {"queue"}, {}, kQueueValues, true},
      {M::kQueueSizeBytes, "mailgauge_queue_size_bytes", T::kGauge,
       "Bytes of the messages in each Postfix queue (queue file sizes from "
       "the spool, message sizes from showq and postqueue -j).",
       {"queue"}, {}, kQueueValues, true},
      {M::kQueueOldestMessageAge, "mailgauge_queue_oldest_message_age_seconds",
       T::kGauge,
       "Age of the oldest message in each queue; 0 when the queue is empty. "
       "From showq and postqueue -j: since arrival. From the spool: since the file's "
       "mtime, which Postfix sets to the next retry time in deferred (a "
       "lower bound there).",
       {"queue"}, {}, kQueueValues, true},
      {M::kQueueDestinationMessages, "mailgauge_queue_destination_messages",
       T::kGauge,
       "qshape's view (showq and postqueue -j only): messages by queue, recipient "
       "domain and age since arrival; a message counts once per distinct "
       "recipient domain. Only non-zero cells are exposed.",
       {"queue", "domain", "age"}, {},
       "`queue`: maildrop, incoming, active, deferred, hold; `domain`: the "
       "--queue.top-domains (default 10) domains with most messages at this "
       "scrape, the rest summed as `other`; `age`: 5m, 10m, 20m, 40m, 80m, "
       "160m, 320m, 640m, 1280m (younger than that, older than the bucket "
       "before), 1280m+",
       true},
      {M::kQueueScrapeSuccess, "mailgauge_queue_scrape_success", T::kGauge,
       "Whether the last reading of the queue succeeded (1) or not (0: e.g. "
       "permission denied on the spool or showq's socket, Postfix stopped, "
       "postqueue failed or timed out; the "
       "per-queue series are then absent).",
       {}, {}, "", true},
      {M::kQueueScrapeDuration, "mailgauge_queue_scrape_duration_seconds",
       T::kGauge, "Seconds the last reading of the queue took.", {}, {}, "",
       true},
      {M::kShowqQueueDepth, "postfix_showq_queue_depth", T::kGauge,
       "Messages in each Postfix queue (the same reading as "
       "mailgauge_queue_messages).",
       {"queue"}, {}, kQueueValues, true},
      {M::kShowqMessageSize, "postfix_showq_message_size_bytes", T::kHistogram,
       "Sizes of the messages in each Postfix queue at the last reading: a "
       "snapshot rebuilt at every reading, not a histogram of events (do not "
       "rate() it).",
       {"queue"}, kShowqSizeBuckets, kQueueValues, true},
      {M::kShowqMessageAge, "postfix_showq_message_age_seconds", T::kHistogram,
       "Ages of the messages in each Postfix queue at the last reading (since "
       "arrival from showq and postqueue -j; since the file's mtime from the spool, "
       "which for deferred is the next retry time, counted as 0 when in the "
       "future): a snapshot, like postfix_showq_message_size_bytes.",
       {"queue"}, kShowqAgeBuckets, kQueueValues, true},
  };
  return s;
}

}  // namespace

const std::vector<MetricSpec>& AllMetricSpecs() {
  static const std::vector<MetricSpec>* specs =
      new std::vector<MetricSpec>(BuildSpecs());
  return *specs;
}

const MetricSpec& Spec(MetricId id) {
  return AllMetricSpecs()[static_cast<size_t>(id)];
}

absl::StatusOr<std::unique_ptr<ExporterMetrics>> ExporterMetrics::Create(
    prometheus::Registry& registry) {
  const std::vector<MetricSpec>& specs = AllMetricSpecs();
  if (specs.size() != static_cast<size_t>(kNumMetricIds)) {
    return absl::InternalError("metric table does not cover every MetricId");
  }
  std::unique_ptr<ExporterMetrics> m(new ExporterMetrics());
  m->counters_.assign(kNumMetricIds, nullptr);
  m->gauges_.assign(kNumMetricIds, nullptr);
  m->histograms_.assign(kNumMetricIds, nullptr);
  absl::node_hash_set<std::string> names;
  for (size_t i = 0; i < specs.size(); ++i) {
    const MetricSpec& s = specs[i];
    if (static_cast<size_t>(s.id) != i) {
      return absl::InternalError(
          absl::StrCat("metric ", s.name, " is out of MetricId order"));
    }
    if (!names.insert(s.name).second) {
      return absl::AlreadyExistsError(
          absl::StrCat("metric ", s.name, " is declared twice"));
    }
    if (!prometheus::CheckMetricName(s.name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid metric name ", s.name));
    }
    for (const std::string& label : s.labels) {
      if (!prometheus::CheckLabelName(label)) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid label name ", label, " in metric ", s.name));
      }
    }
    if (s.type == MetricType::kCounter &&
        !(std::string_view(s.name).size() > 6 &&
          std::string_view(s.name).substr(std::string_view(s.name).size() - 6) ==
              "_total")) {
      return absl::InvalidArgumentError(
          absl::StrCat("counter ", s.name, " does not end in _total"));
    }
    if (s.type == MetricType::kHistogram &&
        (s.buckets.empty() ||
         !std::is_sorted(s.buckets.begin(), s.buckets.end()))) {
      return absl::InvalidArgumentError(
          absl::StrCat("histogram ", s.name, " needs increasing buckets"));
    }
    if (s.at_scrape) continue;
    try {
      switch (s.type) {
        case MetricType::kCounter:
          m->counters_[i] =
              &prometheus::BuildCounter().Name(s.name).Help(s.help).Register(registry);
          break;
        case MetricType::kGauge:
          m->gauges_[i] =
              &prometheus::BuildGauge().Name(s.name).Help(s.help).Register(registry);
          break;
        case MetricType::kHistogram:
          m->histograms_[i] = &prometheus::BuildHistogram()
                                   .Name(s.name)
                                   .Help(s.help)
                                   .Register(registry);
          break;
      }
    } catch (const std::exception& e) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot register metric ", s.name, ": ", e.what()));
    }
  }
  return m;
}

prometheus::Labels ExporterMetrics::MakeLabels(MetricId id,
                                               const std::string_view* values,
                                               size_t count) const {
  const MetricSpec& s = Spec(id);
  prometheus::Labels labels;
  size_t i = 0;
  for (const std::string& name : s.labels) {
    if (i < count) {
      labels.emplace(name, std::string(values[i].data(), values[i].size()));
      ++i;
    } else {
      labels.emplace(name, std::string());
    }
  }
  return labels;
}

void* ExporterMetrics::Series(MetricId id, const std::string_view* values,
                              size_t count) {
  key_.clear();
  key_.push_back(static_cast<char>(static_cast<int>(id)));
  for (size_t i = 0; i < count; ++i) {
    key_.append(values[i].data(), values[i].size());
    key_.push_back('\x1f');
  }
  auto it = cache_.find(absl::string_view(key_));
  if (it != cache_.end()) return it->second;
  const size_t index = static_cast<size_t>(id);
  void* series = nullptr;
  switch (Spec(id).type) {
    case MetricType::kCounter:
      series = &counters_[index]->Add(MakeLabels(id, values, count));
      break;
    case MetricType::kGauge:
      series = &gauges_[index]->Add(MakeLabels(id, values, count));
      break;
    case MetricType::kHistogram:
      series = &histograms_[index]->Add(MakeLabels(id, values, count),
                                        Spec(id).buckets);
      break;
  }
  cache_.emplace(key_, series);
  return series;
}

prometheus::Counter& ExporterMetrics::Counter(
    MetricId id, std::initializer_list<std::string_view> values) {
  return *static_cast<prometheus::Counter*>(
      Series(id, values.begin(), values.size()));
}

prometheus::Gauge& ExporterMetrics::Gauge(
    MetricId id, std::initializer_list<std::string_view> values) {
  return *static_cast<prometheus::Gauge*>(
      Series(id, values.begin(), values.size()));
}

prometheus::Histogram& ExporterMetrics::Histogram(
    MetricId id, std::initializer_list<std::string_view> values) {
  return *static_cast<prometheus::Histogram*>(
      Series(id, values.begin(), values.size()));
}

void* SeriesCache::Miss(MetricId id, std::initializer_list<LabelValue> values) {
  std::string_view texts[16];
  size_t n = 0;
  for (const LabelValue& v : values) {
    if (n == 16) break;  // no family has that many labels
    texts[n++] = v.text;
  }
  void* series = metrics_.Series(id, texts, n);
  if (Spec(id).type == MetricType::kHistogram) {
    std::unique_ptr<HistogramSeries>& h = histograms_[series];
    if (h == nullptr) {
      h = std::make_unique<HistogramSeries>();
      h->series_ = static_cast<prometheus::Histogram*>(series);
      h->bounds_ = &Spec(id).buckets;
      if (deferred_) {
        h->dirty_ = &dirty_histograms_;
        h->counts_.assign(h->bounds_->size() + 1, 0);
      }
    }
    return h.get();
  }
  std::unique_ptr<CounterSeries>& c = counters_[series];
  if (c == nullptr) {
    c = std::make_unique<CounterSeries>();
    c->series_ = static_cast<prometheus::Counter*>(series);
    if (deferred_) c->dirty_ = &dirty_counters_;
  }
  return c.get();
}

void SeriesCache::Flush() {
  for (CounterSeries* c : dirty_counters_) c->Flush();
  dirty_counters_.clear();
  for (HistogramSeries* h : dirty_histograms_) h->Flush();
  dirty_histograms_.clear();
}

void HistogramSeries::Observe(double value) {
  if (dirty_ == nullptr) {
    series_->Observe(value);
    return;
  }
  if (pending_ == 0) {
    dirty_->push_back(this);
    // The sum as it stands (other sinks may share the series; only the log
    // thread writes it).
    start_sum_ = series_->Collect().histogram.sample_sum;
    sum_ = start_sum_;
  }
  // The bucket prometheus::Histogram::Observe picks: std::lower_bound's,
  // the first bound not below the value, else +Inf. NaN is below no bound:
  // the first bucket, as there. (Most values are small: a linear search from
  // the first bound stops soonest.)
  size_t bucket = 0;
  const size_t bounds = bounds_->size();
  while (bucket < bounds && (*bounds_)[bucket] < value) ++bucket;
  counts_[bucket] += 1;
  sum_ += value;
  ++pending_;
}

void HistogramSeries::Flush() {
  if (pending_ == 0) return;
  // ObserveMultiple adds `delta` to the sum as it stands (start_sum_); the
  // sum must end exactly at sum_, the one-by-one total. One addition cannot
  // always land there (start_sum_ may have finer bits than sum_), so the
  // first one stops at or just below it and exact remainders follow: the
  // sum never goes down (scrapes must not see a counter reset).
  double delta = sum_ - start_sum_;
  for (int i = 0; i < 8 && start_sum_ + delta > sum_; ++i) {
    delta = std::nextafter(delta, -HUGE_VAL);
  }
  series_->ObserveMultiple(counts_, delta);
  double now = start_sum_ + delta;  // what the series' sum computed
  std::fill(counts_.begin(), counts_.end(), 0);
  for (int i = 0; i < 4 && now < sum_; ++i) {
    const double rest = sum_ - now;  // exact when now is close to sum_
    series_->ObserveMultiple(counts_, rest);
    now += rest;
  }
  pending_ = 0;
}

namespace {

absl::Status CheckLabelNames(MetricId id, const prometheus::Labels& labels) {
  const MetricSpec& s = Spec(id);
  bool same = labels.size() == s.labels.size();
  for (const std::string& name : s.labels) same = same && labels.count(name) == 1;
  if (!same) {
    return absl::InvalidArgumentError(
        absl::StrCat("metric ", s.name, " has other labels than the ones given"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<prometheus::Counter*> ExporterMetrics::CounterWithLabels(
    MetricId id, const prometheus::Labels& labels) {
  if (Spec(id).type != MetricType::kCounter) {
    return absl::InvalidArgumentError(absl::StrCat(Spec(id).name, " is not a counter"));
  }
  if (absl::Status s = CheckLabelNames(id, labels); !s.ok()) return s;
  return &counters_[static_cast<size_t>(id)]->Add(labels);
}

absl::StatusOr<prometheus::Histogram*> ExporterMetrics::HistogramWithLabels(
    MetricId id, const prometheus::Labels& labels) {
  if (Spec(id).type != MetricType::kHistogram) {
    return absl::InvalidArgumentError(absl::StrCat(Spec(id).name, " is not a histogram"));
  }
  if (absl::Status s = CheckLabelNames(id, labels); !s.ok()) return s;
  return &histograms_[static_cast<size_t>(id)]->Add(labels, Spec(id).buckets);
}

absl::StatusOr<MetricId> ExporterMetrics::FindByName(std::string_view name) {
  for (const MetricSpec& s : AllMetricSpecs()) {
    if (name == s.name) return s.id;
  }
  return absl::NotFoundError(absl::StrCat("no metric called ", absl::string_view(name.data(), name.size())));
}

BoundedLabel::BoundedLabel(std::initializer_list<std::string_view> allowed,
                           size_t max_learned, size_t max_length)
    : max_length_(max_length) {
  names_.push_back(std::make_unique<const std::string>("other"));
  for (std::string_view a : allowed) {
    if (names_.size() >= 256) break;
    if (ids_.contains(absl::string_view(a.data(), a.size()))) continue;
    const uint32_t id = static_cast<uint32_t>(names_.size());
    names_.push_back(std::make_unique<const std::string>(a));
    ids_.emplace(*names_.back(), id);
  }
  max_learned_ = std::min(max_learned, 256 - names_.size());
}

uint32_t BoundedLabel::Id(std::string_view value) {
  if (last_ != nullptr && *last_ == value) return last_id_;
  const absl::string_view key(value.data(), value.size());
  if (auto it = ids_.find(key); it != ids_.end()) {
    last_id_ = it->second;
    last_ = names_[it->second].get();
    return it->second;
  }
  if (value.empty() || value.size() > max_length_ || learned_ >= max_learned_) {
    return kOtherId;
  }
  for (char c : value) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                    c == '-' || c == '+';
    if (!ok) return kOtherId;
  }
  const uint32_t id = static_cast<uint32_t>(names_.size());
  names_.push_back(std::make_unique<const std::string>(value));
  ids_.emplace(*names_.back(), id);
  ++learned_;
  return id;
}

std::string RenderExposition(const prometheus::Registry& registry) {
  std::vector<prometheus::MetricFamily> families = registry.Collect();
  std::sort(families.begin(), families.end(),
            [](const prometheus::MetricFamily& a,
               const prometheus::MetricFamily& b) { return a.name < b.name; });
  for (prometheus::MetricFamily& f : families) {
    for (prometheus::ClientMetric& m : f.metric) {
      std::sort(m.label.begin(), m.label.end());
    }
    std::stable_sort(f.metric.begin(), f.metric.end(),
                     [](const prometheus::ClientMetric& a,
                        const prometheus::ClientMetric& b) {
                       return a.label < b.label;
                     });
  }
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace mailgauge::exporter
