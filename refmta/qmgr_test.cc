#include "refmta/qmgr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <thread>

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "re2/re2.h"

namespace mailgauge::refmta {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

class QueueManagerTest : public ::testing::Test {
 protected:
  void Make(const std::string& extra = "") {
    dir_ = absl::StrCat(testing::TempDir(), "/qmgr_", getpid(), "_", counter_++);
    ASSERT_EQ(0, system(absl::StrCat("rm -rf '", dir_, "' && mkdir -p '", dir_, "'").c_str()));
    std::ofstream(dir_ + "/aliases")
        << "postmaster: alice\nfriends: bob, carol@remote.example\n";
    std::ofstream(dir_ + "/local_users") << "alice ok\nbob ok\n";
    std::ofstream(dir_ + "/vmailbox") << "dora@virtual.example virtual.example/dora/\n";
    std::ofstream(dir_ + "/valias") << "info@alias.example dora@virtual.example, alice\n";
    auto cf = MainCf::Parse(
        absl::StrCat("myhostname = mx.example.com\nmydomain = example.com\n"
                     "myorigin = $mydomain\n"
                     "mydestination = $myhostname, localhost, $mydomain\n"
                     "mynetworks = 127.0.0.0/8\n"
                     "alias_maps = texthash:", dir_, "/aliases\n",
                     "local_recipient_maps = texthash:", dir_, "/local_users $alias_maps\n",
                     "virtual_mailbox_domains = virtual.example\n"
                     "virtual_mailbox_maps = texthash:", dir_, "/vmailbox\n",
                     "virtual_mailbox_base = ", dir_, "/spool/vmail\n",
                     "virtual_alias_domains = alias.example\n"
                     "virtual_alias_maps = texthash:", dir_, "/valias\n",
                     "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n"
                     "minimal_backoff_time = 100s\nmaximal_backoff_time = 400s\n"
                     "maximal_queue_lifetime = 1h\n",
                     extra),
        "main.cf");
    ASSERT_TRUE(cf.ok()) << cf.status();
    auto config = LoadRefmtaConfig(*cf);
    ASSERT_TRUE(config.ok()) << config.status();
    config_ = *config;
    policy_ = *RecipientPolicy::Create(config_);
    auto local = LocalDeliveryAgent::Create(config_, dir_ + "/spool");
    ASSERT_TRUE(local.ok()) << local.status();
    local_ = *std::move(local);
    valias_ = *LookupTableList::Open(config_.virtual_alias_maps);
    queue_ = *Queue::Open(dir_ + "/spool", false);
    log_ = std::make_unique<PostfixLogWriter>(PostfixLogOptions{},
                                              [this](const std::string& line) {
                                                log_lines_.push_back(
                                                    line.substr(line.find("postfix/")));
                                              });
    ledger_ = std::make_unique<Ledger>(
        [this](const std::string& line) { ledger_lines_.push_back(line); });
    QueueManagerOptions options;
    options.qmgr_pid = 1;
    options.local_pid = 2;
    options.virtual_pid = 3;
    options.smtp_pid = 4;
    options.bounce_pid = 5;
    options.cleanup_pid = 6;
    options.error_pid = 7;
    options.smtp_timeout = absl::Seconds(2);
    options.clock = [this] { return now_; };
    qmgr_ = std::make_unique<QueueManager>(
        QueueManagerDeps{&config_, policy_.get(), local_.get(), &valias_, queue_.get(),
                         log_.get(), ledger_.get()},
        options);
  }
  std::string Enqueue(const std::string& sender, std::vector<std::string> rcpts) {
    Envelope env;
    env.sender = sender;
    for (const std::string& r : rcpts) env.recipients.push_back({r});
    auto id = queue_->Enqueue(QueueName::kIncoming, env,
                              "Subject: test\nMessage-ID: <t1@example.com>\n\nhello\n", now_);
    EXPECT_TRUE(id.ok()) << id.status();
    return id.ok() ? *id : "";
  }
  std::string Log() { return absl::StrJoin(log_lines_, ""); }

