#pragma once
// Initialisation of the vision tower before training from scratch. randomInit fills every
// weight with small uniform noise (std 0.02), which leaves the learned position embeddings
// nearly invisible next to the patch embeddings (std ~0.5 after the 588-input patch
// convolution): the tower then starts with almost no idea where a patch is, and the shape of an
// object spanning 2-4 patches, which needs attention to the patch's neighbours, is learned very
// slowly (docs/training.md). A fixed 2D sine-cosine table, as MAE and ViT-from-scratch recipes
// use, gives every patch a distinct, smoothly varying position from step 0; the embeddings stay
// trainable.
#include <cstdint>

namespace vitcop::model {
class LlavaForConditionalGenerationImpl;
}

namespace vitcop::training {

// Overwrites the tower's position embeddings: row 0 (class token) zero, rows 1..P a 2D sin-cos
// table over the grid (half the channels for x, half for y) times `scale`. Throws TrainingError
// when the width is not a multiple of 4 or the table is not 1 + grid^2 rows.
void initSinCosPositions(model::LlavaForConditionalGenerationImpl& m, double scale);

}  // namespace vitcop::training
