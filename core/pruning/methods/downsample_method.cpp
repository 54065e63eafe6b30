// Reference "spatial pooling to the budget" as a registry plugin (method-spec 3.8, our design):
// the projected visual tokens of each frame, on their G_h x G_w grid, are average-pooled with
// PyTorch's adaptive bins to h x w (square: rhe(sqrt(B)) per side; exact: h w = B), raster
// order, contiguous positions. Each pooled token carries every patch of its bin. Video: every
// frame is pooled to the shape of B / F. (Pooling the CLIP features before the projector, the
// spec's option, would need the projector inside the hook and is not offered.)
#include <ATen/ops/cat.h>

#include <cmath>
#include <string>

#include "core/pruning/baselines/downsample.h"
#include "core/pruning/methods/builtin_methods.h"
#include "core/pruning/methods/method_support.h"
#include "core/pruning/pruning_error.h"

namespace vitcop::pruning {
namespace {

using namespace methods;

MethodInfo downsampleInfo() {
  MethodInfo i;
  i.name = "downsample";
  i.title = "Downsample";
  i.summary = "average-pools the grid of projected visual tokens to the budget (reference)";
  i.actsAt = "LLM input (after the projector)";
  i.signals = "none";
  i.source = "ours (method-spec 3.8; PyTorch adaptive_avg_pool2d bins)";
  i.params = {
      choiceParam("grid", {"square", "exact"}, "square",
                  "square: rhe(sqrt(B)) per side (14x14/11x11/8x8); exact: h w = B, most square "
                  "(12x16/8x16/8x8)"),
  };
  return i;
}

class DownsampleMethod final : public PruningMethod {
 public:
  DownsampleMethod() : PruningMethod(downsampleInfo()) {}

 private:
  MethodPlan doConfigure(const MethodRequest& r) override {
    const ModelGeometry& g = r.geometry;
    requirePatchTokensOnly("downsample", g);
    const VisualGeometry& v = g.visual;
    const std::string grid = r.params.text("grid").value_or("square");
    const double perFrame = r.budget / static_cast<double>(v.frames);
    if (grid == "exact" && perFrame != std::floor(perFrame))
      throw PruningError(
          "downsample: --param grid=exact needs a whole number of tokens per "
          "frame, the budget gives " +
          num(perFrame));
    shape_ = poolShapeForBudget(perFrame, v.gridH, v.gridW, parsePoolGridMode(grid));
    const int64_t tokens = shape_.tokens() * v.frames;

    MethodPlan plan;
    plan.stages = {{"average pool to " + std::to_string(shape_.h) + "x" + std::to_string(shape_.w),
                    ActsAt::AfterProjector, 0, tokens}};
    plan.llmInputTokens = tokens;
    plan.layerVisualTokens.assign(static_cast<size_t>(v.llmLayers), tokens);
    plan.equivalentTokens = static_cast<double>(tokens);
    plan.origin = std::string("ours (spec 3.8)") + (v.frames > 1 ? "; per frame (video)" : "");
    plan.proposal = true;
    plan.resolved = {{"grid", grid},
                     {"pooled_h", std::to_string(shape_.h)},
                     {"pooled_w", std::to_string(shape_.w)},
                     {"position_ids", "contiguous"},
                     {"origin", plan.origin}};
    return plan;
  }

  void onProjector(generation::ProjectorView& view) override {
    const VisualGeometry& v = request().geometry.visual;
    const auto rows = adaptivePoolBins(v.gridH, shape_.h);
    const auto cols = adaptivePoolBins(v.gridW, shape_.w);
    std::vector<bool> merged;
    for (auto& img : view.images) {
      if (img.embeds.size(0) != v.patches())
        throw PruningError("downsample: a frame carries " + std::to_string(img.embeds.size(0)) +
                           " visual tokens, the " + std::to_string(v.gridH) + "x" +
                           std::to_string(v.gridW) + " grid needs " + std::to_string(v.patches()));
      img.embeds = poolVisualTokens(img.embeds, v.gridH, v.gridW, shape_);
      // Each pooled cell carries every patch of its bin, raster order (top-left first).
      generation::Origins origins;
      for (const auto& [r0, r1] : rows)
        for (const auto& [c0, c1] : cols) {
          std::vector<const std::vector<int32_t>*> members;
          for (int64_t rr = r0; rr < r1; ++rr)
            for (int64_t cc = c0; cc < c1; ++cc)
              members.push_back(&img.origins.at(static_cast<size_t>(rr * v.gridW + cc)));
          origins.push_back(mergedPatches(members));
          merged.push_back(members.size() > 1);
        }
      img.origins = std::move(origins);
    }
    recorder().pendingMerged(std::move(merged));
    recorder().pendingStage("average pool " + std::to_string(v.gridH) + "x" +
                            std::to_string(v.gridW) + " -> " + std::to_string(shape_.h) + "x" +
                            std::to_string(shape_.w) + " per frame, positions contiguous");
  }

  PoolShape shape_;
};

}  // namespace

std::unique_ptr<PruningMethod> makeDownsampleMethod() {
  return std::make_unique<DownsampleMethod>();
}

}  // namespace vitcop::pruning
