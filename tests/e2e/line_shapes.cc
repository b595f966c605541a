// line_shapes: prints the distinct "shapes" of the Postfix lines in the given
// logs — daemon, event kind, and which fields the line carries (with the
// delivery status, reject stage and action, which change a line's wording;
// orig_to only for local(8), elsewhere it depends on the addresses) — one per
// line with its count. refmta_line_shapes_test compares refmta's shapes with
// those of real Postfix 3.7 (testdata/logs/postfix_real.*): every kind of line
// refmta writes must have a real counterpart.
//
//   line_shapes --year 2026 testdata/logs/postfix_real.syslog
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "analyzer/log_input.h"
#include "parsers/postfix/event_testing.h"

int main(int argc, char** argv) {
  using namespace mailgauge;
  analyzer::LogInputOptions options;
  options.envelope.year = 2026;
  options.envelope.time_zone = absl::UTCTimeZone();
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) paths.push_back(argv[i]);
  if (paths.empty()) {
    std::fprintf(stderr, "usage: line_shapes LOG...\n");
    return 2;
  }
  std::map<std::string, long> shapes;
  auto input = analyzer::LogInput::Create(
      options, [&](const LogLine& line, const parsers::Event& e) {
        std::string shape = std::string(parsers::DaemonName(e.daemon)) + "\t" +
                            std::string(parsers::EventKindName(e.kind)) + "\t";
        const parsers::Fields fields = parsers::FieldsOf(e);
        bool first = true;
        for (const auto& [name, value] : fields) {
          // orig_to's presence depends on earlier address rewriting, not on
          // the kind of line (log_adhoc.c prints it whenever it differs from
          // to=) — except in local(8)'s lines, where alias expansion and
          // forwarding decide what to= and orig_to= say.
          if (name == "kind") continue;
          if (name == "orig_to" && e.daemon != parsers::Daemon::kLocal) continue;
          if (!first) shape += ",";
          first = false;
          shape += name;
          if (name == "delivery_status" || name == "stage" || name == "action") {
            shape += "=" + value;
          }
        }
        ++shapes[shape];
      });
  if (!input.ok()) {
    std::fprintf(stderr, "line_shapes: %s\n", std::string(input.status().message()).c_str());
    return 1;
  }
  absl::Status s = (*input)->ReadFiles(paths);
  for (const auto& [shape, n] : shapes) std::printf("%s\t%ld\n", shape.c_str(), n);
  if ((*input)->stats().unparsed_lines() > 0) {
    std::fprintf(stderr, "line_shapes: %llu lines not understood\n",
                 static_cast<unsigned long long>((*input)->stats().unparsed_lines()));
    return 1;
  }
  return s.ok() ? 0 : 1;
}
