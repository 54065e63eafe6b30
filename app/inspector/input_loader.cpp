#include "app/inspector/input_loader.h"

#include <QFileInfo>
#include <QtConcurrent/QtConcurrentRun>
#include <exception>

#include "app/export/model_input_view.h"
#include "core/imaging/image_io.h"
#include "core/imaging/video_frames.h"

namespace vitcop::inspector {
bool isImageSuffix(const QString& suffix) {
  static const QStringList kinds = {"png", "jpg", "jpeg", "bmp", "webp", "tif", "tiff"};
  return kinds.contains(suffix.toLower());
}

bool isVideoSuffix(const QString& suffix) {
  static const QStringList kinds = {"mp4", "avi", "mkv", "webm", "mov"};
  return kinds.contains(suffix.toLower());
}

QString inputFileFilter() {
  return InputLoader::tr(
      "Images and videos (*.png *.jpg *.jpeg *.bmp *.webp *.tif *.tiff *.mp4 *.avi *.mkv *.webm "
      "*.mov);;Images (*.png *.jpg *.jpeg *.bmp *.webp *.tif *.tiff);;Videos (*.mp4 *.avi *.mkv "
      "*.webm *.mov);;All files (*)");
}

InputLoader::InputLoader(QObject* parent) : QObject(parent) {
  qRegisterMetaType<PreparedInput>();
  connect(&watcher_, &QFutureWatcher<PreparedInput>::finished, this, [this] {
    if (queued_) {  // a newer request arrived meanwhile: this result is stale
      queued_ = false;
      load(queuedPath_, queuedFrames_);
      return;
    }
    Q_EMIT loaded(watcher_.result());
  });
}

InputLoader::~InputLoader() {
  watcher_.waitForFinished();  // decoding one file; never model work
}

void InputLoader::load(const QString& path, int frames) {
  if (watcher_.isRunning()) {
    queued_ = true;
    queuedPath_ = path;
    queuedFrames_ = frames;
    return;
  }
  const auto processor = processor_;
  watcher_.setFuture(
      QtConcurrent::run([path, frames, processor] { return prepare(path, frames, processor); }));
}

PreparedInput InputLoader::prepare(const QString& path, int frames,
                                   const checkpoint::ImageProcessorConfig& processor) {
  PreparedInput out;
  out.path = path;
  out.requestedFrames = frames;
  const QFileInfo info(path);
  out.video = isVideoSuffix(info.suffix());
  try {
    if (!out.video && !isImageSuffix(info.suffix()) && info.exists())
      throw std::runtime_error(QStringLiteral("%1: not an image or video the inspector opens (.%2)")
                                   .arg(path, info.suffix())
                                   .toStdString());
    if (out.video) {
      const auto sampled = imaging::sampleVideoFrames(path.toStdString(), frames);
      for (const auto& f : sampled.frames) {
        out.frames.push_back(exporting::modelInputView(f.rgb, processor));
        out.timestamps.push_back(f.timestampSeconds);
      }
    } else {
      out.frames.push_back(
          exporting::modelInputView(imaging::loadImageRgb8(path.toStdString()), processor));
      out.timestamps.push_back(0.0);
    }
  } catch (const std::exception& e) {
    out.frames.clear();
    out.error = QString::fromStdString(e.what());
  }
  return out;
}

}  // namespace vitcop::inspector
