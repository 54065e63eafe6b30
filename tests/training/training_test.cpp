// The trainer end to end on the "tiny" recipe (a few seconds): deterministic for a seed, a run
// stopped and resumed equals an uninterrupted one bit for bit (same thread count), the exported
// model loads like any checkpoint and answers through the session layer, bad inputs give
// one-line errors, and eval's JSON has its keys.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "core/checkpoint/checkpoint.h"
#include "core/model/llava_model.h"
#include "core/model/llava_modules.h"
#include "core/pruning/method_registry.h"
#include "core/pruning/pruning_error.h"
#include "core/scenes/sample.h"
#include "core/scenes/scene_export.h"
#include "core/scenes/seeds.h"
#include "core/session/ask.h"
#include "core/training/aux_heads.h"
#include "core/training/evaluate.h"
#include "core/training/recipe.h"
#include "core/training/train_state.h"
#include "core/training/trainer.h"
#include "core/training/training_error.h"
#include "tests/support/test_paths.h"

namespace vitcop::training {
namespace {
namespace fs = std::filesystem;

fs::path freshRun(const std::string& name) {
  const fs::path dir = test::outputDir() / "training" / name;
  fs::remove_all(dir);
  fs::create_directories(dir.parent_path());
  return dir;
}

TrainOptions tinyOptions(const fs::path& run) {
  TrainOptions o;
  o.run = run;
  o.recipe = "tiny";
  o.seed = 5;
  o.logEvery = 1;
  return o;
}

// Every parameter of the state (LLaVA modules and auxiliary heads), by name.
std::map<std::string, at::Tensor> stateParams(const fs::path& run) {
  const Progress p = loadProgress(run);
  const Recipe r = recipeByName(p.recipe);
  auto model = model::LlavaModel::randomInit(modelConfig(r, p.pieces), at::kFloat, 99);
  AuxHeads aux = auxHeadsFor(r);
  loadModules(run, model->module(), *aux);
  std::map<std::string, at::Tensor> out;
  for (const auto& it : model->module().named_parameters(true))
    out[it.key()] = it.value().clone();
  for (const auto& it : aux->named_parameters(true))
    out["aux." + it.key()] = it.value().clone();
  return out;
}

void expectIdentical(const std::map<std::string, at::Tensor>& a,
                     const std::map<std::string, at::Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, t] : a)
    EXPECT_TRUE(torch::equal(t, b.at(name))) << name;
}

