#pragma once
// Colour tables shared by every view and export: a perceptually uniform map for scores (so equal
// score steps look like equal colour steps and the map survives greyscale printing) and a fixed
// qualitative palette for cluster and merge-group labels (so label 3 is the same colour on the
// screen, in the PNG and in the PDF).
#include <QColor>

namespace vitcop::widgets {

// matplotlib's viridis: `t` in [0,1] (clamped; NaN maps to 0) to one of its 256 entries.
QColor viridis(double t);
QColor viridisEntry(int index);  // index clamped to 0..255
int viridisSize();

// A distinct colour per VIC cluster label; -1 (unassigned) is grey, < -1 (none) is invalid.
// Labels beyond the palette wrap around.
QColor clusterColour(int label);
// Colour of the index-th merged group (same palette as clusters).
QColor groupColour(int index);

}  // namespace vitcop::widgets
