// Cross-check of the ViTCoP core against the upstream selection code's recorded inputs and
// outputs (tests/data/reference-selection, README there). Every case found in a fixture's JSON
// `params.cases` is checked; indices, labels, counts and positions exactly, floats with the
// README section-4 tolerances.
#include <ATen/ATen.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "core/pruning/budget_schedule.h"
#include "core/pruning/numeric.h"
#include "core/pruning/stage1_cls.h"
#include "core/pruning/stage2_filter.h"
#include "core/pruning/vic.h"
#include "tests/pruning/reference_fixture.h"

namespace vitcop::pruning {
namespace {

using test::closeToReference;
using test::longs;
using test::ReferenceFixture;
using test::sorted;

constexpr int64_t kVisualStart = 35;  // every LLM-side fixture: 35 prefix tokens

// vitcop_vision: Stage I (VQ-03 head sum, VQ-04 trunc, VQ-05 raster order, VQ-06 positions) and
// VIC on the kept keys (VQ-07).
TEST(ReferenceCrosscheck, VitcopVisionStage1AndVic) {
  const ReferenceFixture fx("vitcop_vision");
  const at::Tensor clsRow = fx.tensor("attn_layer_m2_cls_row");
  const at::Tensor kproj = fx.tensor("k_proj_out_layer_m2");
  const at::Tensor hidden = fx.tensor("hidden_layer_m2");
  const auto names = fx.caseNames();
  ASSERT_FALSE(names.empty());
  for (const auto& c : names) {
    SCOPED_TRACE("case " + c);
    const auto& cs = fx.cases().at(c);
    const double v = cs.at("vision_prune_ratio").get<double>();
    const int64_t n = pyTrunc(v * 576.0);  // VQ-04
    EXPECT_EQ(n, cs.at("n_kept").get<int64_t>());
    const Stage1Selection sel = stage1Select(clsSaliency(clsRow), n);
    EXPECT_EQ(sorted(longs(sel.topkOrder)), sorted(longs(fx.tensor(c + "_topk_indices"))));
    EXPECT_EQ(longs(sel.keptSorted), longs(fx.tensor(c + "_kept_patch_indices_sorted")));
    const at::Tensor pos = gridPositions(sel.keptSorted, 24, 24);
    EXPECT_TRUE(test::bitExact(pos, fx.tensor(c + "_vision_pos_filtered").squeeze(0)));
    // b*_features is stored by reference as hidden_layer_m2[:, 1 + kept]: our gather must
    // produce rows of `hidden` with the class token skipped.
    const at::Tensor feats = gatherPatchRows(hidden, sel.keptSorted);
    ASSERT_EQ(feats.size(0), n);
    EXPECT_TRUE(at::equal(feats[0], hidden[0][1 + longs(sel.keptSorted)[0]]));
    VicOptions o;
    o.centreFraction = cs.at("cluster_percentage").get<double>();
    const VicResult vic = runVic(gatherPatchRows(kproj, sel.keptSorted), pos, o);
    EXPECT_EQ(vic.centres.size(0), cs.at("num_centers").get<int64_t>());
    EXPECT_EQ(longs(vic.labels), longs(fx.tensor(c + "_cluster_labels")));
  }
  fx.reportChecked(names.size());
}

// vitcop_vic: every VIC intermediate (VQ-08 distances, VQ-09 self term, VQ-10 ties count as
// denser, VQ-11 fallback, VQ-12 centre order, VQ-13 count, VQ-14 leftovers).
TEST(ReferenceCrosscheck, VitcopVicIntermediates) {
  const ReferenceFixture fx("vitcop_vic");
  const ReferenceFixture vision("vitcop_vision");
  const at::Tensor kproj = vision.tensor("k_proj_out_layer_m2");
  const auto names = fx.caseNames();
  ASSERT_FALSE(names.empty());
  const auto& vicParams = fx.json().at("params").at("VIC");
  for (const auto& c : names) {
    SCOPED_TRACE("case " + c);
    const auto& cs = fx.cases().at(c);
    const at::Tensor patchIdx = fx.tensor(c + "_patch_idx");
    const at::Tensor X = gatherPatchRows(kproj, patchIdx);  // README 2.4 reference "gather"
    ASSERT_EQ(X.size(0), cs.at("n").get<int64_t>());
    const at::Tensor pos = fx.tensor(c + "_pos");
    EXPECT_TRUE(test::bitExact(gridPositions(patchIdx, 24, 24), pos));
    VicOptions o;
    o.densityCutoff = vicParams.at("dc").get<double>();
    o.spatialRadius = vicParams.at("k").get<double>();
    o.centreFraction = cs.at("percentage").get<double>();
    const VicResult r = runVic(X, pos, o);
    EXPECT_EQ(r.centres.size(0), cs.at("num_centers").get<int64_t>());
    EXPECT_EQ(longs(r.parent), longs(fx.tensor(c + "_nearest_higher_density_indices")));
    EXPECT_EQ(longs(r.centres), longs(fx.tensor(c + "_cluster_centers")));
    EXPECT_EQ(longs(r.labels), longs(fx.tensor(c + "_labels")));
    EXPECT_TRUE(closeToReference(r.rho, fx.tensor(c + "_rho")));
    EXPECT_TRUE(closeToReference(r.delta, fx.tensor(c + "_delta")));
    EXPECT_TRUE(closeToReference(r.gamma, fx.tensor(c + "_gamma")));
  }
  fx.reportChecked(names.size());
}

void expectSelectionMatches(const Stage2Selection& s, const ReferenceFixture& fx,
                            const std::string& prefix) {
  EXPECT_EQ(s.selected, longs(fx.tensor(prefix + "_selected_abs")));
  EXPECT_EQ(s.groups, fx.ragged(prefix + "_merged_groups"));
  EXPECT_EQ(s.mergedPositions, longs(fx.tensor(prefix + "_merged_positions")));
}

// vitcop_filter: Stage II decisions on exact inputs (VQ-17, VQ-20 quotas, VQ-21 single pass,
// VQ-22 keep smallest, VQ-24 upper median, VQ-26 K > R).
TEST(ReferenceCrosscheck, VitcopFilterStage2Select) {
  const ReferenceFixture fx("vitcop_filter");
  const auto names = fx.caseNames();
  ASSERT_FALSE(names.empty());
  const int64_t vs = fx.json().at("params").at("visual_start").get<int64_t>();
  for (const auto& c : names) {
    SCOPED_TRACE("case " + c);
    const auto& cs = fx.cases().at(c);
    const int64_t R = fx.tensor(c + "_R").item<int64_t>();
    EXPECT_EQ(R, cs.at("R").get<int64_t>());
    const Stage2Selection s = stage2Select(fx.tensor(c + "_labels"), fx.tensor(c + "_l2"), R, vs);
    EXPECT_EQ(static_cast<int64_t>(s.clusters.size()), cs.at("K").get<int64_t>());
    EXPECT_EQ(s.clustersExceedTarget, cs.at("K").get<int64_t>() > R);
    expectSelectionMatches(s, fx, c);
    // Invariants: kept and groups partition the window and give R tokens.
    std::vector<int64_t> all = s.selected;
    for (const auto& g : s.groups)
      all.insert(all.end(), g.begin(), g.end());
    std::vector<int64_t> window(static_cast<size_t>(cs.at("N_v").get<int64_t>()));
    std::iota(window.begin(), window.end(), vs);
    EXPECT_EQ(sorted(all), window);
    EXPECT_EQ(s.produced(), R);
  }
  fx.reportChecked(names.size());
}

// vitcop_forward, the pure-function parts: budget counts (VQ-19), K-norm (VQ-18), Stage II on the
// stored layer-1 keys and hidden states (VQ-23, VQ-25, VQ-27), Stage III on the stored layer-21
// keys (VQ-29), the deep re-indexing of position ids (VQ-30), per-layer lengths and decode
// positions (VQ-31).
TEST(ReferenceCrosscheck, VitcopForwardStagesAndPositions) {
  const ReferenceFixture fx("vitcop_forward");
  const auto names = fx.caseNames();
  ASSERT_FALSE(names.empty());
  const auto& params = fx.json().at("params");
  const int64_t vs = params.at("pre_prompt_length").get<int64_t>();
  const int64_t T = params.at("T_text").get<int64_t>();
  const int64_t layers = params.at("n_layers").get<int64_t>();
  ASSERT_EQ(vs, kVisualStart);
  for (const auto& c : names) {
    SCOPED_TRACE("case " + c);
    const auto& cs = fx.cases().at(c);
    VitcopParams p;
    p.ratio = cs.at("vitcop_pruned_ratio").get<double>();
    p.keepRatio = cs.at("vision_prune_ratio").get<double>();
    p.centreFraction = cs.at("cluster_percentage").get<double>();
    p.shallowLayer = params.at("shallow_pruned_layer").get<int64_t>();
    p.deepLayer = params.at("deep_pruned_layer").get<int64_t>();
    const BudgetSchedule sch = computeSchedule(p, VisualGeometry{24, 24, 1, layers});
    const int64_t Nv = cs.at("N_v").get<int64_t>();
    EXPECT_EQ(sch.stage1Tokens, Nv);
    EXPECT_EQ(sch.shallowTokens, fx.tensor(c + "_shallow_token_num").item<int64_t>());
    EXPECT_EQ(sch.deepTokens, fx.tensor(c + "_deep_token_num").item<int64_t>());
    const int64_t R1 = sch.shallowTokens, R2 = sch.deepTokens;

    // Stage II from the stored layer-1 key cache.
    const at::Tensor kappa1 = keyNorm(fx.tensor(c + "_k_shallow_layer1")).slice(0, vs, vs + Nv);
    const Stage2Selection s = stage2Select(fx.tensor(c + "_cluster_labels"), kappa1, R1, vs);
    EXPECT_EQ(s.selected, longs(fx.tensor(c + "_shallow_selected_abs")));
    EXPECT_EQ(s.groups, fx.ragged(c + "_shallow_merged_groups"));
    EXPECT_EQ(s.mergedPositions, longs(fx.tensor(c + "_shallow_merged_positions")));
    EXPECT_EQ(s.produced(), R1);

    // Merged hidden states from the stored layer-1 output: copies bit-exact, merged rows to
    // the README's ~1e-7 x max|r| (summation order of the mean).
    const at::Tensor preShallow = fx.tensor(c + "_hidden_pre_shallow");
    const Stage2Output out = stage2Apply(preShallow, s);
    const at::Tensor postShallow = fx.tensor(c + "_hidden_post_shallow");
    ASSERT_EQ(out.hidden.sizes(), postShallow.sizes());
    const at::Tensor mergedRows = out.mergedMask.nonzero().reshape({-1}) + vs;
    const at::Tensor notMerged =
        at::ones({out.hidden.size(1)}, at::kBool).index_fill_(0, mergedRows, false);
    const at::Tensor copyRows = notMerged.nonzero().reshape({-1});
    EXPECT_TRUE(test::bitExact(out.hidden[0].index_select(0, copyRows),
                               postShallow[0].index_select(0, copyRows)));
    EXPECT_TRUE(closeToReference(out.hidden[0].index_select(0, mergedRows),
                                 postShallow[0].index_select(0, mergedRows), 0.0, 1e-6));
    EXPECT_EQ(out.mergedMask.sum().item<int64_t>(), static_cast<int64_t>(s.groups.size()));

    // Stage III from the stored layer-21 key cache.
    const at::Tensor kappa2 = keyNorm(fx.tensor(c + "_k_deep_layer21"));
    const Stage3Selection d = stage3Select(kappa2, vs, R1, R2);
    EXPECT_EQ(sorted(longs(d.topk)), sorted(longs(fx.tensor(c + "_deep_topk"))));
    EXPECT_EQ(longs(d.keep), longs(fx.tensor(c + "_deep_all_keep")));
    EXPECT_TRUE(test::bitExact(stage3Apply(fx.tensor(c + "_hidden_pre_deep"), d.keep),
                               fx.tensor(c + "_hidden_post_deep")));

    // Position ids of every layer (official mode = upstream).
    const auto layerIds = fx.ragged(c + "_layer_position_ids");
    ASSERT_EQ(static_cast<int64_t>(layerIds.size()), layers);
    const int64_t n = vs + Nv + T;
    const at::Tensor ids0 = at::arange(n, at::kLong);
    const at::Tensor ids2 = stage2PositionIds(ids0, s);
    const at::Tensor ids22 = stage3PositionIds(ids2, d.keep, PositionMode::Official);
    for (int64_t l = 0; l < layers; ++l) {
      const at::Tensor& expect = l < p.shallowLayer ? ids0 : l < p.deepLayer ? ids2 : ids22;
      EXPECT_EQ(longs(expect), layerIds[static_cast<size_t>(l)]) << "layer " << l;
    }
    // Lengths and decode positions.
    const SequencePlan plan =
        planSequence(layers, p.shallowLayer, p.deepLayer, vs, Nv, R1, s.produced(), R2, T);
    EXPECT_EQ(plan.layerLengths, longs(fx.tensor(c + "_layer_qlen")));
    EXPECT_EQ(plan.layerLengths, longs(fx.tensor(c + "_cache_len_per_layer")));
    EXPECT_EQ(plan.cacheLengthsAfterDecode(2), longs(fx.tensor(c + "_cache_len_after_decode")));
    EXPECT_EQ(plan.decodePosition(0),
              fx.tensor(c + "_decode0_position_ids_layer0").item<int64_t>());
    EXPECT_EQ(plan.decodePosition(1),
              fx.tensor(c + "_decode1_position_ids_layer0").item<int64_t>());
  }
  fx.reportChecked(names.size());
}

// The fixtures' ViTCoP cases are exactly the released presets (spec 2.2).
TEST(ReferenceCrosscheck, ForwardCasesAreTheReleasedPresets) {
  const ReferenceFixture fx("vitcop_forward");
  for (const auto& c : fx.caseNames()) {
    SCOPED_TRACE("case " + c);
    const VitcopParams p = releasedPreset(std::stoi(c.substr(1)));
    const auto& cs = fx.cases().at(c);
    EXPECT_EQ(p.ratio, cs.at("vitcop_pruned_ratio").get<double>());
    EXPECT_EQ(p.keepRatio, cs.at("vision_prune_ratio").get<double>());
    EXPECT_EQ(p.centreFraction, cs.at("cluster_percentage").get<double>());
  }
}

}  // namespace
}  // namespace vitcop::pruning
