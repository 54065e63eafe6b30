// config.json and preprocessor_config.json parsing: the fixture, the defaults transformers
// applies to omitted keys (method-spec 1.2), the original-LLaVA config, and each rejection.
#include "core/checkpoint/llava_config.h"

#include <gtest/gtest.h>

#include "tests/checkpoint/checkpoint_test_util.h"
#include "tests/support/test_paths.h"

namespace vitcop::checkpoint {
namespace {

using testutil::expectErrorNaming;

TEST(LlavaConfig, FixtureConfigParses) {
  const auto c = LlavaConfig::load(test::dataDir() / "llava-tiny-a" / "config.json");
  EXPECT_EQ(c.modelType, "llava");
  EXPECT_EQ(c.imageTokenIndex, 300);
  EXPECT_EQ(c.padTokenId, 301);
  EXPECT_EQ(c.imageSeqLength, 16);
  EXPECT_EQ(c.visionFeatureLayers, std::vector<int64_t>{-2});
  EXPECT_EQ(c.vision.hiddenSize, 32);
  EXPECT_EQ(c.vision.intermediateSize, 128);
  EXPECT_EQ(c.vision.imageSize, 56);
  EXPECT_EQ(c.vision.patchSize, 14);
  EXPECT_EQ(c.vision.numLayers, 3);
  EXPECT_EQ(c.vision.numPatches(), 16);
  EXPECT_EQ(c.imageTokensPerImage(), c.imageSeqLength);
  EXPECT_EQ(c.text.vocabSize, 320);
  EXPECT_EQ(c.text.hiddenSize, 64);
  EXPECT_EQ(c.text.intermediateSize, 176);
  EXPECT_EQ(c.text.numLayers, 3);
  EXPECT_EQ(c.text.numHeads, 4);
  EXPECT_EQ(c.text.numKvHeads, 4);
  EXPECT_EQ(c.text.headDim, 16);
  EXPECT_EQ(c.text.maxPositionEmbeddings, 128);
  EXPECT_DOUBLE_EQ(c.text.rmsNormEps, 1e-5);
  EXPECT_DOUBLE_EQ(c.text.ropeLinearFactor, 1.0);
  EXPECT_FALSE(c.text.tieWordEmbeddings);
}

TEST(LlavaConfig, MinimalConfigTakesTransformersDefaults) {
  const auto c = LlavaConfig::fromJsonText(R"({"model_type": "llava"})", "min.json");
  // Absent vision_config: CLIP ViT-L/14 at 336.
  EXPECT_EQ(c.vision.hiddenSize, 1024);
  EXPECT_EQ(c.vision.intermediateSize, 4096);
  EXPECT_EQ(c.vision.numLayers, 24);
  EXPECT_EQ(c.vision.numHeads, 16);
  EXPECT_EQ(c.vision.imageSize, 336);
  EXPECT_EQ(c.vision.patchSize, 14);
  EXPECT_EQ(c.vision.numPatches(), 576);
  EXPECT_EQ(c.vision.hiddenAct, "quick_gelu");
  // Absent text_config: LlamaConfig(); rms eps 1e-6 and theta 1e4 (LQ-07).
  EXPECT_EQ(c.text.vocabSize, 32000);
  EXPECT_EQ(c.text.hiddenSize, 4096);
  EXPECT_EQ(c.text.intermediateSize, 11008);
  EXPECT_EQ(c.text.numLayers, 32);
  EXPECT_EQ(c.text.numKvHeads, 32);
  EXPECT_EQ(c.text.headDim, 128);
  EXPECT_DOUBLE_EQ(c.text.rmsNormEps, 1e-6);
  EXPECT_DOUBLE_EQ(c.text.ropeTheta, 10000.0);
  EXPECT_EQ(c.text.hiddenAct, "silu");
  EXPECT_FALSE(c.text.attentionBias);
  EXPECT_FALSE(c.text.mlpBias);
  EXPECT_EQ(c.imageTokenIndex, 32000);
  EXPECT_EQ(c.padTokenId, -1);
  EXPECT_EQ(c.projectorHiddenAct, "gelu");
  EXPECT_EQ(c.visionFeatureSelectStrategy, "default");
  EXPECT_EQ(c.visionFeatureLayers, std::vector<int64_t>{-2});
  EXPECT_EQ(c.imageSeqLength, 576);
  EXPECT_TRUE(c.projectorBias);
  EXPECT_EQ(c.imageTokensPerImage(), 576);
}

TEST(LlavaConfig, PresentSubConfigsTakeClassDefaultsForMissingKeys) {
  const auto c = LlavaConfig::fromJsonText(
      R"({"model_type": "llava", "vision_config": {}, "image_token_id": 7,
          "text_config": {"hidden_size": 64, "num_attention_heads": 4, "eos_token_id": [5, 6],
                          "bos_token_id": null},
          "vision_feature_select_strategy": "full", "vision_feature_layer": [-2, -5],
          "multimodal_projector_bias": false})",
      "c.json");
  EXPECT_EQ(c.vision.hiddenSize, 768);
  EXPECT_EQ(c.vision.intermediateSize, 3072);
  EXPECT_EQ(c.vision.numLayers, 12);
  EXPECT_EQ(c.vision.imageSize, 224);
  EXPECT_EQ(c.vision.patchSize, 32);
  EXPECT_EQ(c.imageTokenIndex, 7);
  EXPECT_EQ(c.text.headDim, 16);    // hidden / heads
  EXPECT_EQ(c.text.numKvHeads, 4);  // = heads
  EXPECT_EQ(c.text.eosTokenId, 5);
  EXPECT_EQ(c.text.bosTokenId, -1);
  EXPECT_EQ(c.visionFeatureLayers, (std::vector<int64_t>{-2, -5}));
  EXPECT_EQ(c.imageTokensPerImage(), 50);  // 7x7 + CLS
  EXPECT_FALSE(c.projectorBias);
}

