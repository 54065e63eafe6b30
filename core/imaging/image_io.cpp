#include "core/imaging/image_io.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <system_error>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/imaging/exif_orientation.h"
#include "core/imaging/imaging_error.h"

namespace vitcop::imaging {
namespace {

bool startsWith(const uint8_t* d, size_t n, const char* magic, size_t len, size_t at = 0) {
  return n >= at + len && std::memcmp(d + at, magic, len) == 0;
}

bool isSpace(uint8_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Formats we recognise but do not decode (OpenCV 4.6 has no reader for them).
bool isUnsupportedFormat(const std::string& format) {
  return format == "GIF" || format == "PSD" || format == "HEIF/AVIF" || format == "ICO";
}

// PIL convert("RGB") on what imdecode(IMREAD_UNCHANGED) returns (BGR/BGRA order, native depth).
cv::Mat toRgb8(const cv::Mat& decoded, const std::string& source) {
  cv::Mat img8;
  const int depth = decoded.depth();
  const int channels = decoded.channels();
  if (depth == CV_8U) {
    img8 = decoded;
  } else if (depth == CV_16U && channels == 1) {
    // PIL: 16-bit gray is mode "I"/"I;16"; convert("RGB") clamps each value to 0..255.
    decoded.convertTo(img8, CV_8U);  // saturating, no scaling
  } else if (depth == CV_16U) {
    // PIL unpacks 16-bit colour (RGB;16B, RGBA;16B, LA;16B) by keeping the high byte.
    cv::Mat hi(decoded.size(), CV_MAKETYPE(CV_8U, channels));
    for (int y = 0; y < decoded.rows; ++y) {
      const uint16_t* s = decoded.ptr<uint16_t>(y);
      uint8_t* d = hi.ptr<uint8_t>(y);
      for (int i = 0; i < decoded.cols * channels; ++i)
        d[i] = static_cast<uint8_t>(s[i] >> 8);
    }
    img8 = hi;
  } else {
    throw ImagingError(source + ": unsupported sample type (" +
                       std::string(depth == CV_32F ? "32-bit float" : "non 8/16-bit integer") +
                       " image); expected 8- or 16-bit samples");
  }
  cv::Mat rgb;
  switch (channels) {
    case 1:
      cv::cvtColor(img8, rgb, cv::COLOR_GRAY2RGB);
      break;
    case 3:
      cv::cvtColor(img8, rgb, cv::COLOR_BGR2RGB);
      break;
    case 4:
      cv::cvtColor(img8, rgb, cv::COLOR_BGRA2RGB);  // alpha dropped, no compositing
      break;
    default:
      throw ImagingError(source + ": unsupported channel count " + std::to_string(channels));
  }
  return rgb;
}

}  // namespace

std::string sniffImageFormat(const uint8_t* d, size_t n) {
  if (startsWith(d, n, "\x89PNG\r\n\x1a\n", 8)) return "PNG";
  if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) return "JPEG";
  if (startsWith(d, n, "BM", 2) && n >= 14) return "BMP";
  if (startsWith(d, n, "II*\0", 4) || startsWith(d, n, "MM\0*", 4)) return "TIFF";
  if (startsWith(d, n, "RIFF", 4) && startsWith(d, n, "WEBP", 4, 8)) return "WebP";
  if (startsWith(d, n, "RIFF", 4) && startsWith(d, n, "AVI ", 4, 8)) return "AVI video";
  if (n >= 3 && d[0] == 'P' && d[1] >= '1' && d[1] <= '7' && isSpace(d[2])) return "PNM";
  if (n >= 3 && d[0] == 'P' && (d[1] == 'F' || d[1] == 'f') && isSpace(d[2])) return "PFM";
  if (startsWith(d, n, "\0\0\0\x0CjP  \r\n\x87\n", 12) || startsWith(d, n, "\xFF\x4F\xFF\x51", 4)) {
    return "JPEG 2000";
  }
  if (startsWith(d, n, "\x76\x2F\x31\x01", 4)) return "OpenEXR";
  if (startsWith(d, n, "#?RADIANCE", 10) || startsWith(d, n, "#?RGBE", 6)) return "Radiance HDR";
  if (startsWith(d, n, "\x59\xA6\x6A\x95", 4)) return "Sun raster";
  if (startsWith(d, n, "GIF87a", 6) || startsWith(d, n, "GIF89a", 6)) return "GIF";
  if (startsWith(d, n, "8BPS", 4)) return "PSD";
  if (startsWith(d, n, "\0\0\1\0", 4) && n >= 6 && d[4] != 0) return "ICO";
  if (startsWith(d, n, "\x1A\x45\xDF\xA3", 4)) return "Matroska/WebM video";
  if (startsWith(d, n, "ftyp", 4, 4)) {
    for (const char* brand : {"heic", "heix", "hevc", "mif1", "msf1", "avif", "avis"}) {
      if (startsWith(d, n, brand, 4, 8)) return "HEIF/AVIF";
    }
    return "MP4/MOV video";
  }
  return "";
}

cv::Mat decodeImageRgb8(const std::vector<uint8_t>& bytes, const std::string& source,
                        bool applyExif) {
  if (bytes.empty()) throw ImagingError(source + ": empty file (0 bytes), not an image");
  const std::string format = sniffImageFormat(bytes.data(), bytes.size());
  if (format.empty()) {
    throw ImagingError(source + ": not an image (content matches no known image format)");
  }
  if (format.find("video") != std::string::npos) {
    throw ImagingError(source + ": " + format + " file, not an image (sample its frames instead)");
  }
  if (isUnsupportedFormat(format)) {
    throw ImagingError(source + ": unsupported image format " + format +
                       " (supported: PNG, JPEG, BMP, TIFF, WebP, PNM)");
  }
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    throw ImagingError(source + ": file too large to decode (" + std::to_string(bytes.size()) +
                       " bytes)");
  }
  cv::Mat decoded;
  try {
    // IMREAD_UNCHANGED keeps alpha and 16-bit samples and does NOT apply EXIF orientation,
    // so both are handled here exactly as PIL does.
    decoded = cv::imdecode(
        cv::Mat(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<uint8_t*>(bytes.data())),
        cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    throw ImagingError(source + ": cannot decode " + format + " image (" + e.err + ")");
  }
  if (decoded.empty()) {
    throw ImagingError(source + ": cannot decode " + format +
                       " image (corrupt, truncated, or not supported by this OpenCV build)");
  }
  cv::Mat rgb = toRgb8(decoded, source);
  if (!applyExif) return rgb;
  return applyExifOrientation(rgb, readExifOrientation(bytes.data(), bytes.size()));
}

cv::Mat loadImageRgb8(const std::filesystem::path& path, bool applyExif) {
  const std::string source = path.string();
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) throw ImagingError(source + ": no such file");
  if (!std::filesystem::is_regular_file(status)) {
    throw ImagingError(source + ": not a regular file (directory or device)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ImagingError(source + ": cannot open (" + std::strerror(errno) + ")");
  }
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw ImagingError(source + ": cannot read its size (" + ec.message() + ")");
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (static_cast<uintmax_t>(in.gcount()) != size) {
    throw ImagingError(source + ": read error (got " + std::to_string(in.gcount()) + " of " +
                       std::to_string(size) + " bytes)");
  }
  return decodeImageRgb8(bytes, source, applyExif);
}

}  // namespace vitcop::imaging
