#include "refmta/postsuper.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mailgauge::refmta {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

class PostsuperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string spool = absl::StrCat(testing::TempDir(), "/postsuper_", getpid(), "_", n_++);
    ASSERT_EQ(0, system(absl::StrCat("rm -rf '", spool, "'").c_str()));
    queue_ = *Queue::Open(spool, false);
    log_ = std::make_unique<PostfixLogWriter>(PostfixLogOptions{}, [this](const std::string& l) {
      lines_.push_back(l.substr(l.find("postfix/")));
    });
    ledger_ = std::make_unique<Ledger>([this](const std::string& l) { ledger_lines_.push_back(l); });
  }
  std::string Add(QueueName q) {
    Envelope env;
    env.sender = "a@example.com";
    env.recipients = {{"b@example.com"}, {"c@example.com"}};
    env.recipients[1].state = RecipientState::kDelivered;
    return *queue_->Enqueue(q, env, "Subject: x\n\nbody\n");
  }
  absl::StatusOr<int> Run(PostsuperAction a, std::vector<std::string> ids,
                          absl::optional<QueueName> q = absl::nullopt) {
    return RunPostsuper(queue_.get(), log_.get(), ledger_.get(), 42, a, ids, q);
  }
  static int n_;
  std::unique_ptr<Queue> queue_;
  std::unique_ptr<PostfixLogWriter> log_;
  std::unique_ptr<Ledger> ledger_;
  std::vector<std::string> lines_;
  std::vector<std::string> ledger_lines_;
};
int PostsuperTest::n_ = 0;

TEST_F(PostsuperTest, DeleteOneAndAll) {
  std::string a = Add(QueueName::kDeferred);
  std::string b = Add(QueueName::kIncoming);
  std::string c = Add(QueueName::kHold);
  EXPECT_EQ(1, *Run(PostsuperAction::kDelete, {a}));
  EXPECT_THAT(lines_, ElementsAre("postfix/postsuper[42]: " + a + ": removed\n",
                                  "postfix/postsuper[42]: Deleted: 1 message\n"));
  ASSERT_THAT(ledger_lines_, SizeIs(1));  // only the undelivered recipient
  lines_.clear();
  EXPECT_EQ(2, *Run(PostsuperAction::kDelete, {"ALL"}));
  EXPECT_EQ("postfix/postsuper[42]: Deleted: 2 messages\n", lines_.back());
  EXPECT_TRUE(absl::IsNotFound(queue_->Locate(b).status()));
  EXPECT_TRUE(absl::IsNotFound(queue_->Locate(c).status()));
  lines_.clear();
  EXPECT_EQ(0, *Run(PostsuperAction::kDelete, {"ALL"}));
  EXPECT_THAT(lines_, IsEmpty());
  EXPECT_FALSE(Run(PostsuperAction::kDelete, {"../x"}).ok());
}

TEST_F(PostsuperTest, HoldReleaseRequeue) {
  std::string a = Add(QueueName::kDeferred);
  std::string b = Add(QueueName::kIncoming);
  EXPECT_EQ(1, *Run(PostsuperAction::kHold, {"ALL"}, QueueName::kDeferred));
  EXPECT_EQ(QueueName::kHold, queue_->Locate(a).value());
  EXPECT_EQ(QueueName::kIncoming, queue_->Locate(b).value());
  EXPECT_EQ(1, *Run(PostsuperAction::kRelease, {a}));
  EXPECT_EQ(QueueName::kDeferred, queue_->Locate(a).value());
  EXPECT_EQ(0, queue_->Read(QueueName::kDeferred, a)->envelope.next_retry_micros);
  EXPECT_EQ(1, *Run(PostsuperAction::kRequeue, {a}));
  EXPECT_TRUE(absl::IsNotFound(queue_->Locate(a).status()));
  auto dropped = queue_->List(QueueName::kMaildrop).value();
  ASSERT_THAT(dropped, SizeIs(1));
  auto file = queue_->Read(QueueName::kMaildrop, dropped[0]);
  ASSERT_THAT(file->envelope.recipients, SizeIs(1));  // the delivered one is not requeued
  EXPECT_EQ("b@example.com", file->envelope.recipients[0].address);
  EXPECT_THAT(lines_, ElementsAre("postfix/postsuper[42]: " + a + ": placed on hold\n",
                                  "postfix/postsuper[42]: Placed on hold: 1 message\n",
                                  "postfix/postsuper[42]: " + a + ": released from hold\n",
                                  "postfix/postsuper[42]: Released from hold: 1 message\n",
                                  "postfix/postsuper[42]: " + a + ": requeued\n",
                                  "postfix/postsuper[42]: Requeued: 1 message\n"));
}

}  // namespace
}  // namespace mailgauge::refmta
