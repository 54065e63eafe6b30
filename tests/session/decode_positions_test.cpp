// Decode positions per layer (method-spec 3.10) through the engine's own state on the tiny chat
// model (3 LLM layers, 16 patches): SparseVLM (SQ-04) and PyramidDrop (3.3 step 7) decode at
// each layer's prompt cache length + j, computed here from the plan's per-layer counts; ViTCoP
// (VQ-31), FastV and DART at n + j in every layer; the projector-side methods at n' + j with n'
// the pruned prompt. The rule reaches RoPE (the logits move with it), and an unpruned run is
// bit for bit the same under either rule.
#include <gtest/gtest.h>

#include <ATen/ops/equal.h>

#include "core/generation/engine.h"
#include "core/session/ask.h"
#include "tests/session/session_test_support.h"

namespace vitcop::session {
namespace {

using generation::DecodePositions;
using test_support::engineInputs;
using test_support::tinyModel;

constexpr int64_t kPatches = 16;  // one 4x4 image
constexpr int64_t kSteps = 3;     // tokens chosen; the first two are fed back as decode steps

std::unique_ptr<pruning::PruningMethod> method(const std::string& name) {
  const std::string budget = name == "none" ? "" : "50%";
  return preparePruning(tinyModel()->config(), {name, budget, {}, "official", 0}, 1);
}

generation::GenerationResult run(generation::InferenceHooks* hooks) {
  const auto& m = *tinyModel();
  const auto in = engineInputs(m);
  generation::GenerationOptions o;
  o.maxNewTokens = kSteps;
  o.stopAtEos = false;
  o.keepStepLogits = true;
  o.control.hooks = hooks;
  return m.engine().generate(in.ids, in.pixels, o);
}

// Position ids the generated tokens got in layer `layer`, in step order.
std::vector<int64_t> generatedPositions(const generation::InferenceState& s, int64_t layer) {
  const auto& cache = s.cache.layer(layer);
  std::vector<int64_t> out;
  for (size_t i = 0; i < cache.tokens().size(); ++i)
    if (cache.tokens()[i].kind == model::TokenKind::Generated) out.push_back(cache.positions()[i]);
  return out;
}

std::vector<int64_t> steps(int64_t start) {
  std::vector<int64_t> out;
  for (int64_t j = 0; j + 1 < kSteps; ++j)
    out.push_back(start + j);
  return out;
}

TEST(DecodePositions, SparsevlmAndPdropFollowEachLayersPromptCache) {
  for (const std::string name : {"sparsevlm", "pdrop"}) {
    SCOPED_TRACE(name);
    auto m = method(name);
    EXPECT_EQ(m->plan().decodePositions, DecodePositions::LayerCacheLength);
    const auto g = run(m.get());
    const generation::InferenceState& s = *g.state;
    const std::vector<int64_t>& counts = m->plan().layerVisualTokens;
    ASSERT_EQ(static_cast<int64_t>(counts.size()), s.cache.numLayers());
    ASSERT_EQ(counts[0], kPatches);  // both prune inside the LLM
    bool dropped = false;
    for (int64_t l = 0; l < s.cache.numLayers(); ++l) {
      SCOPED_TRACE("layer " + std::to_string(l));
      // Layer l's prompt holds every token but the visual ones dropped before it.
      const int64_t expected = s.promptLength - (kPatches - counts[static_cast<size_t>(l)]);
      dropped = dropped || expected < s.promptLength;
      EXPECT_EQ(generatedPositions(s, l), steps(expected));
      EXPECT_EQ(s.decodeStart[static_cast<size_t>(l)], expected);
    }
    EXPECT_TRUE(dropped) << "the plan prunes nothing, so the rule is not exercised";
  }
}

TEST(DecodePositions, VitcopFastvAndDartDecodeAtNPlusJInEveryLayer) {
  for (const std::string name : {"vitcop", "fastv", "dart"}) {
    SCOPED_TRACE(name);
    auto m = method(name);
    EXPECT_EQ(m->plan().decodePositions, DecodePositions::PromptLength);
    const auto g = run(m.get());
    const generation::InferenceState& s = *g.state;
    // n: the spliced prompt before LLM pruning (after ViTCoP's Stage I in the vision tower).
    EXPECT_EQ(s.promptLength, static_cast<int64_t>(engineInputs(*tinyModel()).ids.size()) -
                                  kPatches + m->plan().llmInputTokens);
    bool shorter = false;
    for (int64_t l = 0; l < s.cache.numLayers(); ++l) {
      EXPECT_EQ(generatedPositions(s, l), steps(s.promptLength)) << "layer " << l;
      shorter = shorter || s.cache.layer(l).length() < s.promptLength + kSteps - 1;
    }
    EXPECT_TRUE(shorter) << "no layer was pruned, so n + j is not told apart from cache length";
  }
}

TEST(DecodePositions, ProjectorSideMethodsDecodeAtThePrunedPromptLength) {
  const auto inputIds = static_cast<int64_t>(engineInputs(*tinyModel()).ids.size());
  for (const std::string name : {"visionzip", "divprune", "random", "downsample"}) {
    SCOPED_TRACE(name);
    auto m = method(name);
    const auto g = run(m.get());
    const generation::InferenceState& s = *g.state;
    // n' = the text tokens plus the visual tokens that entered the LLM.
    const int64_t pruned = inputIds - kPatches + m->plan().llmInputTokens;
    EXPECT_LT(pruned, inputIds);
    EXPECT_EQ(s.promptLength, pruned);
    for (int64_t l = 0; l < s.cache.numLayers(); ++l)
      EXPECT_EQ(generatedPositions(s, l), steps(pruned)) << "layer " << l;
  }
}

TEST(DecodePositions, TheRuleReachesRope) {
  // PyramidDrop's own rule against the same prefill decoded at n + j (the former engine rule):
  // the first token comes from prefill and agrees; the next ones see other positions.
  const auto& m = *tinyModel();
  const auto in = engineInputs(m);
  auto a = method("pdrop"), b = method("pdrop");
  generation::RunControl ca, cb;
  ca.hooks = a.get();
  cb.hooks = b.get();
  const auto imagesA = m.engine().encodeImages(in.pixels, ca).images;
  const auto imagesB = m.engine().encodeImages(in.pixels, cb).images;
  generation::InferenceState own, flat;
  m.engine().prefill(own, in.ids, imagesA, ca, false, 1);
  m.engine().prefill(flat, in.ids, imagesB, cb, false, 1);
  EXPECT_TRUE(at::equal(own.lastLogits, flat.lastLogits));
  ASSERT_NE(own.decodeStart, std::vector<int64_t>(own.decodeStart.size(), own.promptLength));
  flat.decodeStart.assign(flat.decodeStart.size(), flat.promptLength);
  const int64_t token = own.lastLogits.argmax().item<int64_t>();
  EXPECT_FALSE(at::equal(m.engine().decode(own, token), m.engine().decode(flat, token)));
}

// Declares the cache-length rule without pruning anything.
struct CacheLengthRule : generation::InferenceHooks {
  DecodePositions decodePositions() const override { return DecodePositions::LayerCacheLength; }
};

TEST(DecodePositions, UnprunedRunsAreTheSameUnderEitherRule) {
  const auto plain = run(nullptr);
  auto none = method("none");
  const auto registered = run(none.get());
  CacheLengthRule rule;
  const auto cacheRule = run(&rule);
  ASSERT_EQ(plain.stepLogits.size(), static_cast<size_t>(kSteps));
  for (const auto* other : {&registered, &cacheRule}) {
    EXPECT_EQ(other->tokens, plain.tokens);
    ASSERT_EQ(other->stepLogits.size(), plain.stepLogits.size());
    for (size_t j = 0; j < plain.stepLogits.size(); ++j)
      EXPECT_TRUE(at::equal(other->stepLogits[j], plain.stepLogits[j])) << "step " << j;
  }
  const generation::InferenceState& s = *cacheRule.state;
  for (int64_t l = 0; l < s.cache.numLayers(); ++l)
    EXPECT_EQ(generatedPositions(s, l), steps(s.promptLength)) << "layer " << l;
}

}  // namespace
}  // namespace vitcop::session
