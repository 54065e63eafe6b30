// The inspector end to end on the tiny chat model (offscreen): load an image, ask, the trace
// arrives, scrubbing changes the overlay (golden image), compare mode, cancel mid-run, a bad
// file dropped, a video with per-frame overlays. No timing assertions (those are benches).
#include <gtest/gtest.h>

#include <QAction>
#include <QApplication>
#include <QDropEvent>
#include <QFile>
#include <QMessageBox>
#include <QMimeData>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUrl>
#include <QXmlStreamReader>
#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <set>

#include "app/cli/args.h"
#include "app/inspector/charts_dock.h"
#include "app/inspector/command_line.h"
#include "app/inspector/compare_view.h"
#include "app/inspector/conversation_dock.h"
#include "app/inspector/export_dialog.h"
#include "app/inspector/history_dock.h"
#include "app/inspector/log_dock.h"
#include "app/inspector/main_window.h"
#include "app/inspector/method_dock.h"
#include "tests/gui/golden.h"
#include "tests/support/test_paths.h"
#include "widgets/frame_strip.h"
#include "widgets/overlay_renderer.h"
#include "widgets/patch_canvas.h"
#include "widgets/selection.h"
#include "widgets/stage_scrubber.h"

namespace {

using vitcop::inspector::MainWindow;
using vitcop::inspector::ModelSpec;

constexpr int kWaitMs = 120000;  // a busy shared machine; these are not timing tests

QString tinyImage() {
  return QString::fromStdString((vitcop::test::dataDir() / "llava-tiny-a" / "image.png").string());
}

ModelSpec tinyModel() {
  ModelSpec spec;
  spec.argv = {"--model", VITCOP_TINY_CHAT_DIR, "--device", "cpu", "--dtype", "f32"};
  spec.label = QStringLiteral("tiny-chat-model");
  return spec;
}

// The canvas's current scene through the export path: pixel-stable (no window-system
// dependence), and by contract identical to what the canvas paints.
QImage overlayImage(const vitcop::widgets::PatchCanvas* canvas) {
  auto options = canvas->effectiveOptions();
  options.showLegend = false;
  options.showColourBar = false;
  options.title.clear();
  options.background = Qt::white;
  options.opacity = 0.6;
  vitcop::widgets::OverlayRenderer renderer;
  return renderer.renderImage(canvas->scene(), options, QSize(224, 224));
}

struct InspectorFixture : ::testing::Test {
  static void SetUpTestSuite() { QStandardPaths::setTestModeEnabled(true); }

  void SetUp() override {
    window = std::make_unique<MainWindow>();
    window->resize(1200, 800);
    window->show();
    window->methodDock()->setMaxNewTokens(4);
    window->methodDock()->setMethod(QStringLiteral("vitcop"));
    window->methodDock()->setBudget(QStringLiteral("33%"));
    window->methodDock()->setPositionIds(QStringLiteral("official"));
    window->methodDock()->setCompare(false, {}, {}, {});
    window->methodDock()->setFrames(3);
    // Choices persist across runs (test-mode QSettings): start every test from the same overlay.
    window->selection()->setOverlayMode(vitcop::widgets::OverlayMode::KeptPruned);
  }
  void TearDown() override {
    if (auto* box = window->errorDialog()) box->close();
    window.reset();
  }

  void loadModelAndImage(const QString& image) {
    QSignalSpy model(window.get(), &MainWindow::modelChanged);
    window->loadModel(tinyModel());
    ASSERT_TRUE(model.wait(kWaitMs)) << window->lastError().toStdString();
    loadInput(image);
  }
  void loadInput(const QString& path) {
    QSignalSpy input(window.get(), &MainWindow::inputReady);
    window->loadInput(path);
    ASSERT_TRUE(input.wait(kWaitMs));
    // The model's arrival re-derives the input view; drain that second load too.
    while (input.wait(500)) {
    }
  }
  // Asks and waits for the job to end; returns whether it produced a run.
  bool askAndWait(const QString& question) {
    QSignalSpy done(window.get(), &MainWindow::answerFinished);
    window->ask(question);
    if (!done.wait(kWaitMs)) return false;
    return done.takeFirst().at(0).toBool();
  }

