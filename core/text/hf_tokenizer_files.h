#pragma once
// What a Hugging Face checkpoint's tokenizer files add on top of tokenizer.model:
// tokenizer_config.json (add_bos_token, add_eos_token, added_tokens_decoder, special token
// names), added_tokens.json, special_tokens_map.json and tokenizer.json (added_tokens, and from
// its normalizer / pre-tokenizer the rule for the dummy-prefix space).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vitcop::text {

// Which text segments (the pieces of text between added tokens) get the U+2581 dummy prefix.
enum class DummyPrefixRule {
  SentencePiece,    // every segment, as SentencePiece's add_dummy_prefix (no tokenizer.json, legacy
                    // LLaMA)
  MetaspaceAlways,  // every segment not starting with a space
  MetaspaceFirst,   // only a segment at the very start of the text, if not starting with a space
  Never,
};

struct AddedToken {
  std::string content;
  int64_t id = -1;
  bool special = false;
  bool lstrip = false;  // swallows whitespace on its left
  bool rstrip = false;  // swallows whitespace on its right
  std::string source;   // file that declared it (for error messages)
};

struct HfTokenizerFiles {
  std::vector<AddedToken> added;  // merged over all files, unique by id and by content
  std::optional<bool> addBos;
  std::optional<bool> addEos;
  // Special token names (content strings) from tokenizer_config.json / special_tokens_map.json.
  std::optional<std::string> bosToken, eosToken, unkToken, padToken;
  std::vector<std::string> additionalSpecial;
  DummyPrefixRule dummyPrefix = DummyPrefixRule::SentencePiece;
  std::vector<std::string> filesRead;

  // Reads whichever of the four files exist in `dir`; a file that exists but is malformed
  // raises TokenizerError naming it and the key.
  static HfTokenizerFiles read(const std::filesystem::path& dir);
};

}  // namespace vitcop::text
