// File: analyzer/summary.h
// The aggregates behind every section of `mailgauge report`: pflogsumm's
// Grand Totals, per-day and per-hour traffic, host/domain tables, senders and
// recipients, and the problem details, plus mailgauge's own sections
// (expired mail, postscreen, TLS, SASL failures, reason classes).
//
// A Summary is fed by two streams from the same input: every parsed line
// (AddEvent: rejects, warnings, deferral lines, connections, ...) and every
// message the correlator finishes (AddRecord: received, delivered, bounced,
// expired, sizes, senders and recipients). Counting follows pflogsumm 1.1.5's
// rules except where docs/report.md says otherwise.
//
//   Summary summary(SummaryOptions{});
//   Correlator correlator(opts, [&](MessageRecord&& m) { summary.AddRecord(m); });
//   ... for each (line, event): { correlator.Add(line, event);
//                                 summary.AddEvent(line, event); }
//   correlator.Finish(/*include_unfinished=*/true);
//   summary.data().totals.delivered;
//
// Summaries are mergeable (Merge) and round-trip through JSON (ToJson /
// FromJson), so per-host or per-day summaries combine into one report.
// Memory: full tables of senders, recipients and domains (the report needs
// exact counts, as pflogsumm keeps them), each address stored once in an
// InternedMap (~50 bytes per 20-character address); nothing per line; the
// only per-message state is the size of each queue ID until its record
// arrives.
//
// Thread-safety: not thread-safe.
#ifndef MAILGAUGE_ANALYZER_SUMMARY_H_
#define MAILGAUGE_ANALYZER_SUMMARY_H_

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "analyzer/interned_map.h"
#include "analyzer/message_record.h"
#include "common/log_line.h"
#include "common/timestamp.h"
#include "parsers/postfix/event.h"

