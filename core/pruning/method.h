#pragma once
// The pruning-method interface every method plugs into (ViTCoP, the baselines, the unpruned
// reference). A method declares its parameters, where it acts and which signals it needs; for
// one run it is configured (all validation happens here, before any model compute), then handed
// to the engine as its InferenceHooks. The base class turns the plan's declared signals into the
// engine's requests, so the engine computes exactly what the active method needs and nothing
// else, and records the trace around the method's own hook code.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/generation/hooks.h"
#include "core/pruning/method_params.h"
#include "core/pruning/model_geometry.h"
#include "core/pruning/stage2_filter.h"
#include "core/pruning/trace_recorder.h"
#include "core/trace/run_trace.h"

namespace vitcop::pruning {

// What `vitcop methods` and the GUI's method panel show.
struct MethodInfo {
  std::string name;     // registry key, e.g. "vitcop"
  std::string title;    // e.g. "ViTCoP"
  std::string summary;  // one line
  std::string actsAt;   // e.g. "after vision block b*; before LLM layers S and D"
  std::string signals;  // e.g. "CLS attention row of block b*; cached keys of layers S-1, D-1"
  std::string source;   // upstream code the port follows
  std::vector<ParamSpec> params;
  std::vector<int> presetBudgets;  // budgets with the authors' literal settings (LLaVA-1.5)
  bool needsBudget = true;         // false for the unpruned reference
};

enum class ActsAt { AfterVisionBlock, AfterProjector, BeforeLlmLayer };

struct StagePlan {
  std::string name;  // e.g. "Stage II: cluster keep/merge"
  ActsAt where = ActsAt::BeforeLlmLayer;
  int64_t layer = 0;        // vision block or LLM layer
  int64_t tokensAfter = 0;  // visual tokens the stage leaves (all frames)
};

// The signals the engine must compute for this configuration, by layer.
struct SignalPlan {
  std::vector<int64_t> visionClsAttention;  // CLS query row of these vision blocks
  std::vector<int64_t> visionKeys;          // k_proj output of these vision blocks
  std::vector<int64_t> llmAttention;        // probabilities of some query rows at these layers
  std::vector<int64_t> llmCachedKeys;       // keys cached by these layers (read later)
};

struct MethodPlan {
  std::vector<StagePlan> stages;
  SignalPlan signals;
  int64_t llmInputTokens = 0;                   // visual tokens entering the LLM (all frames)
  std::vector<int64_t> layerVisualTokens;       // visual tokens entering each LLM layer in prefill
  double equivalentTokens = 0.0;                // their mean: report this next to the budget
  std::map<std::string, std::string> resolved;  // every parameter with its effective value
  std::string origin;                           // e.g. "released 64", "derived (method-spec 6)"
  bool proposal = false;  // some value comes from a method-spec-6 proposal rule
  // Position ids of the decode steps per layer (method-spec 3.10 "decode positions").
  generation::DecodePositions decodePositions = generation::DecodePositions::PromptLength;
};

struct MethodRequest {
  ModelGeometry geometry;
  double budget = 0.0;  // equivalent average visual tokens per LLM layer (0: method default)
  ParamValues params;
  PositionMode positions = PositionMode::Official;
  uint64_t seed = 0;  // for methods that draw random numbers
};

class PruningMethod : public generation::InferenceHooks {
 public:
  const MethodInfo& info() const { return info_; }

  // Validates the request (one-line PruningError naming the parameter) and fixes the schedule.
  // Starts a new trace; a method object may be configured again for the next run.
  const MethodPlan& configure(const MethodRequest& request);
  const MethodPlan& plan() const { return plan_; }
  const MethodRequest& request() const { return request_; }

  // The trace of the run so far; complete after prefill.
  trace::RunTrace& trace() { return recorder_.trace(); }
  // Wall time spent in the method's own selection code (stages), in milliseconds.
  double selectionMs() const { return selectionMs_; }

  // InferenceHooks: signals come from the plan; recording wraps the method's hooks.
  bool wantsVisionClsAttention(int64_t layer) final;
  bool wantsVisionKeys(int64_t layer) final;
  void afterVisionLayer(generation::VisionLayerView& view) final;
  void afterProjector(generation::ProjectorView& view) final;
  void beforeDecoderLayer(generation::DecoderLayerView& view) final;
  std::vector<int64_t> attentionRows(const generation::DecoderLayerView& view) final;
  generation::DecodePositions decodePositions() const final { return plan_.decodePositions; }

 protected:
  explicit PruningMethod(MethodInfo info) : info_(std::move(info)) {}

  virtual MethodPlan doConfigure(const MethodRequest& request) = 0;
  virtual void onVisionBlock(generation::VisionLayerView& view) { (void)view; }
  virtual void onProjector(generation::ProjectorView& view) { (void)view; }
  virtual void onDecoderLayer(generation::DecoderLayerView& view) { (void)view; }
  // Query rows whose probabilities the method needs from layer view.layer (only called for
  // layers the plan lists in signals.llmAttention).
  virtual std::vector<int64_t> queryRows(const generation::DecoderLayerView& view) {
    (void)view;
    return {};
  }

  TraceRecorder& recorder() { return recorder_; }

 private:
  MethodInfo info_;
  MethodRequest request_;
  MethodPlan plan_;
  TraceRecorder recorder_;
  double selectionMs_ = 0.0;
  double pendingVisionMs_ = 0.0;
  bool configured_ = false;
};

// Checks a requested budget against the geometry: PruningError when it is not positive or
// exceeds the visual tokens the model produces ("budget 700 exceeds the 576 visual tokens").
void requireBudget(const std::string& method, double budget, const ModelGeometry& geometry);

}  // namespace vitcop::pruning
