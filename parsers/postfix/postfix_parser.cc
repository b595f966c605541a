#include "parsers/postfix/postfix_parser.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "parsers/postfix/fast_path.h"
#include "parsers/postfix/patterns.h"
#include "parsers/postfix/reason.h"

namespace mailgauge::parsers {

absl::StatusOr<std::unique_ptr<PostfixParser>> PostfixParser::Create() {
  std::unique_ptr<PostfixParser> parser(new PostfixParser());
  for (int i = 0; i < static_cast<int>(Daemon::kNumDaemons); ++i) {
    parser->rows_[i] = TableRows(static_cast<Daemon>(i));
  }
  return parser;
}

const PatternTable& PostfixParser::Table(Daemon daemon) const {
  const int i = static_cast<int>(daemon);
  LazyTable& lazy = tables_[i];
  std::call_once(lazy.once, [&] {
    auto table = PatternTable::Compile(daemon, rows_[i]);
    if (!table.ok()) {
      // The rows are constants of the program, each compiled by
      // patterns_test: this is a build that must not have shipped.
      std::fprintf(stderr, "mailgauge: internal error: the %s pattern table: %s\n",
                   std::string(DaemonName(daemon)).c_str(),
                   std::string(table.status().message()).c_str());
      std::abort();
    }
    lazy.table = *std::move(table);
  });
  return *lazy.table;
}

ParseResult PostfixParser::Parse(const LogLine& line, Event* event) const {
  return ParseMessage(DaemonFromName(line.daemon), line.message, event);
}

ParseResult PostfixParser::ParseMessage(Daemon daemon, std::string_view message,
                                        Event* event) const {
  event->Clear();
  const ParseResult result = FastParse(daemon, message, event)
                                 ? ParseResult::kParsed
                                 : ParseMessageWithTables(daemon, message, event);
  // A deferral's or bounce's class, computed here once for every consumer.
  if (result == ParseResult::kParsed) SetDeliveryProblem(event);
  return result;
}

ParseResult PostfixParser::ParseMessageWithTables(Daemon daemon,
                                                  std::string_view message,
                                                  Event* event) const {
  event->Clear();
  event->daemon = daemon;
  return Table(daemon).Match(message, event) ? ParseResult::kParsed : ParseResult::kUnparsed;
}

}  // namespace mailgauge::parsers
