#include "core/pruning/baselines/visionzip.h"

#include <ATen/ATen.h>

#include <cmath>

#include "core/pruning/baselines/baseline_common.h"
#include "core/pruning/numeric.h"
#include "core/pruning/pruning_error.h"
#include "core/pruning/stage1_cls.h"
#include "core/pruning/tensor_checks.h"

namespace vitcop::pruning {
namespace {

VisionzipSettings make(int64_t d, int64_t c, const std::string& origin) {
  VisionzipSettings s;
  s.dominant = d;
  s.contextual = c;
  s.origin = origin;
  return s;
}

}  // namespace

VisionzipSettings visionzipPreset(int b) {
  const std::string o = "authors " + std::to_string(b);
  switch (b) {
    case 192:
      return make(162, 30, o);
    case 128:
      return make(108, 20, o);
    case 64:
      return make(54, 10, o);
    default:
      throw PruningError("visionzip: no preset for budget " + std::to_string(b) +
                         " (presets: 192, 128, 64)");
  }
}

VisionzipSettings visionzipVitcopAuthorsPreset(int b) {
  const std::string o = "ViTCoP authors " + std::to_string(b);
  switch (b) {
    case 192:
      return make(164, 28, o);
    case 96:
      return make(80, 16, o);
    case 64:
      return make(54, 10, o);
    case 48:
      return make(40, 8, o);
    default:
      throw PruningError("visionzip: no ViTCoP-authors preset for budget " + std::to_string(b) +
                         " (presets: 192, 96, 64, 48)");
  }
}

void validateVisionzip(const VisionzipSettings& s, const VisualGeometry& g) {
  const int64_t T = g.patches() + 1;  // class token + patches (one frame)
  if (s.dominant < 1 || s.dominant > T) {
    throw PruningError("visionzip: dominant must be in [1, " + std::to_string(T) + "], got " +
                       std::to_string(s.dominant));
  }
  if (s.contextual < 0 || s.contextual > T - s.dominant) {
    throw PruningError("visionzip: contextual must be in [0, " + std::to_string(T - s.dominant) +
                       "], got " + std::to_string(s.contextual));
  }
}

VisionzipSettings visionzipSettingsForBudget(double B, const VisualGeometry& g) {
  if (!std::isfinite(B) || B < 1)
    throw PruningError("visionzip: budget must be a finite number >= 1");
  if (isLlavaGeometry(g) && B == std::floor(B)) {
    const int b = static_cast<int>(B);
    if (b == 192 || b == 128 || b == 64) return visionzipPreset(b);
  }
  const int64_t total = pyRound(B);
  VisionzipSettings s;
  s.dominant = std::max<int64_t>(1, pyRound(B * 162.0 / 192.0));
  s.contextual = total - s.dominant;
  s.origin = "derived (spec 6.9)";
  validateVisionzip(s, g);
  return s;
}

at::Tensor visionzipMetric(const at::Tensor& keyProj, int64_t heads) {
  const at::Tensor k = detail::requireRank(keyProj, 2, "visionzipMetric: keyProj");
  detail::requireFloating(k, "visionzipMetric: keyProj");
  if (heads < 1 || k.size(1) % heads != 0) {
    throw PruningError("visionzipMetric: heads must divide the key width " +
                       std::to_string(k.size(1)) + ", got " + std::to_string(heads));
  }
  return k.view({k.size(0), heads, k.size(1) / heads}).mean(1);
}

VisionzipDominant visionzipDominant(const at::Tensor& clsRow, int64_t dominant) {
  const at::Tensor saliency = clsSaliency(clsRow);  // heads summed, class column dropped
  const int64_t P = saliency.size(0);
  if (dominant < 1 || dominant > P + 1) {
    throw PruningError("visionzipDominant: dominant must be in [1, " + std::to_string(P + 1) +
                       "], got " + std::to_string(dominant));
  }
  VisionzipDominant out;
  const at::Tensor top = topkLargest(saliency, dominant - 1, "visionzipDominant") + 1;  // ZQ-01
  out.topk = at::cat({at::zeros({1}, at::kLong), top});
  out.sorted = std::get<0>(out.topk.sort());
  return out;
}

VisionzipContextual visionzipContextual(const at::Tensor& hidden, const at::Tensor& metric,
                                        const at::Tensor& dominantSorted, int64_t contextual) {
  const std::string fn = "visionzipContextual";
  const at::Tensor h = detail::requireRank(hidden, 2, fn + ": hidden");
  const at::Tensor m = detail::requireRank(metric, 2, fn + ": metric");
  detail::requireFloating(h, fn + ": hidden");
  detail::requireFloating(m, fn + ": metric");
  const int64_t T = h.size(0);
  if (m.size(0) != T) {
    throw PruningError(fn + ": metric has " + std::to_string(m.size(0)) + " tokens, hidden has " +
                       std::to_string(T));
  }
  at::Tensor dom = detail::requireRank(dominantSorted, 1, fn + ": dominantSorted");
  detail::requireIntegral(dom, fn + ": dominantSorted");
  dom = dom.to(at::kLong);
  if (dom.numel() > 0 && (dom.min().item<int64_t>() < 0 || dom.max().item<int64_t>() >= T))
    throw PruningError(fn + ": dominantSorted index out of range for " + std::to_string(T));
  at::Tensor isDominant = at::zeros({T}, at::kBool).index_fill_(0, dom, true);
  if (isDominant.sum().item<int64_t>() != dom.numel())
    throw PruningError(fn + ": dominantSorted contains duplicates");
  VisionzipContextual out;
  out.remaining = isDominant.logical_not().nonzero().reshape({-1});
  const int64_t nRest = out.remaining.numel();
  if (contextual < 0 || contextual > nRest) {
    throw PruningError(fn + ": contextual must be in [0, " + std::to_string(nRest) + "], got " +
                       std::to_string(contextual));
  }
  const at::Tensor dominantRows = h.index_select(0, std::get<0>(dom.sort()));
  if (contextual == 0) {
    out.targets = at::zeros({0}, at::kLong);
    out.assignment = at::zeros({0}, at::kLong);
    out.counts = at::zeros({0}, at::kLong);
    out.tokens = dominantRows;
    return out;
  }
  const at::Tensor hRest = h.index_select(0, out.remaining);
  const at::Tensor mRest = m.index_select(0, out.remaining);
  const at::Tensor normed = mRest / mRest.norm(2, -1, /*keepdim=*/true);  // no epsilon (spec 3.4)
  const int64_t step = std::max<int64_t>(1, nRest / contextual);
  out.targets = at::arange(0, nRest, step, at::kLong).slice(0, 0, contextual);  // ZQ-04
  at::Tensor isTarget = at::zeros({nRest}, at::kBool).index_fill_(0, out.targets, true);
  const at::Tensor others = isTarget.logical_not().nonzero().reshape({-1});
  const at::Tensor sim =
      at::matmul(normed.index_select(0, others), normed.index_select(0, out.targets).t());
  out.assignment = sim.argmax(1);  // first target on ties
  const at::Tensor oneHot = at::zeros({others.numel(), contextual}, h.options())
                                .scatter_(1, out.assignment.unsqueeze(1), 1.0);
  out.counts = oneHot.sum(0).to(at::kLong);
  const at::Tensor denom = oneHot.sum(0).clamp_min(1).unsqueeze(1);
  const at::Tensor aggregated = at::matmul(oneHot.t(), hRest.index_select(0, others)) / denom;
  const at::Tensor ctx = hRest.index_select(0, out.targets) + aggregated;  // ZQ-03
  out.tokens = at::cat({dominantRows, ctx});
  return out;
}

}  // namespace vitcop::pruning
