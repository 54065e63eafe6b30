#pragma once
// PyramidDrop (method-spec 3.3; Cooperx521/PyramidDrop modeling_llama_pdrop.py pdrop_rank_drop).
// At each boundary layer r (prefill only) the image tokens are ranked by the attention of the
// last prompt token, recomputed with layer r's OWN input norm and q/k projections on layer r-1's
// output (PQ-01); the top n_{s+1} survive in ascending order and positions are renumbered
// contiguously (PQ-02).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/pruning/budget_schedule.h"

namespace vitcop::pruning {

struct PdropSettings {
  std::vector<int64_t> layers{8, 16, 24};          // boundaries: drop before these layers
  std::vector<int64_t> stageTokens{288, 144, 72};  // image tokens from each boundary on
  double lambda = 0.5;                             // informative: n_s ~ P lambda^s
  std::string origin = "authors default (lambda 0.5)";
};

// Counts trunc(P * ratio) of upstream's image_token_ratio_list (PQ-03: always relative to P).
std::vector<int64_t> pdropCountsFromRatios(const std::vector<double>& ratios, int64_t patches);

// Upstream default: layers [8,16,24], ratios [0.5,0.25,0.125] -> 288/144/72 (mean 270 on LLaVA).
PdropSettings pdropAuthorsDefault(const VisualGeometry& geometry);

// Our canonical schedules for (A) = 192 / 128 / 64 (spec 3.9), literal: layers [2,12,22],
// counts [286,142,71] / [201,70,24] / [78,10,1]. PruningError for other budgets.
PdropSettings pdropPreset(int budget);

// Layer-averaged budget B: the preset on LLaVA geometry for 192/128/64; else spec 6.9: layers
// rhe([2,12,22] L/32) (strictly increasing; boundaries past L-1 dropped), counts trunc(P lambda^s)
// with lambda solved numerically so that the layer average is closest to B.
PdropSettings pdropSettingsForBudget(double budgetTokens, const VisualGeometry& geometry);

// Layers strictly increasing in [1, L-1]; counts in [1, P], non-increasing.
void validatePdrop(const PdropSettings& settings, const VisualGeometry& geometry);

std::vector<int64_t> pdropLayerVisualTokens(const PdropSettings& settings,
                                            const VisualGeometry& geometry);

// Layer r's weights used for the ranking (nn.Linear layout [out, in], no bias).
struct PdropRankLayer {
  at::Tensor normWeight;  // [D] input_layernorm weight
  double normEps = 1e-6;
  at::Tensor qWeight;  // [n_h * hd, D]
  at::Tensor kWeight;  // [n_kv * hd, D]
  int64_t heads = 32;
  int64_t kvHeads = 32;  // query head h uses KV head h / (n_h / n_kv) (PQ-04)
  double ropeBase = 10000.0;
};

// Head-mean softmax(q_last k^T / sqrt(hd)) over keys 0..queryIndex (causal), softmax in fp32,
// of the image columns [imageStart, imageStart + imageTokens). Positions are 0..n-1 (contiguous,
// PQ-02); RoPE angles in fp32 as transformers. `hidden` is layer r-1's output [n, D] (or
// [1, n, D]); queryIndex = last prompt token (prompt_len + n_s - 1). Returns [imageTokens].
at::Tensor pdropScores(const at::Tensor& hidden, const PdropRankLayer& layer, int64_t queryIndex,
                       int64_t imageStart, int64_t imageTokens);

struct PdropDrop {
  at::Tensor keep;       // int64 [keep] ascending absolute indices of the kept image tokens
  at::Tensor hidden;     // prefix ++ kept ++ suffix (batch dim kept if given)
  at::Tensor positions;  // int64 arange(n'): renumbered positions
};

// keep = ascending(topk_largest(scores, keepCount)) + imageStart; a pure gather.
PdropDrop pdropDrop(const at::Tensor& hidden, const at::Tensor& scores, int64_t keepCount,
                    int64_t imageStart);

}  // namespace vitcop::pruning
