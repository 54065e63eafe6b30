#include "widgets/overlay_renderer.h"

#include <QCoreApplication>
#include <QFontMetricsF>
#include <QLinearGradient>
#include <QPageSize>
#include <QPainter>
#include <QPainterPath>
#include <QPdfWriter>
#include <QPolygonF>
#include <QSvgGenerator>
#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "widgets/colormap.h"
#include "widgets/patch_layout.h"
#include "widgets/point_patches.h"

namespace vitcop::widgets {
namespace {

using vitcop::trace::RunTrace;
using vitcop::trace::TraceToken;

QString tr(const char* s) {
  return QCoreApplication::translate("OverlayRenderer", s);
}

QColor withAlpha(QColor c, double alpha) {
  c.setAlphaF(static_cast<float>(std::clamp(alpha, 0.0, 1.0)));
  return c;
}

QColor dimColour(const OverlayOptions& o) {
  return withAlpha(Qt::black, o.opacity);
}
QColor hatchColour(const OverlayOptions& o) {
  return withAlpha(QColor(235, 235, 235), 0.8 * o.opacity);
}

bool isRaster(const QPaintDevice* d) {
  const int t = d ? d->devType() : 0;
  return t == QInternal::Image || t == QInternal::Pixmap || t == QInternal::Widget;
}

// Diagonal hatch stripes of one cell as filled polygons: bands |x/w + y/h - k/3| <= halfWidth
// (k = 0..6) cut to the cell. A third of the cell as pitch makes the stripes of neighbouring
// pruned cells join into one hatch, and cutting them to the cell (rather than stroking lines)
// keeps every stripe inside its patch, also on vector devices that cannot clip.
void addHatch(QPainterPath& path, const QRectF& r, double halfWidth) {
  for (int k = 0; k <= 6; ++k) {
    const double lo = k / 3.0 - halfWidth, hi = k / 3.0 + halfWidth;
    // Sutherland-Hodgman on the unit square with the two half-planes of the band.
    std::vector<QPointF> poly = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
    for (int side = 0; side < 2; ++side) {
      const auto inside = [&](const QPointF& q) {
        return side == 0 ? q.x() + q.y() >= lo : q.x() + q.y() <= hi;
      };
      const double c = side == 0 ? lo : hi;
      std::vector<QPointF> out;
      for (size_t i = 0; i < poly.size(); ++i) {
        const QPointF a = poly[i], b = poly[(i + 1) % poly.size()];
        if (inside(a)) out.push_back(a);
        if (inside(a) != inside(b)) {
          const double sa = a.x() + a.y(), sb = b.x() + b.y();
          out.push_back(a + (b - a) * ((c - sa) / (sb - sa)));
        }
      }
      poly.swap(out);
    }
    if (poly.size() < 3) continue;
    QPolygonF q;
    for (const auto& v : poly)
      q << QPointF(r.left() + v.x() * r.width(), r.top() + v.y() * r.height());
    path.addPolygon(q);
    path.closeSubpath();
  }
}

// Half-width of hatch stripes (in cell units) for a cell of `side` pixels: about a twelfth of
// the cell, never thinner than a pixel.
double hatchHalfWidth(double side) {
  return std::max(0.06, 0.75 / std::max(side, 1.0));
}

void addMarker(QPainter& p, const QRectF& cell, double radiusFraction, const QColor& fill,
               const QColor& line, double lineWidth) {
  const double r = radiusFraction * std::min(cell.width(), cell.height());
  p.setPen(QPen(line, lineWidth));
  p.setBrush(fill.isValid() ? QBrush(fill) : QBrush(Qt::NoBrush));
  p.drawEllipse(cell.center(), r, r);
}

// Legend entries depend on mode and counts in the current frame.
struct LegendItem {
  enum Kind { Clear, Swatch, Hatched, Dot, Ring };
  Kind kind;
  QColor colour;
  QString text;
};

std::vector<LegendItem> legendItems(const OverlayScene& s, const OverlayOptions& o) {
  std::vector<LegendItem> items;
  if (!s.trace) return items;
  const PointPatches a(*s.trace, s.point, s.frame);
  const int pruned = a.size() - a.aliveCount();
  const auto prunedItem = [&] {
    return LegendItem{LegendItem::Hatched, dimColour(o), tr("pruned (%1)").arg(pruned)};
  };
  switch (o.mode) {
    case OverlayMode::KeptPruned:
      items.push_back({LegendItem::Clear, QColor(), tr("kept (%1)").arg(a.aliveCount())});
      items.push_back({LegendItem::Hatched, dimColour(o), tr("pruned (%1)").arg(pruned)});
      break;
    case OverlayMode::MergedGroups: {
      int groups = 0;
      if (a.point())
        for (const auto& t : a.point()->tokens)
          groups += t.patches.size() > 1 ? 1 : 0;
      items.push_back({LegendItem::Swatch, withAlpha(groupColour(0), o.opacity),
                       tr("merged groups (%1)").arg(groups)});
      items.push_back({LegendItem::Dot, Qt::white, tr("representative")});
      items.push_back(prunedItem());
      break;
    }
    case OverlayMode::ScoreHeatmap:
      items.push_back(prunedItem());
      break;
    case OverlayMode::Clusters: {
      std::map<int, int> perLabel;  // label -> patches in this frame
      for (int i = 0; i < a.size(); ++i)
        if (const TraceToken* t = a.token(i); t && t->cluster >= -1) ++perLabel[t->cluster];
      constexpr int kMaxShown = 12;
      int shown = 0;
      for (const auto& [label, count] : perLabel) {
        if (shown++ == kMaxShown) {
          items.push_back({LegendItem::Clear, QColor(),
                           tr("+%1 more").arg(static_cast<int>(perLabel.size()) - kMaxShown)});
          break;
        }
        const QString name = label == -1 ? tr("unassigned") : tr("cluster %1").arg(label);
        items.push_back({LegendItem::Swatch, withAlpha(clusterColour(label), o.opacity),
                         QStringLiteral("%1 (%2)").arg(name).arg(count)});
      }
      items.push_back({LegendItem::Ring, QColor(), tr("centre")});
      items.push_back(prunedItem());
      break;
    }
    case OverlayMode::Difference: {
      const PointPatches b =
          s.compare ? PointPatches(*s.compare, s.point, s.frame) : PointPatches();
      const DiffCounts c = differenceCounts(a, b);
      items.push_back({LegendItem::Swatch, withAlpha(diffColourAOnly(), o.opacity),
                       tr("A only (%1)").arg(c.aOnly)});
      items.push_back({LegendItem::Swatch, withAlpha(diffColourBOnly(), o.opacity),
                       tr("B only (%1)").arg(c.bOnly)});
      items.push_back({LegendItem::Swatch, withAlpha(diffColourBoth(), o.opacity),
                       tr("both (%1)").arg(c.both)});
      items.push_back({LegendItem::Hatched, dimColour(o), tr("neither (%1)").arg(c.neither)});
      break;
    }
  }
  return items;
}

// Flows legend items into rows of `width`; returns each item's box relative to the legend's
// top-left and the total height.
struct LegendFlow {
  std::vector<QRectF> boxes;
  double height = 0.0;
};

LegendFlow flowLegend(const std::vector<LegendItem>& items, double width, const QFontMetricsF& fm,
                      double fontPx) {
  LegendFlow f;
  const double rowH = 1.5 * fontPx, swatch = fontPx, gap = 0.4 * fontPx, spacing = 1.2 * fontPx;
  double x = 0.0, y = 0.0;
  for (const auto& it : items) {
    const double w = swatch + gap + fm.horizontalAdvance(it.text);
    if (x > 0.0 && x + w > width) {
      x = 0.0;
      y += rowH;
    }
    f.boxes.emplace_back(x, y, w, rowH);
    x += w + spacing;
  }
  f.height = items.empty() ? 0.0 : y + rowH;
  return f;
}

QFont sizedFont(const OverlayOptions& o, double px, bool bold = false) {
  QFont f = o.font;
  f.setPixelSize(std::max(1, static_cast<int>(std::lround(px))));
  f.setBold(bold);
  return f;
}

QString scoreLabel(double v) {
  return QString::number(v, 'g', 4);
}

// The crop clamped to the trace's grid; empty when there is no crop (or nothing to crop).
QRect effectiveCrop(const OverlayScene& s, const OverlayOptions& o) {
  if (o.crop.isEmpty() || !s.trace || s.trace->geometry.gridSide <= 0) return QRect();
  const int g = static_cast<int>(s.trace->geometry.gridSide);
  return o.crop.intersected(QRect(0, 0, g, g));
}

}  // namespace

ScoreRange effectiveScoreRange(const vitcop::trace::TracePoint* point, const OverlayOptions& o) {
  if (o.fixedScoreRange) {
    ScoreRange r;
    r.min = o.fixedScoreRange->first;
    r.max = o.fixedScoreRange->second;
    r.count = 1;
    return r;
  }
  return point ? scoreRange(*point, o.scoreName.toStdString()) : ScoreRange();
}

QColor inkOn(const QColor& background) {
  return background.lightnessF() > 0.5 ? QColor(20, 20, 20) : QColor(235, 235, 235);
}

double autoFontPx(const QRectF& target, const OverlayOptions& o) {
  if (o.fontPx > 0.0) return o.fontPx;
  return std::clamp(std::min(target.width(), target.height()) / 36.0, 8.0, 32.0);
}

QColor diffColourAOnly() {
  return QColor(0xd5, 0x5e, 0x00);
}
QColor diffColourBOnly() {
  return QColor(0x00, 0x72, 0xb2);
}
QColor diffColourBoth() {
  return QColor(0x00, 0x9e, 0x73);
}

OverlayLayout OverlayRenderer::layout(const QRectF& target, const OverlayScene& s,
                                      const OverlayOptions& o, const QPaintDevice* device) const {
  OverlayLayout l;
  l.target = target;
  l.fontPx = autoFontPx(target, o);
  const double margin = std::round(0.5 * l.fontPx);
  QRectF r = target.adjusted(margin, margin, -margin, -margin);

  if (!o.title.isEmpty()) {
    const double h = std::ceil(1.8 * l.fontPx);
    l.title = QRectF(r.left(), r.top(), r.width(), h);
    r.setTop(r.top() + h);
  }
  if (o.showLegend) {
    const QFontMetricsF fm(sizedFont(o, l.fontPx), const_cast<QPaintDevice*>(device));
    const auto flow = flowLegend(legendItems(s, o), r.width(), fm, l.fontPx);
    if (flow.height > 0.0) {
      const double h = std::ceil(flow.height + 0.3 * l.fontPx);
      l.legend = QRectF(r.left(), r.bottom() - flow.height, r.width(), flow.height);
      r.setBottom(r.bottom() - h);
    }
  }
  if (o.mode == OverlayMode::ScoreHeatmap && o.showColourBar) {
    l.colourBar = colourBarRect(r, o, l.fontPx, device);
    r.setRight(l.colourBar.left() - 2.0 * std::round(0.4 * l.fontPx));  // gap each side
  }
  l.imageArea = r;
  // The model input is square (a crop has whole square patches); fit it on whole pixels so
  // raster output has crisp patch edges.
  const QRect crop = effectiveCrop(s, o);
  const double aspect = crop.isEmpty() ? 1.0 : static_cast<double>(crop.width()) / crop.height();
  const double w = std::floor(std::max(0.0, std::min(r.width(), r.height() * aspect)));
  const double h = std::floor(w / aspect);
  l.image =
      QRectF(std::round(r.center().x() - w / 2.0), std::round(r.center().y() - h / 2.0), w, h);
  return l;
}

int OverlayRenderer::paint(QPainter& p, const QRectF& target, const OverlayScene& s,
                           const OverlayOptions& o) {
  const OverlayLayout l = layout(target, s, o, p.device());
  const QColor bg = o.background.isValid() ? o.background : QColor(Qt::white);
  if (bg.alpha() > 0) {
    // A path, not a rect: <rect> elements are reserved for patch cells in vector output.
    QPainterPath bgPath;
    bgPath.addRect(target);
    p.fillPath(bgPath, bg);
  }
  const int drawn = paintImageLayer(p, l.image, s, o);
  paintDecorations(p, l, s, o);
  return drawn;
}

void OverlayRenderer::drawImage(QPainter& p, const QRectF& rect, const QImage& image) {
  if (image.isNull()) {
    QPainterPath path;
    path.addRect(rect);
    p.fillPath(path, QColor(128, 128, 128));
    return;
  }
  // On high-DPI screens scale to device pixels so the frame stays sharp.
  const qreal dpr = p.device() ? p.device()->devicePixelRatio() : 1.0;
  const QSize size = (rect.size() * dpr).toSize();
  const bool blit = isRaster(p.device()) && p.transform().type() <= QTransform::TxTranslate &&
                    size.width() > 0 && size.height() > 0 && size.width() <= 4096 &&
                    size.height() <= 4096;
  if (!blit) {
    // Vector devices embed the original pixels (the viewer scales them); huge zooms let the
    // raster engine scale only the visible part.
    p.setRenderHint(QPainter::SmoothPixmapTransform, true);
    p.drawImage(rect, image);
    return;
  }
  if (cachedKey_ != image.cacheKey() || cachedSize_ != size) {
    cachedScaled_ = image.size() == size
                        ? image
                        : image.scaled(size, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    cachedScaled_.setDevicePixelRatio(dpr);
    cachedKey_ = image.cacheKey();
    cachedSize_ = size;
  }
  p.drawImage(QPointF(std::round(rect.left()), std::round(rect.top())), cachedScaled_);
}

const QImage& OverlayRenderer::hatchTile(double cell, const OverlayOptions& o) {
  // Stripes repeat every third of a cell along each axis, so a 3x3-pitch tile is seamless.
  const int pitch = std::max(2, static_cast<int>(std::lround(cell / 3.0)));
  const QRgb dim = dimColour(o).rgba(), ink = hatchColour(o).rgba();
  if (hatchTile_.isNull() || hatchPitch_ != pitch || hatchDim_ != dim || hatchInk_ != ink) {
    const int side = 3 * pitch;
    hatchTile_ = QImage(side, side, QImage::Format_ARGB32_Premultiplied);
    hatchTile_.fill(dimColour(o));
    QPainter tp(&hatchTile_);
    tp.setRenderHint(QPainter::Antialiasing, true);
    QPainterPath stripes;
    addHatch(stripes, QRectF(0, 0, side, side), hatchHalfWidth(cell));
    tp.fillPath(stripes, hatchColour(o));
    hatchPitch_ = pitch;
    hatchDim_ = dim;
    hatchInk_ = ink;
  }
  return hatchTile_;
}

int OverlayRenderer::paintImageLayer(QPainter& p, const QRectF& visibleRect, const OverlayScene& s,
                                     const OverlayOptions& o) {
  p.save();
  const QRect crop = effectiveCrop(s, o);
  // With a crop, `visibleRect` holds only the cropped patches: the whole square lies around it.
  QRectF imageRect = visibleRect;
  if (!crop.isEmpty()) {
    const PatchLayout unit(s.trace->geometry, QRectF(0, 0, 1, 1));
    const QRectF c = unit.cellRect(crop.top(), crop.left()) |
                     unit.cellRect(crop.bottom(), crop.right());  // crop in unit-square terms
    const double sx = visibleRect.width() / c.width(), sy = visibleRect.height() / c.height();
    imageRect =
        QRectF(visibleRect.left() - c.left() * sx, visibleRect.top() - c.top() * sy, sx, sy);
    drawImagePart(p, visibleRect, s.image, c);
  } else {
    drawImage(p, imageRect, s.image);
  }
  if (!s.trace || s.trace->geometry.gridSide <= 0 || imageRect.isEmpty()) {
    p.restore();
    return 0;
  }
  const PatchLayout grid(s.trace->geometry, imageRect);
  const PointPatches a(*s.trace, s.point, s.frame);
  const int g = grid.gridSide();
  const auto inCrop = [&](int local) {
    return crop.isEmpty() || crop.contains(local % g, local / g);
  };
  const double cell = std::min(grid.cellRect(0, 0).width(), grid.cellRect(0, 0).height());
  const auto rectOf = [&](int local) { return grid.cellRect(local / g, local % g); };

  // Cells without antialiasing so neighbours tile without seams; one drawRect per drawn patch.
  int drawn = 0;
  p.setPen(Qt::NoPen);
  p.setRenderHint(QPainter::Antialiasing, false);
  const auto fillCell = [&](int local, const QBrush& c) {
    if (!inCrop(local)) return;
    p.setBrush(c);
    p.drawRect(rectOf(local));
    ++drawn;
  };
  // Pruned cells look the same in every mode (dimmed and hatched), so "pruned" never reads as a
  // low score or a dark cluster colour.
  //
  // Raster devices stamp a cached dim+hatch texture in the cell's single drawRect: filling the
  // stripes as anti-aliased polygons costs ~100 ms for a 24x24 grid at 1024 px, far over the
  // 16 ms a scrub step may take. Vector devices cannot carry textures (QSvgGenerator drops
  // them), so they get the dim rect plus the stripes as polygons of the same pitch.
  const bool raster = isRaster(p.device());
  QPainterPath hatch;
  QBrush prunedBrush(dimColour(o));
  if (raster) {
    prunedBrush = QBrush(hatchTile(cell, o));
    p.setBrushOrigin(imageRect.topLeft());
  }
  const auto prune = [&](int local) {
    if (!inCrop(local)) return;
    fillCell(local, prunedBrush);
    if (!raster) addHatch(hatch, rectOf(local), hatchHalfWidth(cell));
  };

  switch (o.mode) {
    case OverlayMode::KeptPruned: {
      for (int i = 0; i < a.size(); ++i)
        if (!a.alive(i)) prune(i);
      break;
    }
    case OverlayMode::MergedGroups: {
      std::vector<int> groupOf(a.point() ? a.point()->tokens.size() : 0, -1);
      int groups = 0;
      for (size_t t = 0; t < groupOf.size(); ++t)
        if (a.point()->tokens[t].patches.size() > 1) groupOf[t] = groups++;
      std::map<int, QPainterPath> outlines;  // group -> boundary edges in this frame
      const double outlineWidth = std::max(1.5, cell / 9.0);
      for (int i = 0; i < a.size(); ++i) {
        if (!a.alive(i)) {
          prune(i);
          continue;
        }
        const int grp = groupOf[static_cast<size_t>(a.tokenIndex(i))];
        if (grp < 0 || !inCrop(i)) continue;
        fillCell(i, withAlpha(groupColour(grp), o.opacity));
        // An edge is on the group's outline when the neighbour across it is another token. The
        // stroke runs half its width inside the cell, so outlines of touching groups sit side by
        // side and none spills over the image border.
        const QRectF r = rectOf(i);
        const double in = outlineWidth / 2.0;
        const int row = i / g, col = i % g;
        const auto other = [&](int rr, int cc) {
          return rr < 0 || cc < 0 || rr >= g || cc >= g ||
                 a.tokenIndex(rr * g + cc) != a.tokenIndex(i);
        };
        QPainterPath& path = outlines[grp];
        if (other(row - 1, col)) {
          path.moveTo(r.left(), r.top() + in);
          path.lineTo(r.right(), r.top() + in);
        }
        if (other(row + 1, col)) {
          path.moveTo(r.left(), r.bottom() - in);
          path.lineTo(r.right(), r.bottom() - in);
        }
        if (other(row, col - 1)) {
          path.moveTo(r.left() + in, r.top());
          path.lineTo(r.left() + in, r.bottom());
        }
        if (other(row, col + 1)) {
          path.moveTo(r.right() - in, r.top());
          path.lineTo(r.right() - in, r.bottom());
        }
      }
      p.setRenderHint(QPainter::Antialiasing, true);
      for (const auto& [grp, path] : outlines)
        p.strokePath(path,
                     QPen(groupColour(grp).darker(160), outlineWidth, Qt::SolidLine, Qt::FlatCap));
      for (int i = 0; i < a.size(); ++i)
        if (a.alive(i) && a.representative(i) && inCrop(i) &&
            groupOf[static_cast<size_t>(a.tokenIndex(i))] >= 0)
          addMarker(p, rectOf(i), 0.2, Qt::white, Qt::black, std::max(1.0, cell / 20.0));
      break;
    }
    case OverlayMode::ScoreHeatmap: {
      const std::string name = o.scoreName.toStdString();
      const ScoreRange range = effectiveScoreRange(a.point(), o);
      for (int i = 0; i < a.size(); ++i) {
        const TraceToken* t = a.token(i);
        if (!t) {
          prune(i);
          continue;
        }
        const auto it = t->scores.find(name);
        if (it == t->scores.end() || !std::isfinite(it->second)) continue;
        fillCell(i, withAlpha(viridis(range.normalise(it->second)), o.opacity));
      }
      break;
    }
    case OverlayMode::Clusters: {
      for (int i = 0; i < a.size(); ++i) {
        const TraceToken* t = a.token(i);
        if (!t)
          prune(i);
        else if (t->cluster >= -1)
          fillCell(i, withAlpha(clusterColour(t->cluster), o.opacity));
      }
      p.setRenderHint(QPainter::Antialiasing, true);
      for (int i = 0; i < a.size(); ++i)
        if (const TraceToken* t = a.token(i);
            t && t->clusterCentre && a.representative(i) && inCrop(i)) {
          // A ring (white over black) reads on every palette colour and on the image.
          addMarker(p, rectOf(i), 0.28, QColor(), Qt::black, std::max(2.0, cell / 7.0));
          addMarker(p, rectOf(i), 0.28, QColor(), Qt::white, std::max(1.0, cell / 14.0));
        }
      break;
    }
    case OverlayMode::Difference: {
      const PointPatches b =
          s.compare ? PointPatches(*s.compare, s.point, s.frame) : PointPatches();
      for (int i = 0; i < a.size(); ++i) {
        switch (diffClass(a, b, i)) {
          case DiffClass::AOnly:
            fillCell(i, withAlpha(diffColourAOnly(), o.opacity));
            break;
          case DiffClass::BOnly:
            fillCell(i, withAlpha(diffColourBOnly(), o.opacity));
            break;
          case DiffClass::Both:
            fillCell(i, withAlpha(diffColourBoth(), o.opacity));
            break;
          case DiffClass::Neither:
            prune(i);
            break;
        }
      }
      break;
    }
  }

  if (!hatch.isEmpty()) {
    p.setRenderHint(QPainter::Antialiasing, true);
    p.fillPath(hatch, hatchColour(o));
  }

  if (o.highlightPatch >= 0 && grid.frameOf(o.highlightPatch) == s.frame &&
      grid.localOf(o.highlightPatch) < grid.patchesPerFrame() &&
      inCrop(grid.localOf(o.highlightPatch))) {
    // Inside the cell, like group outlines: a black rim around a gold ring.
    const double lw = std::max(2.0, cell / 8.0);
    const QRectF r = grid.patchRect(o.highlightPatch);
    const double in = lw / 2 + 1.0;
    QPainterPath ring;
    ring.addRect(r.adjusted(in, in, -in, -in));
    p.setRenderHint(QPainter::Antialiasing, true);
    p.strokePath(ring, QPen(Qt::black, lw + 2.0, Qt::SolidLine, Qt::SquareCap, Qt::MiterJoin));
    p.strokePath(ring, QPen(QColor(255, 215, 0), lw, Qt::SolidLine, Qt::SquareCap, Qt::MiterJoin));
  }
  p.restore();
  return drawn;
}

void OverlayRenderer::paintDecorations(QPainter& p, const OverlayLayout& l, const OverlayScene& s,
                                       const OverlayOptions& o) const {
  p.save();
  p.setRenderHint(QPainter::Antialiasing, true);
  p.setRenderHint(QPainter::TextAntialiasing, true);
  const QColor ink = inkOn(o.background.isValid() ? o.background : QColor(Qt::white));
  const QFont font = sizedFont(o, l.fontPx);

  if (!l.title.isEmpty()) {
    p.setFont(sizedFont(o, 1.2 * l.fontPx, true));
    p.setPen(ink);
    const QFontMetricsF fm(p.font(), p.device());
    p.drawText(l.title, Qt::AlignCenter, fm.elidedText(o.title, Qt::ElideRight, l.title.width()));
  }

  if (!l.colourBar.isEmpty()) {
    const auto* point = s.trace ? s.trace->find(s.point) : nullptr;
    paintColourBar(p, l.colourBar, l.target.right(), effectiveScoreRange(point, o), o, l.fontPx);
  }

  if (!l.legend.isEmpty()) {
    p.setFont(font);
    const QFontMetricsF fm(font, p.device());
    const auto items = legendItems(s, o);
    const auto flow = flowLegend(items, l.legend.width(), fm, l.fontPx);
    const double sw = l.fontPx;
    for (size_t i = 0; i < items.size(); ++i) {
      const QRectF box = flow.boxes[i].translated(l.legend.topLeft());
      const QRectF swatch(box.left(), box.center().y() - sw / 2, sw, sw);
      QPainterPath sp;
      sp.addRect(swatch);
      switch (items[i].kind) {
        case LegendItem::Clear:
          break;
        case LegendItem::Swatch:
          p.fillPath(sp, items[i].colour);
          break;
        case LegendItem::Hatched: {
          p.fillPath(sp, items[i].colour);
          QPainterPath h;
          addHatch(h, swatch, hatchHalfWidth(swatch.width()));
          p.fillPath(h, hatchColour(o));
          break;
        }
        case LegendItem::Dot:
          addMarker(p, swatch, 0.3, Qt::white, Qt::black, 1.0);
          break;
        case LegendItem::Ring:
          addMarker(p, swatch, 0.35, QColor(), Qt::black, 3.0);
          addMarker(p, swatch, 0.35, QColor(), Qt::white, 1.5);
          break;
      }
      if (items[i].kind != LegendItem::Dot && items[i].kind != LegendItem::Ring)
        p.strokePath(sp, QPen(ink, 1.0));
      p.setPen(ink);
      p.drawText(QRectF(swatch.right() + 0.4 * l.fontPx, box.top(), box.width(), box.height()),
                 Qt::AlignLeft | Qt::AlignVCenter, items[i].text);
    }
  }
  p.restore();
}

void OverlayRenderer::paintColourBar(QPainter& p, const QRectF& bar, double right,
                                     const ScoreRange& range, const OverlayOptions& o,
                                     double fontPx) {
  p.save();
  p.setRenderHint(QPainter::Antialiasing, true);
  p.setRenderHint(QPainter::TextAntialiasing, true);
  const QColor ink = inkOn(o.background.isValid() ? o.background : QColor(Qt::white));
  const QFont font = sizedFont(o, fontPx);
  p.setFont(font);
  p.setPen(ink);
  const QFontMetricsF fm(font, p.device());
  p.drawText(QRectF(bar.left(), bar.top() - 2.2 * fontPx, right - bar.left(), 1.4 * fontPx),
             Qt::AlignLeft | Qt::AlignBottom, o.scoreName);
  // 256 stops make the linear gradient reproduce the table exactly, and keep the bar a vector
  // gradient in SVG/PDF instead of an embedded bitmap.
  QLinearGradient grad(bar.bottomLeft(), bar.topLeft());
  for (int i = 0; i < viridisSize(); ++i)
    grad.setColorAt(i / 255.0, viridisEntry(i));
  QPainterPath barPath;
  barPath.addRect(bar);
  p.fillPath(barPath, range.valid() ? QBrush(grad) : QBrush(QColor(200, 200, 200)));
  p.strokePath(barPath, QPen(ink, 1.0));
  const double tick = 0.3 * fontPx, x = bar.right();
  QPainterPath ticks;
  ticks.moveTo(x, bar.top());
  ticks.lineTo(x + tick, bar.top());
  ticks.moveTo(x, bar.bottom());
  ticks.lineTo(x + tick, bar.bottom());
  p.strokePath(ticks, QPen(ink, 1.0));
  const double tx = x + tick + 0.2 * fontPx, tw = right - tx;
  const double th = fm.height();
  if (range.valid()) {
    p.drawText(QRectF(tx, bar.top() - th / 2, tw, th), Qt::AlignLeft | Qt::AlignVCenter,
               scoreLabel(range.max));
    p.drawText(QRectF(tx, bar.bottom() - th / 2, tw, th), Qt::AlignLeft | Qt::AlignVCenter,
               scoreLabel(range.min));
  } else {
    p.drawText(QRectF(tx, bar.center().y() - th / 2, tw, th), Qt::AlignLeft | Qt::AlignVCenter,
               tr("none"));
  }
  p.restore();
}

QRectF OverlayRenderer::colourBarRect(const QRectF& area, const OverlayOptions& o, double fontPx,
                                      const QPaintDevice* device) {
  const QFontMetricsF fm(sizedFont(o, fontPx), const_cast<QPaintDevice*>(device));
  const double bar = std::round(fontPx), gap = std::round(0.4 * fontPx);
  // Room for "-1.234e-05"-like ticks and the score name written above the bar.
  const double labels = fm.horizontalAdvance(QStringLiteral("-8.888e-88"));
  const double caption = fm.horizontalAdvance(o.scoreName);
  const double band = std::ceil(std::max(bar + gap + labels, caption) + gap);
  // Caption row, then half a tick label, so the max label never touches the caption.
  const double top = area.top() + std::ceil(2.2 * fontPx);
  const double bottom = area.bottom() - std::ceil(0.6 * fontPx);
  return QRectF(area.right() - band + gap, top, bar, std::max(0.0, bottom - top));
}

void OverlayRenderer::drawImagePart(QPainter& p, const QRectF& rect, const QImage& image,
                                    const QRectF& unitSource) {
  if (image.isNull()) {
    drawImage(p, rect, image);
    return;
  }
  const QRectF source(unitSource.left() * image.width(), unitSource.top() * image.height(),
                      unitSource.width() * image.width(), unitSource.height() * image.height());
  p.setRenderHint(QPainter::SmoothPixmapTransform, true);
  p.drawImage(rect, image, source);
}

QImage OverlayRenderer::renderImage(const OverlayScene& s, const OverlayOptions& o,
                                    const QSize& size) {
  QImage img(size, QImage::Format_ARGB32_Premultiplied);
  img.fill(Qt::transparent);
  QPainter p(&img);
  paint(p, QRectF(QPointF(0, 0), QSizeF(size)), s, o);
  p.end();
  return img;
}

}  // namespace vitcop::widgets
