#include "core/training/aux_heads.h"

#include <torch/torch.h>

namespace vitcop::training {

AuxHeadsImpl::AuxHeadsImpl(int64_t width) {
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
  scene = register_module("scene", torch::nn::Linear(width, kSceneClasses));
  count = register_module("count", torch::nn::Linear(width, kMaxCount + 1));
  colour = register_module("colour", torch::nn::Linear(width, 1 + scenes::kColourCount));
  shape = register_module("shape", torch::nn::Linear(width, 1 + scenes::kShapeCount));
  size = register_module("size", torch::nn::Linear(width, 1 + scenes::kSizeCount));
  centre = register_module("centre", torch::nn::Linear(width, 2));
}

namespace {

// Accuracy over entries whose label is an object class (> 0).
double objectAccuracy(const at::Tensor& logits, const at::Tensor& labels) {
  const at::Tensor sel = labels.gt(0);
  const int64_t n = sel.sum().item<int64_t>();
  if (n == 0) return 0.0;
  return static_cast<double>(logits.argmax(-1).eq(labels).logical_and(sel).sum().item<int64_t>()) /
         static_cast<double>(n);
}

}  // namespace

AuxResult AuxHeadsImpl::forward(const at::Tensor& features, const AuxLabels& labels) {
  const at::Tensor h = norm->forward(features);
  const at::Tensor cls = h.select(1, 0);
  const at::Tensor patches = h.narrow(1, 1, h.size(1) - 1);
  const int64_t n = features.size(0);
  const at::Tensor sceneLogits = scene->forward(cls);
  const at::Tensor countLogits = count->forward(cls);
  const at::Tensor sceneLoss = at::binary_cross_entropy_with_logits(sceneLogits, labels.sceneHot) +
                               at::cross_entropy_loss(countLogits, labels.count);
  auto patchCe = [&](torch::nn::Linear& head, const at::Tensor& y, at::Tensor* logitsOut) {
    const at::Tensor logits = head->forward(patches);
    *logitsOut = logits;
    return at::cross_entropy_loss(logits.reshape({n * logits.size(1), -1}), y.reshape({-1}),
                                  /*weight=*/{}, at::Reduction::Mean, kIgnore);
  };
  at::Tensor colourLogits, shapeLogits, sizeLogits, centreLogits;
  const at::Tensor patchLoss = patchCe(colour, labels.patchColour, &colourLogits) +
                               patchCe(shape, labels.patchShape, &shapeLogits) +
                               patchCe(size, labels.patchSize, &sizeLogits) +
                               patchCe(centre, labels.patchCentre, &centreLogits);
  AuxResult r;
  r.loss = sceneLoss + patchLoss;
  {
    torch::NoGradGuard noGrad;
    r.sceneLoss = sceneLoss.item<double>();
    r.patchLoss = patchLoss.item<double>();
    r.patchShapeAcc = objectAccuracy(shapeLogits, labels.patchShape);
    r.patchColourAcc = objectAccuracy(colourLogits, labels.patchColour);
    r.sceneExact =
        sceneLogits.gt(0).eq(labels.sceneHot.gt(0.5)).all(1).to(at::kFloat).mean().item<double>();
    r.countAcc = countLogits.argmax(-1).eq(labels.count).to(at::kFloat).mean().item<double>();
  }
  return r;
}

}  // namespace vitcop::training
