#include "app/inspector/main_window.h"

#include <torch/version.h>

#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <opencv2/core/version.hpp>

#include "app/inspector/charts_dock.h"
#include "app/inspector/compare_view.h"
#include "app/inspector/conversation_dock.h"
#include "app/inspector/export_dialog.h"
#include "app/inspector/history_dock.h"
#include "app/inspector/log_dock.h"
#include "app/inspector/method_dock.h"
#include "widgets/frame_strip.h"
#include "widgets/patch_canvas.h"
#include "widgets/selection.h"
#include "widgets/stage_scrubber.h"
#include "widgets/token_count_chart.h"

namespace vitcop::inspector {
namespace {

QString samplesDir() {
  const QByteArray env = qgetenv("VITCOP_SAMPLES_DIR");
  return env.isEmpty() ? QStringLiteral(VITCOP_SAMPLES_DIR) : QString::fromLocal8Bit(env);
}

const char* kNoModel = QT_TRANSLATE_NOOP(
    "MainWindow", "No model — File → Open model folder, or start with --random-init PRESET");

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("ViTCoP Inspector"));
  setObjectName(QStringLiteral("mainWindow"));
  setAcceptDrops(true);
  setDockOptions(AnimatedDocks | AllowTabbedDocks | AllowNestedDocks);
  selection_ = new widgets::Selection(this);
  worker_ = new InferenceWorker(this);
  loader_ = new InputLoader(this);

  // Centre: the single-run canvas with the frame strip under it, or the compare view.
  central_ = new QStackedWidget(this);
  auto* single = new QWidget(central_);
  auto* singleLayout = new QVBoxLayout(single);
  singleLayout->setContentsMargins(0, 0, 0, 0);
  canvas_ = new widgets::PatchCanvas(single);
  canvas_->setSelection(selection_);
  frameStrip_ = new widgets::FrameStrip(single);
  frameStrip_->setSelection(selection_);
  frameStrip_->setVisible(false);
  singleLayout->addWidget(canvas_, 1);
  singleLayout->addWidget(frameStrip_);
  compare_ = new CompareView(central_);
  compare_->setSelection(selection_);
  central_->addWidget(single);
  central_->addWidget(compare_);
  setCentralWidget(central_);

  conversation_ = new ConversationDock(this);
  method_ = new MethodDock(this);
  method_->setSelection(selection_);
  history_ = new HistoryDock(this);
  history_->setSelection(selection_);
  charts_ = new ChartsDock(this);
  log_ = new LogDock(this);

  auto* scrubDock = new QDockWidget(tr("Stages"), this);
  scrubDock->setObjectName(QStringLiteral("stagesDock"));
  auto* scrubBody = new QWidget(scrubDock);
  auto* scrubLayout = new QVBoxLayout(scrubBody);
  scrubber_ = new widgets::StageScrubber(scrubBody);
  scrubber_->setSelection(selection_);
  tokenChart_ = new widgets::TokenCountChart(scrubBody);
  tokenChart_->setSelection(selection_);
  tokenChart_->setMinimumHeight(190);
  scrubLayout->addWidget(scrubber_);
  scrubLayout->addWidget(tokenChart_, 1);
  scrubDock->setWidget(scrubBody);

  patchDock_ = new QDockWidget(tr("Patch"), this);
  patchDock_->setObjectName(QStringLiteral("patchDock"));
  patchDetails_ = new QTextBrowser(patchDock_);
  patchDetails_->setPlaceholderText(tr("Click a patch on the canvas"));
  patchDock_->setWidget(patchDetails_);

  buildGallery();

  addDockWidget(Qt::RightDockWidgetArea, conversation_);
  addDockWidget(Qt::RightDockWidgetArea, method_);
  tabifyDockWidget(method_, patchDock_);
  tabifyDockWidget(method_, galleryDock_);
  method_->raise();
  addDockWidget(Qt::BottomDockWidgetArea, scrubDock);
  addDockWidget(Qt::BottomDockWidgetArea, charts_);
  addDockWidget(Qt::BottomDockWidgetArea, history_);
  tabifyDockWidget(history_, log_);
  history_->raise();
  resizeDocks({conversation_, method_}, {260, 380}, Qt::Vertical);

