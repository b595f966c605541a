#include "refmta/mailbox.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace mailgauge::refmta {
namespace {

// mbox_open.c mbox_dsn(): EDQUOT and EFBIG are a 5.2.2 hard error (mailbox
// full); other errors get the caller's default.
std::string MboxDsn(int err, absl::string_view def) {
  if (err == EDQUOT || err == EFBIG) return "5.2.2";
  return std::string(def);
}

bool MakeDirs(const std::string& path) {
  std::string partial;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      if (!partial.empty() && mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
        return false;
      }
    }
    if (i < path.size()) partial.push_back(path[i]);
  }
  return true;
}

std::string Dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

// The delivery headers mail_copy() prepends (MAIL_COPY_RETURN_PATH,
// MAIL_COPY_ORIG_RCPT, MAIL_COPY_DELIVERED), then the message; `quote`
// adds '>' before lines starting "From " (MAIL_COPY_QUOTE), `blank` a
// final empty line (MAIL_COPY_BLANK).
std::string CopyText(const MailboxCopy& copy, bool quote, bool blank) {
  std::string out = absl::StrCat("Return-Path: <", copy.sender, ">\n");
  if (!copy.original_recipient.empty()) {
    absl::StrAppend(&out, "X-Original-To: ", copy.original_recipient, "\n");
  }
  absl::StrAppend(&out, "Delivered-To: ", copy.delivered_to, "\n");
  size_t pos = 0;
  const std::string& c = copy.content;
  while (pos < c.size()) {
    size_t nl = c.find('\n', pos);
    size_t end = nl == std::string::npos ? c.size() : nl;
    absl::string_view line(c.data() + pos, end - pos);
    if (quote && absl::StartsWith(line, "From ")) out.push_back('>');
    absl::StrAppend(&out, line, "\n");
    pos = end + 1;
  }
  if (blank) out.push_back('\n');
  return out;
}

bool WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

MailboxResult AppendToMbox(const std::string& path, absl::string_view user,
                           const MailboxCopy& copy, int64_t size_limit, absl::Time now,
                           absl::TimeZone tz, MailboxAgent agent) {
  MailboxResult r;
  auto fail = [&](absl::string_view dsn, absl::string_view what) {
    r.dsn = std::string(dsn);
    if (agent == MailboxAgent::kLocal) {
      // local/mailbox.c: "cannot update mailbox %s for user %s. " + reason
      r.reason = absl::StrCat("cannot update mailbox ", path, " for user ", user, ". ", what);
    } else {
      // virtual/mailbox.c: "delivery failed to mailbox %s: " + reason
      r.reason = absl::StrCat("delivery failed to mailbox ", path, ": ", what);
    }
    return r;
  };
  if (!MakeDirs(Dirname(path))) {
    int e = errno;
    return fail(MboxDsn(e, "4.2.0"),
                absl::StrCat("cannot create directory ", Dirname(path), ": ", std::strerror(e)));
  }
  int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    int e = errno;
    return fail(MboxDsn(e, "5.2.0"),
                absl::StrCat("cannot open file: ", std::strerror(e)));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    r.dsn = "5.2.0";
    r.reason = absl::StrCat("destination ", path, " is not a regular file");
    return r;
  }
  if (flock(fd, LOCK_EX) != 0) {
    int e = errno;
    close(fd);
    return fail("4.2.0", absl::StrCat("unable to lock for exclusive access: ",
                                      std::strerror(e)));
  }
  fstat(fd, &st);  // size under the lock
  off_t orig_length = st.st_size;
  // mail_copy.c: "From %s  %.24s%s", sender or MAILER-DAEMON, asctime().
  std::string text = absl::StrCat(
      "From ", copy.sender.empty() ? std::string("MAILER-DAEMON") : copy.sender, "  ",
      absl::FormatTime("%a %b %e %H:%M:%S %Y", now, tz), "\n",
      CopyText(copy, /*quote=*/true, /*blank=*/true));
  bool ok;
  int err = 0;
  if (size_limit > 0 && orig_length + static_cast<off_t>(text.size()) > size_limit) {
    // Postfix runs local(8) with RLIMIT_FSIZE = mailbox_size_limit, so the
    // write fails with EFBIG; refmta checks instead of setting the limit.
    ok = false;
    err = EFBIG;
  } else {
    ok = WriteAll(fd, text) && fsync(fd) == 0;
    if (!ok) err = errno;
  }
  if (!ok) {
    (void)ftruncate(fd, orig_length);
    close(fd);  // releases the lock
    return fail(MboxDsn(err, "5.3.0"),
                absl::StrCat("error writing message: ", std::strerror(err)));
  }
  close(fd);
  r.delivered = true;
  r.dsn = "2.0.0";
  r.reason = "delivered to mailbox";
  return r;
}

