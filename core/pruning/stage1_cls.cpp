#include "core/pruning/stage1_cls.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <numeric>
#include <vector>

#include "core/pruning/pruning_error.h"
#include "core/pruning/tensor_checks.h"

namespace vitcop::pruning {
namespace {

// Indices of `values` ordered by (value descending, index ascending): spec 0.4 topk port rule.
std::vector<int64_t> descendingOrder(const double* values, int64_t n) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [values](int64_t a, int64_t b) { return values[a] > values[b]; });
  return order;
}

}  // namespace

at::Tensor clsSaliency(const at::Tensor& clsRow) {
  const std::string what = "stage1 clsSaliency: clsRow";
  if (!clsRow.defined()) throw PruningError(what + ": tensor is undefined");
  at::Tensor row = clsRow;
  if (row.dim() == 4) {
    if (row.size(0) != 1)
      throw PruningError(what + ": batch must be 1, got shape " + c10::str(row.sizes()));
    row = row.select(0, 0).select(1, 0);  // [H, Q, K] -> class query row [H, K]
  }
  row = detail::requireRank(row, 2, what);
  detail::requireFloating(row, what);
  if (row.size(1) < 2)
    throw PruningError(what + ": needs at least one patch column, got shape " +
                       c10::str(clsRow.sizes()));
  // Sum over heads of the class->patch probabilities (VQ-03), class->class column excluded.
  return row.slice(1, 1).sum(0);
}

at::Tensor receivedAttentionSaliency(const at::Tensor& attn) {
  const std::string what = "stage1 receivedAttentionSaliency: attn";
  at::Tensor a = detail::requireRank(attn, 3, what);
  detail::requireFloating(a, what);
  if (a.size(1) != a.size(2))
    throw PruningError(what + ": expected [H, P, P], got shape " + c10::str(attn.sizes()));
  return a.mean(at::IntArrayRef{0, 1});
}

Stage1Selection stage1Select(const at::Tensor& saliency, int64_t keep) {
  const std::string what = "stage1Select: saliency";
  at::Tensor s = detail::requireRank(saliency, 1, what);
  detail::requireFloating(s, what);
  detail::requireFinite(s, what, /*allowInf=*/true);
  const int64_t P = s.size(0);
  if (keep < 1 || keep > P) {
    throw PruningError("stage1Select: keep must be in [1, " + std::to_string(P) + "], got " +
                       std::to_string(keep));
  }
  // Compare in double: exact for fp32/fp16 inputs, so the order is the order of the stored values.
  at::Tensor sd = s.to(at::kDouble).contiguous();
  const std::vector<int64_t> order = descendingOrder(sd.data_ptr<double>(), P);
  std::vector<int64_t> top(order.begin(), order.begin() + keep);
  std::vector<int64_t> sorted = top;
  std::sort(sorted.begin(), sorted.end());
  Stage1Selection out;
  out.topkOrder = at::tensor(top, at::kLong);
  out.keptSorted = at::tensor(sorted, at::kLong);
  return out;
}

Stage1Selection stage1SelectFrames(const at::Tensor& saliency, int64_t keepPerFrame) {
  const std::string what = "stage1SelectFrames: saliency";
  at::Tensor s = detail::requireRank(saliency, 2, what);
  const int64_t F = s.size(0), P = s.size(1);
  std::vector<at::Tensor> tops, kept;
  for (int64_t f = 0; f < F; ++f) {
    Stage1Selection one = stage1Select(s[f], keepPerFrame);
    tops.push_back(one.topkOrder + f * P);
    kept.push_back(one.keptSorted + f * P);
  }
  return {at::cat(tops), at::cat(kept)};
}

at::Tensor gridPositions(const at::Tensor& keptSorted, int64_t gridH, int64_t gridW,
                         bool isotropic) {
  const std::string what = "gridPositions: keptSorted";
  at::Tensor k = detail::requireRank(keptSorted, 1, what);
  detail::requireIntegral(k, what);
  if (gridH < 1 || gridW < 1) {
    throw PruningError("gridPositions: grid must be at least 1x1, got " + std::to_string(gridH) +
                       "x" + std::to_string(gridW));
  }
  const int64_t P = gridH * gridW;
  at::Tensor idx = k.to(at::kLong);
  if (idx.numel() > 0 && idx.min().item<int64_t>() < 0) {
    throw PruningError(what + ": negative patch index");
  }
  at::Tensor p = idx.remainder(P);
  // Upstream builds an int grid, converts to float32 and divides by float32 [H, W] (VQ-06).
  at::Tensor rows = p.div(gridW, "floor").to(at::kFloat);
  at::Tensor cols = p.remainder(gridW).to(at::kFloat);
  const float dh = static_cast<float>(isotropic ? std::max(gridH, gridW) : gridH);
  const float dw = static_cast<float>(isotropic ? std::max(gridH, gridW) : gridW);
  // True division by a full tensor (as upstream divides by a [2] tensor): a scalar divisor may be
  // turned into a multiplication by its reciprocal, which can differ in the last bit.
  return at::stack({rows / at::full_like(rows, dh), cols / at::full_like(cols, dw)}, 1);
}

at::Tensor frameIndices(const at::Tensor& keptSorted, int64_t patchesPerFrame) {
  const std::string what = "frameIndices: keptSorted";
  at::Tensor k = detail::requireRank(keptSorted, 1, what);
  detail::requireIntegral(k, what);
  if (patchesPerFrame < 1) {
    throw PruningError("frameIndices: patchesPerFrame must be >= 1, got " +
                       std::to_string(patchesPerFrame));
  }
  return k.to(at::kLong).div(patchesPerFrame, "floor");
}

at::Tensor gatherPatchRows(const at::Tensor& tokens, const at::Tensor& keptSorted,
                           bool hasClassToken) {
  at::Tensor t = detail::requireRank(tokens, 2, "gatherPatchRows: tokens");
  at::Tensor k = detail::requireRank(keptSorted, 1, "gatherPatchRows: keptSorted");
  detail::requireIntegral(k, "gatherPatchRows: keptSorted");
  at::Tensor rows = k.to(at::kLong) + (hasClassToken ? 1 : 0);
  if (rows.numel() > 0 &&
      (rows.min().item<int64_t>() < 0 || rows.max().item<int64_t>() >= t.size(0))) {
    throw PruningError("gatherPatchRows: keptSorted indexes outside the " +
                       std::to_string(t.size(0)) + " token rows");
  }
  return t.index_select(0, rows);
}

}  // namespace vitcop::pruning
