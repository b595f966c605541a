#include "analyzer/parallel_reader.h"

#include <zlib.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "analyzer/test_files.h"
#include "gtest/gtest.h"
#include "parsers/postfix/postfix_parser.h"
#include "parsers/syslog_envelope.h"

namespace mailgauge::analyzer {
namespace {

const TestFiles kFiles("parallel_reader_test");

std::string Numbered(const std::string& prefix, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += prefix + " line " + std::to_string(i) + "\n";
  return out;
}

struct Read {
  std::vector<std::string> texts;
  std::vector<size_t> files;
  std::vector<bool> overlong;
};

Read ReadAll(ParallelReader& reader) {
  Read r;
  size_t last_file = 0;
  uint64_t expected_sequence = 0;
  while (std::shared_ptr<LineBatch> batch = reader.Next()) {
    EXPECT_GT(batch->size(), 0u);
    if (batch->file() != last_file) {
      EXPECT_GT(batch->file(), last_file);
      last_file = batch->file();
      expected_sequence = 0;
    }
    EXPECT_EQ(expected_sequence, batch->sequence());
    ++expected_sequence;
    for (const ParsedLine& p : *batch) {
      r.texts.emplace_back(p.text);
      r.files.push_back(batch->file());
      r.overlong.push_back(p.overlong);
    }
  }
  return r;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

class ParallelReaderTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    auto parser = parsers::PostfixParser::Create();
    ASSERT_TRUE(parser.ok());
    parser_ = *std::move(parser);
  }
  std::unique_ptr<parsers::PostfixParser> parser_;
};

TEST_P(ParallelReaderTest, DeliversEveryLineInFileAndLineOrder) {
  const std::string a = Numbered("a", 1000);
  const std::string b = Numbered("bb", 3);
  const std::string c = Numbered("ccc", 777);
  const std::vector<std::string> paths = {kFiles.Write("order_a", a), kFiles.Write("order_empty", ""),
                                          kFiles.WriteGzip("order_b.gz", b), kFiles.Write("order_c", c)};
  ParallelReaderOptions options;
  options.threads = GetParam();
  options.batch_lines = 7;
  options.batch_bytes = 100;  // lines cut batches by bytes too (a carried line)
  ParallelReader reader(paths, options, parser_.get());
  const Read r = ReadAll(reader);
  std::vector<std::string> want = Lines(a);
  for (const std::string& l : Lines(b)) want.push_back(l);
  for (const std::string& l : Lines(c)) want.push_back(l);
  EXPECT_EQ(want, r.texts);
  for (size_t i = 0; i < paths.size(); ++i) {
    EXPECT_TRUE(reader.file_opened(i)) << i;
    EXPECT_TRUE(reader.file_status(i).ok()) << i;
  }
}

TEST_P(ParallelReaderTest, ParsesEachLineAsOneParserWould) {
  const std::string log =
      "Nov 25 10:00:01 mx1 postfix/smtpd[10]: connect from a.example[192.0.2.1]\n"
      "Nov 25 10:00:01 mx1 postfix/smtpd[10]: 4B0C72A1F3: client=a.example[192.0.2.1]\n"
      "\n"
      "not a syslog line\n"
      "Nov 25 10:00:02 mx1 dovecot[11]: imap-login: Login\n"
      "2026-11-25T10:00:03.5+01:00 mx1 postfix/qmgr[12]: 4B0C72A1F3: from=<a@example.org>, "
      "size=100, nrcpt=1 (queue active)\n"
      "Nov 25 10:00:04 mx1 postfix/smtpd[10]: this is nothing Postfix says\n";
  std::string big;
  for (int i = 0; i < 50; ++i) big += log;
  ParallelReaderOptions options;
  options.threads = GetParam();
  options.batch_lines = 5;
  // The worker's own look at each parsed line: its message and Event kind.
  std::mutex seen_mu;
  std::multiset<std::pair<std::string, parsers::EventKind>> seen_by_workers;
  std::set<int> workers;
  options.on_parsed = [&](int worker, const LogLine& line, const parsers::Event& e) {
    std::lock_guard<std::mutex> lock(seen_mu);
    workers.insert(worker);
    seen_by_workers.emplace(std::string(line.message), e.kind);
  };
  ParallelReader reader({kFiles.Write("parse", big)}, options, parser_.get());
  parsers::EnvelopeParser envelope(options.envelope);
  parsers::EnvelopeParser timer(options.envelope);  // ApplyTime() in order
  parsers::EventUnpacker unpacker;
  std::multiset<std::pair<std::string, parsers::EventKind>> parsed_lines;
  size_t n = 0;
  const std::vector<std::string> want = Lines(big);
  while (std::shared_ptr<LineBatch> batch = reader.Next()) {
    for (const ParsedLine& p : *batch) {
      ASSERT_LT(n, want.size());
      EXPECT_EQ(want[n], p.text);
      LogLine line;
      const parsers::EnvelopeResult result = envelope.Parse(p.text, &line);
      EXPECT_EQ(result, p.envelope) << p.text;
      if (result == parsers::EnvelopeResult::kOk) {
        EXPECT_EQ(line.program, p.line.program);
        EXPECT_EQ(line.message, p.line.message);
        // The worker leaves the time to the consumer.
        EXPECT_EQ(p.line.time.unix_micros, Timestamp().unix_micros);
        LogLine timed = p.line;
        timer.ApplyTime(p.time, &timed);
        EXPECT_EQ(line.time.unix_micros, timed.time.unix_micros);
        EXPECT_EQ(line.time.utc_offset_seconds, timed.time.utc_offset_seconds);
        const bool postfix = line.program.rfind("postfix", 0) == 0;
        EXPECT_EQ(postfix, p.postfix) << p.text;
        if (postfix) {
          parsers::Event e;
          const bool parsed = parser_->Parse(line, &e) == parsers::ParseResult::kParsed;
          EXPECT_EQ(parsed, p.parsed) << p.text;
          if (parsed) {
            const parsers::Event& event = batch->UnpackEvent(p, &unpacker);
            EXPECT_EQ(e.kind, event.kind);
            EXPECT_EQ(e.queue_id, event.queue_id);
            EXPECT_EQ(e.client_addr, event.client_addr);
            EXPECT_EQ(e.size, event.size);
            parsed_lines.emplace(std::string(line.message), e.kind);
          }
        }
      }
      ++n;
    }
  }
  EXPECT_EQ(want.size(), n);
  // on_parsed saw exactly the parsed lines, on workers 0 to threads - 1.
  EXPECT_EQ(150u, parsed_lines.size());
  EXPECT_EQ(parsed_lines, seen_by_workers);
  ASSERT_FALSE(workers.empty());
  EXPECT_GE(*workers.begin(), 0);
  EXPECT_LT(*workers.rbegin(), GetParam());
}

TEST_P(ParallelReaderTest, ErrorsAreTheFilesOwnAndTheOthersAreRead) {
  // A .gz cut short: the lines before the cut come, then DataLoss.
  const std::string gz_path = kFiles.WriteGzip("corrupt_full.gz", Numbered("z", 20000));
  std::ifstream in(gz_path, std::ios::binary);
  std::string gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string corrupt = kFiles.Write("corrupt.gz", gz.substr(0, gz.size() / 2));
  const std::vector<std::string> paths = {kFiles.Write("err_a", Numbered("a", 10)),
                                          kFiles.Path("does_not_exist"), corrupt,
                                          kFiles.Write("err_b", Numbered("b", 10))};
  ParallelReaderOptions options;
  options.threads = GetParam();
  options.batch_lines = 16;
  ParallelReader reader(paths, options, parser_.get());
  const Read r = ReadAll(reader);
  ASSERT_GE(r.texts.size(), 21u);
  EXPECT_EQ("a line 0", r.texts.front());
  EXPECT_EQ("b line 9", r.texts.back());
  size_t from_corrupt = 0;
  for (size_t f : r.files) from_corrupt += f == 2 ? 1 : 0;
  EXPECT_GT(from_corrupt, 0u);
  EXPECT_LT(from_corrupt, 20000u);
  EXPECT_TRUE(reader.file_status(0).ok());
  EXPECT_FALSE(reader.file_opened(1));
  EXPECT_EQ(absl::StatusCode::kNotFound, reader.file_status(1).code());
  EXPECT_TRUE(reader.file_opened(2));
  EXPECT_EQ(absl::StatusCode::kDataLoss, reader.file_status(2).code());
  EXPECT_TRUE(reader.file_opened(3));
  EXPECT_TRUE(reader.file_status(3).ok());
}

TEST_P(ParallelReaderTest, BatchesInFlightStayBoundedWhenTheConsumerIsSlow) {
  ParallelReaderOptions options;
  options.threads = GetParam();
  options.batch_lines = 10;
  options.max_batches = 4;
  std::vector<std::string> paths;
  for (int i = 0; i < 3; ++i) {
    paths.push_back(kFiles.Write("bounded" + std::to_string(i), Numbered("x", 2000)));
  }
  ParallelReader reader(paths, options, parser_.get());
  std::shared_ptr<LineBatch> previous;  // the consumer holds two at a time
  size_t lines = 0, batches = 0;
  while (std::shared_ptr<LineBatch> batch = reader.Next()) {
    lines += batch->size();
    if (++batches % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    previous = std::move(batch);
  }
  EXPECT_EQ(6000u, lines);
  EXPECT_LE(reader.high_water(), options.max_batches + 1);
}

TEST_P(ParallelReaderTest, AConsumerKeepingEveryBatchDoesNotStallIt) {
  ParallelReaderOptions options;
  options.threads = GetParam();
  options.batch_lines = 10;
  options.max_batches = 2;
  ParallelReader reader({kFiles.Write("keep_a", Numbered("a", 500)),
                         kFiles.Write("keep_b", Numbered("b", 500))},
                        options, parser_.get());
  std::vector<std::shared_ptr<LineBatch>> kept;
  size_t lines = 0;
  while (std::shared_ptr<LineBatch> batch = reader.Next()) {
    lines += batch->size();
    kept.push_back(std::move(batch));
  }
  EXPECT_EQ(1000u, lines);
  EXPECT_EQ(100u, kept.size());
  EXPECT_LE(reader.high_water(), options.max_batches + 1);
  EXPECT_EQ("b line 499", (*kept.back())[kept.back()->size() - 1].text);
}

TEST_P(ParallelReaderTest, LongAndOverlongLines) {
  const std::string long_line(100000, 'L');
  const std::string content = "short\n" + long_line + "\n" + std::string(5000, 'O') + "\nend";
  ParallelReaderOptions options;
  options.threads = GetParam();
  options.batch_bytes = 1024;
  options.max_line_bytes = 200000;
  {
    ParallelReader reader({kFiles.Write("long", content)}, options, parser_.get());
    const Read r = ReadAll(reader);
    ASSERT_EQ(4u, r.texts.size());
    EXPECT_EQ("short", r.texts[0]);
    EXPECT_EQ(long_line, r.texts[1]);
    EXPECT_EQ(std::string(5000, 'O'), r.texts[2]);
    EXPECT_EQ("end", r.texts[3]);
    EXPECT_EQ((std::vector<bool>{false, false, false, false}), r.overlong);
  }
  options.max_line_bytes = 4096;
  ParallelReader reader({kFiles.Write("overlong", content)}, options, parser_.get());
  const Read r = ReadAll(reader);
  ASSERT_EQ(4u, r.texts.size());
  EXPECT_EQ(std::string(4096, 'L'), r.texts[1]);
  EXPECT_EQ((std::vector<bool>{false, true, true, false}), r.overlong);
}

TEST_P(ParallelReaderTest, StopsCleanlyWhenDestroyedEarly) {
  ParallelReaderOptions options;
  options.threads = GetParam();
  options.batch_lines = 4;
  options.max_batches = 2;
  std::shared_ptr<LineBatch> kept;
  {
    ParallelReader reader({kFiles.Write("early_a", Numbered("a", 1000)),
                           kFiles.Write("early_b", Numbered("b", 1000))},
                          options, parser_.get());
    kept = reader.Next();
    ASSERT_NE(nullptr, kept);
  }  // workers blocked on the batch limit are stopped and joined
  // A batch may outlive its reader.
  EXPECT_EQ("a line 0", (*kept)[0].text);
  kept.reset();
}

INSTANTIATE_TEST_SUITE_P(Threads, ParallelReaderTest, ::testing::Values(1, 2, 3, 4));

}  // namespace
}  // namespace mailgauge::analyzer
