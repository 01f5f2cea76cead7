#pragma once
// A worker thread for the projection runtime's pipeline stages.
#include <pthread.h>

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

namespace fleetledger::projections::detail {

// One long-lived, named thread running one task at a time: the projector's decode of the next
// batch, the view store's write of the last one. run() hands a task over (the previous one must
// have been waited for); wait() returns once it has run and rethrows what it threw. The destructor
// lets a task in progress finish.
class background_task {
public:
  explicit background_task(const char* thread_name) {
    thread_ = std::thread([this, thread_name] {
      pthread_setname_np(pthread_self(), thread_name);
      std::unique_lock lock(mutex_);
      while (true) {
        cv_.wait(lock, [&] { return stopping_ || task_; });
        if (!task_) return;
        auto task = std::move(task_);
        lock.unlock();
        std::exception_ptr failure;
        try {
          task();
        } catch (...) {
          failure = std::current_exception();
        }
        lock.lock();
        failure_ = failure;
        busy_ = false;
        cv_.notify_all();
      }
    });
  }
  ~background_task() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();  // a task in progress finishes first
  }
  background_task(const background_task&) = delete;
  background_task& operator=(const background_task&) = delete;

  void run(std::function<void()> task) {
    std::lock_guard lock(mutex_);
    task_ = std::move(task);
    busy_ = true;
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return !busy_; });
    if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
  }

private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::function<void()> task_;
  std::exception_ptr failure_;
  bool busy_{false};
  bool stopping_{false};
  std::thread thread_;
};

}  // namespace fleetledger::projections::detail
