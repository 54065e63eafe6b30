#pragma once
// AVX-512 helpers shared by the bf16 kernels (linear.cpp, decode_attention.cpp). Include only
// where __x86_64__ && __GNUC__; each function is compiled for its target and must be called only
// after the CPUID check (cpu_features.h).
#include <immintrin.h>

namespace vitcop::gpu::simd {

// Horizontal sum of 16 floats; not _mm512_reduce_add_ps, which trips GCC 12's
// -Wmaybe-uninitialized.
__attribute__((target("avx512f"))) inline float hsum(__m512 v) {
  alignas(64) float t[16];
  _mm512_store_ps(t, v);
  float s = 0;
  for (const float x : t)
    s += x;
  return s;
}

}  // namespace vitcop::gpu::simd
