#include "core/checkpoint/llava_config.h"

#include <regex>

#include "core/checkpoint/json_fields.h"

namespace vitcop::checkpoint {
namespace {

// Only what the engine implements: llava-hf LLaVA and the original LLaVA config.
constexpr const char* kSupportedModelTypes = "llava, llava_llama";

// LlavaConfig without vision_config: transformers builds CLIP ViT-L/14 at 336 px.
VisionConfig clipLarge336() {
  VisionConfig v;
  v.hiddenSize = 1024;
  v.intermediateSize = 4096;
  v.numLayers = 24;
  v.numHeads = 16;
  v.imageSize = 336;
  v.patchSize = 14;
  return v;
}

VisionConfig parseVision(const JsonFields& f, VisionConfig v) {
  const std::string type = f.string("model_type", "clip_vision_model");
  if (type != "clip_vision_model")
    f.fail("model_type",
           "vision model '" + type + "' is not supported (supported: clip_vision_model)");
  v.hiddenSize = f.positive("hidden_size", v.hiddenSize);
  v.intermediateSize = f.positive("intermediate_size", v.intermediateSize);
  v.numLayers = f.positive("num_hidden_layers", v.numLayers);
  v.numHeads = f.positive("num_attention_heads", v.numHeads);
  v.imageSize = f.positive("image_size", v.imageSize);
  v.patchSize = f.positive("patch_size", v.patchSize);
  v.numChannels = f.positive("num_channels", v.numChannels);
  v.hiddenAct = f.string("hidden_act", v.hiddenAct);
  v.layerNormEps = f.number("layer_norm_eps", v.layerNormEps);
  if (v.hiddenSize % v.numHeads != 0)
    f.fail("hidden_size", std::to_string(v.hiddenSize) +
                              " is not divisible by num_attention_heads " +
                              std::to_string(v.numHeads));
  if (v.patchSize > v.imageSize)
    f.fail("patch_size",
           std::to_string(v.patchSize) + " exceeds image_size " + std::to_string(v.imageSize));
  return v;
}

// bos/eos ids: an int, a list (first entry), or null (-1: none).
int64_t tokenId(const JsonFields& f, const std::string& key, int64_t fallback) {
  if (!f.present(key)) return fallback;
  const auto& v = f.raw(key);
  if (v.is_null()) return -1;
  if (v.is_array()) {
    if (v.empty() || !v[0].is_number_integer())
      f.fail(key, "expected an integer or a non-empty list of integers, got " + v.dump());
    return v[0].get<int64_t>();
  }
  return f.integer(key, fallback);
}

void parseRopeScaling(const JsonFields& f, TextConfig& t) {
  if (!f.has("rope_scaling")) return;  // null or absent: no scaling
  const auto& rs = f.raw("rope_scaling");
  if (!rs.is_object()) f.fail("rope_scaling", "expected null or an object, got " + rs.dump());
  JsonFields r(rs, f.source(), f.path("rope_scaling."));
  const std::string type = r.has("rope_type") ? r.string("rope_type", "") : r.string("type", "");
  if (type == "default") return;  // newer transformers' explicit spelling of "no scaling"
  if (type != "linear")
    f.fail("rope_scaling",
           "'" + type + "' scaling is not supported (only null or linear): " + rs.dump());
  const double factor = r.number("factor", 0.0);
  if (!(factor > 0.0))
    f.fail("rope_scaling", "linear scaling needs a positive factor: " + rs.dump());
  t.ropeLinearFactor = factor;
}

TextConfig parseText(const JsonFields& f) {
  TextConfig t;
  const std::string type = f.string("model_type", "llama");
  // Top-level fields of an original LLaVA config carry model_type llava_llama themselves.
  if (type != "llama" && type != "llava_llama")
    f.fail("model_type", "text model '" + type + "' is not supported (supported: llama)");
  t.vocabSize = f.positive("vocab_size", t.vocabSize);
  t.hiddenSize = f.positive("hidden_size", t.hiddenSize);
  t.intermediateSize = f.positive("intermediate_size", t.intermediateSize);
  t.numLayers = f.positive("num_hidden_layers", t.numLayers);
  t.numHeads = f.positive("num_attention_heads", t.numHeads);
  t.numKvHeads = f.positive("num_key_value_heads", t.numHeads);
  if (f.has("head_dim")) {
    t.headDim = f.positive("head_dim", 0);
  } else {
    if (t.hiddenSize % t.numHeads != 0)
      f.fail("hidden_size", std::to_string(t.hiddenSize) +
                                " is not divisible by num_attention_heads " +
                                std::to_string(t.numHeads) + " and head_dim is absent");
    t.headDim = t.hiddenSize / t.numHeads;
  }
  if (t.numHeads % t.numKvHeads != 0)
    f.fail("num_key_value_heads", std::to_string(t.numKvHeads) +
                                      " does not divide num_attention_heads " +
                                      std::to_string(t.numHeads));
  t.maxPositionEmbeddings = f.positive("max_position_embeddings", t.maxPositionEmbeddings);
  t.hiddenAct = f.string("hidden_act", t.hiddenAct);
  t.rmsNormEps = f.number("rms_norm_eps", t.rmsNormEps);
  t.ropeTheta = f.number("rope_theta", t.ropeTheta);
  parseRopeScaling(f, t);
  t.attentionBias = f.boolean("attention_bias", t.attentionBias);
  t.mlpBias = f.boolean("mlp_bias", t.mlpBias);
  t.tieWordEmbeddings = f.boolean("tie_word_embeddings", t.tieWordEmbeddings);
  t.bosTokenId = tokenId(f, "bos_token_id", t.bosTokenId);
  t.eosTokenId = tokenId(f, "eos_token_id", t.eosTokenId);
  return t;
}

std::vector<int64_t> parseFeatureLayers(const JsonFields& f, const std::string& key) {
  if (!f.has(key)) return {-2};
  const auto& v = f.raw(key);
  if (v.is_array()) {
    std::vector<int64_t> layers;
    for (const auto& x : v) {
      if (!x.is_number_integer())
        f.fail(key, "expected an integer or a list of integers, got " + v.dump());
      layers.push_back(x.get<int64_t>());
    }
    if (layers.empty()) f.fail(key, "the list is empty");
    return layers;
  }
  return {f.integer(key, -2)};
}

// hidden_states has numLayers + 1 entries (embeddings, then one per block).
void checkFeatureLayers(const JsonFields& f, const std::string& key, const LlavaConfig& c) {
  const int64_t n = c.vision.numLayers + 1;
  for (int64_t l : c.visionFeatureLayers) {
    if (l < -n || l >= n)
      f.fail(key, "layer " + std::to_string(l) + " is outside the " + std::to_string(n) +
                      " vision hidden states");
  }
}

void parseHf(const JsonFields& top, LlavaConfig& c, const nlohmann::json& j) {
  c.imageTokenIndex = top.has("image_token_index") ? top.integer("image_token_index", 32000)
                                                   : top.integer("image_token_id", 32000);
  c.padTokenId = top.integer("pad_token_id", -1);
  c.projectorHiddenAct = top.string("projector_hidden_act", c.projectorHiddenAct);
  c.visionFeatureSelectStrategy =
      top.string("vision_feature_select_strategy", c.visionFeatureSelectStrategy);
  if (c.visionFeatureSelectStrategy != "default" && c.visionFeatureSelectStrategy != "full")
    top.fail("vision_feature_select_strategy",
             "'" + c.visionFeatureSelectStrategy + "' is not supported (default, full)");
  c.visionFeatureLayers = parseFeatureLayers(top, "vision_feature_layer");
  c.imageSeqLength = top.positive("image_seq_length", c.imageSeqLength);
  c.projectorBias = top.boolean("multimodal_projector_bias", c.projectorBias);

  if (top.has("vision_config")) {
    if (!j.at("vision_config").is_object()) top.fail("vision_config", "expected an object");
    c.vision = parseVision(JsonFields(j.at("vision_config"), top.source(), "vision_config."),
                           VisionConfig{});
  } else {
    c.vision = clipLarge336();
  }
  if (top.has("text_config")) {
    if (!j.at("text_config").is_object()) top.fail("text_config", "expected an object");
    c.text = parseText(JsonFields(j.at("text_config"), top.source(), "text_config."));
  }
  checkFeatureLayers(top, "vision_feature_layer", c);
}

// Original LLaVA (liuhaotian/llava-v1.5-*): LLaMA keys at top level plus mm_* keys; the vision
// tower is the CLIP checkpoint named by mm_vision_tower (method-spec 1.2, 1.3.3).
void parseOriginal(const JsonFields& top, LlavaConfig& c,
                   const std::optional<VisionConfig>& towerVision) {
  c.text = parseText(top);
  c.mmVisionTower = top.string("mm_vision_tower", "openai/clip-vit-large-patch14-336");
  if (towerVision) {
    c.vision = *towerVision;
  } else if (auto named = clipVisionFromName(c.mmVisionTower)) {
    c.vision = *named;
  } else {
    top.fail("mm_vision_tower", "'" + c.mmVisionTower +
                                    "' is not an OpenAI CLIP name (clip-vit-{base|large}-patch{p}"
                                    "[-{res}]) and no tower config.json was found");
  }
  if (top.has("mm_hidden_size") && top.integer("mm_hidden_size", 0) != c.vision.hiddenSize)
    top.fail("mm_hidden_size", "must equal the CLIP width " + std::to_string(c.vision.hiddenSize));

  const std::string projector = top.string("mm_projector_type", "linear");  // LLaVA's default
  if (projector != "mlp2x_gelu")
    top.fail("mm_projector_type", "'" + projector + "' is not supported (mlp2x_gelu)");
  c.projectorHiddenAct = "gelu";
  c.projectorBias = true;

  const std::string feature = top.string("mm_vision_select_feature", "patch");
  if (feature == "patch") {
    c.visionFeatureSelectStrategy = "default";
  } else if (feature == "cls_patch") {
    c.visionFeatureSelectStrategy = "full";
  } else {
    top.fail("mm_vision_select_feature", "'" + feature + "' is not supported (patch, cls_patch)");
  }
  c.visionFeatureLayers = {top.integer("mm_vision_select_layer", -2)};
  checkFeatureLayers(top, "mm_vision_select_layer", c);

  const std::string merge = top.string("mm_patch_merge_type", "flat");
  if (merge != "flat") top.fail("mm_patch_merge_type", "'" + merge + "' is not supported (flat)");
  if (top.boolean("mm_use_im_start_end", false))
    top.fail("mm_use_im_start_end", "true is not supported (LLaVA-1.5 uses false)");
  c.imageAspectRatio = top.string("image_aspect_ratio", "square");
  if (c.imageAspectRatio != "pad" && c.imageAspectRatio != "square")
    top.fail("image_aspect_ratio", "'" + c.imageAspectRatio + "' is not supported (pad, square)");
  c.tokenizerModelMaxLength = top.integer("tokenizer_model_max_length", -1);

  c.imageTokenIndex = -200;  // the original placeholder id in input_ids, never embedded
  c.padTokenId = top.integer("pad_token_id", -1);
  c.imageSeqLength = c.imageTokensPerImage();
}

}  // namespace

std::optional<VisionConfig> clipVisionFromName(const std::string& name) {
  static const std::regex pattern(
      R"((^|/)clip-vit-(base|large)-patch([0-9]{1,4})(-([0-9]{1,5}))?$)");
  std::smatch m;
  if (!std::regex_search(name, m, pattern)) return std::nullopt;
  VisionConfig v;  // CLIPVisionConfig defaults = ViT-B
  if (m[2] == "large") {
    v.hiddenSize = 1024;
    v.intermediateSize = 4096;
    v.numLayers = 24;
    v.numHeads = 16;
  }
  v.patchSize = std::stoll(m[3].str());
  v.imageSize = m[5].matched ? std::stoll(m[5].str()) : 224;
  if (v.patchSize <= 0 || v.patchSize > v.imageSize) return std::nullopt;
  return v;
}

VisionConfig clipVisionFromJsonText(const std::string& jsonText, const std::string& source) {
  const nlohmann::json j = parseJsonObject(jsonText, source);
  const JsonFields top(j, source);
  const std::string type = top.string("model_type", "");
  if (type == "clip_vision_model") return parseVision(top, VisionConfig{});
  if (type != "clip")
    top.fail("model_type", "'" + type + "' is not a CLIP config (clip, clip_vision_model)");
  if (!top.has("vision_config")) return VisionConfig{};
  if (!j.at("vision_config").is_object()) top.fail("vision_config", "expected an object");
  return parseVision(JsonFields(j.at("vision_config"), source, "vision_config."), VisionConfig{});
}

int64_t LlavaConfig::imageTokensPerImage() const {
  return vision.numPatches() + (visionFeatureSelectStrategy == "full" ? 1 : 0);
}

LlavaConfig LlavaConfig::fromJsonText(const std::string& jsonText, const std::string& source) {
  return fromJsonText(jsonText, source, std::nullopt);
}

LlavaConfig LlavaConfig::fromJsonText(const std::string& jsonText, const std::string& source,
                                      const std::optional<VisionConfig>& towerVision) {
  const nlohmann::json j = parseJsonObject(jsonText, source);
  const JsonFields top(j, source);
  LlavaConfig c;
  if (!top.has("model_type"))
    top.fail("model_type", std::string("missing (supported: ") + kSupportedModelTypes + ")");
  c.modelType = top.string("model_type", "");
  if (c.modelType == "llava") {
    parseHf(top, c, j);
  } else if (c.modelType == "llava_llama") {
    parseOriginal(top, c, towerVision);
  } else {
    top.fail("model_type",
             "'" + c.modelType + "' is not supported (supported: " + kSupportedModelTypes + ")");
  }
  return c;
}

LlavaConfig LlavaConfig::load(const std::filesystem::path& configJson) {
  return fromJsonText(readTextFile(configJson.string()), configJson.string());
}

namespace {

// image_mean / image_std: three numbers, or one number for all channels.
void parseMeanStd(const JsonFields& f, const std::string& key, double out[3]) {
  if (!f.has(key)) return;
  const auto& v = f.raw(key);
  if (v.is_number()) {
    out[0] = out[1] = out[2] = v.get<double>();
    return;
  }
  if (!v.is_array() || v.size() != 3 || !v[0].is_number() || !v[1].is_number() || !v[2].is_number())
    f.fail(key, "expected a number or a list of 3 numbers, got " + v.dump());
  for (int i = 0; i < 3; ++i)
    out[i] = v[i].get<double>();
}

}  // namespace

ImageProcessorConfig ImageProcessorConfig::fromJsonText(const std::string& jsonText,
                                                        const std::string& source) {
  const nlohmann::json j = parseJsonObject(jsonText, source);
  const JsonFields f(j, source);
  ImageProcessorConfig p;

  const std::string type = f.has("image_processor_type")
                               ? f.string("image_processor_type", "")
                               : f.string("feature_extractor_type", "CLIPImageProcessor");
  if (type != "CLIPImageProcessor" && type != "CLIPFeatureExtractor")
    f.fail(f.has("image_processor_type") ? "image_processor_type" : "feature_extractor_type",
           "'" + type + "' is not supported (CLIPImageProcessor)");

  // size: an int (legacy) or {"shortest_edge": n}; crop_size: an int or {"height", "width"}.
  p.doResize = f.boolean("do_resize", p.doResize);
  p.shortestEdge = 224;  // CLIPImageProcessor's own default
  if (f.has("size")) {
    const auto& s = j.at("size");
    if (s.is_number_integer()) {
      p.shortestEdge = f.positive("size", 224);
    } else if (s.is_object() && s.contains("shortest_edge")) {
      p.shortestEdge = JsonFields(s, source, "size.").positive("shortest_edge", 224);
    } else {
      f.fail("size", "only an integer or {\"shortest_edge\": n} is supported, got " + s.dump());
    }
  }
  p.doCenterCrop = f.boolean("do_center_crop", p.doCenterCrop);
  p.cropHeight = p.cropWidth = 224;
  if (f.has("crop_size")) {
    const auto& s = j.at("crop_size");
    if (s.is_number_integer()) {
      p.cropHeight = p.cropWidth = f.positive("crop_size", 224);
    } else if (s.is_object() && s.contains("height") && s.contains("width")) {
      JsonFields cf(s, source, "crop_size.");
      p.cropHeight = cf.positive("height", 224);
      p.cropWidth = cf.positive("width", 224);
    } else {
      f.fail("crop_size", "expected an integer or {\"height\": h, \"width\": w}, got " + s.dump());
    }
  }
  p.doRescale = f.boolean("do_rescale", p.doRescale);
  p.rescaleFactor = f.number("rescale_factor", p.rescaleFactor);
  p.doNormalize = f.boolean("do_normalize", p.doNormalize);
  parseMeanStd(f, "image_mean", p.imageMean);
  parseMeanStd(f, "image_std", p.imageStd);
  for (int i = 0; i < 3; ++i) {
    if (!(p.imageStd[i] > 0.0)) f.fail("image_std", "entries must be positive");
  }
  p.resample = static_cast<int>(f.integer("resample", 3));
  if (p.resample != 3)
    f.fail("resample", std::to_string(p.resample) + " is not supported (only 3, bicubic)");
  p.doConvertRgb = f.boolean("do_convert_rgb", p.doConvertRgb);
  const std::string aspect = f.string("image_aspect_ratio", "square");
  if (aspect != "pad" && aspect != "square")
    f.fail("image_aspect_ratio", "'" + aspect + "' is not supported (pad, square)");
  p.padToSquare = aspect == "pad";
  return p;
}

ImageProcessorConfig ImageProcessorConfig::load(const std::filesystem::path& preprocessorJson) {
  return fromJsonText(readTextFile(preprocessorJson.string()), preprocessorJson.string());
}

}  // namespace vitcop::checkpoint
