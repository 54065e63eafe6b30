#pragma once
// Reference method "spatial pooling to the budget" (method-spec 3.8, our design): adaptive
// average pooling of the visual grid with PyTorch's bin rule, output in raster order.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/pruning/budget_schedule.h"

namespace vitcop::pruning {

enum class PoolGridMode { Square, Exact };
PoolGridMode parsePoolGridMode(const std::string& text);  // "square" | "exact"

struct PoolShape {
  int64_t h = 0;
  int64_t w = 0;
  int64_t tokens() const { return h * w; }
};

// square: h = w = rhe(sqrt(B)) (14x14, 11x11, 8x8 for 192/128/64); exact: h*w = B, the most
// square factor pair h <= w that fits the grid (12x16, 8x16, 8x8). PruningError naming the
// budget when no shape fits the gridH x gridW grid.
PoolShape poolShapeForBudget(double budgetTokens, int64_t gridH, int64_t gridW, PoolGridMode mode);

// PyTorch adaptive-pool bins along one axis: cell o averages [floor(o a/b), ceil((o+1) a/b)).
std::vector<std::pair<int64_t, int64_t>> adaptivePoolBins(int64_t inputLength,
                                                          int64_t outputLength);

// `tokens` [F * gridH * gridW, D] (or batched) in raster order per frame -> [F * h * w, D]
// (each frame pooled on its own, raster order of the pooled grid).
at::Tensor poolVisualTokens(const at::Tensor& tokens, int64_t gridH, int64_t gridW,
                            const PoolShape& shape);

}  // namespace vitcop::pruning