  buildMenus();
  method_->restoreChoices();
  canvas_->setMinimumSize(320, 320);
  // First start (or a fresh profile, as the screenshot script uses): a size that fits the docks
  // around a usable canvas.
  if (!restoreGeometry(settings_.geometry())) resize(1440, 900);
  restoreState(settings_.windowState());

  // Worker → GUI: queued signals only.
  connect(worker_, &InferenceWorker::jobStarted, this, [this](int id, JobKind kind) {
    if (kind == JobKind::Ask && id == askJob_) charts_->runStarted(method_->configA().label);
  });
  connect(worker_, &InferenceWorker::progress, this,
          [this](int id, const QString& stage, int done, int total) {
            if (id == askJob_ || id == loadJob_) conversation_->setProgress(stage, done, total);
          });
  connect(worker_, &InferenceWorker::textStreamed, this, [this](int id, int, const QString& piece) {
    if (id == askJob_) conversation_->appendAnswerText(piece);
  });
  connect(worker_, &InferenceWorker::modelReady, this, &MainWindow::onModelReady);
  connect(worker_, &InferenceWorker::runFinished, this, &MainWindow::onRunFinished);
  connect(worker_, &InferenceWorker::jobFailed, this, [this](int id, const QString& message) {
    if (id == loadJob_)
      showError(tr("Could not load the model: %1\nThe current session is kept.").arg(message));
    else
      showError(message);
    if (id == askJob_) conversation_->endAnswer(tr("(failed)"));
  });
  connect(worker_, &InferenceWorker::jobCancelled, this, [this](int id) {
    log_->info(tr("job %1 cancelled").arg(id));
    if (id == askJob_) conversation_->endAnswer(tr("(cancelled)"));
    if (id == loadJob_) log_->info(tr("model load cancelled; the current session is kept"));
  });
  connect(worker_, &InferenceWorker::jobSuperseded, this,
          [this](int id) { log_->info(tr("job %1 superseded by a newer request").arg(id)); });
  connect(worker_, &InferenceWorker::jobDone, this, &MainWindow::onJobDone);

  connect(loader_, &InputLoader::loaded, this, &MainWindow::onInputLoaded);
  connect(conversation_, &ConversationDock::askRequested, this, &MainWindow::ask);
  connect(conversation_, &ConversationDock::cancelRequested, this, &MainWindow::cancel);
  connect(method_, &MethodDock::openModelRequested, this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("Open model folder"), settings_.value(QStringLiteral("lastModelDir")).toString());
    if (!dir.isEmpty()) openModelFolder(dir);
  });
  connect(method_, &MethodDock::opacityChanged, this, [this](double opacity) {
    auto o = canvas_->effectiveOptions();
    o.opacity = opacity;
    canvas_->setOptions(o);
    compare_->setOpacity(opacity);
  });
  auto o = canvas_->effectiveOptions();
  o.opacity = method_->opacity();
  canvas_->setOptions(o);
  compare_->setOpacity(method_->opacity());

  connect(selection_, &widgets::Selection::runChanged, this,
          [this](const QString& runId) { showRun(runId); });
  connect(selection_, &widgets::Selection::patchChanged, this, &MainWindow::updatePatchDetails);
  connect(selection_, &widgets::Selection::pointChanged, this, &MainWindow::updatePatchDetails);
  connect(canvas_, &widgets::PatchCanvas::patchClicked, this, [this] { patchDock_->raise(); });

  setNoModelState();
  statusBar()->showMessage(tr("Drop an image or a video, or pick a sample scene"));
}

MainWindow::~MainWindow() {
  // The worker's destructor cancels and joins before the views it signals go away.
  delete worker_;
  worker_ = nullptr;
}

