// PyramidDrop as a registry plugin (method-spec 3.3). Before each boundary layer r the visual
// tokens are ranked by the attention of the last prompt token computed with layer r's OWN input
// norm and q/k projections on layer r-1's output (PQ-01, "lightweight attention"): the engine's
// probe computes that one query row without running the layer and counts it. The top n_{s+1}
// stay in ascending order and positions are renumbered contiguously (PQ-02); decode positions
// drop by n_s - n_{s+1} at each boundary, i.e. follow each layer's cache (step 7). The drop itself
// is pdropDrop; the scores reduce the probe's row exactly as pdropScores does.
#include <ATen/ops/arange.h>

#include <cmath>
#include <string>

#include "core/pruning/baselines/baseline_common.h"
#include "core/pruning/baselines/pdrop.h"
#include "core/pruning/methods/builtin_methods.h"
#include "core/pruning/methods/method_support.h"
#include "core/pruning/pruning_error.h"
#include "core/pruning/tensor_values.h"

namespace vitcop::pruning {
namespace {

using namespace methods;

const char* kScoreTextAttention = "text_attention";

MethodInfo pdropInfo() {
  MethodInfo i;
  i.name = "pdrop";
  i.title = "PyramidDrop";
  i.summary =
      "drops visual tokens in stages, ranked by the last prompt token's attention recomputed "
      "with the next layer's q/k; positions renumbered";
  i.actsAt = "before LLM layers 2, 12, 22 (ours for 192/128/64; upstream default 8, 16, 24)";
  i.signals =
      "one probe row per boundary: layer r's input norm + q/k on layer r-1's output (no "
      "attention maps from the kernels)";
  i.source = "Cooperx521/PyramidDrop modeling_llama_pdrop.py (method-spec 3.3)";
  i.params = {
      realParam("lambda", 0, 1, true, "auto",
                "stage ratio: n_s = trunc(P lambda^s) at the spec-6.9 boundaries (default: the "
                "literal 192/128/64 schedules on LLaVA-1.5, else solved for the budget)",
                true),
  };
  i.presetBudgets = {192, 128, 64};
  return i;
}

class PdropMethod final : public PruningMethod {
 public:
  PdropMethod() : PruningMethod(pdropInfo()) {}

 private:
  MethodPlan doConfigure(const MethodRequest& r) override {
    const ModelGeometry& g = r.geometry;
    requirePatchTokensOnly("pdrop", g);
    const VisualGeometry& v = g.visual;
    if (v.llmLayers < 2)
      throw PruningError("pdrop: needs at least 2 LLM layers, the model has " +
                         std::to_string(v.llmLayers));
    settings_ = pdropSettingsForBudget(r.budget, v);
    if (const auto lambda = r.params.real("lambda")) {
      // The budget's boundaries (the literal presets use the spec-6.9 ones too), counts from
      // lambda; at least one token survives each stage.
      std::vector<double> ratios;
      for (size_t s = 1; s <= settings_.layers.size(); ++s)
        ratios.push_back(std::pow(*lambda, static_cast<double>(s)));
      settings_.stageTokens = pdropCountsFromRatios(ratios, v.visualTokens());
      for (int64_t& n : settings_.stageTokens)
        n = std::max<int64_t>(1, n);
      settings_.lambda = *lambda;
      settings_.origin = "given lambda (--param)";
    }
    validatePdrop(settings_, v);

    MethodPlan plan;
    for (size_t s = 0; s < settings_.layers.size(); ++s)
      plan.stages.push_back({"PyramidDrop stage " + std::to_string(s + 1), ActsAt::BeforeLlmLayer,
                             settings_.layers[s], settings_.stageTokens[s]});
    plan.llmInputTokens = v.visualTokens();
    plan.layerVisualTokens = pdropLayerVisualTokens(settings_, v);
    plan.equivalentTokens = meanVisualTokens(plan.layerVisualTokens);
    plan.origin = settings_.origin;
    plan.proposal = settings_.origin.rfind("authors", 0) != 0;
    plan.decodePositions = generation::DecodePositions::LayerCacheLength;  // step 7, PQ-02
    plan.resolved = {{"layers", joinInts(settings_.layers)},
                     {"stage_tokens", joinInts(settings_.stageTokens)},
                     {"lambda", num(settings_.lambda)},
                     {"position_ids", "renumbered"},
                     {"origin", settings_.origin}};
    return plan;
  }

  void onDecoderLayer(generation::DecoderLayerView& view) override {
    for (size_t s = 0; s < settings_.layers.size(); ++s)
      if (settings_.layers[s] == view.layer) drop(view, s);
  }

  void drop(generation::DecoderLayerView& view, size_t s) {
    const int64_t before =
        s == 0 ? request().geometry.visual.visualTokens() : settings_.stageTokens[s - 1];
    const auto [vs, ve] = visualWindow("pdrop", view, before);
    if (!view.probeAttention)
      throw PruningError("pdrop: the engine offers no attention probe before layer " +
                         std::to_string(view.layer));
    const auto n = static_cast<int64_t>(view.tokens.size());
    // In prefill the last prompt token is the last token of the sequence (spec 3.3 step 3).
    const at::Tensor p = view.probeAttention({n - 1});  // [H, 1, n] float32
    // As pdropScores: probabilities cast back to the activation dtype, head mean, image slice.
    const at::Tensor scores =
        p.to(view.hidden.scalar_type()).mean(0).select(0, 0).slice(0, vs, ve).to(at::kFloat);
    const PdropDrop d = pdropDrop(view.hidden, scores, settings_.stageTokens[s], vs);
    const std::vector<int64_t> rows = toInt64s(keepWithContext(d.keep, vs, ve - vs, n, "pdrop"));
    const std::vector<double> sv = toDoubles(scores);
    if (s == 0)
      recordInputScores(recorder(), kScoreTextAttention, view, vs, sv,
                        request().geometry.visual.visualTokens());
    recorder().pendingScores(kScoreTextAttention, windowValuesAt(sv, vs, ve, rows));
    recorder().pendingStage("PyramidDrop stage " + std::to_string(s + 1) + ": top-" +
                            std::to_string(settings_.stageTokens[s]) +
                            " by the last token's attention with layer " +
                            std::to_string(view.layer) + "'s q/k, positions renumbered");
    keepRows(view, rows, /*renumber=*/true);  // the same gather as d.hidden (PQ-02)
  }

  PdropSettings settings_;
};

}  // namespace

std::unique_ptr<PruningMethod> makePdropMethod() {
  return std::make_unique<PdropMethod>();
}

}  // namespace vitcop::pruning
