#include "app/export/offscreen_gui.h"

#include <cstdio>

namespace vitcop::exporting {
namespace {

// A command's stderr is its one-line error; Qt's chatter about the headless environment
// ("XDG_RUNTIME_DIR not set", font fallbacks) would bury it. Critical messages still pass, and
// VITCOP_QT_WARNINGS=1 shows everything when debugging an export.
void quietMessages(QtMsgType type, const QMessageLogContext&, const QString& message) {
  static const bool verbose = qEnvironmentVariableIntValue("VITCOP_QT_WARNINGS") != 0;
  if (type == QtCriticalMsg || type == QtFatalMsg || verbose)
    std::fprintf(stderr, "%s\n", qPrintable(message));
}

}  // namespace

std::unique_ptr<QGuiApplication> startOffscreenGui(const QString& applicationVersion) {
  if (QCoreApplication::instance()) return nullptr;
  qInstallMessageHandler(quietMessages);
  qputenv("QT_QPA_PLATFORM", "offscreen");
  // QGuiApplication keeps references to argc and argv for its whole life.
  static int argc = 1;
  static char name[] = "vitcop";
  static char* argv[] = {name, nullptr};
  auto app = std::make_unique<QGuiApplication>(argc, argv);
  QCoreApplication::setApplicationName(QStringLiteral("vitcop"));
  QCoreApplication::setApplicationVersion(applicationVersion);
  return app;
}

}  // namespace vitcop::exporting
