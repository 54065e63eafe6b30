#pragma once
// The model a command uses: --model DIR, --random-init PRESET, VITCOP_MODEL_DIR, or the
// embedded model in resources/.
#include <filesystem>
#include <memory>
#include <string>

#include "app/cli/args.h"
#include "core/checkpoint/llava_config.h"
#include "core/session/loaded_model.h"

namespace vitcop::cli {

// --model DIR, or the embedded model; throws UsageError when neither exists.
std::filesystem::path modelDirFrom(const Args& args);

// The config of the model the options name, read without loading weights, so that parameters
// can be checked before the (possibly long) load. Handles --random-init PRESET.
checkpoint::LlavaConfig modelConfigFrom(const Args& args);

// Loads --model DIR (or the default) or builds --random-init PRESET (seeded, in memory), with
// --device and --dtype. UsageError when both --model and --random-init are given.
std::shared_ptr<const session::LoadedModel> openModel(const Args& args, bool tokenizer = true);

}  // namespace vitcop::cli
