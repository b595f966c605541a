// File: common/golden_testing.h
// For tests that compare an output with a golden file in the source tree:
// reading it, and rewriting it when asked to (after a reviewed change).
//
//   const std::string got = Render();
//   if (UpdateGoldenIfAsked(kGolden, got)) return;   // MAILGAUGE_UPDATE_GOLDEN=1 bazel run
//   EXPECT_EQ(ReadTestFile(kGolden), got);
#ifndef MAILGAUGE_COMMON_GOLDEN_TESTING_H_
#define MAILGAUGE_COMMON_GOLDEN_TESTING_H_

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace mailgauge {

// The whole content of `path` (relative to the test's runfiles), or "" when
// it can't be read.
inline std::string ReadTestFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// With MAILGAUGE_UPDATE_GOLDEN set and run by `bazel run` (which sets
// BUILD_WORKSPACE_DIRECTORY), writes `got` to `golden` (a path relative to
// the workspace) and returns true; otherwise returns false. A write that
// fails is a test failure.
inline bool UpdateGoldenIfAsked(const std::string& golden, const std::string& got) {
  const char* update = std::getenv("MAILGAUGE_UPDATE_GOLDEN");
  const char* ws = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  if (update == nullptr || ws == nullptr) return false;
  const std::string path = std::string(ws) + "/" + golden;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << got;
  out.close();
  EXPECT_TRUE(out.good()) << "cannot write " << path;
  std::cerr << "wrote " << path << "\n";
  return true;
}

}  // namespace mailgauge

#endif  // MAILGAUGE_COMMON_GOLDEN_TESTING_H_
