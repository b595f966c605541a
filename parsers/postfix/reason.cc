#include "parsers/postfix/reason.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <string>
#include <vector>

#include "parsers/postfix/enhanced_status.h"

namespace mailgauge::parsers {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// `text` in ASCII lower case, in a per-thread buffer reused across calls
// (valid until the next call on this thread).
std::string_view Lowered(std::string_view text) {
  thread_local std::string buffer;
  buffer.assign(text.data(), text.size());
  char* p = buffer.data();
  size_t n = buffer.size();
  // Eight bytes at a time: a byte below 0x80 whose value is 'A'..'Z' gets
  // 0x20 added (its own high bit set by the additions below; no carry
  // crosses a byte since each byte's sum stays below 0x100).
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    const uint64_t heptets = w & (0x7f * kOnes);
    const uint64_t above_z = heptets + (0x7f - 'Z') * kOnes;
    const uint64_t from_a = heptets + (0x80 - 'A') * kOnes;
    const uint64_t upper = ~w & (from_a ^ above_z) & (0x80 * kOnes);
    w |= upper >> 2;
    std::memcpy(p, &w, 8);
  }
  for (; n > 0; ++p, --n) *p = Lower(*p);
  return buffer;
}

bool Contains(std::string_view text, std::string_view needle) {
  return text.find(needle) != std::string_view::npos;
}

// The RFC 3463 code the event carries: the reply's enhanced code, else the
// dsn= field. Subject/detail -1 when there is none or it does not parse.
struct Code {
  int status_class = -1;
  int subject = -1;
  int detail = -1;
  bool Is(int s, int d) const { return subject == s && detail == d; }
};

Code EventCode(const Event& e) {
  Code c;
  for (std::string_view text : {e.enhanced_code, e.dsn}) {
    if (text.empty()) continue;
    absl::StatusOr<EnhancedStatus> s = ParseEnhancedStatus(text);
    if (!s.ok()) continue;
    c.status_class = static_cast<int>(s->status_class);
    c.subject = s->subject;
    c.detail = s->detail;
    break;
  }
  return c;
}

// --- The delivery problem keywords, found in one pass ---------------------
//
// ComputeDeliveryProblem asks, for each of a dozen groups of keywords,
// whether the reply contains any keyword of the group ignoring ASCII case.
// Rather than searching the text once per keyword (a hundred searches),
// KeywordScanner visits each position of the lowered text once: a bit per
// pair of bytes says whether a keyword starts with the two bytes there
// (most positions start none); if so they pick a bucket of keywords, each
// compared in place. The result is the set of groups with a keyword
// anywhere in the text.

enum class Group : uint8_t {
  kLoop,
  kTls,
  kGreylisting,
  kTryLater,
  kTimedOut,
  kDns,
  kMailboxFull,
  kRateLimit,
  kTooLarge,
  kUserUnknown,
  kPolicy,
  kFilterFailure,
  // Keywords the rules match with their case ("Connection refused"): found
  // ignoring case here, then confirmed with a case-sensitive search.
  kSaidAnyCase,
  kRefusedAnyCase,
  kConnectToAnyCase,
  // ClassifyReject's groups (beside kGreylisting and kRateLimit).
  kRejectTlsRequired,
  kRejectMessageSize,
  kRejectUnknownUser,
  kRejectDomainNotFound,
  kRejectPolicy,
  kRejectReverseDns,
  kRejectProtocol,
};

constexpr uint32_t GroupBit(Group g) { return uint32_t{1} << static_cast<int>(g); }
static_assert(static_cast<int>(Group::kRejectProtocol) < 32, "a group is a bit of a uint32_t");

struct Keyword {
  std::string_view text;  // lower case, at least 2 bytes
  Group group;
};

// Groups both classifiers ask about, with the same keywords.
constexpr Keyword kGreylistingKeywords[] = {
    {"greylist", Group::kGreylisting},
    {"graylist", Group::kGreylisting},
    {"grey-list", Group::kGreylisting},
    {"gray-list", Group::kGreylisting},
    {"grey list", Group::kGreylisting},
};
constexpr Keyword kRateLimitKeywords[] = {
    {"too many ", Group::kRateLimit},
    {"too much mail", Group::kRateLimit},
    {"rate limit", Group::kRateLimit},
    {"ratelimit", Group::kRateLimit},
    {"rate-limit", Group::kRateLimit},
    {"throttl", Group::kRateLimit},
    {"unusual rate", Group::kRateLimit},
    {"too fast", Group::kRateLimit},
    {"sending rate", Group::kRateLimit},
    {"exceeded the rate", Group::kRateLimit},
};

