#include "analyzer/report/text_report.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "common/timestamp.h"
#include "gtest/gtest.h"

namespace mailgauge::analyzer::report {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

SummaryData OneDay() {
  SummaryData d;
  const int64_t day = DaysFromCivil(2026, 11, 25);
  d.days[day] = true;
  d.totals.received = 3;
  d.totals.delivered = 600000;  // > 512k: shown in k
  d.totals.rejected = 200000;
  d.totals.deferrals = 7;
  d.totals.deferred = 6;
  d.totals.bytes_delivered = 600000000;  // > 512m: shown in m
  d.per_hour[10].received = 3;
  d.per_day[day].received = 3;
  d.senders["b@example.org"] = {1, 10};
  d.senders["a@example.org"] = {1, 20};
  d.senders["c@example.org"] = {2, 5};
  d.delivery_domains["example.org"] = {2, 300, 1, 3.0, 2.5};
  d.delivery_domains["deferred.test"] = {0, 0, 4, 0, 7200};
  d.deferral_detail["smtp"]["Connection refused"] = 5;
  d.deferral_detail["smtp"]["Greylisted"] = 1;
  d.reject_detail["RCPT"]["Relay access denied"]["192.0.2.9"] = 2;
  d.reject_detail["RCPT"]["Relay access denied"]["192.0.2.10"] = 2;
  d.master_messages["daemon started -- version 3.7.11"] = 1;
  return d;
}

TEST(TextReportTest, GrandTotalsInPflogsummUnits) {
  const std::string text = RenderText(OneDay(), ReportOptions());
  EXPECT_TRUE(Contains(text, "Postfix log summaries for Nov 25 2026\n\nGrand Totals\n------------\nmessages\n\n"));
  EXPECT_TRUE(Contains(text, "      3   received\n")) << text;
  EXPECT_TRUE(Contains(text, "    585k  delivered\n")) << text;
  EXPECT_TRUE(Contains(text, "      6   deferred  (7  deferrals)\n")) << text;
  // 200000 / (600000 + 200000 + 0) = 25%
  EXPECT_TRUE(Contains(text, " 200000   rejected (25%)\n")) << text;
  EXPECT_TRUE(Contains(text, "    572m  bytes delivered\n")) << text;
  EXPECT_TRUE(Contains(text, "      1   recipient hosts/domains\n")) << text;
}

TEST(TextReportTest, SectionsInPflogsummOrderAndLayout) {
  const std::string text = RenderText(OneDay(), ReportOptions());
  // One day: no per-day table, "Summary" not "Daily Average".
  EXPECT_FALSE(Contains(text, "Per-Day Traffic Summary"));
  EXPECT_TRUE(Contains(text, "\nPer-Hour Traffic Summary\n------------------------\n"));
  EXPECT_TRUE(Contains(text, "    1000-1100           3          0          0          0          0 \n"));
  // pflogsumm's title keeps the space before an absent "(top N)".
  EXPECT_TRUE(Contains(text, "\nHost/Domain Summary: Message Delivery \n--------------------------------------\n"));
  EXPECT_TRUE(Contains(text, "      2      300        1     1.5 s    2.5 s  example.org\n"
                             "      0        0        4     0.0 s    2.0 h  deferred.test\n"))
      << text;
  // Same count: ordered by reversed host name, so a@ before b@.
  EXPECT_TRUE(Contains(text, "Senders by message count\n------------------------\n"
                             "      2   c@example.org\n      1   a@example.org\n      1   b@example.org\n"));
  EXPECT_TRUE(Contains(text, "message deferral detail\n-----------------------\n"
                             "  smtp (total: 6)\n         5   Connection refused\n         1   Greylisted\n"));
  // 192.0.2.9 sorts before 192.0.2.10 (numerically, as pflogsumm does).
  EXPECT_TRUE(Contains(text, "message reject detail\n---------------------\n  RCPT\n"
                             "    Relay access denied (total: 4)\n           2   192.0.2.9\n"
                             "           2   192.0.2.10\n"))
      << text;
  EXPECT_TRUE(Contains(text, "\nmessage reject warning detail: none\n"));
  EXPECT_TRUE(Contains(text, "\nMaster daemon messages\n----------------------\n      1   daemon started"));
  EXPECT_LT(text.find("Grand Totals"), text.find("Per-Hour"));
  EXPECT_LT(text.find("Per-Hour"), text.find("Host/Domain Summary: Message Delivery"));
  EXPECT_LT(text.find("Host/Domain Summary: Messages Received"), text.find("Senders by message count"));
  EXPECT_LT(text.find("Recipients by message size"), text.find("message deferral detail"));
  EXPECT_LT(text.find("Master daemon messages"), text.find("Reject reason classes"));
}

TEST(TextReportTest, OptionsChangeTheLayout) {
  ReportOptions o;
  o.quiet = true;
  o.problems_first = true;
  o.iso_date_time = true;
  o.user_top = 1;
  o.reject_detail = 1;
  o.host_top = 0;
  o.date_label = "Nov 25";
  const std::string text = RenderText(OneDay(), o);
  EXPECT_EQ(0u, text.find("Postfix log summaries for Nov 25\n"));
  EXPECT_FALSE(Contains(text, "reject warning detail"));  // -q drops empty sections
  EXPECT_FALSE(Contains(text, "Host/Domain Summary"));     // -h 0
  EXPECT_TRUE(Contains(text, "    10:00-11:00         3"));
  EXPECT_TRUE(Contains(text, "top 1 Senders by message count\n------------------------------\n"
                             "      2   c@example.org\n\n"));
  EXPECT_TRUE(Contains(text, "    Relay access denied (top 1) (total: 4)\n           2   192.0.2.9\n\n"))
      << text;
  EXPECT_LT(text.find("message deferral detail"), text.find("Per-Hour"));
}

TEST(TextReportTest, PerDayColumnsAsPflogsummPrintsThem) {
  SummaryData d = OneDay();
  const int64_t day2 = DaysFromCivil(2026, 11, 26);
  d.days[day2] = true;
  d.per_day[day2].delivered = 4;
  d.per_hour[10].received = 3;
  const std::string text = RenderText(d, ReportOptions());
  EXPECT_TRUE(Contains(text, "Per-Hour Traffic Daily Average"));
  // 3 received over 2 days: 3/2 + 0.5 = 2.
  EXPECT_TRUE(Contains(text, "    1000-1100           2          0"));
  // Without --zero-fill a day shows its columns up to the last one counted.
  EXPECT_TRUE(Contains(text, "    Nov 25 2026         3 \n    Nov 26 2026         0          4 \n")) << text;
  ReportOptions zero;
  zero.zero_fill = true;
  EXPECT_TRUE(Contains(RenderText(d, zero),
                       "    Nov 26 2026         0          4          0          0          0 \n"));
}

// HostSortKey as first written (pflogsumm's normalize_host: a dotted IPv4
// address's octets, else the labels reversed), building every label.
std::string ReferenceHostSortKey(std::string_view text) {
  const std::string_view first = text.substr(0, text.find_first_of(" \t"));
  unsigned a, b, c, dd;
  char tail;
  const std::string s(first);
  if (std::sscanf(s.c_str(), "%3u.%3u.%3u.%3u%c", &a, &b, &c, &dd, &tail) == 4 &&
      s.find_first_not_of("0123456789.") == std::string::npos) {
    return std::string{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c),
                       static_cast<char>(dd)};
  }
  std::vector<std::string> parts;
  std::string cur;
  for (char ch : first) {
    if (ch == '.' || ch == '@') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
    }
  }
  parts.push_back(cur);
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) out += *it;
  return out;
}

