// Correlator tests, fed with real-looking Postfix log lines through LogInput
// (so the envelope parser and the pattern tables take part).
#include "analyzer/correlator.h"

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "analyzer/log_input.h"
#include "analyzer/records_json.h"
#include "gtest/gtest.h"

namespace mailgauge::analyzer {
namespace {

struct Outcome {
  std::vector<MessageRecord> records;
  CorrelatorStats stats;
  LogInputStats input;
};

// A correlator fed line by line through LogInput (year 2026, UTC), for tests
// that act between lines: advance the clock, save and restore the state
// (Replace swaps in a new correlator that feeds the same records).
class LiveRun {
 public:
  explicit LiveRun(CorrelatorOptions options = CorrelatorOptions())
      : options_(options), correlator_(NewCorrelator()) {
    LogInputOptions input_options;
    input_options.envelope.year = 2026;
    input_options.envelope.time_zone = absl::UTCTimeZone();
    auto input = LogInput::Create(input_options,
                                  [this](const LogLine& l, const parsers::Event& e) {
                                    correlator_->Add(l, e);
                                  });
    EXPECT_TRUE(input.ok()) << input.status();
    if (input.ok()) input_ = std::move(*input);
  }

  void Feed(const std::string& line) { input_->ProcessLine(line); }
  void Feed(const std::vector<std::string>& lines) {
    for (const std::string& line : lines) Feed(line);
  }
  Correlator& correlator() { return *correlator_; }
  LogInput& input() { return *input_; }
  const std::vector<MessageRecord>& records() const { return records_; }
  // A fresh correlator (same options, same records) in place of the current.
  Correlator& Replace() {
    correlator_ = NewCorrelator();
    return *correlator_;
  }

 private:
  std::unique_ptr<Correlator> NewCorrelator() {
    return std::make_unique<Correlator>(
        options_, [this](MessageRecord&& m) { records_.push_back(std::move(m)); });
  }

