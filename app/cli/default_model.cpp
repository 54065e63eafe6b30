#include "app/cli/default_model.h"

#include <cstdlib>

namespace vitcop::cli {

std::filesystem::path modelDirFrom(const Args& args) {
  if (args.has("model")) return args.str("model");
  // VITCOP_MODEL_DIR lets an installed binary find a model elsewhere.
  if (const char* env = std::getenv("VITCOP_MODEL_DIR"); env && *env) return env;
  const std::filesystem::path embedded = VITCOP_EMBEDDED_MODEL_DIR;
  if (std::filesystem::exists(embedded / "config.json")) return embedded;
  throw UsageError("no --model given and no embedded model at " + embedded.string());
}

}  // namespace vitcop::cli
