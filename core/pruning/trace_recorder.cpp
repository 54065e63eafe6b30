#include "core/pruning/trace_recorder.h"

#include <utility>

#include "core/pruning/pruning_error.h"

namespace vitcop::pruning {

void TraceRecorder::reset(const ModelGeometry& g) {
  trace_ = trace::RunTrace{};
  trace_.geometry.frames = g.visual.frames;
  trace_.geometry.gridSide = g.visual.gridW;
  trace_.geometry.patchSize = g.patchSize;
  trace_.geometry.imageSize = g.imageSize;
  trace_.geometry.llmLayers = g.visual.llmLayers;
  pendingScores_.clear();
  pendingLabels_.clear();
  pendingCentres_.clear();
  pendingMerged_.clear();
  pendingStage_.clear();
  sequenceLengths_.clear();

  trace::TracePoint input;
  input.name = "input";
  input.stage = "all patches";
  const int64_t total = g.visual.visualTokens();
  input.tokens.resize(static_cast<size_t>(total));
  for (int64_t p = 0; p < total; ++p)
    input.tokens[static_cast<size_t>(p)].patches = {static_cast<int32_t>(p)};
  trace_.points.push_back(std::move(input));
}

void TraceRecorder::inputScores(const std::string& name, const std::vector<double>& values) {
  auto& tokens = trace_.points.front().tokens;
  if (values.size() != tokens.size())
    throw PruningError("trace: input score '" + name + "' has " + std::to_string(values.size()) +
                       " values for " + std::to_string(tokens.size()) + " patches");
  for (size_t i = 0; i < tokens.size(); ++i)
    tokens[i].scores[name] = values[i];
}

void TraceRecorder::pendingScores(const std::string& name, std::vector<double> values) {
  pendingScores_[name] = std::move(values);
}

void TraceRecorder::pendingClusters(std::vector<int32_t> labels, std::vector<bool> centres) {
  pendingLabels_ = std::move(labels);
  pendingCentres_ = std::move(centres);
}

void TraceRecorder::pendingMerged(std::vector<bool> merged) {
  pendingMerged_ = std::move(merged);
}

trace::TracePoint TraceRecorder::makePoint(std::string name, std::vector<trace::TraceToken> tokens,
                                           double ms) {
  // Carry annotations of tokens that survive unchanged from the previous point.
  const trace::TracePoint& prev = trace_.points.back();
  std::map<std::vector<int32_t>, const trace::TraceToken*> before;
  for (const auto& t : prev.tokens)
    before.emplace(t.patches, &t);
  for (auto& t : tokens) {
    auto it = before.find(t.patches);
    if (it == before.end()) continue;
    t.scores = it->second->scores;
    t.cluster = it->second->cluster;
    t.clusterCentre = it->second->clusterCentre;
    t.merged = it->second->merged;
  }
  const size_t n = tokens.size();
  auto check = [&](size_t size, const std::string& what) {
    if (size != n)
      throw PruningError("trace: " + what + " for " + name + " has " + std::to_string(size) +
                         " entries for " + std::to_string(n) + " visual tokens");
  };
  for (auto& [score, values] : pendingScores_) {
    check(values.size(), "score '" + score + "'");
    for (size_t i = 0; i < n; ++i)
      tokens[i].scores[score] = values[i];
  }
  if (!pendingLabels_.empty() || (n == 0 && !pendingCentres_.empty())) {
    check(pendingLabels_.size(), "cluster labels");
    check(pendingCentres_.size(), "cluster centres");
    for (size_t i = 0; i < n; ++i) {
      tokens[i].cluster = pendingLabels_[i];
      tokens[i].clusterCentre = pendingCentres_[i];
    }
  }
  if (!pendingMerged_.empty()) {
    check(pendingMerged_.size(), "merge flags");
    for (size_t i = 0; i < n; ++i)
      tokens[i].merged = pendingMerged_[i];
  }
  trace::TracePoint point;
  point.name = std::move(name);
  point.stage = pendingStage_;
  point.tokens = std::move(tokens);
  point.milliseconds = ms;
  pendingScores_.clear();
  pendingLabels_.clear();
  pendingCentres_.clear();
  pendingMerged_.clear();
  pendingStage_.clear();
  return point;
}

void TraceRecorder::recordVision(const std::vector<model::VisualTokens>& images, double ms) {
  std::vector<trace::TraceToken> tokens;
  for (const auto& img : images)
    for (const auto& origin : img.origins) {
      trace::TraceToken t;
      t.patches = origin;
      tokens.push_back(std::move(t));
    }
  trace_.points.push_back(makePoint("vision", std::move(tokens), ms));
}

void TraceRecorder::recordLayer(int64_t layer, const std::vector<model::TokenInfo>& seq,
                                const std::vector<int64_t>& positions, double ms) {
  std::vector<trace::TraceToken> tokens;
  for (size_t i = 0; i < seq.size(); ++i) {
    if (!seq[i].isVisual()) continue;
    trace::TraceToken t;
    t.patches = seq[i].patches;
    t.position = positions.at(i);
    tokens.push_back(std::move(t));
  }
  sequenceLengths_.push_back(static_cast<int64_t>(seq.size()));
  trace_.points.push_back(makePoint(trace::llmPointName(layer), std::move(tokens), ms));
}

void TraceRecorder::finish(const LlmDims& dims) {
  const std::vector<int64_t> counts = trace_.layerVisualCounts();
  trace_.equivalentTokens = counts.empty() ? 0.0 : meanVisualTokens(counts);
  trace_.prefillFlops = prefillFlops(sequenceLengths_, dims);
}

}  // namespace vitcop::pruning
