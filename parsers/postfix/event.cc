#include "parsers/postfix/event.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace mailgauge::parsers {
namespace {

struct DaemonEntry {
  std::string_view name;
  Daemon daemon;
};

// Names as they appear as the last component of a syslog tag. The first
// entry for a Daemon is its canonical name.
constexpr DaemonEntry kDaemonNames[] = {
    {"smtpd", Daemon::kSmtpd},
    {"postscreen", Daemon::kPostscreen},
    {"dnsblog", Daemon::kDnsblog},
    {"tlsproxy", Daemon::kTlsproxy},
    {"anvil", Daemon::kAnvil},
    {"cleanup", Daemon::kCleanup},
    {"pickup", Daemon::kPickup},
    {"qmgr", Daemon::kQmgr},
    {"nqmgr", Daemon::kQmgr},
    {"oqmgr", Daemon::kQmgr},
    {"local", Daemon::kLocal},
    {"virtual", Daemon::kVirtual},
    {"smtp", Daemon::kSmtp},
    {"lmtp", Daemon::kLmtp},
    {"pipe", Daemon::kPipe},
    {"error", Daemon::kError},
    {"retry", Daemon::kError},
    {"discard", Daemon::kDiscard},
    {"bounce", Daemon::kBounce},
    {"defer", Daemon::kBounce},
    {"trace", Daemon::kBounce},
    {"postsuper", Daemon::kPostsuper},
    {"master", Daemon::kMaster},
    {"verify", Daemon::kVerify},
    {"scache", Daemon::kScache},
    {"postdrop", Daemon::kPostdrop},
    {"sendmail", Daemon::kSendmail},
    {"postqueue", Daemon::kPostqueue},
    {"postfix-script", Daemon::kPostfixScript},
    {"postlog", Daemon::kPostlog},
    {"postlogd", Daemon::kPostlog},
    {"postmap", Daemon::kPostmap},
    {"postalias", Daemon::kPostalias},
    {"tlsmgr", Daemon::kTlsmgr},
    {"proxymap", Daemon::kProxymap},
    {"trivial-rewrite", Daemon::kTrivialRewrite},
    {"showq", Daemon::kShowq},
    {"flush", Daemon::kFlush},
    {"spawn", Daemon::kSpawn},
    {"qmqpd", Daemon::kQmqpd},
    {"policy-spf", Daemon::kPolicySpf},
    {"policyd-spf", Daemon::kPolicySpf},
};

constexpr size_t kDaemonNameCount = sizeof(kDaemonNames) / sizeof(kDaemonNames[0]);
static_assert(kDaemonNameCount <= 64, "candidates are a 64-bit set");

// The table entries whose name has a given length (up to 31) and first
// byte, as a bit set: one or two candidates for any name.
struct DaemonIndex {
  uint64_t by_length[32] = {};
  uint64_t by_first[256] = {};
};
constexpr DaemonIndex MakeDaemonIndex() {
  DaemonIndex index;
  for (size_t i = 0; i < kDaemonNameCount; ++i) {
    const std::string_view n = kDaemonNames[i].name;
    index.by_length[n.size()] |= uint64_t{1} << i;
    index.by_first[static_cast<unsigned char>(n[0])] |= uint64_t{1} << i;
  }
  return index;
}
constexpr DaemonIndex kDaemonIndex = MakeDaemonIndex();

}  // namespace

Daemon DaemonFromName(std::string_view name) {
  // Called once per line: only the entries of the same length and first
  // byte are compared.
  if (name.empty() || name.size() >= 32) return Daemon::kOther;
  uint64_t candidates = kDaemonIndex.by_length[name.size()] &
                        kDaemonIndex.by_first[static_cast<unsigned char>(name[0])];
  while (candidates != 0) {
    const DaemonEntry& e = kDaemonNames[__builtin_ctzll(candidates)];
    if (e.name == name) return e.daemon;
    candidates &= candidates - 1;
  }
  return Daemon::kOther;
}

