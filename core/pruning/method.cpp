#include "core/pruning/method.h"

#include <algorithm>
#include <chrono>
#include <sstream>

#include "core/pruning/pruning_error.h"

namespace vitcop::pruning {
namespace {

bool contains(const std::vector<int64_t>& v, int64_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// Selection code runs synchronously on the tensors' device; a CPU clock is what we can read
// without a device dependency here (on CUDA the engine's own timers synchronise).
class Stopwatch {
 public:
  double ms() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_)
        .count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace

void requireBudget(const std::string& method, double budget, const ModelGeometry& geometry) {
  const auto total = static_cast<double>(geometry.visual.visualTokens());
  std::ostringstream b;
  b << budget;
  if (!(budget > 0))
    throw PruningError(method + ": --budget " + b.str() + " must be a positive token count");
  if (budget > total)
    throw PruningError(method + ": --budget " + b.str() + " exceeds the " +
                       std::to_string(geometry.visual.visualTokens()) +
                       " visual tokens of this model and input");
}

const MethodPlan& PruningMethod::configure(const MethodRequest& request) {
  request.params.validate(info_.name, info_.params);
  if (info_.needsBudget) requireBudget(info_.name, request.budget, request.geometry);
  plan_ = doConfigure(request);
  request_ = request;
  recorder_.reset(request.geometry);
  auto& t = recorder_.trace();
  t.method = info_.name;
  t.params = plan_.resolved;
  t.budget = request.budget;
  selectionMs_ = 0.0;
  pendingVisionMs_ = 0.0;
  configured_ = true;
  return plan_;
}

bool PruningMethod::wantsVisionClsAttention(int64_t layer) {
  return contains(plan_.signals.visionClsAttention, layer);
}

bool PruningMethod::wantsVisionKeys(int64_t layer) {
  return contains(plan_.signals.visionKeys, layer);
}

void PruningMethod::afterVisionLayer(generation::VisionLayerView& view) {
  if (!configured_) throw PruningError(info_.name + ": used before configure()");
  Stopwatch watch;
  onVisionBlock(view);
  const double ms = watch.ms();
  selectionMs_ += ms;
  pendingVisionMs_ += ms;
}

void PruningMethod::afterProjector(generation::ProjectorView& view) {
  if (!configured_) throw PruningError(info_.name + ": used before configure()");
  Stopwatch watch;
  onProjector(view);
  const double ms = watch.ms();
  selectionMs_ += ms;
  recorder_.recordVision(view.images, pendingVisionMs_ + ms);
  pendingVisionMs_ = 0.0;
}

void PruningMethod::beforeDecoderLayer(generation::DecoderLayerView& view) {
  if (!configured_) throw PruningError(info_.name + ": used before configure()");
  Stopwatch watch;
  onDecoderLayer(view);
  const double ms = watch.ms();
  selectionMs_ += ms;
  recorder_.recordLayer(view.layer, view.tokens, view.positions, ms);
  if (view.layer + 1 == request_.geometry.visual.llmLayers) recorder_.finish(request_.geometry.llm);
}

std::vector<int64_t> PruningMethod::attentionRows(const generation::DecoderLayerView& view) {
  if (!contains(plan_.signals.llmAttention, view.layer)) return {};
  return queryRows(view);
}

}  // namespace vitcop::pruning
