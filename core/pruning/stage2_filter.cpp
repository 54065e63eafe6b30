#include "core/pruning/stage2_filter.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "core/pruning/numeric.h"
#include "core/pruning/pruning_error.h"
#include "core/pruning/tensor_checks.h"

namespace vitcop::pruning {
namespace {

std::vector<int64_t> toVector(const at::Tensor& t) {
  at::Tensor c = t.to(at::kLong).contiguous();
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

std::vector<double> toDoubles(const at::Tensor& t) {
  at::Tensor c = t.to(at::kDouble).contiguous();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

// The `count` entries of `idx` with the smallest value, ascending value, lower index first on ties
// (topk(largest=False) with the spec-0.4 port rule).
std::vector<int64_t> smallest(const std::vector<int64_t>& idx, const std::vector<double>& value,
                              int64_t count) {
  std::vector<int64_t> order = idx;
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return value[static_cast<size_t>(a)] < value[static_cast<size_t>(b)];
  });
  order.resize(static_cast<size_t>(count));
  return order;
}

int64_t upperMedian(std::vector<int64_t> group) {
  std::sort(group.begin(), group.end());
  return group[group.size() / 2];  // element floor(|G|/2) of the ascending indices (VQ-24)
}

std::vector<int64_t> addOffset(std::vector<int64_t> v, int64_t offset) {
  for (auto& x : v)
    x += offset;
  return v;
}

std::vector<int64_t> sortedSlots(const Stage2Selection& s) {
  std::vector<int64_t> slots = s.selected;
  slots.insert(slots.end(), s.mergedPositions.begin(), s.mergedPositions.end());
  std::sort(slots.begin(), slots.end());
  return slots;
}

// Position ids as rows: [n] (1-D RoPE; [1, n] accepted) or [n, c] (c components, e.g. 3-D ids).
at::Tensor positionRows(const at::Tensor& prev, const std::string& what) {
  if (!prev.defined()) throw PruningError(what + ": tensor is undefined");
  at::Tensor p = prev.dim() == 2 && prev.size(0) == 1 ? prev.squeeze(0) : prev;
  if (p.dim() != 1 && p.dim() != 2) {
    throw PruningError(what + ": expected [n] or [n, c] position ids, got shape " +
                       c10::str(prev.sizes()));
  }
  detail::requireIntegral(p, what);
  return p;
}

at::Tensor arangeLong(int64_t begin, int64_t end) {
  return at::arange(begin, std::max(begin, end), at::kLong);
}

}  // namespace

at::Tensor keyNorm(const at::Tensor& keys) {
  at::Tensor k = detail::requireRank(keys, 3, "keyNorm: keys");
  detail::requireFloating(k, "keyNorm: keys");
  // Head mean first, then the L2 norm over the head dimension (VQ-18).
  return k.mean(0).norm(2, -1);
}

Stage2Selection stage2Select(const at::Tensor& labelsIn, const at::Tensor& kappaIn, int64_t target,
                             int64_t visualStart) {
  at::Tensor labelsT = detail::requireRank(labelsIn, 1, "stage2Select: labels");
  detail::requireIntegral(labelsT, "stage2Select: labels");
  at::Tensor kappaT = detail::requireRank(kappaIn, 1, "stage2Select: kappa");
  detail::requireFloating(kappaT, "stage2Select: kappa");
  detail::requireFinite(kappaT, "stage2Select: kappa");
  const int64_t Nv = labelsT.size(0);
  if (kappaT.size(0) != Nv) {
    throw PruningError("stage2Select: kappa has " + std::to_string(kappaT.size(0)) +
                       " entries but labels has " + std::to_string(Nv));
  }
  if (Nv < 1) throw PruningError("stage2Select: labels is empty");
  if (target < 1)
    throw PruningError("stage2Select: target R must be >= 1, got " + std::to_string(target));
  if (visualStart < 0) throw PruningError("stage2Select: visualStart must be >= 0");
  const std::vector<int64_t> labels = toVector(labelsT);
  const std::vector<double> kappa = toDoubles(kappaT);
  for (int64_t l : labels) {
    // Upstream's unique() skips labels < -1, silently dropping their tokens; VIC never makes them.
    if (l < -1)
      throw PruningError("stage2Select: labels contains " + std::to_string(l) + " (< -1)");
  }

  Stage2Selection s;
  s.visualStart = visualStart;
  s.visualTokens = Nv;
  s.target = target;
  // U = unique(labels) ascending, so -1 first (VQ-17); members ascending.
  std::map<int64_t, std::vector<int64_t>> byLabel;
  for (int64_t i = 0; i < Nv; ++i)
    byLabel[labels[static_cast<size_t>(i)]].push_back(i);
  const at::Tensor kappaC = kappaT.contiguous();
  for (auto& [label, members] : byLabel) {
    Stage2Cluster c;
    c.label = label;
    c.members = members;
    // A sum (not a mean) in kappa's dtype, as upstream's l2_norm[mask].sum().
    c.kappaSum = kappaC.index_select(0, at::tensor(members, at::kLong)).sum().item<double>();
    s.clusters.push_back(std::move(c));
  }
  const int64_t K = static_cast<int64_t>(s.clusters.size());
  std::vector<int64_t> byIndex(static_cast<size_t>(K));
  std::iota(byIndex.begin(), byIndex.end(), 0);
  std::vector<double> sums;
  for (const auto& c : s.clusters)
    sums.push_back(c.kappaSum);

  if (K > target) {
    // VQ-26: the R-1 smallest-sum clusters merge whole, in ascending-sum order; the rest form
    // one group, concatenated cluster by cluster in U order.
    s.clustersExceedTarget = true;
    const std::vector<int64_t> retained = smallest(byIndex, sums, target - 1);
    std::vector<bool> isRetained(static_cast<size_t>(K), false);
    for (int64_t c : retained) {
      isRetained[static_cast<size_t>(c)] = true;
      s.groups.push_back(addOffset(s.clusters[static_cast<size_t>(c)].members, visualStart));
    }
    std::vector<int64_t> rest;
    for (int64_t c = 0; c < K; ++c) {
      if (isRetained[static_cast<size_t>(c)]) continue;
      const auto& m = s.clusters[static_cast<size_t>(c)].members;
      rest.insert(rest.end(), m.begin(), m.end());
    }
    if (!rest.empty()) s.groups.push_back(addOffset(rest, visualStart));
    for (const auto& g : s.groups)
      s.mergedPositions.push_back(upperMedian(g));
    return s;
  }

  // Quota path. VQ-20: float32 weights (n_c - 1) / (N_v - K), float32 product, half-to-even,
  // capped at n_c - 1. N_v == K would be 0/0 upstream; port decision: quota 0.
  const int64_t spare = target - K;
  std::vector<int64_t> cap(static_cast<size_t>(K));
  int64_t quotaSum = 0;
  for (int64_t c = 0; c < K; ++c) {
    auto& cl = s.clusters[static_cast<size_t>(c)];
    const int64_t size = static_cast<int64_t>(cl.members.size());
    cap[static_cast<size_t>(c)] = std::max<int64_t>(size - 1, 0);
    int64_t q = 0;
    if (Nv != K) {
      const float w = (static_cast<float>(size) - 1.0f) / static_cast<float>(Nv - K);
      q = static_cast<int64_t>(roundHalfEven(static_cast<double>(w * static_cast<float>(spare))));
    }
    cl.initialQuota = std::min(q, cap[static_cast<size_t>(c)]);
    cl.quota = cl.initialQuota;
    quotaSum += cl.quota;
  }
  // VQ-21: one pass ordered by the cluster sums (ascending for a deficit, descending for a
  // surplus; stable, ties in U order); whatever is left stays as the residual.
  int64_t diff = spare - quotaSum;
  if (diff != 0) {
    std::vector<int64_t> order = byIndex;
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      const double x = sums[static_cast<size_t>(a)], y = sums[static_cast<size_t>(b)];
      return diff < 0 ? x > y : x < y;
    });
    for (int64_t c : order) {
      auto& q = s.clusters[static_cast<size_t>(c)].quota;
      if (diff > 0 && q < cap[static_cast<size_t>(c)]) {
        ++q, --diff;
      } else if (diff < 0 && q > 0) {
        --q, ++diff;
      }
      if (diff == 0) break;
    }
  }
  s.residual = diff;
  // VQ-22: keep the quota's smallest-kappa members; the rest (>= 1) merge into one token.
  for (const auto& cl : s.clusters) {
    const int64_t size = static_cast<int64_t>(cl.members.size());
    const int64_t keep = std::min(cl.quota, size - 1);
    std::vector<int64_t> kept;
    if (keep > 0) kept = smallest(cl.members, kappa, keep);
    std::vector<bool> isKept(static_cast<size_t>(Nv), false);
    for (int64_t t : kept)
      isKept[static_cast<size_t>(t)] = true;
    std::vector<int64_t> merge;
    for (int64_t t : cl.members) {
      if (!isKept[static_cast<size_t>(t)]) merge.push_back(t);
    }
    for (int64_t t : kept)
      s.selected.push_back(t + visualStart);
    if (!merge.empty()) {
      s.groups.push_back(addOffset(merge, visualStart));
      s.mergedPositions.push_back(upperMedian(s.groups.back()));
    }
  }
  return s;
}

