// Seconds per training step of every phase of a recipe at its real sizes, and the whole
// recipe's time extrapolated from them: how docs/training.md's 4-hour budget is checked on a
// quiet machine. Run by hand:
//   training_bench [--recipe default] [--threads N] [--steps K] [--tokenizer DIR]
// (--tokenizer: a folder with the run's tokenizer; default: one is trained in a temp folder).
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "core/model/llava_model.h"
#include "core/model/llava_modules.h"
#include "core/text/tokenizer.h"
#include "core/training/aux_heads.h"
#include "core/training/batch.h"
#include "core/training/recipe.h"
#include "core/training/tokenizer_training.h"
#include "core/training/train_step.h"
#include "gpu/runtime.h"
#include "tests/bench/bench_common.h"

using namespace vitcop;

namespace {

int run(const bench::Args& args) {
  training::Recipe recipe = training::recipeByName(args.get("--recipe", "default"));
  // --bf16 0|1 overrides every phase's bf16Matmuls (to compare the two on one machine).
  const int bf16 = args.getInt("--bf16", -1, -1, 1);
  if (bf16 >= 0)
    for (auto& p : recipe.phases)
      p.bf16Matmuls = bf16 == 1;
  const int threads = args.getInt("--threads", 0, 0, 256);
  if (threads > 0) at::set_num_threads(threads);
  const int steps = args.getInt("--steps", 3, 1, 1000);
  const std::string only = args.get("--phase", "");
  std::filesystem::path tokDir = args.get("--tokenizer", "");
  if (tokDir.empty()) {
    tokDir = std::filesystem::temp_directory_path() / "vitcop-training-bench";
    std::filesystem::create_directories(tokDir);
    if (!std::filesystem::exists(tokDir / "tokenizer.model"))
      training::trainTokenizer(tokDir, recipe.tokenizerPieces, recipe.tokenizerCorpus, 0);
  }
  const text::Tokenizer tok = text::Tokenizer::load(tokDir);
  training::BatchContext ctx;
  ctx.tokenizer = &tok;
  ctx.config = training::modelConfig(recipe, tok.baseVocabSize());
  ctx.processor = training::imageProcessorConfig(recipe);
  ctx.clipFrames = recipe.clipFrames;
  auto model = model::LlavaModel::randomInit(ctx.config, at::kFloat, 1);
  auto& m = model->module();
  training::AuxHeads aux = training::auxHeadsFor(recipe);
  std::printf("recipe %s, %d threads, %d timed steps per phase\n", recipe.name.c_str(),
              at::get_num_threads(), steps);
  std::printf("%-10s %5s %10s %10s %12s %12s\n", "phase", "bf16", "s/step", "images/s",
              "batch s/step", "phase time");
  double total = 0;
  for (size_t pi = 0; pi < recipe.phases.size(); ++pi) {
    const auto& phase = recipe.phases[pi];
    if (!only.empty() && phase.name != only) continue;
    training::setTrainable(phase, m, *aux);
    auto groups = training::makeParamGroups(phase, recipe, m, *aux);
    torch::optim::AdamW opt(groups.groups);
    const std::vector<at::Tensor> trainable = training::optimizedParameters(opt);
    double stepSec = 0, batchSec = 0;
    int64_t images = 0;
    for (int s = 0; s <= steps; ++s) {  // step 0 warms up and is not timed
      const auto t0 = std::chrono::steady_clock::now();
      const auto batch = training::makeBatch(ctx, phase, static_cast<int64_t>(pi), s);
      const auto t1 = std::chrono::steady_clock::now();
      training::trainStep(m, *aux, phase, batch, opt, trainable, recipe.gradClip);
      const auto t2 = std::chrono::steady_clock::now();
      if (s == 0) continue;
      batchSec += std::chrono::duration<double>(t1 - t0).count();
      stepSec += std::chrono::duration<double>(t2 - t0).count();
      images += batch.pixels.size(0);
    }
    const double perStep = stepSec / steps;
    const double phaseTime = perStep * static_cast<double>(phase.steps);
    total += phaseTime;
    std::printf("%-10s %5s %10.3f %10.2f %12.3f %11.1fm\n", phase.name.c_str(),
                phase.bf16Matmuls ? "on" : "off", perStep, static_cast<double>(images) / stepSec,
                batchSec / steps, phaseTime / 60.0);
  }
  std::printf("recipe total (extrapolated): %.1f min\n", total / 60.0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  bench::ensureCleanBlasEnvironment(argv);
  gpu::initRuntime();
  try {
    return run(bench::Args(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "training_bench: %s\n", e.what());
    return 2;
  }
}
