#include "refmta/queue.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "refmta/queue_id.h"

namespace mailgauge::refmta {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string FreshSpool(const std::string& name) {
  std::string dir = absl::StrCat(testing::TempDir(), "/", name, "_", getpid());
  std::string cmd = absl::StrCat("rm -rf '", dir, "'");
  EXPECT_EQ(0, system(cmd.c_str()));
  return dir;
}

Envelope SampleEnvelope() {
  Envelope env;
  env.sender = "alice@example.com";
  env.recipients = {{"bob@example.com"}, {"carol@example.org"}};
  env.origin = "smtpd";
  env.client_name = "unknown";
  env.client_addr = "127.0.0.5";
  env.helo_name = "client.example";
  env.protocol = "ESMTP";
  env.message_id = "<1@example.com>";
  return env;
}

const absl::Time kNow = absl::FromUnixMicros(int64_t{1795625889} * 1000000 + 123456);

TEST(QueueTest, CreatesPostfixQueueDirectories) {
  std::string spool = FreshSpool("dirs");
  auto q = Queue::Open(spool, false);
  ASSERT_TRUE(q.ok()) << q.status();
  for (const char* d : {"maildrop", "incoming", "active", "deferred", "hold"}) {
    struct stat st;
    ASSERT_EQ(0, stat(absl::StrCat(spool, "/", d).c_str(), &st)) << d;
    EXPECT_TRUE(S_ISDIR(st.st_mode));
  }
}

TEST(QueueTest, EnqueueAssignsShortIdFromMicrosAndRoundTrips) {
  auto q = Queue::Open(FreshSpool("short"), false);
  ASSERT_TRUE(q.ok());
  std::string message = "Subject: hi\n\nbody\n.\nmore\n";
  auto id = (*q)->Enqueue(QueueName::kIncoming, SampleEnvelope(), message, kNow);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_TRUE(IsShortQueueId(*id)) << *id;
  EXPECT_EQ(11u, id->size()) << *id;
  EXPECT_EQ("1E240", id->substr(0, 5));  // 123456 microseconds in hex
  auto file = (*q)->Read(QueueName::kIncoming, *id);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(*id, file->envelope.queue_id);
  EXPECT_EQ(message, file->message);
  EXPECT_EQ("alice@example.com", file->envelope.sender);
  EXPECT_EQ(absl::ToUnixMicros(kNow), file->envelope.arrival_micros);
  ASSERT_EQ(2u, file->envelope.recipients.size());
  EXPECT_EQ("carol@example.org", file->envelope.recipients[1].address);
  EXPECT_EQ(RecipientState::kPending, file->envelope.recipients[1].state);
  EXPECT_EQ("127.0.0.5", file->envelope.client_addr);
}

TEST(QueueTest, LongIdsAndUniquenessWithinOneMicrosecond) {
  auto q = Queue::Open(FreshSpool("long"), true);
  ASSERT_TRUE(q.ok());
  std::set<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    auto id = (*q)->Enqueue(QueueName::kIncoming, SampleEnvelope(), "x\n", kNow);
    ASSERT_TRUE(id.ok()) << id.status();
    EXPECT_TRUE(IsLongQueueId(*id)) << *id;
    ids.insert(*id);
  }
  EXPECT_EQ(50u, ids.size());
  auto listed = (*q)->List(QueueName::kIncoming);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(50u, listed->size());
}

