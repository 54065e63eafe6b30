#pragma once
// Shared by the *_bench.cpp programs: a clean BLAS environment, argument parsing and medians.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace vitcop::bench {

// OpenBLAS reads OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE when the library loads (before main), and
// the test environment may pin them to a slow generic kernel. A benchmark must measure the
// machine's real kernels, so if either is set we drop them and re-exec ourselves.
inline void ensureCleanBlasEnvironment(char** argv) {
  const char* vars[] = {"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"};
  bool dirty = false;
  for (const char* v : vars)
    if (std::getenv(v)) {
      unsetenv(v);
      dirty = true;
    }
  if (!dirty) return;
  std::fprintf(stderr, "note: unset OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE, re-executing\n");
  execv("/proc/self/exe", argv);
  std::perror("execv /proc/self/exe");  // only reached on failure; carry on as we are
}

// Median of `runs` timed calls (ms) after one warm-up call.
inline double medianMs(int runs, const std::function<void()>& body,
                       std::vector<double>* all = nullptr) {
  body();
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    body();
    t.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  if (all) *all = t;
  std::sort(t.begin(), t.end());
  const size_t n = t.size();
  return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

// "--name value" lookup; throws std::invalid_argument naming the option on a bad value.
class Args {
 public:
  Args(int argc, char** argv) : v_(argv + 1, argv + argc) {}
  bool has(const std::string& name) const {
    return std::find(v_.begin(), v_.end(), name) != v_.end();
  }
  std::string get(const std::string& name, const std::string& fallback) const {
    auto it = std::find(v_.begin(), v_.end(), name);
    if (it == v_.end()) return fallback;
    if (it + 1 == v_.end()) throw std::invalid_argument("option " + name + " needs a value");
    return *(it + 1);
  }
  int getInt(const std::string& name, int fallback, int lo, int hi) const {
    const std::string s = get(name, std::to_string(fallback));
    char* end = nullptr;
    const long n = std::strtol(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || n < lo || n > hi)
      throw std::invalid_argument("option " + name + ": expected an integer in " +
                                  std::to_string(lo) + ".." + std::to_string(hi) + ", got '" + s +
                                  "'");
    return static_cast<int>(n);
  }

 private:
  std::vector<std::string> v_;
};

}  // namespace vitcop::bench
