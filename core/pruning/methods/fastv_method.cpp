// FastV as a registry plugin (method-spec 3.1, in-place mode with a KV cache): before LLM layer
// K the visual tokens are ranked by the head-mean attention the LAST prompt token paid them in
// layer K-1; the top R stay with their original position ids (gaps). The engine computes one
// query row of probabilities, at layer K-1 only (FQ-05); the selection is made once in prefill
// (FQ-02) and decode positions are n + j. The math is fastvScores / fastvSelect.
#include <algorithm>
#include <string>

#include "core/pruning/baselines/baseline_common.h"
#include "core/pruning/baselines/fastv.h"
#include "core/pruning/methods/builtin_methods.h"
#include "core/pruning/methods/method_support.h"
#include "core/pruning/pruning_error.h"
#include "core/pruning/tensor_values.h"

namespace vitcop::pruning {
namespace {

using namespace methods;

const char* kScoreTextAttention = "text_attention";

MethodInfo fastvInfo() {
  MethodInfo i;
  i.name = "fastv";
  i.title = "FastV";
  i.summary =
      "drops the visual tokens the last prompt token attends to least in layer K-1, before "
      "layer K; original position ids";
  i.actsAt = "before LLM layer K (2 of 32)";
  i.signals = "attention probabilities of the last query row of LLM layer K-1 (one row)";
  i.source = "pkunlp-icler/FastV modeling_llama.py, in-place mode (method-spec 3.1)";
  i.params = {
      integerParam("layer", 1, 4096, "auto",
                   "K: tokens are dropped before this LLM layer (ViTCoP authors: 2; else "
                   "max(1, rhe(2L/32)))"),
      integerParam("retained", 1, 1e9, "auto",
                   "R: visual tokens kept from layer K on (ViTCoP authors: 166/98/30; else "
                   "rhe((B L - K P) / (L - K)))"),
  };
  i.presetBudgets = {192, 128, 96, 64};
  return i;
}

class FastvMethod final : public PruningMethod {
 public:
  FastvMethod() : PruningMethod(fastvInfo()) {}

 private:
  MethodPlan doConfigure(const MethodRequest& r) override {
    const ModelGeometry& g = r.geometry;
    requirePatchTokensOnly("fastv", g);
    const VisualGeometry& v = g.visual;
    const auto K = r.params.integer("layer");
    const auto R = r.params.integer("retained");
    std::string note;
    if (!K && !R && isPresetBudget(r.budget, v, info().presetBudgets)) {
      settings_ = fastvSettingsForBudget(r.budget, v);
    } else {
      if (v.llmLayers < 2)
        throw PruningError("fastv: needs at least 2 LLM layers, the model has " +
                           std::to_string(v.llmLayers));
      settings_.aggLayer = K.value_or(std::max<int64_t>(1, scaleLayerIndex(2, v.llmLayers)));
      if (settings_.aggLayer > v.llmLayers - 1)
        throw PruningError("fastv: --param layer=" + std::to_string(settings_.aggLayer) +
                           " must be below the " + std::to_string(v.llmLayers) + " LLM layers");
      if (R) {
        if (*R > v.visualTokens())
          throw PruningError("fastv: --param retained=" + std::to_string(*R) + " exceeds the " +
                             std::to_string(v.visualTokens()) + " visual tokens");
        settings_.retained = *R;
      } else {
        settings_.retained = retainedForAverage("fastv", r.budget, settings_.aggLayer, v, note);
      }
      settings_.origin = (K || R) ? "given (--param)" : "derived (spec 6.9)";
    }
    validateFastv(settings_, v);

    MethodPlan plan;
    const int64_t K0 = settings_.aggLayer;
    plan.stages = {
        {"FastV: last-token attention top-R", ActsAt::BeforeLlmLayer, K0, settings_.retained}};
    plan.signals.llmAttention = {K0 - 1};
    plan.llmInputTokens = v.visualTokens();
    plan.layerVisualTokens = fastvLayerVisualTokens(settings_, v);
    plan.equivalentTokens = meanVisualTokens(plan.layerVisualTokens);
    plan.origin = settings_.origin + (note.empty() ? "" : "; " + note);
    plan.proposal = !note.empty();
    plan.resolved = {{"layer", std::to_string(K0)},
                     {"retained", std::to_string(settings_.retained)},
                     {"position_ids", "original"},
                     {"origin", plan.origin}};
    return plan;
  }

  // The last token of the prefill sequence is the query (FQ-02).
  std::vector<int64_t> queryRows(const generation::DecoderLayerView& view) override {
    if (view.layer != settings_.aggLayer - 1) return {};
    return {static_cast<int64_t>(view.tokens.size()) - 1};
  }

  void onDecoderLayer(generation::DecoderLayerView& view) override {
    if (view.layer != settings_.aggLayer) return;
    const int64_t P = request().geometry.visual.visualTokens();
    const auto [vs, ve] = visualWindow("fastv", view, P);
    const auto it = view.attention->find(view.layer - 1);
    if (it == view.attention->end())
      throw PruningError("fastv: the engine supplied no probabilities of layer " +
                         std::to_string(view.layer - 1));
    const at::Tensor row = it->second.select(1, 0);  // [H, T]: the one row asked for
    const at::Tensor scores = fastvScores(row, vs, ve - vs);
    const FastvSelection sel =
        fastvSelect(scores, settings_.retained, vs, static_cast<int64_t>(view.tokens.size()));
    const std::vector<int64_t> keep = toInt64s(sel.keep);
    const std::vector<double> s = toDoubles(scores);
    recordInputScores(recorder(), kScoreTextAttention, view, vs, s, P);
    recorder().pendingScores(kScoreTextAttention, windowValuesAt(s, vs, ve, keep));
    recorder().pendingStage("FastV: top-" + std::to_string(settings_.retained) +
                            " by the last token's attention in layer " +
                            std::to_string(view.layer - 1) + ", original positions");
    keepRows(view, keep, /*renumber=*/false);
  }

  FastvSettings settings_;
};

}  // namespace

std::unique_ptr<PruningMethod> makeFastvMethod() {
  return std::make_unique<FastvMethod>();
}

}  // namespace vitcop::pruning
