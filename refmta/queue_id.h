// File: refmta/queue_id.h
// Postfix queue IDs, made the way Postfix makes them (facts from Postfix's
// src/global/mail_queue.h and src/global/safe_ultostr.c):
//
//  short form (enable_long_queue_ids = no): the microseconds of the arrival
//    time as exactly five upper-case hex digits ("%05X"), then the queue
//    file's inode number in upper-case hex ("%lX"):  "4B0C72A1F3";
//  long form (enable_long_queue_ids = yes): the seconds in a 52-character
//    "safe" alphabet (digits and letters without vowels,
//    "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz"), at least six
//    characters; the microseconds in the same base, exactly four; the
//    separator 'z'; the inode number in base 51 (the alphabet without 'z'):
//    "4dNPRG3Xdvz2K3M".
//
//   ShortQueueId(123456, 0x72A1F3)          // "1E24072A1F3"
//   LongQueueId(1795625889, 123456, 4242)   // "4...z..."
//
// Thread-safety: pure functions.
#ifndef MAILGAUGE_REFMTA_QUEUE_ID_H_
#define MAILGAUGE_REFMTA_QUEUE_ID_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace mailgauge::refmta {

// `micros` is the sub-second part, 0..999999.
std::string ShortQueueId(int64_t micros, uint64_t inode);
// `seconds` since the epoch, `micros` 0..999999.
std::string LongQueueId(int64_t seconds, int64_t micros, uint64_t inode);

// True for a well-formed short ID (five hex digits of microseconds < 1000000
// followed by at least one hex digit, all upper case).
bool IsShortQueueId(absl::string_view id);
// True for a well-formed long ID: at least 6+4 safe characters, 'z', and at
// least one base-51 character.
bool IsLongQueueId(absl::string_view id);
inline bool IsQueueId(absl::string_view id) {
  return IsShortQueueId(id) || IsLongQueueId(id);
}

// Encodes `value` in Postfix's safe alphabet of `base` (2..52), left-padded
// with '0' to `width` characters.
std::string SafeEncode(uint64_t value, int base, int width);

}  // namespace mailgauge::refmta

#endif  // MAILGAUGE_REFMTA_QUEUE_ID_H_
