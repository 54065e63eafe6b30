// gpu::fusedRope against the ATen sequence it replaces (core/model/llama.cpp's fallback): bit
// for bit in float32 and bfloat16, on the transposed-heads layout the projections produce, for
// head dims with and without a 16-lane tail; and the cases it must decline.
#include "gpu/rope.h"

#include <ATen/TensorOperators.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/randn.h>
#include <gtest/gtest.h>

#include "gpu/cpu_features.h"

namespace vitcop::gpu {
namespace {

at::Tensor atenRope(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  const at::Tensor rotated = at::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
  return x * cos + rotated * sin;
}

TEST(FusedRope, BitIdenticalToTheAtenSequence) {
  const auto& f = cpuFeatures();
  if (!(f.osSavesAvx512 && f.avx512f && f.avx512bf16)) GTEST_SKIP() << "no AVX512-BF16";
  at::manual_seed(9);
  for (const auto dtype : {at::kFloat, at::kBFloat16}) {
    for (const int64_t hd : {128, 40}) {
      const int64_t B = 1, H = 3, n = 5;
      // The projection's [B, n, H, hd] viewed as heads: strided, last dim contiguous.
      const at::Tensor x = at::randn({B, n, H, hd}).to(dtype).transpose(1, 2);
      const at::Tensor cos = at::randn({n, hd}).to(dtype), sin = at::randn({n, hd}).to(dtype);
      const at::Tensor y = fusedRope(x, cos, sin);
      ASSERT_TRUE(y.defined());
      EXPECT_TRUE(y.is_contiguous());
      EXPECT_TRUE(y.equal(atenRope(x, cos, sin))) << c10::toString(dtype) << " hd " << hd;
    }
  }
}

TEST(FusedRope, DeclinesWhatItDoesNotHandle) {
  const at::Tensor x = at::randn({1, 2, 3, 8}), cs = at::randn({3, 8});
  EXPECT_FALSE(fusedRope(x.to(at::kDouble), cs.to(at::kDouble), cs.to(at::kDouble)).defined());
  EXPECT_FALSE(fusedRope(x, at::randn({1, 1, 3, 8}), at::randn({1, 1, 3, 8})).defined());
  EXPECT_FALSE(fusedRope(x.transpose(2, 3), cs, cs).defined());  // last dim strided
  EXPECT_FALSE(fusedRope(x.clone().requires_grad_(true), cs, cs).defined());
}

}  // namespace
}  // namespace vitcop::gpu
