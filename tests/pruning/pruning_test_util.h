#pragma once
// Shared helpers of the pruning unit tests.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "core/pruning/pruning_error.h"

namespace vitcop::pruning::testutil {

// `f` must throw PruningError whose one-line message contains `needle` (the parameter or tensor).
inline void expectError(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no exception; expected one naming '" << needle << "'";
  } catch (const PruningError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(needle), std::string::npos) << "message: " << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "not one line: " << msg;
  }
}

// The PruningError message `f` throws, or "(no error)": for tests that check several parts of
// one message.
inline std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const PruningError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace vitcop::pruning::testutil
