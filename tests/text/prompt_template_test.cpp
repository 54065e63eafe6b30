// Prompt strings of method-spec 1.7.1 and the input ids of 1.7.2 (expanded and legacy forms).
#include <gtest/gtest.h>

#include "core/text/prompt_template.h"
#include "core/text/text_error.h"
#include "core/text/tokenizer.h"
#include "tests/text/text_test_support.h"

namespace {

using namespace vitcop::text;
namespace support = vitcop::test::text;

const Tokenizer& llavaHf() {
  static const Tokenizer t = [] {
    static support::ScratchDir dir("prompt");
    std::filesystem::copy_file(support::llamaModel(), dir / "tokenizer.model");
    support::writeFile(dir / "added_tokens.json", R"({"<image>": 32000, "<pad>": 32001})");
    return Tokenizer::load(dir.path());
  }();
  return t;
}

TEST(PromptTemplate, LlavaHfString) {
  EXPECT_EQ(buildPrompt(PromptTemplate::LlavaHf, "What is shown in this image?"),
            "USER: <image>\nWhat is shown in this image? ASSISTANT:");
  EXPECT_EQ(buildPrompt(PromptTemplate::LlavaHf, "Hi", false), "USER: Hi ASSISTANT:");
}

TEST(PromptTemplate, VicunaV1String) {
  EXPECT_EQ(
      buildPrompt(PromptTemplate::VicunaV1, "Describe it."),
      "A chat between a curious user and an artificial intelligence assistant. The assistant gives "
      "helpful, detailed, and polite answers to the user's questions. USER: <image>\nDescribe it. "
      "ASSISTANT:");
  const std::string llavaV1 = buildPrompt(PromptTemplate::LlavaV1, "Q");
  EXPECT_NE(llavaV1.find("curious human"), std::string::npos);
  EXPECT_NE(llavaV1.find("the human's questions. USER: <image>\nQ ASSISTANT:"), std::string::npos);
}

TEST(PromptTemplate, Parse) {
  EXPECT_EQ(parsePromptTemplate("llava-hf"), PromptTemplate::LlavaHf);
  EXPECT_EQ(parsePromptTemplate("v1"), PromptTemplate::VicunaV1);
  EXPECT_EQ(parsePromptTemplate("vicuna_v1"), PromptTemplate::VicunaV1);
  EXPECT_EQ(parsePromptTemplate("llava_v1"), PromptTemplate::LlavaV1);
  try {
    parsePromptTemplate("chatml");
    FAIL() << "no error";
  } catch (const TokenizerError& e) {
    EXPECT_NE(std::string(e.what()).find("chatml"), std::string::npos);
  }
}

TEST(PromptIds, LegacyFormMatchesTheFixture) {
  const auto j = support::llamaCases().at("llava_1_5_prompt");
  const auto prompt = buildPrompt(PromptTemplate::LlavaHf, "What is shown in this image?");
  ASSERT_EQ(prompt, j.at("text").get<std::string>());
  const PromptIds p = buildInputIds(llavaHf(), prompt, 32000, 576, ImageTokenForm::Legacy);
  EXPECT_EQ(p.ids, j.at("ids").get<std::vector<int64_t>>());
  EXPECT_EQ(p.firstImagePosition, 5);
  EXPECT_EQ(p.imagePositions, (std::vector<int64_t>{5}));
}

TEST(PromptIds, ExpandedFormHas576ImageTokens) {
  const auto j = support::llamaCases().at("llava_1_5_prompt");
  const auto legacy = j.at("ids").get<std::vector<int64_t>>();
  const PromptIds p = buildInputIds(llavaHf(), j.at("text").get<std::string>(), 32000, 576,
                                    ImageTokenForm::Expanded);
  ASSERT_EQ(static_cast<int64_t>(p.ids.size()),
            j.at("ids_with_576_image_tokens_length").get<int64_t>());
  std::vector<int64_t> expected(legacy.begin(), legacy.begin() + 5);
  expected.insert(expected.end(), 576, 32000);
  expected.insert(expected.end(), legacy.begin() + 6, legacy.end());
  EXPECT_EQ(p.ids, expected);
  ASSERT_EQ(p.imagePositions.size(), 576u);
  EXPECT_EQ(p.imagePositions.front(), 5);
  EXPECT_EQ(p.imagePositions.back(), 5 + 575);
}

TEST(PromptIds, SameIdsWithoutTheAddedToken) {
  // Original LLaVA checkpoints have no "<image>" added token: the literal is still split out.
  const Tokenizer plain = Tokenizer::load(support::llamaModel());
  const auto prompt = buildPrompt(PromptTemplate::LlavaHf, "What is shown in this image?");
  const auto a = buildInputIds(plain, prompt, -200, 576, ImageTokenForm::Legacy);
  auto b = buildInputIds(llavaHf(), prompt, 32000, 576, ImageTokenForm::Legacy);
  b.ids[5] = -200;
  EXPECT_EQ(a.ids, b.ids);
}

TEST(PromptIds, VicunaV1ImageStartsAt35) {
  // method-spec 1.7.2: with vicuna_v1 the chunk before <image> is 35 tokens including BOS.
  const auto p = buildInputIds(llavaHf(), buildPrompt(PromptTemplate::VicunaV1, "What is this?"),
                               32000, 576, ImageTokenForm::Expanded);
  EXPECT_EQ(p.firstImagePosition, 35);
  EXPECT_EQ(p.ids[35 + 576], 29871);  // the next chunk starts with the dummy-prefix piece...
  EXPECT_EQ(p.ids[35 + 577], 13);     // ...before the newline byte
}

TEST(PromptIds, NoImage) {
  const auto p = buildInputIds(llavaHf(), buildPrompt(PromptTemplate::LlavaHf, "Hi", false), 32000,
                               576, ImageTokenForm::Expanded);
  EXPECT_EQ(p.firstImagePosition, -1);
  EXPECT_TRUE(p.imagePositions.empty());
  EXPECT_EQ(p.ids.front(), 1);
}

TEST(PromptIds, RejectsZeroImageTokens) {
  EXPECT_THROW(
      buildInputIds(llavaHf(), "USER: <image>\nQ ASSISTANT:", 32000, 0, ImageTokenForm::Expanded),
      TokenizerError);
}

}  // namespace
