#include "gpu/perf_probes.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <stdexcept>

namespace vitcop::gpu {
namespace {

// Small sizes keep this fast; the numbers are only checked for plausibility: positive, finite
// and below what any 2020s machine could do (a bogus timer or a zero-work loop fails these).
TEST(PerfProbes, GemmPeakIsPlausibleForF32AndBf16) {
  for (const auto dtype : {at::kFloat, at::kBFloat16}) {
    SCOPED_TRACE(c10::toString(dtype));
    const ProbeResult r = gemmPeakProbe(dtype, 0, {256, 3});
    ASSERT_EQ(r.runs.size(), 3u);
    EXPECT_GT(r.median, 0.05);
    EXPECT_LT(r.median, 1e5);  // 100 TFLOP/s: not a CPU
    for (const double g : r.runs)
      EXPECT_GT(g, 0.0);
  }
}

TEST(PerfProbes, GemmProbeRestoresThreadCount) {
  const int before = at::get_num_threads();
  gemmPeakProbe(at::kFloat, 1, {64, 1});
  EXPECT_EQ(at::get_num_threads(), before);
}

TEST(PerfProbes, BandwidthIsPlausibleForSumAndGemv) {
  for (const auto kind : {BandwidthKind::Sum, BandwidthKind::Gemv}) {
    const ProbeResult r = memoryBandwidthProbe({int64_t{64} << 20, 3, kind});
    ASSERT_EQ(r.runs.size(), 3u);
    EXPECT_GT(r.median, 0.1);     // 100 MB/s
    EXPECT_LT(r.median, 5000.0);  // 5 TB/s
  }
}

TEST(PerfProbes, BadParametersThrowNamingThem) {
  EXPECT_THROW(gemmPeakProbe(at::kInt), std::invalid_argument);
  EXPECT_THROW(gemmPeakProbe(at::kFloat, 0, {0, 3}), std::invalid_argument);
  EXPECT_THROW(gemmPeakProbe(at::kFloat, 0, {64, 0}), std::invalid_argument);
  EXPECT_THROW(memoryBandwidthProbe({16, 3, BandwidthKind::Sum}), std::invalid_argument);
  try {
    memoryBandwidthProbe({int64_t{1} << 20, 0, BandwidthKind::Sum});
    ADD_FAILURE() << "runs = 0 accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("runs"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace vitcop::gpu
