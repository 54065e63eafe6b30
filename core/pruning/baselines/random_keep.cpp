#include "core/pruning/baselines/random_keep.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/pruning/numeric.h"
#include "core/pruning/pruning_error.h"

namespace vitcop::pruning {

RandomKeepSettings randomKeepSettingsForBudget(double B, uint64_t seed, const VisualGeometry& g) {
  if (!std::isfinite(B) || B <= 0) throw PruningError("random: budget must be a finite number > 0");
  RandomKeepSettings s;
  s.keep = pyRound(B);
  s.seed = seed;
  validateRandomKeep(s, g);
  return s;
}

void validateRandomKeep(const RandomKeepSettings& s, const VisualGeometry& g) {
  if (s.keep < 1 || s.keep > g.visualTokens()) {
    throw PruningError("random: keep must be in [1, " + std::to_string(g.visualTokens()) +
                       "], got " + std::to_string(s.keep));
  }
  if (s.layer < 0 || s.layer > g.llmLayers - 1) {
    throw PruningError("random: layer must be in [0, " + std::to_string(g.llmLayers - 1) +
                       "], got " + std::to_string(s.layer));
  }
}

uint64_t uniformBelow(std::mt19937_64& rng, uint64_t n) {
  if (n == 0) throw PruningError("random: uniformBelow needs n >= 1");
  // limit = n * floor(2^64 / n); 2^64 / n computed as (2^64 - n) / n + 1 to stay in 64 bits.
  const uint64_t quotient = (std::numeric_limits<uint64_t>::max() - n + 1) / n + 1;
  const uint64_t limit = n * quotient;  // wraps to 0 exactly when n divides 2^64
  while (true) {
    const uint64_t w = rng();
    if (limit == 0 || w < limit) return w % n;
  }
}

std::vector<int64_t> randomKeepIndices(int64_t total, int64_t keep, uint64_t seed) {
  if (total < 1) throw PruningError("random: total must be >= 1, got " + std::to_string(total));
  if (keep < 0 || keep > total) {
    throw PruningError("random: keep must be in [0, " + std::to_string(total) + "], got " +
                       std::to_string(keep));
  }
  std::vector<int64_t> a(static_cast<size_t>(total));
  std::iota(a.begin(), a.end(), 0);
  std::mt19937_64 rng(seed);
  for (int64_t i = 0; i < keep; ++i) {
    const int64_t j = i + static_cast<int64_t>(uniformBelow(rng, static_cast<uint64_t>(total - i)));
    std::swap(a[static_cast<size_t>(i)], a[static_cast<size_t>(j)]);
  }
  a.resize(static_cast<size_t>(keep));
  std::sort(a.begin(), a.end());
  return a;
}

std::vector<int64_t> randomKeepLayerVisualTokens(const RandomKeepSettings& s,
                                                 const VisualGeometry& g) {
  validateRandomKeep(s, g);
  std::vector<int64_t> out(static_cast<size_t>(g.llmLayers), g.visualTokens());
  for (int64_t l = s.layer; l < g.llmLayers; ++l)
    out[static_cast<size_t>(l)] = s.keep;
  return out;
}

}  // namespace vitcop::pruning
