// The inspector's responsiveness while the model works, measured through the real MainWindow
// and InferenceWorker (offscreen):
//   stall:   the longest GUI event-loop stall during a run. A 1 ms timer on the GUI thread
//            records the largest gap between its ticks from the click to the answer; everything
//            the GUI does meanwhile (streamed tokens, progress, charts, the final redraw) counts.
//   latency: click → answer on screen (the answerFinished signal), the figure the README's
//            "answers within 0.5 s" refers to.
//
//   inspector_bench [--mode stall|latency] [--model DIR | --random-init PRESET [--llm-layers N]]
//                   [--dtype auto|f32|bf16] [--image FILE] [--method NAME] [--budget B]
//                   [--max-new-tokens N] [--runs N]
// (--dtype as the inspector's own option; full-depth 7B needs bf16 on a 24 GiB machine.)
//
// Default: --mode stall --random-init llava-1.5-7b --llm-layers 4 (full-width 7B layers, fewer
// of them, so it fits a shared CPU machine), first sample scene, vitcop at 64, 8 new tokens.
#include <QApplication>
#include <QElapsedTimer>
#include <QEvent>
#include <QEventLoop>
#include <QStandardPaths>
#include <QThread>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "app/inspector/main_window.h"
#include "app/inspector/method_dock.h"
#include "gpu/runtime.h"
#include "tests/bench/bench_common.h"

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n == 0 ? 0.0 : n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Times every outermost event delivery on the GUI thread, so a stall can be attributed: the
// longest ones name the receiver and the event type (a posted slot call is a MetaCall event).
class TimingApplication : public QApplication {
 public:
  using QApplication::QApplication;
  struct Delivery {
    double ms = 0;
    std::string what;
  };
  std::vector<Delivery> longest;  // the 3 longest since the last reset, longest first

  bool notify(QObject* receiver, QEvent* event) override {
    if (depth_++ > 0 || QThread::currentThread() != thread()) {
      const bool r = QApplication::notify(receiver, event);
      --depth_;
      return r;
    }
    QElapsedTimer t;
    t.start();
    const int type = static_cast<int>(event->type());
    const bool r = QApplication::notify(receiver, event);
    --depth_;
    record(t.nsecsElapsed() / 1e6, receiver, type);
    return r;
  }

 private:
  void record(double ms, QObject* receiver, int type) {
    if (longest.size() == 3 && ms <= longest.back().ms) return;
    std::string what = receiver ? receiver->metaObject()->className() : "?";
    if (receiver && !receiver->objectName().isEmpty())
      what += "(" + receiver->objectName().toStdString() + ")";
    what += " event " + std::to_string(type);
    longest.push_back({ms, what});
    std::sort(longest.begin(), longest.end(),
              [](const Delivery& a, const Delivery& b) { return a.ms > b.ms; });
    if (longest.size() > 3) longest.pop_back();
  }
  int depth_ = 0;
};

template <typename Sender, typename Signal>
bool waitFor(Sender* sender, Signal signal, int timeoutMs) {
  QEventLoop loop;
  bool fired = false;
  auto c = QObject::connect(sender, signal, &loop, [&] {
    fired = true;
    loop.quit();
  });
  QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
  loop.exec();
  QObject::disconnect(c);
  return fired;
}

}  // namespace

int main(int argc, char** argv) {
  vitcop::bench::ensureCleanBlasEnvironment(argv);
  vitcop::gpu::initRuntime();
  setenv("QT_QPA_PLATFORM", "offscreen", 0);
  TimingApplication app(argc, argv);
  QStandardPaths::setTestModeEnabled(true);  // leave the user's settings alone
  const vitcop::bench::Args args(argc, argv);
  const std::string mode = args.get("--mode", "stall");
  const int runs = args.getInt("--runs", 5, 1, 100);

  vitcop::inspector::ModelSpec spec;
  if (args.has("--model")) {
    spec.argv = {"--model", args.get("--model", ""), "--device", "cpu"};
    spec.label = QString::fromStdString(args.get("--model", ""));
  } else {
    const std::string preset = args.get("--random-init", "llava-1.5-7b");
    spec.argv = {"--random-init", preset, "--device", "cpu"};
    spec.llmLayers = args.getInt("--llm-layers", 4, 1, 80);
    spec.label = QString::fromStdString(preset);
  }
  spec.argv.push_back("--dtype");
  spec.argv.push_back(args.get("--dtype", "auto"));
  const QString image = QString::fromStdString(
      args.get("--image", VITCOP_SOURCE_DIR "/resources/samples/scene_2147483676.png"));

  vitcop::inspector::MainWindow window;
  window.resize(1400, 900);
  window.show();
  window.methodDock()->setMethod(QString::fromStdString(args.get("--method", "vitcop")));
  window.methodDock()->setBudget(QString::fromStdString(args.get("--budget", "64")));
  window.methodDock()->setMaxNewTokens(args.getInt("--max-new-tokens", 8, 1, 4096));
  window.methodDock()->setCompare(false, {}, {}, {});

  QElapsedTimer loadClock;
  loadClock.start();
  window.loadModel(spec);
  if (!waitFor(&window, &vitcop::inspector::MainWindow::modelChanged, 30 * 60 * 1000)) {
    std::fprintf(stderr, "model did not load: %s\n", window.lastError().toLocal8Bit().constData());
    return 1;
  }
  std::printf("model %s loaded in %.1f s\n", spec.label.toLocal8Bit().constData(),
              loadClock.elapsed() / 1000.0);
  window.loadInput(image);
  waitFor(&window, &vitcop::inspector::MainWindow::inputReady, 60000);
  // Let the model-triggered re-derivation of the input settle.
  QEventLoop settle;
  QTimer::singleShot(300, &settle, &QEventLoop::quit);
  settle.exec();

  std::vector<double> stalls, latencies;
  for (int r = 0; r <= runs; ++r) {  // run 0 warms up
    double maxGap = 0.0;
    QElapsedTimer tick;
    QTimer ticker;
    ticker.setInterval(1);
    ticker.setTimerType(Qt::PreciseTimer);
    QObject::connect(&ticker, &QTimer::timeout, [&] {
      maxGap = std::max(maxGap, tick.nsecsElapsed() / 1e6);
      tick.restart();
    });
    QElapsedTimer click;
    click.start();
    tick.start();
    ticker.start();
    app.longest.clear();
    window.ask(QStringLiteral("what shape is the yellow object?"));
    if (!waitFor(&window, &vitcop::inspector::MainWindow::answerFinished, 30 * 60 * 1000)) {
      std::fprintf(stderr, "no answer\n");
      return 1;
    }
    const double latency = click.nsecsElapsed() / 1e6;
    ticker.stop();
    if (!window.lastError().isEmpty()) {
      std::fprintf(stderr, "run failed: %s\n", window.lastError().toLocal8Bit().constData());
      return 1;
    }
    if (r == 0) continue;
    stalls.push_back(maxGap);
    latencies.push_back(latency);
    std::printf("run %d: longest stall %.1f ms, click to answer %.1f ms\n", r, maxGap, latency);
    for (const auto& d : app.longest)
      std::printf("  GUI event %.1f ms: %s\n", d.ms, d.what.c_str());
  }
  if (mode == "stall")
    std::printf("median longest GUI stall: %.1f ms (max %.1f ms) over %d runs\n", median(stalls),
                *std::max_element(stalls.begin(), stalls.end()), runs);
  else
    std::printf("median click-to-answer: %.1f ms over %d runs\n", median(latencies), runs);
  return 0;
}
