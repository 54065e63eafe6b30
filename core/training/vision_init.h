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

// Mimetic initialisation of the tower's self-attention (Trockman & Kolter 2023, "Mimetic
// initialization of self-attention layers"). With randomInit's noise the attention logits start
// near zero, every patch averages the whole image, and the gradient reaching q/k is ~300x smaller
// than the patch embedding's: attention, which shape needs (a patch must look at its neighbours),
// barely learns. Pretrained ViTs have W_q^T W_k close to a positive multiple of the identity
// (tokens attend to tokens like themselves, and through the positions to their neighbours) and
// W_o W_v close to a negative one. Per block and head, W_q,h^T W_k,h = the best rank-head_dim
// approximation of alpha_qk Z + beta_qk I; per block W_o W_v = alpha_vo Z' - beta_vo I, with Z, Z'
// Gaussian of variance 1/width, seeded by (seed, block, head). q/k/v/out biases become zero.
struct MimeticAttention {
  double alphaQk = 0.7, betaQk = 0.7;
  double alphaVo = 0.4, betaVo = 0.4;
};
void initMimeticAttention(model::LlavaForConditionalGenerationImpl& m, uint64_t seed,
                          const MimeticAttention& a = {});

}  // namespace vitcop::training
