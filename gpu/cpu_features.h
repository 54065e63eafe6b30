#pragma once
// (and how big its last-level cache is: attention sizes its score blocks by it).
// What the CPU can do natively. Needed to choose a compute dtype: bf16 is only fast where the
// CPU has bf16 dot-product instructions (elsewhere LibTorch emulates it 5-100x slower).

namespace vitcop::gpu {

struct CpuFeatures {
  bool avx2 = false;
  bool avx512f = false;
  bool avx512bf16 = false;  // AVX512_BF16 (vdpbf16ps): oneDNN's fast bf16 GEMM path
  bool amxBf16 = false;     // AMX-BF16 tiles (Sapphire Rapids and later)
  bool osSavesAvx512 = false;
  long l3Bytes = 0;  // last-level cache as the OS reports it (0: unknown)

  // bf16 GEMMs run natively (not emulated) on this CPU.
  bool nativeBf16() const { return osSavesAvx512 && (avx512bf16 || amxBf16); }
};

// Reads CPUID once; cheap to call repeatedly.
const CpuFeatures& cpuFeatures();

}  // namespace vitcop::gpu
