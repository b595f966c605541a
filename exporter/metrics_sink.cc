#include "exporter/metrics_sink.h"

#include <algorithm>

#include "parsers/postfix/reason.h"

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

std::string_view CodeLabel(int code) {
  if (code < 400 || code > 599) return "other";
  // Static storage for the 200 possible codes.
  static const std::vector<std::string>* codes = [] {
    auto* v = new std::vector<std::string>();
    for (int c = 400; c <= 599; ++c) v->push_back(std::to_string(c));
    return v;
  }();
  return (*codes)[static_cast<size_t>(code - 400)];
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
                         AbuseTrackerOptions abuse)
    : metrics_(metrics),
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
      record_ends_({"removed", "deleted", "expired", "rejected", "discarded",
                    "evicted_age", "evicted_cap", "abandoned", "end_of_input"},
                   0),
      origins_({"smtpd", "pickup", "notification", "local", "unknown"}, 0),
      abuse_(abuse) {}

std::string_view MetricsSink::Instance(std::string_view line_instance) {
  if (!instance_name_.empty()) return instance_name_;
  return instances_.Map(line_instance);
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
  if (daemon.empty()) return "none";
  switch (parsers::DaemonFromName(daemon)) {
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

void MetricsSink::OnTls(MetricId id, std::string_view instance, const Event& e) {
  std::string_view name, secret, algorithm;
  SplitCipher(e.tls_cipher, &name, &secret, &algorithm);
  static const std::string_view kTrust[] = {"Anonymous", "Untrusted", "Trusted",
                                            "Verified"};
  std::string_view trust = "other";
  for (std::string_view t : kTrust) {
    if (e.tls_level == t) trust = t;
  }
  metrics_
      .Counter(id, {instance, trust, tls_protocols_.Map(e.tls_protocol),
                    tls_ciphers_.Map(name), tls_bits_.Map(secret),
                    tls_bits_.Map(algorithm)})
      .Increment();
}

void MetricsSink::OnReject(std::string_view instance, const LogLine& line,
                           const Event& e) {
  const parsers::RejectReason reason = parsers::ClassifyReject(e);
  const std::string_view stage = StageLabel(e.reject_stage);
  metrics_
      .Counter(MetricId::kRejects, {instance, DaemonLabel(e.daemon), stage,
                                    parsers::ReasonName(reason)})
      .Increment();
  if (e.daemon == Daemon::kSmtpd) {
    metrics_
        .Counter(MetricId::kSmtpdMessagesRejected,
                 {instance, CodeLabel(e.reply_code), stage})
        .Increment();
  } else if (e.daemon == Daemon::kCleanup) {
    metrics_.Counter(MetricId::kCleanupRejected, {instance}).Increment();
  }
  if (reason == parsers::RejectReason::kRelayDenied) {
    metrics_.Counter(MetricId::kRelayDenied, {instance}).Increment();
    abuse_.OnRelayDenied(e.client_addr, line.time.unix_micros);
  }
  std::string_view list = e.list_name;
  if (list.empty()) list = parsers::RblListName(e.reply);
  if (!list.empty()) {
    metrics_.Counter(MetricId::kRblRejects, {instance, rbl_lists_.Map(list)})
        .Increment();
  }
}

void MetricsSink::OnDelivery(std::string_view instance, const Event& e) {
  const std::string_view transport = TransportLabel(parsers::DaemonName(e.daemon));
  std::string_view status = parsers::DeliveryStatusName(e.delivery_status);
  if (status.empty()) status = "other";
  metrics_.Counter(MetricId::kDeliveryAttempts, {instance, transport, status})
      .Increment();
  if (e.daemon == Daemon::kSmtp) {
    metrics_.Counter(MetricId::kSmtpMessagesProcessed, {instance, status})
        .Increment();
    if (e.delivery_status == DeliveryStatus::kDeferred) {
      metrics_.Counter(MetricId::kSmtpDeferredMessages, {instance}).Increment();
    }
  }
  if (e.daemon == Daemon::kVirtual && e.delivery_status == DeliveryStatus::kSent) {
    metrics_.Counter(MetricId::kVirtualDelivered, {instance}).Increment();
  }
  if (e.delivery_status == DeliveryStatus::kDeferred ||
      e.delivery_status == DeliveryStatus::kBounced ||
      e.delivery_status == DeliveryStatus::kExpired) {
    const std::string_view reason =
        parsers::ReasonName(parsers::ClassifyDeliveryProblem(e));
    metrics_
        .Counter(e.delivery_status == DeliveryStatus::kDeferred
                     ? MetricId::kDeferrals
                     : MetricId::kBounces,
                 {instance, transport, reason})
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
  for (int i = 0; i < 4; ++i) {
    metrics_
        .Histogram(MetricId::kDeliveryDelays, {instance, transport, kOurStages[i]})
        .Observe(parts[i]);
    switch (e.daemon) {
      case Daemon::kSmtp:
        metrics_.Histogram(MetricId::kSmtpDeliveryDelay, {instance, kCompatStages[i]})
            .Observe(parts[i]);
        break;
      case Daemon::kLmtp:
        metrics_.Histogram(MetricId::kLmtpDeliveryDelay, {instance, kCompatStages[i]})
            .Observe(parts[i]);
        break;
      case Daemon::kPipe: {
        metrics_
            .Histogram(MetricId::kPipeDeliveryDelay,
                       {instance, pipe_relays_.Map(e.relay), kCompatStages[i]})
            .Observe(parts[i]);
        break;
      }
      default:
        break;
    }
  }
}

void MetricsSink::OnEvent(const LogLine& line, const Event& e) {
  const std::string_view instance = Instance(line.instance);
  switch (e.kind) {
    case EventKind::kConnect:
      if (e.daemon == Daemon::kSmtpd) {
        metrics_.Counter(MetricId::kSmtpdConnects, {instance}).Increment();
      }
      break;
    case EventKind::kDisconnect:
      if (e.daemon == Daemon::kSmtpd) {
        metrics_.Counter(MetricId::kSmtpdDisconnects, {instance}).Increment();
      }
      break;
    case EventKind::kSmtpdClient:
      metrics_
          .Counter(MetricId::kSmtpdMessagesProcessed,
                   {instance, sasl_methods_.Map(e.sasl_method)})
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
      metrics_.Counter(MetricId::kSmtpdSaslFailures, {instance}).Increment();
      metrics_
          .Counter(MetricId::kSaslFailures,
                   {instance, sasl_methods_.Map(e.sasl_method)})
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
        metrics_
            .Counter(MetricId::kSmtpdConnectionsLost,
                     {instance, smtp_commands_.Map(e.last_command)})
            .Increment();
      }
      break;
    case EventKind::kDelivery:
      OnDelivery(instance, e);
      abuse_.OnRecipient(line.host, line.instance, e.queue_id, e.to,
                         line.time.unix_micros);
      break;
    case EventKind::kExpired: {
      metrics_.Counter(MetricId::kQmgrExpired, {instance}).Increment();
      metrics_
          .Counter(MetricId::kBounces,
                   {instance, "qmgr",
                    parsers::ReasonName(parsers::DeliveryProblem::kExpired)})
          .Increment();
      break;
    }
    case EventKind::kQueued:
      if (e.size >= 0) {
        metrics_.Histogram(MetricId::kQmgrInsertedSize, {instance})
            .Observe(static_cast<double>(e.size));
      }
      if (e.nrcpt >= 0) {
        metrics_.Histogram(MetricId::kQmgrInsertedRecipients, {instance})
            .Observe(static_cast<double>(e.nrcpt));
      }
      break;
    case EventKind::kRemoved:
      if (e.daemon == Daemon::kQmgr) {
        metrics_.Counter(MetricId::kQmgrRemoved, {instance}).Increment();
      }
      abuse_.OnMessageRemoved(line.host, line.instance, e.queue_id);
      break;
    case EventKind::kMessageId:
      if (e.daemon == Daemon::kCleanup) {
        metrics_.Counter(MetricId::kCleanupProcessed, {instance}).Increment();
      }
      break;
    case EventKind::kNotification:
      if (e.daemon == Daemon::kBounce &&
          e.detail.find("non-delivery") != std::string_view::npos) {
        metrics_.Counter(MetricId::kBounceNonDelivery, {instance}).Increment();
      }
      break;
    case EventKind::kSmtpConnectFailed:
      if (parsers::ClassifyDeliveryProblem(e) ==
          parsers::DeliveryProblem::kConnectionTimedOut) {
        metrics_.Counter(MetricId::kSmtpConnectionTimedOut, {instance})
            .Increment();
      }
      break;
    default:
      break;
  }
}

void MetricsSink::OnUnparsedLine(const LogLine& line) {
  std::string_view service = parsers::DaemonName(parsers::DaemonFromName(line.daemon));
  if (service == "unknown") service = "other";
  metrics_
      .Counter(MetricId::kUnsupportedLogEntries,
               {Instance(line.instance), service, LevelOf(line.message)})
      .Increment();
}

void MetricsSink::OnRecord(const MessageRecord& m) {
  const std::string_view instance = Instance(m.instance);
  metrics_
      .Counter(MetricId::kMessagesFinished,
               {instance, record_ends_.Map(m.end.empty() ? "other" : m.end)})
      .Increment();
  if (m.finished) {
    metrics_
        .Counter(MetricId::kMessagesReceived, {instance, origins_.Map(m.origin)})
        .Increment();
  }
  for (const RecipientRecord& r : m.recipients) {
    metrics_
        .Counter(MetricId::kRecipients,
                 {instance, TransportLabel(r.transport),
                  analyzer::RecipientStatusName(r.status)})
        .Increment();
    const bool timed = r.status == RecipientStatus::kSent ||
                       r.status == RecipientStatus::kBounced ||
                       r.status == RecipientStatus::kExpired;
    if (timed && r.time.known() && m.arrival.known()) {
      const int64_t micros = std::max<int64_t>(
          0, r.time.unix_micros - m.arrival.unix_micros);
      metrics_
          .Histogram(MetricId::kRecipientDeliveryTime,
                     {instance, analyzer::RecipientStatusName(r.status)})
          .Observe(Seconds(micros));
    }
  }
}

}  // namespace mailgauge::exporter
