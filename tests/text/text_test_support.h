#pragma once
// Shared helpers for the tokenizer tests: the LLaMA fixture, a scratch directory, and a tiny
// protobuf writer to build SentencePiece models (valid and deliberately broken) in the test.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/text/text_error.h"
#include "tests/support/test_paths.h"

namespace vitcop::test::text {

// Runs `f`, expects a TokenizerError, and returns its message.
template <class F>
std::string errorOf(F&& f) {
  try {
    f();
  } catch (const vitcop::text::TokenizerError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no TokenizerError";
  return "";
}

inline std::filesystem::path llamaDir() {
  return dataDir() / "llama-tokenizer";
}
inline std::filesystem::path llamaModel() {
  return llamaDir() / "tokenizer.model";
}

inline nlohmann::json llamaCases() {
  std::ifstream in(llamaDir() / "cases.json");
  return nlohmann::json::parse(in);
}

inline std::string readFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void writeFile(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out << bytes;
}

// A fresh directory under the test output dir, removed when the object goes away.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name) {
    std::random_device rd;
    path_ = outputDir() / ("text-" + name + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Protobuf wire-format writer (the encoder side of what core/text/protobuf_reader reads).
class ProtoWriter {
 public:
  ProtoWriter& varint(uint32_t field, uint64_t v) {
    key(field, 0);
    raw(v);
    return *this;
  }
  ProtoWriter& bytes(uint32_t field, const std::string& s) {
    key(field, 2);
    raw(s.size());
    out_ += s;
    return *this;
  }
  ProtoWriter& floating(uint32_t field, float f) {
    key(field, 5);
    uint32_t bits = 0;
    static_assert(sizeof bits == sizeof f);
    std::memcpy(&bits, &f, sizeof f);
    for (int i = 0; i < 4; ++i)
      out_.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
    return *this;
  }
  const std::string& str() const { return out_; }

 private:
  void key(uint32_t field, uint32_t wire) { raw((uint64_t(field) << 3) | wire); }
  void raw(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  std::string out_;
};

struct PieceSpec {
  std::string piece;
  float score;
  int type;  // 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte
};

// A ModelProto with the given pieces. model_type 2 = BPE; normalizer "identity" without a
// character map, add_dummy_prefix on, remove_extra_whitespaces off (LLaMA's settings).
inline std::string buildModel(const std::vector<PieceSpec>& pieces, int modelType = 2,
                              bool byteFallback = false, bool removeExtraWhitespaces = false,
                              const std::string& charsmap = "") {
  ProtoWriter model;
  for (const auto& p : pieces) {
    ProtoWriter piece;
    piece.bytes(1, p.piece).floating(2, p.score).varint(3, static_cast<uint64_t>(p.type));
    model.bytes(1, piece.str());
  }
  ProtoWriter trainer;
  trainer.varint(3, static_cast<uint64_t>(modelType)).varint(35, byteFallback ? 1 : 0);
  model.bytes(2, trainer.str());
  ProtoWriter normalizer;
  normalizer.bytes(1, charsmap.empty() ? "identity" : "custom");
  if (!charsmap.empty()) normalizer.bytes(2, charsmap);
  normalizer.varint(3, 1).varint(4, removeExtraWhitespaces ? 1 : 0);
  model.bytes(3, normalizer.str());
  return model.str();
}

// Escapes non-printable bytes so a failing case can be read in the test log.
inline std::string escaped(const std::string& s) {
  std::string out;
  for (const unsigned char c : s) {
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace vitcop::test::text
