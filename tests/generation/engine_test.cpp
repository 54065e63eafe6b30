// Engine mechanics on the tiny fixture: KV-cached decoding equals a full prefill, timings and
// exact KV bytes, EOS, streaming, seeded sampling, cancellation between tokens, input errors.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "tests/generation/engine_support.h"

namespace vitcop {
namespace {

using generation::GenerationOptions;

TEST(Engine, DecodeStepsEqualAFullPrefill) {
  test::TinyRun t;
  const auto images = t.engine.encodeImages(t.pixels).images;
  generation::InferenceState state;
  t.engine.prefill(state, t.ids, images, {}, false, 6);
  std::vector<int64_t> seq = t.ids;
  std::vector<at::Tensor> stepLogits{state.lastLogits};
  for (int step = 0; step < 6; ++step) {
    const int64_t token = stepLogits.back().argmax().item<int64_t>();
    seq.push_back(token);
    stepLogits.push_back(t.engine.decode(state, token));
  }
  generation::InferenceState full;
  const at::Tensor all = t.engine.prefill(full, seq, images, {}, true);
  const auto n = static_cast<int64_t>(t.ids.size());
  double diff = 0;
  for (size_t i = 0; i < stepLogits.size(); ++i)
    diff = std::max(diff, test::maxAbsDiff(stepLogits[i], all[n - 1 + static_cast<int64_t>(i)]));
  EXPECT_LE(diff, 1e-5);
  // The cache holds every token once, at positions 0..n+5, within the reserved capacity.
  for (int64_t l = 0; l < state.cache.numLayers(); ++l) {
    EXPECT_EQ(state.cache.layer(l).length(), n + 6);
    EXPECT_EQ(state.cache.layer(l).capacity(), n + 6);
    EXPECT_EQ(state.cache.layer(l).positions().back(), n + 5);
  }
  EXPECT_EQ(state.cache.layer(0).tokens().back().kind, model::TokenKind::Generated);
}

TEST(Engine, TimingsBytesStreamingAndEos) {
  test::TinyRun t;
  GenerationOptions opts;
  opts.maxNewTokens = 5;
  opts.stopAtEos = false;
  std::vector<int64_t> streamed;
  opts.onToken = [&](int64_t token, int64_t step) {
    EXPECT_EQ(step, static_cast<int64_t>(streamed.size()));
    streamed.push_back(token);
  };
  const auto r = t.engine.generate(t.ids, t.pixels, opts);
  ASSERT_EQ(r.tokens.size(), 5u);
  EXPECT_EQ(streamed, r.tokens);
  EXPECT_GT(r.visionMs, 0.0);
  EXPECT_GT(r.prefillMs, 0.0);
  EXPECT_EQ(r.decodeMs.size(), 4u);  // the last token is never fed back
  const auto& text = t.model->config().text;
  const int64_t n = static_cast<int64_t>(t.ids.size());
  EXPECT_EQ(r.kvCacheAllocatedBytes,
            text.numLayers * 2 * text.numKvHeads * (n + 5) * text.headDim * 4);
  EXPECT_EQ(r.kvCacheUsedBytes, text.numLayers * 2 * text.numKvHeads * (n + 4) * text.headDim * 4);
  EXPECT_EQ(r.prefillLogits.sizes(), (at::IntArrayRef{1, text.vocabSize}));

  opts.stopAtEos = true;
  opts.eosTokenId = r.tokens[2];
  opts.onToken = nullptr;
  const auto stopped = t.engine.generate(t.ids, t.pixels, opts);
  EXPECT_TRUE(stopped.stoppedAtEos);
  EXPECT_EQ(stopped.tokens, std::vector<int64_t>(r.tokens.begin(), r.tokens.begin() + 3));
}

TEST(Engine, SamplingIsDeterministicForASeed) {
  test::TinyRun t;
  GenerationOptions opts;
  opts.maxNewTokens = 16;
  opts.stopAtEos = false;
  opts.sampling.temperature = 1.5;
  opts.sampling.topP = 0.95;
  opts.sampling.seed = 11;
  const auto a = t.engine.generate(t.ids, t.pixels, opts);
  const auto b = t.engine.generate(t.ids, t.pixels, opts);
  opts.sampling.seed = 12;
  const auto c = t.engine.generate(t.ids, t.pixels, opts);
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_NE(a.tokens, c.tokens);
  // A vanishing top-p keeps only the most likely token: greedy.
  opts.sampling.topP = 1e-9;
  GenerationOptions greedy = opts;
  greedy.sampling = {};
  EXPECT_EQ(t.engine.generate(t.ids, t.pixels, opts).tokens,
            t.engine.generate(t.ids, t.pixels, greedy).tokens);
  opts.sampling.temperature = -1;
  EXPECT_THROW(t.engine.generate(t.ids, t.pixels, opts), std::invalid_argument);
  opts.sampling.temperature = 1;
  opts.sampling.topP = 0;
  EXPECT_THROW(t.engine.generate(t.ids, t.pixels, opts), std::invalid_argument);
}

TEST(Engine, CancellationBetweenTokens) {
  test::TinyRun t;
  std::atomic<bool> cancel{false};
  GenerationOptions opts;
  opts.maxNewTokens = 8;
  opts.stopAtEos = false;
  opts.control.cancel = &cancel;
  int seen = 0;
  opts.onToken = [&](int64_t, int64_t) {
    if (++seen == 3) cancel = true;
  };
  EXPECT_THROW(t.engine.generate(t.ids, t.pixels, opts), generation::Cancelled);
  EXPECT_EQ(seen, 3);
}

TEST(Engine, BadInputsAreNamed) {
  test::TinyRun t;
  auto expectMessage = [](const std::function<void()>& f, const std::string& part) {
    try {
      f();
      FAIL() << "no exception for " << part;
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  GenerationOptions opts;
  expectMessage(
      [&] {
        t.engine.generate(t.ids, torch::zeros({1, 3, 28, 28}), opts);
      },
      "pixel_values: shape [1,3,28,28]");
  expectMessage([&] { t.engine.generate({1, 2, 3}, t.pixels, opts); }, "0 image tokens");
  expectMessage([&] { t.engine.generate({}, {}, opts); }, "empty prompt");
  generation::InferenceState state;
  t.engine.prefill(state, {1, 5, 6}, {}, {});
  expectMessage([&] { t.engine.decode(state, 320); }, "token id 320");
  opts.maxNewTokens = -1;
  expectMessage([&] { t.engine.generate(t.ids, t.pixels, opts); }, "max new tokens");
}

TEST(Engine, FullStrategyKeepsTheClassTokenAndFramesNumberPatchesGlobally) {
  auto cfg = checkpoint::LlavaConfig::load(test::dataDir() / "llava-tiny-a" / "config.json");
  cfg.visionFeatureSelectStrategy = "full";
  const generation::Engine engine(model::LlavaModel::randomInit(cfg, at::kFloat, 3));
  const at::Tensor frames = torch::randn({2, 3, 56, 56});
  const auto enc = engine.encodeImages(frames);
  ASSERT_EQ(enc.images.size(), 2u);
  ASSERT_EQ(enc.images[1].embeds.size(0), 17);
  EXPECT_EQ(enc.images[0].origins[0], std::vector<int32_t>{model::classTokenId(0)});
  EXPECT_EQ(enc.images[1].origins[0], std::vector<int32_t>{-2});
  EXPECT_EQ(enc.images[1].origins[1], std::vector<int32_t>{16});  // frame 1, patch (0, 0)
  const auto coord = model::decodePatch(enc.images[1].origins[16][0], cfg.vision.gridSide());
  EXPECT_EQ(coord.frame, 1);
  EXPECT_EQ(coord.row, 3);
  EXPECT_EQ(coord.col, 3);
  generation::GenerationOptions opts;
  opts.maxNewTokens = 2;
  const auto r = engine.generate({1, 300, 7, 300, 9}, frames, opts);
  EXPECT_EQ(r.state->promptLength, 3 + 2 * 17);
  EXPECT_EQ(r.state->cache.layer(0).tokens()[1].patches, std::vector<int32_t>{-1});
}

TEST(Engine, ReducedPrecisionGenerates) {
  test::TinyRun t;
  for (const auto dtype : {at::kBFloat16, at::kHalf}) {
    const generation::Engine engine(model::LlavaModel::load(t.ckpt, dtype));
    generation::GenerationOptions opts;
    opts.maxNewTokens = 4;
    opts.stopAtEos = false;
    const auto r = engine.generate(t.ids, t.pixels, opts);
    EXPECT_EQ(r.tokens.size(), 4u);
    EXPECT_TRUE(torch::isfinite(r.prefillLogits).all().item<bool>());
    // KV cache in the activation dtype: bf16 halves it; f16 computes (and caches) in f32 on CPU.
    EXPECT_EQ(r.state->cache.layer(0).keys().scalar_type(),
              dtype == at::kHalf ? at::kFloat : at::kBFloat16);
  }
}

}  // namespace
}  // namespace vitcop