  static int counter_;
  absl::Time now_ = absl::FromUnixSeconds(1794899889);
  std::string dir_;
  RefmtaConfig config_;
  std::unique_ptr<RecipientPolicy> policy_;
  std::unique_ptr<LocalDeliveryAgent> local_;
  LookupTableList valias_;
  std::unique_ptr<Queue> queue_;
  std::unique_ptr<PostfixLogWriter> log_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<QueueManager> qmgr_;
  LookupTableList transport_;
  std::vector<std::string> log_lines_;
  std::vector<std::string> ledger_lines_;
};
int QueueManagerTest::counter_ = 0;

TEST(RetryBackoffTest, DoublesUpToTheMaximum) {
  RefmtaConfig c;
  c.minimal_backoff_time_seconds = 300;
  c.maximal_backoff_time_seconds = 4000;
  EXPECT_EQ(absl::Seconds(300), RetryBackoff(1, c));
  EXPECT_EQ(absl::Seconds(600), RetryBackoff(2, c));
  EXPECT_EQ(absl::Seconds(2400), RetryBackoff(4, c));
  EXPECT_EQ(absl::Seconds(4000), RetryBackoff(5, c));
  EXPECT_EQ(absl::Seconds(4000), RetryBackoff(50, c));
}

// A damaged file in incoming (as a forward once was) is reported once and
// saved to SPOOL/corrupt; the rest of the queue is delivered and later runs
// neither warn again nor fail.
TEST_F(QueueManagerTest, SavesACorruptQueueFileAsideOnce) {
  Make();
  std::string good = Enqueue("sender@remote.example", {"alice@example.com"});
  std::string bad = Enqueue("sender@remote.example", {"bob@example.com"});
  const std::string bad_path = dir_ + "/spool/incoming/" + bad;
  std::string text;
  {
    std::ifstream in(bad_path);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(bad_path, std::ios::trunc) << text.substr(0, text.size() - 4);
  (void)qmgr_->RunOnce();
  EXPECT_THAT(Log(), HasSubstr(good + ": removed"));
  EXPECT_THAT(Log(), HasSubstr("truncated or wrong size"));
  EXPECT_THAT(Log(), HasSubstr(absl::StrCat("warning: saving corrupt file \"", bad,
                                            "\" from queue \"incoming\" to queue \"corrupt\"")));
  EXPECT_NE(0, access(bad_path.c_str(), F_OK));
  EXPECT_EQ(0, access((dir_ + "/spool/corrupt/" + bad).c_str(), F_OK));
  const size_t lines = log_lines_.size();
  EXPECT_TRUE(qmgr_->RunOnce().ok());
  EXPECT_EQ(lines, log_lines_.size());  // nothing more to say
  auto json = queue_->PostqueueJson();
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ("", *json);
}

TEST_F(QueueManagerTest, DeliversLocallyAndRemoves) {
  Make();
  std::string id = Enqueue("sender@remote.example", {"alice@example.com"});
  ASSERT_TRUE(qmgr_->RunOnce().ok());
  ASSERT_THAT(log_lines_, SizeIs(3));
  EXPECT_EQ("postfix/qmgr[1]: " + id + ": from=<sender@remote.example>, size=50, nrcpt=1 "
            "(queue active)\n",
            log_lines_[0]);
  EXPECT_EQ("postfix/local[2]: " + id + ": to=<alice@example.com>, relay=local, delay=0, "
            "delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)\n",
            log_lines_[1]);
  EXPECT_EQ("postfix/qmgr[1]: " + id + ": removed\n", log_lines_[2]);
  EXPECT_THAT(Slurp(dir_ + "/spool/mail/alice"), HasSubstr("hello\n"));
  EXPECT_TRUE(absl::IsNotFound(queue_->Locate(id).status()));
  ASSERT_THAT(ledger_lines_, SizeIs(1));
  EXPECT_THAT(ledger_lines_[0], HasSubstr("\"event\":\"delivered\""));
}

TEST_F(QueueManagerTest, UnknownUserBouncesWithANotice) {
  Make();
  std::string id = Enqueue("alice@example.com", {"nobody@example.com"});
  ASSERT_TRUE(qmgr_->RunOnce().ok());
  std::string log = Log();
  EXPECT_THAT(log, HasSubstr(id + ": to=<nobody@example.com>, relay=local, delay=0, "
                                  "delays=0/0/0/0, dsn=5.1.1, status=bounced (unknown user: "
                                  "\"nobody\")\n"));
  std::string notice;
  ASSERT_TRUE(RE2::PartialMatch(log, "postfix/bounce\\[5\\]: " + id +
                                         ": sender non-delivery notification: (\\w+)\n",
                                &notice))
      << log;
  EXPECT_THAT(log, HasSubstr("postfix/cleanup[6]: " + notice + ": message-id=<"));
  EXPECT_THAT(log, HasSubstr(id + ": removed\n"));
  // The next pass delivers the notice to the sender.
  log_lines_.clear();
  ASSERT_TRUE(qmgr_->RunOnce().ok());
  EXPECT_THAT(Log(), HasSubstr(notice + ": from=<>, size="));
  std::string mbox = Slurp(dir_ + "/spool/mail/alice");
  EXPECT_THAT(mbox, HasSubstr("From MAILER-DAEMON  "));
  EXPECT_THAT(mbox, HasSubstr("Subject: Undelivered Mail Returned to Sender\n"));
  EXPECT_THAT(mbox, HasSubstr("<nobody@example.com>: unknown user: \"nobody\"\n"));
  EXPECT_THAT(mbox, HasSubstr("Status: 5.1.1\n"));
}

TEST_F(QueueManagerTest, FailedBounceGoesToPostmasterOnlyWhenNotifyClassesSaySo) {
  // Default notify_classes (resource, software): a failed bounce is dropped.
  Make();
  std::string id = Enqueue("", {"nobody@example.com"});
  ASSERT_TRUE(qmgr_->RunOnce().ok());
  EXPECT_THAT(Log(), HasSubstr(id + ": to=<nobody@example.com>, relay=local"));
  EXPECT_THAT(Log(), ::testing::Not(HasSubstr("notification")));
  EXPECT_THAT(Log(), HasSubstr(id + ": removed\n"));

  Make("notify_classes = resource, software, 2bounce\n");
  id = Enqueue("", {"nobody@example.com"});
  ASSERT_TRUE(qmgr_->RunOnce().ok());
  std::string notice;
  ASSERT_TRUE(RE2::PartialMatch(Log(), "postfix/bounce\\[5\\]: " + id +
                                           ": postmaster non-delivery notification: (\\w+)\n",
                                &notice))
      << Log();
  log_lines_.clear();
  ASSERT_TRUE(qmgr_->RunOnce().ok());
  // From double-bounce@myhostname to 2bounce_notice_recipient (postmaster,
  // an alias of alice here).
  EXPECT_THAT(Log(), HasSubstr(notice + ": from=<double-bounce@mx.example.com>, size="));
  EXPECT_THAT(Log(), HasSubstr(notice + ": to=<alice@example.com>, "
                                        "orig_to=<postmaster@example.com>, relay=local"));
  EXPECT_THAT(Slurp(dir_ + "/spool/mail/alice"),
              HasSubstr("Subject: Postmaster Copy: Undelivered Mail\n"));
  EXPECT_THAT(ledger_lines_.back(), HasSubstr("\"orig_to\":\"postmaster@example.com\""));

  // A failed double bounce is discarded, never bounced again.
  log_lines_.clear();
  id = Enqueue("double-bounce@mx.example.com", {"nobody@example.com"});
  ASSERT_TRUE(qmgr_->RunOnce().ok());
  EXPECT_THAT(Log(), HasSubstr("postfix/bounce[5]: warning: " + id +
                               ": undeliverable postmaster notification discarded\n"));
  EXPECT_THAT(Log(), ::testing::Not(HasSubstr("non-delivery notification")));
  ASSERT_TRUE(qmgr_->RunOnce().ok());
  EXPECT_THAT(queue_->List(QueueName::kIncoming).value(), IsEmpty());
}

TEST_F(QueueManagerTest, AliasesForwardAndVirtualAliases) {
  Make();
  std::string id = Enqueue("sender@remote.example", {"friends@example.com",
                                                     "info@alias.example"});
  ASSERT_TRUE(qmgr_->RunOnce().ok());
  std::string log = Log();
  EXPECT_THAT(log, HasSubstr("nrcpt=3 (queue active)"));  // info@ expanded to two
  EXPECT_THAT(log, HasSubstr(id + ": to=<bob@example.com>, orig_to=<friends@example.com>, "
                                  "relay=local"));
  // local(8) logs a forward once, for the alias (as real Postfix 3.7 does:
  // testdata/logs/postfix_real.syslog); the new message carries the targets
  // with orig_to=<alias>.
  std::string fwd;
  ASSERT_TRUE(RE2::PartialMatch(log, id + ": to=<friends@example\\.com>, relay=local, .*"
                                          "status=sent \\(forwarded as (\\w+)\\)",
                                &fwd))
      << log;
  EXPECT_THAT(log, HasSubstr("postfix/cleanup[6]: " + fwd + ": message-id=<t1@example.com>\n"));
  EXPECT_THAT(log, HasSubstr("postfix/virtual[3]: " + id + ": to=<dora@virtual.example>, "
                                  "orig_to=<info@alias.example>, relay=virtual"));
  EXPECT_THAT(log, HasSubstr("status=sent (delivered to maildir)"));
  EXPECT_THAT(log, HasSubstr(id + ": to=<alice@example.com>, orig_to=<info@alias.example>, "
                                  "relay=local"));
  // The forwarded copy waits in incoming for its own delivery.
  auto forwarded = queue_->Read(QueueName::kIncoming, fwd);
  ASSERT_TRUE(forwarded.ok()) << forwarded.status();
  EXPECT_EQ("carol@remote.example", forwarded->envelope.recipients[0].address);
  EXPECT_EQ("friends@example.com", forwarded->envelope.recipients[0].original_address);
  EXPECT_EQ("sender@remote.example", forwarded->envelope.sender);
}

TEST_F(QueueManagerTest, DefersWithBackoffThenExpires) {
  Make("relayhost = [127.0.0.1]:1\n");  // nothing listens on port 1
  std::string id = Enqueue("alice@example.com", {"carol@remote.example"});
  ASSERT_TRUE(qmgr_->RunOnce().ok());
  EXPECT_THAT(Log(), HasSubstr(id + ": to=<carol@remote.example>, relay=none, delay=0, "
                                    "delays=0/0/0/0, dsn=4.4.1, status=deferred (connect to "
                                    "127.0.0.1[127.0.0.1]:1: Connection refused)\n"));
  EXPECT_EQ(QueueName::kDeferred, queue_->Locate(id).value());
  auto json = queue_->PostqueueJson();
  EXPECT_THAT(*json, HasSubstr("\"delay_reason\": \"connect to 127.0.0.1[127.0.0.1]:1: "
                               "Connection refused\""));
  // Not yet due: nothing happens.
  log_lines_.clear();
  now_ += absl::Seconds(99);
  ASSERT_TRUE(qmgr_->RunOnce().ok());
  EXPECT_THAT(log_lines_, IsEmpty());
  // Due after minimal_backoff_time; the next wait doubles.
  now_ += absl::Seconds(1);
  ASSERT_TRUE(qmgr_->RunOnce().ok());
  // As in Postfix, time spent in the deferred queue counts as "before qmgr".
  EXPECT_THAT(Log(), HasSubstr("delay=100, delays=100/0/0/0, dsn=4.4.1, status=deferred"));
  auto file = queue_->Read(QueueName::kDeferred, id);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(2, file->envelope.attempts);
  EXPECT_EQ(absl::ToUnixMicros(now_ + absl::Seconds(200)), file->envelope.next_retry_micros);
  // After maximal_queue_lifetime: expired and returned to the sender.
  log_lines_.clear();
  now_ += absl::Hours(1);
  ASSERT_TRUE(qmgr_->RunOnce().ok());
  std::string log = Log();
  EXPECT_THAT(log, HasSubstr(id + ": from=<alice@example.com>, status=expired, returned to "
                                  "sender\n"));
  EXPECT_THAT(log, HasSubstr(": sender non-delivery notification: "));
  EXPECT_THAT(log, HasSubstr(id + ": removed\n"));
  EXPECT_TRUE(absl::IsNotFound(queue_->Locate(id).status()));
  EXPECT_THAT(absl::StrJoin(ledger_lines_, ""), HasSubstr("\"event\":\"expired\""));
}

TEST_F(QueueManagerTest, NoRelayhostDefersAsConfigurationError) {
  Make();
  std::string id = Enqueue("alice@example.com", {"carol@remote.example"});
  ASSERT_TRUE(qmgr_->RunOnce().ok());
  EXPECT_THAT(Log(), HasSubstr("postfix/smtp[4]: " + id + ": to=<carol@remote.example>, "
                               "relay=none, delay=0, delays=0/0/0/0, dsn=4.3.5, "
                               "status=deferred (mail system configuration error)\n"));
}

TEST_F(QueueManagerTest, RecoverMovesActiveBackToIncoming) {
  Make();
  std::string id = Enqueue("alice@example.com", {"bob@example.com"});
  ASSERT_TRUE(queue_->Move(id, QueueName::kIncoming, QueueName::kActive).ok());
  ASSERT_TRUE(qmgr_->Recover().ok());
  EXPECT_EQ(QueueName::kIncoming, queue_->Locate(id).value());
  ASSERT_TRUE(qmgr_->RunOnce().ok());
  EXPECT_THAT(Log(), HasSubstr(id + ": removed\n"));
}

// A one-session SMTP peer on 127.0.0.1 that accepts everything except
// recipients starting with "reject".
class AcceptingPeer {
 public:
  AcceptingPeer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    EXPECT_EQ(0, bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)));
    EXPECT_EQ(0, listen(fd_, 1));
    socklen_t len = sizeof(a);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~AcceptingPeer() {
    thread_.join();
    close(fd_);
  }
  int port() const { return port_; }

