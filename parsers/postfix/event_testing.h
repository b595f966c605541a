// File: parsers/postfix/event_testing.h
// Test helpers for the pattern tables: parse one message body with the real
// PostfixParser and see every field the Event carries as a name -> value map,
// so a test can state the complete expected set in one expression.
//
//   EXPECT_EQ(ParseFields(Daemon::kQmgr, "4B0C72A1F3: removed"),
//             (Fields{{"kind", "removed"}, {"queue_id", "4B0C72A1F3"}}));
#ifndef MAILGAUGE_PARSERS_POSTFIX_EVENT_TESTING_H_
#define MAILGAUGE_PARSERS_POSTFIX_EVENT_TESTING_H_

#include <map>
#include <string>
#include <string_view>

#include "parsers/postfix/event.h"
#include "parsers/postfix/postfix_parser.h"

namespace mailgauge::parsers {

using Fields = std::map<std::string, std::string>;

// Every field of `e` that was set, by Event member name; "kind" holds
// EventKindName(e.kind). A string field captured empty (from=<>) is present
// with value "", a field never captured is absent.
Fields FieldsOf(const Event& e);

// The name of the first non-empty string field of `e` that does not lie
// inside `text`, or nullptr: a parser must only point into the line it read.
const char* ViewOutside(std::string_view text, const Event& e);

// One PostfixParser for the whole test binary (compiled on first use).
const PostfixParser& TestParser();

// Parses `message` (a string literal, so the views stay valid) as written by
// `daemon`; a gtest failure if no row understands it.
Event ParseEvent(Daemon daemon, std::string_view message);
Fields ParseFields(Daemon daemon, std::string_view message);

}  // namespace mailgauge::parsers

#endif  // MAILGAUGE_PARSERS_POSTFIX_EVENT_TESTING_H_
