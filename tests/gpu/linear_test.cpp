#include "gpu/linear.h"

#include <ATen/Context.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/randn.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace vitcop::gpu {
namespace {

double maxRelDiff(const at::Tensor& a, const at::Tensor& ref) {
  const auto r = ref.to(at::kDouble);
  return a.to(at::kDouble).sub(r).abs().max().item<double>() / r.abs().max().item<double>();
}

at::Tensor referenceF64(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  return at::linear(x.to(at::kDouble), w.to(at::kDouble), b.defined() ? b.to(at::kDouble) : b);
}

TEST(FastLinear, SingleRowF32MatchesReferenceInEveryLayout) {
  at::manual_seed(1);
  const auto w = at::randn({37, 70});
  const auto b = at::randn({37});
  for (const auto& x : {at::randn({70}), at::randn({1, 70}), at::randn({1, 1, 70})}) {
    const auto y = fastLinear(x, w, b);
    EXPECT_EQ(y.sizes(), at::linear(x, w, b).sizes());
    EXPECT_LT(maxRelDiff(y, referenceF64(x, w, b)), 1e-6);
    EXPECT_LT(maxRelDiff(fastLinear(x, w), referenceF64(x, w, {})), 1e-6);
  }
}

TEST(FastLinear, SingleRowBf16MatchesReferenceWithTails) {
  // 4099 rows (not a multiple of 4) and 4131 features (not a multiple of 32) exercise both tails.
  at::manual_seed(2);
  const auto w = at::randn({4099, 4131}).to(at::kBFloat16);
  const auto b = at::randn({4099}).to(at::kBFloat16);
  const auto x = at::randn({1, 1, 4131}).to(at::kBFloat16);
  const auto y = fastLinear(x, w, b);
  EXPECT_EQ(y.scalar_type(), at::kBFloat16);
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{1, 1, 4099}));
  // One bf16 rounding of the result (2^-8 relative) plus fp32 summation order.
  EXPECT_LT(maxRelDiff(y, referenceF64(x, w, b)), 8e-3);
  EXPECT_LT(maxRelDiff(y, at::linear(x, w, b)), 8e-3);
  EXPECT_LT(maxRelDiff(fastLinear(x, w), referenceF64(x, w, {})), 8e-3);
}

TEST(FastLinear, SeveralRowsGoThroughAtLinearUnchanged) {
  at::manual_seed(3);
  for (const auto dtype : {at::kFloat, at::kBFloat16}) {
    const auto w = at::randn({64, 96}).to(dtype);
    const auto x = at::randn({2, 5, 96}).to(dtype);
    EXPECT_TRUE(fastLinear(x, w).equal(at::linear(x, w)));
  }
}

TEST(FastLinear, ShapeMismatchThrowsNamingShapes) {
  const auto w = at::randn({8, 16});
  try {
    fastLinear(at::randn({1, 15}), w);
    ADD_FAILURE() << "mismatch accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("15 features"), std::string::npos) << e.what();
  }
  EXPECT_THROW(fastLinear(at::randn({1, 16}), w, at::randn({7})), std::invalid_argument);
}

}  // namespace
}  // namespace vitcop::gpu
