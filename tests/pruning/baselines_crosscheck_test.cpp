// Cross-check of the baseline ports against the upstream selection code's recorded inputs and
// outputs (tests/data/reference-selection: fastv, sparsevlm, pdrop, visionzip, dart; README
// there). Every case of a fixture's `params.cases` is checked: indices, masks, counts and
// positions exactly, gathers bit-exact, floats with the README section-4 tolerances.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "core/pruning/baselines/baseline_common.h"
#include "core/pruning/baselines/dart.h"
#include "core/pruning/baselines/fastv.h"
#include "core/pruning/baselines/pdrop.h"
#include "core/pruning/baselines/sparsevlm.h"
#include "core/pruning/baselines/visionzip.h"
#include "tests/pruning/baselines_synthetic_decoder.h"
#include "tests/pruning/reference_fixture.h"

namespace vitcop::pruning {
namespace {

using test::bitExact;
using test::closeToReference;
using test::longs;
using test::ReferenceFixture;
using test::sorted;

const VisualGeometry kLlava{24, 24, 1, 32};

// README section 4, end-to-end rule for tensors computed through the synthetic layers.
::testing::AssertionResult endToEnd(const at::Tensor& a, const at::Tensor& r) {
  return closeToReference(a, r, 0.0, 1e-5);
}

// fastv: the in-place FastV path on the synthetic 32-layer decoder. Layers 0..K-1 are rebuilt in
// the test (README 6.4) to obtain layer K-1's probabilities (FQ-05); scores, top-R and keep
// (with S_sys = v_s = 35, FQ-01) come from the port; the tail runs with position ids = keep
// (original positions with gaps) and must reproduce the stored output.
TEST(BaselinesCrosscheck, Fastv) {
  const ReferenceFixture fx("fastv");
  const auto& params = fx.json().at("params");
  const int64_t vs = params.at("sys_length").get<int64_t>();
  const int64_t nImg = params.at("image_token_length").get<int64_t>();
  const int64_t n = params.at("L").get<int64_t>();
  const int64_t T = params.at("T_text").get<int64_t>();
  const int layers = params.at("n_layers").get<int>();
  const test::SynthDecoder decoder(fx, layers);
  // Layers 0..2 on all tokens are shared by the cases (K <= 3): run them once.
  const at::Tensor pos = at::arange(n, at::kLong);
  std::vector<test::SynthLayerOutput> prefix;
  at::Tensor h0 = fx.tensor("inputs_embeds").squeeze(0);
  for (int l = 0; l < 3; ++l) {
    prefix.push_back(decoder.layer(l, h0, pos));
    h0 = prefix.back().hidden;
  }
  const auto names = fx.caseNames();
  ASSERT_FALSE(names.empty());
  for (const auto& c : names) {
    SCOPED_TRACE("case " + c);
    const auto& cs = fx.cases().at(c);
    FastvSettings s;
    s.aggLayer = cs.at("agg_layer").get<int64_t>();
    s.retained = cs.at("attention_rank").get<int64_t>();
    validateFastv(s, kLlava);

    // Prefill up to layer K-1 on all tokens, positions 0..n-1.
    ASSERT_LE(s.aggLayer, static_cast<int64_t>(prefix.size()));
    at::Tensor h = prefix[static_cast<size_t>(s.aggLayer - 1)].hidden;
    const at::Tensor attn = prefix[static_cast<size_t>(s.aggLayer - 1)].attention;
    EXPECT_TRUE(endToEnd(h, fx.tensor(c + "_hidden_pre_prune")));
    const at::Tensor scores = fastvScores(attn, vs, nImg);
    EXPECT_TRUE(closeToReference(scores, fx.tensor(c + "_image_scores_layerKm1_lasttok"), 1e-4, 0));

    // Selection from our scores and from the stored scores: the same keep list, exactly.
    const FastvSelection sel = fastvSelect(scores, s.retained, vs, n);
    const FastvSelection stored =
        fastvSelect(fx.tensor(c + "_image_scores_layerKm1_lasttok"), s.retained, vs, n);
    const auto keep = longs(fx.tensor(c + "_keep_indexs"));
    EXPECT_EQ(longs(sel.keep), keep);
    EXPECT_EQ(longs(stored.keep), keep);
    EXPECT_EQ(static_cast<int64_t>(keep.size()), n - nImg + s.retained);

    // The drop is a pure gather of the stored layer-K-1 output.
    EXPECT_TRUE(bitExact(gatherTokens(fx.tensor(c + "_hidden_pre_prune"), sel.keep, "test"),
                         fx.tensor(c + "_hidden_post_prune")));

    // Per-layer lengths from the settings: prefix + visual tokens of the layer + suffix.
    std::vector<int64_t> qlen;
    for (int64_t v : fastvLayerVisualTokens(s, kLlava))
      qlen.push_back(vs + v + T);
    EXPECT_EQ(qlen, longs(fx.tensor(c + "_layer_qlen")));

    // Layers K..31 on the kept tokens with position ids = keep.
    h = gatherTokens(h, sel.keep, "test");
    for (int l = static_cast<int>(s.aggLayer); l < layers; ++l)
      h = decoder.layer(l, h, sel.keep).hidden;
    EXPECT_TRUE(endToEnd(h, fx.tensor(c + "_out").squeeze(0)));
  }
  fx.reportChecked(names.size());
}

// sparsevlm: the relation scores of the raters (rows given by the fixture, README 2.3), the
// top-k keep mask with k = min(list[0], n_vis - 1) (SQ-06) from the port's own preset lists,
// and cluster_and_merge with and without upstream's density noise (SQ-05).
TEST(BaselinesCrosscheck, Sparsevlm) {
  const ReferenceFixture fx("sparsevlm");
  const auto& params = fx.json().at("params");
  const int64_t vs = params.at("v_token_start").get<int64_t>();
  const int64_t nImg = params.at("v_token_num").get<int64_t>();
  const int64_t t0 = params.at("text_token_start").get<int64_t>();
  const int64_t n = params.at("L").get<int64_t>();
  const at::Tensor rows = fx.tensor("attn_weights_rater_rows").squeeze(0);  // [H, 12, n]
  const at::Tensor rowIndex = fx.tensor("attn_weights_rater_row_index");
  const at::Tensor raters = fx.tensor("text_rater_rel_idx");
  // Rater rows are re-based to the current suffix start (SQ-01): t0 + raters.
  EXPECT_EQ(longs(raters + t0), longs(rowIndex));
  // The full causal matrix with only the rater rows filled (README 2.3), read through the
  // absolute-row path of the port.
  at::Tensor full = at::zeros({rows.size(0), n, n}, rows.options());
  full.index_copy_(1, rowIndex, rows);

  const auto names = fx.caseNames();
  ASSERT_FALSE(names.empty());
  for (const auto& c : names) {
    SCOPED_TRACE("case " + c);
    const auto& cs = fx.cases().at(c);
    const at::Tensor refRel = fx.tensor(c + "_relation").squeeze(0);
    const at::Tensor rel = sparsevlmRelation(rows, at::arange(rows.size(1), at::kLong), vs, nImg);
    EXPECT_TRUE(closeToReference(rel, refRel));
    EXPECT_TRUE(closeToReference(sparsevlmRelation(full, raters + t0, vs, nImg), refRel));

    const SparsevlmSettings preset = sparsevlmPreset(cs.at("RETAIN_TOKN").get<int>());
    ASSERT_EQ(preset.layers.front(), cs.at("layer_idx").get<int64_t>());
    const int64_t list0 = preset.retainLists.front();
    EXPECT_EQ(std::min(list0, nImg - 1), cs.at("kept").get<int64_t>());
    const at::Tensor mask = sparsevlmKeepMask(rel, list0);
    EXPECT_TRUE(at::equal(mask, fx.tensor(c + "_mask").squeeze(0)));
    EXPECT_EQ(mask.sum().item<int64_t>(), cs.at("kept").get<int64_t>());
  }

  // cluster_and_merge(x [40, 64], 5): centres in descending score order, merged rows within
  // tolerance (README 5.6). Upstream's noise is torch.rand(1, 40) right after manual_seed(0);
  // LibTorch's CPU generator yields the same draws.
  const int64_t clusters = params.at("cluster_and_merge").at("cluster_num").get<int64_t>();
  const uint64_t seed = params.at("cluster_and_merge").at("torch_manual_seed").get<uint64_t>();
  const at::Tensor x = fx.tensor("cam_x");
  const at::Tensor ref = fx.tensor("cam_out").squeeze(0);
  const ClusterMergeResult plain = clusterAndMerge(x, clusters);
  EXPECT_TRUE(closeToReference(plain.merged, ref));
  at::Generator gen = at::detail::createCPUGenerator(seed);
  const at::Tensor noise = at::rand({1, x.size(1)}, gen).reshape({-1}) * 1e-6;
  const ClusterMergeResult noisy = clusterAndMerge(x, clusters, noise);
  EXPECT_TRUE(closeToReference(noisy.merged, ref));
  EXPECT_EQ(longs(noisy.centres), longs(plain.centres));
  EXPECT_EQ(longs(noisy.assignment), longs(plain.assignment));
  fx.reportChecked(names.size() + 1);
}

// pdrop: the three stages of pdrop_rank_drop, each from the stored input of that stage: the
// lightweight attention of layer r's norm and q/k (PQ-01), trunc counts relative to 576 (PQ-03),
// the gather (bit-exact) and the renumbered positions (PQ-02).
TEST(BaselinesCrosscheck, Pdrop) {
  const ReferenceFixture fx("pdrop");
  const auto& params = fx.json().at("params");
  const int64_t vs = params.at("image_token_posi").get<int64_t>();
  const int64_t promptLen = params.at("prompt_len").get<int64_t>();
  const int64_t D = params.at("D").get<int64_t>();
  std::vector<double> ratios;
  for (const auto& r : params.at("image_token_ratio_list"))
    ratios.push_back(r.get<double>());
  const std::vector<int64_t> counts = pdropCountsFromRatios(ratios, 576);
  const PdropSettings authors = pdropAuthorsDefault(kLlava);
  EXPECT_EQ(authors.layers, params.at("layer_list").get<std::vector<int64_t>>());
  EXPECT_EQ(authors.stageTokens, std::vector<int64_t>(counts.begin() + 1, counts.end()));

  const auto names = fx.caseNames();
  ASSERT_FALSE(names.empty());
  for (size_t s = 0; s < names.size(); ++s) {
    const std::string c = "stage" + std::to_string(s);
    SCOPED_TRACE("case " + c);
    const auto& cs = fx.cases().at(c);
    const int64_t layer = cs.at("rank_layer").get<int64_t>();
    EXPECT_EQ(layer, authors.layers[s]);
    const at::Tensor in =
        fx.tensor(s == 0 ? "stage0_features" : "stage" + std::to_string(s - 1) + "_out_features");
    ASSERT_EQ(in.size(1), cs.at("seq_in").get<int64_t>());
    PdropRankLayer w;
    w.normWeight = at::ones({D}, at::kFloat);
    w.normEps = params.at("rms_norm_eps").get<double>();
    w.qWeight = fx.tensor("layer" + std::to_string(layer) + "_q_weight");
    w.kWeight = fx.tensor("layer" + std::to_string(layer) + "_k_weight");
    w.heads = w.kvHeads = params.at("H").get<int64_t>();
    w.ropeBase = params.at("rope").at("base").get<double>();
    const int64_t nS = counts[s];
    const at::Tensor scores = pdropScores(in, w, promptLen + nS - 1, vs, nS);
    EXPECT_TRUE(closeToReference(scores, fx.tensor(c + "_scores")));
    const PdropDrop drop = pdropDrop(in, scores, counts[s + 1], vs);
    EXPECT_EQ(longs(drop.keep), longs(fx.tensor(c + "_top_rank_index")));
    EXPECT_TRUE(bitExact(drop.hidden, fx.tensor(c + "_out_features")));
    EXPECT_EQ(longs(drop.positions), longs(fx.tensor(c + "_out_position_ids")));
    EXPECT_EQ(drop.hidden.size(1), cs.at("seq_out").get<int64_t>());
  }
  fx.reportChecked(names.size());
}

// visionzip: dominant top-k with the class token first (ZQ-01), the uniform-stride targets
// (ZQ-04), dominant rows bit-exact, contextual rows "target + mean of assigned" (ZQ-03) within
// tolerance. hidden_layer_m2 is referenced from vitcop_vision (README 2.4).
TEST(BaselinesCrosscheck, Visionzip) {
  const ReferenceFixture fx("visionzip");
  const ReferenceFixture vision("vitcop_vision");
  const at::Tensor hidden = vision.tensor("hidden_layer_m2");
  const at::Tensor clsRow = fx.tensor("attn_layer_m2_cls_row");
  const at::Tensor metric = fx.tensor("metric_layer_m2");
  const auto names = fx.caseNames();
  ASSERT_FALSE(names.empty());
  for (const auto& c : names) {
    SCOPED_TRACE("case " + c);
    const auto& cs = fx.cases().at(c);
    VisionzipSettings s;
    s.dominant = cs.at("dominant_incl_cls").get<int64_t>();
    s.contextual = cs.at("contextual").get<int64_t>();
    validateVisionzip(s, kLlava);
    // The fixture's cases are the paper's splits for 192 / 128 / 64.
    const VisionzipSettings preset = visionzipPreset(static_cast<int>(s.outputTokens()));
    EXPECT_EQ(preset.dominant, s.dominant);
    EXPECT_EQ(preset.contextual, s.contextual);

    const VisionzipDominant dom = visionzipDominant(clsRow, s.dominant);
    const auto ref = longs(fx.tensor(c + "_all_indices"));
    ASSERT_FALSE(ref.empty());
    EXPECT_EQ(ref.front(), 0);
    EXPECT_EQ(longs(dom.topk).front(), 0);
    EXPECT_EQ(sorted(longs(dom.topk)), sorted(ref));

    const VisionzipContextual ctx = visionzipContextual(hidden, metric, dom.sorted, s.contextual);
    EXPECT_EQ(longs(ctx.targets), longs(fx.tensor(c + "_target_indices")));
    EXPECT_EQ(ctx.counts.sum().item<int64_t>() + s.contextual, ctx.remaining.numel());
    const at::Tensor out = fx.tensor(c + "_out").squeeze(0);
    ASSERT_EQ(ctx.tokens.sizes(), out.sizes());
    EXPECT_TRUE(bitExact(ctx.tokens.slice(0, 0, s.dominant), out.slice(0, 0, s.dominant)));
    EXPECT_TRUE(closeToReference(ctx.tokens.slice(0, s.dominant), out.slice(0, s.dominant)));
  }
  fx.reportChecked(names.size());
}

// dart: pivots by the L1 norm of the concatenated keys (DQ-01), the CPython set order of
// Appendix A against the recorded iteration order (DQ-02), and the greedy least-similar picks
// run in the recorded order (README 5.3), TOPK = M // 8 (DQ-04, DQ-05).
TEST(BaselinesCrosscheck, Dart) {
  const ReferenceFixture fx("dart");
  const auto& params = fx.json().at("params");
  const int64_t vs = params.at("image_token_start_index").get<int64_t>();
  const int64_t nImg = params.at("image_token_length").get<int64_t>();
  const int64_t n = params.at("L").get<int64_t>();
  const int64_t ip = params.at("pivot_image_token").get<int64_t>();
  const int64_t tp = params.at("pivot_text_token").get<int64_t>();
  const at::Tensor keys = fx.tensor("any_states_keys_BHLd");
  const at::Tensor normed = fx.tensor("last_layer_state_normed");
  const DartPivots pivots = dartPivots(keys, vs, nImg, ip, tp);
  const auto names = fx.caseNames();
  ASSERT_FALSE(names.empty());
  for (const auto& c : names) {
    SCOPED_TRACE("case " + c);
    const auto& cs = fx.cases().at(c);
    const auto image = longs(fx.tensor(c + "_image_pivots"));
    const auto text = longs(fx.tensor(c + "_text_pivots"));
    EXPECT_EQ(sorted(pivots.image), sorted(image));
    EXPECT_EQ(sorted(pivots.text), sorted(text));

    std::vector<int64_t> both = image;
    both.insert(both.end(), text.begin(), text.end());
    const auto order = longs(fx.tensor(c + "_pivot_iteration_order"));
    EXPECT_EQ(cpythonSetOrder(both), order);

    const DartSettings s = dartAuthorsPreset(cs.at("max_num_trunction").get<int>());
    const int64_t topk = dartTokenTopk(s, nImg);
    EXPECT_EQ(topk, cs.at("TOKEN_TOPK").get<int64_t>());
    EXPECT_EQ(dartRetained(s, nImg), cs.at("retained").get<int64_t>());

    const DartSelection sel = dartSelect(normed, image, order, vs, nImg, topk);
    const auto retained = longs(fx.tensor(c + "_retained_sorted"));
    EXPECT_EQ(longs(sel.retainedSorted), retained);
    EXPECT_EQ(sorted(longs(fx.tensor(c + "_retained"))), retained);
    EXPECT_EQ(sel.keep.numel(), n - nImg + static_cast<int64_t>(retained.size()));
    // The port's own pivots and set order reproduce the same result end to end.
    std::vector<int64_t> ours = pivots.image;
    ours.insert(ours.end(), pivots.text.begin(), pivots.text.end());
    const DartSelection own =
        dartSelect(normed, pivots.image, cpythonSetOrder(ours), vs, nImg, topk);
    EXPECT_EQ(longs(own.retainedSorted), retained);
    // DQ-02 matters on this data: visiting the pivots in list order instead of set order
    // retains a different set.
    const DartSelection listOrder = dartSelect(normed, image, both, vs, nImg, topk);
    EXPECT_NE(longs(listOrder.retainedSorted), retained);
  }
  fx.reportChecked(names.size());
}

}  // namespace
}  // namespace vitcop::pruning
