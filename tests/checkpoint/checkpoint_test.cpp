// Checkpoint::open on the tiny fixture and on variants written to a temp dir: sharded, renamed
// (newer and original layouts), F16/BF16, tied embeddings, optional biases, and each rejection.
#include "core/checkpoint/checkpoint.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "core/checkpoint/safetensors_writer.h"
#include "tests/checkpoint/checkpoint_test_util.h"
#include "tests/support/test_paths.h"

namespace vitcop::checkpoint {
namespace {

namespace fs = std::filesystem;
using testutil::expectErrorNaming;
using testutil::TempDir;
using Named = std::vector<std::pair<std::string, at::Tensor>>;

fs::path fixtureDir() {
  return test::dataDir() / "llava-tiny-a";
}

// The fixture's tensors in file order, as owned copies.
Named fixtureTensors() {
  auto f = SafetensorsFile::open(fixtureDir() / "model.safetensors");
  std::vector<const TensorEntry*> order;
  for (const auto& kv : f->entries())
    order.push_back(&kv.second);
  std::sort(order.begin(), order.end(),
            [](const TensorEntry* a, const TensorEntry* b) { return a->begin < b->begin; });
  Named out;
  for (const auto* e : order)
    out.emplace_back(e->name, f->load(e->name).clone());
  return out;
}

nlohmann::json fixtureConfig() {
  return nlohmann::json::parse(testutil::readBytes(fixtureDir() / "config.json"));
}

// A model directory: config.json (edited), the fixture's preprocessor_config.json, and
// `tensors` in one file or split round-robin into `shards` files plus an index.
void writeModelDir(const fs::path& dir, const Named& tensors, const nlohmann::json& config,
                   int shards = 1) {
  testutil::writeBytes(dir / "config.json", config.dump(2));
  fs::copy_file(fixtureDir() / "preprocessor_config.json", dir / "preprocessor_config.json",
                fs::copy_options::overwrite_existing);
  if (shards == 1) {
    writeSafetensors(dir / "model.safetensors", tensors, {{"format", "pt"}});
    return;
  }
  std::vector<Named> parts(shards);
  nlohmann::json index = {{"metadata", {{"total_size", 0}}},
                          {"weight_map", nlohmann::json::object()}};
  for (size_t i = 0; i < tensors.size(); ++i) {
    const int k = static_cast<int>(i % shards);
    parts[k].push_back(tensors[i]);
    char name[64];
    std::snprintf(name, sizeof name, "model-%05d-of-%05d.safetensors", k + 1, shards);
    index["weight_map"][tensors[i].first] = name;
  }
  for (int k = 0; k < shards; ++k) {
    char name[64];
    std::snprintf(name, sizeof name, "model-%05d-of-%05d.safetensors", k + 1, shards);
    writeSafetensors(dir / name, parts[k], {{"format", "pt"}});
  }
  testutil::writeBytes(dir / "model.safetensors.index.json", index.dump(2));
}

Named renamed(const Named& tensors, const std::function<std::string(const std::string&)>& fn) {
  Named out;
  for (const auto& [n, t] : tensors)
    out.emplace_back(fn(n), t);
  return out;
}

Named without(const Named& tensors, const std::string& name) {
  Named out;
  for (const auto& kv : tensors) {
    if (kv.first != name) out.push_back(kv);
  }
  return out;
}

std::string replacePrefix(const std::string& s, const std::string& from, const std::string& to) {
  return s.rfind(from, 0) == 0 ? to + s.substr(from.size()) : s;
}

// Every tensor of `ck` equals the fixture's tensor of the same classic name.
void expectSameAsFixture(const Checkpoint& ck) {
  const Named ref = fixtureTensors();
  EXPECT_EQ(ck.names().size(), ref.size());
  for (const auto& [name, t] : ref) {
    ASSERT_TRUE(ck.has(name)) << name;
    EXPECT_TRUE(ck.load(name, at::kFloat).equal(t)) << name;
  }
}

TEST(Checkpoint, FixtureOpensAndMatchesEveryExpectedShape) {
  const Checkpoint ck = Checkpoint::open(fixtureDir());
  EXPECT_EQ(ck.layout(), KeyLayout::Classic);
  EXPECT_EQ(ck.config().text.vocabSize, 320);
  EXPECT_EQ(ck.imageProcessor().shortestEdge, 56);
  const auto expected = expectedLlavaTensors(ck.config());
  EXPECT_EQ(expected.size(), ck.names().size());
  for (const auto& [name, shape] : expected) {
    ASSERT_TRUE(ck.has(name)) << name;
    EXPECT_EQ(ck.shape(name), shape) << name;
    EXPECT_EQ(ck.load(name, at::kFloat).sizes().vec(), shape) << name;
  }
  // Zero-copy: two loads share storage; a converted load does not.
  const std::string w = "language_model.model.layers.1.mlp.up_proj.weight";
  EXPECT_EQ(ck.load(w, at::kFloat).data_ptr(), ck.load(w, at::kFloat).data_ptr());
  at::Tensor bf = ck.load(w, at::kBFloat16);
  EXPECT_EQ(bf.scalar_type(), at::kBFloat16);
  EXPECT_NE(bf.data_ptr(), ck.load(w, at::kFloat).data_ptr());
  expectErrorNaming([&] { ck.load("language_model.no_such.weight", at::kFloat); },
                    {"llava-tiny-a", "language_model.no_such.weight"});
}

TEST(Checkpoint, ExpectedTensorsFollowConfigSwitches) {
  LlavaConfig c = LlavaConfig::fromJsonText(R"({"model_type": "llava"})", "c.json");
  auto count = [](const LlavaConfig& cfg, const std::string& suffix) {
    int n = 0;
    for (const auto& kv : expectedLlavaTensors(cfg)) {
      if (kv.first.size() >= suffix.size() &&
          kv.first.compare(kv.first.size() - suffix.size(), suffix.size(), suffix) == 0)
        ++n;
    }
    return n;
  };
  // LLaVA-1.5-7B: 24 CLIP blocks x 16 + 7 embed/pre/post + 4 projector + 32 x 9 + 3.
  EXPECT_EQ(expectedLlavaTensors(c).size(), 24u * 16 + 7 + 4 + 32 * 9 + 3);
  EXPECT_EQ(count(c, "q_proj.bias"), 24);  // vision only
  c.text.attentionBias = true;
  c.text.mlpBias = true;
  c.projectorBias = false;
  EXPECT_EQ(count(c, "q_proj.bias"), 24 + 32);
  EXPECT_EQ(count(c, "o_proj.bias"), 32);
  EXPECT_EQ(count(c, "gate_proj.bias"), 32);
  EXPECT_EQ(count(c, "linear_1.bias"), 0);
  c.visionFeatureLayers = {-2, -3};
  for (const auto& [name, shape] : expectedLlavaTensors(c)) {
    if (name == "multi_modal_projector.linear_1.weight") {
      EXPECT_EQ(shape, (std::vector<int64_t>{4096, 2048}));
    }
  }
}

TEST(Checkpoint, ClassicNameMapping) {
  KeyLayout l = KeyLayout::Classic;
  EXPECT_EQ(classicTensorName("model.language_model.layers.0.mlp.up_proj.weight", &l),
            "language_model.model.layers.0.mlp.up_proj.weight");
  EXPECT_EQ(l, KeyLayout::Newer);
  EXPECT_EQ(
      classicTensorName("model.vision_tower.vision_tower.vision_model.post_layernorm.bias", &l),
      "vision_tower.vision_model.post_layernorm.bias");
  EXPECT_EQ(l, KeyLayout::Original);
  EXPECT_EQ(classicTensorName("model.vision_tower.vision_model.post_layernorm.bias", &l),
            "vision_tower.vision_model.post_layernorm.bias");
  EXPECT_EQ(l, KeyLayout::Newer);
  EXPECT_EQ(classicTensorName("model.mm_projector.2.weight"),
            "multi_modal_projector.linear_2.weight");
  EXPECT_EQ(classicTensorName("model.norm.weight"), "language_model.model.norm.weight");
  EXPECT_EQ(classicTensorName("lm_head.weight"), "language_model.lm_head.weight");
  EXPECT_EQ(classicTensorName("vision_model.encoder.layers.0.mlp.fc1.bias"),
            "vision_tower.vision_model.encoder.layers.0.mlp.fc1.bias");
  EXPECT_EQ(classicTensorName("model.layers.3.self_attn.rotary_emb.inv_freq"), "");
  EXPECT_EQ(classicTensorName("vision_tower.vision_model.embeddings.position_ids"), "");
  EXPECT_EQ(classicTensorName("text_model.encoder.layers.0.mlp.fc1.bias"), "");
  EXPECT_EQ(classicTensorName("something.else"), "something.else");
}

TEST(Checkpoint, ShardedCopyLoadsIdenticalTensors) {
  TempDir dir;
  writeModelDir(dir.path(), fixtureTensors(), fixtureConfig(), 3);
  ASSERT_FALSE(fs::exists(dir / "model.safetensors"));
  expectSameAsFixture(Checkpoint::open(dir.path()));
}

TEST(Checkpoint, NewerKeyLayoutLoadsIdenticalTensors) {
  TempDir dir;
  Named t = renamed(fixtureTensors(), [](const std::string& n) {
    std::string s = replacePrefix(n, "language_model.model.", "model.language_model.");
    s = replacePrefix(s, "language_model.lm_head.", "lm_head.");
    s = replacePrefix(s, "vision_tower.", "model.vision_tower.");
    return replacePrefix(s, "multi_modal_projector.", "model.multi_modal_projector.");
  });
  ASSERT_EQ(t.front().first.rfind("model.vision_tower.", 0), 0u);
  writeModelDir(dir.path(), t, fixtureConfig(), 2);
  const Checkpoint ck = Checkpoint::open(dir.path());
  EXPECT_EQ(ck.layout(), KeyLayout::Newer);
  expectSameAsFixture(ck);
}

TEST(Checkpoint, OriginalKeyLayoutWithIgnoredBuffersLoadsIdenticalTensors) {
  TempDir dir;
  Named t = renamed(fixtureTensors(), [](const std::string& n) {
    std::string s = replacePrefix(n, "language_model.model.", "model.");
    s = replacePrefix(s, "language_model.lm_head.", "lm_head.");
    s = replacePrefix(s, "vision_tower.", "model.vision_tower.vision_tower.");
    s = replacePrefix(s, "multi_modal_projector.linear_1.", "model.mm_projector.0.");
    return replacePrefix(s, "multi_modal_projector.linear_2.", "model.mm_projector.2.");
  });
  t.emplace_back("model.layers.0.self_attn.rotary_emb.inv_freq", torch::ones({8}));
  t.emplace_back("model.vision_tower.vision_tower.vision_model.embeddings.position_ids",
                 torch::arange(17).view({1, 17}));
  writeModelDir(dir.path(), t, fixtureConfig());
  const Checkpoint ck = Checkpoint::open(dir.path());
  EXPECT_EQ(ck.layout(), KeyLayout::Original);
  expectSameAsFixture(ck);
}

TEST(Checkpoint, HalfAndBfloat16CopiesConvertWithinRounding) {
  for (auto dtype : {at::kHalf, at::kBFloat16}) {
    TempDir dir;
    Named t = fixtureTensors();
    for (auto& kv : t)
      kv.second = kv.second.to(dtype);
    writeModelDir(dir.path(), t, fixtureConfig());
    const Checkpoint ck = Checkpoint::open(dir.path());
    const double rel = dtype == at::kHalf ? 1.0 / 2048 : 1.0 / 256;
    for (const auto& [name, ref] : fixtureTensors()) {
      at::Tensor got = ck.load(name, at::kFloat);
      ASSERT_EQ(got.scalar_type(), at::kFloat);
      EXPECT_TRUE(got.equal(ref.to(dtype).to(at::kFloat))) << name;
      // f16 subnormals (|x| < 6e-5) round in absolute steps of 2^-24.
      EXPECT_TRUE((got - ref).abs().le(ref.abs() * rel + 6e-8).all().item<bool>()) << name;
    }
    // The stored dtype loads zero-copy.
    const std::string w = "language_model.model.embed_tokens.weight";
    EXPECT_EQ(ck.load(w, dtype).data_ptr(), ck.load(w, dtype).data_ptr());
  }
}

TEST(Checkpoint, TiedEmbeddingsMakeTheLmHeadOptional) {
  TempDir dir;
  auto config = fixtureConfig();
  config["text_config"]["tie_word_embeddings"] = true;
  writeModelDir(dir.path(), without(fixtureTensors(), "language_model.lm_head.weight"), config);
  const Checkpoint ck = Checkpoint::open(dir.path());
  EXPECT_TRUE(ck.has("language_model.lm_head.weight"));
  EXPECT_EQ(ck.shape("language_model.lm_head.weight"), (std::vector<int64_t>{320, 64}));
  at::Tensor head = ck.load("language_model.lm_head.weight", at::kFloat);
  at::Tensor embed = ck.load("language_model.model.embed_tokens.weight", at::kFloat);
  EXPECT_EQ(head.data_ptr(), embed.data_ptr());
}

TEST(Checkpoint, OptionalBiasesFollowTheConfig) {
  TempDir dir;
  auto config = fixtureConfig();
  config["text_config"]["attention_bias"] = true;
  config["text_config"]["mlp_bias"] = true;
  config["multimodal_projector_bias"] = false;
  Named t = without(without(fixtureTensors(), "multi_modal_projector.linear_1.bias"),
                    "multi_modal_projector.linear_2.bias");
  for (int i = 0; i < 3; ++i) {
    const std::string l = "language_model.model.layers." + std::to_string(i) + ".";
    for (const char* p : {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                          "self_attn.o_proj", "mlp.down_proj"})
      t.emplace_back(l + p + ".bias", torch::randn({64}));
    t.emplace_back(l + "mlp.gate_proj.bias", torch::randn({176}));
    t.emplace_back(l + "mlp.up_proj.bias", torch::randn({176}));
  }
  writeModelDir(dir.path(), t, config);
  const Checkpoint ck = Checkpoint::open(dir.path());
  EXPECT_TRUE(ck.has("language_model.model.layers.2.mlp.up_proj.bias"));
  EXPECT_FALSE(ck.has("multi_modal_projector.linear_1.bias"));
}

TEST(Checkpoint, NoPreprocessorFileDerivesTheProcessorFromTheVisionConfig) {
  TempDir dir;
  writeModelDir(dir.path(), fixtureTensors(), fixtureConfig());
  fs::remove(dir / "preprocessor_config.json");
  const Checkpoint ck = Checkpoint::open(dir.path());
  EXPECT_EQ(ck.imageProcessor().shortestEdge, 56);
  EXPECT_EQ(ck.imageProcessor().cropHeight, 56);
  EXPECT_EQ(ck.imageProcessor().cropWidth, 56);
  EXPECT_EQ(ck.imageProcessor().resample, 3);
}

// An original-LLaVA directory: LLaMA + projector under original names, config.json in the
// liuhaotian style, and the vision tower as a separate CLIP checkpoint in <dir>/clip-tiny.
void writeOriginalDir(const fs::path& dir, bool withTower) {
  const auto hf = fixtureConfig();
  nlohmann::json config = hf["text_config"];
  config["model_type"] = "llava_llama";
  config["mm_vision_tower"] = "someone/clip-tiny";
  config["mm_hidden_size"] = 32;
  config["mm_projector_type"] = "mlp2x_gelu";
  config["mm_vision_select_layer"] = -2;
  config["mm_vision_select_feature"] = "patch";
  config["image_aspect_ratio"] = "pad";
  testutil::writeBytes(dir / "config.json", config.dump(2));
  Named llm, vision;
  for (const auto& [n, t] : fixtureTensors()) {
    if (n.rfind("vision_tower.", 0) == 0) {
      vision.emplace_back(n.substr(std::string("vision_tower.").size()), t);
      continue;
    }
    std::string s = replacePrefix(n, "language_model.model.", "model.");
    s = replacePrefix(s, "language_model.lm_head.", "lm_head.");
    s = replacePrefix(s, "multi_modal_projector.linear_1.", "model.mm_projector.0.");
    llm.emplace_back(replacePrefix(s, "multi_modal_projector.linear_2.", "model.mm_projector.2."),
                     t);
  }
  writeSafetensors(dir / "model.safetensors", llm);
  if (!withTower) return;
  // The CLIP checkpoint also carries its text side, which the loader ignores.
  vision.emplace_back("text_model.embeddings.token_embedding.weight", torch::zeros({10, 16}));
  vision.emplace_back("visual_projection.weight", torch::zeros({16, 32}));
  vision.emplace_back("logit_scale", torch::ones({}));
  fs::create_directories(dir / "clip-tiny");
  writeSafetensors(dir / "clip-tiny" / "model.safetensors", vision);
  nlohmann::json clip = {{"model_type", "clip"}, {"vision_config", hf["vision_config"]}};
  testutil::writeBytes(dir / "clip-tiny" / "config.json", clip.dump());
  fs::copy_file(fixtureDir() / "preprocessor_config.json",
                dir / "clip-tiny" / "preprocessor_config.json");
}

TEST(Checkpoint, OriginalLlavaWithSeparateClipTower) {
  TempDir dir;
  writeOriginalDir(dir.path(), true);
  const Checkpoint ck = Checkpoint::open(dir.path());
  EXPECT_EQ(ck.layout(), KeyLayout::Original);
  EXPECT_EQ(ck.config().modelType, "llava_llama");
  EXPECT_EQ(ck.config().vision.hiddenSize, 32);
  EXPECT_EQ(ck.config().imageTokenIndex, -200);
  EXPECT_EQ(ck.config().imageSeqLength, 16);
  EXPECT_TRUE(ck.imageProcessor().padToSquare);
  EXPECT_EQ(ck.imageProcessor().shortestEdge, 56);  // from the tower's processor file
  expectSameAsFixture(ck);
}

TEST(CheckpointErrors, OriginalLlavaWithoutItsClipTower) {
  TempDir dir;
  writeOriginalDir(dir.path(), false);
  // No tower directory: the name is no OpenAI CLIP, so config.json cannot describe the tower.
  expectErrorNaming([&] { Checkpoint::open(dir.path()); },
                    {"config.json", "mm_vision_tower", "someone/clip-tiny"});
  // With a known CLIP name but no tower weights: the weights lack the vision tower.
  auto config = nlohmann::json::parse(testutil::readBytes(dir / "config.json"));
  config["mm_vision_tower"] = "openai/clip-vit-large-patch14-336";
  config["mm_hidden_size"] = 1024;
  testutil::writeBytes(dir / "config.json", config.dump());
  expectErrorNaming([&] { Checkpoint::open(dir.path()); },
                    {"model.safetensors", "no vision tower", "openai/clip-vit-large-patch14-336"});
}

// ---- rejections: each names the file and the tensor or key ----

TEST(CheckpointErrors, MissingTensor) {
  TempDir dir;
  writeModelDir(dir.path(),
                without(fixtureTensors(), "language_model.model.layers.1.mlp.down_proj.weight"),
                fixtureConfig());
  expectErrorNaming(
      [&] { Checkpoint::open(dir.path()); },
      {"model.safetensors", "missing", "language_model.model.layers.1.mlp.down_proj.weight"});
}

TEST(CheckpointErrors, MissingLmHeadWhenNotTied) {
  TempDir dir;
  writeModelDir(dir.path(), without(fixtureTensors(), "language_model.lm_head.weight"),
                fixtureConfig());
  expectErrorNaming([&] { Checkpoint::open(dir.path()); },
                    {"model.safetensors", "language_model.lm_head.weight"});
}

TEST(CheckpointErrors, UnexpectedTensor) {
  TempDir dir;
  Named t = fixtureTensors();
  t.emplace_back("language_model.model.layers.0.self_attn.q_proj.bias", torch::zeros({64}));
  writeModelDir(dir.path(), t, fixtureConfig());
  expectErrorNaming(
      [&] { Checkpoint::open(dir.path()); },
      {"model.safetensors", "unexpected", "language_model.model.layers.0.self_attn.q_proj.bias"});
}

TEST(CheckpointErrors, ProjectorBiasWhenConfigSaysNone) {
  TempDir dir;
  auto config = fixtureConfig();
  config["multimodal_projector_bias"] = false;
  writeModelDir(dir.path(), fixtureTensors(), config);
  expectErrorNaming([&] { Checkpoint::open(dir.path()); },
                    {"unexpected", "multi_modal_projector.linear_1.bias", "1 more"});
}

TEST(CheckpointErrors, WrongShape) {
  TempDir dir;
  Named t = fixtureTensors();
  for (auto& kv : t) {
    if (kv.first == "vision_tower.vision_model.embeddings.position_embedding.weight")
      kv.second = torch::zeros({18, 32});
  }
  writeModelDir(dir.path(), t, fixtureConfig());
  expectErrorNaming(
      [&] { Checkpoint::open(dir.path()); },
      {"model.safetensors", "vision_tower.vision_model.embeddings.position_embedding.weight",
       "[18,32]", "[17,32]"});
}

TEST(CheckpointErrors, IntegerWeight) {
  TempDir dir;
  Named t = fixtureTensors();
  for (auto& kv : t) {
    if (kv.first == "language_model.model.norm.weight") kv.second = torch::ones({64}, at::kLong);
  }
  writeModelDir(dir.path(), t, fixtureConfig());
  expectErrorNaming([&] { Checkpoint::open(dir.path()); },
                    {"model.safetensors", "language_model.model.norm.weight", "I64"});
}

TEST(CheckpointErrors, SameTensorUnderTwoNames) {
  TempDir dir;
  Named t = fixtureTensors();
  t.emplace_back("lm_head.weight", torch::zeros({320, 64}));
  writeModelDir(dir.path(), t, fixtureConfig());
  expectErrorNaming([&] { Checkpoint::open(dir.path()); },
                    {"model.safetensors", "lm_head.weight", "language_model.lm_head.weight"});
}

TEST(CheckpointErrors, SameTensorInTwoShards) {
  TempDir dir;
  writeModelDir(dir.path(), fixtureTensors(), fixtureConfig(), 2);
  // An extra shard, unlisted by the index, that repeats a tensor of the first one.
  auto f = SafetensorsFile::open(dir / "model-00001-of-00002.safetensors");
  const std::string name = f->entries().begin()->first;
  writeSafetensors(dir / "model-00003-of-00002.safetensors", {{name, f->load(name).clone()}});
  auto index = nlohmann::json::parse(testutil::readBytes(dir / "model.safetensors.index.json"));
  index["weight_map"]["zzz.extra"] = "model-00003-of-00002.safetensors";
  writeSafetensors(dir / "model-00003-of-00002.safetensors",
                   {{name, f->load(name).clone()}, {"zzz.extra", torch::zeros({1})}});
  testutil::writeBytes(dir / "model.safetensors.index.json", index.dump());
  expectErrorNaming([&] { Checkpoint::open(dir.path()); },
                    {"model-00003-of-00002.safetensors", "model-00001-of-00002.safetensors", name});
}

TEST(CheckpointErrors, MissingShard) {
  TempDir dir;
  writeModelDir(dir.path(), fixtureTensors(), fixtureConfig(), 3);
  fs::remove(dir / "model-00002-of-00003.safetensors");
  expectErrorNaming([&] { Checkpoint::open(dir.path()); },
                    {"model.safetensors.index.json", "model-00002-of-00003.safetensors"});
}

TEST(CheckpointErrors, IndexMapsTensorToWrongShard) {
  TempDir dir;
  writeModelDir(dir.path(), fixtureTensors(), fixtureConfig(), 2);
  auto index = nlohmann::json::parse(testutil::readBytes(dir / "model.safetensors.index.json"));
  index["weight_map"]["language_model.model.norm.weight"] =
      index["weight_map"]["language_model.model.norm.weight"] == "model-00001-of-00002.safetensors"
          ? "model-00002-of-00002.safetensors"
          : "model-00001-of-00002.safetensors";
  testutil::writeBytes(dir / "model.safetensors.index.json", index.dump());
  expectErrorNaming([&] { Checkpoint::open(dir.path()); },
                    {"model.safetensors.index.json", "language_model.model.norm.weight"});
}

TEST(CheckpointErrors, BadIndex) {
  TempDir dir;
  writeModelDir(dir.path(), fixtureTensors(), fixtureConfig(), 2);
  testutil::writeBytes(dir / "model.safetensors.index.json", R"({"weight_map": []})");
  expectErrorNaming([&] { Checkpoint::open(dir.path()); },
                    {"model.safetensors.index.json", "weight_map"});
  testutil::writeBytes(dir / "model.safetensors.index.json",
                       R"({"weight_map": {"a": "../model-00001-of-00002.safetensors"}})");
  expectErrorNaming([&] { Checkpoint::open(dir.path()); },
                    {"model.safetensors.index.json", "'a'", "../model-00001"});
}

TEST(CheckpointErrors, NoWeights) {
  TempDir dir;
  writeModelDir(dir.path(), fixtureTensors(), fixtureConfig());
  fs::remove(dir / "model.safetensors");
  testutil::writeBytes(dir / "pytorch_model.bin", "x");
  expectErrorNaming([&] { Checkpoint::open(dir.path()); },
                    {dir.path().string(), "model.safetensors", "pytorch_model.bin"});
}

TEST(CheckpointErrors, TruncatedWeights) {
  TempDir dir;
  writeModelDir(dir.path(), fixtureTensors(), fixtureConfig());
  std::string bytes = testutil::readBytes(dir / "model.safetensors");
  testutil::writeBytes(dir / "model.safetensors", bytes.substr(0, bytes.size() / 2));
  expectErrorNaming([&] { Checkpoint::open(dir.path()); }, {"model.safetensors", "outside"});
}

TEST(CheckpointErrors, MissingConfigJson) {
  TempDir dir;
  writeModelDir(dir.path(), fixtureTensors(), fixtureConfig());
  fs::remove(dir / "config.json");
  expectErrorNaming([&] { Checkpoint::open(dir.path()); }, {"config.json", "missing"});
  expectErrorNaming([&] { Checkpoint::open(dir / "nope"); }, {"nope", "not a directory"});
}

TEST(CheckpointErrors, UnsupportedModelType) {
  TempDir dir;
  auto config = fixtureConfig();
  config["model_type"] = "qwen2_vl";
  writeModelDir(dir.path(), fixtureTensors(), config);
  expectErrorNaming([&] { Checkpoint::open(dir.path()); },
                    {"config.json", "model_type", "qwen2_vl", "llava"});
}

TEST(CheckpointErrors, UnsupportedRopeScaling) {
  TempDir dir;
  auto config = fixtureConfig();
  config["text_config"]["rope_scaling"] = {{"type", "dynamic"}, {"factor", 2.0}};
  writeModelDir(dir.path(), fixtureTensors(), config);
  expectErrorNaming([&] { Checkpoint::open(dir.path()); },
                    {"config.json", "text_config.rope_scaling", "dynamic"});
}

TEST(CheckpointErrors, BadPreprocessorConfig) {
  TempDir dir;
  writeModelDir(dir.path(), fixtureTensors(), fixtureConfig());
  testutil::writeBytes(dir / "preprocessor_config.json", R"({"resample": 0})");
  expectErrorNaming([&] { Checkpoint::open(dir.path()); },
                    {"preprocessor_config.json", "resample"});
}

}  // namespace
}  // namespace vitcop::checkpoint
