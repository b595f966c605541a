#include "refmta/smtp_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mailgauge::refmta {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A blocking SMTP client on loopback, optionally bound to a source address.
class Client {
 public:
  Client(int port, const std::string& source = "127.0.0.1") {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    inet_pton(AF_INET, source.c_str(), &src.sin_addr);
    EXPECT_EQ(0, bind(fd_, reinterpret_cast<sockaddr*>(&src), sizeof(src)));
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
    EXPECT_EQ(0, connect(fd_, reinterpret_cast<sockaddr*>(&dst), sizeof(dst)));
  }
  ~Client() { Close(); }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  void Send(absl::string_view data) {
    ASSERT_EQ(static_cast<ssize_t>(data.size()), send(fd_, data.data(), data.size(), MSG_NOSIGNAL));
  }
  // One whole (possibly multi-line) reply, lines joined with "\n"; "" on EOF
  // or after 5 s.
  std::string Reply() {
    std::string reply;
    for (;;) {
      size_t nl;
      while ((nl = buffer_.find("\r\n")) == std::string::npos) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 5000) <= 0) return reply;
        char chunk[4096];
        ssize_t n = read(fd_, chunk, sizeof(chunk));
        if (n <= 0) return reply;
        buffer_.append(chunk, static_cast<size_t>(n));
      }
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 2);
      absl::StrAppend(&reply, reply.empty() ? "" : "\n", line);
      if (line.size() < 4 || line[3] != '-') return reply;
    }
  }
  std::string Command(absl::string_view line) {
    Send(absl::StrCat(line, "\r\n"));
    return Reply();
  }
  // True when the server closed the connection (read returns 0).
  bool ClosedByServer() {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 5000) <= 0) return false;
    char c;
    return read(fd_, &c, 1) == 0;
  }

 private:
  int fd_ = -1;
  std::string buffer_;
};

class SmtpServerTest : public ::testing::Test {
 protected:
  void Start(const std::string& extra_config = "") {
    dir_ = absl::StrCat(testing::TempDir(), "/smtpd_", getpid(), "_", counter_++);
    ASSERT_EQ(0, system(absl::StrCat("rm -rf '", dir_, "' && mkdir -p '", dir_, "'").c_str()));
    std::ofstream(dir_ + "/aliases") << "postmaster: alice\n";
    std::ofstream(dir_ + "/local_users") << "alice ok\nbob ok\n";
    std::ofstream(dir_ + "/header_checks")
        << "/^Subject:.*forbidden/ REJECT\n/^Subject:.*custom/ REJECT 5.7.0 go away\n"
           "/^X-Discard:/ DISCARD\n/^X-Hold:/ HOLD\n";
    auto cf = MainCf::Parse(
        absl::StrCat("myhostname = mx.example.com\nmydomain = example.com\n"
                     "mydestination = $myhostname, localhost, $mydomain\n"
                     "mynetworks = 127.0.0.0/24\n"
                     "alias_maps = texthash:", dir_, "/aliases\n",
                     "local_recipient_maps = texthash:", dir_, "/local_users $alias_maps\n",
                     "smtpd_recipient_restrictions = permit_mynetworks, "
                     "reject_unauth_destination\n"
                     "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n"
                     "header_checks = regexp:", dir_, "/header_checks\n",
                     "message_size_limit = 2000\n"
                     "smtpd_timeout = 1s\n"
                     "disable_vrfy_command = yes\n",
                     extra_config),
        "main.cf");
    ASSERT_TRUE(cf.ok()) << cf.status();
    auto config = LoadRefmtaConfig(*cf);
    ASSERT_TRUE(config.ok()) << config.status();
    config_ = *config;
    auto policy = RecipientPolicy::Create(config_);
    ASSERT_TRUE(policy.ok()) << policy.status();
    policy_ = *std::move(policy);
    auto queue = Queue::Open(dir_ + "/spool", false);
    ASSERT_TRUE(queue.ok()) << queue.status();
    queue_ = *std::move(queue);
    PostfixLogOptions log_options;
    log_options.hostname = "mx.example.com";
    log_ = std::make_unique<PostfixLogWriter>(log_options, [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(mu_);
      log_lines_.push_back(line.substr(line.find("postfix/")));  // drop the time stamp
    });
    ledger_ = std::make_unique<refmta::Ledger>([this](const std::string& line) {
      std::lock_guard<std::mutex> lock(mu_);
      ledger_lines_.push_back(line);
    });
    auto checks = LookupTableList::Open(config_.header_checks);
    ASSERT_TRUE(checks.ok()) << checks.status();
    cleanup_ = std::make_unique<Cleanup>(config_, queue_.get(), log_.get(), ledger_.get(),
                                         *std::move(checks), 101);
    SmtpServerOptions options;
    options.smtpd_pid = 100;
    if (config_.smtpd_tls_security_level == "may" && tls_ == nullptr) {
      auto tls = TlsContext::CreateServer("", "", config_.myhostname);
      ASSERT_TRUE(tls.ok()) << tls.status();
      tls_ = *std::move(tls);
    }
    SmtpServerDeps deps{&config_, policy_.get(), queue_.get(), log_.get(), ledger_.get(),
                        cleanup_.get()};
    deps.tls = tls_.get();
    auto server = SmtpServer::Start(deps, options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  // Log lines after the session ends (Stop joins every session).
  std::vector<std::string> StopAndLog() {
    server_->Stop();
    std::lock_guard<std::mutex> lock(mu_);
    return log_lines_;
  }
  std::vector<std::string> LedgerLines() {
    std::lock_guard<std::mutex> lock(mu_);
    return ledger_lines_;
  }

  static int counter_;
  std::string dir_;
  RefmtaConfig config_;
  std::unique_ptr<RecipientPolicy> policy_;
  std::unique_ptr<Queue> queue_;
  std::unique_ptr<PostfixLogWriter> log_;
  std::unique_ptr<refmta::Ledger> ledger_;
  std::unique_ptr<Cleanup> cleanup_;
  static std::unique_ptr<TlsContext> tls_;  // made once: RSA key generation is slow
  std::unique_ptr<SmtpServer> server_;
  std::mutex mu_;
  std::vector<std::string> log_lines_;
  std::vector<std::string> ledger_lines_;
};
int SmtpServerTest::counter_ = 0;
std::unique_ptr<TlsContext> SmtpServerTest::tls_;

// A connected socket for SmtpStream-based clients.
int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.2", &dst.sin_addr);
  sockaddr_in src{};
  src.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.2", &src.sin_addr);
  EXPECT_EQ(0, bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof(src)));
  dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(0, connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof(dst)));
  return fd;
}

