#include "core/training/model_export.h"

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "core/checkpoint/checkpoint.h"
#include "core/checkpoint/safetensors_writer.h"
#include "core/model/llava_modules.h"
#include "core/training/tokenizer_training.h"
#include "core/training/training_error.h"

namespace vitcop::training {
namespace fs = std::filesystem;

std::string configJson(const checkpoint::LlavaConfig& c) {
  nlohmann::json j = {{"architectures", {"LlavaForConditionalGeneration"}},
                      {"model_type", "llava"},
                      {"image_token_index", c.imageTokenIndex},
                      {"pad_token_id", c.padTokenId},
                      {"projector_hidden_act", c.projectorHiddenAct},
                      {"vision_feature_layer", c.visionFeatureLayers.front()},
                      {"vision_feature_select_strategy", c.visionFeatureSelectStrategy},
                      {"image_seq_length", c.imageSeqLength},
                      {"torch_dtype", "float32"},
                      {"vision_config",
                       {{"model_type", "clip_vision_model"},
                        {"hidden_size", c.vision.hiddenSize},
                        {"intermediate_size", c.vision.intermediateSize},
                        {"num_hidden_layers", c.vision.numLayers},
                        {"num_attention_heads", c.vision.numHeads},
                        {"image_size", c.vision.imageSize},
                        {"patch_size", c.vision.patchSize},
                        {"num_channels", c.vision.numChannels},
                        {"hidden_act", c.vision.hiddenAct},
                        {"layer_norm_eps", c.vision.layerNormEps}}},
                      {"text_config",
                       {{"model_type", "llama"},
                        {"vocab_size", c.text.vocabSize},
                        {"hidden_size", c.text.hiddenSize},
                        {"intermediate_size", c.text.intermediateSize},
                        {"num_hidden_layers", c.text.numLayers},
                        {"num_attention_heads", c.text.numHeads},
                        {"num_key_value_heads", c.text.numKvHeads},
                        {"head_dim", c.text.headDim},
                        {"max_position_embeddings", c.text.maxPositionEmbeddings},
                        {"hidden_act", c.text.hiddenAct},
                        {"rms_norm_eps", c.text.rmsNormEps},
                        {"rope_theta", c.text.ropeTheta},
                        {"rope_scaling", nullptr},
                        {"attention_bias", c.text.attentionBias},
                        {"mlp_bias", c.text.mlpBias},
                        {"tie_word_embeddings", c.text.tieWordEmbeddings},
                        {"bos_token_id", c.text.bosTokenId},
                        {"eos_token_id", c.text.eosTokenId}}}};
  return j.dump(2) + "\n";
}

std::string preprocessorJson(const checkpoint::ImageProcessorConfig& p) {
  nlohmann::json j = {{"image_processor_type", "CLIPImageProcessor"},
                      {"do_resize", p.doResize},
                      {"size", {{"shortest_edge", p.shortestEdge}}},
                      {"do_center_crop", p.doCenterCrop},
                      {"crop_size", {{"height", p.cropHeight}, {"width", p.cropWidth}}},
                      {"do_rescale", p.doRescale},
                      {"rescale_factor", p.rescaleFactor},
                      {"do_normalize", p.doNormalize},
                      {"image_mean", {p.imageMean[0], p.imageMean[1], p.imageMean[2]}},
                      {"image_std", {p.imageStd[0], p.imageStd[1], p.imageStd[2]}},
                      {"resample", p.resample},
                      {"do_convert_rgb", p.doConvertRgb}};
  return j.dump(2) + "\n";
}

namespace {

void writeText(const fs::path& file, const std::string& text) {
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp);
    out << text;
    if (!out) throw TrainingError("cannot write " + file.string());
  }
  fs::rename(tmp, file);
}

}  // namespace

void exportModel(const model::LlavaForConditionalGenerationImpl& module,
                 const checkpoint::ImageProcessorConfig& processor, const fs::path& tokenizerDir,
                 const fs::path& outDir, const std::map<std::string, std::string>& metadata) {
  std::error_code ec;
  fs::create_directories(outDir, ec);
  if (!fs::is_directory(outDir))
    throw TrainingError("cannot create the model folder " + outDir.string());
  // Classic names in the checkpoint module's order (its named_parameters are the names).
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& item : module.named_parameters(true))
    tensors.emplace_back(item.key(), item.value().detach().to(at::kFloat).contiguous());
  auto meta = metadata;
  meta["format"] = "pt";
  checkpoint::writeSafetensors(outDir / "model.safetensors", tensors, meta);
  writeText(outDir / "config.json", configJson(module.config));
  writeText(outDir / "preprocessor_config.json", preprocessorJson(processor));
  copyTokenizerFiles(tokenizerDir, outDir);
}

}  // namespace vitcop::training
