#pragma once
// Writes one drawing to a PNG, SVG or PDF file with its provenance embedded, atomically: the
// drawing is a callback (OverlayRenderer::paint or FigureRenderer::paint), so every format gets
// the same QPainter calls and exports stay what the screen shows. A failed or refused write
// leaves no file behind (QSaveFile), and an existing file is replaced only when asked.
//
// Provenance: PNG text chunks (one per key), SVG <title>, <desc> (every key as "key: value"
// lines) and <metadata> (one <vitcop:KEY> element per key), PDF title, creator and XMP metadata
// (dc:title, dc:description, and one vitcop:KEY property per key).
#include <QImage>
#include <QRectF>
#include <QSize>
#include <QString>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "core/trace/run_trace.h"

QT_BEGIN_NAMESPACE
class QIODevice;
class QPainter;
QT_END_NAMESPACE

namespace vitcop::widgets {

// Ordered key/value pairs describing what a picture shows and how it was made. Keys are plain
// lower-case ASCII words ("model", "method", ...) so they are valid XML names and PNG keywords.
struct Provenance {
  QString title;
  std::vector<std::pair<QString, QString>> fields;

  void set(const QString& key, const QString& value);
  QString value(const QString& key) const;  // "" when absent
  QString text() const;                     // "key: value" lines
};

// model, method, params, budget, equivalent_tokens, stage (the point, e.g. "llm:2"), frame,
// question, answer, inputs, application ("ViTCoP Inspector <version>") and date (UTC, ISO 8601).
Provenance traceProvenance(const vitcop::trace::RunTrace& trace, const QString& point, int frame,
                           const QString& appVersion);

enum class ExportFormat { Png, Svg, Pdf };
QString exportFormatKey(ExportFormat format);  // "png", "svg", "pdf"
std::optional<ExportFormat> exportFormatFromKey(const QString& key);
std::optional<ExportFormat> exportFormatForPath(const QString& path);  // by suffix

// Draws into `target` on the painter's device; returns the patch cells drawn.
using PaintFunction = std::function<int(QPainter& painter, const QRectF& target)>;

struct ExportTarget {
  QString path;
  ExportFormat format = ExportFormat::Png;
  QSize sizePx{1024, 1024};  // pixels; SVG user units; PDF page = sizePx at `dpi`
  int dpi = 96;              // PNG density, SVG and PDF physical size
  bool overwrite = false;    // replace an existing file
};

// The three devices, for callers that write elsewhere than a file (tests, clipboards).
QImage paintPng(const ExportTarget& target, const Provenance& provenance,
                const PaintFunction& paint);
bool paintSvg(QIODevice* out, const ExportTarget& target, const Provenance& provenance,
              const PaintFunction& paint);
bool paintPdf(QIODevice* out, const ExportTarget& target, const Provenance& provenance,
              const PaintFunction& paint);

// Writes target.path. Returns "" on success, else one line naming the file and the reason
// (exists without overwrite, unwritable, empty size); nothing is written then.
QString writeExport(const ExportTarget& target, const Provenance& provenance,
                    const PaintFunction& paint);
// Writes `bytes` to `path` the same way (trace JSON and CSV exports).
QString writeFileAtomically(const QString& path, const QByteArray& bytes, bool overwrite);

}  // namespace vitcop::widgets
