#include "gpu/linear.h"

#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/mv.h>

#include <stdexcept>
#include <string>

#include "gpu/cpu_features.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include "gpu/simd_avx512.h"
#define VITCOP_BF16_GEMV 1
#endif

namespace vitcop::gpu {
namespace {

#ifdef VITCOP_BF16_GEMV
// y[r] = dot(W[r, :], x) for rows r0..r1, fp32 accumulation. Four rows at a time share each
// load of x; vdpbf16ps multiplies 32 bf16 pairs and accumulates in fp32. Compiled for
// AVX512-BF16 only in this function; called only after the CPUID check.
using simd::hsum;

__attribute__((target("avx512f,avx512bw,avx512bf16"))) void bf16RowsDot(
    const c10::BFloat16* w, const c10::BFloat16* x, const c10::BFloat16* bias, c10::BFloat16* y,
    int64_t r0, int64_t r1, int64_t K) {
  const int64_t kVec = K - K % 32;
  auto tail = [&](const c10::BFloat16* row, int64_t k0) {
    float s = 0;
    for (int64_t k = k0; k < K; ++k)
      s += static_cast<float>(row[k]) * static_cast<float>(x[k]);
    return s;
  };
  // The bias joins the fp32 sum so the result is rounded to bf16 once.
  auto b = [&](int64_t row) { return bias ? static_cast<float>(bias[row]) : 0.0f; };
  int64_t r = r0;
  for (; r + 4 <= r1; r += 4) {
    const c10::BFloat16* w0 = w + r * K;
    const c10::BFloat16* w1 = w0 + K;
    const c10::BFloat16* w2 = w1 + K;
    const c10::BFloat16* w3 = w2 + K;
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    __m512 a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
    for (int64_t k = 0; k < kVec; k += 32) {
      const __m512bh xv = (__m512bh)_mm512_loadu_si512(x + k);
      a0 = _mm512_dpbf16_ps(a0, (__m512bh)_mm512_loadu_si512(w0 + k), xv);
      a1 = _mm512_dpbf16_ps(a1, (__m512bh)_mm512_loadu_si512(w1 + k), xv);
      a2 = _mm512_dpbf16_ps(a2, (__m512bh)_mm512_loadu_si512(w2 + k), xv);
      a3 = _mm512_dpbf16_ps(a3, (__m512bh)_mm512_loadu_si512(w3 + k), xv);
    }
    y[r] = c10::BFloat16(hsum(a0) + tail(w0, kVec) + b(r));
    y[r + 1] = c10::BFloat16(hsum(a1) + tail(w1, kVec) + b(r + 1));
    y[r + 2] = c10::BFloat16(hsum(a2) + tail(w2, kVec) + b(r + 2));
    y[r + 3] = c10::BFloat16(hsum(a3) + tail(w3, kVec) + b(r + 3));
  }
  for (; r < r1; ++r) {
    const c10::BFloat16* wr = w + r * K;
    __m512 a = _mm512_setzero_ps();
    for (int64_t k = 0; k < kVec; k += 32)
      a = _mm512_dpbf16_ps(a, (__m512bh)_mm512_loadu_si512(wr + k),
                           (__m512bh)_mm512_loadu_si512(x + k));
    y[r] = c10::BFloat16(hsum(a) + tail(wr, kVec) + b(r));
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
  if (!eligible) return at::linear(x, weight, bias);
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
    // 64-row chunks: 512 KiB of a 4096-wide W per chunk, enough work to amortise a task.
    at::parallel_for(0, N, 64, [&](int64_t a, int64_t b) { bf16RowsDot(wp, xp, bp, yp, a, b, K); });
    return y.view(outSizes);
  }
#endif
  return at::linear(x, weight, bias);
}

}  // namespace vitcop::gpu
