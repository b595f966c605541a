#include "analyzer/report/json_report.h"

namespace mailgauge::analyzer::report {

std::string RenderJson(const Summary& summary) { return summary.ToJson(2) + "\n"; }

void WriteJson(const Summary& summary, std::ostream& out) {
  summary.WriteJson(out, 2);
  out << '\n';
}

}  // namespace mailgauge::analyzer::report