// Keep in step with the rules of ComputeDeliveryProblem (reason_test.cc
// compares it with the searches it replaced); with the two lists above.
constexpr Keyword kDeliveryKeywords[] = {
    {"loops back to myself", Group::kLoop},
    {"mail forwarding loop", Group::kLoop},
    {"alias database loop", Group::kLoop},
    {"nesting limit exceeded", Group::kLoop},
    {"too many hops", Group::kLoop},
    {"hop count exceeded", Group::kLoop},
    {"routing loop", Group::kLoop},
    {"tls is required", Group::kTls},
    {"cannot start tls", Group::kTls},
    {"server certificate not verified", Group::kTls},
    {"certificate verification failed", Group::kTls},
    {"ssl_connect error", Group::kTls},
    {"requiretls", Group::kTls},
    {"tlsa lookup error", Group::kTls},
    {"client tls configuration problem", Group::kTls},
    {"refused to start tls", Group::kTls},
    {"must issue a starttls command first", Group::kTls},
    {"tls handshake", Group::kTls},
    {"try again later", Group::kTryLater},
    {"come back later", Group::kTryLater},
    {"retry later", Group::kTryLater},
    {"connection timed out", Group::kTimedOut},
    {"timed out while", Group::kTimedOut},
    {"host or domain name not found", Group::kDns},
    {"name service error", Group::kDns},
    {"does not accept mail (nullmx)", Group::kDns},
    {"name server loop", Group::kDns},
    {"unable to find primary relay", Group::kDns},
    {"no mx host for", Group::kDns},
    {"does not support srv requests", Group::kDns},  // 3.8's use_srv_lookup
    {": host not found", Group::kDns},
    {"mailbox full", Group::kMailboxFull},
    {"mailbox is full", Group::kMailboxFull},
    {"over quota", Group::kMailboxFull},
    {"quota exceeded", Group::kMailboxFull},
    {"disk quota", Group::kMailboxFull},
    {"file too large", Group::kMailboxFull},
    {"exceeded storage allocation", Group::kMailboxFull},
    {"mailbox size limit", Group::kMailboxFull},
    {"user is over", Group::kMailboxFull},
    {"out of storage", Group::kMailboxFull},
    {"quota exceed", Group::kMailboxFull},
    {"insufficient storage for mailbox", Group::kMailboxFull},
    {"exceeds size limit", Group::kTooLarge},
    {"message size", Group::kTooLarge},
    {"message too large", Group::kTooLarge},
    {"message too big", Group::kTooLarge},
    {"message is too large", Group::kTooLarge},
    {"size exceeds", Group::kTooLarge},
    {"too big", Group::kTooLarge},
    {"user unknown", Group::kUserUnknown},
    {"unknown user", Group::kUserUnknown},
    {"no such user", Group::kUserUnknown},
    {"does not exist", Group::kUserUnknown},
    {"user not found", Group::kUserUnknown},
    {"recipient not found", Group::kUserUnknown},
    {"unknown recipient", Group::kUserUnknown},
    {"invalid recipient", Group::kUserUnknown},
    {"no mailbox", Group::kUserUnknown},
    {"mailbox unavailable", Group::kUserUnknown},
    {"mailbox not found", Group::kUserUnknown},
    {"address not found", Group::kUserUnknown},
    {"user doesn't exist", Group::kUserUnknown},
    {"account disabled", Group::kUserUnknown},
    {"mailbox disabled", Group::kUserUnknown},
    {"spam", Group::kPolicy},
    {"blocked", Group::kPolicy},
    {"blacklist", Group::kPolicy},
    {"blocklist", Group::kPolicy},
    {"denylist", Group::kPolicy},
    {"dnsbl", Group::kPolicy},
    {"reputation", Group::kPolicy},
    {"not authorized", Group::kPolicy},
    {"dmarc", Group::kPolicy},
    {"dkim", Group::kPolicy},
    {"spf ", Group::kPolicy},
    {"access denied", Group::kPolicy},
    {"content rejected", Group::kPolicy},
    {"virus", Group::kPolicy},
    {"phish", Group::kPolicy},
    {"policy", Group::kPolicy},
    {"rejected due to", Group::kPolicy},
    {"unsolicited", Group::kPolicy},
    // amavisd-new failing to scan ("451 4.5.0 Error in processing,
    // id=..., virus_scan FAILED: ..."): its own trouble, not a verdict on
    // the message, whatever words ("virus", "spam") the text holds.
    {"error in processing, id=", Group::kFilterFailure},
    {"_scan failed", Group::kFilterFailure},
    {"virus scanner failure", Group::kFilterFailure},
    {" said: ", Group::kSaidAnyCase},
    {"connection refused", Group::kRefusedAnyCase},
    {"connect to ", Group::kConnectToAnyCase},
};

