#include "gpu/attention.h"
#include "gpu/decode_attention.h"
#include "gpu/linear.h"

#include <ATen/Context.h>
#include <ATen/ops/_softmax.h>
#include <ATen/ops/allclose.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/ones_like.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/zeros.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace vitcop::gpu {
namespace {

// Float64 reference written out by hand (no ATen math): query i of head h attends to keys
// 0..Tk-1 (or 0..Tk-Tq+i when causal) of KV head h / (Hq / Hkv).
struct Reference {
  at::Tensor output;  // [B, Hq, Tq, Dv] f64
  at::Tensor probs;   // [B, Hq, Tq, Tk] f64
};

Reference reference(const at::Tensor& q0, const at::Tensor& k0, const at::Tensor& v0, bool causal,
                    double scale = 0) {
  const auto q = q0.to(at::kDouble).contiguous();
  const auto k = k0.to(at::kDouble).contiguous();
  const auto v = v0.to(at::kDouble).contiguous();
  const int64_t B = q.size(0), Hq = q.size(1), Tq = q.size(2), D = q.size(3);
  const int64_t Hkv = k.size(1), Tk = k.size(2), Dv = v.size(3);
  if (scale == 0) scale = 1.0 / std::sqrt(static_cast<double>(D));
  Reference r{at::zeros({B, Hq, Tq, Dv}, at::kDouble), at::zeros({B, Hq, Tq, Tk}, at::kDouble)};
  const double* qp = q.data_ptr<double>();
  const double* kp = k.data_ptr<double>();
  const double* vp = v.data_ptr<double>();
  double* op = r.output.data_ptr<double>();
  double* pp = r.probs.data_ptr<double>();
  std::vector<double> s(static_cast<size_t>(Tk));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < Hq; ++h) {
      const int64_t kh = h / (Hq / Hkv);
      for (int64_t i = 0; i < Tq; ++i) {
        const int64_t last = causal ? Tk - Tq + i : Tk - 1;
        double mx = -std::numeric_limits<double>::infinity();
        for (int64_t j = 0; j <= last; ++j) {
          double dot = 0;
          for (int64_t c = 0; c < D; ++c)
            dot += qp[((b * Hq + h) * Tq + i) * D + c] * kp[((b * Hkv + kh) * Tk + j) * D + c];
          s[j] = dot * scale;
          mx = std::max(mx, s[j]);
        }
        double sum = 0;
        for (int64_t j = 0; j <= last; ++j)
          sum += (s[j] = std::exp(s[j] - mx));
        for (int64_t j = 0; j <= last; ++j) {
          const double p = s[j] / sum;
          pp[((b * Hq + h) * Tq + i) * Tk + j] = p;
          for (int64_t c = 0; c < Dv; ++c)
            op[((b * Hq + h) * Tq + i) * Dv + c] += p * vp[((b * Hkv + kh) * Tk + j) * Dv + c];
        }
      }
    }
  return r;
}

double maxAbsDiff(const at::Tensor& a, const at::Tensor& b) {
  return a.to(at::kDouble).sub(b.to(at::kDouble)).abs().max().item<double>();
}

struct Inputs {
  at::Tensor q, k, v;
};

Inputs randomInputs(int64_t B, int64_t Hq, int64_t Hkv, int64_t Tq, int64_t Tk, int64_t D,
                    c10::ScalarType dtype = at::kFloat, uint64_t seed = 1) {
  at::manual_seed(seed);
  return {at::randn({B, Hq, Tq, D}).to(dtype), at::randn({B, Hkv, Tk, D}).to(dtype),
          at::randn({B, Hkv, Tk, D}).to(dtype)};
}

void expectMatchesReference(const Inputs& in, const AttentionOptions& o, double tol) {
  const auto ref = reference(in.q, in.k, in.v, o.causal, o.scale.value_or(0));
  const auto got = attention(in.q, in.k, in.v, o);
  EXPECT_EQ(got.output.scalar_type(), in.q.scalar_type());
  EXPECT_EQ(got.output.sizes(), ref.output.sizes());
  EXPECT_LT(maxAbsDiff(got.output, ref.output), tol);
  EXPECT_FALSE(got.probs.defined());
}

TEST(Attention, NoMaskMatchesReference) {
  expectMatchesReference(randomInputs(2, 3, 3, 5, 7, 8), {}, 1e-5);
}

TEST(Attention, CausalSquareMatchesReference) {
  AttentionOptions o;
  o.causal = true;
  expectMatchesReference(randomInputs(1, 4, 4, 9, 9, 16), o, 1e-5);
}

