#pragma once
// A fixed set of threads that run lists of independent tasks. The caller of
// run() is thread 0 and works too; size() - 1 threads are started once, at
// construction (in WebAssembly they come from Emscripten's pre-created
// pthread pool, which must hold at least that many workers).
//
// Determinism is the caller's: run() only promises that every task runs
// exactly once; which thread runs it, and in what order, varies. A training
// step that splits its work into tasks whose boundaries do not depend on the
// number of threads, each writing its own part of the output, gives
// bit-identical results on any thread count.
//
// Waiting: a thread that runs out of tasks spins on an atomic for a short
// while (a training step's next phase follows within microseconds), then
// blocks on a condition variable (a futex; Atomics.wait in the browser), so
// idle threads cost nothing while training is paused.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace mlp {

class ThreadPool {
 public:
  // `threads` in all, the caller included (clamped to [1, kMaxThreads]).
  // Threads that cannot be started (a single-threaded WebAssembly build)
  // leave a smaller pool: size() says what there is.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  static constexpr int kMaxThreads = 64;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  // Threads used by the next run(): 1..size(). Changing it never changes results.
  int active() const { return active_; }
  void set_active(int threads);

  // Calls task(index, thread) once for every index in [0, count) on the
  // active threads (thread 0 is the caller) and returns when all are done.
  // Not reentrant: a task must not call run().
  template <typename F>
  void run(int count, F&& task) {
    using Fn = std::remove_reference_t<F>;
    run_raw(
        count, [](void* ctx, int index, int thread) { (*static_cast<Fn*>(ctx))(index, thread); },
        const_cast<void*>(static_cast<const void*>(&task)));
  }

  // Logical CPUs of this machine (at least 1).
  static int hardware_threads();
  // Whether this build can start threads at all.
  static bool threads_supported();

 private:
  using TaskFn = void (*)(void*, int, int);
  void run_raw(int count, TaskFn fn, void* ctx);
  void worker_loop(int thread);
  // Claims and runs tasks of `generation` until none are left.
  void work(std::uint32_t generation, int thread);

  std::vector<std::thread> workers_;
  int active_ = 1;
  // The current job: claim_ is closed, fn/ctx/count_ are written, then
  // claim_ is opened at index 0 and the generation published.
  TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  std::atomic<int> count_{0};
  std::atomic<int> participants_{1};
  // (generation << 32) | next task index: a task is claimed by a CAS, so a
  // thread that wakes late cannot claim a task of a newer job.
  std::atomic<std::uint64_t> claim_{0};
  std::atomic<int> done_{0};
  std::atomic<std::uint32_t> generation_{0};
  std::atomic<int> sleepers_{0};
  std::atomic<bool> stop_{false};
  std::atomic<bool> caller_waiting_{false};
  std::mutex mutex_;
  std::condition_variable wake_;      // workers wait here for a job
  std::condition_variable finished_;  // run() waits here for the last task (after spinning)
};

}  // namespace mlp
