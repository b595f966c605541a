// Event::Clear() must leave exactly what a default-constructed Event holds,
// whatever the event held before, and DaemonFromName must know every name.
#include "parsers/postfix/event.h"

#include <cstring>
#include <new>
#include <string>

#include "gtest/gtest.h"

namespace mailgauge::parsers {
namespace {

TEST(EventTest, ClearEqualsADefaultEvent) {
  // Both events live in buffers whose padding is known, so the bytes can
  // be compared: the default one in zeroed memory, the cleared one in memory
  // full of garbage, with every field then set to something.
  alignas(Event) unsigned char expected_bytes[sizeof(Event)];
  std::memset(expected_bytes, 0, sizeof expected_bytes);
  const Event* expected = new (expected_bytes) Event();

  alignas(Event) unsigned char observed_bytes[sizeof(Event)];
  std::memset(observed_bytes, 0xA5, sizeof observed_bytes);
  Event* observed = new (observed_bytes) Event();
  static const char kText[] = "x";
  observed->kind = EventKind::kDelivery;
  observed->daemon = Daemon::kSmtp;
  observed->queue_id = observed->to = observed->relay = observed->action = kText;
  observed->delivery_status = DeliveryStatus::kSent;
  observed->has_delivery_problem = true;
  observed->delivery_problem = DeliveryProblem::kOther;
  observed->reject_stage = RejectStage::kRcpt;
  observed->delay = 1;
  observed->delays = {1, 2, 3, 4};
  observed->reply_code = 250;
  observed->size = observed->nrcpt = observed->count = 7;
  observed->Clear();

  EXPECT_EQ(0, std::memcmp(expected, observed, sizeof(Event)));
  EXPECT_EQ(-1, observed->delay);
  EXPECT_EQ(-1, observed->delays.transmission);
  EXPECT_EQ(nullptr, observed->queue_id.data());
  EXPECT_EQ(EventKind::kUnknown, observed->kind);
  EXPECT_FALSE(observed->has_delivery_problem);
}

TEST(EventTest, DaemonFromNameKnowsEveryNameAndNothingElse) {
  for (int d = static_cast<int>(Daemon::kSmtpd); d < static_cast<int>(Daemon::kOther); ++d) {
    const Daemon daemon = static_cast<Daemon>(d);
    EXPECT_EQ(daemon, DaemonFromName(DaemonName(daemon))) << DaemonName(daemon);
  }
  EXPECT_EQ(Daemon::kQmgr, DaemonFromName("nqmgr"));
  EXPECT_EQ("unknown", DaemonName(Daemon::kUnknown));
  EXPECT_EQ("other", DaemonName(Daemon::kOther));
  EXPECT_EQ("qmgr", DaemonName(Daemon::kQmgr));
  EXPECT_EQ("bounce", DaemonName(Daemon::kBounce));
  EXPECT_EQ(Daemon::kQmgr, DaemonFromName("oqmgr"));
  EXPECT_EQ(Daemon::kBounce, DaemonFromName("defer"));
  EXPECT_EQ(Daemon::kBounce, DaemonFromName("trace"));
  EXPECT_EQ(Daemon::kError, DaemonFromName("retry"));
  EXPECT_EQ(Daemon::kPostlog, DaemonFromName("postlogd"));
  EXPECT_EQ(Daemon::kPolicySpf, DaemonFromName("policyd-spf"));
  EXPECT_EQ(Daemon::kOther, DaemonFromName(""));
  EXPECT_EQ(Daemon::kOther, DaemonFromName("smtp_"));
  EXPECT_EQ(Daemon::kOther, DaemonFromName("s"));
  EXPECT_EQ(Daemon::kOther, DaemonFromName(std::string(31, 's')));
  EXPECT_EQ(Daemon::kOther, DaemonFromName(std::string(300, 's')));
  EXPECT_EQ(Daemon::kOther, DaemonFromName("smtpdx"));
  EXPECT_EQ(Daemon::kOther, DaemonFromName("Smtpd"));
  EXPECT_EQ(Daemon::kOther, DaemonFromName("dovecot"));
}

}  // namespace
}  // namespace mailgauge::parsers
