#include "core/generation/kv_cache.h"

#include <ATen/ops/empty.h>
#include <ATen/ops/tensor.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace vitcop::generation {

LayerKvCache::LayerKvCache(int64_t numKvHeads, int64_t headDim, c10::ScalarType dtype,
                           c10::Device device)
    : numKvHeads_(numKvHeads), headDim_(headDim), dtype_(dtype), device_(device) {}

void LayerKvCache::reserve(int64_t capacity) {
  if (capacity <= capacity_) return;
  const auto opts = at::TensorOptions().dtype(dtype_).device(device_);
  at::Tensor k = at::empty({1, numKvHeads_, capacity, headDim_}, opts);
  at::Tensor v = at::empty({1, numKvHeads_, capacity, headDim_}, opts);
  if (length_ > 0) {
    k.narrow(2, 0, length_).copy_(keys());
    v.narrow(2, 0, length_).copy_(values());
  }
  k_ = k;
  v_ = v;
  capacity_ = capacity;
}

std::pair<at::Tensor, at::Tensor> LayerKvCache::append(const at::Tensor& k, const at::Tensor& v) {
  const int64_t n = k.size(2);
  if (length_ + n > capacity_) reserve(std::max(length_ + n, capacity_ * 2));
  k_.narrow(2, length_, n).copy_(k);
  v_.narrow(2, length_, n).copy_(v);
  length_ += n;
  return {keys(), values()};
}

void LayerKvCache::recordSlots(const std::vector<int64_t>& positions,
                               const std::vector<model::TokenInfo>& tokens) {
  positions_.insert(positions_.end(), positions.begin(), positions.end());
  tokens_.insert(tokens_.end(), tokens.begin(), tokens.end());
  if (positions_.size() != static_cast<size_t>(length_) || tokens_.size() != positions_.size())
    throw std::logic_error("KV cache: slot metadata (" + std::to_string(positions_.size()) +
                           ") does not match " + std::to_string(length_) + " cached slots");
}

void LayerKvCache::keep(const std::vector<int64_t>& slots) {
  for (int64_t s : slots)
    if (s < 0 || s >= length_)
      throw std::out_of_range("KV cache keep: slot " + std::to_string(s) + " outside [0, " +
                              std::to_string(length_) + ")");
  const auto m = static_cast<int64_t>(slots.size());
  if (m > 0) {
    const at::Tensor idx = at::tensor(slots, at::TensorOptions().dtype(at::kLong)).to(device_);
    // index_select makes a compact copy first, so writing it back to the front is safe.
    const at::Tensor k = keys().index_select(2, idx);
    const at::Tensor v = values().index_select(2, idx);
    if (m > capacity_) reserve(m);
    k_.narrow(2, 0, m).copy_(k);
    v_.narrow(2, 0, m).copy_(v);
  }
  std::vector<int64_t> positions;
  std::vector<model::TokenInfo> tokens;
  const bool meta = positions_.size() == static_cast<size_t>(length_);
  for (int64_t s : slots) {
    if (!meta) break;
    positions.push_back(positions_[static_cast<size_t>(s)]);
    tokens.push_back(tokens_[static_cast<size_t>(s)]);
  }
  positions_ = std::move(positions);
  tokens_ = std::move(tokens);
  length_ = m;
}

at::Tensor LayerKvCache::keys() const {
  return length_ == 0 && !k_.defined() ? at::Tensor() : k_.narrow(2, 0, length_);
}
at::Tensor LayerKvCache::values() const {
  return length_ == 0 && !v_.defined() ? at::Tensor() : v_.narrow(2, 0, length_);
}

int64_t LayerKvCache::allocatedBytes() const {
  return 2 * numKvHeads_ * capacity_ * headDim_ * static_cast<int64_t>(c10::elementSize(dtype_));
}
int64_t LayerKvCache::usedBytes() const {
  return 2 * numKvHeads_ * length_ * headDim_ * static_cast<int64_t>(c10::elementSize(dtype_));
}

KvCache::KvCache(int64_t numLayers, int64_t numKvHeads, int64_t headDim, c10::ScalarType dtype,
                 c10::Device device) {
  for (int64_t i = 0; i < numLayers; ++i)
    layers_.emplace_back(numKvHeads, headDim, dtype, device);
}

std::vector<int64_t> KvCache::lengths() const {
  std::vector<int64_t> out;
  for (const auto& l : layers_)
    out.push_back(l.length());
  return out;
}
int64_t KvCache::allocatedBytes() const {
  int64_t n = 0;
  for (const auto& l : layers_)
    n += l.allocatedBytes();
  return n;
}
int64_t KvCache::usedBytes() const {
  int64_t n = 0;
  for (const auto& l : layers_)
    n += l.usedBytes();
  return n;
}

}  // namespace vitcop::generation