std::string_view DaemonName(Daemon d) {
  // The canonical names by value: the first table entry of each daemon.
  static constexpr auto kNames = [] {
    std::array<std::string_view, static_cast<size_t>(Daemon::kNumDaemons)> names{};
    for (const DaemonEntry& e : kDaemonNames) {
      std::string_view& n = names[static_cast<size_t>(e.daemon)];
      if (n.empty()) n = e.name;
    }
    names[static_cast<size_t>(Daemon::kUnknown)] = "unknown";
    return names;
  }();
  const size_t i = static_cast<size_t>(d);
  return i < kNames.size() && !kNames[i].empty() ? kNames[i] : "other";
}

std::string_view EventKindName(EventKind k) {
  switch (k) {
    case EventKind::kUnknown: return "unknown";
    case EventKind::kSmtpdClient: return "smtpd_client";
    case EventKind::kPickup: return "pickup";
    case EventKind::kMessageId: return "message_id";
    case EventKind::kQueued: return "queued";
    case EventKind::kDelivery: return "delivery";
    case EventKind::kExpired: return "expired";
    case EventKind::kRemoved: return "removed";
    case EventKind::kNotification: return "notification";
    case EventKind::kHeld: return "held";
    case EventKind::kReleased: return "released";
    case EventKind::kRequeued: return "requeued";
    case EventKind::kDiscarded: return "discarded";
    case EventKind::kReject: return "reject";
    case EventKind::kRejectWarning: return "reject_warning";
    case EventKind::kMilterReject: return "milter_reject";
    case EventKind::kRedirect: return "redirect";
    case EventKind::kFilter: return "filter";
    case EventKind::kHeaderWarning: return "header_warning";
    case EventKind::kInfo: return "info";
    case EventKind::kSizeLimitExceeded: return "size_limit_exceeded";
    case EventKind::kCheckAction: return "check_action";
    case EventKind::kConnect: return "connect";
    case EventKind::kDisconnect: return "disconnect";
    case EventKind::kLostConnection: return "lost_connection";
    case EventKind::kTimeout: return "timeout";
    case EventKind::kTooManyErrors: return "too_many_errors";
    case EventKind::kTlsEstablished: return "tls_established";
    case EventKind::kSaslFailed: return "sasl_failed";
    case EventKind::kSmtpConnectFailed: return "smtp_connect_failed";
    case EventKind::kSmtpHostSaid: return "smtp_host_said";
    case EventKind::kSmtpLostConnection: return "smtp_lost_connection";
    case EventKind::kSmtpConversation: return "smtp_conversation";
    case EventKind::kPostscreenPass: return "postscreen_pass";
    case EventKind::kPostscreenAllowlisted: return "postscreen_allowlisted";
    case EventKind::kPostscreenDenylisted: return "postscreen_denylisted";
    case EventKind::kPostscreenDnsbl: return "postscreen_dnsbl";
    case EventKind::kPostscreenPregreet: return "postscreen_pregreet";
    case EventKind::kPostscreenHangup: return "postscreen_hangup";
    case EventKind::kPostscreenViolation: return "postscreen_violation";
    case EventKind::kPostscreenNoqueue: return "postscreen_noqueue";
    case EventKind::kPostscreenCache: return "postscreen_cache";
    case EventKind::kDnsblListed: return "dnsbl_listed";
    case EventKind::kAnvilStatistics: return "anvil_statistics";
    case EventKind::kMasterStarted: return "master_started";
    case EventKind::kMasterReload: return "master_reload";
    case EventKind::kMasterStopped: return "master_stopped";
    case EventKind::kScriptMessage: return "script_message";
    case EventKind::kStatistics: return "statistics";
    case EventKind::kWarning: return "warning";
    case EventKind::kError: return "error";
    case EventKind::kFatal: return "fatal";
    case EventKind::kPanic: return "panic";
    case EventKind::kNotice: return "notice";
    case EventKind::kVerbose: return "verbose";
    case EventKind::kNumKinds: break;
  }
  return "invalid";
}

