// Event::Clear() must leave exactly what a default-constructed Event holds,
// whatever the event held before, DaemonFromName must know every name, and
// a packed Event must unpack to the same bytes.
#include "parsers/postfix/event.h"

#include <cstdint>
#include <cstring>
#include <new>
#include <random>
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

TEST(EventTest, CommandSuccessesReadsDisconnectStatistics) {
  const std::string_view stats = "ehlo=1 mail=2 rcpt=2 data=1/2 rset=1 quit=1 commands=8/9";
  EXPECT_EQ(1, CommandSuccesses(stats, "data"));
  EXPECT_EQ(2, CommandSuccesses(stats, "mail"));
  EXPECT_EQ(8, CommandSuccesses(stats, "commands"));
  EXPECT_EQ(0, CommandSuccesses(stats, "bdat"));   // not listed
  EXPECT_EQ(0, CommandSuccesses(stats, "dat"));    // a prefix of a name is not the name
  EXPECT_EQ(0, CommandSuccesses("ehlo=1 mail=1 rcpt=1 data=0/1 commands=3/4", "data"));
  EXPECT_EQ(3, CommandSuccesses("bdat=3", "bdat"));
  EXPECT_EQ(0, CommandSuccesses("", "data"));
  EXPECT_EQ(0, CommandSuccesses("data=", "data"));
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

// Packs `e` and unpacks it with `unpacker`; the result must be `e` byte for
// byte, in `words` words.
void ExpectRoundTrip(const Event& e, size_t words, EventUnpacker* unpacker) {
  uint64_t packed[kMaxPackedEventWords + 1];
  packed[kMaxPackedEventWords] = 0x5A5A5A5A5A5A5A5A;  // must stay untouched
  ASSERT_EQ(words, PackEvent(e, packed));
  EXPECT_EQ(0x5A5A5A5A5A5A5A5Au, packed[kMaxPackedEventWords]);
  // The other CPUs' way packs the same words.
  uint64_t portable[kMaxPackedEventWords];
  ASSERT_EQ(words, internal::PackEventPortable(e, portable));
  EXPECT_EQ(0, std::memcmp(packed, portable, words * sizeof(uint64_t)));
  size_t read = 0;
  const Event& back = unpacker->Unpack(packed, &read);
  EXPECT_EQ(words, read);
  EXPECT_EQ(0, std::memcmp(&e, &back, sizeof(Event)));
}

TEST(PackedEventTest, AClearedEventIsItsMaskAlone) {
  Event e;
  e.Clear();
  EventUnpacker unpacker;
  ExpectRoundTrip(e, kEventMaskWords, &unpacker);
}

TEST(PackedEventTest, APackedEventKeepsEveryFieldSet) {
  Event e;
  e.Clear();
  static const char kText[] = "A1B2C3: to=<a@example.org>";
  e.kind = EventKind::kDelivery;
  e.daemon = Daemon::kSmtp;
  e.queue_id = std::string_view(kText, 6);
  e.to = std::string_view(kText + 12, 13);
  e.delivery_status = DeliveryStatus::kSent;
  e.delays = {0.5, 0, 0.25, 1};
  e.size = 0;  // differs from the cleared -1
  e.count = int64_t{1} << 31;
  uint64_t packed[kMaxPackedEventWords];
  const size_t words = PackEvent(e, packed);
  EXPECT_LT(words, kEventWords / 3);
  EventUnpacker unpacker;
  const Event& back = unpacker.Unpack(packed);
  EXPECT_EQ(EventKind::kDelivery, back.kind);
  EXPECT_EQ(Daemon::kSmtp, back.daemon);
  EXPECT_EQ(kText, back.queue_id.data());
  EXPECT_EQ("A1B2C3", back.queue_id);
  EXPECT_EQ("a@example.org", back.to);
  EXPECT_EQ(0.25, back.delays.conn_setup);
  EXPECT_EQ(0, back.size);
  EXPECT_EQ(-1, back.nrcpt);
  EXPECT_EQ(int64_t{1} << 31, back.count);
  EXPECT_EQ(0, std::memcmp(&back, &e, sizeof(Event)));

  // The next Event sets other fields: the ones this one set are reset.
  Event next;
  next.Clear();
  next.kind = EventKind::kConnect;
  next.client_name = "mx.example.org";
  ExpectRoundTrip(next, kEventMaskWords + 3, &unpacker);
  EXPECT_TRUE(unpacker.Unpack(packed).to == "a@example.org");
}

TEST(PackedEventTest, AnyWordsRoundTrip) {
  // Events whose words are, each, the cleared value or random bits, with
  // every share of words set from none to all, unpacked one after another
  // by one unpacker: each packs into its mask and exactly the words that
  // differ, and unpacks to itself whatever the one before set.
  Event cleared;
  cleared.Clear();
  uint64_t cleared_words[kEventWords];
  std::memcpy(cleared_words, &cleared, sizeof(Event));
  std::mt19937_64 rng(7);
  EventUnpacker unpacker;
  for (int round = 0; round < 5000; ++round) {
    const uint64_t per_64 = rng() % 65;  // chance of a word differing, in 64ths
    uint64_t words[kEventWords];
    size_t differing = 0;
    for (size_t i = 0; i < kEventWords; ++i) {
      words[i] = cleared_words[i];
      if (rng() % 64 < per_64) words[i] = rng();
      differing += words[i] != cleared_words[i];
    }
    alignas(Event) unsigned char bytes[sizeof(Event)];
    std::memcpy(bytes, words, sizeof(Event));
    ExpectRoundTrip(*reinterpret_cast<const Event*>(bytes), kEventMaskWords + differing,
                    &unpacker);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace mailgauge::parsers
