#include "core/training/vision_init.h"

#include <torch/torch.h>

#include <cmath>
#include <string>

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

}  // namespace vitcop::training
