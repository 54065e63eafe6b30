#pragma once
// ViTCoP LLM-side stages as pure functions over tensors (method-spec 2.6-2.8):
//   keyNorm        kappa_t = || mean over KV heads of K[h, t, :] ||_2   (VQ-18)
//   stage2Select   upstream token_filter_l2_norm_cluster: per-cluster quotas, one correction
//                  pass, keep the smallest-kappa members, merge the rest (VQ-17, VQ-20..VQ-26)
//   stage2Apply    merged value h[p_med] + mean(h[G]) and the re-assembled sequence (VQ-23, VQ-25)
//   stage3Select   R2 smallest kappa over the nominal R1 window (VQ-29, VQ-43)
//   position ids   `official` (deep re-indexing quirk VQ-30) or `original` (spec 6.11)
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vitcop::pruning {

// `keys` is a layer's cached keys [n_kv, n, hd] (or [1, n_kv, n, hd]); returns [n].
at::Tensor keyNorm(const at::Tensor& keys);

struct Stage2Cluster {
  int64_t label = 0;             // -1 first when present (unique(labels) ascending, VQ-17)
  std::vector<int64_t> members;  // relative indices, ascending
  double kappaSum = 0;           // sum of kappa over members, in the kappa dtype (VQ-21)
  int64_t initialQuota = 0;      // min(rhe(w * (R - K)), n_c - 1); 0 in the K > R case
  int64_t quota = 0;             // after the correction pass
};

struct Stage2Selection {
  int64_t visualStart = 0;              // v_s: absolute = relative + v_s
  int64_t visualTokens = 0;             // N_v
  int64_t target = 0;                   // R (nominal R1)
  bool clustersExceedTarget = false;    // K > R path (VQ-26)
  int64_t residual = 0;                 // diff left after the single correction pass (VQ-21)
  std::vector<Stage2Cluster> clusters;  // U order
  // Upstream's outputs, absolute indices, upstream order: kept tokens cluster by cluster (U
  // order), ascending kappa within a cluster; groups in U order (quota path) or ascending-sum
  // order then the leftover group (K > R; leftover members concatenated by label).
  std::vector<int64_t> selected;
  std::vector<std::vector<int64_t>> groups;
  std::vector<int64_t> mergedPositions;  // upper median of each group (VQ-24), same order
  // Produced token count Σq + #groups (= R unless a residual remains, VQ-29).
  int64_t produced() const { return static_cast<int64_t>(selected.size() + groups.size()); }
};

// `labels` int [N_v] (or [1, N_v]), `kappa` float [N_v], target R >= 1. Ties within a cluster:
// lower index first; sum ordering: stable in U order (spec 0.4 port decisions). N_v == K gives
// all quotas 0 (VQ-20 port decision).
Stage2Selection stage2Select(const at::Tensor& labels, const at::Tensor& kappa, int64_t target,
                             int64_t visualStart);

struct Stage2Output {
  at::Tensor hidden;  // [n1, d] (or [1, n1, d] if the input had a batch dim): prefix ++ tokens
                      // sorted by slot ++ suffix
  at::Tensor slots;   // int64 [R'] absolute input index of each visual output token, ascending
  // Which input tokens each visual output token absorbed (ragged, absolute input indices):
  // output visual token j <- sourcesFlat[sourcesOffsets[j] : sourcesOffsets[j+1]].
  at::Tensor sourcesFlat;
  at::Tensor sourcesOffsets;
  at::Tensor mergedMask;  // bool [R']: true for a merged token
};

// Builds the post-Stage-II sequence from `hidden` [n, d] (or [1, n, d]), the output of layer S-1.
Stage2Output stage2Apply(const at::Tensor& hidden, const Stage2Selection& selection);

struct Stage3Selection {
  at::Tensor
      topk;  // int64 [R2] relative indices in the window, ascending kappa (lower index on ties)
  at::Tensor keep;  // int64 [n2] ascending indices into the post-Stage-II sequence
};

// `kappa` covers the whole post-Stage-II sequence [n1]; the window is [v_s, v_s + R1) with the
// NOMINAL R1 (VQ-29); keep = [0, v_s) ∪ (v_s + topk) ∪ [v_s + R1, n1).
Stage3Selection stage3Select(const at::Tensor& kappa, int64_t visualStart, int64_t nominalR1,
                             int64_t deepTokens);

// hidden[keep] (pure gather); [n1, d] or [1, n1, d].
at::Tensor stage3Apply(const at::Tensor& hidden, const at::Tensor& keep);

enum class PositionMode {
  Official,  // upstream: after Stage III the position ids are `keep` itself (VQ-30)
  Original,  // spec 6.11: tokens keep the positions they carried in layers S..D-1
};
PositionMode parsePositionMode(const std::string& text);  // "official" | "original"
const char* positionModeName(PositionMode mode);

// Position ids after Stage II (both modes, VQ-27): prev[0:v_s] ++ prev[slots] ++ prev[v_s+N_v:],
// where `prev` holds the ids of the Stage-II input ([n] for 1-D RoPE, [n, 3] for
// (frame,row,col) / 3-D ids; a merged token takes its median member's ids, spec 6.10). With
// contiguous prev = 0..n-1 this is upstream's arange ++ sorted slots ++ arange.
at::Tensor stage2PositionIds(const at::Tensor& prev, const Stage2Selection& selection);

// Position ids after Stage III: Official -> keep (1-D only; VQ-30); Original -> prev[keep].
at::Tensor stage3PositionIds(const at::Tensor& prev, const at::Tensor& keep, PositionMode mode);

// Per-layer prefill view of one prompt (spec 2.8, 2.9): sequence lengths, and the decode
// position n + j that every layer uses (VQ-31).
struct SequencePlan {
  int64_t initialLength = 0;          // n = v_s + N_v + T
  int64_t shallowLength = 0;          // n1 = v_s + R1' + T
  int64_t deepLength = 0;             // n2 = v_s + R2 + T (Stage III keeps [v_s + R1, n1) whole)
  std::vector<int64_t> layerLengths;  // prefill q length of each layer = cache length after prefill
  std::vector<int64_t> cacheLengthsAfterDecode(int64_t steps) const;
  int64_t decodePosition(int64_t step) const { return initialLength + step; }
};

// producedR1 is the count Stage II actually produced (normally R1; see VQ-29).
SequencePlan planSequence(int64_t layers, int64_t shallowLayer, int64_t deepLayer,
                          int64_t visualStart, int64_t stage1Tokens, int64_t nominalR1,
                          int64_t producedR1, int64_t deepTokens, int64_t suffixTokens);

}  // namespace vitcop::pruning
