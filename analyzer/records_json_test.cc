// RecordsJsonWriter writes each record itself, without a JSON tree: the
// schema (docs/records.md) field by field, and strings and numbers as
// nlohmann writes them, so that a line parsed and dumped again is the same
// bytes, for every kind of record and every string.
#include "analyzer/records_json.h"

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "analyzer/correlator.h"
#include "analyzer/log_input.h"
#include "bench/log_generator.h"
#include "gtest/gtest.h"

namespace mailgauge::analyzer {
namespace {

std::string Written(const MessageRecord& m) {
  std::ostringstream out;
  RecordsJsonWriter w(&out);
  w.Write(m);
  return out.str();
}

std::string Dumped(const MessageRecord& m) {
  return RecordToJson(m).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
         "\n";
}

MessageRecord Full() {
  MessageRecord m;
  m.queue_ids = {"4A1B2C3D4E", "5B6C7D8E9F"};
  m.host = "mx";
  m.instance = "postfix-out";
  m.service = "submission";
  m.arrival = Timestamp::FromCivil(2026, 11, 28, 10, 0, 1, 123456, 3600);
  m.completion = Timestamp::FromCivil(2026, 11, 28, 10, 0, 3, 0, -18000);
  m.finished = true;
  m.end = "removed";
  m.origin = "smtpd";
  m.client_name = "mail.example.net";
  m.client_addr = "2001:db8::7";
  m.client_port = "4567";
  m.helo = "mail.example.net";
  m.sasl_method = "PLAIN";
  m.sasl_username = "alice@example.org";
  m.uid = "1000";
  m.sender = "a@example.net";
  m.sender_known = true;
  m.size = 123456789012LL;
  m.nrcpt = 2;
  m.message_id = "x1@example.net";
  m.parent_queue_id = "3A1B2C3D4E";
  m.notification = "non-delivery";
  m.notifications = {"6A1B2C3D4E", "7A1B2C3D4E"};
  m.held = true;
  m.probe = true;
  m.reject_stage = "header";
  m.reject_reply = "5.7.1 no";
  RecipientRecord r;
  r.address = "bob@example.org";
  r.orig_to = "info@example.org";
  r.status = RecipientStatus::kSent;
  r.relay = "mx.remote.test[203.0.113.9]:25";
  r.transport = "smtp";
  r.dsn = "2.0.0";
  r.reply = "250 2.0.0 Ok: queued as ABC";
  r.deferrals = 3;
  r.delay = 1.5;
  r.delays = {0.1, 0, 0.43, 1};
  r.time = m.completion;
  r.queue_id = "5B6C7D8E9F";
  r.handoff_to = "8A1B2C3D4E";
  m.recipients = {r, RecipientRecord()};
  m.rejected_recipients = {{"z@example.org", "RCPT", "550 5.1.1 <z@example.org>: no"}, {}};
  return m;
}

// The schema, field by field (these lines are what the JSON tree of the
// writer before this one dumped: the same keys, order and forms).
TEST(RecordsJsonTest, TheSchema) {
  EXPECT_EQ(std::string(
                R"({"queue_ids":["4A1B2C3D4E","5B6C7D8E9F"],"host":"mx","instance":"postfix-out","service":"submission","arrival":"2026-11-28T10:00:01.123456+01:00","completion":"2026-11-28T10:00:03-05:00","finished":true,"end":"removed","origin":"smtpd","client_name":"mail.example.net","client_addr":"2001:db8::7","client_port":"4567","helo":"mail.example.net","sasl_method":"PLAIN","sasl_username":"alice@example.org","uid":"1000","sender":"a@example.net","size":123456789012,"nrcpt":2,"message_id":"x1@example.net","parent_queue_id":"3A1B2C3D4E","notification":"non-delivery","notifications":["6A1B2C3D4E","7A1B2C3D4E"],"held":true,"probe":true,"reject":{"stage":"header","reply":"5.7.1 no"},"recipients":[{"address":"bob@example.org","orig_to":"info@example.org","status":"sent","relay":"mx.remote.test[203.0.113.9]:25","transport":"smtp","dsn":"2.0.0","reason":"","reply":"250 2.0.0 Ok: queued as ABC","deferrals":3,"delay":1.5,"delays":{"before_qmgr":0.1,"in_qmgr":0.0,"conn_setup":0.43,"transmission":1.0},"time":"2026-11-28T10:00:03-05:00","queue_id":"5B6C7D8E9F","handoff_to":"8A1B2C3D4E"},{"address":"","orig_to":"","status":"unknown","relay":"","transport":"","dsn":"","reason":"","reply":"","deferrals":0,"delay":null,"delays":{"before_qmgr":null,"in_qmgr":null,"conn_setup":null,"transmission":null},"time":null,"queue_id":""}],"rejected_recipients":[{"address":"z@example.org","stage":"RCPT","reply":"550 5.1.1 <z@example.org>: no"},{"address":"","stage":"","reply":""}]})") +
                "\n",
            Written(Full()));
  EXPECT_EQ(std::string(
                R"({"queue_ids":[],"host":"","instance":"","arrival":null,"completion":null,"finished":false,"end":"","origin":"","client_name":"","client_addr":"","helo":"","sasl_method":"","sasl_username":"","sender":null,"size":null,"message_id":"","recipients":[]})") +
                "\n",
            Written(MessageRecord()));
}

TEST(RecordsJsonTest, AnEmptyRecord) {
  const MessageRecord m;
  EXPECT_EQ(Dumped(m), Written(m));
  EXPECT_NE(std::string::npos, Written(m).find("\"sender\":null,\"size\":null,"));
}

TEST(RecordsJsonTest, EveryFieldSet) {
  const MessageRecord m = Full();
  EXPECT_EQ(Dumped(m), Written(m));
}

TEST(RecordsJsonTest, StringsThatNeedEscapingOrReplacing) {
  const std::vector<std::string> strings = {
      "",
      "quote \" and backslash \\",
      "a quote \" alone",
      "a backslash \\ alone",
      std::string("nul \0 byte", 10),
      "tab\t newline\n return\r bell\a escape\x1b del\x7f",
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7",  // valid UTF-8
      "lone \xff byte",
      "cut \xe2\x82",                               // truncated sequence at the end
      "cut \xe2\x82 in the middle",
      "overlong \xc0\xaf slash",
      "surrogate \xed\xa0\x80 half",
      "\x80\x80\x80",
  };
  for (const std::string& s : strings) {
    MessageRecord m = Full();
    m.sender = s;
    m.message_id = s;
    m.queue_ids = {s};
    m.recipients[0].reply = s;
    m.rejected_recipients[0].reply = s;
    EXPECT_EQ(Dumped(m), Written(m)) << s;
  }
}

TEST(RecordsJsonTest, NumbersAsNlohmannPrintsThem) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (double v : {0.0, -0.0, 0.1, 0.01, 1.0, 2.5, 100.0, 1234.56, 1e-5, 1e-7, 3e-300, 1e15,
                   1e16, 1e17, 1e21, 123456789012.345, 1.7976931348623157e308, -1.0, -0.5, nan,
                   inf}) {
    MessageRecord m = Full();
    m.recipients[0].delay = v;
    m.recipients[0].delays = {v, v, v, v};
    EXPECT_EQ(Dumped(m), Written(m)) << v;
  }
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{-2},
                    std::numeric_limits<int64_t>::max()}) {
    MessageRecord m = Full();
    m.size = v;
    m.nrcpt = v;
    m.recipients[0].deferrals = static_cast<int>(v);
    EXPECT_EQ(Dumped(m), Written(m)) << v;
  }
}