namespace mailgauge::analyzer {

// How addresses are keyed (pflogsumm's -i, --verp-mung, --rej-add-from).
struct SummaryOptions {
  // -i: lower-case whole addresses (default: only the domain part).
  bool ignore_case = false;
  // --verp-mung[=N]: 0 off; 1 replaces VERP numbers by "ID"; 2 also drops
  // the VERP recipient part.
  int verp_mung = 0;
  // --rej-add-from: add the sender to recipient rejects and client rejects.
  bool rej_add_from = false;
  // --rej-add-to: add the recipient to sender-address rejects.
  bool rej_add_to = false;
  // --use-orig-to: key recipients by orig_to= where the line has one.
  bool use_orig_to = false;
  // --srs-mung: rewrite SRS0/SRS1 sender addresses
  // ("SRS0=HHH=TT=example.org=alice@fwd.example") back to the original
  // sender ("alice@example.org").
  bool srs_mung = false;
  // -m, --uucp-mung: turn UUCP bang paths in sender and recipient addresses
  // the Internet way round (UucpMung).
  bool uucp_mung = false;
  // --verbose-msg-detail: the full reason texts of deferrals, bounces,
  // rejects and warnings, without pflogsumm's cutting and rewriting.
  bool verbose_msg_detail = false;
  // --by-domain: when not empty (lower case), count only what concerns this
  // domain or its subdomains: messages whose sender or any recipient is in
  // it, and lines naming such an address or belonging to such a message.
  // Lines that name no address (warnings, connections, postscreen, TLS,
  // master) are not counted. See docs/report.md.
  std::string by_domain;
  // -e: keep one MessageDetail per received message (memory grows with the
  // number of messages, as pflogsumm warns for its -e).
  bool message_detail = false;
  // The per-queue-ID size table (sizes of hops whose record has not arrived
  // yet) is cleared when it grows beyond this many entries.
  size_t max_pending_sizes = 500000;
  // Open smtpd connections remembered for --smtpd-stats.
  size_t max_open_connections = 100000;
};

// One recipient in the per-message detail (-e).
struct DetailRecipient {
  std::string address;
  std::string status;  // RecipientStatusName: sent, bounced, deferred, ...
  std::string relay;
  std::string dsn;
  double delay = -1;
};

// One message in the per-message detail (-e), from the correlator's record.
struct MessageDetail {
  std::string queue_id;  // first hop
  std::string sender;    // as the sender tables key it; "from=<>" for <>
  std::string client;    // "name[addr]", "pickup" or "" when unknown
  int64_t size = -1;
  Timestamp arrival;
  std::vector<DetailRecipient> recipients;
};

// Message counters per hour or day; pflogsumm's five traffic columns.
struct TrafficCounts {
  uint64_t received = 0;
  uint64_t delivered = 0;
  uint64_t deferred = 0;  // deferral lines
  uint64_t bounced = 0;
  uint64_t rejected = 0;  // rejects + reject warnings + holds + discards
  void Add(const TrafficCounts& o);
};

struct AddressStats {
  uint64_t count = 0;
  uint64_t bytes = 0;
};

// One recipient domain in "Host/Domain Summary: Message Delivery".
struct DeliveryDomainStats {
  uint64_t count = 0;      // recipients delivered
  uint64_t bytes = 0;
  uint64_t defers = 0;     // deferral lines
  double delay_sum = 0;    // of delivered recipients (for the average)
  double delay_max = 0;    // of delivered and deferred attempts
};

// smtpd connection time (--smtpd-stats).
struct ConnectionStats {
  uint64_t count = 0;
  int64_t seconds = 0;
  int64_t max_seconds = 0;
};

struct Totals {
  uint64_t received = 0;
  uint64_t delivered = 0;
  uint64_t forwarded = 0;
  uint64_t deferred = 0;   // messages with at least one deferral
  uint64_t deferrals = 0;  // deferral lines
  uint64_t bounced = 0;    // bounced recipients
  uint64_t rejected = 0;
  uint64_t reject_warnings = 0;
  uint64_t held = 0;
  uint64_t discarded = 0;
  uint64_t expired = 0;    // messages returned after maximal_queue_lifetime
  uint64_t bytes_received = 0;
  uint64_t bytes_delivered = 0;
};

// Address or domain -> counts: each key stored once (see interned_map.h);
// renderers sort the rows they show.
using AddressTable = InternedMap<AddressStats>;

// key -> count. Ordered as std::string orders; std::less<> lets Summary
// look keys up by std::string_view, copying them only when new.
using CountMap = absl::btree_map<std::string, uint64_t, std::less<>>;
// group -> key -> count (deferral detail by service, bounce detail by relay).
using NestedCounts = std::map<std::string, CountMap, std::less<>>;
// stage -> reason -> client/address -> count (reject detail).
using Nested3Counts = std::map<std::string, NestedCounts, std::less<>>;

// Everything a report shows. Plain data: renderers read it, Summary fills it.
struct SummaryData {
  Totals totals;
  Timestamp first_time, last_time;  // first and last Postfix line counted
  // Days (days since 1970-01-01 of the log's wall clock) on which Postfix
  // lines were seen; their number divides per-hour averages.
  std::map<int64_t, bool> days;
  std::map<int64_t, TrafficCounts> per_day;
  std::array<TrafficCounts, 24> per_hour{};

  AddressTable senders;
  AddressTable recipients;
  AddressTable sending_domains;
  InternedMap<DeliveryDomainStats> delivery_domains;
  std::map<std::string, std::string> no_size;  // queue ID -> recipient

  NestedCounts deferral_detail;  // service -> reason
  NestedCounts bounce_detail;    // relay -> reason
  NestedCounts expired_detail;   // recipient domain -> last reason
  Nested3Counts reject_detail;
  Nested3Counts reject_warning_detail;
  Nested3Counts hold_detail;
  Nested3Counts discard_detail;
  NestedCounts smtp_failures;    // reason -> host
  NestedCounts warnings;         // service -> text
  NestedCounts fatals;
  NestedCounts panics;
  CountMap master_messages;

  // --smtpd-stats
  std::array<ConnectionStats, 24> smtpd_per_hour{};
  std::map<int64_t, ConnectionStats> smtpd_per_day;
  InternedMap<ConnectionStats> smtpd_per_domain;

