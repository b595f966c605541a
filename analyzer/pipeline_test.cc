#include "analyzer/pipeline.h"

#include <atomic>
#include <chrono>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace mailgauge::analyzer {
namespace {

TEST(BoundedQueueTest, KeepsOrderAcrossThreads) {
  BoundedQueue<int> queue(3);
  std::thread producer([&] {
    for (int i = 0; i < 10000; ++i) ASSERT_TRUE(queue.Push(i));
    queue.Close();
  });
  std::vector<int> got;
  while (std::optional<int> v = queue.Pop()) got.push_back(*v);
  producer.join();
  ASSERT_EQ(10000u, got.size());
  for (int i = 0; i < 10000; ++i) ASSERT_EQ(i, got[i]);
  EXPECT_LE(queue.high_water(), 3u);
}

TEST(BoundedQueueTest, ProducerWaitsWhileFull) {
  BoundedQueue<int> queue(2);
  std::atomic<int> pushed{0};
  std::thread producer([&] {
    for (int i = 0; i < 5; ++i) {
      if (!queue.Push(i)) return;
      ++pushed;
    }
  });
  // Give the producer time to run ahead: it must stop at the capacity.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(2, pushed.load());
  EXPECT_EQ(0, *queue.Pop());
  EXPECT_EQ(1, *queue.Pop());
  EXPECT_EQ(2, *queue.Pop());
  EXPECT_EQ(3, *queue.Pop());
  EXPECT_EQ(4, *queue.Pop());
  producer.join();
  EXPECT_EQ(5, pushed.load());
  EXPECT_EQ(2u, queue.high_water());
}

TEST(BoundedQueueTest, CloseDrainsThenEnds) {
  BoundedQueue<std::string> queue(4);
  ASSERT_TRUE(queue.Push("a"));
  ASSERT_TRUE(queue.Push("b"));
  queue.Close();
  EXPECT_FALSE(queue.Push("c"));
  EXPECT_EQ("a", *queue.Pop());
  EXPECT_EQ("b", *queue.Pop());
  EXPECT_FALSE(queue.Pop().has_value());
}

TEST(BoundedQueueTest, CancelWakesABlockedProducerAndConsumer) {
  BoundedQueue<int> full(1);
  ASSERT_TRUE(full.Push(1));
  std::thread producer([&] { EXPECT_FALSE(full.Push(2)); });
  BoundedQueue<int> empty(1);
  std::thread consumer([&] { EXPECT_FALSE(empty.Pop().has_value()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  full.Cancel();
  empty.Cancel();
  producer.join();
  consumer.join();
  EXPECT_FALSE(full.Pop().has_value());
}

TEST(StageThreadTest, RunsEveryItemInPushOrder) {
  std::vector<int> seen;  // only the stage's thread writes it until Finish()
  StageThread<int> stage(2, [&](int& v) {
    seen.push_back(v);
    return absl::OkStatus();
  });
  for (int i = 0; i < 5000; ++i) ASSERT_TRUE(stage.Push(i));
  ASSERT_TRUE(stage.Finish().ok());
  ASSERT_EQ(5000u, seen.size());
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(i, seen[i]);
  EXPECT_LE(stage.queue().high_water(), 2u);
}

TEST(StageThreadTest, AFailingStageStopsTheProducerAndReportsItsError) {
  std::vector<int> seen;
  StageThread<int> stage(2, [&](int& v) {
    if (v == 3) return absl::DataLossError("item 3 is bad");
    seen.push_back(v);
    return absl::OkStatus();
  });
  int refused_at = -1;
  for (int i = 0; i < 1000000; ++i) {
    if (!stage.Push(i)) {
      refused_at = i;
      break;
    }
  }
  // The producer is told to stop soon after the failure, never blocked.
  EXPECT_GE(refused_at, 4);
  const absl::Status s = stage.Finish();
  EXPECT_EQ(absl::StatusCode::kDataLoss, s.code());
  EXPECT_EQ("item 3 is bad", s.message());
  EXPECT_EQ((std::vector<int>{0, 1, 2}), seen);
}

TEST(StageThreadTest, AnExceptionInTheStageIsRethrownByFinish) {
  std::vector<int> seen;
  StageThread<int> stage(1, [&](int& v) -> absl::Status {
    if (v == 2) throw std::runtime_error("stage threw");
    seen.push_back(v);
    return absl::OkStatus();
  });
  for (int i = 0; i < 100; ++i) {
    if (!stage.Push(i)) break;
  }
  try {
    (void)stage.Finish();
    FAIL() << "Finish() did not rethrow";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ("stage threw", e.what());
  }
  EXPECT_EQ((std::vector<int>{0, 1}), seen);
}

TEST(StageThreadTest, DestroyedWithoutFinishDropsWhatIsQueued) {
  std::atomic<int> ran{0};
  std::atomic<bool> release{false};
  std::thread releaser;
  {
    StageThread<int> stage(4, [&](int&) {
      while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      ++ran;
      return absl::OkStatus();
    });
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(stage.Push(i));
    // The stage is stuck in item 0; let it go only after the destructor
    // has cancelled the queue.
    releaser = std::thread([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      release = true;
    });
  }
  releaser.join();
  EXPECT_LE(ran.load(), 1);
}

TEST(SparePoolTest, GivesBackWhatWasGivenWithItsBuffer) {
  SparePool<std::vector<int>> pool(2);
  EXPECT_TRUE(pool.Take().empty());  // none given yet: a new one
  std::vector<int> v(1000, 7);
  const int* buffer = v.data();
  v.clear();
  pool.Give(std::move(v));
  EXPECT_EQ(1u, pool.size());
  std::vector<int> again = pool.Take();
  EXPECT_EQ(buffer, again.data());
  EXPECT_GE(again.capacity(), 1000u);
  EXPECT_EQ(0u, pool.size());
}

TEST(SparePoolTest, KeepsAtMostItsLimit) {
  SparePool<std::string> pool(2);
  for (int i = 0; i < 5; ++i) pool.Give(std::string(100, 'a' + i));
  EXPECT_EQ(2u, pool.size());
  EXPECT_FALSE(pool.Take().empty());
  EXPECT_FALSE(pool.Take().empty());
  EXPECT_TRUE(pool.Take().empty());
}

// The way `--threads` uses it: a stage gives each item back, the producer
// fills the given-back ones, so a long run uses a handful of buffers.
TEST(SparePoolTest, RecyclesThroughAStage) {
  SparePool<std::vector<int>> spares(6);
  std::vector<int> sums;
  std::set<const int*> buffers;
  {
    StageThread<std::vector<int>> stage(3, [&](std::vector<int>& v) {
      int sum = 0;
      for (int x : v) sum += x;
      sums.push_back(sum);
      v.clear();
      spares.Give(std::move(v));
      return absl::OkStatus();
    });
    for (int i = 0; i < 2000; ++i) {
      std::vector<int> v = spares.Take();
      v.reserve(64);
      buffers.insert(v.data());
      for (int k = 0; k < 64; ++k) v.push_back(i);
      ASSERT_TRUE(stage.Push(std::move(v)));
    }
    ASSERT_TRUE(stage.Finish().ok());
  }
  ASSERT_EQ(2000u, sums.size());
  for (int i = 0; i < 2000; ++i) ASSERT_EQ(64 * i, sums[i]);
  // Queued (3), being consumed, being filled, and a few given back at once.
  EXPECT_LE(buffers.size(), 12u);
}

}  // namespace
}  // namespace mailgauge::analyzer
