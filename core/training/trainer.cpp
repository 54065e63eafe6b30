#include "core/training/trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include "core/model/llava_model.h"
#include "core/model/llava_modules.h"
#include "core/text/tokenizer.h"
#include "core/training/aux_heads.h"
#include "core/training/batch.h"
#include "core/training/model_export.h"
#include "core/training/recipe.h"
#include "core/training/tokenizer_training.h"
#include "core/training/train_forward.h"
#include "core/training/train_state.h"
#include "core/training/train_step.h"
#include "core/training/training_error.h"
#include "core/training/vision_init.h"

namespace vitcop::training {
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string hms(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  const auto t = static_cast<int64_t>(s + 0.5);
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(t / 3600),
                  static_cast<long long>(t % 3600 / 60));
  else
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(t / 60),
                  static_cast<long long>(t % 60));
  return buf;
}

// Relative cost of one step, to estimate the time of phases not yet run from the speed of the
// current one (an image through the tower alone = 1; the decoder over ~400 tokens ~ 3).
double stepCost(const Phase& p, int clipFrames) {
  const double lm = p.task == Task::VisionAux ? 0.0 : 3.0;
  const double vision = p.trainVision ? 1.0 : 0.35;
  return p.images * (vision + lm) + p.clips * clipFrames * (vision + lm);
}

// Running means over one logging window.
struct Window {
  int64_t steps = 0, images = 0, tokens = 0, correct = 0;
  double loss = 0, lm = 0, aux = 0, shape = 0, objectShape = 0, colour = 0, scene = 0, count = 0,
         position = 0, seconds = 0;
  int64_t auxSteps = 0, lmSteps = 0;
};

constexpr const char* kCurveHeader =
    "global_step,phase,step,seconds,lr,loss,lm_loss,token_acc,aux_loss,patch_shape_acc,"
    "object_shape_acc,patch_colour_acc,scene_exact,count_acc,images_per_s,object_position_acc";
constexpr size_t kCurveColumns = 16;

// The object_position_acc cell: empty without position heads or auxiliary steps.
std::string positionCell(const Window& w, const Recipe& recipe) {
  if (!recipe.positionTargets || w.auxSteps == 0) return {};
  char cell[32];
  std::snprintf(cell, sizeof cell, "%.4f", w.position / static_cast<double>(w.auxSteps));
  return cell;
}

// Keeps the curve rows before `globalStep` (a resumed run rewrites what came after its state).
void trimCurve(const fs::path& file, int64_t globalStep) {
  std::ifstream in(file);
  std::vector<std::string> keep;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.rfind("global_step", 0) == 0) continue;
    if (std::stoll(line.substr(0, line.find(','))) > globalStep) continue;
    // Rows written before a column existed get it empty, so every row has the header's columns.
    const auto columns = static_cast<size_t>(std::count(line.begin(), line.end(), ',')) + 1;
    if (columns < kCurveColumns) line.append(kCurveColumns - columns, ',');
    keep.push_back(line);
  }
  in.close();
  std::ofstream out(file, std::ios::trunc);
  out << kCurveHeader << "\n";
  for (const auto& l : keep)
    out << l << "\n";
}

void checkRunFolder(const TrainOptions& o) {
  if (o.run.empty()) throw TrainingError("no run folder given (--out DIR)");
  const fs::path parent = fs::absolute(o.run).parent_path();
  if (!fs::is_directory(parent))
    throw TrainingError("run folder " + o.run.string() + ": parent folder " + parent.string() +
                        " does not exist");
  if (fs::exists(o.run) && !fs::is_directory(o.run))
    throw TrainingError("run folder " + o.run.string() + " is not a directory");
  if (o.resume && !hasState(o.run))
    throw TrainingError("--resume: " + o.run.string() + " holds no training state");
  if (!o.resume && hasState(o.run))
    throw TrainingError(o.run.string() +
                        " already holds a run: pass --resume to continue it, or another --out");
  if (o.threads < 0 || o.threads > 256)
    throw TrainingError("--threads " + std::to_string(o.threads) + " is outside [1, 256]");
  if (o.checkpointMinutes <= 0) throw TrainingError("--checkpoint-minutes must be positive");
}

}  // namespace

