// File: common/zero_fill.h
// ZeroFill<N>(p): sets N bytes at p to zero with N / 16 sixteen-byte stores
// written out (SSE2), for the structs cleared once per log line. GCC expands
// a memset of a few hundred bytes of known size into `rep stosq`, whose
// start-up alone costs more than the stores on the AMD EPYC machines this
// runs on: 592 bytes took 63 ns that way against 18 ns (bench note in
// docs/benchmarks.md, session 12).
//
//   ZeroFill<sizeof(Event)>(&event);   // as std::memset(&event, 0, sizeof(Event))
#ifndef MAILGAUGE_COMMON_ZERO_FILL_H_
#define MAILGAUGE_COMMON_ZERO_FILL_H_

#include <cstddef>
#include <cstring>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace mailgauge {
namespace zero_fill_internal {

#if defined(__SSE2__)
template <size_t... I>
inline void Stores16(char* p, std::index_sequence<I...>) {
  [[maybe_unused]] const __m128i zero = _mm_setzero_si128();  // none when N < 16
  (_mm_storeu_si128(reinterpret_cast<__m128i*>(p + 16 * I), zero), ...);
}
#endif

}  // namespace zero_fill_internal

template <size_t N>
inline void ZeroFill(void* at) {
  char* const p = static_cast<char*>(at);
#if defined(__SSE2__)
  zero_fill_internal::Stores16(p, std::make_index_sequence<N / 16>());
  if constexpr (N % 16 != 0) std::memset(p + N / 16 * 16, 0, N % 16);
#else
  std::memset(p, 0, N);
#endif
}

}  // namespace mailgauge

#endif  // MAILGAUGE_COMMON_ZERO_FILL_H_
