#pragma once
// The trace of one run: which visual tokens are alive at every point of the pipeline, where each
// came from, the scores each stage used, clusters, counts and timings. This is what the GUI
// draws, what export writes and what `vitcop ask --trace` saves. Plain data (no LibTorch, no Qt)
// so every layer of the application can hold it.
//
// Points have stable names used everywhere (CLI, GUI, export):
//   "input"   every patch of every frame (the unpruned visual sequence),
//   "vision"  after the vision-side stage (e.g. ViTCoP Stage I), what enters the LLM,
//   "llm:N"   alive at the input of LLM layer N (0-based).
// Saved as JSON with a versioned schema (docs/trace-format.md).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/trace/timings.h"

namespace vitcop::trace {

inline constexpr int kTraceSchemaVersion = 1;

// Score names a stage may record per token.
inline constexpr const char* kScoreClsAttention = "cls_attention";
inline constexpr const char* kScoreKeyNorm = "k_norm";
inline constexpr const char* kScoreDensity = "rho";
inline constexpr const char* kScoreDelta = "delta";
inline constexpr const char* kScoreGamma = "gamma";

struct TraceToken {
  // Patches this token carries: frame * G*G + row * G + col (raster order); a merged token lists
  // every patch it absorbed, its representative first. A class token is -(frame + 1).
  std::vector<int32_t> patches;
  int64_t position = -1;  // RoPE position id at this point (-1: not in the LLM yet)
  int32_t cluster = -2;   // VIC label (-1 is VIC's own "unassigned" cluster); -2: none
  bool clusterCentre = false;
  bool merged = false;  // absorbed others at this point
  std::map<std::string, double> scores;
};

struct TracePoint {
  std::string name;                // "input", "vision", "llm:N"
  std::string stage;               // what produced it, e.g. "Stage I: CLS attention top-k"
  std::vector<TraceToken> tokens;  // alive visual tokens in sequence order
  double milliseconds = 0.0;       // selection time spent producing this point (0: none)
};

struct TraceGeometry {
  int64_t frames = 1;
  int64_t gridSide = 0;   // patches per side
  int64_t patchSize = 0;  // pixels
  int64_t imageSize = 0;  // model input side in pixels
  int64_t llmLayers = 0;
};

struct RunTrace {
  int schemaVersion = kTraceSchemaVersion;
  std::string method = "none";
  std::map<std::string, std::string> params;  // the method's parameters as given
  double budget = 0.0;  // requested equivalent average visual tokens (0: none)
  TraceGeometry geometry;
  std::string model;                // model directory or preset
  std::vector<std::string> inputs;  // image or video path(s)
  std::string question;
  std::string answer;
  std::vector<TracePoint> points;  // "input", "vision", then "llm:0".."llm:L-1"
  double equivalentTokens = 0.0;   // mean visual tokens over the LLM layers
  double prefillFlops = 0.0;       // analytic (method-spec 4.1)
  RunTimings timings;

  const TracePoint* find(const std::string& name) const;
  // Visual tokens alive at each LLM layer, from the "llm:N" points.
  std::vector<int64_t> layerVisualCounts() const;
  // The last LLM layer at whose input some token carrying `patch` is alive; -1 if none.
  int64_t lastLayerAlive(int32_t patch) const;

  std::string toJson(int indent = 1) const;
  // Throws std::runtime_error naming `source` and the key for malformed JSON, a missing key or
  // another schema version.
  static RunTrace fromJson(const std::string& json, const std::string& source);
};

std::string llmPointName(int64_t layer);
// Layer of an "llm:N" name; nullopt for "input"/"vision"/anything else.
std::optional<int64_t> llmLayerOf(const std::string& pointName);

}  // namespace vitcop::trace
