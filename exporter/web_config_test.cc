#include "exporter/web_config.h"

#include <crypt.h>

#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mailgauge::exporter {
namespace {

using ::testing::HasSubstr;

std::string Hash(const std::string& password, const char* setting) {
  struct crypt_data d;
  std::memset(&d, 0, sizeof(d));
  return crypt_r(password.c_str(), setting, &d);
}

std::string Basic(const std::string& user_pass) {
  return "Basic " + absl::Base64Escape(user_pass);
}

TEST(WebConfigTest, ParsesTheExporterToolkitSubset) {
  const std::string h = Hash("s3cret", "$2b$04$abcdefghijklmnopqrstuu");
  const std::string text =
      "# web config\n"
      "---\n"
      "tls_server_config:\n"
      "  cert_file: tls.crt   # relative to the file\n"
      "  key_file: \"/etc/keys/tls #1.key\"\n"
      "\n"
      "basic_auth_users:\n"
      "    prometheus: " + h + "\n"
      "    odd: '" + h + "'\n";
  absl::StatusOr<WebConfig> c = ParseWebConfig(text, "/etc/mailgauge/web.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ("/etc/mailgauge/tls.crt", c->cert_file);
  EXPECT_EQ("/etc/keys/tls #1.key", c->key_file);
  EXPECT_TRUE(c->tls());
  ASSERT_EQ(2u, c->users.size());
  EXPECT_EQ(h, c->users.at("prometheus"));
}

TEST(WebConfigTest, EmptySectionsAndEmptyFile) {
  auto c = ParseWebConfig("tls_server_config: {}\nbasic_auth_users:\n", "w.yml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->tls());
  EXPECT_FALSE(c->basic_auth());
  c = ParseWebConfig("", "w.yml");
  ASSERT_TRUE(c.ok()) << c.status();
}

TEST(WebConfigTest, ErrorsNameFileAndLine) {
  struct Case {
    std::string text;
    std::string want;
  };
  const Case cases[] = {
      {"tls_server_config:\n  cert_file: a\n", "w.yml:2: tls_server_config needs both"},
      {"tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n",
       "w.yml:4: tls_server_config: 'min_version' is not supported"},
      {"http_server_config:\n  http2: false\n", "w.yml:1: 'http_server_config' is not supported"},
      {"basic_auth_users:\n  bob: plaintext\n", "w.yml:2: the password of 'bob' is not a bcrypt"},
      {"basic_auth_users:\n  bob: $2y$10$short\n", "w.yml:2: the password hash of 'bob' is malformed"},
      {"tls_server_config: {cert_file: a, key_file: b}\n", "w.yml:1: 'tls_server_config' must be followed"},
      {"tls_server_config:\n\tcert_file: a\n", "w.yml:2: tabs are not allowed"},
      {"tls_server_config:\n  cert_file: a\n    key_file: b\n", "w.yml:3: indentation of 4"},
      {"  cert_file: a\n", "w.yml:1: indented line outside"},
      {"tls_server_config:\n  cert_file: \"a\n", "w.yml:2: unterminated"},
      {"tls_server_config:\n  - a\n", "w.yml:2: lists are not supported"},
      {"basic_auth_users:\n  bob\n", "w.yml:2: expected 'key: value'"},
  };
  for (const Case& c : cases) {
    auto r = ParseWebConfig(c.text, "w.yml");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.want)) << c.text;
  }
}

TEST(WebConfigTest, BasicAuthWithBcryptAndShaCrypt) {
  WebConfig c;
  c.users["prometheus"] = Hash("right horse", "$2y$04$abcdefghijklmnopqrstuu");
  c.users["sha"] = Hash("pw", "$5$saltsalt$");
  EXPECT_TRUE(c.CheckBasicAuth(Basic("prometheus:right horse").c_str()));
  EXPECT_TRUE(c.CheckBasicAuth(("  basic " + absl::Base64Escape("sha:pw")).c_str()));
  EXPECT_FALSE(c.CheckBasicAuth(Basic("prometheus:right hors").c_str()));
  EXPECT_FALSE(c.CheckBasicAuth(Basic("prometheus:").c_str()));
  EXPECT_FALSE(c.CheckBasicAuth(Basic("nobody:right horse").c_str()));
  EXPECT_FALSE(c.CheckBasicAuth(Basic("prometheusright horse").c_str()));
  EXPECT_FALSE(c.CheckBasicAuth("Basic !!!notbase64"));
  EXPECT_FALSE(c.CheckBasicAuth("Bearer abc"));
  EXPECT_FALSE(c.CheckBasicAuth(nullptr));
  // A colon in the password is part of it.
  c.users["colon"] = Hash("a:b", "$2b$04$abcdefghijklmnopqrstuu");
  EXPECT_TRUE(c.CheckBasicAuth(Basic("colon:a:b").c_str()));
}

// The hashes PasswordMatches used, in order (the observer hook).
std::vector<std::string>* observed_hashes = nullptr;
void RecordHash(const std::string& hash) { observed_hashes->push_back(hash); }

TEST(WebConfigTest, EveryCheckComputesOneHashWithARealUsersSettings) {
  // No timing is measured (that would be flaky): the hook shows that every
  // request, whatever is wrong with it, pays for exactly one crypt(3) with
  // the settings of a configured user, and the answers are right.
  WebConfig c;
  const std::string alice = Hash("alice pw", "$2b$05$abcdefghijklmnopqrstuu");
  const std::string bob = Hash("bob pw", "$6$rounds=6000$saltsalt$");
  c.users["alice"] = alice;
  c.users["bob"] = bob;
  std::vector<std::string> hashes;
  observed_hashes = &hashes;
  internal::SetPasswordCheckObserverForTesting(&RecordHash);
  struct Case {
    std::string header;
    bool want;
    std::string hash_used;
  } cases[] = {
      {Basic("alice:alice pw"), true, alice},
      {Basic("bob:bob pw"), true, bob},
      {Basic("alice:bob pw"), false, alice},        // another user's password
      {Basic("bob:alice pw"), false, bob},
      {Basic("alice:alice p"), false, alice},       // a prefix of the password
      {Basic("alice:alice pw "), false, alice},     // one byte more
      {Basic("alice:"), false, alice},
      {Basic("carol:alice pw"), false, alice},      // unknown user, a real password
      {Basic("Alice:alice pw"), false, alice},      // user names are exact
      {Basic(":alice pw"), false, alice},
      {Basic("alicealice pw"), false, alice},       // no colon
      {"Basic !!!notbase64", false, alice},
      {"Bearer abc", false, alice},
      {"", false, alice},
  };
  for (const Case& k : cases) {
    hashes.clear();
    EXPECT_EQ(k.want, c.CheckBasicAuth(k.header.c_str())) << k.header;
    EXPECT_THAT(hashes, ::testing::ElementsAre(k.hash_used)) << k.header;
  }
  hashes.clear();
  EXPECT_FALSE(c.CheckBasicAuth(nullptr));
  EXPECT_THAT(hashes, ::testing::ElementsAre(alice));
  // A file of sha-crypt users only: an unknown user costs a sha-crypt hash
  // with that user's rounds, not a bcrypt one.
  WebConfig sha;
  sha.users["bob"] = bob;
  hashes.clear();
  EXPECT_FALSE(sha.CheckBasicAuth(Basic("mallory:x").c_str()));
  EXPECT_THAT(hashes, ::testing::ElementsAre(bob));
  internal::SetPasswordCheckObserverForTesting(nullptr);
  observed_hashes = nullptr;
}

TEST(WebConfigTest, ConstantTimeEqualsIsExact) {
  using internal::ConstantTimeEquals;
  const std::string h = Hash("pw", "$2b$04$abcdefghijklmnopqrstuu");
  EXPECT_TRUE(ConstantTimeEquals(h, h));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
  std::string first = h, last = h;
  first[0] ^= 1;
  last.back() ^= 1;
  EXPECT_FALSE(ConstantTimeEquals(first, h));
  EXPECT_FALSE(ConstantTimeEquals(last, h));
  EXPECT_FALSE(ConstantTimeEquals(h.substr(0, h.size() - 1), h));  // a prefix
  EXPECT_FALSE(ConstantTimeEquals(h, h + "x"));
  EXPECT_FALSE(ConstantTimeEquals("", h));
  EXPECT_TRUE(PasswordMatches("pw", h));
  EXPECT_FALSE(PasswordMatches("pW", h));
  EXPECT_FALSE(PasswordMatches("pw", "*0"));  // a hash libcrypt refuses
}

TEST(WebConfigTest, ReadNamesMissingFiles) {
  auto r = ReadWebConfig("/nonexistent/web.yml");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("/nonexistent/web.yml"));
}

}  // namespace
}  // namespace mailgauge::exporter
