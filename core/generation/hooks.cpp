#include "core/generation/hooks.h"

#include <ATen/ops/index_select.h>
#include <ATen/ops/tensor.h>

#include <stdexcept>
#include <string>

namespace vitcop::generation {

std::pair<int64_t, int64_t> DecoderLayerView::visualSpan() const {
  int64_t first = -1, last = -1;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (!tokens[i].isVisual()) continue;
    if (first < 0) first = static_cast<int64_t>(i);
    last = static_cast<int64_t>(i);
  }
  return first < 0 ? std::pair<int64_t, int64_t>{-1, -1}
                   : std::pair<int64_t, int64_t>{first, last + 1};
}

void DecoderLayerView::select(const std::vector<int64_t>& rows) {
  const auto n = static_cast<int64_t>(tokens.size());
  std::vector<int64_t> newPositions;
  std::vector<model::TokenInfo> newTokens;
  for (int64_t r : rows) {
    if (r < 0 || r >= n)
      throw std::out_of_range("DecoderLayerView::select: row " + std::to_string(r) +
                              " outside [0, " + std::to_string(n) + ")");
    newPositions.push_back(positions[static_cast<size_t>(r)]);
    newTokens.push_back(tokens[static_cast<size_t>(r)]);
  }
  const at::Tensor idx = at::tensor(rows, at::TensorOptions().dtype(at::kLong)).to(hidden.device());
  hidden = hidden.index_select(0, idx);
  positions = std::move(newPositions);
  tokens = std::move(newTokens);
}

}  // namespace vitcop::generation
