#pragma once
// SparseVLM, v1.5 default path (method-spec 3.2; Gumpest/SparseVLMs modelling_sparse_llama.py,
// score.py, utils.py). Raters are chosen once from the input embeddings (SQ-01); after each
// pruning layer (2, 6, 15) the image tokens are ranked by the raters' head-mean attention, the
// top k_s kept in relative order, and the best 30 % of the deleted ones recycled into c_s merged
// tokens by DPC-kNN (cluster_and_merge), appended after the kept tokens. Positions are then
// renumbered contiguously (SQ-03).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/pruning/budget_schedule.h"

namespace vitcop::pruning {

struct SparsevlmSettings {
  std::vector<int64_t> layers{2, 6, 15};            // pruning happens on these layers' output
  std::vector<int64_t> retainLists{300, 200, 110};  // list[s]: tokens kept at stage s
  int64_t retainTokens = 192;                       // RETAIN_TOKN label (nominal accounting)
  std::string origin = "authors 192 (score.py v1.x)";
};

// The v1.x lists of score.py (spec 3.2): 192 -> [300,200,110], 128 -> [303,110,36],
// 96 -> [238,48,26], 64 -> [66,30,17], layers [2,6,15]. PruningError for other budgets.
SparsevlmSettings sparsevlmPreset(int retainTokens);

// The ViTCoP authors' lists (spec 3.2): 166 -> [300,200,110], 30 -> [30,17,9], 13 -> [15,7,4].
SparsevlmSettings sparsevlmVitcopAuthorsPreset(int retainedTokens);

// Layer-averaged budget B on `geometry`: the authors' preset on LLaVA geometry for a preset
// budget (its real average is reported by sparsevlmLayerVisualTokens, e.g. 206.5 for 192);
// else spec 6.9: layers rhe([2,6,15] L/32) made strictly increasing (stages past layer L-2 dropped
// on very shallow decoders), the 192 list shape scaled by
// P/576 and by a factor re-solved so that the realised layer average is closest to B.
SparsevlmSettings sparsevlmSettingsForBudget(double budgetTokens, const VisualGeometry& geometry);

// Layers strictly increasing in [0, L-2], one positive list entry per layer.
void validateSparsevlm(const SparsevlmSettings& settings, const VisualGeometry& geometry);

// Token counts of one stage (spec 3.2 steps 4-5).
struct SparsevlmStageCounts {
  int64_t before = 0;    // n_vis entering the stage
  int64_t kept = 0;      // k_s = min(list[s], n_vis - 1) (SQ-06)
  int64_t deleted = 0;   // n_vis - k_s
  int64_t recycled = 0;  // m_s = trunc(0.3 n_del) + 1
  int64_t clusters = 0;  // c_s = trunc(m_s / 10) + 1
  int64_t after = 0;     // k_s + c_s
};
int64_t sparsevlmRecycleCount(int64_t deleted);   // m_s
int64_t sparsevlmClusterCount(int64_t recycled);  // c_s
std::vector<SparsevlmStageCounts> sparsevlmStageCounts(const SparsevlmSettings& settings,
                                                       const VisualGeometry& geometry);
// Visual tokens per layer: P up to and including layers[0], then each stage's `after` (SQ-02).
std::vector<int64_t> sparsevlmLayerVisualTokens(const SparsevlmSettings& settings,
                                                const VisualGeometry& geometry);

// Raters (spec 3.2 step 1): V = E[v_s : v_s+N_img], X = E[v_s+N_img :], softmax(V X^T) over the
// text axis, mean over visual rows -> m [T]; raters = { j : m_j > mean(m) }, ascending, relative
// to the suffix start. `embeds` is [n, D] (or [1, n, D]).
at::Tensor sparsevlmRaters(const at::Tensor& embeds, int64_t visualStart, int64_t imageTokens);

// rel_i = mean over rows r of (mean over heads of attention[h, r, v_s + i]), i < visualTokens.
// `attention` is [H, Q, n] (or [1, H, Q, n]): the full [H, n, n] matrix with `rows` = absolute
// rater rows (t0 + raters), or only the rater rows with `rows` = arange(Q). Returns [visualTokens].
at::Tensor sparsevlmRelation(const at::Tensor& attention, const at::Tensor& rows,
                             int64_t visualStart, int64_t visualTokens);

// keep mask of topk_largest(relation, min(listValue, n_vis - 1)) (spec 3.2 step 4).
at::Tensor sparsevlmKeepMask(const at::Tensor& relation, int64_t listValue);

struct ClusterMergeResult {
  at::Tensor centres;     // int64 [c]: centre rows in descending score order (ties: lower index)
  at::Tensor assignment;  // int64 [m]: cluster (0..c-1) of each row; centres own their cluster
  at::Tensor merged;      // [c, C]: sum of members / (count + 1e-6), in centre order
  at::Tensor density;     // [m] (noise included when given)
  at::Tensor score;       // [m] delta * density
};

// cluster_and_merge (DPC-kNN) of utils.py on x [m, C] (or [1, m, C]) with c clusters.
// `densityNoise` ([m], optional) is added to the densities as upstream's rand * 1e-6; the port
// default omits it (SQ-05 port decision) and breaks ties by lower index.
ClusterMergeResult clusterAndMerge(const at::Tensor& x, int64_t clusters,
                                   const at::Tensor& densityNoise = at::Tensor());

struct SparsevlmStage {
  at::Tensor keepMask;       // bool [n_vis]
  at::Tensor kept;           // int64 [k_s] relative indices, ascending
  at::Tensor deleted;        // int64 [n_del] relative indices, ascending
  at::Tensor recycled;       // int64 [m_s] relative indices of the recycled tokens, descending rel
  ClusterMergeResult merge;  // over hidden rows of `recycled`
  at::Tensor hidden;         // prefix ++ kept ++ merged ++ suffix (batch dim kept if given)
  SparsevlmStageCounts counts;
};

// One pruning stage on the pruning layer's OUTPUT `hidden` ([n, D] or [1, n, D]) with the
// visual window [visualStart, visualStart + relation.numel()). New positions: arange(n').
SparsevlmStage sparsevlmPruneStage(const at::Tensor& hidden, const at::Tensor& relation,
                                   int64_t listValue, int64_t visualStart);

}  // namespace vitcop::pruning
