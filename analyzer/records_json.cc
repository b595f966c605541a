#include "analyzer/records_json.h"

namespace mailgauge::analyzer {
namespace {

// Optional numbers are omitted when unknown (-1) rather than printed as -1.
void PutSeconds(nlohmann::ordered_json& j, const char* key, double v) {
  if (v >= 0) {
    j[key] = v;
  } else {
    j[key] = nullptr;
  }
}

nlohmann::ordered_json TimeJson(const Timestamp& t) {
  if (!t.known()) return nullptr;
  return t.ToRfc3339();
}

}  // namespace

nlohmann::ordered_json RecordToJson(const MessageRecord& m) {
  nlohmann::ordered_json j;
  j["queue_ids"] = m.queue_ids;
  j["host"] = m.host;
  j["instance"] = m.instance;
  if (!m.service.empty()) j["service"] = m.service;
  j["arrival"] = TimeJson(m.arrival);
  j["completion"] = TimeJson(m.completion);
  j["finished"] = m.finished;
  j["end"] = m.end;
  j["origin"] = m.origin;
  j["client_name"] = m.client_name;
  j["client_addr"] = m.client_addr;
  if (!m.client_port.empty()) j["client_port"] = m.client_port;
  j["helo"] = m.helo;
  j["sasl_method"] = m.sasl_method;
  j["sasl_username"] = m.sasl_username;
  if (!m.uid.empty()) j["uid"] = m.uid;
  if (m.sender_known) {
    j["sender"] = m.sender;
  } else {
    j["sender"] = nullptr;
  }
  if (m.size >= 0) {
    j["size"] = m.size;
  } else {
    j["size"] = nullptr;
  }
  if (m.nrcpt >= 0) j["nrcpt"] = m.nrcpt;
  j["message_id"] = m.message_id;
  if (!m.parent_queue_id.empty()) {
    j["parent_queue_id"] = m.parent_queue_id;
    j["notification"] = m.notification;
  }
  if (!m.notifications.empty()) j["notifications"] = m.notifications;
  if (m.held) j["held"] = true;
  if (m.probe) j["probe"] = true;
  if (!m.reject_stage.empty() || !m.reject_reply.empty()) {
    j["reject"] = {{"stage", m.reject_stage}, {"reply", m.reject_reply}};
  }
  nlohmann::ordered_json rcpts = nlohmann::ordered_json::array();
  for (const RecipientRecord& r : m.recipients) {
    nlohmann::ordered_json jr;
    jr["address"] = r.address;
    jr["orig_to"] = r.orig_to;
    jr["status"] = std::string(RecipientStatusName(r.status));
    jr["relay"] = r.relay;
    jr["transport"] = r.transport;
    jr["dsn"] = r.dsn;
    jr["reason"] = r.reason;
    jr["reply"] = r.reply;
    jr["deferrals"] = r.deferrals;
    PutSeconds(jr, "delay", r.delay);
    nlohmann::ordered_json d;
    PutSeconds(d, "before_qmgr", r.delays.before_qmgr);
    PutSeconds(d, "in_qmgr", r.delays.in_qmgr);
    PutSeconds(d, "conn_setup", r.delays.conn_setup);
    PutSeconds(d, "transmission", r.delays.transmission);
    jr["delays"] = std::move(d);
    jr["time"] = TimeJson(r.time);
    jr["queue_id"] = r.queue_id;
    if (!r.handoff_to.empty()) jr["handoff_to"] = r.handoff_to;
    rcpts.push_back(std::move(jr));
  }
  j["recipients"] = std::move(rcpts);
  if (!m.rejected_recipients.empty()) {
    nlohmann::ordered_json rej = nlohmann::ordered_json::array();
    for (const RejectedRecipient& r : m.rejected_recipients) {
      rej.push_back({{"address", r.address}, {"stage", r.stage}, {"reply", r.reply}});
    }
    j["rejected_recipients"] = std::move(rej);
  }
  return j;
}

void RecordsJsonWriter::Write(const MessageRecord& m) {
  *out_ << RecordToJson(m).dump(-1, ' ', false,
                                nlohmann::ordered_json::error_handler_t::replace)
        << '\n';
}

}  // namespace mailgauge::analyzer
