#pragma once
// Method & budget: which pruning method (the registry's list, with a parameter form built from
// each method's declared parameters), the budget, position ids, video frame count, the model's
// device/dtype, the overlay knobs, and the optional second configuration of compare mode.
#include <QDockWidget>
#include <optional>

#include "app/inspector/inference_worker.h"
#include "widgets/overlay_options.h"

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSlider;
class QSpinBox;
QT_END_NAMESPACE

namespace vitcop::widgets {
class Selection;
}

namespace vitcop::inspector {

class MethodDock : public QDockWidget {
  Q_OBJECT
 public:
  explicit MethodDock(QWidget* parent = nullptr);

  // Mode and score follow (and set) the shared selection.
  void setSelection(widgets::Selection* selection);

  RunConfig configA() const;
  std::optional<RunConfig> configB() const;  // only while "Compare" is ticked
  bool compareEnabled() const;
  void setCompare(bool on, const QString& method, const QString& budget,
                  const QString& positionIds);

  void setMethod(const QString& method);
  void setBudget(const QString& budget);
  void setPositionIds(const QString& mode);
  void setParams(const QStringList& params);  // NAME=VALUE
  int frames() const;
  void setFrames(int frames);
  int maxNewTokens() const;
  void setMaxNewTokens(int n);
  QString device() const;
  QString dtype() const;
  void setModelLabel(const QString& text);
  double opacity() const;

  void saveChoices() const;  // into Settings
  void restoreChoices();

 Q_SIGNALS:
  void openModelRequested();
  void opacityChanged(double opacity);

 private:
  void rebuildParamForm();
  static QString labelFor(const session::PruningRequest& p);

  QComboBox* method_;
  QLineEdit* budget_;
  QComboBox* positionIds_;
  QFormLayout* paramForm_;
  QGroupBox* paramBox_;
  QSpinBox* frames_;
  QSpinBox* maxTokens_;
  QComboBox* device_;
  QComboBox* dtype_;
  QLabel* modelLabel_;
  QComboBox* overlay_;
  QComboBox* score_;
  QSlider* opacity_;
  QGroupBox* compareBox_;
  QComboBox* methodB_;
  QLineEdit* budgetB_;
  QComboBox* positionIdsB_;
  widgets::Selection* selection_ = nullptr;
};

}  // namespace vitcop::inspector
