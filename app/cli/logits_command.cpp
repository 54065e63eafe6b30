// `vitcop logits`: one prefill on exactly the given input ids, written as safetensors so the
// numbers can be compared with a transformers run (method-spec 1.10): float32 `logits`
// [1, T, V], `pixel_values`, `projector_output`, and with --generate N the greedy
// `generated_ids` [N] (EOS does not stop, as transformers' generate with eos disabled).
#include <torch/torch.h>

#include <iostream>
#include <sstream>

#include "app/cli/args.h"
#include "app/cli/command_registry.h"
#include "app/cli/default_model.h"
#include "core/checkpoint/checkpoint.h"
#include "core/checkpoint/safetensors.h"
#include "core/checkpoint/safetensors_writer.h"
#include "core/generation/engine.h"
#include "core/imaging/image_io.h"
#include "core/imaging/preprocess.h"
#include "gpu/device.h"

namespace {

using vitcop::cli::UsageError;

std::vector<int64_t> parseIds(const std::string& text) {
  std::vector<int64_t> ids;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t used = 0;
    int64_t value = 0;
    try {
      value = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (item.empty() || used != item.size())
      throw UsageError("--input-ids: '" + item + "' is not an integer");
    ids.push_back(value);
  }
  if (ids.empty()) throw UsageError("--input-ids: no ids given");
  return ids;
}

at::Tensor pixelValuesFromFile(const std::string& path) {
  const auto file = vitcop::checkpoint::SafetensorsFile::open(path);
  if (!file->find("pixel_values"))
    throw std::runtime_error("--pixel-values: " + path + " has no tensor named pixel_values");
  return file->load("pixel_values", at::kFloat);
}

int runLogits(const std::vector<std::string>& argv) {
  const vitcop::cli::Args args(argv, {"model", "random-init", "init-seed", "image", "pixel-values",
                                      "input-ids", "out", "generate", "device", "dtype"});
  if (args.has("image") == args.has("pixel-values"))
    throw UsageError("give exactly one of --image FILE or --pixel-values FILE.safetensors");
  const std::vector<int64_t> ids = parseIds(args.str("input-ids"));
  const std::string out = args.str("out");
  const int64_t generate = args.integer("generate", 0, 0, 100000);

  const auto loaded = vitcop::cli::openModel(args, /*tokenizer=*/false);
  at::Tensor pixels;
  if (args.has("pixel-values")) {
    pixels = pixelValuesFromFile(args.str("pixel-values"));
  } else {
    const cv::Mat rgb = vitcop::imaging::loadImageRgb8(args.str("image"));
    pixels = vitcop::imaging::preprocessImage(rgb, loaded->imageProcessor()).pixelValues;
  }

  const vitcop::generation::Engine& engine = loaded->engine();
  vitcop::generation::GenerationOptions options;
  options.maxNewTokens = generate;
  options.stopAtEos = false;
  options.allPrefillLogits = true;
  const auto r = engine.generate(ids, pixels, options);

  std::vector<at::Tensor> rows;
  for (const auto& image : r.visual.images)
    rows.push_back(image.embeds);
  std::vector<std::pair<std::string, at::Tensor>> tensors = {
      {"logits", r.prefillLogits.to(at::kCPU, at::kFloat).unsqueeze(0).contiguous()},
      {"pixel_values", pixels.to(at::kCPU, at::kFloat).contiguous()},
      {"projector_output", torch::cat(rows).to(at::kCPU, at::kFloat).contiguous()}};
  if (generate > 0) tensors.emplace_back("generated_ids", torch::tensor(r.tokens, torch::kLong));
  vitcop::checkpoint::writeSafetensors(out, tensors);
  std::cout << "wrote " << out << ": logits [1," << r.prefillLogits.size(0) << ","
            << r.prefillLogits.size(1) << "]";
  if (generate > 0) std::cout << ", " << generate << " generated ids";
  std::cout << "\n";
  return 0;
}

VITCOP_REGISTER_COMMAND(
    "logits", "one prefill on given input ids; writes logits (and greedy ids) as safetensors",
    "vitcop logits (--model DIR | --random-init llava-1.5-7b|llava-1.5-13b [--init-seed S])\n"
    "              (--image FILE | --pixel-values FILE.safetensors)\n"
    "              --input-ids 1,17,... --out OUT.safetensors [--generate N]\n"
    "              [--device auto|cpu|cuda] [--dtype auto|f32|bf16|f16|fast]\n"
    "  Runs one prefill on exactly these ids (an image token expands to the config's\n"
    "  image_seq_length rows; the expanded form is accepted too) and writes float32 logits\n"
    "  [1,T,V], pixel_values and projector_output; --generate N adds int64 generated_ids [N]\n"
    "  (greedy, EOS does not stop).",
    runLogits);

}  // namespace
