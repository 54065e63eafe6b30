#pragma once
// One optimisation step of a phase (forward, losses, backward, gradient clip, AdamW step) and
// the per-phase set-up it needs (which parts train, AdamW parameter groups). Shared by the
// trainer and tests/bench/training_bench.
#include <torch/optim/adamw.h>

#include <vector>

#include "core/training/aux_heads.h"
#include "core/training/batch.h"
#include "core/training/recipe.h"

namespace vitcop::model {
class LlavaForConditionalGenerationImpl;
}

namespace vitcop::training {

// Turns gradients on for the parts the phase trains (tower and auxiliary heads, projector and
// decoder) and off for the rest.
void setTrainable(const Phase& phase, model::LlavaForConditionalGenerationImpl& m,
                  AuxHeadsImpl& aux);

struct ParamGroups {
  std::vector<torch::optim::OptimizerParamGroup> groups;
  std::vector<double> lrScale;  // per group, relative to the phase LR
};

// AdamW groups of the phase's trainable parts, each split by weight decay (matrices only).
ParamGroups makeParamGroups(const Phase& phase, const Recipe& recipe,
                            model::LlavaForConditionalGenerationImpl& m, AuxHeadsImpl& aux);

// The phase's LR at `step`: linear warm-up, then cosine from lr to lr * finalLrScale.
double learningRate(const Phase& phase, int64_t step);

// Every parameter the optimizer updates (what the gradient clip runs over).
std::vector<at::Tensor> optimizedParameters(torch::optim::Optimizer& optimizer);

struct StepStats {
  double loss = 0;  // total loss of the step
  bool hasAux = false;
  double aux = 0, patchShapeAcc = 0, patchColourAcc = 0, sceneExact = 0, countAcc = 0,
         objectShapeAcc = 0, objectPositionAcc = 0;
  bool hasLm = false;
  double lm = 0;  // mean cross-entropy over the supervised tokens (stills and clips together)
  int64_t tokens = 0, correct = 0;
};

// While alive: CPU autocast to bfloat16 (matrix products in bf16, the rest as autocast's CPU
// lists say), restoring the previous state after. Inactive when `enabled` is false.
class Bf16Autocast {
 public:
  explicit Bf16Autocast(bool enabled);
  ~Bf16Autocast();
  Bf16Autocast(const Bf16Autocast&) = delete;
  Bf16Autocast& operator=(const Bf16Autocast&) = delete;

 private:
  bool enabled_, wasEnabled_ = false;
  at::ScalarType wasDtype_ = at::kBFloat16;
};

StepStats trainStep(model::LlavaForConditionalGenerationImpl& m, AuxHeadsImpl& aux,
                    const Phase& phase, const TrainBatch& batch, torch::optim::Optimizer& optimizer,
                    const std::vector<at::Tensor>& trainable, double gradClip);

}  // namespace vitcop::training
