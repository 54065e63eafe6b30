#pragma once
// Builds the RunTrace of one pruned (or unpruned) run from what the hook points see: the
// "input" point (every patch), "vision" (what enters the LLM) and "llm:N" (alive at the input of
// decoder layer N). A method attaches per-token annotations (scores, VIC clusters, merge flags)
// for the next point it produces; tokens that survive unchanged into later points carry their
// annotations forward, so every point shows the scores that decided the token's fate.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/model/prompt_layout.h"
#include "core/model/token_info.h"
#include "core/pruning/model_geometry.h"
#include "core/trace/run_trace.h"

namespace vitcop::pruning {

class TraceRecorder {
 public:
  // Starts a new trace: geometry, and the "input" point with every patch of every frame.
  void reset(const ModelGeometry& geometry);

  // Scores over every patch of the input ([F * P], frame-major raster), e.g. Stage I's CLS
  // attention.
  void inputScores(const std::string& name, const std::vector<double>& values);

  // Annotations for the next recorded point, aligned with its visual tokens in sequence order.
  void pendingScores(const std::string& name, std::vector<double> values);
  void pendingClusters(std::vector<int32_t> labels, std::vector<bool> centres);
  void pendingMerged(std::vector<bool> merged);
  void pendingStage(std::string stage) { pendingStage_ = std::move(stage); }

  void recordVision(const std::vector<model::VisualTokens>& images, double ms);
  // `tokens`/`positions`: the whole sequence entering decoder layer `layer`.
  void recordLayer(int64_t layer, const std::vector<model::TokenInfo>& tokens,
                   const std::vector<int64_t>& positions, double ms);

  // Prefill sequence length at each recorded layer (text + visual), for the FLOPs formula.
  const std::vector<int64_t>& layerSequenceLengths() const { return sequenceLengths_; }
  // Fills equivalentTokens and prefillFlops from the recorded layers.
  void finish(const LlmDims& dims);

  trace::RunTrace& trace() { return trace_; }
  const trace::RunTrace& trace() const { return trace_; }

 private:
  trace::TracePoint makePoint(std::string name, std::vector<trace::TraceToken> tokens, double ms);

  trace::RunTrace trace_;
  std::map<std::string, std::vector<double>> pendingScores_;
  std::vector<int32_t> pendingLabels_;
  std::vector<bool> pendingCentres_, pendingMerged_;
  std::string pendingStage_;
  std::vector<int64_t> sequenceLengths_;
};

}  // namespace vitcop::pruning
