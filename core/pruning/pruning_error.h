#pragma once
// Every rejected input of the pruning core (bad schedule parameter, tensor of the wrong shape or
// dtype, non-finite scores): a one-line message that names the parameter or tensor.
#include <stdexcept>
#include <string>

namespace vitcop::pruning {

struct PruningError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

}  // namespace vitcop::pruning