// One reply (lines joined with "\n") read through `s`; "" on EOF.
std::string StreamReply(SmtpStream& s, std::string* buffer) {
  std::string reply;
  for (;;) {
    size_t nl;
    while ((nl = buffer->find("\r\n")) == std::string::npos) {
      char chunk[4096];
      ssize_t n = s.Read(chunk, sizeof(chunk));
      if (n <= 0) return reply;
      buffer->append(chunk, static_cast<size_t>(n));
    }
    std::string line = buffer->substr(0, nl);
    buffer->erase(0, nl + 2);
    absl::StrAppend(&reply, reply.empty() ? "" : "\n", line);
    if (line.size() < 4 || line[3] != '-') return reply;
  }
}

TEST_F(SmtpServerTest, AcceptsAMessageIntoTheQueue) {
  Start();
  Client c(server_->port());
  EXPECT_EQ("220 mx.example.com ESMTP Postfix", c.Reply());
  EXPECT_EQ("250-mx.example.com\n250-PIPELINING\n250-SIZE 2000\n250-ENHANCEDSTATUSCODES\n"
            "250 8BITMIME",
            c.Command("EHLO client.example"));
  EXPECT_EQ("250 2.1.0 Ok", c.Command("MAIL FROM:<sender@outside.example> SIZE=100"));
  EXPECT_EQ("250 2.1.5 Ok", c.Command("RCPT TO:<alice@example.com>"));
  EXPECT_EQ("354 End data with <CR><LF>.<CR><LF>", c.Command("DATA"));
  c.Send("Subject: hello\r\nMessage-ID: <m1@outside.example>\r\n\r\nline one\r\n..dotted\r\n.\r\n");
  std::string queued = c.Reply();
  ASSERT_TRUE(absl::StartsWith(queued, "250 2.0.0 Ok: queued as ")) << queued;
  std::string id = queued.substr(strlen("250 2.0.0 Ok: queued as "));
  EXPECT_EQ("221 2.0.0 Bye", c.Command("QUIT"));
  EXPECT_TRUE(c.ClosedByServer());

  auto file = queue_->Read(QueueName::kIncoming, id);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ("sender@outside.example", file->envelope.sender);
  ASSERT_EQ(1u, file->envelope.recipients.size());
  EXPECT_EQ("alice@example.com", file->envelope.recipients[0].address);
  EXPECT_EQ("127.0.0.1", file->envelope.client_addr);
  EXPECT_EQ("ESMTP", file->envelope.protocol);
  EXPECT_THAT(file->message, HasSubstr("\n\nline one\n.dotted\n"));
  EXPECT_TRUE(absl::StartsWith(file->message, "Received: from client.example (localhost "
                                              "[127.0.0.1])\n\tby mx.example.com (Postfix) "
                                              "with ESMTP id " + id + "\n\tfor <alice@example.com>; "))
      << file->message;

  EXPECT_THAT(StopAndLog(),
              ElementsAre("postfix/smtpd[100]: connect from localhost[127.0.0.1]\n",
                          "postfix/smtpd[100]: " + id + ": client=localhost[127.0.0.1]\n",
                          "postfix/cleanup[101]: " + id + ": message-id=<m1@outside.example>\n",
                          "postfix/smtpd[100]: disconnect from localhost[127.0.0.1] ehlo=1 "
                          "mail=1 rcpt=1 data=1 quit=1 commands=5\n"));
  std::vector<std::string> ledger = LedgerLines();
  ASSERT_EQ(1u, ledger.size());
  EXPECT_THAT(ledger[0], HasSubstr("\"event\":\"accepted\""));
  EXPECT_THAT(ledger[0], HasSubstr("\"queue_id\":\"" + id + "\""));
  EXPECT_THAT(ledger[0], HasSubstr("\"recipient\":\"alice@example.com\""));
}

