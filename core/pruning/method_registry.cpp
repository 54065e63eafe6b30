#include "core/pruning/method_registry.h"

#include <functional>
#include <utility>

#include "core/pruning/methods/builtin_methods.h"
#include "core/pruning/pruning_error.h"

namespace vitcop::pruning {
namespace {

using Factory = std::function<std::unique_ptr<PruningMethod>()>;

// An explicit table rather than static self-registration: the methods live in a static
// library, whose unreferenced object files the linker would silently drop.
const std::vector<Factory>& factories() {
  static const std::vector<Factory> table = {
      makeUnprunedMethod, makeVitcopMethod,    makeFastvMethod, makeSparsevlmMethod,
      makePdropMethod,    makeVisionzipMethod, makeDartMethod,  makeDivpruneMethod,
      makeRandomMethod,   makeDownsampleMethod};
  return table;
}

}  // namespace

std::vector<std::string> methodNames() {
  std::vector<std::string> names;
  for (const auto& make : factories())
    names.push_back(make()->info().name);
  return names;
}

std::vector<MethodInfo> methodInfos() {
  std::vector<MethodInfo> infos;
  for (const auto& make : factories())
    infos.push_back(make()->info());
  return infos;
}

std::unique_ptr<PruningMethod> createMethod(const std::string& name) {
  for (const auto& make : factories()) {
    auto m = make();
    if (m->info().name == name) return m;
  }
  std::string known;
  for (const auto& n : methodNames())
    known += (known.empty() ? "" : ", ") + n;
  throw PruningError("unknown method '" + name + "' (known: " + known + ")");
}

}  // namespace vitcop::pruning
