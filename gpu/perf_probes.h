#pragma once
// Hardware ceilings measured in-process, so a benchmark can say how close the engine gets:
// the GEMM rate LibTorch reaches on a large square matmul (prefill is GEMM-bound) and the rate
// at which this process streams memory (decode reads every weight once per token).
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <vector>

namespace vitcop::gpu {

struct ProbeResult {
  double median = 0;         // GFLOP/s or GB/s (1e9), median of the runs
  std::vector<double> runs;  // every timed run, same unit
};

struct GemmProbeOptions {
  int64_t n = 2048;  // square size: C[n,n] = A[n,n] B[n,n]
  int runs = 5;      // timed runs after one warm-up
};

// GFLOP/s (2 n^3 per run) of at::mm on CPU in `dtype` (f32, bf16 or f64) with `threads` intra-op
// threads (<= 0: keep the current setting; the previous setting is restored afterwards).
// Throws std::invalid_argument naming the bad parameter.
ProbeResult gemmPeakProbe(c10::ScalarType dtype, int threads = 0, const GemmProbeOptions& o = {});

enum class BandwidthKind {
  Sum,   // sum of an f32 buffer: the plain streaming-read ceiling
  Gemv,  // [rows, 4096] bf16 matrix times a vector via at::linear: what decode's linears do
};

struct BandwidthProbeOptions {
  int64_t bytes = int64_t{1} << 30;  // buffer size; far larger than the last-level cache
  int runs = 5;
  BandwidthKind kind = BandwidthKind::Sum;
};

// GB/s (1e9 bytes/s) read from a buffer of o.bytes, median of o.runs after one warm-up.
// Throws std::invalid_argument naming the bad parameter.
ProbeResult memoryBandwidthProbe(const BandwidthProbeOptions& o = {});

}  // namespace vitcop::gpu
