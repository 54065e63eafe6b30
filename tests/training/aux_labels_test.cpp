// The vision phase's supervision: per-patch labels agree with the pixels of the scene's label
// map, the balanced patch loss is what it says, and the sin-cos position initialisation gives
// nearby patches similar and far patches dissimilar positions (docs/training.md, "Learning
// shapes"), and the mimetic attention initialisation makes block 0 attend locally from step 0.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <opencv2/core.hpp>

#include "core/model/llava_model.h"
#include "core/model/llava_modules.h"
#include "core/scenes/generator.h"
#include "core/training/aux_heads.h"
#include "core/training/batch.h"
#include "core/training/recipe.h"
#include "core/training/vision_init.h"

namespace vitcop::training {
namespace {

// Share of patch (gy, gx) of a 224 / 16 grid whose label-map pixels are `label`.
double share(const scenes::Scene& s, int gy, int gx, int label) {
  const int p = s.width() / 16;
  const cv::Mat cell = s.labels(cv::Rect(gx * p, gy * p, p, p));
  return static_cast<double>(cv::countNonZero(cell == label)) / (p * p);
}

TEST(AuxLabels, PatchLabelsFollowTheLabelMap) {
  scenes::SceneOptions opts;
  opts.size = 224;
  int objectPatches = 0;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    const scenes::Scene s = scenes::generateScene(seed, opts);
    const AuxLabels l = auxLabels({&s}, 16);
    auto shape = l.patchShape.accessor<int64_t, 2>();
    auto colour = l.patchColour.accessor<int64_t, 2>();
    auto size = l.patchSize.accessor<int64_t, 2>();
    for (int gy = 0; gy < 16; ++gy)
      for (int gx = 0; gx < 16; ++gx) {
        const int q = gy * 16 + gx;
        if (shape[0][q] <= 0) continue;
        ++objectPatches;
        // The labelled object covers at least 30 % of the patch in raster order (row gy,
        // column gx), and the labels are that object's attributes.
        int owner = -1;
        double best = 0.3;
        for (size_t k = 0; k < s.objects.size(); ++k)
          if (share(s, gy, gx, static_cast<int>(k) + 1) >= best)
            owner = static_cast<int>(k), best = share(s, gy, gx, static_cast<int>(k) + 1);
        ASSERT_GE(owner, 0) << "seed " << seed << " patch " << gy << "," << gx;
        const auto& o = s.objects[static_cast<size_t>(owner)];
        EXPECT_EQ(shape[0][q], 1 + static_cast<int64_t>(o.shape));
        EXPECT_EQ(colour[0][q], 1 + static_cast<int64_t>(o.colour));
        EXPECT_EQ(size[0][q], 1 + static_cast<int64_t>(o.size));
      }
    // Every object's centre patch is labelled with it when the object covers 30 % of it.
    for (size_t k = 0; k < s.objects.size(); ++k) {
      const auto& o = s.objects[k];
      const int gx = static_cast<int>(o.centre.x) / 14, gy = static_cast<int>(o.centre.y) / 14;
      if (share(s, gy, gx, static_cast<int>(k) + 1) >= 0.3) {
        EXPECT_EQ(shape[0][gy * 16 + gx], 1 + static_cast<int64_t>(o.shape)) << "seed " << seed;
      }
    }
  }
  EXPECT_GT(objectPatches, 20);
}

TEST(AuxHeads, BalancedPatchLossAveragesBackgroundAndObjectMeans) {
  torch::manual_seed(5);
  const int64_t n = 2, p = 16, width = 8;
  const at::Tensor features = torch::randn({n, 1 + p, width});
  AuxLabels l;
  l.patchShape = torch::zeros({n, p}, at::kLong);
  l.patchShape.index_put_({0, torch::indexing::Slice(0, 3)}, 2);
  l.patchShape.index_put_({1, 5}, kIgnore);
  l.patchColour = l.patchShape.clone();
  l.patchSize = l.patchShape.clone();
  l.patchCentre = torch::zeros({n, p}, at::kLong);
  l.sceneHot = torch::zeros({n, kSceneClasses});
  l.count = torch::ones({n}, at::kLong);
  // No object slots: the pooled object-shape loss is zero and the sums below are exact.
  l.objectWeights = torch::zeros({n, kMaxCount, p});
  l.objectShape = torch::full({n, kMaxCount}, kIgnore, at::kLong);
  AuxHeads plain(width, false);
  AuxHeads balanced(width, true);
  torch::NoGradGuard g;
  const auto from = plain->named_parameters();
  for (auto& item : balanced->named_parameters())
    item.value().copy_(from[item.key()]);
  const double lossPlain = plain->forward(features, l).loss.item<double>();
  const double lossBalanced = balanced->forward(features, l).loss.item<double>();
  // The expected balanced value, from the heads' logits directly.
  const at::Tensor h = plain->norm->forward(features).narrow(1, 1, p);
  auto ce = [&](torch::nn::Linear& head, const at::Tensor& y, bool balance) {
    const at::Tensor each = at::cross_entropy_loss(
        head->forward(h).reshape({n * p, -1}), y.reshape({-1}), {}, at::Reduction::None, kIgnore);
    const at::Tensor yf = y.reshape({-1});
    if (!balance) return (each.sum() / yf.ne(kIgnore).sum()).item<double>();
    const double bg = (each * yf.eq(0)).sum().item<double>() / yf.eq(0).sum().item<double>();
    const double obj = (each * yf.gt(0)).sum().item<double>() / yf.gt(0).sum().item<double>();
    return 0.5 * (bg + obj);
  };
  const double scene =
      at::binary_cross_entropy_with_logits(
          plain->scene->forward(plain->norm->forward(features).select(1, 0)), l.sceneHot)
          .item<double>() +
      at::cross_entropy_loss(plain->count->forward(plain->norm->forward(features).select(1, 0)),
                             l.count)
          .item<double>();
  const double centre = ce(plain->centre, l.patchCentre, false);
  double expectPlain = scene + centre, expectBalanced = scene + centre;
  expectPlain += ce(plain->colour, l.patchColour, false) + ce(plain->shape, l.patchShape, false) +
                 ce(plain->size, l.patchSize, false);
  expectBalanced += ce(plain->colour, l.patchColour, true) + ce(plain->shape, l.patchShape, true) +
                    ce(plain->size, l.patchSize, true);
  EXPECT_NEAR(lossPlain, expectPlain, 1e-5);
  EXPECT_NEAR(lossBalanced, expectBalanced, 1e-5);
  EXPECT_GT(std::abs(lossBalanced - lossPlain), 1e-3);
}

TEST(VisionInit, SinCosPositionsEncodeTheGrid) {
  Recipe r = recipeByName("default");
  const auto config = modelConfig(r, r.tokenizerPieces);
  auto model = model::LlavaModel::randomInit(config, at::kFloat, 1);
  auto& m = model->module();
  initSinCosPositions(m, 0.5);
  const at::Tensor t = m.vision()->embeddings->position_embedding->weight.detach();
  const int64_t grid = config.vision.gridSide();
  ASSERT_EQ(t.size(0), 1 + grid * grid);
  EXPECT_EQ(t[0].abs().max().item<double>(), 0.0);
  EXPECT_LE(t.abs().max().item<double>(), 0.5 + 1e-6);
  auto pos = [&](int64_t gy, int64_t gx) { return t[1 + gy * grid + gx]; };
  auto dist = [](const at::Tensor& a, const at::Tensor& b) {
    return (a - b).norm().item<double>();
  };
  // Neighbours are closer than patches three apart, which are closer than opposite corners,
  // along both axes; no two patches share a position.
  EXPECT_LT(dist(pos(5, 5), pos(5, 6)), dist(pos(5, 5), pos(5, 8)));
  EXPECT_LT(dist(pos(5, 5), pos(6, 5)), dist(pos(5, 5), pos(8, 5)));
  EXPECT_LT(dist(pos(5, 5), pos(8, 5)), dist(pos(0, 0), pos(grid - 1, grid - 1)));
  const at::Tensor d = at::cdist(t.narrow(0, 1, grid * grid), t.narrow(0, 1, grid * grid));
  EXPECT_GT((d + at::eye(grid * grid) * 1e3).min().item<double>(), 1e-3);
}

// Per block: each head's W_q^T W_k leans on the identity, W_o W_v on minus the identity (their
// normalised traces; randomInit's noise gives ~0), the same seed gives the same weights and
// another seed others; and on a flat image, where only the sin-cos positions tell patches apart,
// a patch already attends to its 4 neighbours more than 3x as much as to far patches.
TEST(VisionInit, MimeticAttentionStartsLocal) {
  Recipe r = recipeByName("default");
  const auto config = modelConfig(r, r.tokenizerPieces);
  auto build = [&](uint64_t seed) {
    auto model = model::LlavaModel::randomInit(config, at::kFloat, 1);
    initSinCosPositions(model->module(), 0.5);
    initMimeticAttention(model->module(), seed);
    return model;
  };
  auto model = build(7);
  auto& vision = *model->module().vision();
  const int64_t width = config.vision.hiddenSize, heads = config.vision.numHeads,
                dh = width / heads;
  for (int64_t l = 0; l < config.vision.numLayers; ++l) {
    const auto& attn = *vision.block(l)->self_attn;
    for (int64_t h = 0; h < heads; ++h) {
      const at::Tensor qk = attn.q_proj->weight.narrow(0, h * dh, dh)
                                .t()
                                .matmul(attn.k_proj->weight.narrow(0, h * dh, dh));
      // The rank-dh part of 0.7 Z + 0.7 I keeps the largest singular directions: a trace of
      // at least a quarter of the full matrix's.
      EXPECT_GT(qk.trace().item<double>() / width, 0.7 / 4) << "block " << l << " head " << h;
    }
    const double vo = attn.out_proj->weight.matmul(attn.v_proj->weight).trace().item<double>();
    EXPECT_NEAR(vo / width, -0.4, 0.05) << "block " << l;
    EXPECT_EQ(attn.q_proj->bias.abs().max().item<double>(), 0.0);
  }
  auto same = build(7), other = build(8);
  const auto& w = vision.block(2)->self_attn->q_proj->weight;
  EXPECT_TRUE(w.equal(same->module().vision()->block(2)->self_attn->q_proj->weight));
  EXPECT_FALSE(w.equal(other->module().vision()->block(2)->self_attn->q_proj->weight));

  torch::NoGradGuard noGrad;
  const int64_t grid = config.vision.gridSide();
  const int64_t gy = grid / 2, gx = grid / 2, row = 1 + gy * grid + gx;
  const at::Tensor flat = at::full({1, 3, r.imageSize, r.imageSize}, 0.3);
  const at::Tensor x = vision.embed(flat);
  model::VisionBlockExtras extras;
  extras.probRows = {row};
  vision.block(0)->forward(x, &extras);
  const at::Tensor p = extras.probs.mean(1)[0][0];  // heads averaged, [1 + P]
  double near = 0, far = 0;
  int64_t nNear = 0, nFar = 0;
  for (int64_t y = 0; y < grid; ++y)
    for (int64_t xx = 0; xx < grid; ++xx) {
      const int64_t d = std::abs(y - gy) + std::abs(xx - gx);
      const double v = p[1 + y * grid + xx].item<double>();
      if (d == 1) near += v, ++nNear;
      if (d >= 6) far += v, ++nFar;
    }
  ASSERT_EQ(nNear, 4);
  EXPECT_GT(near / nNear, 3.0 * far / nFar);
}

}  // namespace
}  // namespace vitcop::training
