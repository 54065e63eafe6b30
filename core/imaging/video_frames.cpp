#include "core/imaging/video_frames.h"

#include <cmath>
#include <fstream>
#include <string>
#include <system_error>

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "core/imaging/image_io.h"
#include "core/imaging/imaging_error.h"

namespace vitcop::imaging {
namespace {

// Formats the FFmpeg backend would happily open as a one-frame "video"; a still image passed
// as a video is a user mistake worth naming.
bool isStillImageFormat(const std::string& format) {
  return format == "PNG" || format == "JPEG" || format == "BMP" || format == "TIFF" ||
         format == "WebP" || format == "PNM" || format == "PFM" || format == "JPEG 2000" ||
         format == "OpenEXR" || format == "Radiance HDR" || format == "Sun raster" ||
         format == "PSD" || format == "HEIF/AVIF" || format == "ICO";
}

std::string headFormat(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  uint8_t head[16] = {};
  in.read(reinterpret_cast<char*>(head), sizeof head);
  return sniffImageFormat(head, static_cast<size_t>(in.gcount()));
}

cv::VideoCapture openVideo(const std::filesystem::path& path) {
  cv::VideoCapture cap;
  try {
    // FFmpeg only: other backends (e.g. CAP_IMAGES) would treat file names as patterns.
    cap.open(path.string(), cv::CAP_FFMPEG);
  } catch (const cv::Exception& e) {
    throw ImagingError(path.string() + ": cannot open as a video (" + e.err + ")");
  }
  if (!cap.isOpened()) {
    throw ImagingError(path.string() +
                       ": not a video (or a container/codec the FFmpeg backend cannot open)");
  }
  return cap;
}

// Reads frames 0..max(indices) sequentially, keeping the requested ones (indices ascending).
// Returns the number of frames that could be decoded before the end (or past the last index).
int64_t readFrames(const std::filesystem::path& path, const std::vector<int64_t>& indices,
                   double fps, std::vector<VideoFrame>& frames) {
  cv::VideoCapture cap = openVideo(path);
  frames.clear();
  frames.reserve(indices.size());
  size_t next = 0;
  int64_t index = 0;
  cv::Mat bgr;
  while (next < indices.size()) {
    if (!cap.grab()) return index;
    if (indices[next] == index) {
      if (!cap.retrieve(bgr) || bgr.empty()) return index;
      VideoFrame frame;
      frame.index = index;
      frame.timestampSeconds = fps > 0 ? static_cast<double>(index) / fps : 0.0;
      if (bgr.channels() == 1) {
        cv::cvtColor(bgr, frame.rgb, cv::COLOR_GRAY2RGB);
      } else {
        cv::cvtColor(bgr, frame.rgb, cv::COLOR_BGR2RGB);
      }
      while (next < indices.size() && indices[next] == index) {
        frames.push_back(frame);  // repeated indices share the decoded pixels
        ++next;
      }
    }
    ++index;
  }
  return index;
}

int64_t countFrames(const std::filesystem::path& path) {
  cv::VideoCapture cap = openVideo(path);
  int64_t n = 0;
  while (cap.grab())
    ++n;
  return n;
}

}  // namespace

std::vector<int64_t> uniformFrameIndices(int64_t totalFrames, int count) {
  if (totalFrames < 1) {
    throw ImagingError("uniformFrameIndices: total frame count must be >= 1, got " +
                       std::to_string(totalFrames));
  }
  if (count < 1) {
    throw ImagingError("uniformFrameIndices: number of frames must be >= 1, got " +
                       std::to_string(count));
  }
  // numpy.linspace(0, stop, num): y = arange(num) * (stop / (num - 1)), y[-1] = stop, then
  // floor for an integer dtype. With num == 1 the only sample is start = 0.
  const double stop = static_cast<double>(totalFrames - 1);
  std::vector<int64_t> out(static_cast<size_t>(count), 0);
  if (count == 1) return out;
  const double step = stop / static_cast<double>(count - 1);
  for (int i = 0; i < count; ++i) {
    const double y = i == count - 1 ? stop : static_cast<double>(i) * step;
    out[static_cast<size_t>(i)] = static_cast<int64_t>(std::floor(y));
  }
  return out;
}

SampledVideo sampleVideoFrames(const std::filesystem::path& path, int count) {
  const std::string source = path.string();
  if (count < 1) {
    throw ImagingError(source + ": number of frames to sample must be >= 1, got " +
                       std::to_string(count));
  }
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) throw ImagingError(source + ": no such file");
  if (!std::filesystem::is_regular_file(status)) {
    throw ImagingError(source + ": not a regular file (directory or device)");
  }
  if (std::filesystem::file_size(path, ec) == 0) {
    throw ImagingError(source + ": empty file (0 bytes), not a video");
  }
  const std::string format = headFormat(path);
  if (isStillImageFormat(format)) {
    throw ImagingError(source + ": is a " + format + " still image, not a video");
  }

  SampledVideo video;
  int64_t reported = 0;
  {
    cv::VideoCapture cap = openVideo(path);
    video.fps = cap.get(cv::CAP_PROP_FPS);
    if (!(video.fps > 0 && std::isfinite(video.fps))) video.fps = 0.0;
    const double n = cap.get(cv::CAP_PROP_FRAME_COUNT);
    reported = n >= 1 && std::isfinite(n) ? static_cast<int64_t>(n) : 0;
  }
  // Containers may report no count or an estimate; trust only what decodes.
  int64_t total = reported > 0 ? reported : countFrames(path);
  if (total < 1)
    throw ImagingError(source +
                       ": contains no decodable video frames (an empty video, or not a video)");
  std::vector<int64_t> indices = uniformFrameIndices(total, count);
  const int64_t decoded = readFrames(path, indices, video.fps, video.frames);
  if (video.frames.size() < indices.size()) {
    // The reported count was too high: recount and sample again from what really decodes.
    total = decoded > 0 ? countFrames(path) : 0;
    if (total < 1)
      throw ImagingError(source +
                         ": contains no decodable video frames (an empty video, or not a video)");
    indices = uniformFrameIndices(total, count);
    readFrames(path, indices, video.fps, video.frames);
    if (video.frames.size() < indices.size()) {
      throw ImagingError(source + ": video frames could not be decoded consistently");
    }
  }
  video.totalFrames = total;
  return video;
}

}  // namespace vitcop::imaging