TEST(RecordsJsonTest, UnknownTimesAndNoSender) {
  MessageRecord m = Full();
  m.arrival = Timestamp();
  m.completion = Timestamp();
  m.recipients[0].time = Timestamp();
  m.sender_known = false;
  m.reject_stage.clear();
  EXPECT_EQ(Dumped(m), Written(m));
  m.reject_reply.clear();
  m.notifications.clear();
  m.parent_queue_id.clear();
  EXPECT_EQ(Dumped(m), Written(m));
}

// Every record of generated traffic (all outcomes, hops, notices, rejects,
// records cut short by the cap and at the end).
TEST(RecordsJsonTest, EveryRecordOfGeneratedTraffic) {
  bench::LogGeneratorOptions gen_options;
  gen_options.seed = 11;
  bench::LogGenerator gen(gen_options);
  CorrelatorOptions options;
  options.max_messages = 200;
  options.emit_unfinished = true;
  size_t records = 0;
  Correlator correlator(options, [&](MessageRecord&& m) {
    ++records;
    ASSERT_EQ(Dumped(m), Written(m)) << "record " << records;
  });
  LogInputOptions input_options;
  auto input = LogInput::Create(input_options, [&](const LogLine& l, const parsers::Event& e) {
    correlator.Add(l, e);
  });
  ASSERT_TRUE(input.ok()) << input.status();
  std::string line;
  while (gen.lines() < 20000) {
    gen.Next(&line);
    (*input)->ProcessLine(line);
  }
  correlator.Finish(/*include_unfinished=*/true);
  EXPECT_GT(records, 1000u);
}

TEST(RecordsJsonTest, OneLinePerRecordAppended) {
  std::ostringstream out;
  RecordsJsonWriter w(&out);
  const MessageRecord a = Full();
  MessageRecord b;
  b.host = "second";
  w.Write(a);
  w.Write(b);
  EXPECT_EQ(Dumped(a) + Dumped(b), out.str());
}

}  // namespace
}  // namespace mailgauge::analyzer
