// The loader's memory check (memory_fit.h): "auto" keeps float32 when it fits, falls back to
// bfloat16 on a native-bf16 CPU when only that fits, and anything that does not fit is a
// one-line error naming the model, the sizes and the dtype that would fit.
#include "core/session/memory_fit.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace vitcop::session {
namespace {

const c10::Device kCpu("cpu");
constexpr int64_t kSevenB = 7'063'000'000;  // llava-1.5-7b: 28.3 GB in f32, 14.1 GB in bf16
constexpr int64_t kGiB = int64_t{1} << 30;

std::string errorOf(const std::string& request, int64_t available, bool nativeBf16) {
  try {
    fitDtype(request, kCpu, kSevenB, available, nativeBf16, "/models/llava-7b");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(MemoryFit, AutoKeepsFloat32WhenItFits) {
  const DtypeChoice c = fitDtype("auto", kCpu, kSevenB, 64 * kGiB, true, "m");
  EXPECT_EQ(c.dtype, c10::ScalarType::Float);
  EXPECT_TRUE(c.note.empty());
}

TEST(MemoryFit, AutoFallsBackToBf16WhereNativeAndSays) {
  const DtypeChoice c = fitDtype("auto", kCpu, kSevenB, 22 * kGiB, true, "m");
  EXPECT_EQ(c.dtype, c10::ScalarType::BFloat16);
  EXPECT_NE(c.note.find("28.3 GB in f32"), std::string::npos) << c.note;
  EXPECT_EQ(fitDtype("", kCpu, kSevenB, 22 * kGiB, true, "m").dtype, c10::ScalarType::BFloat16);
}

TEST(MemoryFit, WhatDoesNotFitIsAnErrorNamingModelSizesAndTheWayOut) {
  // f32 asked for explicitly: no silent change, but the error names the dtype that fits.
  const std::string f32 = errorOf("f32", 22 * kGiB, true);
  EXPECT_EQ(f32.rfind("/models/llava-7b: the weights need 28.3 GB in f32", 0), 0u) << f32;
  EXPECT_NE(f32.find("--dtype bf16 needs 14.1 GB"), std::string::npos) << f32;
  EXPECT_EQ(f32.find('\n'), std::string::npos);
  // Without native bf16 (emulated, 5-100x slower) auto does not fall back, and suggests nothing.
  const std::string noBf16 = errorOf("auto", 22 * kGiB, false);
  EXPECT_NE(noBf16.find("28.3 GB in f32"), std::string::npos) << noBf16;
  EXPECT_EQ(noBf16.find("--dtype bf16"), std::string::npos) << noBf16;
  // Nothing fits.
  const std::string none = errorOf("auto", 8 * kGiB, true);
  EXPECT_NE(none.find("8.6 GB of memory available"), std::string::npos) << none;
  EXPECT_NE(errorOf("bf16", 8 * kGiB, true).find("14.1 GB in bf16"), std::string::npos);
}

TEST(MemoryFit, UnknownMemorySkipsTheCheckAndBadDtypesStillFail) {
  EXPECT_EQ(fitDtype("f32", kCpu, kSevenB, -1, false, "m").dtype, c10::ScalarType::Float);
  EXPECT_THROW(fitDtype("f8", kCpu, 10, 64 * kGiB, true, "m"), std::invalid_argument);
}

}  // namespace
}  // namespace vitcop::session
