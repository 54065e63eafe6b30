// DART as a registry plugin (method-spec 3.5, Appendix A). Before LLM layer K: image and text
// pivots by the L1 norm of layer K-1's concatenated post-RoPE keys, read from that layer's KV
// cache (DQ-01); visiting the pivots in CPython set order (DQ-02), each picks the TOPK candidates
// least cosine-similar to it in the final-normed layer-(K-1) output (DQ-06); retained = image
// pivots + picks, with their original positions (gaps). No attention probabilities (DQ-07).
// The math is dartPivots / cpythonSetOrder / dartSelect.
#include <ATen/ops/cosine_similarity.h>

#include <algorithm>
#include <map>
#include <string>

#include "core/generation/kv_cache.h"
#include "core/pruning/baselines/baseline_common.h"
#include "core/pruning/baselines/dart.h"
#include "core/pruning/methods/builtin_methods.h"
#include "core/pruning/methods/method_support.h"
#include "core/pruning/numeric.h"
#include "core/pruning/pruning_error.h"
#include "core/pruning/tensor_values.h"

namespace vitcop::pruning {
namespace {

using namespace methods;

const char* kScoreKeyL1 = "key_l1";
const char* kScoreSimilarity = "similarity";

MethodInfo dartInfo() {
  MethodInfo i;
  i.name = "dart";
  i.title = "DART";
  i.summary =
      "keeps the image pivots (largest key L1 norm) and, for each image/text pivot, the tokens "
      "least similar to it (duplicate removal); original position ids";
  i.actsAt = "before LLM layer K (2 of 32)";
  i.signals =
      "cached post-RoPE keys of LLM layer K-1; the final norm of layer K-1's output (no "
      "attention probabilities)";
  i.source = "ZichenWen1/DART modeling_llama_self.py (method-spec 3.5)";
  i.params = {
      choiceParam("preset", {"ours", "authors"}, "ours",
                  "LLaVA-1.5 192/128/64: ours for the layer average (TOPK 20/12/3) or the "
                  "authors' M = 192/128/64 (retained-count convention: 196/132/68 kept)"),
      integerParam("layer", 1, 4096, "auto", "K: pruning before this LLM layer (2 of 32)"),
      integerParam("image_pivots", 1, 1e6, "auto", "image pivots (4; else max(1, rhe(4 P/576)))",
                   true),
      integerParam("text_pivots", 0, 1e6, "auto", "text pivots (4; else as image_pivots)", true),
      integerParam("topk", 1, 1e9, "auto",
                   "TOPK: tokens each pivot picks (else rhe((R - image_pivots) / pivots), R as "
                   "FastV's)"),
  };
  i.presetBudgets = {192, 128, 64};
  return i;
}

class DartMethod final : public PruningMethod {
 public:
  DartMethod() : PruningMethod(dartInfo()) {}

 private:
  MethodPlan doConfigure(const MethodRequest& r) override {
    const ModelGeometry& g = r.geometry;
    requirePatchTokensOnly("dart", g);
    const VisualGeometry& v = g.visual;
    if (v.llmLayers < 2)
      throw PruningError("dart: needs at least 2 LLM layers, the model has " +
                         std::to_string(v.llmLayers));
    const ParamValues& p = r.params;
    const std::string preset = p.text("preset").value_or("ours");
    const bool given =
        p.has("layer") || p.has("image_pivots") || p.has("text_pivots") || p.has("topk");
    const int64_t P = v.visualTokens();
    std::string note;
    if (preset == "authors") {
      if (given || !isPresetBudget(r.budget, v, info().presetBudgets))
        throw PruningError(
            "dart: --param preset=authors is M = 192/128/64 on LLaVA-1.5 "
            "geometry only, without other --param values");
      settings_ = dartAuthorsPreset(static_cast<int>(r.budget));
    } else if (!given && isPresetBudget(r.budget, v, info().presetBudgets)) {
      settings_ = dartSettingsForBudget(r.budget, v);
    } else {
      // Spec 6.9, with the pivot counts scaled to the window (4 of 576) so that small grids
      // keep a selection at all; identical to dartSettingsForBudget on 576 visual tokens.
      settings_ = DartSettings{};
      settings_.maxTruncation.reset();
      settings_.layer =
          p.integer("layer").value_or(std::max<int64_t>(1, scaleLayerIndex(2, v.llmLayers)));
      const int64_t scaled = std::max<int64_t>(1, pyRound(4.0 * static_cast<double>(P) / 576.0));
      settings_.imagePivots = p.integer("image_pivots").value_or(scaled);
      settings_.textPivots = p.integer("text_pivots").value_or(scaled);
      const int64_t pivots = settings_.imagePivots + settings_.textPivots;
      if (const auto given = p.integer("topk")) {
        settings_.topkPerPivot = *given;
      } else {
        const int64_t R = retainedForAverage("dart", r.budget, settings_.layer, v, note);
        int64_t topk = std::max<int64_t>(1, pyRound(static_cast<double>(R - settings_.imagePivots) /
                                                    static_cast<double>(pivots)));
        // Never more picks than candidates (small grids).
        topk = std::min(topk, (P - settings_.imagePivots) / std::max<int64_t>(1, pivots));
        settings_.topkPerPivot = topk;
        if (topk < 1)
          throw PruningError("dart: " + std::to_string(pivots) +
                             " pivots leave no candidates "
                             "among the " +
                             std::to_string(P) + " visual tokens");
      }
      settings_.origin = given ? "given (--param)" : "derived (spec 6.9, pivots scaled)";
    }
    validateDart(settings_, v);

    MethodPlan plan;
    const int64_t K = settings_.layer;
    const int64_t kept = dartRetained(settings_, P);
    plan.stages = {{"DART: pivots + least-similar picks", ActsAt::BeforeLlmLayer, K, kept}};
    plan.signals.llmCachedKeys = {K - 1};
    plan.llmInputTokens = P;
    plan.layerVisualTokens = dartLayerVisualTokens(settings_, v);
    plan.equivalentTokens = meanVisualTokens(plan.layerVisualTokens);
    plan.origin = settings_.origin + (note.empty() ? "" : "; " + note);
    plan.proposal = settings_.origin.rfind("authors", 0) != 0;
    plan.resolved = {{"preset", preset},
                     {"layer", std::to_string(K)},
                     {"image_pivots", std::to_string(settings_.imagePivots)},
                     {"text_pivots", std::to_string(settings_.textPivots)},
                     {"topk", std::to_string(dartTokenTopk(settings_, P))},
                     {"retained", std::to_string(kept)},
                     {"position_ids", "original"},
                     {"origin", plan.origin}};
    return plan;
  }

