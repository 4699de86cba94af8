// A fixed pool of threads with a bounded queue, for handlers that may block (database, disk).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace wangban::http::internal {

// The nice value of handler threads (see Loop).
inline constexpr int kHandlerNice = 5;

class WorkerPool {
 public:
  WorkerPool(int threads, std::size_t max_queued);
  ~WorkerPool();  // Stop()s
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`; false if the queue is full or the pool is stopping.
  bool TrySubmit(std::function<void()> task);
  // Runs what is queued, then joins the threads.
  void Stop();
  // Drops what is queued and not yet started (shutdown after the grace period); returns how
  // many tasks were dropped.
  std::size_t DiscardQueued();

 private:
  void Loop();

  const std::size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // GUARDED_BY(mutex_)
  bool stopping_ = false;                    // GUARDED_BY(mutex_)
  std::vector<std::thread> threads_;
};

}  // namespace wangban::http::internal
