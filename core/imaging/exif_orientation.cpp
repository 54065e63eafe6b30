#include "core/imaging/exif_orientation.h"

#include <cstring>

#include <opencv2/core.hpp>

namespace vitcop::imaging {
namespace {

// Bounds-checked little/big-endian reads over a byte span.
struct Reader {
  const uint8_t* p;
  size_t n;
  bool little = false;

  bool has(size_t off, size_t len) const { return off <= n && len <= n - off; }
  uint16_t u16(size_t off) const {
    return little ? static_cast<uint16_t>(p[off] | (p[off + 1] << 8))
                  : static_cast<uint16_t>((p[off] << 8) | p[off + 1]);
  }
  uint32_t u32(size_t off) const {
    const uint32_t b0 = p[off], b1 = p[off + 1], b2 = p[off + 2], b3 = p[off + 3];
    return little ? (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24))
                  : ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3);
  }
};

uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
uint32_t le32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

// Orientation from a TIFF structure (header + IFD0), as found in EXIF blocks and TIFF files.
int tiffOrientation(const uint8_t* data, size_t size) {
  // Some writers keep the "Exif\0\0" prefix inside PNG/WebP chunks.
  if (size >= 6 && std::memcmp(data, "Exif\0\0", 6) == 0) {
    data += 6;
    size -= 6;
  }
  Reader r{data, size};
  if (!r.has(0, 8)) return 1;
  if (data[0] == 'I' && data[1] == 'I') {
    r.little = true;
  } else if (!(data[0] == 'M' && data[1] == 'M')) {
    return 1;
  }
  if (r.u16(2) != 42) return 1;
  const size_t ifd = r.u32(4);
  if (!r.has(ifd, 2)) return 1;
  const size_t entries = r.u16(ifd);
  for (size_t i = 0; i < entries; ++i) {
    const size_t e = ifd + 2 + i * 12;
    if (!r.has(e, 12)) return 1;
    if (r.u16(e) != 0x0112) continue;
    const uint16_t type = r.u16(e + 2);
    int value = 0;
    if (type == 3) {  // SHORT
      value = r.u16(e + 8);
    } else if (type == 4) {  // LONG (non-standard but seen)
      value = static_cast<int>(r.u32(e + 8));
    }
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

int jpegOrientation(const uint8_t* d, size_t n) {
  size_t pos = 2;  // after SOI
  while (pos + 4 <= n) {
    if (d[pos] != 0xFF) return 1;
    const uint8_t marker = d[pos + 1];
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
      pos += 2;  // markers without a length
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) return 1;  // image data starts: no EXIF before it
    const size_t len = (size_t{d[pos + 2]} << 8) | d[pos + 3];
    if (len < 2 || pos + 2 + len > n) return 1;
    const uint8_t* seg = d + pos + 4;
    const size_t segLen = len - 2;
    if (marker == 0xE1 && segLen >= 6 && std::memcmp(seg, "Exif\0\0", 6) == 0) {
      return tiffOrientation(seg + 6, segLen - 6);
    }
    pos += 2 + len;
  }
  return 1;
}

int pngOrientation(const uint8_t* d, size_t n) {
  size_t pos = 8;  // after the signature
  while (pos + 12 <= n) {
    const size_t len = be32(d + pos);
    if (len > n - pos - 12) return 1;
    const uint8_t* type = d + pos + 4;
    if (std::memcmp(type, "eXIf", 4) == 0) return tiffOrientation(d + pos + 8, len);
    if (std::memcmp(type, "IEND", 4) == 0) return 1;
    pos += 12 + len;
  }
  return 1;
}

int webpOrientation(const uint8_t* d, size_t n) {
  size_t pos = 12;  // "RIFF" size "WEBP"
  while (pos + 8 <= n) {
    const size_t len = le32(d + pos + 4);
    if (len > n - pos - 8) return 1;
    if (std::memcmp(d + pos, "EXIF", 4) == 0) return tiffOrientation(d + pos + 8, len);
    pos += 8 + len + (len & 1);  // chunks are padded to even length
  }
  return 1;
}

}  // namespace

int readExifOrientation(const uint8_t* data, size_t size) {
  if (data == nullptr || size < 12) return 1;
  if (data[0] == 0xFF && data[1] == 0xD8) return jpegOrientation(data, size);
  if (std::memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0) return pngOrientation(data, size);
  if (std::memcmp(data, "RIFF", 4) == 0 && std::memcmp(data + 8, "WEBP", 4) == 0) {
    return webpOrientation(data, size);
  }
  if (std::memcmp(data, "II*\0", 4) == 0 || std::memcmp(data, "MM\0*", 4) == 0) {
    return tiffOrientation(data, size);
  }
  return 1;
}

cv::Mat applyExifOrientation(const cv::Mat& image, int orientation) {
  cv::Mat out;
  switch (orientation) {
    case 2:
      cv::flip(image, out, 1);
      return out;
    case 3:
      cv::rotate(image, out, cv::ROTATE_180);
      return out;
    case 4:
      cv::flip(image, out, 0);
      return out;
    case 5:
      cv::transpose(image, out);
      return out;
    case 6:
      cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE);
      return out;
    case 7: {  // transpose across the anti-diagonal = transpose, then rotate 180
      cv::Mat t;
      cv::transpose(image, t);
      cv::rotate(t, out, cv::ROTATE_180);
      return out;
    }
    case 8:
      cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE);
      return out;
    default:
      return image;
  }
}

}  // namespace vitcop::imaging
