#include "widgets/point_patches.h"

#include <algorithm>
#include <cmath>

namespace vitcop::widgets {

PointPatches::PointPatches(const vitcop::trace::RunTrace& trace, const std::string& point,
                           int frame)
    : point_(trace.find(point)),
      frame_(frame),
      gridSide_(static_cast<int>(std::max<int64_t>(trace.geometry.gridSide, 0))) {
  const int n = gridSide_ * gridSide_;
  token_.assign(static_cast<size_t>(n), -1);
  rep_.assign(static_cast<size_t>(n), 0);
  if (!point_ || n == 0) return;
  const int32_t first = frame * n;
  for (size_t t = 0; t < point_->tokens.size(); ++t) {
    const auto& patches = point_->tokens[t].patches;
    for (size_t i = 0; i < patches.size(); ++i) {
      const int32_t p = patches[i];
      // Class tokens are negative; other frames' patches belong to other frames' views.
      if (p < first || p >= first + n) continue;
      const auto local = static_cast<size_t>(p - first);
      if (token_[local] < 0) ++alive_;
      token_[local] = static_cast<int>(t);
      rep_[local] = i == 0 ? 1 : 0;
    }
  }
}

const vitcop::trace::TraceToken* PointPatches::token(int local) const {
  const int t = tokenIndex(local);
  return t < 0 ? nullptr : &point_->tokens[static_cast<size_t>(t)];
}

DiffClass diffClass(const PointPatches& a, const PointPatches& b, int local) {
  const bool inA = local < a.size() && a.alive(local);
  const bool inB = local < b.size() && b.alive(local);
  if (inA && inB) return DiffClass::Both;
  if (inA) return DiffClass::AOnly;
  if (inB) return DiffClass::BOnly;
  return DiffClass::Neither;
}

DiffCounts differenceCounts(const PointPatches& a, const PointPatches& b) {
  DiffCounts c;
  const int n = std::max(a.size(), b.size());
  for (int i = 0; i < n; ++i) {
    switch (diffClass(a, b, i)) {
      case DiffClass::AOnly:
        ++c.aOnly;
        break;
      case DiffClass::BOnly:
        ++c.bOnly;
        break;
      case DiffClass::Both:
        ++c.both;
        break;
      case DiffClass::Neither:
        ++c.neither;
        break;
    }
  }
  return c;
}

ScoreRange scoreRange(const vitcop::trace::TracePoint& point, const std::string& name) {
  ScoreRange r;
  for (const auto& t : point.tokens) {
    const auto it = t.scores.find(name);
    // NaN/inf scores (e.g. a masked position) have no colour; leave them out of the scale.
    if (it == t.scores.end() || !std::isfinite(it->second)) continue;
    r.min = r.count ? std::min(r.min, it->second) : it->second;
    r.max = r.count ? std::max(r.max, it->second) : it->second;
    ++r.count;
  }
  return r;
}

}  // namespace vitcop::widgets