class KeywordScanner {
 public:
  explicit KeywordScanner(const std::vector<Keyword>& keywords) {
    // The keywords by bucket of their first two bytes (a stable counting
    // sort), and those two bytes marked in pairs_.
    uint16_t count[kBuckets] = {};
    for (const Keyword& k : keywords) {
      ++count[Bucket(k.text[0], k.text[1])];
      const unsigned pair = Pair(k.text[0], k.text[1]);
      pairs_[pair >> 6] |= uint64_t{1} << (pair & 63);
    }
    begin_[0] = 0;
    for (size_t b = 0; b < kBuckets; ++b) {
      begin_[b + 1] = static_cast<uint16_t>(begin_[b] + count[b]);
    }
    entries_.resize(keywords.size());
    uint16_t next[kBuckets];
    std::copy(begin_, begin_ + kBuckets, next);
    for (const Keyword& k : keywords) {
      Entry& e = entries_[next[Bucket(k.text[0], k.text[1])]++];
      e.text = k.text;
      e.bit = GroupBit(k.group);
      if (k.text.size() >= 4) std::memcpy(&e.head, k.text.data(), 4);
    }
  }

  // The groups (GroupBit) with a keyword in `lower`, a text in ASCII lower
  // case (Lowered()).
  uint32_t Scan(std::string_view lower) const {
    uint32_t found = 0;
    const char* p = lower.data();
    const size_t n = lower.size();
    for (size_t i = 0; i + 1 < n; ++i) {
      // Most positions start no keyword: one bit says so.
      const unsigned pair = Pair(p[i], p[i + 1]);
      if (((pairs_[pair >> 6] >> (pair & 63)) & 1) == 0) continue;
      const size_t bucket = Bucket(p[i], p[i + 1]);
      const size_t left = n - i;
      uint32_t head = 0;
      if (left >= 4) std::memcpy(&head, p + i, 4);
      for (uint16_t j = begin_[bucket]; j < begin_[bucket + 1]; ++j) {
        const Entry& e = entries_[j];
        const size_t size = e.text.size();
        if (size > left) continue;
        if (size >= 4 ? head == e.head && std::memcmp(p + i + 4, e.text.data() + 4, size - 4) == 0
                      : std::memcmp(p + i, e.text.data(), size) == 0) {
          found |= e.bit;
        }
      }
    }
    return found;
  }

 private:
  static constexpr size_t kBuckets = 1024;
  struct Entry {
    uint32_t head = 0;  // the first four bytes, when it has four
    uint32_t bit = 0;   // GroupBit of its group
    std::string_view text;
  };
  static unsigned Pair(char a, char b) {
    return static_cast<unsigned char>(a) | (static_cast<unsigned>(static_cast<unsigned char>(b)) << 8);
  }
  static size_t Bucket(char a, char b) {
    return (static_cast<unsigned char>(a) * 31u + static_cast<unsigned char>(b)) & (kBuckets - 1);
  }

  uint64_t pairs_[65536 / 64] = {};  // bit Pair(a, b): some keyword starts "ab"
  uint16_t begin_[kBuckets + 1];
  std::vector<Entry> entries_;  // by bucket: entries_[begin_[b], begin_[b + 1])
};

// The keywords of several lists, for one scanner.
template <size_t... N>
std::vector<Keyword> KeywordList(const Keyword (&... lists)[N]) {
  std::vector<Keyword> all;
  (all.insert(all.end(), std::begin(lists), std::end(lists)), ...);
  return all;
}

const KeywordScanner& DeliveryKeywords() {
  static const KeywordScanner* scanner = new KeywordScanner(
      KeywordList(kDeliveryKeywords, kGreylistingKeywords, kRateLimitKeywords));
  return *scanner;
}

