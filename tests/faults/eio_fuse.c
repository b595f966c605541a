// File: tests/faults/eio_fuse.c
// A one-file FUSE file system whose reads fail with a real EIO on demand,
// for tests/faults/log_eio_faults_test.py: the kernel hands the error to
// read(2) exactly as it does for a disk with a bad sector, and no library
// call of the program under test is faked.
//
//   eio_fuse MOUNTPOINT BACKING_FILE CONTROL_FILE &
//   cat MOUNTPOINT/$(basename BACKING_FILE)   # the backing file's bytes
//   echo 4096 > CONTROL_FILE                  # reads from byte 4096 on: EIO
//   rm CONTROL_FILE                           # the file reads again
//
// MOUNTPOINT shows one read-only regular file named like BACKING_FILE, whose
// size and bytes are the backing file's at the moment of each request (the
// test appends to the backing file; attributes are never cached and every
// read goes to this server, FOPEN_DIRECT_IO, so nothing is served from the
// page cache). When CONTROL_FILE exists and holds a byte offset N, a read at
// or after N fails with EIO and a read that starts before N stops at N (a
// short read, as a disk returns the sectors before a bad one).
//
// Why not device-mapper (dm-error / dm-flakey): this machine's kernel has no
// device-mapper (no /dev/mapper/control), but it has /dev/fuse. No libfuse
// is installed, so this speaks the kernel's FUSE protocol (linux/fuse.h)
// itself: mount(2) with the /dev/fuse descriptor, then answer requests.
// Must run as root (mount). SIGTERM or SIGINT unmounts (lazily) and exits.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

enum { kRootIno = 1, kFileIno = 2 };

static const char* g_mountpoint;
static const char* g_backing;
static const char* g_control;
static const char* g_name;  // the file's name in the mount
static int g_fuse = -1;
static int g_backing_fd = -1;

static void OnSignal(int sig) {
  (void)sig;
  umount2(g_mountpoint, MNT_DETACH);
  _exit(0);
}

static void Reply(uint64_t unique, int error, const void* data, size_t len) {
  struct fuse_out_header out;
  out.len = (uint32_t)(sizeof(out) + (error == 0 ? len : 0));
  out.error = error;
  out.unique = unique;
  struct iovec iov[2] = {{&out, sizeof(out)}, {(void*)data, error == 0 ? len : 0}};
  if (writev(g_fuse, iov, error == 0 && len > 0 ? 2 : 1) < 0 && errno != ENOENT) {
    // ENOENT: the request was interrupted; nothing to do.
    fprintf(stderr, "eio_fuse: reply: %s\n", strerror(errno));
  }
}

static void FillAttr(uint64_t ino, struct fuse_attr* a) {
  memset(a, 0, sizeof(*a));
  a->ino = ino;
  a->blksize = 4096;
  if (ino == kRootIno) {
    a->mode = S_IFDIR | 0755;
    a->nlink = 2;
    return;
  }
  struct stat st;
  if (fstat(g_backing_fd, &st) == 0) {
    a->size = (uint64_t)st.st_size;
    a->blocks = (uint64_t)st.st_blocks;
    a->mtime = (uint64_t)st.st_mtim.tv_sec;
    a->mtimensec = (uint32_t)st.st_mtim.tv_nsec;
    a->ctime = (uint64_t)st.st_ctim.tv_sec;
    a->ctimensec = (uint32_t)st.st_ctim.tv_nsec;
    a->atime = a->mtime;
  }
  a->mode = S_IFREG | 0644;
  a->nlink = 1;
}

// The offset from which reads fail, or -1 when they do not.
static long long FailFrom(void) {
  FILE* f = fopen(g_control, "r");
  if (f == NULL) return -1;
  long long n = 0;
  if (fscanf(f, "%lld", &n) != 1) n = 0;
  fclose(f);
  return n < 0 ? 0 : n;
}

