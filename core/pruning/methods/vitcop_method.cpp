// ViTCoP as a registry plugin (method-spec 2, generalised by 6): Stage I + VIC after vision
// block b*, Stage II before LLM layer S, Stage III before layer D, with the pure functions of
// stage1_cls / vic / stage2_filter doing the math. The engine is asked for exactly three
// signals: the CLS attention row and the k_proj output of block b*, and (by reading the cache)
// the keys layers S-1 and D-1 stored. No LLM attention probabilities are ever requested.
#include <ATen/ops/arange.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/index_select.h>
#include <ATen/ops/stack.h>
#include <ATen/ops/zeros.h>

#include <algorithm>
#include <string>

#include "core/generation/kv_cache.h"
#include "core/pruning/methods/builtin_methods.h"
#include "core/pruning/methods/method_support.h"
#include "core/pruning/numeric.h"
#include "core/pruning/pruning_error.h"
#include "core/pruning/stage1_cls.h"
#include "core/pruning/tensor_values.h"
#include "core/pruning/vic.h"

namespace vitcop::pruning {
namespace {

std::string num(double v) {
  return formatNumber(v);
}

MethodInfo vitcopInfo() {
  using methods::integerParam;
  using methods::realParam;
  MethodInfo i;
  i.name = "vitcop";
  i.title = "ViTCoP";
  i.summary =
      "CLS-attention pruning in the vision tower, VIC clustering, cluster-aware K-norm "
      "keep/merge in shallow LLM layers, global K-norm top-k in deep layers";
  i.actsAt = "after vision block b* (Stage I); before LLM layers S (Stage II) and D (Stage III)";
  i.signals =
      "CLS attention row and k_proj output of vision block b*; cached keys of LLM layers S-1 and "
      "D-1 (no LLM attention probabilities)";
  i.source = "chaser682/ViTCoP 627f63214ef9 (method-spec 2)";
  i.params = {
      realParam("keep_ratio", 0, 1, true, "auto",
                "v: share of each frame's patches Stage I keeps (released 0.5/0.4/0.3; else "
                "0.2+0.9r)",
                true),
      realParam("centre_fraction", 0, 1, true, "auto",
                "p: VIC centres per Stage-I token (released 0.18/0.15/0.12; else 0.09+0.27r)", true,
                /*hiOpen=*/true),
      integerParam("shallow_layer", 1, 4096, "auto",
                   "S: Stage II acts before this LLM layer (2 of 32)"),
      integerParam("deep_layer", 2, 4096, "auto",
                   "D: Stage III acts before this LLM layer (22 of 32)"),
      realParam("deep_ratio", 1, 1000, false, "5", "R2 = round(R1 / deep_ratio)"),
      integerParam("budget_layers", 1, 4096, "auto",
                   "layer count in the budget formula (upstream: literal 32; default L)"),
      realParam("density_cutoff", 0, 1e9, true, "8",
                "dc: VIC Gaussian width in key units (8 for CLIP-L)"),
      realParam("spatial_radius", 0, 10, true, "0.6",
                "tau: VIC parent must lie within this many image sides"),
      integerParam("frame_window", 0, 1024, "1", "video: VIC parents within this many frames"),
  };
  ParamSpec iso;
  iso.name = "isotropic";
  iso.kind = ParamKind::Boolean;
  iso.defaultText = "false";
  iso.help = "VIC positions divided by max(G_h, G_w) on both axes";
  iso.proposal = true;
  i.params.push_back(iso);
  for (int b : releasedBudgets())
    i.presetBudgets.push_back(b);
  return i;
}

class VitcopMethod final : public PruningMethod {
 public:
  VitcopMethod() : PruningMethod(vitcopInfo()) {}

