#pragma once
// SentencePiece's BPE segmentation (bpe_model.cc, Model::SampleEncode without dropout): the
// normalized text is split into characters (user-defined symbols whole and frozen), then the
// adjacent pair whose concatenation is a vocabulary piece with the highest score is merged,
// leftmost first on ties, until no pair is in the vocabulary. UNUSED pieces that result from a
// merge are split back into the pieces they were merged from.
#include <string_view>
#include <utility>
#include <vector>

#include "core/text/vocabulary.h"

namespace vitcop::text {

// (piece, id) per segment; the views point into `normalized`. id is <unk>'s for a character
// outside the vocabulary (byte fallback happens later, in SentencePieceProcessor).
using Segmentation = std::vector<std::pair<std::string_view, int>>;

Segmentation bpeSegment(const Vocabulary& vocab, std::string_view normalized);

}  // namespace vitcop::text