Stage2Output stage2Apply(const at::Tensor& hidden, const Stage2Selection& sel) {
  const bool batched = hidden.defined() && hidden.dim() == 3;
  at::Tensor h = detail::requireRank(hidden, 2, "stage2Apply: hidden");
  detail::requireFloating(h, "stage2Apply: hidden");
  const int64_t n = h.size(0), vs = sel.visualStart, end = vs + sel.visualTokens;
  if (end > n) {
    throw PruningError("stage2Apply: hidden has " + std::to_string(n) +
                       " rows, fewer than v_s + N_v = " + std::to_string(end));
  }
  std::map<int64_t, at::Tensor> tokens;  // slot -> value
  std::map<int64_t, std::vector<int64_t>> sources;
  std::map<int64_t, bool> isMerged;
  for (int64_t t : sel.selected) {
    if (t < vs || t >= end)
      throw PruningError("stage2Apply: kept index " + std::to_string(t) +
                         " outside the visual window");
    tokens[t] = h[t];
    sources[t] = {t};
    isMerged[t] = false;
  }
  for (size_t g = 0; g < sel.groups.size(); ++g) {
    const auto& group = sel.groups[g];
    const int64_t med = sel.mergedPositions.at(g);
    for (int64_t t : group) {
      if (t < vs || t >= end)
        throw PruningError("stage2Apply: group index " + std::to_string(t) +
                           " outside the visual window");
    }
    if (tokens.count(med))
      throw PruningError("stage2Apply: slot " + std::to_string(med) + " used twice");
    // VQ-23: median token PLUS the group mean (the mean includes h[p_med]); VQ-25: slot p_med.
    tokens[med] = h[med] + h.index_select(0, at::tensor(group, at::kLong)).mean(0);
    std::vector<int64_t> src = group;
    std::sort(src.begin(), src.end());
    sources[med] = src;
    isMerged[med] = true;
  }
  Stage2Output out;
  std::vector<at::Tensor> rows;
  std::vector<int64_t> slots, flat, offsets{0};
  std::vector<bool> merged;
  for (auto& [slot, value] : tokens) {
    slots.push_back(slot);
    rows.push_back(value.unsqueeze(0));
    const auto& src = sources[slot];
    flat.insert(flat.end(), src.begin(), src.end());
    offsets.push_back(static_cast<int64_t>(flat.size()));
    merged.push_back(isMerged[slot]);
  }
  std::vector<at::Tensor> parts{h.slice(0, 0, vs)};
  if (!rows.empty()) parts.push_back(at::cat(rows, 0));
  parts.push_back(h.slice(0, end, n));
  out.hidden = at::cat(parts, 0);
  if (batched) out.hidden = out.hidden.unsqueeze(0);
  out.slots = at::tensor(slots, at::kLong);
  out.sourcesFlat = at::tensor(flat, at::kLong);
  out.sourcesOffsets = at::tensor(offsets, at::kLong);
  std::vector<int64_t> mergedInts(merged.begin(), merged.end());
  out.mergedMask = at::tensor(mergedInts, at::kLong).to(at::kBool);
  return out;
}

