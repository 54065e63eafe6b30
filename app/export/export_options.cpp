#include "app/export/export_options.h"

#include <QDir>
#include <QFileInfo>
#include <QFont>
#include <QStringList>
#include <stdexcept>

#include "core/trace/run_trace.h"

namespace vitcop::exporting {

using cli::UsageError;

Output outputFrom(const cli::Args& args, const std::string& option,
                  const std::set<std::string>& allowed) {
  Output out;
  out.path = QString::fromStdString(args.str(option));
  const QFileInfo info(out.path);
  out.format = option == "out" && args.has("format") ? args.str("format")
                                                     : info.suffix().toLower().toStdString();
  if (!allowed.count(out.format)) {
    std::string list;
    for (const auto& f : allowed)
      list += (list.empty() ? "" : ", ") + f;
    if (option == "out" && !args.has("format"))
      throw UsageError("--out " + out.path.toStdString() +
                       ": the suffix names no format; give --format (" + list + ")");
    throw UsageError("--" + (option == "out" ? std::string("format") : option) + " '" +
                     (option == "out" ? out.format : out.path.toStdString()) + "' is not one of " +
                     list);
  }
  if (info.exists() && !args.flag("force"))
    throw std::runtime_error(out.path.toStdString() + " already exists (--force replaces it)");
  const QFileInfo dir(info.absolutePath());
  if (!dir.isDir())
    throw std::runtime_error("cannot write " + out.path.toStdString() + ": no directory " +
                             dir.filePath().toStdString());
  if (!dir.isWritable())
    throw std::runtime_error("cannot write " + out.path.toStdString() + ": directory " +
                             dir.filePath().toStdString() + " is not writable");
  return out;
}

void checkStageName(const std::string& stage) {
  if (stage == "input" || stage == "vision" || trace::llmLayerOf(stage)) return;
  throw UsageError("--stage '" + stage + "' is not a stage name (input, vision, llm:N)");
}

widgets::OverlayOptions overlayOptionsFrom(const cli::Args& args) {
  widgets::OverlayOptions o;
  const std::string mode = args.str("overlay", "kept");
  const auto m = widgets::overlayModeFromKey(QString::fromStdString(mode));
  if (!m || *m == widgets::OverlayMode::Difference)
    throw UsageError("--overlay '" + mode + "' is not one of kept, merged, heatmap, clusters");
  o.mode = *m;
  o.scoreName = QString::fromStdString(args.str("score", trace::kScoreClsAttention));
  o.opacity = args.number("opacity", o.opacity, 0.0, 1.0);
  o.title = QString::fromStdString(args.str("title", ""));
  o.fontPx = args.number("font-size", 0.0, 0.0, 500.0);
  o.showLegend = !args.flag("no-legend");
  o.showColourBar = !args.flag("no-colour-bar");
  // A fixed family (fontconfig falls back when it is missing) keeps exports alike across
  // desktops whose default fonts differ.
  o.font = QFont(QStringLiteral("DejaVu Sans"));
  o.background = Qt::white;
  if (args.has("crop")) {
    const QStringList parts = QString::fromStdString(args.str("crop")).split(QLatin1Char(','));
    int v[4] = {0, 0, 0, 0};
    bool ok = parts.size() == 4;
    for (int i = 0; ok && i < 4; ++i)
      v[i] = parts[i].trimmed().toInt(&ok);
    if (!ok || v[0] < 0 || v[1] < 0 || v[2] < 1 || v[3] < 1)
      throw UsageError("--crop '" + args.str("crop") +
                       "' is not ROW,COL,ROWS,COLS in patches (e.g. 0,0,12,12)");
    o.crop = QRect(v[1], v[0], v[3], v[2]);
  }
  return o;
}

widgets::ExportTarget exportTargetFrom(const cli::Args& args, const Output& out) {
  widgets::ExportTarget t;
  t.path = out.path;
  t.format = *widgets::exportFormatFromKey(QString::fromStdString(out.format));
  const int width = static_cast<int>(args.integer("width", 1024, 16, 20000));
  t.sizePx = QSize(width, static_cast<int>(args.integer("height", width, 16, 20000)));
  t.dpi = static_cast<int>(args.integer("dpi", 96, 1, 4800));
  t.overwrite = args.flag("force");
  return t;
}

}  // namespace vitcop::exporting
