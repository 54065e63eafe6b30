#pragma once
// QtGui for commands that draw but never show a window (`vitcop export`, `vitcop figure`): fonts
// and painting need a QGuiApplication, which needs a platform; "offscreen" works without any
// display, so the commands run the same on a desktop, over ssh and in CI.
#include <QGuiApplication>
#include <memory>

namespace vitcop::exporting {

// Creates the application on the offscreen platform (whatever QT_QPA_PLATFORM says) with Qt's
// warnings silenced (VITCOP_QT_WARNINGS=1 shows them), or returns
// null when one already exists (tests, the inspector).
std::unique_ptr<QGuiApplication> startOffscreenGui(const QString& applicationVersion);

}  // namespace vitcop::exporting
