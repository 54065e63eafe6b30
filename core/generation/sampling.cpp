#include "core/generation/sampling.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/TensorOperators.h>
#include <ATen/ops/argmax.h>
#include <ATen/ops/multinomial.h>
#include <ATen/ops/softmax.h>
#include <ATen/ops/sort.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace vitcop::generation {

int64_t greedyToken(const at::Tensor& logits) {
  return logits.argmax().item<int64_t>();
}

Sampler::Sampler(const SamplingOptions& options)
    : options_(options), generator_(at::make_generator<at::CPUGeneratorImpl>(options.seed)) {
  if (!std::isfinite(options.temperature) || options.temperature < 0.0)
    throw std::invalid_argument("temperature: " + std::to_string(options.temperature) +
                                " must be a finite value >= 0");
  if (!(options.topP > 0.0 && options.topP <= 1.0))
    throw std::invalid_argument("top_p: " + std::to_string(options.topP) + " must be in (0, 1]");
}

int64_t Sampler::next(const at::Tensor& logits) {
  if (greedy()) return greedyToken(logits);
  at::Tensor scores = logits.to(at::kCPU, at::kFloat).contiguous() / options_.temperature;
  if (options_.topP < 1.0) {
    // Ascending sort; drop the low tail whose cumulative probability is <= 1 - top_p, always
    // keeping the most likely token (transformers' TopPLogitsWarper).
    auto [sorted, order] = scores.sort(/*dim=*/-1, /*descending=*/false);
    const at::Tensor cumulative = sorted.softmax(-1).cumsum(-1);
    at::Tensor drop = cumulative <= (1.0 - options_.topP);
    drop[-1] = false;
    scores = scores.index_put({order.masked_select(drop)},
                              at::scalar_tensor(-std::numeric_limits<float>::infinity()));
  }
  const at::Tensor probs = scores.softmax(-1);
  return at::multinomial(probs, 1, false, generator_).item<int64_t>();
}

}  // namespace vitcop::generation
