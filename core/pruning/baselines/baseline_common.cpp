#include "core/pruning/baselines/baseline_common.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/pruning/numeric.h"
#include "core/pruning/pruning_error.h"
#include "core/pruning/tensor_checks.h"

namespace vitcop::pruning {
namespace {

at::Tensor topkOrdered(const at::Tensor& scores, int64_t k, const std::string& what, bool largest) {
  at::Tensor s = detail::requireRank(scores, 1, what + ": scores");
  detail::requireFloating(s, what + ": scores");
  detail::requireFinite(s, what + ": scores", /*allowInf=*/true);
  const int64_t n = s.size(0);
  if (k < 0 || k > n) {
    throw PruningError(what + ": k must be in [0, " + std::to_string(n) + "], got " +
                       std::to_string(k));
  }
  const at::Tensor d = s.to(at::kDouble).contiguous();
  const double* v = d.data_ptr<double>();
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  // Stable sort on the value only: equal values keep ascending index order (spec 0.4).
  if (largest) {
    std::stable_sort(order.begin(), order.end(), [v](int64_t a, int64_t b) { return v[a] > v[b]; });
  } else {
    std::stable_sort(order.begin(), order.end(), [v](int64_t a, int64_t b) { return v[a] < v[b]; });
  }
  order.resize(static_cast<size_t>(k));
  return at::tensor(order, at::kLong);
}

}  // namespace

std::vector<int> baselineBudgets() {
  return {192, 128, 64};
}

bool isLlavaGeometry(const VisualGeometry& g) {
  return g.gridH == 24 && g.gridW == 24 && g.frames == 1 && g.llmLayers == 32;
}

at::Tensor topkLargest(const at::Tensor& scores, int64_t k, const std::string& what) {
  return topkOrdered(scores, k, what, true);
}

at::Tensor topkSmallest(const at::Tensor& scores, int64_t k, const std::string& what) {
  return topkOrdered(scores, k, what, false);
}

void requireWindow(int64_t visualStart, int64_t imageTokens, int64_t seqLen,
                   const std::string& what) {
  if (visualStart < 0)
    throw PruningError(what + ": visualStart must be >= 0, got " + std::to_string(visualStart));
  if (imageTokens < 1)
    throw PruningError(what + ": imageTokens must be >= 1, got " + std::to_string(imageTokens));
  if (visualStart + imageTokens > seqLen) {
    throw PruningError(what + ": visual window [" + std::to_string(visualStart) + ", " +
                       std::to_string(visualStart + imageTokens) +
                       ") exceeds the sequence length " + std::to_string(seqLen));
  }
}

at::Tensor keepWithContext(const at::Tensor& picked, int64_t visualStart, int64_t imageTokens,
                           int64_t seqLen, const std::string& what) {
  requireWindow(visualStart, imageTokens, seqLen, what);
  at::Tensor p = detail::requireRank(picked, 1, what + ": picked");
  detail::requireIntegral(p, what + ": picked");
  p = p.to(at::kLong);
  if (p.numel() > 0) {
    const int64_t lo = p.min().item<int64_t>(), hi = p.max().item<int64_t>();
    if (lo < visualStart || hi >= visualStart + imageTokens) {
      throw PruningError(what + ": picked index outside the visual window [" +
                         std::to_string(visualStart) + ", " +
                         std::to_string(visualStart + imageTokens) + ")");
    }
  }
  const at::Tensor sortedPicked = std::get<0>(p.sort());
  if (sortedPicked.numel() > 1 &&
      (sortedPicked.slice(0, 1) == sortedPicked.slice(0, 0, -1)).any().item<bool>()) {
    throw PruningError(what + ": picked indices contain duplicates");
  }
  return at::cat({at::arange(visualStart, at::kLong), sortedPicked,
                  at::arange(visualStart + imageTokens, seqLen, at::kLong)});
}

at::Tensor gatherTokens(const at::Tensor& hidden, const at::Tensor& index,
                        const std::string& what) {
  if (!hidden.defined()) throw PruningError(what + ": hidden is undefined");
  const bool batched = hidden.dim() == 3;
  const at::Tensor h = detail::requireRank(hidden, 2, what + ": hidden");
  at::Tensor idx = detail::requireRank(index, 1, what + ": index");
  detail::requireIntegral(idx, what + ": index");
  idx = idx.to(at::kLong);
  if (idx.numel() > 0 &&
      (idx.min().item<int64_t>() < 0 || idx.max().item<int64_t>() >= h.size(0))) {
    throw PruningError(what + ": index out of range for " + std::to_string(h.size(0)) + " tokens");
  }
  const at::Tensor out = h.index_select(0, idx);
  return batched ? out.unsqueeze(0) : out;
}

at::Tensor rmsNorm(const at::Tensor& hidden, const at::Tensor& weight, double eps,
                   const std::string& what) {
  if (!hidden.defined() || hidden.dim() < 1) throw PruningError(what + ": hidden is undefined");
  detail::requireFloating(hidden, what + ": hidden");
  const at::Tensor w = detail::requireRank(weight, 1, what + ": norm weight");
  if (w.size(0) != hidden.size(-1)) {
    throw PruningError(what + ": norm weight has " + std::to_string(w.size(0)) +
                       " entries, hidden width is " + std::to_string(hidden.size(-1)));
  }
  if (!(eps > 0) || !std::isfinite(eps))
    throw PruningError(what + ": eps must be a finite number > 0");
  const at::Tensor x = hidden.to(at::kFloat);
  const at::Tensor var = x.pow(2).mean(-1, /*keepdim=*/true);
  return w * (x * at::rsqrt(var + eps)).to(hidden.scalar_type());
}

int64_t scaleLayerIndex(int64_t layer32, int64_t llmLayers) {
  return pyRound(static_cast<double>(layer32) * static_cast<double>(llmLayers) / 32.0);
}

double solveClosest(const std::function<double(double)>& f, double lo, double hi, double target) {
  if (f(lo) >= target) return lo;
  if (f(hi) <= target) return hi;
  for (int i = 0; i < 200 && hi - lo > 1e-15; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (f(mid) < target)
      lo = mid;
    else
      hi = mid;
  }
  return std::abs(f(hi) - target) <= std::abs(f(lo) - target) ? hi : lo;
}

}  // namespace vitcop::pruning
