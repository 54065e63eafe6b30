#include "core/text/sentencepiece_processor.h"

#include "core/text/bpe_tokenizer.h"
#include "core/text/text_error.h"
#include "core/text/utf8.h"

namespace vitcop::text {

namespace {

// Checks that run before any member is built from the model.
SentencePieceModel supported(SentencePieceModel m) {
  if (m.trainer.modelType != ModelType::Bpe && m.trainer.modelType != ModelType::Unigram) {
    throw TokenizerError(m.source + ": model type " + modelTypeName(m.trainer.modelType) +
                         " is not supported (only BPE, as used by LLaMA, and UNIGRAM)");
  }
  return m;
}

void replaceAll(std::string& s, std::string_view from, std::string_view to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
}

}  // namespace

SentencePieceProcessor::SentencePieceProcessor(SentencePieceModel model)
    : model_(supported(std::move(model))),
      vocab_(model_),
      normalizer_(model_.normalizer, model_.trainer.treatWhitespaceAsSuffix, vocab_.userSymbols(),
                  model_.source + " (normalizer_spec)") {
  // SentencePiece applies a denormalizer only when it carries a character map.
  if (model_.hasDenormalizer && !model_.denormalizer.precompiledCharsmap.empty()) {
    denormalizer_.emplace(model_.denormalizer, false, PrefixMatcher(),
                          model_.source + " (denormalizer_spec)");
  }
  if (model_.trainer.modelType == ModelType::Unigram) unigram_.emplace(vocab_);
}

SentencePieceProcessor SentencePieceProcessor::load(const std::filesystem::path& file) {
  return SentencePieceProcessor(SentencePieceModel::load(file));
}

int SentencePieceProcessor::controlId(const std::string& piece) const {
  const int id = vocab_.pieceToId(piece);
  return isControl(id) ? id : -1;
}

const std::string& SentencePieceProcessor::idToPiece(int id) const {
  if (!vocab_.contains(id)) {
    throw TokenizerError(model_.source + ": id " + std::to_string(id) +
                         " is outside the vocabulary [0, " + std::to_string(size()) + ")");
  }
  return vocab_.piece(id);
}

std::vector<int> SentencePieceProcessor::encode(std::string_view text) const {
  return encode(text, model_.normalizer.addDummyPrefix);
}

std::vector<int> SentencePieceProcessor::encode(std::string_view text, bool addDummyPrefix) const {
  const std::string normalized = normalizer_.normalize(text, addDummyPrefix);
  const Segmentation segments =
      unigram_ ? unigram_->segment(vocab_, normalized) : bpeSegment(vocab_, normalized);
  std::vector<int> ids;
  ids.reserve(segments.size());
  const bool byteFallback = model_.trainer.byteFallback;
  bool prevUnknown = false;
  for (const auto& [piece, id] : segments) {
    const bool unknown = isUnknown(id);
    if (unknown && byteFallback) {
      // A character outside the vocabulary becomes its UTF-8 bytes.
      for (const char c : piece)
        ids.push_back(vocab_.byteId(static_cast<unsigned char>(c)));
    } else if (!(unknown && prevUnknown)) {
      ids.push_back(id);  // without byte fallback a run of unknown characters is one <unk>
    }
    prevUnknown = unknown;
  }
  return ids;
}

std::vector<std::string> SentencePieceProcessor::encodePieces(std::string_view text) const {
  std::vector<std::string> pieces;
  for (const int id : encode(text))
    pieces.push_back(vocab_.piece(id));
  return pieces;
}

std::string SentencePieceProcessor::decode(const std::vector<int>& ids,
                                           bool stripDummyPrefix) const {
  for (const int id : ids)
    idToPiece(id);  // validates every id before any work

  std::string text;
  std::string bytes;  // pending run of byte pieces
  auto flushBytes = [&]() {
    std::string_view rest = bytes;
    while (!rest.empty()) {
      size_t len = 0;
      char32_t cp = 0;
      if (utf8::decodeOne(rest, len, cp)) {
        text.append(rest.substr(0, len));
      } else {
        text.append(utf8::kReplacementChar);
      }
      rest.remove_prefix(len);
    }
    bytes.clear();
  };
  // The dummy prefix is stripped from the first piece that produces text; control pieces
  // before it do not count.
  const bool stripsPrefix =
      model_.normalizer.addDummyPrefix || model_.normalizer.removeExtraWhitespaces;
  bool expectPrefix = stripDummyPrefix;
  bool prefixSeen = false;
  for (const int id : ids) {
    if (isByte(id)) {
      bytes.push_back(static_cast<char>(vocab_.byteValue(id)));
      continue;
    }
    flushBytes();
    if (prefixSeen || !text.empty()) expectPrefix = false;
    prefixSeen = false;
    if (isControl(id)) continue;
    if (isUnknown(id)) {
      text.append(model_.trainer.unkSurface);
      continue;
    }
    std::string_view piece = vocab_.piece(id);
    if (expectPrefix && stripsPrefix && piece.substr(0, kSpaceSymbol.size()) == kSpaceSymbol) {
      piece.remove_prefix(kSpaceSymbol.size());
      prefixSeen = !model_.normalizer.removeExtraWhitespaces;
    }
    std::string decoded(piece);
    replaceAll(decoded, kSpaceSymbol, " ");
    text.append(decoded);
  }
  flushBytes();
  return denormalizer_ ? denormalizer_->normalize(text) : text;
}

}  // namespace vitcop::text
