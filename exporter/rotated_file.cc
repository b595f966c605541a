#include "exporter/rotated_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"

namespace mailgauge::exporter {
namespace {

absl::Status ErrnoStatus(int err, const std::string& what) {
  const std::string msg = absl::StrCat(what, ": ", std::strerror(err));
  if (err == ENOENT) return absl::NotFoundError(msg);
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(msg);
  return absl::UnavailableError(msg);
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                    [](char c) { return c >= '0' && c <= '9'; });
}

// "mail.log.1", "mail.log.0", "mail.log-20261125", "mail.log-2026112513".
bool IsRotatedName(std::string_view name, std::string_view base) {
  if (name.size() <= base.size() + 1 || name.substr(0, base.size()) != base) {
    return false;
  }
  const char sep = name[base.size()];
  const std::string_view rest = name.substr(base.size() + 1);
  if (sep == '.') return AllDigits(rest) && rest.size() <= 4;
  if (sep == '-') return AllDigits(rest) && (rest.size() == 8 || rest.size() == 10);
  return false;
}

struct FileFacts {
  bool exists = false;
  uint64_t device = 0;
  uint64_t inode = 0;
  uint64_t size = 0;
  bool head_matches = false;  // first bytes have the saved fingerprint
};

FileFacts Look(const std::string& path, const parsers::FilePosition& saved) {
  FileFacts f;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return f;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return f;
  }
  f.exists = true;
  f.device = static_cast<uint64_t>(st.st_dev);
  f.inode = static_cast<uint64_t>(st.st_ino);
  f.size = static_cast<uint64_t>(st.st_size);
  if (saved.fingerprint_bytes == 0) {
    f.head_matches = true;
  } else if (f.size >= saved.fingerprint_bytes) {
    std::string head(saved.fingerprint_bytes, '\0');
    size_t got = 0;
    while (got < head.size()) {
      const ssize_t n = ::pread(fd, head.data() + got, head.size() - got,
                                static_cast<off_t>(got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    f.head_matches = got == head.size() && parsers::Fingerprint(head) == saved.fingerprint;
  }
  ::close(fd);
  return f;
}

}  // namespace

absl::StatusOr<std::string> FindRotatedFile(const std::string& path,
                                            const parsers::FilePosition& saved) {
  if (saved.inode == 0) return absl::NotFoundError("no saved file");
  const FileFacts now = Look(path, saved);
  const bool same_inode =
      now.exists && now.inode == saved.inode && now.device == saved.device;
  // The follower resumes in the file at the path when its first bytes are
  // the saved ones (an empty file at save time: when it is the same inode).
  if (now.exists && now.size >= saved.offset &&
      (saved.fingerprint_bytes > 0 ? now.head_matches : same_inode)) {
    return absl::NotFoundError(absl::StrCat(path, " is still the saved file"));
  }
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  DIR* d = ::opendir(dir.empty() ? "/" : dir.c_str());
  if (d == nullptr) return ErrnoStatus(errno, absl::StrCat("cannot list ", dir));
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    if (IsRotatedName(e->d_name, base)) names.emplace_back(e->d_name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  std::string copy;  // a copytruncate copy, if no file has the inode
  for (const std::string& name : names) {
    const std::string candidate =
        slash == std::string::npos ? name : absl::StrCat(dir, "/", name);
    const FileFacts f = Look(candidate, saved);
    if (!f.exists || !f.head_matches || f.size < saved.offset) continue;
    if (f.inode == saved.inode && f.device == saved.device) return candidate;
    if (saved.fingerprint_bytes > 0 && copy.empty()) copy = candidate;
  }
  if (!copy.empty()) return copy;
  return absl::NotFoundError(absl::StrCat("no rotated file of ", path,
                                          " holds the saved position"));
}

absl::StatusOr<uint64_t> ReadRotatedRest(
    const std::string& rotated, const parsers::FilePosition& saved,
    const parsers::FileFollower::LineHandler& handler, size_t max_line_bytes) {
  const int fd = ::open(rotated.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("cannot open ", rotated));
  uint64_t lines = 0;
  std::string line;
  bool overlong = false;
  std::vector<char> buf(64 * 1024);
  uint64_t offset = saved.offset;
  auto emit = [&] {
    std::string_view text(line);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    handler(text, overlong);
    ++lines;
    line.clear();
    overlong = false;
  };
  for (;;) {
    const ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return ErrnoStatus(err, absl::StrCat("cannot read ", rotated));
    }
    if (n == 0) break;
    offset += static_cast<uint64_t>(n);
    std::string_view chunk(buf.data(), static_cast<size_t>(n));
    while (!chunk.empty()) {
      const size_t nl = chunk.find('\n');
      const std::string_view part = chunk.substr(0, nl);
      const size_t room = max_line_bytes > line.size() ? max_line_bytes - line.size() : 0;
      if (part.size() > room) overlong = true;
      line.append(part.substr(0, std::min(room, part.size())));
      if (nl == std::string_view::npos) break;
      emit();
      chunk.remove_prefix(nl + 1);
    }
  }
  ::close(fd);
  if (!line.empty() || overlong) emit();
  return lines;
}

}  // namespace mailgauge::exporter
