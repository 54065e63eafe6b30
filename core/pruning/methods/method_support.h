#pragma once
// Pieces the baseline plugins share (methods/*_method.cpp): parameter declarations, the
// layer-average rule of spec 6.9 with its structural floor, and the bookkeeping that turns a
// selection over the visual window of a DecoderLayerView into new tokens for the trace.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/generation/hooks.h"
#include "core/pruning/method.h"

namespace vitcop::pruning::methods {

ParamSpec integerParam(std::string name, double lo, double hi, std::string def, std::string help,
                       bool proposal = false);
ParamSpec realParam(std::string name, double lo, double hi, bool loOpen, std::string def,
                    std::string help, bool proposal = false, bool hiOpen = false);
ParamSpec choiceParam(std::string name, std::vector<std::string> choices, std::string def,
                      std::string help, bool proposal = false);

std::string num(double v);
std::string joinInts(const std::vector<int64_t>& v);

// The baselines define their windows over patch tokens only: a "full" checkpoint (class token in
// the LLM sequence) is rejected before any compute, naming the method.
void requirePatchTokensOnly(const std::string& method, const ModelGeometry& geometry);

// True when the preset of `budget` applies literally: LLaVA-1.5 geometry, an integer budget in
// `presets`.
bool isPresetBudget(double budget, const VisualGeometry& geometry, const std::vector<int>& presets);

// Spec 6.9's retained count for a method that keeps all P tokens in layers 0..K-1 and R from K
// on: R = rhe((B L - K P) / (L - K)). Below the structural floor (R < 1: K P / L already
// exceeds the budget, as on a 3-layer decoder) R is clamped to 1 and `note` says so.
int64_t retainedForAverage(const std::string& method, double budget, int64_t layer,
                           const VisualGeometry& geometry, std::string& note);

// The visual window [vs, ve) of the view; PruningError naming the method and layer when its size
// is not `expected` (a schedule mismatch would silently change every later count).
std::pair<int64_t, int64_t> visualWindow(const std::string& method,
                                         const generation::DecoderLayerView& view,
                                         int64_t expected);

// The frames of `view` as the unpruned tower leaves them (frames x (1 + P) rows): the input a
// vision-side selection after block b* is defined on; PruningError naming the method otherwise.
void requireUnprunedFrames(const std::string& method, const generation::VisionLayerView& view,
                           const ModelGeometry& geometry);

// Origins of one frame after a vision-side selection: its class token (row 0, which the engine
// requires there) followed by the origins of `rows` (token indices, class token = 0).
generation::Origins classTokenThen(const generation::Origins& from,
                                   const std::vector<int64_t>& rows);

// Keeps `rows` (ascending, absolute) of the view; positions renumbered 0..n'-1 when
// `renumber`, else each row keeps its own (gaps).
void keepRows(generation::DecoderLayerView& view, const std::vector<int64_t>& rows, bool renumber);

// Scores over every input patch (frame-major raster) when the window [vs, vs + values.size())
// still holds one unmerged patch per token, each exactly once: the GUI's input heat map. No-op
// otherwise (the scores then live only on the stage's own point).
void recordInputScores(TraceRecorder& recorder, const std::string& name,
                       const generation::DecoderLayerView& view, int64_t vs,
                       const std::vector<double>& values, int64_t totalPatches);

// Values of `values` (over the window) at the visual rows of `keptRows` (absolute, any order
// of text and visual rows): the per-token annotation of the next trace point.
std::vector<double> windowValuesAt(const std::vector<double>& values, int64_t vs, int64_t ve,
                                   const std::vector<int64_t>& keptRows);

// Keeps the visual tokens `sortedGlobal` (ascending indices over the frames' concatenated tokens,
// frame-major) of a ProjectorView; a frame may keep none.
void keepProjected(generation::ProjectorView& view, const std::vector<int64_t>& sortedGlobal);

// Patch ids a merged token carries: the representative's first, then every member's.
std::vector<int32_t> mergedPatches(const std::vector<const std::vector<int32_t>*>& members);

}  // namespace vitcop::pruning::methods
