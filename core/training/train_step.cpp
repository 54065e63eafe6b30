#include "core/training/train_step.h"

#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include "core/model/llava_modules.h"
#include "core/training/train_forward.h"

namespace vitcop::training {

namespace {

bool isMatrix(const std::string& name, const at::Tensor& t) {
  // Weight decay on matrices only: not on norms, biases, embeddings' class/position vectors.
  return t.dim() >= 2 && name.find("norm") == std::string::npos &&
         name.find("layrnorm") == std::string::npos &&
         name.find("position_embedding") == std::string::npos;
}

}  // namespace

ParamGroups makeParamGroups(const Phase& phase, const Recipe& recipe,
                            model::LlavaForConditionalGenerationImpl& m, AuxHeadsImpl& aux) {
  ParamGroups g;
  auto add = [&](const std::vector<std::pair<std::string, at::Tensor>>& params, double scale) {
    std::vector<at::Tensor> decay, plain;
    for (const auto& [name, t] : params)
      (isMatrix(name, t) ? decay : plain).push_back(t);
    for (int k = 0; k < 2; ++k) {
      auto& list = k == 0 ? decay : plain;
      if (list.empty()) continue;
      auto opts = std::make_unique<torch::optim::AdamWOptions>(phase.lr * scale);
      opts->betas({0.9, 0.98}).eps(1e-8).weight_decay(k == 0 ? recipe.weightDecay : 0.0);
      g.groups.emplace_back(list, std::move(opts));
      g.lrScale.push_back(scale);
    }
  };
  auto named = [](torch::nn::Module& mod, const std::string& prefix) {
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (const auto& item : mod.named_parameters(true))
      out.emplace_back(prefix + item.key(), item.value());
    return out;
  };
  if (phase.trainVision) {
    auto v = named(*m.vision_tower, "vision_tower.");
    if (phase.auxWeight > 0) {
      auto a = named(aux, "aux.");
      v.insert(v.end(), a.begin(), a.end());
    }
    add(v, phase.visionLrScale);
  }
  if (phase.trainLanguage) {
    auto l = named(*m.multi_modal_projector, "multi_modal_projector.");
    auto lm = named(*m.language_model, "language_model.");
    l.insert(l.end(), lm.begin(), lm.end());
    add(l, 1.0);
  }
  return g;
}

double learningRate(const Phase& p, int64_t step) {
  if (step < p.warmup) return p.lr * static_cast<double>(step + 1) / static_cast<double>(p.warmup);
  const double span = std::max<double>(1.0, static_cast<double>(p.steps - p.warmup));
  const double progress = std::min(1.0, static_cast<double>(step - p.warmup) / span);
  const double floor = p.lr * p.finalLrScale;
  return floor + (p.lr - floor) * 0.5 * (1.0 + std::cos(M_PI * progress));
}

std::vector<at::Tensor> optimizedParameters(torch::optim::Optimizer& optimizer) {
  std::vector<at::Tensor> out;
  for (auto& g : optimizer.param_groups())
    for (auto& p : g.params())
      out.push_back(p);
  return out;
}

void setTrainable(const Phase& phase, model::LlavaForConditionalGenerationImpl& m,
                  AuxHeadsImpl& aux) {
  for (auto& p : m.vision_tower->parameters())
    p.requires_grad_(phase.trainVision);
  for (auto& p : aux.parameters())
    p.requires_grad_(phase.trainVision && phase.auxWeight > 0);
  for (auto& p : m.multi_modal_projector->parameters())
    p.requires_grad_(phase.trainLanguage);
  for (auto& p : m.language_model->parameters())
    p.requires_grad_(phase.trainLanguage);
}

Bf16Autocast::Bf16Autocast(bool enabled) : enabled_(enabled) {
  if (!enabled_) return;
  wasEnabled_ = at::autocast::is_cpu_enabled();
  wasDtype_ = at::autocast::get_autocast_cpu_dtype();
  at::autocast::set_cpu_enabled(true);
  at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  at::autocast::increment_nesting();
}

Bf16Autocast::~Bf16Autocast() {
  if (!enabled_) return;
  // The bf16 copies of the weights are cached per autocast region; drop them at its end.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  at::autocast::set_cpu_enabled(wasEnabled_);
  at::autocast::set_autocast_cpu_dtype(wasDtype_);
}

StepStats trainStep(model::LlavaForConditionalGenerationImpl& m, AuxHeadsImpl& aux,
                    const Phase& phase, const TrainBatch& batch, torch::optim::Optimizer& optimizer,
                    const std::vector<at::Tensor>& trainable, double gradClip) {
  StepStats st;
  optimizer.zero_grad();
  // Vision: with gradients only when the tower trains.
  VisionOut vision;
  {
    std::optional<torch::NoGradGuard> frozen;
    if (!phase.trainVision) frozen.emplace();
    vision = visionForward(m, batch.pixels);
  }
  at::Tensor loss = at::zeros({}, at::kFloat);
  if (phase.trainVision && phase.auxWeight > 0) {
    const AuxResult a = aux.forward(vision.features.narrow(0, 0, batch.images), batch.aux);
    loss = loss + a.loss * phase.auxWeight;
    st.hasAux = true;
    st.aux = a.loss.item<double>();
    st.patchShapeAcc = a.patchShapeAcc;
    st.patchColourAcc = a.patchColourAcc;
    st.sceneExact = a.sceneExact;
    st.countAcc = a.countAcc;
    st.objectShapeAcc = a.objectShapeAcc;
    st.objectPositionAcc = a.objectPositionAcc;
  }
  if (batch.stills || batch.clips) {
    // One mean over every supervised token of the step, stills and clips together.
    at::Tensor lmSum = at::zeros({}, at::kFloat);
    auto add = [&](const at::Tensor& features, const TextBatch& text) {
      // Only the language side in bf16: the tower (and its auxiliary heads) stays float32, so
      // the features are what the float32 engine computes at inference. The backward replays
      // the casts autograd recorded; it needs no guard.
      const LmOut r = [&] {
        Bf16Autocast bf16(phase.bf16Matmuls);
        return languageForward(m, features, text);
      }();
      lmSum = lmSum + r.loss * static_cast<double>(r.count);
      st.tokens += r.count;
      st.correct += r.correct;
    };
    if (batch.stills) add(vision.features.narrow(0, 0, batch.images), *batch.stills);
    if (batch.clips)
      add(vision.features.narrow(0, batch.images, batch.pixels.size(0) - batch.images),
          *batch.clips);
    const at::Tensor lm = lmSum / static_cast<double>(std::max<int64_t>(st.tokens, 1));
    loss = loss + lm;
    st.hasLm = true;
    st.lm = lm.item<double>();
  }
  loss.backward();
  torch::nn::utils::clip_grad_norm_(trainable, gradClip);
  optimizer.step();
  st.loss = loss.item<double>();
  return st;
}

}  // namespace vitcop::training
