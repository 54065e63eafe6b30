#include "core/training/token_dropout.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/scenes/rng.h"
#include "core/training/training_error.h"

namespace vitcop::training {

namespace {

constexpr uint64_t kDropoutStream = 0x64726F70546F6Bull;  // "dropTok"

// Visual tokens of one still's sequence: everything between the prefix and the suffix.
int64_t visualTokens(const TextBatch& b) {
  return b.allowed.size(1) - b.prefixIds.size(1) - b.suffixIds.size(1);
}

// Which of the p patches of image `i` to keep: one per object (by its coverage weights), then
// the best-scored others up to the drawn share.
std::vector<char> chooseKept(const AuxLabels& labels, int64_t i, int64_t p, const TokenDropout& d,
                             scenes::Rng& rng) {
  auto weights = labels.objectWeights.accessor<float, 3>();
  auto object = labels.objectPatch.accessor<bool, 2>();
  const double share = rng.uniform(d.minKeep, d.maxKeep);
  std::vector<char> keep(static_cast<size_t>(p), 0);
  int64_t kept = 0;
  for (int64_t slot = 0; slot < labels.objectWeights.size(1); ++slot) {
    double total = 0;
    for (int64_t q = 0; q < p; ++q)
      total += weights[i][slot][q];
    if (total <= 0) continue;
    double u = rng.unit() * total;
    int64_t pick = -1;
    for (int64_t q = 0; q < p; ++q) {
      if (weights[i][slot][q] <= 0) continue;
      pick = q;
      u -= weights[i][slot][q];
      if (u < 0) break;
    }
    if (!keep[static_cast<size_t>(pick)]) {
      keep[static_cast<size_t>(pick)] = 1;
      ++kept;
    }
  }
  const int64_t want = std::max<int64_t>(kept, std::llround(share * static_cast<double>(p)));
  std::vector<std::pair<double, int64_t>> scored;
  for (int64_t q = 0; q < p; ++q)
    if (!keep[static_cast<size_t>(q)])
      scored.emplace_back(rng.unit() + (object[i][q] ? d.objectBonus : 0.0), q);
  const auto take = static_cast<size_t>(std::min<int64_t>(want - kept, scored.size()));
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(take),
                    scored.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t k = 0; k < take; ++k)
    keep[static_cast<size_t>(scored[k].second)] = 1;
  return keep;
}

}  // namespace

int64_t dropVisualTokens(TextBatch& b, const AuxLabels& labels, const TokenDropout& d,
                         uint64_t seed) {
  if (d.probability <= 0 || b.sequences == 0) return 0;
  const int64_t lp = b.prefixIds.size(1), t = b.allowed.size(1), p = visualTokens(b);
  if (b.frames != 1 || labels.objectPatch.size(0) != b.sequences || labels.objectPatch.size(1) != p)
    throw TrainingError("token dropout needs one still image per sequence with its labels");
  scenes::Rng rng(seed, kDropoutStream);
  auto allow = b.allowed.accessor<bool, 3>();
  auto pos = b.positions.accessor<int64_t, 2>();
  int64_t droppedAll = 0;
  for (int64_t i = 0; i < b.sequences; ++i) {
    if (!rng.chance(d.probability)) continue;
    const std::vector<char> keep = chooseKept(labels, i, p, d, rng);
    int64_t rank = 0, dropped = 0;
    for (int64_t q = 0; q < p; ++q) {
      const int64_t col = lp + q;
      if (keep[static_cast<size_t>(q)]) {
        pos[i][col] = lp + rank++;
        continue;
      }
      // Removed: nothing attends to it; its own row keeps itself so its softmax stays defined.
      for (int64_t r = 0; r < t; ++r)
        allow[i][r][col] = false;
      allow[i][col][col] = true;
      ++dropped;
    }
    for (int64_t col = lp + p; col < t; ++col)
      pos[i][col] -= dropped;
    droppedAll += dropped;
  }
  return droppedAll;
}

std::vector<int64_t> keptVisualTokens(const TextBatch& b, int64_t row) {
  const int64_t lp = b.prefixIds.size(1), p = visualTokens(b);
  auto allow = b.allowed.accessor<bool, 3>();
  std::vector<int64_t> kept;
  // The first token after the image (a question token) sees every visual token not dropped.
  const int64_t probe = lp + p;
  for (int64_t q = 0; q < p; ++q)
    if (allow[row][probe][lp + q]) kept.push_back(q);
  return kept;
}

}  // namespace vitcop::training
