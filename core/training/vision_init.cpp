#include "core/training/vision_init.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cmath>
#include <string>
#include <utility>

#include "core/model/llava_modules.h"
#include "core/training/training_error.h"

namespace vitcop::training {

void initSinCosPositions(model::LlavaForConditionalGenerationImpl& m, double scale) {
  auto& vision = *m.vision();
  const int64_t width = vision.config.hiddenSize, grid = vision.config.gridSide();
  at::Tensor& table = vision.embeddings->position_embedding->weight;
  if (width % 4 != 0)
    throw TrainingError("sin-cos positions: vision width " + std::to_string(width) +
                        " is not a multiple of 4");
  if (table.size(0) != 1 + grid * grid || table.size(1) != width)
    throw TrainingError("sin-cos positions: the position table is not [1 + " +
                        std::to_string(grid) + "^2, " + std::to_string(width) + "]");
  // Per axis width/2 channels: sin and cos of the coordinate at width/4 frequencies
  // 1 / 10000^(k / (width/4)), as MAE's get_2d_sincos_pos_embed.
  const int64_t quarter = width / 4;
  at::Tensor values = at::zeros({1 + grid * grid, width}, at::kFloat);
  auto v = values.accessor<float, 2>();
  for (int64_t gy = 0; gy < grid; ++gy)
    for (int64_t gx = 0; gx < grid; ++gx) {
      const int64_t row = 1 + gy * grid + gx;
      for (int64_t k = 0; k < quarter; ++k) {
        const double omega = std::pow(10000.0, -static_cast<double>(k) / quarter);
        const double ax = static_cast<double>(gx) * omega, ay = static_cast<double>(gy) * omega;
        v[row][k] = static_cast<float>(scale * std::sin(ax));
        v[row][quarter + k] = static_cast<float>(scale * std::cos(ax));
        v[row][2 * quarter + k] = static_cast<float>(scale * std::sin(ay));
        v[row][3 * quarter + k] = static_cast<float>(scale * std::cos(ay));
      }
    }
  torch::NoGradGuard noGrad;
  table.copy_(values.to(table.scalar_type()));
}

namespace {

// Gaussian [n, n] with variance 1/n from its own generator, so the result depends only on `seed`.
at::Tensor gaussian(int64_t n, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  return at::normal(0.0, 1.0 / std::sqrt(static_cast<double>(n)), {n, n}, gen,
                    at::TensorOptions().dtype(at::kDouble));
}

// U sqrt(S), sqrt(S) V^T of `target`'s best rank-r approximation: left * right ~= target.
std::pair<at::Tensor, at::Tensor> factor(const at::Tensor& target, int64_t rank) {
  auto [u, s, vh] = at::linalg_svd(target, /*full_matrices=*/false);
  const at::Tensor root = s.narrow(0, 0, rank).sqrt();
  return {u.narrow(1, 0, rank) * root.unsqueeze(0), root.unsqueeze(1) * vh.narrow(0, 0, rank)};
}

}  // namespace

void initMimeticAttention(model::LlavaForConditionalGenerationImpl& m, uint64_t seed,
                          const MimeticAttention& a) {
  auto& vision = *m.vision();
  const int64_t width = vision.config.hiddenSize, heads = vision.config.numHeads;
  if (heads <= 0 || width % heads != 0)
    throw TrainingError("mimetic attention: width " + std::to_string(width) +
                        " is not a multiple of the " + std::to_string(heads) + " heads");
  const int64_t headDim = width / heads;
  const at::Tensor eye = at::eye(width, at::TensorOptions().dtype(at::kDouble));
  torch::NoGradGuard noGrad;
  for (int64_t l = 0; l < vision.config.numLayers; ++l) {
    auto& attn = *vision.block(l)->self_attn;
    const uint64_t base = seed * 1000003ULL + static_cast<uint64_t>(l) * 4099ULL;
    // q = x W_q^T, so head h's logits are x_i^T W_q,h^T W_k,h x_j: W_q,h^T = U sqrt(S).
    for (int64_t h = 0; h < heads; ++h) {
      const at::Tensor target =
          a.alphaQk * gaussian(width, base + static_cast<uint64_t>(h) + 1) + a.betaQk * eye;
      auto [left, right] = factor(target, headDim);
      attn.q_proj->weight.narrow(0, h * headDim, headDim).copy_(left.t());
      attn.k_proj->weight.narrow(0, h * headDim, headDim).copy_(right);
    }
    // out = concat_h(A_h x W_v,h^T) W_o^T: the residual update is x W_v^T W_o^T = (W_o W_v x)^T.
    const at::Tensor target = a.alphaVo * gaussian(width, base + 4000ULL) - a.betaVo * eye;
    auto [left, right] = factor(target, width);
    attn.out_proj->weight.copy_(left);
    attn.v_proj->weight.copy_(right);
    for (model::Linear* lin : {&attn.q_proj, &attn.k_proj, &attn.v_proj, &attn.out_proj})
      if ((*lin)->bias.defined()) (*lin)->bias.zero_();
  }
}

}  // namespace vitcop::training
