// GEMM and memory ceilings of this machine as LibTorch reaches them, and the linear-layer
// shapes the engine actually runs (LLaMA-7B: d = 4096, MLP 11008; prefill m ~ 640, decode m = 1),
// through the ways one can call them (at::linear, at::matmul(x, W^T), at::mm, gpu::fastLinear).
// Answers "what can prefill/decode reach here at best, and does bf16 go through the fast kernel".
// Usage: gemm_bench [--runs N] [--quick]
#include <ATen/ATen.h>

#include <cstdio>
#include <exception>
#include <string>

#include "gpu/cpu_features.h"
#include "gpu/linear.h"
#include "gpu/perf_probes.h"
#include "gpu/runtime.h"
#include "tests/bench/bench_common.h"

namespace {

using vitcop::bench::medianMs;

const char* name(at::ScalarType t) {
  return t == at::kFloat ? "f32" : "bf16";
}

void linearShapes(int runs, at::ScalarType dtype, bool quick) {
  struct Shape {
    const char* what;
    int64_t m, k, n;
  };
  const Shape shapes[] = {
      {"prefill q/k/v/o proj", 640, 4096, 4096}, {"prefill gate/up proj", 640, 4096, 11008},
      {"prefill down proj", 640, 11008, 4096},   {"CLIP-L fc1 (577 tok)", 577, 1024, 4096},
      {"decode gate/up proj", 1, 4096, 11008},   {"decode q proj", 1, 4096, 4096},
  };
  for (const Shape& s : shapes) {
    if (quick && s.m > 1 && s.n > 4096) continue;
    const auto x = at::randn({s.m, s.k}).to(dtype);
    const auto w = at::randn({s.n, s.k}).to(dtype);
    const double flops = 2.0 * s.m * s.k * s.n;
    const double wBytes = static_cast<double>(w.numel()) * w.element_size();
    const double lin = medianMs(runs, [&] { (void)at::linear(x, w); });
    const double mat = medianMs(runs, [&] { (void)at::matmul(x, w.t()); });
    const double mmT = medianMs(runs, [&] { (void)at::mm(x, w.t()); });
    const double fast = medianMs(runs, [&] { (void)vitcop::gpu::fastLinear(x, w); });
    auto rate = [&](double ms) {
      return s.m == 1 ? wBytes / ms / 1e6 : flops / ms / 1e6;  // GB/s for GEMV, else GFLOP/s
    };
    std::printf(
        "| %-22s | %-4s | %5lld x %5lld x %5lld | %8.3f | %7.1f | %7.1f | %7.1f | %7.1f | %s |\n",
        s.what, name(dtype), static_cast<long long>(s.m), static_cast<long long>(s.k),
        static_cast<long long>(s.n), lin, rate(lin), rate(mat), rate(mmT), rate(fast),
        s.m == 1 ? "GB/s" : "GFLOP/s");
  }
}

}  // namespace

int main(int argc, char** argv) {
  vitcop::bench::ensureCleanBlasEnvironment(argv);
  try {
    const vitcop::bench::Args args(argc, argv);
    const int threads = vitcop::gpu::initRuntime();
    const int runs = args.getInt("--runs", 5, 1, 1000);
    const bool quick = args.has("--quick");
    const bool bf16 = vitcop::gpu::cpuFeatures().nativeBf16();
    std::printf("threads %d, native bf16 %s, runs %d\n\n", threads, bf16 ? "yes" : "no", runs);

    std::printf("| square GEMM | dtype | threads | median GFLOP/s |\n|---|---|---:|---:|\n");
    for (const int64_t n : {int64_t{1024}, int64_t{2048}, int64_t{4096}}) {
      if (quick && n > 2048) continue;
      for (const auto dtype : {at::kFloat, at::kBFloat16})
        for (const int t : {1, threads}) {
          const auto r = vitcop::gpu::gemmPeakProbe(dtype, t, {n, runs});
          std::printf("| %lld | %s | %d | %.1f |\n", static_cast<long long>(n), name(dtype), t,
                      r.median);
          if (threads == 1) break;
        }
    }

    std::printf("\n| memory read | median GB/s |\n|---|---:|\n");
    const int64_t bytes = quick ? int64_t{256} << 20 : int64_t{1} << 30;
    std::printf(
        "| sum of %lld MiB f32 | %.1f |\n", static_cast<long long>(bytes >> 20),
        vitcop::gpu::memoryBandwidthProbe({bytes, runs, vitcop::gpu::BandwidthKind::Sum}).median);
    std::printf(
        "| bf16 GEMV over %lld MiB | %.1f |\n", static_cast<long long>(bytes >> 20),
        vitcop::gpu::memoryBandwidthProbe({bytes, runs, vitcop::gpu::BandwidthKind::Gemv}).median);

    std::printf(
        "\n| linear shape | dtype | m x k x n | at::linear ms | linear | matmul(x,W^T) | mm(x,W^T) "
        "| gpu::fastLinear | unit |\n|---|---|---|---:|---:|---:|---:|---:|---|\n");
    for (const auto dtype : {at::kFloat, at::kBFloat16})
      linearShapes(runs, dtype, quick);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gemm_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
