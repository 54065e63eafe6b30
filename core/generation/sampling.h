#pragma once
// Next-token choice: greedy (first maximum, method-spec 1.9) or temperature + top-p sampling as
// transformers' TemperatureLogitsWarper and TopPLogitsWarper do, from a seeded generator so a
// run is reproducible.
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace vitcop::generation {

struct SamplingOptions {
  double temperature = 0.0;  // <= 0: greedy
  double topP = 1.0;         // (0, 1]
  uint64_t seed = 0;
};

// Index of the first maximum of logits [V].
int64_t greedyToken(const at::Tensor& logits);

class Sampler {
 public:
  // Throws std::invalid_argument naming temperature or top_p when out of range.
  explicit Sampler(const SamplingOptions& options);
  int64_t next(const at::Tensor& logits);  // logits [V], any float dtype
  bool greedy() const { return options_.temperature <= 0.0; }

 private:
  SamplingOptions options_;
  at::Generator generator_;
};

}  // namespace vitcop::generation
