#include "refmta/tls.h"

#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "re2/re2.h"

namespace mailgauge::refmta {
namespace {

class SocketPair {
 public:
  SocketPair() { EXPECT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, fds_)); }
  ~SocketPair() {
    close(fds_[0]);
    close(fds_[1]);
  }
  int server() const { return fds_[0]; }
  int client() const { return fds_[1]; }

 private:
  int fds_[2];
};

TEST(TlsTest, HandshakeWithSelfSignedCertificateAndPostfixSummaries) {
  auto server_ctx = TlsContext::CreateServer("", "", "mx.example.com");
  ASSERT_TRUE(server_ctx.ok()) << server_ctx.status();
  auto client_ctx = TlsContext::CreateClient();
  ASSERT_TRUE(client_ctx.ok()) << client_ctx.status();
  SocketPair p;
  SmtpStream server(p.server(), absl::Seconds(10));
  SmtpStream client(p.client(), absl::Seconds(10));
  std::string server_error, server_summary;
  std::thread t([&] {
    ASSERT_TRUE(server.StartTls(**server_ctx, TlsRole::kServer, &server_error)) << server_error;
    server_summary = TlsConnectionSummary(server, TlsRole::kServer, "unknown[127.0.0.2]");
    char buf[64];
    ssize_t n = server.Read(buf, sizeof(buf));
    ASSERT_GT(n, 0);
    EXPECT_TRUE(server.Write(std::string(buf, n) + " back"));
  });
  std::string error;
  ASSERT_TRUE(client.StartTls(**client_ctx, TlsRole::kClient, &error)) << error;
  EXPECT_TRUE(client.tls());
  ASSERT_TRUE(client.Write("EHLO x"));
  char buf[64];
  std::string got;
  while (got.size() < 11) {
    ssize_t n = client.Read(buf, sizeof(buf));
    ASSERT_GT(n, 0);
    got.append(buf, n);
  }
  EXPECT_EQ("EHLO x back", got);
  t.join();
  // The real Postfix 3.7 lines (testdata/logs/postfix_real.syslog).
  EXPECT_TRUE(RE2::FullMatch(
      server_summary,
      R"(Anonymous TLS connection established from unknown\[127\.0\.0\.2\]: TLSv1\.3 with cipher )"
      R"(TLS_AES_256_GCM_SHA384 \(256/256 bits\) key-exchange X25519 server-signature RSA-PSS )"
      R"(\(2048 bits\) server-digest SHA256)"))
      << server_summary;
  std::string client_summary =
      TlsConnectionSummary(client, TlsRole::kClient, "127.0.0.1[127.0.0.1]:2525");
  EXPECT_TRUE(RE2::FullMatch(
      client_summary,
      R"(Untrusted TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:2525: TLSv1\.3 )"
      R"(with cipher TLS_AES_256_GCM_SHA384 \(256/256 bits\) key-exchange X25519 )"
      R"(server-signature RSA-PSS \(2048 bits\) server-digest SHA256)"))
      << client_summary;
}

TEST(TlsTest, ClearTextReadTimesOutAndSeesEndOfFile) {
  SocketPair p;
  SmtpStream s(p.server(), absl::Milliseconds(50));
  char buf[8];
  EXPECT_EQ(-1, s.Read(buf, sizeof(buf)));
  shutdown(p.client(), SHUT_WR);
  EXPECT_EQ(0, s.Read(buf, sizeof(buf)));
  EXPECT_FALSE(s.tls());
  EXPECT_EQ("", s.SessionSummary(TlsRole::kServer));
}

TEST(TlsTest, HandshakeAgainstAClientThatSendsGarbageFails) {
  auto server_ctx = TlsContext::CreateServer("", "", "mx.example.com");
  ASSERT_TRUE(server_ctx.ok());
  SocketPair p;
  ASSERT_EQ(5, write(p.client(), "HELO\n", 5));
  shutdown(p.client(), SHUT_WR);
  SmtpStream s(p.server(), absl::Seconds(5));
  std::string error;
  EXPECT_FALSE(s.StartTls(**server_ctx, TlsRole::kServer, &error));
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(s.tls());
}

TEST(TlsTest, MissingCertificateFileIsNamed) {
  auto ctx = TlsContext::CreateServer("/nonexistent/cert.pem", "/nonexistent/key.pem", "mx");
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(absl::StatusCode::kInvalidArgument, ctx.status().code());
  EXPECT_NE(std::string::npos, std::string(ctx.status().message()).find("/nonexistent/cert.pem"));
  EXPECT_FALSE(TlsContext::CreateServer("", "/x/key.pem", "mx").ok());
}

}  // namespace
}  // namespace mailgauge::refmta
