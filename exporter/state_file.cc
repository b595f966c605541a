#include "exporter/state_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/json_int.h"
#include "nlohmann/json.hpp"

namespace mailgauge::exporter {
namespace {

using nlohmann::json;

constexpr char kFormat[] = "mailgauge-exporter-state";
constexpr int kVersion = 1;

absl::Status Errno(const std::string& what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(errno)));
}

}  // namespace

std::vector<prometheus::MetricFamily> CaptureMetrics(
    const prometheus::Registry& registry) {
  std::vector<prometheus::MetricFamily> out;
  for (prometheus::MetricFamily& f : registry.Collect()) {
    if (f.type != prometheus::MetricType::Counter &&
        f.type != prometheus::MetricType::Histogram) {
      continue;
    }
    if (!ExporterMetrics::FindByName(f.name).ok()) continue;
    for (prometheus::ClientMetric& m : f.metric) {
      std::sort(m.label.begin(), m.label.end());
    }
    std::sort(f.metric.begin(), f.metric.end(),
              [](const prometheus::ClientMetric& a,
                 const prometheus::ClientMetric& b) { return a.label < b.label; });
    out.push_back(std::move(f));
  }
  // Stable order, so that equal states serialize equally.
  std::sort(out.begin(), out.end(),
            [](const prometheus::MetricFamily& a,
               const prometheus::MetricFamily& b) { return a.name < b.name; });
  return out;
}

std::string SerializeState(const ExporterState& state) {
  json j;
  j["format"] = kFormat;
  j["version"] = kVersion;
  j["saved_at"] = state.saved_at;
  json sources = json::array();
  for (const SavedSource& s : state.sources) {
    sources.push_back({{"source", s.source},
                       {"path", s.path},
                       {"device", s.position.device},
                       {"inode", s.position.inode},
                       {"offset", s.position.offset},
                       {"fingerprint", s.position.fingerprint},
                       {"fingerprint_bytes", s.position.fingerprint_bytes}});
    if (!s.journal_cursor.empty()) sources.back()["journal_cursor"] = s.journal_cursor;
    if (s.newest_line_micros != 0) {
      sources.back()["newest_line_micros"] = s.newest_line_micros;
    }
    if (!s.correlator.empty()) {
      // Kept as a JSON object (readable in the file), not as a string.
      json c = json::parse(s.correlator, nullptr, /*allow_exceptions=*/false);
      if (!c.is_discarded()) sources.back()["correlator"] = std::move(c);
    }
    if (!s.abuse.empty()) {
      json a = json::parse(s.abuse, nullptr, /*allow_exceptions=*/false);
      if (!a.is_discarded()) sources.back()["abuse"] = std::move(a);
    }
  }
  j["sources"] = std::move(sources);
  json metrics = json::array();
  for (const prometheus::MetricFamily& f : state.metrics) {
    for (const prometheus::ClientMetric& m : f.metric) {
      json labels = json::object();
      for (const auto& l : m.label) labels[l.name] = l.value;
      json e = {{"name", f.name}, {"labels", std::move(labels)}};
      if (f.type == prometheus::MetricType::Counter) {
        e["value"] = m.counter.value;
      } else {
        json buckets = json::array();
        for (const auto& b : m.histogram.bucket) buckets.push_back(b.cumulative_count);
        e["buckets"] = std::move(buckets);
        e["sum"] = m.histogram.sample_sum;
        e["count"] = m.histogram.sample_count;
      }
      metrics.push_back(std::move(e));
    }
  }
  j["metrics"] = std::move(metrics);
  return j.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
}

