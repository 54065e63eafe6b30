// Tokenizer: model directories with Hugging Face tokenizer files (added tokens, BOS settings),
// splitting at added tokens, decoding, and the errors bad directories produce.
#include <gtest/gtest.h>

#include "core/text/sentencepiece_processor.h"
#include "core/text/text_error.h"
#include "core/text/tokenizer.h"
#include "tests/text/text_test_support.h"

namespace {

using vitcop::text::Tokenizer;
using vitcop::text::TokenizerError;
namespace support = vitcop::test::text;

using support::errorOf;

// A llava-hf style directory: tokenizer.model + the given JSON files.
struct ModelDir {
  support::ScratchDir dir;
  explicit ModelDir(const std::string& name,
                    const std::vector<std::pair<std::string, std::string>>& files = {})
      : dir(name) {
    std::filesystem::copy_file(support::llamaModel(), dir / "tokenizer.model");
    for (const auto& [file, text] : files)
      support::writeFile(dir / file, text);
  }
};

const char* kLlavaHfConfig = R"({
  "add_bos_token": true, "add_eos_token": false, "legacy": false,
  "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
  "added_tokens_decoder": {
    "0": {"content": "<unk>", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false, "special": true},
    "1": {"content": "<s>", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false, "special": true},
    "2": {"content": "</s>", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false, "special": true},
    "32000": {"content": "<image>", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false, "special": true},
    "32001": {"content": "<pad>", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false, "special": true}
  }})";

TEST(Tokenizer, ModelFileAloneAddsBosAndHasNoAddedTokens) {
  const Tokenizer t = Tokenizer::load(support::llamaModel());
  EXPECT_TRUE(t.addsBosByDefault());
  EXPECT_EQ(t.encode("Hello world"), (std::vector<int64_t>{1, 15043, 3186}));
  EXPECT_EQ(t.vocabSize(), 32000);
  EXPECT_FALSE(t.addedTokenId("<image>"));
  // Without the added token, "<image>" is ordinary text.
  EXPECT_EQ(t.encode("<image>", false), t.encodePlain("<image>"));
  EXPECT_GT(t.encode("<image>", false).size(), 1u);
}

TEST(Tokenizer, DirectoryWithOnlyTheModelBehavesLikeTheFile) {
  ModelDir d("only-model");
  const Tokenizer t = Tokenizer::load(d.dir.path());
  EXPECT_EQ(t.encode("Hello world"), (std::vector<int64_t>{1, 15043, 3186}));
}

TEST(Tokenizer, AddedTokensFromTokenizerConfig) {
  ModelDir d("config", {{"tokenizer_config.json", kLlavaHfConfig}});
  const Tokenizer t = Tokenizer::load(d.dir.path());
  EXPECT_EQ(t.addedTokenId("<image>"), 32000);
  EXPECT_EQ(t.addedTokenId("<pad>"), 32001);
  EXPECT_EQ(t.padId(), 32001);
  EXPECT_EQ(t.vocabSize(), 32002);
  EXPECT_EQ(t.baseVocabSize(), 32000);
  EXPECT_EQ(t.piece(32000), "<image>");
  EXPECT_TRUE(t.isSpecial(32000));
  EXPECT_TRUE(t.isSpecial(1));
  EXPECT_FALSE(t.isSpecial(15043));
  EXPECT_EQ(t.encode("<image>"), (std::vector<int64_t>{1, 32000}));
  // Every text segment is encoded on its own, dummy prefix included.
  std::vector<int64_t> expected = t.encodePlain("a");
  expected.insert(expected.end(), {32000, 32000});
  const auto b = t.encodePlain("b");
  expected.insert(expected.end(), b.begin(), b.end());
  EXPECT_EQ(t.encode("a<image><image>b", false), expected);
  // <s>, </s> are added tokens too, so their strings in the text become their ids.
  expected = t.encodePlain("Hi");
  expected.push_back(2);
  EXPECT_EQ(t.encode("Hi</s>", false), expected);
}