void MainWindow::buildMenus() {
  auto* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("&Open image or video…"), QKeySequence::Open, this, [this] {
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open image or video"), QString(), inputFileFilter());
    if (!path.isEmpty()) loadInput(path);
  });
  file->addAction(tr("Open &model folder…"), QKeySequence(tr("Ctrl+Shift+O")), this,
                  [this] { Q_EMIT method_->openModelRequested(); });
  recentMenu_ = file->addMenu(tr("Open &recent"));
  updateRecentMenu();
  file->addAction(tr("Sample &scenes"), this, &MainWindow::showSampleGallery);
  file->addSeparator();
  file->addAction(tr("&Export…"), QKeySequence(tr("Ctrl+E")), this, &MainWindow::showExportDialog);
  file->addAction(tr("Save &screenshot…"), QKeySequence(tr("Ctrl+Shift+S")), this, [this] {
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Save screenshot"), QStringLiteral("inspector.png"), tr("PNG (*.png)"));
    if (!path.isEmpty()) grab().save(path);
  });
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  auto* edit = menuBar()->addMenu(tr("&Edit"));
  edit->addAction(tr("&Paste image"), QKeySequence::Paste, this, &MainWindow::pasteFromClipboard);

  auto* run = menuBar()->addMenu(tr("&Run"));
  run->addAction(tr("&Ask"), QKeySequence(tr("Ctrl+Return")), this,
                 [this] { ask(conversation_->question()); });
  run->addAction(tr("&Cancel"), QKeySequence(Qt::Key_Escape), this, &MainWindow::cancel);
  run->addAction(tr("Next point"), QKeySequence(tr("Alt+Right")), this,
                 [this] { scrubber_->step(1); });
  run->addAction(tr("Previous point"), QKeySequence(tr("Alt+Left")), this,
                 [this] { scrubber_->step(-1); });

  auto* view = menuBar()->addMenu(tr("&View"));
  view->addAction(tr("Zoom &in"), QKeySequence::ZoomIn, canvas_, &widgets::PatchCanvas::zoomIn);
  view->addAction(tr("Zoom &out"), QKeySequence::ZoomOut, canvas_, &widgets::PatchCanvas::zoomOut);
  view->addAction(tr("&Fit"), QKeySequence(tr("Ctrl+0")), canvas_,
                  &widgets::PatchCanvas::fitToView);
  view->addSeparator();
  for (auto* dock : findChildren<QDockWidget*>())
    view->addAction(dock->toggleViewAction());

  auto* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About ViTCoP Inspector"), this, [this] {
    QMessageBox::about(
        this, tr("About ViTCoP Inspector"),
        tr("<h3>ViTCoP Inspector %1</h3>"
           "<p>Which visual tokens a pruning method keeps, merges and drops, stage by stage.</p>"
           "<p>Qt %2 (built with %3) · LibTorch %4 · OpenCV %5</p><p>Model: %6</p>")
            .arg(QStringLiteral(VITCOP_VERSION), QString::fromLatin1(qVersion()),
                 QStringLiteral(QT_VERSION_STR), QString::fromLatin1(TORCH_VERSION),
                 QString::fromLatin1(CV_VERSION), model_ ? model_->source : tr("none")));
  });
  help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

namespace {

// The question a sample scene is shown with: its first question about one object's shape or
// colour (a question whose answer hangs on one object's patches, which is what the overlays
// show, and the kind the embedded model answers reliably: resources/model/MODEL_CARD.md), else
// its first question.
QString sampleQuestion(const QJsonArray& questions) {
  for (const auto& q : questions) {
    const QString type = q.toObject().value(QStringLiteral("type")).toString();
    if (type == QLatin1String("shape_of_colour") || type == QLatin1String("colour_of_shape"))
      return q.toObject().value(QStringLiteral("question")).toString();
  }
  return questions.isEmpty()
             ? QString()
             : questions.first().toObject().value(QStringLiteral("question")).toString();
}

}  // namespace

void MainWindow::buildGallery() {
  galleryDock_ = new QDockWidget(tr("Sample scenes"), this);
  galleryDock_->setObjectName(QStringLiteral("galleryDock"));
  gallery_ = new QListWidget(galleryDock_);
  gallery_->setViewMode(QListView::IconMode);
  gallery_->setIconSize(QSize(96, 96));
  gallery_->setResizeMode(QListView::Adjust);
  gallery_->setMovement(QListView::Static);
  QFile index(samplesDir() + QStringLiteral("/samples.jsonl"));
  if (index.open(QIODevice::ReadOnly)) {
    while (!index.atEnd()) {
      const auto doc = QJsonDocument::fromJson(index.readLine()).object();
      const QString file = samplesDir() + '/' + doc.value(QStringLiteral("image")).toString();
      if (!QFileInfo::exists(file)) continue;
      auto* item = new QListWidgetItem(QIcon(file), QFileInfo(file).baseName(), gallery_);
      item->setToolTip(doc.value(QStringLiteral("description")).toString());
      item->setData(Qt::UserRole, file);
      item->setData(Qt::UserRole + 1,
                    sampleQuestion(doc.value(QStringLiteral("questions")).toArray()));
    }
  }
  connect(gallery_, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
    loadInput(item->data(Qt::UserRole).toString());
    const QString q = item->data(Qt::UserRole + 1).toString();
    if (!q.isEmpty()) conversation_->setQuestion(q);
  });
  connect(gallery_, &QListWidget::itemClicked, gallery_, &QListWidget::itemActivated);
  galleryDock_->setWidget(gallery_);
}

