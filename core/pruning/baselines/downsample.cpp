#include "core/pruning/baselines/downsample.h"

#include <ATen/ATen.h>

#include <cmath>

#include "core/pruning/numeric.h"
#include "core/pruning/pruning_error.h"
#include "core/pruning/tensor_checks.h"

namespace vitcop::pruning {

PoolGridMode parsePoolGridMode(const std::string& text) {
  if (text == "square") return PoolGridMode::Square;
  if (text == "exact") return PoolGridMode::Exact;
  throw PruningError("pooling grid mode '" + text + "' is neither 'square' nor 'exact'");
}

PoolShape poolShapeForBudget(double B, int64_t gridH, int64_t gridW, PoolGridMode mode) {
  if (gridH < 1 || gridW < 1) throw PruningError("pooling: grid must be at least 1x1");
  if (!std::isfinite(B) || B < 1 || B > static_cast<double>(gridH * gridW)) {
    throw PruningError("pooling: budget must be in [1, " + std::to_string(gridH * gridW) +
                       "] for a " + std::to_string(gridH) + "x" + std::to_string(gridW) + " grid");
  }
  PoolShape s;
  if (mode == PoolGridMode::Square) {
    const int64_t side = std::max<int64_t>(1, pyRound(std::sqrt(B)));
    s.h = std::min(side, gridH);
    s.w = std::min(side, gridW);
    return s;
  }
  if (B != std::floor(B)) throw PruningError("pooling: exact grid needs an integer budget");
  const int64_t b = static_cast<int64_t>(B);
  for (int64_t h = static_cast<int64_t>(std::floor(std::sqrt(B))); h >= 1; --h) {
    if (b % h != 0) continue;
    const int64_t w = b / h;
    if (h <= gridH && w <= gridW) return PoolShape{h, w};
    if (w <= gridH && h <= gridW) return PoolShape{w, h};  // tall grids
  }
  throw PruningError("pooling: no h x w = " + std::to_string(b) + " fits the " +
                     std::to_string(gridH) + "x" + std::to_string(gridW) +
                     " grid (use the square mode)");
}

std::vector<std::pair<int64_t, int64_t>> adaptivePoolBins(int64_t a, int64_t b) {
  if (a < 1 || b < 1 || b > a)
    throw PruningError("pooling: output length must be in [1, input length]");
  std::vector<std::pair<int64_t, int64_t>> bins;
  for (int64_t o = 0; o < b; ++o)
    bins.emplace_back((o * a) / b, ((o + 1) * a + b - 1) / b);
  return bins;
}

at::Tensor poolVisualTokens(const at::Tensor& tokens, int64_t gridH, int64_t gridW,
                            const PoolShape& shape) {
  const bool batched = tokens.defined() && tokens.dim() == 3;
  const at::Tensor t = detail::requireRank(tokens, 2, "poolVisualTokens: tokens");
  detail::requireFloating(t, "poolVisualTokens: tokens");
  const int64_t P = gridH * gridW;
  if (gridH < 1 || gridW < 1 || t.size(0) % P != 0) {
    throw PruningError("poolVisualTokens: tokens has " + std::to_string(t.size(0)) +
                       " rows, not a multiple of the " + std::to_string(gridH) + "x" +
                       std::to_string(gridW) + " grid");
  }
  if (shape.h < 1 || shape.w < 1 || shape.h > gridH || shape.w > gridW) {
    throw PruningError("poolVisualTokens: pooled shape " + std::to_string(shape.h) + "x" +
                       std::to_string(shape.w) + " must fit the grid");
  }
  const int64_t F = t.size(0) / P, D = t.size(1);
  // [F*P, D] -> [F, D, gridH, gridW] -> pooled [F, D, h, w] -> [F*h*w, D] raster per frame.
  const at::Tensor grid = t.view({F, gridH, gridW, D}).permute({0, 3, 1, 2});
  const at::Tensor pooled = at::adaptive_avg_pool2d(grid, {shape.h, shape.w});
  const at::Tensor out = pooled.permute({0, 2, 3, 1}).reshape({F * shape.tokens(), D});
  return batched ? out.unsqueeze(0) : out;
}

}  // namespace vitcop::pruning