TrainSummary train(const TrainOptions& o) {
  checkRunFolder(o);
  const Recipe recipe = recipeByName(o.recipe);
  int64_t until = static_cast<int64_t>(recipe.phases.size());
  if (!o.untilPhase.empty()) {
    until = -1;
    std::string known;
    for (size_t i = 0; i < recipe.phases.size(); ++i) {
      known += (i ? ", " : "") + recipe.phases[i].name;
      if (recipe.phases[i].name == o.untilPhase) until = static_cast<int64_t>(i) + 1;
    }
    if (until < 0)
      throw TrainingError("--until-phase \"" + o.untilPhase + "\" is not a phase of recipe " +
                          recipe.name + " (" + known + ")");
  }
  auto log = [&](const std::string& s) {
    if (o.log) o.log(s);
  };
  if (o.threads > 0) at::set_num_threads(o.threads);
  fs::create_directories(o.run);

  Progress progress;
  if (o.resume) {
    progress = loadProgress(o.run);
    if (progress.recipe != recipe.name)
      throw TrainingError(o.run.string() + " holds a run of recipe " + progress.recipe + ", not " +
                          recipe.name);
    if (progress.seed != o.seed)
      throw TrainingError(o.run.string() + " holds a run with --seed " +
                          std::to_string(progress.seed) + ", not " + std::to_string(o.seed));
    if (progress.threads != at::get_num_threads())
      log("note: the run used " + std::to_string(progress.threads) + " threads, now " +
          std::to_string(at::get_num_threads()) +
          ": the result is equivalent but not bit-identical to an uninterrupted run");
  } else {
    progress.recipe = recipe.name;
    progress.seed = o.seed;
    log("training the tokenizer (spm_train, " + std::to_string(recipe.tokenizerCorpus) +
        " generated samples)");
    // Tokenizer text comes from training seeds too: [seed mod 2^30, + corpus).
    progress.pieces = trainTokenizer(o.run, recipe.tokenizerPieces, recipe.tokenizerCorpus,
                                     o.seed % (uint64_t{1} << 30));
  }
  progress.threads = at::get_num_threads();
  const text::Tokenizer tokenizer = text::Tokenizer::load(o.run);

  BatchContext ctx;
  ctx.tokenizer = &tokenizer;
  ctx.config = modelConfig(recipe, progress.pieces);
  ctx.processor = imageProcessorConfig(recipe);
  ctx.clipFrames = recipe.clipFrames;
  ctx.runSeed = o.seed;

  auto model = model::LlavaModel::randomInit(ctx.config, at::kFloat, o.seed);
  auto& m = model->module();
  if (recipe.sinCosPositions > 0) initSinCosPositions(m, recipe.sinCosPositions);
  if (recipe.mimeticAttention) initMimeticAttention(m, o.seed);
  torch::manual_seed(o.seed);  // the auxiliary heads' default initialisation
  AuxHeads aux = auxHeadsFor(recipe);
  if (o.resume) loadModules(o.run, m, *aux);
  log("model: " + std::to_string(model->parameterCount()) + " parameters, vocabulary " +
      std::to_string(ctx.config.text.vocabSize) + " (" + std::to_string(progress.pieces) +
      " pieces), " + std::to_string(at::get_num_threads()) + " threads");

  const fs::path curve = o.run / "curve.csv";
  trimCurve(curve, progress.globalStep);
  std::ofstream curveOut(curve, std::ios::app);

  TrainSummary summary;
  if (fs::exists(o.run / "model" / "config.json")) summary.modelDir = o.run / "model";
  const auto start = Clock::now();
  auto lastSave = Clock::now();
  const double secondsBefore = progress.seconds;
  int64_t stepsThisRun = 0;
  bool stopped = false;

  for (int64_t pi = progress.phase; pi < until && !stopped; ++pi) {
    const Phase& phase = recipe.phases[static_cast<size_t>(pi)];
    setTrainable(phase, m, *aux);
    ParamGroups groups = makeParamGroups(phase, recipe, m, *aux);
    torch::optim::AdamW optimizer(groups.groups);
    if (o.resume && pi == progress.phase && progress.step > 0) loadOptimizer(o.run, optimizer);
    const std::vector<at::Tensor> trainable = optimizedParameters(optimizer);
    log("phase " + phase.name + " (" + name(phase.task) + "): steps " +
        std::to_string(progress.step) + ".." + std::to_string(phase.steps) + ", peak lr " +
        std::to_string(phase.lr));

    Window w;
    const auto phaseStart = Clock::now();
    const int64_t phaseFirstStep = progress.step;
    for (int64_t step = progress.step; step < phase.steps; ++step) {
      const auto t0 = Clock::now();
      const double lr = learningRate(phase, step);
      for (size_t g = 0; g < optimizer.param_groups().size(); ++g)
        static_cast<torch::optim::AdamWOptions&>(optimizer.param_groups()[g].options())
            .lr(lr * groups.lrScale[g]);
      const TrainBatch batch = makeBatch(ctx, phase, pi, step);
      const StepStats st = trainStep(m, *aux, phase, batch, optimizer, trainable, recipe.gradClip);
      if (st.hasAux) {
        w.aux += st.aux;
        w.shape += st.patchShapeAcc;
        w.objectShape += st.objectShapeAcc;
        w.colour += st.patchColourAcc;
        w.scene += st.sceneExact;
        w.count += st.countAcc;
        w.position += st.objectPositionAcc;
        ++w.auxSteps;
      }
      if (st.hasLm) {
        w.lm += st.lm;
        w.tokens += st.tokens;
        w.correct += st.correct;
        ++w.lmSteps;
      }
      w.loss += st.loss;
      ++w.steps;
      w.images += batch.pixels.size(0);
      w.seconds += secondsSince(t0);
      ++stepsThisRun;
      progress.step = step + 1;
      ++progress.globalStep;
      progress.seconds = secondsBefore + secondsSince(start);

      if (w.steps == o.logEvery || step + 1 == phase.steps) {
        const double ips = static_cast<double>(w.images) / std::max(w.seconds, 1e-9);
        auto mean = [](double s, int64_t n) { return n ? s / static_cast<double>(n) : 0.0; };
        const double tokenAcc =
            w.tokens ? static_cast<double>(w.correct) / static_cast<double>(w.tokens) : 0.0;
        char row[512];
        std::snprintf(row, sizeof row,
                      "%lld,%s,%lld,%.1f,%.3g,%.5f,%.5f,%.4f,%.5f,%.4f,%.4f,%.4f,%.4f,%.4f,%.2f,%s",
                      static_cast<long long>(progress.globalStep), phase.name.c_str(),
                      static_cast<long long>(step + 1), progress.seconds, lr, mean(w.loss, w.steps),
                      mean(w.lm, w.lmSteps), tokenAcc, mean(w.aux, w.auxSteps),
                      mean(w.shape, w.auxSteps), mean(w.objectShape, w.auxSteps),
                      mean(w.colour, w.auxSteps), mean(w.scene, w.auxSteps),
                      mean(w.count, w.auxSteps), ips, positionCell(w, recipe).c_str());
        curveOut << row << "\n" << std::flush;
        // ETA: this phase from its measured speed; later phases scaled by their step cost.
        const double perStep =
            secondsSince(phaseStart) / static_cast<double>(step + 1 - phaseFirstStep);
        const double phaseLeft = perStep * static_cast<double>(phase.steps - step - 1);
        double later = 0;
        const double unit = perStep / std::max(1e-9, stepCost(phase, recipe.clipFrames));
        for (int64_t k = pi + 1; k < until; ++k) {
          const Phase& q = recipe.phases[static_cast<size_t>(k)];
          later += unit * stepCost(q, recipe.clipFrames) * static_cast<double>(q.steps);
        }
        std::ostringstream line;
        line << phase.name << " " << step + 1 << "/" << phase.steps << " loss "
             << mean(w.loss, w.steps);
        if (w.lmSteps) line << " lm " << mean(w.lm, w.lmSteps) << " tok-acc " << tokenAcc;
        if (w.auxSteps)
          line << " shape-acc " << mean(w.shape, w.auxSteps) << " object-shape-acc "
               << mean(w.objectShape, w.auxSteps) << " colour-acc " << mean(w.colour, w.auxSteps)
               << " scene " << mean(w.scene, w.auxSteps);
        if (w.auxSteps && recipe.positionTargets)
          line << " object-position-acc " << mean(w.position, w.auxSteps);
        line << " | " << static_cast<int>(ips * 10) / 10.0 << " img/s, lr " << lr << " | ETA phase "
             << hms(phaseLeft) << ", all " << hms(phaseLeft + later) << " (elapsed "
             << hms(progress.seconds) << ")";
        log(line.str());
        w = Window{};
      }

      const bool timeUp = o.maxMinutes > 0 && secondsSince(start) >= o.maxMinutes * 60.0;
      const bool interrupted = o.stop && o.stop->load();
      const bool enough = o.maxSteps > 0 && stepsThisRun >= o.maxSteps;
      if (step + 1 < phase.steps && (timeUp || interrupted || enough ||
                                     secondsSince(lastSave) >= o.checkpointMinutes * 60.0)) {
        saveState(o.run, progress, m, *aux, &optimizer);
        lastSave = Clock::now();
        if (timeUp || interrupted || enough) {
          log("stopped at " + phase.name + " step " + std::to_string(step + 1) +
              "; state saved in " + stateDir(o.run).string());
          stopped = true;
          break;
        }
      }
    }
    if (stopped) break;
    // Phase done: the next invocation starts the next phase with fresh optimizer moments.
    progress.phase = pi + 1;
    progress.step = 0;
    saveState(o.run, progress, m, *aux, nullptr);
    lastSave = Clock::now();
    std::map<std::string, std::string> meta = {
        {"recipe", recipe.name},
        {"seed", std::to_string(o.seed)},
        {"phase", phase.name},
        {"global_step", std::to_string(progress.globalStep)}};
    exportModel(m, ctx.processor, o.run, o.run / "model", meta);
    summary.modelDir = o.run / "model";
    log("phase " + phase.name + " done at global step " + std::to_string(progress.globalStep) +
        "; model written to " + summary.modelDir.string());
    const bool timeUp = o.maxMinutes > 0 && secondsSince(start) >= o.maxMinutes * 60.0;
    const bool enough = o.maxSteps > 0 && stepsThisRun >= o.maxSteps;
    if ((timeUp || (o.stop && o.stop->load()) || enough) && pi + 1 < until) stopped = true;
  }
  summary.finished = !stopped && progress.phase >= until;
  summary.globalStep = progress.globalStep;
  summary.seconds = progress.seconds;
  return summary;
}

}  // namespace vitcop::training
