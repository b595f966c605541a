#include "exporter/metrics_sink.h"

#include <algorithm>

#include "parsers/postfix/reason.h"
#include "parsers/program_name.h"

namespace mailgauge::exporter {
namespace {

using analyzer::MessageRecord;
using analyzer::RecipientRecord;
using analyzer::RecipientStatus;
using parsers::Daemon;
using parsers::DeliveryStatus;
using parsers::Event;
using parsers::EventKind;

// "TLS_AES_256_GCM_SHA384 (256/256 bits)" -> name, secret bits, algorithm bits.
void SplitCipher(std::string_view text, std::string_view* name,
                 std::string_view* secret_bits, std::string_view* algorithm_bits) {
  *name = text;
  *secret_bits = "";
  *algorithm_bits = "";
  const size_t paren = text.find(" (");
  if (paren == std::string_view::npos) return;
  *name = text.substr(0, paren);
  std::string_view bits = text.substr(paren + 2);
  const size_t slash = bits.find('/');
  const size_t space = bits.find(' ');
  if (slash == std::string_view::npos || space == std::string_view::npos ||
      slash > space) {
    return;
  }
  *secret_bits = bits.substr(0, slash);
  *algorithm_bits = bits.substr(slash + 1, space - slash - 1);
}

std::string_view DaemonLabel(Daemon d) {
  switch (d) {
    case Daemon::kSmtpd: return "smtpd";
    case Daemon::kCleanup: return "cleanup";
    case Daemon::kPostscreen: return "postscreen";
    default: return "other";
  }
}

// The `transport` label of a delivering daemon (see TransportLabel).
std::string_view TransportOf(Daemon d) {
  switch (d) {
    case Daemon::kSmtp: return "smtp";
    case Daemon::kLmtp: return "lmtp";
    case Daemon::kLocal: return "local";
    case Daemon::kVirtual: return "virtual";
    case Daemon::kPipe: return "pipe";
    case Daemon::kError: return "error";
    case Daemon::kDiscard: return "discard";
    case Daemon::kQmgr: return "qmgr";
    default: return "other";
  }
}

// The transport label of a daemon's name as a SeriesCache value: "none"
// (id 0) for no name, else by the daemon it names.
LabelValue TransportValue(std::string_view daemon) {
  if (daemon.empty()) return {0, "none"};
  const Daemon d = parsers::DaemonFromName(daemon);
  return {1 + static_cast<uint32_t>(d), TransportOf(d)};
}

// The 3-digit reply code 400-599 (id 1-200), else "other" (id 0).
LabelValue CodeValue(int code) {
  if (code < 400 || code > 599) return {0, "other"};
  // Static storage for the 200 possible codes.
  static const std::vector<std::string>* codes = [] {
    auto* v = new std::vector<std::string>();
    for (int c = 400; c <= 599; ++c) v->push_back(std::to_string(c));
    return v;
  }();
  const size_t i = static_cast<size_t>(code - 400);
  return {static_cast<uint32_t>(1 + i), (*codes)[i]};
}

// A name with the id of its enum value (enum values stay below 256).
template <typename Enum>
LabelValue EnumValue(Enum e, std::string_view name) {
  return {static_cast<uint32_t>(e), name};
}

// The status label "SOFTBOUNCE", beside DeliveryStatus's values.
constexpr uint32_t kSoftBounceLabelId = 200;

LabelValue Bounded(BoundedLabel& label, std::string_view value) {
  const uint32_t id = label.Id(value);
  return {id, label.Name(id)};
}

std::string_view LevelOf(std::string_view message) {
  for (std::string_view level : {"warning", "error", "fatal", "panic"}) {
    if (message.size() > level.size() + 1 &&
        message.substr(0, level.size()) == level &&
        message[level.size()] == ':') {
      return level;
    }
  }
  return "";
}

double Seconds(int64_t micros) { return static_cast<double>(micros) / 1e6; }

}  // namespace

MetricsSink::MetricsSink(ExporterMetrics& metrics, std::string instance_name,
                         AbuseTrackerOptions abuse, bool deferred)
    : metrics_(metrics),
      series_(metrics, deferred),
      instance_name_(std::move(instance_name)),
      instances_({"postfix"}, 16),
      sasl_methods_({"", "PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "NTLM",
                     "GSSAPI", "XOAUTH2", "OAUTHBEARER", "SCRAM-SHA-1",
                     "SCRAM-SHA-256", "EXTERNAL", "ANONYMOUS"},
                    0),
      tls_protocols_({"SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}, 0),
      tls_ciphers_({}, 32),
      tls_bits_({}, 16, 5),
      smtp_commands_({"CONNECT", "EHLO", "HELO", "STARTTLS", "AUTH", "MAIL",
                      "RCPT", "DATA", "BDAT", "END-OF-MESSAGE", "RSET", "NOOP",
                      "VRFY", "ETRN", "QUIT", "UNKNOWN"},
                     0),
      pipe_relays_({}, 16),
      rbl_lists_({}, 32, 64),
      record_ends_({"removed", "deleted", "expired", "rejected", "discarded", "requeued",
                    "corrupt", "canceled", "evicted_age", "evicted_cap", "abandoned", "end_of_input"},
                   0),
      origins_({"smtpd", "pickup", "notification", "local", "unknown"}, 0),
      abuse_(abuse) {}

LabelValue MetricsSink::Instance(std::string_view line_instance) {
  const LabelValue instance = instance_name_.empty()
                                  ? Bounded(instances_, line_instance)
                                  : LabelValue{0, instance_name_};
  if (!instances_started_[instance.id]) {
    instances_started_[instance.id] = true;
    CreateSeriesAtZero(instance);
  }
  return instance;
}

void MetricsSink::CreateSeriesAtZero(LabelValue instance) {
  // Every counter whose only label is the instance, as postfix_exporter
  // shows its unlabelled counters at 0 from its start.
  for (const MetricSpec& spec : AllMetricSpecs()) {
    if (spec.type == MetricType::kCounter && !spec.at_scrape && spec.labels.size() == 1 &&
        spec.labels[0] == kInstanceLabel) {
      series_.Counter(spec.id, {instance});
    }
  }
  // sasl_methods_ learns no values: its ids are "other" and the fixed set.
  for (uint32_t id = 0; id < sasl_methods_.size(); ++id) {
    series_.Counter(MetricId::kSaslFailures, {instance, {id, sasl_methods_.Name(id)}});
  }
}

void MetricsSink::LearnRestoredLabels(
    const std::vector<prometheus::MetricFamily>& restored) {
  for (const prometheus::MetricFamily& f : restored) {
    for (const prometheus::ClientMetric& m : f.metric) {
      for (const prometheus::ClientMetric::Label& l : m.label) {
        if (l.value == "other") continue;
        if (l.name == kInstanceLabel) {
          if (instance_name_.empty()) instances_.Learn(l.value);
        } else if (l.name == "cipher") {
          tls_ciphers_.Learn(l.value);
        } else if (l.name == "secret_bits" || l.name == "algorithm_bits") {
          tls_bits_.Learn(l.value);
        } else if (l.name == "relay") {
          pipe_relays_.Learn(l.value);
        } else if (l.name == "list") {
          rbl_lists_.Learn(l.value);
        }
      }
    }
  }
}

std::string_view MetricsSink::StageLabel(parsers::RejectStage stage) {
  using parsers::RejectStage;
  switch (stage) {
    case RejectStage::kNone: return "other";
    case RejectStage::kConnect: return "connect";
    case RejectStage::kHelo: return "helo";
    case RejectStage::kEhlo: return "ehlo";
    case RejectStage::kMail: return "mail";
    case RejectStage::kRcpt: return "rcpt";
    case RejectStage::kData: return "data";
    case RejectStage::kEndOfMessage: return "end_of_message";
    case RejectStage::kEtrn: return "etrn";
    case RejectStage::kVrfy: return "vrfy";
    case RejectStage::kAuth: return "auth";
    case RejectStage::kHeader: return "header";
    case RejectStage::kBody: return "body";
    case RejectStage::kOther: return "other";
  }
  return "other";
}

std::string_view MetricsSink::TransportLabel(std::string_view daemon) {
  return TransportValue(daemon).text;
}

void MetricsSink::OnTls(MetricId id, LabelValue instance, const Event& e) {
  std::string_view name, secret, algorithm;
  SplitCipher(e.tls_cipher, &name, &secret, &algorithm);
  static const std::string_view kTrust[] = {"Anonymous", "Untrusted", "Trusted",
                                            "Verified"};
  LabelValue trust{0, "other"};
  for (uint32_t i = 0; i < 4; ++i) {
    if (e.tls_level == kTrust[i]) trust = {i + 1, kTrust[i]};
  }
  series_
      .Counter(id, {instance, trust, Bounded(tls_protocols_, e.tls_protocol),
                    Bounded(tls_ciphers_, name), Bounded(tls_bits_, secret),
                    Bounded(tls_bits_, algorithm)})
      .Increment();
}

void MetricsSink::OnReject(LabelValue instance, const LogLine& line,
                           const Event& e) {
  const parsers::RejectReason reason = parsers::ClassifyReject(e);
  const LabelValue stage = EnumValue(e.reject_stage, StageLabel(e.reject_stage));
  series_
      .Counter(MetricId::kRejects,
               {instance, EnumValue(e.daemon, DaemonLabel(e.daemon)), stage,
                EnumValue(reason, parsers::ReasonName(reason))})
      .Increment();
  if (e.daemon == Daemon::kSmtpd) {
    series_
        .Counter(MetricId::kSmtpdMessagesRejected,
                 {instance, CodeValue(e.reply_code), stage})
        .Increment();
  } else if (e.daemon == Daemon::kCleanup) {
    series_.Counter(MetricId::kCleanupRejected, {instance}).Increment();
  }
  if (reason == parsers::RejectReason::kRelayDenied) {
    series_.Counter(MetricId::kRelayDenied, {instance}).Increment();
    abuse_.OnRelayDenied(e.client_addr, line.time.unix_micros);
  }
  std::string_view list = e.list_name;
  if (list.empty()) list = parsers::RblListName(e.reply);
  if (!list.empty()) {
    series_.Counter(MetricId::kRblRejects, {instance, Bounded(rbl_lists_, list)})
        .Increment();
  }
}

void MetricsSink::OnDelivery(LabelValue instance, const Event& e) {
  const LabelValue transport = {1 + static_cast<uint32_t>(e.daemon),
                                TransportOf(e.daemon)};
  std::string_view status_name = parsers::DeliveryStatusName(e.delivery_status);
  if (status_name.empty()) status_name = "other";
  const LabelValue status = EnumValue(e.delivery_status, status_name);
  // soft_bounce = yes: a deferral (status="deferred" here), which
  // postfix_exporter's series name by the word Postfix logs.
  const bool soft_bounce =
      e.delivery_status == DeliveryStatus::kDeferred && e.status == "SOFTBOUNCE";
  // One lookup for the series every delivery of this kind moves; each is
  // created when first needed, as the exposition shows only those used.
  DeliverySeries& ds =
      deliveries_[instance.id | static_cast<uint64_t>(e.daemon) << 8 |
                  static_cast<uint64_t>(e.delivery_status) << 16 |
                  static_cast<uint64_t>(soft_bounce) << 24];
  if (ds.attempts == nullptr) {
    ds.attempts =
        &series_.Counter(MetricId::kDeliveryAttempts, {instance, transport, status});
  }
  ds.attempts->Increment();
  if (e.daemon == Daemon::kSmtp) {
    if (ds.smtp_processed == nullptr) {
      ds.smtp_processed = &series_.Counter(
          MetricId::kSmtpMessagesProcessed,
          {instance, soft_bounce ? LabelValue{kSoftBounceLabelId, "SOFTBOUNCE"} : status});
    }
    ds.smtp_processed->Increment();
    if (e.delivery_status == DeliveryStatus::kDeferred && !soft_bounce) {
      if (ds.smtp_deferred == nullptr) {
        ds.smtp_deferred = &series_.Counter(MetricId::kSmtpDeferredMessages, {instance});
      }
      ds.smtp_deferred->Increment();
    }
  }
  if (e.daemon == Daemon::kVirtual && e.delivery_status == DeliveryStatus::kSent) {
    if (ds.virtual_delivered == nullptr) {
      ds.virtual_delivered = &series_.Counter(MetricId::kVirtualDelivered, {instance});
    }
    ds.virtual_delivered->Increment();
  }
  if (e.delivery_status == DeliveryStatus::kDeferred ||
      e.delivery_status == DeliveryStatus::kBounced ||
      e.delivery_status == DeliveryStatus::kExpired) {
    const parsers::DeliveryProblem problem = parsers::ClassifyDeliveryProblem(e);
    series_
        .Counter(e.delivery_status == DeliveryStatus::kDeferred
                     ? MetricId::kDeferrals
                     : MetricId::kBounces,
                 {instance, transport, EnumValue(problem, parsers::ReasonName(problem))})
        .Increment();
  }

  const parsers::Delays& d = e.delays;
  if (d.before_qmgr < 0 || d.in_qmgr < 0 || d.conn_setup < 0 ||
      d.transmission < 0) {
    return;
  }
  const double parts[4] = {d.before_qmgr, d.in_qmgr, d.conn_setup,
                           d.transmission};
  static const std::string_view kOurStages[4] = {"before_qmgr", "in_qmgr",
                                                 "conn_setup", "transmission"};
  static const std::string_view kCompatStages[4] = {
      "before_queue_manager", "queue_manager", "connection_setup",
      "transmission"};
  // postfix_exporter's per-daemon family (pipe's, by relay, is looked up
  // below: its relay is learned only here).
  MetricId compat = MetricId::kNumMetrics;
  if (e.daemon == Daemon::kSmtp) compat = MetricId::kSmtpDeliveryDelay;
  if (e.daemon == Daemon::kLmtp) compat = MetricId::kLmtpDeliveryDelay;
  for (uint32_t i = 0; i < 4; ++i) {
    if (ds.delays[i] == nullptr) {
      ds.delays[i] = &series_.Histogram(MetricId::kDeliveryDelays,
                                        {instance, transport, {i, kOurStages[i]}});
    }
    ds.delays[i]->Observe(parts[i]);
    if (compat != MetricId::kNumMetrics) {
      if (ds.compat_delays[i] == nullptr) {
        ds.compat_delays[i] =
            &series_.Histogram(compat, {instance, {i, kCompatStages[i]}});
      }
      ds.compat_delays[i]->Observe(parts[i]);
    } else if (e.daemon == Daemon::kPipe) {
      series_
          .Histogram(MetricId::kPipeDeliveryDelay,
                     {instance, Bounded(pipe_relays_, e.relay), {i, kCompatStages[i]}})
          .Observe(parts[i]);
    }
  }
}

void MetricsSink::OnEvent(const LogLine& line, const Event& e) {
  const LabelValue instance = Instance(line.instance);
  switch (e.kind) {
    case EventKind::kConnect:
      if (e.daemon == Daemon::kSmtpd) {
        series_.Counter(MetricId::kSmtpdConnects, {instance}).Increment();
      }
      break;
    case EventKind::kDisconnect:
      if (e.daemon == Daemon::kSmtpd) {
        series_.Counter(MetricId::kSmtpdDisconnects, {instance}).Increment();
      }
      break;
    case EventKind::kSmtpdClient:
      series_
          .Counter(MetricId::kSmtpdMessagesProcessed,
                   {instance, Bounded(sasl_methods_, e.sasl_method)})
          .Increment();
      if (!e.sasl_username.empty()) {
        abuse_.OnAuthenticatedMessage(line.host, line.instance, e.queue_id,
                                      e.sasl_username, line.time.unix_micros);
      }
      break;
    case EventKind::kReject:
    case EventKind::kMilterReject:
    case EventKind::kPostscreenNoqueue:
      OnReject(instance, line, e);
      break;
    case EventKind::kSaslFailed:
      series_.Counter(MetricId::kSmtpdSaslFailures, {instance}).Increment();
      series_
          .Counter(MetricId::kSaslFailures,
                   {instance, Bounded(sasl_methods_, e.sasl_method)})
          .Increment();
      break;
    case EventKind::kTlsEstablished:
      if (e.daemon == Daemon::kSmtpd) {
        OnTls(MetricId::kSmtpdTlsConnections, instance, e);
      } else if (e.daemon == Daemon::kSmtp) {
        OnTls(MetricId::kSmtpTlsConnections, instance, e);
      }
      break;
    case EventKind::kLostConnection:
      if (e.daemon == Daemon::kSmtpd) {
        series_
            .Counter(MetricId::kSmtpdConnectionsLost,
                     {instance, Bounded(smtp_commands_, e.last_command)})
            .Increment();
      }
      break;
    case EventKind::kDelivery:
      OnDelivery(instance, e);
      abuse_.OnRecipient(line.host, line.instance, e.queue_id, e.to,
                         line.time.unix_micros);
      break;
    case EventKind::kExpired: {
      series_.Counter(MetricId::kQmgrExpired, {instance}).Increment();
      const parsers::DeliveryProblem expired = parsers::DeliveryProblem::kExpired;
      series_
          .Counter(MetricId::kBounces,
                   {instance, {1 + static_cast<uint32_t>(Daemon::kQmgr), "qmgr"},
                    EnumValue(expired, parsers::ReasonName(expired))})
          .Increment();
      break;
    }
    case EventKind::kQueued:
      if (e.size >= 0) {
        series_.Histogram(MetricId::kQmgrInsertedSize, {instance})
            .Observe(static_cast<double>(e.size));
      }
      if (e.nrcpt >= 0) {
        series_.Histogram(MetricId::kQmgrInsertedRecipients, {instance})
            .Observe(static_cast<double>(e.nrcpt));
        series_.Histogram(MetricId::kQmgrInsertedRecipientsLegacy, {instance})
            .Observe(static_cast<double>(e.nrcpt));
      }
      break;
    case EventKind::kRemoved:
      if (e.daemon == Daemon::kQmgr) {
        series_.Counter(MetricId::kQmgrRemoved, {instance}).Increment();
      }
      abuse_.OnMessageRemoved(line.host, line.instance, e.queue_id);
      break;
    case EventKind::kMessageId:
      if (e.daemon == Daemon::kCleanup) {
        series_.Counter(MetricId::kCleanupProcessed, {instance}).Increment();
      }
      break;
    case EventKind::kNotification:
      if (e.daemon == Daemon::kBounce &&
          e.detail.find("non-delivery") != std::string_view::npos) {
        series_.Counter(MetricId::kBounceNonDelivery, {instance}).Increment();
      }
      break;
    case EventKind::kSmtpConnectFailed:
      // postfix_exporter's meaning: "Connection timed out", not the other
      // connect failures its reason class (connection_timed_out: no answer)
      // also takes, such as "No route to host".
      if (e.daemon == Daemon::kSmtp && e.detail == "Connection timed out") {
        series_.Counter(MetricId::kSmtpConnectionTimedOut, {instance})
            .Increment();
      }
      break;
    case EventKind::kWarning:
      if (e.daemon == Daemon::kSmtpd && e.detail.substr(0, 9) == "hostname " &&
          e.detail.find(" does not resolve to address ") != std::string_view::npos) {
        series_.Counter(MetricId::kSmtpdFcrdnsErrors, {instance}).Increment();
      }
      break;
    default:
      break;
  }
}

std::string_view MetricsSink::UnparsedDaemonLabel(const LogLine& line) {
  if (parsers::IsEximProgram(line.program)) return "exim";
  std::string_view daemon = parsers::DaemonName(parsers::DaemonFromName(line.daemon));
  return daemon == "unknown" ? "other" : daemon;
}

void MetricsSink::OnUnparsedLine(const LogLine& line) {
  metrics_
      .Counter(MetricId::kUnsupportedLogEntries,
               {Instance(line.instance).text, UnparsedDaemonLabel(line), LevelOf(line.message)})
      .Increment();
}

void MetricsSink::OnRecord(const MessageRecord& m) {
  // An address-verification probe is no mail: its results are counted from
  // its delivery lines (mailgauge_delivery_attempts_total's status
  // deliverable / undeliverable).
  if (m.probe) return;
  const LabelValue instance = Instance(m.instance);
  series_
      .Counter(MetricId::kMessagesFinished,
               {instance, Bounded(record_ends_, m.end.empty() ? "other" : m.end)})
      .Increment();
  if (m.finished) {
    series_
        .Counter(MetricId::kMessagesReceived, {instance, Bounded(origins_, m.origin)})
        .Increment();
  }
  for (const RecipientRecord& r : m.recipients) {
    const LabelValue status =
        EnumValue(r.status, analyzer::RecipientStatusName(r.status));
    series_
        .Counter(MetricId::kRecipients,
                 {instance, TransportValue(r.transport), status})
        .Increment();
    const bool timed = r.status == RecipientStatus::kSent ||
                       r.status == RecipientStatus::kBounced ||
                       r.status == RecipientStatus::kExpired;
    if (timed && r.time.known() && m.arrival.known()) {
      const int64_t micros = std::max<int64_t>(
          0, r.time.unix_micros - m.arrival.unix_micros);
      series_.Histogram(MetricId::kRecipientDeliveryTime, {instance, status})
          .Observe(Seconds(micros));
    }
  }
}

}  // namespace mailgauge::exporter