void MainWindow::showSampleGallery() {
  galleryDock_->show();
  galleryDock_->raise();
}

void MainWindow::applyCommandLine(const CommandLine& c) {
  if (!c.method.isEmpty()) method_->setMethod(c.method);
  if (!c.budget.isEmpty()) method_->setBudget(c.budget);
  if (!c.positionIds.isEmpty()) method_->setPositionIds(c.positionIds);
  if (!c.params.isEmpty()) method_->setParams(c.params);
  if (c.frames) method_->setFrames(c.frames);
  if (c.maxNewTokens) method_->setMaxNewTokens(c.maxNewTokens);
  if (!c.compareMethod.isEmpty())
    method_->setCompare(true, c.compareMethod, c.compareBudget, c.comparePositionIds);
  if (!c.overlay.isEmpty()) {
    if (auto mode = widgets::overlayModeFromKey(c.overlay))
      selection_->setOverlayMode(*mode);
    else
      showError(tr("--overlay: unknown mode '%1'").arg(c.overlay));
  }
  pendingPoint_ = c.point;
  startupPending_ = true;

  const auto spec = c.modelSpec();
  if (spec) loadModel(*spec);

  QString input = c.image.isEmpty() ? c.video : c.image;
  QString question = c.question;
  // README command 1: no input given but a model to ask -> the first sample scene and its
  // question, answered on start, shown where the method first acts (the vision stage) as the
  // score heatmap unless the command line chose a point or an overlay.
  if (input.isEmpty() && spec && gallery_->count() > 0) {
    input = gallery_->item(0)->data(Qt::UserRole).toString();
    if (question.isEmpty()) question = gallery_->item(0)->data(Qt::UserRole + 1).toString();
    if (pendingPoint_.isEmpty()) pendingPoint_ = QStringLiteral("vision");
    if (c.overlay.isEmpty()) selection_->setOverlayMode(widgets::OverlayMode::ScoreHeatmap);
  }
  if (input.isEmpty() || settings_.firstStart() || c.showGallery) showSampleGallery();
  settings_.markFirstStartDone();
  if (!input.isEmpty()) loadInput(input);
  if (!question.isEmpty()) {
    conversation_->setQuestion(question);
    if (spec && !input.isEmpty()) deferredQuestion_ = question;
  }
  checkStartupSettled();
}

void MainWindow::loadInput(const QString& path) {
  log_->info(tr("opening %1").arg(path));
  statusBar()->showMessage(tr("Opening %1…").arg(path));
  if (model_) loader_->setProcessor(model_->processor);
  loader_->load(path, method_->frames());
}

void MainWindow::onInputLoaded(const PreparedInput& input) {
  if (!input.error.isEmpty()) {
    showError(input.error);
    Q_EMIT inputReady(false);
    checkStartupSettled();
    return;
  }
  input_ = input;
  settings_.addRecentFile(input.path);
  updateRecentMenu();
  log_->info(tr("%1: %2 frame(s)").arg(input.path).arg(input.frames.size()));
  statusBar()->showMessage(QFileInfo(input.path).fileName());
  // The raw input until a run exists for it.
  central_->setCurrentIndex(0);
  canvas_->setTrace(nullptr);
  canvas_->setCompareTrace(nullptr);
  canvas_->setFrames(input.frames);
  frameStrip_->setFrames(input.frames);
  frameStrip_->setVisible(input.frames.size() > 1);
  scrubber_->setTrace(nullptr);
  tokenChart_->setTrace(nullptr);
  selection_->setRun(QString(), QString());
  selection_->setFrame(0);
  selection_->setPoint(QStringLiteral("input"));
  Q_EMIT inputReady(true);
  if (!deferredQuestion_.isEmpty() && model_ && !loadJob_) {
    const QString q = deferredQuestion_;
    deferredQuestion_.clear();
    submitAsk(q);
  }
  checkStartupSettled();
}

