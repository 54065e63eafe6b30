#pragma once
// A differentiable forward pass over the engine's own modules (core/model), for training. The
// inference path (generation::Engine) runs the same parameters through fused, no-grad kernels
// and a KV cache; training needs autograd, a batch of sequences and the packed block mask, so
// this file composes the same sub-modules (linears, norms, activations, RoPE) with a plain
// matmul-softmax attention. Same math as method-spec 1.5-1.8 (the tests check it against the
// engine).
#include <ATen/core/Tensor.h>

#include <cstdint>

#include "core/training/batch.h"

namespace vitcop::model {
class LlavaForConditionalGenerationImpl;
}

namespace vitcop::training {

struct VisionOut {
  at::Tensor features;      // [N, 1+P, Dv]: hidden_states[feature layer], class token first
  at::Tensor clsAttention;  // [N, Hv, 1+P] class-token row of block b* (when asked for)
};

// Runs vision blocks 0 .. b* (the blocks the feature layer needs) on pixels [N, 3, S, S].
VisionOut visionForward(model::LlavaForConditionalGenerationImpl& m, const at::Tensor& pixels,
                        bool wantClsAttention = false);

struct LmOut {
  at::Tensor loss;  // mean cross-entropy over the supervised tokens
  int64_t correct = 0;
  int64_t count = 0;
};

// Projector + decoder over a packed TextBatch whose visual tokens come from `features`
// ([B * frames, 1+P, Dv], class token dropped here per strategy "default").
LmOut languageForward(model::LlavaForConditionalGenerationImpl& m, const at::Tensor& features,
                      const TextBatch& batch);

}  // namespace vitcop::training
