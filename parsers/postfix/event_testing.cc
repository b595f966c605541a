#include "parsers/postfix/event_testing.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace mailgauge::parsers {

namespace {

// Every string field of an Event, by member name.
const std::pair<const char*, std::string_view Event::*> kStringFields[] = {
    {"queue_id", &Event::queue_id},       {"client_name", &Event::client_name},
    {"client_addr", &Event::client_addr}, {"client_port", &Event::client_port},
    {"helo", &Event::helo},               {"proto", &Event::proto},
    {"sasl_method", &Event::sasl_method}, {"sasl_username", &Event::sasl_username},
    {"sasl_sender", &Event::sasl_sender}, {"from", &Event::from},
    {"to", &Event::to},                   {"orig_to", &Event::orig_to},
    {"relay", &Event::relay},             {"conn_use", &Event::conn_use},
    {"tls", &Event::tls},                 {"message_id", &Event::message_id},
    {"uid", &Event::uid},                 {"status", &Event::status},
    {"dsn", &Event::dsn},                 {"reply", &Event::reply},
    {"enhanced_code", &Event::enhanced_code},
    {"new_queue_id", &Event::new_queue_id},
    {"detail", &Event::detail},           {"list_name", &Event::list_name},
    {"remote_host", &Event::remote_host}, {"tls_level", &Event::tls_level},
    {"tls_protocol", &Event::tls_protocol},
    {"tls_cipher", &Event::tls_cipher},   {"command_stats", &Event::command_stats},
    {"last_command", &Event::last_command},
    {"action", &Event::action},
};

}  // namespace

Fields FieldsOf(const Event& e) {
  Fields out;
  out["kind"] = std::string(EventKindName(e.kind));
  for (const auto& [name, member] : kStringFields) {
    const std::string_view v = e.*member;
    if (v.data() != nullptr) out[name] = std::string(v);
  }
  if (e.size >= 0) out["size"] = absl::StrCat(e.size);
  if (e.nrcpt >= 0) out["nrcpt"] = absl::StrCat(e.nrcpt);
  if (e.count >= 0) out["count"] = absl::StrCat(e.count);
  if (e.reply_code >= 0) out["reply_code"] = absl::StrCat(e.reply_code);
  if (e.delay >= 0) out["delay"] = absl::StrCat(e.delay);
  if (e.reject_stage != RejectStage::kNone) {
    out["stage"] = std::string(RejectStageName(e.reject_stage));
  }
  if (e.delivery_status != DeliveryStatus::kNone) {
    out["delivery_status"] = std::string(DeliveryStatusName(e.delivery_status));
  }
  return out;
}

const char* ViewOutside(std::string_view text, const Event& e) {
  for (const auto& [name, member] : kStringFields) {
    const std::string_view v = e.*member;
    if (v.empty()) continue;
    if (v.data() < text.data() || v.data() + v.size() > text.data() + text.size()) return name;
  }
  return nullptr;
}

const PostfixParser& TestParser() {
  static const PostfixParser* parser = [] {
    auto p = PostfixParser::Create();
    if (!p.ok()) {
      ADD_FAILURE() << p.status();
      std::abort();
    }
    return p->release();
  }();
  return *parser;
}

Event ParseEvent(Daemon daemon, std::string_view message) {
  Event e;
  EXPECT_EQ(ParseResult::kParsed, TestParser().ParseMessage(daemon, message, &e))
      << DaemonName(daemon) << ": " << message;
  EXPECT_EQ(daemon, e.daemon);
  return e;
}

Fields ParseFields(Daemon daemon, std::string_view message) {
  return FieldsOf(ParseEvent(daemon, message));
}

}  // namespace mailgauge::parsers
