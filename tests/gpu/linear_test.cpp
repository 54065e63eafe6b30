#include "gpu/linear.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/randint.h>
#include <ATen/ops/randn.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

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

// Exact reference for the bf16 kernel: products of bf16 values are exact in f64, so this is the
// true dot product plus bias, rounded to bf16 once.
at::Tensor exactBf16(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  return referenceF64(x, w, b).to(at::kBFloat16);
}

TEST(FastLinear, Bf16KernelEveryFeatureTail) {
  // K covers: below one vector (1, 31), exactly one (32), the 128-wide main loop with 32-wide
  // steps and a masked tail after it (4096 + 32 + 17), and only 32-wide steps (96).
  if (!hasBf16GemvKernel()) GTEST_SKIP() << "no AVX512-BF16";
  at::manual_seed(4);
  for (const int64_t K : {1, 2, 31, 32, 33, 96, 127, 128, 129, 160, 4145}) {
    // Row counts around the per-thread split (minimum 32 rows per thread for K = 4096).
    for (const int64_t N : {1, 3, 33, 65, 130}) {
      const auto w = at::randn({N, K}).to(at::kBFloat16);
      const auto b = at::randn({N}).to(at::kBFloat16);
      const auto x = at::randn({1, K}).to(at::kBFloat16);
      const auto y = fastLinear(x, w, b);
      ASSERT_EQ(y.sizes(), (std::vector<int64_t>{1, N}));
      // fp32 accumulation over <= 4145 terms: within one bf16 ulp of the exact rounded value
      // (relative to the largest output).
      EXPECT_LT(maxRelDiff(y, exactBf16(x, w, b)), 8e-3) << "K " << K << " N " << N;
      EXPECT_LT(maxRelDiff(fastLinear(x, w), exactBf16(x, w, {})), 8e-3) << "K " << K << " N " << N;
    }
  }
}

TEST(FastLinear, Bf16KernelIsExactOnExactlyRepresentableSums) {
  // Small integers: every product and partial sum is exact in fp32, so any summation order,
  // masked tail or thread split must give the exact result, bit for bit.
  if (!hasBf16GemvKernel()) GTEST_SKIP() << "no AVX512-BF16";
  for (const int64_t K : {7, 32, 200, 4099}) {
    const int64_t N = 97;
    const auto w = at::randint(-3, 4, {N, K}).to(at::kBFloat16);
    const auto x = at::randint(-2, 3, {K}).to(at::kBFloat16);
    const auto b = at::randint(-5, 6, {N}).to(at::kBFloat16);
    const auto ref = at::linear(x.to(at::kDouble), w.to(at::kDouble), b.to(at::kDouble));
    // |sums| <= 6 * 4099 + 5 < 2^15: exact in fp32; bf16 holds 8 significant bits, so compare
    // after the same single rounding.
    EXPECT_TRUE(fastLinear(x, w, b).equal(ref.to(at::kBFloat16))) << "K " << K;
  }
}

TEST(FastLinear, Bf16KernelHonoursRowOffsetsOfAView) {
  // A contiguous weight that starts inside a larger buffer (a row slice) and a non-contiguous
  // input and bias: the kernel must read the view's rows, not the buffer's.
  if (!hasBf16GemvKernel()) GTEST_SKIP() << "no AVX512-BF16";
  at::manual_seed(5);
  const auto big = at::randn({300, 257}).to(at::kBFloat16);
  const auto w = big.narrow(0, 11, 250);
  ASSERT_TRUE(w.is_contiguous());
  const auto xs = at::randn({257, 2}).to(at::kBFloat16);
  const auto x = xs.select(1, 1);  // stride 2
  const auto bs = at::randn({250, 3}).to(at::kBFloat16);
  const auto b = bs.select(1, 2);
  const auto y = fastLinear(x, w, b);
  EXPECT_LT(maxRelDiff(y, exactBf16(x, w, b)), 8e-3);
}