TEST_F(SmtpServerTest, RelayDeniedFromOutsideMynetworks) {
  Start();
  Client c(server_->port(), "127.0.1.5");
  c.Reply();
  EXPECT_EQ("250 mx.example.com", c.Command("HELO outsider"));
  EXPECT_EQ("250 2.1.0 Ok", c.Command("MAIL FROM:<spammer@outside.example>"));
  EXPECT_EQ("554 5.7.1 <victim@elsewhere.example>: Relay access denied",
            c.Command("RCPT TO:<victim@elsewhere.example>"));
  EXPECT_EQ("554 5.5.1 Error: no valid recipients", c.Command("DATA"));
  EXPECT_EQ("221 2.0.0 Bye", c.Command("QUIT"));
  EXPECT_THAT(queue_->List(QueueName::kIncoming).value(), IsEmpty());
  EXPECT_THAT(StopAndLog(),
              ElementsAre("postfix/smtpd[100]: connect from unknown[127.0.1.5]\n",
                          "postfix/smtpd[100]: NOQUEUE: reject: RCPT from unknown[127.0.1.5]: "
                          "554 5.7.1 <victim@elsewhere.example>: Relay access denied; "
                          "from=<spammer@outside.example> to=<victim@elsewhere.example> "
                          "proto=SMTP helo=<outsider>\n",
                          "postfix/smtpd[100]: disconnect from unknown[127.0.1.5] helo=1 "
                          "mail=1 rcpt=0/1 data=0/1 quit=1 commands=3/5\n"));
  std::vector<std::string> ledger = LedgerLines();
  ASSERT_EQ(1u, ledger.size());
  EXPECT_THAT(ledger[0], HasSubstr("\"event\":\"rejected\""));
  EXPECT_THAT(ledger[0], HasSubstr("Relay access denied"));
}

TEST_F(SmtpServerTest, UnknownLocalUserAfterAnAcceptedOneLogsTheQueueId) {
  Start();
  Client c(server_->port());
  c.Reply();
  c.Command("EHLO client");
  c.Command("MAIL FROM:<>");
  EXPECT_EQ("250 2.1.5 Ok", c.Command("RCPT TO:<bob@example.com>"));
  EXPECT_EQ("550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in "
            "local recipient table",
            c.Command("RCPT TO:<nobody@example.com>"));
  EXPECT_EQ("250 2.0.0 Ok", c.Command("RSET"));
  EXPECT_EQ("221 2.0.0 Bye", c.Command("QUIT"));
  std::vector<std::string> log = StopAndLog();
  ASSERT_EQ(4u, log.size());
  std::string id = log[1].substr(strlen("postfix/smtpd[100]: "), 11);
  EXPECT_EQ("postfix/smtpd[100]: " + id + ": reject: RCPT from localhost[127.0.0.1]: 550 5.1.1 "
            "<nobody@example.com>: Recipient address rejected: User unknown in local "
            "recipient table; from=<> to=<nobody@example.com> proto=ESMTP helo=<client>\n",
            log[2]);
  // RSET dropped the reserved queue file.
  EXPECT_TRUE(absl::IsNotFound(queue_->Locate(id).status()));
}

TEST_F(SmtpServerTest, PipelinedCommandsGetAllTheirReplies) {
  Start();
  Client c(server_->port());
  c.Reply();
  c.Send("EHLO client\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<alice@example.com>\r\n"
         "RCPT TO:<bob@example.com>\r\nDATA\r\n");
  EXPECT_THAT(c.Reply(), HasSubstr("250 8BITMIME"));
  EXPECT_EQ("250 2.1.0 Ok", c.Reply());
  EXPECT_EQ("250 2.1.5 Ok", c.Reply());
  EXPECT_EQ("250 2.1.5 Ok", c.Reply());
  EXPECT_EQ("354 End data with <CR><LF>.<CR><LF>", c.Reply());
  c.Send("Subject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n");
  EXPECT_THAT(c.Reply(), HasSubstr("250 2.0.0 Ok: queued as "));
  EXPECT_EQ("221 2.0.0 Bye", c.Reply());
  std::vector<std::string> log = StopAndLog();
  // No Message-ID: cleanup adds one and logs it.
  EXPECT_THAT(log[2], HasSubstr("message-id=<"));
  EXPECT_THAT(log[2], HasSubstr("@mx.example.com>"));
  EXPECT_EQ(2u, LedgerLines().size());
}

