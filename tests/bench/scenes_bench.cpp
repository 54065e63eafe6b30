// Scene generation speed: training generates many thousands of scenes, so one 336x336 scene with
// its questions should cost < 2 ms. Prints the median over --runs batches of 100 scenes, wall and
// process CPU time per scene.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "core/scenes/sample.h"

int main(int argc, char** argv) {
  int runs = 11;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--runs") runs = std::max(1, std::atoi(argv[i + 1]));
  vitcop::scenes::makeSceneSample(0);  // warm-up
  std::vector<double> wall, cpu;
  size_t questions = 0;
  uint64_t seed = 1000;
  for (int r = 0; r < runs; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    for (int i = 0; i < 100; ++i) questions += vitcop::scenes::makeSceneSample(seed++).questions.size();
    cpu.push_back(1000.0 * static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC / 100);
    wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / 100);
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  std::printf("scenes_bench: 336x336 scene + %.2f questions: median %.3f ms wall, %.3f ms CPU per scene (%d x 100)\n",
              static_cast<double>(questions) / (100.0 * runs), wall[wall.size() / 2], cpu[cpu.size() / 2], runs);
  return 0;
}
