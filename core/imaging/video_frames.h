#pragma once
// Uniform frame sampling from a video file, as LLaVA-family video evaluation does it
// (lmms-eval llava_vid / LLaVA-NeXT load_video):
//   frame_idx = np.linspace(0, total_frames - 1, N, dtype=int)
// i.e. index_i = floor(i * ((total - 1) / (N - 1))) for i < N - 1, the last one total - 1, and
// index 0 when N == 1. When N > total, indices repeat (as upstream). Timestamps are
// index / average fps (upstream's frame_time). Decoding: cv::VideoCapture with the FFmpeg
// backend; frames are read sequentially, so the result does not depend on seek accuracy.
#include <cstdint>
#include <filesystem>
#include <vector>

#include <opencv2/core/mat.hpp>

namespace vitcop::imaging {

struct VideoFrame {
  int64_t index = 0;              // 0-based decoded-frame index
  double timestampSeconds = 0.0;  // index / fps (0 when the container reports no fps)
  cv::Mat rgb;                    // CV_8UC3, RGB order
};

struct SampledVideo {
  // Frame count the indices were drawn from: the container's count, or the number of frames
  // that really decode when the container reports none or too many.
  int64_t totalFrames = 0;
  double fps = 0.0;  // container's average frame rate, 0 if unknown
  std::vector<VideoFrame> frames;
};

// np.linspace(0, totalFrames - 1, count, dtype=int) bit for bit (numpy 1.24 algorithm).
// Throws ImagingError if totalFrames < 1 or count < 1.
std::vector<int64_t> uniformFrameIndices(int64_t totalFrames, int count);

// Throws ImagingError (one line, naming the file) when count < 1, the file is missing, it is
// not a video the FFmpeg backend can open, or it has no decodable frames.
SampledVideo sampleVideoFrames(const std::filesystem::path& path, int count);

}  // namespace vitcop::imaging
