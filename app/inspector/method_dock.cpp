#include "app/inspector/method_dock.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

#include "app/inspector/settings.h"
#include "core/pruning/method_registry.h"
#include "core/trace/run_trace.h"
#include "widgets/selection.h"

namespace vitcop::inspector {
namespace {

const char* kParamProperty = "vitcopParam";

void fillMethods(QComboBox* box) {
  for (const auto& info : pruning::methodInfos())
    box->addItem(QStringLiteral("%1 — %2").arg(QString::fromStdString(info.title),
                                               QString::fromStdString(info.summary)),
                 QString::fromStdString(info.name));
}

void selectData(QComboBox* box, const QString& data) {
  const int i = box->findData(data);
  if (i >= 0) box->setCurrentIndex(i);
}

}  // namespace

MethodDock::MethodDock(QWidget* parent) : QDockWidget(tr("Method && budget"), parent) {
  setObjectName(QStringLiteral("methodDock"));
  auto* scroll = new QScrollArea(this);
  scroll->setWidgetResizable(true);
  auto* body = new QWidget(scroll);
  auto* layout = new QVBoxLayout(body);

  auto* modelBox = new QGroupBox(tr("Model"), body);
  auto* modelForm = new QFormLayout(modelBox);
  modelLabel_ = new QLabel(tr("no model"), modelBox);
  modelLabel_->setWordWrap(true);
  modelLabel_->setObjectName(QStringLiteral("modelLabel"));
  device_ = new QComboBox(modelBox);
  device_->addItems({"auto", "cpu", "cuda"});
  dtype_ = new QComboBox(modelBox);
  dtype_->addItems({"auto", "fast", "f32", "bf16", "f16"});
  auto* open = new QPushButton(tr("Open model folder…"), modelBox);
  connect(open, &QPushButton::clicked, this, &MethodDock::openModelRequested);
  modelForm->addRow(modelLabel_);
  modelForm->addRow(tr("Device"), device_);
  modelForm->addRow(tr("Dtype"), dtype_);
  modelForm->addRow(open);
  layout->addWidget(modelBox);

  auto* runBox = new QGroupBox(tr("Pruning (A)"), body);
  auto* runForm = new QFormLayout(runBox);
  method_ = new QComboBox(runBox);
  method_->setObjectName(QStringLiteral("methodCombo"));
  fillMethods(method_);
  budget_ = new QLineEdit(QStringLiteral("33%"), runBox);
  budget_->setObjectName(QStringLiteral("budgetEdit"));
  budget_->setToolTip(
      tr("Mean visual tokens per LLM layer (64) or a share of the model's visual "
         "tokens (11%)"));
  positionIds_ = new QComboBox(runBox);
  positionIds_->addItems({"official", "original"});
  frames_ = new QSpinBox(runBox);
  frames_->setRange(1, 64);
  frames_->setValue(8);
  frames_->setToolTip(tr("Frames sampled uniformly from a video"));
  maxTokens_ = new QSpinBox(runBox);
  maxTokens_->setRange(1, 4096);
  maxTokens_->setValue(32);
  runForm->addRow(tr("Method"), method_);
  runForm->addRow(tr("Budget"), budget_);
  runForm->addRow(tr("Position ids"), positionIds_);
  runForm->addRow(tr("Video frames"), frames_);
  runForm->addRow(tr("Max new tokens"), maxTokens_);
  layout->addWidget(runBox);

  paramBox_ = new QGroupBox(tr("Parameters (empty: derived)"), body);
  paramForm_ = new QFormLayout(paramBox_);
  layout->addWidget(paramBox_);

  compareBox_ = new QGroupBox(tr("Compare with (B)"), body);
  compareBox_->setObjectName(QStringLiteral("compareBox"));
  compareBox_->setCheckable(true);
  compareBox_->setChecked(false);
  auto* compareForm = new QFormLayout(compareBox_);
  methodB_ = new QComboBox(compareBox_);
  fillMethods(methodB_);
  budgetB_ = new QLineEdit(QStringLiteral("33%"), compareBox_);
  positionIdsB_ = new QComboBox(compareBox_);
  positionIdsB_->addItems({"official", "original"});
  compareForm->addRow(tr("Method"), methodB_);
  compareForm->addRow(tr("Budget"), budgetB_);
  compareForm->addRow(tr("Position ids"), positionIdsB_);
  layout->addWidget(compareBox_);

  auto* viewBox = new QGroupBox(tr("Overlay"), body);
  auto* viewForm = new QFormLayout(viewBox);
  overlay_ = new QComboBox(viewBox);
  overlay_->setObjectName(QStringLiteral("overlayCombo"));
  for (auto mode : {widgets::OverlayMode::KeptPruned, widgets::OverlayMode::MergedGroups,
                    widgets::OverlayMode::ScoreHeatmap, widgets::OverlayMode::Clusters,
                    widgets::OverlayMode::Difference})
    overlay_->addItem(widgets::overlayModeLabel(mode), widgets::overlayModeKey(mode));
  score_ = new QComboBox(viewBox);
  for (const char* s : {trace::kScoreClsAttention, trace::kScoreKeyNorm, trace::kScoreDensity,
                        trace::kScoreDelta, trace::kScoreGamma})
    score_->addItem(QString::fromLatin1(s), QString::fromLatin1(s));
  opacity_ = new QSlider(Qt::Horizontal, viewBox);
  opacity_->setRange(0, 100);
  opacity_->setValue(60);
  viewForm->addRow(tr("Show"), overlay_);
  viewForm->addRow(tr("Score"), score_);
  viewForm->addRow(tr("Opacity"), opacity_);
  layout->addWidget(viewBox);
  layout->addStretch(1);
  scroll->setWidget(body);
  setWidget(scroll);

  connect(method_, &QComboBox::currentIndexChanged, this, &MethodDock::rebuildParamForm);
  connect(opacity_, &QSlider::valueChanged, this,
          [this](int v) { Q_EMIT opacityChanged(v / 100.0); });
  connect(overlay_, &QComboBox::currentIndexChanged, this, [this] {
    if (!selection_) return;
    if (auto mode = widgets::overlayModeFromKey(overlay_->currentData().toString()))
      selection_->setOverlayMode(*mode);
  });
  connect(score_, &QComboBox::currentIndexChanged, this, [this] {
    if (selection_) selection_->setScoreName(score_->currentData().toString());
  });
  rebuildParamForm();
}

void MethodDock::setSelection(widgets::Selection* selection) {
  selection_ = selection;
  connect(
      selection, &widgets::Selection::overlayModeChanged, this,
      [this](widgets::OverlayMode mode) { selectData(overlay_, widgets::overlayModeKey(mode)); });
  connect(selection, &widgets::Selection::scoreNameChanged, this,
          [this](const QString& name) { selectData(score_, name); });
  selectData(overlay_, widgets::overlayModeKey(selection->overlayMode()));
  selectData(score_, selection->scoreName());
}

void MethodDock::rebuildParamForm() {
  while (paramForm_->rowCount() > 0)
    paramForm_->removeRow(0);
  const QString name = method_->currentData().toString();
  for (const auto& info : pruning::methodInfos()) {
    if (QString::fromStdString(info.name) != name) continue;
    budget_->setEnabled(info.needsBudget);
    for (const auto& spec : info.params) {
      const QString tip =
          QStringLiteral("%1\nrange %2, default %3")
              .arg(QString::fromStdString(spec.help), QString::fromStdString(spec.rangeText()),
                   QString::fromStdString(spec.defaultText));
      QWidget* field = nullptr;
      if (!spec.choices.empty()) {
        auto* box = new QComboBox(paramBox_);
        box->addItem(tr("(default: %1)").arg(QString::fromStdString(spec.defaultText)), QString());
        for (const auto& c : spec.choices)
          box->addItem(QString::fromStdString(c), QString::fromStdString(c));
        field = box;
      } else {
        auto* edit = new QLineEdit(paramBox_);
        edit->setPlaceholderText(QString::fromStdString(spec.defaultText));
        field = edit;
      }
      field->setToolTip(tip);
      field->setProperty(kParamProperty, QString::fromStdString(spec.name));
      paramForm_->addRow(QString::fromStdString(spec.name), field);
    }
  }
  paramBox_->setVisible(paramForm_->rowCount() > 0);
}

QString MethodDock::labelFor(const session::PruningRequest& p) {
  if (p.method == "none") return QStringLiteral("none");
  return QStringLiteral("%1 · %2%3")
      .arg(QString::fromStdString(p.method), QString::fromStdString(p.budget),
           p.positionIds == "official"
               ? QString()
               : QStringLiteral(" · %1 ids").arg(QString::fromStdString(p.positionIds)));
}

RunConfig MethodDock::configA() const {
  RunConfig c;
  c.pruning.method = method_->currentData().toString().toStdString();
  c.pruning.budget =
      c.pruning.method == "none" ? std::string() : budget_->text().trimmed().toStdString();
  c.pruning.positionIds = positionIds_->currentText().toStdString();
  for (QWidget* w : paramBox_->findChildren<QWidget*>()) {
    const QString name = w->property(kParamProperty).toString();
    if (name.isEmpty()) continue;
    QString value;
    if (auto* e = qobject_cast<QLineEdit*>(w)) value = e->text().trimmed();
    if (auto* b = qobject_cast<QComboBox*>(w)) value = b->currentData().toString();
    if (!value.isEmpty()) c.pruning.params.push_back((name + '=' + value).toStdString());
  }
  c.label = labelFor(c.pruning);
  return c;
}

std::optional<RunConfig> MethodDock::configB() const {
  if (!compareEnabled()) return std::nullopt;
  RunConfig c;
  c.pruning.method = methodB_->currentData().toString().toStdString();
  c.pruning.budget =
      c.pruning.method == "none" ? std::string() : budgetB_->text().trimmed().toStdString();
  c.pruning.positionIds = positionIdsB_->currentText().toStdString();
  c.label = labelFor(c.pruning);
  return c;
}

bool MethodDock::compareEnabled() const {
  return compareBox_->isChecked();
}

void MethodDock::setCompare(bool on, const QString& method, const QString& budget,
                            const QString& positionIds) {
  compareBox_->setChecked(on);
  if (!method.isEmpty()) selectData(methodB_, method);
  if (!budget.isEmpty()) budgetB_->setText(budget);
  if (!positionIds.isEmpty()) positionIdsB_->setCurrentText(positionIds);
}

void MethodDock::setMethod(const QString& method) {
  selectData(method_, method);
}
void MethodDock::setBudget(const QString& budget) {
  budget_->setText(budget);
}
void MethodDock::setPositionIds(const QString& mode) {
  positionIds_->setCurrentText(mode);
}

void MethodDock::setParams(const QStringList& params) {
  for (const QString& p : params) {
    const QString name = p.section('=', 0, 0);
    const QString value = p.section('=', 1);
    for (QWidget* w : paramBox_->findChildren<QWidget*>()) {
      if (w->property(kParamProperty).toString() != name) continue;
      if (auto* e = qobject_cast<QLineEdit*>(w)) e->setText(value);
      if (auto* b = qobject_cast<QComboBox*>(w)) selectData(b, value);
    }
  }
}

int MethodDock::frames() const {
  return frames_->value();
}
void MethodDock::setFrames(int frames) {
  frames_->setValue(frames);
}
int MethodDock::maxNewTokens() const {
  return maxTokens_->value();
}
void MethodDock::setMaxNewTokens(int n) {
  maxTokens_->setValue(n);
}
QString MethodDock::device() const {
  return device_->currentText();
}
QString MethodDock::dtype() const {
  return dtype_->currentText();
}
void MethodDock::setModelLabel(const QString& text) {
  modelLabel_->setText(text);
}
double MethodDock::opacity() const {
  return opacity_->value() / 100.0;
}

void MethodDock::saveChoices() const {
  Settings s;
  s.setValue(QStringLiteral("choices/method"), method_->currentData());
  s.setValue(QStringLiteral("choices/budget"), budget_->text());
  s.setValue(QStringLiteral("choices/positionIds"), positionIds_->currentText());
  s.setValue(QStringLiteral("choices/frames"), frames_->value());
  s.setValue(QStringLiteral("choices/maxNewTokens"), maxTokens_->value());
  s.setValue(QStringLiteral("choices/device"), device_->currentText());
  s.setValue(QStringLiteral("choices/dtype"), dtype_->currentText());
  s.setValue(QStringLiteral("choices/overlay"), overlay_->currentData());
  s.setValue(QStringLiteral("choices/score"), score_->currentData());
  s.setValue(QStringLiteral("choices/opacity"), opacity_->value());
  s.setValue(QStringLiteral("choices/methodB"), methodB_->currentData());
  s.setValue(QStringLiteral("choices/budgetB"), budgetB_->text());
}

void MethodDock::restoreChoices() {
  Settings s;
  selectData(method_,
             s.value(QStringLiteral("choices/method"), QStringLiteral("vitcop")).toString());
  budget_->setText(s.value(QStringLiteral("choices/budget"), QStringLiteral("33%")).toString());
  positionIds_->setCurrentText(
      s.value(QStringLiteral("choices/positionIds"), QStringLiteral("official")).toString());
  frames_->setValue(s.value(QStringLiteral("choices/frames"), 8).toInt());
  maxTokens_->setValue(s.value(QStringLiteral("choices/maxNewTokens"), 32).toInt());
  device_->setCurrentText(
      s.value(QStringLiteral("choices/device"), QStringLiteral("auto")).toString());
  dtype_->setCurrentText(
      s.value(QStringLiteral("choices/dtype"), QStringLiteral("auto")).toString());
  selectData(overlay_,
             s.value(QStringLiteral("choices/overlay"), QStringLiteral("kept")).toString());
  selectData(score_, s.value(QStringLiteral("choices/score"),
                             QString::fromLatin1(trace::kScoreClsAttention))
                         .toString());
  opacity_->setValue(s.value(QStringLiteral("choices/opacity"), 60).toInt());
  selectData(methodB_,
             s.value(QStringLiteral("choices/methodB"), QStringLiteral("fastv")).toString());
  budgetB_->setText(s.value(QStringLiteral("choices/budgetB"), QStringLiteral("33%")).toString());
}

}  // namespace vitcop::inspector