MailboxResult DeliverToMaildir(const std::string& dir_in, const MailboxCopy& copy,
                               int64_t size_limit, absl::string_view hostname,
                               absl::Time now) {
  MailboxResult r;
  std::string dir = dir_in;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  auto fail = [&](absl::string_view dsn, absl::string_view what) {
    // virtual/maildir.c: vstring_sprintf_prepend(why->reason, "maildir delivery failed: ")
    r.dsn = std::string(dsn);
    r.reason = absl::StrCat("maildir delivery failed: ", what);
    return r;
  };
  std::string tmpdir = dir + "/tmp";
  std::string newdir = dir + "/new";
  if (!MakeDirs(tmpdir) || !MakeDirs(newdir) || !MakeDirs(dir + "/cur")) {
    int e = errno;
    return fail(MboxDsn(e, "4.2.0"),
                absl::StrCat("create maildir directories in ", dir, ": ", std::strerror(e)));
  }
  int64_t micros = absl::ToUnixMicros(now);
  int64_t sec = micros / 1000000;
  // maildir.c: tmp name "%lu.P%d.%s"; refmta adds the microseconds so that
  // threads of one process do not collide.
  std::string tmpfile =
      absl::StrCat(tmpdir, "/", sec, ".P", getpid(), "M", micros % 1000000, ".", hostname);
  int fd = open(tmpfile.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  for (int attempt = 1; fd < 0 && errno == EEXIST && attempt < 1000; ++attempt) {
    tmpfile = absl::StrCat(tmpdir, "/", sec, ".P", getpid(), "M", micros % 1000000, "_",
                           attempt, ".", hostname);
    fd = open(tmpfile.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  }
  if (fd < 0) {
    int e = errno;
    return fail(MboxDsn(e, "4.2.0"),
                absl::StrCat("create maildir file ", tmpfile, ": ", std::strerror(e)));
  }
  struct stat st;
  fstat(fd, &st);
  std::string text = CopyText(copy, /*quote=*/false, /*blank=*/false);
  bool ok;
  int err = 0;
  if (size_limit > 0 && static_cast<int64_t>(text.size()) > size_limit) {
    ok = false;
    err = EFBIG;
  } else {
    ok = WriteAll(fd, text) && fsync(fd) == 0;
    if (!ok) err = errno;
  }
  close(fd);
  if (!ok) {
    unlink(tmpfile.c_str());
    return fail(MboxDsn(err, "5.3.0"), absl::StrCat("error writing message: ",
                                                    std::strerror(err)));
  }
  // maildir.c: new name "%lu.V%lxI%lxM%lu.%s" (sec, dev, ino, usec, host).
  std::string newfile = absl::StrFormat("%s/%d.V%xI%xM%d.%s", newdir, sec,
                                        static_cast<uint64_t>(st.st_dev),
                                        static_cast<uint64_t>(st.st_ino), micros % 1000000,
                                        std::string(hostname));
  if (link(tmpfile.c_str(), newfile.c_str()) != 0) {
    int e = errno;
    unlink(tmpfile.c_str());
    return fail(MboxDsn(e, "4.2.0"),
                absl::StrCat("create maildir file ", newfile, ": ", std::strerror(e)));
  }
  unlink(tmpfile.c_str());
  int dfd = open(newdir.c_str(), O_RDONLY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  r.delivered = true;
  r.dsn = "2.0.0";
  r.reason = "delivered to maildir";
  return r;
}

}  // namespace mailgauge::refmta
