#pragma once
// The parts of SentencePiece's ModelProto (sentencepiece_model.proto) that encoding and decoding
// need, read straight from the protobuf wire format. Field defaults are the proto2 defaults, so a
// file that omits a field means what it means to SentencePiece.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace vitcop::text {

enum class PieceType : uint8_t {
  Normal = 1,
  Unknown = 2,
  Control = 3,
  UserDefined = 4,
  Unused = 5,
  Byte = 6,
};

struct ModelPiece {
  std::string piece;
  float score = 0.0f;
  PieceType type = PieceType::Normal;
};

enum class ModelType : int32_t { Unigram = 1, Bpe = 2, Word = 3, Char = 4 };
std::string modelTypeName(ModelType type);

struct TrainerSpec {
  ModelType modelType = ModelType::Unigram;
  int32_t vocabSize = 8000;
  std::string modelPrefix;
  bool byteFallback = false;
  bool splitDigits = false;
  bool treatWhitespaceAsSuffix = false;
  bool allowWhitespaceOnlyPieces = false;
  int32_t unkId = 0;
  int32_t bosId = 1;
  int32_t eosId = 2;
  int32_t padId = -1;
  std::string unkPiece = "<unk>";
  std::string bosPiece = "<s>";
  std::string eosPiece = "</s>";
  std::string padPiece = "<pad>";
  std::string unkSurface = " \xE2\x81\x87 ";  // " ⁇ ": what an <unk> decodes to
};

struct NormalizerSpec {
  std::string name;
  std::string precompiledCharsmap;  // <u32 trie size><darts-clone trie><NUL-separated outputs>
  bool addDummyPrefix = true;
  bool removeExtraWhitespaces = true;
  bool escapeWhitespaces = true;
};

struct SentencePieceModel {
  std::vector<ModelPiece> pieces;
  TrainerSpec trainer;
  NormalizerSpec normalizer;
  bool hasDenormalizer = false;
  NormalizerSpec denormalizer;
  std::string source;  // file name (or description) used in error messages

  // Parses a serialized ModelProto and checks what SentencePiece checks when it loads one
  // (non-empty unique pieces, exactly one <unk>, 256 byte pieces iff byte_fallback).
  // `source` names the input in errors. Throws TokenizerError.
  static SentencePieceModel parse(std::string_view bytes, const std::string& source);
  static SentencePieceModel load(const std::filesystem::path& file);
};

}  // namespace vitcop::text
