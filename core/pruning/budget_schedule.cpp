#include "core/pruning/budget_schedule.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "core/pruning/numeric.h"
#include "core/pruning/pruning_error.h"

namespace vitcop::pruning {
namespace {

std::string fmt(double x) {
  return formatNumber(x);
}

[[noreturn]] void fail(const std::string& what) {
  throw PruningError("vitcop schedule: " + what);
}

void requireFiniteParam(double x, const char* name) {
  if (!std::isfinite(x)) fail(std::string(name) + " must be a finite number, got " + fmt(x));
}

void validateGeometry(const VisualGeometry& g) {
  if (g.gridH < 1) fail("grid height must be >= 1, got " + std::to_string(g.gridH));
  if (g.gridW < 1) fail("grid width must be >= 1, got " + std::to_string(g.gridW));
  if (g.frames < 1) fail("frames must be >= 1, got " + std::to_string(g.frames));
  if (g.llmLayers < 3) fail("LLM layers L must be >= 3, got " + std::to_string(g.llmLayers));
}

void validateParams(const VitcopParams& p, const VisualGeometry& g) {
  requireFiniteParam(p.ratio, "ratio r");
  requireFiniteParam(p.keepRatio, "keep ratio v");
  requireFiniteParam(p.centreFraction, "centre fraction p");
  requireFiniteParam(p.deepRatio, "deep ratio");
  requireFiniteParam(p.densityCutoff, "density cutoff dc");
  requireFiniteParam(p.spatialRadius, "spatial radius tau");
  if (p.ratio <= 0) fail("ratio r must be > 0, got " + fmt(p.ratio));
  if (p.ratio > 1)
    fail("ratio r must be <= 1 (budget above the visual token count), got " + fmt(p.ratio));
  if (p.keepRatio <= 0) fail("keep ratio v must be > 0, got " + fmt(p.keepRatio));
  if (p.keepRatio > 1) fail("keep ratio v must be <= 1, got " + fmt(p.keepRatio));
  if (p.centreFraction <= 0) fail("centre fraction p must be > 0, got " + fmt(p.centreFraction));
  if (p.centreFraction >= 1) fail("centre fraction p must be < 1, got " + fmt(p.centreFraction));
  if (p.deepRatio < 1) fail("deep ratio must be >= 1, got " + fmt(p.deepRatio));
  if (p.densityCutoff <= 0) fail("density cutoff dc must be > 0, got " + fmt(p.densityCutoff));
  if (p.spatialRadius <= 0) fail("spatial radius tau must be > 0, got " + fmt(p.spatialRadius));
  // S >= 1 because Stage II reads the key cache of layer S-1.
  if (p.shallowLayer < 1)
    fail("shallow layer S must be >= 1, got " + std::to_string(p.shallowLayer));
  if (p.shallowLayer >= p.deepLayer) {
    fail("shallow layer S (" + std::to_string(p.shallowLayer) + ") must be < deep layer D (" +
         std::to_string(p.deepLayer) + ")");
  }
  if (p.deepLayer >= g.llmLayers) {
    fail("deep layer D (" + std::to_string(p.deepLayer) + ") must be < LLM layers L (" +
         std::to_string(g.llmLayers) + ")");
  }
  if (p.deepLayer >= p.budgetLayers) {
    fail("deep layer D (" + std::to_string(p.deepLayer) + ") must be < budget layers (" +
         std::to_string(p.budgetLayers) + ")");
  }
}

bool isLlava15(const VisualGeometry& g) {
  return g.gridH == 24 && g.gridW == 24 && g.frames == 1 && g.llmLayers == 32;
}

}  // namespace

std::vector<int64_t> BudgetSchedule::layerVisualTokens() const {
  std::vector<int64_t> out(static_cast<size_t>(geometry.llmLayers));
  for (int64_t l = 0; l < geometry.llmLayers; ++l) {
    out[static_cast<size_t>(l)] = l < params.shallowLayer ? stage1Tokens
                                  : l < params.deepLayer  ? shallowTokens
                                                          : deepTokens;
  }
  return out;
}

BudgetSchedule computeSchedule(const VitcopParams& params, const VisualGeometry& geometry) {
  validateGeometry(geometry);
  validateParams(params, geometry);
  BudgetSchedule s;
  s.params = params;
  s.geometry = geometry;
  const double tokens = static_cast<double>(geometry.visualTokens());
  // VQ-04: int(v * 576) in float64. Video (spec 6.10): Stage I keeps trunc(v * P) in every
  // frame, so N_v = F * trunc(v * P) (equal to upstream's count for one frame).
  s.stage1Tokens =
      geometry.frames * pyTrunc(params.keepRatio * static_cast<double>(geometry.patches()));
  if (s.stage1Tokens < 1) {
    fail("keep ratio v = " + fmt(params.keepRatio) + " keeps no token of " + fmt(tokens));
  }
  const int64_t S = params.shallowLayer, D = params.deepLayer, Lb = params.budgetLayers;
  // VQ-19: upstream's expression, operand for operand:
  // round((32 * r / v - S) / (D - S + (32 - D) / 5) * N_v); integer differences are exact.
  const double numer =
      static_cast<double>(Lb) * params.ratio / params.keepRatio - static_cast<double>(S);
  if (!(numer > 0)) {
    fail("budget too small: L*r/v = " + fmt(numer + static_cast<double>(S)) +
         " must exceed shallow layer S = " + std::to_string(S) +
         " (raise the budget or lower keep ratio v)");
  }
  const double denom = static_cast<double>(D - S) + static_cast<double>(Lb - D) / params.deepRatio;
  s.shallowExact = numer / denom * static_cast<double>(s.stage1Tokens);
  s.shallowTokens = pyRound(s.shallowExact);
  if (s.shallowTokens < 1) {
    fail("budget too small: R1 rounds to " + std::to_string(s.shallowTokens) +
         " (raise the budget)");
  }
  if (s.shallowTokens > s.stage1Tokens) {
    fail("keep ratio v = " + fmt(params.keepRatio) + " too small for the budget: R1 = " +
         std::to_string(s.shallowTokens) + " exceeds N_v = " + std::to_string(s.stage1Tokens));
  }
  s.deepExact = static_cast<double>(s.shallowTokens) / params.deepRatio;
  s.deepTokens = pyRound(s.deepExact);
  if (params.floorDeepTokens) s.deepTokens = std::max<int64_t>(1, s.deepTokens);
  if (s.deepTokens < 1) {
    fail("budget too small: R2 = rhe(" + fmt(s.deepExact) + ") is 0 (raise the budget)");
  }
  // VQ-13: max(1, int(p * n)).
  s.centres =
      std::max<int64_t>(1, pyTrunc(params.centreFraction * static_cast<double>(s.stage1Tokens)));
  const int64_t L = geometry.llmLayers;
  s.meanTokens =
      static_cast<double>(S * s.stage1Tokens + (D - S) * s.shallowTokens + (L - D) * s.deepTokens) /
      static_cast<double>(L);
  return s;
}

std::vector<int> releasedBudgets() {
  return {192, 128, 64};
}

VitcopParams releasedPreset(int budget) {
  VitcopParams p;  // S = 2, D = 22, rho = 5, 32 budget layers, dc = 8, tau = 0.6
  switch (budget) {
    case 192:
      p.ratio = 0.3333, p.keepRatio = 0.5, p.centreFraction = 0.18;
      break;
    case 128:
      p.ratio = 0.2222, p.keepRatio = 0.4, p.centreFraction = 0.15;
      break;
    case 64:
      p.ratio = 0.1111, p.keepRatio = 0.3, p.centreFraction = 0.12;
      break;
    default:
      fail("no released preset for budget " + std::to_string(budget) + " (released: 192, 128, 64)");
  }
  p.origin = "released " + std::to_string(budget);
  return p;
}

int64_t scaledShallowLayer(int64_t llmLayers) {
  return std::max<int64_t>(1, pyRound(2.0 * static_cast<double>(llmLayers) / 32.0));
}

int64_t scaledDeepLayer(int64_t llmLayers) {
  const int64_t S = scaledShallowLayer(llmLayers);
  return std::min<int64_t>(
      llmLayers - 1,
      std::max<int64_t>(S + 1, pyRound(22.0 * static_cast<double>(llmLayers) / 32.0)));
}

namespace {

bool feasible(const VitcopParams& p, const VisualGeometry& g) {
  try {
    computeSchedule(p, g);
    return true;
  } catch (const PruningError&) {
    return false;
  }
}

// A budget of a few tokens on a small grid (e.g. 11% of 16 patches over 3 layers) can leave R1 or
// R2 at 0 on the derived lines. Proposal: floor R2 at 1 and, when v was derived, lower it to the
// largest per-frame keep count whose R1 is >= 1 (a smaller v raises R1: (L r - S v) P grows).
// Schedules that are feasible as derived are returned unchanged, so LLaVA-size grids never
// come here.
VitcopParams fitTinyBudget(VitcopParams p, const VisualGeometry& g, bool mayLowerKeepRatio) {
  if (feasible(p, g)) return p;
  VitcopParams q = p;
  q.floorDeepTokens = true;
  if (feasible(q, g)) {
    q.origin += "; R2 floored at 1 (tiny budget)";
    return q;
  }
  if (!mayLowerKeepRatio) return p;  // the user's v stands; computeSchedule will say why
  const auto P = static_cast<double>(g.patches());
  for (int64_t n = pyTrunc(p.keepRatio * P); n >= 1; --n) {
    q.keepRatio = (static_cast<double>(n) + 0.5) / P;  // trunc(v * P) == n exactly
    if (feasible(q, g)) {
      q.origin += "; v lowered to keep " + std::to_string(n) +
                  " per frame and R2 floored at 1 (tiny budget)";
      return q;
    }
  }
  return p;
}

}  // namespace

VitcopParams deriveParams(double budgetTokens, const VisualGeometry& geometry,
                          const ParamOverrides& o) {
  validateGeometry(geometry);
  requireFiniteParam(budgetTokens, "budget");
  const double tokens = static_cast<double>(geometry.visualTokens());
  if (budgetTokens <= 0) fail("budget must be > 0 tokens, got " + fmt(budgetTokens));
  if (budgetTokens > tokens) {
    fail("budget " + fmt(budgetTokens) + " exceeds the " + fmt(tokens) +
         " visual tokens of the model");
  }
  VitcopParams p;
  const auto released = releasedBudgets();
  if (isLlava15(geometry) &&
      std::find(released.begin(), released.end(), static_cast<int>(budgetTokens)) !=
          released.end() &&
      static_cast<double>(static_cast<int>(budgetTokens)) == budgetTokens) {
    p = releasedPreset(static_cast<int>(budgetTokens));
  } else {
    // Spec 6.3-6.5 (proposal): r from the budget, S and D scaled with depth, v and p on the
    // lines through the released settings, v clamped so that R1 <= N_v.
    const int64_t L = geometry.llmLayers;
    p.ratio = budgetTokens / tokens;
    p.shallowLayer = scaledShallowLayer(L);
    p.deepLayer = scaledDeepLayer(L);
    p.budgetLayers = L;
    p.deepRatio = 5.0;
    const double Ld = static_cast<double>(L), Dd = static_cast<double>(p.deepLayer);
    const double vMin = 1.02 * Ld * p.ratio / (Dd + (Ld - Dd) / p.deepRatio);
    p.keepRatio = std::min(1.0, std::max(0.2 + 0.9 * p.ratio, vMin));
    p.centreFraction = std::min(0.09 + 0.27 * p.ratio, 0.5);
    p.proposal = true;
    p.origin = "derived for budget " + fmt(budgetTokens) + " (spec 6.3-6.5, proposal)";
  }
  if (o.keepRatio) p.keepRatio = *o.keepRatio;
  if (o.centreFraction) p.centreFraction = *o.centreFraction;
  if (o.deepRatio) p.deepRatio = *o.deepRatio;
  if (o.densityCutoff) p.densityCutoff = *o.densityCutoff;
  if (o.spatialRadius) p.spatialRadius = *o.spatialRadius;
  if (o.shallowLayer) p.shallowLayer = *o.shallowLayer;
  if (o.deepLayer) p.deepLayer = *o.deepLayer;
  if (o.budgetLayers) p.budgetLayers = *o.budgetLayers;
  if (p.proposal) p = fitTinyBudget(p, geometry, !o.keepRatio);
  return p;
}

double parseBudget(const std::string& text, int64_t visualTokens) {
  std::string t;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) t += c;
  }
  const bool share = !t.empty() && t.back() == '%';
  if (share) t.pop_back();
  char* end = nullptr;
  const double x = t.empty() ? NAN : std::strtod(t.c_str(), &end);
  if (t.empty() || end != t.c_str() + t.size() || !std::isfinite(x)) {
    fail("budget '" + text + "' is neither a token count (\"192\") nor a share (\"11%\")");
  }
  if (visualTokens < 1)
    fail("visual token count must be >= 1, got " + std::to_string(visualTokens));
  const double tokens = share ? x / 100.0 * static_cast<double>(visualTokens) : x;
  if (tokens <= 0) fail("budget '" + text + "' must be > 0");
  if (tokens > static_cast<double>(visualTokens)) {
    fail("budget '" + text + "' exceeds the " + std::to_string(visualTokens) +
         " visual tokens of the model");
  }
  return tokens;
}