 private:
  void Serve() {
    int c = accept(fd_, nullptr, nullptr);
    auto say = [c](const std::string& s) { send(c, s.data(), s.size(), MSG_NOSIGNAL); };
    say("220 peer ESMTP\r\n");
    std::string buf;
    bool data = false;
    for (;;) {
      size_t nl;
      while ((nl = buf.find("\r\n")) == std::string::npos) {
        char chunk[4096];
        ssize_t n = read(c, chunk, sizeof(chunk));
        if (n <= 0) {
          close(c);
          return;
        }
        buf.append(chunk, static_cast<size_t>(n));
      }
      std::string line = buf.substr(0, nl);
      buf.erase(0, nl + 2);
      if (data) {
        if (line == ".") {
          data = false;
          say("250 2.0.0 Ok: queued as PEER123\r\n");
        }
      } else if (absl::StartsWith(line, "RCPT TO:<reject")) {
        say("550 5.1.1 <reject@remote.example>: Recipient address rejected: User unknown\r\n");
      } else if (line == "DATA") {
        data = true;
        say("354 go ahead\r\n");
      } else if (line == "QUIT") {
        say("221 2.0.0 Bye\r\n");
        close(c);
        return;
      } else {
        say("250 ok\r\n");
      }
    }
  }
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

// An SMTP server that accepts everything slowly and counts how many
// sessions it had at once.
class SlowPeer {
 public:
  SlowPeer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    EXPECT_EQ(0, bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)));
    EXPECT_EQ(0, listen(fd_, 16));
    socklen_t len = sizeof(a);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] {
      for (;;) {
        int c = accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        std::lock_guard<std::mutex> lock(mu_);
        sessions_.emplace_back([this, c] { Serve(c); });
      }
    });
  }
  ~SlowPeer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    acceptor_.join();
    std::lock_guard<std::mutex> lock(mu_);
    for (std::thread& t : sessions_) t.join();
  }
  int port() const { return port_; }
  int max_concurrent() {
    std::lock_guard<std::mutex> lock(mu_);
    return max_;
  }

 private:
  void Serve(int c) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      max_ = std::max(max_, ++now_);
    }
    auto say = [c](const std::string& s) { send(c, s.data(), s.size(), MSG_NOSIGNAL); };
    absl::SleepFor(absl::Milliseconds(300));
    say("220 slow ESMTP\r\n");
    std::string buf;
    bool data = false;
    for (bool done = false; !done;) {
      char chunk[4096];
      ssize_t n = read(c, chunk, sizeof(chunk));
      if (n <= 0) break;
      buf.append(chunk, static_cast<size_t>(n));
      size_t nl;
      while (!done && (nl = buf.find("\r\n")) != std::string::npos) {
        std::string line = buf.substr(0, nl);
        buf.erase(0, nl + 2);
        if (data) {
          if (line == ".") {
            data = false;
            say("250 2.0.0 Ok: queued as SLOW1\r\n");
          }
        } else if (line == "DATA") {
          data = true;
          say("354 go ahead\r\n");
        } else if (line == "QUIT") {
          say("221 bye\r\n");
          done = true;
        } else {
          say("250 ok\r\n");
        }
      }
    }
    close(c);
    std::lock_guard<std::mutex> lock(mu_);
    --now_;
  }
  int fd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> sessions_;
  int now_ = 0;
  int max_ = 0;
};

