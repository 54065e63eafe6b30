#pragma once
// FastV, in-place mode (method-spec 3.1; pkunlp-icler/FastV modeling_llama.py). Before decoder
// layer K the image tokens are ranked by the head-mean attention that the LAST token of the
// sequence pays them in layer K-1; the top R survive with their original positions (gaps).
// The engine supplies layer K-1's probabilities (FQ-05) and v_s from the splice (FQ-01).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/pruning/budget_schedule.h"

namespace vitcop::pruning {

struct FastvSettings {
  int64_t aggLayer = 2;    // K: tokens are dropped before this layer (K >= 1)
  int64_t retained = 166;  // R: image tokens kept from layer K on
  std::string origin = "ViTCoP authors 192";
};

// The ViTCoP authors' settings (spec 3.1, 3.9), literal: K = 2 and R = 166 / 98 / 64 / 30 for
// budgets 192 / 128 / 96 / 64. PruningError for any other budget.
FastvSettings fastvPreset(int budget);

// Settings for a layer-averaged budget B on `geometry`: the literal preset on LLaVA geometry for
// a preset budget, else spec 6.9: K = max(1, rhe(2L/32)), R = rhe((B L - K P) / (L - K)).
// PruningError (naming the budget) when R falls outside [1, P].
FastvSettings fastvSettingsForBudget(double budgetTokens, const VisualGeometry& geometry);

// K in [1, L-1], R in [1, F*P]; one-line PruningError naming the parameter.
void validateFastv(const FastvSettings& settings, const VisualGeometry& geometry);

// Visual tokens entering each layer during prefill: P for layers < K, R after.
std::vector<int64_t> fastvLayerVisualTokens(const FastvSettings& settings,
                                            const VisualGeometry& geometry);

// Image scores a_i = mean over heads of A[h, n-1, v_s + i], i < imageTokens. `attention` is
// layer K-1's probabilities [H, n, n] (or [1, H, n, n]), of which the last query row is read, or
// just that row [H, n].
at::Tensor fastvScores(const at::Tensor& attention, int64_t visualStart, int64_t imageTokens);

struct FastvSelection {
  at::Tensor topk;  // int64 [R] absolute indices in score order (ties: lower index first)
  at::Tensor keep;  // int64 [n - N_img + R] ascending absolute indices = position ids from K on
};

// top = topk_largest(scores, R) + v_s; keep = prefix U top U suffix (spec 3.1 steps 3-4).
FastvSelection fastvSelect(const at::Tensor& scores, int64_t retained, int64_t visualStart,
                           int64_t seqLen);

}  // namespace vitcop::pruning