TEST(Tokenizer, AddedTokensJsonAlone) {
  ModelDir d("added", {{"added_tokens.json", R"({"<image>": 32000, "<pad>": 32001})"}});
  const Tokenizer t = Tokenizer::load(d.dir.path());
  EXPECT_EQ(t.addedTokenId("<image>"), 32000);
  EXPECT_EQ(t.encode("USER: <image>\n", true),
            (std::vector<int64_t>{1, 3148, 1001, 29901, 29871, 32000, 29871, 13}));
  // Not declared special: decoding keeps it.
  EXPECT_FALSE(t.isSpecial(32000));
  EXPECT_EQ(t.decode({1, 32000, 29871, 13}), "<image> \n");
}

TEST(Tokenizer, SpecialTokensMapMarksTokensSpecial) {
  ModelDir d("special-map",
             {{"added_tokens.json", R"({"<image>": 32000, "<pad>": 32001})"},
              {"special_tokens_map.json", R"({"bos_token": {"content": "<s>"}, "pad_token": "<pad>",
                                "additional_special_tokens": ["<image>"]})"}});
  const Tokenizer t = Tokenizer::load(d.dir.path());
  EXPECT_TRUE(t.isSpecial(32000));
  EXPECT_TRUE(t.isSpecial(32001));
  EXPECT_EQ(t.padId(), 32001);
  // The first text piece loses its dummy-prefix space ("▁" -> ""), as in SentencePiece.
  EXPECT_EQ(t.decode({1, 32000, 29871, 13, 32001}), "\n");
  EXPECT_EQ(t.decode({1, 32000, 29871, 13, 32001}, false), "<s><image> \n<pad>");
}

TEST(Tokenizer, TokenizerJsonAddedTokens) {
  ModelDir d("tokenizer-json", {{"tokenizer.json", R"({"version": "1.0",
                 "added_tokens": [{"id": 32000, "content": "<image>", "single_word": false, "lstrip": false,
                                   "rstrip": false, "normalized": false, "special": true}],
                 "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "\u2581"},
                                {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
                 "pre_tokenizer": null})"}});
  const Tokenizer t = Tokenizer::load(d.dir.path());
  EXPECT_EQ(t.addedTokenId("<image>"), 32000);
}

std::string tokenizerJson(const std::string& normalizer, const std::string& preTokenizer) {
  return R"({"added_tokens": [{"id": 32000, "content": "<image>", "special": true}], "normalizer": )" +
         normalizer + R"(, "pre_tokenizer": )" + preTokenizer + "}";
}

const char* kLegacyNormalizer =
    R"({"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "\u2581"},
    {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]})";

TEST(Tokenizer, LegacyTokenizerJsonPrefixesEverySegment) {
  const auto j = support::llamaCases().at("llava_1_5_prompt");
  ModelDir d("legacy-json", {{"tokenizer.json", tokenizerJson(kLegacyNormalizer, "null")}});
  const Tokenizer t = Tokenizer::load(d.dir.path());
  EXPECT_EQ(t.dummyPrefixRule(), vitcop::text::DummyPrefixRule::SentencePiece);
  EXPECT_EQ(t.encode(j.at("text").get<std::string>()), j.at("ids").get<std::vector<int64_t>>());
  EXPECT_EQ(t.encode(" Hello world", false), (std::vector<int64_t>{29871, 15043, 3186}));
}