  std::unique_ptr<MainWindow> window;
};

TEST_F(InspectorFixture, AskProducesTraceAndScrubbingChangesTheOverlay) {
  loadModelAndImage(tinyImage());
  ASSERT_TRUE(window->hasModel());
  ASSERT_EQ(window->input().frames.size(), 1);
  ASSERT_TRUE(askAndWait(QStringLiteral("What color is the circle?")))
      << window->lastError().toStdString();

  const auto* run = window->currentRun();
  ASSERT_NE(run, nullptr);
  ASSERT_TRUE(run->outcome->trace);
  EXPECT_EQ(run->outcome->trace->method, "vitcop");
  EXPECT_EQ(window->selection()->runId(), run->id);
  EXPECT_FALSE(window->busy());
  // Every LLM layer is in the scrubber, after input and vision.
  const QStringList names = window->scrubber()->pointNames();
  ASSERT_EQ(names.size(), 2 + 3);
  EXPECT_EQ(names.front(), QStringLiteral("input"));
  EXPECT_EQ(window->history()->rowCount(), 1);
  EXPECT_GT(window->charts()->latencyBars(), 0);
  EXPECT_GT(window->charts()->historyRuns(), 0);
  EXPECT_TRUE(window->conversation()->transcript().contains(QStringLiteral("What color")));

  window->selection()->setOverlayMode(vitcop::widgets::OverlayMode::KeptPruned);
  window->selection()->setPoint(QStringLiteral("input"));
  const QImage atInput = overlayImage(window->canvas());
  window->scrubber()->setCurrentIndex(names.indexOf(QStringLiteral("llm:2")));
  EXPECT_EQ(window->selection()->point(), QStringLiteral("llm:2"));
  const QImage atLast = overlayImage(window->canvas());
  EXPECT_GT(vitcop::test::compareImages(atInput, atLast, 6).badPixels, 100)
      << "scrubbing from input to llm:2 must change the overlay";
  EXPECT_TRUE(vitcop::test::matchesGolden(atLast, "inspector_tiny_vitcop_llm2"));

  // Clicking a patch fills the details panel (via the shared selection).
  window->selection()->setPatch(5);
  EXPECT_EQ(window->selection()->patch(), 5);
}

// File → Export (Ctrl+E) on the current run: without a run it explains; with one the dialog
// writes the canvas's stage as SVG with one <rect> per pruned patch.
TEST_F(InspectorFixture, CtrlEExportsTheCurrentStage) {
  QAction* exportAction = nullptr;
  for (auto* a : window->findChildren<QAction*>())
    if (a->shortcut() == QKeySequence(QStringLiteral("Ctrl+E"))) exportAction = a;
  ASSERT_NE(exportAction, nullptr);
  exportAction->trigger();
  EXPECT_TRUE(window->lastError().contains(QStringLiteral("Nothing to export")))
      << window->lastError().toStdString();
  if (auto* box = window->errorDialog()) box->close();

  loadModelAndImage(tinyImage());
  ASSERT_TRUE(askAndWait(QStringLiteral("What is in the picture?")));
  window->selection()->setPoint(QStringLiteral("vision"));
  const auto path = vitcop::test::outputDir() / "inspector_export.svg";
  std::filesystem::remove(path);
  bool sawDialog = false;
  // exec() blocks: drive the dialog from the event loop it runs.
  QTimer::singleShot(0, [&] {
    for (auto* w : QApplication::topLevelWidgets())
      if (auto* d = qobject_cast<vitcop::inspector::ExportDialog*>(w)) {
        sawDialog = true;
        d->setKind(vitcop::inspector::ExportDialog::Kind::Svg);
        d->setPath(QString::fromStdString(path.string()));
        d->accept();
      }
  });
  exportAction->trigger();
  ASSERT_TRUE(sawDialog);
  QFile f(QString::fromStdString(path.string()));
  ASSERT_TRUE(f.open(QIODevice::ReadOnly));
  QXmlStreamReader xml(f.readAll());
  int rects = 0;
  while (!xml.atEnd())
    if (xml.readNext() == QXmlStreamReader::StartElement && xml.name() == QStringLiteral("rect"))
      ++rects;
  const auto& trace = *window->currentRun()->outcome->trace;
  std::set<int32_t> carried;
  for (const auto& t : trace.find("vision")->tokens)
    for (int32_t p : t.patches)
      if (p >= 0) carried.insert(p);
  EXPECT_EQ(rects, static_cast<int>(trace.geometry.gridSide * trace.geometry.gridSide) -
                       static_cast<int>(carried.size()));
}

TEST_F(InspectorFixture, CompareModeShowsBothRunsSideBySide) {
  loadModelAndImage(tinyImage());
  window->methodDock()->setCompare(true, QStringLiteral("fastv"), QStringLiteral("33%"),
                                   QStringLiteral("official"));
  QSignalSpy runs(window.get(), &MainWindow::runAdded);
  ASSERT_TRUE(askAndWait(QStringLiteral("What color?"))) << window->lastError().toStdString();
  ASSERT_EQ(runs.count(), 2);
  EXPECT_TRUE(window->compareShown());
  auto* compare = window->compareView();
  EXPECT_TRUE(compare->answerA().startsWith(QStringLiteral("A:")));
  EXPECT_TRUE(compare->answerB().startsWith(QStringLiteral("B:")));
  EXPECT_NE(compare->diffCanvas()->scene().compare, nullptr);
  EXPECT_EQ(compare->diffCanvas()->effectiveOptions().mode,
            vitcop::widgets::OverlayMode::Difference);

  // Scrub and zoom are synchronised.
  window->selection()->setPoint(QStringLiteral("llm:1"));
  EXPECT_EQ(compare->canvasA()->scene().point, "llm:1");
  EXPECT_EQ(compare->canvasB()->scene().point, "llm:1");
  EXPECT_EQ(compare->diffCanvas()->scene().point, "llm:1");
  compare->canvasA()->setZoom(2.0, compare->canvasA()->rect().center());
  EXPECT_DOUBLE_EQ(compare->canvasB()->zoom(), 2.0);
  EXPECT_DOUBLE_EQ(compare->diffCanvas()->zoom(), 2.0);
  EXPECT_EQ(compare->canvasB()->panOffset(), compare->canvasA()->panOffset());

  // A and B differ somewhere along the pipeline (ViTCoP vs FastV at the same budget).
  const QImage a = overlayImage(compare->canvasA());
  const QImage b = overlayImage(compare->canvasB());
  EXPECT_EQ(a.size(), b.size());
}

TEST_F(InspectorFixture, CancelMidRunLeavesTheAppUsable) {
  loadModelAndImage(tinyImage());
  window->methodDock()->setMaxNewTokens(64);
  // Raised from the worker thread as the run starts, so the engine sees the flag at its first
  // layer boundary: a genuine mid-run cancel, independent of how fast the model is.
  auto* worker = window->worker();
  auto connection = QObject::connect(
      worker, &vitcop::inspector::InferenceWorker::progress, worker,
      [worker](int, const QString&, int done, int) {
        if (done == 0) worker->cancel();
      },
      Qt::DirectConnection);
  QSignalSpy cancelled(worker, &vitcop::inspector::InferenceWorker::jobCancelled);
  EXPECT_FALSE(askAndWait(QStringLiteral("Describe the image.")));
  QObject::disconnect(connection);
  EXPECT_EQ(cancelled.count(), 1);
  EXPECT_FALSE(window->busy());
  EXPECT_EQ(window->runCount(), 0);
  EXPECT_TRUE(window->conversation()->transcript().contains(QStringLiteral("(cancelled)")));

  window->methodDock()->setMaxNewTokens(2);
  EXPECT_TRUE(askAndWait(QStringLiteral("And now?"))) << window->lastError().toStdString();
  EXPECT_EQ(window->runCount(), 1);
}

TEST_F(InspectorFixture, BadFileDroppedShowsAnErrorAndTheAppStaysAlive) {
  QTemporaryDir dir;
  const QString bad = dir.filePath(QStringLiteral("broken.png"));
  {
    QFile f(bad);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write("this is not a PNG at all");
  }
  QSignalSpy errors(window.get(), &MainWindow::errorShown);
  QMimeData mime;
  mime.setUrls({QUrl::fromLocalFile(bad)});
  // Qt routes a drop to the widget that accepted the drag's enter event, so enter first.
  QDragEnterEvent enter(QPoint(100, 100), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(window.get(), &enter);
  ASSERT_TRUE(enter.isAccepted());
  QDropEvent drop(QPointF(100, 100), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(window.get(), &drop);
  ASSERT_TRUE(errors.count() > 0 || errors.wait(kWaitMs)) << window->log()->text().toStdString();
  EXPECT_TRUE(window->lastError().contains(QStringLiteral("broken.png")))
      << window->lastError().toStdString();
  ASSERT_NE(window->errorDialog(), nullptr);
  EXPECT_TRUE(window->errorDialog()->isVisible());
  EXPECT_TRUE(window->log()->text().contains(QStringLiteral("broken.png")));
  window->errorDialog()->close();

  // Still alive: a good image loads and is shown.
  loadInput(tinyImage());
  EXPECT_EQ(window->input().frames.size(), 1);
  EXPECT_EQ(window->input().path, tinyImage());
}

TEST_F(InspectorFixture, AskWithoutModelExplainsTheNoModelState) {
  loadInput(tinyImage());
  QSignalSpy errors(window.get(), &MainWindow::errorShown);
  window->ask(QStringLiteral("What?"));
  ASSERT_EQ(errors.count(), 1);
  EXPECT_TRUE(window->lastError().contains(QStringLiteral("No model")));
}

TEST_F(InspectorFixture, FailedModelLoadKeepsTheSession) {
  loadModelAndImage(tinyImage());
  QSignalSpy errors(window.get(), &MainWindow::errorShown);
  window->openModelFolder(QStringLiteral("/nonexistent/model"));
  ASSERT_TRUE(errors.wait(kWaitMs));
  EXPECT_TRUE(window->lastError().contains(QStringLiteral("/nonexistent/model")));
  EXPECT_TRUE(window->hasModel());
  window->errorDialog()->close();
  EXPECT_TRUE(askAndWait(QStringLiteral("Still there?"))) << window->lastError().toStdString();
}

TEST_F(InspectorFixture, VideoYieldsPerFrameOverlays) {
  // Three visibly different frames: a white square moving across a dark background.
  QTemporaryDir dir;
  const std::string path = dir.filePath(QStringLiteral("clip.avi")).toStdString();
  {
    cv::VideoWriter writer(path, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 5.0,
                           cv::Size(64, 64));
    ASSERT_TRUE(writer.isOpened());
    for (int i = 0; i < 6; ++i) {
      cv::Mat frame(64, 64, CV_8UC3, cv::Scalar(30, 30, 30));
      cv::rectangle(frame, cv::Rect(4 + i * 8, 8 + i * 6, 16, 16), cv::Scalar(255, 255, 255), -1);
      writer.write(frame);
    }
  }
  loadModelAndImage(QString::fromStdString(path));
  ASSERT_EQ(window->input().frames.size(), 3);
  EXPECT_TRUE(window->input().video);
  ASSERT_TRUE(askAndWait(QStringLiteral("What moves?"))) << window->lastError().toStdString();
  const auto* run = window->currentRun();
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->outcome->trace->geometry.frames, 3);
  EXPECT_EQ(window->frameStrip()->frameCount(), 3);
  EXPECT_FALSE(window->frameStrip()->isHidden());

  window->selection()->setPoint(QStringLiteral("vision"));
  window->selection()->setFrame(0);
  const QImage f0 = overlayImage(window->canvas());
  window->selection()->setFrame(2);
  EXPECT_EQ(window->canvas()->scene().frame, 2);
  const QImage f2 = overlayImage(window->canvas());
  EXPECT_GT(vitcop::test::compareImages(f0, f2, 6).badPixels, 50);
  // The scrubber works per frame: moving along the pipeline keeps the chosen frame.
  window->scrubber()->step(1);
  EXPECT_EQ(window->selection()->frame(), 2);
}

// README command 1: no options at all -> the embedded model (resources/model), the first sample
// scene and its first shape/colour question, answered without a click, shown at the vision
// stage as the score heatmap.
TEST(InspectorStartup, NoOptionsOpensTheEmbeddedModelAndAnswersTheFirstSample) {
  QStandardPaths::setTestModeEnabled(true);
  qunsetenv("VITCOP_MODEL_DIR");
  MainWindow window;
  window.resize(1200, 800);
  window.show();
  QSignalSpy settled(&window, &MainWindow::startupFinished);
  QSignalSpy answered(&window, &MainWindow::answerFinished);
  // Whatever a previous run left in the settings, the startup chooses the heatmap itself.
  window.selection()->setOverlayMode(vitcop::widgets::OverlayMode::KeptPruned);
  window.applyCommandLine(vitcop::inspector::parseCommandLine({"vitcop-inspector"}));
  ASSERT_TRUE(settled.count() > 0 || settled.wait(kWaitMs)) << window.lastError().toStdString();
  ASSERT_TRUE(window.hasModel()) << window.lastError().toStdString();
  EXPECT_TRUE(window.modelSource().endsWith(QStringLiteral("resources/model")))
      << window.modelSource().toStdString();
  EXPECT_TRUE(window.input().path.endsWith(QStringLiteral("scene_2147483676.png")))
      << window.input().path.toStdString();
  ASSERT_EQ(answered.count(), 1);
  EXPECT_TRUE(answered.first().at(0).toBool()) << window.lastError().toStdString();
  const auto* run = window.currentRun();
  ASSERT_NE(run, nullptr);
  ASSERT_TRUE(run->outcome->trace);
  EXPECT_EQ(run->outcome->trace->geometry.gridSide, 16);
  // The sample's first shape/colour question (resources/samples/samples.jsonl), answered as
  // the scene's ground truth says: the first thing a newcomer reads is right.
  const QString transcript = window.conversation()->transcript();
  EXPECT_TRUE(transcript.contains(QStringLiteral("what shape is the yellow object?")))
      << transcript.toStdString();
  EXPECT_TRUE(transcript.contains(QStringLiteral("circle"))) << transcript.toStdString();
  EXPECT_EQ(window.selection()->point(), QStringLiteral("vision"));
  EXPECT_EQ(window.selection()->overlayMode(), vitcop::widgets::OverlayMode::ScoreHeatmap);
  EXPECT_TRUE(window.lastError().isEmpty()) << window.lastError().toStdString();
}

TEST(InspectorCommandLine, ParsesAndRejectsLikeTheCli) {
  using vitcop::inspector::parseCommandLine;
  const auto c =
      parseCommandLine({"vitcop-inspector", "--random-init", "llava-1.5-7b", "--llm-layers", "2",
                        "--image", "a.png", "--question", "Why?", "--method", "vitcop", "--budget",
                        "64", "--param", "S=2", "--screenshot", "out.png", "--quit-after-answer"});
  EXPECT_EQ(c.image, QStringLiteral("a.png"));
  EXPECT_EQ(c.params, QStringList{QStringLiteral("S=2")});
  EXPECT_TRUE(c.quitAfterAnswer);
  const auto spec = c.modelSpec();
  ASSERT_TRUE(spec.has_value());
  EXPECT_EQ(spec->llmLayers, 2);
  EXPECT_TRUE(spec->label.contains(QStringLiteral("llava-1.5-7b")));
  EXPECT_THROW(parseCommandLine({"x", "--model", "m", "--random-init", "p"}),
               vitcop::cli::UsageError);
  EXPECT_THROW(parseCommandLine({"x", "--image", "a", "--video", "b"}), vitcop::cli::UsageError);
  EXPECT_THROW(parseCommandLine({"x", "--bogus", "1"}), vitcop::cli::UsageError);
  EXPECT_THROW(parseCommandLine({"x", "--llm-layers", "2"}), vitcop::cli::UsageError);
}

}  // namespace
