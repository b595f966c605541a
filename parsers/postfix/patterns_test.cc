// Checks every pattern table as lnav checks its formats: every row has
// samples, every sample matches its own row, and no sample matches another
// non-fallback row of the same daemon (so the first-match rule never hides a
// row). The whole table (TableRows: own rows, CommonPatterns(),
// DaemonLastPatterns()) must compile.
#include "parsers/postfix/patterns.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "parsers/postfix/pattern_table.h"

namespace mailgauge::parsers {
namespace {

class PatternsTest : public ::testing::TestWithParam<Daemon> {};

TEST_P(PatternsTest, EverySampleMatchesItsOwnRowAndNoOther) {
  const Daemon daemon = GetParam();
  const std::vector<Pattern> rows = TableRows(daemon);
  auto table = PatternTable::Compile(daemon, rows);
  ASSERT_TRUE(table.ok()) << table.status();
  for (size_t i = 0; i < rows.size(); ++i) {
    const Pattern& row = rows[i];
    EXPECT_GT(row.samples.size(), 0u)
        << DaemonName(daemon) << " row " << i << " (" << EventKindName(row.kind)
        << ") has no sample line";
    for (const char* sample : row.samples) {
      const std::vector<int> hits = (*table)->MatchingRows(sample);
      bool own = false;
      for (int h : hits) {
        if (h == static_cast<int>(i)) {
          own = true;
        } else if (!rows[h].fallback && !row.fallback) {
          ADD_FAILURE() << DaemonName(daemon) << " sample of row " << i << " ("
                        << EventKindName(row.kind) << ") also matches row " << h
                        << " (" << EventKindName(rows[h].kind) << "): " << sample;
        } else if (row.fallback && !rows[h].fallback) {
          ADD_FAILURE() << DaemonName(daemon) << " sample of fallback row " << i
                        << " is taken by specific row " << h << ": " << sample;
        }
      }
      EXPECT_TRUE(own) << DaemonName(daemon) << " row " << i << " ("
                       << EventKindName(row.kind)
                       << ") does not match its sample: " << sample;
      Event e;
      if (own && !row.fallback) {
        ASSERT_TRUE((*table)->Match(sample, &e));
        EXPECT_EQ(row.kind, e.kind) << sample;
      }
    }
  }
}

std::vector<Daemon> AllDaemons() {
  std::vector<Daemon> all;
  for (int d = static_cast<int>(Daemon::kSmtpd);
       d < static_cast<int>(Daemon::kNumDaemons); ++d) {
    all.push_back(static_cast<Daemon>(d));
  }
  return all;
}

INSTANTIATE_TEST_SUITE_P(AllDaemons, PatternsTest, ::testing::ValuesIn(AllDaemons()),
                         [](const ::testing::TestParamInfo<Daemon>& info) {
                           std::string name(DaemonName(info.param));
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

TEST(PatternsTest, EveryKnownDaemonHasRows) {
  for (Daemon d : AllDaemons()) {
    if (d == Daemon::kOther) continue;
    EXPECT_FALSE(DaemonPatterns(d).empty()) << DaemonName(d);
  }
}

}  // namespace
}  // namespace mailgauge::parsers
