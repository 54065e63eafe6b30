#pragma once
// Tensor <-> std::vector conversions for the trace and the hook views (plain data leaves the
// tensor world here).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace vitcop::pruning {

std::vector<double> toDoubles(const at::Tensor& t);     // any float/int tensor, flattened
std::vector<int64_t> toInt64s(const at::Tensor& t);     // any integer tensor, flattened
at::Tensor int64Tensor(const std::vector<int64_t>& v);  // int64 [n] on the CPU

}  // namespace vitcop::pruning
