#include "analyzer/report/html_report.h"

#include <string>
#include <vector>

#include "analyzer/report/json_report.h"
#include "common/timestamp.h"
#include "gtest/gtest.h"

namespace mailgauge::analyzer::report {
namespace {

TEST(HtmlReportTest, SelfContainedPageWithTotalsAndChart) {
  Summary s;
  SummaryData& d = *s.mutable_data();
  d.days[DaysFromCivil(2026, 11, 25)] = true;
  d.totals.received = 12;
  d.totals.delivered = 10;
  d.totals.bounced = 2;
  d.per_hour[9].received = 12;
  d.senders["<script>@example.org"] = {1, 100};
  const std::string html = RenderHtml(d, ReportOptions());
  EXPECT_EQ(0u, html.find("<!DOCTYPE html>"));
  EXPECT_NE(std::string::npos, html.find("id=\"total-received\">12<"));
  EXPECT_NE(std::string::npos, html.find("id=\"total-delivered\">10<"));
  EXPECT_NE(std::string::npos, html.find("<svg"));
  EXPECT_NE(std::string::npos, html.find("9:00 received: 12"));
  // Nothing loaded from elsewhere; data is escaped.
  EXPECT_EQ(std::string::npos, html.find("src="));
  EXPECT_EQ(std::string::npos, html.find("href="));
  EXPECT_EQ(std::string::npos, html.find("<script>@"));
  EXPECT_NE(std::string::npos, html.find("&lt;script&gt;@example.org"));
  EXPECT_EQ("&lt;a href=&quot;x&quot;&gt; &amp; &#39;", HtmlEscape("<a href=\"x\"> & '"));
  // The JSON names the same totals.
  const std::string json = RenderJson(s);
  EXPECT_NE(std::string::npos, json.find("\"received\": 12"));
}

// Text between the first `begin` and the next `end` after it ("" if absent).
std::string Between(const std::string& html, const std::string& begin, const std::string& end) {
  const size_t a = html.find(begin);
  if (a == std::string::npos) return "";
  const size_t b = html.find(end, a);
  return html.substr(a, b == std::string::npos ? std::string::npos : b - a);
}

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t p = haystack.find(needle); p != std::string::npos;
       p = haystack.find(needle, p + 1)) {
    ++n;
  }
  return n;
}

// The outcome mix of testdata/logs/postfix_real.syslog: a 24-recipient
// segment and five narrow ones whose labels used to overlap.
TEST(HtmlReportTest, OutcomeBarLabelsOnlyInsideSegmentsThatFitAndLegendForAll) {
  SummaryData d;
  d.totals.delivered = 24;
  d.totals.forwarded = 1;
  d.totals.bounced = 4;
  d.totals.rejected = 6;
  d.totals.discarded = 1;
  d.totals.expired = 1;
  const std::string html = RenderHtml(d, ReportOptions());
  const std::string svg = Between(html, "aria-label=\"outcome mix\"", "</svg>");
  ASSERT_FALSE(svg.empty());
  // A tooltip per segment.
  for (const char* t : {"delivered: 24", "forwarded: 1", "bounced: 4", "rejected: 6",
                        "discarded: 1", "expired: 1"}) {
    EXPECT_NE(std::string::npos, svg.find(std::string("<title>") + t + "</title>")) << t;
  }
  // Every outcome once in the legend, with its swatch.
  EXPECT_EQ(6u, Count(svg, "<g class=\"legend\">"));
  const std::string legend = svg.substr(svg.find("<g class=\"legend\">"));
  for (const char* t : {">delivered 24<", ">forwarded 1<", ">bounced 4<", ">rejected 6<",
                        ">discarded 1<", ">expired 1<"}) {
    EXPECT_EQ(1u, Count(legend, t)) << t;
  }
  // Inside the bar (y="14") only segments wide enough for their label:
  // delivered (389 px), bounced (65 px) and rejected (97 px); forwarded,
  // discarded and expired (16 px each) only in the legend.
  EXPECT_NE(std::string::npos, svg.find("y=\"14\" fill=\"#fff\">delivered 24<"));
  EXPECT_NE(std::string::npos, svg.find("y=\"14\" fill=\"#fff\">bounced 4<"));
  EXPECT_NE(std::string::npos, svg.find("y=\"14\" fill=\"#fff\">rejected 6<"));
  EXPECT_EQ(3u, Count(svg, "y=\"14\""));
  // Each label inside the bar ends before its segment does.
  for (size_t p = svg.find("<rect x=\""); p != std::string::npos && p < svg.find("<g ");
       p = svg.find("<rect x=\"", p + 1)) {
    const double x = std::stod(svg.substr(p + 9));
    const double w = std::stod(svg.substr(svg.find("width=\"", p) + 7));
    const size_t next = svg.find('<', svg.find("</rect>", p) + 1);
    if (svg.compare(next, 6, "<text ") != 0) continue;
    const size_t open = svg.find('>', next), close = svg.find("</text>", next);
    EXPECT_LE(std::stod(svg.substr(next + 9)) + 6.2 * (close - open - 1), x + w);
  }
  // Nothing placed beyond the SVG's width (620): every x plus a generous
  // label width stays inside.
  for (size_t p = svg.find("<text x=\""); p != std::string::npos;
       p = svg.find("<text x=\"", p + 1)) {
    const double x = std::stod(svg.substr(p + 9));
    const size_t open = svg.find('>', p), close = svg.find("</text>", p);
    const std::string label = svg.substr(open + 1, close - open - 1);
    EXPECT_LE(x + 6.2 * label.size(), 620.0) << label;
  }
}

