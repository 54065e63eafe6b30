#pragma once
// ViTCoP budget schedule (method-spec 2.2, 2.5, 6.3-6.5) and analytic prefill FLOPs (4.1, 6.12).
//
// A budget B is the mean number of visual tokens per LLM layer. ViTCoP realises it with three
// counts: N_v tokens in layers 0..S-1 (Stage I), R1 in S..D-1 (Stage II) and R2 in D..L-1
// (Stage III). computeSchedule() evaluates upstream's float64 expressions exactly (trunc for N_v
// and C, round-half-even for R1 and R2), so the released settings give 288/253/51, 230/165/33 and
// 172/77/15. No Qt, no LibTorch: the schedule is plain arithmetic.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vitcop::pruning {

// Where the visual tokens come from (spec 6.1, 6.10).
struct VisualGeometry {
  int64_t gridH = 24;                                          // patch rows per frame
  int64_t gridW = 24;                                          // patch columns per frame
  int64_t frames = 1;                                          // F: 1 for an image
  int64_t llmLayers = 32;                                      // L: decoder layers
  int64_t patches() const { return gridH * gridW; }            // P
  int64_t visualTokens() const { return frames * patches(); }  // F * P
};

// Every ViTCoP knob, as used by compute (no derivation happens in computeSchedule).
struct VitcopParams {
  double ratio = 0.25;           // r: target mean visual fraction (VITCOP_PRUNED_RARIO)
  double keepRatio = 0.5;        // v: Stage-I keep fraction (VISION_PRUNE_RARIO)
  double centreFraction = 0.18;  // p: VIC centres per Stage-I token (CLUSTER_PERCENTAGE)
  int64_t shallowLayer = 2;      // S: Stage II acts before this layer
  int64_t deepLayer = 22;        // D: Stage III acts before this layer
  double deepRatio = 5.0;        // rho: R2 = rhe(R1 / rho)
  int64_t budgetLayers = 32;     // layer count in the budget formula; literal 32 upstream (VQ-19)
  double densityCutoff = 8.0;    // dc: VIC Gaussian width (absolute key units, CLIP-L)
  double spatialRadius = 0.6;    // tau (upstream k): VIC spatial gate in image-side units
  // Proposal for budgets of a few tokens (tiny grids, never LLaVA-1.5): R2 = max(1, rhe(R1/rho))
  // so that every stage keeps at least one token. Set only by deriveParams when needed.
  bool floorDeepTokens = false;
  bool proposal = false;                 // true when any value came from a spec-6 proposal rule
  std::string origin = "code defaults";  // e.g. "released 192", "derived (spec 6.3-6.5)"
};

// Result of computeSchedule: every count, the pre-rounding values, and the realised mean.
struct BudgetSchedule {
  VitcopParams params;
  VisualGeometry geometry;
  int64_t stage1Tokens = 0;   // N_v = F * trunc(v * P) (per frame, spec 6.10)
  int64_t shallowTokens = 0;  // R1
  int64_t deepTokens = 0;     // R2
  int64_t centres = 0;        // C = max(1, trunc(p * N_v))
  double shallowExact = 0;    // R1 before rounding
  double deepExact = 0;       // R2 before rounding
  double meanTokens = 0;      // (S*N_v + (D-S)*R1 + (L-D)*R2) / L: report this, not B

  // Visual tokens entering each decoder layer 0..L-1 during prefill.
  std::vector<int64_t> layerVisualTokens() const;
};

// Validates `params` against `geometry` (one-line PruningError naming the parameter), then
// computes the counts. Also rejects schedules whose counts are unusable (R1 <= 0, R1 > N_v,
// R2 < 1), saying which budget change would fix them.
BudgetSchedule computeSchedule(const VitcopParams& params, const VisualGeometry& geometry);

// The three released settings of eval/llava/vitcop_llava_1_5.sh (spec 2.2), literal values:
// 192 -> r 0.3333, v 0.5, p 0.18; 128 -> 0.2222, 0.4, 0.15; 64 -> 0.1111, 0.3, 0.12.
std::vector<int> releasedBudgets();
VitcopParams releasedPreset(int budget);  // PruningError for any other budget

// Optional overrides applied on top of derived values.
struct ParamOverrides {
  std::optional<double> keepRatio, centreFraction, deepRatio, densityCutoff, spatialRadius;
  std::optional<int64_t> shallowLayer, deepLayer, budgetLayers;
};

// Parameters for budget B (tokens per layer) on `geometry`. On LLaVA-1.5 geometry (24x24, one
// frame, 32 layers) a released budget returns the released literals (spec 6: faithful mode MUST
// use them). Otherwise r = B / (F*P), S and D by 6.3, v and p by 6.5 (marked proposal). The
// overrides are applied last. PruningError if B <= 0 or B > F*P.
VitcopParams deriveParams(double budgetTokens, const VisualGeometry& geometry,
                          const ParamOverrides& overrides = {});

// Spec 6.3: S(L) = max(1, rhe(2L/32)), D(L) = min(L-1, max(S+1, rhe(22L/32))).
int64_t scaledShallowLayer(int64_t llmLayers);
int64_t scaledDeepLayer(int64_t llmLayers);

// "192" (tokens per layer) or "11%" / "11.1 %" (share of the F*P visual tokens) -> tokens.
double parseBudget(const std::string& text, int64_t visualTokens);

// ---- Analytic prefill FLOPs (multiply-adds; spec 4.1, generalized 6.12) ----

struct LlmDims {
  int64_t hidden = 4096;         // d
  int64_t intermediate = 11008;  // m
  int64_t heads = 32;            // n_h
  int64_t kvHeads = 32;          // n_kv
  int64_t headDim = 128;         // hd
  double ffnMatrices = 3.0;      // SwiGLU: 3 (upstream); DivPrune's tflops.py uses 2
};

// F_l = 2 n d (n_h hd) + 2 n d (n_kv hd) + 2 n^2 (n_h hd) + c n d m.
double layerPrefillFlops(int64_t seqLen, const LlmDims& dims);
// Sum over layers of layerPrefillFlops for the given per-layer prefill lengths.
double prefillFlops(const std::vector<int64_t>& layerSeqLens, const LlmDims& dims);

// Per-layer prefill sequence lengths: prefix + visual tokens of that layer + suffix.
std::vector<int64_t> prefillLayerLengths(const BudgetSchedule& schedule, int64_t prefixTokens,
                                         int64_t suffixTokens);
// Layer-averaged visual tokens of any per-layer schedule (ViTCoP, FastV, flat, ...): the
// "equivalent budget" to report next to a method.
double meanVisualTokens(const std::vector<int64_t>& perLayerVisualTokens);

// Same for a dense (unpruned) run of `geometry`.
std::vector<int64_t> denseLayerLengths(const VisualGeometry& geometry, int64_t prefixTokens,
                                       int64_t suffixTokens);

}  // namespace vitcop::pruning
