#include "tests/gui/golden.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "tests/support/test_paths.h"

namespace vitcop::test {
namespace {

QString qpath(const std::filesystem::path& p) {
  return QString::fromStdString(p.string());
}

bool updateRequested() {
  const char* env = std::getenv("VITCOP_UPDATE_GOLDEN");
  return env && std::strcmp(env, "1") == 0;
}

}  // namespace

ImageDiff compareImages(const QImage& expectedIn, const QImage& actualIn, int tolerance) {
  const QImage expected = expectedIn.convertToFormat(QImage::Format_ARGB32);
  const QImage actual = actualIn.convertToFormat(QImage::Format_ARGB32);
  ImageDiff d;
  d.diff = QImage(expected.size(), QImage::Format_ARGB32);
  for (int y = 0; y < expected.height(); ++y) {
    const auto* e = reinterpret_cast<const QRgb*>(expected.constScanLine(y));
    const auto* a = reinterpret_cast<const QRgb*>(actual.constScanLine(y));
    auto* out = reinterpret_cast<QRgb*>(d.diff.scanLine(y));
    for (int x = 0; x < expected.width(); ++x) {
      const int delta =
          std::max({std::abs(qRed(e[x]) - qRed(a[x])), std::abs(qGreen(e[x]) - qGreen(a[x])),
                    std::abs(qBlue(e[x]) - qBlue(a[x])), std::abs(qAlpha(e[x]) - qAlpha(a[x]))});
      d.maxDelta = std::max(d.maxDelta, delta);
      if (delta > tolerance) {
        ++d.badPixels;
        out[x] = qRgb(255, 0, 0);
      } else {
        const int g = 128 + qGray(e[x]) / 2;  // faded context so the red stands out
        out[x] = qRgb(g, g, g);
      }
    }
  }
  return d;
}

::testing::AssertionResult matchesGolden(const QImage& actual, const std::string& name,
                                         int tolerance, double maxBadFraction) {
  const auto goldenPath = dataDir() / "golden" / (name + ".png");
  const auto actualPath = outputDir() / (name + ".actual.png");
  const auto diffPath = outputDir() / (name + ".diff.png");
  if (updateRequested()) {
    std::filesystem::create_directories(goldenPath.parent_path());
    if (!actual.save(qpath(goldenPath)))
      return ::testing::AssertionFailure() << "could not write golden " << goldenPath;
    std::printf("updated golden %s: review it before committing\n", goldenPath.c_str());
    return ::testing::AssertionSuccess();
  }
  const QImage golden(qpath(goldenPath));
  if (golden.isNull()) {
    actual.save(qpath(actualPath));
    return ::testing::AssertionFailure()
           << "no golden " << goldenPath << "; actual saved to " << actualPath
           << " (rerun with VITCOP_UPDATE_GOLDEN=1 to create it, then review the image)";
  }
  if (golden.size() != actual.size()) {
    actual.save(qpath(actualPath));
    return ::testing::AssertionFailure()
           << name << ": size " << actual.width() << "x" << actual.height()
           << " differs from golden " << golden.width() << "x" << golden.height()
           << "; actual saved to " << actualPath;
  }
  const ImageDiff d = compareImages(golden, actual, tolerance);
  const int allowed = static_cast<int>(maxBadFraction * golden.width() * golden.height());
  if (d.badPixels > allowed) {
    actual.save(qpath(actualPath));
    d.diff.save(qpath(diffPath));
    return ::testing::AssertionFailure()
           << name << ": " << d.badPixels << " pixels differ by more than " << tolerance
           << " (allowed " << allowed << ", max delta " << d.maxDelta << "); diff: " << diffPath
           << ", actual: " << actualPath << ", golden: " << goldenPath;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace vitcop::test
