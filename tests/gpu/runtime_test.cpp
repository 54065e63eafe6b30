#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include "gpu/runtime.h"

namespace vitcop::gpu {
namespace {

TEST(Runtime, IntraOpThreadsEqualUsableCores) {
  // test_main ran initRuntime(); unless the environment pins a count, threads == cores.
  if (std::getenv("VITCOP_THREADS") || std::getenv("OMP_NUM_THREADS")) GTEST_SKIP() << "thread count pinned by env";
  EXPECT_EQ(at::get_num_threads(), usableCores());
  EXPECT_GE(usableCores(), 1);
}

TEST(Runtime, ReportsLibTorch113AndOpenBlas) {
  const RuntimeInfo info = runtimeInfo();
  EXPECT_EQ(info.torchVersion.rfind("1.13", 0), 0u) << info.torchVersion;
  // install-deps.sh installs the OpenMP OpenBLAS; without it GEMMs are 30-60x slower.
  EXPECT_TRUE(info.openblasLoaded) << info.blas;
  EXPECT_NE(info.blas.find("OpenBLAS"), std::string::npos) << info.blas;
  EXPECT_EQ(info.intraOpThreads, at::get_num_threads());
  EXPECT_EQ(info.device, "cpu");
  EXPECT_FALSE(info.parallelBackend.empty());
}

}  // namespace
}  // namespace vitcop::gpu
