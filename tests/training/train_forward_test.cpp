// The training forward (autograd, batched, packed) against the inference engine on the same
// weights: same projected visual tokens, same loss as cross-entropy over the engine's logits,
// and packing several segments gives each segment exactly its unpacked loss.
#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/generation/engine.h"
#include "core/model/llava_model.h"
#include "core/model/llava_modules.h"
#include "core/scenes/sample.h"
#include "core/text/prompt_template.h"
#include "core/text/tokenizer.h"
#include "core/training/batch.h"
#include "core/training/recipe.h"
#include "core/training/train_forward.h"
#include "core/training/train_step.h"
#include "tests/support/test_paths.h"

namespace vitcop::training {
namespace {

struct Fixture {
  text::Tokenizer tok =
      text::Tokenizer::load(test::dataDir() / "tiny-tokenizer" / "tokenizer.model");
  Recipe recipe = recipeByName("tiny");
  BatchContext ctx;
  std::shared_ptr<model::LlavaModel> model;
  at::Tensor pixels;
  scenes::SceneSample sample;
  Fixture() {
    ctx.tokenizer = &tok;
    ctx.config = modelConfig(recipe, tok.baseVocabSize());
    ctx.processor = imageProcessorConfig(recipe);
    // Larger weights than randomInit's 0.02 so the logits are far from uniform.
    model = model::LlavaModel::randomInit(ctx.config, at::kFloat, 3);
    torch::NoGradGuard g;
    for (auto& p : model->module().parameters())
      if (p.dim() >= 2) p.mul_(5.0);
    sample = scenes::makeSceneSample(11, {}, 4);
    pixels = pixelValues({sample.scene.image}, ctx.processor);
  }
};

// Cross-entropy of the segment's answer from the engine's logits over the unpacked prompt.
double engineLoss(Fixture& f, const Segment& s, int64_t* tokens) {
  const auto p =
      text::buildInputIds(f.tok, promptFor(s.prompt, 1), f.ctx.config.imageTokenIndex,
                          f.ctx.config.imageTokensPerImage(), text::ImageTokenForm::Expanded);
  std::vector<int64_t> ids = p.ids;
  const size_t promptLen = ids.size();
  for (int64_t a : f.tok.encodePlain(s.answer))
    ids.push_back(a);
  generation::Engine engine(f.model);
  generation::InferenceState state;
  const auto enc = engine.encodeImages(f.pixels);
  const at::Tensor logits = engine.prefill(state, ids, enc.images, {}, /*allLogits=*/true);
  std::vector<int64_t> targets(ids.begin() + static_cast<int64_t>(promptLen), ids.end());
  targets.push_back(f.tok.eosId());
  const at::Tensor rows =
      logits.narrow(0, static_cast<int64_t>(promptLen) - 1, static_cast<int64_t>(targets.size()));
  *tokens = static_cast<int64_t>(targets.size());
  return at::cross_entropy_loss(rows, torch::tensor(targets)).item<double>();
}

TEST(TrainForward, VisualTokensMatchTheEngine) {
  Fixture f;
  torch::NoGradGuard g;
  auto& m = f.model->module();
  const VisionOut v = visionForward(m, f.pixels);
  const at::Tensor mine =
      m.multi_modal_projector->forward(v.features.narrow(1, 1, v.features.size(1) - 1))[0];
  generation::Engine engine(f.model);
  const at::Tensor ref = engine.encodeImages(f.pixels).images[0].embeds;
  EXPECT_LT((mine - ref).abs().max().item<double>(), 1e-5);
}

TEST(TrainForward, LossMatchesTheEngineAndPackingIsExact) {
  Fixture f;
  torch::NoGradGuard g;
  auto& m = f.model->module();
  const at::Tensor feats = visionForward(m, f.pixels).features;
  std::vector<Segment> segs;
  for (const auto& q : f.sample.questions)
    segs.push_back({q.text, q.answer});
  ASSERT_GE(segs.size(), 2u);
  double weighted = 0;
  int64_t total = 0;
  for (const auto& s : segs) {
    int64_t n = 0;
    const double ref = engineLoss(f, s, &n);
    const LmOut alone = languageForward(m, feats, packSequences(f.ctx, {{s}}, 1));
    EXPECT_EQ(alone.count, n);
    EXPECT_NEAR(alone.loss.item<double>(), ref, 1e-4) << s.prompt;
    weighted += ref * static_cast<double>(n);
    total += n;
  }
  const LmOut packed = languageForward(m, feats, packSequences(f.ctx, {segs}, 1));
  EXPECT_EQ(packed.count, total);
  EXPECT_NEAR(packed.loss.item<double>(), weighted / static_cast<double>(total), 1e-4);
}

TEST(TrainForward, GradientsReachEveryTrainedPart) {
  Fixture f;
  auto& m = f.model->module();
  for (auto& p : m.parameters())
    p.requires_grad_(true);
  const at::Tensor feats = visionForward(m, f.pixels).features;
  const LmOut r = languageForward(m, feats, packSequences(f.ctx, {{{"what?", "red"}}}, 1));
  r.loss.backward();
  EXPECT_TRUE(m.vision()->embeddings->patch_embedding->weight.grad().defined());
  EXPECT_TRUE(m.multi_modal_projector->linear_1->weight.grad().defined());
  EXPECT_TRUE(m.language_model->lm_head->weight.grad().defined());
  EXPECT_GT(m.language_model->model->block(0)
                ->self_attn->q_proj->weight.grad()
                .abs()
                .sum()
                .item<double>(),
            0.0);
}

// The LLM phases' bf16 matmuls (Phase::bf16Matmuls): inside the guard the projector's output
// really is bfloat16 (so the guard engages), the loss stays float32 and within bf16 rounding of
// the float32 loss, gradients reach the float32 parameters in float32, and after the guard
// everything is float32 again.
TEST(TrainForward, Bf16MatmulsStayCloseToFloat32) {
  Fixture f;
  auto& m = f.model->module();
  const at::Tensor feats = [&] {
    torch::NoGradGuard g;
    return visionForward(m, f.pixels).features;
  }();
  std::vector<Segment> segs;
  for (const auto& q : f.sample.questions)
    segs.push_back({q.text, q.answer});
  const TextBatch batch = packSequences(f.ctx, {segs}, 1);
  double ref = 0;
  {
    torch::NoGradGuard g;
    ref = languageForward(m, feats, batch).loss.item<double>();
  }
  for (auto& p : m.language_model->parameters())
    p.requires_grad_(true);
  at::Tensor loss;
  {
    Bf16Autocast bf16(true);
    const at::Tensor projected = m.multi_modal_projector->forward(feats.narrow(1, 1, 4));
    EXPECT_EQ(projected.scalar_type(), at::kBFloat16);
    loss = languageForward(m, feats, batch).loss;
  }
  EXPECT_EQ(loss.scalar_type(), at::kFloat);
  EXPECT_NEAR(loss.item<double>(), ref, 0.02 * std::abs(ref) + 1e-3);
  EXPECT_NE(loss.item<double>(), ref);  // the matmuls did run in bf16
  loss.backward();
  const at::Tensor g = m.language_model->model->block(0)->self_attn->q_proj->weight.grad();
  ASSERT_TRUE(g.defined());
  EXPECT_EQ(g.scalar_type(), at::kFloat);
  EXPECT_GT(g.abs().sum().item<double>(), 0.0);
  EXPECT_EQ(m.multi_modal_projector->forward(feats.narrow(1, 1, 4)).scalar_type(), at::kFloat);
  EXPECT_FALSE(at::autocast::is_cpu_enabled());
}

}  // namespace
}  // namespace vitcop::training
