#pragma once
// `vitcop eval`: a held-out set (evaluation seeds only) through the inference engine as
// `vitcop ask` runs it: accuracy overall and per question type, and how much of the Stage-I
// layer's class-token attention falls on object patches next to those patches' share of the
// area (method-spec 2.3, 6.2: block b*, the block whose output is the feature layer).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/scenes/questions.h"
#include "core/session/ask.h"

namespace vitcop::training {

struct EvalOptions {
  std::filesystem::path model;
  uint64_t seed = 0;  // sample i uses evaluation seed 2^31 + seed + i
  int64_t n = 1000;   // samples; every fourth is a clip
  int clipFrames = 4;
  std::vector<scenes::QuestionType> types;  // empty = all
  std::string dtype = "auto";
  // Any method of the pruning registry, as `vitcop ask --method --budget --param` takes it;
  // configured afresh for every question (1 frame for stills, the clip's frames for clips).
  session::PruningRequest pruning;
  std::function<void(const std::string&)> log;  // progress lines
};

struct TypeScore {
  int64_t correct = 0;
  int64_t total = 0;
  double accuracy() const { return total ? static_cast<double>(correct) / total : 0.0; }
};

struct EvalResult {
  int64_t samples = 0;
  int64_t questions = 0;
  int64_t correct = 0;
  std::map<std::string, TypeScore> perType;
  double clsObjectMass = 0.0;    // mean over stills of the CLS attention share on object patches
  double objectAreaShare = 0.0;  // mean share of patches that are object patches (>= 10 % covered)
  int64_t stageIBlock = 0;
  // Mean visual tokens per LLM layer the method left on stills, as its trace recorded them.
  double equivalentTokens = 0.0;
  std::map<std::string, std::string> params;  // the method's resolved parameters (stills)
  double seconds = 0.0;
  double accuracy() const { return questions ? static_cast<double>(correct) / questions : 0.0; }
};

// Throws TrainingError for a seed range that leaves the evaluation seeds or n < 1, and
// pruning::PruningError for an unknown method or a bad budget or parameter (checked against the
// checkpoint's config for stills and clips before any weight is loaded); model loading errors
// name the folder.
EvalResult evaluate(const EvalOptions& options);

// One JSON object: accuracy, per_type, per_type_count, cls_object_mass, object_area_share,
// cls_object_ratio, questions, samples, seed, n, method, budget, params, equivalent_tokens,
// stage1_block, seconds.
std::string toJson(const EvalResult& result, const EvalOptions& options);

// Parses a question type name ("colour_of_shape", ...); TrainingError lists the known ones.
scenes::QuestionType parseQuestionType(const std::string& name);

// Lower case, surrounding spaces and a final '.' removed: how answers are compared.
std::string normaliseAnswer(const std::string& text);

}  // namespace vitcop::training
