#pragma once
// Wall-clock timings of the stages of one run, in the order they ran.
#include <string>
#include <vector>

namespace vitcop::trace {

struct StageTiming {
  std::string stage;  // e.g. "vision encode", "prefill", "decode (per token)"
  double milliseconds = 0.0;
};

struct RunTimings {
  std::vector<StageTiming> stages;

  void add(std::string stage, double ms) { stages.push_back({std::move(stage), ms}); }
  double totalMs() const;
  // Milliseconds of the named stage, or a negative value when the run has no such stage.
  double stageMs(const std::string& stage) const;
};

}  // namespace vitcop::trace
