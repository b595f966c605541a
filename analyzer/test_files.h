// File: analyzer/test_files.h
// Scratch input files for the analyzer's tests: plain and gzipped logs in
// the test's temporary directory, each name prefixed by the test's own.
//
//   TestFiles files("parallel_reader_test");
//   std::string log = files.Write("mail.log", "Nov 25 10:00:00 mx ...\n");
//   std::string gz = files.WriteGzip("mail.log.1.gz", older_lines);
#ifndef MAILGAUGE_ANALYZER_TEST_FILES_H_
#define MAILGAUGE_ANALYZER_TEST_FILES_H_

#include <zlib.h>

#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace mailgauge::analyzer {

class TestFiles {
 public:
  explicit TestFiles(std::string prefix) : prefix_(std::move(prefix)) {}

  // Where a file called `name` goes (it need not exist).
  std::string Path(const std::string& name) const {
    return ::testing::TempDir() + "/" + prefix_ + "_" + name;
  }

  // Writes `content` to Path(name), replacing it; returns the path.
  std::string Write(const std::string& name, const std::string& content) const {
    const std::string path = Path(name);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    EXPECT_TRUE(out.good()) << path;
    return path;
  }

  // Writes `content` gzip-compressed to Path(name); returns the path.
  std::string WriteGzip(const std::string& name, const std::string& content) const {
    const std::string path = Path(name);
    gzFile gz = gzopen(path.c_str(), "wb");
    EXPECT_NE(nullptr, gz) << path;
    if (gz == nullptr) return path;
    EXPECT_EQ(static_cast<int>(content.size()),
              gzwrite(gz, content.data(), static_cast<unsigned>(content.size())));
    gzclose(gz);
    return path;
  }

 private:
  std::string prefix_;
};

}  // namespace mailgauge::analyzer

#endif  // MAILGAUGE_ANALYZER_TEST_FILES_H_
