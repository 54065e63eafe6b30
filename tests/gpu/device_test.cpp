#include <gtest/gtest.h>

#include <stdexcept>

#include "gpu/cpu_features.h"
#include "gpu/device.h"

namespace vitcop::gpu {
namespace {

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(Device, AutoIsCpuWithoutCuda) {
  if (cudaAvailable()) GTEST_SKIP() << "CUDA present";
  EXPECT_TRUE(chooseDevice("auto").is_cpu());
  EXPECT_TRUE(chooseDevice("cpu").is_cpu());
  EXPECT_TRUE(chooseDevice("").is_cpu());
}

TEST(Device, UnknownOrUnavailableDeviceNamesTheValue) {
  EXPECT_NE(errorOf([] { chooseDevice("tpu"); }).find("'tpu'"), std::string::npos);
  if (!cudaAvailable()) {
    EXPECT_NE(errorOf([] { chooseDevice("cuda:0"); }).find("no usable CUDA"), std::string::npos);
  }
}

TEST(Device, DtypeChoice) {
  const c10::Device cpu("cpu");
  EXPECT_EQ(chooseDtype("auto", cpu), c10::ScalarType::Float);
  EXPECT_EQ(chooseDtype("bf16", cpu), c10::ScalarType::BFloat16);
  EXPECT_EQ(chooseDtype("f16", cpu), c10::ScalarType::Half);
  EXPECT_EQ(chooseDtype("fast", cpu), cpuFeatures().nativeBf16() ? c10::ScalarType::BFloat16 : c10::ScalarType::Float);
  EXPECT_NE(errorOf([&] { chooseDtype("int8", cpu); }).find("'int8'"), std::string::npos);
  EXPECT_EQ(dtypeName(c10::ScalarType::BFloat16), "bf16");
}

TEST(CpuFeatures, NativeBf16ImpliesAvx512) {
  const auto& f = cpuFeatures();
  if (f.nativeBf16()) {
    EXPECT_TRUE(f.avx512f || f.amxBf16);
  }
  EXPECT_EQ(&f, &cpuFeatures());
}

}  // namespace
}  // namespace vitcop::gpu
