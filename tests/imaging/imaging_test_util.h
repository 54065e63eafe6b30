#pragma once
// Helpers shared by the imaging tests: golden manifests, a loader for expected PNGs that does not
// go through the code under test, and exact image comparison that leaves artefacts on failure.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "tests/support/test_paths.h"

namespace vitcop::test {

inline std::filesystem::path imagingDataDir() {
  return dataDir() / "imaging";
}

// Non-comment, non-empty lines of a manifest, split on whitespace.
inline std::vector<std::vector<std::string>> readManifest(const std::string& name) {
  std::ifstream in(imagingDataDir() / name);
  EXPECT_TRUE(in.good()) << "missing manifest " << name;
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    std::vector<std::string> fields;
    for (std::string f; ss >> f;)
      fields.push_back(f);
    rows.push_back(fields);
  }
  return rows;
}

// An 8-bit RGB or gray PNG written by Pillow, decoded by OpenCV directly (RGB order for colour).
inline cv::Mat readExpectedPng(const std::string& name) {
  cv::Mat m = cv::imread((imagingDataDir() / name).string(), cv::IMREAD_UNCHANGED);
  EXPECT_FALSE(m.empty()) << "cannot read golden " << name;
  if (m.channels() == 3) cv::cvtColor(m, m, cv::COLOR_BGR2RGB);
  return m;
}

inline uint64_t fnv1a64(const cv::Mat& m) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (int y = 0; y < m.rows; ++y) {
    const uint8_t* p = m.ptr<uint8_t>(y);
    for (size_t i = 0; i < m.cols * m.elemSize(); ++i) {
      h ^= p[i];
      h *= 0x100000001B3ull;
    }
  }
  return h;
}

// Exact equality; on failure reports the mismatch count and worst difference, and writes both
// images (RGB -> BGR for imwrite) into the test output directory.
inline ::testing::AssertionResult imagesEqual(const cv::Mat& actual, const cv::Mat& expected,
                                              const std::string& tag) {
  if (actual.size() != expected.size() || actual.type() != expected.type()) {
    return ::testing::AssertionFailure()
           << tag << ": got " << actual.cols << "x" << actual.rows << " type " << actual.type()
           << ", expected " << expected.cols << "x" << expected.rows << " type " << expected.type();
  }
  cv::Mat diff;
  cv::absdiff(actual, expected, diff);
  const int mismatches = cv::countNonZero(diff.reshape(1));
  if (mismatches == 0) return ::testing::AssertionSuccess();
  double maxDiff = 0;
  cv::minMaxLoc(diff.reshape(1), nullptr, &maxDiff);
  auto save = [&](const cv::Mat& m, const std::string& suffix) {
    cv::Mat bgr = m;
    if (m.channels() == 3) cv::cvtColor(m, bgr, cv::COLOR_RGB2BGR);
    cv::imwrite((outputDir() / ("imaging_" + tag + "_" + suffix + ".png")).string(), bgr);
  };
  save(actual, "actual");
  save(expected, "expected");
  return ::testing::AssertionFailure()
         << tag << ": " << mismatches << " samples differ, max |diff| " << maxDiff
         << " (images written to " << outputDir() << ")";
}

}  // namespace vitcop::test
