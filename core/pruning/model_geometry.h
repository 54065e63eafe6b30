#pragma once
// What a pruning method needs to know about the model it runs on (method-spec 6.1): the visual
// grid and frames, the vision tower depth and the block b* whose output is the feature layer,
// the decoder dimensions for the FLOPs formula. Built from a LlavaConfig, no weights needed, so
// every parameter check runs before any model compute.
#include <cstdint>

#include "core/checkpoint/llava_config.h"
#include "core/pruning/budget_schedule.h"

namespace vitcop::pruning {

struct ModelGeometry {
  VisualGeometry visual;         // grid, frames, LLM layers
  int64_t visionLayers = 24;     // L_v
  int64_t featureBlock = 22;     // b*: the block whose output the projector reads
  bool classToken = true;        // CLIP-style towers have one (row 0 of every frame)
  bool classTokenInLlm = false;  // vision_feature_select_strategy "full"
  int64_t patchSize = 14;
  int64_t imageSize = 336;
  int64_t visionHeads = 16;
  LlmDims llm;

  // One visual token per patch (plus the class token with "full") and frame.
  int64_t tokensPerFrame() const { return visual.patches() + (classTokenInLlm ? 1 : 0); }

  // PruningError when the config selects several feature layers or the embeddings (f = 0),
  // which have no block b*, or frames < 1.
  static ModelGeometry fromConfig(const checkpoint::LlavaConfig& config, int64_t frames);
};

}  // namespace vitcop::pruning