 private:
  MethodPlan doConfigure(const MethodRequest& r) override {
    const ModelGeometry& g = r.geometry;
    if (g.classTokenInLlm)
      throw PruningError(
          "vitcop: vision_feature_select_strategy \"full\" puts the class token into the LLM "
          "sequence, which ViTCoP's stages do not define; use a \"default\" checkpoint");
    if (!g.classToken)
      throw PruningError("vitcop: the vision tower has no class token for Stage I");
    const ParamValues& v = r.params;
    ParamOverrides o;
    o.keepRatio = v.real("keep_ratio");
    o.centreFraction = v.real("centre_fraction");
    o.deepRatio = v.real("deep_ratio");
    o.densityCutoff = v.real("density_cutoff");
    o.spatialRadius = v.real("spatial_radius");
    o.shallowLayer = v.integer("shallow_layer");
    o.deepLayer = v.integer("deep_layer");
    o.budgetLayers = v.integer("budget_layers");
    const VitcopParams params = deriveParams(r.budget, g.visual, o);
    schedule_ = computeSchedule(params, g.visual);
    frameWindow_ = v.integer("frame_window").value_or(1);
    isotropic_ = v.boolean("isotropic").value_or(false);
    positions_ = r.positions;
    labels_ = at::Tensor();

    MethodPlan plan;
    const int64_t b = g.featureBlock, S = params.shallowLayer, D = params.deepLayer;
    plan.stages = {
        {"Stage I: CLS attention top-k + VIC", ActsAt::AfterVisionBlock, b, schedule_.stage1Tokens},
        {"Stage II: cluster-aware K-norm keep/merge", ActsAt::BeforeLlmLayer, S,
         schedule_.shallowTokens},
        {"Stage III: K-norm top-k", ActsAt::BeforeLlmLayer, D, schedule_.deepTokens}};
    plan.signals.visionClsAttention = {b};
    plan.signals.visionKeys = {b};
    plan.signals.llmCachedKeys = {S - 1, D - 1};
    plan.llmInputTokens = schedule_.stage1Tokens;
    plan.layerVisualTokens = schedule_.layerVisualTokens();
    plan.equivalentTokens = schedule_.meanTokens;
    plan.origin = params.origin;
    plan.proposal = params.proposal;
    plan.resolved = {{"keep_ratio", num(params.keepRatio)},
                     {"centre_fraction", num(params.centreFraction)},
                     {"shallow_layer", std::to_string(S)},
                     {"deep_layer", std::to_string(D)},
                     {"deep_ratio", num(params.deepRatio)},
                     {"budget_layers", std::to_string(params.budgetLayers)},
                     {"density_cutoff", num(params.densityCutoff)},
                     {"spatial_radius", num(params.spatialRadius)},
                     {"frame_window", std::to_string(frameWindow_)},
                     {"isotropic", isotropic_ ? "true" : "false"},
                     {"position_ids", positionModeName(positions_)},
                     {"vision_block", std::to_string(b)},
                     {"N_v", std::to_string(schedule_.stage1Tokens)},
                     {"R1", std::to_string(schedule_.shallowTokens)},
                     {"R2", std::to_string(schedule_.deepTokens)},
                     {"C", std::to_string(schedule_.centres)},
                     {"origin", params.origin}};
    return plan;
  }

