// Reference "random keep" as a registry plugin (method-spec 3.7, our design): B of the visual
// tokens chosen uniformly without replacement by the portable seeded Fisher-Yates of
// randomKeepIndices, at the LLM input (default) or before LLM layer K with contiguous or
// original positions. The seed is the run's --seed and is recorded in the plan. Video: one draw
// over all frames' tokens.
#include <string>

#include "core/pruning/baselines/random_keep.h"
#include "core/pruning/methods/builtin_methods.h"
#include "core/pruning/methods/method_support.h"
#include "core/pruning/pruning_error.h"

namespace vitcop::pruning {
namespace {

using namespace methods;

MethodInfo randomInfo() {
  MethodInfo i;
  i.name = "random";
  i.title = "Random keep";
  i.summary = "keeps a seeded uniform random subset of the visual tokens (reference)";
  i.actsAt = "LLM input (default) or before LLM layer K";
  i.signals = "none";
  i.source = "ours (method-spec 3.7; std::mt19937_64 with a portable rejection mapping)";
  i.params = {
      integerParam("layer", 0, 4096, "0",
                   "0: at the LLM input; K >= 1: before LLM layer K (kept count then solved for "
                   "the layer average as FastV's R)"),
      choiceParam("positions", {"contiguous", "original"}, "contiguous",
                  "position ids after a layer-K drop (at the LLM input they are contiguous)"),
  };
  return i;
}

class RandomMethod final : public PruningMethod {
 public:
  RandomMethod() : PruningMethod(randomInfo()) {}

 private:
  MethodPlan doConfigure(const MethodRequest& r) override {
    const ModelGeometry& g = r.geometry;
    requirePatchTokensOnly("random", g);
    const VisualGeometry& v = g.visual;
    const int64_t layer = r.params.integer("layer").value_or(0);
    const std::string positions = r.params.text("positions").value_or("contiguous");
    if (layer == 0 && positions == "original")
      throw PruningError(
          "random: --param positions=original needs --param layer >= 1 (at the "
          "LLM input positions are contiguous)");
    std::string note;
    if (layer == 0) {
      settings_ = randomKeepSettingsForBudget(r.budget, r.seed, v);
      settings_.origin = "B at the LLM input";
    } else {
      settings_.seed = r.seed;
      settings_.layer = layer;
      settings_.keep = retainedForAverage("random", r.budget, layer, v, note);
      settings_.positions =
          positions == "original" ? RandomPositions::Original : RandomPositions::Contiguous;
      settings_.origin = "before layer " + std::to_string(layer) + ", R for the layer average";
    }
    validateRandomKeep(settings_, v);

    MethodPlan plan;
    plan.stages = {{"random keep", layer == 0 ? ActsAt::AfterProjector : ActsAt::BeforeLlmLayer,
                    layer, settings_.keep}};
    plan.llmInputTokens = layer == 0 ? settings_.keep : v.visualTokens();
    plan.layerVisualTokens = randomKeepLayerVisualTokens(settings_, v);
    plan.equivalentTokens = meanVisualTokens(plan.layerVisualTokens);
    plan.origin = settings_.origin + (note.empty() ? "" : "; " + note);
    plan.proposal = true;  // the whole method is our reference design
    plan.resolved = {{"layer", std::to_string(layer)},
                     {"keep", std::to_string(settings_.keep)},
                     {"seed", std::to_string(settings_.seed)},
                     {"position_ids", positions},
                     {"origin", plan.origin}};
    return plan;
  }

  void onProjector(generation::ProjectorView& view) override {
    if (settings_.layer != 0) return;
    int64_t total = 0;
    for (const auto& img : view.images)
      total += img.embeds.size(0);
    keepProjected(view, randomKeepIndices(total, settings_.keep, settings_.seed));
    recorder().pendingStage("random keep: " + std::to_string(settings_.keep) + " of " +
                            std::to_string(total) + " (seed " + std::to_string(settings_.seed) +
                            "), positions contiguous");
  }

  void onDecoderLayer(generation::DecoderLayerView& view) override {
    if (settings_.layer == 0 || view.layer != settings_.layer) return;
    const auto [vs, ve] = visualWindow("random", view, request().geometry.visual.visualTokens());
    std::vector<int64_t> rows;
    for (int64_t i = 0; i < vs; ++i)
      rows.push_back(i);
    for (int64_t k : randomKeepIndices(ve - vs, settings_.keep, settings_.seed))
      rows.push_back(vs + k);
    for (int64_t i = ve; i < static_cast<int64_t>(view.tokens.size()); ++i)
      rows.push_back(i);
    const bool renumber = settings_.positions == RandomPositions::Contiguous;
    keepRows(view, rows, renumber);
    recorder().pendingStage("random keep: " + std::to_string(settings_.keep) + " (seed " +
                            std::to_string(settings_.seed) + "), positions " +
                            (renumber ? "renumbered" : "original"));
  }

  RandomKeepSettings settings_;
};

}  // namespace

std::unique_ptr<PruningMethod> makeRandomMethod() {
  return std::make_unique<RandomMethod>();
}

}  // namespace vitcop::pruning
