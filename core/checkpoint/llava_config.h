#pragma once
// config.json (LlavaConfig with vision_config / text_config) and preprocessor_config.json
// (CLIPImageProcessor), parsed with the defaults transformers applies to omitted keys
// (method-spec 1.2; LQ-07: rms_norm_eps defaults to 1e-6, rope_theta to 10000).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vitcop::checkpoint {

struct VisionConfig {  // CLIPVisionConfig defaults
  int64_t hiddenSize = 768;
  int64_t intermediateSize = 3072;
  int64_t numLayers = 12;
  int64_t numHeads = 12;
  int64_t imageSize = 224;
  int64_t patchSize = 32;
  int64_t numChannels = 3;
  std::string hiddenAct = "quick_gelu";
  double layerNormEps = 1e-5;

  int64_t gridSide() const { return imageSize / patchSize; }
  int64_t numPatches() const { return gridSide() * gridSide(); }
  int64_t headDim() const { return hiddenSize / numHeads; }
};

struct TextConfig {  // LlamaConfig defaults
  int64_t vocabSize = 32000;
  int64_t hiddenSize = 4096;
  int64_t intermediateSize = 11008;
  int64_t numLayers = 32;
  int64_t numHeads = 32;
  int64_t numKvHeads = 32;   // = numHeads when absent
  int64_t headDim = 128;     // = hiddenSize / numHeads when absent
  int64_t maxPositionEmbeddings = 4096;
  std::string hiddenAct = "silu";
  double rmsNormEps = 1e-6;
  double ropeTheta = 10000.0;
  double ropeLinearFactor = 1.0;  // rope_scaling {"type"/"rope_type": "linear", "factor": f}; others rejected
  bool attentionBias = false;
  bool mlpBias = false;
  bool tieWordEmbeddings = false;
  int64_t bosTokenId = 1;
  int64_t eosTokenId = 2;
};

struct LlavaConfig {
  std::string modelType = "llava";
  int64_t imageTokenIndex = 32000;  // also read from image_token_id
  int64_t padTokenId = -1;          // -1 when absent
  std::string projectorHiddenAct = "gelu";
  std::string visionFeatureSelectStrategy = "default";  // "default" drops CLS, "full" keeps it
  std::vector<int64_t> visionFeatureLayers = {-2};      // int or list in the JSON; negative allowed
  int64_t imageSeqLength = 576;
  bool projectorBias = true;  // multimodal_projector_bias
  VisionConfig vision;
  TextConfig text;
  // Original LLaVA (model_type "llava_llama") keys; empty / -1 for llava-hf configs.
  std::string imageAspectRatio;          // "pad" -> pad to square before the CLIP processor (LQ-01)
  std::string mmVisionTower;             // CLIP checkpoint the vision tower comes from
  int64_t tokenizerModelMaxLength = -1;  // the original stack truncates to this (LQ-06)

  // Visual tokens one image contributes: patches, plus 1 with strategy "full".
  int64_t imageTokensPerImage() const;

  // Throws CheckpointError naming `source` and the key on malformed JSON, a wrong value type,
  // an unsupported model_type (listing the supported ones) or an unsupported rope_scaling.
  static LlavaConfig fromJsonText(const std::string& jsonText, const std::string& source);
  static LlavaConfig load(const std::filesystem::path& configJson);
  // Original LLaVA: the vision config comes from the CLIP tower's own config.json when the
  // caller found it (`towerVision`), else from the mm_vision_tower name (clipVisionFromName).
  static LlavaConfig fromJsonText(const std::string& jsonText, const std::string& source,
                                  const std::optional<VisionConfig>& towerVision);
};

// OpenAI CLIP towers by hub name: ".../clip-vit-{base|large}-patch{p}[-{resolution}]".
std::optional<VisionConfig> clipVisionFromName(const std::string& name);

// A CLIP checkpoint's config.json: CLIPConfig (model_type "clip", keys under vision_config) or
// CLIPVisionConfig (model_type "clip_vision_model"); missing keys take CLIPVisionConfig defaults.
VisionConfig clipVisionFromJsonText(const std::string& jsonText, const std::string& source);

struct ImageProcessorConfig {  // CLIPImageProcessor; defaults = openai/clip-vit-large-patch14-336
  bool doResize = true;
  int64_t shortestEdge = 336;
  bool doCenterCrop = true;
  int64_t cropHeight = 336;
  int64_t cropWidth = 336;
  bool doRescale = true;
  double rescaleFactor = 1.0 / 255.0;
  bool doNormalize = true;
  double imageMean[3] = {0.48145466, 0.4578275, 0.40821073};
  double imageStd[3] = {0.26862954, 0.26130258, 0.27577711};
  int resample = 3;  // PIL bicubic; the only one supported
  bool doConvertRgb = true;
  bool padToSquare = false;  // original LLaVA image_aspect_ratio "pad" (LQ-01); not in HF files

  // Missing keys take CLIPImageProcessor's class defaults (size and crop 224, like transformers);
  // size {height, width} (an exact resize) and resample other than 3 are rejected.
  static ImageProcessorConfig fromJsonText(const std::string& jsonText, const std::string& source);
  static ImageProcessorConfig load(const std::filesystem::path& preprocessorJson);
};

}  // namespace vitcop::checkpoint
