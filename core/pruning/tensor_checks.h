#pragma once
// Input validation shared by the pruning functions: each check throws PruningError naming the
// function and the tensor, so a caller never sees a LibTorch assertion for a bad argument.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

namespace vitcop::pruning::detail {

// `t` must be defined, on the CPU, with `dims` dimensions after dropping leading size-1 batch
// dimensions; returns that view. `what` is "function: tensor name".
at::Tensor requireRank(const at::Tensor& t, int64_t dims, const std::string& what);

// `t` must hold a floating-point type; returns it (not converted).
void requireFloating(const at::Tensor& t, const std::string& what);

// `t` must hold an integer type (labels, indices).
void requireIntegral(const at::Tensor& t, const std::string& what);

// No NaN (and, unless allowInf, no +-inf) anywhere in `t`.
void requireFinite(const at::Tensor& t, const std::string& what, bool allowInf = false);

}  // namespace vitcop::pruning::detail
