#include "core/pruning/baselines/divprune.h"

#include <ATen/ATen.h>

#include <cmath>
#include <limits>

#include "core/pruning/baselines/baseline_common.h"
#include "core/pruning/numeric.h"
#include "core/pruning/pruning_error.h"
#include "core/pruning/tensor_checks.h"

namespace vitcop::pruning {

int64_t DivpruneSettings::selected(int64_t visualTokens) const {
  return pyTrunc(roundHalfEven(ratio * static_cast<double>(visualTokens)));
}

DivpruneSettings divprunePreset(int b) {
  DivpruneSettings s;
  switch (b) {
    case 192:
      s.ratio = 0.3333;
      break;
    case 128:
      s.ratio = 0.2222;
      break;
    case 64:
      s.ratio = 0.1111;
      break;
    default:
      throw PruningError("divprune: no preset for budget " + std::to_string(b) +
                         " (presets: 192, 128, 64)");
  }
  s.origin = "ratio B/576 for " + std::to_string(b);
  return s;
}

void validateDivprune(const DivpruneSettings& s, const VisualGeometry& g) {
  if (!(s.ratio > 0) || s.ratio > 1)
    throw PruningError("divprune: ratio must be in (0, 1], got " + std::to_string(s.ratio));
  if (s.selected(g.visualTokens()) < 1) {
    throw PruningError("divprune: ratio " + std::to_string(s.ratio) + " selects no token of " +
                       std::to_string(g.visualTokens()));
  }
}

DivpruneSettings divpruneSettingsForBudget(double B, const VisualGeometry& g) {
  if (!std::isfinite(B) || B <= 0)
    throw PruningError("divprune: budget must be a finite number > 0");
  if (isLlavaGeometry(g) && B == std::floor(B)) {
    const int b = static_cast<int>(B);
    if (b == 192 || b == 128 || b == 64) return divprunePreset(b);
  }
  DivpruneSettings s;
  s.ratio = B / static_cast<double>(g.visualTokens());
  s.origin = "derived (spec 6.9)";
  validateDivprune(s, g);
  return s;
}

at::Tensor divpruneDistance(const at::Tensor& features) {
  const at::Tensor x = detail::requireRank(features, 2, "divpruneDistance: features");
  detail::requireFloating(x, "divpruneDistance: features");
  detail::requireFinite(x, "divpruneDistance: features");
  const at::Tensor norms = x.norm(2, -1, /*keepdim=*/true);
  if ((norms == 0).any().item<bool>())
    throw PruningError("divpruneDistance: features contain a zero row (cosine undefined)");
  const at::Tensor xn = x / norms;
  return 1 - at::matmul(xn, xn.t());
}

DivpruneSelection divpruneSelect(const at::Tensor& features, int64_t count) {
  const at::Tensor dist = divpruneDistance(features).to(at::kDouble).contiguous();
  const int64_t N = dist.size(0);
  if (count < 1 || count > N) {
    throw PruningError("divpruneSelect: count must be in [1, " + std::to_string(N) + "], got " +
                       std::to_string(count));
  }
  const double* d = dist.data_ptr<double>();
  std::vector<double> minDist(static_cast<size_t>(N));
  std::vector<bool> taken(static_cast<size_t>(N), false);
  std::vector<int64_t> order;
  std::vector<double> won;
  // Step 0: second smallest entry of each column (the smallest is the ~0 self-distance).
  for (int64_t j = 0; j < N; ++j) {
    double a = std::numeric_limits<double>::infinity(), b = a;
    for (int64_t i = 0; i < N; ++i) {
      const double v = d[i * N + j];
      if (v < a) {
        b = a;
        a = v;
      } else if (v < b) {
        b = v;
      }
    }
    minDist[static_cast<size_t>(j)] = N > 1 ? b : a;
  }
  for (int64_t step = 0; step < count; ++step) {
    int64_t best = -1;
    for (int64_t j = 0; j < N; ++j) {
      if (taken[static_cast<size_t>(j)]) continue;  // XQ-02
      if (best < 0 || minDist[static_cast<size_t>(j)] > minDist[static_cast<size_t>(best)])
        best = j;
    }
    taken[static_cast<size_t>(best)] = true;
    order.push_back(best);
    won.push_back(minDist[static_cast<size_t>(best)]);
    if (step == 0) {
      // From step 1 on: min over the selected rows of Dist[s, j].
      for (int64_t j = 0; j < N; ++j)
        minDist[static_cast<size_t>(j)] = d[best * N + j];
    } else {
      for (int64_t j = 0; j < N; ++j)
        minDist[static_cast<size_t>(j)] =
            std::min(minDist[static_cast<size_t>(j)], d[best * N + j]);
    }
  }
  DivpruneSelection out;
  out.order = at::tensor(order, at::kLong);
  out.sorted = std::get<0>(out.order.sort());
  out.minDistance = at::tensor(won, at::kDouble);
  return out;
}

}  // namespace vitcop::pruning
