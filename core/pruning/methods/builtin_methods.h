#pragma once
// Factories of the methods compiled into the registry (one file per method in methods/).
#include <memory>

#include "core/pruning/method.h"

namespace vitcop::pruning {

std::unique_ptr<PruningMethod> makeUnprunedMethod();
std::unique_ptr<PruningMethod> makeVitcopMethod();
std::unique_ptr<PruningMethod> makeFastvMethod();
std::unique_ptr<PruningMethod> makeSparsevlmMethod();
std::unique_ptr<PruningMethod> makePdropMethod();
std::unique_ptr<PruningMethod> makeVisionzipMethod();
std::unique_ptr<PruningMethod> makeDartMethod();
std::unique_ptr<PruningMethod> makeDivpruneMethod();
std::unique_ptr<PruningMethod> makeRandomMethod();
std::unique_ptr<PruningMethod> makeDownsampleMethod();

}  // namespace vitcop::pruning
