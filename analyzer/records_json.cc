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
  // A member: its name, then the value.
  void String(const char* key, std::string_view s) {
    Key(key);
    String(s);
  }
  void Strings(const char* key, const std::vector<std::string>& v) {
    Key(key);
    Strings(v);
  }
  void Int(const char* key, int64_t v) {
    Key(key);
    Int(v);
  }
  void Bool(const char* key, bool v) {
    Key(key);
    Bool(v);
  }
  void Seconds(const char* key, double v) {
    Key(key);
    Seconds(v);
  }
  void Time(const char* key, const Timestamp& t) {
    Key(key);
    Time(t);
  }
  // A string member left out when empty.
  void StringIfSet(const char* key, std::string_view s) {
    if (!s.empty()) String(key, s);
  }
  // Seconds: null when unknown (-1).
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
  j.Strings("queue_ids", m.queue_ids);
  j.String("host", m.host);
  j.String("instance", m.instance);
  j.StringIfSet("service", m.service);
  j.Time("arrival", m.arrival);
  j.Time("completion", m.completion);
  j.Bool("finished", m.finished);
  j.String("end", m.end);
  j.String("origin", m.origin);
  j.String("client_name", m.client_name);
  j.String("client_addr", m.client_addr);
  j.StringIfSet("client_port", m.client_port);
  j.String("helo", m.helo);
  j.String("sasl_method", m.sasl_method);
  j.String("sasl_username", m.sasl_username);
  j.StringIfSet("uid", m.uid);
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
  if (m.nrcpt >= 0) j.Int("nrcpt", m.nrcpt);
  j.String("message_id", m.message_id);
  if (!m.parent_queue_id.empty()) {
    j.String("parent_queue_id", m.parent_queue_id);
    j.String("notification", m.notification);
  }
  if (!m.notifications.empty()) j.Strings("notifications", m.notifications);
  if (m.held) j.Bool("held", true);
  if (m.probe) j.Bool("probe", true);
  if (!m.reject_stage.empty() || !m.reject_reply.empty()) {
    j.Key("reject");
    j.Begin();
    j.String("stage", m.reject_stage);
    j.String("reply", m.reject_reply);
    j.End();
  }
  j.Key("recipients");
  j.BeginArray();
  for (const RecipientRecord& r : m.recipients) {
    j.Begin();
    j.String("address", r.address);
    j.String("orig_to", r.orig_to);
    j.String("status", RecipientStatusName(r.status));
    j.String("relay", r.relay);
    j.String("transport", r.transport);
    j.String("dsn", r.dsn);
    j.String("reason", r.reason);
    j.String("reply", r.reply);
    j.Int("deferrals", r.deferrals);
    j.Seconds("delay", r.delay);
    j.Key("delays");
    j.Begin();
    j.Seconds("before_qmgr", r.delays.before_qmgr);
    j.Seconds("in_qmgr", r.delays.in_qmgr);
    j.Seconds("conn_setup", r.delays.conn_setup);
    j.Seconds("transmission", r.delays.transmission);
    j.End();
    j.Time("time", r.time);
    j.String("queue_id", r.queue_id);
    j.StringIfSet("handoff_to", r.handoff_to);
    j.End();
  }
  j.EndArray();
  if (!m.rejected_recipients.empty()) {
    j.Key("rejected_recipients");
    j.BeginArray();
    for (const RejectedRecipient& r : m.rejected_recipients) {
      j.Begin();
      j.String("address", r.address);
      j.String("stage", r.stage);
      j.String("reply", r.reply);
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
