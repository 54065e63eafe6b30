#include "gpu/runtime.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <dlfcn.h>
#include <sched.h>
#include <torch/version.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "gpu/cpu_features.h"
#include "gpu/device.h"
#include "gpu/host_allocator.h"

#ifndef VITCOP_VERSION
#define VITCOP_VERSION "unknown"
#endif

namespace vitcop::gpu {
namespace {

int positiveEnv(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return 0;
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  return (*end == '\0' && n > 0 && n < 4096) ? static_cast<int>(n) : 0;
}

// The BLAS that LibTorch's GEMMs actually resolve to in this process. Debian links libtorch
// against libblas.so.3, which update-alternatives may point at OpenBLAS (pthread or OpenMP
// flavour) or at the slow reference BLAS, so ask the loaded library rather than the build.
std::string loadedBlas(bool* isOpenblas) {
  using ConfigFn = char* (*)();
  using ParallelFn = int (*)();
  auto config = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
  auto parallel = reinterpret_cast<ParallelFn>(dlsym(RTLD_DEFAULT, "openblas_get_parallel"));
  auto corename = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  *isOpenblas = config != nullptr;
  if (config) {
    std::string s = config();
    if (parallel) {
      const int p = parallel();
      s += p == 2 ? " [OpenMP threads]" : p == 1 ? " [pthreads]" : " [sequential]";
    }
    if (corename) s += std::string(" core=") + corename();
    return s;
  }
  // Not OpenBLAS: report the file libblas resolved to.
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    const auto pos = line.find('/');
    if (pos != std::string::npos && line.find("libblas") != std::string::npos)
      return "reference or unknown BLAS: " + line.substr(pos);
  }
  return "none found";
}

}  // namespace

int usableCores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  return 1;
}

int initRuntime() {
  int threads = positiveEnv("VITCOP_THREADS");
  if (threads == 0) threads = positiveEnv("OMP_NUM_THREADS");
  if (threads == 0) threads = usableCores();
  at::set_num_threads(threads);
  // Weights allocated from here on get transparent huge pages (why: gpu/host_allocator.h).
  const char* huge = std::getenv("VITCOP_HUGEPAGES");
  if (!huge || std::string(huge) != "0") enableHugePageAllocator();
  return at::get_num_threads();
}

RuntimeInfo runtimeInfo() {
  RuntimeInfo info;
  info.version = VITCOP_VERSION;
  info.torchVersion = TORCH_VERSION;
  info.intraOpThreads = at::get_num_threads();
  info.interOpThreads = at::get_num_interop_threads();
  info.cores = usableCores();
  info.blas = loadedBlas(&info.openblasLoaded);
  info.onednn = at::hasMKLDNN() && at::globalContext().userEnabledMkldnn();
  const std::string cfg = at::show_config();
  // LibTorch 1.13 calls it "Intel(R) MKL-DNN v2.6.3", 2.x "oneDNN v3...".
  if (const auto p = cfg.find("DNN v"); p != std::string::npos)
    info.onednnVersion = cfg.substr(p + 4, cfg.find_first_of(" \n(", p + 5) - (p + 4));
  if (const auto c = cfg.find("CPU capability usage: "); c != std::string::npos) {
    const auto start = c + 22;
    info.cpuCapability = cfg.substr(start, cfg.find('\n', start) - start);
  }
  const std::string par = at::get_parallel_info();
  const auto b = par.find("ATen parallel backend: ");
  if (b != std::string::npos) {
    const auto start = b + 23;
    info.parallelBackend = par.substr(start, par.find('\n', start) - start);
  }
  const CpuFeatures& f = cpuFeatures();
  info.nativeBf16 = f.nativeBf16();
  if (f.amxBf16 && f.osSavesAvx512) info.cpuBf16 = "AMX-BF16";
  else if (f.avx512bf16 && f.osSavesAvx512) info.cpuBf16 = "AVX512_BF16";
  else info.cpuBf16 = "none (bf16 would be emulated)";
  const c10::Device dev = chooseDevice("auto");
  info.device = dev.str();
  info.defaultDtype = dtypeName(chooseDtype("auto", dev));
  return info;
}

}  // namespace vitcop::gpu
