#include "core/trace/run_trace.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace vitcop::trace {
namespace {

using nlohmann::json;

// JSON has no infinities (VIC's delta is +inf for a token without a denser neighbour within
// the radius): non-finite scores are written as the strings "inf", "-inf" and "nan".
json scoreToJson(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

double scoreFromJson(const json& v, const std::string& where) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const auto s = v.get<std::string>();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
  }
  throw std::runtime_error(where + ": a score is neither a number nor \"inf\", \"-inf\", \"nan\"");
}

json tokenToJson(const TraceToken& t) {
  json j = {{"patches", t.patches}, {"position", t.position}};
  if (t.cluster != -2) j["cluster"] = t.cluster;
  if (t.clusterCentre) j["centre"] = true;
  if (t.merged) j["merged"] = true;
  if (!t.scores.empty()) {
    json scores = json::object();
    for (const auto& [name, v] : t.scores)
      scores[name] = scoreToJson(v);
    j["scores"] = scores;
  }
  return j;
}

// Reads key `k` of `j` as T, or throws naming the source and the JSON path.
template <typename T>
T field(const json& j, const char* k, const std::string& where) {
  if (!j.is_object() || !j.contains(k))
    throw std::runtime_error(where + ": missing key '" + k + "'");
  try {
    return j.at(k).get<T>();
  } catch (const json::exception&) {
    throw std::runtime_error(where + ": key '" + k + "' has the wrong type");
  }
}

template <typename T>
T optionalField(const json& j, const char* k, T fallback, const std::string& where) {
  return j.contains(k) ? field<T>(j, k, where) : fallback;
}

}  // namespace

std::string llmPointName(int64_t layer) {
  return "llm:" + std::to_string(layer);
}

std::optional<int64_t> llmLayerOf(const std::string& name) {
  if (name.rfind("llm:", 0) != 0 || name.size() == 4) return std::nullopt;
  int64_t v = 0;
  for (size_t i = 4; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
    v = v * 10 + (name[i] - '0');
  }
  return v;
}

const TracePoint* RunTrace::find(const std::string& name) const {
  for (const auto& p : points)
    if (p.name == name) return &p;
  return nullptr;
}

std::vector<int64_t> RunTrace::layerVisualCounts() const {
  std::vector<int64_t> counts(static_cast<size_t>(geometry.llmLayers), 0);
  for (const auto& p : points)
    if (auto l = llmLayerOf(p.name); l && *l < geometry.llmLayers)
      counts[static_cast<size_t>(*l)] = static_cast<int64_t>(p.tokens.size());
  return counts;
}

int64_t RunTrace::lastLayerAlive(int32_t patch) const {
  int64_t last = -1;
  for (const auto& p : points) {
    const auto l = llmLayerOf(p.name);
    if (!l || *l <= last) continue;
    for (const auto& t : p.tokens)
      for (int32_t q : t.patches)
        if (q == patch) {
          last = *l;
          goto next_point;
        }
  next_point:;
  }
  return last;
}

std::string RunTrace::toJson(int indent) const {
  json j;
  j["schema"] = "vitcop-trace";
  j["schema_version"] = schemaVersion;
  j["method"] = method;
  j["params"] = params;
  j["budget"] = budget;
  j["geometry"] = {{"frames", geometry.frames},
                   {"grid_side", geometry.gridSide},
                   {"patch_size", geometry.patchSize},
                   {"image_size", geometry.imageSize},
                   {"llm_layers", geometry.llmLayers}};
  j["model"] = model;
  j["inputs"] = inputs;
  j["question"] = question;
  j["answer"] = answer;
  j["equivalent_tokens"] = equivalentTokens;
  j["prefill_flops"] = prefillFlops;
  json stages = json::array();
  for (const auto& s : timings.stages)
    stages.push_back({{"stage", s.stage}, {"ms", s.milliseconds}});
  j["timings"] = stages;
  json pts = json::array();
  for (const auto& p : points) {
    json tokens = json::array();
    for (const auto& t : p.tokens)
      tokens.push_back(tokenToJson(t));
    pts.push_back(
        {{"name", p.name}, {"stage", p.stage}, {"ms", p.milliseconds}, {"tokens", tokens}});
  }
  j["points"] = pts;
  return j.dump(indent);
}

