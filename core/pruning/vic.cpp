#include "core/pruning/vic.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "core/pruning/numeric.h"
#include "core/pruning/pruning_error.h"
#include "core/pruning/tensor_checks.h"

namespace vitcop::pruning {
namespace {

// Largest [rows, n, Dk] difference block we materialise (elements): ~32 MB in float32.
constexpr int64_t kBlockElements = int64_t{8} << 20;

// Distances, densities and comparisons run in the feature dtype for float32/float64; half types
// are upcast to float32 (CPU half kernels are incomplete; spec 0.4 makes fp32 the default).
at::ScalarType computeType(at::ScalarType t) {
  return t == at::kDouble ? at::kDouble : at::kFloat;
}

template <typename T>
void parentsAndDelta(const at::Tensor& dist, const at::Tensor& rho, const at::Tensor& admissible,
                     at::Tensor& delta, at::Tensor& parent) {
  const int64_t n = dist.size(0);
  const T* d = dist.data_ptr<T>();
  const T* r = rho.data_ptr<T>();
  const bool* ok = admissible.data_ptr<bool>();
  T* del = delta.data_ptr<T>();
  int64_t* par = parent.data_ptr<int64_t>();
  const T inf = std::numeric_limits<T>::infinity();
  for (int64_t i = 0; i < n; ++i) {
    // Upstream: min over j of where(valid, dist, inf), valid = !(rho_i > rho_j) (VQ-10) and
    // spatially admissible, j != i. Strict '<' keeps the first index attaining the minimum; an
    // all-inf row yields index 0 (VQ-11).
    T best = inf;
    int64_t arg = 0;
    for (int64_t j = 0; j < n; ++j) {
      if (j == i || r[i] > r[j] || !ok[i * n + j]) continue;
      if (d[i * n + j] < best) best = d[i * n + j], arg = j;
    }
    del[i] = best;
    par[i] = arg;
  }
}

}  // namespace

at::Tensor vicPairwiseDistances(const at::Tensor& x) {
  at::Tensor v = detail::requireRank(x, 2, "vicPairwiseDistances: x");
  detail::requireFloating(v, "vicPairwiseDistances: x");
  v = v.contiguous();
  const int64_t n = v.size(0), width = v.size(1);
  if (width <= 8) {
    // Positions (width 2): upstream's direct form, sum((X[i] - X[j]) ** 2), exactly (VQ-06, the
    // spatial gate compares against tau inclusively, so keep its arithmetic).
    at::Tensor out = at::empty({n, n}, v.options());
    const int64_t rows = std::max<int64_t>(1, kBlockElements / std::max<int64_t>(1, n * width));
    for (int64_t i0 = 0; i0 < n; i0 += rows) {
      const int64_t i1 = std::min(n, i0 + rows);
      at::Tensor diff = v.slice(0, i0, i1).unsqueeze(1) - v.unsqueeze(0);
      out.slice(0, i0, i1).copy_(at::sqrt(diff.pow(2).sum(2) + 1e-8));
    }
    return at::clamp_min(out, 0.0);
  }
  // Features (1024-d keys): |xi|^2 + |xj|^2 - 2 xi.xj as one float64 GEMM. Upstream's direct
  // form materialises [n, n, Dk] (300 MB for 288 tokens) and costs ~100x more; in float64 the
  // expansion's cancellation error (~1e-16 of |x|^2) stays far below float32's own rounding of
  // the direct sum, so the float32 result agrees with it to rounding (cross-checked).
  const at::Tensor d = v.to(at::kDouble);
  const at::Tensor sq = d.pow(2).sum(1);
  at::Tensor d2 = (sq.unsqueeze(1) + sq.unsqueeze(0)) - 2.0 * at::mm(d, d.t());
  d2.clamp_min_(0.0).diagonal().zero_();  // exact zeros on the diagonal, as the direct form
  return at::sqrt(d2 + 1e-8).to(v.scalar_type());
}

VicResult runVic(const at::Tensor& features, const at::Tensor& positions, const VicOptions& o,
                 const at::Tensor& frames) {
  at::Tensor X = detail::requireRank(features, 2, "runVic: features");
  detail::requireFloating(X, "runVic: features");
  at::Tensor pos = detail::requireRank(positions, 2, "runVic: positions");
  detail::requireFloating(pos, "runVic: positions");
  const int64_t n = X.size(0);
  if (pos.size(0) != n) {
    throw PruningError("runVic: positions has " + std::to_string(pos.size(0)) +
                       " rows but features has " + std::to_string(n));
  }
  if (!(o.densityCutoff > 0) || !std::isfinite(o.densityCutoff)) {
    throw PruningError("runVic: density cutoff dc must be a finite number > 0");
  }
  if (!(o.spatialRadius > 0) || !std::isfinite(o.spatialRadius)) {
    throw PruningError("runVic: spatial radius must be a finite number > 0");
  }
  if (!(o.centreFraction > 0 && o.centreFraction < 1)) {
    throw PruningError("runVic: centre fraction p must be in (0, 1)");
  }
  if (o.frameWindow < 0) throw PruningError("runVic: frameWindow must be >= 0");
  at::Tensor fr;
  if (frames.defined()) {
    fr = detail::requireRank(frames, 1, "runVic: frames");
    detail::requireIntegral(fr, "runVic: frames");
    if (fr.size(0) != n) {
      throw PruningError("runVic: frames has " + std::to_string(fr.size(0)) +
                         " entries but features has " + std::to_string(n) + " rows");
    }
    fr = fr.to(at::kLong);
  }
  detail::requireFinite(X, "runVic: features");
  detail::requireFinite(pos, "runVic: positions");

  const at::ScalarType ct = computeType(X.scalar_type());
  X = X.to(ct);
  pos = pos.scalar_type() == at::kDouble ? pos : pos.to(at::kFloat);
  VicResult res;
  if (n == 0) {
    const auto empty = at::empty({0}, at::TensorOptions().dtype(ct));
    res.distances = at::empty({0, 0}, empty.options());
    res.rho = res.delta = res.gamma = empty;
    res.parent = res.centres = res.labels = at::empty({0}, at::kLong);
    return res;
  }

  // 1-2. Feature distances with zero diagonal; density with the self term (VQ-08, VQ-09).
  at::Tensor dist = vicPairwiseDistances(X);
  dist.fill_diagonal_(0);
  at::Tensor kernel = at::exp(-(dist / o.densityCutoff).pow(2));
  at::Tensor temporal;
  if (fr.defined()) temporal = (fr.unsqueeze(1) - fr.unsqueeze(0)).abs() <= o.frameWindow;
  if (temporal.defined() && o.densityInWindow) kernel = kernel * temporal.to(ct);
  at::Tensor rho = kernel.sum(1);

  // 3-5. Spatial gate (inclusive), optional temporal gate, nearest denser admissible token.
  at::Tensor admissible = vicPairwiseDistances(pos) <= o.spatialRadius;
  if (temporal.defined()) admissible = admissible & temporal;
  admissible = admissible.contiguous();
  dist = dist.contiguous();
  rho = rho.contiguous();
  at::Tensor delta = at::empty({n}, X.options());
  at::Tensor parent = at::empty({n}, at::kLong);
  if (ct == at::kDouble) {
    parentsAndDelta<double>(dist, rho, admissible, delta, parent);
  } else {
    parentsAndDelta<float>(dist, rho, admissible, delta, parent);
  }

  // 6-7. gamma = delta * rho; centres = first C of a stable descending-gamma order (VQ-12/13).
  at::Tensor gamma = delta * rho;
  const at::Tensor g64 = gamma.to(at::kDouble).contiguous();
  const double* g = g64.data_ptr<double>();
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [g](int64_t a, int64_t b) { return g[a] > g[b]; });
  const int64_t C = std::max<int64_t>(1, pyTrunc(o.centreFraction * static_cast<double>(n)));
  std::vector<int64_t> centres(order.begin(), order.begin() + std::min(C, n));

