#include "app/cli/default_model.h"

#include <cstdio>
#include <cstdlib>

#include "core/checkpoint/checkpoint.h"
#include "core/model/llava_model.h"

namespace vitcop::cli {
namespace {

void requireOneSource(const Args& args) {
  if (args.has("model") && args.has("random-init"))
    throw UsageError("give either --model DIR or --random-init PRESET, not both");
}

}  // namespace

std::filesystem::path modelDirFrom(const Args& args) {
  if (args.has("model")) return args.str("model");
  // VITCOP_MODEL_DIR lets an installed binary find a model elsewhere.
  if (const char* env = std::getenv("VITCOP_MODEL_DIR"); env && *env) return env;
  const std::filesystem::path embedded = VITCOP_EMBEDDED_MODEL_DIR;
  if (std::filesystem::exists(embedded / "config.json")) return embedded;
  throw UsageError("no --model given and no embedded model at " + embedded.string());
}

checkpoint::LlavaConfig modelConfigFrom(const Args& args) {
  requireOneSource(args);
  if (args.has("random-init")) return model::presetConfig(args.str("random-init"));
  // Opening validates the headers only (no weights are read) and handles every key layout.
  return checkpoint::Checkpoint::open(modelDirFrom(args)).config();
}

std::shared_ptr<const session::LoadedModel> openModel(const Args& args, bool tokenizer) {
  requireOneSource(args);
  session::LoadOptions load;
  load.device = args.str("device", "auto");
  load.dtype = args.str("dtype", "auto");
  load.tokenizer = tokenizer;
  auto model = args.has("random-init")
                   ? session::LoadedModel::randomInit(
                         args.str("random-init"), load,
                         static_cast<uint64_t>(args.integer("init-seed", 1234, 0, INT64_MAX)))
                   : session::LoadedModel::load(modelDirFrom(args), load);
  // stdout carries the command's result (often JSON): the note goes to stderr.
  if (!model->dtypeNote().empty()) std::fprintf(stderr, "note: %s\n", model->dtypeNote().c_str());
  return model;
}

}  // namespace vitcop::cli
