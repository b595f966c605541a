#include "exporter/journal_source.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "exporter/metrics.h"
#include "exporter/state_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "parsers/journal_export_testing.h"
#include "parsers/syslog_envelope.h"
#include "prometheus/registry.h"

namespace mailgauge::exporter {
namespace {

using parsers::testing::JournalFields;

constexpr char kLog[] = "testdata/logs/postfix_real.syslog";

std::string TempDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d ? d : "/tmp";
}

// The Postfix lines of the corpus, each as a raw line and as the journal
// entry journald would have stored for it.
struct Corpus {
  std::vector<std::string> lines;
  std::vector<JournalFields> entries;
};

Corpus LoadCorpus() {
  Corpus c;
  std::ifstream in(kLog);
  parsers::EnvelopeOptions eo;
  eo.year = 2026;
  eo.time_zone = absl::UTCTimeZone();
  parsers::EnvelopeParser envelope(eo);
  std::string text;
  const int64_t boot = 1700000000000000;
  while (std::getline(in, text)) {
    LogLine l;
    if (envelope.Parse(text, &l) != parsers::EnvelopeResult::kOk) continue;
    JournalFields f = {
        {"__REALTIME_TIMESTAMP", std::to_string(l.time.unix_micros)},
        {"__MONOTONIC_TIMESTAMP", std::to_string(l.time.unix_micros - boot)},
        {"_BOOT_ID", "5b1c4a7e0f3d4c2a9e8b7a6f5d4c3b2a"},
        {"_HOSTNAME", std::string(l.host)},
        {"SYSLOG_IDENTIFIER", std::string(l.program)},
        {"SYSLOG_FACILITY", "2"},
        {"_SYSTEMD_UNIT", "postfix@-.service"},
        {"MESSAGE", std::string(l.message)}};
    if (l.pid >= 0) f.push_back({"SYSLOG_PID", std::to_string(l.pid)});
    c.lines.push_back(text);
    c.entries.push_back(std::move(f));
  }
  return c;
}

// The exposition without the families that legitimately differ between
// reading text and reading the journal (bytes: the text line vs MESSAGE) or
// that depend on messages in flight across a restart (not saved yet).
std::string LineDriven(const prometheus::Registry& registry) {
  const std::vector<std::string> skip = {
      "mailgauge_log_bytes_read_total", "mailgauge_recipients_total",
      "mailgauge_messages_received_total", "mailgauge_messages_finished_total",
      "mailgauge_recipient_delivery_seconds", "mailgauge_messages_in_flight",
      "mailgauge_correlator_evictions_total"};
  std::string out;
  for (absl::string_view line : absl::StrSplit(RenderExposition(registry), '\n')) {
    bool drop = false;
    for (const std::string& s : skip) {
      drop = drop || line.find(s) != absl::string_view::npos;
    }
    if (!drop) absl::StrAppend(&out, line, "\n");
  }
  return out;
}

struct Instance {
  prometheus::Registry registry;
  std::unique_ptr<ExporterMetrics> metrics;
  std::unique_ptr<SourcePipeline> pipeline;
  Instance() {
    metrics = *ExporterMetrics::Create(registry);
    SourcePipelineOptions o;
    o.source_name = "journal";
    o.input.envelope.year = 2026;
    o.input.envelope.time_zone = absl::UTCTimeZone();
    pipeline = *SourcePipeline::Create(*metrics, o);
  }
};

JournalSourceOptions FileOptions(const std::string& path) {
  JournalSourceOptions o;
  o.journal.source = parsers::JournalSource::kFiles;
  o.journal.files = {path};
  o.journal.time_zone = absl::UTCTimeZone();
  o.from_beginning = true;
  return o;
}

std::vector<JournalFields> Slice(const std::vector<JournalFields>& v, size_t a, size_t b) {
  return std::vector<JournalFields>(v.begin() + a, v.begin() + b);
}

TEST(JournalSourceTest, SameCountersAsTheTextLog) {
  if (parsers::testing::JournalRemotePath().empty()) {
    GTEST_SKIP() << parsers::testing::kNoJournalRemote;
  }
  const Corpus corpus = LoadCorpus();
  ASSERT_GT(corpus.lines.size(), 200u);
  Instance text;
  for (const std::string& l : corpus.lines) text.pipeline->ProcessLine(l, false);
  text.pipeline->Finish();

  const std::string path = TempDir() + "/same.journal";
  ASSERT_TRUE(parsers::testing::WriteJournalFile(path, corpus.entries).ok());
  Instance journal;
  JournalSource source(FileOptions(path), journal.pipeline.get());
  ASSERT_TRUE(source.Poll().ok());
  EXPECT_TRUE(source.open());
  EXPECT_EQ(corpus.entries.size(), source.entries());
  EXPECT_NE("", source.cursor());
  // Nothing more: polling again reads nothing.
  ASSERT_TRUE(source.Poll().ok());
  EXPECT_EQ(corpus.entries.size(), source.entries());
  journal.pipeline->Finish();
  EXPECT_EQ(LineDriven(text.registry), LineDriven(journal.registry));
  EXPECT_THAT(RenderExposition(journal.registry),
              ::testing::HasSubstr("postfix_smtpd_connects_total"));
}

// Follow mode: entries appended while the source is open are read at the
// next poll; a restart from a saved state (cursor + counters, through the
// state file format) counts every entry exactly once, also when entries
// were read after the last save (SIGKILL) and are read again.
TEST(JournalSourceTest, FollowAndRestartExactlyOnce) {
  if (parsers::testing::JournalRemotePath().empty()) {
    GTEST_SKIP() << parsers::testing::kNoJournalRemote;
  }
  const Corpus corpus = LoadCorpus();
  const size_t n = corpus.entries.size();
  const size_t a = n / 3, b = 2 * n / 3;

  Instance whole;
  for (const std::string& l : corpus.lines) whole.pipeline->ProcessLine(l, false);
  whole.pipeline->Finish();

  const std::string path = TempDir() + "/follow.journal";
  std::remove(path.c_str());
  ASSERT_TRUE(parsers::testing::WriteJournalFile(path, Slice(corpus.entries, 0, a)).ok());
  std::string saved;
  {
    Instance first;
    JournalSource source(FileOptions(path), first.pipeline.get());
    ASSERT_TRUE(source.Poll().ok());
    EXPECT_EQ(a, source.entries());
    ExporterState state;
    state.sources.push_back({"journal", "journal:" + path, {}, source.cursor()});
    state.metrics = CaptureMetrics(first.registry);
    saved = SerializeState(state);
    // More entries, read but never saved: the process is then killed.
    ASSERT_TRUE(
        parsers::testing::WriteJournalFile(path, Slice(corpus.entries, a, b)).ok());
    ASSERT_TRUE(source.Poll().ok());
    EXPECT_EQ(b, source.entries());
  }
  ASSERT_TRUE(parsers::testing::WriteJournalFile(path, Slice(corpus.entries, b, n)).ok());
  absl::StatusOr<ExporterState> state = ParseState(saved);
  ASSERT_TRUE(state.ok()) << state.status();
  ASSERT_EQ(1u, state->sources.size());
  ASSERT_NE("", state->sources[0].journal_cursor);
  Instance second;
  ASSERT_TRUE(RestoreMetrics(state->metrics, *second.metrics).ok());
  JournalSource source(FileOptions(path), second.pipeline.get());
  source.Restore(state->sources[0].journal_cursor);
  ASSERT_TRUE(source.Poll().ok());
  EXPECT_EQ(n - a, source.entries());
  second.pipeline->Finish();
  EXPECT_EQ(LineDriven(whole.registry), LineDriven(second.registry));
}

TEST(JournalSourceTest, WithoutCursorStartsAtNowUnlessFromBeginning) {
  if (parsers::testing::JournalRemotePath().empty()) {
    GTEST_SKIP() << parsers::testing::kNoJournalRemote;
  }
  const Corpus corpus = LoadCorpus();  // entries from 2026-11-25
  const std::string path = TempDir() + "/old.journal";
  std::remove(path.c_str());
  ASSERT_TRUE(parsers::testing::WriteJournalFile(path, Slice(corpus.entries, 0, 10)).ok());
  Instance inst;
  JournalSourceOptions o = FileOptions(path);
  o.from_beginning = false;
  JournalSource source(o, inst.pipeline.get());
  ASSERT_TRUE(source.Poll().ok());
  // The corpus' entries are older than the source (unless the clock is
  // before 2026-11-25; then they are all new).
  if (absl::Now() > absl::FromUnixMicros(1795651200000000)) {
    EXPECT_EQ(0u, source.entries());
  }
}

TEST(JournalSourceTest, AMissingFileIsAnErrorAndRetried) {
  Instance inst;
  const std::string path = TempDir() + "/absent.journal";
  std::remove(path.c_str());
  JournalSource source(FileOptions(path), inst.pipeline.get());
  absl::Status s = source.Poll();
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("absent.journal"));
  EXPECT_FALSE(source.open());
  if (parsers::testing::JournalRemotePath().empty()) return;
  const Corpus corpus = LoadCorpus();
  ASSERT_TRUE(parsers::testing::WriteJournalFile(path, Slice(corpus.entries, 0, 5)).ok());
  ASSERT_TRUE(source.Poll().ok());
  EXPECT_EQ(5u, source.entries());
}

}  // namespace
}  // namespace mailgauge::exporter
