#include "core/pruning/model_geometry.h"

#include <string>

#include "core/pruning/pruning_error.h"

namespace vitcop::pruning {

ModelGeometry ModelGeometry::fromConfig(const checkpoint::LlavaConfig& config, int64_t frames) {
  if (frames < 1) throw PruningError("frames must be >= 1, got " + std::to_string(frames));
  ModelGeometry g;
  g.visual.gridH = g.visual.gridW = config.vision.gridSide();
  g.visual.frames = frames;
  g.visual.llmLayers = config.text.numLayers;
  g.visionLayers = config.vision.numLayers;
  g.patchSize = config.vision.patchSize;
  g.imageSize = config.vision.imageSize;
  g.visionHeads = config.vision.numHeads;
  g.classTokenInLlm = config.visionFeatureSelectStrategy == "full";
  g.llm.hidden = config.text.hiddenSize;
  g.llm.intermediate = config.text.intermediateSize;
  g.llm.heads = config.text.numHeads;
  g.llm.kvHeads = config.text.numKvHeads;
  g.llm.headDim = config.text.headDim;
  // Spec 6.1: b* = L_v + f for f < 0, f - 1 for f >= 1. Methods that read a vision block need
  // one feature layer; with several, the first one decides (and is reported).
  const int64_t f = config.visionFeatureLayers.empty() ? -2 : config.visionFeatureLayers.front();
  g.featureBlock = f < 0 ? g.visionLayers + f : f - 1;
  if (f == 0 || g.featureBlock < 0 || g.featureBlock >= g.visionLayers)
    throw PruningError("vision_feature_layer " + std::to_string(f) +
                       " selects no vision block (the embeddings have no attention)");
  return g;
}

}  // namespace vitcop::pruning
