#pragma once
// The methods compiled into this build, by name. The CLI's `vitcop methods`, `--method NAME`
// and the GUI's method list all come from here, so a method added to the registry appears
// everywhere with its parameter form.
#include <memory>
#include <string>
#include <vector>

#include "core/pruning/method.h"

namespace vitcop::pruning {

// Names in display order: "none" first, then ViTCoP, then the baselines.
std::vector<std::string> methodNames();
// Each method's declaration (parameters, where it acts, signals).
std::vector<MethodInfo> methodInfos();
// A fresh method object for one run; PruningError listing the known names for anything else.
std::unique_ptr<PruningMethod> createMethod(const std::string& name);

}  // namespace vitcop::pruning
