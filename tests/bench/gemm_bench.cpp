// GEMM and memory ceilings of this machine as LibTorch reaches them, and the linear-layer
// shapes the engine actually runs (LLaMA-7B: d = 4096, MLP 11008; prefill m ~ 640, decode m = 1),
// through the ways one can call them (at::linear, at::matmul(x, W^T), at::mm, gpu::fastLinear).
// Answers "what can prefill/decode reach here at best, and does bf16 go through the fast kernel".
// Usage: gemm_bench [--runs N] [--quick] [--decode-layers N] [--decode-only]
// --decode-layers N (default 4, 2 with --quick; 0 skips): decode's bf16 linears over N LLaMA-7B
// layers against the streaming-read probe; --decode-only runs just that section.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <immintrin.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

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
      {"prefill q/k/v/o proj", 640, 4096, 4096},
      {"prefill gate/up proj", 640, 4096, 11008},
      {"prefill down proj", 640, 11008, 4096},
      {"CLIP-L fc1 (577 tok)", 577, 1024, 4096},
      // The engine's own prompt (576 visual + 61 text): not a multiple of 16 rows, where
      // fastLinear pads for oneDNN's AMX tiles.
      {"q/k/v/o proj, 637 tok", 637, 4096, 4096},
      {"gate/up proj, 637 tok", 637, 4096, 11008},
      {"down proj, 637 tok", 637, 11008, 4096},
      {"decode gate/up proj", 1, 4096, 11008},
      {"decode q proj", 1, 4096, 4096},
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

// Reads n floats with AVX-512 loads into four accumulators (no stores): the plainest
// maximum-read loop, to check that the probe's ATen sum is not below what the machine streams.
__attribute__((target("avx512f"))) float rawRead(const float* p, int64_t n) {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    a0 = _mm512_add_ps(a0, _mm512_loadu_ps(p + i));
    a1 = _mm512_add_ps(a1, _mm512_loadu_ps(p + i + 16));
    a2 = _mm512_add_ps(a2, _mm512_loadu_ps(p + i + 32));
    a3 = _mm512_add_ps(a3, _mm512_loadu_ps(p + i + 48));
  }
  alignas(64) float t[16];
  _mm512_store_ps(t, _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
  float s = 0;
  for (const float v : t)
    s += v;
  for (; i < n; ++i)
    s += p[i];
  return s;
}

// Decode's linears (LLaMA-7B layer: q, k, v, o 4096x4096; gate, up 11008x4096; down
// 4096x11008) through gpu::fastLinear over `layers` layers of distinct bf16 weights (~405 MB a
// layer, so nothing stays in the 32 MiB L3), each run followed by the streaming-read probe's
// measurement (ATen sum of a 1 GiB f32 buffer, as gpu::memoryBandwidthProbe). On a shared machine
// the absolute rates swing; the ratio of adjacent runs is the number to trust.
void decodeLayers(int runs, int layers, int threads) {
  struct W {
    int64_t n, k;
  };
  const W shapes[] = {{4096, 4096},  {4096, 4096},  {4096, 4096}, {4096, 4096},
                      {11008, 4096}, {11008, 4096}, {4096, 11008}};
  std::vector<at::Tensor> ws;
  double bytes = 0;
  for (int l = 0; l < layers; ++l)
    for (const W& s : shapes) {
      ws.push_back(at::full({s.n, s.k}, 0.01, at::kBFloat16));
      bytes += static_cast<double>(s.n * s.k * 2);
    }
  const auto x = at::randn({1, 4096}).to(at::kBFloat16);
  const auto xWide = at::randn({1, 11008}).to(at::kBFloat16);
  const auto buf = at::ones({(int64_t{1} << 30) / 4}, at::kFloat);
  auto decode = [&] {
    for (const auto& w : ws)
      (void)vitcop::gpu::fastLinear(w.size(1) == 4096 ? x : xWide, w);
  };
  // Per-call cost on a weight that fits the L2 caches: the floor under each of the ~225 linear
  // calls of a 7B decode step (thread wake-up, output allocation, dispatch).
  const auto small = at::full({128, 4096}, 0.01, at::kBFloat16);
  std::printf(
      "\n| decode linears, %d layers (%.2f GB) | threads | GB/s | streaming read GB/s | "
      "ratio | raw AVX-512 read GB/s |\n|---|---:|---:|---:|---:|---:|\n",
      layers, bytes / 1e9);
  const float* bp = buf.data_ptr<float>();
  const int64_t bn = buf.numel();
  volatile float sink = 0;
  auto raw = [&] {
    std::vector<float> part(at::get_num_threads(), 0.0f);
    at::parallel_for(0, bn, 1 << 20, [&](int64_t a, int64_t b) {
      part[at::get_thread_num()] = rawRead(bp + a, b - a);
    });
    for (const float v : part)
      sink = sink + v;
  };
  for (const int t : {threads, 1}) {
    at::set_num_threads(t);
    decode();
    std::vector<double> dec, rd, ratio, rawGb;
    for (int r = 0; r < runs; ++r) {
      const double dMs = medianMs(1, decode);
      const double sMs = medianMs(1, [&] { (void)buf.sum().item<float>(); });
      dec.push_back(bytes / dMs / 1e6);
      rd.push_back(static_cast<double>(buf.numel()) * 4 / sMs / 1e6);
      ratio.push_back(dec.back() / rd.back());
      rawGb.push_back(static_cast<double>(bn) * 4 / medianMs(1, raw) / 1e6);
    }
    auto med = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    std::printf("| fastLinear x %zu | %d | %.1f | %.1f | %.1f %% | %.1f |\n", ws.size(), t,
                med(dec), med(rd), 100 * med(ratio), med(rawGb));
    const double us = 1e3 * medianMs(runs * 20, [&] { (void)vitcop::gpu::fastLinear(x, small); });
    std::printf("| one call on a 1 MiB weight (L2) | %d | %.1f us/call | | | |\n", t, us);
    if (threads == 1) break;
  }
  at::set_num_threads(threads);
}

}  // namespace

int main(int argc, char** argv) {
  vitcop::bench::ensureCleanBlasEnvironment(argv);
  try {
    const vitcop::bench::Args args(argc, argv);
    const int threads = vitcop::gpu::initRuntime();
    const int runs = args.getInt("--runs", 5, 1, 1000);
    const bool quick = args.has("--quick");
    const int decodeLayerCount = args.getInt("--decode-layers", quick ? 2 : 4, 0, 64);
    if (args.has("--decode-only")) {
      decodeLayers(runs, std::max(decodeLayerCount, 1), threads);
      return 0;
    }
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
    if (decodeLayerCount > 0 && bf16) decodeLayers(runs, decodeLayerCount, threads);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gemm_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
