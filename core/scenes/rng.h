#pragma once
// The scenes' only source of randomness: SplitMix64 with integer-only helpers, so a seed gives the
// same scene on every compiler and standard library (std:: distributions are implementation-
// defined and differ between libstdc++ and libc++).
#include <cstdint>

namespace vitcop::scenes {

// Finaliser of SplitMix64: decorrelates neighbouring seeds (seed and seed + 1 share nothing).
constexpr uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

class Rng {
 public:
  // `stream` separates independent uses of one seed (image vs questions), so asking more
  // questions never changes the pixels.
  explicit Rng(uint64_t seed, uint64_t stream = 0)
      : state_(mix64(seed ^ mix64(stream + 0x632BE59BD9B4E019ull))) {}

  uint64_t next() {
    state_ += 0x9E3779B97F4A7C15ull;
    return mix64(state_);
  }

  // Uniform in [0, n), n >= 1: Lemire's multiply-shift with rejection (no modulo bias).
  uint32_t below(uint32_t n) {
    uint64_t m = (next() >> 32) * uint64_t{n};
    if (static_cast<uint32_t>(m) < n) {
      const uint32_t threshold = static_cast<uint32_t>(-n) % n;
      while (static_cast<uint32_t>(m) < threshold)
        m = (next() >> 32) * uint64_t{n};
    }
    return static_cast<uint32_t>(m >> 32);
  }

  // Uniform integer in [lo, hi] (inclusive).
  int range(int lo, int hi) {
    return lo + static_cast<int>(below(static_cast<uint32_t>(hi - lo + 1)));
  }

  // Uniform in [0, 1) with 53 random bits; exact and portable (no library call).
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  double uniform(double lo, double hi) { return lo + (hi - lo) * unit(); }

  bool chance(double p) { return unit() < p; }

 private:
  uint64_t state_;
};

}  // namespace vitcop::scenes
