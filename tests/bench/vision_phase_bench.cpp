// Does the vision phase learn per-patch shape? Trains a recipe's vision phase (tower + auxiliary
// heads) for a few hundred steps with optional overrides and measures, every --eval-every steps,
// the auxiliary accuracies on a fixed validation set: scenes of the phase's full distribution
// from a seed stream no recipe phase draws (training seeds, never the evaluation seeds of
// `vitcop eval`). How docs/training.md's shape diagnosis was made. Run by hand:
//   vision_phase_bench [--recipe default] [--threads 1] [--steps 300] [--eval-every 50]
//       [--eval-n 64] [--images N] [--lr X] [--warmup K] [--easy-steps K] [--sincos S]
//       [--balanced 0|1] [--mimetic 0|1] [--positions 0|1] [--seed S] [--dump DIR]
//       [--probe 0|1] [--probe-positions MODEL_DIR [--probe-train N] [--probe-test N]]
// After training, --probe 1 (default) runs the position probes below on the trained tower.
// --dump DIR writes a few validation scenes with their patch grid and shape labels drawn on
// them (scene_<k>.png; . background, ? unsupervised, C S T * X the shapes) and exits.
// --probe-positions MODEL_DIR asks whether a trained model's visual tokens say where they are:
// linear probes (ridge least squares onto one-hot targets) for each patch's grid row and column,
// fitted on --probe-train validation scenes and scored on --probe-test others, on the tower's
// feature layer and on the projector output (what the decoder reads), over all patches and
// over object patches only. Position and relation questions need this information.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "core/checkpoint/checkpoint.h"
#include "core/model/llava_model.h"
#include "core/model/llava_modules.h"
#include "core/scenes/generator.h"
#include "core/scenes/scene_export.h"
#include "core/training/aux_heads.h"
#include "core/training/batch.h"
#include "core/training/recipe.h"
#include "core/training/train_forward.h"
#include "core/training/train_step.h"
#include "core/training/vision_init.h"
#include "gpu/runtime.h"
#include "tests/bench/bench_common.h"

using namespace vitcop;

