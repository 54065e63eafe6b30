#pragma once
// The model a command uses when --model is not given: the embedded model in resources/.
#include <filesystem>

#include "app/cli/args.h"

namespace vitcop::cli {

// --model DIR, or the embedded model; throws UsageError when neither exists.
std::filesystem::path modelDirFrom(const Args& args);

}  // namespace vitcop::cli