// Names of every shape a table holds, from a small alphabet so that many
// share long key prefixes, labels and whole keys.
std::vector<std::string> RandomNames(size_t n, uint32_t seed) {
  const std::vector<std::string> pieces = {
      "a", "B", "mail", "Mail", "example", "com", "org", ".", ".", "@", "@", "1", "10", "255",
      "256", "999", "0", "", " ", "\t", "x y", "\xc3\xa9", std::string(1, '\0'), "-",
      "[192.0.2.1]", "192", "168", "exam", "examples", "ple"};
  std::mt19937 rng(seed);
  std::uniform_int_distribution<size_t> piece(0, pieces.size() - 1);
  std::uniform_int_distribution<int> len(1, 9);
  std::vector<std::string> names;
  for (size_t i = 0; i < n; ++i) {
    std::string name;
    for (int k = len(rng); k > 0; --k) name += pieces[piece(rng)];
    names.push_back(name);
  }
  // Dotted addresses, some IPv4 as sscanf reads them, some not.
  for (const char* ip : {"192.0.2.9", "192.0.2.10", "10.0.0.1", "010.0.0.1", "1.2.3.4.", "1.2.3",
                         "1..2.3", "1234.1.1.1", "300.1.1.1", "0.0.0.0", "1.2.3.4 (x)", "1.2.3.4x"}) {
    names.push_back(ip);
  }
  return names;
}