absl::StatusOr<ExporterState> ParseState(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::DataLossError("state file is not JSON");
  }
  // Not j.value(): it throws when "format" is there but not a string.
  if (!j.contains("format") || !j["format"].is_string() ||
      j["format"].get<std::string>() != kFormat) {
    return absl::DataLossError("state file is not a mailgauge_exporter state");
  }
  if (!j.contains("version") || !j["version"].is_number_integer() ||
      JsonToInt<int>(j["version"]) != kVersion) {
    return absl::DataLossError(
        absl::StrCat("state file has an unknown version (this exporter reads ",
                     kVersion, ")"));
  }
  ExporterState state;
  try {
    state.saved_at = JsonInt<int64_t>(j.at("saved_at"));
    for (const json& s : j.at("sources")) {
      SavedSource src;
      src.source = s.at("source").get<std::string>();
      src.path = s.at("path").get<std::string>();
      src.position.device = JsonInt<uint64_t>(s.at("device"));
      src.position.inode = JsonInt<uint64_t>(s.at("inode"));
      src.position.offset = JsonInt<uint64_t>(s.at("offset"));
      src.position.fingerprint = JsonInt<uint64_t>(s.at("fingerprint"));
      src.position.fingerprint_bytes = JsonInt<uint32_t>(s.at("fingerprint_bytes"));
      if (s.contains("journal_cursor")) {
        src.journal_cursor = s.at("journal_cursor").get<std::string>();
      }
      if (s.contains("newest_line_micros")) {
        src.newest_line_micros = JsonInt<int64_t>(s.at("newest_line_micros"));
      }
      // Checked by the correlator itself when restored (a bad section costs
      // that source its messages in flight, not the whole state).
      if (s.contains("correlator")) src.correlator = s.at("correlator").dump();
      if (s.contains("abuse")) src.abuse = s.at("abuse").dump();
      state.sources.push_back(std::move(src));
    }
    // Group series into families, keeping the order of first appearance.
    std::map<std::string, size_t> index;
    for (const json& e : j.at("metrics")) {
      const std::string name = e.at("name").get<std::string>();
      absl::StatusOr<MetricId> id = ExporterMetrics::FindByName(name);
      if (!id.ok()) {
        return absl::DataLossError(absl::StrCat("state file names an unknown metric ", name));
      }
      const MetricSpec& spec = Spec(*id);
      auto [it, inserted] = index.emplace(name, state.metrics.size());
      if (inserted) {
        prometheus::MetricFamily f;
        f.name = name;
        f.type = spec.type == MetricType::kCounter ? prometheus::MetricType::Counter
                                                   : prometheus::MetricType::Histogram;
        state.metrics.push_back(std::move(f));
      }
      prometheus::MetricFamily& f = state.metrics[it->second];
      prometheus::ClientMetric m;
      for (const auto& [k, v] : e.at("labels").items()) {
        m.label.push_back({k, v.get<std::string>()});
      }
      if (spec.type == MetricType::kCounter) {
        m.counter.value = e.at("value").get<double>();
        if (!(m.counter.value >= 0) || std::isinf(m.counter.value)) {
          return absl::DataLossError(absl::StrCat("state file: bad value for ", name));
        }
      } else if (spec.type == MetricType::kHistogram) {
        std::vector<uint64_t> counts;
        for (const json& count : e.at("buckets")) counts.push_back(JsonInt<uint64_t>(count));
        if (counts.size() != spec.buckets.size() + 1) {
          return absl::DataLossError(
              absl::StrCat("state file: ", name, " has other buckets"));
        }
        for (size_t i = 0; i < counts.size(); ++i) {
          if (i > 0 && counts[i] < counts[i - 1]) {
            return absl::DataLossError(
                absl::StrCat("state file: ", name, " buckets are not cumulative"));
          }
          prometheus::ClientMetric::Bucket b;
          b.cumulative_count = counts[i];
          b.upper_bound = i < spec.buckets.size() ? spec.buckets[i] : INFINITY;
          m.histogram.bucket.push_back(b);
        }
        m.histogram.sample_sum = e.at("sum").get<double>();
        m.histogram.sample_count = JsonInt<uint64_t>(e.at("count"));
        if (m.histogram.sample_count != counts.back()) {
          return absl::DataLossError(
              absl::StrCat("state file: ", name, " count disagrees with its buckets"));
        }
      } else {
        return absl::DataLossError(
            absl::StrCat("state file: ", name, " is not a counter or histogram"));
      }
      f.metric.push_back(std::move(m));
    }
  } catch (const std::exception& e) {
    return absl::DataLossError(absl::StrCat("state file is malformed: ", e.what()));
  }
  return state;
}

