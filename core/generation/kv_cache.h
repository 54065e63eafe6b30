#pragma once
// Per-layer key/value cache. Each layer keeps what it saw (pruning makes lengths differ per
// layer, method-spec 2.9), with each slot's position id and origin. Buffers are preallocated to
// a capacity and filled in place; they grow geometrically only if a caller under-reserves.
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "core/model/llama.h"
#include "core/model/token_info.h"

namespace vitcop::generation {

class LayerKvCache : public model::KvStore {
 public:
  LayerKvCache(int64_t numKvHeads, int64_t headDim, c10::ScalarType dtype, c10::Device device);

  // Keys after RoPE and values, [1, n_kv, n, hd]; returns the filled part [1, n_kv, len, hd].
  std::pair<at::Tensor, at::Tensor> append(const at::Tensor& k, const at::Tensor& v) override;
  // Metadata of the slots just appended (same count as the last append).
  void recordSlots(const std::vector<int64_t>& positions,
                   const std::vector<model::TokenInfo>& tokens);
  void reserve(int64_t capacity);
  // Keeps exactly these slots, in this order (they may be reordered; no duplicates needed but
  // allowed); positions and tokens follow. Throws std::out_of_range naming the bad slot.
  void keep(const std::vector<int64_t>& slots);

  at::Tensor keys() const;    // [1, n_kv, len, hd] view
  at::Tensor values() const;  // [1, n_kv, len, hd] view
  int64_t length() const { return length_; }
  int64_t capacity() const { return capacity_; }
  int64_t allocatedBytes() const;  // K and V buffers as allocated (capacity)
  int64_t usedBytes() const;       // K and V slots filled
  const std::vector<int64_t>& positions() const { return positions_; }
  const std::vector<model::TokenInfo>& tokens() const { return tokens_; }

 private:
  int64_t numKvHeads_, headDim_;
  c10::ScalarType dtype_;
  c10::Device device_;
  at::Tensor k_, v_;  // [1, n_kv, capacity, hd]
  int64_t length_ = 0, capacity_ = 0;
  std::vector<int64_t> positions_;
  std::vector<model::TokenInfo> tokens_;
};

class KvCache {
 public:
  KvCache() = default;
  KvCache(int64_t numLayers, int64_t numKvHeads, int64_t headDim, c10::ScalarType dtype,
          c10::Device device);
  int64_t numLayers() const { return static_cast<int64_t>(layers_.size()); }
  LayerKvCache& layer(int64_t i) { return layers_.at(static_cast<size_t>(i)); }
  const LayerKvCache& layer(int64_t i) const { return layers_.at(static_cast<size_t>(i)); }
  std::vector<int64_t> lengths() const;
  int64_t allocatedBytes() const;
  int64_t usedBytes() const;

 private:
  std::vector<LayerKvCache> layers_;
};

}  // namespace vitcop::generation
