#include "widgets/export_writer.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QDateTime>
#include <QFileInfo>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>
#include <QSvgGenerator>
#include <cmath>

namespace vitcop::widgets {
namespace {

// Namespace of the <metadata> elements and XMP properties: versioned like the trace schema.
constexpr const char* kProvenanceNs = "urn:vitcop-inspector:provenance:1";

QString tr(const char* s) {
  return QCoreApplication::translate("ExportWriter", s);
}

QString number(double v) {
  return QString::number(v, 'g', 6);
}

QString xml(const QString& s) {
  return s.toHtmlEscaped();
}

// <vitcop:KEY>value</vitcop:KEY> for every field, one per line.
QString xmlFields(const Provenance& p) {
  QString out;
  for (const auto& [k, v] : p.fields)
    out += QStringLiteral("<vitcop:%1>%2</vitcop:%1>\n").arg(k, xml(v));
  return out;
}

QByteArray xmpPacket(const Provenance& p) {
  const QString alt =
      QStringLiteral("<rdf:Alt><rdf:li xml:lang=\"x-default\">%1</rdf:li></rdf:Alt>");
  QString s = QStringLiteral(
                  "<?xpacket begin=\"\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
                  "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
                  "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
                  "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
                  "xmlns:vitcop=\"%1\">\n")
                  .arg(QLatin1String(kProvenanceNs));
  s += QStringLiteral("<dc:title>%1</dc:title>\n").arg(alt.arg(xml(p.title)));
  s += QStringLiteral("<dc:description>%1</dc:description>\n").arg(alt.arg(xml(p.text())));
  s += xmlFields(p);
  s += QStringLiteral("</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>");
  return s.toUtf8();
}

bool validSize(const QSize& s) {
  constexpr int kMaxSide = 20000;  // 20k px: a poster at 600 dpi; more is a typo
  return s.width() > 0 && s.height() > 0 && s.width() <= kMaxSide && s.height() <= kMaxSide;
}

}  // namespace

void Provenance::set(const QString& key, const QString& value) {
  for (auto& [k, v] : fields)
    if (k == key) {
      v = value;
      return;
    }
  fields.emplace_back(key, value);
}

QString Provenance::value(const QString& key) const {
  for (const auto& [k, v] : fields)
    if (k == key) return v;
  return QString();
}

QString Provenance::text() const {
  QStringList lines;
  for (const auto& [k, v] : fields)
    lines << QStringLiteral("%1: %2").arg(k, v);
  return lines.join(QLatin1Char('\n'));
}

Provenance traceProvenance(const vitcop::trace::RunTrace& t, const QString& point, int frame,
                           const QString& appVersion) {
  Provenance p;
  QStringList params;
  for (const auto& [k, v] : t.params)
    params << QStringLiteral("%1=%2").arg(QString::fromStdString(k), QString::fromStdString(v));
  QStringList inputs;
  for (const auto& in : t.inputs)
    inputs << QString::fromStdString(in);
  p.title = QStringLiteral("%1 at %2").arg(QString::fromStdString(t.method), point);
  p.set(QStringLiteral("model"), QString::fromStdString(t.model));
  p.set(QStringLiteral("method"), QString::fromStdString(t.method));
  p.set(QStringLiteral("params"), params.join(QStringLiteral(", ")));
  p.set(QStringLiteral("budget"), number(t.budget));
  p.set(QStringLiteral("equivalent_tokens"), number(t.equivalentTokens));
  p.set(QStringLiteral("stage"), point);
  p.set(QStringLiteral("frame"), QString::number(frame));
  p.set(QStringLiteral("inputs"), inputs.join(QStringLiteral(", ")));
  p.set(QStringLiteral("question"), QString::fromStdString(t.question));
  p.set(QStringLiteral("answer"), QString::fromStdString(t.answer));
  p.set(QStringLiteral("application"), QStringLiteral("ViTCoP Inspector %1").arg(appVersion));
  p.set(QStringLiteral("date"), QDateTime::currentDateTimeUtc().toString(Qt::ISODate));
  return p;
}

QString exportFormatKey(ExportFormat f) {
  switch (f) {
    case ExportFormat::Png:
      return QStringLiteral("png");
    case ExportFormat::Svg:
      return QStringLiteral("svg");
    case ExportFormat::Pdf:
      return QStringLiteral("pdf");
  }
  return QString();
}

std::optional<ExportFormat> exportFormatFromKey(const QString& key) {
  for (auto f : {ExportFormat::Png, ExportFormat::Svg, ExportFormat::Pdf})
    if (exportFormatKey(f) == key.toLower()) return f;
  return std::nullopt;
}

std::optional<ExportFormat> exportFormatForPath(const QString& path) {
  return exportFormatFromKey(QFileInfo(path).suffix());
}

QImage paintPng(const ExportTarget& t, const Provenance& prov, const PaintFunction& paint) {
  QImage img(t.sizePx, QImage::Format_ARGB32_Premultiplied);
  img.fill(Qt::transparent);
  const int dpm = static_cast<int>(std::lround(t.dpi / 0.0254));
  img.setDotsPerMeterX(dpm);
  img.setDotsPerMeterY(dpm);
  {
    QPainter p(&img);
    paint(p, QRectF(QPointF(0, 0), QSizeF(t.sizePx)));
  }
  // Registered PNG keywords first (viewers show them), then every field under its own key.
  img.setText(QStringLiteral("Title"), prov.title);
  img.setText(QStringLiteral("Description"), prov.text());
  img.setText(QStringLiteral("Software"), prov.value(QStringLiteral("application")));
  img.setText(QStringLiteral("Creation Time"), prov.value(QStringLiteral("date")));
  for (const auto& [k, v] : prov.fields)
    img.setText(k, v);
  return img;
}

bool paintSvg(QIODevice* out, const ExportTarget& t, const Provenance& prov,
              const PaintFunction& paint) {
  QBuffer buffer;
  buffer.open(QIODevice::WriteOnly);
  QSvgGenerator gen;
  gen.setOutputDevice(&buffer);
  gen.setSize(t.sizePx);
  gen.setViewBox(QRect(QPoint(0, 0), t.sizePx));
  gen.setResolution(t.dpi);
  // Qt 6.4 writes both verbatim into the XML: escape them here.
  gen.setTitle(xml(prov.title));
  gen.setDescription(xml(prov.text()));
  QPainter p;
  if (!p.begin(&gen)) return false;
  paint(p, QRectF(QPointF(0, 0), QSizeF(t.sizePx)));
  if (!p.end()) return false;
  // QSvgGenerator writes no <metadata>: add one, machine-readable per key, as the first child of
  // <svg> (right after its start tag).
  QByteArray svg = buffer.data();
  const int at = static_cast<int>(svg.indexOf('>', svg.indexOf("<svg")));
  if (at < 0) return false;
  const QString meta = QStringLiteral(
                           "\n<metadata><vitcop:provenance xmlns:vitcop=\"%1\">\n%2"
                           "</vitcop:provenance></metadata>")
                           .arg(QLatin1String(kProvenanceNs), xmlFields(prov));
  svg.insert(at + 1, meta.toUtf8());
  return out->write(svg) == svg.size();
}

bool paintPdf(QIODevice* out, const ExportTarget& t, const Provenance& prov,
              const PaintFunction& paint) {
  QPdfWriter writer(out);
  writer.setCreator(prov.value(QStringLiteral("application")));
  writer.setTitle(prov.title);
  writer.setDocumentXmpMetadata(xmpPacket(prov));
  const QSizeF points(t.sizePx.width() * 72.0 / t.dpi, t.sizePx.height() * 72.0 / t.dpi);
  writer.setPageSize(QPageSize(points, QPageSize::Point, QString(), QPageSize::ExactMatch));
  writer.setPageMargins(QMarginsF(0, 0, 0, 0));
  writer.setResolution(t.dpi);  // one device unit per exported pixel: the PNG's layout
  QPainter p;
  if (!p.begin(&writer)) return false;
  // Pages are whole points: stretch the pixel layout over the (rounded) page.
  p.scale(writer.width() / static_cast<double>(t.sizePx.width()),
          writer.height() / static_cast<double>(t.sizePx.height()));
  paint(p, QRectF(QPointF(0, 0), QSizeF(t.sizePx)));
  return p.end();
}

QString writeExport(const ExportTarget& t, const Provenance& prov, const PaintFunction& paint) {
  if (!validSize(t.sizePx))
    return tr("%1: size %2x%3 is not a picture size (1..20000 pixels a side)")
        .arg(t.path)
        .arg(t.sizePx.width())
        .arg(t.sizePx.height());
  if (t.dpi < 1 || t.dpi > 4800)
    return tr("%1: %2 dpi is out of range (1..4800)").arg(t.path).arg(t.dpi);
  if (!t.overwrite && QFileInfo::exists(t.path))
    return tr("%1 already exists (not replaced; --force replaces it)").arg(t.path);
  QSaveFile file(t.path);
  if (!file.open(QIODevice::WriteOnly))
    return tr("cannot write %1: %2").arg(t.path, file.errorString());
  bool ok = false;
  switch (t.format) {
    case ExportFormat::Png:
      ok = paintPng(t, prov, paint).save(&file, "PNG");
      break;
    case ExportFormat::Svg:
      ok = paintSvg(&file, t, prov, paint);
      break;
    case ExportFormat::Pdf:
      ok = paintPdf(&file, t, prov, paint);
      break;
  }
  if (!ok) {
    file.cancelWriting();
    return tr("cannot write %1: rendering the %2 failed").arg(t.path, exportFormatKey(t.format));
  }
  if (!file.commit()) return tr("cannot write %1: %2").arg(t.path, file.errorString());
  return QString();
}

QString writeFileAtomically(const QString& path, const QByteArray& bytes, bool overwrite) {
  if (!overwrite && QFileInfo::exists(path))
    return tr("%1 already exists (not replaced; --force replaces it)").arg(path);
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly))
    return tr("cannot write %1: %2").arg(path, file.errorString());
  if (file.write(bytes) != bytes.size()) {
    file.cancelWriting();
    return tr("cannot write %1: %2").arg(path, file.errorString());
  }
  if (!file.commit()) return tr("cannot write %1: %2").arg(path, file.errorString());
  return QString();
}

}  // namespace vitcop::widgets
