#pragma once
// Our own SentencePiece processor for BPE and unigram models (libsentencepiece cannot share a
// process with LibTorch): normalize, segment, byte fallback on encode; SentencePiece's Decode
// rules on decode. Loading checks everything SentencePiece checks, plus that this implementation
// supports the model type (not WORD or CHAR), so an unsupported file fails at load.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/text/normalizer.h"
#include "core/text/sentencepiece_model.h"
#include "core/text/unigram_tokenizer.h"
#include "core/text/vocabulary.h"

namespace vitcop::text {

class SentencePieceProcessor {
 public:
  explicit SentencePieceProcessor(SentencePieceModel model);
  static SentencePieceProcessor load(const std::filesystem::path& file);

  // What SentencePieceProcessor::Encode gives: no BOS/EOS. Works on any bytes (malformed UTF-8
  // is encoded as U+FFFD).
  std::vector<int> encode(std::string_view text) const;
  // As encode, with the model's add_dummy_prefix overridden.
  std::vector<int> encode(std::string_view text, bool addDummyPrefix) const;
  std::vector<std::string> encodePieces(std::string_view text) const;
  // What SentencePieceProcessor::Decode gives: control pieces vanish, byte pieces are reassembled
  // (a malformed byte run yields U+FFFD per bad byte), U+2581 becomes a space and the space the
  // dummy prefix added is removed from the first piece (unless `stripDummyPrefix` is false:
  // for a run that continues text decoded earlier). Throws TokenizerError on an id outside
  // [0, size()).
  std::string decode(const std::vector<int>& ids, bool stripDummyPrefix = true) const;

  int size() const { return vocab_.size(); }
  const std::string& idToPiece(int id) const;  // throws on a bad id
  int pieceToId(std::string_view piece) const { return vocab_.pieceToId(piece); }
  // False for an id outside the vocabulary.
  bool isControl(int id) const {
    return vocab_.contains(id) && vocab_.type(id) == PieceType::Control;
  }
  bool isByte(int id) const { return vocab_.contains(id) && vocab_.type(id) == PieceType::Byte; }
  bool isUnknown(int id) const {
    return vocab_.contains(id) && vocab_.type(id) == PieceType::Unknown;
  }
  int unkId() const { return vocab_.unkId(); }
  int bosId() const { return controlId(model_.trainer.bosPiece); }  // -1 when the model has none
  int eosId() const { return controlId(model_.trainer.eosPiece); }
  int padId() const { return controlId(model_.trainer.padPiece); }
  const SentencePieceModel& model() const { return model_; }

 private:
  int controlId(const std::string& piece) const;

  SentencePieceModel model_;
  Vocabulary vocab_;
  Normalizer normalizer_;
  std::optional<Normalizer> denormalizer_;
  std::optional<UnigramSegmenter> unigram_;  // set for unigram models
};

}  // namespace vitcop::text
