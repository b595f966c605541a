#include "analyzer/records_json.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <vector>

namespace mailgauge::analyzer {
// A record's line is written field by field into a reused buffer, without
// a JSON tree (a map node and a string copy per field): twice as fast.
// Strings and numbers come out as nlohmann's dump(-1, ' ', false, replace)
// writes them, so that a line parsed and dumped again is the same bytes
// (RecordsJsonTest).
namespace {

class JsonLine {
 public:
  explicit JsonLine(std::string* out) : out_(out) {}

  void Begin() { Open('{'); }
  void End() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  // An object's member name (the names are plain ASCII literals).
  void Key(const char* name) {
    Separate();
    out_->push_back('"');
    out_->append(name);
    out_->append("\":");
    after_key_ = true;
  }

  void String(std::string_view s) {
    Separate();
    // Most strings are printable ASCII without a quote or backslash, which
    // nlohmann copies as they are; the others take its own escaping (control
    // characters, and invalid UTF-8 replaced by U+FFFD).
    for (unsigned char c : s) {
      if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
        out_->append(nlohmann::ordered_json(std::string(s))
                         .dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
        return;
      }
    }
    out_->push_back('"');
    out_->append(s);
    out_->push_back('"');
  }
  void Int(int64_t v) {
    Separate();
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof(buf), v);
    out_->append(buf, r.ptr);
  }
  // As nlohmann prints a double (its shortest round-trip form); not finite: null.
  void Double(double v) {
    if (!std::isfinite(v)) {
      Null();
      return;
    }
    Separate();
    char buf[64];
    out_->append(buf, nlohmann::detail::to_chars(buf, buf + sizeof(buf), v));
  }
  void Bool(bool v) {
    Separate();
    out_->append(v ? "true" : "false");
  }
  void Null() {
    Separate();
    out_->append("null");
  }
  void Strings(const std::vector<std::string>& v) {
    BeginArray();
    for (const std::string& s : v) String(s);
    EndArray();
  }
  // Seconds as PutSeconds writes them: null when unknown (-1).
  void Seconds(double v) {
    if (v >= 0) {
      Double(v);
    } else {
      Null();
    }
  }
  void Time(const Timestamp& t) {
    if (t.known()) {
      String(t.ToRfc3339());
    } else {
      Null();
    }
  }

 private:
  void Separate() {
    if (after_key_) {
      after_key_ = false;
    } else if (!first_) {
      out_->push_back(',');
    }
    first_ = false;
  }
  void Open(char c) {
    Separate();
    out_->push_back(c);
    first_ = true;
  }
  void Close(char c) {
    out_->push_back(c);
    first_ = false;
  }

  std::string* out_;
  bool first_ = true;      // nothing yet in the innermost object or array
  bool after_key_ = false;  // a member's name was just written
};

}  // namespace

void AppendRecordJson(const MessageRecord& m, std::string* out) {
  JsonLine j(out);
  j.Begin();
  j.Key("queue_ids");
  j.Strings(m.queue_ids);
  j.Key("host");
  j.String(m.host);
  j.Key("instance");
  j.String(m.instance);
  if (!m.service.empty()) {
    j.Key("service");
    j.String(m.service);
  }
  j.Key("arrival");
  j.Time(m.arrival);
  j.Key("completion");
  j.Time(m.completion);
  j.Key("finished");
  j.Bool(m.finished);
  j.Key("end");
  j.String(m.end);
  j.Key("origin");
  j.String(m.origin);
  j.Key("client_name");
  j.String(m.client_name);
  j.Key("client_addr");
  j.String(m.client_addr);
  if (!m.client_port.empty()) {
    j.Key("client_port");
    j.String(m.client_port);
  }
  j.Key("helo");
  j.String(m.helo);
  j.Key("sasl_method");
  j.String(m.sasl_method);
  j.Key("sasl_username");
  j.String(m.sasl_username);
  if (!m.uid.empty()) {
    j.Key("uid");
    j.String(m.uid);
  }
  j.Key("sender");
  if (m.sender_known) {
    j.String(m.sender);
  } else {
    j.Null();
  }
  j.Key("size");
  if (m.size >= 0) {
    j.Int(m.size);
  } else {
    j.Null();
  }
  if (m.nrcpt >= 0) {
    j.Key("nrcpt");
    j.Int(m.nrcpt);
  }
  j.Key("message_id");
  j.String(m.message_id);
  if (!m.parent_queue_id.empty()) {
    j.Key("parent_queue_id");
    j.String(m.parent_queue_id);
    j.Key("notification");
    j.String(m.notification);
  }
  if (!m.notifications.empty()) {
    j.Key("notifications");
    j.Strings(m.notifications);
  }
  if (m.held) {
    j.Key("held");
    j.Bool(true);
  }
  if (m.probe) {
    j.Key("probe");
    j.Bool(true);
  }
  if (!m.reject_stage.empty() || !m.reject_reply.empty()) {
    j.Key("reject");
    j.Begin();
    j.Key("stage");
    j.String(m.reject_stage);
    j.Key("reply");
    j.String(m.reject_reply);
    j.End();
  }
  j.Key("recipients");
  j.BeginArray();
  for (const RecipientRecord& r : m.recipients) {
    j.Begin();
    j.Key("address");
    j.String(r.address);
    j.Key("orig_to");
    j.String(r.orig_to);
    j.Key("status");
    j.String(RecipientStatusName(r.status));
    j.Key("relay");
    j.String(r.relay);
    j.Key("transport");
    j.String(r.transport);
    j.Key("dsn");
    j.String(r.dsn);
    j.Key("reason");
    j.String(r.reason);
    j.Key("reply");
    j.String(r.reply);
    j.Key("deferrals");
    j.Int(r.deferrals);
    j.Key("delay");
    j.Seconds(r.delay);
    j.Key("delays");
    j.Begin();
    j.Key("before_qmgr");
    j.Seconds(r.delays.before_qmgr);
    j.Key("in_qmgr");
    j.Seconds(r.delays.in_qmgr);
    j.Key("conn_setup");
    j.Seconds(r.delays.conn_setup);
    j.Key("transmission");
    j.Seconds(r.delays.transmission);
    j.End();
    j.Key("time");
    j.Time(r.time);
    j.Key("queue_id");
    j.String(r.queue_id);
    if (!r.handoff_to.empty()) {
      j.Key("handoff_to");
      j.String(r.handoff_to);
    }
    j.End();
  }
  j.EndArray();
  if (!m.rejected_recipients.empty()) {
    j.Key("rejected_recipients");
    j.BeginArray();
    for (const RejectedRecipient& r : m.rejected_recipients) {
      j.Begin();
      j.Key("address");
      j.String(r.address);
      j.Key("stage");
      j.String(r.stage);
      j.Key("reply");
      j.String(r.reply);
      j.End();
    }
    j.EndArray();
  }
  j.End();
}

nlohmann::ordered_json RecordToJson(const MessageRecord& m) {
  std::string line;
  AppendRecordJson(m, &line);
  return nlohmann::ordered_json::parse(line);
}

void RecordsJsonWriter::Write(const MessageRecord& m) {
  buffer_.clear();
  AppendRecordJson(m, &buffer_);
  buffer_.push_back('\n');
  out_->write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
}

}  // namespace mailgauge::analyzer
