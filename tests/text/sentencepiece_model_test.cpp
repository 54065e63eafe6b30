// Loading SentencePiece model files: malformed or unsupported input fails with one clear line
// naming the file; small hand-built models exercise the paths LLaMA's model does not use.
#include <gtest/gtest.h>

#include <random>

#include "core/text/sentencepiece_model.h"
#include "core/text/sentencepiece_processor.h"
#include "core/text/text_error.h"
#include "tests/text/text_test_support.h"

namespace {

using vitcop::text::SentencePieceModel;
using vitcop::text::SentencePieceProcessor;
using vitcop::text::TokenizerError;
namespace support = vitcop::test::text;

using support::errorOf;

std::vector<support::PieceSpec> tinyPieces() {
  return {{"<unk>", 0, 2},
          {"<s>", 0, 3},
          {"</s>", 0, 3},
          {"\xE2\x96\x81", -1, 1},
          {"a", -2, 1},
          {"b", -3, 1},
          {"ab", -4, 1},
          {"\xE2\x96\x81"
           "ab",
           -5, 1}};
}

void expectOneLine(const std::string& msg) {
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(SentencePieceModel, EmptyFileIsRejected) {
  support::ScratchDir dir("empty");
  support::writeFile(dir / "tokenizer.model", "");
  const auto msg = errorOf([&] { SentencePieceModel::load(dir / "tokenizer.model"); });
  EXPECT_NE(msg.find("tokenizer.model"), std::string::npos) << msg;
  EXPECT_NE(msg.find("empty"), std::string::npos) << msg;
  expectOneLine(msg);
}

TEST(SentencePieceModel, MissingFileIsNamed) {
  const auto msg = errorOf([] { SentencePieceModel::load("/nonexistent/dir/tokenizer.model"); });
  EXPECT_NE(msg.find("/nonexistent/dir/tokenizer.model"), std::string::npos) << msg;
}

TEST(SentencePieceModel, DirectoryIsRejected) {
  const auto msg = errorOf([] { SentencePieceModel::load(support::llamaDir()); });
  EXPECT_NE(msg.find("directory"), std::string::npos) << msg;
}

TEST(SentencePieceModel, TruncatedFilesAreRejected) {
  const std::string full = support::readFile(support::llamaModel());
  // Cuts inside the piece list, inside trainer_spec and one byte short of the end.
  for (const size_t size :
       {size_t{1}, size_t{100}, full.size() / 2, full.size() - 300, full.size() - 1}) {
    const std::string cut = full.substr(0, size);
    const auto msg = errorOf([&] { SentencePieceModel::parse(cut, "cut.model"); });
    EXPECT_NE(msg.find("cut.model"), std::string::npos) << "size " << size << ": " << msg;
    expectOneLine(msg);
  }
}

TEST(SentencePieceModel, RandomBytesAreRejected) {
  std::mt19937 rng(1234);
  for (int trial = 0; trial < 200; ++trial) {
    std::string junk(1 + rng() % 4096, '\0');
    for (auto& c : junk)
      c = static_cast<char>(rng() & 0xFF);
    const auto msg = errorOf([&] { SentencePieceModel::parse(junk, "junk.model"); });
    EXPECT_NE(msg.find("junk.model"), std::string::npos) << msg;
  }
}

TEST(SentencePieceModel, TextFileIsRejected) {
  const auto msg =
      errorOf([] { SentencePieceModel::parse("{\"not\": \"a model\"}\n", "config.json"); });
  EXPECT_NE(msg.find("config.json"), std::string::npos) << msg;
}

TEST(SentencePieceModel, WordModelIsRejectedByTheProcessor) {
  const std::string bytes = support::buildModel(tinyPieces(), /*modelType=*/3);
  const auto model = SentencePieceModel::parse(bytes, "word.model");  // parses fine
  EXPECT_EQ(model.trainer.modelType, vitcop::text::ModelType::Word);
  const auto msg = errorOf([&] { SentencePieceProcessor sp(model); });
  EXPECT_NE(msg.find("word.model"), std::string::npos) << msg;
  EXPECT_NE(msg.find("WORD"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not supported"), std::string::npos) << msg;
}

TEST(TinyUnigram, ViterbiPicksTheBestTotalScore) {
  // "▁ab" alone (-4.5) beats "▁" + "ab" (-1 - 4 = -5); at -5.5 it loses.
  auto pieces = tinyPieces();
  pieces[7].score = -4.5f;
  const SentencePieceProcessor a(SentencePieceModel::parse(support::buildModel(pieces, 1), "uni"));
  EXPECT_EQ(a.encodePieces("ab"), (std::vector<std::string>{"\xE2\x96\x81"
                                                            "ab"}));
  pieces[7].score = -5.5f;
  const SentencePieceProcessor b(SentencePieceModel::parse(support::buildModel(pieces, 1), "uni"));
  EXPECT_EQ(b.encodePieces("ab"), (std::vector<std::string>{"\xE2\x96\x81", "ab"}));
  // An uncovered character is <unk>; runs of them merge into one, as with BPE.
  EXPECT_EQ(b.encode("axy"), (std::vector<int>{3, 4, 0}));
}

TEST(SentencePieceModel, StructuralChecksMatchSentencePiece) {
  auto pieces = tinyPieces();
  pieces[0].type = 1;  // no <unk>
  EXPECT_NE(
      errorOf([&] { SentencePieceModel::parse(support::buildModel(pieces), "m"); }).find("UNKNOWN"),
      std::string::npos);
  pieces = tinyPieces();
  pieces.push_back({"a", -9, 1});  // duplicate
  EXPECT_NE(
      errorOf([&] { SentencePieceModel::parse(support::buildModel(pieces), "m"); }).find("twice"),
      std::string::npos);
  pieces = tinyPieces();
  pieces.push_back({"<0x41>", 0, 6});  // byte piece without byte_fallback
  EXPECT_NE(errorOf([&] {
              SentencePieceModel::parse(support::buildModel(pieces), "m");
            }).find("byte_fallback"),
            std::string::npos);
  // byte_fallback with only one byte piece
  EXPECT_NE(errorOf([&] {
              SentencePieceModel::parse(support::buildModel(pieces, 2, true), "m");
            }).find("missing"),
            std::string::npos);
  pieces = tinyPieces();
  pieces.push_back({"", 0, 1});  // empty piece
  EXPECT_NE(
      errorOf([&] { SentencePieceModel::parse(support::buildModel(pieces), "m"); }).find("empty"),
      std::string::npos);
}

TEST(SentencePieceModel, MalformedCharsMapIsRejected) {
  const std::string bad = std::string("\xFF\xFF\x00\x00", 4) + "xyz";  // trie larger than the blob
  const auto msg = errorOf([&] {
    SentencePieceProcessor sp(SentencePieceModel::parse(
        support::buildModel(tinyPieces(), 2, false, false, bad), "nfkc.model"));
  });
  EXPECT_NE(msg.find("nfkc.model"), std::string::npos) << msg;
  EXPECT_NE(msg.find("precompiled_charsmap"), std::string::npos) << msg;
}

TEST(TinyBpe, MergesByScoreAndDecodes) {
  const SentencePieceProcessor sp(
      SentencePieceModel::parse(support::buildModel(tinyPieces()), "tiny"));
  // "▁ab": "a"+"b" merges first (score -4), then "▁"+"ab" (score -5); "▁a" is no piece.
  EXPECT_EQ(sp.encodePieces("ab"), (std::vector<std::string>{"\xE2\x96\x81"
                                                             "ab"}));
  EXPECT_EQ(sp.decode(sp.encode("ab")), "ab");
  // Without byte fallback, a run of unknown characters becomes one <unk>, decoded as " ⁇ ".
  EXPECT_EQ(sp.encode("xyz"), (std::vector<int>{3, 0}));
  EXPECT_EQ(sp.encode("axyb"), (std::vector<int>{3, 4, 0, 5}));
  EXPECT_EQ(sp.decode({4, 0, 5}), "a \xE2\x81\x87 b");
}

TEST(TinyBpe, UserDefinedSymbolsStayWhole) {
  auto pieces = tinyPieces();
  pieces.push_back({"<sep>", 0, 4});
  const SentencePieceProcessor sp(SentencePieceModel::parse(support::buildModel(pieces), "user"));
  // "<sep>" is one piece; its neighbours are never merged into it.
  EXPECT_EQ(sp.encodePieces("ab<sep>ab"), (std::vector<std::string>{"\xE2\x96\x81"
                                                                    "ab",
                                                                    "<sep>", "ab"}));
}

TEST(TinyBpe, UnusedPiecesAreSplitBack) {
  auto pieces = tinyPieces();
  pieces[6].type = 5;  // "ab" unused: "▁ab" still forms through it, a bare "ab" is split back
  const SentencePieceProcessor sp(SentencePieceModel::parse(support::buildModel(pieces), "unused"));
  EXPECT_EQ(sp.encodePieces("ab"), (std::vector<std::string>{"\xE2\x96\x81"
                                                             "ab"}));
  EXPECT_EQ(sp.encodePieces("b ab"), (std::vector<std::string>{"\xE2\x96\x81", "b",
                                                               "\xE2\x96\x81"
                                                               "ab"}));
  EXPECT_EQ(sp.encodePieces("aab"), (std::vector<std::string>{"\xE2\x96\x81", "a", "a", "b"}));
}

TEST(TinyBpe, DecodeRejectsBadIds) {
  const SentencePieceProcessor sp(
      SentencePieceModel::parse(support::buildModel(tinyPieces()), "tiny"));
  const auto msg = errorOf([&] { sp.decode({4, 99}); });
  EXPECT_NE(msg.find("99"), std::string::npos) << msg;
  EXPECT_THROW(sp.decode({-1}), TokenizerError);
}

}  // namespace
