// SparseVLM v1.5 default path as a registry plugin (method-spec 3.2). Raters are chosen once
// from the input embeddings before layer 0 (SQ-01); each pruning layer l runs on the full
// sequence and keeps its full cache (SQ-02), and before layer l+1 its output is pruned: the
// raters' head-mean attention in layer l ranks the visual tokens, the top k_s stay in relative
// order and the best deleted ones are recycled into c_s DPC-kNN merged tokens placed after the
// kept ones; positions are renumbered contiguously (SQ-03) and each layer's decode positions
// continue its own cache (SQ-04). The engine computes only the rater
// query rows of the pruning layers (upstream materialises every layer's n x n matrix, SQ-07).
// The math is sparsevlmRaters / sparsevlmRelation / sparsevlmPruneStage.
#include <ATen/ops/arange.h>

#include <string>

#include "core/pruning/baselines/sparsevlm.h"
#include "core/pruning/methods/builtin_methods.h"
#include "core/pruning/methods/method_support.h"
#include "core/pruning/pruning_error.h"
#include "core/pruning/tensor_values.h"

namespace vitcop::pruning {
namespace {

using namespace methods;

const char* kScoreTextAttention = "text_attention";

MethodInfo sparsevlmInfo() {
  MethodInfo i;
  i.name = "sparsevlm";
  i.title = "SparseVLM";
  i.summary =
      "text raters rank the visual tokens after LLM layers 2, 6 and 15; the top tokens stay, the "
      "best deleted ones are recycled into DPC-kNN merged tokens; positions renumbered";
  i.actsAt = "on the outputs of LLM layers 2, 6, 15 (i.e. before layers 3, 7, 16)";
  i.signals =
      "input embeddings (raters, once); attention probabilities of the rater query rows of each "
      "pruning layer";
  i.source = "Gumpest/SparseVLMs modelling_sparse_llama.py, score.py v1.x (method-spec 3.2)";
  i.params = {
      choiceParam("preset", {"authors", "vitcop_authors"}, "authors",
                  "token lists on LLaVA-1.5: score.py v1.x (192/128/96/64) or the ViTCoP authors' "
                  "RETAINED_TOKENS 166/30/13 (budgets 192/64/48); other geometries: spec 6.9"),
  };
  i.presetBudgets = {192, 128, 96, 64};
  return i;
}

class SparsevlmMethod final : public PruningMethod {
 public:
  SparsevlmMethod() : PruningMethod(sparsevlmInfo()) {}

 private:
  MethodPlan doConfigure(const MethodRequest& r) override {
    const ModelGeometry& g = r.geometry;
    requirePatchTokensOnly("sparsevlm", g);
    const VisualGeometry& v = g.visual;
    if (v.llmLayers < 2)
      throw PruningError("sparsevlm: needs at least 2 LLM layers, the model has " +
                         std::to_string(v.llmLayers));
    const std::string preset = r.params.text("preset").value_or("authors");
    if (preset == "vitcop_authors") {
      // Their script's ratios 1/3, 1/9, 1/12 of 576 -> RETAINED_TOKENS 166, 30, 13.
      const int b = isPresetBudget(r.budget, v, {192, 64, 48}) ? static_cast<int>(r.budget) : 0;
      if (b == 0)
        throw PruningError(
            "sparsevlm: --param preset=vitcop_authors exists for budgets 192, 64 "
            "and 48 on LLaVA-1.5 geometry only (24x24, one frame, 32 layers)");
      settings_ = sparsevlmVitcopAuthorsPreset(b == 192 ? 166 : b == 64 ? 30 : 13);
      settings_.layers = {2, 6, 15};
    } else {
      settings_ = sparsevlmSettingsForBudget(r.budget, v);
    }
    validateSparsevlm(settings_, v);
    stages_ = sparsevlmStageCounts(settings_, v);
    raters_.clear();

    MethodPlan plan;
    for (size_t s = 0; s < stages_.size(); ++s)
      plan.stages.push_back({"SparseVLM stage " + std::to_string(s) + ": keep " +
                                 std::to_string(stages_[s].kept) + " + recycle into " +
                                 std::to_string(stages_[s].clusters),
                             ActsAt::BeforeLlmLayer, settings_.layers[s] + 1, stages_[s].after});
    plan.signals.llmAttention = settings_.layers;
    plan.llmInputTokens = v.visualTokens();
    plan.layerVisualTokens = sparsevlmLayerVisualTokens(settings_, v);
    plan.equivalentTokens = meanVisualTokens(plan.layerVisualTokens);
    plan.origin = settings_.origin;
    plan.proposal = settings_.origin.rfind("derived", 0) == 0;
    plan.decodePositions = generation::DecodePositions::LayerCacheLength;  // SQ-04
    std::vector<int64_t> after;
    for (const auto& c : stages_)
      after.push_back(c.after);
    plan.resolved = {{"preset", preset},
                     {"pruning_layers", joinInts(settings_.layers)},
                     {"retain_lists", joinInts(settings_.retainLists)},
                     {"tokens_after_stages", joinInts(after)},
                     {"density_noise", "off (SQ-05 port decision)"},
                     {"position_ids", "renumbered"},
                     {"origin", settings_.origin}};
    return plan;
  }

  int stageEndingBefore(int64_t layer) const {
    for (size_t s = 0; s < settings_.layers.size(); ++s)
      if (settings_.layers[s] + 1 == layer) return static_cast<int>(s);
    return -1;
  }

