#pragma once
// What the overlay shows and how: the one set of knobs shared by the canvas, PNG, SVG and PDF
// export, so an export reproduces what is on screen by copying this struct.
#include <QColor>
#include <QFont>
#include <QRect>
#include <QString>
#include <cstdint>
#include <optional>
#include <utility>

#include "core/trace/run_trace.h"

namespace vitcop::widgets {

enum class OverlayMode {
  KeptPruned,    // pruned patches dimmed and hatched, kept ones clear
  MergedGroups,  // patches carried by one merged token share a colour and an outline
  ScoreHeatmap,  // OverlayOptions::scoreName through viridis, with a colour bar
  Clusters,      // VIC cluster label per patch, centres marked
  Difference,    // two runs at the same point: kept by A only / B only / both
};

// Stable lower-case keys ("kept", "merged", "heatmap", "clusters", "difference") for settings,
// the command line and file names; and back (nullopt for an unknown key).
QString overlayModeKey(OverlayMode mode);
std::optional<OverlayMode> overlayModeFromKey(const QString& key);
// Human-readable, translated name for menus and legends.
QString overlayModeLabel(OverlayMode mode);

struct OverlayOptions {
  OverlayMode mode = OverlayMode::KeptPruned;
  QString scoreName = QString::fromLatin1(vitcop::trace::kScoreClsAttention);
  double opacity = 0.6;       // strength of fills and dimming, 0 (image only) .. 1 (opaque)
  bool showColourBar = true;  // heatmap only
  bool showLegend = true;
  QString title;                // empty: no title band
  int32_t highlightPatch = -1;  // global patch id outlined on top; -1: none
  // Family/weight of title, legend and ticks; the renderer derives pixel sizes from the target
  // size so a 4000 px export is not captioned in 9 px text.
  QFont font;
  // Behind image and decorations; invalid: white for exports, the palette's base for the canvas.
  QColor background;
  // Text size in target units; 0: derived from the target size. Figures set it so every cell
  // and label of a grid shares one size.
  double fontPx = 0.0;
  // Heatmap colours and colour bar over this [min, max] instead of the point's own range, so
  // the cells of a figure share one colour bar.
  std::optional<std::pair<double, double>> fixedScoreRange;
  // Export only these patches: x = first column, y = first row, width/height in patches (whole
  // patches, so every drawn cell is complete). Empty: the whole grid.
  QRect crop;
};

}  // namespace vitcop::widgets
