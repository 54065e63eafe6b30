// Uniform video frame sampling: the index formula against numpy (linspace_cases.txt from
// make_goldens.py), and real clips written with cv::VideoWriter at test time.
#include <gtest/gtest.h>

#include <fstream>

#include <opencv2/videoio.hpp>

#include "core/imaging/image_io.h"
#include "core/imaging/imaging_error.h"
#include "core/imaging/video_frames.h"
#include "tests/imaging/imaging_test_util.h"

namespace vitcop::imaging {
namespace {

constexpr int kFrames = 30;
constexpr double kFps = 10.0;

// Frame i is a flat colour that encodes i (RGB = (8 i, 255 - 8 i, 128)) with a white square
// whose column also moves with i, so both content and order can be checked after lossy coding.
cv::Mat syntheticFrameBgr(int i) {
  cv::Mat bgr(48, 64, CV_8UC3, cv::Scalar(128, 255 - 8 * i, 8 * i));
  bgr(cv::Rect(i % 8 * 8, 16, 8, 8)).setTo(cv::Scalar(255, 255, 255));
  return bgr;
}

std::filesystem::path writeClip(const std::string& name, int fourcc, int frames) {
  const auto path = test::outputDir() / name;
  std::filesystem::remove(path);
  cv::VideoWriter writer(path.string(), cv::CAP_FFMPEG, fourcc, kFps, cv::Size(64, 48));
  if (!writer.isOpened()) return {};
  for (int i = 0; i < frames; ++i)
    writer.write(syntheticFrameBgr(i));
  writer.release();
  return path;
}

// Which frame a decoded RGB image shows, from its background colour (top-left 8x8 block).
int decodeFrameId(const cv::Mat& rgb) {
  const cv::Scalar m = cv::mean(rgb(cv::Rect(0, 0, 8, 8)));
  return static_cast<int>(std::lround(m[0] / 8.0));
}

std::string sampleError(const std::filesystem::path& p, int n) {
  try {
    sampleVideoFrames(p, n);
  } catch (const ImagingError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ImagingVideo, IndicesMatchNumpyLinspace) {
  const auto cases = test::readManifest("linspace_cases.txt");
  ASSERT_GE(cases.size(), 10u);
  for (const auto& c : cases) {
    const int64_t total = std::stoll(c[0]);
    const int n = std::stoi(c[1]);
    ASSERT_EQ(c.size(), static_cast<size_t>(n) + 2);
    std::vector<int64_t> expected;
    for (int i = 0; i < n; ++i)
      expected.push_back(std::stoll(c[2 + i]));
    EXPECT_EQ(uniformFrameIndices(total, n), expected) << "total " << total << ", n " << n;
  }
  EXPECT_THROW(uniformFrameIndices(0, 3), ImagingError);
  EXPECT_THROW(uniformFrameIndices(5, 0), ImagingError);
}

void checkSampledClip(const std::filesystem::path& clip, int n) {
  const SampledVideo v = sampleVideoFrames(clip, n);
  EXPECT_EQ(v.totalFrames, kFrames);
  EXPECT_NEAR(v.fps, kFps, 1e-6);
  const std::vector<int64_t> expected = uniformFrameIndices(kFrames, n);
  ASSERT_EQ(v.frames.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const VideoFrame& f = v.frames[i];
    EXPECT_EQ(f.index, expected[i]);
    EXPECT_NEAR(f.timestampSeconds, static_cast<double>(expected[i]) / kFps, 1e-9);
    ASSERT_EQ(f.rgb.type(), CV_8UC3);
    ASSERT_EQ(f.rgb.size(), cv::Size(64, 48));
    EXPECT_EQ(decodeFrameId(f.rgb), expected[i]) << "sample " << i;
    // RGB order: blue channel is the constant 128.
    EXPECT_NEAR(cv::mean(f.rgb(cv::Rect(0, 0, 8, 8)))[2], 128.0, 4.0);
  }
}

TEST(ImagingVideo, SamplesAnMjpgAviUniformly) {
  const auto clip =
      writeClip("imaging_clip_mjpg.avi", cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), kFrames);
  ASSERT_FALSE(clip.empty()) << "cv::VideoWriter cannot write MJPG/AVI";
  checkSampledClip(clip, 8);  // 0 4 8 12 16 20 24 29
  checkSampledClip(clip, 1);  // frame 0 only
  // More samples than frames: indices repeat, as upstream.
  const SampledVideo v = sampleVideoFrames(clip, 45);
  ASSERT_EQ(v.frames.size(), 45u);
  EXPECT_EQ(v.frames[1].index, 0);
  EXPECT_EQ(v.frames.back().index, kFrames - 1);
}

TEST(ImagingVideo, SamplesAnMp4vMp4) {
  const auto clip =
      writeClip("imaging_clip_mp4v.mp4", cv::VideoWriter::fourcc('m', 'p', '4', 'v'), kFrames);
  ASSERT_FALSE(clip.empty()) << "cv::VideoWriter cannot write mp4v/MP4";
  checkSampledClip(clip, 5);
}

TEST(ImagingVideo, ZeroFrameVideoIsRejected) {
  const auto clip =
      writeClip("imaging_clip_empty.avi", cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 0);
  ASSERT_FALSE(clip.empty());
  const std::string msg = sampleError(clip, 4);
  EXPECT_NE(msg.find(clip.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("no decodable video frames"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(ImagingVideo, TextFileIsNotAVideo) {
  const auto path = test::outputDir() / "imaging_not_a_video.mp4";
  std::ofstream(path) << "definitely not a video\n";
  const std::string msg = sampleError(path, 4);
  EXPECT_NE(msg.find(path.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("not a video"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(ImagingVideo, VideoIsNotAnImage) {
  const auto clip =
      writeClip("imaging_clip_as_image.avi", cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 2);
  ASSERT_FALSE(clip.empty());
  try {
    loadImageRgb8(clip);
    ADD_FAILURE() << "a video loaded as an image";
  } catch (const ImagingError& e) {
    EXPECT_NE(std::string(e.what()).find("AVI video file, not an image"), std::string::npos)
        << e.what();
  }
}

TEST(ImagingVideo, StillImageIsNotAVideo) {
  const auto path = test::imagingDataDir() / "ld_rgba.png";
  const std::string msg = sampleError(path, 2);
  EXPECT_NE(msg.find("PNG still image, not a video"), std::string::npos) << msg;
}

TEST(ImagingVideo, BadArgumentsAndMissingFiles) {
  EXPECT_NE(sampleError(test::outputDir() / "imaging_missing.mp4", 4).find("no such file"),
            std::string::npos);
  const auto clip =
      writeClip("imaging_clip_args.avi", cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 3);
  ASSERT_FALSE(clip.empty());
  EXPECT_NE(sampleError(clip, 0).find("must be >= 1"), std::string::npos);
  EXPECT_NE(sampleError(clip, -2).find("must be >= 1"), std::string::npos);
  const auto empty = test::outputDir() / "imaging_zero_bytes.mp4";
  std::ofstream(empty).close();
  EXPECT_NE(sampleError(empty, 2).find("empty file"), std::string::npos);
}

}  // namespace
}  // namespace vitcop::imaging
