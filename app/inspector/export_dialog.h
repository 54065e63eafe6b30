#pragma once
// File → Export (Ctrl+E): the current overlay exactly as the canvas draws it (same scene, same
// options, same renderer) as PNG, SVG or PDF with its provenance, or the run's trace as JSON or
// the current stage as CSV. Size, density, title, colour bar, legend and a crop to whole patches
// are chosen here; an existing file is replaced only after the user confirms.
#include <QDialog>
#include <QImage>
#include <functional>
#include <memory>

#include "core/trace/run_trace.h"
#include "widgets/overlay_options.h"
#include "widgets/overlay_renderer.h"

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QLineEdit;
class QSpinBox;
QT_END_NAMESPACE

namespace vitcop::inspector {

class ExportDialog : public QDialog {
  Q_OBJECT
 public:
  enum class Kind { Png, Svg, Pdf, TraceJson, StageCsv };

  // `trace` (and `compare`, difference mode) must outlive the dialog; the scene's pointers are
  // replaced by them.
  ExportDialog(std::shared_ptr<const trace::RunTrace> trace,
               std::shared_ptr<const trace::RunTrace> compare, const widgets::OverlayScene& scene,
               const widgets::OverlayOptions& options, QWidget* parent = nullptr);

  void setPath(const QString& path);
  QString path() const;
  void setKind(Kind kind);
  void setPixelSize(int width, int height);
  void setDpi(int dpi);
  void setTitle(const QString& title);
  void setShowColourBar(bool on);
  void setShowLegend(bool on);
  // Whole patches: first row, first column, rows, columns; rows == 0 exports the whole grid.
  void setCrop(int row, int col, int rows, int cols);

  // Asks whether to replace `path`; the default shows a question box. Tests replace it.
  std::function<bool(const QString& path)> confirmOverwrite;

  // Writes with the current settings. Returns "" on success or the error line (also shown).
  QString exportNow();

  // What exportNow() would draw with (for tests and previews).
  widgets::OverlayOptions exportOptions() const;

 public Q_SLOTS:
  void accept() override;

 private:
  void browse();
  void updateSuffix();

  std::shared_ptr<const trace::RunTrace> trace_;
  std::shared_ptr<const trace::RunTrace> compare_;
  widgets::OverlayScene scene_;
  widgets::OverlayOptions options_;
  QComboBox* kind_;
  QLineEdit* path_;
  QSpinBox* width_;
  QSpinBox* height_;
  QSpinBox* dpi_;
  QLineEdit* title_;
  QCheckBox* colourBar_;
  QCheckBox* legend_;
  QCheckBox* crop_;
  QSpinBox* cropRow_;
  QSpinBox* cropCol_;
  QSpinBox* cropRows_;
  QSpinBox* cropCols_;
};

}  // namespace vitcop::inspector
