// ViTCoP end to end through the session layer and the engine on the tiny chat model
// (llava-tiny-a: 4x4 patches, 3 vision blocks, 3 LLM layers, so b* = 1, S = 1, D = 2): the
// schedule's per-layer counts appear in the trace and in the KV cache, each stage selects what
// the pure functions select on the engine's own tensors, both position modes run, video keeps
// the per-frame share, no LLM attention probabilities are ever computed, and bad parameters
// fail before any model compute.
#include <gtest/gtest.h>

#include <ATen/ops/cat.h>

#include <algorithm>
#include <set>

#include "core/generation/engine.h"
#include "core/pruning/method_registry.h"
#include "core/pruning/pruning_error.h"
#include "core/pruning/stage1_cls.h"
#include "core/pruning/stage2_filter.h"
#include "core/pruning/tensor_values.h"
#include "core/pruning/vic.h"
#include "core/session/ask.h"
#include "tests/session/session_test_support.h"

namespace vitcop::session {
namespace {

using test_support::engineInputs;
using test_support::expectPreparationError;
using test_support::tinyModel;

AskRequest vitcopRequest(const std::string& budget, const std::string& positions = "official") {
  AskRequest r;
  r.image = test_support::tinyImagePath();
  r.question = "What color is the circle?";
  r.maxNewTokens = 4;
  r.pruning.method = "vitcop";
  r.pruning.budget = budget;
  r.pruning.positionIds = positions;
  return r;
}

TEST(PrunedAsk, BudgetsRunAndEveryLayerHoldsTheScheduledCount) {
  // 33/22/11 % of the 16 patches: the scaled equivalents of 192/128/64 of 576.
  for (const std::string budget : {"33%", "22%", "11%"})
    for (const std::string positions : {"official", "original"}) {
      SCOPED_TRACE(budget + " " + positions);
      const AskResult r = ask(*tinyModel(), vitcopRequest(budget, positions));
      const std::vector<int64_t> counts = r.trace.layerVisualCounts();
      EXPECT_EQ(counts, r.plan.layerVisualTokens);
      EXPECT_LT(r.trace.equivalentTokens, 16.0);
      EXPECT_DOUBLE_EQ(r.trace.equivalentTokens, r.plan.equivalentTokens);
      // Every layer's cache holds the same text and generated tokens plus its own visual ones.
      ASSERT_EQ(r.kvCacheLengths.size(), counts.size());
      for (size_t l = 1; l < counts.size(); ++l)
        EXPECT_EQ(r.kvCacheLengths[l] - counts[l], r.kvCacheLengths[0] - counts[0]) << l;
      EXPECT_GT(r.answerIds.size() + (r.stoppedAtEos ? 1 : 0), 0u);
      EXPECT_EQ(r.llmProbabilityRows, 0);
      EXPECT_EQ(r.trace.params.at("position_ids"), positions);
    }
}

// Asks for the probabilities of the last query row at one layer: proves that the engine's
// instrumentation counts what a method requests, so the zero above is meaningful.
struct AskRowsAt : generation::InferenceHooks {
  int64_t layer;
  explicit AskRowsAt(int64_t l) : layer(l) {}
  std::vector<int64_t> attentionRows(const generation::DecoderLayerView& v) override {
    if (v.layer != layer) return {};
    return {static_cast<int64_t>(v.tokens.size()) - 1};
  }
};

TEST(PrunedAsk, ProbabilityInstrumentationCountsRequestedRows) {
  const auto& m = *tinyModel();
  const auto in = engineInputs(m);
  AskRowsAt hooks(1);
  generation::GenerationOptions o;
  o.maxNewTokens = 2;
  o.control.hooks = &hooks;
  const auto g = m.engine().generate(in.ids, in.pixels, o);
  EXPECT_EQ(g.state->probabilityRows, 1);
  EXPECT_EQ(g.state->attention.count(1), 1u);
}

// Captures what Stage I reads at block b*: the CLS attention row and the k_proj output.
struct CaptureBlock : generation::InferenceHooks {
  int64_t block;
  at::Tensor cls, keys;
  explicit CaptureBlock(int64_t b) : block(b) {}
  bool wantsVisionClsAttention(int64_t l) override { return l == block; }
  bool wantsVisionKeys(int64_t l) override { return l == block; }
  void afterVisionLayer(generation::VisionLayerView& v) override {
    if (v.layer != block) return;
    cls = v.clsAttention;
    keys = v.keys;
  }
};

std::vector<int64_t> visualPositions(const trace::TracePoint& p) {
  std::vector<int64_t> out;
  for (const auto& t : p.tokens)
    out.push_back(t.position);
  return out;
}

TEST(PrunedAsk, EachStageSelectsWhatThePureFunctionsSelectOnTheEngineState) {
  const auto& m = *tinyModel();
  const auto in = engineInputs(m);
  auto method = preparePruning(m.config(), {"vitcop", "33%", {}, "official", 0}, 1);
  const auto& plan = method->plan();
  const int64_t block = std::stoll(plan.resolved.at("vision_block"));
  const int64_t S = std::stoll(plan.resolved.at("shallow_layer"));
  const int64_t D = std::stoll(plan.resolved.at("deep_layer"));
  const int64_t Nv = std::stoll(plan.resolved.at("N_v"));
  const int64_t R1 = std::stoll(plan.resolved.at("R1"));
  const int64_t R2 = std::stoll(plan.resolved.at("R2"));
  generation::GenerationOptions o;
  o.maxNewTokens = 1;
  o.control.hooks = method.get();
  const auto g = m.engine().generate(in.ids, in.pixels, o);
  const trace::RunTrace& t = method->trace();

  // Stage I + VIC on the block-b* tensors of an unpruned encode.
  CaptureBlock capture(block);
  generation::RunControl rc;
  rc.hooks = &capture;
  m.engine().encodeImages(in.pixels, rc);
  const auto sel = pruning::stage1Select(pruning::clsSaliency(capture.cls[0]), Nv);
  std::vector<int64_t> kept = pruning::toInt64s(sel.keptSorted);
  std::vector<int64_t> vision;
  for (const auto& tok : t.find("vision")->tokens)
    vision.push_back(tok.patches.at(0));
  EXPECT_EQ(vision, kept);
  pruning::VicOptions vo;
  vo.centreFraction = std::stod(plan.resolved.at("centre_fraction"));
  const auto vic = pruning::runVic(pruning::gatherPatchRows(capture.keys[0], sel.keptSorted),
                                   pruning::gridPositions(sel.keptSorted, 4, 4), vo);
  const std::vector<int64_t> labels = pruning::toInt64s(vic.labels);
  for (size_t i = 0; i < labels.size(); ++i)
    EXPECT_EQ(t.find("vision")->tokens[i].cluster, labels[i]) << i;

  // Stage II from layer S-1's cached keys (that layer ran on the Stage-I sequence).
  const auto [vs, ve] = std::pair<int64_t, int64_t>{t.find("llm:0")->tokens.front().position,
                                                    t.find("llm:0")->tokens.back().position + 1};
  ASSERT_EQ(ve - vs, Nv);
  const at::Tensor kappa1 = pruning::keyNorm(g.state->cache.layer(S - 1).keys()).narrow(0, vs, Nv);
  const auto s2 = pruning::stage2Select(vic.labels, kappa1, R1, vs);
  std::vector<int64_t> slots(s2.selected.begin(), s2.selected.end());
  slots.insert(slots.end(), s2.mergedPositions.begin(), s2.mergedPositions.end());
  std::sort(slots.begin(), slots.end());
  EXPECT_EQ(visualPositions(*t.find("llm:" + std::to_string(S))), slots);
  int64_t absorbed = 0;
  for (const auto& tok : t.find("llm:" + std::to_string(S))->tokens)
    absorbed += static_cast<int64_t>(tok.patches.size());
  EXPECT_EQ(absorbed, Nv);  // merged tokens list every patch they absorbed

  // Stage III from layer D-1's cached keys; official positions are indices into that sequence.
  const at::Tensor kappa2 = pruning::keyNorm(g.state->cache.layer(D - 1).keys());
  const auto s3 = pruning::stage3Select(kappa2, vs, R1, R2);
  std::vector<int64_t> expected;
  for (int64_t k : pruning::toInt64s(s3.keep))
    if (k >= vs && k < vs + R1) expected.push_back(k);
  EXPECT_EQ(visualPositions(*t.find("llm:" + std::to_string(D))), expected);
}

TEST(PrunedAsk, PositionModesDifferOnlyFromStageIIIOn) {
  const AskResult a = ask(*tinyModel(), vitcopRequest("33%", "official"));
  const AskResult b = ask(*tinyModel(), vitcopRequest("33%", "original"));
  const int64_t D = std::stoll(a.plan.resolved.at("deep_layer"));
  for (int64_t l = 0; l < 3; ++l) {
    const auto& pa = *a.trace.find("llm:" + std::to_string(l));
    const auto& pb = *b.trace.find("llm:" + std::to_string(l));
    ASSERT_EQ(pa.tokens.size(), pb.tokens.size()) << l;
    for (size_t i = 0; i < pa.tokens.size(); ++i)
      EXPECT_EQ(pa.tokens[i].patches, pb.tokens[i].patches) << l;
    if (l < D)
      EXPECT_EQ(visualPositions(pa), visualPositions(pb)) << l;
    else
      EXPECT_NE(visualPositions(pa), visualPositions(pb)) << l;  // VQ-30 re-indexing
  }
}

TEST(PrunedAsk, VideoKeepsTheSameShareOfEveryFrame) {
  AskRequest r = vitcopRequest("33%");
  r.image.reset();
  r.video = test_support::movingSquareClip("pruned_clip.avi");
  r.frames = 3;
  const AskResult a = ask(*tinyModel(), r);
  EXPECT_EQ(a.trace.geometry.frames, 3);
  EXPECT_EQ(a.trace.find("input")->tokens.size(), 48u);
  const auto& vision = a.trace.find("vision")->tokens;
  std::vector<int> perFrame(3, 0);
  for (const auto& tok : vision)
    perFrame.at(static_cast<size_t>(tok.patches.at(0) / 16)) += 1;
  EXPECT_EQ(perFrame[0], perFrame[1]);
  EXPECT_EQ(perFrame[1], perFrame[2]);
  EXPECT_EQ(a.trace.layerVisualCounts(), a.plan.layerVisualTokens);
}

TEST(PrunedAsk, TraceRoundTripsAndCarriesTheScores) {
  const AskResult r = ask(*tinyModel(), vitcopRequest("22%"));
  const trace::RunTrace back = trace::RunTrace::fromJson(r.trace.toJson(), "mem");
  EXPECT_EQ(back.toJson(), r.trace.toJson());
  EXPECT_EQ(back.method, "vitcop");
  EXPECT_EQ(back.question, "What color is the circle?");
  EXPECT_EQ(back.answer, r.answer);
  for (const auto& tok : back.find("input")->tokens)
    EXPECT_EQ(tok.scores.count(trace::kScoreClsAttention), 1u);
  for (const auto& tok : back.find("vision")->tokens) {
    for (const char* s : {trace::kScoreDensity, trace::kScoreDelta, trace::kScoreGamma})
      EXPECT_EQ(tok.scores.count(s), 1u) << s;
    EXPECT_GE(tok.cluster, -1);
  }
  for (const auto& tok : back.find("llm:1")->tokens)
    EXPECT_EQ(tok.scores.count(trace::kScoreKeyNorm), 1u);
  EXPECT_GT(back.prefillFlops, 0.0);
}

TEST(PrunedAsk, BadParametersFailBeforeAnyModelCompute) {
  const auto& config = tinyModel()->config();
  expectPreparationError({"vitcop", "17", {}, "official", 0}, "exceeds the 16");
  expectPreparationError({"vitcop", "0", {}, "official", 0}, "budget");
  expectPreparationError({"vitcop", "33%", {"keep_ratio=0"}, "official", 0},
                         "keep_ratio=0 is outside");
  expectPreparationError({"vitcop", "33%", {"centre_fraction=1"}, "official", 0},
                         "centre_fraction=1");
  expectPreparationError({"vitcop", "33%", {"shallow_layer=2", "deep_layer=2"}, "official", 0},
                         "S");
  expectPreparationError({"vitcop", "33%", {"deep_layer=3"}, "official", 0}, "deep layer");
  expectPreparationError({"vitcop", "33%", {"bogus=1"}, "official", 0}, "unknown --param bogus");
  expectPreparationError({"vitcop", "33%", {"keep_ratio"}, "official", 0}, "NAME=VALUE");
  expectPreparationError({"nosuch", "33%", {}, "official", 0}, "unknown method 'nosuch'");
  expectPreparationError({"none", "33%", {}, "official", 0}, "takes no --budget");
  EXPECT_THROW(preparePruning(config, {"vitcop", "33%", {}, "sideways", 0}, 1), std::exception);

  // Through ask(): the error comes before the engine runs (the cancel flag is never polled
  // because nothing reaches the engine; a run that did start would throw Cancelled instead).
  std::atomic<bool> cancel{true};
  AskRequest r = vitcopRequest("17");
  r.cancel = &cancel;
  EXPECT_THROW(ask(*tinyModel(), r), pruning::PruningError);
}

}  // namespace
}  // namespace vitcop::session
