#include "analyzer/report/json_report.h"

namespace mailgauge::analyzer::report {

std::string RenderJson(const Summary& summary) { return summary.ToJson(2) + "\n"; }

void WriteJson(const Summary& summary, std::ostream& out, bool sort_ahead) {
  summary.WriteJson(out, 2, sort_ahead);
  out << '\n';
}

}  // namespace mailgauge::analyzer::report
