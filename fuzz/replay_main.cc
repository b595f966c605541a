// File: fuzz/replay_main.cc
// The driver that lets plain `bazel test` (gcc, no libFuzzer) replay a fuzz
// target's corpus: it runs LLVMFuzzerTestOneInput once on every file found
// (recursively) under the directories or files named on the command line.
// A crash, sanitizer report or abort in the target fails the test; so does an
// argument naming nothing, or a corpus with no file at all, so that a
// mistyped path can't make the test pass vacuously.
//
//   envelope_replay_test fuzz/corpus/envelope      # what `bazel test` runs
//   envelope_replay_test crash-envelope-foo        # reproduce one input
//
// Before each input it prints the file name to stderr (flushed), so the last
// name in the log is the input that crashed.
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

// Appends every regular file under `path` to `files`; false if `path` does
// not exist or a directory can't be read.
bool Collect(const std::string& path, std::vector<std::string>* files) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    std::fprintf(stderr, "replay: %s: %s\n", path.c_str(), std::strerror(errno));
    return false;
  }
  if (S_ISREG(st.st_mode)) {
    files->push_back(path);
    return true;
  }
  if (!S_ISDIR(st.st_mode)) return true;
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) {
    std::fprintf(stderr, "replay: %s: %s\n", path.c_str(), std::strerror(errno));
    return false;
  }
  bool ok = true;
  std::vector<std::string> names;
  while (dirent* e = readdir(dir)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    names.push_back(e->d_name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  for (const std::string& n : names) ok = Collect(path + "/" + n, files) && ok;
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
    return 2;
  }
  std::vector<std::string> files;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-') continue;  // libFuzzer-style flags are ignored
    ok = Collect(argv[i], &files) && ok;
  }
  if (!ok) return 1;
  if (files.empty()) {
    std::fprintf(stderr, "replay: no input file found\n");
    return 1;
  }
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "replay: cannot read %s\n", f.c_str());
      return 1;
    }
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", f.c_str(), data.size());
    std::fflush(stderr);
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  }
  std::fprintf(stderr, "replay: %zu inputs, no crash\n", files.size());
  return 0;
}