TEST(TextReportTest, HostSortKeyIsTheReferenceKey) {
  for (const std::string& name : RandomNames(20000, 1)) {
    ASSERT_EQ(ReferenceHostSortKey(name), HostSortKey(name)) << name;
  }
}

// Ties (equal counts) in big tables come out ordered by the reference key,
// then by name: the address tables (ranked by id) and the others.
TEST(TextReportTest, BigTiedRunsAreOrderedByKeyThenName) {
  SummaryData d = OneDay();
  d.senders.clear();
  d.reject_detail.clear();
  std::vector<std::tuple<uint64_t, std::string, std::string>> want;  // (-count, key, name)
  std::mt19937 rng(5);
  for (const std::string& name : RandomNames(30000, 2)) {
    if (name.find('\n') != std::string::npos || d.senders.count(name) != 0) continue;
    const uint64_t count = 1 + rng() % 3;
    d.senders[name] = {count, 1};
    d.reject_detail["RCPT"]["Relay access denied"][name] = count;
    want.emplace_back(~count, ReferenceHostSortKey(name), name);
  }
  std::sort(want.begin(), want.end());
  ReportOptions o;
  o.colwidth = 0;  // whole names
  const std::string text = RenderText(d, o);
  auto rows_after = [&](const std::string& title, const std::string& indent) {
    std::string expected = title;
    for (const auto& [inverted, key, name] : want) {
      char count[32];
      std::snprintf(count, sizeof(count), "%s%6llu   ", indent.c_str(),  // count, blank unit
                    static_cast<unsigned long long>(~inverted));
      expected += count + name + "\n";
    }
    return expected;
  };
  const std::string senders =
      rows_after("Senders by message count\n------------------------\n", " ");
  EXPECT_TRUE(Contains(text, senders)) << text.substr(text.find("Senders by message count"), 2000);
  const std::string rejects = rows_after(
      "    Relay access denied (total: " + std::to_string([&] {
        uint64_t t = 0;
        for (const auto& w : want) t += ~std::get<0>(w);
        return t;
      }()) + ")\n",
      "      ");
  EXPECT_TRUE(Contains(text, rejects)) << text.substr(text.find("Relay access denied"), 2000);
}

TEST(TextReportTest, HostSortKey) {
  EXPECT_LT(HostSortKey("192.0.2.9"), HostSortKey("192.0.2.10"));
  EXPECT_EQ("comexamplemail", HostSortKey("mail.Example.com"));
  EXPECT_EQ("orgexamplea", HostSortKey("a@example.org  (x)"));
}

