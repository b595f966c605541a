// File: common/version.h
// The version of mailgauge and mailgauge_exporter, printed by their
// --version (as pflogsumm's --version prints its own). One number for the
// tree, raised with each release.
#ifndef MAILGAUGE_COMMON_VERSION_H_
#define MAILGAUGE_COMMON_VERSION_H_

namespace mailgauge {

inline constexpr char kVersion[] = "0.1.0";

}  // namespace mailgauge

#endif  // MAILGAUGE_COMMON_VERSION_H_
