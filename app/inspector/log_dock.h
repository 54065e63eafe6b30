#pragma once
// The log: timestamped lines of what happened (loads, runs, errors), errors in red.
#include <QDockWidget>
#include <QString>

QT_BEGIN_NAMESPACE
class QPlainTextEdit;
QT_END_NAMESPACE

namespace vitcop::inspector {

class LogDock : public QDockWidget {
  Q_OBJECT
 public:
  explicit LogDock(QWidget* parent = nullptr);
  void info(const QString& text);
  void error(const QString& text);
  QString text() const;

 private:
  QPlainTextEdit* view_;
};

}  // namespace vitcop::inspector
