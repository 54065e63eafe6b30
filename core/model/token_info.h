#pragma once
// What each position of the LLM sequence is and, for visual tokens, which image patches it
// carries. Plain data (no tensors) so traces and widgets can keep it. Patches are numbered
// globally: frame * P + row * G + col (method-spec 0.5 raster order); the class token of frame f
// is -(f + 1). A merged token lists every patch it absorbed.
#include <cstdint>
#include <vector>

namespace vitcop::model {

enum class TokenKind : uint8_t { Text, Visual, Generated };

struct TokenInfo {
  TokenKind kind = TokenKind::Text;
  int64_t index = -1;            // Text: index in the input ids; Generated: decode step
  std::vector<int32_t> patches;  // Visual only
  bool isVisual() const { return kind == TokenKind::Visual; }
};

struct PatchCoord {
  int32_t frame = 0;
  int32_t row = -1;  // -1 for a class token
  int32_t col = -1;
  bool isClassToken() const { return row < 0; }
};

inline int32_t patchId(int32_t frame, int32_t row, int32_t col, int64_t gridSide) {
  return static_cast<int32_t>(frame * gridSide * gridSide + row * gridSide + col);
}
inline int32_t classTokenId(int32_t frame) {
  return -(frame + 1);
}

inline PatchCoord decodePatch(int32_t id, int64_t gridSide) {
  if (id < 0) return {-id - 1, -1, -1};
  const auto perFrame = static_cast<int32_t>(gridSide * gridSide);
  const int32_t p = id % perFrame;
  return {id / perFrame, static_cast<int32_t>(p / gridSide), static_cast<int32_t>(p % gridSide)};
}

}  // namespace vitcop::model
