#include "analyzer/report/html_report.h"

#include <string>

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

}  // namespace
}  // namespace mailgauge::analyzer::report