static void Handle(const struct fuse_in_header* in, const char* arg) {
  switch (in->opcode) {
    case FUSE_INIT: {
      const struct fuse_init_in* init = (const struct fuse_init_in*)arg;
      struct fuse_init_out out;
      memset(&out, 0, sizeof(out));
      out.major = FUSE_KERNEL_VERSION;
      out.minor = init->minor < FUSE_KERNEL_MINOR_VERSION ? init->minor
                                                          : FUSE_KERNEL_MINOR_VERSION;
      out.max_readahead = init->max_readahead;
      out.max_write = 4096;
      out.max_background = 1;
      out.congestion_threshold = 1;
      out.time_gran = 1;
      Reply(in->unique, 0, &out, sizeof(out));
      return;
    }
    case FUSE_LOOKUP: {
      if (in->nodeid != kRootIno || strcmp(arg, g_name) != 0) {
        Reply(in->unique, -ENOENT, NULL, 0);
        return;
      }
      struct fuse_entry_out out;
      memset(&out, 0, sizeof(out));
      out.nodeid = kFileIno;
      out.generation = 1;
      FillAttr(kFileIno, &out.attr);
      Reply(in->unique, 0, &out, sizeof(out));
      return;
    }
    case FUSE_GETATTR: {
      struct fuse_attr_out out;
      memset(&out, 0, sizeof(out));
      FillAttr(in->nodeid, &out.attr);
      Reply(in->unique, 0, &out, sizeof(out));
      return;
    }
    case FUSE_OPEN:
    case FUSE_OPENDIR: {
      const struct fuse_open_in* open_in = (const struct fuse_open_in*)arg;
      if (in->opcode == FUSE_OPEN && (open_in->flags & O_ACCMODE) != O_RDONLY) {
        Reply(in->unique, -EROFS, NULL, 0);
        return;
      }
      struct fuse_open_out out;
      memset(&out, 0, sizeof(out));
      if (in->opcode == FUSE_OPEN) out.open_flags = FOPEN_DIRECT_IO;
      Reply(in->unique, 0, &out, sizeof(out));
      return;
    }
    case FUSE_READ: {
      const struct fuse_read_in* r = (const struct fuse_read_in*)arg;
      const long long fail_from = FailFrom();
      uint64_t size = r->size;
      if (fail_from >= 0) {
        if (r->offset >= (uint64_t)fail_from) {
          Reply(in->unique, -EIO, NULL, 0);
          return;
        }
        if (r->offset + size > (uint64_t)fail_from) size = (uint64_t)fail_from - r->offset;
      }
      static char buf[1 << 20];
      if (size > sizeof(buf)) size = sizeof(buf);
      const ssize_t n = pread(g_backing_fd, buf, size, (off_t)r->offset);
      if (n < 0) {
        Reply(in->unique, -errno, NULL, 0);
        return;
      }
      Reply(in->unique, 0, buf, (size_t)n);
      return;
    }
    case FUSE_READDIR: {
      // ".", ".." and the file, in one reply; nothing past the first call.
      const struct fuse_read_in* r = (const struct fuse_read_in*)arg;
      char buf[512];
      size_t len = 0;
      const char* names[] = {".", "..", g_name};
      const uint64_t inos[] = {kRootIno, kRootIno, kFileIno};
      for (uint64_t i = r->offset; i < 3; ++i) {
        const size_t namelen = strlen(names[i]);
        const size_t entlen = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + namelen);
        if (len + entlen > r->size || len + entlen > sizeof(buf)) break;
        struct fuse_dirent* d = (struct fuse_dirent*)(buf + len);
        memset(d, 0, entlen);
        d->ino = inos[i];
        d->off = i + 1;
        d->namelen = (uint32_t)namelen;
        d->type = i == 2 ? DT_REG : DT_DIR;
        memcpy(d->name, names[i], namelen);
        len += entlen;
      }
      Reply(in->unique, 0, buf, len);
      return;
    }
    case FUSE_STATFS: {
      struct fuse_statfs_out out;
      memset(&out, 0, sizeof(out));
      out.st.bsize = 4096;
      out.st.frsize = 4096;
      out.st.namelen = 255;
      Reply(in->unique, 0, &out, sizeof(out));
      return;
    }
    case FUSE_RELEASE:
    case FUSE_RELEASEDIR:
    case FUSE_FLUSH:
    case FUSE_ACCESS:
      Reply(in->unique, 0, NULL, 0);
      return;
    case FUSE_FORGET:
    case FUSE_BATCH_FORGET:
    case FUSE_INTERRUPT:
      return;  // no reply
    case FUSE_DESTROY:
      Reply(in->unique, 0, NULL, 0);
      _exit(0);
    default:
      Reply(in->unique, -ENOSYS, NULL, 0);
      return;
  }
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: eio_fuse MOUNTPOINT BACKING_FILE CONTROL_FILE\n");
    return 2;
  }
  g_mountpoint = argv[1];
  g_backing = argv[2];
  g_control = argv[3];
  const char* slash = strrchr(g_backing, '/');
  g_name = slash != NULL ? slash + 1 : g_backing;
  g_backing_fd = open(g_backing, O_RDONLY | O_CLOEXEC);
  if (g_backing_fd < 0) {
    fprintf(stderr, "eio_fuse: cannot open %s: %s\n", g_backing, strerror(errno));
    return 1;
  }
  g_fuse = open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (g_fuse < 0) {
    fprintf(stderr, "eio_fuse: cannot open /dev/fuse: %s\n", strerror(errno));
    return 1;
  }
  char opts[128];
  snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other",
           g_fuse);
  if (mount("eio_fuse", g_mountpoint, "fuse.eio_fuse", MS_NOSUID | MS_NODEV, opts) != 0) {
    fprintf(stderr, "eio_fuse: cannot mount on %s: %s\n", g_mountpoint, strerror(errno));
    return 1;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = OnSignal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  fprintf(stderr, "eio_fuse: mounted %s on %s\n", g_backing, g_mountpoint);
  static char buf[(1 << 20) + 4096];
  for (;;) {
    const ssize_t n = read(g_fuse, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR || errno == ENOENT || errno == EAGAIN) continue;
      if (errno == ENODEV) return 0;  // unmounted
      fprintf(stderr, "eio_fuse: read /dev/fuse: %s\n", strerror(errno));
      return 1;
    }
    if ((size_t)n < sizeof(struct fuse_in_header)) continue;
    const struct fuse_in_header* in = (const struct fuse_in_header*)buf;
    Handle(in, buf + sizeof(*in));
  }
}
