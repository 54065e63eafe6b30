#include "core/pruning/tensor_checks.h"

#include <ATen/ATen.h>

#include "core/pruning/pruning_error.h"

namespace vitcop::pruning::detail {

at::Tensor requireRank(const at::Tensor& t, int64_t dims, const std::string& what) {
  if (!t.defined()) throw PruningError(what + ": tensor is undefined");
  if (!t.device().is_cpu()) throw PruningError(what + ": expected a CPU tensor");
  at::Tensor v = t;
  while (v.dim() > dims && v.size(0) == 1)
    v = v.squeeze(0);
  if (v.dim() != dims) {
    throw PruningError(what + ": expected " + std::to_string(dims) + " dimensions, got shape " +
                       c10::str(t.sizes()));
  }
  return v;
}

void requireFloating(const at::Tensor& t, const std::string& what) {
  if (!at::isFloatingType(t.scalar_type())) {
    throw PruningError(what + ": expected a floating-point tensor, got " +
                       std::string(c10::toString(t.scalar_type())));
  }
}

void requireIntegral(const at::Tensor& t, const std::string& what) {
  if (!at::isIntegralType(t.scalar_type(), /*includeBool=*/false)) {
    throw PruningError(what + ": expected an integer tensor, got " +
                       std::string(c10::toString(t.scalar_type())));
  }
}

void requireFinite(const at::Tensor& t, const std::string& what, bool allowInf) {
  if (t.numel() == 0) return;
  if (at::isnan(t).any().item<bool>()) throw PruningError(what + ": contains NaN");
  if (!allowInf && at::isinf(t).any().item<bool>()) throw PruningError(what + ": contains inf");
}

}  // namespace vitcop::pruning::detail