TEST(HtmlReportTest, OutcomeLegendWrapsWithLargeCounts) {
  SummaryData d;
  d.totals.delivered = 123456789012;
  d.totals.forwarded = 123456789012;
  d.totals.bounced = 123456789012;
  d.totals.rejected = 123456789012;
  d.totals.discarded = 123456789012;
  d.totals.expired = 123456789012;
  const std::string svg = Between(RenderHtml(d, ReportOptions()), "aria-label=\"outcome mix\"",
                                  "</svg>");
  // Legend rows at y=28 and further down; the SVG grows to hold them.
  EXPECT_NE(std::string::npos, svg.find("y=\"28\""));
  EXPECT_NE(std::string::npos, svg.find("y=\"44\""));
  for (size_t p = svg.find("<text x=\""); p != std::string::npos;
       p = svg.find("<text x=\"", p + 1)) {
    const double x = std::stod(svg.substr(p + 9));
    const size_t open = svg.find('>', p), close = svg.find("</text>", p);
    EXPECT_LE(x + 6.2 * (close - open - 1), 620.0);
  }
}

TEST(HtmlReportTest, SmtpdStatsTotalsAndPerHourAndPerDay) {
  SummaryData d;
  d.days[DaysFromCivil(2026, 11, 25)] = true;
  d.smtpd_connections = 4;
  d.smtpd_per_hour[9] = {3, 75, 60};
  d.smtpd_per_day[DaysFromCivil(2026, 11, 25)] = {3, 75, 60};
  d.smtpd_per_domain["example.org"] = {3, 75, 60};
  ReportOptions o;
  std::string html = RenderHtml(d, o);
  EXPECT_EQ(std::string::npos, html.find("SMTPD"));
  EXPECT_EQ(std::string::npos, html.find("total-smtpd_connections"));

  o.smtpd_stats = true;
  html = RenderHtml(d, o);
  EXPECT_NE(std::string::npos, html.find("id=\"total-smtpd_connections\">4<"));
  // One connect line had no disconnect: the timed ones are named apart.
  EXPECT_NE(std::string::npos, html.find("id=\"smtpd-timed-connections\">3<"));
  EXPECT_NE(std::string::npos, html.find("id=\"smtpd-hosts\">1<"));
  EXPECT_NE(std::string::npos, html.find("id=\"smtpd-avg-seconds\">25<"));
  EXPECT_NE(std::string::npos, html.find("id=\"smtpd-max-seconds\">60<"));
  EXPECT_NE(std::string::npos, html.find("id=\"smtpd-total-time\">0:01:15<"));
  const std::string hour = Between(html, "<h2>Per-Hour SMTPD Connection Summary</h2>", "</table>");
  ASSERT_FALSE(hour.empty());
  EXPECT_NE(std::string::npos,
            hour.find("<td>09:00-10:00</td><td class=\"n\">3</td><td class=\"n\">0:01:15</td>"
                      "<td class=\"n\">25</td><td class=\"n\">60</td>"));
  EXPECT_EQ(1u, Count(hour, "<tr><td>"));  // hours without connections left out
  EXPECT_EQ(std::string::npos, html.find("Per-Day SMTPD Connection Summary"));
  EXPECT_NE(std::string::npos, html.find("<h2>Host/Domain Summary: SMTPD Connections</h2>"));
  // Per-hour SMTPD comes after the host/domain tables, before senders.
  EXPECT_LT(html.find("Host/Domain Summary: Messages Received"),
            html.find("Per-Hour SMTPD Connection Summary"));
  EXPECT_LT(html.find("Per-Hour SMTPD Connection Summary"),
            html.find("Host/Domain Summary: SMTPD Connections"));

  // Two days: per-day table and the per-hour daily average.
  d.days[DaysFromCivil(2026, 11, 26)] = true;
  d.smtpd_per_day[DaysFromCivil(2026, 11, 26)] = {1, 5, 5};
  d.smtpd_per_hour[10] = {1, 5, 5};
  d.smtpd_connections = 4;
  html = RenderHtml(d, o);
  EXPECT_EQ(std::string::npos, html.find("smtpd-timed-connections"));
  const std::string day = Between(html, "<h2>Per-Day SMTPD Connection Summary</h2>", "</table>");
  ASSERT_FALSE(day.empty());
  EXPECT_NE(std::string::npos, day.find("<td>Nov 26 2026</td><td class=\"n\">1</td>"));
  EXPECT_NE(std::string::npos, html.find("<h2>Per-Hour SMTPD Connection Daily Average</h2>"));
}

