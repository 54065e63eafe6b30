#pragma once
// Image-token splicing (method-spec 1.7.3). Input ids come in the expanded form (each image is
// image_seq_length consecutive image-token ids) or the legacy form (one image-token id per
// image, expanded by the model); both parse to the same layout, so both give the same logits.
// Each image slot then receives however many visual rows that image has (pruning after the
// projector may have changed the count); positions are 0..n-1 over the spliced sequence.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "core/checkpoint/llava_config.h"
#include "core/model/token_info.h"

namespace vitcop::model {

struct PromptLayout {
  std::vector<int64_t> textIds;     // the non-image ids in order
  std::vector<int64_t> textSource;  // index of each in the input ids
  std::vector<int64_t> imageAfter;  // per image: how many text ids precede it
  bool legacy = false;
};

// Throws std::invalid_argument naming the input ids on a token outside the vocabulary, an
// image-token count that fits neither form for `numImages`, or an expanded image that is not
// contiguous.
PromptLayout parsePrompt(const std::vector<int64_t>& inputIds,
                         const checkpoint::LlavaConfig& config, int64_t numImages);

// The visual rows of one image after the projector (and any pruning hook).
struct VisualTokens {
  at::Tensor embeds;                          // [N, d]
  std::vector<std::vector<int32_t>> origins;  // N patch lists (see token_info.h)
};

struct SplicedSequence {
  at::Tensor embeds;              // [1, n, d]
  std::vector<TokenInfo> tokens;  // n
};

// textEmbeds: embeddings of layout.textIds, [1, textIds.size(), d].
SplicedSequence spliceImages(const PromptLayout& layout, const at::Tensor& textEmbeds,
                             const std::vector<VisualTokens>& images);

}  // namespace vitcop::model
