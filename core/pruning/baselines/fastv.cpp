#include "core/pruning/baselines/fastv.h"

#include <ATen/ATen.h>

#include <cmath>

#include "core/pruning/baselines/baseline_common.h"
#include "core/pruning/numeric.h"
#include "core/pruning/pruning_error.h"
#include "core/pruning/tensor_checks.h"

namespace vitcop::pruning {

FastvSettings fastvPreset(int budget) {
  FastvSettings s;
  s.aggLayer = 2;
  switch (budget) {
    case 192:
      s.retained = 166;
      break;
    case 128:
      s.retained = 98;
      break;
    case 96:
      s.retained = 64;
      break;
    case 64:
      s.retained = 30;
      break;
    default:
      throw PruningError("fastv: no preset for budget " + std::to_string(budget) +
                         " (presets: 192, 128, 96, 64)");
  }
  s.origin = "ViTCoP authors " + std::to_string(budget);
  return s;
}

void validateFastv(const FastvSettings& s, const VisualGeometry& g) {
  const int64_t L = g.llmLayers, P = g.visualTokens();
  if (L < 2) throw PruningError("fastv: llmLayers must be >= 2, got " + std::to_string(L));
  if (s.aggLayer < 1 || s.aggLayer > L - 1) {
    throw PruningError("fastv: aggLayer K must be in [1, " + std::to_string(L - 1) + "], got " +
                       std::to_string(s.aggLayer));
  }
  if (s.retained < 1 || s.retained > P) {
    throw PruningError("fastv: retained R must be in [1, " + std::to_string(P) + "], got " +
                       std::to_string(s.retained));
  }
}

FastvSettings fastvSettingsForBudget(double B, const VisualGeometry& g) {
  if (!std::isfinite(B) || B <= 0) throw PruningError("fastv: budget must be a finite number > 0");
  if (isLlavaGeometry(g) && B == std::floor(B)) {
    const int b = static_cast<int>(B);
    if (b == 192 || b == 128 || b == 96 || b == 64) return fastvPreset(b);
  }
  const int64_t L = g.llmLayers, P = g.visualTokens();
  if (L < 2) throw PruningError("fastv: llmLayers must be >= 2, got " + std::to_string(L));
  FastvSettings s;
  s.aggLayer = std::max<int64_t>(1, pyRound(2.0 * static_cast<double>(L) / 32.0));
  const double K = static_cast<double>(s.aggLayer);
  s.retained = pyRound((B * static_cast<double>(L) - K * static_cast<double>(P)) /
                       (static_cast<double>(L) - K));
  if (s.retained < 1 || s.retained > P) {
    throw PruningError("fastv: budget " + std::to_string(B) +
                       " gives retained R = " + std::to_string(s.retained) + " outside [1, " +
                       std::to_string(P) + "] at aggLayer " + std::to_string(s.aggLayer));
  }
  s.origin = "derived (spec 6.9)";
  validateFastv(s, g);
  return s;
}

std::vector<int64_t> fastvLayerVisualTokens(const FastvSettings& s, const VisualGeometry& g) {
  validateFastv(s, g);
  std::vector<int64_t> out(static_cast<size_t>(g.llmLayers), g.visualTokens());
  for (int64_t l = s.aggLayer; l < g.llmLayers; ++l)
    out[static_cast<size_t>(l)] = s.retained;
  return out;
}

at::Tensor fastvScores(const at::Tensor& attention, int64_t visualStart, int64_t imageTokens) {
  const std::string what = "fastvScores: attention";
  if (!attention.defined()) throw PruningError(what + ": tensor is undefined");
  at::Tensor a = attention;
  if (a.dim() == 4) {
    if (a.size(0) != 1)
      throw PruningError(what + ": batch must be 1, got shape " + c10::str(a.sizes()));
    a = a.select(0, 0);
  }
  if (a.dim() == 3) {
    if (a.size(1) != a.size(2))
      throw PruningError(what + ": expected [H, n, n], got shape " + c10::str(attention.sizes()));
    a = a.select(1, a.size(1) - 1);  // the last token's query row (FQ-02: prefill's last token)
  }
  a = detail::requireRank(a, 2, what);
  detail::requireFloating(a, what);
  requireWindow(visualStart, imageTokens, a.size(1), "fastvScores");
  const at::Tensor scores = a.mean(0).slice(0, visualStart, visualStart + imageTokens);
  detail::requireFinite(scores, what);
  return scores;
}

FastvSelection fastvSelect(const at::Tensor& scores, int64_t retained, int64_t visualStart,
                           int64_t seqLen) {
  const at::Tensor s = detail::requireRank(scores, 1, "fastvSelect: scores");
  const int64_t nImg = s.size(0);
  if (retained < 1 || retained > nImg) {
    throw PruningError("fastvSelect: retained R must be in [1, " + std::to_string(nImg) +
                       "], got " + std::to_string(retained));
  }
  FastvSelection out;
  out.topk = topkLargest(s, retained, "fastvSelect") + visualStart;
  out.keep = keepWithContext(out.topk, visualStart, nImg, seqLen, "fastvSelect");
  return out;
}

}  // namespace vitcop::pruning
