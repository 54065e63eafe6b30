#pragma once
// The inspector's main window: the canvas (or the compare view) in the middle, docks around it,
// one shared Selection every view follows, and the InferenceWorker that owns all model work.
// The window only ever submits jobs and reacts to the worker's queued signals.
#include <QMainWindow>
#include <QMap>
#include <QMessageBox>  // held by QPointer, which needs the complete type
#include <QPointer>
#include <QTemporaryDir>
#include <QVector>
#include <memory>

#include "app/inspector/command_line.h"
#include "app/inspector/inference_worker.h"
#include "app/inspector/input_loader.h"
#include "app/inspector/settings.h"

QT_BEGIN_NAMESPACE
class QDockWidget;
class QListWidget;
class QMenu;
class QStackedWidget;
class QTextBrowser;
QT_END_NAMESPACE

namespace vitcop::widgets {
class FrameStrip;
class PatchCanvas;
class Selection;
class StageScrubber;
class TokenCountChart;
}  // namespace vitcop::widgets

namespace vitcop::inspector {

class ChartsDock;
class CompareView;
class ConversationDock;
class HistoryDock;
class LogDock;
class MethodDock;

// One finished run as the GUI keeps it: the worker's outcome plus what it was run on.
struct RunRecord {
  QString id;  // "run-N"
  std::shared_ptr<const RunOutcome> outcome;
  QVector<QImage> frames;  // model-input views the overlay is drawn on
  QString input;
  QString partner;  // the other run of a compare pair ("" when none)
};

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Applies the command line: choices, model (or the no-model state), input, first question.
  void applyCommandLine(const CommandLine& options);

  // Actions, also used by menus, drops and tests.
  void loadInput(const QString& path);
  void loadModel(const ModelSpec& spec);
  void openModelFolder(const QString& dir);  // with the method dock's device/dtype
  void ask(const QString& question);
  void cancel();
  void pasteFromClipboard();
  void showSampleGallery();
  void showExportDialog();  // File → Export (Ctrl+E) for the current run and stage

  // State, for tests and the screenshot tool.
  widgets::Selection* selection() const { return selection_; }
  widgets::PatchCanvas* canvas() const { return canvas_; }
  widgets::StageScrubber* scrubber() const { return scrubber_; }
  widgets::FrameStrip* frameStrip() const { return frameStrip_; }
  CompareView* compareView() const { return compare_; }
  ConversationDock* conversation() const { return conversation_; }
  MethodDock* methodDock() const { return method_; }
  HistoryDock* history() const { return history_; }
  ChartsDock* charts() const { return charts_; }
  LogDock* log() const { return log_; }
  QListWidget* gallery() const { return gallery_; }
  InferenceWorker* worker() const { return worker_; }
  bool compareShown() const;
  bool hasModel() const { return model_ != nullptr; }
  QString modelSource() const;  // the loaded model's folder (or "random-init:PRESET"); empty
  bool busy() const { return askJob_ != 0 || loadJob_ != 0; }
  const PreparedInput& input() const { return input_; }
  const RunRecord* currentRun() const;
  int runCount() const { return static_cast<int>(runs_.size()); }
  QString lastError() const { return lastError_; }
  QMessageBox* errorDialog() const { return errorBox_; }

 Q_SIGNALS:
  void inputReady(bool ok);
  void modelChanged();
  void runAdded(const QString& runId);
  void answerFinished(bool ok);  // an ask job ended (finished, failed or cancelled)
  void startupFinished();        // the command line's model, input and question have settled
  void errorShown(const QString& message);

 protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void buildMenus();
  void buildGallery();
  void showError(const QString& message);
  void showRun(const QString& runId);
  void onInputLoaded(const PreparedInput& input);
  void onModelReady(int jobId, std::shared_ptr<const ModelInfo> info);
  void onRunFinished(std::shared_ptr<const RunOutcome> outcome);
  void onJobDone(int jobId);
  void updateRecentMenu();
  void updatePatchDetails();
  void setNoModelState();
  void checkStartupSettled();
  void submitAsk(const QString& question);

  widgets::Selection* selection_;
  InferenceWorker* worker_;
  InputLoader* loader_;
  QStackedWidget* central_;
  widgets::PatchCanvas* canvas_;
  widgets::FrameStrip* frameStrip_;
  CompareView* compare_;
  widgets::StageScrubber* scrubber_;
  widgets::TokenCountChart* tokenChart_;
  ConversationDock* conversation_;
  MethodDock* method_;
  HistoryDock* history_;
  ChartsDock* charts_;
  LogDock* log_;
  QDockWidget* galleryDock_;
  QListWidget* gallery_;
  QDockWidget* patchDock_;
  QTextBrowser* patchDetails_;
  QMenu* recentMenu_ = nullptr;
  QPointer<QMessageBox> errorBox_;
  QTemporaryDir pasteDir_;
  Settings settings_;

  std::shared_ptr<const ModelInfo> model_;
  PreparedInput input_;
  QMap<QString, RunRecord> runs_;
  int nextRun_ = 1;
  int askJob_ = 0;
  int loadJob_ = 0;
  QVector<QImage> askFrames_;  // input of the running ask job
  QString askInput_;
  QString pairA_;  // run id of slot 0 of the running compare job
  bool jobProducedRun_ = false;
  QString deferredQuestion_;  // asked once the model/input in flight arrive
  QString lastError_;
  QString pendingPoint_;  // --point: scrub here after the startup answer
  bool startupPending_ = false;
};

}  // namespace vitcop::inspector
