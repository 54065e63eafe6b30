#pragma once
// LLaVA-1.5 prompt strings (method-spec 1.7.1) and the input ids built from them with the image
// placeholder spliced in (1.7.2): the prompt is split at the literal "<image>", every text chunk
// is tokenized separately (dummy-prefix space included), one BOS goes in front, and each
// "<image>" becomes `imageTokens` copies of the image token id (expanded form, what the port
// always feeds the model) or a single copy (legacy form).
#include <cstdint>
#include <string>
#include <vector>

namespace vitcop::text {

class Tokenizer;

inline constexpr const char* kImagePlaceholder = "<image>";

enum class PromptTemplate {
  LlavaHf,   // "USER: <image>\n{question} ASSISTANT:"
  VicunaV1,  // original LLaVA / lmms-eval / ViTCoP: system prompt + " USER: <image>\n{question}
             // ASSISTANT:"
  LlavaV1,   // as VicunaV1 with "human" in the system prompt
};

// Parses "llava-hf", "vicuna_v1" (alias "v1"), "llava_v1"; throws TokenizerError naming the value.
PromptTemplate parsePromptTemplate(const std::string& name);
std::string promptTemplateName(PromptTemplate t);
// The system text of VicunaV1 / LlavaV1 ("" for LlavaHf).
std::string systemPrompt(PromptTemplate t);

// One user turn with the image first and an open assistant turn.
std::string buildPrompt(PromptTemplate t, const std::string& question, bool withImage = true);

enum class ImageTokenForm { Expanded, Legacy };

struct PromptIds {
  std::vector<int64_t> ids;
  std::vector<int64_t> imagePositions;  // indices in `ids` holding the image token, in order
  int64_t firstImagePosition = -1;      // v_s: tokens before the first image token (-1: no image)
};

// Tokenizes `prompt` as described above. `imageTokenId` is 32000 for llava-hf (−200 in original
// LLaVA code). `imageTokens` is the number of visual tokens per image (576 for LLaVA-1.5);
// ignored for the legacy form. Throws TokenizerError when imageTokens < 1.
PromptIds buildInputIds(const Tokenizer& tokenizer, const std::string& prompt, int64_t imageTokenId,
                        int64_t imageTokens, ImageTokenForm form, bool addBos = true);

}  // namespace vitcop::text
