#include "refmta/smtp_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "refmta/peer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mailgauge::refmta {
namespace {

using ::testing::HasSubstr;

// A scripted SMTP peer on 127.0.0.1: answers each line through `answer`
// (which sees the command, or "<data>" for the message) and records the
// transcript.
class Peer {
 public:
  explicit Peer(std::function<std::string(const std::string&)> answer, bool greet = true)
      : answer_(std::move(answer)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    EXPECT_EQ(0, bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)));
    EXPECT_EQ(0, listen(listen_fd_, 1));
    socklen_t len = sizeof(a);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this, greet] { Serve(greet); });
  }
  ~Peer() {
    Join();
    close(listen_fd_);
  }
  int port() const { return port_; }
  // The message as received on the wire (still dot-stuffed), after the
  // session has ended.
  const std::string& message() {
    Join();
    return message_;
  }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Serve(bool greet) {
    int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    std::string buf;
    auto say = [&](const std::string& s) {
      if (!s.empty()) send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    };
    if (greet) say(answer_("<greeting>"));
    bool in_data = false;
    for (;;) {
      size_t nl;
      while ((nl = buf.find("\r\n")) == std::string::npos) {
        char chunk[4096];
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n <= 0) {
          close(fd);
          return;
        }
        buf.append(chunk, static_cast<size_t>(n));
      }
      std::string line = buf.substr(0, nl);
      buf.erase(0, nl + 2);
      if (in_data) {
        if (line == ".") {
          in_data = false;
          say(answer_("<data>"));
        } else {
          absl::StrAppend(&message_, line, "\n");
        }
        continue;
      }
      std::string reply = answer_(line);
      if (reply == "<close>") break;
      say(reply);
      if (absl::StartsWith(reply, "354")) in_data = true;
      if (line == "QUIT") break;
    }
    close(fd);
  }
  std::function<std::string(const std::string&)> answer_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::string message_;
};

std::string Normal(const std::string& line) {
  if (line == "<greeting>") return "220 peer.example ESMTP\r\n";
  if (absl::StartsWith(line, "EHLO")) return "250-peer.example\r\n250 PIPELINING\r\n";
  if (absl::StartsWith(line, "MAIL")) return "250 2.1.0 Ok\r\n";
  if (absl::StartsWith(line, "RCPT TO:<bad")) {
    return "550 5.1.1 <" + line.substr(9, line.size() - 10) +
           ">: Recipient address rejected: User unknown\r\n";
  }
  if (absl::StartsWith(line, "RCPT TO:<busy")) return "450 4.2.1 Mailbox busy\r\n";
  if (absl::StartsWith(line, "RCPT")) return "250 2.1.5 Ok\r\n";
  if (line == "DATA") return "354 End data with <CR><LF>.<CR><LF>\r\n";
  if (line == "<data>") return "250 2.0.0 Ok: queued as 7F3A2B1C0D\r\n";
  if (line == "QUIT") return "221 2.0.0 Bye\r\n";
  return "502 5.5.2 Error: command not recognized\r\n";
}

TEST(ParseNextHopTest, LoopbackOnly) {
  auto hop = ParseNextHop("[127.0.0.1]:2526");
  ASSERT_TRUE(hop.ok()) << hop.status();
  EXPECT_EQ("127.0.0.1", hop->name);
  EXPECT_EQ(2526, hop->port);
  EXPECT_EQ(25, ParseNextHop("127.0.0.9")->port);
  EXPECT_EQ("::1", ParseNextHop("[::1]:25")->address);
  EXPECT_FALSE(ParseNextHop("[192.0.2.1]:25").ok());
  EXPECT_FALSE(ParseNextHop("mx.example.com").ok());
  EXPECT_FALSE(ParseNextHop("[127.0.0.1]:99999").ok());
  EXPECT_FALSE(ParseNextHop("[127.0.0.1").ok());
}

