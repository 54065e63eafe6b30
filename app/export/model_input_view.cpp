#include "app/export/model_input_view.h"

#include <QFileInfo>
#include <filesystem>
#include <stdexcept>

#include "core/imaging/image_io.h"
#include "core/imaging/preprocess.h"
#include "core/imaging/video_frames.h"

namespace vitcop::exporting {

QImage modelInputView(const cv::Mat& rgb8, const checkpoint::ImageProcessorConfig& processor) {
  const cv::Mat rgb = imaging::preprocessImage(rgb8, processor).cropRgb;
  // cv::Mat rows may be padded; copy() detaches from the Mat's buffer before it is freed.
  return QImage(rgb.data, rgb.cols, rgb.rows, static_cast<qsizetype>(rgb.step),
                QImage::Format_RGB888)
      .copy();
}

checkpoint::ImageProcessorConfig processorForTrace(const vitcop::trace::RunTrace& trace) {
  const std::filesystem::path dir(trace.model);
  std::error_code ec;
  checkpoint::ImageProcessorConfig p;
  if (!trace.model.empty() &&
      std::filesystem::is_regular_file(dir / "preprocessor_config.json", ec)) {
    p = checkpoint::ImageProcessorConfig::load(dir / "preprocessor_config.json");
  } else {
    p.shortestEdge = p.cropHeight = p.cropWidth = trace.geometry.imageSize;
  }
  // Original LLaVA pads to a square first, as the loader does (core/checkpoint/checkpoint.cpp).
  if (!trace.model.empty() && std::filesystem::is_regular_file(dir / "config.json", ec) &&
      checkpoint::LlavaConfig::load(dir / "config.json").imageAspectRatio == "pad")
    p.padToSquare = true;
  return p;
}

QImage inputViewForTrace(const vitcop::trace::RunTrace& trace, const std::string& path, int frame) {
  if (frame < 0 || frame >= trace.geometry.frames)
    throw std::runtime_error("frame " + std::to_string(frame) + " is not in the trace (it has " +
                             std::to_string(trace.geometry.frames) + ")");
  const auto processor = processorForTrace(trace);
  const QString suffix = QFileInfo(QString::fromStdString(path)).suffix().toLower();
  const bool video = QStringList{"mp4", "avi", "mkv", "webm", "mov"}.contains(suffix);
  if (!video) return modelInputView(imaging::loadImageRgb8(path), processor);
  const auto sampled = imaging::sampleVideoFrames(path, static_cast<int>(trace.geometry.frames));
  if (frame >= static_cast<int>(sampled.frames.size()))
    throw std::runtime_error(path + ": yields " + std::to_string(sampled.frames.size()) +
                             " frames, not frame " + std::to_string(frame));
  return modelInputView(sampled.frames[static_cast<size_t>(frame)].rgb, processor);
}

}  // namespace vitcop::exporting
