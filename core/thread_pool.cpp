#include "thread_pool.hpp"

#include <algorithm>
#include <chrono>

namespace mlp {

namespace {

// How long a thread without work spins before it blocks. A training step's
// phases follow each other within microseconds, and waking a blocked thread
// costs tens of microseconds (more in the browser), so threads spin across
// phases and batches; between chunks, and while paused, they sleep.
constexpr auto kSpin = std::chrono::microseconds(300);

// How long run() spins for the other threads' last tasks before it blocks.
constexpr auto kCallerSpin = std::chrono::microseconds(200);

// A claim index no job reaches: the claim word while a job is being set up.
constexpr std::uint64_t kClosed = 0x7fffffff;

std::uint32_t generation_of(std::uint64_t claim) {
  return static_cast<std::uint32_t>(claim >> 32);
}

// Lets another thread have this core for a moment while spinning (natively;
// WebAssembly has no such instruction, and the spins are short).
void relax() {
#if !defined(__EMSCRIPTEN__)
  std::this_thread::yield();
#endif
}

}  // namespace

bool ThreadPool::threads_supported() {
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
  return false;
#else
  return true;
#endif
}

int ThreadPool::hardware_threads() {
  if (!threads_supported()) return 1;
  return std::max(1u, std::thread::hardware_concurrency());
}

ThreadPool::ThreadPool(int threads) {
  threads = std::clamp(threads, 1, kMaxThreads);
  if (!threads_supported()) threads = 1;
  workers_.reserve(static_cast<std::size_t>(threads - 1));
  for (int t = 1; t < threads; ++t) {
    try {
      workers_.emplace_back([this, t] { worker_loop(t); });
    } catch (const std::system_error&) {
      break;  // no more threads to be had: a smaller pool
    }
  }
  active_ = size();
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

void ThreadPool::set_active(int threads) {
  active_ = std::clamp(threads, 1, size());
}

void ThreadPool::run_raw(int count, TaskFn fn, void* ctx) {
  if (count <= 0) return;
  if (active_ == 1 || count == 1) {
    for (int i = 0; i < count; ++i) fn(ctx, i, 0);
    return;
  }
  const std::uint32_t generation = generation_.load(std::memory_order_relaxed) + 1;
  const auto claim = static_cast<std::uint64_t>(generation) << 32;
  // Close the last job's claim word before the count grows: a thread still
  // in that job, reading the new count, would otherwise claim an index of
  // the old generation and call the old task after its caller returned.
  claim_.store(claim | kClosed, std::memory_order_seq_cst);
  fn_ = fn;
  ctx_ = ctx;
  count_.store(count, std::memory_order_release);
  participants_.store(active_, std::memory_order_relaxed);
  done_.store(0, std::memory_order_relaxed);
  claim_.store(claim, std::memory_order_release);
  generation_.store(generation, std::memory_order_seq_cst);
  if (sleepers_.load(std::memory_order_seq_cst) > 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    wake_.notify_all();
  }
  work(generation, 0);
  // The other threads are finishing tasks they claimed: usually a short
  // wait, spun. On a busy machine a thread holding a task may have lost its
  // core, though: then block until the last task's thread wakes this one.
  if (done_.load(std::memory_order_acquire) >= count) return;
  const auto until = std::chrono::steady_clock::now() + kCallerSpin;
  for (int spins = 0; done_.load(std::memory_order_acquire) < count; ++spins) {
    if ((spins & 255) != 255) continue;
    if (std::chrono::steady_clock::now() < until) {
      relax();
      continue;
    }
    std::unique_lock<std::mutex> lock(mutex_);
    caller_waiting_.store(true, std::memory_order_seq_cst);
    finished_.wait(lock, [&] { return done_.load(std::memory_order_seq_cst) >= count; });
    caller_waiting_.store(false, std::memory_order_relaxed);
    return;
  }
}

void ThreadPool::work(std::uint32_t generation, int thread) {
  std::uint64_t claim = claim_.load(std::memory_order_acquire);
  for (;;) {
    if (generation_of(claim) != generation) return;
    const int index = static_cast<int>(claim & 0xffffffffu);
    // Acquire: a count of the next job implies its closed claim word is seen.
    if (index >= count_.load(std::memory_order_acquire)) return;
    if (!claim_.compare_exchange_weak(claim, claim + 1, std::memory_order_acq_rel, std::memory_order_acquire))
      continue;
    fn_(ctx_, index, thread);
    if (done_.fetch_add(1, std::memory_order_seq_cst) + 1 == count_.load(std::memory_order_relaxed) &&
        caller_waiting_.load(std::memory_order_seq_cst)) {
      std::lock_guard<std::mutex> lock(mutex_);
      finished_.notify_all();
    }
    claim = claim_.load(std::memory_order_acquire);
  }
}

void ThreadPool::worker_loop(int thread) {
  std::uint32_t seen = 0;
  for (;;) {
    // Spin a little, then sleep until the generation moves on.
    std::uint32_t next = generation_.load(std::memory_order_acquire);
    if (next == seen) {
      const auto until = std::chrono::steady_clock::now() + kSpin;
      for (int spins = 0; next == seen; ++spins) {
        if ((spins & 255) == 255) {
          if (std::chrono::steady_clock::now() > until) break;
          relax();
        }
        next = generation_.load(std::memory_order_acquire);
      }
    }
    if (next == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      sleepers_.fetch_add(1, std::memory_order_seq_cst);
      wake_.wait(lock, [&] { return (next = generation_.load(std::memory_order_seq_cst)) != seen; });
      sleepers_.fetch_sub(1, std::memory_order_relaxed);
    }
    seen = next;
    if (stop_.load()) return;
    // participants_ was written before the generation was published.
    if (thread < participants_.load(std::memory_order_relaxed)) work(seen, thread);
  }
}

}  // namespace mlp