// Keep in step with the rules of ClassifyReject (reason_test.cc compares it
// with the searches it replaced); with the greylisting and rate-limit lists.
constexpr Keyword kRejectKeywords[] = {
    {"must issue a starttls command first", Group::kRejectTlsRequired},
    {"encryption required for requested authentication", Group::kRejectTlsRequired},
    {"message size exceeds", Group::kRejectMessageSize},
    {"message too large", Group::kRejectMessageSize},
    {"message too big", Group::kRejectMessageSize},
    {"user unknown", Group::kRejectUnknownUser},
    {"unknown user", Group::kRejectUnknownUser},
    {"no such user", Group::kRejectUnknownUser},
    {"no such mailbox", Group::kRejectUnknownUser},
    {"does not exist", Group::kRejectUnknownUser},
    {"unknown recipient", Group::kRejectUnknownUser},
    {"recipient not found", Group::kRejectUnknownUser},
    {"user not found", Group::kRejectUnknownUser},
    {"unrouteable address", Group::kRejectUnknownUser},  // Exim's verify = recipient
    {"domain not found", Group::kRejectDomainNotFound},
    {"host or domain name not found", Group::kRejectDomainNotFound},
    {"host not found", Group::kRejectDomainNotFound},
    {"spf", Group::kRejectPolicy},
    {"policy", Group::kRejectPolicy},
    {"policyd", Group::kRejectPolicy},
    {"postfwd", Group::kRejectPolicy},
    {"cannot find your hostname", Group::kRejectReverseDns},
    {"cannot find your reverse hostname", Group::kRejectReverseDns},
    // Out of turn: smtpd's reject_unauth_pipelining; postscreen's answer to
    // a client that failed its pregreet, pipelining, non-SMTP command or
    // bare newline test with the action enforce; smtpd's own bare newline
    // check (smtpd_forbid_bare_newline, 3.9 and backports: no reply code);
    // Exim's synchronization check.
    {"improper use of smtp command pipelining", Group::kRejectProtocol},
    {"5.5.1 protocol error", Group::kRejectProtocol},
    {"bare <lf> received", Group::kRejectProtocol},
    {"smtp synchronization error", Group::kRejectProtocol},
};

const KeywordScanner& RejectKeywords() {
  static const KeywordScanner* scanner = new KeywordScanner(
      KeywordList(kRejectKeywords, kGreylistingKeywords, kRateLimitKeywords));
  return *scanner;
}

}  // namespace

std::string_view RblListName(std::string_view text) {
  constexpr std::string_view kMarker = "blocked using ";
  size_t pos = text.find(kMarker);
  if (pos == std::string_view::npos) return {};
  pos += kMarker.size();
  size_t end = pos;
  while (end < text.size() && text[end] != ';' && text[end] != ',' &&
         text[end] != ' ' && text[end] != ')') {
    ++end;
  }
  return text.substr(pos, end - pos);
}

