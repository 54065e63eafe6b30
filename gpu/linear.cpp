// GCC 12 reports -Wmaybe-uninitialized inside its own AVX-512 headers (the _mm512_undefined_*()
// operands of extract/cast intrinsics) once they are inlined into the kernels below: a false
// positive in system headers. Must come before any include that pulls in immintrin.h.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "gpu/linear.h"

#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/mv.h>
#include <ATen/ops/zeros.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "gpu/cpu_features.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include "gpu/simd_avx512.h"
#define VITCOP_BF16_GEMV 1
#endif

namespace vitcop::gpu {
namespace {

#ifdef VITCOP_BF16_GEMV
// Horizontal sum as a tree of vector adds (4 dependent adds instead of simd::hsum's 16 dependent
// scalar adds): it runs once per row, between two rows' streams. Through memory because GCC 12's
// 512-bit extract/shuffle intrinsics trip -Wmaybe-uninitialized (see simd::hsum).
__attribute__((target("avx512f"))) inline float sum16(__m512 v) {
  alignas(64) float t[16];
  _mm512_store_ps(t, v);
  const __m256 h = _mm256_add_ps(_mm256_load_ps(t), _mm256_load_ps(t + 8));
  __m128 q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  q = _mm_add_ps(q, _mm_movehl_ps(q, q));
  q = _mm_add_ss(q, _mm_movehdup_ps(q));
  return _mm_cvtss_f32(q);
}

// y[r] = dot(W[r, :], x) + bias[r] for rows r0..r1, fp32 accumulation, rounded to bf16 once.
// Decode is bound by how fast W streams from memory, so the loop is shaped for the prefetchers:
// one row at a time, so a thread's rows are a single sequential stream. Interleaving 2-8 rows
// to share the loads of x (x stays in L1 either way) made 2-8 streams 8 KiB apart and measured
// 10-40 % slower (docs/benchmarks.md, 2026-11-24 decode section). Four accumulators hide the
// latency of vdpbf16ps (32 bf16 pairs multiplied and added in fp32). Compiled for AVX512-BF16
// only in this function; called only after the CPUID check.
//
// Software prefetch into L2, 2 KiB ahead of the loads (into the next row at a row's end): on the
// Intel (AMX) VM the hardware prefetchers alone kept a 28-matrix decode pass at 71 % of a 1 GiB
// f32 sum; with it 93 % (median of 5 paired passes; T0 at +1 KiB 84 %, T2 at +4 KiB 91 %,
// docs/benchmarks.md 2026-12-08). On the Zen 4 VM it changed nothing (2026-11-24).
constexpr int64_t kPrefetchBytes = 2048;

__attribute__((target("avx512f,avx512bw,avx512bf16"))) void bf16RowsDot(
    const c10::BFloat16* w, const c10::BFloat16* x, const c10::BFloat16* bias, c10::BFloat16* y,
    int64_t r0, int64_t r1, int64_t K) {
  const int64_t k128 = K - K % 128, k32 = K - K % 32;
  // The last K % 32 features through a masked load: masked-off lanes read as 0 and add 0.
  const __mmask32 tailMask = static_cast<__mmask32>((uint64_t{1} << (K % 32)) - 1);
  const __m512bh xTail = (__m512bh)_mm512_maskz_loadu_epi16(tailMask, x + k32);
  for (int64_t r = r0; r < r1; ++r) {
    const c10::BFloat16* wr = w + r * K;
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    __m512 a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
    int64_t k = 0;
    for (; k < k128; k += 128) {
      const char* ahead = reinterpret_cast<const char*>(wr + k) + kPrefetchBytes;
      _mm_prefetch(ahead, _MM_HINT_T1);
      _mm_prefetch(ahead + 64, _MM_HINT_T1);
      _mm_prefetch(ahead + 128, _MM_HINT_T1);
      _mm_prefetch(ahead + 192, _MM_HINT_T1);
      a0 = _mm512_dpbf16_ps(a0, (__m512bh)_mm512_loadu_si512(wr + k),
                            (__m512bh)_mm512_loadu_si512(x + k));
      a1 = _mm512_dpbf16_ps(a1, (__m512bh)_mm512_loadu_si512(wr + k + 32),
                            (__m512bh)_mm512_loadu_si512(x + k + 32));
      a2 = _mm512_dpbf16_ps(a2, (__m512bh)_mm512_loadu_si512(wr + k + 64),
                            (__m512bh)_mm512_loadu_si512(x + k + 64));
      a3 = _mm512_dpbf16_ps(a3, (__m512bh)_mm512_loadu_si512(wr + k + 96),
                            (__m512bh)_mm512_loadu_si512(x + k + 96));
    }
    for (; k < k32; k += 32)
      a0 = _mm512_dpbf16_ps(a0, (__m512bh)_mm512_loadu_si512(wr + k),
                            (__m512bh)_mm512_loadu_si512(x + k));
    if (tailMask)
      a1 = _mm512_dpbf16_ps(a1, (__m512bh)_mm512_maskz_loadu_epi16(tailMask, wr + k32), xTail);
    // The bias joins the fp32 sum so the result is rounded to bf16 once.
    const float b = bias ? static_cast<float>(bias[r]) : 0.0f;
    y[r] = c10::BFloat16(sum16(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3))) + b);
  }
}
#endif

