#pragma once
// The LLaMA tokenizer as a LLaVA checkpoint uses it: SentencePiece BPE (tokenizer.model) plus the
// added tokens of the Hugging Face tokenizer files (llava-hf: "<image>" = 32000, "<pad>" = 32001).
// Text is split at added-token strings and every text segment is encoded on its own with the
// dummy-prefix space, as llava-hf's fast tokenizer and original LLaVA's tokenizer_image_token do
// (fixture README section 4, method-spec 1.7.2); a tokenizer.json with a Metaspace pre-tokenizer
// (legacy=false conversions) changes which segments get the prefix (DummyPrefixRule).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/text/hf_tokenizer_files.h"

namespace vitcop::text {

class SentencePieceProcessor;

class Tokenizer {
 public:
  // `path`: a checkpoint directory holding tokenizer.model (plus, optionally,
  // tokenizer_config.json, added_tokens.json, special_tokens_map.json, tokenizer.json), or a
  // tokenizer.model file alone (then: no added tokens, BOS added). Throws TokenizerError naming the
  // file at fault.
  static Tokenizer load(const std::filesystem::path& path);

  // Ids of `text`; BOS first when `addBos`. Added-token strings in the text become their ids.
  std::vector<int64_t> encode(const std::string& text, bool addBos) const;
  // With the checkpoint's defaults (add_bos_token, default true; add_eos_token, default false).
  std::vector<int64_t> encode(const std::string& text) const;
  // Ids of one piece of plain text with no BOS and no added-token matching (the raw SentencePiece
  // encoding, dummy prefix included).
  std::vector<int64_t> encodePlain(const std::string& text) const;

  // Text of `ids`. skipSpecial drops control pieces (<s>, </s>), <unk> and special added tokens;
  // otherwise they appear as their strings. Throws TokenizerError for an id with no token.
  std::string decode(const std::vector<int64_t>& ids, bool skipSpecial = true) const;

  std::string piece(int64_t id) const;  // throws TokenizerError for an id with no token
  bool isSpecial(int64_t id) const;
  int64_t bosId() const { return bosId_; }
  int64_t eosId() const { return eosId_; }
  int64_t unkId() const { return unkId_; }
  std::optional<int64_t> padId() const { return padId_; }
  // Base pieces plus added tokens: one more than the largest id that has a token.
  int64_t vocabSize() const { return vocabSize_; }
  int64_t baseVocabSize() const;
  std::optional<int64_t> addedTokenId(const std::string& content) const;
  const std::vector<AddedToken>& addedTokens() const { return added_; }
  bool addsBosByDefault() const { return addBos_; }
  bool addsEosByDefault() const { return addEos_; }
  DummyPrefixRule dummyPrefixRule() const { return dummyPrefix_; }
  const SentencePieceProcessor& sentencePiece() const { return *sp_; }
  const std::filesystem::path& modelFile() const { return modelFile_; }

 private:
  Tokenizer() = default;
  const AddedToken* addedById(int64_t id) const;
  int64_t resolveName(const std::string& name, const std::string& what) const;

  std::shared_ptr<const SentencePieceProcessor> sp_;  // shared: Tokenizer is cheap to copy
  std::filesystem::path modelFile_;
  std::vector<AddedToken>
      added_;  // sorted by content length, longest first (leftmost-longest match)
  bool addBos_ = true;
  bool addEos_ = false;
  DummyPrefixRule dummyPrefix_ = DummyPrefixRule::SentencePiece;
  int64_t bosId_ = -1;
  int64_t eosId_ = -1;
  int64_t unkId_ = -1;
  std::optional<int64_t> padId_;
  int64_t vocabSize_ = 0;
};

}  // namespace vitcop::text