Stage3Selection stage3Select(const at::Tensor& kappaIn, int64_t visualStart, int64_t nominalR1,
                             int64_t deepTokens) {
  at::Tensor k = detail::requireRank(kappaIn, 1, "stage3Select: kappa");
  detail::requireFloating(k, "stage3Select: kappa");
  const int64_t n1 = k.size(0);
  if (visualStart < 0) throw PruningError("stage3Select: visualStart must be >= 0");
  if (nominalR1 < 1)
    throw PruningError("stage3Select: R1 must be >= 1, got " + std::to_string(nominalR1));
  if (deepTokens < 1 || deepTokens > nominalR1) {
    throw PruningError("stage3Select: R2 must be in [1, R1 = " + std::to_string(nominalR1) +
                       "], got " + std::to_string(deepTokens));
  }
  if (visualStart + nominalR1 > n1) {
    throw PruningError(
        "stage3Select: window v_s + R1 = " + std::to_string(visualStart + nominalR1) +
        " exceeds the sequence length " + std::to_string(n1));
  }
  at::Tensor window = k.slice(0, visualStart, visualStart + nominalR1);
  detail::requireFinite(window, "stage3Select: kappa window");
  std::vector<int64_t> idx(static_cast<size_t>(nominalR1));
  std::iota(idx.begin(), idx.end(), 0);
  const std::vector<int64_t> top = smallest(idx, toDoubles(window), deepTokens);
  std::vector<int64_t> keep;
  for (int64_t t = 0; t < visualStart; ++t)
    keep.push_back(t);
  std::vector<int64_t> sel = addOffset(top, visualStart);
  std::sort(sel.begin(), sel.end());
  keep.insert(keep.end(), sel.begin(), sel.end());
  for (int64_t t = visualStart + nominalR1; t < n1; ++t)
    keep.push_back(t);
  return {at::tensor(top, at::kLong), at::tensor(keep, at::kLong)};
}

