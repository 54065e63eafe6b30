// DivPrune as a registry plugin (method-spec 3.6): on the projected visual tokens, before they
// are spliced into the LLM input, greedy max-min diversity over the cosine distance 1 - x^ x^T
// keeps M = trunc(rhe(ratio P)) tokens in ascending order; positions are contiguous. Video: one
// selection over all frames' tokens (frame-major), so a frame may keep few or none. Distances
// are computed in float32 (upstream: fp16 on the GPU; XQ-02 is handled by explicit exclusion).
// The math is divpruneSelect.
#include <ATen/ops/cat.h>

#include <algorithm>
#include <string>

#include "core/pruning/baselines/divprune.h"
#include "core/pruning/methods/builtin_methods.h"
#include "core/pruning/methods/method_support.h"
#include "core/pruning/pruning_error.h"
#include "core/pruning/tensor_values.h"

namespace vitcop::pruning {
namespace {

using namespace methods;

const char* kScoreDiversity = "diversity";

MethodInfo divpruneInfo() {
  MethodInfo i;
  i.name = "divprune";
  i.title = "DivPrune";
  i.summary =
      "keeps the most mutually diverse projected visual tokens (greedy max-min cosine "
      "distance) at the LLM input";
  i.actsAt = "LLM input (after the projector)";
  i.signals = "projected visual tokens only (no attention)";
  i.source = "vbdi/divprune llava_arch.py DivPrune (method-spec 3.6)";
  i.params = {
      realParam("ratio", 0, 1, true, "auto",
                "SUBSET_RATIO: share of the visual tokens kept (0.3333/0.2222/0.1111 for "
                "192/128/64; else B/P; paper default 0.098)"),
  };
  i.presetBudgets = {192, 128, 64};
  return i;
}

class DivpruneMethod final : public PruningMethod {
 public:
  DivpruneMethod() : PruningMethod(divpruneInfo()) {}

 private:
  MethodPlan doConfigure(const MethodRequest& r) override {
    const ModelGeometry& g = r.geometry;
    requirePatchTokensOnly("divprune", g);
    const VisualGeometry& v = g.visual;
    settings_ = divpruneSettingsForBudget(r.budget, v);
    if (const auto ratio = r.params.real("ratio")) {
      settings_.ratio = *ratio;
      settings_.origin = "given ratio (--param)";
    }
    validateDivprune(settings_, v);
    selected_ = settings_.selected(v.visualTokens());

    MethodPlan plan;
    plan.stages = {{"DivPrune: greedy max-min diversity", ActsAt::AfterProjector, 0, selected_}};
    plan.llmInputTokens = selected_;
    plan.layerVisualTokens.assign(static_cast<size_t>(v.llmLayers), selected_);
    plan.equivalentTokens = static_cast<double>(selected_);
    plan.origin = settings_.origin + (v.frames > 1 ? "; one selection over all frames" : "");
    plan.proposal = settings_.origin.rfind("derived", 0) == 0 || v.frames > 1;
    plan.resolved = {{"ratio", num(settings_.ratio)},
                     {"selected", std::to_string(selected_)},
                     {"position_ids", "contiguous"},
                     {"origin", plan.origin}};
    return plan;
  }

  void onProjector(generation::ProjectorView& view) override {
    std::vector<at::Tensor> parts;
    for (const auto& img : view.images)
      parts.push_back(img.embeds);
    const at::Tensor x = at::cat(parts).to(at::kFloat);
    const DivpruneSelection sel = divpruneSelect(x, selected_);
    const std::vector<int64_t> order = toInt64s(sel.order);
    const std::vector<double> won = toDoubles(sel.minDistance);
    std::vector<int64_t> sorted = toInt64s(sel.sorted);
    std::vector<double> byToken(static_cast<size_t>(x.size(0)), 0.0);
    for (size_t i = 0; i < order.size(); ++i)
      byToken[static_cast<size_t>(order[i])] = won[i];
    std::vector<double> scores;
    for (int64_t t : sorted)
      scores.push_back(byToken[static_cast<size_t>(t)]);
    keepProjected(view, sorted);
    recorder().pendingScores(kScoreDiversity, std::move(scores));
    recorder().pendingStage("DivPrune: " + std::to_string(selected_) +
                            " tokens by greedy max-min cosine distance, positions contiguous");
  }

  DivpruneSettings settings_;
  int64_t selected_ = 0;
};

}  // namespace

std::unique_ptr<PruningMethod> makeDivpruneMethod() {
  return std::make_unique<DivpruneMethod>();
}

}  // namespace vitcop::pruning
