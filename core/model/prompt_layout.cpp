#include "core/model/prompt_layout.h"

#include <ATen/ops/cat.h>

#include <stdexcept>
#include <string>

namespace vitcop::model {

PromptLayout parsePrompt(const std::vector<int64_t>& ids, const checkpoint::LlavaConfig& config,
                         int64_t numImages) {
  const int64_t imageId = config.imageTokenIndex;
  const int64_t perImage = config.imageTokensPerImage();
  std::vector<int64_t> imagePositions;
  PromptLayout layout;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] == imageId) {
      imagePositions.push_back(static_cast<int64_t>(i));
      continue;
    }
    if (ids[i] < 0 || ids[i] >= config.text.vocabSize)
      throw std::invalid_argument("input ids: token id " + std::to_string(ids[i]) + " at index " +
                                  std::to_string(i) + " is outside the vocabulary [0, " +
                                  std::to_string(config.text.vocabSize) + ")");
    layout.textIds.push_back(ids[i]);
    layout.textSource.push_back(static_cast<int64_t>(i));
  }
  const auto count = static_cast<int64_t>(imagePositions.size());
  if (count == numImages * perImage) {
    // Expanded (preferred when both fit, i.e. perImage == 1: then the forms coincide).
    for (int64_t img = 0; img < numImages; ++img) {
      const int64_t first = imagePositions[static_cast<size_t>(img * perImage)];
      const int64_t last = imagePositions[static_cast<size_t>(img * perImage + perImage - 1)];
      if (last - first != perImage - 1)
        throw std::invalid_argument("input ids: the " + std::to_string(perImage) +
                                    " image tokens of image " + std::to_string(img) +
                                    " are not contiguous (from index " + std::to_string(first) +
                                    " to " + std::to_string(last) + ")");
      layout.imageAfter.push_back(first - img * perImage);
    }
  } else if (count == numImages) {
    layout.legacy = true;
    for (int64_t img = 0; img < numImages; ++img)
      layout.imageAfter.push_back(imagePositions[static_cast<size_t>(img)] - img);
  } else {
    throw std::invalid_argument(
        "input ids: " + std::to_string(count) + " image tokens (id " + std::to_string(imageId) +
        ") for " + std::to_string(numImages) + " image(s); expected " + std::to_string(numImages) +
        " (legacy form) or " + std::to_string(numImages * perImage) + " (expanded form)");
  }
  return layout;
}

SplicedSequence spliceImages(const PromptLayout& layout, const at::Tensor& textEmbeds,
                             const std::vector<VisualTokens>& images) {
  if (images.size() != layout.imageAfter.size())
    throw std::invalid_argument("spliceImages: " + std::to_string(images.size()) + " images for " +
                                std::to_string(layout.imageAfter.size()) + " image slots");
  SplicedSequence out;
  std::vector<at::Tensor> pieces;
  int64_t text = 0;
  const auto nText = static_cast<int64_t>(layout.textIds.size());
  auto takeText = [&](int64_t upTo) {
    if (upTo > text) pieces.push_back(textEmbeds.narrow(1, text, upTo - text));
    for (; text < upTo; ++text)
      out.tokens.push_back({TokenKind::Text, layout.textSource[static_cast<size_t>(text)], {}});
  };
  for (size_t img = 0; img < images.size(); ++img) {
    takeText(layout.imageAfter[img]);
    const VisualTokens& v = images[img];
    if (v.embeds.dim() != 2 || v.embeds.size(1) != textEmbeds.size(2) ||
        static_cast<size_t>(v.embeds.size(0)) != v.origins.size())
      throw std::invalid_argument("spliceImages: image " + std::to_string(img) +
                                  " has embeddings and origins of inconsistent shape");
    pieces.push_back(v.embeds.to(textEmbeds.scalar_type()).unsqueeze(0));
    for (size_t j = 0; j < v.origins.size(); ++j)
      out.tokens.push_back({TokenKind::Visual, static_cast<int64_t>(j), v.origins[j]});
  }
  takeText(nText);
  out.embeds = pieces.size() == 1 ? pieces[0].contiguous() : at::cat(pieces, 1);
  return out;
}

}  // namespace vitcop::model
