#pragma once
// Factories of the methods compiled into the registry (one file per method in methods/).
#include <memory>

#include "core/pruning/method.h"

namespace vitcop::pruning {

std::unique_ptr<PruningMethod> makeUnprunedMethod();
std::unique_ptr<PruningMethod> makeVitcopMethod();

}  // namespace vitcop::pruning
