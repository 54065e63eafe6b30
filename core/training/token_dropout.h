#pragma once
// Visual-token dropout for the language phases: teaches the decoder to answer from a subset of an
// image's tokens, as it must under pruning. The shipped r4 model counted one marked token per
// object and read position partly from token order, so every pruning method, random included,
// cost it 4-23 points already at 33 % and counting fell from 0.86 to ~0.2 at 11 %
// (docs/accuracy.md).
//
// A dropped token is removed exactly as ViTCoP's Stage I removes it (method-spec VQ-05): no
// other token attends to it and the kept visual tokens get contiguous positions in raster order,
// the text after them moving up by the number dropped. It stays in the tensors (the batch keeps
// one shape) but cannot influence any other token.
#include <cstdint>
#include <vector>

#include "core/training/batch.h"

namespace vitcop::training {

// Applies `d` (recipe.h) to the stills' sequences of `batch` (one image per sequence, frames == 1),
// with randomness from `seed` only. Every object keeps at least one of its patches (chosen with
// probability proportional to the share of the object each holds), so no question's answer
// changes. Returns the number of visual tokens dropped over the batch.
int64_t dropVisualTokens(TextBatch& batch, const AuxLabels& labels, const TokenDropout& d,
                         uint64_t seed);

// The visual tokens of sequence `row` that dropVisualTokens kept (raster order), read back from
// the mask: what tests and diagnostics check.
std::vector<int64_t> keptVisualTokens(const TextBatch& batch, int64_t row);

}  // namespace vitcop::training
