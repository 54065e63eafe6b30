// VisionZip as a registry plugin (method-spec 3.4). After vision block b* (22 for LLaVA-1.5),
// per frame: `dominant` tokens = the class token plus the patches with the largest class
// attention summed over heads (ZQ-01), and `contextual` tokens, each a uniformly strided target
// plus the mean of the remaining tokens whose head-mean key is most similar to it (ZQ-03,
// ZQ-04). The class token's block-b* state enters the LLM as one of the dominant tokens (ZQ-02):
// the engine drops row 0 of every frame with the "default" select strategy, so the output keeps
// the class row at 0 and repeats it as the first dominant token. Positions are contiguous.
// Video: each frame is zipped on its own with rhe(B / F) tokens (our generalisation). The math
// is visionzipDominant / visionzipMetric / visionzipContextual.
#include <ATen/ops/cat.h>
#include <ATen/ops/stack.h>

#include <string>

#include "core/pruning/baselines/visionzip.h"
#include "core/pruning/methods/builtin_methods.h"
#include "core/pruning/methods/method_support.h"
#include "core/pruning/pruning_error.h"
#include "core/pruning/stage1_cls.h"
#include "core/pruning/tensor_values.h"

namespace vitcop::pruning {
namespace {

using namespace methods;

MethodInfo visionzipInfo() {
  MethodInfo i;
  i.name = "visionzip";
  i.title = "VisionZip";
  i.summary =
      "keeps the class token and the patches with the most class attention, and folds the rest "
      "into a few contextual tokens by key similarity, inside the vision tower";
  i.actsAt = "after vision block b* (22 of 24)";
  i.signals = "CLS attention row and k_proj output of vision block b* (no LLM attention)";
  i.source = "dvlab-research/VisionZip clip_encoder.py, utils.py (method-spec 3.4)";
  i.params = {
      choiceParam("preset", {"authors", "vitcop_authors"}, "authors",
                  "splits on LLaVA-1.5: the paper's 162+30 / 108+20 / 54+10 or the ViTCoP "
                  "authors' 164+28 / 54+10 (192 / 64)"),
      integerParam("dominant", 1, 1e9, "auto",
                   "dominant tokens per frame, class token included (else rhe(B 162/192))"),
      integerParam("contextual", 0, 1e9, "auto",
                   "contextual tokens per frame (else rhe(B) - dominant)"),
  };
  i.presetBudgets = {192, 128, 64};
  return i;
}

class VisionzipMethod final : public PruningMethod {
 public:
  VisionzipMethod() : PruningMethod(visionzipInfo()) {}

 private:
  MethodPlan doConfigure(const MethodRequest& r) override {
    const ModelGeometry& g = r.geometry;
    requirePatchTokensOnly("visionzip", g);
    if (!g.classToken) throw PruningError("visionzip: the vision tower has no class token");
    const VisualGeometry& v = g.visual;
    VisualGeometry frame = v;
    frame.frames = 1;
    const double perFrame = r.budget / static_cast<double>(v.frames);
    if (perFrame < 1)
      throw PruningError("visionzip: --budget " + num(r.budget) +
                         " leaves less than one token "
                         "for each of the " +
                         std::to_string(v.frames) + " frames");
    const std::string preset = r.params.text("preset").value_or("authors");
    if (preset == "vitcop_authors") {
      if (!isPresetBudget(r.budget, v, {192, 96, 64, 48}))
        throw PruningError(
            "visionzip: --param preset=vitcop_authors exists for budgets 192, 96, "
            "64 and 48 on LLaVA-1.5 geometry only");
      settings_ = visionzipVitcopAuthorsPreset(static_cast<int>(r.budget));
    } else {
      settings_ = visionzipSettingsForBudget(perFrame, frame);
    }
    const auto dominant = r.params.integer("dominant");
    const auto contextual = r.params.integer("contextual");
    if (dominant || contextual) {
      const int64_t total = settings_.outputTokens();
      settings_.dominant = dominant.value_or(std::max<int64_t>(1, total - contextual.value_or(0)));
      settings_.contextual = contextual.value_or(std::max<int64_t>(0, total - settings_.dominant));
      settings_.origin = "given (--param)";
    }
    validateVisionzip(settings_, frame);

    MethodPlan plan;
    const int64_t tokens = settings_.outputTokens() * v.frames;
    plan.stages = {
        {"VisionZip: dominant + contextual", ActsAt::AfterVisionBlock, g.featureBlock, tokens}};
    plan.signals.visionClsAttention = {g.featureBlock};
    plan.signals.visionKeys = {g.featureBlock};
    plan.llmInputTokens = tokens;
    plan.layerVisualTokens.assign(static_cast<size_t>(v.llmLayers), tokens);
    plan.equivalentTokens = static_cast<double>(tokens);
    plan.origin = settings_.origin + (v.frames > 1 ? "; per frame (video)" : "");
    plan.proposal = settings_.origin.rfind("derived", 0) == 0 || v.frames > 1;
    plan.resolved = {{"preset", preset},
                     {"dominant", std::to_string(settings_.dominant)},
                     {"contextual", std::to_string(settings_.contextual)},
                     {"vision_block", std::to_string(g.featureBlock)},
                     {"position_ids", "contiguous"},
                     {"origin", plan.origin}};
    return plan;
  }

