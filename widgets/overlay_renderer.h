#pragma once
// The single drawing path for patch overlays. The canvas, PNG, SVG and PDF export all call
// paint() (or its two halves) with a QPainter on their own device, so what is exported is what
// was on screen. Vector contract: patch cells are the ONLY <rect> elements an SVG export holds,
// one per drawn patch in patch coordinates of the target; backgrounds, swatches, outlines and
// markers are paths and ellipses, so downstream tools can read per-patch geometry back.
#include <QImage>
#include <QRectF>
#include <QSize>
#include <string>

#include "core/trace/run_trace.h"
#include "widgets/overlay_options.h"
#include "widgets/point_patches.h"

QT_BEGIN_NAMESPACE
class QPainter;
class QPaintDevice;
QT_END_NAMESPACE

namespace vitcop::widgets {

// What to draw: one frame of one run at one point (and the run it is compared with).
struct OverlayScene {
  QImage image;  // model-input view of `frame` (shown stretched to the square); null: grey
  const vitcop::trace::RunTrace* trace = nullptr;    // run A; null: the image alone
  const vitcop::trace::RunTrace* compare = nullptr;  // run B, difference mode only
  std::string point = "input";                       // "input", "vision", "llm:N"
  int frame = 0;
};

// Where each part lands inside a target rectangle.
struct OverlayLayout {
  QRectF target;
  QRectF title;      // empty without a title
  QRectF imageArea;  // what is left for the image (the canvas zooms and pans inside it)
  QRectF image;      // the model-input square fitted into imageArea, on whole pixels
  QRectF colourBar;  // the bar itself; empty unless heatmap with showColourBar
  QRectF legend;     // empty without a legend
  double fontPx = 10.0;
};

// The heatmap's score range at `point`: the options' fixed range, else the point's own.
ScoreRange effectiveScoreRange(const vitcop::trace::TracePoint* point,
                               const OverlayOptions& options);
// Text and line colour readable on `background`.
QColor inkOn(const QColor& background);
// Text size for a drawing of `target`: the options' fontPx, else derived from the target size.
double autoFontPx(const QRectF& target, const OverlayOptions& options);

// Colours of the difference overlay (Okabe-Ito, distinguishable with colour-vision deficiency).
QColor diffColourAOnly();
QColor diffColourBOnly();
QColor diffColourBoth();

class OverlayRenderer {
 public:
  // `device` supplies font metrics (null: the screen's).
  OverlayLayout layout(const QRectF& target, const OverlayScene& scene,
                       const OverlayOptions& options, const QPaintDevice* device) const;

  // Background, image with overlay, title, colour bar and legend inside `target`. Returns the
  // number of patch cells drawn (= <rect> elements on an SVG device).
  int paint(QPainter& painter, const QRectF& target, const OverlayScene& scene,
            const OverlayOptions& options);
  // The two halves of paint(), for a view that zooms/pans the image but keeps the decorations
  // in place: the image and its patch overlay into `imageRect` (with a crop: the cropped
  // patches only, as layout() placed them), then the decorations.
  int paintImageLayer(QPainter& painter, const QRectF& imageRect, const OverlayScene& scene,
                      const OverlayOptions& options);
  void paintDecorations(QPainter& painter, const OverlayLayout& layout, const OverlayScene& scene,
                        const OverlayOptions& options) const;

  // A colour bar (with the score name above and min/max ticks right of it) at the right edge of
  // `area`, and its drawing: overlays and figures share both.
  static QRectF colourBarRect(const QRectF& area, const OverlayOptions& options, double fontPx,
                              const QPaintDevice* device);
  static void paintColourBar(QPainter& painter, const QRectF& bar, double right,
                             const ScoreRange& range, const OverlayOptions& options, double fontPx);

  // paint() into a new transparent image of `size` pixels (exports add provenance and write it:
  // widgets/export_writer.h).
  QImage renderImage(const OverlayScene& scene, const OverlayOptions& options, const QSize& size);

 private:
  void drawImage(QPainter& painter, const QRectF& imageRect, const QImage& image);
  // The part `unitSource` (in unit-square terms) of `image` into `rect`, for crops.
  void drawImagePart(QPainter& painter, const QRectF& rect, const QImage& image,
                     const QRectF& unitSource);
  // Dim fill with hatch stripes for pruned cells on raster devices, cached per cell pitch/colour.
  const QImage& hatchTile(double cell, const OverlayOptions& options);

  // Raster paints blit a pre-scaled copy of the frame: smooth scaling 336 -> 1024 px on every
  // point change would eat most of a 16 ms frame. Keyed by image and size, so pixels only
  // depend on (image, target size), never on what was drawn before.
  qint64 cachedKey_ = 0;
  QSize cachedSize_;
  QImage cachedScaled_;
  QImage hatchTile_;
  int hatchPitch_ = 0;
  QRgb hatchDim_ = 0;
  QRgb hatchInk_ = 0;
};

}  // namespace vitcop::widgets
