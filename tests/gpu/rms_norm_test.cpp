// gpu::fusedRmsNorm against the ATen sequence it replaces (core/model/layers.cpp's fallback):
// float32 to float32 rounding of the mean, bfloat16 with at most one unit in the last place on
// a few elements; every shape the engine uses (one decode row, prefill rows, a feature tail);
// and the cases it must decline (autograd, other dtypes, a strided input).
#include "gpu/rms_norm.h"

#include <ATen/TensorOperators.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/rsqrt.h>
#include <gtest/gtest.h>

#include "gpu/cpu_features.h"

namespace vitcop::gpu {
namespace {

at::Tensor atenRmsNorm(const at::Tensor& x, const at::Tensor& w, double eps) {
  const at::Tensor x32 = x.to(at::kFloat);
  const at::Tensor variance = x32.pow(2).mean(-1, true);
  return w * (x32 * at::rsqrt(variance + eps)).to(x.scalar_type());
}

bool kernelAvailable(at::ScalarType t) {
  const auto& f = cpuFeatures();
  return f.osSavesAvx512 && f.avx512f && (t == at::kFloat || f.avx512bf16);
}

TEST(FusedRmsNorm, MatchesTheAtenSequence) {
  at::manual_seed(5);
  for (const auto dtype : {at::kFloat, at::kBFloat16}) {
    if (!kernelAvailable(dtype)) continue;
    for (const auto& shape : {std::vector<int64_t>{1, 1, 4096}, std::vector<int64_t>{1, 637, 256},
                              std::vector<int64_t>{5, 37}, std::vector<int64_t>{3, 16}}) {
      const at::Tensor x = (at::randn(shape) * 3).to(dtype);
      const at::Tensor w = (at::randn({shape.back()}) * 0.5 + 1).to(dtype);
      const at::Tensor y = fusedRmsNorm(x, w, 1e-5);
      ASSERT_TRUE(y.defined());
      ASSERT_EQ(y.sizes(), x.sizes());
      ASSERT_EQ(y.scalar_type(), dtype);
      const at::Tensor ref = atenRmsNorm(x, w, 1e-5);
      const at::Tensor diff = (y.to(at::kDouble) - ref.to(at::kDouble)).abs();
      const double scale = ref.to(at::kDouble).abs().max().item<double>();
      if (dtype == at::kFloat) {
        EXPECT_LT(diff.max().item<double>() / scale, 1e-6);
      } else {
        // One bf16 ulp is 2^-8 relative; the sum order can move a rounding boundary rarely.
        const at::Tensor rel = diff / ref.to(at::kDouble).abs().clamp_min(1e-30);
        EXPECT_LE(rel.max().item<double>(), 1.0 / 128);
        EXPECT_LT(diff.gt(0).to(at::kDouble).mean().item<double>(), 0.01);
      }
    }
  }
}

TEST(FusedRmsNorm, DeclinesWhatItDoesNotHandle) {
  const at::Tensor w = at::ones({8});
  EXPECT_FALSE(fusedRmsNorm(at::randn({4, 8}).to(at::kDouble), w.to(at::kDouble), 1e-6).defined());
  EXPECT_FALSE(fusedRmsNorm(at::randn({8, 4}).t(), w, 1e-6).defined());  // strided
  EXPECT_FALSE(fusedRmsNorm(at::randn({4, 8}), at::ones({7}), 1e-6).defined());
  const at::Tensor g = at::randn({4, 8}).requires_grad_(true);
  EXPECT_FALSE(fusedRmsNorm(g, w, 1e-6).defined());  // autograd keeps the ATen graph
}

}  // namespace
}  // namespace vitcop::gpu