absl::Status WriteStateFile(const std::string& path, const ExporterState& state) {
  const std::string text = SerializeState(state);
  const std::string tmp = absl::StrCat(path, ".tmp");
  // Always a new private file: a leftover PATH.tmp (a crash, or planted by
  // someone who may write the directory) is never reused, so its mode, its
  // owner, a hard link to it or a symbolic link in its place cannot expose
  // the state or redirect the write.
  if (::unlink(tmp.c_str()) != 0 && errno != ENOENT) {
    return Errno(absl::StrCat("cannot remove stale state file ", tmp));
  }
  const int fd =
      ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Errno(absl::StrCat("cannot write state file ", tmp));
  // 0600 whatever the umask (which can only take bits away, but say so).
  if (::fchmod(fd, 0600) != 0) {
    absl::Status s = Errno(absl::StrCat("cannot chmod state file ", tmp));
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  }
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      absl::Status s = Errno(absl::StrCat("cannot write state file ", tmp));
      ::close(fd);
      ::unlink(tmp.c_str());
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    absl::Status s = Errno(absl::StrCat("cannot sync state file ", tmp));
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    absl::Status s = Errno(absl::StrCat("cannot rename ", tmp, " to ", path));
    ::unlink(tmp.c_str());
    return s;
  }
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return absl::OkStatus();
}

absl::StatusOr<ExporterState> ReadStateFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat("no state file ", path));
    return absl::UnavailableError(
        absl::StrCat("cannot read state file ", path, ": ", std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<ExporterState> state = ParseState(text.str());
  if (!state.ok()) {
    return absl::DataLossError(absl::StrCat(path, ": ", state.status().message()));
  }
  return state;
}

absl::Status RestoreMetrics(const std::vector<prometheus::MetricFamily>& saved,
                            ExporterMetrics& metrics) {
  // First pass: everything must fit; second pass: apply.
  for (int pass = 0; pass < 2; ++pass) {
    for (const prometheus::MetricFamily& f : saved) {
      absl::StatusOr<MetricId> id = ExporterMetrics::FindByName(f.name);
      if (!id.ok()) return absl::DataLossError(id.status().message());
      for (const prometheus::ClientMetric& m : f.metric) {
        prometheus::Labels labels;
        for (const auto& l : m.label) labels[l.name] = l.value;
        if (f.type == prometheus::MetricType::Counter) {
          const MetricSpec& spec = Spec(*id);
          bool same = spec.type == MetricType::kCounter &&
                      labels.size() == spec.labels.size();
          for (const std::string& n : spec.labels) same = same && labels.count(n);
          if (!same) {
            return absl::DataLossError(
                absl::StrCat("saved series of ", f.name, " do not fit its labels"));
          }
          if (pass == 1) {
            absl::StatusOr<prometheus::Counter*> c = metrics.CounterWithLabels(*id, labels);
            if (!c.ok()) return c.status();
            (*c)->Increment(m.counter.value);
          }
        } else if (f.type == prometheus::MetricType::Histogram) {
          const MetricSpec& spec = Spec(*id);
          bool same = spec.type == MetricType::kHistogram &&
                      labels.size() == spec.labels.size() &&
                      m.histogram.bucket.size() == spec.buckets.size() + 1;
          for (const std::string& n : spec.labels) same = same && labels.count(n);
          if (!same) {
            return absl::DataLossError(
                absl::StrCat("saved series of ", f.name, " do not fit its labels or buckets"));
          }
          if (pass == 1) {
            absl::StatusOr<prometheus::Histogram*> h =
                metrics.HistogramWithLabels(*id, labels);
            if (!h.ok()) return h.status();
            std::vector<double> increments;
            uint64_t previous = 0;
            for (const auto& b : m.histogram.bucket) {
              increments.push_back(static_cast<double>(b.cumulative_count - previous));
              previous = b.cumulative_count;
            }
            (*h)->ObserveMultiple(increments, m.histogram.sample_sum);
          }
        } else {
          return absl::DataLossError(
              absl::StrCat("saved ", f.name, " is not a counter or histogram"));
        }
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace mailgauge::exporter
