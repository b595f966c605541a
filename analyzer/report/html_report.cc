#include "analyzer/report/html_report.h"

#include <algorithm>
#include <cstdio>
#include <ostream>
#include <sstream>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "analyzer/report/chunked_writer.h"
#include "analyzer/report/text_report.h"

namespace mailgauge::analyzer::report {
namespace {

constexpr char kStyle[] = R"(
body{font-family:sans-serif;margin:1.5em;color:#222;max-width:70em}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.4em 0}
td,th{padding:.15em .6em;border-bottom:1px solid #eee;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f4f4f4;cursor:pointer}
.none{color:#777;font-style:italic}
svg text{font-size:10px;font-family:sans-serif}
)";

// Sorts a table by the clicked column (numbers numerically).
constexpr char kScript[] = R"(
document.querySelectorAll('table.sortable th').forEach(function(th){
 th.addEventListener('click',function(){
  var t=th.closest('table'),b=t.tBodies[0],i=Array.prototype.indexOf.call(th.parentNode.children,th);
  var asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';
  var rows=Array.prototype.slice.call(b.rows);
  rows.sort(function(x,y){var a=x.cells[i].dataset.v||x.cells[i].textContent,c=y.cells[i].dataset.v||y.cells[i].textContent;
   var na=parseFloat(a),nc=parseFloat(c);var r=(!isNaN(na)&&!isNaN(nc))?na-nc:a.localeCompare(c);return asc?r:-r;});
  rows.forEach(function(r){b.appendChild(r);});
 });
});
)";

std::string Num(uint64_t v) { return std::to_string(v); }

std::string Fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

// The page, written to a stream as it goes (chunked_writer.h).
class Page {
 public:
  explicit Page(std::ostream* sink) : w_(sink) {}
  void Raw(std::string_view s) { w_.Append(s); }
  void Text(std::string_view s) { w_.Append(HtmlEscape(s)); }
  void Flush() { w_.Flush(); }
  void H2(std::string_view title) {
    Raw("<h2>");
    Text(title);
    Raw("</h2>\n");
  }
  // columns: name, numeric?
  void TableStart(const std::vector<std::pair<std::string, bool>>& columns) {
    Raw("<table class=\"sortable\"><thead><tr>");
    for (const auto& [name, numeric] : columns) {
      Raw(numeric ? "<th class=\"n\">" : "<th>");
      Text(name);
      Raw("</th>");
    }
    Raw("</tr></thead><tbody>\n");
  }
  void Row(const std::vector<std::pair<std::string, bool>>& cells) {
    Raw("<tr>");
    for (const auto& [value, numeric] : cells) {
      Raw(numeric ? "<td class=\"n\">" : "<td>");
      Text(value);
      Raw("</td>");
    }
    Raw("</tr>\n");
  }
  void TableEnd() { Raw("</tbody></table>\n"); }
  void None() { Raw("<p class=\"none\">none</p>\n"); }
  // The heading of a list section, then "none" when it is empty (nothing at
  // all with -q, as the text report). True when rows follow.
  bool Section(std::string_view title, bool empty) {
    if (empty && quiet_) return false;
    H2(title);
    if (empty) None();
    return !empty;
  }
  void set_quiet(bool quiet) { quiet_ = quiet; }

 private:
  ChunkedWriter w_;
  bool quiet_ = false;
};

// (name, value) rows of a CountMap or an InternedMap, highest key(value)
// first, then by name; the first `top` when top > 0.
template <typename Map, typename Key>
auto Ranked(const Map& m, Key key, int top) {
  using V = std::remove_cv_t<std::remove_reference_t<decltype((*m.begin()).second)>>;
  std::vector<std::pair<std::string_view, const V*>> v;
  v.reserve(m.size());
  for (const auto& [name, value] : m) v.emplace_back(name, &value);
  auto less = [&](const auto& a, const auto& b) {
    if (key(*a.second) != key(*b.second)) return key(*a.second) > key(*b.second);
    return a.first < b.first;
  };
  if (top > 0 && v.size() > static_cast<size_t>(top)) {
    std::partial_sort(v.begin(), v.begin() + top, v.end(), less);
    v.resize(top);
  } else {
    std::sort(v.begin(), v.end(), less);
  }
  return v;
}

void HourChart(Page& p, const SummaryData& d) {
  uint64_t max = 1;
  for (const TrafficCounts& c : d.per_hour) {
    max = std::max({max, c.received, c.delivered, c.deferred + c.bounced + c.rejected});
  }
  const int w = 24 * 30 + 40, h = 180, base = 150;
  p.Raw("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(w) +
        "\" height=\"" + std::to_string(h) +
        "\" role=\"img\" aria-label=\"messages per hour\">\n");
  for (int hour = 0; hour < 24; ++hour) {
    const TrafficCounts& c = d.per_hour[hour];
    const int x = 40 + hour * 30;
    const uint64_t problems = c.deferred + c.bounced + c.rejected;
    const struct {
      uint64_t v;
      int dx;
      const char* color;
      const char* name;
    } bars[] = {{c.received, 2, "#4a7bd0", "received"},
                {c.delivered, 10, "#3c9a5f", "delivered"},
                {problems, 18, "#d0674a", "deferred+bounced+rejected"}};
    for (const auto& b : bars) {
      const int bh = static_cast<int>(static_cast<double>(b.v) / max * (base - 10));
      p.Raw("<rect x=\"" + std::to_string(x + b.dx) + "\" y=\"" + std::to_string(base - bh) +
            "\" width=\"7\" height=\"" + std::to_string(bh) + "\" fill=\"" + b.color +
            "\"><title>" + std::to_string(hour) + ":00 " + b.name + ": " + Num(b.v) +
            "</title></rect>\n");
    }
    p.Raw("<text x=\"" + std::to_string(x + 6) + "\" y=\"" + std::to_string(base + 14) +
          "\">" + std::to_string(hour) + "</text>\n");
  }
  p.Raw("<text x=\"0\" y=\"12\">" + Num(max) + "</text><line x1=\"38\" y1=\"" +
        std::to_string(base) + "\" x2=\"" + std::to_string(w) + "\" y2=\"" +
        std::to_string(base) + "\" stroke=\"#999\"/>\n");
  p.Raw("<text x=\"40\" y=\"176\" fill=\"#4a7bd0\">received</text>"
        "<text x=\"110\" y=\"176\" fill=\"#3c9a5f\">delivered</text>"
        "<text x=\"180\" y=\"176\" fill=\"#d0674a\">deferred+bounced+rejected</text>\n");
  p.Raw("</svg>\n");
}

// Rough advance width of `text` in the charts' 10px sans-serif, generous so
// that a label judged to fit does fit.
double LabelWidth(std::string_view text) { return 6.2 * static_cast<double>(text.size()); }

void OutcomeChart(Page& p, const SummaryData& d) {
  const Totals& t = d.totals;
  const struct {
    uint64_t v;
    const char* name;
    const char* color;
    const char* ink;  // label colour inside the segment
  } parts[] = {{t.delivered, "delivered", "#3c9a5f", "#fff"},
               {t.forwarded, "forwarded", "#7fbf8f", "#111"},
               {t.bounced, "bounced", "#d0674a", "#fff"},
               {t.rejected, "rejected", "#a33", "#fff"},
               {t.discarded, "discarded", "#999", "#111"},
               {t.expired, "expired", "#c9a227", "#111"}};
  uint64_t total = 0;
  for (const auto& part : parts) total += part.v;
  if (total == 0) return;
  constexpr double kBarWidth = 600, kLeft = 10, kBarHeight = 20;  // in an SVG 620 wide
  // Legend: a swatch, the name and the count of every outcome, in rows that
  // wrap before the SVG's right edge.
  struct LegendItem {
    double x;
    int row;
    std::string label;
  };
  std::vector<LegendItem> legend;
  double lx = kLeft;
  int row = 0;
  for (const auto& part : parts) {
    std::string label = std::string(part.name) + " " + Num(part.v);
    const double w = 14 + LabelWidth(label) + 14;
    if (lx > kLeft && lx + w > kLeft + kBarWidth) {
      lx = kLeft;
      ++row;
    }
    legend.push_back({lx, row, std::move(label)});
    lx += w;
  }
  const int height = static_cast<int>(kBarHeight) + 10 + (row + 1) * 16;
  p.Raw("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"620\" height=\"" +
        std::to_string(height) + "\" role=\"img\" aria-label=\"outcome mix\">\n");
  double x = kLeft;
  for (const auto& part : parts) {
    if (part.v == 0) continue;
    const double w = static_cast<double>(part.v) / total * kBarWidth;
    const std::string label = std::string(part.name) + " " + Num(part.v);
    p.Raw("<rect x=\"" + Fixed(x) + "\" y=\"0\" width=\"" + Fixed(w) + "\" height=\"" +
          Fixed(kBarHeight) + "\" fill=\"" + part.color + "\"><title>" + part.name + ": " +
          Num(part.v) + "</title></rect>\n");
    // A label inside its segment only when it fits there; the legend below
    // names every outcome anyway.
    if (LabelWidth(label) + 6 <= w) {
      p.Raw("<text x=\"" + Fixed(x + 3) + "\" y=\"14\" fill=\"" + part.ink + "\">" + label +
            "</text>\n");
    }
    x += w;
  }
  for (size_t i = 0; i < legend.size(); ++i) {
    const LegendItem& item = legend[i];
    const int y = static_cast<int>(kBarHeight) + 8 + item.row * 16;
    p.Raw("<g class=\"legend\"><rect x=\"" + Fixed(item.x) + "\" y=\"" + std::to_string(y) +
          "\" width=\"10\" height=\"10\" fill=\"" + parts[i].color + "\"/><text x=\"" +
          Fixed(item.x + 14) + "\" y=\"" + std::to_string(y + 9) + "\">" + item.label +
          "</text></g>\n");
  }
  p.Raw("</svg>\n");
}

void Nested2Table(Page& p, const NestedCounts& n, const std::string& title, const char* k1,
                  const char* k2, int top) {
  if (top == 0) return;
  if (!p.Section(title, n.empty())) return;
  p.TableStart({{k1, false}, {k2, false}, {"count", true}});
  for (const auto& [a, rows] : n) {
    for (const auto& [key, count] : Ranked(rows, [](uint64_t v) { return v; }, top)) {
      p.Row({{a, false}, {std::string(key), false}, {Num(*count), true}});
    }
  }
  p.TableEnd();
}

void Nested3Table(Page& p, const Nested3Counts& n, const std::string& title, int top) {
  if (top == 0) return;
  if (!p.Section(title, n.empty())) return;
  p.TableStart({{"stage", false}, {"reason", false}, {"client or address", false},
                {"count", true}});
  for (const auto& [stage, reasons] : n) {
    for (const auto& [reason, rows] : reasons) {
      for (const auto& [key, count] : Ranked(rows, [](uint64_t v) { return v; }, top)) {
        p.Row({{stage, false}, {reason, false}, {std::string(key), false}, {Num(*count), true}});
      }
    }
  }
  p.TableEnd();
}

void CountTable(Page& p, const CountMap& m, const std::string& title, const char* key) {
  if (!p.Section(title, m.empty())) return;
  p.TableStart({{key, false}, {"count", true}});
  for (const auto& [name, count] : Ranked(m, [](uint64_t v) { return v; }, -1)) {
    p.Row({{std::string(name), false}, {Num(*count), true}});
  }
  p.TableEnd();
}

void AddressRows(Page& p, const analyzer::AddressTable& m,
                  const std::string& title, bool by_size, int top) {
  if (top == 0) return;
  // The text report's title: "top 10 Senders by message count" with -u 10.
  if (!p.Section((top > 0 ? "top " + std::to_string(top) + " " : "") + title, m.empty())) {
    return;
  }
  p.TableStart({{"address", false}, {"messages", true}, {"bytes", true}});
  // Ranked as Ranked ranks (the value first, then the name; names are
  // unique), but as 4-byte ids: the table can hold hundreds of thousands
  // of addresses, and 24-byte rows added to the report's peak memory.
  std::vector<uint32_t> ids(m.size());
  for (uint32_t id = 0; id < ids.size(); ++id) ids[id] = id;
  auto value = [&m, by_size](uint32_t id) {
    const AddressStats& s = m.value(id);
    return by_size ? s.bytes : s.count;
  };
  auto less = [&m, &value](uint32_t a, uint32_t b) {
    const uint64_t va = value(a), vb = value(b);
    if (va != vb) return va > vb;
    return m.key(a) < m.key(b);
  };
  if (top > 0 && ids.size() > static_cast<size_t>(top)) {
    std::partial_sort(ids.begin(), ids.begin() + top, ids.end(), less);
    ids.resize(top);
  } else {
    std::sort(ids.begin(), ids.end(), less);
  }
  for (uint32_t id : ids) {
    const AddressStats& s = m.value(id);
    p.Row({{std::string(m.key(id)), false}, {Num(s.count), true}, {Num(s.bytes), true}});
  }
  p.TableEnd();
}

// " (top N)" after a host/domain title, as the text report has it.
std::string Top(int top) { return top > 0 ? " (top " + std::to_string(top) + ")" : ""; }

// "H:MM:SS" of a number of seconds (the text report's time conn.).
std::string Hms(double seconds) {
  const int64_t s = static_cast<int64_t>(seconds);
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%lld:%02d:%02d", static_cast<long long>(s / 3600),
                static_cast<int>(s / 60 % 60), static_cast<int>(s % 60));
  return buf;
}

// Seconds per connection, rounded as the text report rounds them.
std::string AvgSeconds(const ConnectionStats& c) {
  return Num(c.count > 0
                 ? static_cast<uint64_t>(static_cast<double>(c.seconds) / c.count + .5)
                 : 0);
}

// --smtpd-stats under Grand Totals: the text report's "smtpd" block
// (connections, hosts/domains, average and total connect time) plus the
// longest connection. "connections" is the JSON's totals.smtpd_connections
// (connect lines); when some connection's disconnect is not in the log, the
// connections that were timed (which the averages cover) get their own row.
void SmtpdTotals(Page& p, const SummaryData& d) {
  ConnectionStats all;
  for (const ConnectionStats& c : d.smtpd_per_hour) {
    all.count += c.count;
    all.seconds += c.seconds;
    all.max_seconds = std::max(all.max_seconds, c.max_seconds);
  }
  p.Raw("<h3>smtpd</h3>\n<table class=\"smtpd-totals\"><tbody>\n");
  p.Raw("<tr><td class=\"n\" id=\"total-smtpd_connections\">" + Num(d.smtpd_connections) +
        "</td><td>connections</td></tr>\n");
  if (all.count != d.smtpd_connections) {
    p.Raw("<tr><td class=\"n\" id=\"smtpd-timed-connections\">" + Num(all.count) +
          "</td><td>connections timed (connect and disconnect in the log)</td></tr>\n");
  }
  p.Raw("<tr><td class=\"n\" id=\"smtpd-hosts\">" + Num(d.smtpd_per_domain.size()) +
        "</td><td>hosts/domains</td></tr>\n");
  p.Raw("<tr><td class=\"n\" id=\"smtpd-avg-seconds\">" + AvgSeconds(all) +
        "</td><td>avg. connect time (seconds)</td></tr>\n");
  p.Raw("<tr><td class=\"n\" id=\"smtpd-max-seconds\">" +
        Num(static_cast<uint64_t>(all.max_seconds)) +
        "</td><td>max. connect time (seconds)</td></tr>\n");
  p.Raw("<tr><td class=\"n\" id=\"smtpd-total-time\">" +
        Hms(static_cast<double>(all.seconds)) + "</td><td>total connect time</td></tr>\n");
  p.Raw("</tbody></table>\n");
}

// "Per-Day SMTPD Connection Summary" (more than one day in the data).
void SmtpdPerDay(Page& p, const SummaryData& d, bool iso) {
  p.H2("Per-Day SMTPD Connection Summary");
  p.TableStart({{"date", false}, {"connections", true}, {"time conn.", true},
                {"avg./conn. (s)", true}, {"max. time (s)", true}});
  for (const auto& [day, c] : d.smtpd_per_day) {
    if (c.count == 0) continue;
    p.Row({{DayLabel(day, iso), false}, {Num(c.count), true},
           {Hms(static_cast<double>(c.seconds)), true}, {AvgSeconds(c), true},
           {Num(static_cast<uint64_t>(c.max_seconds)), true}});
  }
  p.TableEnd();
}

// "Per-Hour SMTPD Connection Summary", or "... Daily Average" over several
// days (connections and time per day, as the text report), hours with
// connections only.
void SmtpdPerHour(Page& p, const SummaryData& d) {
  const size_t days = d.days.size();
  if (days > 1) {
    p.H2("Per-Hour SMTPD Connection Daily Average");
    p.TableStart({{"hour", false}, {"connections", true}, {"time conn.", true}});
  } else {
    p.H2("Per-Hour SMTPD Connection Summary");
    p.TableStart({{"hour", false}, {"connections", true}, {"time conn.", true},
                  {"avg./conn. (s)", true}, {"max. time (s)", true}});
  }
  for (int hour = 0; hour < 24; ++hour) {
    const ConnectionStats& c = d.smtpd_per_hour[hour];
    if (c.count == 0) continue;
    char label[32];
    std::snprintf(label, sizeof(label), "%02d:00-%02d:00", hour, hour + 1);
    if (days > 1) {
      p.Row({{label, false}, {Fixed(static_cast<double>(c.count) / days), true},
             {Hms(static_cast<double>(c.seconds) / days + .5), true}});
    } else {
      p.Row({{label, false}, {Num(c.count), true}, {Hms(static_cast<double>(c.seconds)), true},
             {AvgSeconds(c), true}, {Num(static_cast<uint64_t>(c.max_seconds)), true}});
    }
  }
  p.TableEnd();
}

// pflogsumm's by_domain_then_user order of -e: sender domain, then the part
// before '@', then queue ID.
bool DomainThenUser(const MessageDetail* a, const MessageDetail* b) {
  auto split = [](const std::string& s) {
    const size_t at = s.rfind('@');
    return at == std::string::npos ? std::make_pair(std::string(), s)
                                   : std::make_pair(s.substr(at + 1), s.substr(0, at));
  };
  const auto ka = split(a->sender), kb = split(b->sender);
  if (ka != kb) return ka < kb;
  return a->queue_id < b->queue_id;
}

// "Message detail" (-e): one row per recipient, the message's queue ID,
// sender, client, size and arrival repeated on each so that the table still
// sorts; a message with no recipient in the log has one row saying so.
void MessageDetailTable(Page& p, const SummaryData& d, bool iso) {
  if (!p.Section("Message detail", d.message_detail.empty())) return;
  std::vector<const MessageDetail*> v;
  v.reserve(d.message_detail.size());
  for (const MessageDetail& m : d.message_detail) v.push_back(&m);
  std::stable_sort(v.begin(), v.end(), DomainThenUser);
  p.TableStart({{"queue ID", false}, {"sender", false}, {"client", false}, {"size", true},
                {"arrival", false}, {"recipient", false}, {"status", false}, {"relay", false},
                {"delay (s)", true}, {"DSN", false}});
  for (const MessageDetail* m : v) {
    std::string arrival = "unknown";
    if (m->arrival.known()) {
      const int64_t local = m->arrival.local_micros() / 1000000;
      const int64_t day = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
      const int64_t secs = local - day * 86400;
      char clock[16];
      std::snprintf(clock, sizeof(clock), " %02d:%02d:%02d", static_cast<int>(secs / 3600),
                    static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
      arrival = DayLabel(day, iso) + clock;
    }
    const std::vector<std::pair<std::string, bool>> message = {
        {m->queue_id, false},
        {m->sender, false},
        {m->client.empty() ? "unknown" : m->client, false},
        {m->size >= 0 ? std::to_string(m->size) : "unknown", true},
        {arrival, false}};
    auto row = [&](const std::vector<std::pair<std::string, bool>>& recipient) {
      std::vector<std::pair<std::string, bool>> cells = message;
      cells.insert(cells.end(), recipient.begin(), recipient.end());
      p.Row(cells);
    };
    if (m->recipients.empty()) {
      row({{"(no recipient in log)", false}, {"", false}, {"", false}, {"", true}, {"", false}});
    }
    for (const DetailRecipient& r : m->recipients) {
      char delay[32] = "";
      if (r.delay >= 0) std::snprintf(delay, sizeof(delay), "%g", r.delay);
      row({{r.address, false}, {r.status, false}, {r.relay, false}, {delay, true},
           {r.dsn, false}});
    }
  }
  p.TableEnd();
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string RenderHtml(const SummaryData& d, const ReportOptions& o) {
  std::ostringstream html;
  WriteHtml(d, o, html);
  return std::move(html).str();
}

void WriteHtml(const SummaryData& d, const ReportOptions& o, std::ostream& sink) {
  Page p(&sink);
  std::string period = o.date_label;
  if (period.empty() && !d.days.empty()) {
    period = DayLabel(d.days.begin()->first, o.iso_date_time);
    if (d.days.rbegin()->first != d.days.begin()->first) {
      period += " - " + DayLabel(d.days.rbegin()->first, o.iso_date_time);
    }
  }
  p.Raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>");
  p.Text(o.mta + " log summary " + period);
  p.Raw("</title>\n<style>");
  p.Raw(kStyle);
  p.Raw("</style></head><body>\n<h1>");
  p.Text(o.mta + " log summaries for " + (period.empty() ? std::string("(no data)") : period));
  p.Raw("</h1>\n");
  if (!o.domain.empty()) {
    p.Raw("<p>");
    p.Text("Only mail from or to " + o.domain + " and its subdomains");
    p.Raw("</p>\n");
  }

  p.set_quiet(o.quiet);

  p.H2("Grand Totals");
  const auto totals = d.GrandTotals();
  p.Raw("<table><tbody>\n");
  for (const auto& [name, v] : totals) {
    std::string label = name;
    std::replace(label.begin(), label.end(), '_', ' ');
    p.Raw(std::string("<tr><td class=\"n\" id=\"total-") + name + "\">" + Num(v) +
          "</td><td>" + label + "</td></tr>\n");
  }
  p.Raw("</tbody></table>\n");
  if (o.smtpd_stats) SmtpdTotals(p, d);
  OutcomeChart(p, d);

  // The problem sections, after Grand Totals with --problems-first, else
  // after the senders and recipients (the text report's order).
  auto problems = [&] {
    Nested2Table(p, d.deferral_detail, "message deferral detail", "service", "reason",
                 o.deferral_detail);
    Nested2Table(p, d.bounce_detail, "message bounce detail (by relay)", "relay", "reason",
                 o.bounce_detail);
    Nested3Table(p, d.reject_detail, "message reject detail", o.reject_detail);
    Nested3Table(p, d.reject_warning_detail, "message reject warning detail", o.reject_detail);
    Nested3Table(p, d.hold_detail, "message hold detail", o.reject_detail);
    Nested3Table(p, d.discard_detail, "message discard detail", o.reject_detail);
    Nested2Table(p, d.smtp_failures, "smtp delivery failures", "reason", "host",
                 o.smtp_detail);
    Nested2Table(p, d.warnings, "Warnings", "service", "text", o.warning_detail);
    Nested2Table(p, d.fatals, "Fatal Errors", "service", "text", -1);
    Nested2Table(p, d.panics, "Panics", "service", "text", -1);
    CountTable(p, d.master_messages, "Master daemon messages", "message");
  };
  if (o.problems_first) problems();

  const size_t days = d.days.size();
  if (days > 1) {
    p.H2("Per-Day Traffic Summary");
    p.TableStart({{"date", false}, {"received", true}, {"delivered", true},
                  {"deferred", true}, {"bounced", true}, {"rejected", true}});
    for (const auto& [day, c] : d.per_day) {
      p.Row({{DayLabel(day, true), false}, {Num(c.received), true}, {Num(c.delivered), true},
             {Num(c.deferred), true}, {Num(c.bounced), true}, {Num(c.rejected), true}});
    }
    p.TableEnd();
  }
  p.H2(days > 1 ? "Per-Hour Traffic Daily Average" : "Per-Hour Traffic Summary");
  HourChart(p, d);
  p.TableStart({{"hour", false}, {"received", true}, {"delivered", true}, {"deferred", true},
                {"bounced", true}, {"rejected", true}});
  for (int h = 0; h < 24; ++h) {
    const TrafficCounts& c = d.per_hour[h];
    auto avg = [days](uint64_t v) {
      return days > 1 ? Fixed(static_cast<double>(v) / days) : Num(v);
    };
    char label[32];
    std::snprintf(label, sizeof(label), "%02d:00-%02d:00", h, h + 1);
    p.Row({{label, false}, {avg(c.received), true}, {avg(c.delivered), true},
           {avg(c.deferred), true}, {avg(c.bounced), true}, {avg(c.rejected), true}});
  }
  p.TableEnd();

  if (o.host_top != 0) {
    p.H2("Host/Domain Summary: Message Delivery" + Top(o.host_top));
    p.TableStart({{"host/domain", false}, {"sent", true}, {"bytes", true}, {"defers", true},
                  {"avg delay (s)", true}, {"max delay (s)", true}});
    for (const auto& [domain, stats] : Ranked(
             d.delivery_domains, [](const DeliveryDomainStats& s) { return s.count; },
             o.host_top)) {
      const DeliveryDomainStats& s = *stats;
      p.Row({{std::string(domain), false}, {Num(s.count), true}, {Num(s.bytes), true},
             {Num(s.defers), true}, {Fixed(s.count ? s.delay_sum / s.count : 0), true},
             {Fixed(s.delay_max), true}});
    }
    p.TableEnd();
    p.H2("Host/Domain Summary: Messages Received" + Top(o.host_top));
    p.TableStart({{"host/domain", false}, {"messages", true}, {"bytes", true}});
    for (const auto& [domain, s] : Ranked(
             d.sending_domains, [](const AddressStats& s) { return s.count; }, o.host_top)) {
      p.Row({{std::string(domain), false}, {Num(s->count), true}, {Num(s->bytes), true}});
    }
    p.TableEnd();
  }
  if (o.smtpd_stats) {
    if (days > 1) SmtpdPerDay(p, d, o.iso_date_time);
    SmtpdPerHour(p, d);
  }
  if (o.smtpd_stats && o.host_top != 0) {
    p.H2("Host/Domain Summary: SMTPD Connections" + Top(o.host_top));
    p.TableStart({{"host/domain", false}, {"connections", true}, {"time conn.", true},
                  {"avg./conn. (s)", true}, {"max. time (s)", true}});
    for (const auto& [domain, stats] : Ranked(
             d.smtpd_per_domain, [](const ConnectionStats& s) { return s.count; },
             o.host_top)) {
      const ConnectionStats& c = *stats;
      if (c.count == 0) continue;
      p.Row({{std::string(domain), false}, {Num(c.count), true},
             {Hms(static_cast<double>(c.seconds)), true}, {AvgSeconds(c), true},
             {Num(static_cast<uint64_t>(c.max_seconds)), true}});
    }
    p.TableEnd();
  }
  AddressRows(p, d.senders, "Senders by message count", false, o.user_top);
  AddressRows(p, d.recipients, "Recipients by message count", false, o.user_top);
  AddressRows(p, d.senders, "Senders by message size", true, o.user_top);
  AddressRows(p, d.recipients, "Recipients by message size", true, o.user_top);
  if (!o.no_no_msg_size && !d.no_size.empty()) {
    p.H2("Messages with no size data");
    p.TableStart({{"queue ID", false}, {"recipient", false}});
    for (const auto& [qid, rcpt] : d.no_size) p.Row({{qid, false}, {rcpt, false}});
    p.TableEnd();
  }
  if (!o.problems_first) problems();
  if (o.message_detail) MessageDetailTable(p, d, o.iso_date_time);
  Nested2Table(p, d.expired_detail, "message expired detail (by recipient domain)", "domain",
               "last reason", o.deferral_detail);
  CountTable(p, d.postscreen, "Postscreen", "event");
  CountTable(p, d.postscreen_dnsbl, "DNSBL listings", "list");
  Nested2Table(p, d.tls, "TLS connections", "direction", "protocol and trust", -1);
  CountTable(p, d.sasl_failures, "SASL authentication failures", "client");
  CountTable(p, d.reject_reasons, "Reject reason classes", "reason");
  CountTable(p, d.deferral_reasons, "Deferral reason classes", "reason");
  CountTable(p, d.bounce_reasons, "Bounce reason classes", "reason");
  p.Raw("<script>");
  p.Raw(kScript);
  p.Raw("</script>\n</body></html>\n");
  p.Flush();
}

}  // namespace mailgauge::analyzer::report
