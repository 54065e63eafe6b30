#pragma once
#include <stdexcept>
#include <string>

namespace vitcop::checkpoint {

// Every loading failure: the message names the file and, where there is one, the tensor or key.
struct CheckpointError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace vitcop::checkpoint
