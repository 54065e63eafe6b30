#pragma once
// `vitcop train`: runs a recipe's phases in RUN (a folder), checkpointing every few minutes and
// at phase ends, resuming exactly where a previous invocation stopped, logging the learning
// curve to RUN/curve.csv and exporting the model (llava-hf layout) to RUN/model after each phase.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace vitcop::training {

struct TrainOptions {
  std::filesystem::path run;  // created if missing (its parent must exist)
  std::string recipe = "default";
  uint64_t seed = 0;
  bool resume = false;      // continue RUN's state (required when RUN holds one)
  int threads = 0;          // intra-op threads; 0 = keep what the runtime chose
  double maxMinutes = 0.0;  // stop (with a checkpoint) after this much time; 0 = no limit
  double checkpointMinutes = 5.0;
  int64_t logEvery = 20;   // steps per curve.csv row and progress line
  std::string untilPhase;  // stop after this phase ("" = run all)
  int64_t maxSteps = 0;    // stop after this many steps of this invocation (tests); 0 = none
  const std::atomic<bool>* stop = nullptr;      // e.g. set by SIGINT: checkpoint and return
  std::function<void(const std::string&)> log;  // progress lines
};

struct TrainSummary {
  bool finished = false;  // every phase (or untilPhase) done
  int64_t globalStep = 0;
  double seconds = 0.0;
  std::filesystem::path modelDir;  // RUN/model when a phase has completed
};

// Throws TrainingError (one line naming the option, file or folder) for a bad recipe name, a
// missing parent folder, a run folder that holds a run without --resume (or none with it), or a
// state from another recipe or seed.
TrainSummary train(const TrainOptions& options);

}  // namespace vitcop::training
