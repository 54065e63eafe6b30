#include "core/text/utf8.h"

namespace vitcop::text::utf8 {

namespace {

bool isTrail(unsigned char c) {
  return (c & 0xC0) == 0x80;
}
bool isScalar(char32_t c) {
  return c < 0xD800 || (c >= 0xE000 && c <= 0x10FFFF);
}

}  // namespace

bool decodeOne(std::string_view s, size_t& length, char32_t& codepoint) {
  const auto* b = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  length = 1;
  if (b[0] < 0x80) {
    codepoint = b[0];
    return true;
  }
  if (n >= 2 && (b[0] & 0xE0) == 0xC0) {
    const char32_t cp = (char32_t(b[0] & 0x1F) << 6) | (b[1] & 0x3F);
    if (isTrail(b[1]) && cp >= 0x80 && isScalar(cp)) {
      length = 2;
      codepoint = cp;
      return true;
    }
  } else if (n >= 3 && (b[0] & 0xF0) == 0xE0) {
    const char32_t cp =
        (char32_t(b[0] & 0x0F) << 12) | (char32_t(b[1] & 0x3F) << 6) | (b[2] & 0x3F);
    if (isTrail(b[1]) && isTrail(b[2]) && cp >= 0x800 && isScalar(cp)) {
      length = 3;
      codepoint = cp;
      return true;
    }
  } else if (n >= 4 && (b[0] & 0xF8) == 0xF0) {
    const char32_t cp = (char32_t(b[0] & 0x07) << 18) | (char32_t(b[1] & 0x3F) << 12) |
                        (char32_t(b[2] & 0x3F) << 6) | (b[3] & 0x3F);
    if (isTrail(b[1]) && isTrail(b[2]) && isTrail(b[3]) && cp >= 0x10000 && isScalar(cp)) {
      length = 4;
      codepoint = cp;
      return true;
    }
  }
  codepoint = 0xFFFD;
  return false;
}

bool isValid(std::string_view s) {
  while (!s.empty()) {
    size_t len = 0;
    char32_t cp = 0;
    if (!decodeOne(s, len, cp)) return false;
    s.remove_prefix(len);
  }
  return true;
}

}  // namespace vitcop::text::utf8
