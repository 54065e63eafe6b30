#include "core/model/activation.h"

#include <ATen/TensorOperators.h>
#include <ATen/ops/gelu.h>
#include <ATen/ops/relu.h>
#include <ATen/ops/sigmoid.h>
#include <ATen/ops/silu.h>

#include <stdexcept>

namespace vitcop::model {

Activation parseActivation(const std::string& name, const std::string& what) {
  if (name == "quick_gelu") return Activation::QuickGelu;
  if (name == "gelu") return Activation::Gelu;
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast")
    return Activation::GeluTanh;
  if (name == "silu" || name == "swish") return Activation::Silu;
  if (name == "relu") return Activation::Relu;
  throw std::invalid_argument(what + ": unsupported activation \"" + name +
                              "\" (supported: quick_gelu, gelu, gelu_new, gelu_pytorch_tanh, "
                              "gelu_fast, silu, swish, relu)");
}

at::Tensor activate(const at::Tensor& x, Activation act) {
  switch (act) {
    case Activation::QuickGelu:
      // transformers QuickGELUActivation: x * sigmoid(1.702 * x), in the activation dtype.
      return x * at::sigmoid(x * 1.702);
    case Activation::Gelu:
      return at::gelu(x);
    case Activation::GeluTanh:
      return at::gelu(x, "tanh");
    case Activation::Silu:
      return at::silu(x);
    case Activation::Relu:
      return at::relu(x);
  }
  throw std::logic_error("activate: unknown activation");
}

}  // namespace vitcop::model
