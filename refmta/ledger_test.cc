#include "refmta/ledger.h"

#include <fstream>
#include <sstream>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace mailgauge::refmta {
namespace {

LedgerEvent Sample() {
  return {"delivered",
          absl::FromUnixMicros(int64_t{1795625889} * 1000000 + 123456),
          "4B0C72A1F3",
          "alice@example.com",
          "bob@example.com",
          "sent",
          "local:mailbox",
          "delivered to mailbox"};
}

TEST(LedgerTest, OneJsonObjectPerLineInFixedFieldOrder) {
  EXPECT_EQ(
      "{\"event\":\"delivered\",\"time\":\"2026-11-25T16:58:09.123456Z\","
      "\"queue_id\":\"4B0C72A1F3\",\"sender\":\"alice@example.com\","
      "\"recipient\":\"bob@example.com\",\"status\":\"sent\",\"where\":\"local:mailbox\","
      "\"why\":\"delivered to mailbox\",\"orig_to\":\"\"}\n",
      LedgerLine(Sample()));
  LedgerEvent forwarded = Sample();
  forwarded.orig_to = "team@example.com";
  EXPECT_NE(std::string::npos,
            LedgerLine(forwarded).find(",\"orig_to\":\"team@example.com\"}\n"));
}

TEST(LedgerTest, EscapesAndInvalidUtf8DoNotBreakTheLine) {
  LedgerEvent e = Sample();
  e.why = "550 \"quoted\"\nnext \xff";
  std::string line = LedgerLine(e);
  EXPECT_EQ(1, std::count(line.begin(), line.end(), '\n'));
  nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_EQ("550 \"quoted\"\nnext \xEF\xBF\xBD", j["why"].get<std::string>());
}

TEST(LedgerTest, AppendsToFileAndSink) {
  std::string path = testing::TempDir() + "/ledger_test.jsonl";
  std::remove(path.c_str());
  {
    auto ledger = Ledger::Open(path);
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    ASSERT_TRUE((*ledger)->Append(Sample()).ok());
    LedgerEvent rejected = Sample();
    rejected.event = "rejected";
    rejected.queue_id = "";
    ASSERT_TRUE((*ledger)->Append(rejected).ok());
  }
  std::ifstream in(path);
  std::string line;
  std::vector<std::string> events;
  while (std::getline(in, line)) {
    events.push_back(nlohmann::json::parse(line)["event"].get<std::string>());
  }
  EXPECT_EQ((std::vector<std::string>{"delivered", "rejected"}), events);

  std::vector<std::string> sunk;
  Ledger to_sink([&](const std::string& l) { sunk.push_back(l); });
  ASSERT_TRUE(to_sink.Append(Sample()).ok());
  EXPECT_EQ(std::vector<std::string>{LedgerLine(Sample())}, sunk);
  EXPECT_FALSE(Ledger::Open("/nonexistent/dir/ledger").ok());
}

}  // namespace
}  // namespace mailgauge::refmta