TEST_F(QueueManagerTest, DeliveriesToOneDestinationRunInParallelUpToTheLimit) {
  for (int limit : {1, 3}) {
    SlowPeer peer;
    now_ = absl::Now();
    Make(absl::StrCat("relayhost = [127.0.0.1]:", peer.port(), "\n",
                      "default_destination_concurrency_limit = ", limit, "\n"));
    std::vector<std::string> ids;
    for (int i = 0; i < 4; ++i) ids.push_back(Enqueue("alice@example.com", {"x@remote.example"}));
    ASSERT_TRUE(qmgr_->RunOnce().ok());
    for (const std::string& id : ids) {
      EXPECT_THAT(Log(), HasSubstr(id + ": to=<x@remote.example>, relay=127.0.0.1[127.0.0.1]:"));
      EXPECT_THAT(Log(), HasSubstr(id + ": removed\n"));
    }
    EXPECT_EQ(limit, peer.max_concurrent()) << "limit " << limit;
    // Parallel deliveries are logged by different smtp "processes".
    if (limit > 1) {
      EXPECT_THAT(Log(), HasSubstr("postfix/smtp[1004]: "));
    }
  }
}

TEST_F(QueueManagerTest, TransportMapsRouteErrorRetryLocalAndSmtp) {
  AcceptingPeer peer;
  std::ofstream(absl::StrCat(testing::TempDir(), "/transport_", getpid()))
      << "gone.example    error:5.1.2 this domain is gone\n"
      << "later.example   retry:try again tomorrow\n"
      << "lan.example     local:\n"
      << ".sub.example    smtp:[127.0.0.1]:" << peer.port() << "\n";
  Make(absl::StrCat("transport_maps = texthash:", testing::TempDir(), "/transport_", getpid(),
                    "\nrelayhost = [127.0.0.1]:1\n"));
  auto maps = LookupTableList::Open(config_.transport_maps);
  ASSERT_TRUE(maps.ok()) << maps.status();
  EXPECT_EQ(TransportRoute::Kind::kSmtp, LookupTransport(*maps, "a@x.sub.example").kind);
  EXPECT_EQ(TransportRoute::Kind::kDefault, LookupTransport(*maps, "a@sub.example").kind);
  EXPECT_EQ(TransportRoute::Kind::kDefault, LookupTransport(*maps, "a@other.example").kind);
  transport_ = *std::move(maps);
  QueueManagerOptions options;
  options.qmgr_pid = 1;
  options.local_pid = 2;
  options.smtp_pid = 4;
  options.bounce_pid = 5;
  options.cleanup_pid = 6;
  options.error_pid = 7;
  options.clock = [this] { return now_; };
  QueueManagerDeps deps{&config_, policy_.get(), local_.get(), &valias_, queue_.get(),
                        log_.get(), ledger_.get()};
  deps.transport_maps = &transport_;
  qmgr_ = std::make_unique<QueueManager>(deps, options);
  std::string id = Enqueue("alice@example.com", {"a@gone.example", "b@later.example",
                                                  "bob@lan.example", "c@mx.sub.example"});
  ASSERT_TRUE(qmgr_->RunOnce().ok());
  std::string log = Log();
  EXPECT_THAT(log, HasSubstr("postfix/error[7]: " + id + ": to=<a@gone.example>, relay=none, "
                             "delay=0, delays=0/0/0/0, dsn=5.1.2, status=bounced (this domain "
                             "is gone)\n"));
  EXPECT_THAT(log, HasSubstr("postfix/retry[7]: " + id + ": to=<b@later.example>, relay=none, "
                             "delay=0, delays=0/0/0/0, dsn=4.0.0, status=deferred (try again "
                             "tomorrow)\n"));
  EXPECT_THAT(log, HasSubstr("postfix/local[2]: " + id + ": to=<bob@lan.example>, relay=local"));
  EXPECT_THAT(log, HasSubstr(id + ": to=<c@mx.sub.example>, relay=127.0.0.1[127.0.0.1]:" +
                             std::to_string(peer.port()) + ", delay=0, delays=0/0/0/0, "
                             "dsn=2.0.0, status=sent"));
  EXPECT_THAT(log, HasSubstr(": sender non-delivery notification: "));
  EXPECT_THAT(Slurp(dir_ + "/spool/mail/bob"), HasSubstr("hello"));
  EXPECT_THAT(queue_->List(QueueName::kDeferred).value(), SizeIs(1));
}

