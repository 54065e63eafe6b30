#pragma once
// What `vitcop export`, `vitcop figure` and the inspector's File→Export write: one overlay (PNG,
// SVG, PDF with provenance), the trace as JSON, one stage as CSV, or a figure grid. Every
// function returns "" on success or one line naming the culprit, and writes nothing on failure.
#include <QImage>
#include <QString>
#include <string>

#include "core/trace/run_trace.h"
#include "widgets/export_writer.h"
#include "widgets/figure_renderer.h"
#include "widgets/overlay_options.h"
#include "widgets/overlay_renderer.h"

namespace vitcop::exporting {

// "" when `point` is a stage of `trace` (and `frame` one of its frames), else a line listing
// the stages it has.
QString checkStage(const vitcop::trace::RunTrace& trace, const std::string& point, int frame);

// `scene` (trace required) through OverlayRenderer::paint, provenance from the trace (and the
// compared run's, in difference mode) plus the overlay mode, score and crop.
QString writeOverlay(const widgets::OverlayScene& scene, const widgets::OverlayOptions& options,
                     const widgets::ExportTarget& target, const QString& appVersion);

QString writeTraceJson(const vitcop::trace::RunTrace& trace, const QString& path, bool overwrite);
QString writeStageCsv(const vitcop::trace::RunTrace& trace, const std::string& point,
                      const QString& path, bool overwrite);

// A figure at `scale` times its natural size (FigureRenderer::naturalSize), provenance listing
// every row's run.
QString writeFigure(const widgets::FigureSpec& spec, widgets::ExportFormat format,
                    const QString& path, double scale, int dpi, bool overwrite,
                    const QString& appVersion);

}  // namespace vitcop::exporting
