#pragma once
// Process-wide start-up of the compute runtime and a description of it for `vitcop info`.
#include <string>

namespace vitcop::gpu {

// CPUs this process may run on (affinity mask), at least 1.
int usableCores();

// Every executable calls this first: LibTorch starts with one intra-op thread here, so set it
// to the core count (respecting an explicit OMP_NUM_THREADS / VITCOP_THREADS), and install the
// transparent-huge-page CPU allocator (gpu/host_allocator.h; VITCOP_HUGEPAGES=0 keeps LibTorch's
// default allocator). Returns the thread count in force.
int initRuntime();

struct RuntimeInfo {
  std::string version;        // ViTCoP Inspector
  std::string torchVersion;   // e.g. 1.13.0
  int intraOpThreads = 0;
  int interOpThreads = 0;
  int cores = 0;
  std::string blas;           // e.g. "OpenBLAS 0.3.21 (OpenMP) Zen" as actually loaded
  bool openblasLoaded = false;
  bool onednn = false;        // oneDNN (mkldnn) compiled in and enabled
  std::string onednnVersion;
  std::string parallelBackend;
  std::string cpuCapability;  // ATen's vectorised kernels in use (AVX2, AVX512; ATEN_CPU_CAPABILITY)
  bool nativeBf16 = false;
  std::string cpuBf16;        // which instructions provide it
  std::string device;         // device "auto" resolves to
  std::string defaultDtype;
};

RuntimeInfo runtimeInfo();

}  // namespace vitcop::gpu