void MainWindow::loadModel(const ModelSpec& spec) {
  log_->info(tr("loading model %1").arg(spec.label));
  method_->setModelLabel(tr("Loading %1…").arg(spec.label));
  conversation_->setBusy(true);
  loadJob_ = worker_->load(spec);
}

void MainWindow::openModelFolder(const QString& dir) {
  settings_.setValue(QStringLiteral("lastModelDir"), dir);
  ModelSpec spec;
  spec.argv = {"--model",  dir.toStdString(),
               "--device", method_->device().toStdString(),
               "--dtype",  method_->dtype().toStdString()};
  spec.label = dir;
  loadModel(spec);
}

void MainWindow::onModelReady(int jobId, std::shared_ptr<const ModelInfo> info) {
  if (jobId != loadJob_) return;
  model_ = std::move(info);
  method_->setModelLabel(tr("%1\n%2 LLM layers · %3×%3 patches · loaded in %4 s")
                             .arg(model_->source)
                             .arg(model_->config.text.numLayers)
                             .arg(model_->config.vision.gridSide())
                             .arg(model_->loadMs / 1000.0, 0, 'f', 1));
  log_->info(tr("model ready: %1 (%2 ms)").arg(model_->source).arg(model_->loadMs, 0, 'f', 0));
  if (!model_->dtypeNote.isEmpty()) log_->info(model_->dtypeNote);
  // Re-derive the model-input view with this model's preprocessing.
  if (!input_.path.isEmpty()) loadInput(input_.path);
  Q_EMIT modelChanged();
}

void MainWindow::setNoModelState() {
  method_->setModelLabel(tr(kNoModel));
  statusBar()->showMessage(tr(kNoModel));
}

void MainWindow::ask(const QString& question) {
  if (question.trimmed().isEmpty()) return;
  if (!model_ && !loadJob_) {
    showError(tr(kNoModel));
    return;
  }
  if (input_.path.isEmpty() && !loader_->loading()) {
    showError(
        tr("Open an image or a video first (drop it on the window, File → Open, or pick a "
           "sample scene)."));
    return;
  }
  if (loadJob_ || loader_->loading()) {
    // Asked while the model or input is still arriving: ask as soon as both are there, rather
    // than queueing a job that would supersede the load.
    deferredQuestion_ = question;
    log_->info(tr("will ask once the model and input are ready"));
    return;
  }
  submitAsk(question);
}

void MainWindow::submitAsk(const QString& question) {
  AskJob job;
  if (input_.video)
    job.request.video = input_.path.toStdString();
  else
    job.request.image = input_.path.toStdString();
  job.request.frames = input_.video ? input_.requestedFrames : 8;
  job.request.question = question.toStdString();
  job.request.maxNewTokens = method_->maxNewTokens();
  const RunConfig a = method_->configA();
  job.configs.push_back(a);
  if (auto b = method_->configB()) job.configs.push_back(*b);
  method_->saveChoices();
  settings_.setValue(QStringLiteral("choices/question"), question);
  conversation_->beginAnswer(question, job.configs.size() > 1
                                           ? tr("A: %1 vs B: %2").arg(a.label, job.configs[1].label)
                                           : a.label);
  askFrames_ = input_.frames;
  askInput_ = input_.path;
  pairA_.clear();
  jobProducedRun_ = false;
  // A newer question wins: the queued one is superseded and a running one stops at its next
  // layer boundary rather than finishing an answer nobody is waiting for.
  if (askJob_) worker_->cancel();
  askJob_ = worker_->ask(std::move(job));
  conversation_->setBusy(true);
  log_->info(tr("job %1: ask '%2' with %3").arg(askJob_).arg(question, a.label));
}

void MainWindow::cancel() {
  if (!askJob_ && !loadJob_) return;
  log_->info(tr("cancelling"));
  worker_->cancel();
}

