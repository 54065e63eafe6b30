// The engine end to end against transformers (method-spec 1.9): prefill logits at every
// position, the KV-cached greedy continuation and the logits that chose each token.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/checkpoint/checkpoint.h"
#include "core/generation/engine.h"
#include "tests/model/oracle_support.h"

namespace vitcop {
namespace {

TEST(GenerationOracle, PrefillAndGreedyDecodeMatchTransformers) {
  for (const auto& dir : test::oracleDirs()) {
    SCOPED_TRACE(dir.string());
    const auto ckpt = checkpoint::Checkpoint::open(dir);
    const generation::Engine engine(model::LlavaModel::load(ckpt, at::kFloat));
    const test::Reference ref(dir);
    const std::vector<int64_t> expected = test::toIds(ref.get("generated_ids"));
    generation::GenerationOptions opts;
    opts.maxNewTokens = static_cast<int64_t>(expected.size());
    opts.stopAtEos = false;
    opts.allPrefillLogits = true;
    opts.keepStepLogits = true;
    for (const char* form : {"input_ids", "input_ids_legacy"}) {
      SCOPED_TRACE(form);
      const auto r = engine.generate(test::toIds(ref.get(form)), ref.get("pixel_values"), opts);
      const double diff = test::maxAbsDiff(r.prefillLogits, ref.get("logits")[0]);
      EXPECT_LE(diff, 1e-4);
      EXPECT_EQ(r.tokens, expected);
      ASSERT_EQ(r.stepLogits.size(), expected.size());
      double stepDiff = 0;
      for (size_t i = 0; i < expected.size(); ++i)
        stepDiff = std::max(
            stepDiff, test::maxAbsDiff(r.stepLogits[i],
                                       ref.get("generated_step_logits")[static_cast<int64_t>(i)]));
      EXPECT_LE(stepDiff, 1e-4);
      std::cout << dir.filename().string() << " " << form << ": prefill logits diff " << diff
                << ", decode step logits diff " << stepDiff << "\n";
    }
  }
}

}  // namespace
}  // namespace vitcop
