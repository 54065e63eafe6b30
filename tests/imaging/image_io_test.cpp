// loadImageRgb8 against PIL's ImageOps.exif_transpose(Image.open(f)).convert("RGB") for gray,
// alpha, palette, bilevel, 16-bit and EXIF-rotated files (goldens from make_goldens.py), and
// its one-line errors.
#include <gtest/gtest.h>

#include <fstream>

#include "core/imaging/exif_orientation.h"
#include "core/imaging/image_io.h"
#include "core/imaging/imaging_error.h"
#include "tests/imaging/imaging_test_util.h"

namespace vitcop::imaging {
namespace {

using test::imagesEqual;
using test::imagingDataDir;
using test::readExpectedPng;

std::string loadError(const std::filesystem::path& p) {
  try {
    loadImageRgb8(p);
  } catch (const ImagingError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ImagingLoad, MatchesPilConvertRgbForEveryGolden) {
  const auto cases = test::readManifest("load_cases.txt");
  ASSERT_GE(cases.size(), 19u);
  for (const auto& c : cases) {
    ASSERT_EQ(c.size(), 2u);
    SCOPED_TRACE(c[0]);
    const cv::Mat got = loadImageRgb8(imagingDataDir() / c[0]);
    EXPECT_EQ(got.type(), CV_8UC3);
    EXPECT_TRUE(imagesEqual(got, readExpectedPng(c[1]), "load_" + c[0]));
  }
}

TEST(ImagingLoad, AlphaIsDroppedWithoutCompositing) {
  // Row 0 of ld_rgba.png has alpha 0: PIL keeps the stored colour, so must we.
  const cv::Mat got = loadImageRgb8(imagingDataDir() / "ld_rgba.png");
  const cv::Mat raw = cv::imread((imagingDataDir() / "ld_rgba.png").string(), cv::IMREAD_UNCHANGED);
  ASSERT_EQ(raw.type(), CV_8UC4);
  for (int x = 0; x < raw.cols; ++x) {
    const cv::Vec4b bgra = raw.at<cv::Vec4b>(0, x);
    ASSERT_EQ(bgra[3], 0);
    EXPECT_EQ(got.at<cv::Vec3b>(0, x), cv::Vec3b(bgra[2], bgra[1], bgra[0])) << "x=" << x;
  }
}

TEST(ImagingLoad, Gray16IsClippedNotScaledLikePil) {
  const cv::Mat raw =
      cv::imread((imagingDataDir() / "ld_gray16.png").string(), cv::IMREAD_UNCHANGED);
  ASSERT_EQ(raw.type(), CV_16UC1);
  const cv::Mat got = loadImageRgb8(imagingDataDir() / "ld_gray16.png");
  const uint16_t v[6] = {0, 1, 254, 255, 256, 65535};
  const uint8_t expect[6] = {0, 1, 254, 255, 255, 255};
  for (int x = 0; x < 6; ++x) {
    ASSERT_EQ(raw.at<uint16_t>(0, x), v[x]);
    EXPECT_EQ(got.at<cv::Vec3b>(0, x), cv::Vec3b(expect[x], expect[x], expect[x])) << "x=" << x;
  }
}

TEST(ImagingLoad, Rgb16KeepsTheHighByte) {
  const cv::Mat raw =
      cv::imread((imagingDataDir() / "ld_rgb16.png").string(), cv::IMREAD_UNCHANGED);
  ASSERT_EQ(raw.type(), CV_16UC3);
  const cv::Mat got = loadImageRgb8(imagingDataDir() / "ld_rgb16.png");
  const cv::Vec3w bgr = raw.at<cv::Vec3w>(2, 3);
  EXPECT_EQ(got.at<cv::Vec3b>(2, 3), cv::Vec3b(bgr[2] >> 8, bgr[1] >> 8, bgr[0] >> 8));
}

TEST(ImagingLoad, ExifOrientationIsReadFromJpegAndPng) {
  for (int o = 1; o <= 8; ++o) {
    std::ifstream in(imagingDataDir() / ("ld_exif" + std::to_string(o) + ".png"), std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                     std::istreambuf_iterator<char>());
    EXPECT_EQ(readExifOrientation(bytes.data(), bytes.size()), o);
  }
  std::ifstream in(imagingDataDir() / "ld_exif6.jpg", std::ios::binary);
  const std::vector<uint8_t> jpg((std::istreambuf_iterator<char>(in)),
                                 std::istreambuf_iterator<char>());
  EXPECT_EQ(readExifOrientation(jpg.data(), jpg.size()), 6);
  // The stored JPEG is 40x24 landscape; orientation 6 makes it 24x40 portrait.
  const cv::Mat got = loadImageRgb8(imagingDataDir() / "ld_exif6.jpg");
  EXPECT_EQ(got.cols, 24);
  EXPECT_EQ(got.rows, 40);
  // Same pixels as the untagged JPEG of the same picture rotated 90 degrees clockwise.
  cv::Mat plain = loadImageRgb8(imagingDataDir() / "ld_plain.jpg");
  cv::Mat rotated;
  cv::rotate(plain, rotated, cv::ROTATE_90_CLOCKWISE);
  EXPECT_TRUE(imagesEqual(got, rotated, "exif6_vs_rotated_plain"));
}

TEST(ImagingLoad, ExifOrientationCanBeIgnoredLikeOriginalLlava) {
  // Original LLaVA: Image.open(f).convert("RGB") without exif_transpose.
  const cv::Mat raw = loadImageRgb8(imagingDataDir() / "ld_exif6.jpg", false);
  EXPECT_TRUE(imagesEqual(raw, loadImageRgb8(imagingDataDir() / "ld_plain.jpg"), "exif_ignored"));
  const cv::Mat png = loadImageRgb8(imagingDataDir() / "ld_exif8.png", false);
  EXPECT_TRUE(imagesEqual(png, loadImageRgb8(imagingDataDir() / "ld_exif1.png"), "exif8_ignored"));
}

TEST(ImagingLoad, MalformedExifIsIgnored) {
  // JPEG with an APP1 "Exif" segment whose TIFF header is garbage, and a truncated IFD.
  const std::vector<uint8_t> bad = {0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10, 'E', 'x', 'i', 'f',  0,
                                    0,    'X',  'X',  0,    42,   0,    0,   0,   8,   0xFF, 0xD9};
  EXPECT_EQ(readExifOrientation(bad.data(), bad.size()), 1);
  const std::vector<uint8_t> truncated = {0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x14, 'E', 'x',
                                          'i',  'f',  0,    0,    'M',  'M',  0,   42,
                                          0,    0,    0,    8,    0,    5,    1,   0x12};
  EXPECT_EQ(readExifOrientation(truncated.data(), truncated.size()), 1);
  EXPECT_EQ(readExifOrientation(nullptr, 0), 1);
}

TEST(ImagingLoad, FixtureImageLoadsAsRgb) {
  const cv::Mat img = loadImageRgb8(test::dataDir() / "llava-tiny-a" / "image.png");
  EXPECT_EQ(img.type(), CV_8UC3);
  EXPECT_EQ(img.cols, 56);
  EXPECT_EQ(img.rows, 56);
}

TEST(ImagingLoad, MissingFileNamesTheFile) {
  const auto p = imagingDataDir() / "does_not_exist.png";
  const std::string msg = loadError(p);
  EXPECT_NE(msg.find(p.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("no such file"), std::string::npos) << msg;
}

TEST(ImagingLoad, EmptyFileIsRejected) {
  const std::string msg = loadError(imagingDataDir() / "err_empty.png");
  EXPECT_NE(msg.find("err_empty.png"), std::string::npos) << msg;
  EXPECT_NE(msg.find("0 bytes"), std::string::npos) << msg;
}

TEST(ImagingLoad, TextFileRenamedPngIsNotAnImage) {
  const std::string msg = loadError(imagingDataDir() / "err_text.png");
  EXPECT_NE(msg.find("err_text.png"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not an image"), std::string::npos) << msg;
}

TEST(ImagingLoad, GifIsAnUnsupportedFormat) {
  const std::string msg = loadError(imagingDataDir() / "err_anim.gif");
  EXPECT_NE(msg.find("err_anim.gif"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unsupported image format GIF"), std::string::npos) << msg;
}

TEST(ImagingLoad, TruncatedPngCannotBeDecoded) {
  const std::string msg = loadError(imagingDataDir() / "err_truncated.png");
  EXPECT_NE(msg.find("err_truncated.png"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cannot decode PNG"), std::string::npos) << msg;
}

TEST(ImagingLoad, DirectoryIsNotAFile) {
  const std::string msg = loadError(imagingDataDir());
  EXPECT_NE(msg.find("not a regular file"), std::string::npos) << msg;
}

TEST(ImagingLoad, MessagesAreOneLine) {
  for (const char* f :
       {"err_text.png", "err_empty.png", "err_anim.gif", "err_truncated.png", "missing.png"}) {
    const std::string msg = loadError(imagingDataDir() / f);
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(ImagingLoad, SniffsContainerFormats) {
  const uint8_t gif[] = {'G', 'I', 'F', '8', '9', 'a'};
  EXPECT_EQ(sniffImageFormat(gif, sizeof gif), "GIF");
  const uint8_t mp4[] = {0, 0, 0, 0x20, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm'};
  EXPECT_EQ(sniffImageFormat(mp4, sizeof mp4), "MP4/MOV video");
  const uint8_t heic[] = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c'};
  EXPECT_EQ(sniffImageFormat(heic, sizeof heic), "HEIF/AVIF");
  const uint8_t text[] = {'h', 'e', 'l', 'l', 'o'};
  EXPECT_EQ(sniffImageFormat(text, sizeof text), "");
}

}  // namespace
}  // namespace vitcop::imaging
