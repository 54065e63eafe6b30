#pragma once
// SentencePiece's normalizer (normalizer.cc): optional precompiled character map (a darts-clone
// double-array trie of rewrite rules, e.g. NFKC), dummy-prefix space, whitespace escaping to
// U+2581 and optional collapsing of extra whitespace. Malformed UTF-8 bytes become U+FFFD one
// byte at a time, exactly as SentencePiece does.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/text/sentencepiece_model.h"

namespace vitcop::text {

constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";  // U+2581 LOWER ONE EIGHTH BLOCK

// Longest-prefix matcher over the model's USER_DEFINED pieces: they are kept whole by both the
// normalizer and the BPE splitter.
class PrefixMatcher {
 public:
  PrefixMatcher() = default;
  explicit PrefixMatcher(const std::vector<std::string>& symbols);
  // Byte length of the longest symbol that `text` starts with; 0 when none does.
  size_t longestMatch(std::string_view text) const;
  bool empty() const { return byFirstByte_.empty(); }

 private:
  // Candidates grouped by their first byte, longest first.
  std::vector<std::vector<std::string>> byFirstByte_;
};

// The precompiled_charsmap blob: rewrite rules looked up by longest common prefix.
class CharsMap {
 public:
  CharsMap() = default;
  CharsMap(std::string_view blob, const std::string& what);
  bool empty() const { return units_.empty(); }
  // Longest rule matching a prefix of `text`: sets `consumed` (0 = no rule) and `output`.
  void longestRule(std::string_view text, size_t& consumed, std::string_view& output) const;

 private:
  std::vector<uint32_t> units_;  // darts-clone double-array units
  std::string outputs_;          // NUL-terminated replacement strings
  std::string what_;
};

class Normalizer {
 public:
  Normalizer(const NormalizerSpec& spec, bool treatWhitespaceAsSuffix, PrefixMatcher userSymbols,
             const std::string& what);
  std::string normalize(std::string_view input) const {
    return normalize(input, spec_.addDummyPrefix);
  }
  // With the dummy-prefix setting overridden (Hugging Face's Metaspace decides it per segment).
  std::string normalize(std::string_view input, bool addDummyPrefix) const;

 private:
  // Normalized form of the first character (or rule or user symbol) of `input`, and how many
  // input bytes it consumes.
  std::string_view normalizePrefix(std::string_view input, size_t& consumed) const;

  NormalizerSpec spec_;
  bool treatWhitespaceAsSuffix_;
  PrefixMatcher userSymbols_;
  CharsMap charsMap_;
};

}  // namespace vitcop::text
