#pragma once
// y = x W^T + b with the kernel that is fastest here for the shape. Prefill-sized inputs go to
// at::linear (oneDNN for bf16, BLAS for f32). A single row (decode) is a matrix-vector product
// that only streams W, and LibTorch 1.13 picks slow kernels for it: at::linear sends one f32 row
// to a GEMM (~4x slower than BLAS gemv, see docs/benchmarks.md), and oneDNN's bf16 matmul with
// m = 1 reaches about half the memory bandwidth. So one row in f32 uses at::mv, and one row in
// bf16 on a CPU with AVX512-BF16 uses our own dot-product kernel (fp32 accumulation, rounded
// once, like oneDNN).
#include <ATen/core/Tensor.h>

#include <vector>

namespace vitcop::gpu {

// x [..., in], weight [out, in], bias [out] or undefined -> [..., out] in x's dtype.
// Same contract as at::linear; a feature-count or bias-size mismatch throws
// std::invalid_argument naming the shapes.
at::Tensor fastLinear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias = {});

// Several linears of the same input (q/k/v, gate/up): fastLinear(x, weights[i], biases[i]) for
// every i, bit for bit. For a bf16 single row on the AVX512-BF16 kernel all matrices run in one
// parallel region, so decode pays one fork/join per group instead of one per matrix. `biases` is
// empty or one (possibly undefined) tensor per weight.
std::vector<at::Tensor> fastLinearGroup(const at::Tensor& x, const std::vector<at::Tensor>& weights,
                                        const std::vector<at::Tensor>& biases = {});

// True when fastLinear() takes the AVX512-BF16 matrix-vector kernel for a bf16 single row.
bool hasBf16GemvKernel();

}  // namespace vitcop::gpu
