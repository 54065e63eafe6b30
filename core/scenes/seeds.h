#pragma once
// The held-out split is by seed: training draws seeds from [0, 2^31), evaluation from
// [2^31, 2^32). Seeds are hashed before use, so neighbouring seeds give unrelated scenes and the
// two ranges never share a scene except by 64-bit hash collision of the whole generator state.
#include <cstdint>
#include <string>

#include "core/scenes/scenes_error.h"

namespace vitcop::scenes {

inline constexpr uint64_t kTrainSeedEnd = uint64_t{1} << 31;
inline constexpr uint64_t kEvalSeedBegin = kTrainSeedEnd;
inline constexpr uint64_t kEvalSeedEnd = uint64_t{1} << 32;

inline bool isTrainSeed(uint64_t seed) {
  return seed < kTrainSeedEnd;
}
inline bool isEvalSeed(uint64_t seed) {
  return seed >= kEvalSeedBegin && seed < kEvalSeedEnd;
}

// The i-th evaluation seed (i < 2^31).
inline uint64_t evalSeed(uint64_t i) {
  if (i >= kEvalSeedEnd - kEvalSeedBegin)
    throw ScenesError("evalSeed: index " + std::to_string(i) +
                      " is beyond the 2^31 evaluation seeds");
  return kEvalSeedBegin + i;
}

}  // namespace vitcop::scenes
