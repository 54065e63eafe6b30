#include "widgets/selection.h"

#include <algorithm>

namespace vitcop::widgets {

Selection::Selection(QObject* parent) : QObject(parent) {}

void Selection::setRun(const QString& runId, const QString& method) {
  if (runId == runId_ && method == method_) return;
  runId_ = runId;
  method_ = method;
  emit runChanged(runId_, method_);
  emit changed();
}

void Selection::setPoint(const QString& point) {
  if (point == point_) return;
  point_ = point;
  emit pointChanged(point_);
  emit changed();
}

void Selection::setFrame(int frame) {
  frame = std::max(frame, 0);
  if (frame == frame_) return;
  frame_ = frame;
  emit frameChanged(frame_);
  emit changed();
}

void Selection::setScoreName(const QString& name) {
  if (name == scoreName_) return;
  scoreName_ = name;
  emit scoreNameChanged(scoreName_);
  emit changed();
}

void Selection::setOverlayMode(OverlayMode mode) {
  if (mode == mode_) return;
  mode_ = mode;
  emit overlayModeChanged(mode_);
  emit changed();
}

void Selection::setPatch(int32_t patch) {
  patch = std::max<int32_t>(patch, -1);
  if (patch == patch_) return;
  patch_ = patch;
  emit patchChanged(patch_);
  emit changed();
}

}  // namespace vitcop::widgets
