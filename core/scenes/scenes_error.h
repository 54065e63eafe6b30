#pragma once
#include <stdexcept>

namespace vitcop::scenes {

// Bad parameters or output paths; the message is one line and names the culprit.
struct ScenesError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace vitcop::scenes
