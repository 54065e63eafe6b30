#include "app/inspector/export_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>

#include "app/export/overlay_export.h"

namespace vitcop::inspector {
namespace {

QString suffixOf(ExportDialog::Kind k) {
  switch (k) {
    case ExportDialog::Kind::Png:
      return QStringLiteral("png");
    case ExportDialog::Kind::Svg:
      return QStringLiteral("svg");
    case ExportDialog::Kind::Pdf:
      return QStringLiteral("pdf");
    case ExportDialog::Kind::TraceJson:
      return QStringLiteral("json");
    case ExportDialog::Kind::StageCsv:
      return QStringLiteral("csv");
  }
  return QString();
}

QSpinBox* spin(int lo, int hi, int value, QWidget* parent) {
  auto* s = new QSpinBox(parent);
  s->setRange(lo, hi);
  s->setValue(value);
  return s;
}

}  // namespace

ExportDialog::ExportDialog(std::shared_ptr<const trace::RunTrace> trace,
                           std::shared_ptr<const trace::RunTrace> compare,
                           const widgets::OverlayScene& scene,
                           const widgets::OverlayOptions& options, QWidget* parent)
    : QDialog(parent),
      trace_(std::move(trace)),
      compare_(std::move(compare)),
      scene_(scene),
      options_(options) {
  setWindowTitle(tr("Export"));
  scene_.trace = trace_.get();
  scene_.compare = compare_.get();
  const int grid = trace_ ? static_cast<int>(trace_->geometry.gridSide) : 1;

  kind_ = new QComboBox(this);
  kind_->addItem(tr("PNG image"), static_cast<int>(Kind::Png));
  kind_->addItem(tr("SVG (vector)"), static_cast<int>(Kind::Svg));
  kind_->addItem(tr("PDF (vector)"), static_cast<int>(Kind::Pdf));
  kind_->addItem(tr("Trace (JSON)"), static_cast<int>(Kind::TraceJson));
  kind_->addItem(tr("Current stage (CSV)"), static_cast<int>(Kind::StageCsv));
  path_ = new QLineEdit(this);
  path_->setText(QStringLiteral("overlay-%1.png")
                     .arg(QString::fromStdString(scene_.point).replace(QLatin1Char(':'), '-')));
  auto* browseButton = new QPushButton(tr("Browse…"), this);
  auto* pathRow = new QHBoxLayout;
  pathRow->addWidget(path_);
  pathRow->addWidget(browseButton);
  width_ = spin(16, 20000, 1024, this);
  height_ = spin(16, 20000, 1024, this);
  auto* sizeRow = new QHBoxLayout;
  sizeRow->addWidget(width_);
  sizeRow->addWidget(height_);
  dpi_ = spin(1, 4800, 96, this);
  title_ = new QLineEdit(options_.title, this);
  colourBar_ = new QCheckBox(tr("Colour bar (heatmap)"), this);
  colourBar_->setChecked(options_.showColourBar);
  legend_ = new QCheckBox(tr("Legend"), this);
  legend_->setChecked(options_.showLegend);
  crop_ = new QCheckBox(tr("Crop to patches"), this);
  cropRow_ = spin(0, grid - 1, 0, this);
  cropCol_ = spin(0, grid - 1, 0, this);
  cropRows_ = spin(1, grid, grid, this);
  cropCols_ = spin(1, grid, grid, this);
  auto* cropRow = new QHBoxLayout;
  cropRow->addWidget(crop_);
  for (auto* s : {cropRow_, cropCol_, cropRows_, cropCols_})
    cropRow->addWidget(s);
  cropRow_->setToolTip(tr("first row"));
  cropCol_->setToolTip(tr("first column"));
  cropRows_->setToolTip(tr("rows"));
  cropCols_->setToolTip(tr("columns"));

  auto* form = new QFormLayout;
  form->addRow(tr("Format"), kind_);
  form->addRow(tr("File"), pathRow);
  form->addRow(tr("Size (px)"), sizeRow);
  form->addRow(tr("Density (dpi)"), dpi_);
  form->addRow(tr("Title"), title_);
  form->addRow(QString(), colourBar_);
  form->addRow(QString(), legend_);
  form->addRow(tr("Crop"), cropRow);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(buttons);

  connect(buttons, &QDialogButtonBox::accepted, this, &ExportDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &ExportDialog::reject);
  connect(browseButton, &QPushButton::clicked, this, &ExportDialog::browse);
  connect(kind_, &QComboBox::currentIndexChanged, this, &ExportDialog::updateSuffix);
  confirmOverwrite = [this](const QString& p) {
    return QMessageBox::question(this, tr("Replace file?"),
                                 tr("%1 already exists. Replace it?").arg(p)) == QMessageBox::Yes;
  };
}

void ExportDialog::setPath(const QString& path) {
  path_->setText(path);
}
QString ExportDialog::path() const {
  return path_->text();
}
void ExportDialog::setKind(Kind kind) {
  kind_->setCurrentIndex(kind_->findData(static_cast<int>(kind)));
}
void ExportDialog::setPixelSize(int width, int height) {
  width_->setValue(width);
  height_->setValue(height);
}
void ExportDialog::setDpi(int dpi) {
  dpi_->setValue(dpi);
}
void ExportDialog::setTitle(const QString& title) {
  title_->setText(title);
}
void ExportDialog::setShowColourBar(bool on) {
  colourBar_->setChecked(on);
}
void ExportDialog::setShowLegend(bool on) {
  legend_->setChecked(on);
}
void ExportDialog::setCrop(int row, int col, int rows, int cols) {
  crop_->setChecked(rows > 0);
  cropRow_->setValue(row);
  cropCol_->setValue(col);
  cropRows_->setValue(rows);
  cropCols_->setValue(cols);
}

void ExportDialog::updateSuffix() {
  QString p = path_->text();
  const int dot = static_cast<int>(p.lastIndexOf(QLatin1Char('.')));
  if (dot > p.lastIndexOf(QLatin1Char('/'))) p.truncate(dot);
  path_->setText(p + QLatin1Char('.') + suffixOf(static_cast<Kind>(kind_->currentData().toInt())));
}

void ExportDialog::browse() {
  const QString suffix = suffixOf(static_cast<Kind>(kind_->currentData().toInt()));
  // The dialog asks about replacing itself: don't ask twice.
  const QString p = QFileDialog::getSaveFileName(
      this, tr("Export to"), path_->text(), tr("%1 files (*.%2)").arg(suffix.toUpper(), suffix),
      nullptr, QFileDialog::DontConfirmOverwrite);
  if (!p.isEmpty()) path_->setText(p);
}

widgets::OverlayOptions ExportDialog::exportOptions() const {
  widgets::OverlayOptions o = options_;
  o.title = title_->text();
  o.showColourBar = colourBar_->isChecked();
  o.showLegend = legend_->isChecked();
  o.crop = crop_->isChecked()
               ? QRect(cropCol_->value(), cropRow_->value(), cropCols_->value(), cropRows_->value())
               : QRect();
  o.highlightPatch = -1;  // the selection ring is a screen cue, not part of a figure
  return o;
}

QString ExportDialog::exportNow() {
  const QString p = path_->text();
  const Kind kind = static_cast<Kind>(kind_->currentData().toInt());
  bool overwrite = false;
  if (QFileInfo::exists(p)) {
    if (!confirmOverwrite || !confirmOverwrite(p))
      return tr("%1 already exists (not replaced)").arg(p);
    overwrite = true;
  }
  QString error;
  if (p.isEmpty()) {
    error = tr("no file name given");
  } else if (!trace_) {
    error = tr("nothing to export: no run yet");
  } else if (kind == Kind::TraceJson) {
    error = exporting::writeTraceJson(*trace_, p, overwrite);
  } else if (kind == Kind::StageCsv) {
    error = exporting::writeStageCsv(*trace_, scene_.point, p, overwrite);
  } else {
    widgets::ExportTarget t;
    t.path = p;
    t.format = kind == Kind::Png   ? widgets::ExportFormat::Png
               : kind == Kind::Svg ? widgets::ExportFormat::Svg
                                   : widgets::ExportFormat::Pdf;
    t.sizePx = QSize(width_->value(), height_->value());
    t.dpi = dpi_->value();
    t.overwrite = overwrite;
    error = exporting::writeOverlay(scene_, exportOptions(), t, QStringLiteral(VITCOP_VERSION));
  }
  return error;
}

void ExportDialog::accept() {
  const QString error = exportNow();
  if (error.isEmpty()) {
    QDialog::accept();
    return;
  }
  QMessageBox::warning(this, tr("Export failed"), error);
}

}  // namespace vitcop::inspector
