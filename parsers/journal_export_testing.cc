#include "parsers/journal_export_testing.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "absl/strings/str_cat.h"

namespace mailgauge::parsers::testing {

std::string JournalRemotePath() {
  if (const char* env = std::getenv("MAILGAUGE_JOURNAL_REMOTE"); env && *env) return env;
  for (const char* p : {"/lib/systemd/systemd-journal-remote",
                        "/usr/lib/systemd/systemd-journal-remote"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return "";
}

void AppendExportEntry(const JournalFields& fields, std::string* out) {
  for (const auto& [name, value] : fields) {
    bool binary = false;
    for (unsigned char c : value) {
      if (c < 0x20 && c != '\t') binary = true;
    }
    if (!binary) {
      absl::StrAppend(out, name, "=", value, "\n");
      continue;
    }
    absl::StrAppend(out, name, "\n");
    const uint64_t n = value.size();
    for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    absl::StrAppend(out, value, "\n");
  }
  out->push_back('\n');
}

absl::Status WriteJournalFile(const std::string& path,
                              const std::vector<JournalFields>& entries) {
  const std::string remote = JournalRemotePath();
  if (remote.empty()) return absl::FailedPreconditionError(kNoJournalRemote);
  std::string text;
  for (const JournalFields& e : entries) AppendExportEntry(e, &text);
  const std::string export_path = path + ".export";
  {
    std::ofstream f(export_path, std::ios::binary | std::ios::trunc);
    f.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!f) return absl::InternalError(absl::StrCat("cannot write ", export_path));
  }
  const std::string log = path + ".writer.log";
  const std::string cmd = absl::StrCat("'", remote, "' -o '", path, "' '", export_path,
                                       "' >'", log, "' 2>&1");
  if (std::system(cmd.c_str()) != 0) {
    std::ifstream l(log);
    const std::string why((std::istreambuf_iterator<char>(l)),
                          std::istreambuf_iterator<char>());
    return absl::InternalError(
        absl::StrCat("systemd-journal-remote could not write ", path, ": ", why));
  }
  return absl::OkStatus();
}

}  // namespace mailgauge::parsers::testing