TEST_F(SmtpServerTest, SizeLimits) {
  Start();
  Client c(server_->port());
  c.Reply();
  c.Command("EHLO client");
  EXPECT_EQ("552 5.3.4 Message size exceeds fixed limit",
            c.Command("MAIL FROM:<a@example.com> SIZE=5000"));
  EXPECT_EQ("501 5.5.4 Bad message size syntax", c.Command("MAIL FROM:<a@example.com> SIZE=x"));
  EXPECT_EQ("555 5.5.4 Unsupported option: FOO=1", c.Command("MAIL FROM:<a@example.com> FOO=1"));
  EXPECT_EQ("250 2.1.0 Ok", c.Command("MAIL FROM:<a@example.com> BODY=8BITMIME"));
  EXPECT_EQ("250 2.1.5 Ok", c.Command("RCPT TO:<alice@example.com>"));
  EXPECT_EQ("354 End data with <CR><LF>.<CR><LF>", c.Command("DATA"));
  c.Send("Subject: big\r\n\r\n" + std::string(3000, 'x') + "\r\n.\r\n");
  EXPECT_EQ("552 5.3.4 Error: message file too big", c.Reply());
  EXPECT_EQ("221 2.0.0 Bye", c.Command("QUIT"));
  std::vector<std::string> log = StopAndLog();
  EXPECT_THAT(log, Contains("postfix/smtpd[100]: NOQUEUE: reject: MAIL from "
                            "localhost[127.0.0.1]: 552 5.3.4 Message size exceeds fixed limit; "
                            "proto=ESMTP helo=<client>\n"));
  EXPECT_THAT(log[log.size() - 2], HasSubstr("queue file size limit exceeded"));
  EXPECT_THAT(queue_->List(QueueName::kIncoming).value(), IsEmpty());
}

TEST_F(SmtpServerTest, HeaderChecksRejectDiscardHold) {
  Start();
  Client c(server_->port());
  c.Reply();
  c.Command("EHLO client");
  auto send = [&](const std::string& header) {
    EXPECT_EQ("250 2.1.0 Ok", c.Command("MAIL FROM:<a@example.com>"));
    EXPECT_EQ("250 2.1.5 Ok", c.Command("RCPT TO:<alice@example.com>"));
    EXPECT_EQ("354 End data with <CR><LF>.<CR><LF>", c.Command("DATA"));
    c.Send(header + "\r\n\r\nbody\r\n.\r\n");
    return c.Reply();
  };
  EXPECT_EQ("550 5.7.1 message content rejected", send("Subject: forbidden fruit"));
  EXPECT_EQ("550 5.7.0 go away", send("Subject: custom"));
  std::string discarded = send("X-Discard: yes");
  EXPECT_THAT(discarded, HasSubstr("250 2.0.0 Ok: queued as "));
  std::string held = send("X-Hold: please");
  ASSERT_THAT(held, HasSubstr("250 2.0.0 Ok: queued as "));
  std::string held_id = held.substr(strlen("250 2.0.0 Ok: queued as "));
  c.Command("QUIT");
  EXPECT_EQ(QueueName::kHold, queue_->Locate(held_id).value());
  EXPECT_THAT(queue_->List(QueueName::kIncoming).value(), IsEmpty());
  std::vector<std::string> log = StopAndLog();
  std::string all = absl::StrJoin(log, "");
  EXPECT_THAT(all, HasSubstr(": reject: header Subject: forbidden fruit from "
                             "localhost[127.0.0.1]; from=<a@example.com> to=<alice@example.com> "
                             "proto=ESMTP helo=<client>: 5.7.1 message content rejected\n"));
  EXPECT_THAT(all, HasSubstr(": discard: header X-Discard: yes from localhost[127.0.0.1]; "
                             "from=<a@example.com> to=<alice@example.com> proto=ESMTP "
                             "helo=<client>\n"));
  EXPECT_THAT(all, HasSubstr(held_id + ": hold: header X-Hold: please from "
                             "localhost[127.0.0.1]; from=<a@example.com> "
                             "to=<alice@example.com> proto=ESMTP helo=<client>\n"));
  EXPECT_THAT(all, HasSubstr("ehlo=1 mail=4 rcpt=4 data=2/4 quit=1 commands=12/14\n"));
}

TEST_F(SmtpServerTest, OtherCommandsAndErrors) {
  Start();
  Client c(server_->port());
  c.Reply();
  EXPECT_EQ("501 Syntax: EHLO hostname", c.Command("EHLO"));
  EXPECT_EQ("503 5.5.1 Error: need MAIL command", c.Command("RCPT TO:<alice@example.com>"));
  EXPECT_EQ("503 5.5.1 Error: need RCPT command", c.Command("DATA"));
  EXPECT_EQ("501 5.5.4 Syntax: MAIL FROM:<address>", c.Command("MAIL TO:<x>"));
  EXPECT_EQ("502 5.5.1 VRFY command is disabled", c.Command("VRFY alice"));
  EXPECT_EQ("250 2.0.0 Ok", c.Command("NOOP"));
  EXPECT_THAT(c.Command("HELP"), HasSubstr("214 2.0.0 Commands:"));
  EXPECT_EQ("500 5.5.2 Error: command not recognized", c.Command("FROB"));
  EXPECT_EQ("500 5.5.2 Error: command not recognized", c.Command(std::string("NO\0OP", 5)));
  EXPECT_EQ("250 mx.example.com", c.Command("HELO bare-lf\n"));  // bare LF ends the line too
  c.Reply();  // the "\r\n" Command added after the bare LF is an empty command
  EXPECT_EQ("250 2.1.0 Ok", c.Command("MAIL FROM:<a@example.com>"));
  EXPECT_EQ("503 5.5.1 Error: nested MAIL command", c.Command("MAIL FROM:<a@example.com>"));
  EXPECT_EQ("501 5.1.3 Bad recipient address syntax", c.Command("RCPT TO:<>"));
  EXPECT_EQ("500 5.5.2 Error: line too long", c.Command(std::string(5000, 'A')));
  EXPECT_EQ("221 2.0.0 Bye", c.Command("QUIT"));
  std::vector<std::string> log = StopAndLog();
  EXPECT_EQ("postfix/smtpd[100]: disconnect from localhost[127.0.0.1] helo=1 ehlo=0/1 "
            "mail=1/3 rcpt=0/2 data=0/1 noop=1 vrfy=0/1 quit=1 help=1 unknown=0/4 "
            "commands=5/16\n",
            log.back());
}

