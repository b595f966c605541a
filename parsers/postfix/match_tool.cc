// match_tool: reads "daemon<TAB>message" lines on stdin and prints each one
// no pattern row understands, then counts per daemon and per event kind. A
// development aid for writing pattern tables; to feed it a classic syslog:
//
//   sed -nE 's/^.{15} [^ ]+ postfix[^/]*\/(.*\/)?([a-z-]+)\[[0-9]+\]: /\2\t/p' mail.log |
//       bazel-bin/parsers/postfix/match_tool
#include <iostream>
#include <map>
#include <string>

#include "parsers/postfix/postfix_parser.h"

int main() {
  using mailgauge::parsers::DaemonFromName;
  using mailgauge::parsers::Event;
  using mailgauge::parsers::EventKindName;
  using mailgauge::parsers::ParseResult;
  auto parser = mailgauge::parsers::PostfixParser::Create();
  if (!parser.ok()) {
    std::cerr << "match_tool: " << parser.status() << "\n";
    return 1;
  }
  std::map<std::string, std::pair<long, long>> per_daemon;  // parsed, unparsed
  std::map<std::string, long> per_kind;
  std::string line;
  while (std::getline(std::cin, line)) {
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    const std::string daemon = line.substr(0, tab);
    const std::string_view message(line.data() + tab + 1, line.size() - tab - 1);
    Event e;
    if ((*parser)->ParseMessage(DaemonFromName(daemon), message, &e) ==
        ParseResult::kParsed) {
      ++per_daemon[daemon].first;
      ++per_kind[std::string(EventKindName(e.kind))];
    } else {
      ++per_daemon[daemon].second;
      std::cout << "UNPARSED " << daemon << ": " << message << "\n";
    }
  }
  for (const auto& [daemon, counts] : per_daemon) {
    std::cout << "daemon " << daemon << " parsed=" << counts.first
              << " unparsed=" << counts.second << "\n";
  }
  for (const auto& [kind, n] : per_kind) {
    std::cout << "kind " << kind << " " << n << "\n";
  }
  return 0;
}