  // Stage I and VIC (method-spec 2.3, 2.4; video 6.10).
  void onVisionBlock(generation::VisionLayerView& view) override {
    const ModelGeometry& g = request().geometry;
    if (view.layer != g.featureBlock) return;
    methods::requireUnprunedFrames("vitcop", view, g);
    const int64_t F = view.hidden.size(0), P = g.visual.patches();
    const int64_t perFrame = schedule_.stage1Tokens / F;
    std::vector<at::Tensor> saliency;
    for (int64_t f = 0; f < F; ++f)
      saliency.push_back(clsSaliency(view.clsAttention[f]).to(at::kFloat));
    const at::Tensor sal = at::stack(saliency);  // [F, P]
    const Stage1Selection sel =
        F == 1 ? stage1Select(sal[0], perFrame) : stage1SelectFrames(sal, perFrame);
    const at::Tensor kept = sel.keptSorted;  // global f * P + p, frame-major

    // New hidden rows per frame: the class token, then the kept patches in raster order.
    std::vector<at::Tensor> hidden, keys;
    std::vector<generation::Origins> origins(static_cast<size_t>(F));
    for (int64_t f = 0; f < F; ++f) {
      const at::Tensor local = kept.narrow(0, f * perFrame, perFrame) - f * P;
      const at::Tensor rows = at::cat({at::zeros({1}, local.options()), local + 1});
      hidden.push_back(view.hidden[f].index_select(0, rows.to(view.hidden.device())));
      keys.push_back(gatherPatchRows(view.keys[f], local));
      origins[static_cast<size_t>(f)] =
          methods::classTokenThen(view.origins[static_cast<size_t>(f)], toInt64s(local + 1));
    }
    view.hidden = at::stack(hidden);
    view.origins = std::move(origins);

    VicOptions opts;
    opts.densityCutoff = schedule_.params.densityCutoff;
    opts.centreFraction = schedule_.params.centreFraction;
    opts.spatialRadius = schedule_.params.spatialRadius;
    opts.frameWindow = frameWindow_;
    const at::Tensor positions = gridPositions(kept, g.visual.gridH, g.visual.gridW, isotropic_);
    const VicResult vic =
        runVic(at::cat(keys), positions, opts, F > 1 ? frameIndices(kept, P) : at::Tensor());
    labels_ = vic.labels;

    // Trace: saliency of every patch; for the survivors their saliency and VIC's numbers.
    recorder().inputScores(trace::kScoreClsAttention, toDoubles(sal));
    const std::vector<int64_t> keptIds = toInt64s(kept);
    const std::vector<double> all = toDoubles(sal);
    std::vector<double> keptSal;
    for (int64_t p : keptIds)
      keptSal.push_back(all[static_cast<size_t>(p)]);
    recorder().pendingScores(trace::kScoreClsAttention, keptSal);
    recorder().pendingScores(trace::kScoreDensity, toDoubles(vic.rho));
    recorder().pendingScores(trace::kScoreDelta, toDoubles(vic.delta));
    recorder().pendingScores(trace::kScoreGamma, toDoubles(vic.gamma));
    std::vector<int32_t> labels;
    for (int64_t l : toInt64s(vic.labels))
      labels.push_back(static_cast<int32_t>(l));
    isCentre_.assign(keptIds.size(), false);
    for (int64_t c : toInt64s(vic.centres))
      isCentre_[static_cast<size_t>(c)] = true;
    recorder().pendingClusters(labels, isCentre_);
    recorder().pendingStage("Stage I: CLS attention top-" + std::to_string(perFrame) +
                            (F > 1 ? " per frame" : "") + ", VIC " +
                            std::to_string(vic.centres.size(0)) + " centres");
  }

  void onDecoderLayer(generation::DecoderLayerView& view) override {
    const int64_t S = schedule_.params.shallowLayer, D = schedule_.params.deepLayer;
    if (view.layer == S) stage2(view);
    if (view.layer == D) stage3(view);
  }

  // K-norm of every cached token of `layer` (method-spec 2.6: head mean, then L2).
  static at::Tensor kappaOf(const generation::DecoderLayerView& view, int64_t layer) {
    return keyNorm(view.cache->layer(layer).keys()).to(at::kFloat);
  }

