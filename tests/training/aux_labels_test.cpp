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

// Labels of n images of p patches with nothing on them: all background, no object slots (so
// the pooled object-shape loss is zero), one object counted, no object patches.
AuxLabels blankLabels(int64_t n, int64_t p) {
  AuxLabels l;
  l.patchShape = torch::zeros({n, p}, at::kLong);
  l.patchColour = l.patchShape.clone();
  l.patchSize = l.patchShape.clone();
  l.patchCentre = torch::zeros({n, p}, at::kLong);
  l.sceneHot = torch::zeros({n, kSceneClasses});
  l.count = torch::ones({n}, at::kLong);
  l.objectWeights = torch::zeros({n, kMaxCount, p});
  l.objectShape = torch::full({n, kMaxCount}, kIgnore, at::kLong);
  l.objectPatch = torch::zeros({n, p}, at::kBool);
  return l;
}

TEST(AuxHeads, BalancedPatchLossAveragesBackgroundAndObjectMeans) {
  torch::manual_seed(5);
  const int64_t n = 2, p = 16, width = 8;
  const at::Tensor features = torch::randn({n, 1 + p, width});
  // No object slots: the pooled object-shape loss is zero and the sums below are exact.
  AuxLabels l = blankLabels(n, p);
  l.patchShape.index_put_({0, torch::indexing::Slice(0, 3)}, 2);
  l.patchShape.index_put_({1, 5}, kIgnore);
  l.patchColour = l.patchShape.clone();
  l.patchSize = l.patchShape.clone();
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

// The row/column heads: absent unless asked for (old runs' saved heads keep loading), their loss
// is the balanced mean of 0.5 (row CE + column CE) with targets from the patch's raster index,
// and the reported accuracy counts object patches whose row and column are both right.
TEST(AuxHeads, PositionHeadsPredictEachPatchsRowAndColumn) {
  torch::manual_seed(11);
  const int64_t n = 2, grid = 3, p = grid * grid, width = 8;
  AuxHeads plain(width, false);
  AuxHeads positioned(width, false, grid);
  for (const auto& item : plain->named_parameters())
    EXPECT_EQ(item.key().rfind("row", 0), std::string::npos) << item.key();
  ASSERT_EQ(positioned->named_parameters().size(), plain->named_parameters().size() + 4);

  const at::Tensor features = torch::randn({n, 1 + p, width});
  AuxLabels l = blankLabels(n, p);
  l.objectPatch.index_put_({0, 4}, true);  // image 0: the centre (row 1, column 1)
  l.objectPatch.index_put_({1, 5}, true);  // image 1: row 1, column 2
  l.objectPatch.index_put_({1, 6}, true);  // image 1: row 2, column 0
  {
    torch::NoGradGuard g;
    const auto from = plain->named_parameters();
    for (auto& item : positioned->named_parameters())
      if (from.contains(item.key())) item.value().copy_(from[item.key()]);
  }
  const AuxResult r0 = plain->forward(features, l);
  const AuxResult r1 = positioned->forward(features, l);
  // Expected position loss from the heads' logits, patch by patch.
  torch::NoGradGuard g;
  const at::Tensor h = positioned->norm->forward(features).narrow(1, 1, p);
  const at::Tensor rowLp = at::log_softmax(positioned->row->forward(h), -1);
  const at::Tensor colLp = at::log_softmax(positioned->column->forward(h), -1);
  double objSum = 0, bgSum = 0;
  int objN = 0, bgN = 0, bothRight = 0;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t k = 0; k < p; ++k) {
      const int64_t rowK = k / grid, colK = k % grid;
      const double ce =
          -0.5 * (rowLp[i][k][rowK].item<double>() + colLp[i][k][colK].item<double>());
      if (l.objectPatch[i][k].item<bool>()) {
        objSum += ce;
        ++objN;
        bothRight += rowLp[i][k].argmax().item<int64_t>() == rowK &&
                     colLp[i][k].argmax().item<int64_t>() == colK;
      } else {
        bgSum += ce;
        ++bgN;
      }
    }
  }
  const double expected = 0.5 * (objSum / objN + bgSum / bgN);
  EXPECT_NEAR(r1.positionLoss, expected, 1e-5);
  EXPECT_NEAR(r1.loss.item<double>() - r0.loss.item<double>(), expected, 1e-5);
  EXPECT_DOUBLE_EQ(r1.objectPositionAcc, bothRight / 3.0);
  EXPECT_EQ(r0.positionLoss, 0.0);

  // A grid that does not match the features is named.
  AuxHeads wrong(width, false, 4);
  try {
    wrong->forward(features, l);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("4x4 grid got 9 patches"), std::string::npos) << e.what();
  }
}

// Features that carry position (a fixed random code per patch plus noise) let the heads learn
// it: the object-patch accuracy rises from chance to all right within a few hundred steps.
TEST(AuxHeads, PositionHeadsLearnPositionsTheFeaturesCarry) {
  torch::manual_seed(3);
  const int64_t n = 4, grid = 4, p = grid * grid, width = 16;
  AuxHeads heads(width, true, grid);
  const at::Tensor code = torch::randn({1, 1 + p, width});
  AuxLabels l = blankLabels(n, p);
  l.objectPatch = torch::rand({n, p}).lt(0.3);
  torch::optim::Adam opt(heads->parameters(), torch::optim::AdamOptions(0.05));
  double first = -1, last = 0;
  for (int step = 0; step < 300; ++step) {
    const at::Tensor features =
        code.expand({n, 1 + p, width}) + 0.1 * torch::randn({n, 1 + p, width});
    opt.zero_grad();
    const AuxResult r = heads->forward(features, l);
    r.loss.backward();
    opt.step();
    if (first < 0) first = r.objectPositionAcc;
    last = r.objectPositionAcc;
  }
  EXPECT_LT(first, 0.5);
  EXPECT_EQ(last, 1.0);
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
