#include "gpu/perf_probes.h"

#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/mm.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/sum.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>

namespace vitcop::gpu {
namespace {

ProbeResult timeRuns(int runs, double work, const std::function<void()>& body) {
  body();  // warm-up: page faults, oneDNN primitive creation, thread pool start
  ProbeResult r;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    body();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.runs.push_back(work / std::max(s, 1e-9) / 1e9);
  }
  auto sorted = r.runs;
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();
  r.median = n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
  return r;
}

// Restores the intra-op thread count on scope exit.
class ThreadScope {
 public:
  explicit ThreadScope(int threads) : previous_(at::get_num_threads()) {
    if (threads > 0) at::set_num_threads(threads);
  }
  ~ThreadScope() { at::set_num_threads(previous_); }
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  int previous_;
};

}  // namespace

ProbeResult gemmPeakProbe(c10::ScalarType dtype, int threads, const GemmProbeOptions& o) {
  if (dtype != at::kFloat && dtype != at::kBFloat16 && dtype != at::kDouble)
    throw std::invalid_argument(std::string("gemmPeakProbe: dtype must be f32, bf16 or f64, got ") +
                                c10::toString(dtype));
  if (o.n <= 0 || o.n > 32768)
    throw std::invalid_argument("gemmPeakProbe: n must be in 1..32768, got " + std::to_string(o.n));
  if (o.runs <= 0) throw std::invalid_argument("gemmPeakProbe: runs must be positive");
  ThreadScope scope(threads);
  const auto a = at::randn({o.n, o.n}).to(dtype);
  const auto b = at::randn({o.n, o.n}).to(dtype);
  auto c = at::empty({o.n, o.n}, a.options());
  const double flops = 2.0 * static_cast<double>(o.n) * o.n * o.n;
  return timeRuns(o.runs, flops, [&] { at::mm_out(c, a, b); });
}

ProbeResult memoryBandwidthProbe(const BandwidthProbeOptions& o) {
  if (o.bytes < (int64_t{1} << 16))
    throw std::invalid_argument("memoryBandwidthProbe: bytes must be at least 65536, got " +
                                std::to_string(o.bytes));
  if (o.runs <= 0) throw std::invalid_argument("memoryBandwidthProbe: runs must be positive");
  if (o.kind == BandwidthKind::Sum) {
    // ones(), not empty(): every page must be really backed, or the read measures the zero page.
    const auto buf = at::ones({o.bytes / 4}, at::kFloat);
    const double bytes = static_cast<double>(buf.numel()) * 4;
    return timeRuns(o.runs, bytes, [&] { (void)buf.sum().item<float>(); });
  }
  // The decode shape: one token through a linear layer with K = 4096 input features.
  constexpr int64_t kCols = 4096;
  const int64_t rows = std::max<int64_t>(1, o.bytes / (kCols * 2));
  const auto w = at::randn({rows, kCols}).to(at::kBFloat16);
  const auto x = at::randn({1, kCols}).to(at::kBFloat16);
  const double bytes = static_cast<double>(w.numel()) * 2;
  return timeRuns(o.runs, bytes, [&] { (void)at::linear(x, w); });
}

}  // namespace vitcop::gpu