bool singleRow(const at::Tensor& x) {
  return x.dim() >= 1 && x.numel() == x.size(-1);
}

}  // namespace

bool hasBf16GemvKernel() {
#ifdef VITCOP_BF16_GEMV
  return cpuFeatures().nativeBf16() && cpuFeatures().avx512bf16;
#else
  return false;
#endif
}

namespace {

bool bf16KernelEligible(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  return x.defined() && weight.defined() && x.is_cpu() && weight.is_cpu() && weight.dim() == 2 &&
         singleRow(x) && x.size(-1) == weight.size(1) && x.scalar_type() == at::kBFloat16 &&
         weight.scalar_type() == at::kBFloat16 && weight.is_contiguous() &&
         (!bias.defined() || (bias.scalar_type() == at::kBFloat16 && bias.dim() == 1 &&
                              bias.size(0) == weight.size(0))) &&
         !x.requires_grad() && !weight.requires_grad() && hasBf16GemvKernel();
}

// Below ~256 KiB of W a second thread costs more to wake than it saves.
int64_t minRowsPerThread(int64_t K) {
  return std::max<int64_t>(1, (int64_t{256} << 10) / (2 * std::max<int64_t>(K, 1)));
}

// oneDNN's bf16 GEMM on AMX (LibTorch 1.13) slows down 20-70 % when the row count is not a
// multiple of 16, the rows of one AMX tile: LLaMA-7B's 4096 x 4096 projection ran at 691-732
// GFLOP/s for the engine's 637 prompt tokens, 194 for 636, and 918-1173 for 640
// (docs/benchmarks.md, 2026-12-08). Zero rows up to the next multiple cost one copy of x (5 MB
// for 637 x 4096) and give the real rows the same dot products.
constexpr int64_t kAmxRows = 16;

bool padRowsForAmx(const at::Tensor& x, const at::Tensor& weight) {
  if (!x.defined() || !weight.defined() || !x.is_cpu() || x.scalar_type() != at::kBFloat16 ||
      weight.scalar_type() != at::kBFloat16 || weight.dim() != 2 || x.dim() < 2 ||
      x.requires_grad() || weight.requires_grad() || !cpuFeatures().nativeBf16())
    return false;
  const int64_t rows = x.numel() / std::max<int64_t>(x.size(-1), 1);
  return rows > 2 * kAmxRows && rows % kAmxRows != 0;
}

at::Tensor paddedLinear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  const int64_t K = x.size(-1), rows = x.numel() / K;
  const int64_t padded = (rows + kAmxRows - 1) / kAmxRows * kAmxRows;
  at::Tensor xp = at::zeros({padded, K}, x.options());
  xp.narrow(0, 0, rows).copy_(x.reshape({rows, K}));
  auto sizes = x.sizes().vec();
  sizes.back() = weight.size(0);
  // The first `rows` rows of a contiguous [padded, N] result are contiguous: a free view.
  return at::linear(xp, weight, bias).narrow(0, 0, rows).view(sizes);
}

}  // namespace

at::Tensor fastLinear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  if (x.defined() && weight.defined() && weight.dim() == 2 && x.dim() >= 1 &&
      x.size(-1) != weight.size(1))
    throw std::invalid_argument("fastLinear: input has " + std::to_string(x.size(-1)) +
                                " features, weight [" + std::to_string(weight.size(0)) + ", " +
                                std::to_string(weight.size(1)) + "] expects " +
                                std::to_string(weight.size(1)));
  if (bias.defined() && weight.defined() && (bias.dim() != 1 || bias.size(0) != weight.size(0)))
    throw std::invalid_argument("fastLinear: bias must be [" + std::to_string(weight.size(0)) +
                                "]");
  const bool eligible = x.defined() && weight.defined() && x.is_cpu() && weight.is_cpu() &&
                        weight.dim() == 2 && singleRow(x) && x.size(-1) == weight.size(1) &&
                        x.scalar_type() == weight.scalar_type() &&
                        (!bias.defined() || bias.scalar_type() == x.scalar_type()) &&
                        !x.requires_grad() && !weight.requires_grad();
  if (!eligible)
    return padRowsForAmx(x, weight) ? paddedLinear(x, weight, bias) : at::linear(x, weight, bias);
  auto outSizes = x.sizes().vec();
  outSizes.back() = weight.size(0);
  if (x.scalar_type() == at::kFloat) {
    auto y = at::mv(weight, x.reshape({-1}));
    if (bias.defined()) y.add_(bias);
    return y.view(outSizes);
  }
