#pragma once
// One trace point seen from the patches of one frame: which alive token (if any) carries each
// patch, and whether it is that token's representative. Built in O(carried patches) so views can
// rebuild it on every point change instead of caching per point.
#include <cstdint>
#include <string>
#include <vector>

#include "core/trace/run_trace.h"

namespace vitcop::widgets {

class PointPatches {
 public:
  PointPatches() = default;
  // A point the trace does not have yields valid() == false and every patch pruned.
  PointPatches(const vitcop::trace::RunTrace& trace, const std::string& point, int frame);

  bool valid() const { return point_ != nullptr; }
  const vitcop::trace::TracePoint* point() const { return point_; }
  int frame() const { return frame_; }
  int gridSide() const { return gridSide_; }
  int size() const { return static_cast<int>(token_.size()); }  // patches per frame

  // By local patch index row * G + col.
  int tokenIndex(int local) const { return token_[static_cast<size_t>(local)]; }
  bool alive(int local) const { return tokenIndex(local) >= 0; }
  bool representative(int local) const { return rep_[static_cast<size_t>(local)] != 0; }
  const vitcop::trace::TraceToken* token(int local) const;
  int aliveCount() const { return alive_; }

 private:
  const vitcop::trace::TracePoint* point_ = nullptr;
  int frame_ = 0;
  int gridSide_ = 0;
  int alive_ = 0;
  std::vector<int> token_;    // token index per local patch, -1 pruned
  std::vector<uint8_t> rep_;  // 1: first patch of its token
};

// How two runs compare on one patch at the same point (difference overlay).
enum class DiffClass { Neither, AOnly, BOnly, Both };
DiffClass diffClass(const PointPatches& a, const PointPatches& b, int local);

struct DiffCounts {
  int aOnly = 0;
  int bOnly = 0;
  int both = 0;
  int neither = 0;
};
DiffCounts differenceCounts(const PointPatches& a, const PointPatches& b);

// Range of score `name` over the alive tokens of `point` (all frames, so every frame of a video
// shares one colour scale).
struct ScoreRange {
  double min = 0.0;
  double max = 0.0;
  int count = 0;  // tokens that carry the score
  bool valid() const { return count > 0; }
  // Position of `v` in [0,1]; a degenerate range maps everything to 0.5.
  double normalise(double v) const { return max > min ? (v - min) / (max - min) : 0.5; }
};
ScoreRange scoreRange(const vitcop::trace::TracePoint& point, const std::string& name);

}  // namespace vitcop::widgets
