#pragma once
// DART (method-spec 3.5, Appendix A; ZichenWen1/DART modeling_llama_self.py
// get_retained_image_token). Before layer K: 4 image and 4 text pivots by the L1 norm of layer
// K-1's concatenated post-RoPE keys (DQ-01); visiting the 8 pivots in CPython set order (DQ-02),
// each picks the TOPK candidates least cosine-similar to it in the final-normed states (DQ-06).
// Retained = image pivots + picks (DQ-03, DQ-04); original positions (gaps).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/pruning/budget_schedule.h"

namespace vitcop::pruning {

struct DartSettings {
  int64_t layer = 2;  // K (pruned_layer)
  int64_t imagePivots = 4;
  int64_t textPivots = 4;
  std::optional<int64_t> maxTruncation = 128;  // M; when set, reductionRatio is ignored (DQ-05)
  double reductionRatio = 0.778;
  std::optional<int64_t> topkPerPivot;  // ours: TOPK given directly (spec 3.9, 6.9)
  std::string origin = "authors default (M 128)";
};

// TOPK per pivot: topkPerPivot if set, else M // (ip + tp), else
// (imageTokens (1 - reductionRatio)) // (ip + tp) as Python float floor division (DQ-05).
int64_t dartTokenTopk(const DartSettings& settings, int64_t imageTokens);
// Image tokens kept: ip + (ip + tp) TOPK (DQ-04).
int64_t dartRetained(const DartSettings& settings, int64_t imageTokens);

// Authors' retained-count presets: M = 192 / 128 / 64 at K = 2 -> 196 / 132 / 68 kept.
DartSettings dartAuthorsPreset(int budget);
// Our layer-average presets (spec 3.9): TOPK = 20 / 12 / 3 -> 164 / 100 / 28 kept.
DartSettings dartPreset(int budget);
// Layer-averaged budget B: dartPreset on LLaVA geometry for 192/128/64; else spec 6.9:
// K = max(1, rhe(2L/32)), TOPK = rhe((R - 4) / 8) with R as for FastV.
DartSettings dartSettingsForBudget(double budgetTokens, const VisualGeometry& geometry);

// K in [1, L-1], pivots >= 1 (image) / >= 0 (text), TOPK >= 1 and enough candidates.
void validateDart(const DartSettings& settings, const VisualGeometry& geometry);

std::vector<int64_t> dartLayerVisualTokens(const DartSettings& settings,
                                           const VisualGeometry& geometry);

struct DartPivots {
  std::vector<int64_t> image;  // absolute, top-k order (largest L1 norm first)
  std::vector<int64_t> text;   // absolute, among all tokens after the image, top-k order
};

// `keys` = layer K-1's post-RoPE keys [H, n, hd] (or [1, H, n, hd]), heads concatenated per
// token (head 0 first) before the L1 norm.
DartPivots dartPivots(const at::Tensor& keys, int64_t imageStart, int64_t imageTokens,
                      int64_t imagePivots, int64_t textPivots);

// Iteration order of a CPython 3.10/3.11 set built from `keys` (non-negative ints, hash = value)
// by inserting them in list order (Appendix A). Duplicates are ignored like set() does.
std::vector<int64_t> cpythonSetOrder(const std::vector<int64_t>& keys);

struct DartSelection {
  std::vector<int64_t> pivotOrder;          // pivots as visited
  std::vector<std::vector<int64_t>> picks;  // absolute picks per visited pivot, lowest cos first
  at::Tensor retainedSorted;                // int64 ascending: image pivots U all picks
  at::Tensor keep;                          // int64 ascending prefix U retained U suffix
};

// Greedy step (spec 3.5 steps 5-8) over `normed` = RMSNorm_final(layer K-1 output) [n, D] (or
// [1, n, D]); candidates = window minus image pivots, ascending; cosine with eps 1e-8.
// `pivotOrder` is the visiting order (e.g. cpythonSetOrder(image ++ text), or a recorded one).
DartSelection dartSelect(const at::Tensor& normed, const std::vector<int64_t>& imagePivots,
                         const std::vector<int64_t>& pivotOrder, int64_t imageStart,
                         int64_t imageTokens, int64_t topkPerPivot);

}  // namespace vitcop::pruning
