#include "core/text/vocabulary.h"

#include <cstdio>

namespace vitcop::text {

Vocabulary::Vocabulary(const SentencePieceModel& model) : pieces_(model.pieces) {
  byteIds_.fill(-1);
  byteValues_.assign(pieces_.size(), -1);
  std::vector<std::string> user;
  mergeable_.reserve(pieces_.size());
  for (int i = 0; i < size(); ++i) {
    const auto& p = pieces_[i];
    const bool mergeable = p.type == PieceType::Normal || p.type == PieceType::UserDefined ||
                           p.type == PieceType::Unused;
    (mergeable ? mergeable_ : reserved_).emplace(p.piece, i);
    if (p.type == PieceType::UserDefined) user.push_back(p.piece);
    if (p.type == PieceType::Unknown) unkId_ = i;
    if (p.type == PieceType::Byte) {
      unsigned value = 0;
      if (std::sscanf(p.piece.c_str(), "<0x%2X>", &value) == 1 && value < 256) {
        byteIds_[value] = i;
        byteValues_[i] = static_cast<int16_t>(value);
      }
    }
  }
  userSymbols_ = PrefixMatcher(user);
}

int Vocabulary::pieceToId(std::string_view piece) const {
  if (const auto it = reserved_.find(piece); it != reserved_.end()) return it->second;
  if (const auto it = mergeable_.find(piece); it != mergeable_.end()) return it->second;
  return unkId_;
}

}  // namespace vitcop::text