TEST(FastLinear, Bf16SingleRowMatchesOneThreadResultBitForBit) {
  // Each row's sum is computed by one thread in one fixed order, so the split of rows between
  // threads must not change any output.
  if (!hasBf16GemvKernel()) GTEST_SKIP() << "no AVX512-BF16";
  at::manual_seed(6);
  const auto w = at::randn({1031, 4096}).to(at::kBFloat16);
  const auto x = at::randn({1, 4096}).to(at::kBFloat16);
  const int before = at::get_num_threads();
  const auto many = fastLinear(x, w);
  at::set_num_threads(1);
  const auto one = fastLinear(x, w);
  at::set_num_threads(before);
  EXPECT_TRUE(many.equal(one));
}

TEST(FastLinear, SeveralRowsGoThroughAtLinearUnchanged) {
  at::manual_seed(3);
  for (const auto dtype : {at::kFloat, at::kBFloat16}) {
    const auto w = at::randn({64, 96}).to(dtype);
    const auto x = at::randn({2, 5, 96}).to(dtype);
    EXPECT_TRUE(fastLinear(x, w).equal(at::linear(x, w)));
  }
}

// bf16 prefills whose row count is not a multiple of 16 run on zero-padded rows (AMX tiles):
// same shape, same values as at::linear within bf16 rounding of the f64 result, for 3-D inputs,
// with and without bias, and row counts on either side of a multiple of 16.
TEST(FastLinear, Bf16RowsPaddedToTileRowsGiveTheSameResult) {
  at::manual_seed(11);
  const auto w = at::randn({80, 136}).to(at::kBFloat16);
  const auto b = at::randn({80}).to(at::kBFloat16);
  for (const int64_t rows : {33, 47, 48, 637}) {
    const auto x = at::randn({1, rows, 136}).to(at::kBFloat16);
    const auto y = fastLinear(x, w, b);
    const auto ref = at::linear(x, w, b);
    ASSERT_EQ(y.sizes(), ref.sizes()) << rows;
    EXPECT_TRUE(y.is_contiguous());
    const auto exact = referenceF64(x, w, b);
    EXPECT_LT(maxRelDiff(y, exact), 1e-2) << rows;
    EXPECT_LT(y.to(at::kDouble).sub(ref.to(at::kDouble)).abs().max().item<double>(),
              2 * ref.to(at::kDouble).sub(exact).abs().max().item<double>() + 1e-6)
        << rows;
    EXPECT_LT(maxRelDiff(fastLinear(x, w), referenceF64(x, w, {})), 1e-2) << rows;
  }
}

TEST(FastLinearGroup, EqualsOneCallPerMatrixBitForBit) {
  // q/k/v-like and gate/up-like groups with different row counts, a feature tail, a bias on one
  // matrix only, in bf16 (the one-region kernel path) and f32 (one call per matrix).
  at::manual_seed(7);
  for (const auto dtype : {at::kBFloat16, at::kFloat}) {
    for (const int64_t K : {int64_t{4096}, int64_t{1000}}) {
      const std::vector<at::Tensor> ws{at::randn({520, K}).to(dtype), at::randn({96, K}).to(dtype),
                                       at::randn({1037, K}).to(dtype)};
      const std::vector<at::Tensor> bs{at::Tensor(), at::randn({96}).to(dtype), at::Tensor()};
      for (const auto& x : {at::randn({1, K}).to(dtype), at::randn({1, 1, K}).to(dtype),
                            at::randn({3, K}).to(dtype)}) {
        const auto group = fastLinearGroup(x, ws, bs);
        ASSERT_EQ(group.size(), ws.size());
        for (size_t i = 0; i < ws.size(); ++i) {
          const auto alone = fastLinear(x, ws[i], bs[i]);
          EXPECT_EQ(group[i].sizes(), alone.sizes()) << i;
          EXPECT_TRUE(group[i].equal(alone)) << "matrix " << i << " K " << K << " "
                                             << c10::toString(dtype) << " rows " << x.size(0);
        }
      }
    }
  }
}

TEST(FastLinearGroup, BiasCountMismatchThrows) {
  const std::vector<at::Tensor> ws{at::randn({8, 16}), at::randn({4, 16})};
  EXPECT_THROW(fastLinearGroup(at::randn({1, 16}), ws, {at::randn({8})}), std::invalid_argument);
  EXPECT_THROW(fastLinearGroup(at::randn({1, 15}), ws), std::invalid_argument);
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
