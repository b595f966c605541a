#include "analyzer/report/text_report.h"

#include <algorithm>
#include <cctype>
#include <cstdarg>
#include <cstdio>
#include <ostream>
#include <sstream>
#include <vector>

#include "analyzer/report/chunked_writer.h"
#include "common/timestamp.h"

namespace mailgauge::analyzer::report {
namespace {

constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// The report's text, written to a stream as it goes (chunked_writer.h).
class Out {
 public:
  explicit Out(std::ostream* sink) : w_(sink) {}
  void F(const char* fmt, ...) __attribute__((format(printf, 2, 3))) {
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    const int n = std::vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (static_cast<size_t>(n) < sizeof(buf)) {
      w_.Append(std::string_view(buf, n));
    } else {
      std::string big(n + 1, '\0');
      va_start(ap, fmt);
      std::vsnprintf(big.data(), big.size(), fmt, ap);
      va_end(ap);
      big.resize(n);
      w_.Append(big);
    }
  }
  void S(std::string_view s) { w_.Append(s); }
  void Flush() { w_.Flush(); }

 private:
  ChunkedWriter w_;
};

// pflogsumm's adj_int_units + "%6d%s".
std::string Units(double v) {
  char unit = ' ';
  if (v > 536870912.0) {
    v /= 1048576.0;
    unit = 'm';
  } else if (v > 524288.0) {
    v /= 1024.0;
    unit = 'k';
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%6lld%c", static_cast<long long>(v), unit);
  return buf;
}
std::string Units(uint64_t v) { return Units(static_cast<double>(v)); }

// pflogsumm's adj_time_units + "%5.1f %s".
std::string TimeUnits(double v) {
  char unit = 's';
  if (v > 3600) {
    v /= 3600;
    unit = 'h';
  } else if (v > 60) {
    v /= 60;
    unit = 'm';
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%5.1f %c", v, unit);
  return buf;
}

// The line prefix + field + suffix, with `field` cut (ending in "...") so
// that the line is at most `colwidth` columns; colwidth 0: unchanged.
std::string FitLine(std::string_view prefix, std::string_view field, std::string_view suffix,
                    int colwidth) {
  const size_t fixed = prefix.size() + suffix.size();
  std::string line;
  line.reserve(fixed + field.size() + 3);
  line.append(prefix.data(), prefix.size());
  if (colwidth <= 0 || fixed + field.size() <= static_cast<size_t>(colwidth)) {
    line.append(field.data(), field.size());
  } else {
    // Keep at least one character of the field before the "...".
    const size_t room = static_cast<size_t>(colwidth) > fixed + 4 ? colwidth - fixed - 3 : 1;
    const std::string_view kept = field.substr(0, room);
    line.append(kept.data(), kept.size());
    line += "...";
  }
  line.append(suffix.data(), suffix.size());
  return line;
}

// colwidth counts the columns before the newline; FitLine counts the suffix
// (which carries the newline), hence the +1.
int Cols(int colwidth) { return colwidth > 0 ? colwidth + 1 : 0; }

void Title(Out& out, const std::string& title) {
  out.F("\n%s\n%s\n", title.c_str(), std::string(title.size(), '-').c_str());
}

// Title line of a list section: "title: none" when empty (nothing with -q).
bool ListTitle(Out& out, const std::string& title, bool empty, bool quiet) {
  if (empty) {
    if (!quiet) out.F("\n%s: none\n", title.c_str());
    return false;
  }
  Title(out, title);
  return true;
}

void Smh(double secs, int* h, int* m, int* s) {
  *h = static_cast<int>(secs / 3600);
  secs -= *h * 3600.0;
  *m = static_cast<int>(secs / 60);
  secs -= *m * 60.0;
  *s = static_cast<int>(secs);
}

std::string HourLabel(int h, bool iso) {
  char buf[32];
  if (iso) {
    std::snprintf(buf, sizeof(buf), "    %02d:00-%02d:00", h, h + 1);
  } else {
    std::snprintf(buf, sizeof(buf), "    %02d00-%02d00  ", h, h + 1);
  }
  return buf;
}

std::string RowDayLabel(int64_t day, bool iso) {
  int y, m, d;
  CivilFromDays(day, &y, &m, &d);
  char buf[32];
  if (iso) {
    std::snprintf(buf, sizeof(buf), "    %04d-%02d-%02d ", y, m, d);
  } else {
    std::snprintf(buf, sizeof(buf), "    %s %2d %d", kMonths[m - 1], d, y);
  }
  return buf;
}

// HostSortKey(text) one byte at a time, without building it: an IPv4
// address's four octets, else the first word's labels (split at '.' and
// '@') lowercased, last label first.
class HostKeyReader {
 public:
  explicit HostKeyReader(std::string_view text)
      : first_(text.substr(0, text.find_first_of(" \t"))) {
    if (Ipv4Octets(first_, ip_)) {
      ip_left_ = 4;
    } else {
      StartPart(first_.size());
    }
  }

  // The key's next byte; false at its end.
  bool Next(unsigned char* c) {
    if (ip_left_ >= 0) {
      if (ip_left_ == 0) return false;
      *c = ip_[4 - ip_left_--];
      return true;
    }
    while (pos_ == part_end_) {
      if (part_begin_ == 0) return false;
      StartPart(part_begin_ - 1);  // the label before the separator
    }
    *c = static_cast<unsigned char>(std::tolower(static_cast<unsigned char>(first_[pos_++])));
    return true;
  }

  // The octets when `word` is a dotted IPv4 address as sscanf reads one.
  static bool Ipv4Octets(std::string_view word, unsigned char octets[4]) {
    if (word.empty() || word.size() > 15 ||
        word.find_first_not_of("0123456789.") != std::string_view::npos) {
      return false;
    }
    char s[16];
    word.copy(s, word.size());
    s[word.size()] = '\0';
    unsigned a, b, c, d;
    char tail;
    if (std::sscanf(s, "%3u.%3u.%3u.%3u%c", &a, &b, &c, &d, &tail) != 4) return false;
    octets[0] = static_cast<unsigned char>(a);
    octets[1] = static_cast<unsigned char>(b);
    octets[2] = static_cast<unsigned char>(c);
    octets[3] = static_cast<unsigned char>(d);
    return true;
  }

 private:
  // The label that ends at `end`.
  void StartPart(size_t end) {
    size_t begin = end;
    while (begin > 0 && first_[begin - 1] != '.' && first_[begin - 1] != '@') --begin;
    part_begin_ = pos_ = begin;
    part_end_ = end;
  }

  std::string_view first_;
  unsigned char ip_[4] = {0, 0, 0, 0};
  int ip_left_ = -1;  // octets still to read; -1: not an address
  size_t part_begin_ = 0, part_end_ = 0, pos_ = 0;
};

// HostSortKey(name)'s 7 bytes from `offset` (zero-padded) as a big-endian
// number, then how many bytes the key has from there (8: more than 7): one
// 64-bit number that orders keys as their strings do, 7 bytes at a time.
uint64_t HostKeyChunk(std::string_view name, size_t offset) {
  HostKeyReader r(name);
  unsigned char c;
  for (size_t i = 0; i < offset && r.Next(&c); ++i) {
  }
  unsigned char bytes[7] = {0, 0, 0, 0, 0, 0, 0};
  uint64_t n = 0;
  while (n < 8 && r.Next(&c)) {
    if (n < 7) bytes[n] = c;
    ++n;
  }
  uint64_t order = 0;
  for (unsigned char x : bytes) order = order << 8 | x;
  return order << 8 | n;
}

// (name, count) rows, highest count first, then by HostSortKey, then name;
// only the first `cnt` are sorted and returned when cnt > 0. A row is
// (anything, count); name(row) is its name (an address table's rows are
// its 4-byte ids: 16 bytes a row).
using Rows = std::vector<std::pair<std::string_view, uint64_t>>;
struct NameOfRow {
  std::string_view operator()(const Rows::value_type& row) const { return row.first; }
};

template <typename Row, typename NameOf = NameOfRow>
std::vector<Row> Rank(std::vector<Row> rows, int cnt, NameOf name = NameOf()) {
  const size_t want = cnt > 0 ? std::min<size_t>(cnt, rows.size()) : rows.size();
  auto by_count = [](const auto& a, const auto& b) { return a.second > b.second; };
  if (want < rows.size()) {
    // Only rows whose count reaches the want-th highest can be shown.
    std::nth_element(rows.begin(), rows.begin() + (want - 1), rows.end(), by_count);
    const uint64_t cut = rows[want - 1].second;
    rows.erase(std::partition(rows.begin(), rows.end(),
                              [cut](const auto& r) { return r.second >= cut; }),
               rows.end());
  }
  std::sort(rows.begin(), rows.end(), by_count);
  // Each run of equal counts is then ordered by HostSortKey and name. A run
  // can be most of a big table (the addresses seen once), so no key is
  // built: the run is sorted by its keys' first 7 bytes (HostKeyChunk),
  // then each group that ties on 7 bytes by the next 7, and so on (16 bytes
  // an item); the order found is applied to the rows in place.
  struct Item {
    uint64_t order;
    uint32_t row;  // from the run's first row
  };
  struct Range {
    uint32_t begin, end;
  };
  std::vector<Item> run;
  std::vector<Range> ranges, ties;
  for (size_t i = 0; i < want;) {
    size_t j = i + 1;
    while (j < rows.size() && rows[j].second == rows[i].second) ++j;
    if (j - i > 1) {
      const auto* first = &rows[i];
      run.resize(j - i);
      for (uint32_t k = 0; k < run.size(); ++k) run[k] = {HostKeyChunk(name(first[k]), 0), k};
      ranges.assign(1, {0, static_cast<uint32_t>(run.size())});
      for (size_t offset = 7; !ranges.empty(); offset += 7) {
        ties.clear();
        for (const Range& r : ranges) {
          std::sort(run.begin() + r.begin, run.begin() + r.end,
                    [](const Item& a, const Item& b) { return a.order < b.order; });
          for (uint32_t g = r.begin; g < r.end;) {
            uint32_t h = g + 1;
            while (h < r.end && run[h].order == run[g].order) ++h;
            if (h - g > 1) {
              if ((run[g].order & 0xff) == 8) {
                ties.push_back({g, h});  // the keys go on
              } else {
                std::sort(run.begin() + g, run.begin() + h, [first, &name](const Item& a, const Item& b) {
                  return name(first[a.row]) < name(first[b.row]);  // equal keys: by name
                });
              }
            }
            g = h;
          }
        }
        for (const Range& r : ties) {
          for (uint32_t k = r.begin; k < r.end; ++k) {
            run[k].order = HostKeyChunk(name(first[run[k].row]), offset);
          }
        }
        ranges.swap(ties);
      }
      // Row i + k takes the run's row run[k].row, cycle by cycle (a done
      // item's row is set to kDone).
      constexpr uint32_t kDone = ~uint32_t{0};
      for (size_t k = 0; k < run.size(); ++k) {
        if (run[k].row == kDone) continue;
        const auto start = rows[i + k];
        size_t at = k;
        while (true) {
          const size_t from = run[at].row;
          run[at].row = kDone;
          if (from == k) {
            rows[i + at] = start;
            break;
          }
          rows[i + at] = rows[i + from];
          at = from;
        }
      }
    }
    i = j;
  }
  rows.resize(want);
  return rows;
}

template <typename Row, typename NameOf = NameOfRow>
void PrintRows(Out& out, const std::vector<Row>& rows, const std::string& indent, int colwidth,
               NameOf name = NameOf()) {
  for (const Row& row : rows) {
    out.S(FitLine(indent + Units(row.second) + "  ", name(row), "\n", Cols(colwidth)));
  }
}

void CountRows(Out& out, const CountMap& m, int cnt, const std::string& indent,
               int colwidth) {
  Rows rows;
  rows.reserve(m.size());
  for (const auto& [k, n] : m) rows.emplace_back(k, n);
  PrintRows(out, Rank(std::move(rows), cnt), indent, colwidth);
}

uint64_t Sum(const CountMap& m) {
  uint64_t s = 0;
  for (const auto& [k, n] : m) s += n;
  return s;
}

// " (top N) (total: M)\n" after a group's name.
std::string GroupSuffix(int cnt, uint64_t total) {
  std::string s;
  if (cnt > 0) s += " (top " + std::to_string(cnt) + ")";
  return s + " (total: " + std::to_string(total) + ")\n";
}

void Nested2(Out& out, const NestedCounts& n, const std::string& title, int cnt, bool quiet,
             int colwidth) {
  if (!ListTitle(out, title, n.empty(), quiet)) return;
  for (const auto& [group, rows] : n) {
    out.S(FitLine("  ", group, GroupSuffix(cnt, Sum(rows)), Cols(colwidth)));
    CountRows(out, rows, cnt, "    ", colwidth);
  }
}

void Nested3(Out& out, const Nested3Counts& n, const std::string& title, int cnt,
             bool quiet, int colwidth) {
  if (!ListTitle(out, title, n.empty(), quiet)) return;
  for (const auto& [stage, reasons] : n) {
    out.S(FitLine("  ", stage, "\n", Cols(colwidth)));
    for (const auto& [reason, rows] : reasons) {
      out.S(FitLine("    ", reason, GroupSuffix(cnt, Sum(rows)), Cols(colwidth)));
      CountRows(out, rows, cnt, "      ", colwidth);
    }
  }
}

void CountList(Out& out, const CountMap& m, const std::string& title, bool quiet,
               int colwidth) {
  if (!ListTitle(out, title, m.empty(), quiet)) return;
  CountRows(out, m, 0, " ", colwidth);
}

std::string Top(int cnt) { return cnt > 0 ? "(top " + std::to_string(cnt) + ")" : ""; }

void GrandTotals(Out& out, const SummaryData& d, const ReportOptions& o) {
  const Totals& t = d.totals;
  int rejected_pct = 0, discarded_pct = 0;
  if (const uint64_t all = t.delivered + t.rejected + t.discarded; all > 0) {
    rejected_pct = static_cast<int>(static_cast<double>(t.rejected) / all * 100);
    discarded_pct = static_cast<int>(static_cast<double>(t.discarded) / all * 100);
  }
  Title(out, "Grand Totals");
  out.S("messages\n\n");
  out.F(" %s  received\n", Units(t.received).c_str());
  out.F(" %s  delivered\n", Units(t.delivered).c_str());
  out.F(" %s  forwarded\n", Units(t.forwarded).c_str());
  out.F(" %s  deferred", Units(t.deferred).c_str());
  if (t.deferrals > 0) {
    std::string n = Units(t.deferrals);
    n.erase(0, n.find_first_not_of(' '));
    out.F("  (%s deferrals)", n.c_str());
  }
  out.S("\n");
  out.F(" %s  bounced\n", Units(t.bounced).c_str());
  out.F(" %s  rejected (%d%%)\n", Units(t.rejected).c_str(), rejected_pct);
  out.F(" %s  reject warnings\n", Units(t.reject_warnings).c_str());
  out.F(" %s  held\n", Units(t.held).c_str());
  out.F(" %s  discarded (%d%%)\n", Units(t.discarded).c_str(), discarded_pct);
  out.F(" %s  expired\n", Units(t.expired).c_str());
  out.S("\n");
  out.F(" %s  bytes received\n", Units(t.bytes_received).c_str());
  out.F(" %s  bytes delivered\n", Units(t.bytes_delivered).c_str());
  out.F(" %s  senders\n", Units(uint64_t{d.senders.size()}).c_str());
  out.F(" %s  sending hosts/domains\n", Units(uint64_t{d.sending_domains.size()}).c_str());
  out.F(" %s  recipients\n", Units(uint64_t{d.recipients.size()}).c_str());
  out.F(" %s  recipient hosts/domains\n", Units(d.recipient_hosts()).c_str());
  if (o.smtpd_stats) {
    uint64_t conns = 0;
    int64_t secs = 0;
    for (const ConnectionStats& c : d.smtpd_per_hour) {
      conns += c.count;
      secs += c.seconds;
    }
    out.S("\nsmtpd\n\n");
    out.F("  %s  connections\n", Units(conns).c_str());
    out.F("  %s  hosts/domains\n", Units(uint64_t{d.smtpd_per_domain.size()}).c_str());
    out.F("  %6lld   avg. connect time (seconds)\n",
          conns > 0 ? static_cast<long long>(static_cast<double>(secs) / conns + .5) : 0LL);
    int h, m, s;
    Smh(static_cast<double>(secs), &h, &m, &s);
    out.F(" %2d:%02d:%02d  total connect time\n", h, m, s);
  }
  out.S("\n");
}

void PerDay(Out& out, const SummaryData& d, const ReportOptions& o) {
  Title(out, "Per-Day Traffic Summary");
  out.S("    date          received  delivered   deferred    bounced     rejected\n"
        "    --------------------------------------------------------------------\n");
  std::map<int64_t, TrafficCounts> rows = d.per_day;
  if (o.zero_fill) {
    for (const auto& [day, seen] : d.days) rows[day];
  }
  for (const auto& [day, c] : rows) {
    const uint64_t v[5] = {c.received, c.delivered, c.deferred, c.bounced, c.rejected};
    // pflogsumm prints a day's columns up to the last one counted; with
    // --zero-fill all five.
    int columns = 5;
    if (!o.zero_fill) {
      while (columns > 0 && v[columns - 1] == 0) --columns;
    }
    out.S(RowDayLabel(day, o.iso_date_time));
    for (int i = 0; i < columns; ++i) out.F("    %s", Units(v[i]).c_str());
    out.S("\n");
  }
}

void PerHour(Out& out, const SummaryData& d, const ReportOptions& o) {
  const size_t days = d.days.size();
  Title(out, days > 1 ? "Per-Hour Traffic Daily Average" : "Per-Hour Traffic Summary");
  out.S("    time          received  delivered   deferred    bounced     rejected\n"
        "    --------------------------------------------------------------------\n");
  for (int h = 0; h < 24; ++h) {
    const TrafficCounts& c = d.per_hour[h];
    out.S(HourLabel(h, o.iso_date_time));
    for (uint64_t v : {c.received, c.delivered, c.deferred, c.bounced, c.rejected}) {
      double x = static_cast<double>(v);
      if (days > 0) x = x / days + 0.5;
      out.F("    %s", Units(x).c_str());
    }
    out.S("\n");
  }
}

// (key, value) rows of a table, highest count first, then highest size,
// then by key.
template <typename V, typename CountFn, typename SizeFn>
std::vector<std::pair<std::string_view, const V*>> ByCountThenSize(const InternedMap<V>& m,
                                                                   CountFn count, SizeFn size) {
  std::vector<std::pair<std::string_view, const V*>> v;
  v.reserve(m.size());
  for (const auto& [k, value] : m) v.emplace_back(k, &value);
  std::sort(v.begin(), v.end(), [&](const auto& a, const auto& b) {
    if (count(*a.second) != count(*b.second)) return count(*a.second) > count(*b.second);
    if (size(*a.second) != size(*b.second)) return size(*a.second) > size(*b.second);
    return a.first < b.first;
  });
  return v;
}

void DeliveryDomains(Out& out, const SummaryData& d, int cnt, int colwidth) {
  if (cnt == 0) return;
  Title(out, "Host/Domain Summary: Message Delivery " + Top(cnt));
  out.S(" sent cnt  bytes   defers   avg dly max dly host/domain\n"
        " -------- -------  -------  ------- ------- -----------\n");
  for (const auto& [domain, stats] : ByCountThenSize(
           d.delivery_domains, [](const DeliveryDomainStats& s) { return s.count; },
           [](const DeliveryDomainStats& s) { return s.bytes; })) {
    const DeliveryDomainStats& s = *stats;
    const double avg = s.count > 0 ? s.delay_sum / s.count : 0;
    out.S(FitLine(" " + Units(s.count) + "  " + Units(s.bytes) + "  " + Units(s.defers) +
                      "  " + TimeUnits(avg) + "  " + TimeUnits(s.delay_max) + "  ",
                  domain, "\n", Cols(colwidth)));
    if (--cnt == 0) break;
  }
}

void SendingDomains(Out& out, const SummaryData& d, int cnt, int colwidth) {
  if (cnt == 0) return;
  Title(out, "Host/Domain Summary: Messages Received " + Top(cnt));
  out.S(" msg cnt   bytes   host/domain\n"
        " -------- -------  -----------\n");
  for (const auto& [domain, s] : ByCountThenSize(
           d.sending_domains, [](const AddressStats& s) { return s.count; },
           [](const AddressStats& s) { return s.bytes; })) {
    out.S(FitLine(" " + Units(s->count) + "  " + Units(s->bytes) + "  ", domain, "\n",
                  Cols(colwidth)));
    if (--cnt == 0) break;
  }
}

void SmtpdPerDay(Out& out, const SummaryData& d, const ReportOptions& o) {
  Title(out, "Per-Day SMTPD Connection Summary");
  out.S("    date        connections    time conn.    avg./conn.   max. time\n"
        "    --------------------------------------------------------------------\n");
  for (const auto& [day, c] : d.smtpd_per_day) {
    if (c.count == 0) continue;
    int h, m, s;
    Smh(static_cast<double>(c.seconds), &h, &m, &s);
    out.S(RowDayLabel(day, o.iso_date_time));
    out.F("   %s       %2d:%02d:%02d      %6llds      %6llds\n", Units(c.count).c_str(), h, m,
          s, static_cast<long long>(static_cast<double>(c.seconds) / c.count + .5),
          static_cast<long long>(c.max_seconds));
  }
}

void SmtpdPerHour(Out& out, const SummaryData& d, const ReportOptions& o) {
  const size_t days = d.days.size();
  if (days > 1) {
    Title(out, "Per-Hour SMTPD Connection Daily Average");
    out.S("    hour        connections    time conn.\n"
          "    -------------------------------------\n");
  } else {
    Title(out, "Per-Hour SMTPD Connection Summary");
    out.S("    hour        connections    time conn.    avg./conn.   max. time\n"
          "    --------------------------------------------------------------------\n");
  }
  for (int hour = 0; hour < 24; ++hour) {
    const ConnectionStats& c = d.smtpd_per_hour[hour];
    if (c.count == 0) continue;
    const long long avg = static_cast<long long>(static_cast<double>(c.seconds) / c.count + .5);
    double count = static_cast<double>(c.count), secs = static_cast<double>(c.seconds);
    if (days > 1) {
      count = count / days + .5;
      secs = secs / days + .5;
    }
    int h, m, s;
    Smh(secs, &h, &m, &s);
    out.S(HourLabel(hour, o.iso_date_time));
    out.F("   %s       %2d:%02d:%02d", Units(count).c_str(), h, m, s);
    if (days < 2) {
      out.F("      %6llds      %6llds", avg, static_cast<long long>(c.max_seconds));
    }
    out.S("\n");
  }
}

void SmtpdDomains(Out& out, const SummaryData& d, int cnt) {
  if (cnt == 0) return;
  Title(out, "Host/Domain Summary: SMTPD Connections " + Top(cnt));
  out.S(" connections  time conn.  avg./conn.  max. time  host/domain\n"
        " -----------  ----------  ----------  ---------  -----------\n");
  for (const auto& [domain, stats] : ByCountThenSize(
           d.smtpd_per_domain, [](const ConnectionStats& s) { return s.count; },
           [](const ConnectionStats& s) { return s.seconds; })) {
    const ConnectionStats& c = *stats;
    if (c.count == 0) continue;
    int h, m, s;
    Smh(static_cast<double>(c.seconds), &h, &m, &s);
    out.F("  %s      %2d:%02d:%02d     %6llds    %6llds   %s\n", Units(c.count).c_str(), h,
          m, s, static_cast<long long>(static_cast<double>(c.seconds) / c.count + .5),
          static_cast<long long>(c.max_seconds), std::string(domain).c_str());
    if (--cnt == 0) break;
  }
}

void UserData(Out& out, const AddressTable& m,
              const std::string& name, bool by_size, int cnt, bool quiet, int colwidth) {
  if (cnt == 0) return;
  const std::string title = (cnt > 0 ? "top " + std::to_string(cnt) + " " : "") + name;
  if (!ListTitle(out, title, m.empty(), quiet)) return;
  std::vector<std::pair<uint32_t, uint64_t>> rows;  // (id, count or bytes)
  rows.reserve(m.size());
  for (uint32_t id = 0; id < m.size(); ++id) {
    const AddressStats& s = m.value(id);
    rows.emplace_back(id, by_size ? s.bytes : s.count);
  }
  const auto address = [&m](const std::pair<uint32_t, uint64_t>& row) { return m.key(row.first); };
  PrintRows(out, Rank(std::move(rows), cnt, address), " ", colwidth, address);
}

void Problems(Out& out, const SummaryData& d, const ReportOptions& o) {
  if (o.deferral_detail != 0) {
    Nested2(out, d.deferral_detail, "message deferral detail", o.deferral_detail, o.quiet, o.colwidth);
  }
  if (o.bounce_detail != 0) {
    Nested2(out, d.bounce_detail, "message bounce detail (by relay)", o.bounce_detail,
            o.quiet, o.colwidth);
  }
  if (o.reject_detail != 0) {
    Nested3(out, d.reject_detail, "message reject detail", o.reject_detail, o.quiet, o.colwidth);
    Nested3(out, d.reject_warning_detail, "message reject warning detail", o.reject_detail,
            o.quiet, o.colwidth);
    Nested3(out, d.hold_detail, "message hold detail", o.reject_detail, o.quiet, o.colwidth);
    Nested3(out, d.discard_detail, "message discard detail", o.reject_detail, o.quiet, o.colwidth);
  }
  if (o.smtp_detail != 0) {
    Nested2(out, d.smtp_failures, "smtp delivery failures", o.smtp_detail, o.quiet, o.colwidth);
  }
  if (o.warning_detail != 0) {
    Nested2(out, d.warnings, "Warnings", o.warning_detail, o.quiet, o.colwidth);
  }
  Nested2(out, d.fatals, "Fatal Errors", 0, o.quiet, o.colwidth);
  Nested2(out, d.panics, "Panics", 0, o.quiet, o.colwidth);
  CountList(out, d.master_messages, "Master daemon messages", o.quiet, o.colwidth);
}

// pflogsumm's by_domain_then_user order: sender domain, then the part
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

// "Message detail" (-e): pflogsumm's block per message (queue ID and
// sender, then one line per recipient), with the client, size and arrival
// time and each recipient's status, relay, delay and DSN from the record.
void MessageDetails(Out& out, const SummaryData& d, const ReportOptions& o) {
  if (!ListTitle(out, "Message detail", d.message_detail.empty(), o.quiet)) return;
  std::vector<const MessageDetail*> v;
  v.reserve(d.message_detail.size());
  for (const MessageDetail& m : d.message_detail) v.push_back(&m);
  std::stable_sort(v.begin(), v.end(), DomainThenUser);
  const int cols = Cols(o.colwidth);
  for (const MessageDetail* m : v) {
    out.S(FitLine(" " + m->queue_id + "  ", m->sender, "\n", cols));
    std::string info = "client " + (m->client.empty() ? std::string("unknown") : m->client);
    info += ", size " + (m->size >= 0 ? std::to_string(m->size) : std::string("unknown"));
    if (m->arrival.known()) {
      const int64_t local = m->arrival.local_micros() / 1000000;
      const int64_t day = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
      const int64_t secs = local - day * 86400;
      char clock[16];
      std::snprintf(clock, sizeof(clock), " %02d:%02d:%02d", static_cast<int>(secs / 3600),
                    static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
      info += ", arrived " + DayLabel(day, o.iso_date_time) + clock;
    }
    out.S(FitLine("   ", info, "\n", cols));
    if (m->recipients.empty()) out.S("   (no recipient in log)\n");
    for (const DetailRecipient& r : m->recipients) {
      std::string line = r.address + "  " + r.status;
      if (!r.relay.empty()) line += ", relay=" + r.relay;
      if (r.delay >= 0) {
        char delay[32];
        std::snprintf(delay, sizeof(delay), ", delay=%g", r.delay);
        line += delay;
      }
      if (!r.dsn.empty()) line += ", dsn=" + r.dsn;
      out.S(FitLine("   ", line, "\n", cols));
    }
    out.S("\n");
  }
}

void OwnSections(Out& out, const SummaryData& d, const ReportOptions& o) {
  if (o.deferral_detail != 0) {
    Nested2(out, d.expired_detail, "message expired detail (by recipient domain)",
            o.deferral_detail, o.quiet, o.colwidth);
  }
  CountList(out, d.postscreen, "Postscreen", o.quiet, o.colwidth);
  CountList(out, d.postscreen_dnsbl, "DNSBL listings", o.quiet, o.colwidth);
  Nested2(out, d.tls, "TLS connections", 0, o.quiet, o.colwidth);
  CountList(out, d.sasl_failures, "SASL authentication failures", o.quiet, o.colwidth);
  CountList(out, d.reject_reasons, "Reject reason classes", o.quiet, o.colwidth);
  CountList(out, d.deferral_reasons, "Deferral reason classes", o.quiet, o.colwidth);
  CountList(out, d.bounce_reasons, "Bounce reason classes", o.quiet, o.colwidth);
}

}  // namespace

std::string HostSortKey(std::string_view text) {
  std::string key;
  HostKeyReader r(text);
  unsigned char c;
  while (r.Next(&c)) key.push_back(static_cast<char>(c));
  return key;
}

std::string DayLabel(int64_t day, bool iso) {
  int y, m, d;
  CivilFromDays(day, &y, &m, &d);
  char buf[32];
  if (iso) {
    std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d);
  } else {
    std::snprintf(buf, sizeof(buf), "%s %2d %d", kMonths[m - 1], d, y);
  }
  return buf;
}

std::string RenderText(const SummaryData& d, const ReportOptions& o) {
  std::ostringstream text;
  WriteText(d, o, text);
  return std::move(text).str();
}

void WriteText(const SummaryData& d, const ReportOptions& o, std::ostream& sink) {
  Out out(&sink);
  if (!o.date_label.empty()) {
    out.F("%s log summaries for %s\n", o.mta.c_str(), o.date_label.c_str());
  } else if (!d.days.empty()) {
    const int64_t first = d.days.begin()->first, last = d.days.rbegin()->first;
    std::string label = DayLabel(first, o.iso_date_time);
    if (last != first) label += " - " + DayLabel(last, o.iso_date_time);
    out.F("%s log summaries for %s\n", o.mta.c_str(), label.c_str());
  }
  if (!o.domain.empty()) {
    out.F("Only mail from or to %s and its subdomains\n", o.domain.c_str());
  }
  GrandTotals(out, d, o);
  if (o.problems_first) Problems(out, d, o);
  if (d.days.size() > 1) PerDay(out, d, o);
  PerHour(out, d, o);
  DeliveryDomains(out, d, o.host_top, o.colwidth);
  SendingDomains(out, d, o.host_top, o.colwidth);
  if (o.smtpd_stats) {
    if (d.days.size() > 1) SmtpdPerDay(out, d, o);
    SmtpdPerHour(out, d, o);
    SmtpdDomains(out, d, o.host_top);
  }
  UserData(out, d.senders, "Senders by message count", false, o.user_top, o.quiet,
           o.colwidth);
  UserData(out, d.recipients, "Recipients by message count", false, o.user_top, o.quiet,
           o.colwidth);
  UserData(out, d.senders, "Senders by message size", true, o.user_top, o.quiet,
           o.colwidth);
  UserData(out, d.recipients, "Recipients by message size", true, o.user_top, o.quiet,
           o.colwidth);
  if (!o.no_no_msg_size && !d.no_size.empty()) {
    Title(out, "Messages with no size data");
    for (const auto& [qid, rcpt] : d.no_size) {
      out.S(FitLine(" " + qid + "  ", rcpt, "\n", Cols(o.colwidth)));
    }
  }
  if (!o.problems_first) Problems(out, d, o);
  if (o.message_detail) MessageDetails(out, d, o);
  OwnSections(out, d, o);
  out.Flush();
}

}  // namespace mailgauge::analyzer::report
