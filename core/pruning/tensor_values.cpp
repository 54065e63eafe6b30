#include "core/pruning/tensor_values.h"

#include <ATen/ops/from_blob.h>

namespace vitcop::pruning {

std::vector<double> toDoubles(const at::Tensor& t) {
  const at::Tensor c = t.detach().to(at::kCPU, at::kDouble).contiguous().view({-1});
  const double* p = c.data_ptr<double>();
  return {p, p + c.numel()};
}

std::vector<int64_t> toInt64s(const at::Tensor& t) {
  const at::Tensor c = t.detach().to(at::kCPU, at::kLong).contiguous().view({-1});
  const int64_t* p = c.data_ptr<int64_t>();
  return {p, p + c.numel()};
}

at::Tensor int64Tensor(const std::vector<int64_t>& v) {
  return at::from_blob(const_cast<int64_t*>(v.data()), {static_cast<int64_t>(v.size())},
                       at::TensorOptions().dtype(at::kLong))
      .clone();
}

}  // namespace vitcop::pruning
