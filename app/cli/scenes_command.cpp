// `vitcop scenes`: writes synthetic scenes (or clips) with their questions, answers and ground
// truth so a person can look at them and the GUI can offer samples; `--corpus` writes the text
// a tokenizer is trained on.
#include <filesystem>
#include <iostream>

#include "app/cli/args.h"
#include "app/cli/command_registry.h"
#include "core/scenes/scene_export.h"

namespace {

int runScenes(const std::vector<std::string>& argv) {
  const vitcop::cli::Args args(argv, {"seed", "n", "out", "size", "corpus", "pixel-noise"},
                               {"video"});
  if (!args.positional().empty())
    throw vitcop::cli::UsageError("unexpected argument '" + args.positional()[0] + "'");
  const std::filesystem::path out = args.str("out");
  const auto seed = static_cast<uint64_t>(args.integer("seed", 0, 0, (1LL << 62)));
  if (args.has("corpus")) {
    if (args.has("n") || args.has("size") || args.has("pixel-noise") || args.flag("video"))
      throw vitcop::cli::UsageError("option --corpus takes only --out and --seed");
    const auto count = static_cast<int>(args.integer("corpus", 0, 1, 10000000));
    vitcop::scenes::writeCorpus(out, seed, count);
    std::cout << "wrote a corpus of " << count << " samples to " << out.string() << "\n";
    return 0;
  }
  vitcop::scenes::ExportRequest request;
  request.firstSeed = seed;
  request.count = static_cast<int>(args.integer("n", 1, 1, 100000));
  request.clips = args.flag("video");
  request.scene.size = static_cast<int>(args.integer("size", 336, 224, 2048));
  request.scene.pixelNoise =
      static_cast<int>(args.integer("pixel-noise", request.scene.pixelNoise, 0, 8));
  const auto jsonl = vitcop::scenes::exportSamples(out, request);
  std::cout << "wrote " << request.count << (request.clips ? " clips" : " scenes") << " to "
            << out.string() << " (ground truth: " << jsonl.filename().string() << ")\n";
  return 0;
}

VITCOP_REGISTER_COMMAND(
    "scenes", "write synthetic scenes or clips with questions, answers and ground truth",
    "vitcop scenes --out DIR [--seed S] [--n N] [--size PX] [--pixel-noise A] [--video]\n"
    "vitcop scenes --corpus N --out FILE [--seed S]\n"
    "  Writes samples with seeds S .. S+N-1 (default S = 0, N = 1) into the existing directory\n"
    "  DIR: scene_<seed>.png and scene_<seed>_labels.png (0 = background, k+1 = object k), or "
    "with\n"
    "  --video clip_<seed>_f<t>.png per frame and clip_<seed>.avi; samples.jsonl holds one line\n"
    "  per sample (objects, questions, answers, descriptions). Training seeds are [0, 2^31),\n"
    "  evaluation seeds [2^31, 2^32).\n"
    "  --size PX     image side, 224..2048 (default 336)\n"
    "  --pixel-noise A  background pixel noise amplitude 0..8 (default 3, as in training;\n"
    "                0 gives smooth backgrounds and much smaller PNGs)\n"
    "  --corpus N    instead, write the text of N samples (questions with answers, descriptions)\n"
    "                to FILE, one per line, for spm_train",
    runScenes);

}  // namespace
