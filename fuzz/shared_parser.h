// File: fuzz/shared_parser.h
// The Postfix parser the fuzz targets share: compiled once per process (the
// pattern tables take milliseconds to compile, an input microseconds).
//
//   const PostfixParser& parser = mailgauge::fuzz::SharedParser();
#ifndef MAILGAUGE_FUZZ_SHARED_PARSER_H_
#define MAILGAUGE_FUZZ_SHARED_PARSER_H_

#include <cstdio>
#include <cstdlib>

#include "parsers/postfix/postfix_parser.h"

namespace mailgauge::fuzz {

inline const parsers::PostfixParser& SharedParser() {
  static const parsers::PostfixParser* parser = [] {
    auto p = parsers::PostfixParser::Create();
    if (!p.ok()) {
      std::fprintf(stderr, "pattern tables do not compile\n");
      std::abort();
    }
    return p->release();
  }();
  return *parser;
}

}  // namespace mailgauge::fuzz

#endif  // MAILGAUGE_FUZZ_SHARED_PARSER_H_
