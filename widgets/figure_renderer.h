#pragma once
// A paper figure: a grid of overlays (rows = runs, e.g. methods or budgets; columns = trace
// points such as "vision" or "llm:2") with row and column labels, optional cell frames and one
// colour bar shared by every heatmap cell. Each cell is drawn by OverlayRenderer's image layer,
// so a figure cell is pixel for pixel what the canvas shows for that run and point.
#include <QImage>
#include <QRectF>
#include <QSize>
#include <QString>
#include <string>
#include <vector>

#include "core/trace/run_trace.h"
#include "widgets/overlay_options.h"
#include "widgets/overlay_renderer.h"

QT_BEGIN_NAMESPACE
class QPainter;
class QPaintDevice;
QT_END_NAMESPACE

namespace vitcop::widgets {

struct FigureRow {
  QString label;
  const vitcop::trace::RunTrace* trace = nullptr;
  QImage image;  // model-input view of `frame`
  int frame = 0;
};

struct FigureColumn {
  QString label;
  std::string point;  // "input", "vision", "llm:N"
};

struct FigureLayout {
  int cellPx = 240;    // side of one cell
  int spacingPx = 8;   // between cells
  double fontPx = 14;  // labels; the title is 1.2x
  bool frames = true;  // a thin outline around every cell
};

struct FigureSpec {
  QString title;  // empty: none
  std::vector<FigureRow> rows;
  std::vector<FigureColumn> columns;
  OverlayOptions overlay;  // mode, score, opacity, crop, font, background; showColourBar
  FigureLayout layout;
};

class FigureRenderer {
 public:
  // The size at which cells are exactly layout.cellPx (paint() scales to any other size).
  QSize naturalSize(const FigureSpec& spec) const;
  // The score range all heatmap cells share: the overlay's fixed range, else the union of
  // every cell's own range.
  ScoreRange sharedScoreRange(const FigureSpec& spec) const;
  // Draws the figure fitted (uniformly scaled, centred) into `target`; returns the patch cells
  // drawn over all grid cells.
  int paint(QPainter& painter, const QRectF& target, const FigureSpec& spec);

 private:
  QRectF cellImageRect(const QRectF& cell, const OverlayScene& scene, const OverlayOptions& options,
                       const QPaintDevice* device) const;

  OverlayRenderer renderer_;
};

}  // namespace vitcop::widgets
