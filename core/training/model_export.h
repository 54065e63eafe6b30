#pragma once
// Writes a trained model as a llava-hf model directory: config.json, preprocessor_config.json,
// model.safetensors (float32, classic tensor names, method-spec 1.3.1) and the tokenizer files,
// loadable by checkpoint::Checkpoint::open + model::LlavaModel::load and `vitcop ask`.
#include <filesystem>
#include <map>
#include <string>

#include "core/checkpoint/llava_config.h"

namespace vitcop::model {
class LlavaForConditionalGenerationImpl;
}

namespace vitcop::training {

std::string configJson(const checkpoint::LlavaConfig& config);
std::string preprocessorJson(const checkpoint::ImageProcessorConfig& processor);

// `tokenizerDir` holds tokenizer.model and its configs. `outDir` is created if missing; files
// are replaced atomically one by one. `metadata` goes into the safetensors header.
void exportModel(const model::LlavaForConditionalGenerationImpl& module,
                 const checkpoint::ImageProcessorConfig& processor,
                 const std::filesystem::path& tokenizerDir, const std::filesystem::path& outDir,
                 const std::map<std::string, std::string>& metadata = {});

}  // namespace vitcop::training
