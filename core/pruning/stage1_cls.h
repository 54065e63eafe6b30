#pragma once
// ViTCoP Stage I (method-spec 2.3, generalized 6.2 and 6.10): keep the N_v patches with the
// largest class-token attention, emitted in raster order, plus the grid positions VIC needs.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace vitcop::pruning {

// Saliency per patch from the class-token query row of block b*: `clsRow` is [H, 1+P] (or
// [1, H, 1+P], or the full [1, H, 1+P, 1+P] probabilities, of which row 0 is read). Column 0
// (CLS->CLS) is dropped; heads are SUMMED, not averaged (VQ-03). Returns [P] in clsRow's dtype.
at::Tensor clsSaliency(const at::Tensor& clsRow);

// Saliency for a tower without class token (spec 6.2, proposal): mean over heads and query rows
// of the attention each patch receives. `attn` is [H, P, P] (or [1, H, P, P]). Returns [P].
at::Tensor receivedAttentionSaliency(const at::Tensor& attn);

struct Stage1Selection {
  at::Tensor topkOrder;   // int64 [N_v]: patch indices by descending saliency (ties: lower index)
  at::Tensor keptSorted;  // int64 [N_v]: the same set ascending = LLM token order (VQ-05)
};

// topk_largest(saliency, keep) with the port tie rule of spec 0.4 / VQ-38 (sort by value
// descending, lower index first among equal values). `saliency` is [P] (or [1, P]); keep in
// [1, P]; NaN is rejected.
Stage1Selection stage1Select(const at::Tensor& saliency, int64_t keep);

// Video (spec 6.10): `saliency` is [F, P]; keeps `keepPerFrame` per frame and returns global
// indices f * P + p, frame-major and raster within a frame (topkOrder is per frame, concatenated).
Stage1Selection stage1SelectFrames(const at::Tensor& saliency, int64_t keepPerFrame);

// Grid positions of the kept patches as VIC expects them (VQ-06): float32 [n, 2] with
// (row / gridH, col / gridW), row first, where (row, col) = (p % P) divmod gridW. With
// `isotropic` both axes are divided by max(gridH, gridW) (spec 6.6, proposal, default off).
at::Tensor gridPositions(const at::Tensor& keptSorted, int64_t gridH, int64_t gridW,
                         bool isotropic = false);

// Frame index f = p // P of each kept token (int64 [n]) for the VIC temporal gate (spec 6.10).
at::Tensor frameIndices(const at::Tensor& keptSorted, int64_t patchesPerFrame);

// Rows of a per-token tensor for the kept patches: `tokens` is [N, D] (or [1, N, D]) by token
// index; with a class token at row 0 (`hasClassToken`), patch p is row 1 + p (VQ-02). Returns
// [n, D], a pure gather.
at::Tensor gatherPatchRows(const at::Tensor& tokens, const at::Tensor& keptSorted,
                           bool hasClassToken = true);

}  // namespace vitcop::pruning
