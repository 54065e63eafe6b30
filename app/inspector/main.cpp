// vitcop-inspector: see which visual tokens a pruning method keeps, merges and drops.
#include <QApplication>
#include <QTimer>
#include <cstdio>

#include "app/cli/args.h"
#include "app/inspector/command_line.h"
#include "app/inspector/main_window.h"
#include "gpu/runtime.h"

int main(int argc, char** argv) {
  vitcop::gpu::initRuntime();
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("ViTCoP"));
  QApplication::setApplicationName(QStringLiteral("Inspector"));
  QApplication::setApplicationVersion(QStringLiteral(VITCOP_VERSION));
  const QStringList arguments = QApplication::arguments();
  if (arguments.contains(QStringLiteral("--help")) || arguments.contains(QStringLiteral("-h"))) {
    std::fputs(vitcop::inspector::commandLineUsage().toLocal8Bit().constData(), stdout);
    return 0;
  }
  vitcop::inspector::CommandLine options;
  try {
    options = vitcop::inspector::parseCommandLine(arguments);
  } catch (const vitcop::cli::UsageError& e) {
    std::fprintf(stderr, "vitcop-inspector: %s\n%s", e.what(),
                 vitcop::inspector::commandLineUsage().toLocal8Bit().constData());
    return 2;
  }

  vitcop::inspector::MainWindow window;
  window.show();
  bool failed = false;
  QObject::connect(&window, &vitcop::inspector::MainWindow::errorShown, [&](const QString& m) {
    failed = true;
    std::fprintf(stderr, "vitcop-inspector: %s\n", m.toLocal8Bit().constData());
  });
  if (!options.screenshot.isEmpty() || options.quitAfterAnswer) {
    QObject::connect(&window, &vitcop::inspector::MainWindow::startupFinished, &window, [&] {
      // One more turn of the event loop so views updated by the last signals have repainted.
      QTimer::singleShot(50, &window, [&] {
        if (!options.screenshot.isEmpty() && !window.grab().save(options.screenshot)) {
          std::fprintf(stderr, "vitcop-inspector: cannot write %s\n",
                       options.screenshot.toLocal8Bit().constData());
          failed = true;
        }
        if (options.quitAfterAnswer) QApplication::exit(failed ? 1 : 0);
      });
    });
  }
  window.applyCommandLine(options);
  return app.exec();
}
