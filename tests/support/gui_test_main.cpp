// gtest main for Qt tests: the QApplication lives on main()'s stack so it is destroyed before
// static destructors run (a static QApplication crashes at exit), and the offscreen platform is
// the default so tests never need a display.
#include <gtest/gtest.h>

#include <QApplication>
#include <cstdlib>

#include "gpu/runtime.h"

int main(int argc, char** argv) {
  vitcop::gpu::initRuntime();
  setenv("QT_QPA_PLATFORM", "offscreen", 0);
  QApplication app(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
