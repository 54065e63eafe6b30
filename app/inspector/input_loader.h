#pragma once
// Decodes a dropped/opened image or video off the GUI thread (QtConcurrent) and produces the
// model-input view of each frame (the preprocessed crop the patches are cut from), which the
// canvas draws under the overlay. A newer load supersedes an older one still in flight: only the
// latest request's result is delivered.
#include <QFutureWatcher>
#include <QImage>
#include <QObject>
#include <QString>
#include <QVector>

#include "core/checkpoint/llava_config.h"

namespace vitcop::inspector {

struct PreparedInput {
  QString path;
  bool video = false;
  int requestedFrames = 1;
  QVector<QImage> frames;  // model-input view per frame
  QVector<double> timestamps;
  QString error;  // non-empty: the file could not be used (one line naming it)
};

// File kinds the GUI accepts, by suffix (lower case).
bool isImageSuffix(const QString& suffix);
bool isVideoSuffix(const QString& suffix);
QString inputFileFilter();  // for QFileDialog

class InputLoader : public QObject {
  Q_OBJECT
 public:
  explicit InputLoader(QObject* parent = nullptr);
  ~InputLoader() override;

  void setProcessor(const checkpoint::ImageProcessorConfig& processor) { processor_ = processor; }
  // `frames` applies to videos (sampled uniformly).
  void load(const QString& path, int frames);
  bool loading() const { return watcher_.isRunning(); }

  // Synchronous, for worker-side use and tests of the conversion itself.
  static PreparedInput prepare(const QString& path, int frames,
                               const checkpoint::ImageProcessorConfig& processor);

 Q_SIGNALS:
  void loaded(const vitcop::inspector::PreparedInput& input);

 private:
  checkpoint::ImageProcessorConfig processor_;
  QFutureWatcher<PreparedInput> watcher_;
  QString queuedPath_;
  int queuedFrames_ = 0;
  bool queued_ = false;
};

}  // namespace vitcop::inspector

Q_DECLARE_METATYPE(vitcop::inspector::PreparedInput)
