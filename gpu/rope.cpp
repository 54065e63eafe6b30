// See linear.cpp: GCC 12's AVX-512 headers trip -Wmaybe-uninitialized once inlined.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "gpu/rope.h"

#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <ATen/ops/empty.h>

#include <algorithm>
#include <cstdint>

#include "gpu/cpu_features.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define VITCOP_FUSED_ROPE 1
#endif

namespace vitcop::gpu {

#ifdef VITCOP_FUSED_ROPE
namespace {

inline __mmask16 maskFor(int64_t left) {
  return left >= 16 ? static_cast<__mmask16>(0xFFFF)
                    : static_cast<__mmask16>((1u << static_cast<unsigned>(left)) - 1u);
}

// Loads and stores of 16 values as float32; the bf16 flavour rounds each product to bf16 (RNE,
// vcvtneps2bf16) as ATen's bf16 mul does before the add.
struct F32 {
  using T = float;
  static __attribute__((target("avx512f"))) __m512 load(const T* p, __mmask16 m) {
    return _mm512_maskz_loadu_ps(m, p);
  }
  static __attribute__((target("avx512f"))) void store(T* p, __mmask16 m, __m512 v) {
    _mm512_mask_storeu_ps(p, m, v);
  }
  // No rounding, but a barrier: GCC contracts a mul feeding an add into one FMA (single
  // rounding), which would differ from ATen's separately rounded product.
  static __attribute__((target("avx512f"))) __m512 round(__m512 v) {
    asm("" : "+v"(v));
    return v;
  }
};

// 256-bit masked bf16 loads/stores need AVX512VL, which every AVX512-BF16 CPU has.
struct Bf16 {
  using T = c10::BFloat16;
  static __attribute__((target("avx512f,avx512bw,avx512vl"))) __m512 load(const T* p, __mmask16 m) {
    const __m256i raw = _mm256_maskz_loadu_epi16(m, p);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(raw), 16));
  }
  static __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16"))) void store(T* p,
                                                                                    __mmask16 m,
                                                                                    __m512 v) {
    _mm256_mask_storeu_epi16(p, m, (__m256i)_mm512_cvtneps_pbh(v));
  }
  static __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16"))) __m512 round(__m512 v) {
    const __m256i b = (__m256i)_mm512_cvtneps_pbh(v);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(b), 16));
  }
};

// One row of hd values: out[i] = x[i]*cos[i] - x[i+h]*sin[i], out[i+h] = x[i+h]*cos[i+h] +
// x[i]*sin[i+h] for i < h = hd/2, each product rounded, then the sum (no fused multiply-add:
// ATen rounds the products separately).
template <class K>
__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16"))) void row(const typename K::T* x,
                                                                         const typename K::T* c,
                                                                         const typename K::T* s,
                                                                         typename K::T* y,
                                                                         int64_t hd) {
  const int64_t h = hd / 2;
  for (int64_t i = 0; i < h; i += 16) {
    const __mmask16 m = maskFor(h - i);
    const __m512 x1 = K::load(x + i, m), x2 = K::load(x + h + i, m);
    const __m512 lo = _mm512_sub_ps(K::round(_mm512_mul_ps(x1, K::load(c + i, m))),
                                    K::round(_mm512_mul_ps(x2, K::load(s + i, m))));
    const __m512 hi = _mm512_add_ps(K::round(_mm512_mul_ps(x2, K::load(c + h + i, m))),
                                    K::round(_mm512_mul_ps(x1, K::load(s + h + i, m))));
    K::store(y + i, m, lo);
    K::store(y + h + i, m, hi);
  }
}

template <class K>
void run(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin, at::Tensor& y) {
  const int64_t B = x.size(0), H = x.size(1), n = x.size(2), hd = x.size(3);
  const auto* xp = x.data_ptr<typename K::T>();
  const auto* cp = cos.data_ptr<typename K::T>();
  const auto* sp = sin.data_ptr<typename K::T>();
  auto* yp = y.data_ptr<typename K::T>();
  const int64_t sb = x.stride(0), sh = x.stride(1), sn = x.stride(2);
  const int64_t rows = B * H * n;
  const int64_t grain = std::max<int64_t>(1, (int64_t{32} << 10) / (hd * 4));
  at::parallel_for(0, rows, grain, [&](int64_t a, int64_t b) {
    for (int64_t r = a; r < b; ++r) {
      const int64_t t = r % n, bh = r / n, hh = bh % H, bb = bh / H;
      row<K>(xp + bb * sb + hh * sh + t * sn, cp + t * hd, sp + t * hd, yp + r * hd, hd);
    }
  });
}

}  // namespace
#endif

at::Tensor fusedRope(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
#ifdef VITCOP_FUSED_ROPE
  const auto& f = cpuFeatures();
  if (!x.defined() || !cos.defined() || !sin.defined() || x.dim() != 4 || !x.is_cpu() ||
      !cos.is_cpu() || !sin.is_cpu() || x.stride(3) != 1 || x.size(3) % 2 != 0 || cos.dim() != 2 ||
      sin.dim() != 2 || !cos.is_contiguous() || !sin.is_contiguous() || cos.size(0) != x.size(2) ||
      cos.size(1) != x.size(3) || sin.sizes() != cos.sizes() ||
      cos.scalar_type() != x.scalar_type() || sin.scalar_type() != x.scalar_type() ||
      (at::GradMode::is_enabled() &&
       (x.requires_grad() || cos.requires_grad() || sin.requires_grad())) ||
      !f.osSavesAvx512 || !f.avx512f || !f.avx512bf16)
    return {};
  at::Tensor y = at::empty(x.sizes(), x.options().memory_format(at::MemoryFormat::Contiguous));
  if (x.scalar_type() == at::kFloat)
    run<F32>(x, cos, sin, y);
  else if (x.scalar_type() == at::kBFloat16)
    run<Bf16>(x, cos, sin, y);
  else
    return {};
  return y;
#else
  (void)x;
  (void)cos;
  (void)sin;
  return {};
#endif
}

}  // namespace vitcop::gpu
