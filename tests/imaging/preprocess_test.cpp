// preprocessImage against the transformers / original-LLaVA pipeline re-enacted with Pillow
// (make_goldens.py: expand2square, shortest-edge resize, transformers' center_crop), geometry
// back-mapping, settings errors (speed: tests/bench/imaging_bench).
#include <gtest/gtest.h>

#include <ATen/core/Tensor.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>

#include "core/imaging/imaging_error.h"
#include "core/imaging/pad_square.h"
#include "core/imaging/pil_resize.h"
#include "core/imaging/preprocess.h"
#include "tests/imaging/imaging_test_util.h"

namespace vitcop::imaging {
namespace {

using checkpoint::ImageProcessorConfig;
using test::imagesEqual;
using test::readExpectedPng;

// p(x, y, c) = (x * 7 + y * 13 + ((x * y) >> 5) + c * 85) & 255, as in make_goldens.py.
cv::Mat syntheticImage(int w, int h) {
  cv::Mat m(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y) {
    auto* row = m.ptr<uint8_t>(y);
    for (int x = 0; x < w; ++x) {
      const int64_t base = int64_t{x} * 7 + int64_t{y} * 13 + ((int64_t{x} * y) >> 5);
      for (int c = 0; c < 3; ++c)
        row[x * 3 + c] = static_cast<uint8_t>((base + c * 85) & 255);
    }
  }
  return m;
}

cv::Mat loadInput(const std::string& spec) {
  if (spec.rfind("synthetic:", 0) == 0) {
    const auto x = spec.find('x');
    return syntheticImage(std::stoi(spec.substr(10, x - 10)), std::stoi(spec.substr(x + 1)));
  }
  return readExpectedPng(spec);
}

ImageProcessorConfig configFor(const std::vector<std::string>& c) {
  ImageProcessorConfig cfg;
  cfg.padToSquare = c[2] == "1";
  cfg.shortestEdge = std::stoi(c[3]);
  cfg.doCenterCrop = c[4] == "1";
  cfg.cropWidth = std::stoi(c[5]);
  cfg.cropHeight = std::stoi(c[6]);
  return cfg;
}

TEST(ImagingPreprocess, CropMatchesPillowPipelineGoldens) {
  const auto cases = test::readManifest("preprocess_cases.txt");
  ASSERT_GE(cases.size(), 10u);
  for (const auto& c : cases) {
    ASSERT_EQ(c.size(), 8u);
    SCOPED_TRACE(c[0]);
    const PreprocessedImage p = preprocessImage(loadInput(c[1]), configFor(c));
    if (c[7].rfind("fnv:", 0) == 0) {
      char hex[17];
      std::snprintf(hex, sizeof hex, "%016llx",
                    static_cast<unsigned long long>(test::fnv1a64(p.cropRgb)));
      EXPECT_EQ(std::string("fnv:") + hex, c[7]);
      EXPECT_EQ(p.cropRgb.cols, 336);
      EXPECT_EQ(p.cropRgb.rows, 336);
    } else {
      EXPECT_TRUE(imagesEqual(p.cropRgb, readExpectedPng(c[7]), "pp_" + c[0]));
    }
  }
}

TEST(ImagingPreprocess, PixelValuesMatchTransformersFloat32) {
  ImageProcessorConfig cfg;
  cfg.shortestEdge = 40;
  cfg.cropWidth = 36;
  cfg.cropHeight = 30;
  const PreprocessedImage p = preprocessImage(readExpectedPng("pp_rect_crop_in.png"), cfg);
  ASSERT_EQ(p.pixelValues.sizes(), (at::IntArrayRef{1, 3, 30, 36}));
  ASSERT_EQ(p.pixelValues.scalar_type(), at::kFloat);
  std::ifstream in(test::imagingDataDir() / "pp_rect_crop_pixel_values.f32", std::ios::binary);
  std::vector<float> ref(3 * 30 * 36);
  in.read(reinterpret_cast<char*>(ref.data()), static_cast<std::streamsize>(ref.size() * 4));
  ASSERT_TRUE(in.good());
  const float* got = p.pixelValues.data_ptr<float>();
  double maxDiff = 0;
  for (size_t i = 0; i < ref.size(); ++i)
    maxDiff = std::max(maxDiff, std::fabs(double(got[i]) - ref[i]));
  EXPECT_LE(maxDiff, 1e-6);
}

TEST(ImagingPreprocess, RescaleAndNormalizeSwitches) {
  cv::Mat img(3, 3, CV_8UC3, cv::Scalar(0, 128, 255));
  ImageProcessorConfig cfg;
  cfg.doResize = false;
  cfg.doCenterCrop = false;
  cfg.doNormalize = false;
  PreprocessedImage p = preprocessImage(img, cfg);
  EXPECT_FLOAT_EQ(p.pixelValues[0][2][1][1].item<float>(), static_cast<float>(255 * (1.0 / 255.0)));
  EXPECT_FLOAT_EQ(p.pixelValues[0][1][0][0].item<float>(), static_cast<float>(128 / 255.0));
  cfg.doRescale = false;
  p = preprocessImage(img, cfg);
  EXPECT_EQ(p.pixelValues[0][1][0][0].item<float>(), 128.0f);
  cfg.doNormalize = true;
  p = preprocessImage(img, cfg);
  EXPECT_EQ(p.pixelValues[0][0][0][0].item<float>(),
            (0.0f - static_cast<float>(cfg.imageMean[0])) / static_cast<float>(cfg.imageStd[0]));
}

TEST(ImagingPreprocess, PadFillIsTruncatedClipMean) {
  const auto fill = padFillColor({0.48145466, 0.4578275, 0.40821073});
  EXPECT_EQ(fill[0], 122);
  EXPECT_EQ(fill[1], 116);
  EXPECT_EQ(fill[2], 104);
  EXPECT_THROW(padFillColor({1.5, 0.0, 0.0}), ImagingError);
}

TEST(ImagingPreprocess, PadToSquarePastesAtLlavaOffsets) {
  cv::Mat wide(4, 9, CV_8UC3, cv::Scalar(1, 2, 3));  // difference 5: y = 2
  PaddedImage p = padToSquare(wide, {0.48145466, 0.4578275, 0.40821073});
  EXPECT_EQ(p.rgb.size(), cv::Size(9, 9));
  EXPECT_EQ(p.offsetX, 0);
  EXPECT_EQ(p.offsetY, 2);
  EXPECT_EQ(p.rgb.at<cv::Vec3b>(1, 0), cv::Vec3b(122, 116, 104));
  EXPECT_EQ(p.rgb.at<cv::Vec3b>(2, 0), cv::Vec3b(1, 2, 3));
  EXPECT_EQ(p.rgb.at<cv::Vec3b>(5, 8), cv::Vec3b(1, 2, 3));
  EXPECT_EQ(p.rgb.at<cv::Vec3b>(6, 8), cv::Vec3b(122, 116, 104));
  cv::Mat tall(7, 2, CV_8UC3, cv::Scalar(9, 9, 9));  // difference 5: x = 2
  p = padToSquare(tall, {0.5, 0.5, 0.5});
  EXPECT_EQ(p.offsetX, 2);
  EXPECT_EQ(p.offsetY, 0);
  EXPECT_EQ(p.rgb.at<cv::Vec3b>(0, 1), cv::Vec3b(127, 127, 127));
  EXPECT_EQ(p.rgb.at<cv::Vec3b>(0, 2), cv::Vec3b(9, 9, 9));
}

TEST(ImagingPreprocess, ShortestEdgeSizeTruncatesInFloat64) {
  int w = 0, h = 0;
  shortestEdgeResizeSize(1920, 1080, 336, w, h);  // 336 * 1920 / 1080 = 597.33
  EXPECT_EQ(w, 597);
  EXPECT_EQ(h, 336);
  shortestEdgeResizeSize(30, 77, 56, w, h);  // 56 * 77 / 30 = 143.73
  EXPECT_EQ(w, 56);
  EXPECT_EQ(h, 143);
  shortestEdgeResizeSize(336, 336, 336, w, h);
  EXPECT_EQ(w, 336);
  EXPECT_EQ(h, 336);
  EXPECT_THROW(shortestEdgeResizeSize(0, 5, 336, w, h), ImagingError);
}

TEST(ImagingPreprocess, GeometryMapsPatchesBackToTheOriginal) {
  ImageProcessorConfig cfg;
  cfg.shortestEdge = 56;
  cfg.cropWidth = cfg.cropHeight = 56;
  const cv::Mat img = readExpectedPng("pp_wide_pad_in.png");  // 75 x 32
  ASSERT_EQ(img.size(), cv::Size(75, 32));

  // llava-hf: resize to 131 x 56 (int(56 * 75 / 32) = 131), crop left (131 - 56) / 2 = 37.
  PreprocessedImage p = preprocessImage(img, cfg);
  const PreprocessGeometry& g = p.geometry;
  EXPECT_EQ(g.resizedWidth, 131);
  EXPECT_EQ(g.resizedHeight, 56);
  EXPECT_EQ(g.cropLeft, 37);
  EXPECT_EQ(g.cropTop, 0);
  // The crop really is that window of the resized image.
  const cv::Mat resized = resizeBicubicPil(img, 131, 56);
  EXPECT_TRUE(imagesEqual(p.cropRgb, resized(cv::Rect(37, 0, 56, 56)), "geometry_window"));
  RectF r = g.patchToOriginal(0, 0, 14);
  EXPECT_NEAR(r.x0, 37.0 * 75 / 131, 1e-9);
  EXPECT_NEAR(r.x1, 51.0 * 75 / 131, 1e-9);
  EXPECT_NEAR(r.y0, 0.0, 1e-9);
  EXPECT_NEAR(r.y1, 14.0 * 32 / 56, 1e-9);

  // Original LLaVA: 75 x 75 canvas, image at y = 21; top patches cover only the mean bars.
  cfg.padToSquare = true;
  p = preprocessImage(img, cfg);
  const PreprocessGeometry& q = p.geometry;
  EXPECT_TRUE(q.padded);
  EXPECT_EQ(q.padOffsetY, 21);
  EXPECT_EQ(q.paddedWidth, 75);
  EXPECT_EQ(q.resizedWidth, 56);
  EXPECT_TRUE(q.patchToOriginal(0, 1, 14).empty());
  r = q.patchToOriginal(2, 3,
                        14);  // crop [42, 56) x [28, 42) -> padded x [56.25, 75), y [37.5, 56.25)
  EXPECT_NEAR(r.x0, 56.25, 1e-9);
  EXPECT_NEAR(r.x1, 75.0, 1e-9);
  EXPECT_NEAR(r.y0, 16.5, 1e-9);
  EXPECT_NEAR(r.y1, 32.0, 1e-9);  // clipped at the image's bottom edge
  EXPECT_TRUE(q.patchToOriginal(3, 0, 14).empty());
}

TEST(ImagingPreprocess, OversizedCropHasNegativeOffsetsAndZeroBorder) {
  ImageProcessorConfig cfg;
  cfg.shortestEdge = 20;
  cfg.cropWidth = 31;
  cfg.cropHeight = 27;
  const PreprocessedImage p = preprocessImage(readExpectedPng("pp_crop_bigger_in.png"), cfg);
  // 50 x 41 -> 24 x 20; width: ceil(7 / 2) = 4 columns of zeros on the left.
  EXPECT_EQ(p.geometry.resizedWidth, 24);
  EXPECT_EQ(p.geometry.cropLeft, -4);
  EXPECT_EQ(p.geometry.cropTop, -4);
  EXPECT_EQ(p.cropRgb.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 0));
  EXPECT_TRUE(p.geometry.patchToOriginal(0, 0, 4).empty());
  const RectF inside = p.geometry.cropToOriginal({4, 4, 28, 24});
  EXPECT_NEAR(inside.x0, 0.0, 1e-9);
  EXPECT_NEAR(inside.x1, 50.0, 1e-9);
  EXPECT_NEAR(inside.y1, 41.0, 1e-9);
}

TEST(ImagingPreprocess, RejectsBadSettingsNamingThem) {
  const cv::Mat img(8, 8, CV_8UC3, cv::Scalar::all(3));
  auto message = [&](ImageProcessorConfig cfg) -> std::string {
    try {
      preprocessImage(img, cfg);
    } catch (const ImagingError& e) {
      return e.what();
    }
    return "(no error)";
  };
  ImageProcessorConfig cfg;
  cfg.resample = 2;
  EXPECT_NE(message(cfg).find("resample"), std::string::npos);
  cfg = {};
  cfg.shortestEdge = 0;
  EXPECT_NE(message(cfg).find("shortest_edge"), std::string::npos);
  cfg = {};
  cfg.cropWidth = 0;
  EXPECT_NE(message(cfg).find("crop_size"), std::string::npos);
  cfg = {};
  cfg.imageStd[1] = 0.0;
  EXPECT_NE(message(cfg).find("image_std[1]"), std::string::npos);
  cfg = {};
  cfg.padToSquare = true;
  cfg.imageMean[2] = -0.1;
  EXPECT_NE(message(cfg).find("image_mean[2]"), std::string::npos);
  EXPECT_THROW(preprocessImage(cv::Mat(), ImageProcessorConfig{}), ImagingError);
  EXPECT_THROW(preprocessImage(cv::Mat(4, 4, CV_8UC1), ImageProcessorConfig{}), ImagingError);
}

}  // namespace
}  // namespace vitcop::imaging