void MainWindow::onRunFinished(std::shared_ptr<const RunOutcome> outcome) {
  if (outcome->jobId != askJob_) return;
  RunRecord run;
  run.id = QStringLiteral("run-%1").arg(nextRun_++);
  run.outcome = outcome;
  run.frames = askFrames_;
  run.input = askInput_;
  jobProducedRun_ = true;
  history_->addRun(run.id, run.input, *outcome);
  charts_->addRun(*outcome);
  log_->info(tr("%1 (%2): %3 visual tokens on average, %4 ms")
                 .arg(run.id, outcome->label)
                 .arg(outcome->trace->equivalentTokens, 0, 'f', 1)
                 .arg(outcome->totalMs, 0, 'f', 0));
  if (outcome->slot == 0) {
    conversation_->endAnswer();
    pairA_ = run.id;
    runs_.insert(run.id, run);
  } else {
    run.partner = pairA_;
    runs_.insert(run.id, run);
    if (runs_.contains(pairA_)) runs_[pairA_].partner = run.id;
  }
  // Slot 0 becomes the current run at once (every view follows the selection); a compare job's
  // B then switches the centre to the side-by-side view.
  if (outcome->slot == 0)
    selection_->setRun(run.id, QString::fromStdString(outcome->trace->method));
  else
    showRun(pairA_);
  Q_EMIT runAdded(run.id);
}

void MainWindow::showExportDialog() {
  const RunRecord* run = currentRun();
  if (!run) {
    showError(tr("Nothing to export yet: ask a question first"));
    return;
  }
  // Exactly what the canvas draws: its scene and options, with the runs it draws.
  std::shared_ptr<const trace::RunTrace> compare;
  if (const auto partner = runs_.find(run->partner); partner != runs_.end())
    compare = (run->outcome->slot == 0 ? partner.value() : *run).outcome->trace;
  ExportDialog dialog(run->outcome->trace, compare, canvas_->scene(), canvas_->effectiveOptions(),
                      this);
  dialog.exec();
}

const RunRecord* MainWindow::currentRun() const {
  auto it = runs_.find(selection_->runId());
  return it == runs_.end() ? nullptr : &it.value();
}

bool MainWindow::compareShown() const {
  return central_->currentIndex() == 1;
}

void MainWindow::showRun(const QString& runId) {
  auto it = runs_.find(runId);
  if (it == runs_.end()) return;
  const RunRecord& run = it.value();
  const auto& trace = run.outcome->trace;
  // Keep the scrub position when the new run has it (comparing runs at the same layer).
  const std::string point = selection_->point().toStdString();
  if (!trace->find(point)) selection_->setPoint(QStringLiteral("vision"));
  canvas_->setFrames(run.frames);
  canvas_->setTrace(trace);
  canvas_->setCompareTrace(nullptr);
  frameStrip_->setFrames(run.frames);
  frameStrip_->setVisible(run.frames.size() > 1);
  scrubber_->setTrace(trace);
  tokenChart_->setTrace(trace);
  charts_->showLatency(*run.outcome);
  const auto partner = runs_.find(run.partner);
  if (partner != runs_.end()) {
    const RunRecord& other = partner.value();
    const bool isA = run.outcome->slot == 0;
    const RunRecord& a = isA ? run : other;
    const RunRecord& b = isA ? other : run;
    compare_->setFrames(a.frames);
    compare_->setRuns(a.outcome->trace, a.outcome->label, b.outcome->trace, b.outcome->label);
    compare_->setAnswers(QString::fromStdString(a.outcome->result.answer),
                         QString::fromStdString(b.outcome->result.answer));
    canvas_->setCompareTrace(b.outcome->trace);
    central_->setCurrentIndex(1);
  } else {
    central_->setCurrentIndex(0);
  }
  updatePatchDetails();
}

void MainWindow::onJobDone(int jobId) {
  if (jobId == loadJob_) {
    loadJob_ = 0;
    if (!model_) setNoModelState();
    if (!askJob_) conversation_->setBusy(false);
    if (!deferredQuestion_.isEmpty() && model_ && !input_.path.isEmpty() && !loader_->loading()) {
      const QString q = deferredQuestion_;
      deferredQuestion_.clear();
      submitAsk(q);
    } else if (!model_) {
      deferredQuestion_.clear();
    }
  }
  if (jobId == askJob_) {
    askJob_ = 0;
    charts_->runStopped();
    conversation_->endAnswer();
    conversation_->setBusy(loadJob_ != 0);
    if (startupPending_ && !pendingPoint_.isEmpty()) selection_->setPoint(pendingPoint_);
    Q_EMIT answerFinished(jobProducedRun_);
  }
  checkStartupSettled();
}

