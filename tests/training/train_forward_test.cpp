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
#include "core/training/token_dropout.h"
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
  // The sample's questions as packed segments.
  std::vector<Segment> segments() const {
    std::vector<Segment> out;
    for (const auto& q : sample.questions)
      out.push_back({q.text, q.answer});
    return out;
  }
};

// Cross-entropy of the segment's answer from the engine's logits over the unpacked prompt; with
// `kept`, the image enters as only those visual tokens (legacy form: one placeholder, spliced
// with however many rows the image has), as a vision-stage pruning method hands them on.
double engineLoss(Fixture& f, const Segment& s, int64_t* tokens,
                  const std::vector<int64_t>& kept = {}) {
  const auto p = text::buildInputIds(
      f.tok, promptFor(s.prompt, 1), f.ctx.config.imageTokenIndex,
      f.ctx.config.imageTokensPerImage(),
      kept.empty() ? text::ImageTokenForm::Expanded : text::ImageTokenForm::Legacy);
  std::vector<int64_t> ids = p.ids;
  const size_t promptLen = ids.size();
  for (int64_t a : f.tok.encodePlain(s.answer))
    ids.push_back(a);
  generation::Engine engine(f.model);
  generation::InferenceState state;
  auto enc = engine.encodeImages(f.pixels);
  if (!kept.empty()) {
    model::VisualTokens& v = enc.images[0];
    std::vector<std::vector<int32_t>> origins;
    for (int64_t q : kept)
      origins.push_back(v.origins[static_cast<size_t>(q)]);
    v.embeds = v.embeds.index_select(0, torch::tensor(kept));
    v.origins = origins;
  }
  const at::Tensor logits = engine.prefill(state, ids, enc.images, {}, /*allLogits=*/true);
  std::vector<int64_t> targets(ids.begin() + static_cast<int64_t>(promptLen), ids.end());
  targets.push_back(f.tok.eosId());
  // The last rows: the legacy form's prompt is longer spliced than in ids.
  const auto nt = static_cast<int64_t>(targets.size());
  const at::Tensor rows = logits.narrow(0, logits.size(0) - nt, nt);
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
  const std::vector<Segment> segs = f.segments();
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

// Token dropout (token_dropout.h) removes tokens exactly: the packed loss with dropped tokens
// equals the engine's loss on a prompt that holds only the kept tokens, with contiguous
// positions. Each object keeps a patch, the kept share is in the drawn range, and the same seed
// drops the same tokens.
TEST(TrainForward, TokenDropoutEqualsTheEngineOnTheKeptTokens) {
  Fixture f;
  const int64_t grid = f.ctx.config.vision.gridSide(), p = grid * grid;
  const AuxLabels labels = auxLabels({&f.sample.scene}, grid);
  const std::vector<Segment> segs = f.segments();
  torch::NoGradGuard g;
  auto& m = f.model->module();
  const at::Tensor feats = visionForward(m, f.pixels).features;
  TokenDropout d;
  d.probability = 1.0;
  d.minKeep = 0.2;
  d.maxKeep = 0.4;
  TextBatch batch = packSequences(f.ctx, {segs}, 1);
  const int64_t dropped = dropVisualTokens(batch, labels, d, 42);
  const std::vector<int64_t> kept = keptVisualTokens(batch, 0);
  EXPECT_EQ(static_cast<int64_t>(kept.size()) + dropped, p);
  EXPECT_GE(static_cast<double>(kept.size()), std::floor(0.2 * static_cast<double>(p)));
  EXPECT_LE(static_cast<double>(kept.size()), std::ceil(0.4 * static_cast<double>(p)));
  auto weights = labels.objectWeights.accessor<float, 3>();
  for (size_t k = 0; k < f.sample.scene.objects.size(); ++k) {
    bool seen = false;
    for (int64_t q : kept)
      seen = seen || weights[0][static_cast<int64_t>(k)][q] > 0;
    EXPECT_TRUE(seen) << "object " << k << " lost every patch";
  }
  TextBatch again = packSequences(f.ctx, {segs}, 1);
  dropVisualTokens(again, labels, d, 42);
  EXPECT_EQ(keptVisualTokens(again, 0), kept);
  TextBatch other = packSequences(f.ctx, {segs}, 1);
  dropVisualTokens(other, labels, d, 43);
  EXPECT_NE(keptVisualTokens(other, 0), kept);

  double weighted = 0;
  int64_t total = 0;
  for (const auto& s : segs) {
    int64_t n = 0;
    weighted += engineLoss(f, s, &n, kept) * static_cast<double>(n);
    total += n;
  }
  const double full =
      languageForward(m, feats, packSequences(f.ctx, {segs}, 1)).loss.item<double>();
  const double mine = languageForward(m, feats, batch).loss.item<double>();
  EXPECT_NEAR(mine, weighted / static_cast<double>(total), 1e-4);
  EXPECT_GT(std::abs(mine - full), 1e-3);  // the dropped tokens did matter to the full loss

  // Probability 0 leaves a batch untouched.
  TextBatch untouched = packSequences(f.ctx, {segs}, 1);
  d.probability = 0;
  EXPECT_EQ(dropVisualTokens(untouched, labels, d, 42), 0);
  EXPECT_EQ(static_cast<int64_t>(keptVisualTokens(untouched, 0).size()), p);
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
  const std::vector<Segment> segs = f.segments();
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