TEST_F(SmtpServerTest, TooManyErrorsDisconnects) {
  Start("smtpd_hard_error_limit = 3\n");
  Client c(server_->port());
  c.Reply();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ("500 5.5.2 Error: command not recognized", c.Command("BOGUS"));
  }
  EXPECT_EQ("421 4.7.0 mx.example.com Error: too many errors", c.Reply());
  EXPECT_TRUE(c.ClosedByServer());
  std::vector<std::string> log = StopAndLog();
  ASSERT_EQ(3u, log.size());
  EXPECT_EQ("postfix/smtpd[100]: too many errors after UNKNOWN from localhost[127.0.0.1]\n",
            log[1]);
  EXPECT_EQ("postfix/smtpd[100]: disconnect from localhost[127.0.0.1] unknown=0/3 "
            "commands=0/3\n",
            log[2]);
}

TEST_F(SmtpServerTest, IdleClientTimesOut) {
  Start();
  Client c(server_->port());
  c.Reply();
  c.Command("EHLO client");
  EXPECT_EQ("421 4.4.2 mx.example.com Error: timeout exceeded", c.Reply());
  EXPECT_TRUE(c.ClosedByServer());
  std::vector<std::string> log = StopAndLog();
  EXPECT_THAT(log, Contains("postfix/smtpd[100]: timeout after EHLO from localhost[127.0.0.1]\n"));
}

TEST_F(SmtpServerTest, ClientThatNeverFinishesDataTimesOut) {
  Start();
  Client c(server_->port());
  c.Reply();
  c.Command("EHLO client");
  c.Command("MAIL FROM:<a@example.com>");
  c.Command("RCPT TO:<alice@example.com>");
  c.Command("DATA");
  c.Send("Subject: never ends\r\n\r\npartial");
  EXPECT_EQ("421 4.4.2 mx.example.com Error: timeout exceeded", c.Reply());
  std::vector<std::string> log = StopAndLog();
  EXPECT_THAT(log, Contains("postfix/smtpd[100]: timeout after DATA (30 bytes) from "
                            "localhost[127.0.0.1]\n"));
  EXPECT_THAT(queue_->List(QueueName::kIncoming).value(), IsEmpty());
  EXPECT_TRUE(LedgerLines().empty());
}

TEST_F(SmtpServerTest, LostConnectionDropsTheReservedQueueFile) {
  Start();
  {
    Client c(server_->port(), "127.0.0.7");
    c.Reply();
    c.Command("HELO client");
    c.Command("MAIL FROM:<a@example.com>");
    c.Command("RCPT TO:<alice@example.com>");
  }
  std::vector<std::string> log;
  for (int i = 0; i < 100; ++i) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (log_lines_.size() >= 4) break;
    }
    usleep(20000);
  }
  log = StopAndLog();
  ASSERT_EQ(4u, log.size());
  EXPECT_EQ("postfix/smtpd[100]: lost connection after RCPT from unknown[127.0.0.7]\n", log[2]);
  EXPECT_EQ("postfix/smtpd[100]: disconnect from unknown[127.0.0.7] helo=1 mail=1 rcpt=1 "
            "commands=3\n",
            log[3]);
  // The reservation file made at RCPT is gone.
  std::string cmd = absl::StrCat("test -z \"$(ls -A ", dir_, "/spool/incoming)\"");
  EXPECT_EQ(0, system(cmd.c_str()));
}

TEST_F(SmtpServerTest, StopEndsOpenSessions) {
  Start();
  Client c(server_->port());
  c.Reply();
  server_->Stop();
  EXPECT_TRUE(c.ClosedByServer());
}

TEST_F(SmtpServerTest, ConcurrentSessionsAreLoggedByDifferentSmtpdPids) {
  // Each smtpd process serves one client at a time: two open sessions have
  // two pids, and a later session reuses a free one, as Postfix's pool does.
  Start();
  {
    Client first(server_->port());
    first.Reply();
    Client second(server_->port());
    second.Reply();
  }
  Client third(server_->port());
  third.Reply();
  const std::vector<std::string> log = StopAndLog();
  std::vector<std::string> connects;
  for (const std::string& line : log) {
    if (line.find(": connect from ") != std::string::npos) {
      connects.push_back(line.substr(0, line.find(':')));
    }
  }
  ASSERT_EQ(3u, connects.size());
  EXPECT_NE(connects[0], connects[1]);
  EXPECT_EQ("postfix/smtpd[100]", connects[0]);
  EXPECT_EQ("postfix/smtpd[101]", connects[1]);
}