TEST(LlavaConfig, RopeScaling) {
  auto withRope = [](const std::string& rope) {
    return LlavaConfig::fromJsonText(
        R"({"model_type": "llava", "text_config": {"rope_scaling": )" + rope + "}}", "r.json");
  };
  EXPECT_DOUBLE_EQ(withRope("null").text.ropeLinearFactor, 1.0);
  EXPECT_DOUBLE_EQ(withRope(R"({"type": "linear", "factor": 2.0})").text.ropeLinearFactor, 2.0);
  EXPECT_DOUBLE_EQ(withRope(R"({"rope_type": "linear", "factor": 4})").text.ropeLinearFactor, 4.0);
  expectErrorNaming([&] { withRope(R"({"type": "dynamic", "factor": 2.0})"); },
                    {"r.json", "text_config.rope_scaling", "dynamic"});
  expectErrorNaming([&] { withRope(R"({"rope_type": "llama3", "factor": 8.0})"); },
                    {"r.json", "rope_scaling", "llama3"});
  expectErrorNaming([&] { withRope(R"({"type": "linear"})"); }, {"rope_scaling", "factor"});
  expectErrorNaming([&] { withRope("3"); }, {"rope_scaling"});
}

TEST(LlavaConfig, UnsupportedModelTypeListsSupportedOnes) {
  expectErrorNaming([] { LlavaConfig::fromJsonText(R"({"model_type": "llava_next"})", "x.json"); },
                    {"x.json", "model_type", "llava_next", "supported: llava"});
  expectErrorNaming([] { LlavaConfig::fromJsonText(R"({"text_config": {}})", "x.json"); },
                    {"x.json", "model_type", "llava"});
  expectErrorNaming(
      [] {
        LlavaConfig::fromJsonText(
            R"({"model_type": "llava", "text_config": {"model_type": "mistral"}})", "x.json");
      },
      {"text_config.model_type", "mistral"});
  expectErrorNaming(
      [] {
        LlavaConfig::fromJsonText(
            R"({"model_type": "llava", "vision_config": {"model_type": "siglip_vision_model"}})",
            "x.json");
      },
      {"vision_config.model_type", "siglip"});
}