std::string_view DeliveryStatusName(DeliveryStatus s) {
  switch (s) {
    case DeliveryStatus::kNone: return "";
    case DeliveryStatus::kSent: return "sent";
    case DeliveryStatus::kDeferred: return "deferred";
    case DeliveryStatus::kBounced: return "bounced";
    case DeliveryStatus::kExpired: return "expired";
    case DeliveryStatus::kUndeliverable: return "undeliverable";
    case DeliveryStatus::kDeliverable: return "deliverable";
    case DeliveryStatus::kOther: return "other";
  }
  return "";
}

int64_t CommandSuccesses(std::string_view stats, std::string_view command) {
  while (!stats.empty()) {
    const size_t end = std::min(stats.find(' '), stats.size());
    std::string_view item = stats.substr(0, end);
    stats.remove_prefix(std::min(end + 1, stats.size()));
    if (item.size() <= command.size() || item.compare(0, command.size(), command) != 0 ||
        item[command.size()] != '=') {
      continue;
    }
    item.remove_prefix(command.size() + 1);
    int64_t n = 0;
    for (size_t i = 0; i < item.size() && item[i] >= '0' && item[i] <= '9'; ++i) {
      if (n > (INT64_MAX - 9) / 10) break;
      n = n * 10 + (item[i] - '0');
    }
    return n;
  }
  return 0;
}

std::string_view RejectStageName(RejectStage s) {
  switch (s) {
    case RejectStage::kNone: return "";
    case RejectStage::kConnect: return "CONNECT";
    case RejectStage::kHelo: return "HELO";
    case RejectStage::kEhlo: return "EHLO";
    case RejectStage::kMail: return "MAIL";
    case RejectStage::kRcpt: return "RCPT";
    case RejectStage::kData: return "DATA";
    case RejectStage::kEndOfMessage: return "END-OF-MESSAGE";
    case RejectStage::kEtrn: return "ETRN";
    case RejectStage::kVrfy: return "VRFY";
    case RejectStage::kAuth: return "AUTH";
    case RejectStage::kHeader: return "header";
    case RejectStage::kBody: return "body";
    case RejectStage::kOther: return "other";
  }
  return "";
}

namespace {

// A cleared Event's words, which PackEvent leaves out.
struct ClearedWords {
  alignas(16) uint64_t words[kEventWords];
  ClearedWords() {
    Event e;
    e.Clear();
    std::memcpy(words, &e, sizeof(Event));
  }
};

const uint64_t* Cleared() {
  static const ClearedWords cleared;
  return cleared.words;
}

// out[m] gets bit i - 64m set when word i of `words` differs from the
// cleared Event's, for the words 64m to 64m + 63.
using MaskFn = void (*)(const char* words, const uint64_t* cleared, uint64_t* out);

// The mask bits of words i to end - 1, one word at a time.
inline uint64_t WordByWord(const char* words, const uint64_t* cleared, size_t i, size_t end,
                           size_t first) {
  uint64_t mask = 0;
  for (; i < end; ++i) {
    uint64_t w;
    std::memcpy(&w, words + 8 * i, 8);
    mask |= uint64_t{w != cleared[i]} << (i - first);
  }
  return mask;
}

void DiffMask(const char* words, const uint64_t* cleared, uint64_t* out) {
  for (size_t m = 0; m < kEventMaskWords; ++m) {
    // The only chain is an OR in a register.
    uint64_t mask = 0;
    const size_t first = 64 * m, end = std::min(kEventWords, first + 64);
    size_t i = first;
#ifdef __SSE2__
    // Two words at a time: equal 32-bit halves, ANDed with their swapped
    // neighbours, give one sign bit per equal 64-bit word.
    for (; i + 2 <= end; i += 2) {
      const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(words + 8 * i));
      const __m128i c = _mm_load_si128(reinterpret_cast<const __m128i*>(cleared + i));
      const __m128i eq32 = _mm_cmpeq_epi32(w, c);
      const __m128i eq64 = _mm_and_si128(eq32, _mm_shuffle_epi32(eq32, _MM_SHUFFLE(2, 3, 0, 1)));
      mask |= (~static_cast<uint64_t>(_mm_movemask_pd(_mm_castsi128_pd(eq64))) & 3) << (i - first);
    }
#endif
    out[m] = mask | WordByWord(words, cleared, i, end, first);
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
// Four words at a time, on CPUs with AVX2 (chosen at run time: the build
// targets plain x86-64).
__attribute__((target("avx2"))) void DiffMaskAvx2(const char* words, const uint64_t* cleared,
                                                  uint64_t* out) {
  for (size_t m = 0; m < kEventMaskWords; ++m) {
    uint64_t mask = 0;
    const size_t first = 64 * m, end = std::min(kEventWords, first + 64);
    size_t i = first;
    for (; i + 4 <= end; i += 4) {
      const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(words + 8 * i));
      const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(cleared + i));
      const __m256i eq = _mm256_cmpeq_epi64(w, c);
      mask |= (~static_cast<uint64_t>(_mm256_movemask_pd(_mm256_castsi256_pd(eq))) & 15)
              << (i - first);
    }
    out[m] = mask | WordByWord(words, cleared, i, end, first);
  }
}
#endif