  // mailgauge's own sections.
  CountMap postscreen;           // "pass_new", "dnsbl", "pregreet", ...
  CountMap postscreen_dnsbl;     // DNSBL list -> count (dnsblog, rejects)
  NestedCounts tls;              // "incoming"/"outgoing" -> "TLSv1.3 Trusted" -> count
  CountMap sasl_failures;        // client -> count
  CountMap reject_reasons;       // reason class -> count
  CountMap deferral_reasons;
  CountMap bounce_reasons;
  uint64_t smtpd_connections = 0;  // connect lines (with or without a matching disconnect)

  // -e: one entry per received message, in the order records arrived.
  std::vector<MessageDetail> message_detail;

  void Merge(const SummaryData& o);
  // Recipient domains with at least one delivery (pflogsumm's "recipient
  // hosts/domains"; the delivery table also lists domains only deferred).
  uint64_t recipient_hosts() const;
  // The Grand Totals in report order, by their JSON names ("received",
  // "delivered", ..., "recipient_hosts"), as every renderer shows them.
  std::vector<std::pair<const char*, uint64_t>> GrandTotals() const;
};

class Summary {
 public:
  explicit Summary(SummaryOptions options = SummaryOptions());

  // Counts the line-level facts of one parsed Postfix line.
  void AddEvent(const LogLine& line, const parsers::Event& event);
  // AddEvent in two parts, for `--threads`. AddEventTimed counts what needs
  // line.time or lines before (first and last time, days, the per-day and
  // per-hour columns, smtpd connection times, the sizes that AddRecord
  // looks up): in line order, on the Summary that gets the
  // records. AddEventUntimed counts the rest (reject, deferral, warning,
  // TLS, postscreen tables, the totals of rejects and deferrals): it reads
  // neither line.time nor anything earlier lines left, so it may run on
  // other Summaries (a parse worker's), in any order, merged afterwards
  // (Merge). Together they count what AddEvent counts. Not with --by-domain
  // (its filter needs both parts in order): use AddEvent there.
  void AddEventTimed(const LogLine& line, const parsers::Event& event);
  void AddEventUntimed(const LogLine& line, const parsers::Event& event);
  // Counts one message the correlator emitted (finished or not). Records
  // must come after the lines that made them, as the correlator emits them.
  void AddRecord(const MessageRecord& record);

  // Adds another summary's counts (e.g. another host or day).
  void Merge(const Summary& other) { data_.Merge(other.data_); }

  const SummaryData& data() const { return data_; }
  SummaryData* mutable_data() { return &data_; }

  // When nothing more is added: frees the big tables' lookup indexes (the
  // output reads them by id and in key order), so that the output's sort
  // scratch takes their place rather than adding to the peak.
  void ReleaseIndexes() {
    data_.senders.ReleaseIndex();
    data_.recipients.ReleaseIndex();
    data_.sending_domains.ReleaseIndex();
    data_.delivery_domains.ReleaseIndex();
    data_.smtpd_per_domain.ReleaseIndex();
  }

  // The JSON document `mailgauge report --format json` prints and
  // `--merge` reads (schema in docs/report.md). `indent` < 0: one line.
  std::string ToJson(int indent = 2) const;
  // The same document written to `out` as it is made, row by row, so that
  // a big summary is never held twice in memory.
  // With `sort_ahead`, the recipients table (the biggest) is sorted on a
  // helper thread while the sections before it are written.
  void WriteJson(std::ostream& out, int indent = 2, bool sort_ahead = false) const;
  // Parses ToJson()'s output; InvalidArgument names what is wrong.
  [[nodiscard]] static absl::StatusOr<Summary> FromJson(std::string_view text);

  // Address as pflogsumm keys it: domain lower-cased (all of it with -i),
  // VERP-munged; "" becomes "from=<>" for senders.
  std::string NormalizeAddress(std::string_view address) const;

 private:
  enum : int { kTimedPart = 1, kUntimedPart = 2 };
  template <int kParts>
  void AddEventParts(const LogLine& line, const parsers::Event& event);
  // AddEventUntimed's work: never reads line.time.
  void AddLineFacts(const LogLine& line, const parsers::Event& event);
  void AddReject(const LogLine& line, const parsers::Event& event, int kind);
  void AddTraffic(const Timestamp& t, uint64_t TrafficCounts::*field);
  // --by-domain: is this address in the domain (or a subdomain)?
  bool InDomain(std::string_view address) const;
  // --by-domain: does this line concern the domain? Remembers the queue IDs
  // of messages whose sender or a recipient is in it.
  bool LineInDomain(const LogLine& line, const parsers::Event& event);
  bool RecordInDomain(const MessageRecord& record) const;
  // Sender address as the tables key it (case, VERP and SRS munging).
  std::string SenderKey(std::string_view sender) const;