TEST(LlavaConfig, MalformedValuesNameTheKey) {
  auto parse = [](const std::string& text) { LlavaConfig::fromJsonText(text, "bad.json"); };
  expectErrorNaming([&] { parse("{\"model_type\": \"llava\",\n"); }, {"bad.json", "JSON"});
  expectErrorNaming([&] { parse("[]"); }, {"bad.json", "object"});
  expectErrorNaming(
      [&] { parse(R"({"model_type": "llava", "text_config": {"hidden_size": "64"}})"); },
      {"bad.json", "text_config.hidden_size"});
  expectErrorNaming(
      [&] { parse(R"({"model_type": "llava", "text_config": {"num_hidden_layers": 0}})"); },
      {"text_config.num_hidden_layers"});
  expectErrorNaming(
      [&] {
        parse(
            R"({"model_type": "llava", "text_config": {"hidden_size": 64, "num_attention_heads": 5}})");
      },
      {"text_config.hidden_size", "divisible"});
  expectErrorNaming(
      [&] { parse(R"({"model_type": "llava", "text_config": {"num_key_value_heads": 5}})"); },
      {"text_config.num_key_value_heads"});
  expectErrorNaming([&] { parse(R"({"model_type": "llava", "vision_feature_layer": -26})"); },
                    {"vision_feature_layer", "-26"});
  expectErrorNaming([&] { parse(R"({"model_type": "llava", "vision_feature_layer": "x"})"); },
                    {"vision_feature_layer"});
  expectErrorNaming(
      [&] { parse(R"({"model_type": "llava", "vision_feature_select_strategy": "cls"})"); },
      {"vision_feature_select_strategy", "cls"});
  expectErrorNaming([&] { parse(R"({"model_type": "llava", "text_config": 3})"); },
                    {"text_config"});
  expectErrorNaming(
      [&] { parse(R"({"model_type": "llava", "vision_config": {"patch_size": 500}})"); },
      {"vision_config.patch_size"});
}

TEST(LlavaConfig, MissingFileIsNamed) {
  expectErrorNaming([] { LlavaConfig::load("/nonexistent-dir/config.json"); },
                    {"/nonexistent-dir/config.json"});
}

// liuhaotian/llava-v1.5-7b/config.json, as released (keys that matter kept).
const char* kOriginalConfig = R"({
  "architectures": ["LlavaLlamaForCausalLM"], "bos_token_id": 1, "eos_token_id": 2,
  "freeze_mm_mlp_adapter": false, "hidden_act": "silu", "hidden_size": 4096,
  "image_aspect_ratio": "pad", "initializer_range": 0.02, "intermediate_size": 11008,
  "max_length": 4096, "max_position_embeddings": 4096, "mm_hidden_size": 1024,
  "mm_patch_merge_type": "flat", "mm_projector_lr": null, "mm_projector_type": "mlp2x_gelu",
  "mm_use_im_patch_token": false, "mm_use_im_start_end": false, "mm_vision_select_feature": "patch",
  "mm_vision_select_layer": -2, "mm_vision_tower": "openai/clip-vit-large-patch14-336",
  "model_type": "llava_llama", "num_attention_heads": 32, "num_hidden_layers": 32,
  "num_key_value_heads": 32, "pad_token_id": 0, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
  "rope_scaling": null, "tie_word_embeddings": false, "torch_dtype": "float16",
  "transformers_version": "4.31.0", "tokenizer_model_max_length": 2048,
  "tokenizer_padding_side": "right", "tune_mm_mlp_adapter": false, "use_cache": true,
  "use_mm_proj": true, "vocab_size": 32000})";

