#include "gpu/cpu_features.h"

#include <unistd.h>

#include <algorithm>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace vitcop::gpu {
namespace {

CpuFeatures detect() {
  CpuFeatures f;
#ifdef _SC_LEVEL3_CACHE_SIZE
  f.l3Bytes = std::max(0L, sysconf(_SC_LEVEL3_CACHE_SIZE));
#endif
#if defined(__x86_64__) || defined(__i386__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(1, &a, &b, &c, &d) == 0) return f;
  const bool osxsave = (c >> 27) & 1u;
  if (osxsave) {
    unsigned lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    // XMM, YMM, opmask, ZMM_Hi256 and Hi16_ZMM state all enabled by the OS.
    f.osSavesAvx512 = (lo & 0xE6u) == 0xE6u;
  }
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d) != 0) {
    f.avx2 = (b >> 5) & 1u;
    f.avx512f = (b >> 16) & 1u;
    f.amxBf16 = (d >> 22) & 1u;
    const unsigned maxSub = a;
    if (maxSub >= 1 && __get_cpuid_count(7, 1, &a, &b, &c, &d) != 0) f.avx512bf16 = (a >> 5) & 1u;
  }
#endif
  return f;
}

}  // namespace

const CpuFeatures& cpuFeatures() {
  static const CpuFeatures features = detect();
  return features;
}

}  // namespace vitcop::gpu