TEST_F(SmtpServerTest, StartTlsResetsTheSessionAndIsLoggedAsPostfixDoes) {
  Start("smtpd_tls_security_level = may\n");
  auto client_tls = TlsContext::CreateClient();
  ASSERT_TRUE(client_tls.ok());
  int fd = Connect(server_->port());
  std::string buffer;
  {
    SmtpStream s(fd, absl::Seconds(5));
    EXPECT_EQ("220 mx.example.com ESMTP Postfix", StreamReply(s, &buffer));
    ASSERT_TRUE(s.Write("EHLO client.example\r\n"));
    EXPECT_EQ("250-mx.example.com\n250-PIPELINING\n250-SIZE 2000\n250-STARTTLS\n"
              "250-ENHANCEDSTATUSCODES\n250 8BITMIME",
              StreamReply(s, &buffer));
    ASSERT_TRUE(s.Write("STARTTLS now\r\n"));
    EXPECT_EQ("501 5.5.4 Syntax: STARTTLS", StreamReply(s, &buffer));
    ASSERT_TRUE(s.Write("MAIL FROM:<a@example.com>\r\nSTARTTLS\r\nRSET\r\n"));
    EXPECT_EQ("250 2.1.0 Ok", StreamReply(s, &buffer));
    EXPECT_EQ("503 5.5.1 Error: MAIL transaction in progress", StreamReply(s, &buffer));
    EXPECT_EQ("250 2.0.0 Ok", StreamReply(s, &buffer));
    // A command pipelined after STARTTLS in clear text must be ignored.
    ASSERT_TRUE(s.Write("STARTTLS\r\nMAIL FROM:<injected@example.com>\r\n"));
    EXPECT_EQ("220 2.0.0 Ready to start TLS", StreamReply(s, &buffer));
    buffer.clear();
    std::string error;
    ASSERT_TRUE(s.StartTls(**client_tls, TlsRole::kClient, &error)) << error;
    // The transaction state is gone: MAIL without EHLO is accepted but no
    // "nested MAIL" from the injected command.
    ASSERT_TRUE(s.Write("EHLO client.example\r\n"));
    std::string ehlo = StreamReply(s, &buffer);
    EXPECT_THAT(ehlo, HasSubstr("250 8BITMIME"));
    EXPECT_THAT(ehlo, ::testing::Not(HasSubstr("STARTTLS")));
    ASSERT_TRUE(s.Write("STARTTLS\r\n"));
    EXPECT_EQ("554 5.5.1 Error: TLS already active", StreamReply(s, &buffer));
    ASSERT_TRUE(s.Write("MAIL FROM:<a@example.com>\r\n"));
    EXPECT_EQ("250 2.1.0 Ok", StreamReply(s, &buffer));
    ASSERT_TRUE(s.Write("RCPT TO:<alice@example.com>\r\nDATA\r\n"));
    EXPECT_EQ("250 2.1.5 Ok", StreamReply(s, &buffer));
    EXPECT_EQ("354 End data with <CR><LF>.<CR><LF>", StreamReply(s, &buffer));
    ASSERT_TRUE(s.Write("Subject: tls\r\n\r\nsecret\r\n.\r\nQUIT\r\n"));
    EXPECT_THAT(StreamReply(s, &buffer), HasSubstr("250 2.0.0 Ok: queued as "));
    EXPECT_EQ("221 2.0.0 Bye", StreamReply(s, &buffer));
  }
  close(fd);
  std::vector<std::string> log = StopAndLog();
  ASSERT_GE(log.size(), 4u);
  EXPECT_EQ("postfix/smtpd[100]: connect from unknown[127.0.0.2]\n", log[0]);
  EXPECT_TRUE(absl::StartsWith(log[1],
                               "postfix/smtpd[100]: Anonymous TLS connection established from "
                               "unknown[127.0.0.2]: TLSv1.3 with cipher "))
      << log[1];
  EXPECT_EQ("postfix/smtpd[100]: disconnect from unknown[127.0.0.2] ehlo=2 starttls=1/4 "
            "mail=2 rcpt=1 data=1 rset=1 quit=1 commands=9/12\n",
            log.back());
}

TEST_F(SmtpServerTest, StartTlsWithoutAContextIs454AndNotOfferedWhenOff) {
  Start();
  Client c(server_->port());
  c.Reply();
  EXPECT_THAT(c.Command("EHLO client"), ::testing::Not(HasSubstr("STARTTLS")));
  EXPECT_EQ("502 5.5.1 Error: command not implemented", c.Command("STARTTLS"));
  server_->Stop();
  RefmtaConfig with_tls = config_;
  with_tls.smtpd_tls_security_level = "may";
  SmtpServerDeps deps{&with_tls, policy_.get(), queue_.get(), log_.get(), ledger_.get(),
                      cleanup_.get()};
  auto server = SmtpServer::Start(deps, {});
  ASSERT_TRUE(server.ok());
  Client d((*server)->port());
  d.Reply();
  EXPECT_THAT(d.Command("EHLO client"), HasSubstr("250-STARTTLS"));
  EXPECT_EQ("454 4.7.0 TLS not available due to local problem", d.Command("STARTTLS"));
  EXPECT_EQ("221 2.0.0 Bye", d.Command("QUIT"));
  (*server)->Stop();
}

