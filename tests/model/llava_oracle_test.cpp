// LLaVA model modules against Hugging Face transformers' reference tensors (method-spec 1.5-1.8):
// every vision hidden state and attention map, the projector, RoPE tables, every decoder layer's
// q/k/v and hidden states, the logits, and an 8-token greedy continuation computed without any
// KV cache (full recompute per token, so it checks the model independently of generation).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/checkpoint/checkpoint.h"
#include "core/model/llava_model.h"
#include "core/model/llava_modules.h"
#include "core/model/prompt_layout.h"
#include "tests/model/oracle_support.h"

namespace vitcop {
namespace {

using model::LlavaModel;
constexpr double kTol = 1e-4;

struct Fixture {
  std::filesystem::path dir;
  checkpoint::Checkpoint ckpt;
  std::shared_ptr<LlavaModel> model;
  test::Reference ref;
  explicit Fixture(const std::filesystem::path& d)
      : dir(d),
        ckpt(checkpoint::Checkpoint::open(d)),
        model(LlavaModel::load(ckpt, at::kFloat)),
        ref(d) {}
};

// Vision tower block by block with every probability row, then feature selection + projector.
at::Tensor runVision(Fixture& fx, bool compare) {
  auto& vision = fx.model->module().vision();
  const auto& cfg = fx.model->config();
  at::Tensor x = vision->embed(fx.ref.get("pixel_values"));
  const at::Tensor hiddenAll = fx.ref.get("vision_hidden_states_all");
  if (compare) {
    EXPECT_LE(test::maxAbsDiff(x[0], hiddenAll[0]), kTol) << "hidden_states[0]";
  }
  std::vector<at::Tensor> hidden{x};
  for (int64_t l = 0; l < cfg.vision.numLayers; ++l) {
    model::VisionBlockExtras extras;
    extras.allProbRows = true;
    x = vision->block(l)->forward(x, &extras);
    hidden.push_back(x);
    if (!compare) continue;
    EXPECT_LE(test::maxAbsDiff(x[0], hiddenAll[l + 1]), kTol) << "vision block " << l;
    if (fx.ref.has("vision_attn_probs_all")) {
      EXPECT_LE(test::maxAbsDiff(extras.probs[0], fx.ref.get("vision_attn_probs_all")[l]), kTol)
          << "vision attention probs of block " << l;
    }
  }
  std::vector<at::Tensor> parts;
  for (int64_t idx : fx.model->featureHiddenIndices()) {
    at::Tensor h = hidden[static_cast<size_t>(idx)][0];
    if (cfg.visionFeatureSelectStrategy == "default") h = h.narrow(0, 1, h.size(0) - 1);
    parts.push_back(h);
  }
  const at::Tensor features = torch::cat(parts, -1);
  at::Tensor linear1;
  const at::Tensor projected =
      fx.model->module().multi_modal_projector->forward(features, &linear1);
  if (compare) {
    EXPECT_LE(test::maxAbsDiff(features, fx.ref.get("image_features_selected")), kTol);
    EXPECT_LE(test::maxAbsDiff(linear1, fx.ref.get("projector_linear1_out")), kTol);
    EXPECT_LE(test::maxAbsDiff(projected, fx.ref.get("projector_output")), kTol);
  }
  return projected;
}

std::vector<model::VisualTokens> asImages(const at::Tensor& projected) {
  model::VisualTokens v;
  v.embeds = projected;
  for (int64_t i = 0; i < projected.size(0); ++i)
    v.origins.push_back({static_cast<int32_t>(i)});
  return {v};
}

// Whole LLM without a cache; with `compare`, checks every intermediate against the reference.
at::Tensor runText(Fixture& fx, const std::vector<int64_t>& ids, const at::Tensor& projected,
                   bool compare) {
  const auto& cfg = fx.model->config();
  auto& lm = fx.model->module().language_model;
  const model::PromptLayout layout = model::parsePrompt(ids, cfg, 1);
  const at::Tensor textIds = torch::tensor(layout.textIds, torch::kLong).view({1, -1});
  const model::SplicedSequence seq =
      model::spliceImages(layout, lm->embed(textIds), asImages(projected));
  at::Tensor x = seq.embeds;
  const int64_t n = x.size(1);
  const at::Tensor rope_positions = torch::arange(n, torch::kLong);
  const model::RopeTables rope =
      model::ropeTables(rope_positions, cfg.text, fx.model->computeDtype());
  const at::Tensor hiddenAll = compare ? fx.ref.get("text_hidden_states_all") : at::Tensor();
  if (compare) {
    std::vector<int64_t> visualAt;
    for (int64_t i = 0; i < n; ++i)
      if (seq.tokens[static_cast<size_t>(i)].isVisual()) visualAt.push_back(i);
    EXPECT_EQ(visualAt, test::toIds(fx.ref.get("image_token_positions")));
    EXPECT_LE(test::maxAbsDiff(x[0], hiddenAll[0]), kTol) << "inputs_embeds after splicing";
    EXPECT_LE(test::maxAbsDiff(rope.cos, fx.ref.get("rope_cos")), kTol);
    EXPECT_LE(test::maxAbsDiff(rope.sin, fx.ref.get("rope_sin")), kTol);
  }
  for (int64_t l = 0; l < cfg.text.numLayers; ++l) {
    model::DecoderLayerExtras extras;
    extras.capture = compare;
    x = lm->model->block(l)->forward(x, rope, nullptr, &extras);
    if (!compare) continue;
    const std::string p = "text_layer" + std::to_string(l) + "_";
    const std::pair<const char*, at::Tensor*> parts[] = {{"q_pre_rope", &extras.qPre},
                                                         {"k_pre_rope", &extras.kPre},
                                                         {"q_post_rope", &extras.qPost},
                                                         {"k_post_rope", &extras.kPost},
                                                         {"v", &extras.v}};
    for (const auto& [suffix, t] : parts) {
      if (fx.ref.has(p + suffix)) {
        EXPECT_LE(test::maxAbsDiff((*t)[0], fx.ref.get(p + suffix)), kTol) << p << suffix;
      }
    }
    if (l + 1 < cfg.text.numLayers) {
      EXPECT_LE(test::maxAbsDiff(x[0], hiddenAll[l + 1]), kTol) << "output of layer " << l;
    }
  }
  const at::Tensor h = lm->model->norm->forward(x);
  if (compare) {
    EXPECT_LE(test::maxAbsDiff(h[0], hiddenAll[cfg.text.numLayers]), kTol) << "final norm";
  }
  return lm->logits(h);
}

TEST(LlavaOracle, EveryIntermediateMatchesTransformers) {
  torch::NoGradGuard noGrad;
  for (const auto& dir : test::oracleDirs()) {
    SCOPED_TRACE(dir.string());
    Fixture fx(dir);
    const at::Tensor projected = runVision(fx, true);
    const at::Tensor logits = runText(fx, test::toIds(fx.ref.get("input_ids")), projected, true);
    const double diff = test::maxAbsDiff(logits, fx.ref.get("logits"));
    EXPECT_LE(diff, kTol) << "logits";
    std::cout << dir.filename().string() << ": logits max abs diff " << diff << "\n";
  }
}

TEST(LlavaOracle, LegacyAndExpandedInputIdsGiveTheSameLogits) {
  torch::NoGradGuard noGrad;
  for (const auto& dir : test::oracleDirs()) {
    SCOPED_TRACE(dir.string());
    Fixture fx(dir);
    const at::Tensor projected = runVision(fx, false);
    const at::Tensor expanded = runText(fx, test::toIds(fx.ref.get("input_ids")), projected, false);
    const at::Tensor legacy =
        runText(fx, test::toIds(fx.ref.get("input_ids_legacy")), projected, false);
    EXPECT_EQ(test::maxAbsDiff(expanded, legacy), 0.0);
    EXPECT_LE(test::maxAbsDiff(legacy, fx.ref.get("logits")), kTol);
  }
}

TEST(LlavaOracle, GreedyTokensWithoutCacheMatch) {
  torch::NoGradGuard noGrad;
  for (const auto& dir : test::oracleDirs()) {
    SCOPED_TRACE(dir.string());
    Fixture fx(dir);
    const at::Tensor projected = runVision(fx, false);
    std::vector<int64_t> ids = test::toIds(fx.ref.get("input_ids"));
    const std::vector<int64_t> expected = test::toIds(fx.ref.get("generated_ids"));
    const at::Tensor stepLogits = fx.ref.get("generated_step_logits");
    std::vector<int64_t> got;
    for (size_t step = 0; step < expected.size(); ++step) {
      const at::Tensor last = runText(fx, ids, projected, false)[0][-1];
      EXPECT_LE(test::maxAbsDiff(last, stepLogits[static_cast<int64_t>(step)]), kTol) << step;
      got.push_back(last.argmax().item<int64_t>());
      ids.push_back(got.back());
    }
    EXPECT_EQ(got, expected);
  }
}

// float16 and bfloat16 weights must run (float16 computes in float32 on CPU) and stay close.
TEST(LlavaOracle, ReducedPrecisionRuns) {
  torch::NoGradGuard noGrad;
  const auto dir = test::oracleDirs().front();
  const checkpoint::Checkpoint ckpt = checkpoint::Checkpoint::open(dir);
  const test::Reference ref(dir);
  for (const auto dtype : {at::kBFloat16, at::kHalf}) {
    SCOPED_TRACE(c10::toString(dtype));
    Fixture fx(dir);
    fx.model = LlavaModel::load(ckpt, dtype);
    for (const auto& p : fx.model->module().parameters())
      ASSERT_EQ(p.scalar_type(), dtype);
    const at::Tensor logits =
        runText(fx, test::toIds(ref.get("input_ids")), runVision(fx, false), false);
    ASSERT_TRUE(torch::isfinite(logits).all().item<bool>());
    const double diff = test::maxAbsDiff(logits, ref.get("logits"));
    const double scale = ref.get("logits").abs().max().item<double>();
    std::cout << c10::toString(dtype) << ": logits max abs diff " << diff << " (max |logit| "
              << scale << ")\n";
    EXPECT_LE(diff, dtype == at::kHalf ? 0.005 * scale : 0.05 * scale);
  }
}

}  // namespace
}  // namespace vitcop