  void onDecoderLayer(generation::DecoderLayerView& view) override {
    if (view.layer != settings_.layer) return;
    const int64_t P = request().geometry.visual.visualTokens();
    const auto [vs, ve] = visualWindow("dart", view, P);
    const auto n = static_cast<int64_t>(view.tokens.size());
    if (n - ve < settings_.textPivots)
      throw PruningError("dart: the prompt has " + std::to_string(n - ve) +
                         " tokens after the image, fewer than the " +
                         std::to_string(settings_.textPivots) + " text pivots");
    if (!view.finalNorm) throw PruningError("dart: the engine offers no final norm");
    // Layer K-1 ran on this very sequence, so its cache rows are the view's rows.
    const at::Tensor keys = view.cache->layer(view.layer - 1).keys().select(0, 0);  // [H, n, hd]
    if (keys.size(1) != n)
      throw PruningError("dart: layer " + std::to_string(view.layer - 1) + " cached " +
                         std::to_string(keys.size(1)) + " keys for " + std::to_string(n) +
                         " tokens");
    const DartPivots pivots =
        dartPivots(keys, vs, ve - vs, settings_.imagePivots, settings_.textPivots);
    std::vector<int64_t> all = pivots.image;
    all.insert(all.end(), pivots.text.begin(), pivots.text.end());
    const std::vector<int64_t> order = cpythonSetOrder(all);
    const at::Tensor normed = view.finalNorm(view.hidden);
    const DartSelection sel =
        dartSelect(normed, pivots.image, order, vs, ve - vs, dartTokenTopk(settings_, P));

    // Trace: each retained token's group is the pivot (by visit index) that picked it; image
    // pivots are the groups' centres. Scores: the key L1 norm and the cosine to that pivot.
    const std::vector<double> l1 =
        toDoubles(keys.permute({1, 0, 2}).reshape({n, -1}).to(at::kFloat).abs().sum(1));
    std::map<int64_t, std::pair<int32_t, double>> group;  // row -> (visit index, cosine)
    for (size_t k = 0; k < order.size(); ++k) {
      const int64_t q = order[k];
      if (q >= vs && q < ve) group[q] = {static_cast<int32_t>(k), 1.0};
      const auto& picks = sel.picks[k];
      if (picks.empty()) continue;
      const at::Tensor cos = at::cosine_similarity(
          normed.select(0, q).unsqueeze(0).to(at::kFloat),
          normed.index_select(0, int64Tensor(picks).to(normed.device())).to(at::kFloat), 1, 1e-8);
      const std::vector<double> c = toDoubles(cos);
      for (size_t j = 0; j < picks.size(); ++j)
        group[picks[j]] = {static_cast<int32_t>(k), c[j]};
    }
    const std::vector<int64_t> keep = toInt64s(sel.keep);
    std::vector<double> keyL1, similarity;
    std::vector<int32_t> labels;
    std::vector<bool> centres;
    for (int64_t row : keep) {
      if (row < vs || row >= ve) continue;
      keyL1.push_back(l1[static_cast<size_t>(row)]);
      const auto& [label, cosine] = group.at(row);
      labels.push_back(label);
      similarity.push_back(cosine);
      centres.push_back(std::find(pivots.image.begin(), pivots.image.end(), row) !=
                        pivots.image.end());
    }
    std::vector<double> windowL1(l1.begin() + vs, l1.begin() + ve);
    recordInputScores(recorder(), kScoreKeyL1, view, vs, windowL1, P);
    recorder().pendingScores(kScoreKeyL1, std::move(keyL1));
    recorder().pendingScores(kScoreSimilarity, std::move(similarity));
    recorder().pendingClusters(std::move(labels), std::move(centres));
    recorder().pendingStage("DART: " + std::to_string(pivots.image.size()) + " image + " +
                            std::to_string(pivots.text.size()) + " text pivots (key L1 of layer " +
                            std::to_string(view.layer - 1) + "), " +
                            std::to_string(dartTokenTopk(settings_, P)) +
                            " least-similar picks each, original positions");
    keepRows(view, keep, /*renumber=*/false);
  }

  DartSettings settings_;
};

}  // namespace

std::unique_ptr<PruningMethod> makeDartMethod() {
  return std::make_unique<DartMethod>();
}

}  // namespace vitcop::pruning
