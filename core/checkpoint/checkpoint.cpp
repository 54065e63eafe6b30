#include "core/checkpoint/checkpoint.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "core/checkpoint/json_fields.h"
#include "core/checkpoint/safetensors_dtype.h"

namespace vitcop::checkpoint {
namespace {

namespace fs = std::filesystem;

const char* const kLmHead = "language_model.lm_head.weight";
const char* const kEmbed = "language_model.model.embed_tokens.weight";

std::string shapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

// The weight files of a directory, and the file that names them all (for "missing" messages).
struct WeightFiles {
  std::vector<std::shared_ptr<SafetensorsFile>> files;
  fs::path listing;
};

std::shared_ptr<SafetensorsFile> openShard(const fs::path& dir, const std::string& shard,
                                           const fs::path& index, const std::string& tensor) {
  // weight_map values are plain file names next to the index.
  const fs::path rel(shard);
  if (shard.empty() || rel.is_absolute() || rel.has_parent_path())
    throw CheckpointError(index.string() + ": weight_map entry '" + tensor + "' names shard '" +
                          shard + "', which is not a file name in the same directory");
  const fs::path p = dir / rel;
  if (!fs::is_regular_file(p))
    throw CheckpointError(index.string() + ": shard file " + p.string() + " (holding '" + tensor +
                          "') does not exist");
  return SafetensorsFile::open(p);
}

WeightFiles openWeights(const fs::path& dir) {
  WeightFiles w;
  const fs::path single = dir / "model.safetensors";
  const fs::path index = dir / "model.safetensors.index.json";
  if (fs::is_regular_file(single)) {
    w.listing = single;
    w.files.push_back(SafetensorsFile::open(single));
    return w;
  }
  if (!fs::is_regular_file(index)) {
    std::string hint;
    if (fs::exists(dir / "pytorch_model.bin") || fs::exists(dir / "pytorch_model.bin.index.json"))
      hint = " (pytorch_model.bin found: only safetensors weights are supported)";
    throw CheckpointError(dir.string() + ": no model.safetensors or model.safetensors.index.json" +
                          hint);
  }
  w.listing = index;
  const nlohmann::json j = parseJsonObject(readTextFile(index.string()), index.string());
  if (!j.contains("weight_map") || !j["weight_map"].is_object())
    throw CheckpointError(index.string() + ": weight_map: missing or not an object");
  std::map<std::string, std::shared_ptr<SafetensorsFile>> shards;
  for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
    if (!it->is_string())
      throw CheckpointError(index.string() + ": weight_map." + it.key() + ": expected a file name");
    const std::string shard = it->get<std::string>();
    auto found = shards.find(shard);
    if (found == shards.end())
      found = shards.emplace(shard, openShard(dir, shard, index, it.key())).first;
    if (!found->second->find(it.key()))
      throw CheckpointError(index.string() + ": tensor '" + it.key() + "' is mapped to " + shard +
                            ", which does not contain it");
  }
  if (shards.empty()) throw CheckpointError(index.string() + ": weight_map is empty");
  for (auto& kv : shards)
    w.files.push_back(kv.second);
  return w;
}

// For an original-LLaVA config.json: the directory holding the CLIP tower named by
// mm_vision_tower (that path if absolute, else <dir>/<name>, else <dir>/<last component>);
// empty when not found or when the config is not original LLaVA.
fs::path findOriginalTowerDir(const fs::path& dir, const std::string& configText,
                              const std::string& source) {
  const nlohmann::json j = parseJsonObject(configText, source);
  if (j.value("model_type", nlohmann::json()) != "llava_llama") return {};
  const auto tower = j.find("mm_vision_tower");
  if (tower == j.end() || !tower->is_string() || tower->get<std::string>().empty()) return {};
  const fs::path name(tower->get<std::string>());
  for (const fs::path& candidate : {name, dir / name, dir / name.filename()}) {
    if ((candidate.is_absolute() || candidate != name) && fs::is_directory(candidate))
      return candidate;
  }
  return {};
}

template <typename Map>
bool hasVisionTensors(const Map& tensors) {
  auto it = tensors.lower_bound("vision_tower.");
  return it != tensors.end() && it->first.rfind("vision_tower.", 0) == 0;
}

bool isFloatDtype(const std::string& dtype) {
  return dtype == "F32" || dtype == "F16" || dtype == "BF16" || dtype == "F64";
}

}  // namespace