  void onVisionBlock(generation::VisionLayerView& view) override {
    const ModelGeometry& g = request().geometry;
    if (view.layer != g.featureBlock) return;
    requireUnprunedFrames("visionzip", view, g);
    const int64_t F = view.hidden.size(0);
    std::vector<at::Tensor> hidden;
    std::vector<generation::Origins> origins(static_cast<size_t>(F));
    std::vector<double> saliency;
    std::vector<bool> merged;
    for (int64_t f = 0; f < F; ++f) {
      const at::Tensor cls = view.clsAttention[f];  // [Hv, 1+P]
      const VisionzipDominant dom = visionzipDominant(cls, settings_.dominant);
      const at::Tensor metric = visionzipMetric(view.keys[f], g.visionHeads);
      const VisionzipContextual ctx =
          visionzipContextual(view.hidden[f], metric, dom.sorted, settings_.contextual);
      // Row 0 stays the class token (the engine drops it); the zipped tokens follow.
      hidden.push_back(
          at::cat({view.hidden[f].narrow(0, 0, 1), ctx.tokens.to(view.hidden.scalar_type())}));
      const auto& from = view.origins[static_cast<size_t>(f)];
      auto& to = origins[static_cast<size_t>(f)];
      const std::vector<int64_t> dominant = toInt64s(dom.sorted);
      to = classTokenThen(from, dominant);
      merged.insert(merged.end(), dominant.size(), false);
      const std::vector<int64_t> remaining = toInt64s(ctx.remaining);
      const std::vector<int64_t> targets = toInt64s(ctx.targets);
      const std::vector<int64_t> assignment = toInt64s(ctx.assignment);
      std::vector<bool> isTarget(remaining.size(), false);
      for (int64_t t : targets)
        isTarget[static_cast<size_t>(t)] = true;
      std::vector<int64_t> others;  // non-target remaining slots, ascending (as assignment)
      for (size_t j = 0; j < remaining.size(); ++j)
        if (!isTarget[j]) others.push_back(static_cast<int64_t>(j));
      for (size_t k = 0; k < targets.size(); ++k) {
        const auto target = static_cast<size_t>(remaining[static_cast<size_t>(targets[k])]);
        std::vector<const std::vector<int32_t>*> members{&from.at(target)};
        for (size_t j = 0; j < others.size(); ++j)
          if (assignment[j] == static_cast<int64_t>(k))
            members.push_back(
                &from.at(static_cast<size_t>(remaining[static_cast<size_t>(others[j])])));
        to.push_back(mergedPatches(members));
        merged.push_back(members.size() > 1);
      }
      for (double s : toDoubles(clsSaliency(cls)))
        saliency.push_back(s);
    }
    view.hidden = at::stack(hidden);
    view.origins = std::move(origins);
    recorder().inputScores(trace::kScoreClsAttention, saliency);
    recorder().pendingMerged(std::move(merged));
    recorder().pendingStage("VisionZip: " + std::to_string(settings_.dominant) +
                            " dominant (class "
                            "token included) + " +
                            std::to_string(settings_.contextual) + " contextual per frame, block " +
                            std::to_string(view.layer));
  }

  VisionzipSettings settings_;
};

}  // namespace

std::unique_ptr<PruningMethod> makeVisionzipMethod() {
  return std::make_unique<VisionzipMethod>();
}

}  // namespace vitcop::pruning
