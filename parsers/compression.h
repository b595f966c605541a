// File: parsers/compression.h
// Which compressed format a file's first bytes announce: the formats
// logrotate's `compress`/`compresscmd` write. LineReader (line_reader.h)
// decompresses gzip, xz, bzip2 and zstd and refuses lz4 and compress (.Z);
// FileFollower (file_follower.h), which follows a live plain-text log,
// refuses them all.
//
//   const Compression c = CompressionOf(first_bytes);
//   if (c != Compression::kNone) Refuse(CompressionName(c));
#ifndef MAILGAUGE_PARSERS_COMPRESSION_H_
#define MAILGAUGE_PARSERS_COMPRESSION_H_

#include <cstddef>
#include <string_view>

namespace mailgauge::parsers {

enum class Compression { kNone, kGzip, kXz, kBzip2, kZstd, kLz4, kCompress };

// The longest magic number (bzip2's: "BZh", the block size, a block's magic).
inline constexpr size_t kCompressionMagicBytes = 10;

// The format `head` starts with: the file's first kCompressionMagicBytes
// bytes, or all of a shorter file. kNone for text.
Compression CompressionOf(std::string_view head);

// "gzip", "xz", "bzip2", "zstd", "lz4", "compress (.Z)"; "" for kNone.
const char* CompressionName(Compression c);

// The Debian command that writes the file's text to standard output
// ("gzip -dc", "xz -dc", ...); "" for kNone.
const char* DecompressCommand(Compression c);

}  // namespace mailgauge::parsers

#endif  // MAILGAUGE_PARSERS_COMPRESSION_H_
