#include "common/zero_fill.h"

#include <array>

#include "gtest/gtest.h"

namespace mailgauge {
namespace {

// Every byte of the N given is zero and no byte around them is touched, for
// sizes around the sixteen-byte steps and the Event's 592.
template <size_t N>
void Check() {
  std::array<unsigned char, N + 32> buffer;
  buffer.fill(0xAB);
  ZeroFill<N>(buffer.data() + 8);
  for (size_t i = 0; i < buffer.size(); ++i) {
    const bool inside = i >= 8 && i < 8 + N;
    ASSERT_EQ(inside ? 0 : 0xAB, buffer[i]) << "N=" << N << " byte " << i;
  }
}

TEST(ZeroFillTest, ZeroesExactlyTheGivenBytes) {
  Check<1>();
  Check<8>();
  Check<15>();
  Check<16>();
  Check<17>();
  Check<136>();
  Check<591>();
  Check<592>();
}

}  // namespace
}  // namespace mailgauge
