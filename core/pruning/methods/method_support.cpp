#include "core/pruning/methods/method_support.h"

#include <ATen/ops/index_select.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/pruning/baselines/baseline_common.h"
#include "core/pruning/numeric.h"
#include "core/pruning/pruning_error.h"
#include "core/pruning/tensor_values.h"

namespace vitcop::pruning::methods {

ParamSpec integerParam(std::string name, double lo, double hi, std::string def, std::string help,
                       bool proposal) {
  ParamSpec s;
  s.name = std::move(name);
  s.kind = ParamKind::Integer;
  s.min = lo;
  s.max = hi;
  s.defaultText = std::move(def);
  s.help = std::move(help);
  s.proposal = proposal;
  return s;
}

ParamSpec realParam(std::string name, double lo, double hi, bool loOpen, std::string def,
                    std::string help, bool proposal, bool hiOpen) {
  ParamSpec s;
  s.name = std::move(name);
  s.kind = ParamKind::Real;
  s.min = lo;
  s.max = hi;
  s.minOpen = loOpen;
  s.maxOpen = hiOpen;
  s.defaultText = std::move(def);
  s.help = std::move(help);
  s.proposal = proposal;
  return s;
}

ParamSpec choiceParam(std::string name, std::vector<std::string> choices, std::string def,
                      std::string help, bool proposal) {
  ParamSpec s;
  s.name = std::move(name);
  s.kind = ParamKind::Choice;
  s.choices = std::move(choices);
  s.defaultText = std::move(def);
  s.help = std::move(help);
  s.proposal = proposal;
  return s;
}

std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

std::string joinInts(const std::vector<int64_t>& v) {
  std::string out;
  for (int64_t x : v)
    out += (out.empty() ? "" : ",") + std::to_string(x);
  return "[" + out + "]";
}

void requirePatchTokensOnly(const std::string& method, const ModelGeometry& g) {
  if (g.classTokenInLlm)
    throw PruningError(method +
                       ": vision_feature_select_strategy \"full\" puts the class token into the "
                       "LLM sequence, which this method's token window does not define; use a "
                       "\"default\" checkpoint");
}

void requireUnprunedFrames(const std::string& method, const generation::VisionLayerView& view,
                           const ModelGeometry& g) {
  const int64_t F = view.hidden.size(0), P = g.visual.patches();
  if (F != g.visual.frames || view.hidden.size(1) != 1 + P)
    throw PruningError(method + ": vision block " + std::to_string(view.layer) + " carries " +
                       std::to_string(F) + " x " + std::to_string(view.hidden.size(1)) +
                       " tokens, expected " + std::to_string(g.visual.frames) + " x " +
                       std::to_string(1 + P));
}

generation::Origins classTokenThen(const generation::Origins& from,
                                   const std::vector<int64_t>& rows) {
  generation::Origins to{from.at(0)};
  for (int64_t r : rows)
    to.push_back(from.at(static_cast<size_t>(r)));
  return to;
}

bool isPresetBudget(double budget, const VisualGeometry& g, const std::vector<int>& presets) {
  if (!isLlavaGeometry(g) || budget != std::floor(budget)) return false;
  return std::find(presets.begin(), presets.end(), static_cast<int>(budget)) != presets.end();
}

int64_t retainedForAverage(const std::string& method, double B, int64_t K, const VisualGeometry& g,
                           std::string& note) {
  const int64_t L = g.llmLayers, P = g.visualTokens();
  if (K < 1 || K > L - 1)
    throw PruningError(method + ": layer " + std::to_string(K) + " must be in [1, " +
                       std::to_string(L - 1) + "]");
  const double exact =
      (B * static_cast<double>(L) - static_cast<double>(K * P)) / static_cast<double>(L - K);
  int64_t R = pyRound(exact);
  if (R < 1) {
    note = "budget " + num(B) + " is below this schedule's floor of " +
           num(static_cast<double>(K * P + (L - K)) / static_cast<double>(L)) + " (layers 0.." +
           std::to_string(K - 1) + " see all " + std::to_string(P) +
           " visual tokens); R clamped to 1";
    R = 1;
  }
  return std::min(R, P);
}

std::pair<int64_t, int64_t> visualWindow(const std::string& method,
                                         const generation::DecoderLayerView& view,
                                         int64_t expected) {
  const auto [vs, ve] = view.visualSpan();
  const int64_t nv = vs < 0 ? 0 : ve - vs;
  if (nv != expected)
    throw PruningError(method + ": " + std::to_string(nv) + " visual tokens before layer " +
                       std::to_string(view.layer) + ", the schedule expects " +
                       std::to_string(expected));
  for (int64_t i = vs; i < ve; ++i)
    if (!view.tokens[static_cast<size_t>(i)].isVisual())
      throw PruningError(method + ": the visual tokens before layer " + std::to_string(view.layer) +
                         " are not contiguous");
  return {vs, ve};
}

void keepRows(generation::DecoderLayerView& view, const std::vector<int64_t>& rows, bool renumber) {
  view.select(rows);
  if (renumber)
    for (size_t i = 0; i < view.positions.size(); ++i)
      view.positions[i] = static_cast<int64_t>(i);
}

void recordInputScores(TraceRecorder& recorder, const std::string& name,
                       const generation::DecoderLayerView& view, int64_t vs,
                       const std::vector<double>& values, int64_t totalPatches) {
  if (static_cast<int64_t>(values.size()) != totalPatches) return;
  std::vector<double> byPatch(values.size(), 0.0);
  std::vector<bool> seen(values.size(), false);
  for (size_t i = 0; i < values.size(); ++i) {
    const auto& patches = view.tokens.at(static_cast<size_t>(vs) + i).patches;
    if (patches.size() != 1 || patches[0] < 0 || patches[0] >= totalPatches) return;
    const auto p = static_cast<size_t>(patches[0]);
    if (seen[p]) return;
    seen[p] = true;
    byPatch[p] = values[i];
  }
  recorder.inputScores(name, byPatch);
}

std::vector<double> windowValuesAt(const std::vector<double>& values, int64_t vs, int64_t ve,
                                   const std::vector<int64_t>& keptRows) {
  std::vector<double> out;
  for (int64_t r : keptRows)
    if (r >= vs && r < ve) out.push_back(values.at(static_cast<size_t>(r - vs)));
  return out;
}

void keepProjected(generation::ProjectorView& view, const std::vector<int64_t>& sortedGlobal) {
  int64_t offset = 0;
  size_t next = 0;
  for (auto& img : view.images) {
    const int64_t n = img.embeds.size(0);
    std::vector<int64_t> local;
    for (; next < sortedGlobal.size() && sortedGlobal[next] < offset + n; ++next)
      local.push_back(sortedGlobal[next] - offset);
    generation::Origins origins;
    for (int64_t r : local)
      origins.push_back(img.origins.at(static_cast<size_t>(r)));
    img.embeds = img.embeds.index_select(0, int64Tensor(local).to(img.embeds.device()));
    img.origins = std::move(origins);
    offset += n;
  }
  if (next != sortedGlobal.size())
    throw PruningError("projector selection: index " + std::to_string(sortedGlobal[next]) +
                       " outside the " + std::to_string(offset) + " visual tokens");
}

std::vector<int32_t> mergedPatches(const std::vector<const std::vector<int32_t>*>& members) {
  std::vector<int32_t> out;
  for (const auto* m : members)
    out.insert(out.end(), m->begin(), m->end());
  return out;
}

}  // namespace vitcop::pruning::methods
