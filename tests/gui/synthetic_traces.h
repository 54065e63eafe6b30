#pragma once
// Small RunTraces built in code for the GUI tests, so every expected number below can be checked
// by hand against the construction here (no model, no files).
#include <QImage>
#include <cmath>
#include <string>
#include <vector>

#include "core/trace/run_trace.h"

namespace vitcop::test {

using vitcop::trace::RunTrace;
using vitcop::trace::TracePoint;
using vitcop::trace::TraceToken;

inline TraceToken token(std::vector<int32_t> patches, double cls = 0.0) {
  TraceToken t;
  t.patches = std::move(patches);
  t.merged = t.patches.size() > 1;
  t.scores[vitcop::trace::kScoreClsAttention] = cls;
  return t;
}

// 4×4 grid, 14 px patches on a 56 px input, 4 LLM layers.
//   input : all 16 patches, one token each
//   vision: pruned {0, 3, 12, 15}; merged {5, 6, 9} (representative 5) and {11, 10}
//           (representative 11); singles 1 2 4 7 8 13 14 -> 9 tokens
//   llm:0, llm:1: as vision;  llm:2, llm:3: tokens of 13 and 14 dropped -> 7 tokens
// Clusters at vision: label 0 for {1, 2, [5,6,9]}, 1 for {4, 8}, 2 for {[11,10], 7},
// -1 for {13, 14}; centres: token [5,6,9] and token [11,10].
inline RunTrace grid4Trace() {
  RunTrace t;
  t.method = "synthetic";
  t.geometry = {1, 4, 14, 56, 4};
  TracePoint input{"input", "patch embedding", {}, 0.0};
  for (int32_t p = 0; p < 16; ++p)
    input.tokens.push_back(token({p}, p / 15.0));
  TracePoint vision{"vision", "Stage I: synthetic", {}, 1.0};
  const std::vector<std::pair<std::vector<int32_t>, int>> kept = {
      {{1}, 0}, {{2}, 0},      {{4}, 1},   {{5, 6, 9}, 0}, {{7}, 2},
      {{8}, 1}, {{11, 10}, 2}, {{13}, -1}, {{14}, -1}};
  for (size_t i = 0; i < kept.size(); ++i) {
    TraceToken tok = token(kept[i].first, 0.1 * static_cast<double>(i));
    tok.cluster = kept[i].second;
    tok.clusterCentre = kept[i].first.size() > 1;
    tok.scores[vitcop::trace::kScoreKeyNorm] = 2.0 + static_cast<double>(i);
    tok.position = static_cast<int64_t>(i);
    vision.tokens.push_back(tok);
  }
  t.points = {input, vision};
  for (int l = 0; l < 4; ++l) {
    TracePoint p = vision;
    p.name = vitcop::trace::llmPointName(l);
    p.stage = l == 2 ? "LLM layer 2: synthetic pruning" : "";
    if (l >= 2) p.tokens.erase(p.tokens.begin() + 7, p.tokens.end());  // drops 13 and 14
    t.points.push_back(p);
  }
  t.equivalentTokens = (9 + 9 + 7 + 7) / 4.0;
  return t;
}

// Run B for the difference overlay on grid4Trace(): at vision, patches 0..7 alive (singles).
// Against A: A only {8, 9, 10, 11, 13, 14}, B only {0, 3}, both {1, 2, 4, 5, 6, 7},
// neither {12, 15}.
inline RunTrace grid4TraceB() {
  RunTrace t = grid4Trace();
  t.method = "synthetic-b";
  TracePoint& vision = t.points[1];
  vision.tokens.clear();
  for (int32_t p = 0; p < 8; ++p)
    vision.tokens.push_back(token({p}, 0.5));
  return t;
}

// 24×24 grid on a 336 px input (LLaVA-1.5 geometry), `layers` LLM layers. Patches survive
// Stage I where a fixed hash says so (~55%); every 7th kept token absorbs the next kept patch.
// cls_attention is a smooth bump centred at (8, 15); clusters are 3×3 blocks of 8×8 patches,
// with the left column of each block unassigned (-1); the first token of each block is its
// centre. Layer l keeps the first max(40, kept * (1 - l/layers)) tokens.
inline RunTrace grid24Trace(int layers = 8) {
  RunTrace t;
  t.method = "synthetic-24";
  t.geometry = {1, 24, 14, 336, layers};
  TracePoint input{"input", "patch embedding", {}, 0.0};
  for (int32_t p = 0; p < 576; ++p)
    input.tokens.push_back(token({p}, 0.0));
  TracePoint vision{"vision", "Stage I: synthetic", {}, 1.0};
  std::vector<int32_t> alive;
  for (int32_t p = 0; p < 576; ++p)
    if ((static_cast<uint32_t>(p) * 2654435761u >> 16) % 100 < 55) alive.push_back(p);
  std::vector<bool> seenCluster(9, false);
  for (size_t i = 0; i < alive.size(); ++i) {
    std::vector<int32_t> patches = {alive[i]};
    if (i % 7 == 3 && i + 1 < alive.size()) patches.push_back(alive[++i]);
    const int row = patches[0] / 24, col = patches[0] % 24;
    const double d2 = (row - 8.0) * (row - 8.0) + (col - 15.0) * (col - 15.0);
    TraceToken tok = token(patches, std::exp(-d2 / 40.0));
    tok.scores[vitcop::trace::kScoreKeyNorm] = 1.0 + 0.1 * col;
    const int block = (row / 8) * 3 + col / 8;
    tok.cluster = col % 8 == 0 ? -1 : block;
    if (tok.cluster >= 0 && !seenCluster[static_cast<size_t>(block)]) {
      seenCluster[static_cast<size_t>(block)] = true;
      tok.clusterCentre = true;
    }
    tok.position = static_cast<int64_t>(vision.tokens.size());
    vision.tokens.push_back(tok);
  }
  t.points = {input, vision};
  double sum = 0.0;
  for (int l = 0; l < layers; ++l) {
    TracePoint p = vision;
    p.name = vitcop::trace::llmPointName(l);
    const size_t keep = std::max<size_t>(
        40, static_cast<size_t>(vision.tokens.size() * (1.0 - static_cast<double>(l) / layers)));
    if (keep < p.tokens.size()) p.tokens.resize(keep);
    sum += static_cast<double>(p.tokens.size());
    t.points.push_back(p);
  }
  t.equivalentTokens = sum / layers;
  return t;
}

// A deterministic "photo": smooth colour ramps and soft rings computed per pixel (no QPainter,
// so the goldens do not depend on Qt's rasteriser for the background).
inline QImage syntheticImage(int side, int seed = 0) {
  QImage img(side, side, QImage::Format_RGB32);
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x) {
      const double u = static_cast<double>(x) / side, v = static_cast<double>(y) / side;
      const double ring = 0.5 + 0.5 * std::cos(40.0 * std::hypot(u - 0.4, v - 0.55) + seed);
      img.setPixel(x, y,
                   qRgb(static_cast<int>(60 + 150 * u), static_cast<int>(70 + 120 * ring),
                        static_cast<int>(90 + 130 * (1.0 - v))));
    }
  return img;
}

}  // namespace vitcop::test
