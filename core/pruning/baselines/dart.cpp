#include "core/pruning/baselines/dart.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/pruning/baselines/baseline_common.h"
#include "core/pruning/baselines/fastv.h"
#include "core/pruning/numeric.h"
#include "core/pruning/pruning_error.h"
#include "core/pruning/tensor_checks.h"

namespace vitcop::pruning {
namespace {

// Python's float a // b for a >= 0, b > 0 (CPython float_floor_div: fmod-based, then snapped).
double pyFloorDiv(double a, double b) {
  const double mod = std::fmod(a, b);
  const double div = (a - mod) / b;
  double floordiv = std::floor(div);
  if (div - floordiv > 0.5) floordiv += 1.0;
  return floordiv;
}

std::vector<int64_t> toVector(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kLong).contiguous();
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

}  // namespace

int64_t dartTokenTopk(const DartSettings& s, int64_t imageTokens) {
  const int64_t pivots = s.imagePivots + s.textPivots;
  if (pivots < 1) throw PruningError("dart: imagePivots + textPivots must be >= 1");
  if (s.topkPerPivot) return *s.topkPerPivot;
  if (s.maxTruncation) return *s.maxTruncation / pivots;  // ceil() upstream is a no-op
  const double x = static_cast<double>(imageTokens) * (1.0 - s.reductionRatio);
  return static_cast<int64_t>(std::ceil(pyFloorDiv(x, static_cast<double>(pivots))));
}

int64_t dartRetained(const DartSettings& s, int64_t imageTokens) {
  return s.imagePivots + (s.imagePivots + s.textPivots) * dartTokenTopk(s, imageTokens);
}

DartSettings dartAuthorsPreset(int b) {
  if (b != 192 && b != 128 && b != 64) {
    throw PruningError("dart: no authors' preset for budget " + std::to_string(b) +
                       " (presets: 192, 128, 64)");
  }
  DartSettings s;
  s.maxTruncation = b;
  s.origin = "authors M " + std::to_string(b) + " (retained-count convention)";
  return s;
}

DartSettings dartPreset(int b) {
  DartSettings s;
  switch (b) {
    case 192:
      s.topkPerPivot = 20;
      break;
    case 128:
      s.topkPerPivot = 12;
      break;
    case 64:
      s.topkPerPivot = 3;
      break;
    default:
      throw PruningError("dart: no preset for budget " + std::to_string(b) +
                         " (presets: 192, 128, 64)");
  }
  s.maxTruncation.reset();
  s.origin = "ours " + std::to_string(b) + " (layer average, spec 3.9)";
  return s;
}

void validateDart(const DartSettings& s, const VisualGeometry& g) {
  const int64_t L = g.llmLayers, P = g.visualTokens();
  if (s.layer < 1 || s.layer > L - 1) {
    throw PruningError("dart: layer K must be in [1, " + std::to_string(L - 1) + "], got " +
                       std::to_string(s.layer));
  }
  if (s.imagePivots < 1 || s.imagePivots >= P) {
    throw PruningError("dart: imagePivots must be in [1, " + std::to_string(P - 1) + "], got " +
                       std::to_string(s.imagePivots));
  }
  if (s.textPivots < 0)
    throw PruningError("dart: textPivots must be >= 0, got " + std::to_string(s.textPivots));
  if (s.maxTruncation && *s.maxTruncation < 1) {
    throw PruningError("dart: maxTruncation must be >= 1, got " + std::to_string(*s.maxTruncation));
  }
  if (!s.maxTruncation && !s.topkPerPivot &&
      (!(s.reductionRatio >= 0) || !(s.reductionRatio < 1))) {
    throw PruningError("dart: reductionRatio must be in [0, 1)");
  }
  const int64_t topk = dartTokenTopk(s, P);
  if (topk < 1) {
    throw PruningError("dart: token topk per pivot must be >= 1, got " + std::to_string(topk));
  }
  const int64_t picks = (s.imagePivots + s.textPivots) * topk;
  if (picks > P - s.imagePivots) {
    throw PruningError("dart: " + std::to_string(picks) + " picks exceed the " +
                       std::to_string(P - s.imagePivots) + " candidate image tokens");
  }
}

DartSettings dartSettingsForBudget(double B, const VisualGeometry& g) {
  if (!std::isfinite(B) || B <= 0) throw PruningError("dart: budget must be a finite number > 0");
  if (isLlavaGeometry(g) && B == std::floor(B)) {
    const int b = static_cast<int>(B);
    if (b == 192 || b == 128 || b == 64) return dartPreset(b);
  }
  const FastvSettings f = fastvSettingsForBudget(B, g);
  DartSettings s;
  s.layer = f.aggLayer;
  s.maxTruncation.reset();
  s.topkPerPivot = std::max<int64_t>(1, pyRound(static_cast<double>(f.retained - 4) / 8.0));
  s.origin = "derived (spec 6.9)";
  validateDart(s, g);
  return s;
}

std::vector<int64_t> dartLayerVisualTokens(const DartSettings& s, const VisualGeometry& g) {
  validateDart(s, g);
  std::vector<int64_t> out(static_cast<size_t>(g.llmLayers), g.visualTokens());
  const int64_t kept = dartRetained(s, g.visualTokens());
  for (int64_t l = s.layer; l < g.llmLayers; ++l)
    out[static_cast<size_t>(l)] = kept;
  return out;
}

DartPivots dartPivots(const at::Tensor& keys, int64_t imageStart, int64_t imageTokens,
                      int64_t imagePivots, int64_t textPivots) {
  const at::Tensor k = detail::requireRank(keys, 3, "dartPivots: keys");
  detail::requireFloating(k, "dartPivots: keys");
  const int64_t n = k.size(1);
  requireWindow(imageStart, imageTokens, n, "dartPivots");
  const int64_t textTokens = n - imageStart - imageTokens;
  if (imagePivots < 1 || imagePivots > imageTokens) {
    throw PruningError("dartPivots: imagePivots must be in [1, " + std::to_string(imageTokens) +
                       "], got " + std::to_string(imagePivots));
  }
  if (textPivots < 0 || textPivots > textTokens) {
    throw PruningError("dartPivots: textPivots must be in [0, " + std::to_string(textTokens) +
                       "], got " + std::to_string(textPivots));
  }
  // [H, n, hd] -> [n, H*hd], head 0's dims first, then the L1 norm per token.
  const at::Tensor l1 = k.permute({1, 0, 2}).reshape({n, -1}).abs().sum(-1);
  DartPivots out;
  out.image = toVector(
      topkLargest(l1.slice(0, imageStart, imageStart + imageTokens), imagePivots, "dartPivots") +
      imageStart);
  out.text = toVector(topkLargest(l1.slice(0, imageStart + imageTokens), textPivots, "dartPivots") +
                      imageStart + imageTokens);
  return out;
}

std::vector<int64_t> cpythonSetOrder(const std::vector<int64_t>& keys) {
  constexpr uint64_t kLinearProbes = 9;
  std::vector<std::optional<int64_t>> table(8);
  uint64_t used = 0, fill = 0;
  auto insertClean = [](std::vector<std::optional<int64_t>>& t, int64_t key) {
    const uint64_t mask = t.size() - 1;
    uint64_t perturb = static_cast<uint64_t>(key);
    uint64_t i = static_cast<uint64_t>(key) & mask;
    while (true) {
      if (!t[i]) return t[i] = key, void();
      if (i + kLinearProbes <= mask) {
        for (uint64_t j = 1; j <= kLinearProbes; ++j) {
          if (!t[i + j]) return t[i + j] = key, void();
        }
      }
      perturb >>= 5;
      i = (i * 5 + 1 + perturb) & mask;
    }
  };
  for (int64_t key : keys) {
    if (key < 0)
      throw PruningError("cpythonSetOrder: keys must be >= 0, got " + std::to_string(key));
    if (std::find(table.begin(), table.end(), std::optional<int64_t>(key)) != table.end()) continue;
    insertClean(table, key);
    ++used;
    ++fill;
    const uint64_t mask = table.size() - 1;
    if (fill * 5 >= mask * 3) {
      size_t newSize = 8;
      while (newSize <= 4 * used)
        newSize <<= 1;
      std::vector<std::optional<int64_t>> bigger(newSize);
      for (const auto& slot : table) {  // ascending old slot order
        if (slot) insertClean(bigger, *slot);
      }
      table.swap(bigger);
      fill = used;
    }
  }
  std::vector<int64_t> order;
  for (const auto& slot : table) {
    if (slot) order.push_back(*slot);
  }
  return order;
}

DartSelection dartSelect(const at::Tensor& normed, const std::vector<int64_t>& imagePivots,
                         const std::vector<int64_t>& pivotOrder, int64_t imageStart,
                         int64_t imageTokens, int64_t topkPerPivot) {
  const at::Tensor h = detail::requireRank(normed, 2, "dartSelect: normed");
  detail::requireFloating(h, "dartSelect: normed");
  const int64_t n = h.size(0);
  requireWindow(imageStart, imageTokens, n, "dartSelect");
  std::set<int64_t> retained;
  for (int64_t p : imagePivots) {
    if (p < imageStart || p >= imageStart + imageTokens)
      throw PruningError("dartSelect: image pivot " + std::to_string(p) + " outside the image");
    retained.insert(p);
  }
  for (int64_t p : pivotOrder) {
    if (p < 0 || p >= n)
      throw PruningError("dartSelect: pivot " + std::to_string(p) + " outside the sequence");
  }
  if (topkPerPivot < 1)
    throw PruningError("dartSelect: topkPerPivot must be >= 1, got " +
                       std::to_string(topkPerPivot));
  const int64_t needed = static_cast<int64_t>(pivotOrder.size()) * topkPerPivot;
  if (needed > imageTokens - static_cast<int64_t>(retained.size())) {
    throw PruningError("dartSelect: " + std::to_string(needed) + " picks exceed the " +
                       std::to_string(imageTokens - static_cast<int64_t>(retained.size())) +
                       " candidate image tokens");
  }
  // Candidates: image window minus the image pivots, ascending (Appendix A, last paragraph).
  std::vector<int64_t> candidates;
  for (int64_t i = imageStart; i < imageStart + imageTokens; ++i) {
    if (!retained.count(i)) candidates.push_back(i);
  }
  DartSelection out;
  out.pivotOrder = pivotOrder;
  for (int64_t pivot : pivotOrder) {
    const at::Tensor cand = at::tensor(candidates, at::kLong);
    const at::Tensor cos =
        at::cosine_similarity(h.select(0, pivot).unsqueeze(0), h.index_select(0, cand), 1, 1e-8);
    // topk of -cos == the lowest similarities; spec 0.4 tie rule.
    const std::vector<int64_t> rel = toVector(topkSmallest(cos, topkPerPivot, "dartSelect"));
    std::vector<int64_t> picked;
    for (int64_t r : rel)
      picked.push_back(candidates[static_cast<size_t>(r)]);
    retained.insert(picked.begin(), picked.end());
    std::vector<int64_t> rest;
    std::set<int64_t> gone(picked.begin(), picked.end());
    for (int64_t c : candidates) {
      if (!gone.count(c)) rest.push_back(c);
    }
    candidates.swap(rest);
    out.picks.push_back(picked);
  }
  // Text pivots steer but are not retained (DQ-03): `retained` only ever holds image tokens.
  out.retainedSorted =
      at::tensor(std::vector<int64_t>(retained.begin(), retained.end()), at::kLong);
  out.keep = keepWithContext(out.retainedSorted, imageStart, imageTokens, n, "dartSelect");
  return out;
}

}  // namespace vitcop::pruning
