#pragma once
// The one current selection every view follows (hotspot/RenderDoc style): which run, which point
// of the pipeline, which frame, which score and overlay, which patch. Views never talk to each
// other; they set fields here and redraw when the signals fire.
#include <QObject>
#include <QString>
#include <cstdint>

#include "widgets/overlay_options.h"

namespace vitcop::widgets {

class Selection : public QObject {
  Q_OBJECT
 public:
  explicit Selection(QObject* parent = nullptr);

  QString runId() const { return runId_; }
  QString method() const { return method_; }
  QString point() const { return point_; }  // "input", "vision", "llm:N"
  int frame() const { return frame_; }
  QString scoreName() const { return scoreName_; }
  OverlayMode overlayMode() const { return mode_; }
  int32_t patch() const { return patch_; }  // global patch id, -1: none

 public Q_SLOTS:
  // Setters emit their signal and then changed() only when the value actually changes, so views
  // that set the selection in response to it cannot loop.
  void setRun(const QString& runId, const QString& method);
  void setPoint(const QString& point);
  void setFrame(int frame);
  void setScoreName(const QString& name);
  void setOverlayMode(OverlayMode mode);
  void setPatch(int32_t patch);

 Q_SIGNALS:
  void runChanged(const QString& runId, const QString& method);
  void pointChanged(const QString& point);
  void frameChanged(int frame);
  void scoreNameChanged(const QString& name);
  void overlayModeChanged(vitcop::widgets::OverlayMode mode);
  void patchChanged(int32_t patch);
  void changed();  // after any of the above

 private:
  QString runId_;
  QString method_;
  QString point_ = QStringLiteral("input");
  int frame_ = 0;
  QString scoreName_ = QString::fromLatin1(vitcop::trace::kScoreClsAttention);
  OverlayMode mode_ = OverlayMode::KeptPruned;
  int32_t patch_ = -1;
};

}  // namespace vitcop::widgets
