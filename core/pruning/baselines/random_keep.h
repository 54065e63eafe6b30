#pragma once
// Reference method "random keep" (method-spec 3.7, our design): B of the P image tokens chosen
// uniformly without replacement by a partial Fisher-Yates shuffle driven by std::mt19937_64 with
// a platform-independent rejection mapping, emitted ascending.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/pruning/budget_schedule.h"

namespace vitcop::pruning {

enum class RandomPositions { Contiguous, Original };

struct RandomKeepSettings {
  int64_t keep = 192;  // B image tokens kept
  uint64_t seed = 0;   // recorded with every result
  int64_t layer = 0;   // 0 = LLM input; K >= 1 prunes before layer K
  RandomPositions positions = RandomPositions::Contiguous;
  std::string origin = "B at the LLM input";
};

// keep = rhe(B), layer 0, contiguous positions (spec 3.9 "B at the LLM input").
RandomKeepSettings randomKeepSettingsForBudget(double budgetTokens, uint64_t seed,
                                               const VisualGeometry& geometry);
// keep in [1, P], layer in [0, L-1].
void validateRandomKeep(const RandomKeepSettings& settings, const VisualGeometry& geometry);

// A draw in [0, n): 64-bit words >= n * floor(2^64 / n) are rejected, then the remainder.
uint64_t uniformBelow(std::mt19937_64& rng, uint64_t n);

// The kept indices in [0, total), ascending: for i = 0..keep-1 swap a[i] with a[i + u(total-i)].
std::vector<int64_t> randomKeepIndices(int64_t total, int64_t keep, uint64_t seed);

std::vector<int64_t> randomKeepLayerVisualTokens(const RandomKeepSettings& settings,
                                                 const VisualGeometry& geometry);

}  // namespace vitcop::pruning