TEST(Attention, CausalShorterQueryUsesBottomRightSlots) {
  AttentionOptions o;
  o.causal = true;
  // Decode with a cache (one new token) and a chunk of three new tokens after seven cached.
  expectMatchesReference(randomInputs(1, 2, 2, 1, 10, 8), o, 1e-5);
  expectMatchesReference(randomInputs(2, 2, 2, 3, 10, 8), o, 1e-5);
  // The first of the three new rows must not see the two keys after it.
  const auto in = randomInputs(1, 1, 1, 3, 10, 8);
  AttentionOptions all = o;
  all.allProbRows = true;
  const auto got = attention(in.q, in.k, in.v, all);
  EXPECT_EQ(got.probs[0][0][0].slice(0, 8).abs().sum().item<double>(), 0.0);
  EXPECT_GT(got.probs[0][0][0][7].item<double>(), 0.0);
}

TEST(Attention, GroupedQueryAttention8q2kv) {
  AttentionOptions o;
  expectMatchesReference(randomInputs(1, 8, 2, 6, 6, 8), o, 1e-5);
  o.causal = true;
  expectMatchesReference(randomInputs(2, 8, 2, 6, 11, 8), o, 1e-5);
}

TEST(Attention, ManyBlocksCausalGqa) {
  // 32 q heads over 600 keys: ~77 KiB of scores per row, so 200 rows span several blocks.
  AttentionOptions o;
  o.causal = true;
  expectMatchesReference(randomInputs(1, 32, 8, 200, 600, 8), o, 1e-5);
  o.causal = false;
  expectMatchesReference(randomInputs(1, 32, 32, 150, 600, 8, at::kFloat, 3), o, 1e-5);
}

TEST(Attention, CustomScale) {
  AttentionOptions o;
  o.scale = 0.7;
  expectMatchesReference(randomInputs(1, 2, 2, 4, 4, 8), o, 1e-5);
}

TEST(Attention, NonContiguousInputsFromTransposedProjections) {
  // Model code makes q as [B, T, H, D].transpose(1, 2).
  at::manual_seed(5);
  const auto q = at::randn({1, 6, 4, 8}).transpose(1, 2);
  const auto k = at::randn({1, 9, 2, 8}).transpose(1, 2);
  const auto v = at::randn({1, 9, 2, 8}).transpose(1, 2);
  AttentionOptions o;
  o.causal = true;
  expectMatchesReference({q, k, v}, o, 1e-5);
}

TEST(Attention, AllProbRowsEqualReferenceAndSumToOne) {
  const auto in = randomInputs(1, 8, 2, 7, 12, 8);
  AttentionOptions o;
  o.causal = true;
  o.allProbRows = true;
  const auto got = attention(in.q, in.k, in.v, o);
  const auto ref = reference(in.q, in.k, in.v, true);
  ASSERT_TRUE(got.probs.defined());
  EXPECT_EQ(got.probs.scalar_type(), at::kFloat);
  EXPECT_EQ(got.probs.sizes(), ref.probs.sizes());
  EXPECT_LT(maxAbsDiff(got.probs, ref.probs), 1e-6);
  EXPECT_LT(maxAbsDiff(got.probs.sum(-1), at::ones_like(ref.probs.sum(-1))), 1e-6);
  EXPECT_LT(maxAbsDiff(got.output, ref.output), 1e-5);
}

TEST(Attention, ProbRowsSubsetEqualsRowsOfFullSoftmax) {
  const auto in = randomInputs(2, 4, 4, 9, 9, 8);
  AttentionOptions full;
  full.causal = true;
  full.allProbRows = true;
  AttentionOptions subset;
  subset.causal = true;
  subset.probRows = {8, 0, 3};
  const auto a = attention(in.q, in.k, in.v, full);
  const auto b = attention(in.q, in.k, in.v, subset);
  ASSERT_EQ(b.probs.sizes(), (std::vector<int64_t>{2, 4, 3, 9}));
  const std::vector<int64_t> rows = {8, 0, 3};
  for (size_t i = 0; i < rows.size(); ++i)
    // Same maths on a different GEMM shape: equal up to BLAS summation order.
    EXPECT_LT(maxAbsDiff(b.probs.select(2, static_cast<int64_t>(i)), a.probs.select(2, rows[i])),
              1e-7)
        << "row " << rows[i];
  EXPECT_LT(maxAbsDiff(b.probs.sum(-1), at::ones({2, 4, 3})), 1e-6);
  // Every output row is still right, asked for or not.
  const auto ref = reference(in.q, in.k, in.v, true);
  EXPECT_LT(maxAbsDiff(b.output, ref.output), 1e-5);
  EXPECT_LT(maxAbsDiff(b.output, a.output), 1e-5);
}