#ifdef VITCOP_BF16_GEMV
  if (x.scalar_type() == at::kBFloat16 && weight.is_contiguous() && hasBf16GemvKernel()) {
    const auto& w = weight;
    const auto xv = x.reshape({-1}).contiguous();
    const int64_t N = w.size(0), K = w.size(1);
    auto y = at::empty({N}, x.options());
    const auto* wp = w.data_ptr<c10::BFloat16>();
    const auto* xp = xv.data_ptr<c10::BFloat16>();
    auto* yp = y.data_ptr<c10::BFloat16>();
    const at::Tensor bc = bias.defined() ? bias.contiguous() : at::Tensor();
    const c10::BFloat16* bp = bc.defined() ? bc.data_ptr<c10::BFloat16>() : nullptr;
    // One contiguous block of rows per thread (at::parallel_for's OpenMP backend cuts [0, N)
    // into one chunk per thread), so each thread streams one sequential range. Handing out
    // ~1 MiB chunks through an atomic counter measured the same under load 7 and cannot save
    // the wait for a descheduled thread anyway: the OpenMP join waits for every team member.
    // Below ~256 KiB of W a second thread costs more to wake than it saves.
    at::parallel_for(0, N, minRowsPerThread(K),
                     [&](int64_t a, int64_t b) { bf16RowsDot(wp, xp, bp, yp, a, b, K); });
    return y.view(outSizes);
  }
#endif
  return at::linear(x, weight, bias);
}

std::vector<at::Tensor> fastLinearGroup(const at::Tensor& x, const std::vector<at::Tensor>& weights,
                                        const std::vector<at::Tensor>& biases) {
  if (!biases.empty() && biases.size() != weights.size())
    throw std::invalid_argument("fastLinearGroup: " + std::to_string(biases.size()) +
                                " biases for " + std::to_string(weights.size()) + " weights");
  auto biasOf = [&](size_t i) { return biases.empty() ? at::Tensor() : biases[i]; };
  bool together = !weights.empty();
  for (size_t i = 0; i < weights.size() && together; ++i)
    together = bf16KernelEligible(x, weights[i], biasOf(i));
  std::vector<at::Tensor> out;
  if (!together) {
    for (size_t i = 0; i < weights.size(); ++i)
      out.push_back(fastLinear(x, weights[i], biasOf(i)));
    return out;
  }
#ifdef VITCOP_BF16_GEMV
  // The matrices' rows as one range [0, sum N_i): one parallel region (one fork/join, one
  // contiguous share per thread) instead of one per matrix. Each row is the same dot product as
  // in fastLinear, so results are bit-identical.
  const auto xv = x.reshape({-1}).contiguous();
  const int64_t K = xv.size(0);
  std::vector<int64_t> start{0};
  std::vector<at::Tensor> bc;
  for (size_t i = 0; i < weights.size(); ++i) {
    start.push_back(start.back() + weights[i].size(0));
    out.push_back(at::empty({weights[i].size(0)}, x.options()));
    bc.push_back(biasOf(i).defined() ? biasOf(i).contiguous() : at::Tensor());
  }
  const auto* xp = xv.data_ptr<c10::BFloat16>();
  at::parallel_for(0, start.back(), minRowsPerThread(K), [&](int64_t a, int64_t b) {
    for (size_t i = 0; i < weights.size(); ++i) {
      const int64_t lo = std::max(a, start[i]), hi = std::min(b, start[i + 1]);
      if (lo >= hi) continue;
      bf16RowsDot(weights[i].data_ptr<c10::BFloat16>(), xp,
                  bc[i].defined() ? bc[i].data_ptr<c10::BFloat16>() : nullptr,
                  out[i].data_ptr<c10::BFloat16>(), lo - start[i], hi - start[i], K);
    }
  });
  auto sizes = x.sizes().vec();
  for (size_t i = 0; i < weights.size(); ++i) {
    sizes.back() = weights[i].size(0);
    out[i] = out[i].view(sizes);
  }
#endif
  return out;
}

}  // namespace vitcop::gpu
