#pragma once
// SentencePiece's unigram segmentation (unigram_model.cc, Model::EncodeOptimized, the default
// encoder): Viterbi over every vocabulary piece found at each character position, user-defined
// symbols boosted so they always win, and an <unk> of score min_score - 10 for a character no
// piece covers. Float/double mixing follows the reference so that ties resolve identically.
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/text/bpe_tokenizer.h"
#include "core/text/vocabulary.h"

namespace vitcop::text {

class UnigramSegmenter {
 public:
  explicit UnigramSegmenter(const Vocabulary& vocab);
  Segmentation segment(const Vocabulary& vocab, std::string_view normalized) const;

 private:
  // Byte trie over the mergeable pieces: (node << 8 | byte) -> child node; node -> piece id.
  std::unordered_map<uint64_t, uint32_t> edges_;
  std::vector<int> nodeId_;  // -1 when no piece ends at the node
  float minScore_;
  float maxScore_;
};

}  // namespace vitcop::text
