#include "analyzer/report/json_report.h"

namespace mailgauge::analyzer::report {

std::string RenderJson(const Summary& summary) { return summary.ToJson(2) + "\n"; }

}  // namespace mailgauge::analyzer::report