TEST(DsnOfReplyTest, EnhancedCodeOrClassDefault) {
  EXPECT_EQ("5.1.1", DsnOfReply("550 5.1.1 <x>: no"));
  EXPECT_EQ("2.0.0", DsnOfReply("250 2.0.0 Ok: queued as X"));
  EXPECT_EQ("4.0.0", DsnOfReply("451 try later"));
  EXPECT_EQ("5.0.0", DsnOfReply("554 no"));
  EXPECT_EQ("4.0.0", DsnOfReply(""));
}

TEST(SendMessageViaSmtpTest, DeliversAndReportsPerRecipient) {
  Peer peer(Normal);
  SmtpNextHop hop{"127.0.0.1", "127.0.0.1", peer.port()};
  SmtpDeliveryResult r = SendMessageViaSmtp(
      hop, "mx.example.com", "alice@example.com",
      {"good@remote.example", "bad@remote.example", "busy@remote.example"},
      "Subject: x\n\n.leading dot\nbody\n", absl::Seconds(5));
  EXPECT_EQ(absl::StrCat("127.0.0.1[127.0.0.1]:", peer.port()), r.relay);
  EXPECT_NE(absl::InfinitePast(), r.conn_setup_done);
  ASSERT_EQ(3u, r.recipients.size());
  EXPECT_EQ("sent", r.recipients[0].status);
  EXPECT_EQ("2.0.0", r.recipients[0].dsn);
  EXPECT_EQ("250 2.0.0 Ok: queued as 7F3A2B1C0D", r.recipients[0].reason);
  EXPECT_EQ("bounced", r.recipients[1].status);
  EXPECT_EQ("5.1.1", r.recipients[1].dsn);
  EXPECT_EQ("host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <bad@remote.example>: Recipient "
            "address rejected: User unknown (in reply to RCPT TO command)",
            r.recipients[1].reason);
  EXPECT_EQ("deferred", r.recipients[2].status);
  EXPECT_EQ("4.2.1", r.recipients[2].dsn);
}

TEST(SendMessageViaSmtpTest, DotStuffsTheBody) {
  Peer peer(Normal);
  SmtpDeliveryResult r =
      SendMessageViaSmtp({"127.0.0.1", "127.0.0.1", peer.port()}, "mx", "a@b", {"c@d"},
                         "Subject: x\n\n.leading dot\n..two\n", absl::Seconds(5));
  EXPECT_EQ("sent", r.recipients[0].status);
  EXPECT_EQ("Subject: x\n\n..leading dot\n...two\n", peer.message());
}

TEST(SendMessageViaSmtpTest, ConnectionRefused) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  ASSERT_EQ(0, bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  close(fd);  // nobody listens on the port now
  SmtpDeliveryResult r = SendMessageViaSmtp({"127.0.0.1", "127.0.0.1", port}, "mx", "a@b",
                                            {"c@d"}, "x\n", absl::Seconds(5));
  EXPECT_EQ("none", r.relay);
  ASSERT_EQ(1u, r.recipients.size());
  EXPECT_EQ("deferred", r.recipients[0].status);
  EXPECT_EQ("4.4.1", r.recipients[0].dsn);
  EXPECT_EQ(absl::StrCat("connect to 127.0.0.1[127.0.0.1]:", port, ": Connection refused"),
            r.recipients[0].reason);
}