TEST(Attention, ReducedPrecisionInputsRunWithinTolerance) {
  for (const auto dtype : {at::kBFloat16, at::kHalf}) {
    SCOPED_TRACE(c10::toString(dtype));
    AttentionOptions o;
    o.causal = true;
    // bf16 keeps 8 mantissa bits: outputs are O(1), so a few 1e-2 is the expected error.
    const double tol = dtype == at::kBFloat16 ? 5e-2 : 1e-2;
    expectMatchesReference(randomInputs(1, 8, 2, 33, 40, 16, dtype), o, tol);
    o.probRows = {0, 32};
    const auto in = randomInputs(1, 4, 4, 33, 33, 16, dtype, 2);
    const auto got = attention(in.q, in.k, in.v, o);
    const auto ref = reference(in.q, in.k, in.v, true);
    EXPECT_EQ(got.probs.scalar_type(), at::kFloat);
    EXPECT_LT(maxAbsDiff(got.probs.select(2, 1), ref.probs.select(2, 32)), tol);
    EXPECT_LT(maxAbsDiff(got.probs.sum(-1), at::ones({1, 4, 2})), 1e-5);
    EXPECT_LT(maxAbsDiff(got.output, ref.output), tol);
  }
}

// One bf16 query row per head (decode) takes the AVX512-BF16 kernel where the CPU has it: odd
// head dims exercise the vector tails, GQA the head mapping, a cache view the strides.
TEST(Attention, Bf16DecodeRowMatchesReference) {
  for (const int64_t D : {int64_t{128}, int64_t{80}, int64_t{72}}) {
    SCOPED_TRACE(D);
    const auto in = randomInputs(2, 8, 2, 1, 37, D, at::kBFloat16, static_cast<uint64_t>(D));
    EXPECT_TRUE(!hasBf16GemvKernel() || detail::decodeAttentionBf16Applies(in.q, in.k, in.v));
    AttentionOptions o;
    o.causal = true;
    expectMatchesReference(in, o, 3e-2);
  }
  // Keys/values as the first 30 slots of a larger cache buffer (not contiguous).
  const auto big = randomInputs(1, 4, 4, 1, 50, 64, at::kBFloat16, 9);
  const Inputs view{big.q, big.k.narrow(2, 0, 30), big.v.narrow(2, 0, 30)};
  expectMatchesReference(view, {}, 3e-2);
}

TEST(Attention, Float64StaysFloat64) {
  const auto in = randomInputs(1, 2, 1, 5, 5, 8, at::kDouble);
  AttentionOptions o;
  o.causal = true;
  expectMatchesReference(in, o, 1e-12);
}

// The fast path feeds bf16 scores to LibTorch's bf16 softmax because on CPU it accumulates in
// fp32 and rounds once, i.e. equals "softmax in fp32, then cast back". If LibTorch changes that,
// this fails and attention.cpp must convert explicitly.
TEST(Attention, CpuBf16SoftmaxEqualsFp32SoftmaxCastBack) {
  at::manual_seed(7);
  const auto s = at::randn({4, 16, 300}).mul(8).to(at::kBFloat16);
  const auto native = at::_softmax(s, -1, false);
  const auto viaFp32 = at::_softmax(s.to(at::kFloat), -1, false).to(at::kBFloat16);
  EXPECT_TRUE(at::equal(native, viaFp32));
}

void expectInvalid(const std::function<void()>& f, const std::string& culprit) {
  try {
    f();
    ADD_FAILURE() << "no exception, expected one naming " << culprit;
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(culprit), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(Attention, InvalidInputsThrowNamingTheTensor) {
  const auto in = randomInputs(1, 4, 2, 3, 5, 8);
  expectInvalid([&] { attention(in.q.squeeze(0), in.k, in.v); }, "q must be 4-D");
  expectInvalid([&] { attention(in.q, in.k.squeeze(0), in.v); }, "k must be 4-D");
  expectInvalid([&] { attention(in.q, in.k, at::Tensor()); }, "v is undefined");
  expectInvalid([&] { attention(in.q, in.k, in.v.narrow(2, 0, 4)); }, "v must match k");
  expectInvalid([&] { attention(in.q, in.k.narrow(3, 0, 4), in.v); }, "k head dim");
  expectInvalid([&] { attention(in.q.narrow(1, 0, 3), in.k, in.v); }, "q heads (3)");
  expectInvalid([&] { attention(in.q, in.k.to(at::kDouble), in.v); },
                "k and v must have q's dtype");
  expectInvalid([&] { attention(in.q, in.k.narrow(2, 0, 0), in.v.narrow(2, 0, 0)); },
                "k has no keys");
  expectInvalid([&] { attention(in.q.to(at::kInt), in.k, in.v); }, "q must be floating point");
  AttentionOptions causal;
  causal.causal = true;
  expectInvalid([&] { attention(in.q, in.k.narrow(2, 0, 2), in.v.narrow(2, 0, 2), causal); },
                "causal attention needs q length <= k length");
  AttentionOptions rows;
  rows.probRows = {3};
  expectInvalid([&] { attention(in.q, in.k, in.v, rows); }, "probRows entry 3");
  AttentionOptions nanScale;
  nanScale.scale = std::nan("");
  expectInvalid([&] { attention(in.q, in.k, in.v, nanScale); }, "scale");
}

}  // namespace
}  // namespace vitcop::gpu
