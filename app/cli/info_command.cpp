// `vitcop info`: what this build runs on, so a user can tell at a glance whether LibTorch got
// its threads, a fast BLAS and native bf16.
#include <nlohmann/json.hpp>

#include <iostream>

#include "app/cli/args.h"
#include "app/cli/command_registry.h"
#include "gpu/runtime.h"

namespace {

int runInfo(const std::vector<std::string>& argv) {
  const vitcop::cli::Args args(argv, {}, {"json"});
  const auto info = vitcop::gpu::runtimeInfo();
  if (args.flag("json")) {
    nlohmann::json j = {{"version", info.version},
                        {"libtorch", info.torchVersion},
                        {"intra_op_threads", info.intraOpThreads},
                        {"inter_op_threads", info.interOpThreads},
                        {"cores", info.cores},
                        {"blas", info.blas},
                        {"openblas", info.openblasLoaded},
                        {"onednn", info.onednn},
                        {"onednn_version", info.onednnVersion},
                        {"parallel_backend", info.parallelBackend},
                        {"cpu_capability", info.cpuCapability},
                        {"native_bf16", info.nativeBf16},
                        {"cpu_bf16", info.cpuBf16},
                        {"device", info.device},
                        {"default_dtype", info.defaultDtype}};
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << "ViTCoP Inspector  " << info.version << "\n"
            << "LibTorch          " << info.torchVersion << "\n"
            << "intra-op threads  " << info.intraOpThreads << " (usable cores: " << info.cores << ")\n"
            << "inter-op threads  " << info.interOpThreads << "\n"
            << "parallel backend  " << info.parallelBackend << " (ATen kernels: " << info.cpuCapability << ")\n"
            << "BLAS              " << info.blas << "\n"
            << "oneDNN            " << (info.onednn ? "on " + info.onednnVersion : std::string("off")) << "\n"
            << "CPU bf16          " << (info.nativeBf16 ? "native (" + info.cpuBf16 + ")" : info.cpuBf16) << "\n"
            << "device            " << info.device << " (default dtype " << info.defaultDtype << ")\n";
  return 0;
}

VITCOP_REGISTER_COMMAND("info", "print version, LibTorch, threads, BLAS/oneDNN, bf16 support and device",
                        "vitcop info [--json]\n  Prints the runtime this build uses.", runInfo);

}  // namespace
