#include "core/text/sentencepiece_model.h"

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include "core/text/protobuf_reader.h"
#include "core/text/text_error.h"

namespace vitcop::text {

std::string modelTypeName(ModelType type) {
  switch (type) {
    case ModelType::Unigram:
      return "UNIGRAM";
    case ModelType::Bpe:
      return "BPE";
    case ModelType::Word:
      return "WORD";
    case ModelType::Char:
      return "CHAR";
  }
  return "unknown (" + std::to_string(static_cast<int32_t>(type)) + ")";
}

namespace {

// proto2 int32 fields are sign-extended to 64-bit varints.
int32_t toInt32(uint64_t v) {
  return static_cast<int32_t>(static_cast<int64_t>(v));
}

void expect(ProtobufReader& r, WireType actual, WireType wanted, const char* field) {
  if (actual != wanted) r.fail(std::string("field ") + field + " has the wrong wire type");
}

ModelPiece parsePiece(std::string_view bytes, const std::string& what) {
  ProtobufReader r(bytes, what);
  ModelPiece p;
  while (!r.atEnd()) {
    uint32_t field = 0;
    WireType type{};
    r.nextField(field, type);
    switch (field) {
      case 1:
        expect(r, type, WireType::LengthDelimited, "piece");
        p.piece = r.readBytes();
        break;
      case 2:
        expect(r, type, WireType::Fixed32, "score");
        p.score = r.readFloat();
        break;
      case 3: {
        expect(r, type, WireType::Varint, "type");
        const uint64_t t = r.readVarint();
        if (t < 1 || t > 6) r.fail("unknown piece type " + std::to_string(t));
        p.type = static_cast<PieceType>(t);
        break;
      }
      default:
        r.skip(type);
    }
  }
  return p;
}

TrainerSpec parseTrainer(std::string_view bytes, const std::string& what) {
  ProtobufReader r(bytes, what);
  TrainerSpec t;
  while (!r.atEnd()) {
    uint32_t field = 0;
    WireType type{};
    r.nextField(field, type);
    // Only the fields that change encoding/decoding are kept; the rest are training options.
    auto boolean = [&](const char* name) {
      expect(r, type, WireType::Varint, name);
      return r.readVarint() != 0;
    };
    auto int32 = [&](const char* name) {
      expect(r, type, WireType::Varint, name);
      return toInt32(r.readVarint());
    };
    auto str = [&](const char* name) {
      expect(r, type, WireType::LengthDelimited, name);
      return std::string(r.readBytes());
    };
    switch (field) {
      case 2:
        t.modelPrefix = str("model_prefix");
        break;
      case 3:
        t.modelType = static_cast<ModelType>(int32("model_type"));
        break;
      case 4:
        t.vocabSize = int32("vocab_size");
        break;
      case 24:
        t.treatWhitespaceAsSuffix = boolean("treat_whitespace_as_suffix");
        break;
      case 25:
        t.splitDigits = boolean("split_digits");
        break;
      case 26:
        t.allowWhitespaceOnlyPieces = boolean("allow_whitespace_only_pieces");
        break;
      case 35:
        t.byteFallback = boolean("byte_fallback");
        break;
      case 40:
        t.unkId = int32("unk_id");
        break;
      case 41:
        t.bosId = int32("bos_id");
        break;
      case 42:
        t.eosId = int32("eos_id");
        break;
      case 43:
        t.padId = int32("pad_id");
        break;
      case 44:
        t.unkSurface = str("unk_surface");
        break;
      case 45:
        t.unkPiece = str("unk_piece");
        break;
      case 46:
        t.bosPiece = str("bos_piece");
        break;
      case 47:
        t.eosPiece = str("eos_piece");
        break;
      case 48:
        t.padPiece = str("pad_piece");
        break;
      default:
        r.skip(type);
    }
  }
  return t;
}

NormalizerSpec parseNormalizer(std::string_view bytes, const std::string& what) {
  ProtobufReader r(bytes, what);
  NormalizerSpec n;
  while (!r.atEnd()) {
    uint32_t field = 0;
    WireType type{};
    r.nextField(field, type);
    switch (field) {
      case 1:
        expect(r, type, WireType::LengthDelimited, "name");
        n.name = r.readBytes();
        break;
      case 2:
        expect(r, type, WireType::LengthDelimited, "precompiled_charsmap");
        n.precompiledCharsmap = r.readBytes();
        break;
      case 3:
        expect(r, type, WireType::Varint, "add_dummy_prefix");
        n.addDummyPrefix = r.readVarint() != 0;
        break;
      case 4:
        expect(r, type, WireType::Varint, "remove_extra_whitespaces");
        n.removeExtraWhitespaces = r.readVarint() != 0;
        break;
      case 5:
        expect(r, type, WireType::Varint, "escape_whitespaces");
        n.escapeWhitespaces = r.readVarint() != 0;
        break;
      default:
        r.skip(type);
    }
  }
  return n;
}

// "<0x41>" -> 0x41; -1 for anything else (same spelling rule as SentencePiece's PieceToByte).
int pieceToByte(const std::string& piece) {
  if (piece.size() != 6 || piece.compare(0, 3, "<0x") != 0 || piece[5] != '>') return -1;
  int value = 0;
  for (int i = 3; i < 5; ++i) {
    const char c = piece[i];
    value <<= 4;
    if (c >= '0' && c <= '9')
      value |= c - '0';
    else if (c >= 'A' && c <= 'F')
      value |= c - 'A' + 10;
    else
      return -1;  // SentencePiece writes upper-case hex only
  }
  return value;
}

void validate(const SentencePieceModel& m) {
  const std::string& src = m.source;
  if (m.pieces.empty())
    throw TokenizerError(src + ": the model has no pieces (not a SentencePiece model?)");
  std::unordered_set<std::string_view> seen;
  std::array<bool, 256> bytes{};
  int unkCount = 0;
  for (size_t i = 0; i < m.pieces.size(); ++i) {
    const auto& p = m.pieces[i];
    if (p.piece.empty()) throw TokenizerError(src + ": piece " + std::to_string(i) + " is empty");
    if (!seen.insert(p.piece).second) {
      throw TokenizerError(src + ": piece '" + p.piece + "' (id " + std::to_string(i) +
                           ") is defined twice");
    }
    if (p.type == PieceType::Unknown) ++unkCount;
    if (p.type == PieceType::Byte) {
      if (!m.trainer.byteFallback) {
        throw TokenizerError(src + ": byte piece " + p.piece +
                             " found although byte_fallback is false");
      }
      const int b = pieceToByte(p.piece);
      if (b < 0)
        throw TokenizerError(src + ": byte piece '" + p.piece + "' is not of the form <0xXX>");
      bytes[b] = true;
    }
  }
  if (unkCount != 1) {
    throw TokenizerError(src + ": expected exactly one UNKNOWN piece, found " +
                         std::to_string(unkCount));
  }
  if (m.trainer.byteFallback) {
    for (int b = 0; b < 256; ++b) {
      if (!bytes[b]) {
        throw TokenizerError(src + ": byte_fallback is true but byte piece " + std::to_string(b) +
                             " is missing");
      }
    }
  }
}

}  // namespace

SentencePieceModel SentencePieceModel::parse(std::string_view bytes, const std::string& source) {
  if (bytes.empty()) throw TokenizerError(source + ": file is empty (not a SentencePiece model)");
  SentencePieceModel m;
  m.source = source;
  ProtobufReader r(bytes, source);
  bool haveTrainer = false;
  while (!r.atEnd()) {
    uint32_t field = 0;
    WireType type{};
    r.nextField(field, type);
    switch (field) {
      case 1:
        expect(r, type, WireType::LengthDelimited, "pieces");
        m.pieces.push_back(
            parsePiece(r.readBytes(), source + " (piece " + std::to_string(m.pieces.size()) + ")"));
        break;
      case 2:
        expect(r, type, WireType::LengthDelimited, "trainer_spec");
        m.trainer = parseTrainer(r.readBytes(), source + " (trainer_spec)");
        haveTrainer = true;
        break;
      case 3:
        expect(r, type, WireType::LengthDelimited, "normalizer_spec");
        m.normalizer = parseNormalizer(r.readBytes(), source + " (normalizer_spec)");
        break;
      case 5:
        expect(r, type, WireType::LengthDelimited, "denormalizer_spec");
        m.denormalizer = parseNormalizer(r.readBytes(), source + " (denormalizer_spec)");
        m.hasDenormalizer = true;
        break;
      default:
        r.skip(type);
    }
  }
  if (!haveTrainer) throw TokenizerError(source + ": no trainer_spec (not a SentencePiece model?)");
  validate(m);
  return m;
}

SentencePieceModel SentencePieceModel::load(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    throw TokenizerError(file.string() + ": is a directory, expected a SentencePiece model file");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw TokenizerError(file.string() + ": cannot open SentencePiece model");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw TokenizerError(file.string() + ": read error");
  return parse(buf.str(), file.string());
}

}  // namespace vitcop::text