TEST(QueueTest, MoveUpdateLocateRemove) {
  auto q = Queue::Open(FreshSpool("move"), false);
  ASSERT_TRUE(q.ok());
  auto id = (*q)->Enqueue(QueueName::kIncoming, SampleEnvelope(), "x\n", kNow);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE((*q)->Move(*id, QueueName::kIncoming, QueueName::kActive).ok());
  EXPECT_EQ(QueueName::kActive, *(*q)->Locate(*id));
  EXPECT_TRUE(absl::IsNotFound((*q)->Read(QueueName::kIncoming, *id).status()));
  EXPECT_TRUE(absl::IsNotFound((*q)->Move(*id, QueueName::kIncoming, QueueName::kHold)));

  auto file = (*q)->Read(QueueName::kActive, *id);
  ASSERT_TRUE(file.ok());
  Envelope env = file->envelope;
  env.recipients[0].state = RecipientState::kDelivered;
  env.recipients[1].state = RecipientState::kDeferred;
  env.recipients[1].delay_reason = "connect to mx.example.org[127.0.0.9]:25: Connection refused";
  env.attempts = 1;
  ASSERT_TRUE((*q)->UpdateEnvelope(QueueName::kActive, env).ok());
  ASSERT_TRUE((*q)->Move(*id, QueueName::kActive, QueueName::kDeferred).ok());
  auto again = (*q)->Read(QueueName::kDeferred, *id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(1, again->envelope.attempts);
  EXPECT_EQ(RecipientState::kDeferred, again->envelope.recipients[1].state);
  EXPECT_EQ("x\n", again->message);

  ASSERT_TRUE((*q)->Remove(QueueName::kDeferred, *id).ok());
  EXPECT_TRUE(absl::IsNotFound((*q)->Locate(*id).status()));
  EXPECT_TRUE(absl::IsNotFound((*q)->Remove(QueueName::kDeferred, *id)));
  EXPECT_EQ(absl::StatusCode::kInvalidArgument,
            (*q)->Read(QueueName::kActive, "../etc/passwd").status().code());
}

TEST(QueueTest, CorruptAndTruncatedFilesAreDataLoss) {
  std::string spool = FreshSpool("corrupt");
  auto q = Queue::Open(spool, false);
  ASSERT_TRUE(q.ok());
  auto id = (*q)->Enqueue(QueueName::kIncoming, SampleEnvelope(), "hello\n", kNow);
  ASSERT_TRUE(id.ok());
  std::string path = absl::StrCat(spool, "/incoming/", *id);
  ASSERT_EQ(0, truncate(path.c_str(), 40));
  EXPECT_EQ(absl::StatusCode::kDataLoss, (*q)->Read(QueueName::kIncoming, *id).status().code());
  std::ofstream(path, std::ios::trunc) << "garbage";
  EXPECT_EQ(absl::StatusCode::kDataLoss, (*q)->Read(QueueName::kIncoming, *id).status().code());

  std::string good = SerializeQueueFile(SampleEnvelope(), "m\n");
  EXPECT_TRUE(ParseQueueFile(good, "x").ok());
  std::string bad_trailer = good.substr(0, good.size() - 4) + "EOF\n";
  EXPECT_EQ(absl::StatusCode::kDataLoss, ParseQueueFile(bad_trailer, "x").status().code());
}

TEST(QueueTest, OpenRemovesTemporaryFilesLeftByACrash) {
  std::string spool = FreshSpool("crash");
  ASSERT_TRUE(Queue::Open(spool, false).ok());
  std::string temp = spool + "/incoming/.tmp.999.1";
  std::ofstream(temp) << "half written";
  auto q = Queue::Open(spool, false);
  ASSERT_TRUE(q.ok());
  EXPECT_NE(0, access(temp.c_str(), F_OK));
  EXPECT_THAT(*(*q)->List(QueueName::kIncoming), IsEmpty());
}

TEST(QueueTest, ClientsOpeningTheQueueLeaveTheServersFilesInProgress) {
  // sendmail, postqueue and postsuper open the queue while serve runs: they
  // must not take the server's half-written files for a crash's leftovers.
  std::string spool = FreshSpool("client_open");
  ASSERT_TRUE(Queue::Open(spool, false).ok());
  std::string temp = spool + "/incoming/.tmp.999.1";
  std::ofstream(temp) << "being written by the server";
  auto q = Queue::Open(spool, false, /*remove_stale=*/false);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(0, access(temp.c_str(), F_OK));
}

// A damaged queue file (here a truncated one, as a forward once left in
// incoming/) is skipped with a warning: postqueue -j and mailq print the
// rest of the queue instead of failing on every run.
TEST(QueueTest, ListingSkipsADamagedQueueFile) {
  const std::string spool = FreshSpool("damaged");
  auto q = Queue::Open(spool, false);
  ASSERT_TRUE(q.ok());
  auto good = (*q)->Enqueue(QueueName::kDeferred, SampleEnvelope(), "hello\n", kNow);
  ASSERT_TRUE(good.ok());
  auto bad = (*q)->Enqueue(QueueName::kIncoming, SampleEnvelope(), "world\n", kNow);
  ASSERT_TRUE(bad.ok());
  const std::string bad_path = absl::StrCat(spool, "/incoming/", *bad);
  struct stat st;
  ASSERT_EQ(0, stat(bad_path.c_str(), &st));
  ASSERT_EQ(0, truncate(bad_path.c_str(), st.st_size - 3));

  std::vector<std::string> skipped;
  auto json = (*q)->PostqueueJson(&skipped);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_THAT(*json, HasSubstr(*good));
  EXPECT_THAT(*json, ::testing::Not(HasSubstr(*bad)));
  ASSERT_EQ(1u, skipped.size());
  EXPECT_THAT(skipped[0], HasSubstr(absl::StrCat("incoming/", *bad, ": ")));
  EXPECT_THAT(skipped[0], HasSubstr("truncated or wrong size"));

  skipped.clear();
  auto text = (*q)->Mailq(absl::UTCTimeZone(), &skipped);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_THAT(*text, HasSubstr(*good));
  EXPECT_EQ(1u, skipped.size());
  // Without a place for warnings the listing still succeeds.
  EXPECT_TRUE((*q)->PostqueueJson().ok());
}

TEST(QueueTest, PostqueueJsonMatchesPostfixShape) {
  auto q = Queue::Open(FreshSpool("json"), false);
  ASSERT_TRUE(q.ok());
  Envelope env = SampleEnvelope();
  env.recipients[0].state = RecipientState::kDelivered;  // not listed any more
  env.recipients[1].state = RecipientState::kDeferred;
  env.recipients[1].delay_reason = "host said \"no\"\tnow";
  auto id = (*q)->Enqueue(QueueName::kDeferred, env, "0123456789\n", kNow);
  ASSERT_TRUE(id.ok());
  Envelope bounce;
  bounce.recipients = {{"alice@example.com"}};
  auto id2 = (*q)->Enqueue(QueueName::kHold, bounce, "x\n", kNow + absl::Seconds(1));
  ASSERT_TRUE(id2.ok());
  auto json = (*q)->PostqueueJson();
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(absl::StrCat(
                "{\"queue_name\": \"deferred\", \"queue_id\": \"", *id,
                "\", \"arrival_time\": 1795625889, \"message_size\": 11, "
                "\"forced_expire\": false, \"sender\": \"alice@example.com\", "
                "\"recipients\": [{\"address\": \"carol@example.org\", "
                "\"delay_reason\": \"host said \\\"no\\\"\\tnow\"}]}\n"
                "{\"queue_name\": \"hold\", \"queue_id\": \"",
                *id2,
                "\", \"arrival_time\": 1795625890, \"message_size\": 2, "
                "\"forced_expire\": false, \"sender\": \"MAILER-DAEMON\", "
                "\"recipients\": [{\"address\": \"alice@example.com\"}]}\n"),
            *json);
}

TEST(QueueTest, MailqMatchesPostfixLayout) {
  auto q = Queue::Open(FreshSpool("mailq"), false);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ("Mail queue is empty\n", *(*q)->Mailq(absl::UTCTimeZone()));
  Envelope env = SampleEnvelope();
  env.recipients[0].state = RecipientState::kDeferred;
  env.recipients[0].delay_reason = "connect to example.com[127.0.0.9]:25: Connection refused";
  env.recipients[1].state = RecipientState::kDeferred;
  env.recipients[1].delay_reason = env.recipients[0].delay_reason;
  std::string message(2048, 'x');
  auto id = (*q)->Enqueue(QueueName::kActive, env, message,
                          absl::FromUnixSeconds(1794899889));  // 2026-11-17 07:18:09 UTC
  ASSERT_TRUE(id.ok());
  auto text = (*q)->Mailq(absl::UTCTimeZone());
  ASSERT_TRUE(text.ok());
  std::string reason = env.recipients[0].delay_reason;
  std::string expected = absl::StrCat(
      "-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n",
      *id, "*", std::string(std::max<int>(0, 11 - static_cast<int>(id->size()) - 1), ' '),
      "    2048 Tue Nov 17 07:18:09  alice@example.com\n",
      std::string(76 - reason.size(), ' '), "(", reason, ")\n",
      std::string(41, ' '), "bob@example.com\n",
      std::string(41, ' '), "carol@example.org\n",
      "\n-- 2 Kbytes in 1 Request.\n");
  EXPECT_EQ(expected, *text);
}

TEST(QueueTest, MailqLongFormAndHoldMarker) {
  auto q = Queue::Open(FreshSpool("mailq_long"), true);
  ASSERT_TRUE(q.ok());
  Envelope env = SampleEnvelope();
  env.recipients.resize(1);
  auto id = (*q)->Enqueue(QueueName::kHold, env, "x\n", absl::FromUnixSeconds(1794899889));
  ASSERT_TRUE(id.ok());
  auto text = (*q)->Mailq(absl::UTCTimeZone());
  ASSERT_TRUE(text.ok());
  EXPECT_THAT(*text, HasSubstr("----Queue ID----- --Size-- ---Arrival Time---- "
                               "--Sender/Recipient------\n"));
  std::string id_status = *id + "!";
  EXPECT_THAT(*text, HasSubstr(absl::StrCat(id_status, std::string(17 - id_status.size(), ' '),
                                            "        2 Tue Nov 17 07:18:09 alice@example.com\n")));
  // No "(reason)" line when no recipient has a reason (showq_compat.c).
  EXPECT_THAT(*text, ::testing::Not(HasSubstr("(")));
  EXPECT_THAT(*text, HasSubstr("\n-- 0 Kbytes in 1 Request.\n"));
}

TEST(QueueTest, ReserveThenCommitOrAbandon) {
  std::string spool = FreshSpool("reserve");
  auto q = Queue::Open(spool, false);
  ASSERT_TRUE(q.ok());
  auto id = (*q)->Reserve(QueueName::kIncoming, kNow);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_TRUE(IsShortQueueId(*id));
  // The reservation file exists on disk but is not listed.
  EXPECT_EQ(0, access(absl::StrCat(spool, "/incoming/", *id).c_str(), F_OK));
  EXPECT_THAT(*(*q)->List(QueueName::kIncoming), IsEmpty());
  // A second reservation in the same microsecond gets another ID.
  auto id2 = (*q)->Reserve(QueueName::kIncoming, kNow);
  ASSERT_TRUE(id2.ok());
  EXPECT_NE(*id, *id2);

  Envelope env = SampleEnvelope();
  env.queue_id = *id;
  env.arrival_micros = absl::ToUnixMicros(kNow);
  ASSERT_TRUE((*q)->Commit(QueueName::kIncoming, QueueName::kHold, env, "m\n").ok());
  EXPECT_EQ(QueueName::kHold, *(*q)->Locate(*id));
  EXPECT_EQ(absl::StatusCode::kNotFound,
            (*q)->Commit(QueueName::kIncoming, QueueName::kIncoming, env, "m\n").code());
  ASSERT_TRUE((*q)->Remove(QueueName::kIncoming, *id2).ok());
  EXPECT_THAT(*(*q)->List(QueueName::kHold), ElementsAre(*id));
}

TEST(QueueTest, OpenDropsReservationsOfUnfinishedMessages) {
  std::string spool = FreshSpool("reservation");
  {
    auto q = Queue::Open(spool, false);
    ASSERT_TRUE(q.ok());
    ASSERT_TRUE((*q)->Reserve(QueueName::kIncoming, kNow).ok());
  }
  auto q = Queue::Open(spool, false);
  ASSERT_TRUE(q.ok());
  auto reserved_again = (*q)->Reserve(QueueName::kIncoming, kNow);
  ASSERT_TRUE(reserved_again.ok());
  ASSERT_TRUE((*q)->Remove(QueueName::kIncoming, *reserved_again).ok());
  std::string cmd = absl::StrCat("test -z \"$(ls -A ", spool, "/incoming)\"");
  EXPECT_EQ(0, system(cmd.c_str()));
}

TEST(QueueTest, MailqShowsReasonUnavailableAfterAReason) {
  auto q = Queue::Open(FreshSpool("mailq_reason"), false);
  ASSERT_TRUE(q.ok());
  Envelope env = SampleEnvelope();
  env.recipients[0].delay_reason = "mailbox full";
  ASSERT_TRUE((*q)->Enqueue(QueueName::kDeferred, env, "x\n", kNow).ok());
  auto text = (*q)->Mailq(absl::UTCTimeZone());
  ASSERT_TRUE(text.ok());
  EXPECT_THAT(*text, HasSubstr(std::string(76 - 12, ' ') + "(mailbox full)\n" +
                               std::string(41, ' ') + "bob@example.com\n" +
                               std::string(76 - 18, ' ') + "(reason unavailable)\n" +
                               std::string(41, ' ') + "carol@example.org\n"));
}

}  // namespace
}  // namespace mailgauge::refmta
