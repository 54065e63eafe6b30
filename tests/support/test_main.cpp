// gtest main shared by every test executable: starts the compute runtime exactly as the
// applications do (intra-op threads = cores), so tests exercise the same configuration.
#include <gtest/gtest.h>

#include "gpu/runtime.h"

int main(int argc, char** argv) {
  vitcop::gpu::initRuntime();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
