#include "app/export/overlay_export.h"

#include <QDateTime>
#include <QPainter>
#include <cmath>
#include <stdexcept>

#include "core/trace/trace_csv.h"
#include "widgets/overlay_renderer.h"

namespace vitcop::exporting {

using vitcop::trace::RunTrace;

QString checkStage(const RunTrace& trace, const std::string& point, int frame) {
  if (!trace.find(point))
    return QStringLiteral("no stage '%1' in the trace (it has %2)")
        .arg(QString::fromStdString(point), QString::fromStdString(trace::pointNames(trace)));
  if (frame < 0 || frame >= trace.geometry.frames)
    return QStringLiteral("no frame %1 in the trace (it has %2)")
        .arg(frame)
        .arg(trace.geometry.frames);
  return QString();
}

QString writeOverlay(const widgets::OverlayScene& scene, const widgets::OverlayOptions& options,
                     const widgets::ExportTarget& target, const QString& appVersion) {
  if (!scene.trace) return QStringLiteral("nothing to export: no run yet");
  const RunTrace& trace = *scene.trace;
  if (const QString bad = checkStage(trace, scene.point, scene.frame); !bad.isEmpty()) return bad;
  widgets::Provenance prov =
      widgets::traceProvenance(trace, QString::fromStdString(scene.point), scene.frame, appVersion);
  prov.set(QStringLiteral("overlay"), widgets::overlayModeKey(options.mode));
  if (options.mode == widgets::OverlayMode::ScoreHeatmap)
    prov.set(QStringLiteral("score"), options.scoreName);
  if (options.mode == widgets::OverlayMode::Difference && scene.compare)
    prov.set(QStringLiteral("compare"), QStringLiteral("%1, budget %2")
                                            .arg(QString::fromStdString(scene.compare->method))
                                            .arg(scene.compare->budget, 0, 'g', 6));
  if (!options.crop.isEmpty())
    prov.set(QStringLiteral("crop"), QStringLiteral("%1,%2,%3,%4")
                                         .arg(options.crop.y())
                                         .arg(options.crop.x())
                                         .arg(options.crop.height())
                                         .arg(options.crop.width()));
  if (!options.title.isEmpty()) prov.title = options.title;
  widgets::OverlayRenderer renderer;
  return widgets::writeExport(target, prov, [&](QPainter& p, const QRectF& r) {
    return renderer.paint(p, r, scene, options);
  });
}

QString writeTraceJson(const RunTrace& trace, const QString& path, bool overwrite) {
  return widgets::writeFileAtomically(path, QByteArray::fromStdString(trace.toJson(1) + "\n"),
                                      overwrite);
}

QString writeStageCsv(const RunTrace& trace, const std::string& point, const QString& path,
                      bool overwrite) {
  if (const QString bad = checkStage(trace, point, 0); !bad.isEmpty()) return bad;
  return widgets::writeFileAtomically(
      path, QByteArray::fromStdString(trace::pointToCsv(trace, point)), overwrite);
}

QString writeFigure(const widgets::FigureSpec& spec, widgets::ExportFormat format,
                    const QString& path, double scale, int dpi, bool overwrite,
                    const QString& appVersion) {
  widgets::FigureRenderer renderer;
  const QSize natural = renderer.naturalSize(spec);
  widgets::ExportTarget target;
  target.path = path;
  target.format = format;
  target.sizePx = QSize(static_cast<int>(std::lround(natural.width() * scale)),
                        static_cast<int>(std::lround(natural.height() * scale)));
  target.dpi = dpi;
  target.overwrite = overwrite;
  widgets::Provenance prov;
  prov.title = spec.title.isEmpty() ? QStringLiteral("ViTCoP figure") : spec.title;
  QStringList stages;
  for (const auto& c : spec.columns)
    stages << QString::fromStdString(c.point);
  prov.set(QStringLiteral("stage"), stages.join(QStringLiteral(", ")));
  prov.set(QStringLiteral("overlay"), widgets::overlayModeKey(spec.overlay.mode));
  for (size_t i = 0; i < spec.rows.size(); ++i) {
    const RunTrace* t = spec.rows[i].trace;
    if (!t) continue;
    // Each row's run in one field: rows differ in method, budget or parameters.
    QStringList params;
    for (const auto& [k, v] : t->params)
      params << QStringLiteral("%1=%2").arg(QString::fromStdString(k), QString::fromStdString(v));
    prov.set(QStringLiteral("row%1").arg(i + 1),
             QStringLiteral("%1; model %2; method %3; budget %4; params %5; question %6; answer %7")
                 .arg(spec.rows[i].label, QString::fromStdString(t->model),
                      QString::fromStdString(t->method), QString::number(t->budget, 'g', 6),
                      params.join(QStringLiteral(", ")), QString::fromStdString(t->question),
                      QString::fromStdString(t->answer)));
  }
  prov.set(QStringLiteral("application"), QStringLiteral("ViTCoP Inspector %1").arg(appVersion));
  prov.set(QStringLiteral("date"), QDateTime::currentDateTimeUtc().toString(Qt::ISODate));
  return widgets::writeExport(
      target, prov, [&](QPainter& p, const QRectF& r) { return renderer.paint(p, r, spec); });
}

}  // namespace vitcop::exporting