TEST(SendMessageViaSmtpTest, RefusedGreetingAndLostConnection) {
  {
    Peer peer([](const std::string& line) {
      if (line == "<greeting>") return std::string("554 5.3.2 peer.example busy\r\n");
      return Normal(line);
    });
    SmtpDeliveryResult r = SendMessageViaSmtp({"127.0.0.1", "127.0.0.1", peer.port()}, "mx",
                                              "a@b", {"c@d"}, "x\n", absl::Seconds(5));
    EXPECT_EQ("bounced", r.recipients[0].status);
    EXPECT_EQ("host 127.0.0.1[127.0.0.1] refused to talk to me: 554 5.3.2 peer.example busy",
              r.recipients[0].reason);
  }
  {
    Peer peer([](const std::string& line) {
      if (absl::StartsWith(line, "MAIL")) return std::string("<close>");
      return Normal(line);
    });
    SmtpDeliveryResult r = SendMessageViaSmtp({"127.0.0.1", "127.0.0.1", peer.port()}, "mx",
                                              "a@b", {"c@d"}, "x\n", absl::Seconds(5));
    EXPECT_EQ("deferred", r.recipients[0].status);
    EXPECT_EQ("4.4.2", r.recipients[0].dsn);
    EXPECT_EQ("lost connection with 127.0.0.1[127.0.0.1] while sending MAIL FROM",
              r.recipients[0].reason);
  }
  {
    Peer peer([](const std::string& line) {
      if (line == "<data>") return std::string("552 5.3.4 Message too big\r\n");
      return Normal(line);
    });
    SmtpDeliveryResult r = SendMessageViaSmtp({"127.0.0.1", "127.0.0.1", peer.port()}, "mx",
                                              "a@b", {"c@d"}, "x\n", absl::Seconds(5));
    EXPECT_EQ("host 127.0.0.1[127.0.0.1] said: 552 5.3.4 Message too big (in reply to end of "
              "DATA command)",
              r.recipients[0].reason);
  }
}

TEST(SendMessageViaSmtpTest, SilentPeerTimesOut) {
  Peer peer([](const std::string& line) { return std::string(); }, /*greet=*/false);
  SmtpDeliveryResult r = SendMessageViaSmtp({"127.0.0.1", "127.0.0.1", peer.port()}, "mx",
                                            "a@b", {"c@d"}, "x\n", absl::Milliseconds(300));
  EXPECT_EQ("deferred", r.recipients[0].status);
  EXPECT_EQ("conversation with 127.0.0.1[127.0.0.1] timed out while receiving the initial "
            "server greeting",
            r.recipients[0].reason);
}

TEST(SendMessageViaSmtpTest, UsesStartTlsWhenOfferedAndLogsLikePostfix) {
  PeerOptions options;  // offers STARTTLS with a self-signed certificate
  auto peer = LoopbackPeer::Start(options);
  ASSERT_TRUE(peer.ok()) << peer.status();
  auto tls = TlsContext::CreateClient();
  ASSERT_TRUE(tls.ok());
  SmtpNextHop hop{"127.0.0.1", "127.0.0.1", (*peer)->port()};
  SmtpDeliveryResult r =
      SendMessageViaSmtp(hop, "mx.example.com", "a@example.com", {"b@remote.example"},
                         "Subject: t\n\nbody\n", absl::Seconds(5), absl::Now, tls->get());
  ASSERT_EQ(1u, r.recipients.size());
  EXPECT_EQ("sent", r.recipients[0].status);
  EXPECT_THAT(r.recipients[0].reason, ::testing::StartsWith("250 2.0.0 Ok: queued as "));
  EXPECT_THAT(r.tls_summary,
              ::testing::StartsWith(absl::StrCat(
                  "Untrusted TLS connection established to 127.0.0.1[127.0.0.1]:",
                  (*peer)->port(), ": TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) "
                  "key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest "
                  "SHA256")));
  // Without a client context: clear text, no summary.
  r = SendMessageViaSmtp(hop, "mx.example.com", "a@example.com", {"c@remote.example"},
                         "Subject: t\n\nbody\n", absl::Seconds(5));
  EXPECT_EQ("sent", r.recipients[0].status);
  EXPECT_EQ("", r.tls_summary);
  EXPECT_EQ(1, (*peer)->stats().tls_sessions);
  EXPECT_EQ(2, (*peer)->stats().messages);
  (*peer)->Stop();
}

}  // namespace
}  // namespace mailgauge::refmta
