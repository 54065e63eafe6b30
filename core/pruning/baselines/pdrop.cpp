#include "core/pruning/baselines/pdrop.h"

#include <ATen/ATen.h>

#include <cmath>

#include "core/pruning/baselines/baseline_common.h"
#include "core/pruning/numeric.h"
#include "core/pruning/pruning_error.h"
#include "core/pruning/tensor_checks.h"

namespace vitcop::pruning {
namespace {

// transformers' LLaMA RoPE: inv_freq = 1 / base^(arange(0, d, 2) / d) in fp32, angle =
// position * inv_freq in fp32, emb = cat(f, f); x cos + rotate_half(x) sin.
at::Tensor applyRope(const at::Tensor& x, const at::Tensor& positions, double base) {
  const int64_t d = x.size(-1);
  const at::Tensor invFreq =
      1.0 / at::pow(base, at::arange(0, d, 2, at::kLong).to(at::kFloat) / static_cast<double>(d));
  const at::Tensor f = positions.to(at::kFloat).unsqueeze(1) * invFreq.unsqueeze(0);  // [n, d/2]
  const at::Tensor emb = at::cat({f, f}, -1);
  const at::Tensor cos = emb.cos().to(x.scalar_type()), sin = emb.sin().to(x.scalar_type());
  const at::Tensor rotated = at::cat({-x.slice(-1, d / 2), x.slice(-1, 0, d / 2)}, -1);
  return x * cos + rotated * sin;
}

std::vector<int64_t> countsFor(double lambda, int64_t P, size_t stages) {
  std::vector<int64_t> c;
  for (size_t s = 1; s <= stages; ++s)
    c.push_back(std::max<int64_t>(
        1, pyTrunc(static_cast<double>(P) * std::pow(lambda, static_cast<double>(s)))));
  return c;
}

}  // namespace

std::vector<int64_t> pdropCountsFromRatios(const std::vector<double>& ratios, int64_t P) {
  std::vector<int64_t> out;
  for (size_t i = 0; i < ratios.size(); ++i) {
    if (!(ratios[i] > 0) || ratios[i] > 1) {
      throw PruningError("pdrop: image_token_ratio_list[" + std::to_string(i) +
                         "] must be in (0, 1], got " + std::to_string(ratios[i]));
    }
    out.push_back(pyTrunc(static_cast<double>(P) * ratios[i]));
  }
  return out;
}

PdropSettings pdropAuthorsDefault(const VisualGeometry& g) {
  PdropSettings s;
  s.layers = {8, 16, 24};
  s.stageTokens = pdropCountsFromRatios({0.5, 0.25, 0.125}, g.visualTokens());
  s.lambda = 0.5;
  s.origin = "authors default (lambda 0.5)";
  validatePdrop(s, g);
  return s;
}

PdropSettings pdropPreset(int b) {
  PdropSettings s;
  s.layers = {2, 12, 22};
  switch (b) {
    case 192:
      s.stageTokens = {286, 142, 71}, s.lambda = 0.498;
      break;
    case 128:
      s.stageTokens = {201, 70, 24}, s.lambda = 0.349;
      break;
    case 64:
      s.stageTokens = {78, 10, 1}, s.lambda = 0.137;
      break;
    default:
      throw PruningError("pdrop: no preset for budget " + std::to_string(b) +
                         " (presets: 192, 128, 64)");
  }
  s.origin = "ours " + std::to_string(b) + " (spec 3.9)";
  return s;
}

void validatePdrop(const PdropSettings& s, const VisualGeometry& g) {
  const int64_t L = g.llmLayers, P = g.visualTokens();
  if (s.layers.empty()) throw PruningError("pdrop: layers must not be empty");
  if (s.layers.size() != s.stageTokens.size()) {
    throw PruningError("pdrop: stageTokens has " + std::to_string(s.stageTokens.size()) +
                       " entries for " + std::to_string(s.layers.size()) + " layers");
  }
  for (size_t i = 0; i < s.layers.size(); ++i) {
    const std::string at = "[" + std::to_string(i) + "]";
    if (s.layers[i] < 1 || s.layers[i] > L - 1) {
      throw PruningError("pdrop: layers" + at + " must be in [1, " + std::to_string(L - 1) +
                         "], got " + std::to_string(s.layers[i]));
    }
    if (i > 0 && s.layers[i] <= s.layers[i - 1])
      throw PruningError("pdrop: layers must be strictly increasing");
    const int64_t prev = i == 0 ? P : s.stageTokens[i - 1];
    if (s.stageTokens[i] < 1 || s.stageTokens[i] > prev) {
      throw PruningError("pdrop: stageTokens" + at + " must be in [1, " + std::to_string(prev) +
                         "], got " + std::to_string(s.stageTokens[i]));
    }
  }
}

PdropSettings pdropSettingsForBudget(double B, const VisualGeometry& g) {
  if (!std::isfinite(B) || B <= 0) throw PruningError("pdrop: budget must be a finite number > 0");
  if (isLlavaGeometry(g) && B == std::floor(B)) {
    const int b = static_cast<int>(B);
    if (b == 192 || b == 128 || b == 64) return pdropPreset(b);
  }
  const int64_t L = g.llmLayers, P = g.visualTokens();
  if (B > static_cast<double>(P)) {
    throw PruningError("pdrop: budget " + std::to_string(B) + " exceeds the " + std::to_string(P) +
                       " visual tokens");
  }
  PdropSettings s;
  s.layers.clear();
  for (int64_t base : {2, 12, 22}) {
    int64_t l = std::max<int64_t>(1, scaleLayerIndex(base, L));
    if (!s.layers.empty() && l <= s.layers.back()) l = s.layers.back() + 1;
    s.layers.push_back(l);
  }
  // Boundaries past the last layer drop nothing, so shallow decoders (L < 4) keep the stages
  // that fit (at least one).
  while (s.layers.size() > 1 && s.layers.back() > L - 1)
    s.layers.pop_back();
  auto average = [&](double lambda) {
    PdropSettings t = s;
    t.stageTokens = countsFor(lambda, P, s.layers.size());
    return meanVisualTokens(pdropLayerVisualTokens(t, g));
  };
  s.stageTokens = countsFor(1.0, P, s.layers.size());
  validatePdrop(s, g);
  s.lambda = solveClosest(average, 0.0, 1.0, B);
  s.stageTokens = countsFor(s.lambda, P, s.layers.size());
  s.origin = "derived (spec 6.9)";
  return s;
}

std::vector<int64_t> pdropLayerVisualTokens(const PdropSettings& s, const VisualGeometry& g) {
  validatePdrop(s, g);
  std::vector<int64_t> out(static_cast<size_t>(g.llmLayers), g.visualTokens());
  for (size_t i = 0; i < s.layers.size(); ++i) {
    for (int64_t l = s.layers[i]; l < g.llmLayers; ++l)
      out[static_cast<size_t>(l)] = s.stageTokens[i];
  }
  return out;
}

at::Tensor pdropScores(const at::Tensor& hidden, const PdropRankLayer& layer, int64_t queryIndex,
                       int64_t imageStart, int64_t imageTokens) {
  const std::string fn = "pdropScores";
  const at::Tensor h = detail::requireRank(hidden, 2, fn + ": hidden");
  detail::requireFloating(h, fn + ": hidden");
  const int64_t n = h.size(0), D = h.size(1);
  if (queryIndex < 0 || queryIndex >= n) {
    throw PruningError(fn + ": queryIndex must be in [0, " + std::to_string(n - 1) + "], got " +
                       std::to_string(queryIndex));
  }
  requireWindow(imageStart, imageTokens, queryIndex + 1, fn);
  if (layer.heads < 1 || layer.kvHeads < 1 || layer.heads % layer.kvHeads != 0) {
    throw PruningError(fn + ": heads (" + std::to_string(layer.heads) +
                       ") must be a positive multiple of kvHeads (" +
                       std::to_string(layer.kvHeads) + ")");
  }
  const at::Tensor wq = detail::requireRank(layer.qWeight, 2, fn + ": qWeight");
  const at::Tensor wk = detail::requireRank(layer.kWeight, 2, fn + ": kWeight");
  if (wq.size(1) != D || wq.size(0) % layer.heads != 0) {
    throw PruningError(fn + ": qWeight must be [heads * hd, " + std::to_string(D) + "], got " +
                       c10::str(wq.sizes()));
  }
  const int64_t hd = wq.size(0) / layer.heads;
  if (wk.size(1) != D || wk.size(0) != layer.kvHeads * hd) {
    throw PruningError(fn + ": kWeight must be [" + std::to_string(layer.kvHeads * hd) + ", " +
                       std::to_string(D) + "], got " + c10::str(wk.sizes()));
  }
  if (!std::isfinite(layer.ropeBase) || layer.ropeBase <= 1)
    throw PruningError(fn + ": ropeBase must be a finite number > 1");
  const at::Tensor x = rmsNorm(h, layer.normWeight, layer.normEps, fn);
  const int64_t len = queryIndex + 1;  // causal: the query sees keys 0..queryIndex
  const at::Tensor pos = at::arange(n, at::kLong);
  at::Tensor q = at::matmul(x.slice(0, queryIndex, len), wq.t()).view({1, layer.heads, hd});
  at::Tensor k = at::matmul(x.slice(0, 0, len), wk.t()).view({len, layer.kvHeads, hd});
  q = applyRope(q.transpose(0, 1), pos.slice(0, queryIndex, len), layer.ropeBase);  // [H,1,hd]
  k = applyRope(k.transpose(0, 1), pos.slice(0, 0, len), layer.ropeBase);           // [Hkv,len,hd]
  k = k.repeat_interleave(layer.heads / layer.kvHeads, 0);                          // PQ-04
  const at::Tensor logits = at::matmul(q, k.transpose(1, 2)) / std::sqrt(static_cast<double>(hd));
  const at::Tensor p = at::softmax(logits, -1, at::kFloat).to(h.scalar_type());  // [H, 1, len]
  const at::Tensor scores = p.mean(0).select(0, 0).slice(0, imageStart, imageStart + imageTokens);
  detail::requireFinite(scores, fn + ": scores");
  return scores;
}

PdropDrop pdropDrop(const at::Tensor& hidden, const at::Tensor& scores, int64_t keepCount,
                    int64_t imageStart) {
  const bool batched = hidden.defined() && hidden.dim() == 3;
  const at::Tensor h = detail::requireRank(hidden, 2, "pdropDrop: hidden");
  const at::Tensor s = detail::requireRank(scores, 1, "pdropDrop: scores");
  const int64_t nImg = s.size(0);
  requireWindow(imageStart, nImg, h.size(0), "pdropDrop");
  if (keepCount < 1 || keepCount > nImg) {
    throw PruningError("pdropDrop: keepCount must be in [1, " + std::to_string(nImg) + "], got " +
                       std::to_string(keepCount));
  }
  PdropDrop out;
  out.keep = std::get<0>(topkLargest(s, keepCount, "pdropDrop").sort()) + imageStart;
  const at::Tensor rows = keepWithContext(out.keep, imageStart, nImg, h.size(0), "pdropDrop");
  const at::Tensor g = h.index_select(0, rows);
  out.hidden = batched ? g.unsqueeze(0) : g;
  out.positions = at::arange(rows.numel(), at::kLong);
  return out;
}

}  // namespace vitcop::pruning
