#pragma once
// VIC: the density-peaks clustering of ViTCoP's official class VIC (utils.py, method-spec 2.4),
// with every intermediate returned for the inspector, plus the spec-6.10 temporal gate for
// video and the spec-6.7 density-cutoff helpers.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace vitcop::pruning {

struct VicOptions {
  double densityCutoff = 8.0;    // dc (absolute key units; 8 for CLIP-L)
  double centreFraction = 0.18;  // p: C = max(1, trunc(p * n))  (VQ-13)
  double spatialRadius = 0.6;    // k (tau): admissible iff spatial distance <= k (inclusive)
  // Video (spec 6.10, proposal): with frame indices given, a parent must also satisfy
  // |f_i - f_j| <= frameWindow; with densityInWindow the density sums only over that window.
  int64_t frameWindow = 1;
  bool densityInWindow = false;
};

struct VicResult {
  at::Tensor distances;  // [n, n] feature distances (VQ-08), compute dtype
  at::Tensor rho;        // [n] density, self term included (VQ-09)
  at::Tensor delta;      // [n] distance to the parent, +inf if none (VQ-11)
  at::Tensor parent;     // int64 [n] nearest denser admissible token; 0 when delta = +inf
  at::Tensor gamma;      // [n] delta * rho
  at::Tensor centres;    // int64 [C] token indices by descending gamma; centre r has label r
  at::Tensor labels;     // int64 [n] 0..C-1, or -1 when the parent chain misses every centre
  int64_t sweeps = 0;    // propagation sweeps that changed something
};

// Runs VIC on `features` [n, Dk] (float; [1, n, Dk] accepted) with `positions` [n, 2]
// (row/G_h, col/G_w as from gridPositions; float32 as upstream). `frames` (int64 [n]) enables
// the temporal gate; leave it undefined for images. The compute dtype is the feature dtype for
// float32/float64 and float32 for half types (port: upstream fp16 ties resolve per spec 0.4).
// Ties: parent = first index attaining the minimum; centres by a stable descending-gamma order
// (lower index first, +inf first) -- spec 0.4 / VQ-12. n = 0 returns empty tensors.
VicResult runVic(const at::Tensor& features, const at::Tensor& positions, const VicOptions& options,
                 const at::Tensor& frames = at::Tensor());

// Upstream's distance: sqrt(sum_f (x_if - x_jf)^2 + 1e-8), clamped at 0; the caller zeroes the
// diagonal for features (upstream does not for positions). Computed in row blocks so that the
// [n, n, Dk] difference tensor upstream materialises never exists at once.
at::Tensor vicPairwiseDistances(const at::Tensor& x);

// ---- density cutoff for other towers (spec 6.7, proposal) ----
// Median over i < j of the Euclidean distances between the rows of `features` [n, Dk].
double medianPairwiseDistance(const at::Tensor& features);
// Model-level calibration: 8 * modelMedian / clipMedian.
double calibratedDensityCutoff(double modelMedian, double clipMedian);
// Fallback heuristic: 8 * sqrt(Dk / 1024) * sigmaModel / sigmaClip.
double heuristicDensityCutoff(int64_t keyWidth, double sigmaModel, double sigmaClip);

}  // namespace vitcop::pruning
