#include "app/inspector/conversation_dock.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollBar>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace vitcop::inspector {

ConversationDock::ConversationDock(QWidget* parent) : QDockWidget(tr("Conversation"), parent) {
  setObjectName(QStringLiteral("conversationDock"));
  auto* body = new QWidget(this);
  auto* layout = new QVBoxLayout(body);
  transcript_ = new QTextBrowser(body);
  transcript_->setObjectName(QStringLiteral("transcript"));
  layout->addWidget(transcript_, 1);
  auto* row = new QHBoxLayout;
  edit_ = new QLineEdit(body);
  edit_->setObjectName(QStringLiteral("questionEdit"));
  edit_->setPlaceholderText(tr("Ask about the image… (Enter)"));
  edit_->setClearButtonEnabled(true);
  ask_ = new QPushButton(tr("Ask"), body);
  ask_->setObjectName(QStringLiteral("askButton"));
  cancel_ = new QPushButton(tr("Cancel"), body);
  cancel_->setObjectName(QStringLiteral("cancelButton"));
  cancel_->setEnabled(false);
  row->addWidget(edit_, 1);
  row->addWidget(ask_);
  row->addWidget(cancel_);
  layout->addLayout(row);
  auto* status = new QHBoxLayout;
  stage_ = new QLabel(body);
  progress_ = new QProgressBar(body);
  progress_->setMaximumWidth(160);
  progress_->setVisible(false);
  status->addWidget(stage_, 1);
  status->addWidget(progress_);
  layout->addLayout(status);
  setWidget(body);

  auto askNow = [this] {
    if (!edit_->text().trimmed().isEmpty()) Q_EMIT askRequested(edit_->text().trimmed());
  };
  connect(edit_, &QLineEdit::returnPressed, this, askNow);
  connect(ask_, &QPushButton::clicked, this, askNow);
  connect(cancel_, &QPushButton::clicked, this, &ConversationDock::cancelRequested);
}

QString ConversationDock::question() const {
  return edit_->text();
}

void ConversationDock::setQuestion(const QString& text) {
  edit_->setText(text);
}

void ConversationDock::beginAnswer(const QString& question, const QString& label) {
  if (open_) endAnswer(tr("(superseded)"));
  header_ = QStringLiteral("<p><b>%1</b> <span style='color:gray'>[%2]</span><br/>")
                .arg(question.toHtmlEscaped(), label.toHtmlEscaped());
  answer_.clear();
  open_ = true;
  renderTranscript();
}

void ConversationDock::appendAnswerText(const QString& piece) {
  if (!open_) return;
  answer_ += piece;
  renderTranscript();
}

void ConversationDock::endAnswer(const QString& note) {
  if (!open_) return;
  html_ += header_ + answer_.toHtmlEscaped();
  if (!note.isEmpty())
    html_ += QStringLiteral(" <i style='color:gray'>%1</i>").arg(note.toHtmlEscaped());
  html_ += QStringLiteral("</p>");
  header_.clear();
  open_ = false;
  renderTranscript();
}

QString ConversationDock::transcript() const {
  return transcript_->toPlainText();
}

void ConversationDock::renderTranscript() {
  // Re-rendering the whole (short) transcript per token keeps the HTML well-formed while an
  // answer is open; a conversation is tens of exchanges, far below a frame's budget.
  QString html = html_;
  if (open_) html += header_ + answer_.toHtmlEscaped() + QStringLiteral("▍</p>");
  transcript_->setHtml(html);
  transcript_->verticalScrollBar()->setValue(transcript_->verticalScrollBar()->maximum());
}

void ConversationDock::setBusy(bool busy) {
  cancel_->setEnabled(busy);
  progress_->setVisible(busy);
  if (!busy) stage_->clear();
}

void ConversationDock::setProgress(const QString& stage, int done, int total) {
  stage_->setText(stage);
  progress_->setVisible(true);
  if (total <= 0) {
    progress_->setRange(0, 0);  // busy indicator
  } else {
    progress_->setRange(0, total);
    progress_->setValue(done);
  }
}

}  // namespace vitcop::inspector
