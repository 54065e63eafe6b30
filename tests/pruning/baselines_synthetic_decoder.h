#pragma once
// The synthetic attention-only decoder layer of the reference-selection fixtures (README 6.4),
// rebuilt here so the FastV cross-check can produce layer K-1's attention probabilities and run
// the pruned tail. It is test scaffolding, not the engine: D = 64, H = 4, hd = 16, y = x @ W,
// RoPE with fp32 angles, causal softmax, out = x + (p v) @ Wo, no MLP, no norms.
#include <ATen/ATen.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "tests/pruning/reference_fixture.h"

namespace vitcop::test {

struct SynthLayerOutput {
  at::Tensor hidden;     // [n, D]
  at::Tensor attention;  // [H, n, n] post-softmax probabilities
};

inline at::Tensor synthRope(const at::Tensor& x, const at::Tensor& positions) {
  const int64_t d = x.size(-1);
  const at::Tensor invFreq = 1.0 / at::pow(10000.0, at::arange(0, d, 2, at::kLong).to(at::kFloat) /
                                                        static_cast<double>(d));
  const at::Tensor f = positions.to(at::kFloat).unsqueeze(1) * invFreq.unsqueeze(0);
  const at::Tensor emb = at::cat({f, f}, -1);
  const at::Tensor rotated = at::cat({-x.slice(-1, d / 2), x.slice(-1, 0, d / 2)}, -1);
  return x * emb.cos() + rotated * emb.sin();
}

// The 32 synthetic layers of a fixture, weights loaded once.
class SynthDecoder {
 public:
  SynthDecoder(const ReferenceFixture& fx, int layers, int64_t heads = 4) : heads_(heads) {
    for (int l = 0; l < layers; ++l) {
      char name[32];
      std::snprintf(name, sizeof name, "synth_layer%02d_W", l);
      const std::string base(name);
      weights_.push_back({fx.tensor(base + "q"), fx.tensor(base + "k"), fx.tensor(base + "v"),
                          fx.tensor(base + "o")});
    }
  }
  int layers() const { return static_cast<int>(weights_.size()); }

  // Layer `l` over `x` [n, D] with position ids `positions` [n] (causal prefill).
  SynthLayerOutput layer(int l, const at::Tensor& x, const at::Tensor& positions) const {
    const auto& w = weights_.at(static_cast<size_t>(l));
    const int64_t n = x.size(0), D = x.size(1), hd = D / heads_;
    auto proj = [&](const at::Tensor& W) {
      return at::matmul(x, W).view({n, heads_, hd}).transpose(0, 1);  // [H, n, hd]
    };
    const at::Tensor q = synthRope(proj(w[0]), positions);
    const at::Tensor k = synthRope(proj(w[1]), positions);
    const at::Tensor v = proj(w[2]);
    const at::Tensor causal = at::ones({n, n}, at::kBool).triu(1);
    const at::Tensor logits =
        (at::matmul(q, k.transpose(1, 2)) / std::sqrt(static_cast<double>(hd)))
            .masked_fill(causal, -std::numeric_limits<float>::infinity());
    SynthLayerOutput out;
    out.attention = at::softmax(logits, -1);
    const at::Tensor ctx = at::matmul(out.attention, v).transpose(0, 1).reshape({n, D});
    out.hidden = x + at::matmul(ctx, w[3]);
    return out;
  }

 private:
  int64_t heads_;
  std::vector<std::array<at::Tensor, 4>> weights_;
};

}  // namespace vitcop::test