TEST(HtmlReportTest, MessageDetailTableAndByDomainLine) {
  SummaryData d;
  d.days[DaysFromCivil(2026, 11, 25)] = true;
  MessageDetail a;
  a.queue_id = "4F2A1C0E12";
  a.sender = "zed@b.example";
  a.client = "mx.example[192.0.2.1]";
  a.size = 1234;
  a.arrival = Timestamp::FromCivil(2026, 11, 25, 9, 5, 7, 0, 0);
  a.recipients.push_back({"bob@c.example", "sent", "c.example[192.0.2.9]:25", "2.0.0", 1.5});
  a.recipients.push_back({"<eve>@c.example", "bounced", "none", "5.1.1", 0.2});
  MessageDetail b;
  b.queue_id = "1B";
  b.sender = "amy@a.example";
  d.message_detail = {a, b};
  ReportOptions o;
  o.domain = "c.example";
  std::string html = RenderHtml(d, o);
  EXPECT_EQ(std::string::npos, html.find("Message detail"));
  EXPECT_NE(std::string::npos,
            html.find("<p>Only mail from or to c.example and its subdomains</p>"));
  EXPECT_LT(html.find("</h1>"), html.find("Only mail from or to"));
  EXPECT_LT(html.find("Only mail from or to"), html.find("Grand Totals"));

  o.message_detail = true;
  html = RenderHtml(d, o);
  const std::string table = Between(html, "<h2>Message detail</h2>", "</table>");
  ASSERT_FALSE(table.empty());
  EXPECT_NE(std::string::npos,
            table.find("<th>queue ID</th><th>sender</th><th>client</th><th class=\"n\">size</th>"
                       "<th>arrival</th><th>recipient</th><th>status</th><th>relay</th>"
                       "<th class=\"n\">delay (s)</th><th>DSN</th>"));
  EXPECT_NE(std::string::npos,
            table.find("<td>4F2A1C0E12</td><td>zed@b.example</td><td>mx.example[192.0.2.1]</td>"
                       "<td class=\"n\">1234</td><td>Nov 25 2026 09:05:07</td>"
                       "<td>bob@c.example</td><td>sent</td><td>c.example[192.0.2.9]:25</td>"
                       "<td class=\"n\">1.5</td><td>2.0.0</td>"));
  EXPECT_NE(std::string::npos, table.find("<td>&lt;eve&gt;@c.example</td><td>bounced</td>"));
  EXPECT_NE(std::string::npos,
            table.find("<td>1B</td><td>amy@a.example</td><td>unknown</td><td class=\"n\">"
                       "unknown</td><td>unknown</td><td>(no recipient in log)</td>"));
  // pflogsumm's order: sender domain first (a.example before b.example).
  EXPECT_LT(table.find("amy@a.example"), table.find("zed@b.example"));
  // After the problem sections, before mailgauge's own.
  EXPECT_LT(html.find("Master daemon messages"), html.find("Message detail"));
  EXPECT_LT(html.find("Message detail"), html.find("Postscreen"));

  // Empty: "none", or nothing with -q.
  d.message_detail.clear();
  EXPECT_NE(std::string::npos,
            RenderHtml(d, o).find("<h2>Message detail</h2>\n<p class=\"none\">none</p>"));
  o.quiet = true;
  EXPECT_EQ(std::string::npos, RenderHtml(d, o).find("Message detail"));
}

