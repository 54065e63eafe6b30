#pragma once
// Rotary position embedding in one pass: x*cos + rotate_half(x)*sin, rotate_half(x) =
// cat(-x[..., hd/2:], x[..., :hd/2]), with the roundings of the ATen sequence it replaces (each
// product rounded to x's dtype, then the sum), so the result is bit-identical. ATen runs it as
// five ops per tensor (narrow/neg/cat, two muls, an add) on q and k of every layer, and writes
// a transposed layout the attention then copies again.
#include <ATen/core/Tensor.h>

namespace vitcop::gpu {

// x [B, H, n, hd] (any strides with a contiguous last dim, e.g. a transposed view of the
// projection's [B, n, H, hd]), cos and sin contiguous [n, hd] in x's dtype (float32 or
// bfloat16; bf16 needs AVX512-BF16), hd even, no autograd. Returns a contiguous [B, H, n, hd];
// an undefined tensor for anything else (the caller then runs the ATen sequence).
at::Tensor fusedRope(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin);

}  // namespace vitcop::gpu