RejectReason ClassifyReject(const Event& e) {
  if (e.kind == EventKind::kMilterReject) return RejectReason::kMilter;
  if (e.action == "proxy-reject") return RejectReason::kContentFilter;
  if (e.reject_stage == RejectStage::kHeader) return RejectReason::kHeaderCheck;
  if (e.reject_stage == RejectStage::kBody) return RejectReason::kBodyCheck;

  const std::string_view text = e.reply.empty() ? e.detail : e.reply;

  // Postfix's standard smtpd_check.c texts, most specific first; then
  // Exim's (its default configuration's ACL messages, and verify's).
  if (Contains(text, "Relay access denied") || Contains(text, "relay not permitted")) {
    return RejectReason::kRelayDenied;
  }
  if (Contains(text, "blocked using ") || !e.list_name.empty()) return RejectReason::kRbl;
  // The keyword groups below, found ignoring case in one pass.
  const uint32_t found = RejectKeywords().Scan(Lowered(text));
  auto has = [found](Group g) { return (found & GroupBit(g)) != 0; };
  if (has(Group::kGreylisting)) return RejectReason::kGreylisting;
  if (has(Group::kRejectProtocol)) return RejectReason::kPipelining;
  if (has(Group::kRejectTlsRequired)) return RejectReason::kTlsRequired;
  if (has(Group::kRejectMessageSize)) return RejectReason::kMessageSize;
  // Also reject_unverified_recipient's "undeliverable address: ... said: 550
  // 5.1.1 No such mailbox".
  if (has(Group::kRejectUnknownUser)) return RejectReason::kUnknownUser;
  if (has(Group::kRejectDomainNotFound) && Contains(text, "Sender address rejected:")) {
    return RejectReason::kUnknownSenderDomain;
  }
  if (has(Group::kRateLimit)) return RejectReason::kRateLimit;
  // check_policy_service answers: policyd-spf, policyd, postfwd, ...
  if (has(Group::kRejectPolicy) || Contains(text, "Message rejected due to:")) {
    return RejectReason::kPolicyService;
  }
  if (Contains(text, "Helo command rejected")) return RejectReason::kHelo;
  if (has(Group::kRejectReverseDns)) return RejectReason::kReverseDns;
  if (Contains(text, "Client host rejected")) return RejectReason::kClientHost;
  if (Contains(text, "Sender address rejected") || Contains(text, "Sender verify failed")) {
    return RejectReason::kSenderRestriction;
  }
  if (Contains(text, "Recipient address rejected")) return RejectReason::kRecipientRestriction;

  const Code code = EventCode(e);
  // No standard text: fall back on the enhanced code and the stage.
  if (code.Is(1, 1)) return RejectReason::kUnknownUser;
  if (code.Is(3, 4) || code.Is(2, 3)) return RejectReason::kMessageSize;
  if (code.Is(7, 10) || code.Is(7, 11)) return RejectReason::kTlsRequired;
  if (code.Is(7, 28)) return RejectReason::kRateLimit;
  if (e.reject_stage == RejectStage::kConnect) return RejectReason::kClientHost;
  if (e.reject_stage == RejectStage::kHelo || e.reject_stage == RejectStage::kEhlo) {
    return RejectReason::kHelo;
  }
  return RejectReason::kOther;
}

DeliveryProblem ClassifyDeliveryProblem(const Event& e) {
  return e.has_delivery_problem ? e.delivery_problem : ComputeDeliveryProblem(e);
}

void SetDeliveryProblem(Event* e) {
  const bool classified =
      (e->kind == EventKind::kDelivery && e->delivery_status != DeliveryStatus::kSent &&
       e->delivery_status != DeliveryStatus::kDeliverable) ||
      e->kind == EventKind::kSmtpConnectFailed;
  if (!classified) return;
  e->delivery_problem = ComputeDeliveryProblem(*e);
  e->has_delivery_problem = true;
}

