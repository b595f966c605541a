#include "parsers/postfix/pattern_table.h"

#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "parsers/postfix/queue_id.h"

namespace mailgauge::parsers {
namespace {

const Pattern kRows[] = {
    {EventKind::kDelivery,
     "^" MAILGAUGE_QID ": to=<(?P<to>[^>]*)>, relay=(?P<relay>[^,]+), "
     "delay=(?P<delay>[0-9.]+), delays=(?P<delays>[0-9./]+), "
     "dsn=(?P<dsn>[0-9.]+), status=(?P<status>[a-z]+) \\((?P<reply>.*)\\)$",
     {"4B0C72A1F3: to=<bob@example.org>, relay=mx[192.0.2.2]:25, delay=1.5, "
      "delays=0.01/0/0.4/1.1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9A)"}},
    {EventKind::kQueued,
     "^" MAILGAUGE_QID ": from=<(?P<from>[^>]*)>, size=(?P<size>\\d+), nrcpt=(?P<nrcpt>\\d+)",
     {"4B0C72A1F3: from=<a@b>, size=1234, nrcpt=2 (queue active)"}},
    {EventKind::kReject,
     "^NOQUEUE: reject: (?P<stage>[A-Z-]+) from (?P<client_name>[^\\[]*)\\[(?P<client_addr>[^\\]]*)\\]: (?P<reply>.*)$",
     {"NOQUEUE: reject: RCPT from x[192.0.2.9]: 554 5.7.1 <a@b>: Relay access denied"}},
    {EventKind::kWarning, "^warning: (?P<detail>.*)$", {"warning: x"}, true},
};

// The delay= pattern, as the tables write it.
bool MatchesSeconds(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  if (i == 0) return false;
  if (i == s.size()) return true;
  if (s[i] != '.') return false;
  const size_t point = i++;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  return i > point + 1 && i == s.size();
}

void ExpectSameDouble(double want, double got, std::string_view s) {
  EXPECT_EQ(std::memcmp(&want, &got, sizeof want), 0) << s << ": " << want << " vs " << got;
}

// Appends 20 000 words of up to 23 bytes drawn from `alphabet`.
void AddRandomWords(uint32_t seed, std::string_view alphabet, std::vector<std::string>* out) {
  std::mt19937 rng(seed);
  for (int n = 0; n < 20000; ++n) {
    std::string s;
    const size_t len = rng() % 24;
    for (size_t i = 0; i < len; ++i) s += alphabet[rng() % alphabet.size()];
    out->push_back(s);
  }
}

TEST(PatternTableTest, ScanSecondsIsThePatternAndParseSecondsInOnePass) {
  std::vector<std::string> cases = {
      "0", "12", "0.42", "0.02", "1.", ".5", "", "-1", "1e3", "1.2.3", "12a", " 1", "1 ",
      "00012.3400", "0.000000000000000001", "123456789012345678901234567890",
      "1125899906842623", "1125899906842624", "11258999068426240", "99999999999999999.5",
      "3.14159265358979323846264338327950288"};
  AddRandomWords(7, "0123456789.0123456789/ a", &cases);
  for (const std::string& s : cases) {
    double value = -7;
    const bool ok = ScanSeconds(s, &value);
    ASSERT_EQ(MatchesSeconds(s), ok) << s;
    if (ok) {
      ExpectSameDouble(ParseSeconds(s), value, s);
    } else {
      EXPECT_EQ(-7, value) << s;  // left as it was
    }
  }
}

TEST(PatternTableTest, ScanDelaysIsFourSecondsAndParseDelays) {
  std::vector<std::string> cases = {"0.01/0/0.4/1.1", "0/0/0/0", "1/2/3", "1/2/3/4/5",
                                    "1//3/4", "/1/2/3", "1/2/3/", "0.1/0.2/0.3/0.4x",
                                    "12345678901234567890/1/2/3", "0.5/1e2/3/4"};
  AddRandomWords(11, "0123456789./0123456789/", &cases);
  for (const std::string& s : cases) {
    std::vector<std::string_view> parts;
    std::string_view rest = s;
    for (size_t slash; (slash = rest.find('/')) != std::string_view::npos;) {
      parts.push_back(rest.substr(0, slash));
      rest.remove_prefix(slash + 1);
    }
    parts.push_back(rest);
    bool want = parts.size() == 4;
    for (std::string_view p : parts) want = want && MatchesSeconds(p);
    Delays got;
    ASSERT_EQ(want, ScanDelays(s, &got)) << s;
    if (!want) continue;
    Delays parsed;
    ParseDelays(s, &parsed);
    ExpectSameDouble(parsed.before_qmgr, got.before_qmgr, s);
    ExpectSameDouble(parsed.in_qmgr, got.in_qmgr, s);
    ExpectSameDouble(parsed.conn_setup, got.conn_setup, s);
    ExpectSameDouble(parsed.transmission, got.transmission, s);
  }
}

TEST(PatternTableTest, ExtractsNamedFieldsAndConvertsNumbers) {
  auto table = PatternTable::Compile(Daemon::kSmtp, kRows);
  ASSERT_TRUE(table.ok()) << table.status();
  Event e;
  ASSERT_TRUE((*table)->Match(*kRows[0].samples.begin(), &e));
  EXPECT_EQ(EventKind::kDelivery, e.kind);
  EXPECT_EQ(Daemon::kSmtp, e.daemon);
  EXPECT_EQ("4B0C72A1F3", e.queue_id);
  EXPECT_EQ("bob@example.org", e.to);
  EXPECT_EQ("mx[192.0.2.2]:25", e.relay);
  EXPECT_DOUBLE_EQ(1.5, e.delay);
  EXPECT_DOUBLE_EQ(0.01, e.delays.before_qmgr);
  EXPECT_DOUBLE_EQ(0, e.delays.in_qmgr);
  EXPECT_DOUBLE_EQ(0.4, e.delays.conn_setup);
  EXPECT_DOUBLE_EQ(1.1, e.delays.transmission);
  EXPECT_EQ("2.0.0", e.dsn);
  EXPECT_EQ(DeliveryStatus::kSent, e.delivery_status);
  EXPECT_EQ(250, e.reply_code);
  EXPECT_EQ("2.0.0", e.enhanced_code);
}

TEST(PatternTableTest, ParsesIntegersAndStages) {
  auto table = PatternTable::Compile(Daemon::kSmtpd, kRows);
  ASSERT_TRUE(table.ok());
  Event e;
  ASSERT_TRUE((*table)->Match("4B0C72A1F3: from=<a@b>, size=1234, nrcpt=2 (queue active)", &e));
  EXPECT_EQ(1234, e.size);
  EXPECT_EQ(2, e.nrcpt);
  Event r;
  ASSERT_TRUE((*table)->Match(*kRows[2].samples.begin(), &r));
  EXPECT_EQ(RejectStage::kRcpt, r.reject_stage);
  EXPECT_EQ(554, r.reply_code);
  EXPECT_EQ("5.7.1", r.enhanced_code);
  EXPECT_EQ("192.0.2.9", r.client_addr);
}

TEST(PatternTableTest, NoMatchLeavesEventUntouched) {
  auto table = PatternTable::Compile(Daemon::kSmtpd, kRows);
  ASSERT_TRUE(table.ok());
  Event e;
  EXPECT_FALSE((*table)->Match("something else entirely", &e));
  EXPECT_EQ(EventKind::kUnknown, e.kind);
}

TEST(PatternTableTest, EarliestRowWins) {
  const Pattern rows[] = {
      {EventKind::kSaslFailed, "^warning: (?P<detail>.*SASL.*)$", {"warning: SASL x"}},
      {EventKind::kWarning, "^warning: (?P<detail>.*)$", {"warning: y"}, true},
  };
  auto table = PatternTable::Compile(Daemon::kSmtpd, rows);
  ASSERT_TRUE(table.ok());
  Event e;
  ASSERT_TRUE((*table)->Match("warning: SASL LOGIN failed", &e));
  EXPECT_EQ(EventKind::kSaslFailed, e.kind);
}

TEST(PatternTableTest, RejectsUnknownGroupNamesAndBadRegex) {
  const Pattern bad_name[] = {{EventKind::kWarning, "^(?P<bogus>x)$", {"x"}}};
  EXPECT_FALSE(PatternTable::Compile(Daemon::kSmtpd, bad_name).ok());
  const Pattern bad_re[] = {{EventKind::kWarning, "^(x$", {"x"}}};
  EXPECT_FALSE(PatternTable::Compile(Daemon::kSmtpd, bad_re).ok());
}

TEST(ParseReplyCodesTest, ReadsCodeAndEnhancedCode) {
  int code = -1;
  std::string_view enh;
  ParseReplyCodes("550 5.1.1 <x@y>: Recipient address rejected", &code, &enh);
  EXPECT_EQ(550, code);
  EXPECT_EQ("5.1.1", enh);
  code = -1;
  enh = {};
  ParseReplyCodes("450 4.7.25 Client host rejected", &code, &enh);
  EXPECT_EQ(450, code);
  EXPECT_EQ("4.7.25", enh);
  code = -1;
  enh = {};
  ParseReplyCodes("delivered to mailbox", &code, &enh);
  EXPECT_EQ(-1, code);
  EXPECT_TRUE(enh.empty());
  ParseReplyCodes("554 Service unavailable", &code, &enh);
  EXPECT_EQ(554, code);
  EXPECT_TRUE(enh.empty());
}

}  // namespace
}  // namespace mailgauge::parsers