TEST_F(SmtpServerTest, FailedHandshakeEndsTheSession) {
  Start("smtpd_tls_security_level = may\n");
  Client c(server_->port());
  c.Reply();
  c.Command("EHLO client");
  EXPECT_EQ("220 2.0.0 Ready to start TLS", c.Command("STARTTLS"));
  c.Send("this is not a TLS client hello\r\n");
  bool closed = false;  // after the TLS alert the server may send
  for (int i = 0; i < 64 && !closed; ++i) closed = c.ClosedByServer();
  EXPECT_TRUE(closed);
  std::vector<std::string> log = StopAndLog();
  EXPECT_THAT(log, Contains("postfix/smtpd[100]: SSL_accept error from localhost[127.0.0.1]: "
                            "-1\n"));
  EXPECT_THAT(log, Contains("postfix/smtpd[100]: lost connection after STARTTLS from "
                            "localhost[127.0.0.1]\n"));
}

TEST_F(SmtpServerTest, PipeliningFloodEndsWithTooManyErrorsWithoutStalling) {
  Start();
  Client c(server_->port());
  c.Reply();
  // 3000 junk commands in one burst, read only afterwards: every reply
  // comes, then smtpd_junk_command_limit and smtpd_hard_error_limit end it.
  std::string flood = "EHLO flood\r\n";
  for (int i = 0; i < 3000; ++i) flood += "NOOP\r\n";
  c.Send(flood);
  // (The server closes with the rest of the burst unread, so the kernel may
  // reset the connection before the client has read the 421.)
  int replies = 0;
  while (!c.Reply().empty()) ++replies;
  EXPECT_LT(replies, 3002);
  // The server is not stalled: a new session works.
  Client d(server_->port());
  EXPECT_EQ("220 mx.example.com ESMTP Postfix", d.Reply());
  EXPECT_EQ("221 2.0.0 Bye", d.Command("QUIT"));
  std::vector<std::string> log = StopAndLog();
  EXPECT_THAT(log, Contains("postfix/smtpd[100]: too many errors after NOOP from "
                            "localhost[127.0.0.1]\n"));
}

// Log lines holding `text`, once at least `n` of them have been written
// (waits up to 5 s for the sessions' threads).
std::vector<std::string> WaitForLogLines(std::mutex& mu, const std::vector<std::string>& lines,
                                         absl::string_view text, size_t n) {
  std::vector<std::string> found;
  for (int i = 0; i < 250; ++i) {
    found.clear();
    {
      std::lock_guard<std::mutex> lock(mu);
      for (const std::string& line : lines) {
        if (absl::StrContains(line, text)) found.push_back(line);
      }
    }
    if (found.size() >= n) break;
    usleep(20000);
  }
  return found;
}

TEST_F(SmtpServerTest, ConnectionCountLimitAnswers421InsteadOfTheGreeting) {
  // No exceptions: every client is limited, loopback ones included.
  Start("smtpd_client_connection_count_limit = 2\nsmtpd_client_event_limit_exceptions =\n");
  Client first(server_->port(), "127.0.0.2");
  EXPECT_EQ("220 mx.example.com ESMTP Postfix", first.Reply());
  Client second(server_->port(), "127.0.0.2");
  EXPECT_EQ("220 mx.example.com ESMTP Postfix", second.Reply());
  Client third(server_->port(), "127.0.0.2");
  EXPECT_EQ("421 4.7.0 mx.example.com Error: too many connections from 127.0.0.2",
            third.Reply());
  EXPECT_TRUE(third.ClosedByServer());
  // The limit is per client: another address is served.
  Client other(server_->port(), "127.0.0.3");
  EXPECT_EQ("220 mx.example.com ESMTP Postfix", other.Reply());
  // Once one of the two is gone, the client may connect again.
  EXPECT_EQ("221 2.0.0 Bye", first.Command("QUIT"));
  EXPECT_TRUE(first.ClosedByServer());
  ASSERT_EQ(2u, WaitForLogLines(mu_, log_lines_, "disconnect from unknown[127.0.0.2]", 2).size());
  Client again(server_->port(), "127.0.0.2");
  EXPECT_EQ("220 mx.example.com ESMTP Postfix", again.Reply());
  second.Close();
  other.Close();
  again.Close();
  const std::vector<std::string> log = StopAndLog();
  std::vector<std::string> third_session;
  for (const std::string& line : log) {
    if (absl::StartsWith(line, "postfix/smtpd[102]: ") &&
        absl::StrContains(line, "127.0.0.2]") && third_session.size() < 3) {
      third_session.push_back(line);
    }
  }
  EXPECT_THAT(third_session,
              ElementsAre("postfix/smtpd[102]: connect from unknown[127.0.0.2]\n",
                          "postfix/smtpd[102]: warning: Connection concurrency limit exceeded: 3 "
                          "from unknown[127.0.0.2] for service smtp\n",
                          "postfix/smtpd[102]: disconnect from unknown[127.0.0.2] "
                          "commands=0/0\n"));
  int warnings = 0;
  for (const std::string& line : log) warnings += absl::StrContains(line, "limit exceeded");
  EXPECT_EQ(1, warnings);
}

