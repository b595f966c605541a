// File: analyzer/records_json.h
// Writes MessageRecords as JSON Lines, one object per message, in the schema
// documented in docs/records.md.
//
//   RecordsJsonWriter w(&std::cout);
//   Correlator c(options, [&](MessageRecord&& m) { w.Write(m); });
#ifndef MAILGAUGE_ANALYZER_RECORDS_JSON_H_
#define MAILGAUGE_ANALYZER_RECORDS_JSON_H_

#include <ostream>
#include <string>

#include "analyzer/message_record.h"
#include "nlohmann/json.hpp"

namespace mailgauge::analyzer {

// Appends one record's JSON object (keys as in docs/records.md), without a
// newline.
void AppendRecordJson(const MessageRecord& m, std::string* out);

// The same object as a JSON tree (tests, tools).
nlohmann::ordered_json RecordToJson(const MessageRecord& m);

class RecordsJsonWriter {
 public:
  explicit RecordsJsonWriter(std::ostream* out) : out_(out) {}
  // Writes one line. Invalid UTF-8 in log-derived strings is replaced, never
  // an error: a log line is data written by strangers.
  void Write(const MessageRecord& m);

 private:
  std::ostream* out_;
  std::string buffer_;  // the line being written, reused
};

}  // namespace mailgauge::analyzer

#endif  // MAILGAUGE_ANALYZER_RECORDS_JSON_H_
