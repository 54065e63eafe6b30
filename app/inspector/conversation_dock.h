#pragma once
// The conversation: transcript (questions, answers streaming token by token), the question box
// (Enter asks), stage progress and Cancel.
#include <QDockWidget>

QT_BEGIN_NAMESPACE
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTextBrowser;
QT_END_NAMESPACE

namespace vitcop::inspector {

class ConversationDock : public QDockWidget {
  Q_OBJECT
 public:
  explicit ConversationDock(QWidget* parent = nullptr);

  QString question() const;
  void setQuestion(const QString& text);
  QLineEdit* questionEdit() const { return edit_; }
  QPushButton* askButton() const { return ask_; }
  QPushButton* cancelButton() const { return cancel_; }

  // Transcript: a new exchange, then its streamed pieces, then the end (or an interruption).
  void beginAnswer(const QString& question, const QString& label);
  void appendAnswerText(const QString& piece);
  void endAnswer(const QString& note = {});
  QString transcript() const;
  QString currentAnswer() const { return answer_; }

  void setBusy(bool busy);
  void setProgress(const QString& stage, int done, int total);

 Q_SIGNALS:
  void askRequested(const QString& question);
  void cancelRequested();

 private:
  void renderTranscript();

  QTextBrowser* transcript_;
  QLineEdit* edit_;
  QPushButton* ask_;
  QPushButton* cancel_;
  QProgressBar* progress_;
  QLabel* stage_;
  QString html_;    // finished exchanges
  QString header_;  // the exchange in progress
  QString answer_;
  bool open_ = false;
};

}  // namespace vitcop::inspector