TEST_F(SmtpServerTest, MynetworksAreExemptFromConnectionLimitsByDefault) {
  // smtpd_client_event_limit_exceptions defaults to $mynetworks
  // (127.0.0.0/24 here): 127.0.0.1 is not limited, 127.0.1.5 is.
  Start("smtpd_client_connection_count_limit = 1\n");
  Client a(server_->port(), "127.0.0.1");
  EXPECT_EQ("220 mx.example.com ESMTP Postfix", a.Reply());
  Client b(server_->port(), "127.0.0.1");
  EXPECT_EQ("220 mx.example.com ESMTP Postfix", b.Reply());
  Client c(server_->port(), "127.0.1.5");
  EXPECT_EQ("220 mx.example.com ESMTP Postfix", c.Reply());
  Client d(server_->port(), "127.0.1.5");
  EXPECT_EQ("421 4.7.0 mx.example.com Error: too many connections from 127.0.1.5", d.Reply());
  EXPECT_TRUE(d.ClosedByServer());
}

TEST_F(SmtpServerTest, ConnectionRateLimitCountsConnectionsPerTimeUnit) {
  Start("smtpd_client_connection_rate_limit = 2\nsmtpd_client_event_limit_exceptions =\n"
        "anvil_rate_time_unit = 1h\n");
  for (int i = 0; i < 2; ++i) {
    Client c(server_->port(), "127.0.0.2");
    EXPECT_EQ("220 mx.example.com ESMTP Postfix", c.Reply());
    EXPECT_EQ("221 2.0.0 Bye", c.Command("QUIT"));
    EXPECT_TRUE(c.ClosedByServer());
  }
  Client third(server_->port(), "127.0.0.2");
  EXPECT_EQ("421 4.7.0 mx.example.com Error: too many connections from 127.0.0.2",
            third.Reply());
  EXPECT_TRUE(third.ClosedByServer());
  EXPECT_THAT(StopAndLog(), Contains("postfix/smtpd[100]: warning: Connection rate limit "
                                     "exceeded: 3 from unknown[127.0.0.2] for service smtp\n"));
}

TEST_F(SmtpServerTest, LimitExceptionsThatAreNotAddressesAreRefusedAtStart) {
  Start();
  RefmtaConfig bad = config_;
  bad.smtpd_client_event_limit_exceptions = {"mail.example.com"};
  SmtpServerDeps deps{&bad, policy_.get(), queue_.get(), log_.get(), ledger_.get(),
                      cleanup_.get()};
  auto s = SmtpServer::Start(deps, {"127.0.0.1", 0, 1});
  ASSERT_EQ(absl::StatusCode::kInvalidArgument, s.status().code());
  EXPECT_THAT(std::string(s.status().message()),
              HasSubstr("smtpd_client_event_limit_exceptions"));
}

TEST_F(SmtpServerTest, EightBitSenderIsQueuedAndTheServerLives) {
  // fuzz/corpus/smtp_session/crash-smtp-8bit-sender-kills-refmta: an
  // address that is not UTF-8 used to throw out of SerializeQueueFile and
  // end the process. Now it is queued (the queue file's JSON replaces the
  // invalid bytes) and the server goes on.
  Start();
  {
    Client c(server_->port());
    c.Reply();
    EXPECT_EQ("250 mx.example.com", c.Command("HELO \x95" "client"));
    EXPECT_EQ("250 2.1.0 Ok", c.Command("MAIL FROM:<\x95@example.net>"));
    EXPECT_EQ("250 2.1.5 Ok", c.Command("RCPT TO:<alice@example.com>"));
    EXPECT_EQ("354 End data with <CR><LF>.<CR><LF>", c.Command("DATA"));
    c.Send("Subject: \xff\r\n\r\nbody \x95\r\n.\r\n");
    const std::string queued = c.Reply();
    ASSERT_TRUE(absl::StartsWith(queued, "250 2.0.0 Ok: queued as ")) << queued;
    auto file = queue_->Read(QueueName::kIncoming,
                             queued.substr(strlen("250 2.0.0 Ok: queued as ")));
    ASSERT_TRUE(file.ok()) << file.status();
    EXPECT_EQ("\xEF\xBF\xBD@example.net", file->envelope.sender);  // U+FFFD
  }
  Client d(server_->port());
  EXPECT_EQ("220 mx.example.com ESMTP Postfix", d.Reply());
  EXPECT_EQ("221 2.0.0 Bye", d.Command("QUIT"));
}

TEST(SmtpServerStartTest, RefusesNonLoopbackAddresses) {
  SmtpServerDeps deps{};
  auto s = SmtpServer::Start(deps, {"0.0.0.0", 0, 1});
  EXPECT_EQ(absl::StatusCode::kInvalidArgument, s.status().code());
  auto t = SmtpServer::Start(deps, {"192.0.2.1", 0, 1});
  EXPECT_EQ(absl::StatusCode::kInvalidArgument, t.status().code());
}

}  // namespace
}  // namespace mailgauge::refmta
