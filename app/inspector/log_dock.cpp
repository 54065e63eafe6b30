#include "app/inspector/log_dock.h"

#include <QDateTime>
#include <QPlainTextEdit>

namespace vitcop::inspector {

LogDock::LogDock(QWidget* parent) : QDockWidget(tr("Log"), parent) {
  setObjectName(QStringLiteral("logDock"));
  view_ = new QPlainTextEdit(this);
  view_->setReadOnly(true);
  view_->setMaximumBlockCount(5000);  // a long session must not grow without bound
  setWidget(view_);
}

void LogDock::info(const QString& text) {
  view_->appendHtml(
      QStringLiteral("<span style='color:gray'>%1</span> %2")
          .arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")), text.toHtmlEscaped()));
}

void LogDock::error(const QString& text) {
  view_->appendHtml(
      QStringLiteral("<span style='color:gray'>%1</span> "
                     "<span style='color:#c00'>error: %2</span>")
          .arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")), text.toHtmlEscaped()));
}

QString LogDock::text() const {
  return view_->toPlainText();
}

}  // namespace vitcop::inspector
