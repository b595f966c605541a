// File: fuzz/fuzz_check.h
// FUZZ_CHECK(cond, what): the property checks of the fuzz targets. Unlike
// assert() it is kept in optimized builds and in the gcc replay tests, and it
// names the broken property before aborting, so that libFuzzer (or the replay
// test) records the input as a crash.
//
//   FUZZ_CHECK(Within(line, out.host), "host points outside the line");
#ifndef MAILGAUGE_FUZZ_FUZZ_CHECK_H_
#define MAILGAUGE_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond, what)                                              \
  do {                                                                      \
    if (!(cond)) {                                                          \
      std::fprintf(stderr, "%s:%d: fuzz property violated: %s (%s)\n",      \
                   __FILE__, __LINE__, what, #cond);                        \
      std::abort();                                                         \
    }                                                                       \
  } while (0)

#endif  // MAILGAUGE_FUZZ_FUZZ_CHECK_H_
