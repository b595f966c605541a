// File: exporter/metrics_doc_main.cc
// Prints docs/metrics.md, or with --update writes it into the workspace
// (under `bazel run`, BUILD_WORKSPACE_DIRECTORY names the workspace).
//
//   bazel run //exporter:metrics_doc -- --update
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

#include "exporter/metrics_doc.h"

int main(int argc, char** argv) {
  absl::StatusOr<std::string> md = mailgauge::exporter::MetricsMarkdown();
  if (!md.ok()) {
    std::cerr << "metrics_doc: " << md.status().message() << "\n";
    return 1;
  }
  if (argc > 1 && std::strcmp(argv[1], "--update") == 0) {
    const char* ws = std::getenv("BUILD_WORKSPACE_DIRECTORY");
    if (ws == nullptr) {
      std::cerr << "metrics_doc: --update needs `bazel run` (no "
                   "BUILD_WORKSPACE_DIRECTORY)\n";
      return 2;
    }
    const std::string path = std::string(ws) + "/docs/metrics.md";
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << *md;
    out.close();
    if (!out) {
      std::cerr << "metrics_doc: cannot write " << path << "\n";
      return 1;
    }
    std::cerr << "metrics_doc: wrote " << path << "\n";
    return 0;
  }
  if (argc > 1) {
    std::cerr << "usage: metrics_doc [--update]\n";
    return 2;
  }
  std::cout << *md;
  return 0;
}
