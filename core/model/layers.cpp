#include "core/model/layers.h"

#include <ATen/TensorOperators.h>
#include <ATen/ops/conv2d.h>
#include <ATen/ops/embedding.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/layer_norm.h>
#include <ATen/ops/rsqrt.h>

#include "gpu/linear.h"
#include "gpu/rms_norm.h"

namespace vitcop::model {

namespace {

// Parameters may be stored in a narrower type than activations run in (float16 weights with
// float32 compute on CPU, where LibTorch 1.13 has no float16 kernels): cast at the point of use.
at::Tensor like(const at::Tensor& param, const at::Tensor& x) {
  if (!param.defined() || param.scalar_type() == x.scalar_type()) return param;
  return param.to(x.scalar_type());
}

}  // namespace

c10::ScalarType computeDtype(c10::ScalarType storage, const c10::Device& device) {
  if (storage == at::kHalf && device.is_cpu()) return at::kFloat;
  return storage;
}

at::Tensor linearForward(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  // gpu::fastLinear picks a matrix-vector kernel for single rows (decode), at::linear otherwise.
  return gpu::fastLinear(x, like(weight, x), like(bias, x));
}

std::vector<at::Tensor> linearGroupForward(const at::Tensor& x,
                                           std::initializer_list<const LinearImpl*> linears) {
  std::vector<at::Tensor> weights, biases;
  for (const LinearImpl* l : linears) {
    weights.push_back(like(l->weight, x));
    biases.push_back(like(l->bias, x));
  }
  return gpu::fastLinearGroup(x, weights, biases);
}

LinearImpl::LinearImpl(int64_t in, int64_t out, bool withBias, const at::TensorOptions& options) {
  weight = register_parameter("weight", at::empty({out, in}, options));
  if (withBias) bias = register_parameter("bias", at::empty({out}, options));
}

at::Tensor LinearImpl::forward(const at::Tensor& x) const {
  return linearForward(x, weight, bias);
}

PatchConvImpl::PatchConvImpl(int64_t channels, int64_t width, int64_t patchSize,
                             const at::TensorOptions& options)
    : patch(patchSize) {
  weight = register_parameter("weight", at::empty({width, channels, patch, patch}, options));
}

at::Tensor PatchConvImpl::forward(const at::Tensor& pixels) const {
  return at::conv2d(pixels, like(weight, pixels), {}, {patch, patch});
}

LayerNormImpl::LayerNormImpl(int64_t dim, double epsilon, const at::TensorOptions& options)
    : eps(epsilon) {
  weight = register_parameter("weight", at::empty({dim}, options));
  bias = register_parameter("bias", at::empty({dim}, options));
}

at::Tensor LayerNormImpl::forward(const at::Tensor& x) const {
  return at::layer_norm(x, {weight.size(0)}, like(weight, x), like(bias, x), eps);
}

RmsNormImpl::RmsNormImpl(int64_t dim, double epsilon, const at::TensorOptions& options)
    : eps(epsilon) {
  weight = register_parameter("weight", at::empty({dim}, options));
}

at::Tensor RmsNormImpl::forward(const at::Tensor& x) const {
  // One pass per row where gpu/ has the kernel (same roundings; gpu/rms_norm.h).
  if (at::Tensor y = gpu::fusedRmsNorm(x, like(weight, x), eps); y.defined()) return y;
  // transformers order: normalise in float32, cast back to the input dtype, then scale.
  const at::Tensor x32 = x.to(at::kFloat);
  const at::Tensor variance = x32.pow(2).mean(-1, /*keepdim=*/true);
  const at::Tensor normed = (x32 * at::rsqrt(variance + eps)).to(x.scalar_type());
  return like(weight, x) * normed;
}

EmbeddingImpl::EmbeddingImpl(int64_t count, int64_t dim, const at::TensorOptions& options) {
  weight = register_parameter("weight", at::empty({count, dim}, options));
}

at::Tensor EmbeddingImpl::forward(const at::Tensor& ids) const {
  return at::embedding(weight, ids);
}

}  // namespace vitcop::model
