// File: exporter/metrics_doc.h
// docs/metrics.md, generated from the metric table that ExporterMetrics
// registers (exporter/metrics.h), so the reference cannot drift from the
// code. `bazel run //exporter:metrics_doc -- --update` rewrites the file;
// metrics_doc_test fails when the committed file differs.
//
//   absl::StatusOr<std::string> md = MetricsMarkdown();
#ifndef MAILGAUGE_EXPORTER_METRICS_DOC_H_
#define MAILGAUGE_EXPORTER_METRICS_DOC_H_

#include <string>

#include "absl/status/statusor.h"

namespace mailgauge::exporter {

// The whole of docs/metrics.md. Fails if the families do not register.
[[nodiscard]] absl::StatusOr<std::string> MetricsMarkdown();

}  // namespace mailgauge::exporter

#endif  // MAILGAUGE_EXPORTER_METRICS_DOC_H_
