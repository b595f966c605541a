#include "parsers/compression.h"

namespace mailgauge::parsers {
namespace {

// Bytes that start bzip2 data: "BZh", the block size '1'-'9', then a
// block's or (empty data) the end's magic.
bool IsBzip2(std::string_view head) {
  return head.size() >= 10 && head.substr(0, 3) == "BZh" && head[3] >= '1' && head[3] <= '9' &&
         (head.substr(4, 6) == "1AY&SY" ||
          head.substr(4, 6) == std::string_view("\x17\x72\x45\x38\x50\x90", 6));
}

}  // namespace

Compression CompressionOf(std::string_view head) {
  if (head.substr(0, 2) == "\x1f\x8b") return Compression::kGzip;
  if (head.substr(0, 6) == std::string_view("\xfd" "7zXZ\0", 6)) return Compression::kXz;
  if (head.substr(0, 4) == "\x28\xb5\x2f\xfd") return Compression::kZstd;
  if (IsBzip2(head)) return Compression::kBzip2;
  if (head.substr(0, 4) == "\x04\x22\x4d\x18") return Compression::kLz4;
  if (head.substr(0, 2) == "\x1f\x9d") return Compression::kCompress;
  return Compression::kNone;
}

const char* CompressionName(Compression c) {
  switch (c) {
    case Compression::kGzip: return "gzip";
    case Compression::kXz: return "xz";
    case Compression::kBzip2: return "bzip2";
    case Compression::kZstd: return "zstd";
    case Compression::kLz4: return "lz4";
    case Compression::kCompress: return "compress (.Z)";
    case Compression::kNone: break;
  }
  return "";
}

const char* DecompressCommand(Compression c) {
  switch (c) {
    case Compression::kGzip: return "gzip -dc";
    case Compression::kXz: return "xz -dc";
    case Compression::kBzip2: return "bzip2 -dc";
    case Compression::kZstd: return "zstd -dc";
    case Compression::kLz4: return "lz4 -dc";
    case Compression::kCompress: return "gzip -dc";  // gzip reads .Z
    case Compression::kNone: break;
  }
  return "";
}

}  // namespace mailgauge::parsers