  // 8-9. Synchronous propagation along parents until a sweep changes nothing; leftovers -1.
  std::vector<int64_t> labels(static_cast<size_t>(n), -1);
  for (size_t r = 0; r < centres.size(); ++r)
    labels[static_cast<size_t>(centres[r])] = static_cast<int64_t>(r);
  const int64_t* par = parent.data_ptr<int64_t>();
  for (;;) {
    std::vector<int64_t> next = labels;
    bool changed = false;
    for (int64_t i = 0; i < n; ++i) {
      const auto ui = static_cast<size_t>(i);
      const int64_t src = labels[static_cast<size_t>(par[i])];
      if (labels[ui] == -1 && src != -1) next[ui] = src, changed = true;
    }
    if (!changed) break;
    labels.swap(next);
    ++res.sweeps;
  }

  res.distances = dist;
  res.rho = rho;
  res.delta = delta;
  res.parent = parent;
  res.gamma = gamma;
  res.centres = at::tensor(centres, at::kLong);
  res.labels = at::tensor(labels, at::kLong);
  return res;
}

double medianPairwiseDistance(const at::Tensor& features) {
  at::Tensor X = detail::requireRank(features, 2, "medianPairwiseDistance: features");
  detail::requireFloating(X, "medianPairwiseDistance: features");
  detail::requireFinite(X, "medianPairwiseDistance: features");
  const int64_t n = X.size(0);
  if (n < 2) throw PruningError("medianPairwiseDistance: features needs at least 2 rows");
  at::Tensor d = vicPairwiseDistances(X.to(at::kDouble));
  at::Tensor iu = at::triu_indices(n, n, 1);
  at::Tensor vals = d.index({iu[0], iu[1]});
  // Lower median (torch.median convention) of the n(n-1)/2 distances.
  return at::median(vals).item<double>();
}

double calibratedDensityCutoff(double modelMedian, double clipMedian) {
  if (!(modelMedian > 0) || !(clipMedian > 0) || !std::isfinite(modelMedian) ||
      !std::isfinite(clipMedian)) {
    throw PruningError("calibratedDensityCutoff: medians must be finite numbers > 0");
  }
  return 8.0 * modelMedian / clipMedian;
}

double heuristicDensityCutoff(int64_t keyWidth, double sigmaModel, double sigmaClip) {
  if (keyWidth < 1) throw PruningError("heuristicDensityCutoff: key width must be >= 1");
  if (!(sigmaModel > 0) || !(sigmaClip > 0) || !std::isfinite(sigmaModel) ||
      !std::isfinite(sigmaClip)) {
    throw PruningError("heuristicDensityCutoff: sigmas must be finite numbers > 0");
  }
  return 8.0 * std::sqrt(static_cast<double>(keyWidth) / 1024.0) * sigmaModel / sigmaClip;
}

}  // namespace vitcop::pruning