RunTrace RunTrace::fromJson(const std::string& text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw std::runtime_error(source + ": not valid JSON (byte " + std::to_string(e.byte) + ")");
  }
  if (!j.is_object() || optionalField<std::string>(j, "schema", "", source) != "vitcop-trace")
    throw std::runtime_error(source +
                             ": not a ViTCoP Inspector trace (no \"schema\": \"vitcop-trace\")");
  RunTrace t;
  t.schemaVersion = field<int>(j, "schema_version", source);
  if (t.schemaVersion != kTraceSchemaVersion)
    throw std::runtime_error(source + ": trace schema version " + std::to_string(t.schemaVersion) +
                             " is not supported (this build reads version " +
                             std::to_string(kTraceSchemaVersion) + ")");
  t.method = field<std::string>(j, "method", source);
  t.params = optionalField<std::map<std::string, std::string>>(j, "params", {}, source);
  t.budget = optionalField<double>(j, "budget", 0.0, source);
  const json& g = j.contains("geometry") ? j["geometry"] : json();
  const std::string gw = source + ": geometry";
  t.geometry.frames = field<int64_t>(g, "frames", gw);
  t.geometry.gridSide = field<int64_t>(g, "grid_side", gw);
  t.geometry.patchSize = field<int64_t>(g, "patch_size", gw);
  t.geometry.imageSize = field<int64_t>(g, "image_size", gw);
  t.geometry.llmLayers = field<int64_t>(g, "llm_layers", gw);
  t.model = optionalField<std::string>(j, "model", "", source);
  t.inputs = optionalField<std::vector<std::string>>(j, "inputs", {}, source);
  t.question = optionalField<std::string>(j, "question", "", source);
  t.answer = optionalField<std::string>(j, "answer", "", source);
  t.equivalentTokens = optionalField<double>(j, "equivalent_tokens", 0.0, source);
  t.prefillFlops = optionalField<double>(j, "prefill_flops", 0.0, source);
  if (j.contains("timings")) {
    for (const auto& s : j["timings"])
      t.timings.add(field<std::string>(s, "stage", source + ": timings"),
                    field<double>(s, "ms", source + ": timings"));
  }
  const int64_t patchLimit = t.geometry.frames * t.geometry.gridSide * t.geometry.gridSide;
  for (const auto& pj : field<json>(j, "points", source)) {
    TracePoint p;
    p.name = field<std::string>(pj, "name", source + ": points");
    const std::string where = source + ": point " + p.name;
    p.stage = optionalField<std::string>(pj, "stage", "", where);
    p.milliseconds = optionalField<double>(pj, "ms", 0.0, where);
    for (const auto& tj : field<json>(pj, "tokens", where)) {
      TraceToken tok;
      tok.patches = field<std::vector<int32_t>>(tj, "patches", where);
      for (int32_t q : tok.patches)
        if (q >= patchLimit || q < -t.geometry.frames)
          throw std::runtime_error(where + ": patch " + std::to_string(q) + " is outside the " +
                                   std::to_string(patchLimit) + "-patch geometry");
      tok.position = optionalField<int64_t>(tj, "position", -1, where);
      tok.cluster = optionalField<int32_t>(tj, "cluster", -2, where);
      tok.clusterCentre = optionalField<bool>(tj, "centre", false, where);
      tok.merged = optionalField<bool>(tj, "merged", false, where);
      if (tj.contains("scores")) {
        if (!tj["scores"].is_object())
          throw std::runtime_error(where + ": key 'scores' has the wrong type");
        for (const auto& [name, v] : tj["scores"].items())
          tok.scores[name] = scoreFromJson(v, where);
      }
      p.tokens.push_back(std::move(tok));
    }
    t.points.push_back(std::move(p));
  }
  return t;
}

}  // namespace vitcop::trace
