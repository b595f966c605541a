#include "refmta/pickup.h"

#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mailgauge::refmta {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

TEST(RecipientsFromHeadersTest, ToCcBccWithNamesAndQuotes) {
  EXPECT_THAT(RecipientsFromHeaders("From: a\nTo: Bob <bob@example.com>, carol\n"
                                    "Cc: \"Smith, Dave\" <dave@example.com>,\n\tbob@example.com\n"
                                    "Bcc: eve@example.com\nSubject: x\n\nTo: not@header\n"),
              ElementsAre("bob@example.com", "carol", "dave@example.com", "eve@example.com"));
  EXPECT_THAT(RecipientsFromHeaders("Subject: none\n\n"), IsEmpty());
}

TEST(PickupTest, DropThenPickupThroughCleanup) {
  std::string spool = absl::StrCat(testing::TempDir(), "/pickup_", getpid());
  ASSERT_EQ(0, system(absl::StrCat("rm -rf '", spool, "'").c_str()));
  auto queue = Queue::Open(spool, false);
  ASSERT_TRUE(queue.ok());
  auto cf = MainCf::Parse("myhostname = mx.example.com\nmyorigin = example.com\n", "main.cf");
  RefmtaConfig config = *LoadRefmtaConfig(*cf);
  std::vector<std::string> log;
  PostfixLogWriter writer(PostfixLogOptions{}, [&](const std::string& line) {
    log.push_back(line.substr(line.find("postfix/")));
  });
  std::vector<std::string> ledger_lines;
  Ledger ledger([&](const std::string& line) { ledger_lines.push_back(line); });
  Cleanup cleanup(config, queue->get(), &writer, &ledger, LookupTableList(), 9);

  EXPECT_FALSE(DropMessage(queue->get(), "alice", {}, 1000, "Subject: x\n\nbody\n").ok());
  auto drop = DropMessage(queue->get(), "alice", {"bob"}, 1000, "Subject: x\r\n\r\nbody");
  ASSERT_TRUE(drop.ok()) << drop.status();
  EXPECT_THAT((*queue)->List(QueueName::kMaildrop).value(), SizeIs(1));

  auto picked = PickupAll(queue->get(), &cleanup, &writer, config, 8);
  ASSERT_TRUE(picked.ok()) << picked.status();
  EXPECT_EQ(1, *picked);
  EXPECT_THAT((*queue)->List(QueueName::kMaildrop).value(), IsEmpty());
  auto ids = (*queue)->List(QueueName::kIncoming).value();
  ASSERT_THAT(ids, SizeIs(1));
  const std::string& id = ids[0];
  EXPECT_NE(*drop, id);  // pickup makes a new queue file, as Postfix does
  ASSERT_THAT(log, SizeIs(2));
  EXPECT_EQ("postfix/pickup[8]: " + id + ": uid=1000 from=<alice>\n", log[0]);
  EXPECT_THAT(log[1], HasSubstr("postfix/cleanup[9]: " + id + ": message-id=<"));
  auto file = (*queue)->Read(QueueName::kIncoming, id);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ("alice@example.com", file->envelope.sender);
  EXPECT_EQ("bob@example.com", file->envelope.recipients[0].address);
  EXPECT_EQ("pickup", file->envelope.origin);
  EXPECT_TRUE(absl::StartsWith(file->message, "Received: by mx.example.com (Postfix, from "
                                              "userid 1000)\n\tid " + id + "; "))
      << file->message;
  EXPECT_THAT(file->message, HasSubstr("Subject: x\n"));
  EXPECT_THAT(file->message, HasSubstr("\n\nbody\n"));
  ASSERT_THAT(ledger_lines, SizeIs(1));
  EXPECT_THAT(ledger_lines[0], HasSubstr("\"where\":\"pickup\""));
}

}  // namespace
}  // namespace mailgauge::refmta
