// File: parsers/postfix/queue_id.h
// Postfix queue IDs in both forms, as RE2 sub-patterns for the pattern tables
// and as a fast check.
//
// Short form (default): hexadecimal, upper case, e.g. "4B0C72A1F3" — the
// microseconds of the queue file's creation and its inode number.
// Long form (enable_long_queue_ids = yes), e.g. "4Hs2Kx0hQ5z8Cw": the time in
// base 52 (digits and consonants of both cases), then 'z', then the inode in
// base 51 (the same alphabet without 'z'). Postfix's source:
// src/global/mail_queue.h (MQID_LG_*).
//
//   const char kRow[] = "^" MAILGAUGE_QID ": removed$";
//   IsQueueId("4B0C72A1F3");  // true
#ifndef MAILGAUGE_PARSERS_POSTFIX_QUEUE_ID_H_
#define MAILGAUGE_PARSERS_POSTFIX_QUEUE_ID_H_

#include <string_view>

// The characters of a long queue ID (52: digits and consonants).
#define MAILGAUGE_QID_LONG_CHARS "0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z"
#define MAILGAUGE_QID_LONG_INODE_CHARS "0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-y"

// A queue ID in either form, without a capture group.
#define MAILGAUGE_QID_ANY                               \
  "(?:[0-9A-F]{6,}|[" MAILGAUGE_QID_LONG_CHARS "]{10,}z[" \
  MAILGAUGE_QID_LONG_INODE_CHARS "]+)"

// A queue ID captured as `queue_id`.
#define MAILGAUGE_QID "(?P<queue_id>" MAILGAUGE_QID_ANY ")"

// A second queue ID captured as `new_queue_id`.
#define MAILGAUGE_NEW_QID "(?P<new_queue_id>" MAILGAUGE_QID_ANY ")"

namespace mailgauge::parsers {

// True if `s` is a whole queue ID in either form.
bool IsQueueId(std::string_view s);

// True if `s` is in the long form.
bool IsLongQueueId(std::string_view s);

}  // namespace mailgauge::parsers

#endif  // MAILGAUGE_PARSERS_POSTFIX_QUEUE_ID_H_