  // Raters are relative to the suffix start, which moves with every stage (SQ-01).
  std::vector<int64_t> queryRows(const generation::DecoderLayerView& view) override {
    const auto [vs, ve] = view.visualSpan();
    (void)vs;
    std::vector<int64_t> rows;
    for (int64_t r : raters_)
      rows.push_back(ve + r);
    return rows;
  }

  void onDecoderLayer(generation::DecoderLayerView& view) override {
    const int64_t P = request().geometry.visual.visualTokens();
    if (view.layer == 0) chooseRaters(view, P);
    const int s = stageEndingBefore(view.layer);
    if (s >= 0) prune(view, static_cast<size_t>(s));
  }

  // Spec 3.2 step 1 on the spliced input embeddings.
  void chooseRaters(const generation::DecoderLayerView& view, int64_t P) {
    const auto [vs, ve] = visualWindow("sparsevlm", view, P);
    raters_ = toInt64s(sparsevlmRaters(view.hidden, vs, ve - vs));
    if (raters_.empty()) {
      // Every text score equals the mean (e.g. a one-token suffix): upstream would average over
      // no rows (NaN); every suffix token rates instead.
      for (int64_t j = 0; j < static_cast<int64_t>(view.tokens.size()) - ve; ++j)
        raters_.push_back(j);
    }
  }

  void prune(generation::DecoderLayerView& view, size_t s) {
    const SparsevlmStageCounts& c = stages_[s];
    const auto [vs, ve] = visualWindow("sparsevlm", view, c.before);
    const int64_t layer = settings_.layers[s];
    const auto it = view.attention->find(layer);
    if (it == view.attention->end())
      throw PruningError("sparsevlm: the engine supplied no probabilities of layer " +
                         std::to_string(layer));
    const at::Tensor& a = it->second;  // [H, raters, T]
    const at::Tensor rel = sparsevlmRelation(a, at::arange(a.size(1), at::kLong), vs, c.before);
    // DPC-kNN's cdist has no bfloat16/half CPU kernel in LibTorch 1.13: the stage runs in
    // float32 (a lossless round trip for the kept rows; the merged ones are rounded once).
    const c10::ScalarType dtype = view.hidden.scalar_type();
    const bool narrow = dtype == at::kBFloat16 || dtype == at::kHalf;
    const SparsevlmStage st = sparsevlmPruneStage(narrow ? view.hidden.to(at::kFloat) : view.hidden,
                                                  rel, settings_.retainLists[s], vs);
    if (st.counts.after != c.after)
      throw PruningError("sparsevlm: stage " + std::to_string(s) + " produced " +
                         std::to_string(st.counts.after) + " tokens, the schedule " +
                         std::to_string(c.after));

    // Sequence: prefix, kept (relative order), merged tokens in centre order, suffix.
    const std::vector<double> relv = toDoubles(rel);
    const std::vector<int64_t> kept = toInt64s(st.kept);
    const std::vector<int64_t> recycled = toInt64s(st.recycled);
    const std::vector<int64_t> centres = toInt64s(st.merge.centres);
    const std::vector<int64_t> assignment = toInt64s(st.merge.assignment);
    std::vector<model::TokenInfo> tokens(view.tokens.begin(), view.tokens.begin() + vs);
    std::vector<double> scores;
    std::vector<bool> merged;
    for (int64_t k : kept) {
      tokens.push_back(view.tokens[static_cast<size_t>(vs + k)]);
      scores.push_back(relv[static_cast<size_t>(k)]);
      merged.push_back(false);
    }
    for (size_t m = 0; m < centres.size(); ++m) {
      const int64_t centre = recycled[static_cast<size_t>(centres[m])];
      std::vector<const std::vector<int32_t>*> members{
          &view.tokens[static_cast<size_t>(vs + centre)].patches};
      for (size_t i = 0; i < recycled.size(); ++i)
        if (assignment[i] == static_cast<int64_t>(m) && recycled[i] != centre)
          members.push_back(&view.tokens[static_cast<size_t>(vs + recycled[i])].patches);
      model::TokenInfo t = view.tokens[static_cast<size_t>(vs + centre)];
      t.patches = mergedPatches(members);
      tokens.push_back(std::move(t));
      scores.push_back(relv[static_cast<size_t>(centre)]);
      merged.push_back(members.size() > 1);
    }
    tokens.insert(tokens.end(), view.tokens.begin() + ve, view.tokens.end());
    if (s == 0)
      recordInputScores(recorder(), kScoreTextAttention, view, vs, relv,
                        request().geometry.visual.visualTokens());
    view.hidden = st.hidden.to(dtype);
    view.tokens = std::move(tokens);
    view.positions.resize(view.tokens.size());
    for (size_t i = 0; i < view.positions.size(); ++i)
      view.positions[i] = static_cast<int64_t>(i);  // SQ-03
    recorder().pendingScores(kScoreTextAttention, std::move(scores));
    recorder().pendingMerged(std::move(merged));
    recorder().pendingStage("SparseVLM stage " + std::to_string(s) +
                            " (raters' attention in layer " + std::to_string(layer) +
                            "): " + std::to_string(c.kept) + " kept + " +
                            std::to_string(c.clusters) + " recycled from " +
                            std::to_string(c.recycled) + ", positions renumbered");
  }

  SparsevlmSettings settings_;
  std::vector<SparsevlmStageCounts> stages_;
  std::vector<int64_t> raters_;  // relative to the suffix start
};

}  // namespace

std::unique_ptr<PruningMethod> makeSparsevlmMethod() {
  return std::make_unique<SparsevlmMethod>();
}

}  // namespace vitcop::pruning
