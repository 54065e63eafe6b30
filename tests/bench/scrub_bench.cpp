// Scrubbing cost: median time for the PatchCanvas to redraw after the Selection moves to another
// point, on a 24×24 grid (LLaVA-1.5's 576 patches) at 1024×1024 px. A frame budget of 16 ms
// keeps holding ←/→ in the StageScrubber smooth.
//
//   scrub_bench [--runs N] [--size PX] [--mode kept|merged|heatmap|clusters|difference]
//
// Runs on the offscreen platform unless QT_QPA_PLATFORM says otherwise; a real display adds the
// compositor's cost on top and is not what this measures.
#include <QApplication>
#include <QEvent>
#include <QImage>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "tests/bench/bench_common.h"
#include "widgets/overlay_renderer.h"
#include "widgets/patch_canvas.h"
#include "widgets/selection.h"

namespace {

using vitcop::trace::RunTrace;
using vitcop::trace::TracePoint;
using vitcop::trace::TraceToken;

// 576 patches; vision keeps ~60% with some two-patch merges, then 32 LLM layers each drop a few
// tokens, so every point differs from the previous one (no redraw can be skipped).
RunTrace benchTrace(int layers) {
  RunTrace t;
  t.geometry = {1, 24, 14, 336, layers};
  TracePoint input{"input", "patch embedding", {}, 0.0};
  for (int32_t p = 0; p < 576; ++p)
    input.tokens.push_back({{p}, p, -2, false, false, {}});
  TracePoint vision{"vision", "Stage I", {}, 0.0};
  for (int32_t p = 0; p < 576; ++p) {
    if ((static_cast<uint32_t>(p) * 2654435761u >> 16) % 10 >= 6) continue;
    TraceToken tok{{p}, p, (p % 24) / 6, p % 37 == 0, false, {}};
    if (p % 11 == 0 && p + 1 < 576) {
      tok.patches.push_back(p + 1);
      tok.merged = true;
    }
    tok.scores["cls_attention"] =
        std::exp(-((p / 24 - 9.0) * (p / 24 - 9.0) + (p % 24 - 14.0) * (p % 24 - 14.0)) / 50.0);
    vision.tokens.push_back(tok);
  }
  t.points = {input, vision};
  for (int l = 0; l < layers; ++l) {
    TracePoint p = vision;
    p.name = vitcop::trace::llmPointName(l);
    p.tokens.resize(vision.tokens.size() * static_cast<size_t>(layers - l / 2) / layers);
    t.points.push_back(p);
  }
  return t;
}

// Counts paint events, so the bench can prove each timed repaint really painted.
struct PaintCounter : QObject {
  int paints = 0;
  bool eventFilter(QObject*, QEvent* e) override {
    if (e->type() == QEvent::Paint) ++paints;
    return false;
  }
};

QImage benchImage(int side) {
  QImage img(side, side, QImage::Format_RGB32);
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x)
      img.setPixel(x, y, qRgb(x % 256, y % 256, (x + y) % 256));
  return img;
}

}  // namespace

int main(int argc, char** argv) {
  setenv("QT_QPA_PLATFORM", "offscreen", 0);
  QApplication app(argc, argv);
  int runs = 0, size = 0;
  QString modeKey;
  try {
    const vitcop::bench::Args args(argc, argv);
    runs = args.getInt("--runs", 101, 1, 100000);
    size = args.getInt("--size", 1024, 64, 8192);
    modeKey = QString::fromStdString(args.get("--mode", "kept"));
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  const auto mode = vitcop::widgets::overlayModeFromKey(modeKey);
  if (!mode) {
    std::fprintf(stderr, "unknown --mode %s\n", qPrintable(modeKey));
    return 2;
  }

  auto trace = std::make_shared<RunTrace>(benchTrace(32));
  vitcop::widgets::PatchCanvas canvas;
  canvas.setTrace(trace);
  canvas.setCompareTrace(trace);
  canvas.setFrames({benchImage(336)});
  vitcop::widgets::OverlayOptions options;
  options.showLegend = true;
  canvas.setOptions(options);
  canvas.selection()->setOverlayMode(*mode);
  canvas.resize(size, size);
  canvas.show();
  QApplication::processEvents();

  // What one ←/→ press costs: the Selection changes, the canvas repaints synchronously.
  std::vector<std::string> points;
  for (const auto& p : trace->points)
    points.push_back(p.name);
  size_t next = 0;
  PaintCounter counter;
  canvas.installEventFilter(&counter);
  const double canvasMs = vitcop::bench::medianMs(runs, [&] {
    canvas.selection()->setPoint(QString::fromStdString(points[next++ % points.size()]));
    canvas.repaint();
  });
  // The export path alone (same renderer, into a fresh QImage), for comparison.
  vitcop::widgets::OverlayRenderer renderer;
  vitcop::widgets::OverlayScene scene = canvas.scene();
  const double exportMs = vitcop::bench::medianMs(runs, [&] {
    scene.point = points[next++ % points.size()];
    const QImage img = renderer.renderImage(scene, canvas.effectiveOptions(), QSize(size, size));
    if (img.isNull()) std::abort();
  });

  std::printf("scrub_bench --runs %d --size %d --mode %s\n", runs, size, qPrintable(modeKey));
  std::printf("  grid 24x24, %zu points, canvas %dx%d (image %.0f px), platform %s\n",
              points.size(), canvas.width(), canvas.height(), canvas.imageRect().width(),
              qPrintable(QGuiApplication::platformName()));
  std::printf(
      "  canvas redraw on point change: median %.2f ms (target <= 16 ms), %d paints in %d calls\n",
      canvasMs, counter.paints, runs + 1);
  std::printf("  renderImage (export path):     median %.2f ms\n", exportMs);
  return 0;
}
