#pragma once
// DivPrune (method-spec 3.6; vbdi/divprune llava_arch.py DivPrune): on the projected visual
// tokens at the LLM input, greedy max-min diversity over the cosine distance 1 - x^ x^T. Kept
// tokens go back in ascending order; positions are contiguous.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

#include "core/pruning/budget_schedule.h"

namespace vitcop::pruning {

struct DivpruneSettings {
  double ratio = 0.098;  // SUBSET_RATIO (paper default: 56 of 576)
  std::string origin = "authors default (ratio 0.098)";
  // M = trunc(rhe(ratio * P)).
  int64_t selected(int64_t visualTokens) const;
};

// Ratio B/576 as the literals 0.3333 / 0.2222 / 0.1111 (-> 192 / 128 / 64 tokens, spec 3.6).
DivpruneSettings divprunePreset(int budget);
// Budget B: the preset on LLaVA geometry for 192/128/64; else ratio = B / P (spec 6.9).
DivpruneSettings divpruneSettingsForBudget(double budgetTokens, const VisualGeometry& geometry);
// ratio in (0, 1] and at least one selected token.
void validateDivprune(const DivpruneSettings& settings, const VisualGeometry& geometry);

// Dist = 1 - X^ X^T with rows divided by their L2 norms (no epsilon). `features` [N, D] (or
// [1, N, D]); zero rows are rejected (upstream would produce NaN).
at::Tensor divpruneDistance(const at::Tensor& features);

struct DivpruneSelection {
  at::Tensor order;        // int64 [M]: tokens in selection order (relative to the image window)
  at::Tensor sorted;       // int64 [M]: the same ascending = LLM order
  at::Tensor minDistance;  // [M]: the max-min value each pick won with (step 0: 2nd smallest)
};

// Greedy selection of `count` tokens (spec 3.6 step 4). Already selected tokens are excluded
// explicitly (XQ-02 port decision); ties go to the lower index.
DivpruneSelection divpruneSelect(const at::Tensor& features, int64_t count);

}  // namespace vitcop::pruning