std::string readFile(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

// A finished tiny run in a folder of its own per test (ctest runs every test in its own
// process, possibly in parallel, so tests never share a run folder).
fs::path finishedTinyRun(const std::string& name) {
  const fs::path dir = freshRun(name);
  const auto s = train(tinyOptions(dir));
  EXPECT_TRUE(s.finished);
  return dir;
}

TEST(Trainer, TinyRunIsDeterministicForASeed) {
  const fs::path a = finishedTinyRun("deterministic-a");
  const fs::path b = freshRun("deterministic-b");
  const auto s = train(tinyOptions(b));
  EXPECT_TRUE(s.finished);
  EXPECT_EQ(s.globalStep, recipeByName("tiny").totalSteps());
  expectIdentical(stateParams(a), stateParams(b));
  // Same losses, same order (the seconds and speed columns differ).
  auto lossColumns = [](const std::string& csv) {
    std::vector<std::string> rows;
    std::stringstream in(csv);
    for (std::string line; std::getline(in, line);) {
      std::vector<std::string> cells;
      std::stringstream ls(line);
      for (std::string c; std::getline(ls, c, ',');)
        cells.push_back(c);
      if (cells.size() > 8) rows.push_back(cells[0] + cells[1] + cells[5] + cells[6] + cells[8]);
    }
    return rows;
  };
  EXPECT_EQ(lossColumns(readFile(a / "curve.csv")), lossColumns(readFile(b / "curve.csv")));
}

TEST(Trainer, ResumeEqualsAnUninterruptedRun) {
  const fs::path run = freshRun("tiny-resumed");
  TrainOptions o = tinyOptions(run);
  o.maxSteps = 2;  // stops inside the vision phase (optimizer moments saved)
  EXPECT_FALSE(train(o).finished);
  EXPECT_EQ(loadProgress(run).step, 2);
  o.resume = true;
  o.maxSteps = 2;  // finishes vision, then one describe step
  EXPECT_FALSE(train(o).finished);
  o.maxSteps = 0;
  const auto s = train(o);
  EXPECT_TRUE(s.finished);
  expectIdentical(stateParams(finishedTinyRun("resume-reference")), stateParams(run));
  // The curve has one row per step, none repeated.
  int rows = 0;
  std::stringstream in(readFile(run / "curve.csv"));
  for (std::string line; std::getline(in, line);)
    ++rows;
  EXPECT_EQ(rows, 1 + recipeByName("tiny").totalSteps());
}

TEST(Trainer, ExportedModelLoadsAndAnswers) {
  const fs::path dir = finishedTinyRun("export") / "model";
  const auto ckpt = checkpoint::Checkpoint::open(dir);
  const auto model = model::LlavaModel::load(ckpt, at::kFloat);
  EXPECT_EQ(model->config().vision.gridSide(), 8);
  const auto loaded = session::LoadedModel::load(dir);
  const auto sample = scenes::makeSceneSample(scenes::evalSeed(1));
  const fs::path png = test::outputDir() / "training" / "export-scene.png";
  scenes::writePng(png, sample.scene.image);
  session::AskRequest req;
  req.image = png;
  req.question = sample.questions.at(0).text;
  req.maxNewTokens = 4;
  const auto r = session::ask(*loaded, req);
  EXPECT_EQ(r.visualTokens, 64);
  EXPECT_LE(r.answerIds.size(), 4u);
}

void expectError(const TrainOptions& o, const std::string& part) {
  try {
    train(o);
    ADD_FAILURE() << "no error, expected: " << part;
  } catch (const TrainingError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(part), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(Trainer, BadInputsGiveOneLineErrors) {
  TrainOptions o = tinyOptions(freshRun("bad"));
  o.recipe = "huge";
  expectError(o, "recipe \"huge\" is unknown");
  o = tinyOptions("/nonexistent/vitcop/run");
  expectError(o, "parent folder /nonexistent/vitcop does not exist");
  o = tinyOptions(freshRun("bad-resume"));
  o.resume = true;
  expectError(o, "holds no training state");
  // A run stopped after one step holds a state.
  const fs::path started = freshRun("bad-started");
  o = tinyOptions(started);
  o.maxSteps = 1;
  train(o);
  o = tinyOptions(started);
  expectError(o, "already holds a run: pass --resume");
  o = tinyOptions(freshRun("bad-phase"));
  o.untilPhase = "dream";
  expectError(o, "--until-phase \"dream\" is not a phase of recipe tiny");
  o = tinyOptions(started);
  o.resume = true;
  o.seed = 6;
  expectError(o, "with --seed 5, not 6");
}

TEST(Eval, JsonHasTheKeysAndCountsEveryQuestion) {
  EvalOptions o;
  o.model = finishedTinyRun("eval") / "model";
  o.n = 4;  // three stills and a clip
  o.clipFrames = 2;
  const EvalResult r = evaluate(o);
  EXPECT_EQ(r.samples, 4);
  int64_t sum = 0;
  for (const auto& [t, s] : r.perType)
    sum += s.total;
  EXPECT_EQ(sum, r.questions);
  EXPECT_GT(r.objectAreaShare, 0.0);
  EXPECT_GT(r.clsObjectMass, 0.0);
  const auto j = nlohmann::json::parse(toJson(r, o));
  for (const char* key : {"accuracy", "per_type", "cls_object_mass", "object_area_share"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_TRUE(j["per_type"].is_object());
}

TEST(Eval, BadInputsGiveOneLineErrors) {
  EXPECT_THROW(parseQuestionType("colour_of_sky"), TrainingError);
  try {
    parseQuestionType("colour_of_sky");
  } catch (const TrainingError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown question type 'colour_of_sky'"),
              std::string::npos);
  }
  EvalOptions o;
  o.model = "/nonexistent/model";  // the seed range is checked before the model is loaded
  o.seed = (uint64_t{1} << 31) - 2;
  o.n = 5;
  EXPECT_THROW(evaluate(o), TrainingError);
  o.seed = 0;
  try {
    evaluate(o);
    ADD_FAILURE() << "a missing model folder must throw";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model"), std::string::npos) << e.what();
  }
}

TEST(Eval, EveryRegisteredMethodRunsAndReportsWhatItKept) {
  const fs::path model = finishedTinyRun("eval-methods") / "model";
  const auto config = checkpoint::Checkpoint::open(model).config();
  const auto patches = static_cast<double>(config.imageTokensPerImage());
  for (const std::string& name : pruning::methodNames()) {
    SCOPED_TRACE(name);
    EvalOptions o;
    o.model = model;
    o.n = 4;  // three stills and a clip
    o.clipFrames = 2;
    o.pruning.method = name;
    o.pruning.budget = name == "none" ? "" : "22%";
    const EvalResult r = evaluate(o);
    EXPECT_GT(r.questions, 0);
    EXPECT_GT(r.clsObjectMass, 0.0);  // measured ahead of the method, whatever it prunes
    // What the runs' traces kept on stills is what the method plans for this checkpoint.
    const double planned = session::preparePruning(config, o.pruning, 1)->plan().equivalentTokens;
    EXPECT_DOUBLE_EQ(r.equivalentTokens, planned);
    const auto j = nlohmann::json::parse(toJson(r, o));
    EXPECT_EQ(j["method"], name);
    EXPECT_DOUBLE_EQ(j["equivalent_tokens"].get<double>(), planned);
    if (name == "none") {
      EXPECT_TRUE(j["budget"].is_null());
      EXPECT_DOUBLE_EQ(r.equivalentTokens, patches);
    } else {
      EXPECT_EQ(j["budget"], "22%");
      EXPECT_LT(r.equivalentTokens, patches);
      EXPECT_FALSE(j["params"].empty());
    }
  }
}

TEST(Eval, BadMethodBudgetOrParameterFailsBeforeAnySample) {
  const auto expectError = [](const EvalOptions& o, const std::string& needle) {
    try {
      evaluate(o);
      ADD_FAILURE() << "no error for " << needle;
    } catch (const pruning::PruningError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  EvalOptions o;
  o.model = "/nonexistent/model";  // the method's name is checked before the model is opened
  o.n = 1;
  o.pruning = {"fastv9", "33%", {}, "official", 0};
  expectError(o, "unknown method 'fastv9'");
  o.model = finishedTinyRun("eval-bad-method") / "model";
  o.pruning = {"vitcop", "33%", {"keep_ratio=1.5"}, "official", 0};
  expectError(o, "keep_ratio=1.5 is outside");
  o.pruning = {"fastv", "900", {}, "official", 0};
  expectError(o, "exceeds the");
  o.pruning = {"none", "33%", {}, "official", 0};
  expectError(o, "takes no --budget");
  // A clip's frames count: visionzip cannot give 64 frames a token each from 33 tokens.
  o.pruning = {"visionzip", "33", {}, "official", 0};
  o.clipFrames = 64;
  expectError(o, "leaves less than one token");
}

TEST(Eval, AnswersAreNormalised) {
  EXPECT_EQ(normaliseAnswer("  Red.\n"), "red");
  EXPECT_EQ(normaliseAnswer(""), "");
}

}  // namespace
}  // namespace vitcop::training
