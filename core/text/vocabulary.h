#pragma once
// A SentencePiece model's pieces with SentencePiece's lookup rules (model_interface.cc):
// NORMAL, USER_DEFINED and UNUSED pieces form the mergeable vocabulary; CONTROL, UNKNOWN and
// BYTE pieces are "reserved" and are looked up first; anything else maps to <unk>.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/text/normalizer.h"
#include "core/text/sentencepiece_model.h"

namespace vitcop::text {

class Vocabulary {
 public:
  explicit Vocabulary(const SentencePieceModel& model);
  // The maps hold views into pieces_' strings: a copy would dangle, a move keeps the vector's
  // elements (and so the views) where they are.
  Vocabulary(const Vocabulary&) = delete;
  Vocabulary& operator=(const Vocabulary&) = delete;
  Vocabulary(Vocabulary&&) noexcept = default;
  Vocabulary& operator=(Vocabulary&&) noexcept = default;

  int size() const { return static_cast<int>(pieces_.size()); }
  bool contains(int id) const { return id >= 0 && id < size(); }
  const std::string& piece(int id) const { return pieces_[id].piece; }
  float score(int id) const { return pieces_[id].score; }
  PieceType type(int id) const { return pieces_[id].type; }

  // Any piece; <unk>'s id when absent.
  int pieceToId(std::string_view piece) const;
  // Mergeable pieces only (NORMAL, USER_DEFINED, UNUSED); -1 when absent.
  int mergeableId(std::string_view piece) const {
    const auto it = mergeable_.find(piece);
    return it == mergeable_.end() ? -1 : it->second;
  }
  int unkId() const { return unkId_; }
  int byteId(unsigned char b) const { return byteIds_[b]; }  // -1 without byte_fallback
  int byteValue(int id) const { return byteValues_[id]; }    // -1 unless a BYTE piece
  const PrefixMatcher& userSymbols() const { return userSymbols_; }

 private:
  std::vector<ModelPiece> pieces_;
  std::unordered_map<std::string_view, int> mergeable_;
  std::unordered_map<std::string_view, int> reserved_;
  std::array<int, 256> byteIds_{};
  std::vector<int16_t> byteValues_;
  int unkId_ = -1;
  PrefixMatcher userSymbols_;
};

}  // namespace vitcop::text
