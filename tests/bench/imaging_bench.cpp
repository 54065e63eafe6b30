// Preprocessing speed: a 1920x1080 photo to CLIPImageProcessor's 336x336 pixel values, with and
// without original LLaVA's pad-to-square. Target: well under 50 ms (the GUI re-preprocesses on
// every dropped file). Prints the median of --runs runs of wall and thread-CPU time.
#include <opencv2/core.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "core/imaging/preprocess.h"
#include "gpu/runtime.h"

namespace {

double threadCpuMs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  vitcop::gpu::initRuntime();
  int runs = 21;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--runs") runs = std::max(1, std::atoi(argv[i + 1]));
  cv::Mat img(1080, 1920, CV_8UC3);
  cv::randu(img, cv::Scalar::all(0), cv::Scalar::all(255));
  std::printf("imaging_bench: 1920x1080 -> 336x336, median of %d runs\n", runs);
  for (bool pad : {false, true}) {
    vitcop::checkpoint::ImageProcessorConfig cfg;
    cfg.padToSquare = pad;
    std::vector<double> wall, cpu;
    for (int i = 0; i < runs; ++i) {
      const double c0 = threadCpuMs();
      const auto t0 = std::chrono::steady_clock::now();
      const auto p = vitcop::imaging::preprocessImage(img, cfg);
      wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      cpu.push_back(threadCpuMs() - c0);
      if (p.cropRgb.cols != 336) return 1;
    }
    std::printf("  %-14s wall %7.2f ms   thread CPU %7.2f ms\n", pad ? "pad-to-square" : "shortest-edge",
                median(wall), median(cpu));
  }
  return 0;
}
