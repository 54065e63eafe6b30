// Model structure and helpers without reference tensors: parameter names are the classic
// checkpoint names (also for the 7B/13B presets, built on the meta device), random init,
// config errors, prompt parsing and splicing, RoPE with position gaps and linear scaling.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>

#include "core/checkpoint/checkpoint.h"
#include "core/model/activation.h"
#include "core/model/llava_model.h"
#include "core/model/llava_modules.h"
#include "core/model/prompt_layout.h"
#include "tests/support/test_paths.h"

namespace vitcop {
namespace {

checkpoint::LlavaConfig tinyConfig() {
  return checkpoint::LlavaConfig::load(test::dataDir() / "llava-tiny-a" / "config.json");
}

std::map<std::string, std::vector<int64_t>> moduleShapes(const checkpoint::LlavaConfig& cfg,
                                                         const at::TensorOptions& options) {
  model::LlavaForConditionalGenerationImpl m(cfg, options);
  std::map<std::string, std::vector<int64_t>> out;
  for (const auto& item : m.named_parameters(true))
    out[item.key()] = item.value().sizes().vec();
  return out;
}

std::map<std::string, std::vector<int64_t>> expectedShapes(const checkpoint::LlavaConfig& cfg) {
  std::map<std::string, std::vector<int64_t>> out;
  for (const auto& [name, shape] : checkpoint::expectedLlavaTensors(cfg))
    out[name] = shape;
  return out;
}

TEST(LlavaModules, ParameterNamesAreClassicCheckpointNames) {
  const auto cfg = tinyConfig();
  const auto shapes = moduleShapes(cfg, at::TensorOptions().dtype(at::kFloat));
  EXPECT_EQ(shapes, expectedShapes(cfg));
  EXPECT_EQ(shapes.count("vision_tower.vision_model.embeddings.class_embedding"), 1u);
  EXPECT_EQ(shapes.count("vision_tower.vision_model.pre_layrnorm.weight"), 1u);
  EXPECT_EQ(shapes.count("multi_modal_projector.linear_1.weight"), 1u);
  EXPECT_EQ(shapes.count("language_model.model.layers.0.self_attn.q_proj.weight"), 1u);
  EXPECT_EQ(shapes.count("language_model.lm_head.weight"), 1u);
}

TEST(LlavaModules, PresetsHaveTheLlava15Geometry) {
  for (const auto& name : model::presetNames()) {
    SCOPED_TRACE(name);
    const auto cfg = model::presetConfig(name);
    const auto shapes = moduleShapes(cfg, at::TensorOptions().dtype(at::kHalf).device(at::kMeta));
    EXPECT_EQ(shapes, expectedShapes(cfg));
    EXPECT_EQ(cfg.imageTokensPerImage(), 576);
    EXPECT_EQ(shapes.at("language_model.lm_head.weight"),
              (std::vector<int64_t>{32064, cfg.text.hiddenSize}));
    int64_t count = 0;
    for (const auto& [n, s] : shapes) {
      int64_t k = 1;
      for (int64_t d : s)
        k *= d;
      count += k;
    }
    // 7B: 6.76 B LLaMA (32064 vocab) + 0.30 B CLIP + 21 M projector.
    if (name == "llava-1.5-7b") {
      EXPECT_NEAR(static_cast<double>(count), 7.063e9, 0.01e9);
    }
    if (name == "llava-1.5-13b") {
      EXPECT_NEAR(static_cast<double>(count), 13.35e9, 0.05e9);
    }
  }
  EXPECT_THROW(model::presetConfig("llava-2-70b"), std::invalid_argument);
}

TEST(LlavaModules, TiedEmbeddingsHaveNoLmHead) {
  auto cfg = tinyConfig();
  cfg.text.tieWordEmbeddings = true;
  const auto m = model::LlavaModel::randomInit(cfg, at::kFloat, 1);
  const auto names = m->module().named_parameters(true).keys();
  EXPECT_EQ(std::count(names.begin(), names.end(), "language_model.lm_head.weight"), 0);
  auto& lm = m->module().language_model;
  EXPECT_TRUE(lm->headWeight().is_same(lm->model->embed_tokens->weight));
}

TEST(LlavaModules, RandomInitIsDeterministicAndInTheTargetDtype) {
  const auto cfg = tinyConfig();
  const auto a = model::LlavaModel::randomInit(cfg, at::kBFloat16, 7);
  const auto b = model::LlavaModel::randomInit(cfg, at::kBFloat16, 7);
  const auto c = model::LlavaModel::randomInit(cfg, at::kBFloat16, 8);
  const auto pa = a->module().named_parameters(true);
  const auto pb = b->module().named_parameters(true);
  const auto pc = c->module().named_parameters(true);
  const std::string w = "language_model.model.layers.1.mlp.up_proj.weight";
  EXPECT_EQ(pa[w].scalar_type(), at::kBFloat16);
  EXPECT_FALSE(pa[w].requires_grad());
  for (const auto& item : pa)
    EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();
  EXPECT_FALSE(torch::equal(pa[w], pc[w]));
  EXPECT_NEAR(pa[w].to(at::kFloat).std().item<double>(), 0.02, 0.002);
  EXPECT_TRUE(torch::equal(pa["language_model.model.norm.weight"],
                           torch::ones({cfg.text.hiddenSize}, at::kBFloat16)));
  EXPECT_EQ(a->parameterBytes(), a->parameterCount() * 2);
}

// The loader's memory check counts parameters on the meta device: the same count as a built
// model, for plain, GQA and tied-embedding configs and the full llava-1.5-7b preset (7.06 G,
// counted without allocating 28 GB), and the same config errors.
TEST(LlavaModules, ParameterCountOfAConfigNeedsNoWeights) {
  auto cfg = tinyConfig();
  EXPECT_EQ(model::LlavaModel::parameterCountOf(cfg),
            model::LlavaModel::randomInit(cfg, at::kFloat, 1)->parameterCount());
  cfg.text.numKvHeads = 1;
  cfg.text.tieWordEmbeddings = true;
  EXPECT_EQ(model::LlavaModel::parameterCountOf(cfg),
            model::LlavaModel::randomInit(cfg, at::kFloat, 1)->parameterCount());
  const int64_t sevenB = model::LlavaModel::parameterCountOf(model::presetConfig("llava-1.5-7b"));
  EXPECT_GT(sevenB, 7'000'000'000);
  EXPECT_LT(sevenB, 7'100'000'000);
  cfg.text.numKvHeads = 3;  // does not divide the query heads
  EXPECT_THROW(model::LlavaModel::parameterCountOf(cfg), std::invalid_argument);
}

TEST(LlavaModules, ConfigErrorsNameTheKey) {
  auto cfg = tinyConfig();
  cfg.vision.hiddenAct = "swiglu9";
  try {
    model::LlavaModel::randomInit(cfg, at::kFloat, 1);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("vision_config.hidden_act"), std::string::npos)
        << e.what();
  }
  cfg = tinyConfig();
  cfg.visionFeatureLayers = {-5};
  try {
    model::LlavaModel::randomInit(cfg, at::kFloat, 1);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("vision_feature_layer"), std::string::npos) << e.what();
  }
  cfg = tinyConfig();
  cfg.projectorHiddenAct = "bogus";
  EXPECT_THROW(model::LlavaModel::randomInit(cfg, at::kFloat, 1), std::invalid_argument);
}

TEST(LlavaModules, FeatureLayerListConcatenatesAndSkipsUnusedBlocks) {
  auto cfg = tinyConfig();
  cfg.visionFeatureLayers = {-3, -1};
  const auto m = model::LlavaModel::randomInit(cfg, at::kFloat, 1);
  EXPECT_EQ(m->featureHiddenIndices(), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(m->visionBlocksNeeded(), 3);
  EXPECT_EQ(m->module().multi_modal_projector->linear_1->weight.size(1), 2 * cfg.vision.hiddenSize);
  cfg.visionFeatureLayers = {-2};
  EXPECT_EQ(model::LlavaModel::randomInit(cfg, at::kFloat, 1)->visionBlocksNeeded(), 2);
}

TEST(LlavaModules, LoadIsZeroCopyForMatchingDtype) {
  const auto ckpt = checkpoint::Checkpoint::open(test::dataDir() / "llava-tiny-a");
  const auto m = model::LlavaModel::load(ckpt, at::kFloat);
  const std::string name = "language_model.model.layers.2.mlp.down_proj.weight";
  const at::Tensor fromFile = ckpt.load(name, at::kFloat);
  const at::Tensor param = m->module().named_parameters(true)[name];
  EXPECT_TRUE(torch::equal(param, fromFile));
  EXPECT_EQ(param.data_ptr(), fromFile.data_ptr());
  const auto half = model::LlavaModel::load(ckpt, at::kHalf);
  EXPECT_EQ(half->computeDtype(), at::kFloat);
  EXPECT_EQ(half->module().named_parameters(true)[name].scalar_type(), at::kHalf);
}

TEST(PromptLayout, ExpandedAndLegacyFormsParseAlike) {
  const auto cfg = tinyConfig();  // image token 300, 16 per image
  std::vector<int64_t> expanded{1, 17};
  for (int i = 0; i < 16; ++i)
    expanded.push_back(300);
  expanded.insert(expanded.end(), {13, 120});
  const std::vector<int64_t> legacy{1, 17, 300, 13, 120};
  const auto a = model::parsePrompt(expanded, cfg, 1);
  const auto b = model::parsePrompt(legacy, cfg, 1);
  EXPECT_FALSE(a.legacy);
  EXPECT_TRUE(b.legacy);
  EXPECT_EQ(a.textIds, b.textIds);
  EXPECT_EQ(a.imageAfter, b.imageAfter);
  EXPECT_EQ(a.imageAfter, std::vector<int64_t>{2});
  EXPECT_EQ(a.textSource, (std::vector<int64_t>{0, 1, 18, 19}));
}

TEST(PromptLayout, BadIdsAreNamed) {
  const auto cfg = tinyConfig();
  auto expectMessage = [&](const std::vector<int64_t>& ids, int64_t images,
                           const std::string& part) {
    try {
      model::parsePrompt(ids, cfg, images);
      FAIL() << "no exception for " << part;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  expectMessage({1, 320, 300}, 1, "token id 320 at index 1");
  expectMessage({1, -4, 300}, 1, "token id -4");
  expectMessage({1, 300, 300, 5}, 1, "2 image tokens (id 300) for 1 image(s)");
  expectMessage({1, 5}, 1, "0 image tokens");
  std::vector<int64_t> split{1};
  for (int i = 0; i < 8; ++i)
    split.push_back(300);
  split.push_back(5);
  for (int i = 0; i < 8; ++i)
    split.push_back(300);
  expectMessage(split, 1, "not contiguous");
}

TEST(PromptLayout, SpliceTakesAnyNumberOfVisualRows) {
  const auto cfg = tinyConfig();
  const auto layout = model::parsePrompt({1, 17, 300, 13}, cfg, 1);
  const at::Tensor text = torch::arange(3 * 4, torch::kFloat).view({1, 3, 4});
  model::VisualTokens img{torch::full({2, 4}, -1.0f), {{5}, {6, 7}}};
  const auto seq = model::spliceImages(layout, text, {img});
  ASSERT_EQ(seq.embeds.sizes(), (at::IntArrayRef{1, 5, 4}));
  EXPECT_TRUE(torch::equal(seq.embeds[0][2], torch::full({4}, -1.0f)));
  EXPECT_TRUE(torch::equal(seq.embeds[0][4], text[0][2]));
  ASSERT_EQ(seq.tokens.size(), 5u);
  EXPECT_EQ(seq.tokens[3].patches, (std::vector<int32_t>{6, 7}));
  EXPECT_EQ(seq.tokens[4].index, 3);
  EXPECT_THROW(model::spliceImages(layout, text, {}), std::invalid_argument);
}

TEST(Rope, PositionGapsAndLinearScaling) {
  auto text = tinyConfig().text;
  const auto full = model::ropeTables(torch::arange(8, torch::kLong), text, at::kFloat);
  const auto gapped = model::ropeTables(torch::tensor({0, 5, 7}, torch::kLong), text, at::kFloat);
  EXPECT_TRUE(torch::equal(gapped.cos[1], full.cos[5]));
  EXPECT_TRUE(torch::equal(gapped.sin[2], full.sin[7]));
  // rotate_half layout: both halves share the frequencies.
  EXPECT_TRUE(torch::equal(full.cos.narrow(1, 0, 8), full.cos.narrow(1, 8, 8)));
  text.ropeLinearFactor = 2.0;
  const auto scaled = model::ropeTables(torch::tensor({6}, torch::kLong), text, at::kFloat);
  EXPECT_LE((scaled.cos[0] - full.cos[3]).abs().max().item<float>(), 1e-6);
  // x' = x cos + rotate_half(x) sin on one head at position 3.
  const at::Tensor x = torch::randn({1, 1, 1, 16});
  const auto one =
      model::ropeTables(torch::tensor({3}, torch::kLong), tinyConfig().text, at::kFloat);
  const at::Tensor y = model::applyRope(x, one);
  const float a = x[0][0][0][1].item<float>(), b = x[0][0][0][9].item<float>();
  const float c = one.cos[0][1].item<float>(), s = one.sin[0][1].item<float>();
  EXPECT_NEAR(y[0][0][0][1].item<float>(), a * c - b * s, 1e-6);
  EXPECT_NEAR(y[0][0][0][9].item<float>(), b * c + a * s, 1e-6);
}

TEST(Activation, FormulasAndNames) {
  const at::Tensor z = torch::linspace(-4, 4, 33);
  EXPECT_LE((model::activate(z, model::Activation::QuickGelu) - z * torch::sigmoid(1.702 * z))
                .abs()
                .max()
                .item<float>(),
            1e-6);
  EXPECT_LE(
      (model::activate(z, model::Activation::Gelu) - 0.5 * z * (1 + torch::erf(z / std::sqrt(2.0))))
          .abs()
          .max()
          .item<float>(),
      1e-6);
  EXPECT_EQ(model::parseActivation("gelu_pytorch_tanh", "k"), model::Activation::GeluTanh);
  EXPECT_THROW(model::parseActivation("mish", "k"), std::invalid_argument);
}

}  // namespace
}  // namespace vitcop
