// Scene generation speed: training generates many thousands of scenes, so one 336x336 scene with
// its questions should cost < 2 ms. Prints the median over --runs batches of 100 scenes.
#include <cstdint>
#include <cstdio>

#include "core/scenes/sample.h"
#include "tests/bench/bench_common.h"

namespace {

int run(int argc, char** argv) {
  const int runs = vitcop::bench::Args(argc, argv).getInt("--runs", 11, 1, 1000);
  uint64_t seed = 1000;
  size_t questions = 0, scenes = 0;
  const double batchMs = vitcop::bench::medianMs(runs, [&] {
    for (int i = 0; i < 100; ++i, ++scenes)
      questions += vitcop::scenes::makeSceneSample(seed++).questions.size();
  });
  std::printf("scenes_bench: 336x336 scene + %.2f questions: median %.3f ms per scene (%d x 100)\n",
              static_cast<double>(questions) / static_cast<double>(scenes), batchMs / 100, runs);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scenes_bench: %s\n", e.what());
    return 2;
  }
}
