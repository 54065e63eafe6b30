#pragma once
// VisionZip (method-spec 3.4; dvlab-research/VisionZip visionzip/clip_encoder.py, utils.py).
// After CLIP block b* (22 for LLaVA-1.5): `dominant` tokens = the class token plus the patches
// with the largest class-token attention summed over heads (ZQ-01, ZQ-02); the other tokens are
// folded into `contextual` tokens, each a uniformly strided target plus the mean of the tokens
// whose normalised head-mean key is most similar to it (ZQ-03, ZQ-04).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/pruning/budget_schedule.h"

namespace vitcop::pruning {

struct VisionzipSettings {
  int64_t dominant = 162;  // class token included (ZQ-01)
  int64_t contextual = 30;
  std::string origin = "authors 192";
  int64_t outputTokens() const { return dominant + contextual; }
};

// Paper / README splits: 192 -> 162+30, 128 -> 108+20, 64 -> 54+10.
VisionzipSettings visionzipPreset(int budget);
// The ViTCoP authors' splits: 192 -> 164+28, 96 -> 80+16, 64 -> 54+10, 48 -> 40+8.
VisionzipSettings visionzipVitcopAuthorsPreset(int budget);

// Budget B (flat count): the preset on LLaVA geometry for 192/128/64; else spec 6.9:
// dominant = rhe(B * 162/192), contextual = B - dominant (B rounded half-even to an integer).
VisionzipSettings visionzipSettingsForBudget(double budgetTokens, const VisualGeometry& geometry);

// dominant in [1, P+1] (at least the class token), contextual in [0, P+1 - dominant].
void validateVisionzip(const VisionzipSettings& settings, const VisualGeometry& geometry);

// Head-mean key metric: `keyProj` [T, Dk] (or [1, T, Dk]) viewed [T, heads, Dk/heads] and
// averaged over the heads -> [T, Dk/heads].
at::Tensor visionzipMetric(const at::Tensor& keyProj, int64_t heads);

struct VisionzipDominant {
  at::Tensor topk;    // int64 [dominant] TOKEN indices: 0 (class), then patches+1 by score
  at::Tensor sorted;  // the same ascending: the order of the dominant output rows
};

// `clsRow` as for clsSaliency ([H, 1+P], [1, H, 1+P] or full probabilities).
VisionzipDominant visionzipDominant(const at::Tensor& clsRow, int64_t dominant);

struct VisionzipContextual {
  at::Tensor remaining;   // int64 [N_rest] token indices not dominant, ascending
  at::Tensor targets;     // int64 [contextual] indices into `remaining`: 0, step, 2 step, ...
  at::Tensor assignment;  // int64 [N_rest - contextual]: target slot of each non-target token
  at::Tensor counts;      // int64 [contextual]: tokens assigned to each target
  at::Tensor tokens;      // [dominant + contextual, D]: dominant rows, then contextual rows
};

// `hidden` [1+P, D] (or batched) block-b* states with the class token; `metric` [1+P, dm].
VisionzipContextual visionzipContextual(const at::Tensor& hidden, const at::Tensor& metric,
                                        const at::Tensor& dominantSorted, int64_t contextual);

}  // namespace vitcop::pruning