Checkpoint Checkpoint::open(const fs::path& dir) {
  if (!fs::is_directory(dir))
    throw CheckpointError(dir.string() + ": not a directory (expected a model directory)");
  Checkpoint ck;
  ck.dir_ = dir;

  const fs::path configPath = dir / "config.json";
  if (!fs::is_regular_file(configPath))
    throw CheckpointError(configPath.string() + ": missing (a model directory needs config.json)");
  const std::string configText = readTextFile(configPath.string());

  // Original LLaVA: the vision tower may live in its own CLIP directory (mm_vision_tower).
  const fs::path towerDir = findOriginalTowerDir(dir, configText, configPath.string());
  std::optional<VisionConfig> towerVision;
  if (!towerDir.empty() && fs::is_regular_file(towerDir / "config.json")) {
    const fs::path towerConfig = towerDir / "config.json";
    towerVision = clipVisionFromJsonText(readTextFile(towerConfig.string()), towerConfig.string());
  }
  ck.config_ = LlavaConfig::fromJsonText(configText, configPath.string(), towerVision);

  fs::path prepPath = dir / "preprocessor_config.json";
  if (!fs::is_regular_file(prepPath) && !towerDir.empty())
    prepPath = towerDir / "preprocessor_config.json";
  if (fs::is_regular_file(prepPath)) {
    ck.imageProcessor_ = ImageProcessorConfig::load(prepPath);
  } else {
    // No processor file: the CLIP processor for the tower's own resolution.
    ck.imageProcessor_.shortestEdge = ck.config_.vision.imageSize;
    ck.imageProcessor_.cropHeight = ck.imageProcessor_.cropWidth = ck.config_.vision.imageSize;
  }
  if (ck.config_.imageAspectRatio == "pad") ck.imageProcessor_.padToSquare = true;

  const WeightFiles weights = openWeights(dir);
  bool sawNewer = false, sawOriginal = false;
  auto addFiles = [&](const WeightFiles& w) {
    for (const auto& file : w.files) {
      for (const auto& [stored, entry] : file->entries()) {
        KeyLayout layout = KeyLayout::Classic;
        const std::string classic = classicTensorName(stored, &layout);
        if (classic.empty()) continue;
        sawNewer |= layout == KeyLayout::Newer;
        sawOriginal |= layout == KeyLayout::Original;
        auto [it, inserted] = ck.tensors_.emplace(classic, Source{file, stored});
        if (!inserted)
          throw CheckpointError(file->path().string() + ": tensor '" + stored + "' duplicates '" +
                                it->second.storedName + "' in " + it->second.file->path().string() +
                                " (both are " + classic + ")");
      }
    }
  };
  addFiles(weights);

  // The released original checkpoints hold no vision tower: take it from the CLIP directory.
  fs::path visionListing = weights.listing;
  if (ck.config_.modelType == "llava_llama" && !hasVisionTensors(ck.tensors_)) {
    if (towerDir.empty())
      throw CheckpointError(weights.listing.string() +
                            ": holds no vision tower and the CLIP checkpoint of mm_vision_tower '" +
                            ck.config_.mmVisionTower + "' was not found under " + dir.string());
    const WeightFiles tower = openWeights(towerDir);
    visionListing = tower.listing;
    addFiles(tower);
  }
  ck.layout_ = sawOriginal ? KeyLayout::Original : sawNewer ? KeyLayout::Newer : KeyLayout::Classic;

  // Every required tensor, with the shape config.json implies and a float dtype.
  std::set<std::string> expected;
  for (const auto& [name, shape] : expectedLlavaTensors(ck.config_)) {
    expected.insert(name);
    auto it = ck.tensors_.find(name);
    if (it == ck.tensors_.end()) {
      if (name == kLmHead && ck.config_.text.tieWordEmbeddings) continue;
      const fs::path& listing =
          name.rfind("vision_tower.", 0) == 0 ? visionListing : weights.listing;
      throw CheckpointError(listing.string() + ": missing tensor '" + name + "' (shape " +
                            shapeText(shape) + " per config.json)");
    }
    const TensorEntry& e = *it->second.file->find(it->second.storedName);
    const std::string where = it->second.file->path().string() + ": tensor '" + e.name + "'";
    if (e.shape != shape)
      throw CheckpointError(where + " has shape " + shapeText(e.shape) +
                            " but config.json implies " + shapeText(shape));
    if (!isFloatDtype(e.dtype))
      throw CheckpointError(where + " has dtype " + e.dtype + "; weights must be F32, F16 or BF16");
  }
  std::vector<const Source*> unexpected;
  for (const auto& [classic, src] : ck.tensors_) {
    if (!expected.count(classic)) unexpected.push_back(&src);
  }
  if (!unexpected.empty()) {
    std::string more = unexpected.size() > 1
                           ? " (and " + std::to_string(unexpected.size() - 1) + " more)"
                           : std::string();
    throw CheckpointError(unexpected.front()->file->path().string() + ": unexpected tensor '" +
                          unexpected.front()->storedName + "'" + more +
                          " not used by the model config.json describes");
  }
  return ck;
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> out;
  out.reserve(tensors_.size());
  for (const auto& kv : tensors_)
    out.push_back(kv.first);
  return out;  // std::map iterates sorted
}

bool Checkpoint::has(const std::string& classicName) const {
  if (tensors_.count(classicName)) return true;
  return classicName == kLmHead && config_.text.tieWordEmbeddings && tensors_.count(kEmbed);
}

std::vector<int64_t> Checkpoint::shape(const std::string& classicName) const {
  auto it = tensors_.find(classicName);
  if (it == tensors_.end() && classicName == kLmHead && config_.text.tieWordEmbeddings)
    it = tensors_.find(kEmbed);
  if (it == tensors_.end())
    throw CheckpointError(dir_.string() + ": no tensor '" + classicName + "'");
  return it->second.file->find(it->second.storedName)->shape;
}

at::Tensor Checkpoint::load(const std::string& classicName, c10::ScalarType dtype) const {
  auto it = tensors_.find(classicName);
  // Tied embeddings: the LM head is the embedding matrix (absent from the file).
  if (it == tensors_.end() && classicName == kLmHead && config_.text.tieWordEmbeddings)
    it = tensors_.find(kEmbed);
  if (it == tensors_.end())
    throw CheckpointError(dir_.string() + ": no tensor '" + classicName + "'");
  return it->second.file->load(it->second.storedName, dtype);
}

}  // namespace vitcop::checkpoint
