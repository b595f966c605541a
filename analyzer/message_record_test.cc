#include "analyzer/message_record.h"

#include <string>

#include "gtest/gtest.h"

namespace mailgauge::analyzer {
namespace {

MessageRecord Sample(const std::string& tag, int recipients) {
  MessageRecord m;
  m.queue_ids = {"4Xyz" + tag};
  m.host = "mx.example.com";
  m.sender = "sender-" + tag + "@example.org";
  m.client_name = "client-" + tag + ".example.net";
  m.size = 1000 + recipients;
  for (int i = 0; i < recipients; ++i) {
    RecipientRecord r;
    r.address = "rcpt" + std::to_string(i) + "-" + tag + "@example.com";
    r.status = RecipientStatus::kSent;
    r.relay = "relay-" + tag + ".example.com[192.0.2.1]:25";
    r.reply = "250 2.0.0 Ok: queued as " + tag;
    m.recipients.push_back(r);
  }
  return m;
}

TEST(RecordRunTest, HoldsRecordsInOrder) {
  RecordRun run;
  EXPECT_TRUE(run.empty());
  run.Append(Sample("a", 2));
  run.Append(Sample("b", 0));
  ASSERT_EQ(2u, run.size());
  EXPECT_EQ("sender-a@example.org", run[0].sender);
  EXPECT_EQ(2u, run[0].recipients.size());
  EXPECT_EQ("rcpt1-a@example.com", run[0].recipients[1].address);
  EXPECT_EQ("sender-b@example.org", run[1].sender);
  EXPECT_TRUE(run[1].recipients.empty());
  int n = 0;
  for (const MessageRecord& m : run) n += static_cast<int>(m.recipients.size());
  EXPECT_EQ(2, n);
}

// A cleared run's slots are swapped with the next records: the run holds the
// new record whole, and the caller gets the slot's old one back, with its
// buffers, to clear and fill again.
TEST(RecordRunTest, SwapsWithUsedSlotsAfterClear) {
  RecordRun run;
  MessageRecord first = Sample("a-long-tag-that-needs-the-heap", 3);
  const char* sender_buffer = first.sender.data();
  run.Append(std::move(first));
  EXPECT_EQ(sender_buffer, run[0].sender.data());  // moved in, not copied
  run.Clear();
  EXPECT_TRUE(run.empty());

  MessageRecord second = Sample("b", 1);
  const char* second_buffer = second.sender.data();
  run.Append(std::move(second));
  ASSERT_EQ(1u, run.size());
  EXPECT_EQ(second_buffer, run[0].sender.data());
  EXPECT_EQ("sender-b@example.org", run[0].sender);
  ASSERT_EQ(1u, run[0].recipients.size());  // not three
  EXPECT_EQ("rcpt0-b@example.com", run[0].recipients[0].address);
  EXPECT_EQ(1001, run[0].size);
  // The caller's record is now the slot's old one, buffers and all.
  EXPECT_EQ(sender_buffer, second.sender.data());
  EXPECT_EQ(3u, second.recipients.size());

  // A slot never used before: the caller's record is left empty.
  MessageRecord third = Sample("c", 2);
  run.Append(std::move(third));
  ASSERT_EQ(2u, run.size());
  EXPECT_EQ("sender-c@example.org", run[1].sender);
  EXPECT_EQ(2u, run[1].recipients.size());
}

}  // namespace
}  // namespace mailgauge::analyzer
