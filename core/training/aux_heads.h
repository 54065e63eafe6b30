#pragma once
// Auxiliary objectives of the vision tower, on the feature layer the projector reads
// (hidden_states[-2]); their heads live outside the checkpoint (the trainer's state only).
// - class token -> the scene's (colour, shape) multi-hot and its object count: the class token
//   must summarise the whole scene, as CLIP's does, which makes its attention in block b*
//   (ViTCoP Stage I's signal) fall on the objects;
// - every patch -> its colour, shape and size class (background included) and whether it holds
//   an object's centre (one marked token per object, for counting), so shapes are
//   learned by the tower before any language training (the notes' first attempt never learned
//   shapes when they were left to the language loss);
// - every object -> its shape, from its patches pooled by how much of the object each holds:
//   the border patches, whose edges are what tells a star from a circle, get a direct gradient
//   without waiting for attention to carry the shape to interior patches;
// - optionally every patch -> its own grid row and column: none of the targets above needs
//   position, and without this one the object tokens of the shipped model lost it (a linear
//   probe reads the row of 0.90 of background patches but 0.41 of object patches, 0.15 after
//   the projector; resources/model/MODEL_CARD.md), so position and relation questions stayed
//   at chance.
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <utility>

#include "core/training/batch.h"
#include "core/training/recipe.h"

namespace vitcop::training {

struct AuxResult {
  at::Tensor loss;  // scene multi-hot + count + four per-patch + pooled object shape
  double sceneLoss = 0, patchLoss = 0;
  // Accuracies over supervised patches (shape, colour: object patches only), and the share of
  // scenes whose multi-hot is exactly right at threshold 0.5.
  double patchShapeAcc = 0, patchColourAcc = 0, sceneExact = 0, countAcc = 0;
  double objectShapeAcc = 0;  // share of objects whose pooled shape is right
  // With position heads: the share of object patches (>= 10 % covered) whose row and column
  // are both right, and that loss term (already inside `loss`).
  double objectPositionAcc = 0, positionLoss = 0;
};

class AuxHeadsImpl : public torch::nn::Module {
 public:
  // balancePatches: the per-patch colour/shape/size losses are the mean of the background
  // patches' mean and the object patches' mean, instead of one mean over all patches, where the
  // ~88 % background patches drown the object patches (whose shape is the hard part).
  // positionGrid > 0 adds the row and column heads for a grid of that side (their loss is the
  // mean of the object patches' mean and the other patches' mean, so the few object patches,
  // where position gets lost, count as much as the background). 0 keeps the parameter set of
  // runs made before these heads existed, so their saved state still loads.
  explicit AuxHeadsImpl(int64_t width, bool balancePatches = false, int64_t positionGrid = 0);
  // features [N, 1+P, Dv] (class token first); labels of the same N images.
  AuxResult forward(const at::Tensor& features, const AuxLabels& labels);
  bool balancePatches = false;
  int64_t positionGrid = 0;
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear scene{nullptr}, count{nullptr}, colour{nullptr}, shape{nullptr}, size{nullptr},
      centre{nullptr}, objectShape{nullptr}, row{nullptr}, column{nullptr};
};
TORCH_MODULE(AuxHeads);

// Each patch's grid row and column ([grid * grid] int64 each, raster order): the position heads
// targets, also what position probes score against.
std::pair<at::Tensor, at::Tensor> patchRowColumn(int64_t grid);

// The heads a recipe trains (balance, position heads for its grid); parameters initialised from
// torch's global generator, as the trainer seeds it.
AuxHeads auxHeadsFor(const Recipe& recipe);

}  // namespace vitcop::training
