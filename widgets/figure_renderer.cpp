#include "widgets/figure_renderer.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QPainterPath>
#include <algorithm>
#include <cmath>

namespace vitcop::widgets {
namespace {

QFont labelFont(const FigureSpec& s, double scale = 1.0, bool bold = false) {
  QFont f = s.overlay.font;
  f.setPixelSize(std::max(1, static_cast<int>(std::lround(scale * s.layout.fontPx))));
  f.setBold(bold);
  return f;
}

bool hasColourBar(const FigureSpec& s) {
  return s.overlay.mode == OverlayMode::ScoreHeatmap && s.overlay.showColourBar;
}

// Where the parts of the figure go at natural size.
struct Geometry {
  double margin = 0, titleH = 0, headerH = 0, labelW = 0, barBand = 0;
  QSizeF size;
  QRectF cell(const FigureSpec& s, size_t row, size_t col) const {
    const double step = s.layout.cellPx + s.layout.spacingPx;
    return QRectF(margin + labelW + static_cast<double>(col) * step,
                  margin + titleH + headerH + static_cast<double>(row) * step, s.layout.cellPx,
                  s.layout.cellPx);
  }
};

Geometry geometryOf(const FigureSpec& s) {
  Geometry g;
  const double font = s.layout.fontPx;
  g.margin = std::round(0.6 * font);
  g.titleH = s.title.isEmpty() ? 0.0 : std::ceil(2.0 * font);
  bool anyColumnLabel = false;
  for (const auto& c : s.columns)
    anyColumnLabel = anyColumnLabel || !c.label.isEmpty();
  g.headerH = anyColumnLabel ? std::ceil(1.8 * font) : 0.0;
  const QFontMetricsF fm(labelFont(s));
  for (const auto& r : s.rows)
    g.labelW = std::max(g.labelW, std::ceil(fm.horizontalAdvance(r.label)));
  if (g.labelW > 0) g.labelW += std::round(0.8 * font);
  if (hasColourBar(s)) {
    // The bar's band as OverlayRenderer lays it out, next to the last column.
    OverlayOptions o = s.overlay;
    const QRectF probe(0, 0, 1000, 1000);
    const QRectF bar = OverlayRenderer::colourBarRect(probe, o, font, nullptr);
    g.barBand = probe.right() - bar.left() + std::round(0.4 * font);
  }
  const double cols = static_cast<double>(s.columns.size()),
               rows = static_cast<double>(s.rows.size());
  const double gridW = cols * s.layout.cellPx + std::max(0.0, cols - 1) * s.layout.spacingPx;
  const double gridH = rows * s.layout.cellPx + std::max(0.0, rows - 1) * s.layout.spacingPx;
  g.size = QSizeF(2 * g.margin + g.labelW + gridW + g.barBand,
                  2 * g.margin + g.titleH + g.headerH + gridH);
  return g;
}

}  // namespace

QRectF FigureRenderer::cellImageRect(const QRectF& cell, const OverlayScene& scene,
                                     const OverlayOptions& options,
                                     const QPaintDevice* device) const {
  // The picture as OverlayRenderer fits it (crop aspect, margins), shrunk to whole pixels per
  // patch: small figure cells would otherwise show seams where fractional cell edges meet.
  QRectF image = renderer_.layout(cell, scene, options, device).image;
  if (scene.trace && scene.trace->geometry.gridSide > 0) {
    const int g = static_cast<int>(scene.trace->geometry.gridSide);
    const QRect crop =
        options.crop.isEmpty() ? QRect(0, 0, g, g) : options.crop.intersected(QRect(0, 0, g, g));
    const double pitch =
        std::floor(std::min(image.width() / crop.width(), image.height() / crop.height()));
    if (pitch >= 1.0) image.setSize(QSizeF(pitch * crop.width(), pitch * crop.height()));
  }
  const QPointF shift = cell.center() - image.center();
  return image.translated(std::round(shift.x()), std::round(shift.y()));
}

QSize FigureRenderer::naturalSize(const FigureSpec& spec) const {
  const QSizeF s = geometryOf(spec).size;
  return QSize(static_cast<int>(std::ceil(s.width())), static_cast<int>(std::ceil(s.height())));
}

ScoreRange FigureRenderer::sharedScoreRange(const FigureSpec& spec) const {
  if (spec.overlay.fixedScoreRange) return effectiveScoreRange(nullptr, spec.overlay);
  ScoreRange all;
  for (const auto& r : spec.rows)
    for (const auto& c : spec.columns) {
      const auto* point = r.trace ? r.trace->find(c.point) : nullptr;
      const ScoreRange one = effectiveScoreRange(point, spec.overlay);
      if (!one.valid()) continue;
      all.min = all.valid() ? std::min(all.min, one.min) : one.min;
      all.max = all.valid() ? std::max(all.max, one.max) : one.max;
      all.count += one.count;
    }
  return all;
}

int FigureRenderer::paint(QPainter& p, const QRectF& target, const FigureSpec& spec) {
  const Geometry g = geometryOf(spec);
  if (g.size.isEmpty()) return 0;
  p.save();
  const double scale = std::min(target.width() / g.size.width(), target.height() / g.size.height());
  p.translate(target.center().x() - scale * g.size.width() / 2.0,
              target.center().y() - scale * g.size.height() / 2.0);
  p.scale(scale, scale);

  const QColor bg = spec.overlay.background.isValid() ? spec.overlay.background : QColor(Qt::white);
  const QColor ink = inkOn(bg);
  if (bg.alpha() > 0) {
    QPainterPath bgPath;  // a path: <rect> elements are reserved for patch cells
    bgPath.addRect(QRectF(QPointF(0, 0), g.size));
    p.fillPath(bgPath, bg);
  }
  p.setRenderHint(QPainter::TextAntialiasing, true);
  if (!spec.title.isEmpty()) {
    p.setFont(labelFont(spec, 1.2, true));
    p.setPen(ink);
    p.drawText(QRectF(g.margin, g.margin, g.size.width() - 2 * g.margin, g.titleH), Qt::AlignCenter,
               spec.title);
  }

  // Every cell: the overlay without its own decorations, on the shared score range.
  OverlayOptions cellOptions = spec.overlay;
  cellOptions.title.clear();
  cellOptions.showLegend = false;
  cellOptions.showColourBar = false;
  cellOptions.fontPx = spec.layout.fontPx;
  const ScoreRange range = sharedScoreRange(spec);
  if (range.valid()) cellOptions.fixedScoreRange = std::make_pair(range.min, range.max);
  int drawn = 0;
  QPainterPath frames;
  for (size_t r = 0; r < spec.rows.size(); ++r) {
    const FigureRow& row = spec.rows[r];
    for (size_t c = 0; c < spec.columns.size(); ++c) {
      const OverlayScene scene{row.image, row.trace, nullptr, spec.columns[c].point, row.frame};
      // The cell's picture as OverlayRenderer fits it (crop aspect, whole pixels) in the cell.
      const QRectF cell = g.cell(spec, r, c);
      const QRectF image = cellImageRect(cell, scene, cellOptions, p.device());
      drawn += renderer_.paintImageLayer(p, image, scene, cellOptions);
      if (spec.layout.frames) frames.addRect(image);
    }
  }
  if (!frames.isEmpty()) {
    p.setRenderHint(QPainter::Antialiasing, true);
    p.strokePath(frames, QPen(ink, 1.0));
  }

  p.setFont(labelFont(spec));
  p.setPen(ink);
  for (size_t c = 0; c < spec.columns.size(); ++c) {
    const QRectF cell = g.cell(spec, 0, c);
    p.drawText(QRectF(cell.left(), g.margin + g.titleH, cell.width(), g.headerH),
               Qt::AlignHCenter | Qt::AlignVCenter, spec.columns[c].label);
  }
  for (size_t r = 0; r < spec.rows.size(); ++r) {
    const QRectF cell = g.cell(spec, r, 0);
    p.drawText(QRectF(g.margin, cell.top(), g.labelW - std::round(0.8 * spec.layout.fontPx),
                      cell.height()),
               Qt::AlignRight | Qt::AlignVCenter, spec.rows[r].label);
  }
  if (hasColourBar(spec) && !spec.rows.empty() && !spec.columns.empty()) {
    const QRectF first = g.cell(spec, 0, 0);
    const QRectF last = g.cell(spec, spec.rows.size() - 1, spec.columns.size() - 1);
    const QRectF area(last.right(), first.top() - std::ceil(2.2 * spec.layout.fontPx), g.barBand,
                      last.bottom() - first.top() + std::ceil(2.2 * spec.layout.fontPx));
    const QRectF bar =
        OverlayRenderer::colourBarRect(area, spec.overlay, spec.layout.fontPx, p.device());
    OverlayRenderer::paintColourBar(p, bar, area.right(), range, spec.overlay, spec.layout.fontPx);
  }
  p.restore();
  return drawn;
}

}  // namespace vitcop::widgets
