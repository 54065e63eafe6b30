#pragma once
// Writing samples for people and the GUI to look at (PNGs, label maps, an .avi per clip and one
// JSONL line per sample) and a plain-text corpus for training a tokenizer (spm_train).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "core/scenes/sample.h"

namespace vitcop::scenes {

// One JSON object (no newline) with the sample's ground truth: objects (id, shape, colour, size,
// centre, radius, rgb, box, pixels), questions (type, question, answer) and descriptions.
// `image`/`labels` are the file names recorded for the pixels and the label map.
std::string toJsonLine(const SceneSample& s, const std::string& image, const std::string& labels);
// `frames[t]` / `labels[t]` name frame t's files; `video` the .avi ("" when none).
std::string toJsonLine(const ClipSample& s, const std::vector<std::string>& frames,
                       const std::vector<std::string>& labels, const std::string& video);

// PNG of an RGB (CV_8UC3) or single-channel image; throws ScenesError naming the file.
void writePng(const std::filesystem::path& file, const cv::Mat& image);

// Motion-JPEG .avi of RGB frames; throws ScenesError naming the file.
void writeAvi(const std::filesystem::path& file, const std::vector<Scene>& frames, double fps = 4);

struct ExportRequest {
  uint64_t firstSeed = 0;
  int count = 1;
  bool clips = false;
  SceneOptions scene;  // also the per-frame options of clips
};

// Writes samples firstSeed .. firstSeed + count - 1 into `dir` (which must exist and be
// writable): scene_<seed>.png + scene_<seed>_labels.png, or clip_<seed>_f<t>.png (+ labels) and
// clip_<seed>.avi, plus one line each in samples.jsonl. Returns the JSONL path. Throws
// ScenesError naming the directory or file at fault.
std::filesystem::path exportSamples(const std::filesystem::path& dir, const ExportRequest& request);

// `count` samples (every fourth a clip) as text lines: each question followed by its answer,
// and the descriptions; the answer vocabulary comes first so every word appears. Seeds start
// at `firstSeed`. Throws ScenesError naming the file when it cannot be written.
void writeCorpus(const std::filesystem::path& file, uint64_t firstSeed, int count);

}  // namespace vitcop::scenes