MaskFn ChooseDiffMask() {
#if defined(__x86_64__) && defined(__GNUC__)
  if (__builtin_cpu_supports("avx2")) return DiffMaskAvx2;
#endif
  return DiffMask;
}

size_t Pack(MaskFn diff_mask, const Event& e, uint64_t* out) {
  const char* bytes = reinterpret_cast<const char*>(&e);
  diff_mask(bytes, Cleared(), out);
  uint64_t* data = out + kEventMaskWords;
  for (size_t m = 0; m < kEventMaskWords; ++m) {
    for (uint64_t bits = out[m]; bits != 0; bits &= bits - 1) {
      std::memcpy(data++, bytes + 8 * (64 * m + static_cast<size_t>(__builtin_ctzll(bits))), 8);
    }
  }
  return static_cast<size_t>(data - out);
}

}  // namespace

size_t PackEvent(const Event& e, uint64_t* out) {
  static const MaskFn diff_mask = ChooseDiffMask();
  return Pack(diff_mask, e, out);
}

namespace internal {
size_t PackEventPortable(const Event& e, uint64_t* out) { return Pack(DiffMask, e, out); }
}  // namespace internal

EventUnpacker::EventUnpacker() {
  event_.Clear();
  // As if every word had been set: the first Unpack resets them all.
  for (size_t m = 0; m < kEventMaskWords; ++m) {
    const size_t bits = std::min<size_t>(64, kEventWords - 64 * m);
    set_[m] = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
  }
}

const Event& EventUnpacker::Unpack(const uint64_t* in, size_t* words) {
  const uint64_t* cleared = Cleared();
  char* bytes = reinterpret_cast<char*>(&event_);
  const uint64_t* data = in + kEventMaskWords;
  for (size_t m = 0; m < kEventMaskWords; ++m) {
    const size_t first = 64 * m;
    // Set by the last Event and not by this one: back to the cleared value.
    for (uint64_t bits = set_[m] & ~in[m]; bits != 0; bits &= bits - 1) {
      const size_t i = first + static_cast<size_t>(__builtin_ctzll(bits));
      std::memcpy(bytes + 8 * i, &cleared[i], 8);
    }
    for (uint64_t bits = in[m]; bits != 0; bits &= bits - 1) {
      const size_t i = first + static_cast<size_t>(__builtin_ctzll(bits));
      std::memcpy(bytes + 8 * i, data++, 8);
    }
    set_[m] = in[m];
  }
  if (words != nullptr) *words = static_cast<size_t>(data - in);
  return event_;
}

}  // namespace mailgauge::parsers
