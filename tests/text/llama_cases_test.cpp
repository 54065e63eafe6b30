// The 46 llama.cpp tokenizer cases of the LLaMA fixture (ids produced by the reference Hugging
// Face / SentencePiece tokenizers) and the LLaVA-1.5 prompt: our encoder must give the same ids
// and decode them back to the same text.
#include <gtest/gtest.h>

#include <cctype>

#include "core/text/sentencepiece_processor.h"
#include "core/text/tokenizer.h"
#include "tests/text/text_test_support.h"

namespace {

using vitcop::text::SentencePieceProcessor;
using vitcop::text::Tokenizer;
namespace support = vitcop::test::text;

struct Case {
  size_t index;
  std::string text;
  std::vector<int64_t> ids;
};

// Short description for test listings: letters, digits and spaces only (the raw text holds
// control bytes, quotes and emoji, which the listing parser and terminals do not like).
void PrintTo(const Case& c, std::ostream* os) {
  std::string shown;
  for (const char ch : c.text) {
    if (shown.size() < 24)
      shown += std::isalnum(static_cast<unsigned char>(ch)) || ch == ' ' ? ch : '_';
  }
  *os << c.text.size() << " bytes: " << shown;
}

std::vector<Case> allCases() {
  std::vector<Case> out;
  const auto j = support::llamaCases();
  for (const auto& c : j.at("cases")) {
    out.push_back(
        {out.size(), c.at("text").get<std::string>(), c.at("ids").get<std::vector<int64_t>>()});
  }
  return out;
}

const Tokenizer& llama() {
  static const Tokenizer t = Tokenizer::load(support::llamaModel());
  return t;
}

class LlamaCase : public ::testing::TestWithParam<Case> {};

TEST_P(LlamaCase, EncodesToReferenceIds) {
  const Case& c = GetParam();
  EXPECT_EQ(llama().encode(c.text, false), c.ids) << "text: \"" << support::escaped(c.text) << "\"";
}

TEST_P(LlamaCase, DecodeOfEncodeIsIdentity) {
  const Case& c = GetParam();
  EXPECT_EQ(llama().decode(llama().encode(c.text, true)), c.text);
  EXPECT_EQ(llama().decode(c.ids), c.text);
}

INSTANTIATE_TEST_SUITE_P(Fixture, LlamaCase, ::testing::ValuesIn(allCases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return "case" + std::to_string(info.param.index);
                         });

TEST(LlamaFixture, HasAll46Cases) {
  EXPECT_EQ(allCases().size(), 46u);
}

TEST(LlamaFixture, ModelFactsReadBackFromTheProto) {
  const auto sp = SentencePieceProcessor::load(support::llamaModel());
  EXPECT_EQ(sp.size(), 32000);
  EXPECT_EQ(sp.unkId(), 0);
  EXPECT_EQ(sp.bosId(), 1);
  EXPECT_EQ(sp.eosId(), 2);
  EXPECT_EQ(sp.padId(), -1);
  EXPECT_EQ(sp.idToPiece(3), "<0x00>");
  EXPECT_EQ(sp.idToPiece(258), "<0xFF>");
  EXPECT_EQ(sp.idToPiece(29871), "\xE2\x96\x81");
  EXPECT_TRUE(sp.isByte(13));
  EXPECT_TRUE(sp.isControl(1));
  const auto& m = sp.model();
  EXPECT_EQ(m.normalizer.name, "identity");
  EXPECT_TRUE(m.normalizer.precompiledCharsmap.empty());
  EXPECT_TRUE(m.normalizer.addDummyPrefix);
  EXPECT_FALSE(m.normalizer.removeExtraWhitespaces);
  EXPECT_TRUE(m.trainer.byteFallback);
  EXPECT_TRUE(m.trainer.splitDigits);
  EXPECT_TRUE(m.trainer.allowWhitespaceOnlyPieces);
  EXPECT_FALSE(m.trainer.treatWhitespaceAsSuffix);
  EXPECT_FLOAT_EQ(m.pieces[260].score, -1.0f);  // -(id - 259)
  EXPECT_FLOAT_EQ(m.pieces[259].score, -1e9f);  // "▁▁": whitespace only
}

TEST(LlamaFixture, Llava15PromptIds) {
  const auto j = support::llamaCases().at("llava_1_5_prompt");
  // A llava-hf directory: tokenizer.model plus the added tokens <image> = 32000, <pad> = 32001.
  support::ScratchDir dir("llava-prompt");
  std::filesystem::copy_file(support::llamaModel(), dir / "tokenizer.model");
  support::writeFile(dir / "added_tokens.json", R"({"<image>": 32000, "<pad>": 32001})");
  support::writeFile(dir / "tokenizer_config.json",
                     R"({"add_bos_token": true, "added_tokens_decoder": {
      "32000": {"content": "<image>", "special": true}, "32001": {"content": "<pad>", "special": true}}})");
  const Tokenizer t = Tokenizer::load(dir.path());
  const auto expected = j.at("ids").get<std::vector<int64_t>>();
  ASSERT_EQ(expected.size(), 20u);
  EXPECT_EQ(t.encode(j.at("text").get<std::string>()), expected);
  // The reference convention, spelled out: segments encoded on their own, one BOS in front.
  std::vector<int64_t> joined = {1};
  for (const auto& seg : j.at("segments")) {
    const auto s = seg.get<std::string>();
    if (s == "<image>") {
      joined.push_back(32000);
    } else {
      const auto ids = t.encodePlain(s);
      joined.insert(joined.end(), ids.begin(), ids.end());
    }
  }
  EXPECT_EQ(joined, expected);
  // Decoding drops <s> and <image>; the two U+2581 around the image remain as two spaces.
  EXPECT_EQ(t.decode(expected), "USER:  \nWhat is shown in this image? ASSISTANT:");
  EXPECT_EQ(t.decode(expected, false),
            "<s> USER: <image> \nWhat is shown in this image? ASSISTANT:");
}

}  // namespace
