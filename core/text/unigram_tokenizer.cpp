#include "core/text/unigram_tokenizer.h"

#include <algorithm>
#include <cfloat>

#include "core/text/utf8.h"

namespace vitcop::text {

namespace {
constexpr float kUnkPenalty = 10.0f;
}

UnigramSegmenter::UnigramSegmenter(const Vocabulary& vocab)
    : nodeId_(1, -1), minScore_(FLT_MAX), maxScore_(FLT_MIN) {
  for (int id = 0; id < vocab.size(); ++id) {
    const PieceType type = vocab.type(id);
    // SentencePiece starts max_score at FLT_MIN (the smallest positive float), and only NORMAL
    // pieces count; kept as is because user-defined symbol scores derive from it.
    if (type == PieceType::Normal) {
      minScore_ = std::min(minScore_, vocab.score(id));
      maxScore_ = std::max(maxScore_, vocab.score(id));
    }
    if (type != PieceType::Normal && type != PieceType::UserDefined && type != PieceType::Unused)
      continue;
    uint32_t node = 0;
    for (const char c : vocab.piece(id)) {
      const uint64_t key = (uint64_t(node) << 8) | static_cast<unsigned char>(c);
      auto [it, inserted] = edges_.emplace(key, static_cast<uint32_t>(nodeId_.size()));
      if (inserted) nodeId_.push_back(-1);
      node = it->second;
    }
    nodeId_[node] = id;
  }
}

Segmentation UnigramSegmenter::segment(const Vocabulary& vocab, std::string_view normalized) const {
  Segmentation out;
  if (normalized.empty()) return out;
  struct BestPath {
    int id = -1;
    float score = 0;  // best total score of a path ending here
    int start = -1;   // where its last piece starts
  };
  const int size = static_cast<int>(normalized.size());
  const float unkScore = minScore_ - kUnkPenalty;
  std::vector<BestPath> best(size + 1);
  for (int start = 0; start < size;) {
    const float scoreSoFar = best[start].score;
    bool singleCharPiece = false;
    const int charLen =
        std::min<int>(static_cast<int>(utf8::leadLength(normalized[start])), size - start);
    uint32_t node = 0;
    for (int end = start; end < size; ++end) {
      const auto it =
          edges_.find((uint64_t(node) << 8) | static_cast<unsigned char>(normalized[end]));
      if (it == edges_.end()) break;
      node = it->second;
      const int id = nodeId_[node];
      if (id < 0 || vocab.type(id) == PieceType::Unused) continue;
      const int length = end + 1 - start;
      // As in the reference: `length * max_score - 0.1` is a double, so the sum is a double too.
      const auto score = vocab.type(id) == PieceType::UserDefined
                             ? (static_cast<float>(length) * maxScore_ - 0.1)
                             : static_cast<double>(vocab.score(id));
      const auto candidate = score + scoreSoFar;
      BestPath& target = best[end + 1];
      if (target.start == -1 || candidate > target.score) {
        target = {id, static_cast<float>(candidate), start};
      }
      if (length == charLen) singleCharPiece = true;
    }
    if (!singleCharPiece) {
      const float candidate = unkScore + scoreSoFar;
      BestPath& target = best[start + charLen];
      if (target.start == -1 || candidate > target.score)
        target = {vocab.unkId(), candidate, start};
    }
    start += charLen;
  }
  for (int end = size; end > 0; end = best[end].start) {
    out.emplace_back(normalized.substr(best[end].start, end - best[end].start), best[end].id);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace vitcop::text
