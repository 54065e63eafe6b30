// Hook plumbing with small test hooks that drop, merge and observe tokens: sequences, position
// ids, origins and per-layer caches follow; extras (attention rows, vision keys) exist only when
// asked for; cancellation stops between layers.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <functional>

#include "core/model/llava_modules.h"
#include "tests/generation/engine_support.h"

namespace vitcop {
namespace {

using generation::DecoderLayerView;
using generation::ProjectorView;
using generation::VisionLayerView;

struct TestHooks : generation::InferenceHooks {
  std::function<bool(int64_t)> cls = [](int64_t) { return false; };
  std::function<bool(int64_t)> keys = [](int64_t) { return false; };
  std::function<void(VisionLayerView&)> vision = [](VisionLayerView&) {};
  std::function<void(ProjectorView&)> projector = [](ProjectorView&) {};
  std::function<void(DecoderLayerView&)> decoder = [](DecoderLayerView&) {};
  std::function<std::vector<int64_t>(const DecoderLayerView&)> rows = [](const DecoderLayerView&) {
    return std::vector<int64_t>{};
  };
  bool wantsVisionClsAttention(int64_t l) override { return cls(l); }
  bool wantsVisionKeys(int64_t l) override { return keys(l); }
  void afterVisionLayer(VisionLayerView& v) override { vision(v); }
  void afterProjector(ProjectorView& v) override { projector(v); }
  void beforeDecoderLayer(DecoderLayerView& v) override { decoder(v); }
  std::vector<int64_t> attentionRows(const DecoderLayerView& v) override { return rows(v); }
};

// Before layer 1: keep text tokens and every other visual token.
void dropOddVisual(DecoderLayerView& v) {
  if (v.layer != 1) return;
  std::vector<int64_t> keep;
  int64_t visual = 0;
  for (size_t i = 0; i < v.tokens.size(); ++i)
    if (!v.tokens[i].isVisual() || visual++ % 2 == 0) keep.push_back(static_cast<int64_t>(i));
  v.select(keep);
}

TEST(Hooks, PruningBeforeALayerShortensLaterCachesAndKeepsPositions) {
  test::TinyRun t;
  TestHooks hooks;
  hooks.decoder = dropOddVisual;
  const generation::RunControl control{&hooks, nullptr};
  const auto images = t.engine.encodeImages(t.pixels).images;
  generation::InferenceState state;
  t.engine.prefill(state, t.ids, images, control, false, 2);
  const auto n = static_cast<int64_t>(t.ids.size());  // 28 with 16 visual tokens at 4..19
  EXPECT_EQ(state.cache.lengths(), (std::vector<int64_t>{n, n - 8, n - 8}));
  const auto& l1 = state.cache.layer(1);
  EXPECT_EQ(l1.positions()[4], 4);
  EXPECT_EQ(l1.positions()[5], 6);  // a gap: the token at 5 was dropped
  EXPECT_EQ(l1.positions().back(), n - 1);
  EXPECT_EQ(l1.tokens()[5].patches, std::vector<int32_t>{2});  // patch (0, 2)

  // Independent recomputation with the modules: layer 0 on everything, then the kept rows at
  // their own positions through layers 1..2 (RoPE on gapped ids), no cache.
  auto& lm = t.model->module().language_model;
  const auto layout = model::parsePrompt(t.ids, t.model->config(), 1);
  const auto seq = model::spliceImages(
      layout, lm->embed(torch::tensor(layout.textIds, torch::kLong).view({1, -1})), images);
  const auto& text = t.model->config().text;
  at::Tensor x = lm->model->block(0)->forward(
      seq.embeds, model::ropeTables(torch::arange(n, torch::kLong), text, at::kFloat));
  const at::Tensor kept = torch::tensor(l1.positions(), torch::kLong);
  x = x.index_select(1, kept);
  const auto rope = model::ropeTables(kept, text, at::kFloat);
  for (int64_t l = 1; l < text.numLayers; ++l)
    x = lm->model->block(l)->forward(x, rope);
  const at::Tensor manual = lm->logits(lm->model->norm->forward(x))[0][-1];
  EXPECT_LE(test::maxAbsDiff(state.lastLogits, manual), 1e-5);

  // Decoding appends one slot per layer at position n + j everywhere, and equals a prefill of
  // the longer prompt pruned the same way.
  const int64_t token = state.lastLogits.argmax().item<int64_t>();
  const at::Tensor stepLogits = t.engine.decode(state, token);
  EXPECT_EQ(state.cache.lengths(), (std::vector<int64_t>{n + 1, n - 7, n - 7}));
  for (int64_t l = 0; l < 3; ++l)
    EXPECT_EQ(state.cache.layer(l).positions().back(), n);
  std::vector<int64_t> longer = t.ids;
  longer.push_back(token);
  generation::InferenceState again;
  t.engine.prefill(again, longer, images, control);
  EXPECT_LE(test::maxAbsDiff(stepLogits, again.lastLogits), 1e-5);
}

TEST(Hooks, AttentionRowsAndEarlierKeysOnlyWhenAsked) {
  test::TinyRun t;
  const auto n = static_cast<int64_t>(t.ids.size());
  TestHooks hooks;
  hooks.rows = [&](const DecoderLayerView& v) {
    return v.layer == 1 ? std::vector<int64_t>{n - 1, 0} : std::vector<int64_t>{};
  };
  std::vector<int64_t> seenAttentionLayers;
  at::Tensor layer1Keys;
  hooks.decoder = [&](DecoderLayerView& v) {
    if (v.layer != 2) return;
    for (const auto& [l, p] : *v.attention)
      seenAttentionLayers.push_back(l);
    EXPECT_EQ(v.cache->layer(2).length(), 0);
    layer1Keys = v.cache->layer(1).keys().clone();
  };
  const generation::RunControl control{&hooks, nullptr};
  const auto images = t.engine.encodeImages(t.pixels).images;
  generation::InferenceState state;
  t.engine.prefill(state, t.ids, images, control);
  EXPECT_EQ(seenAttentionLayers, std::vector<int64_t>{1});
  ASSERT_EQ(state.attention.size(), 1u);
  const at::Tensor probs = state.attention.at(1);
  const auto& text = t.model->config().text;
  ASSERT_EQ(probs.sizes(), (at::IntArrayRef{text.numHeads, 2, n}));
  EXPECT_LE(test::maxAbsDiff(probs.sum(-1), torch::ones({text.numHeads, 2})), 1e-5);
  EXPECT_LE(test::maxAbsDiff(probs.select(1, 1).select(1, 0), torch::ones({text.numHeads})), 1e-6);
  EXPECT_EQ(layer1Keys.size(2), n);

  // Same rows from the modules' probability path with every row requested.
  auto& lm = t.model->module().language_model;
  const auto layout = model::parsePrompt(t.ids, t.model->config(), 1);
  const auto seq = model::spliceImages(
      layout, lm->embed(torch::tensor(layout.textIds, torch::kLong).view({1, -1})), images);
  const auto rope = model::ropeTables(torch::arange(n, torch::kLong), text, at::kFloat);
  at::Tensor x = lm->model->block(0)->forward(seq.embeds, rope);
  model::DecoderLayerExtras extras;
  extras.allProbRows = true;
  extras.capture = true;
  lm->model->block(1)->forward(x, rope, nullptr, &extras);
  EXPECT_LE(test::maxAbsDiff(probs.select(1, 0), extras.probs[0].select(1, n - 1)), 1e-6);
  EXPECT_LE(test::maxAbsDiff(layer1Keys, extras.kPost), 1e-6);
}

TEST(Hooks, VisionExtrasOnlyWhenAskedAndUnusedBlocksSkipped) {
  test::TinyRun t;
  TestHooks hooks;
  hooks.cls = [](int64_t l) { return l == 1; };
  hooks.keys = [](int64_t l) { return l == 1; };
  std::vector<int64_t> layers;
  at::Tensor cls, keys, hiddenAfter0;
  hooks.vision = [&](VisionLayerView& v) {
    layers.push_back(v.layer);
    EXPECT_EQ(v.clsAttention.defined(), v.layer == 1);
    EXPECT_EQ(v.keys.defined(), v.layer == 1);
    if (v.layer == 0) hiddenAfter0 = v.hidden.clone();
    if (v.layer == 1) {
      cls = v.clsAttention.clone();
      keys = v.keys.clone();
    }
  };
  t.engine.encodeImages(t.pixels, {&hooks, nullptr});
  EXPECT_EQ(layers,
            (std::vector<int64_t>{0, 1}));  // feature layer -2 of 3 blocks: block 2 never runs
  const at::Tensor refProbs = t.ref.get("vision_attn_probs_all")[1];  // [H, 17, 17]
  ASSERT_EQ(cls.sizes(), (at::IntArrayRef{1, refProbs.size(0), 17}));
  EXPECT_LE(test::maxAbsDiff(cls[0], refProbs.select(1, 0)), 1e-5);
  auto& block = t.model->module().vision()->block(1);
  const at::Tensor expectedKeys =
      block->self_attn->k_proj->forward(block->layer_norm1->forward(hiddenAfter0));
  EXPECT_LE(test::maxAbsDiff(keys, expectedKeys), 1e-6);
}

TEST(Hooks, VisionAndProjectorHooksSelectAndMergeWithOrigins) {
  test::TinyRun t;
  TestHooks hooks;
  // After block 0: keep CLS and patches 0..7 (rows 0..8).
  hooks.vision = [](VisionLayerView& v) {
    if (v.layer != 0) return;
    v.hidden = v.hidden.narrow(1, 0, 9);
    v.origins[0].resize(9);
  };
  // After the projector: keep rows 0..2, merge rows 3..7 into their mean.
  hooks.projector = [](ProjectorView& v) {
    auto& img = v.images[0];
    EXPECT_EQ(img.embeds.size(0), 8);
    EXPECT_EQ(v.features[0].size(0), 8);
    const at::Tensor merged = img.embeds.narrow(0, 3, 5).mean(0, true);
    std::vector<int32_t> absorbed;
    for (int i = 3; i < 8; ++i)
      absorbed.push_back(img.origins[static_cast<size_t>(i)][0]);
    img.embeds = torch::cat({img.embeds.narrow(0, 0, 3), merged});
    img.origins.resize(3);
    img.origins.push_back(absorbed);
  };
  generation::GenerationOptions opts;
  opts.maxNewTokens = 2;
  opts.control.hooks = &hooks;
  const auto r = t.engine.generate(t.ids, t.pixels, opts);
  const int64_t n = static_cast<int64_t>(t.ids.size()) - 16 + 4;
  EXPECT_EQ(r.state->cache.layer(0).length(), n + 1);
  const auto& tokens = r.state->cache.layer(2).tokens();
  EXPECT_EQ(tokens[4].patches, std::vector<int32_t>{0});
  EXPECT_EQ(tokens[7].patches, (std::vector<int32_t>{3, 4, 5, 6, 7}));
  EXPECT_EQ(tokens[8].kind, model::TokenKind::Text);
  const auto coord = model::decodePatch(7, t.model->config().vision.gridSide());
  EXPECT_EQ(coord.row, 1);
  EXPECT_EQ(coord.col, 3);
  ASSERT_EQ(r.visual.images.size(), 1u);
  EXPECT_EQ(r.visual.images[0].embeds.size(0), 4);

  // The legacy prompt with the same visual rows given directly gives the same logits.
  std::vector<int64_t> legacy = t.ids;
  legacy.erase(legacy.begin() + 5, legacy.begin() + 20);
  generation::InferenceState state;
  t.engine.prefill(state, legacy, r.visual.images, {});
  EXPECT_LE(test::maxAbsDiff(state.lastLogits, r.prefillLogits[0]), 0.0);

  // A hook that breaks the contract is named.
  hooks.projector = [](ProjectorView& v) { v.images[0].origins.pop_back(); };
  EXPECT_THROW(t.engine.generate(t.ids, t.pixels, opts), std::invalid_argument);
}

TEST(Hooks, CancellationStopsBetweenLayers) {
  test::TinyRun t;
  std::atomic<bool> cancel{false};
  TestHooks hooks;
  std::vector<int64_t> decoderLayers, visionLayers;
  hooks.decoder = [&](DecoderLayerView& v) {
    decoderLayers.push_back(v.layer);
    if (v.layer == 1) cancel = true;
  };
  const generation::RunControl control{&hooks, &cancel};
  const auto images = t.engine.encodeImages(t.pixels, control).images;
  generation::InferenceState state;
  EXPECT_THROW(t.engine.prefill(state, t.ids, images, control), generation::Cancelled);
  EXPECT_EQ(decoderLayers, (std::vector<int64_t>{0, 1}));
  const auto n = static_cast<int64_t>(t.ids.size());
  EXPECT_EQ(state.cache.lengths(), (std::vector<int64_t>{n, n, 0}));  // layer 2 never ran

  cancel = false;
  hooks.vision = [&](VisionLayerView& v) {
    visionLayers.push_back(v.layer);
    cancel = true;
  };
  EXPECT_THROW(t.engine.encodeImages(t.pixels, control), generation::Cancelled);
  EXPECT_EQ(visionLayers, std::vector<int64_t>{0});
}

}  // namespace
}  // namespace vitcop