double layerPrefillFlops(int64_t n, const LlmDims& d) {
  if (n < 0) fail("sequence length must be >= 0, got " + std::to_string(n));
  if (d.hidden < 1 || d.intermediate < 1 || d.heads < 1 || d.kvHeads < 1 || d.headDim < 1) {
    fail("LLM dims (hidden, intermediate, heads, kv heads, head dim) must all be >= 1");
  }
  if (!(d.ffnMatrices > 0)) fail("FFN matrix count must be > 0, got " + fmt(d.ffnMatrices));
  const double nn = static_cast<double>(n), dd = static_cast<double>(d.hidden);
  const double q = static_cast<double>(d.heads * d.headDim);
  const double kv = static_cast<double>(d.kvHeads * d.headDim);
  const double m = static_cast<double>(d.intermediate);
  return 2 * nn * dd * q + 2 * nn * dd * kv + 2 * nn * nn * q + d.ffnMatrices * nn * dd * m;
}

double prefillFlops(const std::vector<int64_t>& lens, const LlmDims& dims) {
  double total = 0;
  for (int64_t n : lens)
    total += layerPrefillFlops(n, dims);
  return total;
}

std::vector<int64_t> prefillLayerLengths(const BudgetSchedule& s, int64_t prefix, int64_t suffix) {
  if (prefix < 0) fail("prefix tokens must be >= 0, got " + std::to_string(prefix));
  if (suffix < 0) fail("suffix tokens must be >= 0, got " + std::to_string(suffix));
  std::vector<int64_t> lens = s.layerVisualTokens();
  for (auto& n : lens)
    n += prefix + suffix;
  return lens;
}

double meanVisualTokens(const std::vector<int64_t>& perLayer) {
  if (perLayer.empty()) fail("per-layer visual token list is empty");
  double sum = 0;
  for (int64_t n : perLayer) {
    if (n < 0) fail("per-layer visual tokens must be >= 0, got " + std::to_string(n));
    sum += static_cast<double>(n);
  }
  return sum / static_cast<double>(perLayer.size());
}

std::vector<int64_t> denseLayerLengths(const VisualGeometry& g, int64_t prefix, int64_t suffix) {
  validateGeometry(g);
  if (prefix < 0) fail("prefix tokens must be >= 0, got " + std::to_string(prefix));
  if (suffix < 0) fail("suffix tokens must be >= 0, got " + std::to_string(suffix));
  return std::vector<int64_t>(static_cast<size_t>(g.llmLayers), prefix + g.visualTokens() + suffix);
}

}  // namespace vitcop::pruning
