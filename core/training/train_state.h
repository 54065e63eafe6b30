#pragma once
// A run's resumable state in RUN/state: progress.json (where the run is), model.pt (every
// parameter of the LLaVA modules), aux.pt (auxiliary heads) and optimizer.pt (AdamW moments of
// the current phase). Written to RUN/state.tmp and renamed over RUN/state, so an interrupted
// save leaves the previous state intact. The data needs no cursor: batches are a pure function
// of (seed, phase, step).
#include <cstdint>
#include <filesystem>
#include <string>

namespace torch::nn {
class Module;
}
namespace torch::optim {
class Optimizer;
}

namespace vitcop::training {

struct Progress {
  std::string recipe;
  uint64_t seed = 0;
  int64_t pieces = 0;  // tokenizer pieces the model was built for
  int64_t phase = 0;   // phase to run next
  int64_t step = 0;    // next step inside that phase
  int64_t globalStep = 0;
  double seconds = 0.0;  // training wall time so far
  int threads = 0;       // intra-op threads of the run (bit-exact resume needs the same count)
};

std::filesystem::path stateDir(const std::filesystem::path& run);
bool hasState(const std::filesystem::path& run);

// Throws TrainingError naming the file when it is missing or malformed.
Progress loadProgress(const std::filesystem::path& run);

// `optimizer` may be null (at a phase boundary no moments carry over).
void saveState(const std::filesystem::path& run, const Progress& progress, torch::nn::Module& model,
               torch::nn::Module& aux, torch::optim::Optimizer* optimizer);
void loadModules(const std::filesystem::path& run, torch::nn::Module& model,
                 torch::nn::Module& aux);
// False when the state holds no optimizer (saved at a phase boundary).
bool loadOptimizer(const std::filesystem::path& run, torch::optim::Optimizer& optimizer);

}  // namespace vitcop::training
