#include "random.hpp"

#include <cmath>
#include <cstdio>

#include "errors.hpp"

namespace mlp {
namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

}  // namespace

Random::Random(std::uint64_t seed) {
  for (auto& word : s_) word = splitmix64(seed);
}

std::uint64_t Random::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint32_t Random::below(std::uint32_t n) {
  // Lemire's multiply-shift with rejection of the biased low range.
  std::uint64_t m = (next() >> 32) * n;
  auto low = static_cast<std::uint32_t>(m);
  if (low < n) {
    const std::uint32_t threshold = (0u - n) % n;
    while (low < threshold) {
      m = (next() >> 32) * n;
      low = static_cast<std::uint32_t>(m);
    }
  }
  return static_cast<std::uint32_t>(m >> 32);
}

double Random::normal() {
  // Marsaglia's polar method: a point uniform in the unit disc (by rejection)
  // gives a normal deviate through one log and one square root.
  for (;;) {
    const double u = symmetric(1.0), v = symmetric(1.0);
    const double s = u * u + v * v;
    if (s > 0 && s < 1) return u * std::sqrt(-2.0 * std::log(s) / s);
  }
}

double Random::symmetric(double limit) {
  const double unit = static_cast<double>(next() >> 11) * 0x1.0p-53;  // [0, 1)
  return (2 * unit - 1) * limit;
}

void Random::shuffle(std::vector<std::int32_t>& order) {
  for (std::size_t i = order.size(); i > 1; --i) {
    const std::uint32_t j = below(static_cast<std::uint32_t>(i));
    std::swap(order[i - 1], order[j]);
  }
}

std::string Random::state_hex() const {
  std::string out;
  char buf[17];
  for (auto word : s_) {
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(word));
    out += buf;
  }
  return out;
}

Random::State Random::parse_state_hex(const std::string& hex) {
  if (hex.size() != 64) throw Error("random state must be 64 hex digits, got " + std::to_string(hex.size()));
  State s{};
  for (int w = 0; w < 4; ++w) {
    std::uint64_t v = 0;
    for (int i = 0; i < 16; ++i) {
      const char c = hex[w * 16 + i];
      int d;
      if (c >= '0' && c <= '9')
        d = c - '0';
      else if (c >= 'a' && c <= 'f')
        d = c - 'a' + 10;
      else
        throw Error(std::string("random state has a non-hex digit '") + c + "'");
      v = (v << 4) | static_cast<std::uint64_t>(d);
    }
    s[w] = v;
  }
  // All zero is xoshiro's fixed point: next() would return 0 forever and
  // below(n) would never leave its rejection loop.
  if ((s[0] | s[1] | s[2] | s[3]) == 0) throw Error("random state must not be all zero");
  return s;
}

}  // namespace mlp
