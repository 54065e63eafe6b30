// Preprocessing speed: a 1920x1080 photo to CLIPImageProcessor's 336x336 pixel values, with and
// without original LLaVA's pad-to-square. Target: well under 50 ms (the GUI re-preprocesses on
// every dropped file). Prints the median of --runs runs.
#include <opencv2/core.hpp>

#include <cstdio>

#include "core/imaging/preprocess.h"
#include "gpu/runtime.h"
#include "tests/bench/bench_common.h"

namespace {

int run(int argc, char** argv) {
  vitcop::bench::ensureCleanBlasEnvironment(argv);
  vitcop::gpu::initRuntime();
  const int runs = vitcop::bench::Args(argc, argv).getInt("--runs", 21, 1, 1000);
  cv::Mat img(1080, 1920, CV_8UC3);
  cv::randu(img, cv::Scalar::all(0), cv::Scalar::all(255));
  std::printf("imaging_bench: 1920x1080 -> 336x336, median of %d runs\n", runs);
  for (bool pad : {false, true}) {
    vitcop::checkpoint::ImageProcessorConfig cfg;
    cfg.padToSquare = pad;
    const double ms =
        vitcop::bench::medianMs(runs, [&] { vitcop::imaging::preprocessImage(img, cfg); });
    std::printf("  %-14s %7.2f ms\n", pad ? "pad-to-square" : "shortest-edge", ms);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "imaging_bench: %s\n", e.what());
    return 2;
  }
}