at::Tensor stage3Apply(const at::Tensor& hidden, const at::Tensor& keep) {
  const bool batched = hidden.defined() && hidden.dim() == 3;
  at::Tensor h = detail::requireRank(hidden, 2, "stage3Apply: hidden");
  at::Tensor k = detail::requireRank(keep, 1, "stage3Apply: keep");
  detail::requireIntegral(k, "stage3Apply: keep");
  if (k.numel() > 0 && (k.min().item<int64_t>() < 0 || k.max().item<int64_t>() >= h.size(0))) {
    throw PruningError("stage3Apply: keep indexes outside the " + std::to_string(h.size(0)) +
                       " rows of hidden");
  }
  at::Tensor out = h.index_select(0, k.to(at::kLong));
  return batched ? out.unsqueeze(0) : out;
}

PositionMode parsePositionMode(const std::string& text) {
  if (text == "official") return PositionMode::Official;
  if (text == "original") return PositionMode::Original;
  throw PruningError("position mode '" + text + "' is not one of: official, original");
}

const char* positionModeName(PositionMode mode) {
  return mode == PositionMode::Official ? "official" : "original";
}

at::Tensor stage2PositionIds(const at::Tensor& prev, const Stage2Selection& sel) {
  if (!prev.defined()) throw PruningError("stage2PositionIds: prev is undefined");
  const at::Tensor p = positionRows(prev, "stage2PositionIds: prev");
  const int64_t n = p.size(0), vs = sel.visualStart, end = vs + sel.visualTokens;
  if (end > n) {
    throw PruningError("stage2PositionIds: prev has " + std::to_string(n) +
                       " entries, fewer than v_s + N_v = " + std::to_string(end));
  }
  at::Tensor rows =
      at::cat({arangeLong(0, vs), at::tensor(sortedSlots(sel), at::kLong), arangeLong(end, n)});
  return p.index_select(0, rows);
}

at::Tensor stage3PositionIds(const at::Tensor& prev, const at::Tensor& keep, PositionMode mode) {
  at::Tensor k = detail::requireRank(keep, 1, "stage3PositionIds: keep");
  detail::requireIntegral(k, "stage3PositionIds: keep");
  const at::Tensor p = positionRows(prev, "stage3PositionIds: prev");
  if (mode == PositionMode::Official) {
    // VQ-30: upstream sets position_ids = all_keep. This has no 3-D analogue (spec 6.10).
    if (p.dim() != 1) {
      throw PruningError(
          "stage3PositionIds: official mode needs 1-D position ids; use original for 3-D ids");
    }
    return k.to(at::kLong).clone();
  }
  if (k.numel() > 0 && (k.min().item<int64_t>() < 0 || k.max().item<int64_t>() >= p.size(0))) {
    throw PruningError("stage3PositionIds: keep indexes outside the " + std::to_string(p.size(0)) +
                       " position ids");
  }
  return p.index_select(0, k.to(at::kLong));
}

std::vector<int64_t> SequencePlan::cacheLengthsAfterDecode(int64_t steps) const {
  if (steps < 0) throw PruningError("cacheLengthsAfterDecode: steps must be >= 0");
  std::vector<int64_t> out = layerLengths;
  for (auto& x : out)
    x += steps;
  return out;
}

SequencePlan planSequence(int64_t layers, int64_t S, int64_t D, int64_t vs, int64_t Nv, int64_t R1,
                          int64_t R1produced, int64_t R2, int64_t T) {
  if (!(1 <= S && S < D && D < layers)) {
    throw PruningError("planSequence: need 1 <= S < D < L, got S=" + std::to_string(S) +
                       " D=" + std::to_string(D) + " L=" + std::to_string(layers));
  }
  if (vs < 0 || T < 0 || Nv < 1 || R1 < 1 || R1produced < 1 || R2 < 1 || R2 > R1 || R1 > Nv) {
    throw PruningError("planSequence: need v_s, T >= 0 and 1 <= R2 <= R1 <= N_v");
  }
  SequencePlan p;
  p.initialLength = vs + Nv + T;
  p.shallowLength = vs + R1produced + T;
  p.deepLength = p.shallowLength - R1 + R2;  // [v_s + R1, n1) is kept whole (VQ-29)
  for (int64_t l = 0; l < layers; ++l) {
    p.layerLengths.push_back(l < S ? p.initialLength : l < D ? p.shallowLength : p.deepLength);
  }
  return p;
}

}  // namespace vitcop::pruning