TEST(LlavaConfig, OriginalLlavaConfig) {
  const auto c = LlavaConfig::fromJsonText(kOriginalConfig, "orig.json");
  EXPECT_EQ(c.modelType, "llava_llama");
  EXPECT_EQ(c.text.vocabSize, 32000);
  EXPECT_EQ(c.text.hiddenSize, 4096);
  EXPECT_EQ(c.text.numLayers, 32);
  EXPECT_DOUBLE_EQ(c.text.rmsNormEps, 1e-5);
  EXPECT_EQ(c.vision.hiddenSize, 1024);
  EXPECT_EQ(c.vision.imageSize, 336);
  EXPECT_EQ(c.vision.patchSize, 14);
  EXPECT_EQ(c.visionFeatureLayers, std::vector<int64_t>{-2});
  EXPECT_EQ(c.visionFeatureSelectStrategy, "default");
  EXPECT_EQ(c.imageAspectRatio, "pad");
  EXPECT_EQ(c.imageTokenIndex, -200);
  EXPECT_EQ(c.imageSeqLength, 576);
  EXPECT_EQ(c.tokenizerModelMaxLength, 2048);
  EXPECT_EQ(c.mmVisionTower, "openai/clip-vit-large-patch14-336");
  EXPECT_TRUE(c.projectorBias);
}

TEST(LlavaConfig, OriginalLlavaRejectsWhatItCannotRun) {
  auto edited = [](const std::string& key, const std::string& value) {
    std::string text = kOriginalConfig;
    const std::string needle = "\"" + key + "\": ";
    const size_t at = text.find(needle) + needle.size();
    const size_t end = text.find_first_of(",}", at);
    return text.substr(0, at) + value + text.substr(end);
  };
  expectErrorNaming(
      [&] { LlavaConfig::fromJsonText(edited("mm_projector_type", "\"linear\""), "o.json"); },
      {"o.json", "mm_projector_type", "linear"});
  expectErrorNaming(
      [&] {
        LlavaConfig::fromJsonText(edited("mm_patch_merge_type", "\"spatial_unpad\""), "o.json");
      },
      {"mm_patch_merge_type"});
  expectErrorNaming(
      [&] { LlavaConfig::fromJsonText(edited("image_aspect_ratio", "\"anyres\""), "o.json"); },
      {"image_aspect_ratio", "anyres"});
  expectErrorNaming(
      [&] { LlavaConfig::fromJsonText(edited("mm_vision_tower", "\"google/siglip\""), "o.json"); },
      {"mm_vision_tower", "siglip"});
  expectErrorNaming([&] { LlavaConfig::fromJsonText(edited("mm_hidden_size", "768"), "o.json"); },
                    {"mm_hidden_size"});
  expectErrorNaming(
      [&] {
        LlavaConfig::fromJsonText(edited("rope_scaling", R"({"type": "dynamic", "factor": 2})"),
                                  "o.json");
      },
      {"rope_scaling", "dynamic"});
}

TEST(LlavaConfig, ClipTowersByNameAndByConfig) {
  auto large = clipVisionFromName("openai/clip-vit-large-patch14");
  ASSERT_TRUE(large.has_value());
  EXPECT_EQ(large->hiddenSize, 1024);
  EXPECT_EQ(large->numLayers, 24);
  EXPECT_EQ(large->imageSize, 224);
  auto base = clipVisionFromName("clip-vit-base-patch32");
  ASSERT_TRUE(base.has_value());
  EXPECT_EQ(base->hiddenSize, 768);
  EXPECT_EQ(base->patchSize, 32);
  EXPECT_FALSE(clipVisionFromName("openai/clip-vit-huge-patch14").has_value());
  EXPECT_FALSE(clipVisionFromName("my-clip-vit-large-patch14-336-finetuned").has_value());

  const VisionConfig v = clipVisionFromJsonText(
      R"({"model_type": "clip", "vision_config": {"hidden_size": 32, "num_attention_heads": 4, "image_size": 56,
          "patch_size": 14}, "text_config": {"hidden_size": 16}})",
      "clip.json");
  EXPECT_EQ(v.hiddenSize, 32);
  EXPECT_EQ(v.numPatches(), 16);
  EXPECT_EQ(v.numLayers, 12);  // CLIPVisionConfig default
  expectErrorNaming([] { clipVisionFromJsonText(R"({"model_type": "siglip"})", "clip.json"); },
                    {"clip.json", "model_type", "siglip"});
  // The tower's own config wins over the name.
  std::string text = kOriginalConfig;
  const std::string width = "\"mm_hidden_size\": 1024";
  text.replace(text.find(width), width.size(), "\"mm_hidden_size\": 32");
  const auto c = LlavaConfig::fromJsonText(text, "orig.json", v);
  EXPECT_EQ(c.vision.hiddenSize, 32);
  EXPECT_EQ(c.imageSeqLength, 16);
}

