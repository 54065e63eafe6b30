// See linear.cpp: GCC 12's AVX-512 headers trip -Wmaybe-uninitialized once inlined.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "gpu/rms_norm.h"

#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <ATen/ops/empty_like.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "gpu/cpu_features.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include "gpu/simd_avx512.h"
#define VITCOP_FUSED_RMSNORM 1
#endif

namespace vitcop::gpu {

#ifdef VITCOP_FUSED_RMSNORM
namespace {

// 16 bf16 -> 16 float32 (exact: bf16 is the high half of a float32).
// 256-bit masked bf16 loads/stores need AVX512VL, which every AVX512-BF16 CPU has.
__attribute__((target("avx512f,avx512bw,avx512vl"))) inline __m512 loadBf16(const c10::BFloat16* p,
                                                                            __mmask16 m) {
  const __m256i raw = _mm256_maskz_loadu_epi16(m, p);
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(raw), 16));
}

__attribute__((target("avx512f"))) inline __m512 loadF32(const float* p, __mmask16 m) {
  return _mm512_maskz_loadu_ps(m, p);
}

inline __mmask16 maskFor(int64_t left) {
  return left >= 16 ? static_cast<__mmask16>(0xFFFF)
                    : static_cast<__mmask16>((1u << static_cast<unsigned>(left)) - 1u);
}

// float32 -> bf16, round to nearest even (vcvtneps2bf16, what c10::BFloat16(float) does for
// every non-NaN value), widened back to float32.
__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16"))) inline __m512 roundBf16(__m512 v) {
  const __m256i b = (__m256i)_mm512_cvtneps_pbh(v);
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(b), 16));
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16"))) void rowsBf16(
    const c10::BFloat16* x, const c10::BFloat16* w, c10::BFloat16* y, int64_t r0, int64_t r1,
    int64_t d, float eps) {
  for (int64_t r = r0; r < r1; ++r) {
    const c10::BFloat16* xr = x + r * d;
    c10::BFloat16* yr = y + r * d;
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= d; i += 32) {
      const __m512 v0 = loadBf16(xr + i, 0xFFFF), v1 = loadBf16(xr + i + 16, 0xFFFF);
      a0 = _mm512_fmadd_ps(v0, v0, a0);
      a1 = _mm512_fmadd_ps(v1, v1, a1);
    }
    for (; i < d; i += 16) {
      const __m512 v = loadBf16(xr + i, maskFor(d - i));
      a0 = _mm512_fmadd_ps(v, v, a0);
    }
    const float mean = simd::hsum(_mm512_add_ps(a0, a1)) / static_cast<float>(d);
    const __m512 scale = _mm512_set1_ps(1.0f / std::sqrt(mean + eps));
    for (i = 0; i < d; i += 16) {
      const __mmask16 m = maskFor(d - i);
      const __m512 normed = roundBf16(_mm512_mul_ps(loadBf16(xr + i, m), scale));
      const __m512 out = _mm512_mul_ps(loadBf16(w + i, m), normed);
      _mm256_mask_storeu_epi16(yr + i, m, (__m256i)_mm512_cvtneps_pbh(out));
    }
  }
}

__attribute__((target("avx512f"))) void rowsF32(const float* x, const float* w, float* y,
                                                int64_t r0, int64_t r1, int64_t d, float eps) {
  for (int64_t r = r0; r < r1; ++r) {
    const float* xr = x + r * d;
    float* yr = y + r * d;
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= d; i += 32) {
      const __m512 v0 = _mm512_loadu_ps(xr + i), v1 = _mm512_loadu_ps(xr + i + 16);
      a0 = _mm512_fmadd_ps(v0, v0, a0);
      a1 = _mm512_fmadd_ps(v1, v1, a1);
    }
    for (; i < d; i += 16) {
      const __m512 v = loadF32(xr + i, maskFor(d - i));
      a0 = _mm512_fmadd_ps(v, v, a0);
    }
    const float mean = simd::hsum(_mm512_add_ps(a0, a1)) / static_cast<float>(d);
    const __m512 scale = _mm512_set1_ps(1.0f / std::sqrt(mean + eps));
    for (i = 0; i < d; i += 16) {
      const __mmask16 m = maskFor(d - i);
      const __m512 out = _mm512_mul_ps(loadF32(w + i, m), _mm512_mul_ps(loadF32(xr + i, m), scale));
      _mm512_mask_storeu_ps(yr + i, m, out);
    }
  }
}

}  // namespace
#endif

at::Tensor fusedRmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps) {
#ifdef VITCOP_FUSED_RMSNORM
  const auto& f = cpuFeatures();
  if (!x.defined() || !weight.defined() || !x.is_cpu() || !weight.is_cpu() || x.dim() < 1 ||
      !x.is_contiguous() || !weight.is_contiguous() || weight.dim() != 1 ||
      weight.size(0) != x.size(-1) || weight.scalar_type() != x.scalar_type() ||
      (at::GradMode::is_enabled() && (x.requires_grad() || weight.requires_grad())) ||
      !f.osSavesAvx512 || !f.avx512f)
    return {};
  const bool bf16 = x.scalar_type() == at::kBFloat16;
  if (!bf16 && x.scalar_type() != at::kFloat) return {};
  if (bf16 && !f.avx512bf16) return {};
  const int64_t d = x.size(-1), rows = d ? x.numel() / d : 0;
  at::Tensor y = at::empty_like(x);
  const auto e = static_cast<float>(eps);
  // ~32 KiB of activations per task: decode's single row stays on the calling thread.
  const int64_t grain = std::max<int64_t>(1, (int64_t{32} << 10) / std::max<int64_t>(d * 4, 1));
  if (bf16) {
    const auto* xp = x.data_ptr<c10::BFloat16>();
    const auto* wp = weight.data_ptr<c10::BFloat16>();
    auto* yp = y.data_ptr<c10::BFloat16>();
    at::parallel_for(0, rows, grain,
                     [&](int64_t a, int64_t b) { rowsBf16(xp, wp, yp, a, b, d, e); });
  } else {
    const auto* xp = x.data_ptr<float>();
    const auto* wp = weight.data_ptr<float>();
    auto* yp = y.data_ptr<float>();
    at::parallel_for(0, rows, grain,
                     [&](int64_t a, int64_t b) { rowsF32(xp, wp, yp, a, b, d, e); });
  }
  return y;
#else
  (void)x;
  (void)weight;
  (void)eps;
  return {};
#endif
}

}  // namespace vitcop::gpu