  // NormalizeAddress into a reused buffer.
  void NormalizeInto(std::string_view address, std::string* out) const;
  // pflogsumm's cut of a bounce's reason (said_string_trimmer to 66, then
  // the reply code dropped); nothing with --verbose-msg-detail.
  void ShortenBounceReason(std::string* reason) const;
  // SenderKey into a reused buffer.
  void SenderKeyInto(std::string_view sender, std::string* out) const;
  // A small number standing for a host name, so that per-message and
  // per-connection keys are (host number, queue ID or pid), not strings.
  uint32_t HostId(std::string_view host);

  // A message hop: (host number, queue ID); HopView looks one up without
  // copying the queue ID.
  struct Hop {
    uint32_t host;
    std::string queue_id;
  };
  struct HopView {
    uint32_t host;
    std::string_view queue_id;
  };
  struct HopHash {
    using is_transparent = void;
    size_t operator()(const HopView& h) const;
    size_t operator()(const Hop& h) const { return (*this)(HopView{h.host, h.queue_id}); }
  };
  struct HopEq {
    using is_transparent = void;
    static HopView View(const Hop& h) { return HopView{h.host, h.queue_id}; }
    static HopView View(const HopView& h) { return h; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      const HopView x = View(a), y = View(b);
      return x.host == y.host && x.queue_id == y.queue_id;
    }
  };
  template <typename V>
  using HopMap = absl::flat_hash_map<Hop, V, HopHash, HopEq>;
  using HopSet = absl::flat_hash_set<Hop, HopHash, HopEq>;

