#pragma once
// transformers' LlamaRMSNorm in one pass per row:
//   y = weight * (x32 * rsqrt(mean(x32^2) + eps)).to(x.dtype)
// with the same roundings (normalised in float32, rounded to x's dtype, then multiplied by the
// weight in float32 and rounded once more). ATen runs that as seven ops (to, pow, mean, add,
// rsqrt, mul, to) plus the weight's mul, each a pass over the activations: ~1 ms of small-op
// overhead per LLaMA-7B decode layer and ~4 % of a 637-token prefill (docs/benchmarks.md).
// Only the order of the sum of squares differs from ATen's reduction, so results agree to
// float32 rounding of the mean (bf16 outputs: rarely one unit in the last place).
#include <ATen/core/Tensor.h>

namespace vitcop::gpu {

// x [..., d] contiguous on CPU in float32 or bfloat16 (bf16 needs AVX512-BF16), weight [d] in
// x's dtype, no autograd. Returns an undefined tensor for anything else: the caller then runs
// the ATen sequence.
at::Tensor fusedRmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps);

}  // namespace vitcop::gpu
