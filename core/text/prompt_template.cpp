#include "core/text/prompt_template.h"

#include "core/text/text_error.h"
#include "core/text/tokenizer.h"

namespace vitcop::text {

PromptTemplate parsePromptTemplate(const std::string& name) {
  if (name == "llava-hf" || name == "llava_hf") return PromptTemplate::LlavaHf;
  if (name == "vicuna_v1" || name == "v1") return PromptTemplate::VicunaV1;
  if (name == "llava_v1") return PromptTemplate::LlavaV1;
  throw TokenizerError("unknown prompt template '" + name +
                       "' (expected llava-hf, vicuna_v1, v1 or llava_v1)");
}

std::string promptTemplateName(PromptTemplate t) {
  switch (t) {
    case PromptTemplate::LlavaHf:
      return "llava-hf";
    case PromptTemplate::VicunaV1:
      return "vicuna_v1";
    case PromptTemplate::LlavaV1:
      return "llava_v1";
  }
  return "?";
}

std::string systemPrompt(PromptTemplate t) {
  switch (t) {
    case PromptTemplate::LlavaHf:
      return "";
    case PromptTemplate::VicunaV1:
      return "A chat between a curious user and an artificial intelligence assistant. The "
             "assistant "
             "gives helpful, detailed, and polite answers to the user's questions.";
    case PromptTemplate::LlavaV1:
      return "A chat between a curious human and an artificial intelligence assistant. The "
             "assistant "
             "gives helpful, detailed, and polite answers to the human's questions.";
  }
  return "";
}

std::string buildPrompt(PromptTemplate t, const std::string& question, bool withImage) {
  const std::string user =
      (withImage ? std::string(kImagePlaceholder) + "\n" : std::string()) + question;
  if (t == PromptTemplate::LlavaHf) return "USER: " + user + " ASSISTANT:";
  // Separator style "two": system + sep(" ") + "USER: " + message + sep(" ") + "ASSISTANT:".
  return systemPrompt(t) + " USER: " + user + " ASSISTANT:";
}

PromptIds buildInputIds(const Tokenizer& tokenizer, const std::string& prompt, int64_t imageTokenId,
                        int64_t imageTokens, ImageTokenForm form, bool addBos) {
  if (form == ImageTokenForm::Expanded && imageTokens < 1) {
    throw TokenizerError("image token count must be at least 1, got " +
                         std::to_string(imageTokens));
  }
  PromptIds out;
  if (addBos) out.ids.push_back(tokenizer.bosId());
  const std::string placeholder = kImagePlaceholder;
  const int64_t copies = form == ImageTokenForm::Expanded ? imageTokens : 1;
  size_t start = 0;
  while (true) {
    const size_t hit = prompt.find(placeholder, start);
    const std::string chunk =
        prompt.substr(start, hit == std::string::npos ? std::string::npos : hit - start);
    // Chunks are tokenized on their own (no BOS); empty chunks contribute nothing.
    if (!chunk.empty()) {
      const auto ids = tokenizer.encode(chunk, false);
      out.ids.insert(out.ids.end(), ids.begin(), ids.end());
    }
    if (hit == std::string::npos) break;
    if (out.firstImagePosition < 0) out.firstImagePosition = static_cast<int64_t>(out.ids.size());
    for (int64_t k = 0; k < copies; ++k) {
      out.imagePositions.push_back(static_cast<int64_t>(out.ids.size()));
      out.ids.push_back(imageTokenId);
    }
    start = hit + placeholder.size();
  }
  return out;
}

}  // namespace vitcop::text