  SummaryOptions options_;
  SummaryData data_;
  // Reused per line or record so that the hot path allocates only when a
  // table gets a new key.
  std::string address_scratch_;
  std::string domain_scratch_;
  std::string text_scratch_;
  std::string sender_scratch_;
  // Per recipient of the record being added: its key in data_.recipients
  // when it counts as delivered, and the key's hash (AddRecord).
  struct RecipientKey {
    bool counted = false;
    std::string address;
    uint32_t hash = 0;
  };
  std::vector<RecipientKey> recipient_keys_;
  // A reject's reason, addresses and table key (AddReject).
  struct RejectScratch {
    std::string reason, to, from, key;
  };
  RejectScratch reject_scratch_;
  std::vector<std::pair<std::string_view, int64_t>> sizes_scratch_;
  int64_t last_day_ = 0;  // the day last added to data_.days
  // Host name -> HostId, and the last one asked for.
  absl::flat_hash_map<std::string, uint32_t> host_ids_;
  std::string last_host_;
  uint32_t last_host_id_ = 0;
  // Transient, not serialized: size logged by qmgr for each hop until the
  // record carrying it arrives; smtpd connect time by (host, pid).
  HopMap<int64_t> hop_sizes_;
  absl::flat_hash_map<std::pair<uint32_t, int64_t>, Timestamp> open_connections_;
  // --by-domain: hops seen with an address in the domain.
  HopSet domain_hops_;
};

// --srs-mung's rewrite: "SRS0=HHH=TT=example.org=alice@fwd.example" ->
// "alice@example.org", "SRS1=HHH=fwd1.example==HHH=TT=example.org=alice@fwd2"
// -> "alice@example.org"; other addresses unchanged. The SRS prefix is
// matched case-insensitively, with "=", "+" or "-" as separator.
std::string SrsMung(std::string_view address);

// pflogsumm's -m: "somehost.dom!user@foo" (a domain address an upstream
// UUCP feed turned into a bang path, "foo" the next host upstream) ->
// "foo!user@somehost.dom"; pflogsumm's
// ^(.*!)*([^!]+)!([^!@]+)@([^\.]+)$ -> "$4!$1$3@$2". Other addresses
// unchanged.
std::string UucpMung(std::string_view address);

// pflogsumm's gimme_domain: "mail.example.com[192.0.2.1]" -> "example.com",
// "unknown[192.0.2.1]" -> "192.0.2.1".
std::string ClientDomain(std::string_view name, std::string_view addr);
// The same into `out` (cleared first), for callers that reuse a buffer.
void ClientDomainInto(std::string_view name, std::string_view addr, std::string* out);
// Same, from the text form "name[addr]" or "[addr]:port".
std::string ClientDomainFromText(std::string_view text);
// Local calendar day (days since 1970-01-01) and hour of a timestamp.
int64_t LocalDay(const Timestamp& t);
int LocalHour(const Timestamp& t);

namespace internal {
// Hand-written equivalents of pflogsumm's patterns that Summary runs per
// line, exact on printable ASCII text (Summary falls back to RE2 on any other
// byte); summary_test compares them with RE2 on real, generated and mutated
// lines.

// ^(.*)\.([^\.]+)\.([^\.]{3}|[^\.]{2,3}\.[^\.]{2})$ -> "$2.$3".
std::optional<std::string_view> CollapsedDomain(std::string_view name);
// ^.*\b(?:reject(?:_warning)?|hold|discard): (\S+) from (\S+?): (.*)$
struct RejectParts {
  std::string_view stage, client, rest;
};
std::optional<RejectParts> MatchRejectParts(std::string_view msg);
// ^.*?\b(?:(?:milter-)?reject|warning|hold|discard): (header|body|END-OF-MESSAGE) (.*)$
struct CleanupParts {
  std::string_view part, rest;
};
std::optional<CleanupParts> MatchCleanupParts(std::string_view msg);
// Where ( from \S+?)?; from=<.*$ first matches in `rest`; npos if nowhere.
size_t CleanupTailStart(std::string_view rest);
// ^([^\[]*)\[((?:\d{1,3}\.){3}\d{1,3})\] (a partial match): the client's
// name and IPv4 address in "name[192.0.2.1]...", as ClientDomainFromText
// reads them first.
bool MatchV4Client(std::string_view text, std::string_view* name, std::string_view* addr);
// pflogsumm's said_string_trimmer: while `s` is over `max`, drop ^.* said:
// or else ^.*?: * from its front; cut to max-3 characters plus "..." when
// neither is left.
std::string SaidTrim(std::string s, size_t max);
// pflogsumm's rewriting of a reject's reason (the text after "from
// CLIENT: ") for its SMTP stage: for RCPT, DATA and CONNECT
//   ^(\d{3} <).*?(>:) -> $1$2, ^(?:\d{3} \d\.\d\.\d )(Protocol error);.*$ -> $1,
//   ^(?:.*?[:;] )(?:\[[^\]]+\] )?([^;,]+)[;,].*$ -> $1,
//   ^((?:Sender|Recipient) address rejected: [^:]+):.*$ -> $1,
//   (client|Client host|Sender address) .+? blocked -> blocked;
// for MAIL ^\d{3} (?:<.+>: )?([^;:]+)[;:]?.*$ -> $1; else
// ^(?:.*[:;] )?([^,]+).*$ -> $1. Any text (RE2 runs where it is not
// printable ASCII).
void PflogsummRejectRules(std::string_view stage, std::string* reason);
// The reason as the report shows it: PflogsummRejectRules, with two repairs
// where its rules, written for older Postfix, leave the text Postfix
// appends ("; from=<s> to=<r> proto=P helo=<h>", "; proto=SMTP") in the
// place of a reason (docs/pflogsumm-differences.md, case 13): for stages
// other than RCPT, DATA, CONNECT and MAIL (END-OF-MESSAGE of a
// milter-reject, EHLO, VRFY, ...) that tail goes first, and where the
// rules leave it, after them; for MAIL, the enhanced status code its rule
// does not expect ("553 5.1.8 <a>: ..." is read as "553 <a>: ...").
void RewriteRejectReason(std::string_view stage, std::string* reason);
// The first match of `name_eq`([^>]+)> in `s` ("to=<", "from=<"): $1.
std::optional<std::string_view> AngleField(std::string_view s, std::string_view name_eq);
}  // namespace internal

}  // namespace mailgauge::analyzer

#endif  // MAILGAUGE_ANALYZER_SUMMARY_H_
