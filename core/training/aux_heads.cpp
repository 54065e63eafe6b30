#include "core/training/aux_heads.h"

#include <torch/torch.h>

#include <stdexcept>
#include <string>

namespace vitcop::training {

AuxHeadsImpl::AuxHeadsImpl(int64_t width, bool balance, int64_t grid)
    : balancePatches(balance), positionGrid(grid) {
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
  scene = register_module("scene", torch::nn::Linear(width, kSceneClasses));
  count = register_module("count", torch::nn::Linear(width, kMaxCount + 1));
  colour = register_module("colour", torch::nn::Linear(width, 1 + scenes::kColourCount));
  shape = register_module("shape", torch::nn::Linear(width, 1 + scenes::kShapeCount));
  size = register_module("size", torch::nn::Linear(width, 1 + scenes::kSizeCount));
  centre = register_module("centre", torch::nn::Linear(width, 2));
  objectShape = register_module("object_shape", torch::nn::Linear(width, scenes::kShapeCount));
  if (grid > 0) {
    row = register_module("row", torch::nn::Linear(width, grid));
    column = register_module("column", torch::nn::Linear(width, grid));
  }
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

// Mean of `each` over the entries `sel` marks (0 when none is marked).
at::Tensor meanWhere(const at::Tensor& each, const at::Tensor& sel) {
  return (each * sel.to(each.scalar_type())).sum() / sel.sum().clamp_min(1).to(each.dtype());
}

}  // namespace

std::pair<at::Tensor, at::Tensor> patchRowColumn(int64_t grid) {
  const at::Tensor index = at::arange(grid * grid, at::kLong);
  return {index.div(grid, "floor"), index.remainder(grid)};
}

AuxHeads auxHeadsFor(const Recipe& recipe) {
  return AuxHeads(recipe.visionWidth, recipe.balancedPatchLoss,
                  recipe.positionTargets ? recipe.imageSize / recipe.patchSize : 0);
}

AuxResult AuxHeadsImpl::forward(const at::Tensor& features, const AuxLabels& labels) {
  const at::Tensor h = norm->forward(features);
  const at::Tensor cls = h.select(1, 0);
  const at::Tensor patches = h.narrow(1, 1, h.size(1) - 1);
  const int64_t n = features.size(0);
  const at::Tensor sceneLogits = scene->forward(cls);
  const at::Tensor countLogits = count->forward(cls);
  const at::Tensor sceneLoss = at::binary_cross_entropy_with_logits(sceneLogits, labels.sceneHot) +
                               at::cross_entropy_loss(countLogits, labels.count);
  // Heads with a background class (colour, shape, size) may be balanced; the centre head's
  // classes are "centre" / "not centre" for every patch.
  auto patchCe = [&](torch::nn::Linear& head, const at::Tensor& y, at::Tensor* logitsOut,
                     bool hasBackground) {
    const at::Tensor logits = head->forward(patches);
    *logitsOut = logits;
    const at::Tensor flat = logits.reshape({n * logits.size(1), -1}), yf = y.reshape({-1});
    if (!balancePatches || !hasBackground)
      return at::cross_entropy_loss(flat, yf, /*weight=*/{}, at::Reduction::Mean, kIgnore);
    const at::Tensor each =
        at::cross_entropy_loss(flat, yf, /*weight=*/{}, at::Reduction::None, kIgnore);
    return 0.5 * (meanWhere(each, yf.eq(0)) + meanWhere(each, yf.gt(0)));
  };
  at::Tensor colourLogits, shapeLogits, sizeLogits, centreLogits;
  const at::Tensor patchLoss = patchCe(colour, labels.patchColour, &colourLogits, true) +
                               patchCe(shape, labels.patchShape, &shapeLogits, true) +
                               patchCe(size, labels.patchSize, &sizeLogits, true) +
                               patchCe(centre, labels.patchCentre, &centreLogits, false);
  // [N, K, P] x [N, P, D]: each object's patches averaged by their share of its pixels.
  const at::Tensor pooled = at::bmm(labels.objectWeights.to(h.scalar_type()), patches);
  const at::Tensor objectLogits = objectShape->forward(pooled).reshape({-1, scenes::kShapeCount});
  const at::Tensor objectTargets = labels.objectShape.reshape({-1});
  const at::Tensor real = objectTargets.ne(kIgnore);
  const int64_t objects = real.sum().item<int64_t>();
  // (A mean over no objects would be NaN; scenes always hold one, hand-made labels may not.)
  const at::Tensor objectLoss =
      objects ? at::cross_entropy_loss(objectLogits, objectTargets, /*weight=*/{},
                                       at::Reduction::Mean, kIgnore)
              : at::zeros({}, objectLogits.options());
  AuxResult r;
  r.loss = sceneLoss + patchLoss + objectLoss;
  at::Tensor rowLogits, columnLogits, rowTarget, columnTarget;
  if (positionGrid > 0) {
    const int64_t p = patches.size(1);
    if (p != positionGrid * positionGrid)
      throw std::invalid_argument("position heads for a " + std::to_string(positionGrid) + "x" +
                                  std::to_string(positionGrid) + " grid got " + std::to_string(p) +
                                  " patches");
    const auto [rows, columns] = patchRowColumn(positionGrid);
    rowTarget = rows.to(patches.device()).expand({n, p});
    columnTarget = columns.to(patches.device()).expand({n, p});
    rowLogits = row->forward(patches);
    columnLogits = column->forward(patches);
    auto ce = [&](const at::Tensor& logits, const at::Tensor& y) {
      return at::cross_entropy_loss(logits.reshape({n * p, positionGrid}), y.reshape({-1}),
                                    /*weight=*/{}, at::Reduction::None);
    };
    const at::Tensor each = 0.5 * (ce(rowLogits, rowTarget) + ce(columnLogits, columnTarget));
    const at::Tensor object = labels.objectPatch.reshape({-1});
    const at::Tensor positionLoss =
        0.5 * (meanWhere(each, object) + meanWhere(each, object.logical_not()));
    r.loss = r.loss + positionLoss;
    r.positionLoss = positionLoss.item<double>();
  }
  {
    torch::NoGradGuard noGrad;
    r.sceneLoss = sceneLoss.item<double>();
    r.patchLoss = patchLoss.item<double>();
    r.patchShapeAcc = objectAccuracy(shapeLogits, labels.patchShape);
    r.patchColourAcc = objectAccuracy(colourLogits, labels.patchColour);
    r.sceneExact =
        sceneLogits.gt(0).eq(labels.sceneHot.gt(0.5)).all(1).to(at::kFloat).mean().item<double>();
    r.countAcc = countLogits.argmax(-1).eq(labels.count).to(at::kFloat).mean().item<double>();
    r.objectShapeAcc = objects ? static_cast<double>(objectLogits.argmax(-1)
                                                         .eq(objectTargets)
                                                         .logical_and(real)
                                                         .sum()
                                                         .item<int64_t>()) /
                                     static_cast<double>(objects)
                               : 0.0;
    if (positionGrid > 0) {
      const at::Tensor object = labels.objectPatch;
      const int64_t nObject = object.sum().item<int64_t>();
      const at::Tensor right = rowLogits.argmax(-1)
                                   .eq(rowTarget)
                                   .logical_and(columnLogits.argmax(-1).eq(columnTarget))
                                   .logical_and(object);
      r.objectPositionAcc =
          nObject ? static_cast<double>(right.sum().item<int64_t>()) / static_cast<double>(nObject)
                  : 0.0;
    }
  }
  return r;
}

}  // namespace vitcop::training
