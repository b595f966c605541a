// File: parsers/postfix/pattern_table.h
// Postfix message bodies declared as data: a table of rows, each an event kind,
// an RE2 pattern and the sample lines it must match. A table is compiled once
// into an RE2::Set that picks the row in one pass; only the winning row's
// pattern then runs to extract fields, by the names of its capture groups.
//
//   constexpr char kQid[] = ...;   // see queue_id.h for the QID sub-patterns
//   const Pattern kQmgrPatterns[] = {
//       {EventKind::kRemoved, R"(^(?P<queue_id>...): removed$)",
//        {"4B0C72A1F3: removed"}},
//   };
//   auto table = PatternTable::Compile(Daemon::kQmgr, kQmgrPatterns);
//   Event e;
//   if (table->Match("4B0C72A1F3: removed", &e)) { /* e.kind == kRemoved */ }
//
// Capture group names are Event member names: queue_id, client_name,
// client_addr, client_port, helo, proto, sasl_method, sasl_username,
// sasl_sender, from, to, orig_to, relay, conn_use, tls, message_id, uid,
// status, dsn, reply, enhanced_code, new_queue_id, detail, list_name,
// remote_host, tls_level, tls_protocol, tls_cipher, command_stats,
// last_command, action; and these, converted after the match: size, nrcpt,
// count, reply_code (integers), delay (seconds), delays ("a/b/c/d"), stage
// (a reject stage word such as "RCPT" or "END-OF-MESSAGE" or "header"). A
// group with any other name is a compile error. After the match, `status` sets
// delivery_status, and when `reply` starts with an SMTP code ("550 5.1.1 ...")
// reply_code and enhanced_code are filled from it unless captured directly.
//
// Precedence: when several rows match, the earliest row wins. Rows marked
// `fallback` (generic "warning: ..." rows) may overlap specific rows; the
// sample test (pattern_table_testing.h) checks that every sample matches its
// own row and no other non-fallback row.
//
// Thread-safety: a compiled PatternTable is immutable and may be shared by
// any number of threads.
#ifndef MAILGAUGE_PARSERS_POSTFIX_PATTERN_TABLE_H_
#define MAILGAUGE_PARSERS_POSTFIX_PATTERN_TABLE_H_

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "parsers/postfix/event.h"
#include "re2/re2.h"
#include "re2/set.h"

namespace mailgauge::parsers {

struct Pattern {
  EventKind kind;
  const char* regex;  // RE2 syntax; anchor with ^ (and $ where the line ends)
  std::initializer_list<const char*> samples;
  bool fallback = false;
};

class PatternTable {
 public:
  // Compiles the rows. Fails with InvalidArgument naming the row when a
  // pattern does not compile or uses an unknown capture group name.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PatternTable>> Compile(
      Daemon daemon, absl::Span<const Pattern> rows);

  // Fills `event` (kind, daemon and captured fields) from the first row that
  // matches `message`; returns false, leaving `event` untouched, if none does.
  bool Match(std::string_view message, Event* event) const;

  // Index of every row matching `message`, in row order (for tests/tools).
  std::vector<int> MatchingRows(std::string_view message) const;

  Daemon daemon() const { return daemon_; }
  absl::Span<const Pattern> rows() const { return rows_; }

  // Internal: how one capture group lands in an Event.
  struct FieldSetter;

 private:
  PatternTable(Daemon daemon, absl::Span<const Pattern> rows);

  struct CompiledRow {
    std::unique_ptr<RE2> re;
    std::vector<const FieldSetter*> setters;  // index i: group i+1
  };

  Daemon daemon_;
  absl::Span<const Pattern> rows_;
  std::unique_ptr<RE2::Set> set_;
  std::vector<CompiledRow> compiled_;
};

// Extracts what the reply text says: "550 5.1.1 <x>: User unknown" gives
// code 550 and enhanced code "5.1.1". Leaves outputs untouched when absent.
void ParseReplyCodes(std::string_view reply, int* reply_code,
                     std::string_view* enhanced_code);

// The length of the RFC 3463 enhanced status code ("5.1.1": [245], then two
// parts of 1-3 digits) at the start of `s` when a space or the end follows
// it, else 0.
size_t EnhancedCodeLength(std::string_view s);

// Seconds as Postfix prints them ("0.42", "12"); -1 if `s` is not such a
// number.
double ParseSeconds(std::string_view s);

// "a/b/c/d" of delays= into `d` (a part that is not a number becomes -1).
void ParseDelays(std::string_view s, Delays* d);

// One pass of both: whether `s` is \d+(\.\d+)? (the delay= field's
// pattern), and if so *value = ParseSeconds(s).
bool ScanSeconds(std::string_view s, double* value);

// Whether `s` is four such numbers joined by '/' (delays=), and if so *d =
// what ParseDelays gives.
bool ScanDelays(std::string_view s, Delays* d);

// "RCPT" -> kRcpt, "END-OF-MESSAGE" -> kEndOfMessage, "header" -> kHeader, ...
RejectStage RejectStageFromWord(std::string_view word);

// "sent" -> kSent, ...; kOther for unknown words, kNone for empty.
DeliveryStatus DeliveryStatusFromWord(std::string_view word);

}  // namespace mailgauge::parsers

#endif  // MAILGAUGE_PARSERS_POSTFIX_PATTERN_TABLE_H_