TEST(TextReportTest, ColwidthCutsLongFieldsToTheWidth) {
  SummaryData d = OneDay();
  const std::string long_reason =
      "host mx.example.net[192.0.2.77] refused to talk to me: 554 5.7.1 Service unavailable; "
      "Client host blocked using zen.spamhaus.org";
  d.deferral_detail["smtp"][long_reason] = 3;
  d.senders["a-very-long-local-part-that-goes-on-and-on@subdomain.example.org"] = {9, 1};
  ReportOptions o;
  const std::string wide = RenderText(d, o);
  EXPECT_TRUE(Contains(wide, long_reason));  // 0: no limit
  o.colwidth = 60;
  const std::string text = RenderText(d, o);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    EXPECT_LE(end - start, 72u) << text.substr(start, end - start);  // fixed tables are 72
    if (text.compare(start, 12, "         3  ") == 0) {
      EXPECT_EQ(60u, end - start) << text.substr(start, end - start);
      EXPECT_EQ("...", text.substr(end - 3, 3));
    }
    start = end + 1;
  }
  EXPECT_FALSE(Contains(text, long_reason));
  EXPECT_TRUE(Contains(text, "         3   host mx.example.net[192.0.2.77] refused to t...\n"))
      << text;
  EXPECT_TRUE(Contains(text, "      9   a-very-long-local-part-that-goes-on-and-on@subd...\n"))
      << text;
  // Short fields are untouched.
  EXPECT_TRUE(Contains(text, "         5   Connection refused\n"));
}

TEST(TextReportTest, MessageDetailBlocksSortedByDomainThenUser) {
  SummaryData d = OneDay();
  MessageDetail a;
  a.queue_id = "B2C3D4E5F6";
  a.sender = "zed@example.net";
  a.client = "mail.example.net[192.0.2.1]";
  a.size = 1234;
  a.arrival = Timestamp::FromCivil(2026, 11, 25, 10, 14, 3, 0, 0);
  a.recipients.push_back({"bob@remote.test", "sent", "mx.remote.test[198.51.100.2]:25", "2.0.0", 0.4});
  a.recipients.push_back({"eve@remote.test", "bounced", "none", "5.1.1", 12});
  MessageDetail b;
  b.queue_id = "A1B2C3D4E5";
  b.sender = "amy@example.org";
  b.client = "pickup";
  b.size = -1;
  d.message_detail = {a, b};
  ReportOptions o;
  EXPECT_FALSE(Contains(RenderText(d, o), "Message detail"));
  o.message_detail = true;
  const std::string text = RenderText(d, o);
  EXPECT_TRUE(Contains(text,
                       "Message detail\n--------------\n"
                       " B2C3D4E5F6  zed@example.net\n"
                       "   client mail.example.net[192.0.2.1], size 1234, arrived Nov 25 2026 10:14:03\n"
                       "   bob@remote.test  sent, relay=mx.remote.test[198.51.100.2]:25, delay=0.4, dsn=2.0.0\n"
                       "   eve@remote.test  bounced, relay=none, delay=12, dsn=5.1.1\n\n"
                       " A1B2C3D4E5  amy@example.org\n"
                       "   client pickup, size unknown\n"
                       "   (no recipient in log)\n"))
      << text;
  d.message_detail.clear();
  EXPECT_TRUE(Contains(RenderText(d, o), "\nMessage detail: none\n"));
  o.quiet = true;
  EXPECT_FALSE(Contains(RenderText(d, o), "Message detail"));
}

TEST(TextReportTest, ByDomainNamedUnderTheHeader) {
  ReportOptions o;
  o.date_label = "Nov 25";
  o.domain = "example.org";
  EXPECT_EQ(0u, RenderText(OneDay(), o)
                    .find("Postfix log summaries for Nov 25\n"
                          "Only mail from or to example.org and its subdomains\n"));
}

}  // namespace
}  // namespace mailgauge::analyzer::report
