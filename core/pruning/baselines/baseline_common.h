#pragma once
// Shared pieces of the baseline ports (method-spec 3.0, 0.4, 6.9): the spec-0.4 top-k tie rule,
// sequence assembly around the visual window, RMSNorm (PyramidDrop ranking, DART's final norm),
// layer scaling and the one-parameter budget solver used to generalise authors' schedules.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/pruning/budget_schedule.h"

namespace vitcop::pruning {

// The three budgets of every comparison table (spec 3.9).
std::vector<int> baselineBudgets();

// LLaVA-1.5-7B geometry (24x24, one frame, 32 layers): where faithful presets apply literally.
bool isLlavaGeometry(const VisualGeometry& geometry);

// topk(scores, k) with the spec-0.4 port rule: indices ordered by (value descending, index
// ascending). `scores` is [n] (or [1, n]); k in [0, n]; NaN rejected. `what` names the caller.
at::Tensor topkLargest(const at::Tensor& scores, int64_t k, const std::string& what);
// Same for the k smallest values (value ascending, index ascending).
at::Tensor topkSmallest(const at::Tensor& scores, int64_t k, const std::string& what);

// keep = sorted([0, visualStart) U picked U [visualStart + imageTokens, seqLen)). `picked`
// holds absolute indices inside the window (any order, no duplicates).
at::Tensor keepWithContext(const at::Tensor& picked, int64_t visualStart, int64_t imageTokens,
                           int64_t seqLen, const std::string& what);

// Rows `index` of `hidden` ([n, D] or [1, n, D]); the batch dimension is preserved. A pure gather.
at::Tensor gatherTokens(const at::Tensor& hidden, const at::Tensor& index, const std::string& what);

// The window [visualStart, visualStart + imageTokens) must lie inside [0, seqLen).
void requireWindow(int64_t visualStart, int64_t imageTokens, int64_t seqLen,
                   const std::string& what);

// LLaMA RMSNorm as transformers computes it: x in fp32, x * rsqrt(mean(x^2) + eps), cast back,
// times `weight` ([D]). `hidden` is [..., D].
at::Tensor rmsNorm(const at::Tensor& hidden, const at::Tensor& weight, double eps,
                   const std::string& what);

// rhe(layer32 * L / 32): a layer index of the 32-layer model moved to depth L (spec 6.3, 6.9).
int64_t scaleLayerIndex(int64_t layer32, int64_t llmLayers);

// For a non-decreasing step function f, the x in [lo, hi] whose f(x) is closest to `target`
// (bisection, then the better of the two brackets; ties prefer the larger f). Used to re-solve
// the SparseVLM list scale and the PyramidDrop lambda for a layer-averaged budget (spec 6.9).
double solveClosest(const std::function<double(double)>& f, double lo, double hi, double target);

}  // namespace vitcop::pruning