  std::vector<MessageRecord> records_;
  CorrelatorOptions options_;
  std::unique_ptr<Correlator> correlator_;
  std::unique_ptr<LogInput> input_;
};

Outcome Correlate(const std::vector<std::string>& lines,
              CorrelatorOptions options = CorrelatorOptions(),
              bool include_unfinished = false) {
  LiveRun live(options);
  live.Feed(lines);
  live.correlator().Finish(include_unfinished);
  Outcome run;
  run.records = live.records();
  run.stats = live.correlator().stats();
  run.input = live.input().stats();
  EXPECT_EQ(0u, run.input.unparsed_lines()) << "a test line was not understood";
  return run;
}

const MessageRecord* ByQueueId(const Outcome& run, const std::string& qid) {
  for (const MessageRecord& m : run.records) {
    if (std::find(m.queue_ids.begin(), m.queue_ids.end(), qid) != m.queue_ids.end()) {
      return &m;
    }
  }
  return nullptr;
}

const std::vector<std::string> kLocalDelivery = {
    "Nov 25 10:14:00 mx postfix/smtpd[100]: connect from client.example.org[192.0.2.10]",
    "Nov 25 10:14:01 mx postfix/smtpd[100]: 4B0C72A1F3: client=client.example.org[192.0.2.10]",
    "Nov 25 10:14:01 mx postfix/cleanup[101]: 4B0C72A1F3: message-id=<m1@example.org>",
    "Nov 25 10:14:01 mx postfix/qmgr[102]: 4B0C72A1F3: from=<alice@example.org>, size=1234, nrcpt=1 (queue active)",
    "Nov 25 10:14:01 mx postfix/smtpd[100]: disconnect from client.example.org[192.0.2.10] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5",
    "Nov 25 10:14:02 mx postfix/local[103]: 4B0C72A1F3: to=<bob@mx.example.com>, relay=local, delay=0.52, delays=0.4/0.02/0/0.1, dsn=2.0.0, status=sent (delivered to mailbox)",
    "Nov 25 10:14:02 mx postfix/qmgr[102]: 4B0C72A1F3: removed",
};

TEST(CorrelatorTest, FollowsOneMessageFromClientToRemoved) {
  Outcome run = Correlate(kLocalDelivery);
  ASSERT_EQ(1u, run.records.size());
  const MessageRecord& m = run.records[0];
  EXPECT_EQ(std::vector<std::string>{"4B0C72A1F3"}, m.queue_ids);
  EXPECT_EQ("mx", m.host);
  EXPECT_EQ("postfix", m.instance);
  EXPECT_EQ("smtpd", m.origin);
  EXPECT_EQ("client.example.org", m.client_name);
  EXPECT_EQ("192.0.2.10", m.client_addr);
  EXPECT_EQ("alice@example.org", m.sender);
  EXPECT_EQ(1234, m.size);
  EXPECT_EQ(1, m.nrcpt);
  EXPECT_EQ("m1@example.org", m.message_id);
  EXPECT_TRUE(m.finished);
  EXPECT_EQ("removed", m.end);
  EXPECT_EQ("2026-11-25T10:14:01Z", m.arrival.ToRfc3339());
  EXPECT_EQ("2026-11-25T10:14:02Z", m.completion.ToRfc3339());
  ASSERT_EQ(1u, m.recipients.size());
  const RecipientRecord& r = m.recipients[0];
  EXPECT_EQ("bob@mx.example.com", r.address);
  EXPECT_EQ(RecipientStatus::kSent, r.status);
  EXPECT_EQ("local", r.relay);
  EXPECT_EQ("local", r.transport);
  EXPECT_EQ("2.0.0", r.dsn);
  EXPECT_EQ("delivered to mailbox", r.reply);
  EXPECT_DOUBLE_EQ(0.52, r.delay);
  EXPECT_DOUBLE_EQ(0.4, r.delays.before_qmgr);
  EXPECT_DOUBLE_EQ(0.1, r.delays.transmission);
  EXPECT_EQ(0, r.deferrals);
  EXPECT_EQ(1u, run.stats.records);
}

TEST(CorrelatorTest, CountsDeferralsBeforeTheFinalOutcome) {
  Outcome run = Correlate({
      "Nov 25 10:00:00 mx postfix/pickup[200]: 1A2B3C4D5E: uid=1000 from=<carol>",
      "Nov 25 10:00:00 mx postfix/cleanup[201]: 1A2B3C4D5E: message-id=<m2@mx>",
      "Nov 25 10:00:00 mx postfix/qmgr[202]: 1A2B3C4D5E: from=<carol@mx.example.com>, size=500, nrcpt=1 (queue active)",
      "Nov 25 10:00:05 mx postfix/smtp[203]: 1A2B3C4D5E: to=<dave@remote.test>, relay=remote.test[192.0.2.50]:25, delay=5, delays=0.01/0/5/0, dsn=4.4.1, status=deferred (connect to remote.test[192.0.2.50]:25: Connection refused)",
      "Nov 25 10:05:05 mx postfix/smtp[203]: 1A2B3C4D5E: to=<dave@remote.test>, relay=remote.test[192.0.2.50]:25, delay=305, delays=0.01/300/5/0, dsn=4.4.1, status=deferred (connect to remote.test[192.0.2.50]:25: Connection refused)",
      "Nov 25 10:10:06 mx postfix/smtp[204]: 1A2B3C4D5E: to=<dave@remote.test>, relay=remote.test[192.0.2.50]:25, delay=606, delays=0.01/600/0.5/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 99XYZ)",
      "Nov 25 10:10:06 mx postfix/qmgr[202]: 1A2B3C4D5E: removed",
  });
  ASSERT_EQ(1u, run.records.size());
  const MessageRecord& m = run.records[0];
  EXPECT_EQ("pickup", m.origin);
  EXPECT_EQ("1000", m.uid);
  EXPECT_EQ("carol@mx.example.com", m.sender);
  ASSERT_EQ(1u, m.recipients.size());
  EXPECT_EQ(RecipientStatus::kSent, m.recipients[0].status);
  EXPECT_EQ(2, m.recipients[0].deferrals);
  EXPECT_EQ("", m.recipients[0].reason);
  // "queued as 99XYZ" names a queue the log never shows: not a hop.
  EXPECT_EQ(std::vector<std::string>{"1A2B3C4D5E"}, m.queue_ids);
}

TEST(CorrelatorTest, LinksABounceNoticeToItsParent) {
  Outcome run = Correlate({
      "Nov 25 11:00:00 mx postfix/smtpd[300]: 2C3D4E5F6A: client=out.example.net[198.51.100.7]",
      "Nov 25 11:00:00 mx postfix/cleanup[301]: 2C3D4E5F6A: message-id=<m3@example.net>",
      "Nov 25 11:00:00 mx postfix/qmgr[302]: 2C3D4E5F6A: from=<erin@mx.example.com>, size=900, nrcpt=1 (queue active)",
      "Nov 25 11:00:01 mx postfix/smtp[303]: 2C3D4E5F6A: to=<nobody@remote.test>, relay=remote.test[192.0.2.50]:25, delay=0.9, delays=0.1/0/0.3/0.5, dsn=5.1.1, status=bounced (host remote.test[192.0.2.50] said: 550 5.1.1 <nobody@remote.test>: Recipient address rejected: User unknown (in reply to RCPT TO command))",
      "Nov 25 11:00:01 mx postfix/cleanup[301]: 3D4E5F6A7B: message-id=<20261125110001.3D4E5F6A7B@mx.example.com>",
      "Nov 25 11:00:01 mx postfix/bounce[304]: 2C3D4E5F6A: sender non-delivery notification: 3D4E5F6A7B",
      "Nov 25 11:00:01 mx postfix/qmgr[302]: 2C3D4E5F6A: removed",
      "Nov 25 11:00:01 mx postfix/qmgr[302]: 3D4E5F6A7B: from=<>, size=2900, nrcpt=1 (queue active)",
      "Nov 25 11:00:01 mx postfix/local[305]: 3D4E5F6A7B: to=<erin@mx.example.com>, relay=local, delay=0.01, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)",
      "Nov 25 11:00:01 mx postfix/qmgr[302]: 3D4E5F6A7B: removed",
  });
  ASSERT_EQ(2u, run.records.size());
  const MessageRecord* parent = ByQueueId(run, "2C3D4E5F6A");
  const MessageRecord* notice = ByQueueId(run, "3D4E5F6A7B");
  ASSERT_NE(nullptr, parent);
  ASSERT_NE(nullptr, notice);
  EXPECT_NE(parent, notice);
  ASSERT_EQ(1u, parent->recipients.size());
  EXPECT_EQ(RecipientStatus::kBounced, parent->recipients[0].status);
  EXPECT_EQ("user_unknown", parent->recipients[0].reason);
  EXPECT_EQ(std::vector<std::string>{"3D4E5F6A7B"}, parent->notifications);
  EXPECT_EQ("2C3D4E5F6A", notice->parent_queue_id);
  EXPECT_EQ("non-delivery", notice->notification);
  EXPECT_EQ("notification", notice->origin);
  EXPECT_EQ("", notice->sender);
  EXPECT_TRUE(notice->sender_known);
  EXPECT_EQ(1u, run.stats.notifications);
}

const std::vector<std::string> kContentFilter = {
    "Nov 25 12:00:00 mx postfix/smtpd[400]: 5E6F7A8B9C: client=ext.example.org[203.0.113.5]",
    "Nov 25 12:00:00 mx postfix/cleanup[401]: 5E6F7A8B9C: message-id=<m4@example.org>",
    "Nov 25 12:00:00 mx postfix/qmgr[402]: 5E6F7A8B9C: from=<frank@example.org>, size=4000, nrcpt=2 (queue active)",
    "Nov 25 12:00:01 mx postfix/smtpd[410]: 6F7A8B9C0D: client=localhost[127.0.0.1]",
    "Nov 25 12:00:01 mx postfix/cleanup[401]: 6F7A8B9C0D: message-id=<m4@example.org>",
    "Nov 25 12:00:01 mx postfix/qmgr[402]: 6F7A8B9C0D: from=<frank@example.org>, size=4600, nrcpt=2 (queue active)",
    "Nov 25 12:00:01 mx postfix/smtp[403]: 5E6F7A8B9C: to=<gina@mx.example.com>, relay=127.0.0.1[127.0.0.1]:10024, delay=1.2, delays=0.1/0/0/1.1, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 6F7A8B9C0D)",
    "Nov 25 12:00:01 mx postfix/smtp[403]: 5E6F7A8B9C: to=<hank@mx.example.com>, relay=127.0.0.1[127.0.0.1]:10024, delay=1.2, delays=0.1/0/0/1.1, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 6F7A8B9C0D)",
    "Nov 25 12:00:01 mx postfix/qmgr[402]: 5E6F7A8B9C: removed",
    "Nov 25 12:00:02 mx postfix/local[404]: 6F7A8B9C0D: to=<gina@mx.example.com>, relay=local, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered to mailbox)",
    "Nov 25 12:00:02 mx postfix/local[405]: 6F7A8B9C0D: to=<hank@mx.example.com>, relay=local, delay=0.1, delays=0/0/0/0.1, dsn=5.2.2, status=bounced (cannot update mailbox /var/mail/hank for user hank. error writing message: File too large)",
    "Nov 25 12:00:02 mx postfix/qmgr[402]: 6F7A8B9C0D: removed",
};

TEST(CorrelatorTest, JoinsContentFilterReinjectionIntoOneMessage) {
  Outcome run = Correlate(kContentFilter);
  ASSERT_EQ(1u, run.records.size());
  const MessageRecord& m = run.records[0];
  EXPECT_EQ((std::vector<std::string>{"5E6F7A8B9C", "6F7A8B9C0D"}), m.queue_ids);
  EXPECT_EQ("ext.example.org", m.client_name);  // the first hop's client
  EXPECT_EQ(4000, m.size);
  ASSERT_EQ(2u, m.recipients.size());  // hand-offs replaced by final outcomes
  EXPECT_EQ("gina@mx.example.com", m.recipients[0].address);
  EXPECT_EQ(RecipientStatus::kSent, m.recipients[0].status);
  EXPECT_EQ("local", m.recipients[0].relay);
  EXPECT_EQ("hank@mx.example.com", m.recipients[1].address);
  EXPECT_EQ(RecipientStatus::kBounced, m.recipients[1].status);
  EXPECT_EQ("mailbox_full", m.recipients[1].reason);
  EXPECT_EQ(1u, run.stats.joined_hops);
}

TEST(CorrelatorTest, ADeferralBeforeTheHandOffToAFilterStays) {
  // The filter was down once (deferred), then took the message; the
  // re-injected copy's delivery is the recipient's outcome, and the
  // deferral is still the recipient's.
  std::vector<std::string> lines = kContentFilter;
  lines.insert(lines.begin() + 3,
               "Nov 25 12:00:00 mx postfix/smtp[403]: 5E6F7A8B9C: to=<gina@mx.example.com>, "
               "relay=none, delay=0.1, delays=0/0/0.1/0, dsn=4.4.1, status=deferred (connect to "
               "127.0.0.1[127.0.0.1]:10024: Connection refused)");
  Outcome run = Correlate(lines);
  ASSERT_EQ(1u, run.records.size());
  const MessageRecord& m = run.records[0];
  ASSERT_EQ(2u, m.recipients.size());
  EXPECT_EQ("gina@mx.example.com", m.recipients[0].address);
  EXPECT_EQ(RecipientStatus::kSent, m.recipients[0].status);
  EXPECT_EQ("local", m.recipients[0].relay);
  EXPECT_EQ(1, m.recipients[0].deferrals);
  EXPECT_EQ(0, m.recipients[1].deferrals);
}

TEST(CorrelatorTest, JoinsLocalForwarding) {
  Outcome run = Correlate({
      "Nov 25 13:00:00 mx postfix/smtpd[500]: 7A8B9C0D1E: client=a.example.org[192.0.2.20]",
      "Nov 25 13:00:00 mx postfix/cleanup[501]: 7A8B9C0D1E: message-id=<m5@example.org>",
      "Nov 25 13:00:00 mx postfix/qmgr[502]: 7A8B9C0D1E: from=<ivy@example.org>, size=700, nrcpt=1 (queue active)",
      "Nov 25 13:00:00 mx postfix/cleanup[501]: 8B9C0D1E2F: message-id=<m5@example.org>",
      "Nov 25 13:00:00 mx postfix/qmgr[502]: 8B9C0D1E2F: from=<ivy@example.org>, size=850, nrcpt=2 (queue active)",
      "Nov 25 13:00:00 mx postfix/local[503]: 7A8B9C0D1E: to=<list@mx.example.com>, relay=local, delay=0.05, delays=0.01/0/0/0.04, dsn=2.0.0, status=sent (forwarded as 8B9C0D1E2F)",
      "Nov 25 13:00:00 mx postfix/qmgr[502]: 7A8B9C0D1E: removed",
      "Nov 25 13:00:01 mx postfix/smtp[504]: 8B9C0D1E2F: to=<jack@remote.test>, orig_to=<list@mx.example.com>, relay=remote.test[192.0.2.50]:25, delay=0.9, delays=0/0/0.4/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 12345)",
      "Nov 25 13:00:01 mx postfix/local[505]: 8B9C0D1E2F: to=<kim@mx.example.com>, orig_to=<list@mx.example.com>, relay=local, delay=0.9, delays=0/0/0/0.9, dsn=2.0.0, status=sent (delivered to mailbox)",
      "Nov 25 13:00:01 mx postfix/qmgr[502]: 8B9C0D1E2F: removed",
  });
  ASSERT_EQ(1u, run.records.size());
  const MessageRecord& m = run.records[0];
  EXPECT_EQ((std::vector<std::string>{"7A8B9C0D1E", "8B9C0D1E2F"}), m.queue_ids);
  ASSERT_EQ(2u, m.recipients.size());
  EXPECT_EQ("jack@remote.test", m.recipients[0].address);
  EXPECT_EQ("list@mx.example.com", m.recipients[0].orig_to);
  EXPECT_EQ("kim@mx.example.com", m.recipients[1].address);
  for (const RecipientRecord& r : m.recipients) {
    EXPECT_EQ(RecipientStatus::kSent, r.status);
    EXPECT_EQ("8B9C0D1E2F", r.queue_id);
  }
}

TEST(CorrelatorTest, AReusedQueueIdStartsANewMessage) {
  std::vector<std::string> lines = kLocalDelivery;
  lines.push_back("Nov 25 10:30:00 mx postfix/smtpd[110]: 4B0C72A1F3: client=other.example.org[192.0.2.11]");
  lines.push_back("Nov 25 10:30:00 mx postfix/qmgr[102]: 4B0C72A1F3: from=<zed@example.org>, size=99, nrcpt=1 (queue active)");
  lines.push_back("Nov 25 10:30:01 mx postfix/local[103]: 4B0C72A1F3: to=<bob@mx.example.com>, relay=local, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered to mailbox)");
  lines.push_back("Nov 25 10:30:01 mx postfix/qmgr[102]: 4B0C72A1F3: removed");
  Outcome run = Correlate(lines);
  ASSERT_EQ(2u, run.records.size());
  EXPECT_EQ("alice@example.org", run.records[0].sender);
  EXPECT_EQ("zed@example.org", run.records[1].sender);
  EXPECT_EQ("other.example.org", run.records[1].client_name);
}

TEST(CorrelatorTest, ExpiryDeletionAndHold) {
  Outcome run = Correlate(
      {
          "Nov 25 14:00:00 mx postfix/pickup[600]: 9C0D1E2F3A: uid=0 from=<root>",
          "Nov 25 14:00:00 mx postfix/qmgr[602]: 9C0D1E2F3A: from=<root@mx.example.com>, size=300, nrcpt=1 (queue active)",
          "Nov 25 14:00:01 mx postfix/smtp[603]: 9C0D1E2F3A: to=<x@down.test>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to down.test[192.0.2.99]:25: Connection timed out)",
          "Nov 25 15:00:00 mx postfix/qmgr[602]: 9C0D1E2F3A: from=<root@mx.example.com>, status=expired, returned to sender",
          "Nov 25 15:00:00 mx postfix/qmgr[602]: 9C0D1E2F3A: removed",
          "Nov 25 14:00:00 mx postfix/pickup[600]: 0D1E2F3A4B: uid=0 from=<root>",
          "Nov 25 14:00:00 mx postfix/qmgr[602]: 0D1E2F3A4B: from=<root@mx.example.com>, size=300, nrcpt=1 (queue active)",
          "Nov 25 14:00:01 mx postfix/smtp[603]: 0D1E2F3A4B: to=<y@down.test>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to down.test[192.0.2.99]:25: Connection timed out)",
          "Nov 25 14:10:00 mx postfix/postsuper[700]: 0D1E2F3A4B: removed",
          "Nov 25 14:00:00 mx postfix/pickup[600]: 1E2F3A4B5C: uid=0 from=<root>",
          "Nov 25 14:00:00 mx postfix/qmgr[602]: 1E2F3A4B5C: from=<root@mx.example.com>, size=300, nrcpt=1 (queue active)",
          "Nov 25 14:00:01 mx postfix/smtp[603]: 1E2F3A4B5C: to=<z@down.test>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to down.test[192.0.2.99]:25: Connection timed out)",
          "Nov 25 14:20:00 mx postfix/postsuper[701]: 1E2F3A4B5C: placed on hold",
      },
      CorrelatorOptions(), /*include_unfinished=*/true);
  const MessageRecord* expired = ByQueueId(run, "9C0D1E2F3A");
  const MessageRecord* deleted = ByQueueId(run, "0D1E2F3A4B");
  const MessageRecord* held = ByQueueId(run, "1E2F3A4B5C");
  ASSERT_TRUE(expired && deleted && held);
  EXPECT_EQ(RecipientStatus::kExpired, expired->recipients.at(0).status);
  EXPECT_EQ("expired", expired->end);
  EXPECT_EQ(1, expired->recipients.at(0).deferrals);
  EXPECT_EQ(RecipientStatus::kDeleted, deleted->recipients.at(0).status);
  EXPECT_EQ("deleted", deleted->end);
  EXPECT_EQ(RecipientStatus::kHeld, held->recipients.at(0).status);
  EXPECT_FALSE(held->finished);
  EXPECT_TRUE(held->held);
}

TEST(CorrelatorTest, UnfinishedMessagesArePrintedOnlyOnRequest) {
  const std::vector<std::string> lines = {
      "Nov 25 14:00:00 mx postfix/pickup[600]: 2F3A4B5C6D: uid=0 from=<root>",
      "Nov 25 14:00:00 mx postfix/qmgr[602]: 2F3A4B5C6D: from=<root@mx.example.com>, size=300, nrcpt=1 (queue active)",
      "Nov 25 14:00:01 mx postfix/smtp[603]: 2F3A4B5C6D: to=<z@down.test>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to down.test[192.0.2.99]:25: Connection timed out)",
  };
  EXPECT_EQ(0u, Correlate(lines).records.size());
  EXPECT_EQ(1u, Correlate(lines).stats.unfinished_at_end);
  Outcome with = Correlate(lines, CorrelatorOptions(), true);
  ASSERT_EQ(1u, with.records.size());
  EXPECT_EQ(RecipientStatus::kDeferred, with.records[0].recipients.at(0).status);
  EXPECT_EQ("end_of_input", with.records[0].end);
}

TEST(CorrelatorTest, NoqueueRejectsAreCountedNotMessages) {
  Outcome run = Correlate({
      "Nov 25 15:00:00 mx postfix/smtpd[800]: connect from unknown[203.0.113.66]",
      "Nov 25 15:00:01 mx postfix/smtpd[800]: NOQUEUE: reject: RCPT from unknown[203.0.113.66]: 554 5.7.1 <v@elsewhere.test>: Relay access denied; from=<spam@bad.test> to=<v@elsewhere.test> proto=ESMTP helo=<bad.test>",
      "Nov 25 15:00:01 mx postfix/smtpd[800]: disconnect from unknown[203.0.113.66] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4",
  });
  EXPECT_EQ(0u, run.records.size());
  EXPECT_EQ(1u, run.stats.noqueue_rejects);
  EXPECT_EQ(0u, run.stats.messages);
}

TEST(CorrelatorTest, SameQueueIdOnTwoHostsIsTwoMessages) {
  std::vector<std::string> lines = kLocalDelivery;
  for (const std::string& l : kLocalDelivery) {
    std::string other = l;
    other.replace(other.find(" mx "), 4, " mx2 ");
    lines.push_back(other);
  }
  Outcome run = Correlate(lines);
  ASSERT_EQ(2u, run.records.size());
  EXPECT_NE(run.records[0].host, run.records[1].host);
}

// A message whose first recipient went to a content filter ("queued as
// 6F7A8B9C0D") and whose second is deferred (so it stays in flight), then,
// `seconds` after that reply, another line and the filter's hop: as in a log
// where the hop's lines come late.
std::vector<std::string> LateHop(int seconds) {
  const int at = 1 + seconds;
  const std::string t = absl::StrFormat("Nov 25 12:%02d:%02d", at / 60, at % 60);
  return {
      "Nov 25 12:00:00 mx postfix/smtpd[400]: 5E6F7A8B9C: client=ext.example.org[203.0.113.5]",
      "Nov 25 12:00:00 mx postfix/qmgr[402]: 5E6F7A8B9C: from=<frank@example.org>, size=4000, nrcpt=2 (queue active)",
      "Nov 25 12:00:01 mx postfix/smtp[403]: 5E6F7A8B9C: to=<gina@mx.example.com>, relay=127.0.0.1[127.0.0.1]:10024, delay=1.2, delays=0.1/0/0/1.1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 6F7A8B9C0D)",
      "Nov 25 12:00:01 mx postfix/smtp[403]: 5E6F7A8B9C: to=<hank@remote.test>, relay=none, delay=1.2, delays=0.1/0/1.1/0, dsn=4.4.1, status=deferred (connect to remote.test[192.0.2.50]:25: Connection refused)",
      t + " mx postfix/smtpd[999]: connect from unknown[192.0.2.9]",
      t + " mx postfix/smtpd[410]: 6F7A8B9C0D: client=localhost[127.0.0.1]",
      t + " mx postfix/qmgr[402]: 6F7A8B9C0D: from=<frank@example.org>, size=4600, nrcpt=1 (queue active)",
      t + " mx postfix/local[404]: 6F7A8B9C0D: to=<gina@mx.example.com>, relay=local, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered to mailbox)",
      t + " mx postfix/qmgr[402]: 6F7A8B9C0D: removed",
  };
}

TEST(CorrelatorTest, AHandOffTargetJoinsForAMinuteAfterTheReply) {
  // Hand-offs are remembered for a minute (twice the grace period when
  // that is longer) after the reply, whether or not a sweep has erased
  // them yet: sweeps run every 7.5 s of log time, so 61-67 s lies between
  // the limit and a sweep.
  for (int seconds : {5, 30, 59, 60, 61, 63, 67, 75, 200}) {
    SCOPED_TRACE(seconds);
    const Outcome run = Correlate(LateHop(seconds), CorrelatorOptions(),
                                  /*include_unfinished=*/true);
    EXPECT_EQ(seconds <= 60 ? 1u : 0u, run.stats.joined_hops);
    EXPECT_EQ(seconds <= 60 ? 1u : 2u, run.records.size());
  }
}

TEST(CorrelatorTest, ShuffledLinesGiveTheSameRecords) {
  std::vector<std::string> lines = kContentFilter;
  lines.insert(lines.end(), kLocalDelivery.begin(), kLocalDelivery.end());
  const Outcome ordered = Correlate(lines);
  std::mt19937 rng(42);
  for (int round = 0; round < 20; ++round) {
    std::vector<std::string> shuffled = kContentFilter;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    std::vector<std::string> second = kLocalDelivery;
    std::shuffle(second.begin(), second.end(), rng);
    shuffled.insert(shuffled.end(), second.begin(), second.end());
    const Outcome run = Correlate(shuffled);
    std::string dump;
    for (const std::string& l : shuffled) dump += l + "\n";
    ASSERT_EQ(ordered.records.size(), run.records.size()) << "round " << round << "\n" << dump;
    for (const MessageRecord& want : ordered.records) {
      const MessageRecord* got = ByQueueId(run, want.queue_ids.front());
      ASSERT_NE(nullptr, got) << "round " << round;
      EXPECT_EQ(want.sender, got->sender);
      EXPECT_EQ(want.client_name, got->client_name);
      ASSERT_EQ(want.recipients.size(), got->recipients.size()) << "round " << round;
      for (const RecipientRecord& wr : want.recipients) {
        bool found = false;
        for (const RecipientRecord& gr : got->recipients) {
          if (gr.address == wr.address && gr.status == wr.status) found = true;
        }
        EXPECT_TRUE(found) << wr.address << " round " << round;
      }
    }
  }
}

TEST(CorrelatorTest, MemoryIsBoundedByTheCap) {
  std::vector<std::string> lines;
  for (int i = 0; i < 50; ++i) {
    char qid[16];
    std::snprintf(qid, sizeof qid, "ABCDEF%04X", i);
    lines.push_back(std::string("Nov 25 16:00:00 mx postfix/pickup[1]: ") + qid +
                    ": uid=0 from=<root>");
  }
  CorrelatorOptions options;
  options.max_messages = 10;
  Outcome run = Correlate(lines, options);
  EXPECT_EQ(40u, run.stats.evicted_cap);
  EXPECT_EQ(10u, run.stats.unfinished_at_end);
}

TEST(CorrelatorTest, OldMessagesExpireByAge) {
  CorrelatorOptions options;
  options.max_age_seconds = 3600;
  Outcome run = Correlate(
      {
          "Nov 25 10:00:00 mx postfix/qmgr[1]: AAAA000001: from=<a@b>, size=1, nrcpt=1 (queue active)",
          "Nov 25 10:00:01 mx postfix/smtp[2]: AAAA000001: to=<c@d>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to d[192.0.2.1]:25: Connection refused)",
          "Nov 25 12:00:00 mx postfix/qmgr[1]: BBBB000002: from=<a@b>, size=1, nrcpt=1 (queue active)",
      },
      options);
  EXPECT_EQ(1u, run.stats.evicted_age);
}

// Found by fuzzing (fuzz/corpus/correlator/crash-correlator-evict-forwarded-
// group-use-after-free): a forwarded message's two old hops name one root
// twice; the group is evicted once, and the root is not read after it is
// freed (ASan caught the read; here the count shows the group went once).
TEST(CorrelatorTest, AnOldForwardedGroupIsEvictedOnce) {
  CorrelatorOptions options;
  options.max_age_seconds = 3600;
  Outcome run = Correlate(
      {
          "Nov 24 13:00:00 mx postfix/qmgr[502]: 7A8B9C0D1E: from=<ivy@example.org>, size=400, nrcpt=1 (queue active)",
          "Nov 24 13:00:00 mx postfix/local[503]: 7A8B9C0D1E: to=<list@example.com>, relay=local, delay=0.04, dsn=2.0.0, status=sent (forwarded as 8B9C0D1E2F)",
          "Nov 24 13:00:00 mx postfix/qmgr[502]: 8B9C0D1E2F: from=<ivy@example.org>, size=400, nrcpt=2 (queue active)",
          "Nov 24 15:00:00 mx postfix/qmgr[502]: 9C0D1E2F3A: from=<a@b>, size=1, nrcpt=1 (queue active)",
      },
      options);
  EXPECT_EQ(1u, run.stats.evicted_age);
}

// Found by fuzzing (fuzz/corpus/correlator/crash-correlator-handoff-group-
// exceeds-max-messages): a hand-off seen before its new queue ID joined the
// new hop into the old group, and the cap, which never evicts the group of
// the message just started, let the group hold more messages than allowed.
TEST(CorrelatorTest, AHandOffChainNeverHoldsMoreThanMaxMessages) {
  CorrelatorOptions options;
  options.max_messages = 2;
  options.emit_unfinished = true;
  LiveRun run(options);
  const std::vector<std::string> chain = {
      "Nov 25 12:00:01 mx postfix/smtp[403]: 5E6F7A8B9C: to=<gina@mx.example.com>, relay=127.0.0.1[127.0.0.1]:10024, delay=1.2, delays=0.1/0/0/1.1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 6F7A8B9C0D)",
      "Nov 25 12:00:02 mx postfix/smtp[403]: 6F7A8B9C0D: to=<gina@mx.example.com>, relay=127.0.0.1[127.0.0.1]:10026, delay=0.2, delays=0.1/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 7A8B9C0D1E)",
      "Nov 25 12:00:03 mx postfix/local[404]: 7A8B9C0D1E: to=<gina@mx.example.com>, relay=local, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered to mailbox)",
  };
  for (const std::string& line : chain) {
    run.Feed(line);
    EXPECT_LE(run.correlator().in_flight(), options.max_messages) << line;
  }
  // The first two hops are one message; the third would make three: it
  // starts its own, and the cap evicts the old pair (counted).
  EXPECT_EQ(1u, run.correlator().stats().evicted_cap);
  ASSERT_EQ(1u, run.records().size());
  EXPECT_EQ((std::vector<std::string>{"5E6F7A8B9C", "6F7A8B9C0D"}), run.records()[0].queue_ids);
  EXPECT_FALSE(run.records()[0].finished);
  // With room for the chain, it is one message of three hops.
  LiveRun roomy;
  roomy.Feed(chain);
  roomy.correlator().Finish(true);
  ASSERT_EQ(1u, roomy.records().size());
  EXPECT_EQ(3u, roomy.records()[0].queue_ids.size());
}

TEST(CorrelatorTest, RequeuedMessagesKeepTheirIdentity) {
  Outcome run = Correlate({
      "Nov 25 14:00:00 mx postfix/smtpd[600]: 3A4B5C6D7E: client=a.example.org[192.0.2.20]",
      "Nov 25 14:00:00 mx postfix/cleanup[601]: 3A4B5C6D7E: message-id=<rq@example.org>",
      "Nov 25 14:00:00 mx postfix/qmgr[602]: 3A4B5C6D7E: from=<a@example.org>, size=300, nrcpt=1 (queue active)",
      "Nov 25 14:00:01 mx postfix/smtp[603]: 3A4B5C6D7E: to=<z@down.test>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to down.test[192.0.2.99]:25: Connection timed out)",
      "Nov 25 14:30:00 mx postfix/postsuper[700]: 3A4B5C6D7E: requeued",
      "Nov 25 14:30:01 mx postfix/pickup[701]: 4B5C6D7E8F: uid=0 from=<a@example.org> orig_id=3A4B5C6D7E",
      "Nov 25 14:30:01 mx postfix/cleanup[601]: 4B5C6D7E8F: message-id=<rq@example.org>",
      "Nov 25 14:30:01 mx postfix/qmgr[602]: 4B5C6D7E8F: from=<a@example.org>, size=310, nrcpt=1 (queue active)",
      "Nov 25 14:30:02 mx postfix/smtp[603]: 4B5C6D7E8F: to=<z@down.test>, relay=down.test[192.0.2.99]:25, delay=1802, delays=1800/0/1/1, dsn=2.0.0, status=sent (250 ok)",
      "Nov 25 14:30:02 mx postfix/qmgr[602]: 4B5C6D7E8F: removed",
  });
  ASSERT_EQ(1u, run.records.size());
  const MessageRecord& m = run.records[0];
  EXPECT_EQ((std::vector<std::string>{"3A4B5C6D7E", "4B5C6D7E8F"}), m.queue_ids);
  EXPECT_EQ("smtpd", m.origin);
  EXPECT_EQ("a.example.org", m.client_name);
  ASSERT_EQ(1u, m.recipients.size());
  EXPECT_EQ(RecipientStatus::kSent, m.recipients[0].status);
  EXPECT_EQ("4B5C6D7E8F", m.recipients[0].queue_id);
  EXPECT_TRUE(m.finished);
  EXPECT_EQ("removed", m.end);
}

TEST(CorrelatorTest, ARequeueOfAllEndsTheOldQueueIds) {
  // Real Postfix 3.7 (testdata/report/logs/requeued_real.log): "postsuper
  // -r ALL" logs no "QID: requeued", only a count; pickup's orig_id= says
  // which queue file the new one replaces.
  Outcome run = Correlate({
      "Nov 28 03:46:58 vm postfix/smtpd[1066]: 952A912C0E7: client=unknown[127.0.0.1]",
      "Nov 28 03:46:58 vm postfix/cleanup[1070]: 952A912C0E7: message-id=<requeued.1@test>",
      "Nov 28 03:46:58 vm postfix/qmgr[1024]: 952A912C0E7: from=<alice@example.test>, size=296, nrcpt=1 (queue active)",
      "Nov 28 03:46:58 vm postfix/smtp[1071]: 952A912C0E7: to=<x@tls.test>, relay=localhost[127.0.0.1]:2525, delay=0.07, delays=0.01/0.01/0.05/0, dsn=4.7.5, status=deferred (Server certificate not verified)",
      "Nov 28 03:47:03 vm postfix/postsuper[1087]: Requeued: 1 message",
      "Nov 28 03:47:03 vm postfix/pickup[1085]: 79F7312C0F9: uid=103 from=<alice@example.test> orig_id=952A912C0E7",
      "Nov 28 03:47:03 vm postfix/cleanup[1089]: 79F7312C0F9: message-id=<requeued.1@test>",
      "Nov 28 03:47:03 vm postfix/qmgr[1086]: 79F7312C0F9: from=<alice@example.test>, size=411, nrcpt=1 (queue active)",
      "Nov 28 03:47:03 vm postfix/smtp[1091]: 79F7312C0F9: to=<x@tls.test>, relay=localhost[127.0.0.1]:2525, delay=5, delays=4.9/0.03/0.09/0, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as PEER0001)",
      "Nov 28 03:47:03 vm postfix/qmgr[1086]: 79F7312C0F9: removed",
  });
  ASSERT_EQ(1u, run.records.size());
  const MessageRecord& m = run.records[0];
  EXPECT_EQ((std::vector<std::string>{"952A912C0E7", "79F7312C0F9"}), m.queue_ids);
  EXPECT_TRUE(m.finished);
  EXPECT_EQ("removed", m.end);
  EXPECT_EQ("smtpd", m.origin);
  ASSERT_EQ(1u, m.recipients.size());
  EXPECT_EQ(RecipientStatus::kSent, m.recipients[0].status);
  EXPECT_EQ(1, m.recipients[0].deferrals);
  EXPECT_EQ(0u, run.stats.unfinished_records);
}

// A damaged queue file that qmgr moves to the corrupt queue ends its
// message there (from a real log: "missing end record"), instead of keeping
// it in flight until evicted by age.
TEST(CorrelatorTest, CorruptQueueFileEndsItsMessage) {
  Outcome run = Correlate({
      "Jun  2 12:20:58 host postfix/smtpd[962]: BF98A106C70: client=localhost[127.0.0.1]",
      "Jun  2 12:20:58 host postfix/cleanup[965]: BF98A106C70: message-id=<c@host>",
      "Jun  2 12:20:58 host postfix/qmgr[699]: BF98A106C70: from=<gun@host.example.com>, size=33783, nrcpt=1 (queue active)",
      "Jun  2 12:25:24 host postfix/qmgr[700]: warning: BF98A106C70: message rejected: missing end record",
      "Jun  2 12:25:24 host postfix/qmgr[700]: warning: saving corrupt file \"BF98A106C70\" from queue \"active\" to queue \"corrupt\"",
      "Jun  2 12:36:09 host postfix/postfix-script[695]: warning: damaged message: corrupt/BF98A106C70",
  });
  ASSERT_EQ(1u, run.records.size());
  const MessageRecord& m = run.records[0];
  EXPECT_TRUE(m.finished);
  EXPECT_EQ("corrupt", m.end);
  EXPECT_EQ(33783, m.size);
  EXPECT_EQ(0u, run.stats.evicted_age);
}

// Postfix 3.10 and later: cleanup says when a transaction's queue file is
// removed without reaching the queue manager.
TEST(CorrelatorTest, CleanupRemovedCanceledEndsTheTransaction) {
  Outcome run = Correlate({
      "Nov 25 15:00:00 mx postfix/smtpd[800]: 5A6B7C8D9E: client=a.example.org[192.0.2.30]",
      "Nov 25 15:00:00 mx postfix/cleanup[801]: 5A6B7C8D9E: message-id=<x@a.example.org>",
      "Nov 25 15:00:09 mx postfix/smtpd[800]: 5A6B7C8D9E: lost connection after DATA (120 bytes) from a.example.org[192.0.2.30]",
      "Nov 25 15:00:09 mx postfix/cleanup[801]: 5A6B7C8D9E: removed (canceled)",
      "Nov 25 15:01:00 mx postfix/smtpd[800]: 6B7C8D9E0F: client=b.example.org[192.0.2.31]",
      "Nov 25 15:01:01 mx postfix/cleanup[801]: 6B7C8D9E0F: milter-reject: END-OF-MESSAGE from b.example.org[192.0.2.31]: 5.7.1 Spam; from=<b@example.org> to=<c@example.com> proto=ESMTP helo=<b.example.org>",
      "Nov 25 15:01:01 mx postfix/cleanup[801]: 6B7C8D9E0F: removed (canceled)",
  });
  ASSERT_EQ(2u, run.records.size());
  const MessageRecord* canceled = ByQueueId(run, "5A6B7C8D9E");
  const MessageRecord* rejected = ByQueueId(run, "6B7C8D9E0F");
  ASSERT_NE(nullptr, canceled);
  ASSERT_NE(nullptr, rejected);
  EXPECT_TRUE(canceled->finished);
  EXPECT_EQ("canceled", canceled->end);
  EXPECT_EQ("rejected", rejected->end);
  EXPECT_EQ(0u, run.stats.abandoned);
}

// A message whose client= line is not in the log (the log begins after
// it; Exim logs a message refused after DATA by the reject alone) takes its
// client from the reject; one that has it keeps it.
TEST(CorrelatorTest, ARejectNamesTheClientWhenNoClientLineDid) {
  Outcome run = Correlate({
      "Nov 25 15:01:01 mx postfix/cleanup[801]: 6B7C8D9E0F: milter-reject: END-OF-MESSAGE from b.example.org[192.0.2.31]: 5.7.1 Spam; from=<b@example.org> to=<c@example.com> proto=ESMTP helo=<b.example.org>",
      "Nov 25 15:02:00 mx postfix/smtpd[800]: 7C8D9E0F1A: client=c.example.org[192.0.2.32]",
      "Nov 25 15:02:01 mx postfix/cleanup[801]: 7C8D9E0F1A: milter-reject: END-OF-MESSAGE from other.example.org[192.0.2.99]: 5.7.1 Spam; from=<b@example.org> to=<c@example.com> proto=ESMTP helo=<x>",
  });
  const MessageRecord* first = ByQueueId(run, "6B7C8D9E0F");
  const MessageRecord* second = ByQueueId(run, "7C8D9E0F1A");
  ASSERT_NE(nullptr, first);
  ASSERT_NE(nullptr, second);
  EXPECT_EQ("rejected", first->end);
  EXPECT_EQ("b.example.org", first->client_name);
  EXPECT_EQ("192.0.2.31", first->client_addr);
  EXPECT_EQ("b.example.org", first->helo);
  EXPECT_EQ("c.example.org", second->client_name);
  EXPECT_EQ("192.0.2.32", second->client_addr);
}

// A transaction canceled after a recipient was refused: its sender is the
// one the reject names (MAIL FROM), as no qmgr from= line comes.
TEST(CorrelatorTest, ARecipientRejectNamesTheSenderOfACanceledTransaction) {
  Outcome run = Correlate({
      "Nov 25 15:00:00 mx postfix/smtpd[800]: 5A6B7C8D9E: client=a.example.org[192.0.2.30]",
      "Nov 25 15:00:01 mx postfix/smtpd[800]: 5A6B7C8D9E: reject: RCPT from a.example.org[192.0.2.30]: 550 5.1.1 <x@example.com>: Recipient address rejected: User unknown in local recipient table; from=<s@example.org> to=<x@example.com> proto=ESMTP helo=<a.example.org>",
      "Nov 25 15:00:09 mx postfix/cleanup[801]: 5A6B7C8D9E: removed (canceled)",
  });
  const MessageRecord* m = ByQueueId(run, "5A6B7C8D9E");
  ASSERT_NE(nullptr, m);
  EXPECT_EQ("canceled", m->end);
  EXPECT_TRUE(m->sender_known);
  EXPECT_EQ("s@example.org", m->sender);
}

TEST(CorrelatorTest, JoinsXforwardReinjectionByOrigQueueId) {
  Outcome run = Correlate({
      "Nov 25 12:00:00 mx postfix/smtpd[400]: 5E6F7A8B9C: client=ext.example.org[203.0.113.5]",
      "Nov 25 12:00:00 mx postfix/qmgr[402]: 5E6F7A8B9C: from=<f@example.org>, size=4000, nrcpt=1 (queue active)",
      "Nov 25 12:00:01 mx postfix/smtpd[410]: 6F7A8B9C0D: client=localhost[127.0.0.1], orig_queue_id=5E6F7A8B9C, orig_client=ext.example.org[203.0.113.5]",
      "Nov 25 12:00:01 mx postfix/qmgr[402]: 6F7A8B9C0D: from=<f@example.org>, size=4600, nrcpt=1 (queue active)",
      // The filter's reply does not say "queued as": only orig_queue_id links the two.
      "Nov 25 12:00:01 mx postfix/smtp[403]: 5E6F7A8B9C: to=<g@mx.example.com>, relay=127.0.0.1[127.0.0.1]:10024, delay=1.2, delays=0.1/0/0/1.1, dsn=2.0.0, status=sent (250 2.0.0 Ok, id=12345-01)",
      "Nov 25 12:00:01 mx postfix/qmgr[402]: 5E6F7A8B9C: removed",
      "Nov 25 12:00:02 mx postfix/local[404]: 6F7A8B9C0D: to=<g@mx.example.com>, relay=local, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered to mailbox)",
      "Nov 25 12:00:02 mx postfix/qmgr[402]: 6F7A8B9C0D: removed",
  });
  ASSERT_EQ(1u, run.records.size());
  const MessageRecord& m = run.records[0];
  EXPECT_EQ((std::vector<std::string>{"5E6F7A8B9C", "6F7A8B9C0D"}), m.queue_ids);
  EXPECT_EQ("ext.example.org", m.client_name);
  // The first hop's delivery to the filter names no queue ID, but the
  // second hop delivers the same recipient: only the final outcome counts.
  ASSERT_EQ(1u, m.recipients.size());
  EXPECT_EQ("local", m.recipients[0].relay);
  EXPECT_EQ("6F7A8B9C0D", m.recipients[0].queue_id);
}


TEST(CorrelatorTest, TheClientIsTheOneAFilterForwarded) {
  // Real Postfix 3.7 (testdata/logs/postfix_real_filters.syslog): a
  // before-queue filter (smtpd_proxy_filter) re-injects with XFORWARD. The
  // message's only queue file comes from the filter's connection; its
  // client is the one in orig_client=.
  Outcome run = Correlate({
      "Nov 28 03:16:39 vm postfix/smtpd[18479]: connect from mail.example.net[192.0.2.7]",
      "Nov 28 03:16:39 vm postfix/smtpd[18479]: NOQUEUE: client=mail.example.net[192.0.2.7]",
      "Nov 28 03:16:39 vm postfix/smtpd[18460]: 2122712C101: client=localhost[127.0.0.1], orig_client=mail.example.net[192.0.2.7]",
      "Nov 28 03:16:39 vm postfix/qmgr[18447]: 2122712C101: from=<ext@sender.test>, size=597, nrcpt=1 (queue active)",
      "Nov 28 03:16:39 vm postfix/smtpd[18479]: proxy-accept: END-OF-MESSAGE: 250 2.0.0 Ok: queued as 2122712C101; from=<ext@sender.test> to=<bob@example.test> proto=ESMTP helo=<client.example.net>",
      "Nov 28 03:16:39 vm postfix/local[18461]: 2122712C101: to=<bob@example.test>, relay=local, delay=0.01, delays=0/0.01/0/0, dsn=2.0.0, status=sent (delivered to mailbox)",
      "Nov 28 03:16:39 vm postfix/qmgr[18447]: 2122712C101: removed",
      // Without orig_client= the connection's own client stays.
      "Nov 28 03:16:40 vm postfix/smtpd[18460]: 3122712C101: client=localhost[127.0.0.1]:41000",
      "Nov 28 03:16:40 vm postfix/qmgr[18447]: 3122712C101: from=<ext@sender.test>, size=597, nrcpt=1 (queue active)",
      "Nov 28 03:16:40 vm postfix/local[18461]: 3122712C101: to=<bob@example.test>, relay=local, delay=0.01, delays=0/0.01/0/0, dsn=2.0.0, status=sent (delivered to mailbox)",
      "Nov 28 03:16:40 vm postfix/qmgr[18447]: 3122712C101: removed",
  });
  ASSERT_EQ(2u, run.records.size());
  EXPECT_EQ("mail.example.net", run.records[0].client_name);
  EXPECT_EQ("192.0.2.7", run.records[0].client_addr);
  EXPECT_EQ("", run.records[0].client_port);
  EXPECT_EQ("localhost", run.records[1].client_name);
  EXPECT_EQ("127.0.0.1", run.records[1].client_addr);
  EXPECT_EQ("41000", run.records[1].client_port);
}
// The records of `lines` as JSON, from a sink that only reads them (so the
// correlator reuses each record's storage for the next message).
std::vector<std::string> RecordsReadInPlace(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  Correlator correlator(CorrelatorOptions(), [&](MessageRecord&& m) {
    out.push_back(RecordToJson(m).dump());
  });
  LogInputOptions input_options;
  input_options.envelope.year = 2026;
  input_options.envelope.time_zone = absl::UTCTimeZone();
  auto input = LogInput::Create(input_options, [&](const LogLine& l, const parsers::Event& e) {
    correlator.Add(l, e);
  });
  EXPECT_TRUE(input.ok()) << input.status();
  for (const std::string& line : lines) (*input)->ProcessLine(line);
  correlator.Finish(/*include_unfinished=*/true);
  return out;
}

TEST(CorrelatorTest, AReusedRecordStartsClean) {
  // A message that sets nearly every field, emitted and done with; then a
  // plain one, which reuses its storage: it must read as if alone.
  const std::vector<std::string> rich = {
      "Nov 25 12:00:00 mx postfix/submission/smtpd[400]: 5E6F7A8B9C: client=ext.example.org[203.0.113.5]:4711, sasl_method=PLAIN, sasl_username=frank",
      "Nov 25 12:00:00 mx postfix/cleanup[401]: 5E6F7A8B9C: message-id=<m4@example.org>",
      "Nov 25 12:00:00 mx postfix/cleanup[401]: 5E6F7A8B9C: hold: header Subject: x from ext.example.org[203.0.113.5]; from=<frank@example.org> to=<held@mx.example.com> proto=ESMTP helo=<ext>: hold it",
      "Nov 25 12:00:00 mx postfix/qmgr[402]: 5E6F7A8B9C: from=<frank@example.org>, size=4000, nrcpt=3 (queue active)",
      "Nov 25 12:00:01 mx postfix/smtp[403]: 5E6F7A8B9C: to=<gina@remote.test>, orig_to=<g@mx.example.com>, relay=remote.test[192.0.2.50]:25, delay=5, delays=0.01/0/5/0, dsn=4.4.1, status=deferred (connect to remote.test[192.0.2.50]:25: Connection refused)",
      "Nov 25 12:00:01 mx postfix/smtp[403]: 5E6F7A8B9C: to=<nobody@remote.test>, relay=remote.test[192.0.2.50]:25, delay=0.9, delays=0.1/0/0.3/0.5, dsn=5.1.1, status=bounced (host remote.test[192.0.2.50] said: 550 5.1.1 <nobody@remote.test>: Recipient address rejected: User unknown (in reply to RCPT TO command))",
      "Nov 25 12:00:01 mx postfix/bounce[404]: 5E6F7A8B9C: sender non-delivery notification: 6F7A8B9C0D",
      "Nov 25 12:00:02 mx postfix/postsuper[405]: 5E6F7A8B9C: removed",
      "Nov 25 12:00:02 mx postfix/qmgr[402]: 6F7A8B9C0D: removed",
  };
  std::vector<std::string> both = rich;
  both.push_back("Nov 25 12:10:00 mx postfix/smtpd[500]: connect from client.example.org[192.0.2.10]");
  for (const std::string& l : kLocalDelivery) both.push_back(l.substr(0, 7) + "12:1" + l.substr(11));
  std::vector<std::string> alone;
  for (const std::string& l : kLocalDelivery) alone.push_back(l.substr(0, 7) + "12:1" + l.substr(11));
  const std::vector<std::string> after = RecordsReadInPlace(both);
  const std::vector<std::string> by_itself = RecordsReadInPlace(alone);
  ASSERT_EQ(3u, after.size());
  ASSERT_EQ(1u, by_itself.size());
  EXPECT_EQ(by_itself[0], after[2]);
  // The rich one really set what the plain one must not inherit.
  EXPECT_NE(std::string::npos, after[0].find("frank")) << after[0];
  EXPECT_NE(std::string::npos, after[0].find("user_unknown")) << after[0];
}

TEST(CorrelatorTest, AdvancingTheClockEmitsAQuietLogsFinishedMessages) {
  // A live source whose log goes quiet: no new line moves the log clock, so
  // the caller moves it, and the finished message comes out after the grace.
  LiveRun live;
  live.Feed(kLocalDelivery);
  EXPECT_TRUE(live.records().empty());  // within the grace period
  const int64_t removed = Timestamp::FromCivil(2026, 11, 25, 10, 14, 2, 0, 0).unix_micros;
  live.correlator().AdvanceTo(removed + 5 * 1000000);
  EXPECT_TRUE(live.records().empty());
  live.correlator().AdvanceTo(removed - 60 * 1000000);  // never backwards
  live.correlator().AdvanceTo(removed + 11 * 1000000);
  ASSERT_EQ(1u, live.records().size());
  EXPECT_EQ("4B0C72A1F3", live.records()[0].queue_ids[0]);
}

// kLocalDelivery, `hours_earlier` hours earlier, under queue ID `qid`.
std::vector<std::string> LocalDeliveryAt(int hours_earlier, const std::string& qid) {
  std::vector<std::string> out;
  for (std::string line : kLocalDelivery) {
    const int hour = 10 - hours_earlier;
    line.replace(7, 2, (hour < 10 ? "0" : "") + std::to_string(hour));
    const size_t pos = line.find("4B0C72A1F3");
    if (pos != std::string::npos) line.replace(pos, qid.size(), qid);
    out.push_back(line);
  }
  return out;
}

TEST(CorrelatorTest, TheClockGoesOnWhenTheLogsTimeJumpsBack) {
  // Issue 8: log time going back an hour (a log concatenated with an older
  // one, a clock reset) must not stop grace periods from running out.
  LiveRun live;
  live.Feed(kLocalDelivery);
  // An hour back: the first message is still within its grace period, then
  // 2 s of the new times pass, then the state is saved and restored.
  live.Feed(LocalDeliveryAt(1, "5C1D83B204"));
  EXPECT_TRUE(live.records().empty());
  EXPECT_EQ(2u, live.correlator().in_flight());
  const std::string saved = live.correlator().SerializeState();
  Correlator& restored = live.Replace();
  ASSERT_TRUE(restored.RestoreState(saved).ok());
  EXPECT_EQ(saved, restored.SerializeState());
  // 9 s after the jump (11 s of log clock since the first one was removed):
  // the first message is out, the second still waits.
  live.Feed("Nov 25 09:14:11 mx postfix/smtpd[100]: connect from client.example.org[192.0.2.10]");
  ASSERT_EQ(1u, live.records().size());
  EXPECT_EQ("4B0C72A1F3", live.records()[0].queue_ids[0]);
  live.Feed("Nov 25 09:14:13 mx postfix/smtpd[100]: connect from client.example.org[192.0.2.10]");
  ASSERT_EQ(2u, live.records().size());
  EXPECT_EQ("5C1D83B204", live.records()[1].queue_ids[0]);
  EXPECT_EQ("2026-11-25T09:14:01Z", live.records()[1].arrival.ToRfc3339());
  EXPECT_EQ("2026-11-25T09:14:02Z", live.records()[1].completion.ToRfc3339());
  EXPECT_EQ(0u, restored.in_flight());
}

TEST(CorrelatorTest, RestoresAStateSavedWithoutClockEpochs) {
  // States saved before the clock had epochs lack "epoch_high" and
  // "clock_offset": the clock was then the newest line's time.
  LiveRun live;
  for (size_t i = 0; i < 4; ++i) live.Feed(kLocalDelivery[i]);
  std::string saved = live.correlator().SerializeState();
  for (const std::string field : {"\"clock_offset\":", "\"epoch_high\":"}) {
    const size_t begin = saved.find(field);
    ASSERT_NE(std::string::npos, begin) << field;
    const size_t end = saved.find(',', begin);
    ASSERT_NE(std::string::npos, end);
    saved.erase(begin, end + 1 - begin);
  }
  ASSERT_TRUE(live.Replace().RestoreState(saved).ok());
  for (size_t i = 4; i < kLocalDelivery.size(); ++i) live.Feed(kLocalDelivery[i]);
  live.Feed("Nov 25 10:14:11 mx postfix/smtpd[100]: connect from client.example.org[192.0.2.10]");
  EXPECT_TRUE(live.records().empty());  // 9 s after "removed"
  live.Feed("Nov 25 10:14:12 mx postfix/smtpd[100]: connect from client.example.org[192.0.2.10]");
  ASSERT_EQ(1u, live.records().size());
  EXPECT_EQ("4B0C72A1F3", live.records()[0].queue_ids[0]);
  EXPECT_EQ(1u, live.records()[0].recipients.size());
}

TEST(CorrelatorTest, AStragglerWithinTheGraceDoesNotMoveTheClock) {
  // A line 5 s older than the newest (another process's) is no jump: the
  // clock stays at the newest time and comes back to it, not beyond.
  LiveRun live;
  live.Feed(kLocalDelivery);
  live.Feed("Nov 25 10:13:57 mx postfix/smtpd[100]: connect from client.example.org[192.0.2.10]");
  live.Feed("Nov 25 10:14:11 mx postfix/smtpd[100]: connect from client.example.org[192.0.2.10]");
  EXPECT_TRUE(live.records().empty());  // 9 s after "removed", not 23
  live.Feed("Nov 25 10:14:12 mx postfix/smtpd[100]: connect from client.example.org[192.0.2.10]");
  EXPECT_EQ(1u, live.records().size());
}

// Postfix before 3.10 logs nothing when smtpd drops a transaction that did
// not complete (these lines are from Debian 12's Postfix 3.7): the record
// ends as "canceled" at the line that says so, instead of staying in flight
// for an hour.
TEST(CorrelatorTest, SmtpdSessionEndCancelsTheTransactionThatCannotHaveCompleted) {
  Outcome run = Correlate({
      // the client went away after RCPT: cleanup never saw the content
      "Nov 28 06:05:58 vm postfix/smtpd[17779]: connect from unknown[127.0.0.2]",
      "Nov 28 06:05:58 vm postfix/smtpd[17779]: 3768912C188: client=unknown[127.0.0.2]",
      "Nov 28 06:05:58 vm postfix/smtpd[17779]: lost connection after RCPT from unknown[127.0.0.2]",
      "Nov 28 06:05:58 vm postfix/smtpd[17779]: disconnect from unknown[127.0.0.2] ehlo=1 mail=1 rcpt=1 commands=3",
      // inside the DATA content; cleanup's message-id= line comes after
      "Nov 28 06:07:03 vm postfix/smtpd[17779]: connect from unknown[127.0.0.2]",
      "Nov 28 06:07:03 vm postfix/smtpd[17779]: 7EB8312C0A8: client=unknown[127.0.0.2]",
      "Nov 28 06:07:04 vm postfix/smtpd[17779]: lost connection after DATA (61 bytes) from unknown[127.0.0.2]",
      "Nov 28 06:07:04 vm postfix/cleanup[17792]: 7EB8312C0A8: message-id=<partial.1@test>",
      "Nov 28 06:07:04 vm postfix/smtpd[17779]: disconnect from unknown[127.0.0.2] ehlo=1 mail=1 rcpt=1 data=0/1 commands=3/4",
      // RSET, then QUIT: no line names the transaction's end
      "Nov 28 06:07:04 vm postfix/smtpd[17779]: connect from unknown[127.0.0.2]",
      "Nov 28 06:07:04 vm postfix/smtpd[17779]: 832D612C0A8: client=unknown[127.0.0.2]",
      "Nov 28 06:07:04 vm postfix/smtpd[17779]: disconnect from unknown[127.0.0.2] ehlo=1 mail=1 rcpt=1 rset=1 quit=1 commands=5",
      // a timeout inside the content, of a message without a Message-ID
      "Nov 28 06:07:05 vm postfix/smtpd[17797]: connect from unknown[127.0.0.2]",
      "Nov 28 06:07:05 vm postfix/smtpd[17797]: 0A46012C0B6: client=unknown[127.0.0.2]",
      "Nov 28 06:07:08 vm postfix/smtpd[17797]: timeout after DATA (23 bytes) from unknown[127.0.0.2]",
      "Nov 28 06:07:08 vm postfix/cleanup[17775]: 0A46012C0B6: message-id=<>",
      "Nov 28 06:07:08 vm postfix/smtpd[17797]: disconnect from unknown[127.0.0.2] ehlo=1 mail=1 rcpt=1 data=0/1 commands=3/4",
  });
  ASSERT_EQ(4u, run.records.size());
  for (const MessageRecord& m : run.records) {
    EXPECT_TRUE(m.finished) << m.queue_ids[0];
    EXPECT_EQ("canceled", m.end) << m.queue_ids[0];
    EXPECT_EQ("smtpd", m.origin);
    EXPECT_EQ("127.0.0.2", m.client_addr);
    EXPECT_TRUE(m.recipients.empty());
  }
  // the message-id= line after the end still joins its record
  EXPECT_EQ("partial.1@test", ByQueueId(run, "7EB8312C0A8")->message_id);
  EXPECT_EQ(4u, run.stats.canceled);
  EXPECT_EQ(0u, run.stats.unfinished_at_end);
}

// A session's end after a transaction that did complete leaves it alone,
// even before the queue manager's line (which may come later).
TEST(CorrelatorTest, SmtpdSessionEndKeepsACompleteTransaction) {
  Outcome run = Correlate({
      // complete, then a second transaction whose recipient is refused; the
      // client goes away after DATA (refused: no "(N bytes)")
      "Nov 28 06:07:04 vm postfix/smtpd[17797]: connect from unknown[127.0.0.2]",
      "Nov 28 06:07:04 vm postfix/smtpd[17797]: 0632812C0A8: client=unknown[127.0.0.2]",
      "Nov 28 06:07:04 vm postfix/cleanup[17775]: 0632812C0A8: message-id=<two.1@test>",
      "Nov 28 06:07:04 vm postfix/smtpd[17797]: NOQUEUE: reject: RCPT from unknown[127.0.0.2]: 550 5.1.1 <nosuch@example.test>: Recipient address rejected: User unknown in local recipient table; from=<a@two.test> to=<nosuch@example.test> proto=ESMTP helo=<x.example.net>",
      "Nov 28 06:07:04 vm postfix/smtpd[17797]: lost connection after DATA from unknown[127.0.0.2]",
      "Nov 28 06:07:04 vm postfix/smtpd[17797]: disconnect from unknown[127.0.0.2] ehlo=1 mail=2 rcpt=1/2 data=1/2 commands=5/7",
      "Nov 28 06:07:04 vm postfix/qmgr[17710]: 0632812C0A8: from=<a@two.test>, size=221, nrcpt=1 (queue active)",
      "Nov 28 06:07:04 vm postfix/local[17799]: 0632812C0A8: to=<bob@example.test>, relay=local, delay=0.01, delays=0.01/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)",
      "Nov 28 06:07:04 vm postfix/qmgr[17710]: 0632812C0A8: removed",
      // complete, the client says QUIT before qmgr's line, and cleanup's
      // line comes after smtpd's (another process)
      "Nov 28 06:08:00 vm postfix/smtpd[17797]: connect from unknown[127.0.0.2]",
      "Nov 28 06:08:00 vm postfix/smtpd[17797]: 1632812C0A9: client=unknown[127.0.0.2]",
      "Nov 28 06:08:00 vm postfix/smtpd[17797]: disconnect from unknown[127.0.0.2] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5",
      "Nov 28 06:08:00 vm postfix/cleanup[17775]: 1632812C0A9: message-id=<one.1@test>",
      "Nov 28 06:08:00 vm postfix/qmgr[17710]: 1632812C0A9: from=<a@two.test>, size=221, nrcpt=1 (queue active)",
      "Nov 28 06:08:00 vm postfix/local[17799]: 1632812C0A9: to=<bob@example.test>, relay=local, delay=0.01, delays=0.01/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)",
      "Nov 28 06:08:00 vm postfix/qmgr[17710]: 1632812C0A9: removed",
      // a later session of the same process does not end an earlier one's
      // transaction: its connect line starts afresh
      "Nov 28 06:09:00 vm postfix/smtpd[17797]: 2632812C0AA: client=unknown[127.0.0.2]",
      "Nov 28 06:09:00 vm postfix/smtpd[17797]: connect from unknown[127.0.0.3]",
      "Nov 28 06:09:01 vm postfix/smtpd[17797]: disconnect from unknown[127.0.0.3] ehlo=1 quit=1 commands=2",
      // nor does an end that names another client (lines that are not what
      // they seem: two hosts' logs merged under one name)
      "Nov 28 06:10:00 vm postfix/smtpd[17798]: 3632812C0AB: client=unknown[127.0.0.4]",
      "Nov 28 06:10:01 vm postfix/smtpd[17798]: disconnect from unknown[127.0.0.5] ehlo=1 quit=1 commands=2",
  });
  ASSERT_EQ(2u, run.records.size());
  for (const MessageRecord& m : run.records) {
    EXPECT_EQ("removed", m.end) << m.queue_ids[0];
    ASSERT_EQ(1u, m.recipients.size());
    EXPECT_EQ(RecipientStatus::kSent, m.recipients[0].status);
  }
  EXPECT_EQ(0u, run.stats.canceled);
  EXPECT_EQ(2u, run.stats.unfinished_at_end);  // 2632812C0AA, 3632812C0AB
}

// A transaction dropped in a session that also completed one: the session's
// statistics (data=1) do not say which. Real Postfix 3.7
// (testdata/report/logs/dropped_after_complete_real.log): cleanup's
// message-id= line, which a complete transaction has before smtpd answers
// its DATA, never comes for the dropped one; a minute of log time after the
// session's end it is canceled, its completion the session's end.
TEST(CorrelatorTest, ATransactionWithoutContentIsCanceledAMinuteAfterItsSessionEnds) {
  CorrelatorOptions options;
  options.grace_seconds = 1;
  LiveRun live(options);
  live.Feed({
      "Nov 28 09:44:18 vm postfix/smtpd[26160]: connect from unknown[127.0.0.1]",
      "Nov 28 09:44:18 vm postfix/smtpd[26160]: A0BD512C0F9: client=unknown[127.0.0.1]",
      "Nov 28 09:44:18 vm postfix/cleanup[26164]: A0BD512C0F9: message-id=<s1.1@test>",
      "Nov 28 09:44:18 vm postfix/qmgr[26075]: A0BD512C0F9: from=<alice+s1@example.test>, size=314, nrcpt=1 (queue active)",
      "Nov 28 09:44:18 vm postfix/local[26165]: A0BD512C0F9: to=<bob@example.test>, relay=local, delay=0.03, delays=0.01/0.01/0/0, dsn=2.0.0, status=sent (delivered to mailbox)",
      "Nov 28 09:44:18 vm postfix/qmgr[26075]: A0BD512C0F9: removed",
      "Nov 28 09:44:18 vm postfix/smtpd[26160]: D2FCF12C0F9: client=unknown[127.0.0.1]",
      "Nov 28 09:44:19 vm postfix/smtpd[26160]: disconnect from unknown[127.0.0.1] ehlo=1 mail=2 rcpt=2 data=1 rset=1 quit=1 commands=8",
      // a transaction whose cleanup line comes after the session's end
      "Nov 28 09:44:20 vm postfix/smtpd[26161]: connect from unknown[127.0.0.1]",
      "Nov 28 09:44:20 vm postfix/smtpd[26161]: B0BD512C0F9: client=unknown[127.0.0.1]",
      "Nov 28 09:44:20 vm postfix/smtpd[26161]: disconnect from unknown[127.0.0.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5",
      "Nov 28 09:44:50 vm postfix/cleanup[26164]: B0BD512C0F9: message-id=<late.1@test>",
  });
  ASSERT_EQ(1u, live.records().size());
  EXPECT_EQ("A0BD512C0F9", live.records()[0].queue_ids[0]);
  // 59 s after the end: still waiting for cleanup's line
  live.Feed("Nov 28 09:45:18 vm postfix/anvil[26090]: statistics: max cache size 1 at Nov 28 09:44:18");
  EXPECT_EQ(1u, live.records().size());
  EXPECT_EQ(0u, live.correlator().stats().canceled);
  // 61 s: canceled (and emitted once its grace has passed)
  live.Feed("Nov 28 09:45:20 vm postfix/anvil[26090]: statistics: max cache size 1 at Nov 28 09:44:18");
  live.Feed("Nov 28 09:45:22 vm postfix/anvil[26090]: statistics: max cache size 1 at Nov 28 09:44:18");
  EXPECT_EQ(1u, live.correlator().stats().canceled);
  ASSERT_EQ(2u, live.records().size());
  const MessageRecord& dropped = live.records()[1];
  EXPECT_EQ("D2FCF12C0F9", dropped.queue_ids[0]);
  EXPECT_EQ("canceled", dropped.end);
  EXPECT_TRUE(dropped.finished);
  EXPECT_EQ(Timestamp::FromCivil(2026, 11, 28, 9, 44, 19, 0, 0), dropped.completion);
  EXPECT_TRUE(dropped.recipients.empty());
  // the one whose content came late is in flight, waiting for qmgr
  live.correlator().Finish(/*include_unfinished=*/true);
  ASSERT_EQ(3u, live.records().size());
  EXPECT_EQ("B0BD512C0F9", live.records()[2].queue_ids[0]);
  EXPECT_EQ("end_of_input", live.records()[2].end);
  EXPECT_EQ(1u, live.correlator().stats().canceled);
}

// The session's earlier transactions given up (RSET) before the next one:
// canceled at once when no DATA of the session succeeded, else a minute
// later when they still have no content; never a complete one.
TEST(CorrelatorTest, TransactionsGivenUpBeforeTheSessionsNextOneAreCanceled) {
  Outcome run = Correlate({
      // RSET, then a complete transaction (real Postfix 3.7)
      "Nov 28 09:44:20 vm postfix/smtpd[26160]: connect from unknown[127.0.0.1]",
      "Nov 28 09:44:20 vm postfix/smtpd[26160]: A583212C0F9: client=unknown[127.0.0.1]",
      "Nov 28 09:44:21 vm postfix/smtpd[26160]: 13FE212C0FD: client=unknown[127.0.0.1]",
      "Nov 28 09:44:21 vm postfix/cleanup[26164]: 13FE212C0FD: message-id=<s3.1@test>",
      "Nov 28 09:44:21 vm postfix/qmgr[26075]: 13FE212C0FD: from=<alice+s3b@example.test>, size=314, nrcpt=1 (queue active)",
      "Nov 28 09:44:21 vm postfix/local[26165]: 13FE212C0FD: to=<bob@example.test>, relay=local, delay=0.01, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)",
      "Nov 28 09:44:21 vm postfix/qmgr[26075]: 13FE212C0FD: removed",
      "Nov 28 09:44:21 vm postfix/smtpd[26160]: disconnect from unknown[127.0.0.1] ehlo=1 mail=2 rcpt=2 data=1 rset=1 quit=1 commands=8",
      // RSET twice, no DATA at all
      "Nov 28 09:44:23 vm postfix/smtpd[26160]: connect from unknown[127.0.0.1]",
      "Nov 28 09:44:23 vm postfix/smtpd[26160]: B1E8E12C0FD: client=unknown[127.0.0.1]",
      "Nov 28 09:44:24 vm postfix/smtpd[26160]: 2064B12C109: client=unknown[127.0.0.1]",
      "Nov 28 09:44:24 vm postfix/smtpd[26160]: disconnect from unknown[127.0.0.1] ehlo=1 mail=2 rcpt=2 rset=2 quit=1 commands=8",
      // two complete transactions, the first one's cleanup line after the
      // second one's client= line
      "Nov 28 09:44:25 vm postfix/smtpd[26160]: connect from unknown[127.0.0.1]",
      "Nov 28 09:44:25 vm postfix/smtpd[26160]: C180B12C0FD: client=unknown[127.0.0.1]",
      "Nov 28 09:44:26 vm postfix/smtpd[26160]: 008A712C0FD: client=unknown[127.0.0.1]",
      "Nov 28 09:44:26 vm postfix/cleanup[26164]: C180B12C0FD: message-id=<s4.1@test>",
      "Nov 28 09:44:26 vm postfix/cleanup[26164]: 008A712C0FD: message-id=<s4.2@test>",
      "Nov 28 09:44:26 vm postfix/smtpd[26160]: disconnect from unknown[127.0.0.1] ehlo=1 mail=2 rcpt=2 data=2 quit=1 commands=8",
      "Nov 28 09:46:00 vm postfix/qmgr[26075]: C180B12C0FD: from=<alice+s4a@example.test>, size=314, nrcpt=1 (queue active)",
      "Nov 28 09:46:00 vm postfix/qmgr[26075]: 008A712C0FD: from=<alice+s4b@example.test>, size=314, nrcpt=1 (queue active)",
  }, CorrelatorOptions(), /*include_unfinished=*/true);
  EXPECT_EQ("canceled", ByQueueId(run, "A583212C0F9")->end);
  EXPECT_EQ(Timestamp::FromCivil(2026, 11, 28, 9, 44, 21, 0, 0),
            ByQueueId(run, "A583212C0F9")->completion);
  EXPECT_EQ("removed", ByQueueId(run, "13FE212C0FD")->end);
  EXPECT_EQ("canceled", ByQueueId(run, "B1E8E12C0FD")->end);
  EXPECT_EQ("canceled", ByQueueId(run, "2064B12C109")->end);
  EXPECT_EQ("end_of_input", ByQueueId(run, "C180B12C0FD")->end);
  EXPECT_EQ("end_of_input", ByQueueId(run, "008A712C0FD")->end);
  EXPECT_EQ(3u, run.stats.canceled);
}

// An access table's HOLD or DISCARD on the first recipient is logged before
// the transaction has a queue ID (real Postfix 3.7,
// testdata/report/logs/access_actions_real.log); the "QID: client=" line of
// the same smtpd process comes next, and nothing after it says the message
// was held or discarded.
TEST(CorrelatorTest, SmtpdActionBeforeTheQueueIdAppliesToTheNextTransaction) {
  Outcome run = Correlate(
      {
          "Nov 28 06:55:28 vm postfix/smtpd[22978]: connect from unknown[127.0.0.1]",
          "Nov 28 06:55:28 vm postfix/smtpd[22978]: NOQUEUE: hold: RCPT from unknown[127.0.0.1]: <hold-me@example.test>: Recipient address triggers HOLD action; from=<alice@example.test> to=<hold-me@example.test> proto=ESMTP helo=<client.example.net>",
          "Nov 28 06:55:28 vm postfix/smtpd[22978]: E5A0C12C10F: client=unknown[127.0.0.1]",
          "Nov 28 06:55:28 vm postfix/cleanup[22982]: E5A0C12C10F: message-id=<acc.1@test>",
          "Nov 28 06:55:28 vm postfix/smtpd[22978]: disconnect from unknown[127.0.0.1] ehlo=1 mail=1 rcpt=2 data=1 quit=1 commands=6",
          "Nov 28 06:55:28 vm postfix/smtpd[22978]: connect from unknown[127.0.0.1]",
          "Nov 28 06:55:28 vm postfix/smtpd[22978]: NOQUEUE: discard: RCPT from unknown[127.0.0.1]: <discard-me@example.test>: Recipient address triggers DISCARD action; from=<alice@example.test> to=<discard-me@example.test> proto=ESMTP helo=<client.example.net>",
          "Nov 28 06:55:28 vm postfix/smtpd[22978]: E71D012C123: client=unknown[127.0.0.1]",
          "Nov 28 06:55:28 vm postfix/smtpd[22978]: disconnect from unknown[127.0.0.1] ehlo=1 mail=1 rcpt=2 data=1 quit=1 commands=6",
          // a HOLD whose recipient a later restriction refuses still holds
          // the transaction (real Postfix 3.7: the message, with carol only,
          // was in the hold queue), without that recipient
          "Nov 28 07:34:09 vm postfix/smtpd[26260]: connect from unknown[127.0.0.1]",
          "Nov 28 07:34:09 vm postfix/smtpd[26260]: NOQUEUE: hold: RCPT from unknown[127.0.0.1]: <hold-me@example.test>: Recipient address triggers HOLD action; from=<alice@example.test> to=<hold-me@example.test> proto=ESMTP helo=<client.example.net>",
          "Nov 28 07:34:09 vm postfix/smtpd[26260]: NOQUEUE: reject: RCPT from unknown[127.0.0.1]: 550 5.7.1 <hold-me@example.test>: Recipient address rejected: no after all; from=<alice@example.test> to=<hold-me@example.test> proto=ESMTP helo=<client.example.net>",
          "Nov 28 07:34:09 vm postfix/smtpd[26260]: CF10612C0FC: client=unknown[127.0.0.1]",
          "Nov 28 07:34:09 vm postfix/cleanup[26264]: CF10612C0FC: message-id=<hx.1@test>",
          "Nov 28 07:34:09 vm postfix/smtpd[26260]: disconnect from unknown[127.0.0.1] ehlo=1 mail=1 rcpt=1/2 data=1 quit=1 commands=5/6",
          // a reject for another sender is another transaction: the action,
          // whose own transaction got no recipient, does not reach it
          "Nov 28 07:35:00 vm postfix/smtpd[22978]: connect from unknown[127.0.0.1]",
          "Nov 28 07:35:00 vm postfix/smtpd[22978]: NOQUEUE: hold: RCPT from unknown[127.0.0.1]: <hold-me@example.test>: Recipient address triggers HOLD action; from=<alice@example.test> to=<hold-me@example.test> proto=ESMTP helo=<client.example.net>",
          "Nov 28 07:35:00 vm postfix/smtpd[22978]: NOQUEUE: reject: RCPT from unknown[127.0.0.1]: 550 5.7.1 <hold-me@example.test>: Recipient address rejected: no after all; from=<alice@example.test> to=<hold-me@example.test> proto=ESMTP helo=<client.example.net>",
          "Nov 28 07:35:00 vm postfix/smtpd[22978]: NOQUEUE: reject: RCPT from unknown[127.0.0.1]: 554 5.7.1 <x@elsewhere.test>: Relay access denied; from=<bob@example.test> to=<x@elsewhere.test> proto=ESMTP helo=<client.example.net>",
          "Nov 28 07:35:00 vm postfix/smtpd[22978]: F2C1412C123: client=unknown[127.0.0.1]",
          "Nov 28 07:35:00 vm postfix/cleanup[22982]: F2C1412C123: message-id=<acc.8@test>",
          "Nov 28 07:35:00 vm postfix/qmgr[22861]: F2C1412C123: from=<bob@example.test>, size=477, nrcpt=1 (queue active)",
          "Nov 28 07:35:00 vm postfix/smtpd[22978]: disconnect from unknown[127.0.0.1] ehlo=1 mail=2 rcpt=1/3 data=1 rset=1 quit=1 commands=7/9",
          "Nov 28 07:35:00 vm postfix/local[22987]: F2C1412C123: to=<carol@example.test>, relay=local, delay=0.02, delays=0/0.01/0/0, dsn=2.0.0, status=sent (delivered to mailbox)",
          "Nov 28 07:35:00 vm postfix/qmgr[22861]: F2C1412C123: removed",
      },
      CorrelatorOptions(), /*include_unfinished=*/true);
  ASSERT_EQ(4u, run.records.size());
  const MessageRecord* held = ByQueueId(run, "E5A0C12C10F");
  const MessageRecord* discarded = ByQueueId(run, "E71D012C123");
  const MessageRecord* sent = ByQueueId(run, "F2C1412C123");
  ASSERT_NE(nullptr, held);
  ASSERT_NE(nullptr, discarded);
  ASSERT_NE(nullptr, sent);
  EXPECT_FALSE(held->finished);  // in the hold queue at the end
  EXPECT_TRUE(held->held);
  EXPECT_EQ("alice@example.test", held->sender);
  ASSERT_EQ(1u, held->recipients.size());
  EXPECT_EQ("hold-me@example.test", held->recipients[0].address);
  EXPECT_EQ(RecipientStatus::kHeld, held->recipients[0].status);
  EXPECT_TRUE(discarded->finished);
  EXPECT_EQ("discarded", discarded->end);
  ASSERT_EQ(1u, discarded->recipients.size());
  EXPECT_EQ(RecipientStatus::kDiscarded, discarded->recipients[0].status);
  EXPECT_EQ("removed", sent->end);
  EXPECT_FALSE(sent->held);
  ASSERT_EQ(1u, sent->recipients.size());
  EXPECT_EQ(RecipientStatus::kSent, sent->recipients[0].status);
  const MessageRecord* held_without = ByQueueId(run, "CF10612C0FC");
  ASSERT_NE(nullptr, held_without);
  EXPECT_FALSE(held_without->finished);
  EXPECT_TRUE(held_without->held);
  EXPECT_TRUE(held_without->recipients.empty());
  // the held message is not abandoned as one that never reached the queue
  // manager would be
  EXPECT_EQ(0u, run.stats.abandoned);
}

// cleanup's reason beats "canceled", in either order: the size limit of the
// real-Postfix corpus (testdata/logs/postfix_real.syslog), where the
// disconnect (data=0/1) may come before or after cleanup's warning.
TEST(CorrelatorTest, CleanupsReasonReplacesACanceledEndInEitherOrder) {
  const std::vector<std::string> head = {
      "Nov 25 19:22:46 vm postfix/smtpd[29827]: connect from unknown[127.0.0.1]",
      "Nov 25 19:22:46 vm postfix/smtpd[29827]: DF9161081D7: client=unknown[127.0.0.1]",
      "Nov 25 19:22:46 vm postfix/cleanup[29816]: DF9161081D7: message-id=<size_reject_data.1@test>",
  };
  const std::string warning =
      "Nov 25 19:22:46 vm postfix/cleanup[29816]: warning: DF9161081D7: queue file size limit exceeded";
  const std::string disconnect =
      "Nov 25 19:22:46 vm postfix/smtpd[29827]: disconnect from unknown[127.0.0.1] ehlo=1 mail=1 rcpt=1 data=0/1 quit=1 commands=4/5";
  for (bool warning_first : {true, false}) {
    std::vector<std::string> lines = head;
    lines.push_back(warning_first ? warning : disconnect);
    lines.push_back(warning_first ? disconnect : warning);
    Outcome run = Correlate(lines);
    ASSERT_EQ(1u, run.records.size()) << warning_first;
    EXPECT_EQ("rejected", run.records[0].end) << warning_first;
    EXPECT_EQ("END-OF-MESSAGE", run.records[0].reject_stage) << warning_first;
  }
}

// An action whose transaction never got a queue ID (its recipient refused,
// nothing else accepted) does not reach the process's next session.
TEST(CorrelatorTest, AnActionDoesNotOutliveItsSession) {
  Outcome run = Correlate(
      {
          "Nov 28 07:40:00 vm postfix/smtpd[26260]: connect from unknown[127.0.0.1]",
          "Nov 28 07:40:00 vm postfix/smtpd[26260]: NOQUEUE: hold: RCPT from unknown[127.0.0.1]: <hold-me@example.test>: Recipient address triggers HOLD action; from=<alice@example.test> to=<hold-me@example.test> proto=ESMTP helo=<client.example.net>",
          "Nov 28 07:40:00 vm postfix/smtpd[26260]: NOQUEUE: reject: RCPT from unknown[127.0.0.1]: 550 5.7.1 <hold-me@example.test>: Recipient address rejected: no after all; from=<alice@example.test> to=<hold-me@example.test> proto=ESMTP helo=<client.example.net>",
          "Nov 28 07:40:00 vm postfix/smtpd[26260]: disconnect from unknown[127.0.0.1] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4",
          "Nov 28 07:40:05 vm postfix/smtpd[26260]: connect from unknown[127.0.0.1]",
          "Nov 28 07:40:05 vm postfix/smtpd[26260]: 1A2B312C0FC: client=unknown[127.0.0.1]",
          "Nov 28 07:40:05 vm postfix/cleanup[26264]: 1A2B312C0FC: message-id=<next.1@test>",
          "Nov 28 07:40:05 vm postfix/qmgr[22861]: 1A2B312C0FC: from=<alice@example.test>, size=400, nrcpt=1 (queue active)",
          "Nov 28 07:40:05 vm postfix/smtpd[26260]: disconnect from unknown[127.0.0.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5",
      },
      CorrelatorOptions(), /*include_unfinished=*/true);
  // Queued and in flight at the end (a removed line would clear `held`
  // anyway): not held.
  ASSERT_EQ(1u, run.records.size());
  EXPECT_FALSE(run.records[0].finished);
  EXPECT_FALSE(run.records[0].held);
  EXPECT_TRUE(run.records[0].recipients.empty());
}

}  // namespace
}  // namespace mailgauge::analyzer
