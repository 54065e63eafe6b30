#pragma once
// Image files -> 8-bit RGB with the semantics LLaVA / transformers see: PIL's
// ImageOps.exif_transpose (transformers.image_utils.load_image) followed by convert("RGB").
//   - grayscale is replicated to three channels; a palette is expanded;
//   - alpha (and a tRNS transparent colour) is dropped WITHOUT compositing;
//   - 16-bit colour samples keep their high byte (PIL decodes 16-bit RGB/RGBA/LA PNGs that way);
//   - 16-bit grayscale is CLIPPED to 0..255, not scaled: PIL opens it as mode "I"/"I;16" and
//     convert("RGB") clamps, so a typical 16-bit gray photo turns almost white. We reproduce
//     this on purpose because it is what the reference pipeline feeds the model;
//   - the EXIF orientation (JPEG, PNG eXIf, WebP, TIFF) is applied, as transformers'
//     load_image does; original LLaVA opens files with Image.open(..).convert("RGB") and does
//     NOT rotate, so callers reproducing it pass applyExif = false.
// Decoding is OpenCV's (libpng / libjpeg-turbo, the same libraries Debian's Pillow uses).
// Formats: whatever this OpenCV build decodes (PNG, JPEG, BMP, TIFF, WebP, PNM, ...); GIF,
// PSD, HEIC/AVIF and ICO are recognised and reported as unsupported.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

namespace vitcop::imaging {

// Returns CV_8UC3 in RGB channel order. Throws ImagingError with a one-line message naming the
// file for: a missing file, a directory, a 0-byte file, content that is not an image, an
// unsupported format or sample type, and a file OpenCV cannot decode (corrupt or truncated).
cv::Mat loadImageRgb8(const std::filesystem::path& path, bool applyExif = true);

// Same, from the file's bytes; `source` names them in error messages.
cv::Mat decodeImageRgb8(const std::vector<uint8_t>& bytes, const std::string& source,
                        bool applyExif = true);

// The container format recognised from the first bytes ("PNG", "JPEG", "GIF", ...), or "" when
// none is recognised.
std::string sniffImageFormat(const uint8_t* data, size_t size);

}  // namespace vitcop::imaging
