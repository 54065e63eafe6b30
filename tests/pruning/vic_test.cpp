// Stage I and VIC on hand-made inputs: the worked vector T-VIC-1 of spec 2.13 (C-08), the
// fallback and leftover rules (VQ-11, VQ-14..VQ-16), the port tie rules (0.4, VQ-12, VQ-38), the
// video generalisation (6.10) and input validation.
#include <ATen/ATen.h>

#include <gtest/gtest.h>

#include <limits>

#include "core/pruning/stage1_cls.h"
#include "core/pruning/vic.h"
#include "tests/pruning/pruning_test_util.h"

namespace vitcop::pruning {
namespace {

using testutil::expectError;

std::vector<int64_t> longs(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kLong).contiguous();
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

at::Tensor grid24(const std::vector<std::pair<int, int>>& rc) {
  std::vector<int64_t> idx;
  for (auto [r, c] : rc)
    idx.push_back(r * 24 + c);
  return gridPositions(at::tensor(idx, at::kLong), 24, 24);
}

// T-VIC-1 (spec 2.13): n = 8, dc = 8, k = 0.6, p = 0.25 -> C = 2.
TEST(Vic, WorkedVectorTVic1_VQ09_VQ10_VQ11_VQ16) {
  const at::Tensor X = at::tensor({0.0, 0.0, 1.5, 0.0, 0.0, 2.0, -1.0, -1.0, 9.0, 0.0, 11.0, 1.0,
                                   100.0, 0.0, 102.0, 0.0},
                                  at::kDouble)
                           .reshape({8, 2});
  const at::Tensor pos = grid24({{0, 0}, {0, 1}, {1, 0}, {1, 1}, {0, 3}, {1, 3}, {3, 0}, {3, 1}});
  VicOptions o;
  o.centreFraction = 0.25;
  const VicResult r = runVic(X, pos, o);
  const double inf = std::numeric_limits<double>::infinity();
  const double rho[] = {4.30480, 4.42087, 4.11533, 4.02285, 3.09348, 2.56146, 1.93941, 1.93941};
  const double delta[] = {1.5, inf, 2.0, 1.41421, 7.5, 2.23607, 2.0, 2.0};
  const double gamma[] = {6.45720, inf, 8.23066, 5.68917, 23.20113, 5.72759, 3.87883, 3.87883};
  for (int64_t i = 0; i < 8; ++i) {
    SCOPED_TRACE("token " + std::to_string(i));
    EXPECT_NEAR(r.rho[i].item<double>(), rho[i], 1e-5);
    if (std::isinf(delta[i])) {
      EXPECT_EQ(r.delta[i].item<double>(), inf);
      EXPECT_EQ(r.gamma[i].item<double>(), inf);
    } else {
      EXPECT_NEAR(r.delta[i].item<double>(), delta[i], 1e-5);
      EXPECT_NEAR(r.gamma[i].item<double>(), gamma[i], 1e-5);
    }
  }
  // Tokens 6 and 7 have bit-identical rho and point at each other (VQ-10, VQ-16).
  EXPECT_EQ(r.rho[6].item<double>(), r.rho[7].item<double>());
  EXPECT_EQ(longs(r.parent), (std::vector<int64_t>{1, 0, 0, 0, 1, 4, 7, 6}));
  EXPECT_EQ(longs(r.centres), (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(longs(r.labels), (std::vector<int64_t>{0, 0, 0, 0, 1, 1, -1, -1}));
  // Feature distances: zero diagonal (VQ-08).
  EXPECT_EQ(r.distances[3][3].item<double>(), 0.0);
  EXPECT_NEAR(r.distances[0][1].item<double>(), 1.5, 1e-8);
}

TEST(Vic, WorkedVectorInFloat32MatchesToo) {
  const at::Tensor X = at::tensor({0.f, 0.f, 1.5f, 0.f, 0.f, 2.f, -1.f, -1.f, 9.f, 0.f, 11.f, 1.f,
                                   100.f, 0.f, 102.f, 0.f})
                           .reshape({8, 2});
  const at::Tensor pos = grid24({{0, 0}, {0, 1}, {1, 0}, {1, 1}, {0, 3}, {1, 3}, {3, 0}, {3, 1}});
  VicOptions o;
  o.centreFraction = 0.25;
  const VicResult r = runVic(X, pos, o);
  EXPECT_EQ(r.rho.scalar_type(), at::kFloat);
  EXPECT_EQ(longs(r.labels), (std::vector<int64_t>{0, 0, 0, 0, 1, 1, -1, -1}));
}

// VQ-11 / VQ-15: a non-centre with delta = +inf points at token 0 and inherits its label.
TEST(Vic, InfiniteDeltaInheritsTokenZeroLabel_VQ11_VQ15) {
  // 0 and 1 are spatial neighbours, 1 denser; 2 is spatially isolated. Both 1 and 2 have
  // delta = +inf; with C = 1 the lower index (1) is the centre (port tie rule, VQ-12).
  const at::Tensor X = at::tensor({0.0, 0.0, 1.0, 0.0, 1.2, 0.0}, at::kDouble).reshape({3, 2});
  const at::Tensor pos = grid24({{0, 0}, {0, 1}, {23, 23}});
  VicOptions o;
  o.centreFraction = 0.34;  // trunc(1.02) = 1
  o.spatialRadius = 0.1;
  const VicResult r = runVic(X, pos, o);
  EXPECT_EQ(longs(r.parent), (std::vector<int64_t>{1, 0, 0}));
  EXPECT_TRUE(std::isinf(r.delta[1].item<double>()));
  EXPECT_TRUE(std::isinf(r.delta[2].item<double>()));
  EXPECT_EQ(longs(r.centres), (std::vector<int64_t>{1}));
  EXPECT_EQ(longs(r.labels), (std::vector<int64_t>{0, 0, 0}));
  EXPECT_EQ(r.sweeps, 2);  // 0 gets its label first, then 2 through 0
}

// VQ-14 / VQ-15 / VQ-16: token 0 sits in an equal-density 2-cycle, so an isolated non-centre
// pointing at token 0 stays -1.
TEST(Vic, UnlabeledTokenZeroLeavesFallbacksUnlabeled_VQ14_VQ15_VQ16) {
  const at::Tensor X =
      at::tensor({0.0, 0.0, 1.0, 0.0, 500.0, 0.0, 900.0, 0.0}, at::kDouble).reshape({4, 2});
  const at::Tensor pos = grid24({{0, 0}, {0, 1}, {12, 12}, {23, 23}});
  VicOptions o;
  o.centreFraction = 0.25;  // C = 1
  o.spatialRadius = 0.1;
  const VicResult r = runVic(X, pos, o);
  EXPECT_EQ(r.rho[0].item<double>(), r.rho[1].item<double>());
  EXPECT_EQ(longs(r.parent), (std::vector<int64_t>{1, 0, 0, 0}));
  EXPECT_EQ(longs(r.centres), (std::vector<int64_t>{2}));
  EXPECT_EQ(longs(r.labels), (std::vector<int64_t>{-1, -1, 0, -1}));
}

TEST(Vic, SpatialGateIsInclusive) {
  // Two tokens exactly 0.5 apart in normalized units (12 patches): admissible iff k >= 0.5.
  const at::Tensor X = at::tensor({0.0, 0.0, 1.0, 0.0, 1.5, 0.0}, at::kDouble).reshape({3, 2});
  const at::Tensor pos = at::tensor({0.0, 0.0, 0.0, 0.5, 0.9, 0.9}, at::kDouble).reshape({3, 2});
  VicOptions o;
  o.centreFraction = 0.34;
  // Upstream's spatial distance is sqrt(0.25 + 1e-8); a radius of exactly that admits the pair.
  o.spatialRadius = std::sqrt(0.25 + 1e-8);
  EXPECT_EQ(runVic(X, pos, o).parent[0].item<int64_t>(), 1);
  EXPECT_FALSE(std::isinf(runVic(X, pos, o).delta[0].item<double>()));
  o.spatialRadius = std::nextafter(std::sqrt(0.25 + 1e-8), 0.0);
  EXPECT_TRUE(std::isinf(runVic(X, pos, o).delta[0].item<double>()));
}

TEST(Vic, TemporalGateForVideo) {
  // Spec 6.10: token 0 (frame 0) has its nearest denser token in frame 1.
  const at::Tensor X = at::tensor({0.0, 0.0, 0.5, 0.0, 3.0, 0.0}, at::kDouble).reshape({3, 2});
  const at::Tensor pos = grid24({{5, 5}, {5, 5}, {5, 6}});
  const at::Tensor frames = at::tensor({0, 1, 1}, at::kLong);
  VicOptions o;
  o.centreFraction = 0.34;
  EXPECT_EQ(runVic(X, pos, o).parent[0].item<int64_t>(), 1);
  EXPECT_EQ(runVic(X, pos, o, frames).parent[0].item<int64_t>(), 1);  // window 1: adjacent ok
  o.frameWindow = 0;
  const VicResult same = runVic(X, pos, o, frames);
  EXPECT_TRUE(std::isinf(same.delta[0].item<double>()));
  EXPECT_EQ(same.parent[2].item<int64_t>(), 1);
  o.densityInWindow = true;
  EXPECT_EQ(runVic(X, pos, o, frames).rho[0].item<double>(), 1.0);  // only the self term
}

TEST(Vic, EmptyInputGivesEmptyResult) {
  const VicResult r = runVic(at::zeros({0, 4}), at::zeros({0, 2}), VicOptions{});
  EXPECT_EQ(r.labels.numel(), 0);
  EXPECT_EQ(r.centres.numel(), 0);
}

TEST(Vic, RejectsBadInputsNamingThem) {
  const at::Tensor X = at::randn({4, 3});
  const at::Tensor pos = at::rand({4, 2});
  expectError([&] { runVic(X, at::rand({3, 2}), VicOptions{}); }, "positions has 3 rows");
  expectError([&] { runVic(X.index_fill(0, at::tensor({1}, at::kLong), NAN), pos, VicOptions{}); },
              "runVic: features: contains NaN");
  expectError([&] { runVic(X.to(at::kLong), pos, VicOptions{}); }, "runVic: features");
  expectError([&] { runVic(at::randn({2, 4, 3}), pos, VicOptions{}); }, "runVic: features");
  VicOptions o;
  o.densityCutoff = 0;
  expectError([&] { runVic(X, pos, o); }, "density cutoff dc");
  o = VicOptions{};
  o.centreFraction = 1.0;
  expectError([&] { runVic(X, pos, o); }, "centre fraction p");
  o = VicOptions{};
  o.spatialRadius = -1;
  expectError([&] { runVic(X, pos, o); }, "spatial radius");
  expectError([&] { runVic(X, pos, VicOptions{}, at::zeros({3}, at::kLong)); }, "frames has 3");
}

TEST(Vic, DensityCutoffHelpers_Spec6_7) {
  EXPECT_DOUBLE_EQ(calibratedDensityCutoff(20.0, 10.0), 16.0);
  EXPECT_DOUBLE_EQ(heuristicDensityCutoff(4096, 1.0, 1.0), 16.0);
  EXPECT_DOUBLE_EQ(heuristicDensityCutoff(1024, 3.0, 1.5), 16.0);
  // Points 0, 1, 3 on a line: distances 1, 3, 2 -> median 2.
  const at::Tensor pts = at::tensor({0.0, 1.0, 3.0}, at::kDouble).reshape({3, 1});
  EXPECT_NEAR(medianPairwiseDistance(pts), 2.0, 1e-6);
  expectError([] { calibratedDensityCutoff(0, 1); }, "calibratedDensityCutoff");
  expectError([] { heuristicDensityCutoff(0, 1, 1); }, "key width");
  expectError([] { medianPairwiseDistance(at::zeros({1, 3})); }, "at least 2 rows");
}

// ---- Stage I ----

TEST(Stage1, SaliencySumsHeadsAndDropsTheClassColumn_VQ03) {
  // 2 heads, class row over [CLS, p0, p1, p2].
  const at::Tensor row =
      at::tensor({0.4f, 0.1f, 0.2f, 0.3f, 0.7f, 0.05f, 0.15f, 0.1f}).reshape({2, 4});
  const at::Tensor s = clsSaliency(row);
  ASSERT_EQ(s.numel(), 3);
  EXPECT_FLOAT_EQ(s[0].item<float>(), 0.15f);
  EXPECT_FLOAT_EQ(s[1].item<float>(), 0.35f);
  EXPECT_FLOAT_EQ(s[2].item<float>(), 0.4f);
  // The full [1, H, N, N] probabilities give the same (row 0 is read).
  at::Tensor full = at::rand({1, 2, 4, 4});
  full.select(2, 0).copy_(row.unsqueeze(0));
  EXPECT_TRUE(at::equal(clsSaliency(full), s));
  EXPECT_TRUE(at::equal(clsSaliency(row.unsqueeze(0)), s));
}

TEST(Stage1, TopkKeepsLowerIndexOnTiesAndEmitsRasterOrder_VQ05_VQ38) {
  const at::Tensor s = at::tensor({1.f, 3.f, 3.f, 2.f, 3.f});
  const Stage1Selection two = stage1Select(s, 2);
  EXPECT_EQ(longs(two.topkOrder), (std::vector<int64_t>{1, 2}));
  const Stage1Selection four = stage1Select(s, 4);
  EXPECT_EQ(longs(four.topkOrder), (std::vector<int64_t>{1, 2, 4, 3}));
  EXPECT_EQ(longs(four.keptSorted), (std::vector<int64_t>{1, 2, 3, 4}));
}

TEST(Stage1, GridPositionsRowFirst_VQ06) {
  const at::Tensor p = gridPositions(at::tensor({25, 575}, at::kLong), 24, 24);
  EXPECT_EQ(p.scalar_type(), at::kFloat);
  EXPECT_EQ(p[0][0].item<float>(), 1.0f / 24.0f);
  EXPECT_EQ(p[1][0].item<float>(), 23.0f / 24.0f);
  EXPECT_EQ(p[1][1].item<float>(), 23.0f / 24.0f);
  // Non-square grid: per-axis normalisation, or isotropic (spec 6.6).
  const at::Tensor q = gridPositions(at::tensor({4}, at::kLong), 2, 3);  // row 1, col 1
  EXPECT_EQ(q[0][0].item<float>(), 1.0f / 2.0f);
  EXPECT_EQ(q[0][1].item<float>(), 1.0f / 3.0f);
  const at::Tensor iso = gridPositions(at::tensor({4}, at::kLong), 2, 3, true);
  EXPECT_EQ(iso[0][0].item<float>(), 1.0f / 3.0f);
}

TEST(Stage1, VideoKeepsPerFrameFrameMajor_Spec6_10) {
  const at::Tensor s = at::tensor({0.1f, 0.9f, 0.5f, 0.2f, 0.8f, 0.1f, 0.3f, 0.7f}).reshape({2, 4});
  const Stage1Selection sel = stage1SelectFrames(s, 2);
  EXPECT_EQ(longs(sel.keptSorted), (std::vector<int64_t>{1, 2, 4, 7}));
  EXPECT_EQ(longs(sel.topkOrder), (std::vector<int64_t>{1, 2, 4, 7}));
  EXPECT_EQ(longs(frameIndices(sel.keptSorted, 4)), (std::vector<int64_t>{0, 0, 1, 1}));
  // Positions are within a frame.
  const at::Tensor pos = gridPositions(sel.keptSorted, 2, 2);
  EXPECT_EQ(pos[2][0].item<float>(), 0.0f);  // global 4 = frame 1, patch 0
}

TEST(Stage1, GathersPatchRowsSkippingTheClassToken_VQ02) {
  const at::Tensor tokens = at::arange(10, at::kFloat).reshape({5, 2});
  const at::Tensor rows = gatherPatchRows(tokens.unsqueeze(0), at::tensor({0, 3}, at::kLong));
  EXPECT_EQ(rows[0][0].item<float>(), 2.0f);
  EXPECT_EQ(rows[1][0].item<float>(), 8.0f);
  EXPECT_EQ(gatherPatchRows(tokens, at::tensor({0}, at::kLong), false)[0][0].item<float>(), 0.0f);
}

TEST(Stage1, RejectsBadInputsNamingThem) {
  const at::Tensor s = at::rand({6});
  expectError([&] { stage1Select(s, 0); }, "keep must be in [1, 6]");
  expectError([&] { stage1Select(s, 7); }, "keep must be in [1, 6]");
  expectError([&] { stage1Select(at::tensor({1.f, NAN}), 1); }, "saliency: contains NaN");
  expectError([&] { stage1Select(at::rand({2, 3}), 1); }, "stage1Select: saliency");
  expectError([&] { stage1Select(at::ones({3}, at::kLong), 1); }, "floating-point");
  expectError([&] { clsSaliency(at::rand({2, 1})); }, "clsRow");
  expectError([&] { receivedAttentionSaliency(at::rand({2, 3, 4})); }, "attn");
  expectError([&] { gridPositions(at::tensor({1}, at::kLong), 0, 24); }, "grid must be");
  expectError([&] { gridPositions(at::tensor({-1}, at::kLong), 24, 24); }, "negative patch index");
  expectError(
      [&] {
        gatherPatchRows(at::rand({5, 2}), at::tensor({4}, at::kLong));
      },
      "outside the 5 token rows");
}

}  // namespace
}  // namespace vitcop::pruning