DeliveryProblem ComputeDeliveryProblem(const Event& e) {
  if (e.kind == EventKind::kExpired || e.delivery_status == DeliveryStatus::kExpired ||
      e.status == "force-expired") {
    return DeliveryProblem::kExpired;
  }
  const std::string_view text = e.reply.empty() ? e.detail : e.reply;
  const uint32_t found = DeliveryKeywords().Scan(Lowered(text));
  auto has = [found](Group g) { return (found & GroupBit(g)) != 0; };
  // A reply the remote server sent, as opposed to Postfix's own explanation.
  const bool remote = e.kind == EventKind::kSmtpHostSaid ||
                      (has(Group::kSaidAnyCase) && Contains(text, " said: "));

  // Texts, most specific first.
  if (has(Group::kLoop)) return DeliveryProblem::kLoop;
  if (has(Group::kTls)) return DeliveryProblem::kTlsFailure;
  if (has(Group::kGreylisting)) return DeliveryProblem::kGreylisted;
  // The RFC 3463 code, read only when a rule needs it.
  Code code;
  bool code_read = false;
  auto event_code = [&]() -> const Code& {
    if (!code_read) {
      code = EventCode(e);
      code_read = true;
    }
    return code;
  };
  // A temporary 4.7.1 "try again later" is how most greylisting policies
  // (and Postfix's own DEFER action used for it) word their answer.
  if (has(Group::kTryLater) && event_code().status_class == 4 && event_code().Is(7, 1)) {
    return DeliveryProblem::kGreylisted;
  }
  if (!remote) {
    if (has(Group::kRefusedAnyCase) && Contains(text, "Connection refused")) {
      return DeliveryProblem::kConnectionRefused;
    }
    if (has(Group::kTimedOut)) return DeliveryProblem::kConnectionTimedOut;
    // Any other failed connect ("No route to host", "Network is
    // unreachable"): RFC 3463's X.4.1 "No answer from host".
    if (e.kind == EventKind::kSmtpConnectFailed ||
        (has(Group::kConnectToAnyCase) && Contains(text, "connect to "))) {
      return DeliveryProblem::kConnectionTimedOut;
    }
  }
  if (has(Group::kFilterFailure)) return DeliveryProblem::kOther;
  if (has(Group::kDns)) return DeliveryProblem::kDns;
  if (has(Group::kMailboxFull)) return DeliveryProblem::kMailboxFull;
  if (has(Group::kRateLimit)) return DeliveryProblem::kRemoteRateLimit;
  if (has(Group::kTooLarge)) return DeliveryProblem::kMessageTooLarge;
  if (has(Group::kUserUnknown)) return DeliveryProblem::kUserUnknown;
  if (has(Group::kPolicy)) return DeliveryProblem::kPolicySpam;

  // No telling text: the RFC 3463 code.
  const Code& c = event_code();
  if (c.Is(4, 6)) return DeliveryProblem::kLoop;
  if (c.Is(4, 7)) return DeliveryProblem::kExpired;
  if (c.Is(7, 10) || c.Is(7, 30) || c.Is(7, 4) || c.Is(7, 5)) {
    return DeliveryProblem::kTlsFailure;
  }
  if (!remote && c.Is(4, 1)) return DeliveryProblem::kConnectionTimedOut;
  if (c.Is(4, 3) || c.Is(4, 4) || c.Is(1, 2) || c.Is(1, 10)) {
    return DeliveryProblem::kDns;
  }
  if (c.Is(2, 2)) return DeliveryProblem::kMailboxFull;
  if (c.Is(7, 28)) return DeliveryProblem::kRemoteRateLimit;
  if (c.Is(3, 4) || c.Is(2, 3) || c.Is(7, 16)) {
    return DeliveryProblem::kMessageTooLarge;
  }
  if (c.Is(1, 1) || c.Is(1, 3) || c.Is(1, 6) || c.Is(2, 1) || c.Is(7, 13)) {
    return DeliveryProblem::kUserUnknown;
  }
  if (c.subject == 7 && c.status_class != 2) return DeliveryProblem::kPolicySpam;
  return DeliveryProblem::kOther;
}

std::string_view ReasonName(RejectReason r) {
  switch (r) {
    case RejectReason::kRelayDenied: return "relay_denied";
    case RejectReason::kUnknownUser: return "unknown_user";
    case RejectReason::kUnknownSenderDomain: return "unknown_sender_domain";
    case RejectReason::kRbl: return "rbl";
    case RejectReason::kHelo: return "helo";
    case RejectReason::kClientHost: return "client_host";
    case RejectReason::kReverseDns: return "reverse_dns";
    case RejectReason::kSenderRestriction: return "sender_restriction";
    case RejectReason::kRecipientRestriction: return "recipient_restriction";
    case RejectReason::kMessageSize: return "message_size";
    case RejectReason::kHeaderCheck: return "header_check";
    case RejectReason::kBodyCheck: return "body_check";
    case RejectReason::kMilter: return "milter";
    case RejectReason::kPolicyService: return "policy_service";
    case RejectReason::kGreylisting: return "greylisting";
    case RejectReason::kRateLimit: return "rate_limit";
    case RejectReason::kPipelining: return "pipelining";
    case RejectReason::kTlsRequired: return "tls_required";
    case RejectReason::kContentFilter: return "content_filter";
    case RejectReason::kOther: return "other";
  }
  return "other";
}

std::string_view ReasonName(DeliveryProblem p) {
  switch (p) {
    case DeliveryProblem::kConnectionRefused: return "connection_refused";
    case DeliveryProblem::kConnectionTimedOut: return "connection_timed_out";
    case DeliveryProblem::kDns: return "dns";
    case DeliveryProblem::kTlsFailure: return "tls_failure";
    case DeliveryProblem::kGreylisted: return "greylisted";
    case DeliveryProblem::kRemoteRateLimit: return "remote_rate_limit";
    case DeliveryProblem::kMailboxFull: return "mailbox_full";
    case DeliveryProblem::kUserUnknown: return "user_unknown";
    case DeliveryProblem::kPolicySpam: return "policy_spam";
    case DeliveryProblem::kMessageTooLarge: return "message_too_large";
    case DeliveryProblem::kLoop: return "loop";
    case DeliveryProblem::kExpired: return "expired";
    case DeliveryProblem::kOther: return "other";
  }
  return "other";
}

}  // namespace mailgauge::parsers
