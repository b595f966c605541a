// File: parsers/postfix/postfix_parser.h
// Turns the message body of a Postfix log line into a typed Event, using the
// daemon's pattern table (patterns.h) followed by the shared fallback rows.
//
//   auto parser = PostfixParser::Create();   // each table compiled when first needed
//   Event e;
//   switch ((*parser)->Parse(line, &e)) {     // line: a LogLine from parsers/
//     case ParseResult::kParsed:   Correlate(line, e); break;
//     case ParseResult::kUnparsed: CountUnparsed(e.daemon); break;
//   }
//
// Thread-safety: Parse() is const and may be called from many threads.
#ifndef MAILGAUGE_PARSERS_POSTFIX_POSTFIX_PARSER_H_
#define MAILGAUGE_PARSERS_POSTFIX_POSTFIX_PARSER_H_

#include <array>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "common/log_line.h"
#include "parsers/postfix/event.h"
#include "parsers/postfix/pattern_table.h"

namespace mailgauge::parsers {

enum class ParseResult {
  kParsed,    // `event` holds the line's kind and fields
  kUnparsed,  // a Postfix line no row understands; event->daemon is set
};

class PostfixParser {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PostfixParser>> Create();

  // Parses `line.message` as written by the daemon named by `line.daemon`.
  // Clears `event` first. The caller has decided the line is Postfix's.
  ParseResult Parse(const LogLine& line, Event* event) const;

  // Same, for a message body and daemon already known. The most common line
  // shapes are read by hand (fast_path.h); the rest by the pattern tables.
  ParseResult ParseMessage(Daemon daemon, std::string_view message,
                           Event* event) const;

  // The pattern tables alone, without the hand-written fast path: the
  // reference the fast path is tested against.
  ParseResult ParseMessageWithTables(Daemon daemon, std::string_view message,
                                     Event* event) const;

 private:
  PostfixParser() = default;

  // A daemon's table, compiled the first time a line needs it: the fast
  // path reads most lines, so most runs never need most tables, and
  // compiling all of them took ~0.1 s and their memory at every start.
  // Thread-safe (--threads workers share the parser).
  const PatternTable& Table(Daemon daemon) const;

  struct LazyTable {
    std::once_flag once;
    std::unique_ptr<PatternTable> table;
  };
  // Own rows + common rows, per daemon; kept alive for the tables' spans.
  std::array<std::vector<Pattern>, static_cast<size_t>(Daemon::kNumDaemons)> rows_;
  mutable std::array<LazyTable, static_cast<size_t>(Daemon::kNumDaemons)> tables_;
};

}  // namespace mailgauge::parsers

#endif  // MAILGAUGE_PARSERS_POSTFIX_POSTFIX_PARSER_H_
