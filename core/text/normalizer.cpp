#include "core/text/normalizer.h"

#include <algorithm>
#include <cstring>

#include "core/text/text_error.h"
#include "core/text/utf8.h"

namespace vitcop::text {

PrefixMatcher::PrefixMatcher(const std::vector<std::string>& symbols) {
  if (symbols.empty()) return;
  byFirstByte_.resize(256);
  for (const auto& s : symbols) {
    if (!s.empty()) byFirstByte_[static_cast<unsigned char>(s[0])].push_back(s);
  }
  for (auto& bucket : byFirstByte_) {
    std::sort(bucket.begin(), bucket.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  }
}

size_t PrefixMatcher::longestMatch(std::string_view text) const {
  if (byFirstByte_.empty() || text.empty()) return 0;
  for (const auto& s : byFirstByte_[static_cast<unsigned char>(text[0])]) {
    if (text.size() >= s.size() && text.compare(0, s.size(), s) == 0) return s.size();
  }
  return 0;
}

CharsMap::CharsMap(std::string_view blob, const std::string& what) : what_(what) {
  if (blob.size() <= 4)
    throw TokenizerError(what + ": precompiled_charsmap is too short to hold a trie");
  const auto* b = reinterpret_cast<const unsigned char*>(blob.data());
  const uint32_t trieSize =
      uint32_t(b[0]) | (uint32_t(b[1]) << 8) | (uint32_t(b[2]) << 16) | (uint32_t(b[3]) << 24);
  if (trieSize > blob.size() - 4 || trieSize % 4 != 0 || trieSize == 0) {
    throw TokenizerError(what + ": precompiled_charsmap trie size " + std::to_string(trieSize) +
                         " does not fit the " + std::to_string(blob.size()) + "-byte blob");
  }
  units_.resize(trieSize / 4);
  for (size_t i = 0; i < units_.size(); ++i) {
    const unsigned char* u = b + 4 + 4 * i;  // little-endian, as SentencePiece writes it
    units_[i] =
        uint32_t(u[0]) | (uint32_t(u[1]) << 8) | (uint32_t(u[2]) << 16) | (uint32_t(u[3]) << 24);
  }
  outputs_ = std::string(blob.substr(4 + trieSize));
}

void CharsMap::longestRule(std::string_view text, size_t& consumed,
                           std::string_view& output) const {
  // darts-clone commonPrefixSearch; SentencePiece keeps at most 32 results and takes the longest.
  constexpr size_t kMaxResults = 32;
  auto offset = [](uint32_t unit) { return (unit >> 10) << ((unit & (1U << 9)) >> 6); };
  auto label = [](uint32_t unit) { return unit & ((1U << 31) | 0xFF); };
  auto hasLeaf = [](uint32_t unit) { return ((unit >> 8) & 1) == 1; };
  consumed = 0;
  size_t results = 0;
  int64_t bestValue = -1;
  size_t pos = offset(units_[0]);
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    pos ^= c;
    if (pos >= units_.size()) return;  // a malformed trie simply stops matching
    const uint32_t unit = units_[pos];
    if (label(unit) != c) break;
    pos ^= offset(unit);
    if (pos >= units_.size()) break;
    if (hasLeaf(unit)) {
      if (results < kMaxResults && i + 1 > consumed) {
        consumed = i + 1;
        bestValue = units_[pos] & ((1U << 31) - 1);
      }
      ++results;
    }
  }
  if (consumed == 0) return;
  if (bestValue < 0 || static_cast<size_t>(bestValue) >= outputs_.size()) {
    throw TokenizerError(what_ + ": precompiled_charsmap rule points outside its output table");
  }
  const char* start = outputs_.data() + bestValue;
  output =
      std::string_view(start, strnlen(start, outputs_.size() - static_cast<size_t>(bestValue)));
}

Normalizer::Normalizer(const NormalizerSpec& spec, bool treatWhitespaceAsSuffix,
                       PrefixMatcher userSymbols, const std::string& what)
    : spec_(spec),
      treatWhitespaceAsSuffix_(treatWhitespaceAsSuffix),
      userSymbols_(std::move(userSymbols)) {
  if (!spec.precompiledCharsmap.empty()) charsMap_ = CharsMap(spec.precompiledCharsmap, what);
}

std::string_view Normalizer::normalizePrefix(std::string_view input, size_t& consumed) const {
  // User-defined symbols are never rewritten.
  if (!userSymbols_.empty()) {
    if (const size_t n = userSymbols_.longestMatch(input)) {
      consumed = n;
      return input.substr(0, n);
    }
  }
  if (!charsMap_.empty()) {
    std::string_view out;
    charsMap_.longestRule(input, consumed, out);
    if (consumed > 0) return out;
  }
  char32_t cp = 0;
  if (!utf8::decodeOne(input, consumed, cp)) {
    consumed = 1;
    return utf8::kReplacementChar;
  }
  return input.substr(0, consumed);
}

std::string Normalizer::normalize(std::string_view input, bool addDummyPrefix) const {
  std::string out;
  if (input.empty()) return out;
  size_t consumed = 0;
  if (spec_.removeExtraWhitespaces) {  // drop leading whitespace
    while (!input.empty()) {
      if (normalizePrefix(input, consumed) != " ") break;
      input.remove_prefix(consumed);
    }
    if (input.empty()) return out;
  }
  out.reserve(input.size() * 3);
  const std::string_view space = spec_.escapeWhitespaces ? kSpaceSymbol : std::string_view(" ");
  if (!treatWhitespaceAsSuffix_ && addDummyPrefix) out.append(space);

  bool prevSpace = spec_.removeExtraWhitespaces;
  while (!input.empty()) {
    std::string_view sp = normalizePrefix(input, consumed);
    while (prevSpace && !sp.empty() && sp.front() == ' ')
      sp.remove_prefix(1);
    if (!sp.empty()) {
      for (const char c : sp) {
        if (c == ' ' && spec_.escapeWhitespaces)
          out.append(kSpaceSymbol);
        else
          out.push_back(c);
      }
      prevSpace = sp.back() == ' ';
    }
    input.remove_prefix(consumed);
    if (!spec_.removeExtraWhitespaces) prevSpace = false;
  }
  if (spec_.removeExtraWhitespaces) {  // drop trailing whitespace
    while (out.size() >= space.size() &&
           out.compare(out.size() - space.size(), space.size(), space) == 0) {
      out.resize(out.size() - space.size());
    }
  }
  if (treatWhitespaceAsSuffix_ && addDummyPrefix) out.append(space);
  return out;
}

}  // namespace vitcop::text
