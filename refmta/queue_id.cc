#include "refmta/queue_id.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace mailgauge::refmta {
namespace {

// Postfix src/global/safe_ultostr.c:
//   static unsigned char safe_chars[] =
//   "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
constexpr absl::string_view kSafeChars =
    "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";

// Postfix src/global/mail_queue.h: MQID_LG_SEC_BASE 52, MQID_LG_SEC_PAD 6,
// MQID_LG_USEC_BASE 52, MQID_LG_USEC_PAD 4, MQID_LG_INUM_SEP 'z',
// MQID_LG_INUM_BASE 51, MQID_LG_INUM_PAD 0; MQID_SH_USEC_PAD 5 with "%05X",
// inode "%lX".
constexpr int kLongSecondsBase = 52;
constexpr int kLongSecondsWidth = 6;
constexpr int kLongMicrosBase = 52;
constexpr int kLongMicrosWidth = 4;
constexpr char kLongInodeSeparator = 'z';
constexpr int kLongInodeBase = 51;
constexpr size_t kShortMicrosWidth = 5;

int SafeValue(char c) {
  size_t pos = kSafeChars.find(c);
  return pos == absl::string_view::npos ? -1 : static_cast<int>(pos);
}

bool AllSafe(absl::string_view s, int base) {
  return std::all_of(s.begin(), s.end(), [base](char c) {
    int v = SafeValue(c);
    return v >= 0 && v < base;
  });
}

bool IsUpperHex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

}  // namespace

std::string SafeEncode(uint64_t value, int base, int width) {
  std::string out;
  while (value != 0) {
    out.push_back(kSafeChars[value % base]);
    value /= base;
  }
  while (static_cast<int>(out.size()) < width) out.push_back('0');
  std::reverse(out.begin(), out.end());
  return out;
}

std::string ShortQueueId(int64_t micros, uint64_t inode) {
  return absl::StrFormat("%05X%X", static_cast<int>(micros), inode);
}

std::string LongQueueId(int64_t seconds, int64_t micros, uint64_t inode) {
  std::string id = SafeEncode(static_cast<uint64_t>(seconds), kLongSecondsBase,
                              kLongSecondsWidth);
  id += SafeEncode(static_cast<uint64_t>(micros), kLongMicrosBase, kLongMicrosWidth);
  id.push_back(kLongInodeSeparator);
  id += SafeEncode(inode, kLongInodeBase, 0);
  return id;
}

bool IsShortQueueId(absl::string_view id) {
  if (id.size() <= kShortMicrosWidth ||
      !std::all_of(id.begin(), id.end(), IsUpperHex)) {
    return false;
  }
  int micros = 0;
  for (size_t i = 0; i < kShortMicrosWidth; ++i) {
    char c = id[i];
    micros = micros * 16 + (c <= '9' ? c - '0' : c - 'A' + 10);
  }
  return micros < 1000000;
}

bool IsLongQueueId(absl::string_view id) {
  size_t z = id.rfind(kLongInodeSeparator);
  if (z == absl::string_view::npos ||
      z < static_cast<size_t>(kLongSecondsWidth + kLongMicrosWidth) || z + 1 == id.size()) {
    return false;
  }
  return AllSafe(id.substr(0, z), kLongSecondsBase) &&
         AllSafe(id.substr(z + 1), kLongInodeBase);
}

}  // namespace mailgauge::refmta
