#include "core/training/train_state.h"

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "core/training/training_error.h"

namespace vitcop::training {
namespace fs = std::filesystem;

fs::path stateDir(const fs::path& run) {
  return run / "state";
}

bool hasState(const fs::path& run) {
  return fs::exists(stateDir(run) / "progress.json");
}

Progress loadProgress(const fs::path& run) {
  const fs::path file = stateDir(run) / "progress.json";
  std::ifstream in(file);
  if (!in) throw TrainingError("no training state at " + file.string());
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    Progress p;
    p.recipe = j.at("recipe").get<std::string>();
    p.seed = j.at("seed").get<uint64_t>();
    p.pieces = j.at("pieces").get<int64_t>();
    p.phase = j.at("phase").get<int64_t>();
    p.step = j.at("step").get<int64_t>();
    p.globalStep = j.at("global_step").get<int64_t>();
    p.seconds = j.at("seconds").get<double>();
    p.threads = j.at("threads").get<int>();
    return p;
  } catch (const nlohmann::json::exception& e) {
    throw TrainingError(file.string() + ": malformed (" + std::string(e.what()) + ")");
  }
}

void saveState(const fs::path& run, const Progress& p, torch::nn::Module& model,
               torch::nn::Module& aux, torch::optim::Optimizer* optimizer) {
  const fs::path tmp = run / "state.tmp", dir = stateDir(run), old = run / "state.old";
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  {
    torch::serialize::OutputArchive a;
    model.save(a);
    a.save_to((tmp / "model.pt").string());
  }
  {
    torch::serialize::OutputArchive a;
    aux.save(a);
    a.save_to((tmp / "aux.pt").string());
  }
  if (optimizer) {
    torch::serialize::OutputArchive a;
    optimizer->save(a);
    a.save_to((tmp / "optimizer.pt").string());
  }
  const nlohmann::json j = {{"recipe", p.recipe},   {"seed", p.seed},
                            {"pieces", p.pieces},   {"phase", p.phase},
                            {"step", p.step},       {"global_step", p.globalStep},
                            {"seconds", p.seconds}, {"threads", p.threads}};
  {
    std::ofstream out(tmp / "progress.json");
    out << j.dump(2) << "\n";
    if (!out) throw TrainingError("cannot write " + (tmp / "progress.json").string());
  }
  fs::remove_all(old);
  if (fs::exists(dir)) fs::rename(dir, old);
  fs::rename(tmp, dir);
  fs::remove_all(old);
}

void loadModules(const fs::path& run, torch::nn::Module& model, torch::nn::Module& aux) {
  torch::NoGradGuard noGrad;
  {
    torch::serialize::InputArchive a;
    a.load_from((stateDir(run) / "model.pt").string());
    model.load(a);
  }
  torch::serialize::InputArchive a;
  a.load_from((stateDir(run) / "aux.pt").string());
  aux.load(a);
}

bool loadOptimizer(const fs::path& run, torch::optim::Optimizer& optimizer) {
  const fs::path file = stateDir(run) / "optimizer.pt";
  if (!fs::exists(file)) return false;
  torch::serialize::InputArchive a;
  a.load_from(file.string());
  optimizer.load(a);
  return true;
}

}  // namespace vitcop::training
