// Pillow bicubic resize, bit-exact against goldens made by Debian's Pillow 9.4
// (tests/data/imaging/make_goldens.py, resize_cases.txt), and its parameter errors.
#include <gtest/gtest.h>

#include <numeric>

#include "core/imaging/imaging_error.h"
#include "core/imaging/pad_square.h"
#include "core/imaging/pil_resize.h"
#include "tests/imaging/imaging_test_util.h"

namespace vitcop::imaging {
namespace {

using test::imagesEqual;
using test::readExpectedPng;
using test::readManifest;

TEST(ImagingPilResize, MatchesPillowGoldensBitExactly) {
  const auto cases = readManifest("resize_cases.txt");
  ASSERT_GE(cases.size(), 15u);
  for (const auto& c : cases) {
    ASSERT_EQ(c.size(), 5u);
    SCOPED_TRACE(c[0]);
    const cv::Mat in = readExpectedPng(c[1]);
    const cv::Mat expected = readExpectedPng(c[4]);
    const cv::Mat out = resizeBicubicPil(in, std::stoi(c[2]), std::stoi(c[3]));
    EXPECT_TRUE(imagesEqual(out, expected, "resize_" + c[0]));
  }
}

TEST(ImagingPilResize, PortableKernelsMatchTheSimdOnes) {
  // On an AVX2 machine the goldens above ran the AVX2 kernels; run them again without.
  const bool previous = detail::setPilResizeSimd(false);
  for (const auto& c : readManifest("resize_cases.txt")) {
    SCOPED_TRACE(c[0]);
    const cv::Mat out = resizeBicubicPil(readExpectedPng(c[1]), std::stoi(c[2]), std::stoi(c[3]));
    EXPECT_TRUE(imagesEqual(out, readExpectedPng(c[4]), "resize_portable_" + c[0]));
  }
  detail::setPilResizeSimd(previous);
}

TEST(ImagingPilResize, CanvasResizeEqualsPaddingThenResizing) {
  const std::array<double, 3> mean{0.48145466, 0.4578275, 0.40821073};
  const cv::Mat wide = readExpectedPng("rs_down_97x71_40x29_in.png");
  const cv::Mat tall = readExpectedPng("rs_tall_9x120_4x51_in.png");
  for (bool simd : {true, false}) {
    const bool previous = detail::setPilResizeSimd(simd);
    for (const cv::Mat* img : {&wide, &tall}) {
      const PaddedImage padded = padToSquare(*img, mean);
      for (auto [w, h] : {std::pair{33, 33}, std::pair{150, 150}, std::pair{97, 40},
                          std::pair{padded.rgb.cols, 20}, std::pair{20, padded.rgb.rows}}) {
        const cv::Mat expected = resizeBicubicPil(padded.rgb, w, h);
        const cv::Mat got =
            resizeBicubicPilOnCanvas(*img, padded.rgb.cols, padded.rgb.rows, padded.offsetX,
                                     padded.offsetY, padFillColor(mean), w, h);
        EXPECT_TRUE(imagesEqual(got, expected,
                                "canvas_" + std::to_string(img->cols) + "_" + std::to_string(w) +
                                    "x" + std::to_string(h)));
      }
    }
    detail::setPilResizeSimd(previous);
  }
  // The image must lie inside the canvas.
  EXPECT_THROW(resizeBicubicPilOnCanvas(wide, 97, 97, 0, 27, {0, 0, 0}, 10, 10), ImagingError);
  EXPECT_THROW(resizeBicubicPilOnCanvas(wide, 96, 97, 0, 0, {0, 0, 0}, 10, 10), ImagingError);
  EXPECT_THROW(resizeBicubicPilOnCanvas(wide, 97, 97, -1, 0, {0, 0, 0}, 10, 10), ImagingError);
}

TEST(ImagingPilResize, SameSizeReturnsAnIndependentCopy) {
  cv::Mat in(5, 4, CV_8UC3, cv::Scalar(1, 2, 3));
  cv::Mat out = resizeBicubicPil(in, 4, 5);
  EXPECT_TRUE(imagesEqual(out, in, "same_size"));
  out.at<cv::Vec3b>(0, 0) = cv::Vec3b(9, 9, 9);
  EXPECT_EQ(in.at<cv::Vec3b>(0, 0), cv::Vec3b(1, 2, 3));
}

TEST(ImagingPilResize, ConstantImageStaysConstant) {
  // Normalised weights sum to 1 (within rounding), so a flat colour survives any scale.
  cv::Mat in(37, 53, CV_8UC3, cv::Scalar(200, 17, 255));
  for (auto [w, h] : {std::pair{11, 5}, std::pair{120, 90}, std::pair{1, 1}, std::pair{53, 2}}) {
    cv::Mat out = resizeBicubicPil(in, w, h);
    EXPECT_TRUE(imagesEqual(out, cv::Mat(h, w, CV_8UC3, cv::Scalar(200, 17, 255)), "flat"));
  }
}

TEST(ImagingPilResize, WeightTablesFollowPillowsSupport) {
  // Downscale by 3.5: support 7, taps = 2 * ceil(7) + 1 = 15; first window clipped at 0.
  const PilAxisWeights w = pilBicubicWeights(70, 20);
  EXPECT_EQ(w.taps, 15);
  ASSERT_EQ(w.first.size(), 20u);
  EXPECT_EQ(w.first[0], 0);
  EXPECT_EQ(w.count[0], 9);  // center 1.75: [0, trunc(1.75 + 7 + 0.5) = 9)
  for (size_t i = 0; i < w.first.size(); ++i) {
    const int32_t* k = &w.weights[i * w.taps];
    const int64_t sum = std::accumulate(k, k + w.count[i], int64_t{0});
    EXPECT_NEAR(static_cast<double>(sum), 1 << 22, 8.0) << "output " << i;
    EXPECT_LE(w.first[i] + w.count[i], 70);
  }
  // Upscale: support stays 2, so at most 5 taps.
  EXPECT_EQ(pilBicubicWeights(10, 33).taps, 5);
}

TEST(ImagingPilResize, RejectsBadArguments) {
  cv::Mat rgb(4, 4, CV_8UC3, cv::Scalar::all(0));
  EXPECT_THROW(resizeBicubicPil(cv::Mat(), 3, 3), ImagingError);
  EXPECT_THROW(resizeBicubicPil(rgb, 0, 3), ImagingError);
  EXPECT_THROW(resizeBicubicPil(rgb, 3, -1), ImagingError);
  EXPECT_THROW(resizeBicubicPil(cv::Mat(4, 4, CV_16UC3), 3, 3), ImagingError);
  EXPECT_THROW(resizeBicubicPil(cv::Mat(4, 4, CV_8UC4), 3, 3), ImagingError);
  EXPECT_THROW(pilBicubicWeights(0, 3), ImagingError);
  try {
    resizeBicubicPil(rgb, 0, 3);
  } catch (const ImagingError& e) {
    EXPECT_NE(std::string(e.what()).find("0x3"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace vitcop::imaging
