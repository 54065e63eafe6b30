#pragma once
#include <stdexcept>

namespace vitcop::training {

// Bad options, missing or foreign run folders, failed tokenizer training: one line naming the
// option, file or folder at fault.
struct TrainingError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace vitcop::training
