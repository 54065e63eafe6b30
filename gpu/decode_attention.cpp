#include "gpu/decode_attention.h"

#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "gpu/linear.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include "gpu/simd_avx512.h"
#define VITCOP_DECODE_KERNEL 1
#endif

namespace vitcop::gpu::detail {
namespace {

#ifdef VITCOP_DECODE_KERNEL
using simd::hsum;

// dot(a, b) over n bf16 values with fp32 accumulation.
__attribute__((target("avx512f,avx512bw,avx512bf16"))) float dotBf16(const c10::BFloat16* a,
                                                                     const c10::BFloat16* b,
                                                                     int64_t n) {
  __m512 acc = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    acc = _mm512_dpbf16_ps(acc, (__m512bh)_mm512_loadu_si512(a + i),
                           (__m512bh)_mm512_loadu_si512(b + i));
  float s = hsum(acc);
  for (; i < n; ++i)
    s += static_cast<float>(a[i]) * static_cast<float>(b[i]);
  return s;
}

// acc[0..n) += p * v[0..n) with v in bf16 (bf16 -> fp32 is a 16-bit left shift; the
// maskz forms avoid GCC 12's -Wmaybe-uninitialized on the plain ones).
__attribute__((target("avx512f,avx512bw"))) void axpyBf16(float* acc, float p,
                                                          const c10::BFloat16* v, int64_t n) {
  const __m512 pv = _mm512_set1_ps(p);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v + i));
    const __m512 x = _mm512_castsi512_ps(
        _mm512_maskz_slli_epi32(0xFFFF, _mm512_maskz_cvtepu16_epi32(0xFFFF, raw), 16));
    _mm512_storeu_ps(acc + i, _mm512_fmadd_ps(pv, x, _mm512_loadu_ps(acc + i)));
  }
  for (; i < n; ++i)
    acc[i] += p * static_cast<float>(v[i]);
}
#endif

}  // namespace

bool decodeAttentionBf16Applies(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
#ifdef VITCOP_DECODE_KERNEL
  return hasBf16GemvKernel() && q.scalar_type() == at::kBFloat16 && q.is_cpu() && k.is_cpu() &&
         v.is_cpu() && q.size(2) == 1 && q.stride(3) == 1 && k.stride(3) == 1 && v.stride(3) == 1;
#else
  (void)q, (void)k, (void)v;
  return false;
#endif
}

at::Tensor decodeAttentionBf16(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                               double scale) {
  const int64_t B = q.size(0), Hq = q.size(1), D = q.size(3);
  const int64_t Hkv = k.size(1), Tk = k.size(2), Dv = v.size(3), G = Hq / Hkv;
  auto out = at::empty({B, Hq, 1, Dv}, q.options());
#ifdef VITCOP_DECODE_KERNEL
  const auto* qp = q.data_ptr<c10::BFloat16>();
  const auto* kp = k.data_ptr<c10::BFloat16>();
  const auto* vp = v.data_ptr<c10::BFloat16>();
  auto* op = out.data_ptr<c10::BFloat16>();
  const float sc = static_cast<float>(scale);
  at::parallel_for(0, B * Hq, 1, [&](int64_t h0, int64_t h1) {
    std::vector<float> s(static_cast<size_t>(Tk));
    std::vector<float> acc(static_cast<size_t>(Dv));
    for (int64_t bh = h0; bh < h1; ++bh) {
      const int64_t b = bh / Hq, h = bh % Hq, kh = h / G;
      const c10::BFloat16* qrow = qp + b * q.stride(0) + h * q.stride(1);
      const c10::BFloat16* kbase = kp + b * k.stride(0) + kh * k.stride(1);
      const c10::BFloat16* vbase = vp + b * v.stride(0) + kh * v.stride(1);
      float mx = -std::numeric_limits<float>::infinity();
      for (int64_t j = 0; j < Tk; ++j) {
        // Same roundings as bmm (bf16 out) followed by mul_(scale) in bf16.
        const float dot =
            static_cast<float>(c10::BFloat16(dotBf16(qrow, kbase + j * k.stride(2), D)));
        s[j] = static_cast<float>(c10::BFloat16(dot * sc));
        mx = std::max(mx, s[j]);
      }
      float sum = 0;
      for (int64_t j = 0; j < Tk; ++j)
        sum += (s[j] = std::exp(s[j] - mx));
      std::fill(acc.begin(), acc.end(), 0.0f);
      for (int64_t j = 0; j < Tk; ++j) {
        const float p = static_cast<float>(c10::BFloat16(s[j] / sum));
        if (p != 0.0f) axpyBf16(acc.data(), p, vbase + j * v.stride(2), Dv);
      }
      c10::BFloat16* orow = op + bh * Dv;
      for (int64_t c = 0; c < Dv; ++c)
        orow[c] = c10::BFloat16(acc[c]);
    }
  });
#else
  (void)scale, (void)B, (void)Hq, (void)D, (void)Hkv, (void)Tk, (void)Dv, (void)G;
#endif
  return out;
}

}  // namespace vitcop::gpu::detail