TEST(Tokenizer, MetaspaceFirstPrefixesOnlyTheStart) {
  // legacy=false conversions: no U+2581 after <image> (the fixture's 19-id variant).
  const auto j = support::llamaCases().at("llava_1_5_prompt");
  ModelDir d(
      "metaspace-first",
      {{"tokenizer.json",
        tokenizerJson("null",
                      R"({"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first",
                                         "split": false})")}});
  const Tokenizer t = Tokenizer::load(d.dir.path());
  EXPECT_EQ(t.encode(j.at("text").get<std::string>()),
            j.at("ids_if_no_dummy_prefix_after_image").get<std::vector<int64_t>>());
}

TEST(Tokenizer, MetaspaceAlwaysSkipsSegmentsStartingWithASpace) {
  const auto j = support::llamaCases().at("llava_1_5_prompt");
  ModelDir d(
      "metaspace-always",
      {{"tokenizer.json", tokenizerJson("null", R"({"type": "Metaspace", "replacement": "\u2581",
                                                           "prepend_scheme": "always", "split": false})")}});
  const Tokenizer t = Tokenizer::load(d.dir.path());
  EXPECT_EQ(t.encode(j.at("text").get<std::string>()), j.at("ids").get<std::vector<int64_t>>());
  EXPECT_EQ(t.encode(" Hello world", false), (std::vector<int64_t>{15043, 3186}));
  EXPECT_EQ(t.encode("Hello world", false), (std::vector<int64_t>{15043, 3186}));
}

TEST(Tokenizer, NoPrefixAnywhereWithoutPrependOrMetaspace) {
  ModelDir d("never", {{"tokenizer.json", tokenizerJson("null", "null")}});
  const Tokenizer t = Tokenizer::load(d.dir.path());
  EXPECT_EQ(t.dummyPrefixRule(), vitcop::text::DummyPrefixRule::Never);
  const auto plain = t.sentencePiece().encode("Hello", false);  // no dummy prefix
  EXPECT_EQ(t.encode("Hello", false), std::vector<int64_t>(plain.begin(), plain.end()));
  EXPECT_NE(t.encode("Hello", false), t.encodePlain("Hello"));
}

TEST(Tokenizer, UnsupportedFastTokenizerSettingsAreRefused) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"null",
       R"({"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": true})"},
      {"null", R"({"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": true})"},
      {"null", R"({"type": "ByteLevel", "add_prefix_space": false})"},
      {R"({"type": "NFKC"})", "null"},
  };
  for (const auto& [normalizer, pre] : bad) {
    ModelDir d("refused", {{"tokenizer.json", tokenizerJson(normalizer, pre)}});
    const auto msg = errorOf([&] { Tokenizer::load(d.dir.path()); });
    EXPECT_NE(msg.find("tokenizer.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find("not supported"), std::string::npos) << msg;
  }
}

TEST(Tokenizer, AddBosFalseIsHonoured) {
  ModelDir d("no-bos",
             {{"tokenizer_config.json", R"({"add_bos_token": false, "add_eos_token": true})"}});
  const Tokenizer t = Tokenizer::load(d.dir.path());
  EXPECT_FALSE(t.addsBosByDefault());
  EXPECT_EQ(t.encode("Hello world"), (std::vector<int64_t>{15043, 3186, 2}));
}

TEST(Tokenizer, LstripAndRstripSwallowWhitespace) {
  ModelDir d("strip", {{"tokenizer_config.json", R"({"added_tokens_decoder": {
                 "32000": {"content": "<image>", "lstrip": true, "rstrip": true, "special": true}}})"}});
  const Tokenizer t = Tokenizer::load(d.dir.path());
  EXPECT_EQ(t.encode("a  <image> \n b", false), t.encode("a<image>b", false));
}

TEST(Tokenizer, LongestAddedTokenWins) {
  ModelDir d("longest", {{"added_tokens.json", R"({"<|im": 32000, "<|im|>": 32001})"}});
  const Tokenizer t = Tokenizer::load(d.dir.path());
  EXPECT_EQ(t.encode("<|im|><|im", false), (std::vector<int64_t>{32001, 32000}));
}

TEST(Tokenizer, DecodeReassemblesBytePieces) {
  const Tokenizer t = Tokenizer::load(support::llamaModel());
  EXPECT_EQ(t.decode({29871, 243, 162, 169, 156}),
            "\xF0\x9F\xA6\x99");  // dummy "▁", then 🦙's bytes
  EXPECT_EQ(t.decode({15043, 29871, 243, 162, 169, 156}), "Hello \xF0\x9F\xA6\x99");
  EXPECT_EQ(t.decode({243, 162}), "\xEF\xBF\xBD\xEF\xBF\xBD");  // cut sequence: U+FFFD per byte
  // Shown specials count as text, so the space of "▁Hello" stays (as HF's decoder does).
  EXPECT_EQ(t.decode({1, 15043, 2}, false), "<s> Hello</s>");
  EXPECT_EQ(t.decode({1, 15043, 2}), "Hello");
  EXPECT_EQ(t.decode({}), "");
}

TEST(Tokenizer, InvalidUtf8IsEncodedAsReplacementCharacters) {
  const Tokenizer t = Tokenizer::load(support::llamaModel());
  // SentencePiece turns every malformed byte into U+FFFD before segmenting.
  EXPECT_EQ(t.encode("a\xFF"
                     "b",
                     false),
            t.encode("a\xEF\xBF\xBD"
                     "b",
                     false));
  EXPECT_EQ(t.encode("\xC3", false), t.encode("\xEF\xBF\xBD", false));
  EXPECT_EQ(t.encode("\xED\xA0\x80", false),
            t.encode("\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", false));  // surrogate
}

TEST(Tokenizer, BadIdsAreRejected) {
  ModelDir d("bad-ids", {{"added_tokens.json", R"({"<image>": 32000, "<pad>": 32001})"}});
  const Tokenizer t = Tokenizer::load(d.dir.path());
  for (const int64_t id : {int64_t{-1}, int64_t{32002}, int64_t{32063}}) {
    const auto msg = errorOf([&] { t.decode({1, id}); });
    EXPECT_NE(msg.find(std::to_string(id)), std::string::npos) << msg;
    EXPECT_THROW(t.piece(id), TokenizerError);
  }
}

TEST(Tokenizer, MissingPathIsNamed) {
  const auto msg = errorOf([] { Tokenizer::load("/no/such/model"); });
  EXPECT_NE(msg.find("/no/such/model"), std::string::npos) << msg;
}

TEST(Tokenizer, DirectoryWithoutModelIsNamed) {
  support::ScratchDir dir("no-model");
  support::writeFile(dir / "tokenizer.json", "{}");
  const auto msg = errorOf([&] { Tokenizer::load(dir.path()); });
  EXPECT_NE(msg.find("tokenizer.model"), std::string::npos) << msg;
  EXPECT_NE(msg.find(dir.path().string()), std::string::npos) << msg;
}

TEST(Tokenizer, MalformedConfigFilesAreNamed) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"tokenizer_config.json", "{not json"},
      {"tokenizer_config.json", R"({"add_bos_token": "yes"})"},
      {"tokenizer_config.json", R"({"added_tokens_decoder": {"abc": {"content": "<x>"}}})"},
      {"tokenizer_config.json", R"({"added_tokens_decoder": {"32000": {"special": true}}})"},
      {"tokenizer_config.json",
       R"({"added_tokens_decoder": {"32000": {"content": "<x>", "single_word": true}}})"},
      {"added_tokens.json", R"({"<image>": "32000"})"},
      {"added_tokens.json", R"([1, 2])"},
      {"special_tokens_map.json", R"({"pad_token": 5})"},
      {"tokenizer.json", R"({"added_tokens": [{"content": "<x>"}]})"},
      {"tokenizer.json", R"({"normalizer": {"type": "Prepend", "prepend": 5}})"},
  };
  for (const auto& [file, text] : bad) {
    ModelDir d("bad-config", {{file, text}});
    const auto msg = errorOf([&] { Tokenizer::load(d.dir.path()); });
    EXPECT_NE(msg.find(file), std::string::npos) << file << " " << text << " -> " << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(Tokenizer, ConflictingAddedTokensAreRejected) {
  {
    ModelDir d("conflict-id", {{"added_tokens.json", R"({"<image>": 32000})"},
                               {"tokenizer_config.json",
                                R"({"added_tokens_decoder": {"32000": {"content": "<img>"}}})"}});
    const auto msg = errorOf([&] { Tokenizer::load(d.dir.path()); });
    EXPECT_NE(msg.find("32000"), std::string::npos) << msg;
  }
  {
    ModelDir d("clash-base", {{"added_tokens.json", R"({"<image>": 5})"}});
    const auto msg = errorOf([&] { Tokenizer::load(d.dir.path()); });
    EXPECT_NE(msg.find("<image>"), std::string::npos) << msg;
  }
  {
    ModelDir d("existing-piece", {{"added_tokens.json", R"({"Hello": 32000})"}});
    const auto msg = errorOf([&] { Tokenizer::load(d.dir.path()); });
    EXPECT_NE(msg.find("already piece"), std::string::npos) << msg;
  }
  {
    ModelDir d("unknown-bos", {{"tokenizer_config.json", R"({"bos_token": "<start>"})"}});
    const auto msg = errorOf([&] { Tokenizer::load(d.dir.path()); });
    EXPECT_NE(msg.find("<start>"), std::string::npos) << msg;
  }
}

}  // namespace
