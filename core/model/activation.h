#pragma once
// Activation functions by their transformers ACT2FN names (method-spec 1.5, 1.6, 1.8).
#include <ATen/core/Tensor.h>

#include <string>

namespace vitcop::model {

enum class Activation { QuickGelu, Gelu, GeluTanh, Silu, Relu };

// "quick_gelu", "gelu" (exact erf form), "gelu_new" / "gelu_pytorch_tanh" / "gelu_fast" (tanh
// approximation), "silu" / "swish", "relu". Throws std::invalid_argument naming `what` (the
// config key) and the value otherwise.
Activation parseActivation(const std::string& name, const std::string& what);

at::Tensor activate(const at::Tensor& x, Activation act);

}  // namespace vitcop::model
