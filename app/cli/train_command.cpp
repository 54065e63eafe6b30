// `vitcop train`: trains the embedded model (docs/training.md). Ctrl-C or SIGTERM checkpoints
// and exits; `--resume` continues exactly where the run stopped.
#include <atomic>
#include <csignal>
#include <iostream>

#include "app/cli/args.h"
#include "app/cli/command_registry.h"
#include "core/training/trainer.h"

namespace {

std::atomic<bool> stopRequested{false};

extern "C" void onStopSignal(int) {
  stopRequested.store(true);
}

int runTrain(const std::vector<std::string>& argv) {
  const vitcop::cli::Args args(argv,
                               {"out", "recipe", "seed", "threads", "max-minutes",
                                "checkpoint-minutes", "until-phase", "log-every", "max-steps"},
                               {"resume"});
  if (!args.positional().empty())
    throw vitcop::cli::UsageError("unexpected argument '" + args.positional()[0] + "'");
  vitcop::training::TrainOptions o;
  o.run = args.str("out");
  o.recipe = args.str("recipe", "default");
  o.seed = static_cast<uint64_t>(args.integer("seed", 0, 0, (1LL << 62)));
  o.resume = args.flag("resume");
  o.threads = static_cast<int>(args.integer("threads", 0, 1, 256));
  o.maxMinutes = args.number("max-minutes", 0.0, 0.0, 1e6);
  o.checkpointMinutes = args.number("checkpoint-minutes", 5.0, 0.01, 1e6);
  o.untilPhase = args.str("until-phase", "");
  o.logEvery = args.integer("log-every", 20, 1, 1000000);
  o.maxSteps = args.integer("max-steps", 0, 0, (1LL << 40));
  o.stop = &stopRequested;
  o.log = [](const std::string& line) { std::cout << line << std::endl; };
  std::signal(SIGINT, onStopSignal);
  std::signal(SIGTERM, onStopSignal);
  const auto s = vitcop::training::train(o);
  std::cout << (s.finished ? "finished" : "paused") << " at global step " << s.globalStep
            << " after " << s.seconds / 60.0 << " min of training";
  if (!s.modelDir.empty()) std::cout << "; model: " << s.modelDir.string();
  std::cout << "\n";
  if (!s.finished)
    std::cout << "continue with: vitcop train --out " << o.run.string() << " --recipe " << o.recipe
              << " --seed " << o.seed << " --resume\n";
  return 0;
}

VITCOP_REGISTER_COMMAND(
    "train", "train the embedded model (tokenizer, vision tower, projector, decoder)",
    "vitcop train --out RUN [--recipe default|tiny] [--seed S] [--resume] [--threads N]\n"
    "             [--max-minutes M] [--checkpoint-minutes M] [--until-phase NAME]\n"
    "             [--log-every K] [--max-steps N]\n"
    "  Trains a tokenizer with spm_train, then the recipe's phases (default: vision, describe,\n"
    "  qa, joint; docs/training.md) on generated scenes from training seeds. RUN/state holds the\n"
    "  resumable state (saved every --checkpoint-minutes, default 5, at phase ends and on\n"
    "  Ctrl-C), RUN/curve.csv the learning curve, RUN/model the model after each phase.\n"
    "  --resume       continue RUN's state (bit-identical with the same --threads)\n"
    "  --threads N    intra-op threads (default: the runtime's; use 1 on a busy machine)\n"
    "  --max-minutes  checkpoint and stop after M minutes (continue later with --resume)\n"
    "  --until-phase  stop after that phase",
    runTrain);

}  // namespace
