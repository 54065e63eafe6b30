#include "core/pruning/baselines/sparsevlm.h"

#include <ATen/ATen.h>

#include <cmath>

#include "core/pruning/baselines/baseline_common.h"
#include "core/pruning/numeric.h"
#include "core/pruning/pruning_error.h"
#include "core/pruning/tensor_checks.h"

namespace vitcop::pruning {
namespace {

SparsevlmSettings make(std::vector<int64_t> lists, int64_t label, const std::string& origin) {
  SparsevlmSettings s;
  s.layers = {2, 6, 15};
  s.retainLists = std::move(lists);
  s.retainTokens = label;
  s.origin = origin;
  return s;
}

}  // namespace

SparsevlmSettings sparsevlmPreset(int b) {
  const std::string o = "authors " + std::to_string(b) + " (score.py v1.x)";
  switch (b) {
    case 192:
      return make({300, 200, 110}, b, o);
    case 128:
      return make({303, 110, 36}, b, o);
    case 96:
      return make({238, 48, 26}, b, o);
    case 64:
      return make({66, 30, 17}, b, o);
    default:
      throw PruningError("sparsevlm: no preset for RETAIN_TOKN " + std::to_string(b) +
                         " (presets: 192, 128, 96, 64)");
  }
}

SparsevlmSettings sparsevlmVitcopAuthorsPreset(int b) {
  const std::string o = "ViTCoP authors " + std::to_string(b);
  switch (b) {
    case 166:
      return make({300, 200, 110}, b, o);
    case 30:
      return make({30, 17, 9}, b, o);
    case 13:
      return make({15, 7, 4}, b, o);
    default:
      throw PruningError("sparsevlm: no ViTCoP-authors preset for RETAINED_TOKENS " +
                         std::to_string(b) + " (presets: 166, 30, 13)");
  }
}

void validateSparsevlm(const SparsevlmSettings& s, const VisualGeometry& g) {
  const int64_t L = g.llmLayers;
  if (s.layers.empty()) throw PruningError("sparsevlm: layers must not be empty");
  if (s.layers.size() != s.retainLists.size()) {
    throw PruningError("sparsevlm: retainLists has " + std::to_string(s.retainLists.size()) +
                       " entries for " + std::to_string(s.layers.size()) + " layers");
  }
  for (size_t i = 0; i < s.layers.size(); ++i) {
    if (s.layers[i] < 0 || s.layers[i] > L - 2) {
      throw PruningError("sparsevlm: layers[" + std::to_string(i) + "] must be in [0, " +
                         std::to_string(L - 2) + "], got " + std::to_string(s.layers[i]));
    }
    if (i > 0 && s.layers[i] <= s.layers[i - 1])
      throw PruningError("sparsevlm: layers must be strictly increasing");
    if (s.retainLists[i] < 1) {
      throw PruningError("sparsevlm: retainLists[" + std::to_string(i) + "] must be >= 1, got " +
                         std::to_string(s.retainLists[i]));
    }
  }
  if (g.visualTokens() < 2) throw PruningError("sparsevlm: needs at least 2 visual tokens");
}

int64_t sparsevlmRecycleCount(int64_t deleted) {
  return pyTrunc(0.3 * static_cast<double>(deleted)) + 1;
}

int64_t sparsevlmClusterCount(int64_t recycled) {
  return pyTrunc(static_cast<double>(recycled) / 10.0) + 1;
}

std::vector<SparsevlmStageCounts> sparsevlmStageCounts(const SparsevlmSettings& s,
                                                       const VisualGeometry& g) {
  validateSparsevlm(s, g);
  std::vector<SparsevlmStageCounts> out;
  int64_t n = g.visualTokens();
  for (int64_t list : s.retainLists) {
    SparsevlmStageCounts c;
    c.before = n;
    c.kept = std::min(list, n - 1);  // SQ-06
    c.deleted = n - c.kept;
    c.recycled = sparsevlmRecycleCount(c.deleted);
    c.clusters = sparsevlmClusterCount(c.recycled);
    c.after = c.kept + c.clusters;
    n = c.after;
    out.push_back(c);
  }
  return out;
}

std::vector<int64_t> sparsevlmLayerVisualTokens(const SparsevlmSettings& s,
                                                const VisualGeometry& g) {
  const auto stages = sparsevlmStageCounts(s, g);
  std::vector<int64_t> out(static_cast<size_t>(g.llmLayers), g.visualTokens());
  for (size_t i = 0; i < stages.size(); ++i) {
    // The pruning layer itself runs on the full sequence (SQ-02).
    for (int64_t l = s.layers[i] + 1; l < g.llmLayers; ++l)
      out[static_cast<size_t>(l)] = stages[i].after;
  }
  return out;
}

SparsevlmSettings sparsevlmSettingsForBudget(double B, const VisualGeometry& g) {
  if (!std::isfinite(B) || B <= 0)
    throw PruningError("sparsevlm: budget must be a finite number > 0");
  if (isLlavaGeometry(g) && B == std::floor(B)) {
    const int b = static_cast<int>(B);
    if (b == 192 || b == 128 || b == 96 || b == 64) return sparsevlmPreset(b);
  }
  const int64_t L = g.llmLayers, P = g.visualTokens();
  if (B > static_cast<double>(P)) {
    throw PruningError("sparsevlm: budget " + std::to_string(B) + " exceeds the " +
                       std::to_string(P) + " visual tokens");
  }
  SparsevlmSettings s;
  s.layers.clear();
  for (int64_t base : {2, 6, 15}) {
    int64_t l = scaleLayerIndex(base, L);
    if (!s.layers.empty() && l <= s.layers.back()) l = s.layers.back() + 1;
    s.layers.push_back(l);
  }
  // A stage after layer L-2 would prune for no layer, so very shallow decoders (L < 6: e.g.
  // the 3-layer test models) keep only the stages that fit; at least one always does.
  while (s.layers.size() > 1 && s.layers.back() > L - 2)
    s.layers.pop_back();
  const double shape = static_cast<double>(P) / 576.0;
  auto listsFor = [&](double x) {
    std::vector<int64_t> lists;
    for (double base : {300.0, 200.0, 110.0})
      if (lists.size() < s.layers.size())
        lists.push_back(std::clamp<int64_t>(pyRound(base * shape * x), 1, P));
    return lists;
  };
  auto average = [&](double x) {
    SparsevlmSettings t = s;
    t.retainLists = listsFor(x);
    return meanVisualTokens(sparsevlmLayerVisualTokens(t, g));
  };
  validateSparsevlm(SparsevlmSettings{s.layers, listsFor(1.0), 0, ""}, g);
  const double x = solveClosest(average, 0.0, 576.0 / 110.0 + 1.0, B);
  s.retainLists = listsFor(x);
  s.retainTokens = pyRound(B);
  s.origin = "derived (spec 6.9)";
  return s;
}

at::Tensor sparsevlmRaters(const at::Tensor& embeds, int64_t visualStart, int64_t imageTokens) {
  const std::string what = "sparsevlmRaters: embeds";
  const at::Tensor e = detail::requireRank(embeds, 2, what);
  detail::requireFloating(e, what);
  requireWindow(visualStart, imageTokens, e.size(0), "sparsevlmRaters");
  if (visualStart + imageTokens >= e.size(0))
    throw PruningError("sparsevlmRaters: no text token after the image");
  const at::Tensor V = e.slice(0, visualStart, visualStart + imageTokens);
  const at::Tensor X = e.slice(0, visualStart + imageTokens);
  const at::Tensor m = at::softmax(at::matmul(V, X.t()), -1).mean(0);  // [T]
  detail::requireFinite(m, what);
  return (m > m.mean()).nonzero().reshape({-1});
}

at::Tensor sparsevlmRelation(const at::Tensor& attention, const at::Tensor& rows,
                             int64_t visualStart, int64_t visualTokens) {
  const std::string what = "sparsevlmRelation: attention";
  const at::Tensor a = detail::requireRank(attention, 3, what);
  detail::requireFloating(a, what);
  at::Tensor r = detail::requireRank(rows, 1, "sparsevlmRelation: rows");
  detail::requireIntegral(r, "sparsevlmRelation: rows");
  if (r.numel() == 0) throw PruningError("sparsevlmRelation: rows must not be empty");
  r = r.to(at::kLong);
  if (r.min().item<int64_t>() < 0 || r.max().item<int64_t>() >= a.size(1)) {
    throw PruningError("sparsevlmRelation: rows out of range for " + std::to_string(a.size(1)) +
                       " query rows");
  }
  requireWindow(visualStart, visualTokens, a.size(2), "sparsevlmRelation");
  // Upstream order: head mean first, then the rater rows and image columns, then the rater mean.
  const at::Tensor rel =
      a.mean(0).index_select(0, r).slice(1, visualStart, visualStart + visualTokens).mean(0);
  detail::requireFinite(rel, what);
  return rel;
}

at::Tensor sparsevlmKeepMask(const at::Tensor& relation, int64_t listValue) {
  const at::Tensor rel = detail::requireRank(relation, 1, "sparsevlmKeepMask: relation");
  const int64_t n = rel.size(0);
  if (n < 2) throw PruningError("sparsevlmKeepMask: relation needs >= 2 visual tokens");
  if (listValue < 1) {
    throw PruningError("sparsevlmKeepMask: listValue must be >= 1, got " +
                       std::to_string(listValue));
  }
  const int64_t k = std::min(listValue, n - 1);  // SQ-06
  at::Tensor mask = at::zeros({n}, at::kBool);
  mask.index_fill_(0, topkLargest(rel, k, "sparsevlmKeepMask"), true);
  return mask;
}

ClusterMergeResult clusterAndMerge(const at::Tensor& xIn, int64_t clusters,
                                   const at::Tensor& densityNoise) {
  const std::string what = "clusterAndMerge: x";
  const at::Tensor x = detail::requireRank(xIn, 2, what);
  detail::requireFloating(x, what);
  detail::requireFinite(x, what);
  const int64_t m = x.size(0), C = x.size(1);
  if (clusters < 1 || clusters > m) {
    throw PruningError("clusterAndMerge: clusters must be in [1, " + std::to_string(m) + "], got " +
                       std::to_string(clusters));
  }
  // ||x_i - x_j|| / sqrt(C), by explicit differences (no |a|^2 + |b|^2 - 2ab shortcut).
  const at::Tensor dist =
      at::cdist(x.unsqueeze(0), x.unsqueeze(0), 2.0, /*compute_mode=*/2).squeeze(0) /
      std::pow(static_cast<double>(C), 0.5);
  const at::Tensor nearest = std::get<0>(dist.topk(clusters, -1, /*largest=*/false));
  at::Tensor density = (-(nearest.pow(2)).mean(-1)).exp();
  if (densityNoise.defined()) {
    const at::Tensor noise = detail::requireRank(densityNoise, 1, "clusterAndMerge: densityNoise");
    if (noise.size(0) != m)
      throw PruningError("clusterAndMerge: densityNoise must have " + std::to_string(m) +
                         " entries");
    density = density + noise.to(density.scalar_type());
  }
  // delta_i = min over j with density_j > density_i of dist_ij, else max(dist) (upstream form).
  const at::Tensor mask = (density.unsqueeze(0) > density.unsqueeze(1)).to(x.scalar_type());
  const at::Tensor distMax = dist.max();
  const at::Tensor delta = std::get<0>((dist * mask + distMax * (1 - mask)).min(-1));
  ClusterMergeResult out;
  out.density = density;
  out.score = delta * density;
  out.centres = topkLargest(out.score, clusters, "clusterAndMerge");
  at::Tensor assign = dist.index_select(0, out.centres).argmin(0);  // first centre on ties
  assign.index_put_({out.centres}, at::arange(clusters, at::kLong));
  out.assignment = assign;
  const at::Tensor weight = at::ones({m, 1}, x.options());
  const at::Tensor allWeight =
      at::zeros({clusters, 1}, x.options()).index_add_(0, assign, weight) + 1e-6;
  const at::Tensor norm = weight / allWeight.index_select(0, assign);
  out.merged = at::zeros({clusters, C}, x.options()).index_add_(0, assign, x * norm);
  return out;
}

SparsevlmStage sparsevlmPruneStage(const at::Tensor& hidden, const at::Tensor& relation,
                                   int64_t listValue, int64_t visualStart) {
  const bool batched = hidden.defined() && hidden.dim() == 3;
  const at::Tensor h = detail::requireRank(hidden, 2, "sparsevlmPruneStage: hidden");
  const at::Tensor rel = detail::requireRank(relation, 1, "sparsevlmPruneStage: relation");
  const int64_t nVis = rel.size(0);
  requireWindow(visualStart, nVis, h.size(0), "sparsevlmPruneStage");
  SparsevlmStage st;
  st.keepMask = sparsevlmKeepMask(rel, listValue);
  st.kept = st.keepMask.nonzero().reshape({-1});
  st.deleted = st.keepMask.logical_not().nonzero().reshape({-1});
  st.counts.before = nVis;
  st.counts.kept = st.kept.numel();
  st.counts.deleted = st.deleted.numel();
  st.counts.recycled = sparsevlmRecycleCount(st.counts.deleted);
  st.counts.clusters = sparsevlmClusterCount(st.counts.recycled);
  st.counts.after = st.counts.kept + st.counts.clusters;
  const at::Tensor order =
      topkLargest(rel.index_select(0, st.deleted), st.counts.recycled, "sparsevlmPruneStage");
  st.recycled = st.deleted.index_select(0, order);
  st.merge = clusterAndMerge(h.index_select(0, st.recycled + visualStart), st.counts.clusters);
  const at::Tensor out =
      at::cat({h.slice(0, 0, visualStart), h.index_select(0, st.kept + visualStart),
               st.merge.merged.to(h.scalar_type()), h.slice(0, visualStart + nVis)});
  st.hidden = batched ? out.unsqueeze(0) : out;
  return st;
}

}  // namespace vitcop::pruning
