// The unpruned reference ("none"): every visual token in every layer. It still records the
// trace, so the GUI and export treat a dense run like any other.
#include <string>

#include "core/pruning/methods/builtin_methods.h"

namespace vitcop::pruning {
namespace {

class UnprunedMethod final : public PruningMethod {
 public:
  UnprunedMethod()
      : PruningMethod({"none",
                       "Unpruned",
                       "every visual token in every layer (the dense reference)",
                       "nowhere",
                       "none",
                       "LLaVA-1.5 as Hugging Face runs it",
                       {},
                       {},
                       false}) {}

 private:
  MethodPlan doConfigure(const MethodRequest& r) override {
    MethodPlan plan;
    const int64_t tokens = r.geometry.tokensPerFrame() * r.geometry.visual.frames;
    plan.llmInputTokens = tokens;
    plan.layerVisualTokens.assign(static_cast<size_t>(r.geometry.visual.llmLayers), tokens);
    plan.equivalentTokens = static_cast<double>(tokens);
    plan.origin = "dense";
    return plan;
  }
};

}  // namespace

std::unique_ptr<PruningMethod> makeUnprunedMethod() {
  return std::make_unique<UnprunedMethod>();
}

}  // namespace vitcop::pruning
