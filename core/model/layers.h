#pragma once
// Leaf modules with transformers' parameter names (weight, bias). Parameters are allocated
// uninitialised in the target dtype and device: LlavaModel::load fills them from a checkpoint
// (zero-copy where possible) and randomInit fills them in place, so a 7B model never exists
// twice or in float32. They are registered trainable (torch's convention); LlavaModel turns
// gradients off for inference.
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace vitcop::model {

// y = x W^T + b, W stored [out, in].
class LinearImpl : public torch::nn::Module {
 public:
  LinearImpl(int64_t in, int64_t out, bool withBias, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x) const;
  at::Tensor weight;
  at::Tensor bias;  // undefined without bias
};
TORCH_MODULE(Linear);

// Conv2d with kernel = stride = patch and no bias (CLIP patch embedding).
class PatchConvImpl : public torch::nn::Module {
 public:
  PatchConvImpl(int64_t channels, int64_t width, int64_t patch, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& pixels) const;  // [B,C,S,S] -> [B,width,G,G]
  at::Tensor weight;
  int64_t patch;
};
TORCH_MODULE(PatchConv);

class LayerNormImpl : public torch::nn::Module {
 public:
  LayerNormImpl(int64_t dim, double eps, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x) const;
  at::Tensor weight;
  at::Tensor bias;
  double eps;
};
TORCH_MODULE(LayerNorm);

// LlamaRMSNorm: w * cast_back(x32 * rsqrt(mean(x32^2) + eps)) (method-spec 1.8, LQ-05).
class RmsNormImpl : public torch::nn::Module {
 public:
  RmsNormImpl(int64_t dim, double eps, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x) const;
  at::Tensor weight;
  double eps;
};
TORCH_MODULE(RmsNorm);

class EmbeddingImpl : public torch::nn::Module {
 public:
  EmbeddingImpl(int64_t count, int64_t dim, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& ids) const;  // int64 ids of any shape -> [..., dim]
  at::Tensor weight;
};
TORCH_MODULE(Embedding);

// The dtype activations run in for parameters stored in `storage` on `device`: the storage type,
// except float16 on CPU, which computes in float32 (LibTorch 1.13 has no CPU float16 kernels for
// GEMM, LayerNorm, GELU, softmax...); the weights stay float16 and are widened per use.
c10::ScalarType computeDtype(c10::ScalarType storage, const c10::Device& device);

// x W^T + b with the parameters cast to x's dtype when they are stored narrower.
at::Tensor linearForward(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias);

// The same input through several linears: [l->forward(x) for l in linears], bit for bit. Decode's
// q/k/v and gate/up go through gpu::fastLinearGroup, one parallel region per group.
std::vector<at::Tensor> linearGroupForward(const at::Tensor& x,
                                           std::initializer_list<const LinearImpl*> linears);

}  // namespace vitcop::model
