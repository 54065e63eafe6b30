#pragma once
// UTF-8 decoding with SentencePiece's exact rules (util.cc DecodeUTF8): shortest form only, no
// surrogates, nothing above U+10FFFF; a malformed sequence consumes exactly one byte. The
// tokenizer's output depends on these rules, so they are not "any UTF-8 decoder".
#include <cstddef>
#include <string_view>

namespace vitcop::text::utf8 {

// Length of the character starting with lead byte `c` judged from its top four bits only
// (SentencePiece's OneCharLen): 1 for ASCII and stray continuation bytes, else 2, 3 or 4.
inline size_t leadLength(char c) {
  return static_cast<size_t>(
      "\1\1\1\1\1\1\1\1\1\1\1\1\2\2\3\4"[(static_cast<unsigned char>(c)) >> 4]);
}

// Decodes the character at the start of `s` (non-empty). Returns true and sets `length` for a
// well-formed character; returns false with length 1 for a malformed byte.
bool decodeOne(std::string_view s, size_t& length, char32_t& codepoint);

// True when every character of `s` is well formed.
bool isValid(std::string_view s);

constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

}  // namespace vitcop::text::utf8