TEST(ImageProcessorConfig, FixtureParses) {
  const auto p =
      ImageProcessorConfig::load(test::dataDir() / "llava-tiny-a" / "preprocessor_config.json");
  EXPECT_EQ(p.shortestEdge, 56);
  EXPECT_EQ(p.cropHeight, 56);
  EXPECT_EQ(p.cropWidth, 56);
  EXPECT_TRUE(p.doResize && p.doCenterCrop && p.doRescale && p.doNormalize && p.doConvertRgb);
  EXPECT_DOUBLE_EQ(p.rescaleFactor, 0.00392156862745098);
  EXPECT_DOUBLE_EQ(p.imageMean[1], 0.4578275);
  EXPECT_DOUBLE_EQ(p.imageStd[2], 0.27577711);
  EXPECT_EQ(p.resample, 3);
  EXPECT_FALSE(p.padToSquare);
}

TEST(ImageProcessorConfig, DefaultsAndAlternativeSpellings) {
  const auto empty = ImageProcessorConfig::fromJsonText("{}", "p.json");
  EXPECT_EQ(empty.shortestEdge, 224);  // CLIPImageProcessor's class defaults
  EXPECT_EQ(empty.cropHeight, 224);
  EXPECT_DOUBLE_EQ(empty.imageMean[0], 0.48145466);
  EXPECT_DOUBLE_EQ(empty.rescaleFactor, 1.0 / 255.0);

  const auto legacy = ImageProcessorConfig::fromJsonText(
      R"({"size": 336, "crop_size": 300, "do_center_crop": false, "image_mean": 0.5,
          "image_std": [0.25, 0.5, 1.0], "image_aspect_ratio": "pad",
          "feature_extractor_type": "CLIPFeatureExtractor"})",
      "p.json");
  EXPECT_EQ(legacy.shortestEdge, 336);
  EXPECT_EQ(legacy.cropHeight, 300);
  EXPECT_EQ(legacy.cropWidth, 300);
  EXPECT_FALSE(legacy.doCenterCrop);
  EXPECT_DOUBLE_EQ(legacy.imageMean[2], 0.5);
  EXPECT_DOUBLE_EQ(legacy.imageStd[1], 0.5);
  EXPECT_TRUE(legacy.padToSquare);
}

TEST(ImageProcessorConfig, RejectionsNameTheKey) {
  auto parse = [](const std::string& text) { ImageProcessorConfig::fromJsonText(text, "pp.json"); };
  expectErrorNaming([&] { parse(R"({"resample": 2})"); }, {"pp.json", "resample", "2"});
  expectErrorNaming([&] { parse(R"({"size": {"height": 336, "width": 336}})"); },
                    {"pp.json", "size"});
  expectErrorNaming([&] { parse(R"({"crop_size": {"height": 336}})"); }, {"crop_size"});
  expectErrorNaming([&] { parse(R"({"image_mean": [0.5, 0.5]})"); }, {"image_mean"});
  expectErrorNaming([&] { parse(R"({"image_std": [0.5, 0.0, 0.5]})"); }, {"image_std"});
  expectErrorNaming([&] { parse(R"({"do_resize": "yes"})"); }, {"do_resize"});
  expectErrorNaming([&] { parse(R"({"image_processor_type": "SiglipImageProcessor"})"); },
                    {"image_processor_type", "Siglip"});
  expectErrorNaming([&] { parse(R"({"image_aspect_ratio": "anyres"})"); }, {"image_aspect_ratio"});
  expectErrorNaming([&] { parse("{"); }, {"pp.json", "JSON"});
}

}  // namespace
}  // namespace vitcop::checkpoint
