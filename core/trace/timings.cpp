#include "core/trace/timings.h"

namespace vitcop::trace {

double RunTimings::totalMs() const {
  double total = 0.0;
  for (const auto& s : stages) total += s.milliseconds;
  return total;
}

double RunTimings::stageMs(const std::string& stage) const {
  for (const auto& s : stages)
    if (s.stage == stage) return s.milliseconds;
  return -1.0;
}

}  // namespace vitcop::trace