  // Stage II (method-spec 2.6).
  void stage2(generation::DecoderLayerView& view) {
    const auto [vs, ve] = view.visualSpan();
    const int64_t nv = ve - vs;
    if (!labels_.defined() || nv != labels_.size(0))
      throw PruningError("vitcop: Stage II found " + std::to_string(std::max<int64_t>(nv, 0)) +
                         " visual tokens before layer " + std::to_string(view.layer) +
                         ", Stage I produced " +
                         std::to_string(labels_.defined() ? labels_.size(0) : 0));
    const at::Tensor kappa = kappaOf(view, view.layer - 1).narrow(0, vs, nv);
    const Stage2Selection sel = stage2Select(labels_, kappa, schedule_.shallowTokens, vs);
    const Stage2Output out = stage2Apply(view.hidden, sel);
    const std::vector<int64_t> slots = toInt64s(out.slots);
    const std::vector<int64_t> flat = toInt64s(out.sourcesFlat);
    const std::vector<int64_t> offsets = toInt64s(out.sourcesOffsets);
    const at::Tensor pos = stage2PositionIds(int64Tensor(view.positions), sel);

    std::vector<model::TokenInfo> tokens(view.tokens.begin(), view.tokens.begin() + vs);
    const std::vector<double> kap = toDoubles(kappa);
    const std::vector<int64_t> labels = toInt64s(labels_);
    std::vector<double> scores;
    std::vector<int32_t> clusters;
    std::vector<bool> centres, merged;
    const std::vector<int64_t> mergedMask = toInt64s(out.mergedMask);
    for (size_t j = 0; j < slots.size(); ++j) {
      model::TokenInfo t = view.tokens.at(static_cast<size_t>(slots[j]));  // representative
      if (mergedMask[j]) {
        for (int64_t k = offsets[j]; k < offsets[j + 1]; ++k) {
          const int64_t src = flat[static_cast<size_t>(k)];
          if (src == slots[j]) continue;
          const auto& more = view.tokens.at(static_cast<size_t>(src)).patches;
          t.patches.insert(t.patches.end(), more.begin(), more.end());
        }
      }
      tokens.push_back(std::move(t));
      const auto rel = static_cast<size_t>(slots[j] - vs);
      scores.push_back(kap[rel]);
      clusters.push_back(static_cast<int32_t>(labels[rel]));
      centres.push_back(isCentre_.at(rel));
      merged.push_back(mergedMask[j] != 0);
    }
    tokens.insert(tokens.end(), view.tokens.begin() + ve, view.tokens.end());
    view.hidden = out.hidden;
    view.positions = toInt64s(pos);
    view.tokens = std::move(tokens);
    producedR1_ = static_cast<int64_t>(slots.size());

    recorder().pendingScores(trace::kScoreKeyNorm, scores);
    recorder().pendingClusters(clusters, centres);
    recorder().pendingMerged(merged);
    recorder().pendingStage("Stage II: " + std::to_string(sel.selected.size()) + " kept + " +
                            std::to_string(sel.groups.size()) + " merged (K-norm of layer " +
                            std::to_string(view.layer - 1) + ")");
  }

  // Stage III (method-spec 2.7; positions 2.8 / 6.11).
  void stage3(generation::DecoderLayerView& view) {
    const auto [vs, ve] = view.visualSpan();
    (void)ve;
    const at::Tensor kappa = kappaOf(view, view.layer - 1);
    const Stage3Selection sel =
        stage3Select(kappa, vs, schedule_.shallowTokens, schedule_.deepTokens);
    const at::Tensor pos = stage3PositionIds(int64Tensor(view.positions), sel.keep, positions_);
    const std::vector<int64_t> keep = toInt64s(sel.keep);
    const std::vector<double> kap = toDoubles(kappa);
    std::vector<double> scores;
    for (int64_t k : keep)
      if (view.tokens.at(static_cast<size_t>(k)).isVisual())
        scores.push_back(kap[static_cast<size_t>(k)]);
    view.select(keep);
    view.positions = toInt64s(pos);
    recorder().pendingScores(trace::kScoreKeyNorm, scores);
    recorder().pendingStage("Stage III: K-norm top-" + std::to_string(schedule_.deepTokens) +
                            " (layer " + std::to_string(view.layer - 1) + "), positions " +
                            positionModeName(positions_));
  }

  BudgetSchedule schedule_;
  int64_t frameWindow_ = 1;
  bool isotropic_ = false;
  PositionMode positions_ = PositionMode::Official;
  at::Tensor labels_;           // VIC label of each Stage-I token, LLM order
  std::vector<bool> isCentre_;  // same order
  int64_t producedR1_ = 0;
};

}  // namespace

std::unique_ptr<PruningMethod> makeVitcopMethod() {
  return std::make_unique<VitcopMethod>();
}

}  // namespace vitcop::pruning
