#include "widgets/overlay_options.h"

#include <QCoreApplication>

namespace vitcop::widgets {
namespace {
QString tr(const char* s) {
  return QCoreApplication::translate("OverlayMode", s);
}
}  // namespace

QString overlayModeKey(OverlayMode mode) {
  switch (mode) {
    case OverlayMode::KeptPruned:
      return QStringLiteral("kept");
    case OverlayMode::MergedGroups:
      return QStringLiteral("merged");
    case OverlayMode::ScoreHeatmap:
      return QStringLiteral("heatmap");
    case OverlayMode::Clusters:
      return QStringLiteral("clusters");
    case OverlayMode::Difference:
      return QStringLiteral("difference");
  }
  return QString();
}

std::optional<OverlayMode> overlayModeFromKey(const QString& key) {
  for (auto m : {OverlayMode::KeptPruned, OverlayMode::MergedGroups, OverlayMode::ScoreHeatmap,
                 OverlayMode::Clusters, OverlayMode::Difference})
    if (overlayModeKey(m) == key) return m;
  return std::nullopt;
}

QString overlayModeLabel(OverlayMode mode) {
  switch (mode) {
    case OverlayMode::KeptPruned:
      return tr("Kept / pruned");
    case OverlayMode::MergedGroups:
      return tr("Merged groups");
    case OverlayMode::ScoreHeatmap:
      return tr("Score heatmap");
    case OverlayMode::Clusters:
      return tr("Clusters");
    case OverlayMode::Difference:
      return tr("Difference A/B");
  }
  return QString();
}

}  // namespace vitcop::widgets
