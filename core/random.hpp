#pragma once
// The one source of randomness (initialisation and shuffling). Written out
// rather than taken from <random> because the standard distributions are
// implementation-defined: libstdc++ (native) and libc++ (Emscripten) would
// give different runs for the same seed. xoshiro256** seeded by splitmix64.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace mlp {

class Random {
 public:
  using State = std::array<std::uint64_t, 4>;

  explicit Random(std::uint64_t seed);

  std::uint64_t next();
  // Uniform in [0, n), without modulo bias. n > 0.
  std::uint32_t below(std::uint32_t n);
  // Uniform in [-limit, limit).
  double symmetric(double limit);
  // Standard normal (Marsaglia's polar method: two or more draws per value).
  double normal();
  // Fisher–Yates shuffle of a permutation.
  void shuffle(std::vector<std::int32_t>& order);

  const State& state() const { return s_; }
  void set_state(const State& s) { s_ = s; }
  std::string state_hex() const;
  static State parse_state_hex(const std::string& hex);  // throws Error

 private:
  State s_{};
};

}  // namespace mlp