TEST(HtmlReportTest, TitlesAndOrderFollowTheTextReport) {
  SummaryData d;
  d.days[DaysFromCivil(2026, 11, 25)] = true;
  d.senders["a@example.org"] = {1, 100};
  d.warnings["smtpd"]["w"] = 1;
  ReportOptions o;
  o.host_top = 5;
  o.user_top = 3;
  std::string html = RenderHtml(d, o);
  EXPECT_NE(std::string::npos, html.find("<h2>Host/Domain Summary: Message Delivery (top 5)</h2>"));
  EXPECT_NE(std::string::npos, html.find("<h2>Host/Domain Summary: Messages Received (top 5)</h2>"));
  EXPECT_NE(std::string::npos, html.find("<h2>top 3 Senders by message count</h2>"));
  EXPECT_LT(html.find("Senders by message size"), html.find("<h2>Warnings</h2>"));
  o.problems_first = true;
  html = RenderHtml(d, o);
  EXPECT_LT(html.find("<h2>Warnings</h2>"), html.find("Per-Hour Traffic Summary"));
  EXPECT_LT(html.find("Grand Totals"), html.find("<h2>Warnings</h2>"));
}

// The address tables: by count (or bytes), then by name, whatever the
// insertion order; the first N with -u N.
TEST(HtmlReportTest, AddressTablesRankedByValueThenName) {
  SummaryData d;
  d.days[DaysFromCivil(2026, 11, 25)] = true;
  d.senders["d@example.org"] = {1, 400};
  d.senders["b@example.org"] = {2, 100};
  d.senders["c@example.org"] = {1, 300};
  d.senders["a@example.org"] = {2, 200};
  d.senders["e@example.org"] = {3, 50};
  auto rows = [](const std::string& html, const std::string& title) {
    const std::string table = Between(html, "<h2>" + title + "</h2>", "</table>");
    std::vector<std::string> names;
    for (size_t p = table.find("<tr><td>"); p != std::string::npos;
         p = table.find("<tr><td>", p + 1)) {
      const size_t b = p + 8;
      names.push_back(table.substr(b, table.find("</td>", b) - b));
    }
    return names;
  };
  ReportOptions o;
  std::string html = RenderHtml(d, o);
  EXPECT_EQ((std::vector<std::string>{"e@example.org", "a@example.org", "b@example.org",
                                      "c@example.org", "d@example.org"}),
            rows(html, "Senders by message count"));
  EXPECT_EQ((std::vector<std::string>{"d@example.org", "c@example.org", "a@example.org",
                                      "b@example.org", "e@example.org"}),
            rows(html, "Senders by message size"));
  o.user_top = 2;
  html = RenderHtml(d, o);
  EXPECT_EQ((std::vector<std::string>{"e@example.org", "a@example.org"}),
            rows(html, "top 2 Senders by message count"));
  EXPECT_NE(std::string::npos,
            html.find("<tr><td>e@example.org</td><td class=\"n\">3</td><td class=\"n\">50</td></tr>"));
}

}  // namespace
}  // namespace mailgauge::analyzer::report