QString MainWindow::modelSource() const {
  return model_ ? model_->source : QString();
}

void MainWindow::checkStartupSettled() {
  if (!startupPending_ || loadJob_ || askJob_ || loader_->loading() || !deferredQuestion_.isEmpty())
    return;
  startupPending_ = false;
  Q_EMIT startupFinished();
}

void MainWindow::showError(const QString& message) {
  lastError_ = message;
  log_->error(message);
  statusBar()->showMessage(message, 10000);
  // Window-modal and non-blocking (open(), not exec()): the event loop, the worker's signals
  // and the rest of the session keep going while the message is up.
  if (!errorBox_) {
    errorBox_ = new QMessageBox(QMessageBox::Warning, tr("ViTCoP Inspector"), message,
                                QMessageBox::Ok, this);
    errorBox_->setAttribute(Qt::WA_DeleteOnClose);
    errorBox_->setObjectName(QStringLiteral("errorDialog"));
  } else {
    errorBox_->setText(message);
  }
  errorBox_->open();
  Q_EMIT errorShown(message);
}

void MainWindow::updateRecentMenu() {
  if (!recentMenu_) return;
  recentMenu_->clear();
  for (const QString& path : settings_.recentFiles())
    recentMenu_->addAction(path, this, [this, path] { loadInput(path); });
  recentMenu_->setEnabled(!recentMenu_->isEmpty());
}

void MainWindow::updatePatchDetails() {
  const int32_t patch = selection_->patch();
  const RunRecord* run = currentRun();
  if (patch < 0 || !run) {
    patchDetails_->clear();
    return;
  }
  const auto& trace = *run->outcome->trace;
  QString text = canvas_->toolTipFor(patch).toHtmlEscaped().replace('\n', QStringLiteral("<br/>"));
  const int64_t last = trace.lastLayerAlive(patch);
  text += QStringLiteral("<p>%1</p>")
              .arg(last < 0 ? tr("Never reaches an LLM layer.")
                            : tr("Alive up to LLM layer %1 of %2.")
                                  .arg(last)
                                  .arg(trace.geometry.llmLayers - 1));
  patchDetails_->setHtml(
      QStringLiteral("<h4>%1 · patch %2</h4>%3").arg(run->outcome->label).arg(patch).arg(text));
}

void MainWindow::pasteFromClipboard() {
  const QMimeData* mime = QApplication::clipboard()->mimeData();
  if (!mime) return;
  if (mime->hasUrls() && !mime->urls().isEmpty() && mime->urls().first().isLocalFile()) {
    loadInput(mime->urls().first().toLocalFile());
    return;
  }
  if (mime->hasImage()) {
    const QImage image = qvariant_cast<QImage>(mime->imageData());
    // The model reads files; a pasted image becomes one in a directory this window owns.
    const QString path =
        pasteDir_.filePath(QStringLiteral("pasted-%1.png").arg(nextRun_ * 1000 + runs_.size()));
    if (image.isNull() || !image.save(path)) {
      showError(tr("The clipboard image could not be saved to %1").arg(path));
      return;
    }
    loadInput(path);
    return;
  }
  const QString text = mime->text().trimmed();
  if (!text.isEmpty() && QFileInfo::exists(text)) {
    loadInput(text);
    return;
  }
  showError(tr("The clipboard holds no image and no file path."));
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls() || event->mimeData()->hasImage()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  const QMimeData* mime = event->mimeData();
  if (mime->hasUrls() && !mime->urls().isEmpty()) {
    const QUrl url = mime->urls().first();
    if (!url.isLocalFile()) {
      showError(tr("Only local files can be opened (%1)").arg(url.toString()));
      return;
    }
    event->acceptProposedAction();
    loadInput(url.toLocalFile());
    return;
  }
  if (mime->hasImage()) {
    event->acceptProposedAction();
    const QImage image = qvariant_cast<QImage>(mime->imageData());
    const QString path = pasteDir_.filePath(QStringLiteral("dropped-%1.png").arg(nextRun_));
    if (image.save(path)) loadInput(path);
  }
}

void MainWindow::closeEvent(QCloseEvent* event) {
  settings_.saveLayout(saveGeometry(), saveState());
  method_->saveChoices();
  settings_.sync();
  worker_->cancel();
  QMainWindow::closeEvent(event);
}

}  // namespace vitcop::inspector