TEST_F(QueueManagerTest, RelaysThroughTheRelayhost) {
  AcceptingPeer peer;
  Make(absl::StrCat("relayhost = [127.0.0.1]:", peer.port(), "\n"));
  std::string id = Enqueue("alice@example.com", {"carol@remote.example", "reject@remote.example"});
  ASSERT_TRUE(qmgr_->RunOnce().ok());
  std::string log = Log();
  std::string relay = absl::StrCat("127.0.0.1[127.0.0.1]:", peer.port());
  EXPECT_THAT(log, HasSubstr("postfix/smtp[4]: " + id + ": to=<carol@remote.example>, relay=" +
                             relay + ", delay=0, delays=0/0/0/0, dsn=2.0.0, status=sent (250 "
                             "2.0.0 Ok: queued as PEER123)\n"));
  EXPECT_THAT(log, HasSubstr(id + ": to=<reject@remote.example>, relay=" + relay +
                             ", delay=0, delays=0/0/0/0, dsn=5.1.1, status=bounced (host "
                             "127.0.0.1[127.0.0.1] said: 550 5.1.1 <reject@remote.example>: "
                             "Recipient address rejected: User unknown (in reply to RCPT TO "
                             "command))\n"));
  EXPECT_THAT(log, HasSubstr(": sender non-delivery notification: "));
  EXPECT_THAT(log, HasSubstr(id + ": removed\n"));
}

}  // namespace
}  // namespace mailgauge::refmta
