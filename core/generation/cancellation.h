#pragma once
// Cooperative cancellation: the engine polls a caller-owned flag between layers and between
// tokens and throws Cancelled. An InferenceState whose prefill or decode was cancelled holds a
// partial step and must be discarded.
#include <atomic>
#include <stdexcept>

namespace vitcop::generation {

struct Cancelled : std::runtime_error {
  Cancelled() : std::runtime_error("cancelled") {}
};

inline void throwIfCancelled(const std::atomic<bool>* flag) {
  if (flag && flag->load(std::memory_order_relaxed)) throw Cancelled();
}

}  // namespace vitcop::generation