namespace {

// A phase index no recipe has: its seeds are training seeds that no training step draws.
constexpr int64_t kValidationPhase = 1000;
const char kShapeMark[] = ".CST*X";

struct Validation {
  at::Tensor pixels;
  training::AuxLabels labels;
};

Validation validationSet(const training::BatchContext& ctx, const scenes::SceneOptions& opts,
                         int n) {
  std::vector<scenes::Scene> scenesOwned;
  for (int i = 0; i < n; ++i)
    scenesOwned.push_back(
        scenes::generateScene(training::trainSeed(ctx.runSeed, kValidationPhase, 0, i, 0), opts));
  std::vector<cv::Mat> rgb;
  std::vector<const scenes::Scene*> ptrs;
  for (const auto& s : scenesOwned) {
    rgb.push_back(s.image);
    ptrs.push_back(&s);
  }
  return {training::pixelValues(rgb, ctx.processor),
          training::auxLabels(ptrs, ctx.config.vision.gridSide())};
}

void dumpLabels(const training::BatchContext& ctx, const scenes::SceneOptions& opts,
                const std::filesystem::path& dir) {
  const int64_t grid = ctx.config.vision.gridSide();
  for (int i = 0; i < 6; ++i) {
    const scenes::Scene s =
        scenes::generateScene(training::trainSeed(ctx.runSeed, kValidationPhase, 0, i, 0), opts);
    const training::AuxLabels l = training::auxLabels({&s}, grid);
    const int zoom = 4, cell = s.width() * zoom / static_cast<int>(grid);
    cv::Mat big;
    cv::resize(s.image, big, {}, zoom, zoom, cv::INTER_NEAREST);
    auto shape = l.patchShape.accessor<int64_t, 2>();
    std::printf("scene %d (%zu objects):", i, s.objects.size());
    for (const auto& o : s.objects)
      std::printf(" %s %s %s at (%.0f,%.0f) r %.1f;", scenes::name(o.size), scenes::name(o.colour),
                  scenes::name(o.shape), o.centre.x, o.centre.y, o.radius);
    std::printf("\n");
    for (int64_t gy = 0; gy < grid; ++gy) {
      for (int64_t gx = 0; gx < grid; ++gx) {
        const int64_t v = shape[0][gy * grid + gx];
        const char c = v == training::kIgnore ? '?' : kShapeMark[v];
        std::printf("%c", c);
        const cv::Point org(static_cast<int>(gx) * cell + cell / 3,
                            static_cast<int>(gy) * cell + 2 * cell / 3);
        cv::rectangle(big, {static_cast<int>(gx) * cell, static_cast<int>(gy) * cell, cell, cell},
                      cv::Scalar(0, 0, 0), 1);
        if (c != '.')
          cv::putText(big, std::string(1, c), org, cv::FONT_HERSHEY_SIMPLEX, 0.8,
                      cv::Scalar(0, 0, 0), 2);
      }
      std::printf("\n");
    }
    scenes::writePng(dir / ("scene_" + std::to_string(i) + ".png"), big);
  }
}

// The feature layer ([N, 1+P, Dv]) of every validation image, 32 images at a time.
at::Tensor validationFeatures(model::LlavaForConditionalGenerationImpl& m, const Validation& val) {
  std::vector<at::Tensor> feats;
  for (int64_t i = 0; i < val.pixels.size(0); i += 32)
    feats.push_back(training::visionForward(
                        m, val.pixels.narrow(0, i, std::min<int64_t>(32, val.pixels.size(0) - i)))
                        .features);
  return at::cat(feats, 0);
}

// Accuracies on the validation set, and per-shape recall over object patches.
void evaluate(model::LlavaForConditionalGenerationImpl& m, training::AuxHeadsImpl& aux,
              const Validation& val, int64_t step, double trainShape, double ips) {
  torch::NoGradGuard noGrad;
  const at::Tensor features = validationFeatures(m, val);
  const training::AuxResult r = aux.forward(features, val.labels);
  const at::Tensor h = aux.norm->forward(features.narrow(1, 1, features.size(1) - 1));
  const at::Tensor pred = aux.shape->forward(h).argmax(-1);
  std::string recall;
  for (int c = 1; c <= scenes::kShapeCount; ++c) {
    const at::Tensor sel = val.labels.patchShape.eq(c);
    const double n = sel.sum().item<double>();
    const double hit = pred.eq(c).logical_and(sel).sum().item<double>();
    char buf[32];
    std::snprintf(buf, sizeof buf, " %c %.2f", kShapeMark[c], n > 0 ? hit / n : 0.0);
    recall += buf;
  }
  std::printf(
      "%6lld  train-shape %.3f | val shape %.3f object-shape %.3f colour %.3f count %.3f "
      "scene %.3f | object position %.3f | recall%s | %.1f img/s\n",
      static_cast<long long>(step), trainShape, r.patchShapeAcc, r.objectShapeAcc, r.patchColourAcc,
      r.countAcc, r.sceneExact, r.objectPositionAcc, recall.c_str(), ips);
  std::fflush(stdout);
}

// Share of rows where argmax(x W) equals the label, W fitted by ridge least squares onto the
// one-hot labels of the fitting rows (a bias column appended).
double linearProbe(const at::Tensor& xFit, const at::Tensor& yFit, const at::Tensor& xTest,
                   const at::Tensor& yTest, int64_t classes) {
  auto withBias = [](const at::Tensor& x) {
    return at::cat({x.to(at::kDouble), at::ones({x.size(0), 1}, x.options().dtype(at::kDouble))},
                   1);
  };
  const at::Tensor a = withBias(xFit), b = withBias(xTest);
  const at::Tensor target = at::one_hot(yFit, classes).to(at::kDouble);
  const at::Tensor gram = a.t().mm(a);
  const double ridge = 1e-3 * gram.diagonal().mean().item<double>();
  const at::Tensor w =
      at::linalg_solve(gram + ridge * at::eye(gram.size(0), gram.options()), a.t().mm(target));
  return b.mm(w).argmax(1).eq(yTest).to(at::kDouble).mean().item<double>();
}

// Prints linear-probe accuracies for row and column on the tower's feature layer (and the
// projector output when `withProjector`): the first `fit` scenes of `val` fit, the rest score.
void printPositionProbes(model::LlavaForConditionalGenerationImpl& m, int64_t grid,
                         const Validation& val, int64_t fit, bool withProjector) {
  torch::NoGradGuard noGrad;
  const int64_t p = grid * grid;
  const at::Tensor features = validationFeatures(m, val).narrow(1, 1, p);  // [N, P, Dv]
  std::vector<std::pair<const char*, at::Tensor>> spaces{{"feature layer", features}};
  if (withProjector)
    spaces.emplace_back("projector output", m.multi_modal_projector->forward(features));
  const int64_t n = features.size(0), test = n - fit;
  const auto [rows, columns] = training::patchRowColumn(grid);
  const at::Tensor row = rows.expand({n, p}), col = columns.expand({n, p});
  std::printf("position probes: %lld fitting + %lld scoring scenes, %lldx%lld grid (chance %.3f)\n",
              static_cast<long long>(fit), static_cast<long long>(test),
              static_cast<long long>(grid), static_cast<long long>(grid),
              1.0 / static_cast<double>(grid));
  for (const auto& [name, x] : spaces) {
    for (const bool objectsOnly : {false, true}) {
      auto keep = [&](int64_t from, int64_t count) {
        return objectsOnly ? val.labels.objectPatch.narrow(0, from, count)
                           : at::ones({count, p}, at::kBool);
      };
      const at::Tensor kf = keep(0, fit), kt = keep(fit, test);
      auto pick = [&](const at::Tensor& t, int64_t from, int64_t count, const at::Tensor& k) {
        return t.narrow(0, from, count).index({k});
      };
      const at::Tensor xf = pick(x, 0, fit, kf), xt = pick(x, fit, test, kt);
      const double rAcc =
          linearProbe(xf, pick(row, 0, fit, kf), xt, pick(row, fit, test, kt), grid);
      const double cAcc =
          linearProbe(xf, pick(col, 0, fit, kf), xt, pick(col, fit, test, kt), grid);
      std::printf("  %-16s %-14s row %.3f  column %.3f  (%lld scored patches)\n", name,
                  objectsOnly ? "object patches" : "all patches", rAcc, cAcc,
                  static_cast<long long>(kt.sum().item<int64_t>()));
    }
  }
  std::fflush(stdout);
}

int probePositions(const bench::Args& args, const training::BatchContext& ctx,
                   const scenes::SceneOptions& opts) {
  const std::string dir = args.get("--probe-positions", "");
  auto model = model::LlavaModel::load(checkpoint::Checkpoint::open(dir), at::kFloat);
  const int fit = args.getInt("--probe-train", 192, 8, 4096);
  const int test = args.getInt("--probe-test", 64, 8, 4096);
  // One stream of validation scenes: the first `fit` fit the probes, the next `test` score them.
  std::printf("%s\n", dir.c_str());
  printPositionProbes(model->module(), model->config().vision.gridSide(),
                      validationSet(ctx, opts, fit + test), fit, true);
  return 0;
}

int run(const bench::Args& args) {
  training::Recipe recipe = training::recipeByName(args.get("--recipe", "default"));
  const int threads = args.getInt("--threads", 1, 1, 256);
  at::set_num_threads(threads);
  training::Phase phase = recipe.phases.front();
  phase.steps = args.getInt("--steps", 300, 1, 100000);
  phase.images = args.getInt("--images", phase.images, 1, 1024);
  phase.warmup = args.getInt("--warmup", static_cast<int>(phase.warmup), 1, 100000);
  phase.easySteps = args.getInt("--easy-steps", static_cast<int>(phase.easySteps), 0, 100000);
  phase.lr = std::stod(args.get("--lr", std::to_string(phase.lr)));
  recipe.sinCosPositions = std::stod(args.get("--sincos", std::to_string(recipe.sinCosPositions)));
  recipe.balancedPatchLoss = args.getInt("--balanced", recipe.balancedPatchLoss ? 1 : 0, 0, 1);
  recipe.mimeticAttention = args.getInt("--mimetic", recipe.mimeticAttention ? 1 : 0, 0, 1);
  recipe.positionTargets = args.getInt("--positions", recipe.positionTargets ? 1 : 0, 0, 1);
  const int evalEvery = args.getInt("--eval-every", 50, 1, 100000);
  const uint64_t seed = static_cast<uint64_t>(args.getInt("--seed", 1, 0, 1 << 30));

  training::BatchContext ctx;
  ctx.config = training::modelConfig(recipe, recipe.tokenizerPieces);
  ctx.processor = training::imageProcessorConfig(recipe);
  ctx.runSeed = seed;
  const std::string dump = args.get("--dump", "");
  if (!dump.empty()) {
    dumpLabels(ctx, phase.scene, dump);
    return 0;
  }
  if (args.has("--probe-positions")) return probePositions(args, ctx, phase.scene);
  const Validation val = validationSet(ctx, phase.scene, args.getInt("--eval-n", 64, 1, 4096));
  {
    const at::Tensor obj = val.labels.patchShape.gt(0);
    double best = 0;
    for (int c = 1; c <= scenes::kShapeCount; ++c)
      best = std::max(best, val.labels.patchShape.eq(c).sum().item<double>());
    std::printf("validation: %lld images, %lld object patches, majority shape %.3f\n",
                static_cast<long long>(val.pixels.size(0)),
                static_cast<long long>(obj.sum().item<int64_t>()), best / obj.sum().item<double>());
  }
  std::printf(
      "recipe %s vision phase: %lld steps x %d images, lr %g warm-up %lld, easy %lld, "
      "sincos %g, balanced %d, mimetic %d, positions %d, %d threads\n",
      recipe.name.c_str(), static_cast<long long>(phase.steps), phase.images, phase.lr,
      static_cast<long long>(phase.warmup), static_cast<long long>(phase.easySteps),
      recipe.sinCosPositions, recipe.balancedPatchLoss ? 1 : 0, recipe.mimeticAttention ? 1 : 0,
      recipe.positionTargets ? 1 : 0, at::get_num_threads());

  auto model = model::LlavaModel::randomInit(ctx.config, at::kFloat, seed);
  auto& m = model->module();
  if (recipe.sinCosPositions > 0) training::initSinCosPositions(m, recipe.sinCosPositions);
  if (recipe.mimeticAttention) training::initMimeticAttention(m, seed);
  torch::manual_seed(seed);
  training::AuxHeads aux = training::auxHeadsFor(recipe);
  training::setTrainable(phase, m, *aux);
  auto groups = training::makeParamGroups(phase, recipe, m, *aux);
  torch::optim::AdamW opt(groups.groups);
  const std::vector<at::Tensor> trainable = training::optimizedParameters(opt);
  double shapeSum = 0, seconds = 0;
  int64_t images = 0, window = 0;
  for (int64_t step = 0; step < phase.steps; ++step) {
    const double lr = training::learningRate(phase, step);
    for (size_t g = 0; g < opt.param_groups().size(); ++g)
      static_cast<torch::optim::AdamWOptions&>(opt.param_groups()[g].options())
          .lr(lr * groups.lrScale[g]);
    const auto t0 = std::chrono::steady_clock::now();
    const auto batch = training::makeBatch(ctx, phase, 0, step);
    const auto st = training::trainStep(m, *aux, phase, batch, opt, trainable, recipe.gradClip);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    images += batch.pixels.size(0);
    shapeSum += st.patchShapeAcc;
    ++window;
    if ((step + 1) % evalEvery == 0 || step + 1 == phase.steps) {
      evaluate(m, *aux, val, step + 1, shapeSum / static_cast<double>(window),
               static_cast<double>(images) / seconds);
      shapeSum = 0;
      window = 0;
    }
  }
  // Where the tower keeps position after this phase (the projector is not trained here).
  if (args.getInt("--probe", 1, 0, 1))
    printPositionProbes(m, ctx.config.vision.gridSide(), validationSet(ctx, phase.scene, 256), 192,
                        false);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  bench::ensureCleanBlasEnvironment(argv);
  gpu::initRuntime();
  try {
    return run(bench::Args(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vision_phase_bench: %s\n", e.what());
    return 2;
  }
}
